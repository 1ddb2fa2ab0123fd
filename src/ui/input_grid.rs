//! The input x, one heatmap per channel in the channel's own colour, with the zero
//! padding outside the picture, the current and previous windows, the selected cell and
//! the cells no window reaches.

use crate::app::App;

use super::blocks::{Best, BlockFn, ring_runs};
use super::grid::{Grid, GridCell, Kind, Mark};
use super::theme;
use crate::tr;

/// The mark of padded cell (r, c) of channel `ch` (None: a grid of every channel)
/// shared by every input-shaped grid.
pub fn input_mark(app: &App, ch: Option<usize>, r: usize, c: usize) -> Mark {
    let mut mark = Mark::None;
    if !app.cache.rows_reached.get(r).copied().unwrap_or(true)
        || !app.cache.cols_reached.get(c).copied().unwrap_or(true)
    {
        mark = Mark::Unreached;
    }
    let g = app.layer().geom;
    // Pooling and ReLU work per channel: their window reads the step's channel only.
    let reads = |step: usize| {
        app.kind().router().is_none() || ch.is_none() || g.position(step).map(|p| p.f) == ch
    };
    if app.prev_window.as_ref().is_some_and(|w| w.contains(r, c)) && reads(app.step.wrapping_sub(1))
    {
        mark = mark.max(Mark::Prev);
    }
    if app.fwd.window.contains(r, c) && reads(app.step) {
        mark = mark.max(Mark::Window);
    }
    if app.selection == Some((r, c)) {
        mark = mark.max(Mark::Selected);
    }
    mark
}

/// The name of channel `ch` (`R`, `G`, `B`, `gray`, `c0`, ...).
pub fn channel_name(app: &App, ch: usize) -> String {
    app.scene
        .labels
        .channels
        .get(ch)
        .cloned()
        .unwrap_or_else(|| format!("c{ch}"))
}

/// The name of filter `f`'s kernel (`sobel-x`, `w.npy[0]`, ...).
pub fn kernel_name(app: &App, f: usize) -> String {
    app.scene.labels.kernels.get(f).cloned().unwrap_or_default()
}

/// The colour of channel `ch`: its own hue for R, G, B; grey for one channel.
pub fn hue(app: &App, ch: usize) -> theme::Rgb {
    match app.scene.labels.channels.get(ch) {
        Some(name) if app.layer().geom.c > 1 => theme::channel_hue(name),
        _ => theme::channel_hue("gray"),
    }
}

/// The window's span, to keep in view.
pub fn window_focus(app: &App) -> ((usize, usize), (usize, usize)) {
    app.fwd.window.span()
}

/// One grid per channel of x[n].
pub fn grids(app: &App) -> Vec<Grid<'_>> {
    let layer = app.layer();
    let g = layer.geom;
    let n = app.pos().n;
    let (lo, hi) = app.x_range();
    let span = if hi > lo { hi - lo } else { 1.0 };
    (0..g.c)
        .map(|ch| {
            let name = channel_name(app, ch);
            let hue = hue(app, ch);
            let title = if ch == 0 {
                tr!(
                    app.lang,
                    "title.x",
                    name = name,
                    h = g.h,
                    w = g.w,
                    pad = g.pad
                )
            } else {
                format!("x {name}")
            };
            Grid {
                block: x_block(app, ch),
                title,
                rows: g.hp(),
                cols: g.wp(),
                focus: window_focus(app),
                cell: Box::new(move |r, c| {
                    let mark = input_mark(app, Some(ch), r, c);
                    if app.fwd.window.is_pad(r, c) {
                        return GridCell {
                            kind: Kind::Pad,
                            mark,
                            ..GridCell::empty()
                        };
                    }
                    let v = layer.x[[n, ch, r - g.pad, c - g.pad]];
                    let t = (v - lo) / span;
                    GridCell {
                        kind: Kind::Value,
                        value: v,
                        rgb: theme::channel_scale(hue, t),
                        shade: t,
                        mark,
                    }
                }),
            }
        })
        .collect()
}

/// The cell a shrunk block of x_pad's channel `ch` shows, as its cells would choose
/// it: pixels outrank the padding ring (whose cells are all 0).
fn x_block(app: &App, ch: usize) -> Option<BlockFn<'_>> {
    let g = app.layer().geom;
    let n = app.pos().n;
    let plane = app.layer().x.slice(ndarray::s![n, ch, .., ..]).to_slice()?;
    Some(Box::new(move |rows, cols| {
        let mut best = Best::new();
        for r in rows.clone() {
            for (run, ring) in ring_runs(r, &cols, g.pad, g.h, g.w) {
                if ring {
                    best.offer_run(r, run, 0, None);
                } else if !run.is_empty() {
                    let row = &plane[(r - g.pad) * g.w..(r - g.pad + 1) * g.w];
                    let values = &row[run.start - g.pad..run.end - g.pad];
                    best.offer_run(r, run, 2, Some(values));
                }
            }
        }
        (best.cell(), super::blocks::input_mark(app, &rows, &cols))
    }))
}
