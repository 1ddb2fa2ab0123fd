//! Line breaking for narration in English and Chinese: breaks at spaces, and between
//! any two Chinese characters (which have no spaces between words), but never before
//! closing punctuation such as `，` `。` `）` nor after an opening `（`.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Characters a line may not start with.
const NO_START: &str = "，。、；：！？）」』》〉】,.;:!?)]}%…·";
/// Characters a line may not end with.
const NO_END: &str = "（「『《〈【([{";

fn is_wide(c: char) -> bool {
    c.width().unwrap_or(0) > 1
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
    for c in line.chars() {
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
        let mut line = String::new();
        let mut used = 0;
        for (space, piece) in pieces(source) {
            let gap = usize::from(space && used > 0);
            let w = piece.width();
            if used > 0 && used + gap + w > width {
                lines.push(std::mem::take(&mut line));
                used = 0;
            }
            if used > 0 && gap == 1 {
                line.push(' ');
                used += 1;
            }
            for c in piece.chars() {
                let cw = c.width().unwrap_or(0);
                if used > 0 && used + cw > width {
                    lines.push(std::mem::take(&mut line));
                    used = 0;
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
