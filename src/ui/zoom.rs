//! The numbers around the focus, where the grids are too small to print them: backward,
//! dx_pad per channel around the window (its running sums, the ring included); forward,
//! the current feature map around the current output cell.

use crate::app::{App, Phase};

use super::grid::Grid;
use super::{feature_map, gradients};

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
    let g = app.layer().geom;
    match app.phase {
        Phase::Backward => {
            let ((r_lo, c_lo), (r_hi, c_hi)) = app.fwd.window.span();
            let (r0, rows) = around(g.hp(), r_hi - r_lo + 3, r_lo, r_hi);
            let (c0, cols) = around(g.wp(), c_hi - c_lo + 3, c_lo, c_hi);
            Extent {
                k: g.c,
                r0,
                c0,
                rows,
                cols,
            }
        }
        Phase::Forward => {
            let p = app.pos();
            let (r0, rows) = around(g.h_out, 5, p.i, p.i);
            let (c0, cols) = around(g.w_out, 5, p.j, p.j);
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
pub fn grids(app: &App) -> Vec<Grid<'_>> {
    let e = extent(app);
    let full = match app.phase {
        Phase::Backward => gradients::dx_pad_grids(app),
        Phase::Forward => feature_map::grids(app, &[app.pos().f]),
    };
    full.into_iter()
        .map(|grid| {
            let title = format!(
                "{} [{}:{},{}:{}]",
                grid.title.split(' ').take(2).collect::<Vec<_>>().join(" "),
                e.r0,
                e.r0 + e.rows,
                e.c0,
                e.c0 + e.cols
            );
            let cell = grid.cell;
            Grid {
                title,
                rows: e.rows,
                cols: e.cols,
                focus: ((0, 0), (e.rows - 1, e.cols - 1)),
                cell: Box::new(move |r, c| cell(e.r0 + r, e.c0 + c)),
            }
        })
        .collect()
}
