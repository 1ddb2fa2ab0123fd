//! One step at a time: what a single window computes forward, what it sends back, and
//! the running totals after k steps, each answered directly for any step.

use crate::conv::{Array4In, Numbers};
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
    pub fn backward_step(
        &self,
        dout: &Array4In<impl Numbers>,
        step: usize,
    ) -> Option<BackwardStep> {
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
    pub fn dout_through(&self, dout: &Array4In<impl Numbers>, k: usize) -> Array4<f64> {
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
    /// full gradients, exactly [`backward`]'s): one pass of the fast engine over dout
    /// masked after the last whole output row, then the current row's steps one window
    /// at a time. This is
    /// the one definition of the state after k steps; [`BackwardCursor`] reaches the
    /// same numbers, bit for bit, by whatever path.
    pub fn backward_after(
        &self,
        dout: &Array4In<impl Numbers>,
        k: usize,
    ) -> Result<BackwardState, ConvError> {
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

    /// The whole output rows within the first k steps, in steps: the row start the
    /// totals after k steps are built from (k itself when k ends a row, so that the
    /// totals after the last step are one unmasked pass).
    fn row_start(&self, k: usize) -> usize {
        let w_out = self.geom.w_out;
        k / w_out * w_out
    }

    /// The whole-array gradients of the first k steps (k a row start): zeros for none.
    fn grads_through(&self, dout: &Array4In<impl Numbers>, k: usize) -> Result<Grads, ConvError> {
        if k == self.geom.total_steps() {
            // Nothing to mask.
            return backward(self, dout);
        }
        if k == 0 {
            return Ok(Grads::zeros(&self.geom));
        }
        backward(self, &self.dout_through(dout, k))
    }

    /// Adds step `step`'s contribution, as [`Layer::backward_step`] gives it, to
    /// dx_pad (and dx), dw and db.
    fn add_step(&self, grads: &mut Grads, dout: &Array4In<impl Numbers>, step: usize) {
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
        self.write_touches(k, &mut touches);
        touches
    }

    /// Writes [`Layer::touches_after`]'s counts into `touches` (N, Hp, Wp), every cell.
    fn write_touches(&self, k: usize, touches: &mut Array3<u32>) {
        let g = &self.geom;
        touches.fill(0);
        let Some(pos) = g.position(k) else {
            return;
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
/// that row's cells from a copy of them taken at the row's start and adds the row's
/// earlier windows again (subtracting would drift); crossing into another row or
/// jumping is one masked pass of the fast engine, written into the arrays the cursor
/// already has (a jump to the first step zeroes them, one to the last copies the full
/// pass when it is given: [`BackwardCursor::seek_with_full`]). Whatever the path, the
/// numbers are bit for bit those of [`Layer::backward_after`]. Reads as the
/// [`BackwardState`] it holds.
#[derive(Debug, Clone)]
pub struct BackwardCursor {
    state: BackwardState,
    /// The cells the current output row's windows write, as they were at its start.
    row_start: RowStart,
}

/// What the windows of the output row after `steps` write (dx_pad's and dx's bands of
/// rows in image n, dw[f] and db[f]), copied at the row's start.
#[derive(Debug, Clone)]
struct RowStart {
    steps: usize,
    /// (n, f, first dx_pad row, first dx row) of the row; None past the last step.
    at: Option<(usize, usize, usize, usize)>,
    dx_pad: Array3<f64>,
    dx: Array3<f64>,
    dw: Array3<f64>,
    db: f64,
}

impl RowStart {
    /// No row to restore: past the last step, or a cursor that is never sought.
    fn none(steps: usize) -> RowStart {
        RowStart {
            steps,
            at: None,
            dx_pad: Array3::zeros((0, 0, 0)),
            dx: Array3::zeros((0, 0, 0)),
            dw: Array3::zeros((0, 0, 0)),
            db: 0.0,
        }
    }

    /// The cells of `grads` (the totals after `steps`, a row start) that the windows
    /// of the next output row write.
    fn of(layer: &Layer, grads: &Grads, steps: usize) -> RowStart {
        let g = &layer.geom;
        let Some(pos) = g.position(steps + 1) else {
            return RowStart::none(steps);
        };
        let (top, bottom, x_top, x_bottom) = row_band(g, pos.i);
        RowStart {
            steps,
            at: Some((pos.n, pos.f, top, x_top)),
            dx_pad: grads
                .dx_pad
                .slice(s![pos.n, .., top..bottom, ..])
                .to_owned(),
            dx: grads
                .dx
                .slice(s![pos.n, .., x_top..x_bottom.max(x_top), ..])
                .to_owned(),
            dw: grads.dw.index_axis(Axis(0), pos.f).to_owned(),
            db: grads.db[pos.f],
        }
    }

    /// Copies the cells back into `grads`.
    fn restore(&self, grads: &mut Grads) {
        let Some((n, f, top, x_top)) = self.at else {
            return;
        };
        let rows = self.dx_pad.dim().1;
        grads
            .dx_pad
            .slice_mut(s![n, .., top..top + rows, ..])
            .assign(&self.dx_pad);
        let rows = self.dx.dim().1;
        grads
            .dx
            .slice_mut(s![n, .., x_top..x_top + rows, ..])
            .assign(&self.dx);
        grads.dw.index_axis_mut(Axis(0), f).assign(&self.dw);
        grads.db[f] = self.db;
    }
}

/// The padded rows output row i's windows read, top..bottom, and the rows of x among
/// them, x_top..x_bottom (empty when they are all padding).
fn row_band(g: &super::Geometry, i: usize) -> (usize, usize, usize, usize) {
    let top = i * g.stride;
    let bottom = top + (g.hh - 1) * g.dilation + 1;
    let x_top = (top.max(g.pad) - g.pad).min(g.h);
    let x_bottom = bottom.saturating_sub(g.pad).min(g.h).max(x_top);
    (top, bottom, x_top, x_bottom)
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
            row_start: RowStart::none(state.steps_done),
            state,
        }
    }

    /// The totals after k steps (clamped to the layer's steps).
    pub fn new(
        layer: &Layer,
        dout: &Array4In<impl Numbers>,
        k: usize,
    ) -> Result<BackwardCursor, ConvError> {
        layer.check_dout(dout)?;
        let k = k.min(layer.geom.total_steps());
        let start = layer.row_start(k);
        let mut grads = layer.grads_through(dout, start)?;
        let row_start = RowStart::of(layer, &grads, start);
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
        })
    }

    /// The cursor at the last step from `full`, the totals after the last step of
    /// `layer` (as [`Layer::backward_after`] gives them, which a stepper keeps): a copy
    /// instead of a pass. None when `full` is not at the last step.
    pub fn from_full(layer: &Layer, full: &BackwardState) -> Option<BackwardCursor> {
        let total = layer.geom.total_steps();
        (full.steps_done == total).then(|| BackwardCursor {
            state: full.clone(),
            row_start: RowStart::of(layer, &full.grads, total),
        })
    }

    /// Moves to the totals after k steps. `layer` and `dout` must be the ones the
    /// cursor was made with.
    pub fn seek(
        &mut self,
        layer: &Layer,
        dout: &Array4In<impl Numbers>,
        k: usize,
    ) -> Result<(), ConvError> {
        self.seek_from(layer, dout, k, None)
    }

    /// [`BackwardCursor::seek`], given also `full`, the totals after the last step of
    /// the same layer and dout (`layer.backward_after(dout, total)`, which a stepper
    /// keeps): a jump to the last step then copies them instead of running the pass.
    pub fn seek_with_full(
        &mut self,
        layer: &Layer,
        dout: &Array4In<impl Numbers>,
        k: usize,
        full: &BackwardState,
    ) -> Result<(), ConvError> {
        self.seek_from(layer, dout, k, Some(full))
    }

    fn seek_from(
        &mut self,
        layer: &Layer,
        dout: &Array4In<impl Numbers>,
        k: usize,
        full: Option<&BackwardState>,
    ) -> Result<(), ConvError> {
        layer.check_dout(dout)?;
        let total = layer.geom.total_steps();
        let k = k.min(total);
        let done = self.state.steps_done;
        let start = self.row_start.steps;
        if k == done {
            return Ok(());
        }
        let same_row = layer.row_start(k) == start && layer.row_start(done) == start;
        if !same_row {
            return self.jump(layer, dout, k, full);
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
            self.row_start.restore(&mut self.state.grads);
            for step in start + 1..=k {
                layer.add_step(&mut self.state.grads, dout, step);
            }
        }
        self.state.steps_done = k;
        Ok(())
    }

    /// The totals after k steps, built afresh from the row start of k, into the arrays
    /// the cursor has where that saves allocating (and faulting in) new ones.
    fn jump(
        &mut self,
        layer: &Layer,
        dout: &Array4In<impl Numbers>,
        k: usize,
        full: Option<&BackwardState>,
    ) -> Result<(), ConvError> {
        let g = &layer.geom;
        let total = g.total_steps();
        let start = layer.row_start(k);
        let grads = &mut self.state.grads;
        let shapes_fit = grads.dx_pad.dim() == (g.n, g.c, g.hp(), g.wp())
            && grads.dx.dim() == layer.x.dim()
            && grads.dw.dim() == layer.w.dim()
            && grads.db.len() == g.f;
        let full =
            full.filter(|f| f.steps_done == total && f.grads.dx_pad.dim() == grads.dx_pad.dim());
        match (start, full) {
            (0, _) if shapes_fit => {
                super::memory::fill(&mut grads.dx_pad, 0.0);
                super::memory::fill(&mut grads.dx, 0.0);
                grads.dw.fill(0.0);
                grads.db.fill(0.0);
            }
            (s, Some(full))
                if s == total && shapes_fit && full.grads.dx.dim() == grads.dx.dim() =>
            {
                super::memory::copy(&mut grads.dx_pad, &full.grads.dx_pad);
                super::memory::copy(&mut grads.dx, &full.grads.dx);
                grads.dw.assign(&full.grads.dw);
                grads.db.assign(&full.grads.db);
            }
            _ => *grads = layer.grads_through(dout, start)?,
        }
        self.row_start = RowStart::of(layer, grads, start);
        for step in start + 1..=k {
            layer.add_step(grads, dout, step);
        }
        if self.state.touches.dim() == (g.n, g.hp(), g.wp()) {
            layer.write_touches(k, &mut self.state.touches);
        } else {
            self.state.touches = layer.touches_after(k);
        }
        self.state.steps_done = k;
        Ok(())
    }
}
