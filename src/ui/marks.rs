//! The key to the grids' marks, so that a student reads the picture without the help.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use crate::app::App;

use super::text::put;
use super::theme;

const MARKS: &[(&str, &str)] = &[
    ("[ ] #", "current window (white)"),
    ("( ) :", "previous window"),
    ("· ·", "zero padding, outside the picture"),
    ("╌", "output not computed yet (grey checker)"),
    ("× ×", "no window ever reads this cell"),
    ("< > @", "current output cell (yellow)"),
    ("* *", "selected input cell (x, H J K L)"),
    ("+ +", "outputs the selected cell feeds"),
];

/// Lines the key takes.
pub fn height() -> u16 {
    MARKS.len() as u16 + 1
}

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    put(buf, area, area.x, area.y, "marks", theme::bold());
    for (k, (chars, meaning)) in MARKS.iter().enumerate() {
        let y = area.y + 1 + k as u16;
        put(buf, area, area.x, y, chars, app.color.fg(theme::CURRENT));
        put(buf, area, area.x + 7, y, meaning, theme::dim());
    }
}
