//! The numbers around the focus, where the grids are too small to print them: backward,
//! dx_pad per channel around the window (its running sums, the ring included), or the
//! touch counts when they stand in dx_pad's place (`t`); forward, the current feature
//! map around the current output cell.

use crate::app::{App, Phase};

use super::grid::{Grid, Kind};
use super::{feature_map, gradients};
use crate::tr;

/// The cells a zoom shows: `rows` x `cols` starting at padded (or output) cell
/// (`r0`, `c0`) of `k` grids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Extent {
    pub k: usize,
    pub r0: usize,
    pub c0: usize,
    pub rows: usize,
    pub cols: usize,
}

/// `want` cells centred on the focus lo..=hi, kept inside 0..len.
fn around(len: usize, want: usize, lo: usize, hi: usize) -> (usize, usize) {
    let n = want.min(len);
    let centre = (lo + hi) / 2;
    (centre.saturating_sub(n / 2).min(len - n), n)
}

/// What the zoom shows in the current phase: the window and one cell around it
/// (backward), or 5 x 5 outputs around the current one (forward).
pub fn extent(app: &App) -> Extent {
    extent_sized(app, true)
}

/// As [`extent`], or when not `wide` the window alone (backward) or 3 x 3 outputs
/// (forward), for where the wider one has no room.
pub fn extent_sized(app: &App, wide: bool) -> Extent {
    let ring = if wide { 3 } else { 1 };
    let g = app.layer().geom;
    match app.phase {
        Phase::Backward => {
            let ((r_lo, c_lo), (r_hi, c_hi)) = app.fwd.window.span();
            let (r0, rows) = around(g.hp(), r_hi - r_lo + ring, r_lo, r_hi);
            let (c0, cols) = around(g.wp(), c_hi - c_lo + ring, c_lo, c_hi);
            Extent {
                k: if app.show_touches {
                    1
                } else {
                    gradients::shown_channels(app)
                },
                r0,
                c0,
                rows,
                cols,
            }
        }
        Phase::Forward => {
            let p = app.pos();
            let (r0, rows) = around(g.h_out, ring + 2, p.i, p.i);
            let (c0, cols) = around(g.w_out, ring + 2, p.j, p.j);
            Extent {
                k: 1,
                r0,
                c0,
                rows,
                cols,
            }
        }
    }
}

/// The zoomed grids, drawn with numbers.
pub fn grids(app: &App, wide: bool) -> Vec<Grid<'_>> {
    let e = extent_sized(app, wide);
    let full = match app.phase {
        // The zoom reads what the big grid shows: the counts when `t` put them there.
        Phase::Backward if app.show_touches => vec![gradients::touches_grid(app)],
        Phase::Backward => gradients::dx_pad_grids(app),
        Phase::Forward => feature_map::grids(app, &[app.pos().f]),
    };
    let backward = app.phase == Phase::Backward;
    full.into_iter()
        .enumerate()
        .map(|(ch, grid)| {
            // Backward the channels share one head line (`head`): each grid is
            // titled by its channel alone, so three side by side keep their names.
            let title = if backward && app.show_touches {
                // The head line names the counts.
                String::new()
            } else if backward {
                // `dx_pad R` gives `R` (`R=G=B` where one grid stands for all).
                let _ = ch;
                grid.title
                    .rsplit(' ')
                    .next()
                    .unwrap_or_default()
                    .to_string()
            } else {
                let first = grid.title.split(' ').next().unwrap_or_default();
                format!(
                    "{first} [{}:{},{}:{}]",
                    e.r0,
                    e.r0 + e.rows,
                    e.c0,
                    e.c0 + e.cols
                )
            };
            let cell = grid.cell;
            Grid {
                block: None,
                title,
                rows: e.rows,
                cols: e.cols,
                focus: ((0, 0), (e.rows - 1, e.cols - 1)),
                cell: Box::new(move |r, c| {
                    let mut cell = cell(e.r0 + r, e.c0 + c);
                    // Backward the zoom is dx_pad (its head says so): after the last
                    // step the big grid crops the ring to give dx, but the ring's
                    // sums, which the arithmetic adds to, still read here.
                    if backward && cell.kind == Kind::Pad {
                        cell.kind = Kind::PadValue;
                    }
                    cell
                }),
            }
        })
        .collect()
}

/// Backward, the line over the zoomed channels: which rows and columns of dx_pad
/// they show (dx_pad's own, padded, coordinates, even once the ring is cropped and
/// the big grid is called dx).
pub fn head(app: &App, wide: bool) -> String {
    let e = extent_sized(app, wide);
    // The counts are one array per image (n, rows, columns); dx_pad has channels.
    let (array, channels) = if app.show_touches {
        (tr!(app.lang, "title.touch_counts"), "")
    } else {
        ("dx_pad", ":,")
    };
    let part = format!(
        "{array}[{},{channels}{}:{},{}:{}]",
        app.pos().n,
        e.r0,
        e.r0 + e.rows,
        e.c0,
        e.c0 + e.cols
    );
    tr!(app.lang, "title.around", part = part)
}

/// The values the zoom shows (to size its numbers).
pub fn values(app: &App, wide: bool) -> Vec<f64> {
    let e = extent_sized(app, wide);
    let n = app.pos().n;
    let mut out = Vec::with_capacity(e.k * e.rows * e.cols);
    for k in 0..e.k {
        for r in e.r0..e.r0 + e.rows {
            for c in e.c0..e.c0 + e.cols {
                out.push(match app.phase {
                    Phase::Backward if app.show_touches => app
                        .bwd
                        .as_ref()
                        .map_or(0.0, |(_, after)| f64::from(after.touches[[n, r, c]])),
                    Phase::Backward => app
                        .bwd
                        .as_ref()
                        .map_or(0.0, |(_, after)| after.grads.dx_pad[[n, k, r, c]]),
                    Phase::Forward => app.out()[[n, app.pos().f, r, c]],
                });
            }
        }
    }
    out
}
