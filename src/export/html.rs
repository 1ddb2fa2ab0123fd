//! A self-contained HTML page of a resolved grid, laid out on the same 9 x 18 px cells
//! as the PNG in any browser and with any font:
//!
//! - Under the text, an inline SVG draws every background, block element (▀ ▄ █ ...), box
//!   drawing, Braille and underline as rectangles and strokes: the SVG export's own
//!   geometry, so heatmaps tile without seams and borders join whatever the font.
//! - Over it, the text, selectable and searchable, one row per `<div>` of 18 px and one
//!   fixed-width `<span>` per run of one style. Inside a run each character advances
//!   exactly 9 px: `letter-spacing: calc(9px - 1ch)` takes the font's own advance away
//!   (a monospace font's characters are all 1ch wide), so a browser that picks Menlo or
//!   Consolas instead of DejaVu Sans Mono keeps the grid. Characters outside ASCII,
//!   which the font may lack and a fallback font draw at another width, get a box of
//!   their own, one or two cells wide (CJK), centred as the PNG centres them.
//! - The characters drawn as geometry stay in the text, transparent, so that copying the
//!   page gives what `.txt` has.
//!
//! No font is embedded (the SVG export explains why): a viewer without DejaVu Sans Mono
//! sees other letter shapes, never another layout.

use std::fmt::Write as _;

use super::grid::{PaintedCell, PaintedGrid, Srgb, Theme};
use super::raster::{CELL_H, CELL_W};
use super::shapes;
use super::svg::{escape_into, geometry, single_char};

/// The SVG export's fonts, then CJK fonts of the usual systems for what they lack.
pub(super) const FONT_STACK: &str = "'DejaVu Sans Mono','Bitstream Vera Sans Mono','Liberation Mono',\
     Menlo,Consolas,'Noto Sans Mono CJK SC','Noto Sans CJK SC','Source Han Sans SC',\
     'PingFang SC','Microsoft YaHei',monospace";

/// How a run of text is painted: its foreground, bold and italic; or `Geometry`, the
/// characters the SVG layer draws, kept as transparent text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ink {
    Text { fg: Srgb, bold: bool, italic: bool },
    Geometry,
}

impl Ink {
    /// The ink of a cell that shows something; `None` for a blank or covered cell,
    /// which any run can take in.
    fn of(cell: &PaintedCell) -> Option<Ink> {
        if cell.width == 0 || cell.symbol.trim().is_empty() {
            return None;
        }
        if single_char(cell).is_some_and(|c| shapes::shapes(c, CELL_W, CELL_H).is_some()) {
            return Some(Ink::Geometry);
        }
        Some(Ink::Text {
            fg: cell.fg,
            bold: cell.bold,
            italic: cell.italic,
        })
    }

    fn css(&self) -> String {
        match *self {
            Ink::Geometry => "color:transparent".to_string(),
            Ink::Text { fg, bold, italic } => {
                let mut s = format!("color:{}", fg.hex());
                if bold {
                    s.push_str(";font-weight:bold");
                }
                if italic {
                    s.push_str(";font-style:italic");
                }
                s
            }
        }
    }
}

/// The classes of a page's text runs, `.s0`, `.s1`, ...: each ink numbered in order of
/// first appearance, so the same frames give the same file. A page of many frames (the
/// player) shares one table.
#[derive(Debug, Default)]
pub(super) struct Inks(Vec<Ink>);

impl Inks {
    fn class(&mut self, ink: Ink) -> usize {
        match self.0.iter().position(|i| *i == ink) {
            Some(i) => i,
            None => {
                self.0.push(ink);
                self.0.len() - 1
            }
        }
    }

    /// One CSS rule a line for each class.
    pub(super) fn css(&self) -> String {
        let mut out = String::new();
        for (i, ink) in self.0.iter().enumerate() {
            let _ = writeln!(out, ".s{i}{{{}}}", ink.css());
        }
        out
    }
}

/// The rules that lay a frame of `cols` x `rows` cells out (`.f`, the frame; `.t`, its
/// text layer), each on its own line, the last without a line break.
pub(super) fn frame_css(cols: u16, rows: u16, theme: Theme) -> String {
    let (width, height) = (u32::from(cols) * CELL_W, u32::from(rows) * CELL_H);
    let (bg, fg) = (theme.bg.hex(), theme.fg.hex());
    format!(
        ".f{{position:relative;width:{width}px;height:{height}px;overflow:hidden;\
         background:{bg};color:{fg};font:15px/{CELL_H}px {FONT_STACK};\
         font-kerning:none;font-variant-ligatures:none}}\n\
         .f svg{{position:absolute;left:0;top:0}}\n\
         .t{{position:relative}}\n\
         .t div{{height:{CELL_H}px;white-space:nowrap}}\n\
         .t span{{display:inline-block;vertical-align:top;height:{CELL_H}px;white-space:pre;\
         letter-spacing:calc({CELL_W}px - 1ch);text-indent:calc(({CELL_W}px - 1ch) / 2)}}\n\
         .t .c1,.t .c2{{letter-spacing:0;text-indent:0;text-align:center}}\n\
         .t .c1{{width:{CELL_W}px}}\n.t .c2{{width:{}px}}",
        2 * CELL_W
    )
}

/// The text layer of a frame: one `<div>` a row, each without a line break.
pub(super) fn text_rows(grid: &PaintedGrid, inks: &mut Inks) -> Vec<String> {
    (0..grid.rows)
        .map(|y| {
            let mut row = String::from("<div>");
            write_row(&mut row, grid, y, inks);
            row.push_str("</div>");
            row
        })
        .collect()
}

pub fn to_html(grid: &PaintedGrid) -> String {
    let (width, height) = (u32::from(grid.cols) * CELL_W, u32::from(grid.rows) * CELL_H);
    let mut inks = Inks::default();
    let mut text = String::new();
    for row in text_rows(grid, &mut inks) {
        text.push_str(&row);
        text.push('\n');
    }
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>convstep</title>\n<style>\n",
        page_lang(grid)
    );
    let _ = writeln!(
        out,
        "body{{margin:0;background:{}}}\n{}",
        grid.theme.bg.hex(),
        frame_css(grid.cols, grid.rows, grid.theme)
    );
    out.push_str(&inks.css());
    let _ = write!(
        out,
        "</style>\n</head>\n<body>\n<div class=\"f\">\n\
         <svg width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" \
         aria-hidden=\"true\">\n{}</svg>\n<div class=\"t\">\n{text}</div>\n</div>\n</body>\n</html>\n",
        geometry(grid)
    );
    out
}

/// Row `y` as runs of one ink, each `<span>` as wide as its cells; blank cells join the
/// run they are in, and the blanks at the end of the row are left out (as `.txt` does).
fn write_row(out: &mut String, grid: &PaintedGrid, y: u16, inks: &mut Inks) {
    let Some(end) = (0..grid.cols)
        .rev()
        .find(|&x| Ink::of(grid.cell(x, y)).is_some())
        .map(|x| x + u16::from(grid.cell(x, y).width.max(1)))
    else {
        // An empty row copies as an empty line only when it holds a line break.
        out.push_str("<br>");
        return;
    };
    let mut x = 0;
    while x < end {
        // The run's ink is that of its first cell that shows something.
        let ink = (x..end)
            .find_map(|x| Ink::of(grid.cell(x, y)))
            .unwrap_or(Ink::Geometry);
        let class = inks.class(ink);
        let start = x;
        let mut body = String::new();
        while x < end {
            let cell = grid.cell(x, y);
            if Ink::of(cell).is_some_and(|i| i != ink) {
                break;
            }
            write_cell(&mut body, cell);
            x += 1;
        }
        let _ = write!(
            out,
            "<span class=\"s{class}\" style=\"width:{}px\">{body}</span>",
            u32::from(x - start) * CELL_W
        );
    }
}

/// A cell's text; characters outside ASCII in a box of their cells, except those drawn
/// as geometry (invisible, so their advance matters only to a selection's outline).
fn write_cell(out: &mut String, cell: &PaintedCell) {
    if cell.width == 0 {
        return;
    }
    if cell.symbol.trim().is_empty() {
        out.push(' ');
    } else if cell.symbol.is_ascii() || Ink::of(cell) == Some(Ink::Geometry) {
        escape_into(out, &cell.symbol);
    } else {
        let _ = write!(out, "<span class=\"c{}\">", cell.width.clamp(1, 2));
        escape_into(out, &cell.symbol);
        out.push_str("</span>");
    }
}

/// `zh-Hans` when the frame shows Chinese, so that browsers pick simplified Chinese
/// glyph forms; else `en`.
fn page_lang(grid: &PaintedGrid) -> &'static str {
    let han = |c: char| matches!(u32::from(c), 0x3400..=0x4dbf | 0x4e00..=0x9fff | 0xf900..=0xfaff);
    if grid.cells.iter().any(|c| c.symbol.chars().any(han)) {
        "zh-Hans"
    } else {
        "en"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::grid::{DEFAULT_THEME, resolve};
    use ratatui::buffer::Buffer;
    use ratatui::layout::Rect;
    use ratatui::style::{Color, Style};

    /// The text layer's rows, each the `<div>`'s inner HTML.
    fn rows(html: &str) -> Vec<&str> {
        let text = html.split("<div class=\"t\">\n").nth(1).unwrap();
        text.lines()
            .take_while(|l| l.starts_with("<div>"))
            .map(|l| &l["<div>".len()..l.len() - "</div>".len()])
            .collect()
    }

    #[test]
    fn runs_are_as_wide_as_their_cells_and_text_is_escaped() {
        let mut buf = Buffer::with_lines(["a<bc  ", "      "]);
        buf.set_style(
            Rect::new(2, 0, 2, 1),
            Style::new().fg(Color::Rgb(255, 0, 0)),
        );
        let html = to_html(&resolve(&buf, DEFAULT_THEME));
        assert_eq!(
            rows(&html),
            vec![
                "<span class=\"s0\" style=\"width:18px\">a&lt;</span>\
                 <span class=\"s1\" style=\"width:18px\">bc</span>",
                "<br>",
            ]
        );
        assert!(html.contains(".s1{color:#ff0000}"), "{html}");
        assert!(html.contains(".f{position:relative;width:54px;height:36px;"));
    }

    #[test]
    fn wide_and_non_ascii_characters_get_boxes_of_their_cells() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 6, 1));
        buf.set_string(0, 0, "你x→", Style::new());
        buf[(5, 0)].set_symbol("好");
        let grid = resolve(&buf, DEFAULT_THEME);
        // 你 covers cells 0-1, x 2, → 3, a blank 4, and 好 would need 5-6: clipped to one.
        assert_eq!(grid.cell(5, 0).width, 1);
        let html = to_html(&grid);
        assert_eq!(
            rows(&html),
            vec![
                "<span class=\"s0\" style=\"width:54px\"><span class=\"c2\">你</span>x\
                 <span class=\"c1\">→</span> <span class=\"c1\">好</span></span>"
            ]
        );
        assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"zh-Hans\">"));
    }

    #[test]
    fn block_characters_are_svg_rectangles_and_transparent_text() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 4, 1));
        buf.set_string(
            0,
            0,
            "▀▀ a",
            Style::new().fg(Color::Rgb(9, 9, 9)).bg(Color::Rgb(1, 1, 1)),
        );
        let html = to_html(&resolve(&buf, DEFAULT_THEME));
        // Upper halves merged into one 18 x 9 rectangle; the backgrounds into one strip.
        assert!(
            html.contains("<rect x=\"0\" y=\"0\" width=\"18\" height=\"9\" fill=\"#090909\"/>"),
            "{html}"
        );
        assert!(
            html.contains("<rect x=\"0\" y=\"0\" width=\"36\" height=\"18\" fill=\"#010101\"/>")
        );
        assert_eq!(
            rows(&html),
            vec![
                "<span class=\"s0\" style=\"width:27px\">▀▀ </span>\
                 <span class=\"s1\" style=\"width:9px\">a</span>"
            ]
        );
        assert!(html.contains(".s0{color:transparent}\n.s1{color:#090909}"));
        assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    }

    /// Each run's width and its text with tags and entities taken out.
    fn runs(row: &str) -> Vec<(u32, String)> {
        row.split("<span class=\"s")
            .skip(1)
            .map(|run| {
                let w = run.split("width:").nth(1).unwrap();
                let w: u32 = w[..w.find("px").unwrap()].parse().unwrap();
                let body = &run[run.find('>').unwrap() + 1..];
                let mut text = String::new();
                let mut in_tag = false;
                for c in body.chars() {
                    match c {
                        '<' => in_tag = true,
                        '>' => in_tag = false,
                        c if !in_tag => text.push(c),
                        _ => {}
                    }
                }
                let text = text
                    .replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&amp;", "&");
                (w, text)
            })
            .collect()
    }

    proptest::proptest! {
        /// Whatever a row holds (ASCII, CJK, blocks, box drawing, emoji, styles), its
        /// runs add up to the row's cells up to the last one shown, and their text is
        /// the row of the `.txt`.
        #[test]
        fn runs_tile_the_row_and_hold_its_text(
            cells in proptest::collection::vec((0usize..9, 0u8..3), 1..30)
        ) {
            const SYMBOLS: [&str; 9] = ["a", "<", " ", "你", "▀", "─", "→", "🙂", "&"];
            let cols = cells.len() as u16;
            let mut buf = Buffer::empty(Rect::new(0, 0, cols, 1));
            let mut x = 0;
            for (symbol, color) in cells {
                if x >= cols {
                    break;
                }
                let fg = Color::Indexed(color + 1);
                x = buf.set_stringn(x, 0, SYMBOLS[symbol], usize::from(cols - x), Style::new().fg(fg)).0;
            }
            let html = to_html(&resolve(&buf, DEFAULT_THEME));
            let row = rows(&html)[0];
            let txt = crate::export::text::to_txt(&buf);
            let line = txt.lines().next().unwrap();
            let runs = runs(row);
            let text: String = runs.iter().map(|(_, t)| t.as_str()).collect();
            proptest::prop_assert_eq!(text.as_str(), line);
            let width: u32 = runs.iter().map(|(w, _)| w).sum();
            let shown = unicode_width::UnicodeWidthStr::width(line) as u32;
            proptest::prop_assert_eq!(width, shown * CELL_W);
        }
    }
}
