//! One weight's gradient (backward): pick w[f,c,m,k] (`v`, or a click on the kernel)
//! and every x_pad cell it multiplied is lit, shaded by the dout it was multiplied
//! with; dw[f,c,m,k] = Σ dout·x is written out. dw is a correlation of x with dout.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::grid::{Grid, GridCell, Kind, Mark};
use super::input_grid;
use super::layout::place::Placement;
use super::theme;
use super::views::{
    CheckedSum, Group, chars_of, num, place_row, put_lines, render_row, signed_cell, split,
};
use crate::app::{Action, App};
use crate::conv::weight_grad;
use crate::tr;

/// The weight looked at: filter f of the current step and the tap (c, m, k).
pub fn weight(app: &App) -> (usize, usize, usize, usize) {
    let (c, m, k) = app.tap.unwrap_or((0, 0, 0));
    (app.pos().f, c, m, k)
}

/// w[f], one grid per channel, the picked weight marked.
fn kernel_grids(app: &App) -> Vec<Grid<'_>> {
    let layer = app.layer();
    let g = layer.geom;
    let (f, pc, pm, pk) = weight(app);
    let scale = crate::conv::max_abs_finite(&layer.w);
    (0..g.c)
        .map(|c| Grid {
            block: None,
            title: format!("w[{f},{c}]"),
            rows: g.hh,
            cols: g.ww,
            focus: ((0, 0), (0, 0)),
            cell: Box::new(move |m, k| {
                let mark = if (c, m, k) == (pc, pm, pk) {
                    Mark::Current
                } else {
                    Mark::None
                };
                signed_cell(layer.w[[f, c, m, k]], scale, mark)
            }),
        })
        .collect()
}

/// x_pad[n, c] with the cells the weight multiplied lit, shaded by their dout; the
/// others dim.
fn x_grid(app: &App) -> Grid<'_> {
    let layer = app.layer();
    let g = layer.geom;
    let n = app.pos().n;
    let (f, c, m, k) = weight(app);
    let scale = app.backward_ranges().dout_abs;
    let name = input_grid::channel_name(app, c);
    Grid {
        block: None,
        title: tr!(app.lang, "dw.x", name = name),
        rows: g.hp(),
        cols: g.wp(),
        focus: ((0, 0), (g.hp() - 1, g.wp() - 1)),
        cell: Box::new(move |r, q| {
            let x = if app.fwd.window.is_pad(r, q) {
                0.0
            } else {
                layer.x[[n, c, r - g.pad, q - g.pad]]
            };
            // The window (i, j) whose tap (m, k) reads (r, q), if one does.
            let along = |p: usize, t: usize, outs: usize| {
                let p = p.checked_sub(t * g.dilation)?;
                (p % g.stride == 0 && p / g.stride < outs).then_some(p / g.stride)
            };
            match (along(r, m, g.h_out), along(q, k, g.w_out)) {
                (Some(i), Some(j)) => {
                    let d = app.scene.dout[[n, f, i, j]];
                    // Lit: the colour is the dout (a mark would tint it); without
                    // colour, the unlit cells are the faded ones.
                    GridCell {
                        value: x,
                        ..signed_cell(d, scale, Mark::None)
                    }
                }
                // Unlit: its number on the padding's grey, no marks (with colour the
                // grey says unlit; without it, the `╌` corners of a faded cell).
                _ => GridCell {
                    kind: if app.fwd.window.is_pad(r, q) {
                        Kind::Pad
                    } else if app.color.has_color() {
                        Kind::Value
                    } else {
                        Kind::Faded
                    },
                    value: x,
                    rgb: theme::PAD,
                    shade: 0.0,
                    mark: Mark::None,
                },
            }
        }),
    }
}

/// dout[n, f].
fn dout_grid(app: &App) -> Grid<'_> {
    let g = app.layer().geom;
    let n = app.pos().n;
    let (f, _, _, _) = weight(app);
    let scale = app.backward_ranges().dout_abs;
    Grid {
        block: None,
        title: format!("dout[{n},{f}]"),
        rows: g.h_out,
        cols: g.w_out,
        focus: ((0, 0), (0, 0)),
        cell: Box::new(move |i, j| signed_cell(app.scene.dout[[n, f, i, j]], scale, Mark::None)),
    }
}

fn groups(app: &App) -> Vec<Group<'_>> {
    let g = app.layer().geom;
    vec![
        Group {
            grids: kernel_grids(app),
            chars: chars_of(g.hh, g.ww, app.layer().w.iter().copied()),
            weight: 1,
            then: "",
        },
        Group {
            grids: vec![x_grid(app)],
            chars: chars_of(g.hp(), g.wp(), app.layer().x.iter().copied()),
            weight: 1,
            then: "★",
        },
        Group {
            grids: vec![dout_grid(app)],
            chars: chars_of(g.h_out, g.w_out, app.scene.dout.iter().copied()),
            weight: 1,
            then: "",
        },
    ]
}

fn arithmetic(app: &App, width: usize, max: usize) -> Vec<String> {
    let (f, c, m, k) = weight(app);
    let terms = weight_grad::dw_terms(app.layer(), &app.scene.dout, (f, c, m, k));
    let sum: f64 = terms.iter().map(|t| t.dout * t.x).sum();
    let want = app.full().grads.dw[[f, c, m, k]];
    let shown: Vec<String> = terms
        .iter()
        .map(|t| format!("{}·{}", num(t.dout), num(t.x)))
        .collect();
    let head = tr!(
        app.lang,
        "dw.sum",
        f = f,
        c = c,
        m = m,
        k = k,
        count = terms.len()
    );
    CheckedSum {
        head,
        terms: &shown,
        sum,
        want,
        same: "dw.same",
        differs: "dw.differs",
    }
    .lines(app.lang, width, max)
}

fn areas(body: Rect) -> (Rect, Rect, Rect) {
    let foot = if body.height >= 30 { 6 } else { 4 };
    split(body, 1, foot)
}

pub fn render(app: &App, body: Rect, buf: &mut Buffer) {
    let (head, mid, foot) = areas(body);
    put_lines(
        head,
        &[tr!(app.lang, "dw.head").to_string()],
        theme::bold(),
        buf,
    );
    render_row(app, mid, groups(app), buf);
    let lines = arithmetic(app, foot.width as usize, foot.height as usize);
    put_lines(foot, &lines, theme::bold(), buf);
}

/// A click on w[f]'s grids picks that weight.
pub fn hit_test(app: &App, body: Rect, x: u16, y: u16) -> Option<Action> {
    let (_, mid, _) = areas(body);
    let groups = groups(app);
    let placements: Vec<Placement> = place_row(app, mid, &groups);
    let (kernels, p) = (groups.into_iter().next()?, placements.first()?.clone());
    for (c, (grid, rect)) in kernels.grids.into_iter().zip(&p.rects).enumerate() {
        let (rows, cols) = (grid.rows, grid.cols);
        if let Some((m, k)) = grid.scaled(p.shown).cell_at(*rect, p.mode, x, y) {
            let m = super::grid::unscale(m, rows, p.shown.0.clamp(1, rows));
            let k = super::grid::unscale(k, cols, p.shown.1.clamp(1, cols));
            return Some(Action::SelectTap { c, m, k });
        }
    }
    None
}
