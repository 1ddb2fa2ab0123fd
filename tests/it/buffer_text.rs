//! A `Buffer` read as the text a terminal shows: the one helper every screen test uses
//! to turn a frame, or a panel's part of it, into lines.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use unicode_width::UnicodeWidthStr;

/// The rows of `area` of `buf`, each symbol once: the cell under the right half of a
/// wide character is left out, as a terminal draws nothing there. Not trimmed.
pub fn rows_in(buf: &Buffer, area: Rect) -> Vec<String> {
    (area.top()..area.bottom())
        .map(|y| {
            let mut line = String::new();
            let mut skip = 0;
            for x in area.left()..area.right() {
                if skip > 0 {
                    skip -= 1;
                    continue;
                }
                let symbol = buf[(x, y)].symbol();
                skip = symbol.width().saturating_sub(1);
                line.push_str(symbol);
            }
            line
        })
        .collect()
}

/// Every row of `buf` (see [`rows_in`]).
pub fn rows(buf: &Buffer) -> Vec<String> {
    rows_in(buf, buf.area)
}

/// The frame as the snapshots hold it: rows with trailing blanks trimmed, joined by
/// newlines.
pub fn text(buf: &Buffer) -> String {
    rows(buf)
        .iter()
        .map(|line| line.trim_end())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn a_wide_character_is_read_once_and_its_second_cell_skipped() {
    let mut buf = Buffer::empty(Rect::new(0, 0, 6, 2));
    buf.set_string(0, 0, "你好 x", ratatui::style::Style::new());
    assert_eq!(rows(&buf), vec!["你好 x", "      "]);
    assert_eq!(text(&buf), "你好 x\n");
    assert_eq!(rows_in(&buf, Rect::new(2, 0, 3, 1)), vec!["好 "]);
}
