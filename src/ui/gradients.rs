//! The backward pass's running sums: dx_pad per channel (its padding ring accumulates,
//! then is cropped away to give dx), and how many windows touched each cell.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use crate::app::App;

use super::blocks::{Best, BlockFn, ring_runs};
use super::grid::{Grid, GridCell, Kind, Mark};
use super::input_grid::{input_mark, window_focus};
use super::theme;
use crate::tr;

/// The ring of padding carries dx_pad's values, drawn on the padding's grey, at every
/// step: the last step still adds to it (the arithmetic says so), and the title then
/// says that dx is what lies inside the ring.
fn ring_kind(app: &App, r: usize, c: usize) -> Kind {
    if app.fwd.window.is_pad(r, c) {
        Kind::PadValue
    } else {
        Kind::Value
    }
}

/// Whether every filter has the same kernel on every channel (the photo's sobel on
/// R, G and B): dx_pad's channels are then equal, and one grid stands for them all.
/// Never for pooling and ReLU: they route each channel's dout on its own (their
/// shadow layer's zero weights say nothing of it).
pub fn channels_alike(app: &App) -> bool {
    let w = &app.layer().w;
    let g = app.layer().geom;
    app.kind().router().is_none()
        && g.c > 1
        && (0..g.f).all(|f| {
            let first = w.slice(ndarray::s![f, 0, .., ..]);
            (1..g.c).all(|c| w.slice(ndarray::s![f, c, .., ..]) == first)
        })
}

/// The dx_pad grids drawn: one per channel, or one when the channels are alike.
pub fn shown_channels(app: &App) -> usize {
    if channels_alike(app) {
        1
    } else {
        app.layer().geom.c
    }
}

/// dx_pad[n] after the current step, one grid per channel (one for all when the
/// kernels are alike on every channel, titled `R=G=B`). The window marks the cells
/// this step adds dout * w[f] to; cells no window has written yet read their starting
/// value, the 0 of `np.zeros_like(x_pad)`, in the ring and inside alike (the touch
/// counts say which cells were written).
pub fn dx_pad_grids(app: &App) -> Vec<Grid<'_>> {
    let g = app.layer().geom;
    let n = app.pos().n;
    let scale = app.dx_scale.max(1e-12);
    let alike = channels_alike(app);
    (0..shown_channels(app))
        .map(|ch| {
            let name = if alike {
                (0..g.c)
                    .map(|c| super::input_grid::channel_name(app, c))
                    .collect::<Vec<_>>()
                    .join("=")
            } else {
                super::input_grid::channel_name(app, ch)
            };
            let done = app
                .bwd
                .as_ref()
                .is_some_and(|(_, after)| after.steps_done == app.total_steps());
            let title = if done {
                tr!(app.lang, "title.dx_inside", name = name)
            } else {
                format!("dx_pad {name}")
            };
            Grid {
                block: dx_pad_block(app, ch),
                title,
                rows: g.hp(),
                cols: g.wp(),
                focus: window_focus(app),
                cell: Box::new(move |r, c| {
                    let v = app
                        .bwd
                        .as_ref()
                        .map_or(0.0, |(_, after)| after.grads.dx_pad[[n, ch, r, c]]);
                    let t = v / scale;
                    GridCell {
                        kind: ring_kind(app, r, c),
                        value: v,
                        rgb: theme::diverging(t),
                        shade: t.abs(),
                        mark: match input_mark(app, Some(ch), r, c) {
                            Mark::Window => Mark::Write,
                            mark => mark,
                        },
                    }
                }),
            }
        })
        .collect()
}

/// The cell a shrunk block of dx_pad's channel `ch` shows, as its cells would choose
/// it: written cells and the ring (until the last step crops it) outrank cells no
/// window has written, which outrank the cropped ring; the window is the one written.
fn dx_pad_block(app: &App, ch: usize) -> Option<BlockFn<'_>> {
    let g = app.layer().geom;
    let n = app.pos().n;
    let (_, after) = app.bwd.as_ref()?;
    let done = after.steps_done == app.total_steps();
    let plane = after
        .grads
        .dx_pad
        .slice(ndarray::s![n, ch, .., ..])
        .to_slice()?;
    let touches = after.touches.slice(ndarray::s![n, .., ..]).to_slice()?;
    let wp = g.wp();
    let untouched = untouched_from(&g, after.steps_done, n);
    let inside = move |span: &std::ops::Range<usize>, len: usize| {
        !span.is_empty() && span.start >= g.pad && span.end <= g.pad + len
    };
    Some(Box::new(move |rows, cols| {
        let mark = || match super::blocks::input_mark(app, &rows, &cols) {
            Mark::Window => Mark::Write,
            mark => mark,
        };
        // Two kinds of block inside the ring (most of them at 1024x1024) are chosen
        // without a choice per row: one below every window so far (all 0, none
        // written) shows its first cell; one whose largest magnitude is not 0 shows
        // its first cell of that magnitude, row by row.
        if inside(&rows, g.h) && inside(&cols, g.w) {
            if rows.start >= untouched {
                return ((rows.start, cols.start), mark());
            }
            let block_rows = rows
                .clone()
                .map(|r| &plane[r * wp + cols.start..r * wp + cols.end]);
            let mag = super::blocks::max_magnitude_of_rows(block_rows.clone());
            if mag > 0.0 {
                let cell = block_rows.zip(rows.clone()).find_map(|(row, r)| {
                    let at = row
                        .iter()
                        .position(|&v| super::blocks::magnitude(v) == mag)?;
                    Some((r, cols.start + at))
                });
                return (cell.unwrap_or((rows.start, cols.start)), mark());
            }
        }
        let mut best = Best::new();
        for r in rows.clone() {
            let row = &plane[r * wp..(r + 1) * wp];
            let written = &touches[r * wp..(r + 1) * wp];
            for (run, ring) in ring_runs(r, &cols, g.pad, g.h, g.w) {
                if ring {
                    best.offer_run(r, run.clone(), if done { 0 } else { 2 }, Some(&row[run]));
                    continue;
                }
                // Written cells (rank 2) outrank unwritten ones (rank 1), which are
                // exactly 0: the run's first largest |value|, where it is not 0, is a
                // written cell's, and the choice; else the run's first written cell,
                // else its first cell.
                if run.is_empty() {
                    continue;
                }
                let values = &row[run.clone()];
                let mag = super::blocks::max_magnitude(values);
                if mag > 0.0 {
                    best.offer_max(r, run.start, 2, Some(values), mag);
                    continue;
                }
                let touched = &written[run.clone()];
                let any = touched.iter().fold(0, |a, &t| a | t) != 0;
                let at = if any {
                    touched.iter().position(|&t| t > 0).unwrap_or(0)
                } else {
                    0
                };
                best.offer((r, run.start + at), if any { 2 } else { 1 }, 0.0);
            }
        }
        (best.cell(), mark())
    }))
}

/// The first padded row of image `n` that no window of steps 1..=`steps` has read (so
/// it and every row below hold 0 in dx_pad and in the touch counts), or `hp` when
/// there is none. Steps go n, f, i, j: within image n's first filter, the windows of
/// output rows 0..=i have read padded rows up to i*s + (HH-1)*d.
fn untouched_from(g: &crate::conv::Geometry, steps: usize, n: usize) -> usize {
    let Some(pos) = g.position(steps) else {
        return if steps == 0 { 0 } else { g.hp() };
    };
    match n.cmp(&pos.n) {
        std::cmp::Ordering::Greater => 0,
        std::cmp::Ordering::Equal if pos.f == 0 => {
            (pos.i * g.stride + (g.hh - 1) * g.dilation + 1).min(g.hp())
        }
        _ => g.hp(),
    }
}

/// How many windows have touched each padded cell of x[n] so far.
pub fn touches_grid(app: &App) -> Grid<'_> {
    let g = app.layer().geom;
    let n = app.pos().n;
    let max = app.backward_ranges().touches_max.max(1) as f64;
    Grid {
        block: None,
        // The colour scale runs to the most windows any cell gets by the end; with
        // several filters every filter's window counts, and the title says so.
        title: if g.f > 1 {
            tr!(
                app.lang,
                "title.touches_all",
                f = g.f,
                max = app.backward_ranges().touches_max
            )
        } else {
            tr!(
                app.lang,
                "title.touches",
                max = app.backward_ranges().touches_max
            )
        },
        rows: g.hp(),
        cols: g.wp(),
        focus: window_focus(app),
        cell: Box::new(move |r, c| {
            let count = app
                .bwd
                .as_ref()
                .map_or(0, |(_, after)| after.touches[[n, r, c]]);
            let t = count as f64 / max;
            let mark = input_mark(app, None, r, c);
            GridCell {
                kind: ring_kind(app, r, c),
                value: count as f64,
                rgb: theme::count_scale(t),
                shade: t,
                mark: if mark == Mark::Prev { Mark::None } else { mark },
            }
        }),
    }
}

/// dx_pad's colour scale, under its grids: -max ... +max of what is written so far.
pub fn render_legend(app: &App, area: Rect, buf: &mut Buffer) {
    let max = app.dx_scale;
    let finite = app.bwd.as_ref().is_none_or(|(_, after)| {
        after.grads.dx_pad.iter().any(|v| v.is_finite()) || after.steps_done == 0
    });
    super::feature_map::render_scale(app, area, buf, max, finite, tr!(app.lang, "title.so_far"));
}

#[cfg(test)]
mod tests {
    use ndarray::{Array1, Array4, s};

    use crate::conv::{ConvParams, Layer};

    /// Every padded row from `untouched_from` down has no touch after any number of
    /// steps, for every image, stride, padding and dilation: the blocks it skips are
    /// the ones a row-by-row scan finds all 0 and unwritten.
    #[test]
    fn rows_below_the_windows_so_far_are_untouched() {
        for (stride, pad, dilation) in [(1, 1, 1), (2, 0, 1), (1, 2, 2), (3, 1, 1)] {
            let x = Array4::zeros((2, 2, 9, 8));
            let w = Array4::zeros((2, 2, 3, 3));
            let params = ConvParams {
                stride,
                pad,
                dilation,
            };
            let layer = Layer::new(x, w, Array1::zeros(2), params).unwrap();
            let g = layer.geom;
            for k in 0..=g.total_steps() {
                let touches = layer.touches_after(k);
                for n in 0..g.n {
                    let from = super::untouched_from(&g, k, n);
                    let below = touches.slice(s![n, from.min(g.hp()).., ..]);
                    assert!(
                        below.iter().all(|&t| t == 0),
                        "stride {stride} pad {pad} dilation {dilation}, step {k}, image {n}: \
                         a touch at or below row {from}"
                    );
                }
            }
        }
    }
}
