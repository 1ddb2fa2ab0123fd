//! One step at a time: what a single window computes forward, what it sends back, and
//! the running totals after k steps, each answered directly for any step.

use std::ops::Deref;

use ndarray::{Array1, Array3, Array4, Axis, s};

use super::backward::Grads;
use super::{ConvError, Layer, OutPos, Window, backward};

/// Step k of the forward pass, as `conv_forward_naive` computes it:
/// out[n,f,i,j] = sum over c of (sum over m,k of window[c,m,k] * w[f,c,m,k]) + b[f].
#[derive(Debug, Clone, PartialEq)]
pub struct ForwardStep {
    pub step: usize,
    pub pos: OutPos,
    pub window: Window,
    /// The window's numbers (C, HH, WW); padding cells read 0.
    pub x_window: Array3<f64>,
    /// w[f] (C, HH, WW).
    pub kernel: Array3<f64>,
    /// x_window * kernel, element by element.
    pub products: Array3<f64>,
    /// Each channel's sum of products (C,).
    pub partial: Array1<f64>,
    pub bias: f64,
    /// sum of partial + bias.
    pub out: f64,
}

/// Step k of the backward pass, as `conv_backward_naive` computes it.
#[derive(Debug, Clone, PartialEq)]
pub struct BackwardStep {
    pub step: usize,
    pub pos: OutPos,
    pub window: Window,
    /// dout[n,f,i,j].
    pub dout: f64,
    /// What the window's cells of dx_pad[n] receive: dout * w[f] (C, HH, WW).
    pub dx_pad_add: Array3<f64>,
    /// What dw[f] receives: dout * window (C, HH, WW).
    pub dw_add: Array3<f64>,
    /// What db[f] receives: dout.
    pub db_add: f64,
}

/// The backward totals after the first k steps, and how many windows have touched each
/// padded input cell so far (N, Hp, Wp), which shows where windows overlap.
#[derive(Debug, Clone, PartialEq)]
pub struct BackwardState {
    pub steps_done: usize,
    pub grads: Grads,
    pub touches: Array3<u32>,
}

impl Layer {
    /// The numbers of the window of output cell `pos` (C, HH, WW), zeros on padding.
    pub fn x_window(&self, pos: OutPos) -> Array3<f64> {
        let g = &self.geom;
        let window = g.window(pos.i, pos.j);
        Array3::from_shape_fn((g.c, g.hh, g.ww), |(c, m, k)| {
            let (r, col) = (window.rows[m], window.cols[k]);
            if window.is_pad(r, col) {
                0.0
            } else {
                self.x[[pos.n, c, r - g.pad, col - g.pad]]
            }
        })
    }

    /// Forward step `step` (1-based), or None outside 1..=total.
    pub fn forward_step(&self, step: usize) -> Option<ForwardStep> {
        let pos = self.geom.position(step)?;
        let x_window = self.x_window(pos);
        let kernel = self.w.index_axis(ndarray::Axis(0), pos.f).to_owned();
        let products = &x_window * &kernel;
        let partial = Array1::from_shape_fn(self.geom.c, |c| {
            products.index_axis(ndarray::Axis(0), c).iter().sum()
        });
        let bias = self.b[pos.f];
        let out = partial.iter().sum::<f64>() + bias;
        let window = self.geom.window(pos.i, pos.j);
        Some(ForwardStep {
            step,
            pos,
            window,
            x_window,
            kernel,
            products,
            partial,
            bias,
            out,
        })
    }

    /// Backward step `step` (1-based) for upstream gradient `dout`, or None outside
    /// 1..=total. dout must have the output's shape.
    pub fn backward_step(&self, dout: &Array4<f64>, step: usize) -> Option<BackwardStep> {
        let pos = self.geom.position(step)?;
        let d = *dout.get([pos.n, pos.f, pos.i, pos.j])?;
        let kernel = self.w.index_axis(ndarray::Axis(0), pos.f);
        let dx_pad_add = kernel.mapv(|w| d * w);
        let dw_add = self.x_window(pos).mapv(|x| d * x);
        let window = self.geom.window(pos.i, pos.j);
        Some(BackwardStep {
            step,
            pos,
            window,
            dout: d,
            dx_pad_add,
            dw_add,
            db_add: d,
        })
    }

    /// dout with the entries of steps after k set to 0: the backward pass of this
    /// array is exactly the sum of the first k steps' contributions.
    pub fn dout_through(&self, dout: &Array4<f64>, k: usize) -> Array4<f64> {
        // Step s is the flat index s - 1 of dout in standard layout (n, f, i, j): the
        // first k numbers are kept and the rest are zeros, copied as two runs.
        let dout = dout.as_standard_layout();
        let all = dout.as_slice().expect("standard layout");
        let kept = &all[..k.min(all.len())];
        let mut data = Vec::with_capacity(all.len());
        data.extend_from_slice(kept);
        data.resize(all.len(), 0.0);
        Array4::from_shape_vec(dout.raw_dim(), data).expect("dout's own shape")
    }

    /// The backward totals after the first k steps (k = 0: all zero; k = total: the
    /// full gradients): one pass of the fast engine over dout masked after the last
    /// whole output row, then the current row's steps one window at a time. This is
    /// the one definition of the state after k steps; [`BackwardCursor`] reaches the
    /// same numbers, bit for bit, by whatever path.
    pub fn backward_after(&self, dout: &Array4<f64>, k: usize) -> Result<BackwardState, ConvError> {
        self.check_dout(dout)?;
        let k = k.min(self.geom.total_steps());
        let start = self.row_start(k);
        let mut grads = self.grads_through(dout, start)?;
        for step in start + 1..=k {
            self.add_step(&mut grads, dout, step);
        }
        Ok(BackwardState {
            steps_done: k,
            grads,
            touches: self.touches_after(k),
        })
    }

    /// The steps done before the output row of step k (0 for k = 0).
    fn row_start(&self, k: usize) -> usize {
        let w_out = self.geom.w_out;
        k.saturating_sub(1) / w_out * w_out
    }

    /// The whole-array gradients of the first k steps (k a row start): zeros for none.
    fn grads_through(&self, dout: &Array4<f64>, k: usize) -> Result<Grads, ConvError> {
        if k == self.geom.total_steps() {
            // Nothing to mask.
            return backward(self, dout);
        }
        if k == 0 {
            let g = &self.geom;
            return Ok(Grads {
                dx_pad: Array4::zeros((g.n, g.c, g.hp(), g.wp())),
                dx: Array4::zeros(self.x.dim()),
                dw: Array4::zeros(self.w.dim()),
                db: Array1::zeros(g.f),
            });
        }
        backward(self, &self.dout_through(dout, k))
    }

    /// Adds step `step`'s contribution, as [`Layer::backward_step`] gives it, to
    /// dx_pad (and dx), dw and db.
    fn add_step(&self, grads: &mut Grads, dout: &Array4<f64>, step: usize) {
        let g = &self.geom;
        let Some(pos) = g.position(step) else { return };
        let d = dout[[pos.n, pos.f, pos.i, pos.j]];
        let window = g.window(pos.i, pos.j);
        for c in 0..g.c {
            for (m, &r) in window.rows.iter().enumerate() {
                for (k, &q) in window.cols.iter().enumerate() {
                    let cell = [pos.n, c, r, q];
                    grads.dx_pad[cell] += d * self.w[[pos.f, c, m, k]];
                    let x = if window.is_pad(r, q) {
                        0.0
                    } else {
                        let v = grads.dx_pad[cell];
                        grads.dx[[pos.n, c, r - g.pad, q - g.pad]] = v;
                        self.x[[pos.n, c, r - g.pad, q - g.pad]]
                    };
                    grads.dw[[pos.f, c, m, k]] += d * x;
                }
            }
        }
        grads.db[pos.f] += d;
    }

    /// How many of the first k windows read each padded cell (N, Hp, Wp), counted
    /// row by column: a window reads the cells of its rows times its columns.
    pub fn touches_after(&self, k: usize) -> Array3<u32> {
        let g = &self.geom;
        let mut touches = Array3::<u32>::zeros((g.n, g.hp(), g.wp()));
        let Some(pos) = g.position(k) else {
            return touches;
        };
        // reads(len, outs, taps)[p]: how many of the first `outs` output rows (or
        // columns) have a window reading padded row (column) p.
        let reads = |len: usize, outs: usize, taps: usize| {
            let mut count = vec![0u32; len];
            for o in 0..outs {
                for t in 0..taps {
                    count[o * g.stride + t * g.dilation] += 1;
                }
            }
            count
        };
        let rows_all = reads(g.hp(), g.h_out, g.hh);
        let cols_all = reads(g.wp(), g.w_out, g.ww);
        let rows_before = reads(g.hp(), pos.i, g.hh);
        let rows_through = reads(g.hp(), pos.i + 1, g.hh);
        let cols_through = reads(g.wp(), pos.j + 1, g.ww);
        let filters_all = u32::try_from(g.f).unwrap_or(u32::MAX);
        let filters_before = u32::try_from(pos.f).unwrap_or(u32::MAX);
        // Row by row: t[q] = a * cols_all[q] + b * cols_through[q] for the row's a, b.
        let (hp, wp) = (g.hp(), g.wp());
        let cells = touches
            .as_slice_mut()
            .expect("new arrays are in standard layout");
        for (n, image) in cells.chunks_exact_mut(hp * wp).enumerate().take(pos.n + 1) {
            for (r, row) in image.chunks_exact_mut(wp).enumerate() {
                let (a, b) = if n < pos.n {
                    (filters_all * rows_all[r], 0)
                } else {
                    (
                        filters_before * rows_all[r] + rows_before[r],
                        rows_through[r] - rows_before[r],
                    )
                };
                for ((t, &all), &through) in row.iter_mut().zip(&cols_all).zip(&cols_through) {
                    *t = a * all + b * through;
                }
            }
        }
        touches
    }

    /// Adds `delta` (1 or -1) to the touch counts of step `step`'s window.
    fn touch(&self, touches: &mut Array3<u32>, step: usize, add: bool) {
        let g = &self.geom;
        let Some(pos) = g.position(step) else { return };
        let window = g.window(pos.i, pos.j);
        for &r in &window.rows {
            for &q in &window.cols {
                let t = &mut touches[[pos.n, r, q]];
                *t = if add { *t + 1 } else { t.saturating_sub(1) };
            }
        }
    }
}

/// The backward totals after k steps, kept for a stepper that moves one step at a
/// time: a step forward adds one window; a step back within an output row restores
/// that row's cells from the totals at the row's start and adds the row's earlier
/// windows again (subtracting would drift); crossing into another row or jumping is
/// one masked pass of the fast engine. Whatever the path, the numbers are bit for bit
/// those of [`Layer::backward_after`]. Reads as the [`BackwardState`] it holds.
#[derive(Debug, Clone)]
pub struct BackwardCursor {
    state: BackwardState,
    /// The totals after the steps before the current output row.
    row_start: Grads,
    row_start_steps: usize,
}

impl Deref for BackwardCursor {
    type Target = BackwardState;

    fn deref(&self) -> &BackwardState {
        &self.state
    }
}

impl BackwardCursor {
    /// A cursor that holds `state` as it is (a routing layer's totals, recomputed on
    /// each step rather than sought: see `route.rs`).
    pub fn settled(state: BackwardState) -> BackwardCursor {
        BackwardCursor {
            row_start: state.grads.clone(),
            row_start_steps: state.steps_done,
            state,
        }
    }

    /// The totals after k steps (clamped to the layer's steps).
    pub fn new(layer: &Layer, dout: &Array4<f64>, k: usize) -> Result<BackwardCursor, ConvError> {
        layer.check_dout(dout)?;
        let k = k.min(layer.geom.total_steps());
        let start = layer.row_start(k);
        let row_start = layer.grads_through(dout, start)?;
        let mut grads = row_start.clone();
        for step in start + 1..=k {
            layer.add_step(&mut grads, dout, step);
        }
        Ok(BackwardCursor {
            state: BackwardState {
                steps_done: k,
                grads,
                touches: layer.touches_after(k),
            },
            row_start,
            row_start_steps: start,
        })
    }

    /// Moves to the totals after k steps. `layer` and `dout` must be the ones the
    /// cursor was made with.
    pub fn seek(&mut self, layer: &Layer, dout: &Array4<f64>, k: usize) -> Result<(), ConvError> {
        layer.check_dout(dout)?;
        let k = k.min(layer.geom.total_steps());
        let done = self.state.steps_done;
        let start = self.row_start_steps;
        let same_row = layer.row_start(k) == start && layer.row_start(done) == start;
        if k == done {
            return Ok(());
        }
        if !same_row {
            *self = BackwardCursor::new(layer, dout, k)?;
            return Ok(());
        }
        if k > done {
            for step in done + 1..=k {
                layer.add_step(&mut self.state.grads, dout, step);
                layer.touch(&mut self.state.touches, step, true);
            }
        } else {
            for step in k + 1..=done {
                layer.touch(&mut self.state.touches, step, false);
            }
            self.restore_row(layer, start + 1);
            for step in start + 1..=k {
                layer.add_step(&mut self.state.grads, dout, step);
            }
        }
        self.state.steps_done = k;
        Ok(())
    }

    /// Copies back, from the row's start, every cell the windows of the row of `step`
    /// write: its band of dx_pad (and dx) rows, dw[f] and db[f].
    fn restore_row(&mut self, layer: &Layer, step: usize) {
        let g = &layer.geom;
        let Some(pos) = g.position(step) else { return };
        let top = pos.i * g.stride;
        let bottom = top + (g.hh - 1) * g.dilation + 1;
        let grads = &mut self.state.grads;
        let base = &self.row_start;
        let band = s![pos.n, .., top..bottom, ..];
        grads
            .dx_pad
            .slice_mut(band)
            .assign(&base.dx_pad.slice(band));
        let (x_top, x_bottom) = (
            top.max(g.pad) - g.pad,
            bottom.saturating_sub(g.pad).min(g.h),
        );
        if x_top < x_bottom {
            let band = s![pos.n, .., x_top..x_bottom, ..];
            grads.dx.slice_mut(band).assign(&base.dx.slice(band));
        }
        grads
            .dw
            .index_axis_mut(Axis(0), pos.f)
            .assign(&base.dw.index_axis(Axis(0), pos.f));
        grads.db[pos.f] = base.db[pos.f];
    }
}
