//! One step at a time: what a single window computes forward, what it sends back, and
//! the running totals after k steps, each answered directly for any step.

use ndarray::{Array1, Array3, Array4, Zip};

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
        let g = &self.geom;
        let mut masked = dout.clone();
        let wo = g.w_out;
        let ho = g.h_out;
        Zip::indexed(&mut masked).for_each(|(n, f, i, j), v| {
            if ((n * g.f + f) * ho + i) * wo + j >= k {
                *v = 0.0;
            }
        });
        masked
    }

    /// The backward totals after the first k steps (k = 0: all zero; k = total: the
    /// full gradients), computed directly from the masked dout.
    pub fn backward_after(&self, dout: &Array4<f64>, k: usize) -> Result<BackwardState, ConvError> {
        self.check_dout(dout)?;
        let g = &self.geom;
        let k = k.min(g.total_steps());
        let grads = backward(self, &self.dout_through(dout, k))?;
        let mut touches = Array3::<u32>::zeros((g.n, g.hp(), g.wp()));
        for step in 1..=k {
            let pos = g.position(step).expect("step within total");
            let window = g.window(pos.i, pos.j);
            for &r in &window.rows {
                for &c in &window.cols {
                    touches[[pos.n, r, c]] += 1;
                }
            }
        }
        Ok(BackwardState {
            steps_done: k,
            grads,
            touches,
        })
    }
}
