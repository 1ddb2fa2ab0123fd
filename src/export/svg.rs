//! SVG of a resolved grid: an exact grid of 9 x 18 unit cells; backgrounds merged into
//! crisp rectangles; block elements, box drawing and Braille as rectangles and strokes;
//! text placed character by character (one x per character, centred in its cell), so
//! nothing drifts when the viewer substitutes another font.
//!
//! The font is referenced, not embedded: DejaVu Sans Mono first, then any monospace.
//! Embedding it would add about 450 KB of base64 per weight to every file, and since
//! each character has its own position and every line and block is geometry, a
//! fallback font changes letter shapes only, never the layout.

use std::collections::HashMap;
use std::fmt::Write as _;

use super::grid::{PaintedCell, PaintedGrid, Srgb};
use super::raster::{CELL_H, CELL_W, baseline_at_scale_1};
use super::shapes::{self, Shape};

const FONT_STACK: &str =
    "'DejaVu Sans Mono','Bitstream Vera Sans Mono','Liberation Mono',Menlo,Consolas,monospace";

/// A filled rectangle in SVG units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Block {
    x: u32,
    y: u32,
    w: u32,
    h: u32,
    fill: Srgb,
    alpha: u8,
}

pub fn to_svg(grid: &PaintedGrid) -> String {
    let width = u32::from(grid.cols) * CELL_W;
    let height = u32::from(grid.rows) * CELL_H;
    let mut out = String::new();
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\">\n<style>text{{font-family:{FONT_STACK};\
         font-size:15px;text-anchor:middle}}.b{{font-weight:bold}}.i{{font-style:italic}}\
         </style>\n<rect width=\"{width}\" height=\"{height}\" fill=\"{}\"/>\n",
        grid.theme.bg.hex()
    );
    out.push_str(&geometry(grid));
    for t in text_runs(grid) {
        out.push_str(&t);
    }
    out.push_str("</svg>\n");
    out
}

/// Everything of the frame that is not text, in SVG elements: backgrounds other than
/// the theme's, then block elements, box drawing, Braille and underline bars. The HTML
/// export lays the same elements under its text.
pub(super) fn geometry(grid: &PaintedGrid) -> String {
    let parts = geometry_parts(grid);
    let mut out = String::from("<g shape-rendering=\"crispEdges\">\n");
    let lines = |out: &mut String, lines: &[String]| {
        for line in lines {
            out.push_str(line);
            out.push('\n');
        }
    };
    lines(&mut out, &parts.blocks);
    out.push_str("</g>\n");
    lines(&mut out, &parts.strokes);
    out
}

/// [`geometry`]'s elements one by one, each without its line break: the rectangles
/// (drawn with crisp edges, in this order) and the strokes drawn over them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct GeometryParts {
    pub blocks: Vec<String>,
    pub strokes: Vec<String>,
}

pub(super) fn geometry_parts(grid: &PaintedGrid) -> GeometryParts {
    let (fg_blocks, strokes) = foreground_shapes(grid);
    let blocks = background_blocks(grid)
        .iter()
        .chain(&fg_blocks)
        .map(|b| {
            let mut line = String::new();
            write_block(&mut line, b);
            line
        })
        .collect();
    GeometryParts { blocks, strokes }
}

fn write_block(out: &mut String, b: &Block) {
    let _ = write!(
        out,
        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"",
        b.x,
        b.y,
        b.w,
        b.h,
        b.fill.hex()
    );
    if b.alpha != 255 {
        let _ = write!(out, " fill-opacity=\"{:.3}\"", f32::from(b.alpha) / 255.0);
    }
    out.push_str("/>");
}

/// Background runs: cells of one colour side by side become one rectangle, and equal
/// runs in consecutive rows grow into one taller rectangle. The theme background is
/// already painted whole, so its runs are left out.
fn background_blocks(grid: &PaintedGrid) -> Vec<Block> {
    let mut done: Vec<Block> = Vec::new();
    // Rectangles still growing downwards, by (x, w, fill).
    let mut open: HashMap<(u32, u32, Srgb), Block> = HashMap::new();
    for y in 0..grid.rows {
        let mut runs: Vec<(u32, u32, Srgb)> = Vec::new();
        let mut x = 0;
        while x < grid.cols {
            let bg = grid.cell(x, y).bg;
            let start = x;
            while x < grid.cols && grid.cell(x, y).bg == bg {
                x += 1;
            }
            if bg != grid.theme.bg {
                runs.push((u32::from(start) * CELL_W, u32::from(x - start) * CELL_W, bg));
            }
        }
        let mut next: HashMap<(u32, u32, Srgb), Block> = HashMap::new();
        for key in runs {
            let block = match open.remove(&key) {
                Some(mut b) => {
                    b.h += CELL_H;
                    b
                }
                None => Block {
                    x: key.0,
                    y: u32::from(y) * CELL_H,
                    w: key.1,
                    h: CELL_H,
                    fill: key.2,
                    alpha: 255,
                },
            };
            next.insert(key, block);
        }
        done.extend(open.into_values());
        open = next;
    }
    done.extend(open.into_values());
    done.sort_by_key(|b| (b.y, b.x, b.w, b.h, b.fill));
    done
}

/// Rectangles (merged along rows) and strokes (as path elements) of every cell drawn
/// as geometry, plus underline and strike-through bars.
fn foreground_shapes(grid: &PaintedGrid) -> (Vec<Block>, Vec<String>) {
    let mut blocks: Vec<Block> = Vec::new();
    let mut strokes = Vec::new();
    for y in 0..grid.rows {
        // The last block of each (y, h, fill, alpha) in this row, to extend rightwards.
        let mut last: HashMap<(u32, u32, Srgb, u8), usize> = HashMap::new();
        let mut push = |blocks: &mut Vec<Block>, b: Block| {
            let key = (b.y, b.h, b.fill, b.alpha);
            if let Some(&i) = last.get(&key) {
                let prev = &mut blocks[i];
                if prev.x + prev.w == b.x {
                    prev.w += b.w;
                    return;
                }
            }
            last.insert(key, blocks.len());
            blocks.push(b);
        };
        for x in 0..grid.cols {
            let cell = grid.cell(x, y);
            if cell.width == 0 {
                continue;
            }
            let (ox, oy) = (u32::from(x) * CELL_W, u32::from(y) * CELL_H);
            let span = u32::from(cell.width) * CELL_W;
            if let Some(shapes) = single_char(cell).and_then(|c| shapes::shapes(c, CELL_W, CELL_H))
            {
                for shape in shapes {
                    match shape {
                        Shape::Rect { x, y, w, h, alpha } => push(
                            &mut blocks,
                            Block {
                                x: ox + x,
                                y: oy + y,
                                w,
                                h,
                                fill: cell.fg,
                                alpha,
                            },
                        ),
                        other => strokes.push(stroke(ox, oy, &other, cell.fg)),
                    }
                }
            }
            let bar = |y: u32| Block {
                x: ox,
                y,
                w: span,
                h: 1,
                fill: cell.fg,
                alpha: 255,
            };
            if cell.underline {
                let base = baseline_at_scale_1().round() as u32;
                push(&mut blocks, bar(oy + (base + 1).min(CELL_H - 1)));
            }
            if cell.crossed {
                push(&mut blocks, bar(oy + CELL_H / 2));
            }
        }
    }
    (blocks, strokes)
}

fn stroke(ox: u32, oy: u32, shape: &Shape, fg: Srgb) -> String {
    let (ox, oy) = (ox as f32, oy as f32);
    let d = match *shape {
        Shape::Arc {
            cx, cy, r, start, ..
        } => {
            let point = |deg: u16| {
                let a = f32::from(deg).to_radians();
                (ox + cx + r * a.cos(), oy + cy + r * a.sin())
            };
            let (x0, y0) = point(start);
            let (x1, y1) = point(start + 90);
            format!(
                "M{} {}A{} {} 0 0 1 {} {}",
                num(x0),
                num(y0),
                num(r),
                num(r),
                num(x1),
                num(y1)
            )
        }
        Shape::Line { x0, y0, x1, y1, .. } => format!(
            "M{} {}L{} {}",
            num(ox + x0),
            num(oy + y0),
            num(ox + x1),
            num(oy + y1)
        ),
        Shape::Rect { .. } => return String::new(),
    };
    let width = match *shape {
        Shape::Arc { width, .. } | Shape::Line { width, .. } => width,
        Shape::Rect { .. } => 1.0,
    };
    format!(
        "<path d=\"{d}\" fill=\"none\" stroke=\"{}\" stroke-width=\"{}\"/>",
        fg.hex(),
        num(width)
    )
}

/// A number with at most two decimals and no trailing zeros (stable across platforms).
fn num(v: f32) -> String {
    let s = format!("{:.2}", v);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

pub(super) fn single_char(cell: &PaintedCell) -> Option<char> {
    let mut chars = cell.symbol.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) => Some(c),
        _ => None,
    }
}

/// Foreground colour, bold, italic.
type TextStyle = (Srgb, bool, bool);

/// Characters of one style in one row, with the centre x of each.
struct TextRun {
    style: TextStyle,
    xs: Vec<String>,
    text: String,
}

/// Text, one `<text>` element per row and style with one x per character (each centred
/// in its cells); symbols of several code points get an element of their own.
fn text_runs(grid: &PaintedGrid) -> Vec<String> {
    let baseline = baseline_at_scale_1();
    let mut out = Vec::new();
    for y in 0..grid.rows {
        // Runs by style, in order of first appearance.
        let mut runs: Vec<TextRun> = Vec::new();
        let ty = num(f32::from(y) * CELL_H as f32 + baseline);
        for x in 0..grid.cols {
            let cell = grid.cell(x, y);
            if cell.width == 0 || cell.symbol.trim().is_empty() {
                continue;
            }
            let c = single_char(cell);
            if c.is_some_and(|c| shapes::shapes(c, CELL_W, CELL_H).is_some()) {
                continue;
            }
            let cx = num(x as f32 * CELL_W as f32 + f32::from(cell.width) * CELL_W as f32 / 2.0);
            let style = (cell.fg, cell.bold, cell.italic);
            match c {
                Some(c) if u32::from(c) <= 0xffff => {
                    let i = match runs.iter().position(|r| r.style == style) {
                        Some(i) => i,
                        None => {
                            runs.push(TextRun {
                                style,
                                xs: Vec::new(),
                                text: String::new(),
                            });
                            runs.len() - 1
                        }
                    };
                    runs[i].xs.push(cx);
                    escape_into(&mut runs[i].text, &cell.symbol);
                }
                _ => {
                    let mut text = String::new();
                    escape_into(&mut text, &cell.symbol);
                    out.push(text_element(style, &cx, &ty, &text));
                }
            }
        }
        for run in runs {
            out.push(text_element(run.style, &run.xs.join(" "), &ty, &run.text));
        }
    }
    out
}

fn text_element((fg, bold, italic): TextStyle, xs: &str, y: &str, text: &str) -> String {
    let class = match (bold, italic) {
        (true, true) => " class=\"b i\"",
        (true, false) => " class=\"b\"",
        (false, true) => " class=\"i\"",
        (false, false) => "",
    };
    format!(
        "<text x=\"{xs}\" y=\"{y}\" fill=\"{}\"{class}>{text}</text>\n",
        fg.hex()
    )
}

/// XML-escapes text; characters XML cannot hold become U+FFFD.
pub fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' | '\n' | '\r' => out.push(' '),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::grid::{DEFAULT_THEME, resolve};
    use ratatui::buffer::Buffer;
    use ratatui::layout::Rect;
    use ratatui::style::{Color, Style};

    fn parse(svg: &str) -> roxmltree::Document<'_> {
        roxmltree::Document::parse(svg).expect("valid XML")
    }

    #[test]
    fn svg_is_xml_with_the_grid_size_and_escaped_text() {
        let buf = Buffer::with_lines(["a<b&", "\"c\" "]);
        let svg = to_svg(&resolve(&buf, DEFAULT_THEME));
        let doc = parse(&svg);
        let root = doc.root_element();
        assert_eq!(root.attribute("width"), Some("36"));
        assert_eq!(root.attribute("height"), Some("36"));
        assert_eq!(root.attribute("viewBox"), Some("0 0 36 36"));
        let texts: Vec<&str> = root
            .descendants()
            .filter(|n| n.has_tag_name("text"))
            .filter_map(|n| n.text())
            .collect();
        assert_eq!(texts, vec!["a<b&", "\"c\""]);
    }

    #[test]
    fn each_character_gets_its_own_centred_x() {
        let buf = Buffer::with_lines(["ab d"]);
        let svg = to_svg(&resolve(&buf, DEFAULT_THEME));
        let doc = parse(&svg);
        let text = doc.descendants().find(|n| n.has_tag_name("text")).unwrap();
        assert_eq!(text.attribute("x"), Some("4.5 13.5 31.5"));
        assert_eq!(text.text(), Some("abd"));
    }

    #[test]
    fn background_runs_merge_across_cells_and_rows() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 6, 3));
        // A 3x2 red block at (1, 0) and a blue cell at (5, 2).
        buf.set_style(
            Rect::new(1, 0, 3, 2),
            Style::new().bg(Color::Rgb(255, 0, 0)),
        );
        buf.set_style(
            Rect::new(5, 2, 1, 1),
            Style::new().bg(Color::Rgb(0, 0, 255)),
        );
        let svg = to_svg(&resolve(&buf, DEFAULT_THEME));
        let doc = parse(&svg);
        let rects: Vec<(String, String, String, String, String)> = doc
            .descendants()
            .filter(|n| n.has_tag_name("rect"))
            .map(|n| {
                let a = |k| n.attribute(k).unwrap_or("").to_string();
                (a("x"), a("y"), a("width"), a("height"), a("fill"))
            })
            .collect();
        assert_eq!(
            rects,
            vec![
                (
                    "".into(),
                    "".into(),
                    "54".into(),
                    "54".into(),
                    "#1d1f21".into()
                ),
                (
                    "9".into(),
                    "0".into(),
                    "27".into(),
                    "36".into(),
                    "#ff0000".into()
                ),
                (
                    "45".into(),
                    "36".into(),
                    "9".into(),
                    "18".into(),
                    "#0000ff".into()
                ),
            ]
        );
    }

    #[test]
    fn a_heatmap_row_of_half_blocks_is_rectangles_not_text() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 4, 1));
        buf.set_string(
            0,
            0,
            "▀▀▀▀",
            Style::new().fg(Color::Rgb(9, 9, 9)).bg(Color::Rgb(1, 1, 1)),
        );
        let svg = to_svg(&resolve(&buf, DEFAULT_THEME));
        let doc = parse(&svg);
        assert_eq!(
            doc.descendants().filter(|n| n.has_tag_name("text")).count(),
            0
        );
        let fg: Vec<_> = doc
            .descendants()
            .filter(|n| n.attribute("fill") == Some("#090909"))
            .map(|n| (n.attribute("width"), n.attribute("height")))
            .collect();
        // Four upper halves merged into one strip.
        assert_eq!(fg, vec![(Some("36"), Some("9"))]);
    }

    #[test]
    fn a_rounded_border_uses_arcs_and_wide_characters_centre_on_two_cells() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 4, 1));
        buf.set_string(0, 0, "╭你", Style::new());
        let svg = to_svg(&resolve(&buf, DEFAULT_THEME));
        let doc = parse(&svg);
        assert_eq!(
            doc.descendants().filter(|n| n.has_tag_name("path")).count(),
            1
        );
        let text = doc.descendants().find(|n| n.has_tag_name("text")).unwrap();
        assert_eq!(text.attribute("x"), Some("18"));
    }

    #[test]
    fn number_formatting_is_short_and_stable() {
        assert_eq!(num(4.5), "4.5");
        assert_eq!(num(18.0), "18");
        assert_eq!(num(14.1875), "14.19");
        assert_eq!(num(-0.001), "0");
    }
}
