//! The receptive field of the current output cell (`o`): how it grows layer by layer,
//! with the numbers filled in (r_l = r_(l-1) + (k_l - 1)·d_l·j_(l-1), j_l = j_(l-1)·s_l,
//! and where output 0's field starts in x), where this cell's field lies in x (and how
//! much of it is padding), and beside it the *effective* field: the cells of x that get
//! a gradient that is not zero from a one-hot dout at the cell, so that dead ReLUs and
//! max-pool switches show as holes in it. The outlines on every lower layer are the
//! strip's (`stack_strip.rs`).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use crate::app::App;
use crate::conv::growth;

use super::grid::{CellMode, Grid, GridCell, Kind, Mark};
use super::text::put;
use super::theme;
use crate::tr;

/// The lines of the table: a title, a head, one row per layer up to the current, the
/// cell's field and the effective field's count.
fn lines(app: &App) -> Vec<String> {
    let geoms = app.geometries();
    let rows = growth(&geoms);
    let pos = app.pos();
    let l = app.layer_index() + 1;
    let cell = format!("[{},{},{},{}]", pos.n, pos.f, pos.i, pos.j);
    let mut out = vec![
        tr!(app.lang, "field.title", cell = cell, l = l),
        tr!(app.lang, "field.head").to_string(),
    ];
    let (mut r_prev, mut j_prev) = (1usize, 1usize);
    for (m, g) in rows.iter().enumerate() {
        let name = app
            .layer_view(m)
            .map(|v| v.kind.name(v.scene))
            .unwrap_or_default();
        out.push(format!(
            "{:>2} {:<13} {:>2} {:>2} {:>2} {:>2}  {:>3} = {} + {}·{}·{:<3} {:>3} = {}·{:<2} {:>4}",
            m + 1,
            super::text::shorten(&name, 13),
            g.k,
            g.stride,
            g.pad,
            g.dilation,
            g.r,
            r_prev,
            g.k - 1,
            g.dilation,
            j_prev,
            g.jump,
            j_prev,
            g.stride,
            g.start,
        ));
        (r_prev, j_prev) = (g.r, g.jump);
    }
    if let (Some(span), Some(x)) = (app.stack.spans.first(), app.layer_view(0)) {
        let g = x.scene.layer.geom;
        let inside = span
            .clipped((g.h, g.w))
            .map_or(0, |(rows, cols)| rows.len() * cols.len());
        let padding = span.size * span.size - inside;
        let (r1, c1) = span.end();
        let where_ = tr!(
            app.lang,
            "field.cell",
            r0 = span.top,
            r1 = r1,
            c0 = span.left,
            c1 = c1,
            h = span.size,
            w = span.size
        );
        let pad = if padding > 0 {
            tr!(app.lang, "field.padding", n = padding)
        } else {
            String::new()
        };
        out.push(format!("{where_}{pad}"));
        if let Some(lit) = &app.stack.effective {
            let on = lit.iter().filter(|v| **v).count();
            out.push(tr!(app.lang, "field.effective", on = on, all = inside));
        }
    }
    out
}

/// The columns the table needs.
pub fn width(app: &App) -> u16 {
    lines(app)
        .iter()
        .map(|l| super::text::width(l))
        .max()
        .unwrap_or(0) as u16
}

/// The effective field on x, cropped to the theoretical field and a ring around it:
/// cells with a gradient in their colours (the photo's, or x's mean), the rest dark;
/// the field outlined.
fn effective_grid(app: &App) -> Option<(Grid<'_>, (usize, usize))> {
    let lit = app.stack.effective.as_ref()?;
    let span = app.stack.spans.first()?;
    let x = app.layer_view(0)?.scene;
    let g = x.layer.geom;
    let (rows, cols) = span.clipped((g.h, g.w))?;
    let (a, b, c, d) = (rows.start, rows.end, cols.start, cols.end);
    let (a, c) = (a.saturating_sub(1), c.saturating_sub(1));
    let (b, d) = ((b + 1).min(g.h), (d + 1).min(g.w));
    let n = app.pos().n;
    let photo = g.c == 3;
    let unit = x.labels.scale == crate::input::Scale::Unit;
    let (lo, hi) = app.layer_view(0).map_or((0.0, 1.0), |v| v.x_range());
    let span_v = if hi > lo { hi - lo } else { 1.0 };
    let grid = Grid {
        block: None,
        title: tr!(app.lang, "field.effective_title").to_string(),
        rows: b - a,
        cols: d - c,
        focus: ((0, 0), (0, 0)),
        cell: Box::new(move |r, q| {
            let (sr, sq) = (a + r, c + q);
            let on = lit[[sr, sq]];
            let rgb = if photo {
                let byte = |ch: usize| {
                    let v = x.layer.x[[n, ch, sr, sq]];
                    let v = if unit { v * 255.0 } else { v };
                    if v.is_finite() {
                        v.clamp(0.0, 255.0) as u8
                    } else {
                        0
                    }
                };
                (byte(0), byte(1), byte(2))
            } else {
                let v = x.layer.x[[n, 0, sr, sq]];
                theme::channel_scale(theme::channel_hue("gray"), (v - lo) / span_v)
            };
            let rgb = if on {
                rgb
            } else {
                theme::lerp(rgb, (0, 0, 0), 0.85)
            };
            let (r1, c1) = span.end();
            let edge = span.contains(sr as isize, sq as isize)
                && (sr as isize == span.top.max(0)
                    || sr as isize == r1.min(g.h as isize - 1)
                    || sq as isize == span.left.max(0)
                    || sq as isize == c1.min(g.w as isize - 1));
            GridCell {
                kind: Kind::Value,
                value: 0.0,
                rgb,
                shade: if on { 1.0 } else { 0.0 },
                mark: if edge && !on {
                    Mark::Selected
                } else {
                    Mark::None
                },
            }
        }),
    };
    Some((grid, (b - a, d - c)))
}

/// Draws the panel in `area`: the table, and the effective field right of it where
/// there is room (else under it).
pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let text = lines(app);
    for (k, line) in text.iter().enumerate() {
        let style = if k == 0 {
            theme::bold()
        } else {
            Default::default()
        };
        put(buf, area, area.x, area.y + k as u16, line, style);
    }
    let Some((grid, (rows, cols))) = effective_grid(app) else {
        return;
    };
    let table_w = width(app) + 2;
    let beside = Rect::new(
        area.x + table_w,
        area.y,
        area.width.saturating_sub(table_w),
        area.height,
    )
    .intersection(area);
    let below = Rect::new(
        area.x,
        area.y + text.len() as u16,
        area.width,
        area.height.saturating_sub(text.len() as u16),
    )
    .intersection(area);
    let room = if beside.width >= 12 { beside } else { below };
    if room.height < 3 || room.width < 6 {
        return;
    }
    let modes = [CellMode::Blocks, CellMode::Half];
    let mode = modes
        .into_iter()
        .find(|m| {
            let (w, h) = m.size(rows, cols);
            w <= room.width as usize && h < room.height as usize
        })
        .unwrap_or(CellMode::Half);
    let (w, h) = mode.size(rows, cols);
    let shown_rows = rows.min((room.height as usize - 1) * mode.per_line() / mode.lines());
    let shown_cols = cols.min(room.width as usize / mode.cell_w() as usize);
    let rect = Rect::new(
        room.x,
        room.y,
        (w as u16).min(room.width),
        (h as u16 + 1).min(room.height),
    );
    grid.scaled((shown_rows, shown_cols))
        .render(rect, mode, app.color, buf);
}
