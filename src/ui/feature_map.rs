//! The feature maps, one per filter: forward, the outputs computed so far on a
//! diverging scale (later cells empty); backward, dout, full where its step has run.
//! The current cell is marked, and so is every output the selected input cell feeds.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

use crate::app::{App, Phase};
use crate::conv::OutPos;

use super::grid::{Grid, GridCell, Kind, Mark};
use super::text::{fit, put};
use super::theme;
use crate::tr;

/// The grids of `filters`.
pub fn grids<'a>(app: &'a App, filters: &[usize]) -> Vec<Grid<'a>> {
    let g = app.layer().geom;
    let pos = app.pos();
    let backward = app.phase == Phase::Backward;
    let scale = if backward {
        app.cache.ranges.dout_abs
    } else {
        app.cache.ranges.out_abs
    }
    .max(1e-12);
    filters
        .iter()
        .map(|&f| {
            let label = super::input_grid::kernel_name(app, f);
            let title = if backward {
                tr!(app.lang, "title.dout", f = f, name = label)
            } else {
                tr!(app.lang, "title.out", f = f, name = label)
            };
            Grid {
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
                        app.cache.out[[pos.n, f, i, j]]
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

/// The colour scale's legend: -max ... 0 ... +max; when no value is finite (all NaN
/// or infinite) there is no scale, and the legend says so.
pub fn render_legend(app: &App, area: Rect, buf: &mut Buffer) {
    let r = &app.cache.ranges;
    let (max, finite) = if app.phase == Phase::Backward {
        (r.dout_abs, r.dout_finite)
    } else {
        (r.out_abs, r.out_finite)
    };
    render_scale(app, area, buf, max, finite, "");
}

/// A diverging scale -max ... +max, then `note` where it fits.
pub fn render_scale(app: &App, area: Rect, buf: &mut Buffer, max: f64, finite: bool, note: &str) {
    if area.width < 12 {
        return;
    }
    if !finite {
        put(
            buf,
            area,
            area.x,
            area.y,
            tr!(app.lang, "title.no_finite"),
            theme::dim(),
        );
        return;
    }
    let text = if max.fract() == 0.0 && max < 1e6 {
        super::text::fixed(max, 0)
    } else {
        fit(max, 6)
    };
    let lo = format!("-{text}");
    let hi = format!("+{text}");
    let bar = (area.width as usize)
        .saturating_sub(lo.len() + hi.len() + 2)
        .min(24);
    let mut x = area.x;
    x += put(buf, area, x, area.y, &lo, Style::new()) + 1;
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
        x += put(buf, area, x, area.y, symbol, style);
    }
    x += 1 + put(buf, area, x + 1, area.y, &hi, Style::new());
    if !note.is_empty() && x + 1 + super::text::width(note) as u16 <= area.right() {
        put(buf, area, x + 1, area.y, note, theme::dim());
    }
}

/// Backward, when every entry of dout is one number: that, in one line, in place of
/// maps that would all read the same.
pub fn render_dout_line(app: &App, area: Rect, buf: &mut Buffer) {
    let Some(v) = app.cache.ranges.dout_constant else {
        return;
    };
    let g = app.layer().geom;
    let value = super::text::fixed(v, if v.fract() == 0.0 { 0 } else { 3 });
    let shape = format!("{}x{}x{}x{}", g.n, g.f, g.h_out, g.w_out);
    let text = tr!(app.lang, "title.dout_constant", v = value, shape = shape);
    super::text::put_title(buf, area, area.x, area.y, &text, theme::bold());
}
