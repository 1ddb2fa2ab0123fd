//! A self-contained HTML page of a resolved grid: one `<pre>`, one `<span>` per style
//! run, colours in a small style sheet of classes. The text stays selectable and
//! searchable; for pixel-exact geometry (borders, heatmaps) the SVG is the format.

use std::fmt::Write as _;

use super::grid::{CellStyle, PaintedGrid};
use super::svg::escape_into;

impl CellStyle {
    /// The CSS of a span of cells that look alike.
    fn css(&self) -> String {
        let mut s = format!("color:{};background:{}", self.fg.hex(), self.bg.hex());
        if self.bold {
            s.push_str(";font-weight:bold");
        }
        if self.italic {
            s.push_str(";font-style:italic");
        }
        match (self.underline, self.crossed) {
            (true, true) => s.push_str(";text-decoration:underline line-through"),
            (true, false) => s.push_str(";text-decoration:underline"),
            (false, true) => s.push_str(";text-decoration:line-through"),
            (false, false) => {}
        }
        s
    }
}

pub fn to_html(grid: &PaintedGrid) -> String {
    // Classes numbered in order of first appearance, so the same frame gives the same file.
    let mut styles: Vec<CellStyle> = Vec::new();
    let mut body = String::new();
    for y in 0..grid.rows {
        let mut x = 0;
        while x < grid.cols {
            let style = grid.cell(x, y).style();
            let class = match styles.iter().position(|s| *s == style) {
                Some(i) => i,
                None => {
                    styles.push(style);
                    styles.len() - 1
                }
            };
            let _ = write!(body, "<span class=\"s{class}\">");
            while x < grid.cols {
                let cell = grid.cell(x, y);
                if cell.width > 0 {
                    if cell.style() != style {
                        break;
                    }
                    if cell.symbol.is_empty() {
                        body.push(' ');
                    } else {
                        escape_into(&mut body, &cell.symbol);
                    }
                }
                x += 1;
            }
            body.push_str("</span>");
        }
        body.push('\n');
    }
    let mut out = String::new();
    out.push_str(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>convstep</title>\n<style>\n",
    );
    let _ = writeln!(
        out,
        "body{{margin:0;background:{}}}\npre{{margin:0;display:inline-block;\
         font-family:'DejaVu Sans Mono','Bitstream Vera Sans Mono','Liberation Mono',Menlo,Consolas,monospace;\
         font-size:15px;line-height:18px;color:{};background:{}}}\nspan{{white-space:pre}}",
        grid.theme.bg.hex(),
        grid.theme.fg.hex(),
        grid.theme.bg.hex()
    );
    for (i, s) in styles.iter().enumerate() {
        let _ = writeln!(out, ".s{i}{{{}}}", s.css());
    }
    out.push_str("</style>\n</head>\n<body>\n<pre>");
    out.push_str(&body);
    out.push_str("</pre>\n</body>\n</html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::grid::{DEFAULT_THEME, resolve};
    use ratatui::buffer::Buffer;
    use ratatui::layout::Rect;
    use ratatui::style::{Color, Style};

    #[test]
    fn html_has_one_span_per_style_run_and_escapes_text() {
        let mut buf = Buffer::with_lines(["a<bc"]);
        buf.set_style(
            Rect::new(2, 0, 2, 1),
            Style::new().fg(Color::Rgb(255, 0, 0)),
        );
        let html = to_html(&resolve(&buf, DEFAULT_THEME));
        assert!(
            html.contains(
                "<pre><span class=\"s0\">a&lt;</span><span class=\"s1\">bc</span>\n</pre>"
            ),
            "{html}"
        );
        assert!(html.contains(".s1{color:#ff0000;background:#1d1f21}"));
    }

    #[test]
    fn a_wide_character_is_written_once() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 3, 1));
        buf.set_string(0, 0, "你x", Style::new());
        let html = to_html(&resolve(&buf, DEFAULT_THEME));
        assert!(html.contains("<span class=\"s0\">你x</span>"), "{html}");
    }
}
