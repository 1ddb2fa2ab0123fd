//! dx as a transposed convolution (the gather), backward: dout with stride-1 zeros
//! inserted and padded, one grid per filter, the current dx cell's window marked; w
//! rotated by 180°; dx gathered cell by cell beside the scatter's final dx; the
//! arithmetic of the current cell, zeros written as zeros; the size formula filled in.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::grid::{Grid, GridCell, Kind, Mark};
use super::layout::place;
use super::theme;
use super::views::{CheckedSum, Group, chars_of, num, put_lines, render_row, signed_cell, split};
use crate::app::App;
use crate::conv::transposed::{self, TransposedAxis};
use crate::tr;

/// o' = s(i'-1) + a + k - 2p, filled in for one axis.
fn formula(ax: &TransposedAxis) -> String {
    format!(
        "o' = s(i'-1) + a + k - 2p = {}({}-1) + {} + {} - 2·{} = {}",
        ax.s, ax.i, ax.a, ax.k, ax.p, ax.o
    )
}

pub fn headline(app: &App) -> Vec<String> {
    let g = app.layer().geom;
    let (rows, cols) = transposed::axes(&g);
    let sizes = if rows == cols {
        formula(&rows)
    } else {
        format!("{}   {}", formula(&rows), formula(&cols))
    };
    vec![
        tr!(
            app.lang,
            "transposed.head",
            zeros = g.stride - 1,
            pad = rows.pad()
        ),
        sizes,
    ]
}

/// Whether dx cell (n, c, r, q) comes at or before the current one.
fn done(app: &App, cell: (usize, usize, usize, usize)) -> bool {
    let g = app.layer().geom;
    let (n, c, r, q) = cell;
    ((n * g.c + c) * g.h + r) * g.w + q <= app.dx_cell
}

/// The zero-inserted, padded dout of filter f, the current dx cell's window marked.
fn dout_grid(app: &App, f: usize) -> Grid<'_> {
    let g = app.layer().geom;
    let (rows, cols) = transposed::axes(&g);
    let (n, _, r, q) = app.dx_pos();
    let scale = app.backward_ranges().dout_abs;
    let reach = (g.dilation * (g.hh - 1), g.dilation * (g.ww - 1));
    Grid {
        block: None,
        title: tr!(app.lang, "transposed.dout", f = f),
        rows: rows.padded(),
        cols: cols.padded(),
        focus: ((r, q), (r + reach.0, q + reach.1)),
        cell: Box::new(move |u, v| {
            let in_window = u >= r
                && v >= q
                && (u - r) % g.dilation == 0
                && (v - q) % g.dilation == 0
                && (u - r) / g.dilation < g.hh
                && (v - q) / g.dilation < g.ww;
            let mark = if in_window { Mark::Window } else { Mark::None };
            let real = transposed::dout_cell(&g, u, true).is_some()
                && transposed::dout_cell(&g, v, false).is_some();
            let value = transposed::zero_inserted(&g, &app.scene.dout, n, f, u, v);
            if real {
                signed_cell(value, scale, mark)
            } else {
                // An inserted zero or padding: a zero, drawn as one.
                GridCell {
                    kind: Kind::Value,
                    value: 0.0,
                    rgb: theme::PAD,
                    shade: 0.0,
                    mark,
                }
            }
        }),
    }
}

/// w[f, c] rotated by 180°.
fn rotated_grid(app: &App, f: usize) -> Grid<'_> {
    let layer = app.layer();
    let g = layer.geom;
    let (_, c, _, _) = app.dx_pos();
    let scale = crate::conv::max_abs_finite(&layer.w);
    Grid {
        block: None,
        title: tr!(app.lang, "transposed.rot", f = f, c = c),
        rows: g.hh,
        cols: g.ww,
        focus: ((0, 0), (0, 0)),
        cell: Box::new(move |m, k| {
            signed_cell(transposed::rotated(layer, f, c, m, k), scale, Mark::None)
        }),
    }
}

/// dx[n, c]: gathered up to the current cell (the rest not yet), or the scatter's.
fn dx_grid(app: &App, gathered: bool) -> Grid<'_> {
    let layer = app.layer();
    let g = layer.geom;
    let (n, c, r, q) = app.dx_pos();
    let scale = app.backward_ranges().dx_abs;
    let title = if gathered {
        tr!(app.lang, "transposed.gathered", c = c)
    } else {
        tr!(app.lang, "transposed.scattered", c = c)
    };
    Grid {
        block: None,
        title,
        rows: g.h,
        cols: g.w,
        focus: ((r, q), (r, q)),
        cell: Box::new(move |rr, qq| {
            let mark = if (rr, qq) == (r, q) {
                Mark::Current
            } else {
                Mark::None
            };
            if gathered {
                if !done(app, (n, c, rr, qq)) {
                    return GridCell {
                        mark,
                        ..GridCell::empty()
                    };
                }
                let v = transposed::gather_cell(layer, &app.scene.dout, (n, c, rr, qq));
                return signed_cell(v, scale, mark);
            }
            signed_cell(app.full().grads.dx[[n, c, rr, qq]], scale, mark)
        }),
    }
}

/// The current cell's sum, term by term (zeros too), and whether it equals the
/// scatter's.
fn arithmetic(app: &App, width: usize, max: usize) -> Vec<String> {
    let layer = app.layer();
    let (n, c, r, q) = app.dx_pos();
    let terms = transposed::gather_terms(layer, &app.scene.dout, (n, c, r, q));
    let sum: f64 = terms.iter().map(|t| t.dout * t.w).sum();
    let scatter = app.full().grads.dx[[n, c, r, q]];
    let shown: Vec<String> = terms
        .iter()
        .map(|t| {
            let d = if t.dout == 0.0 {
                "0".to_string()
            } else {
                num(t.dout)
            };
            format!("{d}·{}", num(t.w))
        })
        .collect();
    let head = tr!(
        app.lang,
        "transposed.cell",
        n = n,
        c = c,
        r = r,
        q = q,
        k = app.dx_cell + 1,
        total = transposed::cells(&layer.geom)
    );
    CheckedSum {
        head,
        terms: &shown,
        sum,
        want: scatter,
        same: "transposed.same",
        differs: "transposed.differs",
    }
    .lines(app.lang, width, max)
}

pub fn render(app: &App, body: Rect, buf: &mut Buffer) {
    let foot = if body.height >= 30 { 6 } else { 4 };
    let (head, mid, foot) = split(body, 2, foot);
    put_lines(head, &headline(app), theme::bold(), buf);
    let g = app.layer().geom;
    let dout_chars = chars_of(
        g.h + g.dilation * (g.hh - 1),
        g.w + g.dilation * (g.ww - 1),
        app.scene.dout.iter().copied().chain([0.0]),
    );
    // The rotated kernels are never drawn larger than the padded dout: numbered only
    // where dout's grids are.
    let (rows, cols) = transposed::axes(&g);
    let dout_numbered = place::place(
        g.f,
        rows.padded(),
        cols.padded(),
        dout_chars,
        Rect::new(mid.x, mid.y, mid.width * 3 / 5, mid.height),
        app.color,
    )
    .mode
    .has_numbers();
    let w_chars = chars_of(g.hh, g.ww, app.layer().w.iter().copied()).filter(|_| dout_numbered);
    let dx_chars = chars_of(g.h, g.w, app.full().grads.dx.iter().copied());
    // One row: the padded dout (what this view is about, drawn largest) ★ the
    // rotated kernels = dx gathered so far, beside the scatter's final dx.
    let filters: Vec<usize> = (0..g.f).collect();
    let row = vec![
        Group {
            grids: filters.iter().map(|&f| dout_grid(app, f)).collect(),
            chars: dout_chars,
            weight: 3,
            then: "★",
        },
        Group {
            grids: filters.iter().map(|&f| rotated_grid(app, f)).collect(),
            chars: w_chars,
            weight: 1,
            then: "=",
        },
        Group {
            grids: vec![dx_grid(app, true), dx_grid(app, false)],
            chars: dx_chars,
            weight: 1,
            then: "",
        },
    ];
    render_row(app, mid, row, buf);
    let lines = arithmetic(app, foot.width as usize, foot.height as usize);
    put_lines(foot, &lines, theme::bold(), buf);
}
