//! The feature maps, one per filter: forward, the outputs computed so far on a
//! diverging scale (later cells empty); backward, dout, full where its step has run.
//! The current cell is marked, and so is every output the selected input cell feeds.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

use crate::app::{App, Phase};
use crate::conv::OutPos;

use super::blocks::{Best, BlockFn};
use super::grid::{Grid, GridCell, Kind, Mark};
use super::text::{fit, put};
use super::theme;
use crate::tr;

/// The grids of `filters`.
pub fn grids<'a>(app: &'a App, filters: &[usize]) -> Vec<Grid<'a>> {
    let g = app.layer().geom;
    let pos = app.pos();
    let backward = app.phase == Phase::Backward;
    filters
        .iter()
        .map(|&f| {
            let scale = map_scale(app, f).max(1e-12);
            let label = super::input_grid::kernel_name(app, f);
            let title = if backward {
                tr!(app.lang, "title.dout", f = f, name = label)
            } else {
                tr!(app.lang, "title.out", f = f, name = label)
            };
            Grid {
                block: map_block(app, f),
                title,
                rows: g.h_out,
                cols: g.w_out,
                focus: ((pos.i, pos.j), (pos.i, pos.j)),
                cell: Box::new(move |i, j| {
                    let here = OutPos { f, i, j, ..pos };
                    let known = app.known(here);
                    let mut mark = Mark::None;
                    if app.feeds.contains(&(i, j)) {
                        mark = Mark::Feeds;
                    }
                    if here == pos {
                        mark = Mark::Current;
                    }
                    let v = if backward {
                        app.scene.dout[[pos.n, f, i, j]]
                    } else {
                        app.out()[[pos.n, f, i, j]]
                    };
                    let kind = match (backward, known) {
                        (_, true) => Kind::Value,
                        (true, false) => Kind::Faded,
                        (false, false) => Kind::Empty,
                    };
                    let t = v / scale;
                    GridCell {
                        kind,
                        value: v,
                        rgb: theme::diverging(t),
                        shade: t.abs(),
                        mark,
                    }
                }),
            }
        })
        .collect()
}

/// The cell a shrunk block of map `f` shows, as its cells would choose it: in the
/// backward phase every dout cell has one rank (reached or not); in the forward phase
/// the outputs computed so far (a prefix of the map's rows, steps going n, f, i, j)
/// outrank the others. The marks: the cells the selection feeds and the current one.
fn map_block(app: &App, f: usize) -> Option<BlockFn<'_>> {
    let g = app.layer().geom;
    let pos = app.pos();
    let backward = app.phase == Phase::Backward;
    let array = if backward {
        app.scene.dout.view()
    } else {
        app.out().view()
    };
    let plane = array.slice_move(ndarray::s![pos.n, f, .., ..]).to_slice()?;
    let w = g.w_out;
    let known = app
        .step
        .saturating_sub((pos.n * g.f + f) * g.h_out * g.w_out);
    Some(Box::new(move |rows, cols| {
        let mut best = Best::new();
        for r in rows.clone() {
            let row = &plane[r * w..(r + 1) * w];
            let split = if backward {
                cols.end
            } else {
                known.saturating_sub(r * w).clamp(cols.start, cols.end)
            };
            best.offer_run(r, cols.start..split, 2, Some(&row[cols.start..split]));
            best.offer_run(r, split..cols.end, 1, Some(&row[split..cols.end]));
        }
        let mut mark = Mark::None;
        if app
            .feeds
            .iter()
            .any(|(i, j)| rows.contains(i) && cols.contains(j))
        {
            mark = Mark::Feeds;
        }
        if pos.f == f && rows.contains(&pos.i) && cols.contains(&pos.j) {
            mark = Mark::Current;
        }
        (best.cell(), mark)
    }))
}

/// Map `f`'s own colour scale (of image n): the 99th percentile of its |values|
/// (`SceneCache::out_scale`), its colours saturating beyond.
pub fn map_scale(app: &App, f: usize) -> f64 {
    let g = app.layer().geom;
    let scales = if app.phase == Phase::Backward {
        &app.backward_ranges().dout_scale
    } else {
        &app.forward_ranges().out_scale
    };
    scales.get(app.pos().n * g.f + f).copied().unwrap_or(0.0)
}

/// Whether some value of map `f` lies beyond its scale (and so is drawn saturated).
fn saturates(app: &App, f: usize) -> bool {
    let n = app.pos().n;
    let map = if app.phase == Phase::Backward {
        app.scene.dout.index_axis(ndarray::Axis(0), n)
    } else {
        app.out().index_axis(ndarray::Axis(0), n)
    };
    let scale = map_scale(app, f);
    map.index_axis(ndarray::Axis(0), f)
        .iter()
        .any(|v| v.is_finite() && v.abs() > scale)
}

/// The maps' legend: the diverging bar, then each shown map's own scale (`±2.728
/// out[0]`), and where a map has values beyond its scale, that colours saturate
/// there (99th percentile of |v|). When no value is finite (all NaN or infinite)
/// there is no scale, and the legend says so.
pub fn render_legend(app: &App, area: Rect, buf: &mut Buffer, filters: &[usize]) {
    let finite = if app.phase == Phase::Backward {
        app.backward_ranges().dout_finite
    } else {
        app.forward_ranges().out_finite
    };
    if !scale_drawable(app, area, buf, finite) {
        return;
    }
    let name = if app.phase == Phase::Backward {
        "dout"
    } else {
        "out"
    };
    let parts: Vec<String> = filters
        .iter()
        .map(|&f| format!("±{} {name}[{f}]", scale_text(map_scale(app, f))))
        .collect();
    // The bar gives way (down to 2 cells) to the first map's scale: a colour without
    // its number would not say what it stands for.
    let first = parts.first().map_or(0, |p| super::text::width(p) as u16);
    let bar = area.width.saturating_sub(3 + first).clamp(2, 8);
    let mut x = area.x;
    x += put(buf, area, x, area.y, "-", Style::new());
    x += draw_bar(app, area, buf, x, usize::from(bar));
    x += put(buf, area, x, area.y, "+", Style::new()) + 1;
    for part in &parts {
        if x + super::text::width(part) as u16 > area.right() {
            break;
        }
        x += put(buf, area, x, area.y, part, Style::new()) + 2;
    }
    if filters.iter().any(|&f| saturates(app, f)) {
        let note = tr!(app.lang, "title.saturates");
        if x + super::text::width(note) as u16 <= area.right() {
            put(buf, area, x, area.y, note, theme::dim());
        }
    }
}

/// Whether a scale has room and values to draw; where it has no finite value, the
/// line that says so is drawn instead.
fn scale_drawable(app: &App, area: Rect, buf: &mut Buffer, finite: bool) -> bool {
    if area.width < 12 {
        return false;
    }
    if !finite {
        let text = tr!(app.lang, "title.no_finite");
        put(buf, area, area.x, area.y, text, theme::dim());
    }
    finite
}

/// A scale's end, as an integer when it is one.
fn scale_text(max: f64) -> String {
    if max.fract() == 0.0 && max < 1e6 {
        super::text::fixed(max, 0)
    } else {
        fit(max, 6)
    }
}

/// `bar` cells of the diverging scale from -1 to +1 at (x, area.y); the columns used.
fn draw_bar(app: &App, area: Rect, buf: &mut Buffer, x: u16, bar: usize) -> u16 {
    let mut used = 0;
    for k in 0..bar {
        let t = if bar > 1 {
            -1.0 + 2.0 * k as f64 / (bar - 1) as f64
        } else {
            0.0
        };
        let (symbol, style) = match app.color.color(theme::diverging(t)) {
            Some(c) => (" ", Style::new().bg(c)),
            None => (
                if t < 0.0 {
                    "-"
                } else if t > 0.0 {
                    "+"
                } else {
                    "0"
                },
                Style::new(),
            ),
        };
        used += put(buf, area, x + used, area.y, symbol, style);
    }
    used
}

/// A diverging scale -max ... +max, then `note` where it fits.
pub fn render_scale(app: &App, area: Rect, buf: &mut Buffer, max: f64, finite: bool, note: &str) {
    if !scale_drawable(app, area, buf, finite) {
        return;
    }
    let text = scale_text(max);
    let lo = format!("-{text}");
    let hi = format!("+{text}");
    // The bar gives way to the note, down to 6 cells.
    let room = (area.width as usize).saturating_sub(lo.len() + hi.len() + 2);
    let note_w = if note.is_empty() {
        0
    } else {
        super::text::width(note) + 1
    };
    let bar = room.saturating_sub(note_w).max(6).min(room).min(24);
    let mut x = area.x;
    x += put(buf, area, x, area.y, &lo, Style::new()) + 1;
    x += draw_bar(app, area, buf, x, bar);
    x += 1 + put(buf, area, x + 1, area.y, &hi, Style::new());
    if !note.is_empty() && x + 1 + super::text::width(note) as u16 <= area.right() {
        put(buf, area, x + 1, area.y, note, theme::dim());
    }
}

/// Backward, when every entry of dout is one number: that, in one line, in place of
/// maps that would all read the same.
pub fn render_dout_line(app: &App, area: Rect, buf: &mut Buffer) {
    let Some(v) = app.backward_ranges().dout_constant else {
        return;
    };
    let g = app.layer().geom;
    let value = super::text::fixed(v, if v.fract() == 0.0 { 0 } else { 3 });
    let shape = format!("{}x{}x{}x{}", g.n, g.f, g.h_out, g.w_out);
    let text = tr!(app.lang, "title.dout_constant", v = value, shape = shape);
    super::text::put_title(buf, area, area.x, area.y, &text, theme::bold());
}
