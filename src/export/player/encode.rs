//! The player's frames as differences. A frame is three lists of lines, each line one
//! element of the HTML export: the rectangles (backgrounds and blocks), the strokes
//! (curved box drawing), and the rows of text. Every distinct line is stored once, in
//! order of first use, and referred to by its number; each frame is stored as the edit
//! that turns the frame before it into it (the first, from nothing):
//!
//! `keep, delete, insert, id, id, ...` repeated: keep `keep` lines of the frame before,
//! drop the next `delete`, put the `insert` lines numbered `id` in; the lines after the
//! last group are kept. One step of the stepper changes a few cells, so its edit is a
//! few dozen numbers where the frame is thousands of elements.
//!
//! A new line is stored as a difference too, from the line at its place in the frame
//! before (a row of text where one number changed keeps the rest of the row):
//! [`stored_lines`]. [`read_lines`] and [`decode`] are the Rust mirror of the page's
//! decoder (`script.js`: `lines`, `apply`), for the round-trip test.

use std::collections::HashMap;
use std::fmt::Write as _;

/// A frame's lists: rectangles, strokes, rows of text.
pub const PARTS: usize = 3;

/// One frame: its elements, each list in drawing order.
pub type FrameLines = [Vec<String>; PARTS];

/// The most edits the shortest-edit search looks for before it settles for replacing
/// everything between the common start and end (two unrelated frames, such as two
/// pages of a tour): it bounds the search's time and memory, about (N + M) x 1024 steps
/// and 1024^2 numbers.
const MAX_EDITS: usize = 1024;

/// Frames encoded: the distinct lines and, per frame and list, its edit script.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Encoded {
    pub lines: Vec<String>,
    /// For each line, the line at its place in the frame before, if any.
    pub bases: Vec<Option<u32>>,
    pub edits: Vec<[Vec<u32>; PARTS]>,
}

/// Encodes frames one at a time (a recording may be thousands of frames: only the
/// last one is kept).
#[derive(Debug, Default)]
pub struct Encoder {
    ids: HashMap<String, u32>,
    out: Encoded,
    last: [Vec<u32>; PARTS],
}

impl Encoder {
    pub fn push(&mut self, frame: FrameLines) {
        let mut edits: [Vec<u32>; PARTS] = Default::default();
        for (k, part) in frame.into_iter().enumerate() {
            let ids: Vec<u32> = part
                .into_iter()
                .enumerate()
                .map(|(j, line)| self.id(line, self.last[k].get(j).copied()))
                .collect();
            edits[k] = edit(&self.last[k], &ids);
            self.last[k] = ids;
        }
        self.out.edits.push(edits);
    }

    fn id(&mut self, line: String, base: Option<u32>) -> u32 {
        if let Some(&id) = self.ids.get(&line) {
            return id;
        }
        let id = self.out.lines.len() as u32;
        self.out.lines.push(line.clone());
        self.out.bases.push(base);
        self.ids.insert(line, id);
        id
    }

    pub fn finish(self) -> Encoded {
        self.out
    }
}

/// The edit script from `old` to `new`: the shortest one, or else the common start
/// kept, the rest replaced.
pub fn edit(old: &[u32], new: &[u32]) -> Vec<u32> {
    let start = old.iter().zip(new).take_while(|(a, b)| a == b).count();
    let end = old[start..]
        .iter()
        .rev()
        .zip(new[start..].iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    let (a, b) = (&old[start..old.len() - end], &new[start..new.len() - end]);
    let ops = shortest_edit(a, b).unwrap_or_else(|| {
        let mut ops = vec![Op::Delete; a.len()];
        ops.extend(b.iter().map(|&id| Op::Insert(id)));
        ops
    });
    let mut script = Vec::new();
    let mut keep = start as u32;
    let mut i = 0;
    while i < ops.len() {
        if ops[i] == Op::Keep {
            keep += 1;
            i += 1;
            continue;
        }
        let (mut delete, mut insert) = (0u32, Vec::new());
        while i < ops.len() && ops[i] != Op::Keep {
            match ops[i] {
                Op::Delete => delete += 1,
                Op::Insert(id) => insert.push(id),
                Op::Keep => unreachable!(),
            }
            i += 1;
        }
        script.extend([keep, delete, insert.len() as u32]);
        script.extend(insert);
        keep = 0;
    }
    script
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Keep,
    Delete,
    Insert(u32),
}

/// Myers' O(ND) shortest edit script from `a` to `b`, one op per line kept, dropped
/// or put in; `None` beyond [`MAX_EDITS`] edits.
fn shortest_edit(a: &[u32], b: &[u32]) -> Option<Vec<Op>> {
    let (n, m) = (a.len() as isize, b.len() as isize);
    let most = (a.len() + b.len()).min(MAX_EDITS) as isize;
    let at = |k: isize| (k + most + 1) as usize;
    // v[k]: the furthest x reached on diagonal k = x - y. Before d edits only diagonals
    // -d-1..=d+1 matter: their copy is kept, to find the way back.
    let mut v = vec![0isize; 2 * most as usize + 3];
    let mut trace = Vec::new();
    for d in 0..=most {
        trace.push(v[at(-d - 1)..=at(d + 1)].to_vec());
        for k in (-d..=d).step_by(2) {
            let mut x = if k == -d || (k != d && v[at(k - 1)] < v[at(k + 1)]) {
                v[at(k + 1)]
            } else {
                v[at(k - 1)] + 1
            };
            let mut y = x - k;
            while x < n && y < m && a[x as usize] == b[y as usize] {
                x += 1;
                y += 1;
            }
            v[at(k)] = x;
            if x >= n && y >= m {
                return Some(backtrack(&trace, a, b));
            }
        }
    }
    None
}

/// The ops of the path found, from the end back: `trace[d]` holds diagonals -d-1..=d+1
/// before the d-th edit.
fn backtrack(trace: &[Vec<isize>], a: &[u32], b: &[u32]) -> Vec<Op> {
    let (mut x, mut y) = (a.len() as isize, b.len() as isize);
    let mut ops = Vec::new();
    for (d, v) in trace.iter().enumerate().rev() {
        let d = d as isize;
        let at = |k: isize| (k + d + 1) as usize;
        let k = x - y;
        let prev_k = if k == -d || (k != d && v[at(k - 1)] < v[at(k + 1)]) {
            k + 1
        } else {
            k - 1
        };
        let prev_x = v[at(prev_k)];
        let prev_y = prev_x - prev_k;
        while x > prev_x && y > prev_y {
            ops.push(Op::Keep);
            x -= 1;
            y -= 1;
        }
        if d > 0 {
            if x == prev_x {
                ops.push(Op::Insert(b[prev_y as usize]));
            } else {
                ops.push(Op::Delete);
            }
        }
        (x, y) = (prev_x, prev_y);
    }
    ops.reverse();
    ops
}

/// The lines as the page stores them, one a line: a line as it is (it starts with
/// `<`), or `~base,prefix,suffix,middle`: the first `prefix` and the last `suffix`
/// UTF-16 units (JavaScript's string indices) of line `base`, `middle` between them,
/// where that is shorter.
pub fn stored_lines(encoded: &Encoded) -> String {
    let mut out = String::new();
    for (k, line) in encoded.lines.iter().enumerate() {
        if k > 0 {
            out.push('\n');
        }
        let base = encoded.bases.get(k).copied().flatten();
        match base.and_then(|b| difference(&encoded.lines[b as usize], line).map(|d| (b, d))) {
            Some((b, (prefix, suffix, middle))) => {
                let _ = write!(out, "~{b},{prefix},{suffix},{middle}");
            }
            None => out.push_str(line),
        }
    }
    out
}

/// `line` as (prefix, suffix, middle) of `base` when that saves more than a few bytes.
fn difference<'a>(base: &str, line: &'a str) -> Option<(usize, usize, &'a str)> {
    let prefix: usize = base
        .chars()
        .zip(line.chars())
        .take_while(|(a, b)| a == b)
        .map(|(a, _)| a.len_utf8())
        .sum();
    let suffix: usize = base[prefix..]
        .chars()
        .rev()
        .zip(line[prefix..].chars().rev())
        .take_while(|(a, b)| a == b)
        .map(|(a, _)| a.len_utf8())
        .sum();
    let middle = &line[prefix..line.len() - suffix];
    let units = |s: &str| s.encode_utf16().count();
    let (prefix, suffix) = (units(&base[..prefix]), units(&base[base.len() - suffix..]));
    let stored = format!("~0000,{prefix},{suffix},").len() + middle.len();
    (stored + 8 < line.len()).then_some((prefix, suffix, middle))
}

/// The lines back from [`stored_lines`]; `None` when they do not fit together.
pub fn read_lines(stored: &str) -> Option<Vec<String>> {
    let mut lines: Vec<String> = Vec::new();
    for line in stored.split('\n') {
        let Some(diff) = line.strip_prefix('~') else {
            lines.push(line.to_string());
            continue;
        };
        let mut fields = diff.splitn(4, ',');
        let mut number = || fields.next()?.parse::<usize>().ok();
        let (base, prefix, suffix) = (number()?, number()?, number()?);
        let middle = fields.next()?;
        let base: Vec<u16> = lines.get(base)?.encode_utf16().collect();
        let end = base.len().checked_sub(suffix)?;
        let mut units = base.get(..prefix)?.to_vec();
        units.extend(middle.encode_utf16());
        units.extend(base.get(end..)?);
        lines.push(String::from_utf16(&units).ok()?);
    }
    Some(lines)
}

/// `old` with the edit script applied; `None` when the script does not fit it.
pub fn apply(old: &[u32], script: &[u32]) -> Option<Vec<u32>> {
    let mut out = Vec::with_capacity(old.len());
    let (mut i, mut p) = (0usize, 0usize);
    while p < script.len() {
        let keep = *script.get(p)? as usize;
        let delete = *script.get(p + 1)? as usize;
        let insert = *script.get(p + 2)? as usize;
        out.extend_from_slice(old.get(i..i + keep)?);
        i += keep + delete;
        out.extend_from_slice(script.get(p + 3..p + 3 + insert)?);
        p += 3 + insert;
    }
    out.extend_from_slice(old.get(i..)?);
    Some(out)
}

/// Every frame back from its edits (what the page does, in Rust); `None` when the
/// edits or line numbers do not fit.
pub fn decode(encoded: &Encoded) -> Option<Vec<FrameLines>> {
    let mut last: [Vec<u32>; PARTS] = Default::default();
    let mut frames = Vec::with_capacity(encoded.edits.len());
    for edits in &encoded.edits {
        let mut frame: FrameLines = Default::default();
        for k in 0..PARTS {
            last[k] = apply(&last[k], &edits[k])?;
            frame[k] = last[k]
                .iter()
                .map(|&id| encoded.lines.get(id as usize).cloned())
                .collect::<Option<_>>()?;
        }
        frames.push(frame);
    }
    Some(frames)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn frame(parts: [&[&str]; PARTS]) -> FrameLines {
        parts.map(|p| p.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn a_changed_line_costs_one_group_and_one_new_line() {
        let mut enc = Encoder::default();
        enc.push(frame([&["a", "b", "c", "d"], &[], &["r1", "r2"]]));
        enc.push(frame([&["a", "x", "c", "d"], &[], &["r1", "r2"]]));
        enc.push(frame([&["a", "x", "d", "e"], &["s"], &["r1", "r2"]]));
        let out = enc.finish();
        assert_eq!(out.lines, ["a", "b", "c", "d", "r1", "r2", "x", "e", "s"]);
        // Worked by hand: from nothing, insert all; then keep a, swap b for x, keep
        // the rest; then keep a x, drop c, keep d, add e.
        assert_eq!(
            out.edits[0],
            [vec![0, 0, 4, 0, 1, 2, 3], vec![], vec![0, 0, 2, 4, 5]]
        );
        assert_eq!(out.edits[1], [vec![1, 1, 1, 6], vec![], vec![]]);
        assert_eq!(
            out.edits[2],
            [vec![2, 1, 0, 1, 0, 1, 7], vec![0, 0, 1, 8], vec![]]
        );
        assert_eq!(
            decode(&out).unwrap()[2],
            frame([&["a", "x", "d", "e"], &["s"], &["r1", "r2"]])
        );
    }

    #[test]
    fn scripts_that_do_not_fit_are_refused() {
        assert_eq!(apply(&[1, 2], &[3, 0, 0]), None);
        assert_eq!(apply(&[1, 2], &[0, 1, 2, 7]), None);
        assert_eq!(apply(&[1, 2], &[0, 1, 1, 7]), Some(vec![7, 2]));
        let bad = Encoded {
            lines: vec!["a".into()],
            bases: vec![None],
            edits: vec![[vec![0, 0, 1, 1], vec![], vec![]]],
        };
        assert_eq!(decode(&bad), None);
    }

    #[test]
    fn the_search_is_shortest_and_bounded() {
        // a b c a b b a -> c b a b a c: Myers' paper's example, 5 edits.
        let (a, b) = ([1, 2, 3, 1, 2, 2, 1], [3, 2, 1, 2, 1, 3]);
        let ops = shortest_edit(&a, &b).unwrap();
        assert_eq!(ops.iter().filter(|o| **o != Op::Keep).count(), 5);
        assert_eq!(apply(&a, &edit(&a, &b)).unwrap(), b);
        // Unrelated lists beyond the bound: everything between replaced.
        let a: Vec<u32> = (0..5000).collect();
        let b: Vec<u32> = (5000..10000).collect();
        assert_eq!(shortest_edit(&a, &b), None);
        let script = edit(&a, &b);
        assert_eq!(&script[..3], &[0, 5000, 5000]);
        assert_eq!(apply(&a, &script).unwrap(), b);
    }

    #[test]
    fn a_row_that_changed_a_little_is_stored_as_its_difference() {
        let row = |v: &str| {
            format!("<div><span class=\"s0\">out = {v} · 你好 🙂 and some more text</span></div>")
        };
        let mut enc = Encoder::default();
        enc.push([vec![], vec![], vec![row("1.25"), "<div><br></div>".into()]]);
        enc.push([vec![], vec![], vec![row("-7.4"), "<div><br></div>".into()]]);
        let out = enc.finish();
        let stored = stored_lines(&out);
        // Prefix `<div><span class="s0">out = ` (28 units), suffix from the space
        // after the number: 🙂 counts two UTF-16 units, as JavaScript counts it.
        let suffix = " · 你好 🙂 and some more text</span></div>"
            .encode_utf16()
            .count();
        assert_eq!(
            stored.lines().nth(2).unwrap(),
            format!("~0,28,{suffix},-7.4")
        );
        assert_eq!(read_lines(&stored).unwrap(), out.lines);
        assert_eq!(read_lines("~5,0,0,x"), None);
        assert_eq!(read_lines("<a>\n~0,4,0,x"), None);
    }

    fn frames() -> impl Strategy<Value = Vec<FrameLines>> {
        // Few distinct lines, so that frames share and repeat lines.
        const TAILS: [&str; 4] = [
            "",
            " and a long common tail 你好",
            " and a long tail 🙂",
            "→",
        ];
        let line = (0u8..6, 0usize..4)
            .prop_map(|(l, t)| format!("<l{l} a long common head{}/>", TAILS[t]));
        let part = move || prop::collection::vec(line.clone(), 0..12);
        let frame = (part(), part(), part()).prop_map(|(a, b, c)| [a, b, c]);
        prop::collection::vec(frame, 0..12)
    }

    proptest! {
        /// decode(encode(frames)) == frames, and each line is stored once.
        #[test]
        fn frames_come_back_as_they_went_in(frames in frames()) {
            let mut enc = Encoder::default();
            for f in &frames {
                enc.push(f.clone());
            }
            let mut out = enc.finish();
            // Through the page's form of the lines, as the page reads them.
            out.lines = read_lines(&stored_lines(&out)).unwrap();
            prop_assert_eq!(decode(&out).unwrap(), frames);
            let mut lines = out.lines.clone();
            lines.sort();
            lines.dedup();
            prop_assert_eq!(lines.len(), out.lines.len());
        }
    }
}
