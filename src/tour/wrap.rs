//! Line breaking for narration in English and Chinese: breaks at spaces, and between
//! any two Chinese characters (which have no spaces between words), but never before
//! closing punctuation such as `，` `。` `）` nor after an opening `（`. A short group in
//! brackets, such as a shape `(1, 1, 4, 4)`, a point `(i, j)` or `（5·5·3 + 1）`, stays
//! on one line.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Characters a line may not start with.
const NO_START: &str = "，。、；：！？）」』》〉】,.;:!?)]}%…·";
/// Characters a line may not end with.
const NO_END: &str = "（「『《〈【([{";

/// Bracket groups at most this wide keep their spaces unbroken.
const MAX_GROUP: usize = 16;

fn is_wide(c: char) -> bool {
    c.width().unwrap_or(0) > 1
}

/// For each char of `line`: whether it is a space inside a short `(...)`, `[...]` or
/// `（...）` group, where the line must not break.
fn glued_spaces(line: &str) -> Vec<bool> {
    let chars: Vec<char> = line.chars().collect();
    let mut glued = vec![false; chars.len()];
    let mut k = 0;
    while k < chars.len() {
        let close = match chars[k] {
            '(' => ')',
            '[' => ']',
            '（' => '）',
            _ => {
                k += 1;
                continue;
            }
        };
        let end = chars[k + 1..]
            .iter()
            .position(|&c| c == close || "([（".contains(c))
            .map(|at| k + 1 + at)
            .filter(|&at| chars[at] == close);
        match end {
            Some(end) if chars[k..=end].iter().collect::<String>().width() <= MAX_GROUP => {
                for (at, c) in chars.iter().enumerate().take(end).skip(k + 1) {
                    glued[at] = *c == ' ';
                }
                k = end + 1;
            }
            _ => k += 1,
        }
    }
    glued
}

/// The unbreakable pieces of `line` and whether a space came before each.
fn pieces(line: &str) -> Vec<(bool, String)> {
    let mut out: Vec<(bool, String)> = Vec::new();
    let mut space_before = false;
    let mut current = String::new();
    let mut current_space = false;
    let flush = |out: &mut Vec<(bool, String)>, current: &mut String, space: bool| {
        if !current.is_empty() {
            out.push((space, std::mem::take(current)));
        }
    };
    let mut prev: Option<char> = None;
    let keep = glued_spaces(line);
    for (k, c) in line.chars().enumerate() {
        if keep[k] {
            current.push(c);
            prev = Some(c);
            continue;
        }
        if c.is_whitespace() {
            flush(&mut out, &mut current, current_space);
            space_before = true;
            prev = None;
            continue;
        }
        let glued = match prev {
            None => false,
            Some(p) => NO_START.contains(c) || NO_END.contains(p) || (!is_wide(c) && !is_wide(p)),
        };
        if !glued {
            flush(&mut out, &mut current, current_space);
            current_space = space_before;
        }
        space_before = false;
        current.push(c);
        prev = Some(c);
    }
    flush(&mut out, &mut current, current_space);
    out
}

/// Splits `text` into lines at most `width` columns wide (a piece wider than
/// `width` is cut by characters). Existing line breaks are kept.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    for source in text.lines() {
        // A line's own indent is kept (a formula's second line, say).
        let indent = source.len() - source.trim_start_matches(' ').len();
        let indent = if indent < width / 2 { indent } else { 0 };
        let mut line = " ".repeat(indent);
        // Columns of the current line before its first word (the indent, then 0).
        let mut base = indent;
        let mut used = indent;
        for (space, piece) in pieces(source) {
            let gap = usize::from(space && used > base);
            let w = piece.width();
            if used > base && used + gap + w > width {
                lines.push(std::mem::take(&mut line));
                (base, used) = (0, 0);
            }
            if used > base && gap == 1 {
                line.push(' ');
                used += 1;
            }
            for c in piece.chars() {
                let cw = c.width().unwrap_or(0);
                if used > base && used + cw > width {
                    lines.push(std::mem::take(&mut line));
                    (base, used) = (0, 0);
                }
                if used == base && c == ' ' {
                    // A glued space that a cut brought to the start of a line.
                    continue;
                }
                line.push(c);
                used += cw;
            }
        }
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_breaks_at_spaces() {
        assert_eq!(wrap("one two three", 7), ["one two", "three"]);
        assert_eq!(wrap("one two three", 20), ["one two three"]);
        assert_eq!(wrap("abcdefgh", 3), ["abc", "def", "gh"]);
        assert_eq!(wrap("a\n\nb", 5), ["a", "", "b"]);
        assert_eq!(wrap("a\n  b c", 8), ["a", "  b c"]);
    }

    #[test]
    fn chinese_breaks_between_characters_but_not_before_punctuation() {
        // Each character is two columns wide.
        assert_eq!(wrap("一二三四五", 6), ["一二三", "四五"]);
        // "三，" stays together: the comma may not start a line.
        assert_eq!(wrap("一二三，四", 6), ["一二", "三，四"]);
        // A Latin word between Chinese characters moves whole.
        assert_eq!(wrap("步长 stride 是", 8), ["步长", "stride", "是"]);
        assert_eq!(wrap("（一）二", 6), ["（一）", "二"]);
    }

    #[test]
    fn short_bracket_groups_stay_whole() {
        assert_eq!(
            wrap("dx has shape (1, 1, 4, 4).", 18),
            ["dx has shape", "(1, 1, 4, 4)."]
        );
        assert_eq!(wrap("at (i, j) = (2, 1)", 8), ["at", "(i, j) =", "(2, 1)"]);
        assert_eq!(wrap("x[i+m, j+n] here", 6), ["x[i+m,", "j+n]", "here"]);
        assert_eq!(
            wrap("参数：76（5·5·3 + 1）", 16),
            ["参数：76", "（5·5·3 + 1）"]
        );
        // A long group breaks at its spaces as ever.
        let long = "(this group is far too long to keep)";
        assert_eq!(wrap(long, 20), ["(this group is far", "too long to keep)"]);
    }

    #[test]
    fn no_line_is_wider_than_asked() {
        let text =
            "最后一步之后，dx_pad (1, 3, 8, 8) 的填充圈上也有梯度，但那一圈不是 x 的一部分。";
        for width in 1..40 {
            for line in wrap(text, width) {
                assert!(line.width() <= width.max(2), "{line:?} at {width}");
            }
        }
        let joined: String = wrap(text, 11).concat();
        let squeeze = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
        assert_eq!(squeeze(&joined), squeeze(text));
    }
}
