//! The key to the grids' marks, so that a student reads the picture without the help.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use crate::app::App;
use crate::tr;

use super::grid::Mark;
use super::text::put;
use super::theme;

/// Each mark, its meaning and the mark it is (for its colour). A cell's fill is always
/// its value's colour on the scale; marks are the characters, drawn here in the colour
/// a marked half-block pixel takes in full where there is no room for characters (the
/// current output cell is filled with its yellow at every size). Each line is at most
/// [`WIDTH`] columns; the meanings are keys of the language tables.
pub const MARKS: &[(&str, &str, Option<Mark>)] = &[
    ("[ ] #", "marks.window", Some(Mark::Window)),
    ("( ) :", "marks.previous", Some(Mark::Prev)),
    ("{ } ~", "marks.detail", Some(Mark::Detail)),
    ("· ·", "marks.padding", None),
    ("╌", "marks.pending", None),
    ("× ×", "marks.unread", Some(Mark::Unreached)),
    ("< > @", "marks.output", Some(Mark::Current)),
    ("* *", "marks.selected", Some(Mark::Selected)),
    ("+ +", "marks.feeds", Some(Mark::Feeds)),
];

/// The columns the layout gives the key at least, which every line fits in.
pub const WIDTH: usize = 40;

/// Lines the key takes.
pub fn height() -> u16 {
    MARKS.len() as u16 + 1
}

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    put(
        buf,
        area,
        area.x,
        area.y,
        tr!(app.lang, "marks.title"),
        theme::bold(),
    );
    // A student's arrays (`compare --show`): their mark on the title line, which has
    // room, so that the key keeps its height.
    if app.compare.is_some() {
        let x = area.x + 9;
        put(buf, area, x, area.y, "! !", app.color.fg(theme::CURRENT));
        put(
            buf,
            area,
            x + 4,
            area.y,
            tr!(app.lang, "cmp.mark_key"),
            theme::dim(),
        );
    }
    for (k, (chars, meaning, mark)) in MARKS.iter().enumerate() {
        let y = area.y + 1 + k as u16;
        let style = match mark {
            Some(mark) => app.color.fg(mark.rgb()),
            None => app.color.fg((200, 200, 200)),
        };
        put(buf, area, area.x, y, chars, style);
        put(buf, area, area.x + 7, y, app.lang.t(meaning), theme::dim());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;
    use crate::ui::text::width;

    #[test]
    fn every_line_of_the_key_fits_the_width_it_is_given_in_every_language() {
        for lang in [Lang::En, Lang::Zh] {
            for (chars, meaning, _) in MARKS {
                assert!(width(chars) < 7);
                let meaning = lang.t(meaning);
                assert!(7 + width(meaning) <= WIDTH, "{meaning}");
            }
            assert!(width(tr!(lang, "marks.title")) <= WIDTH);
            assert!(9 + 4 + width(tr!(lang, "cmp.mark_key")) <= WIDTH);
            assert!(width(tr!(lang, "marks.title")) < 9);
        }
    }
}
