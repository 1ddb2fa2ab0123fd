//! Small text helpers shared by the panels: clipped writing and numbers that fit.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use unicode_width::UnicodeWidthStr;

/// Writes `text` at (x, y) clipped to `area`; returns the columns written.
pub fn put(buf: &mut Buffer, area: Rect, x: u16, y: u16, text: &str, style: Style) -> u16 {
    if y < area.y || y >= area.bottom() || x >= area.right() || x < area.x {
        return 0;
    }
    let max = (area.right() - x) as usize;
    let (end_x, _) = buf.set_stringn(x, y, text, max, style);
    end_x.saturating_sub(x)
}

/// At most 24 characters of a value the user typed (for messages), so that a pasted 309-digit
/// number or a page of text does not become the message.
pub fn shown(value: &str) -> String {
    let mut chars = value.chars();
    let head: String = chars.by_ref().take(24).collect();
    if chars.next().is_some() {
        format!("{head}…")
    } else {
        head
    }
}

/// A title shortened to `max` columns: whole when it fits, else its words that fit
/// and `…` (a lone first word is cut and ends in `…`), never a token cut silently.
pub fn shorten(title: &str, max: usize) -> String {
    if width(title) <= max {
        return title.to_string();
    }
    if max == 0 {
        return String::new();
    }
    // Whole words first.
    let mut kept = String::new();
    for word in title.split(' ') {
        let next = if kept.is_empty() {
            word.to_string()
        } else {
            format!("{kept} {word}")
        };
        if width(&next) + 2 > max {
            break;
        }
        kept = next;
    }
    if kept.is_empty() {
        // Not even the first word fits: as much of it as does.
        return with_ellipsis(title, max);
    }
    format!("{kept} …")
}

/// `text` in at most `max` columns: whole when it fits, else cut by [`with_ellipsis`].
pub fn cut(text: &str, max: usize) -> String {
    if width(text) <= max {
        return text.to_string();
    }
    with_ellipsis(text, max)
}

/// The longest start of `text` that fits in `max - 1` columns, then `…` (a lone `…`
/// when `max` is 0 or 1): the one place where text is cut with an ellipsis.
pub fn with_ellipsis(text: &str, max: usize) -> String {
    let room = max.saturating_sub(1);
    let mut out = String::new();
    let mut used = 0;
    for ch in text.chars() {
        let w = unicode_width::UnicodeWidthChar::width(ch).unwrap_or(0);
        if used + w > room {
            break;
        }
        used += w;
        out.push(ch);
    }
    out.push('…');
    out
}

/// Writes a title at (x, y), shortened with `…` to the room `area` leaves.
pub fn put_title(buf: &mut Buffer, area: Rect, x: u16, y: u16, title: &str, style: Style) -> u16 {
    if x >= area.right() {
        return 0;
    }
    let room = (area.right() - x) as usize;
    put(buf, area, x, y, &shorten(title, room), style)
}

/// `text` cut into pieces of at most `w` columns, never inside a character (a wide
/// character that would straddle the edge starts the next piece).
pub fn pieces(text: &str, w: usize) -> Vec<String> {
    let w = w.max(1);
    let mut out = Vec::new();
    let mut piece = String::new();
    let mut used = 0;
    for ch in text.chars() {
        let cw = unicode_width::UnicodeWidthChar::width(ch).unwrap_or(0);
        if used + cw > w && !piece.is_empty() {
            out.push(std::mem::take(&mut piece));
            used = 0;
        }
        piece.push(ch);
        used += cw;
    }
    if !piece.is_empty() {
        out.push(piece);
    }
    out
}

/// `text` in lines of at most `w` columns, broken at spaces; a word wider than `w`
/// alone (a run of Chinese, which has no spaces) is cut into [`pieces`].
pub fn wrap_words(text: &str, w: usize) -> Vec<String> {
    let w = w.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ').filter(|word| !word.is_empty()) {
        if !line.is_empty() && width(&line) + 1 + width(word) <= w {
            line.push(' ');
            line.push_str(word);
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        let mut parts = pieces(word, w);
        line = parts.pop().unwrap_or_default();
        lines.extend(parts);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// `text` followed by spaces to `w` columns (a wide character counts two).
pub fn pad_end(text: &str, w: usize) -> String {
    format!("{text}{}", " ".repeat(w.saturating_sub(width(text))))
}

/// Spaces to `w` columns, then `text`.
pub fn pad_start(text: &str, w: usize) -> String {
    format!("{}{text}", " ".repeat(w.saturating_sub(width(text))))
}

/// Display width of `text`.
pub fn width(text: &str) -> usize {
    UnicodeWidthStr::width(text)
}

/// `v` with `decimals` decimals, "-0.000" shown as "0.000".
pub fn fixed(v: f64, decimals: usize) -> String {
    let s = format!("{v:.decimals$}");
    if s.starts_with('-') && s[1..].chars().all(|c| c == '0' || c == '.') {
        s[1..].to_string()
    } else {
        s
    }
}

/// `v` in at most `w` characters: as many decimals (up to 3) as fit, else scientific.
pub fn fit(v: f64, w: usize) -> String {
    if !v.is_finite() {
        return format!("{v}").chars().take(w).collect();
    }
    for decimals in (0..=3).rev() {
        let s = fixed(v, decimals);
        if s.len() <= w {
            return s;
        }
    }
    let s = format!("{v:.0e}");
    if s.len() <= w { s } else { "#".repeat(w) }
}

/// A row-major table of numbers as right-aligned columns of `width`.
pub fn row_text(values: impl Iterator<Item = f64>, width: usize) -> String {
    values
        .map(|v| format!("{:>width$}", fixed(v, 3)))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_drops_decimals_before_overflowing() {
        assert_eq!(fit(0.5021, 5), "0.502");
        assert_eq!(fit(-0.3333, 5), "-0.33");
        assert_eq!(fit(255.0, 5), "255.0");
        assert_eq!(fit(-1234.0, 5), "-1234");
        assert_eq!(fit(123456.0, 5), "1e5");
        assert_eq!(fit(-0.0001, 5), "0.000");
    }

    #[test]
    fn cut_keeps_wide_characters_whole() {
        assert_eq!(pieces("abcdef", 4), ["abcd", "ef"]);
        assert_eq!(pieces("a卷积核", 4), ["a卷", "积核"]);
        assert_eq!(pieces("卷积核步长", 5), ["卷积", "核步", "长"]);
        for w in 2..12 {
            for piece in pieces(" 梯度检验：最大 rel_error 1.2e-9", w) {
                assert!(width(&piece) <= w, "{piece:?} at {w}");
            }
        }
    }

    #[test]
    fn a_title_too_long_ends_in_an_ellipsis_after_whole_words() {
        assert_eq!(shorten("dout[0] 3x3", 11), "dout[0] 3x3");
        assert_eq!(shorten("dout[0] 3x3", 10), "dout[0] …");
        assert_eq!(shorten("touches (max 8)", 14), "touches (max …");
        assert_eq!(shorten("bias b[0] = 0.000", 9), "bias …");
        assert_eq!(shorten("dx_pad c0", 8), "dx_pad …");
        assert_eq!(shorten("dx_pad c0", 4), "dx_…");
        assert_eq!(shorten("dx_pad c0", 1), "…");
        assert_eq!(shorten("dx_pad c0", 0), "");
        for max in 0..20 {
            assert!(width(&shorten("kernel w[0] sobel-x 3x3x3", max)) <= max);
        }
    }
}
