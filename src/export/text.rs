//! Plain text (`.txt`) and ANSI escape codes (`.ans`) of a `Buffer`.

use std::fmt::Write as _;

use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};

use super::grid::{named_index, symbol_width};

/// Walks one row as a terminal shows it: each visible cell with its x, skipping the
/// cells that a wide character to their left covers.
fn visible_cells(buf: &Buffer, y: u16) -> impl Iterator<Item = &ratatui::buffer::Cell> {
    let area = buf.area;
    let mut covered = 0u16;
    (0..area.width).filter_map(move |x| {
        if covered > 0 {
            covered -= 1;
            return None;
        }
        let cell = &buf[(area.x + x, area.y + y)];
        covered = symbol_width(cell.symbol()).saturating_sub(1);
        Some(cell)
    })
}

fn printable(symbol: &str) -> &str {
    if symbol.chars().any(char::is_control) {
        " "
    } else {
        symbol
    }
}

/// What a `cols` x `rows` terminal shows, as `tmux capture-pane -p` prints it: one line
/// per row, trailing spaces trimmed, every line ending in a newline.
pub fn to_txt(buf: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut line = String::new();
        for cell in visible_cells(buf, y) {
            line.push_str(printable(cell.symbol()));
        }
        out.push_str(line.trim_end_matches(' '));
        out.push('\n');
    }
    out
}

/// The frame as escape codes for `cat` in a terminal: SGR colours as the program sent
/// them (Reset stays the terminal's default, named and indexed colours keep their
/// codes, RGB is truecolor `38;2`), the style reset at every line end.
pub fn to_ans(buf: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..buf.area.height {
        out.push_str(&ans_row(buf, y));
        out.push_str("\x1b[0m\n");
    }
    out
}

/// Row `y` as SGR codes and symbols, from the first cell to the last (no reset at
/// the end).
pub fn ans_row(buf: &Buffer, y: u16) -> String {
    let mut out = String::new();
    let mut current: Option<String> = None;
    for cell in visible_cells(buf, y) {
        let sgr = sgr(cell.fg, cell.bg, cell.modifier);
        if current.as_deref() != Some(sgr.as_str()) {
            out.push_str(&sgr);
            current = Some(sgr);
        }
        out.push_str(printable(cell.symbol()));
    }
    out
}

/// One complete SGR sequence, starting from a reset so each is independent.
fn sgr(fg: Color, bg: Color, modifier: Modifier) -> String {
    let mut s = String::from("\x1b[0");
    for (flag, code) in [
        (Modifier::BOLD, 1),
        (Modifier::DIM, 2),
        (Modifier::ITALIC, 3),
        (Modifier::UNDERLINED, 4),
        (Modifier::SLOW_BLINK, 5),
        (Modifier::RAPID_BLINK, 6),
        (Modifier::REVERSED, 7),
        (Modifier::HIDDEN, 8),
        (Modifier::CROSSED_OUT, 9),
    ] {
        if modifier.contains(flag) {
            let _ = write!(s, ";{code}");
        }
    }
    color_code(&mut s, fg, 30);
    color_code(&mut s, bg, 40);
    s.push('m');
    s
}

/// `base` is 30 for the foreground, 40 for the background.
fn color_code(s: &mut String, color: Color, base: u8) {
    match color {
        Color::Reset => {}
        Color::Rgb(r, g, b) => {
            let _ = write!(s, ";{};2;{r};{g};{b}", base + 8);
        }
        Color::Indexed(i) => {
            let _ = write!(s, ";{};5;{i}", base + 8);
        }
        named => {
            if let Some(i) = named_index(named) {
                let code = if i < 8 { base + i } else { base + 60 + i - 8 };
                let _ = write!(s, ";{code}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::layout::Rect;
    use ratatui::style::Style;

    #[test]
    fn txt_trims_trailing_spaces_and_keeps_every_row() {
        let buf = Buffer::with_lines(["ab  ", "    ", " c d"]);
        assert_eq!(to_txt(&buf), "ab\n\n c d\n");
    }

    #[test]
    fn txt_shows_a_wide_character_once() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 5, 1));
        buf.set_string(0, 0, "你好x", Style::new());
        assert_eq!(to_txt(&buf), "你好x\n");
    }

    #[test]
    fn ans_writes_truecolor_indexed_and_named_codes() {
        let mut buf = Buffer::with_lines(["abc"]);
        buf.set_style(Rect::new(0, 0, 1, 1), Style::new().fg(Color::Rgb(1, 2, 3)));
        buf.set_style(
            Rect::new(1, 0, 1, 1),
            Style::new()
                .bg(Color::Indexed(200))
                .add_modifier(Modifier::BOLD),
        );
        buf.set_style(Rect::new(2, 0, 1, 1), Style::new().fg(Color::LightRed));
        assert_eq!(
            to_ans(&buf),
            "\x1b[0;38;2;1;2;3ma\x1b[0;1;48;5;200mb\x1b[0;91mc\x1b[0m\n"
        );
    }

    #[test]
    fn ans_repeats_no_code_within_a_style_run() {
        let buf = Buffer::with_lines(["xy", "z "]);
        assert_eq!(to_ans(&buf), "\x1b[0mxy\x1b[0m\n\x1b[0mz \x1b[0m\n");
    }
}
