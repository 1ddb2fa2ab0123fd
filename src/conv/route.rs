//! Max pooling and ReLU one step at a time, for the stepper: the layers of a stack that
//! route values and gradients rather than weigh them. A step is one output cell, in the
//! order of the naive loops (n, c, i, j); its window is that of a *shadow* geometry with
//! as many "filters" as channels (output channel c reads input channel c only), a KxK
//! kernel, the pooling stride and no padding (ReLU: 1x1, stride 1), so that the
//! stepper's panels place and mark windows for these layers as they do for a conv.
//!
//! Max pooling sends each dout entry to the first maximum of its window in row-major
//! order (as `np.argmax`); ReLU sends dout through where x > 0 and stops it elsewhere.

use crate::conv::{Array4In, Numbers};
use ndarray::{Array1, Array2, Array3, Array4};

use super::backward::Grads;
use super::step::{BackwardCursor, BackwardState};
use super::{ConvError, ConvParams, Geometry, Layer, OutPos, SharedArray4};

/// A layer that routes: max pooling or ReLU.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Router {
    /// KxK max pooling with a stride, no padding.
    Pool {
        k: usize,
        stride: usize,
    },
    Relu,
}

/// One step of a routing layer, forward and backward.
#[derive(Debug, Clone, PartialEq)]
pub struct RouteStep {
    pub pos: OutPos,
    /// The window's values in channel `pos.f` (K, K; 1x1 for ReLU).
    pub values: Array2<f64>,
    /// Where the maximum is in the window (m, k): the one cell dout goes back to. ReLU:
    /// (0, 0).
    pub arg: (usize, usize),
    /// out[n,c,i,j]: the maximum, or max(0, x).
    pub out: f64,
    /// ReLU: whether x > 0 (the cell passes forward and its gradient backward). Pooling:
    /// always true (the argmax passes).
    pub passes: bool,
}

impl Router {
    /// The shadow geometry over x (N, C, H, W): F = C, KxK, the stride, no padding.
    pub fn geometry(&self, x_dim: (usize, usize, usize, usize)) -> Result<Geometry, ConvError> {
        let c = x_dim.1;
        let (k, stride) = self.kernel_stride();
        let params = ConvParams {
            stride,
            pad: 0,
            dilation: 1,
        };
        Geometry::new(x_dim, (c, c, k, k), c, params)
    }

    fn kernel_stride(&self) -> (usize, usize) {
        match *self {
            Router::Pool { k, stride } => (k, stride),
            Router::Relu => (1, 1),
        }
    }

    /// The shadow layer over x: its geometry, with w and b zeros (never read for
    /// values: [`Router::step`] and [`Router::backward_after`] are the maths).
    pub fn shadow(&self, x: impl Into<SharedArray4>) -> Result<Layer, ConvError> {
        let x = x.into();
        let g = self.geometry(x.dim())?;
        let w = Array4::zeros((g.f, g.c, g.hh, g.ww));
        Layer::new(x, w, Array1::zeros(g.f), g.params())
    }

    /// Step `step` (1-based) over the shadow layer, or None outside 1..=total.
    pub fn step(&self, layer: &Layer, step: usize) -> Option<RouteStep> {
        let g = &layer.geom;
        let pos = g.position(step)?;
        let window = g.window(pos.i, pos.j);
        let values = Array2::from_shape_fn((g.hh, g.ww), |(m, k)| {
            layer.x[[pos.n, pos.f, window.rows[m], window.cols[k]]]
        });
        let (mut arg, mut best) = ((0, 0), values[[0, 0]]);
        for ((m, k), &v) in values.indexed_iter() {
            // The first maximum in row-major order; a NaN is taken as np.argmax does.
            if v > best || (v.is_nan() && !best.is_nan()) {
                (arg, best) = ((m, k), v);
            }
        }
        let (out, passes) = match self {
            Router::Pool { .. } => (best, true),
            Router::Relu => (best.max(0.0), best > 0.0),
        };
        Some(RouteStep {
            pos,
            values,
            arg,
            out,
            passes,
        })
    }

    /// The whole output, step by step.
    pub fn forward(&self, layer: &Layer) -> Array4<f64> {
        let g = &layer.geom;
        let mut out = Array4::zeros(g.out_dim());
        for step in 1..=g.total_steps() {
            if let Some(s) = self.step(layer, step) {
                let p = s.pos;
                out[[p.n, p.f, p.i, p.j]] = s.out;
            }
        }
        out
    }

    /// The padded input cell (row, col) step `s` sends its dout to, if it sends any.
    fn target(&self, layer: &Layer, s: &RouteStep) -> Option<(usize, usize)> {
        let window = layer.geom.window(s.pos.i, s.pos.j);
        s.passes
            .then(|| (window.rows[s.arg.0], window.cols[s.arg.1]))
    }

    /// What step `step` sends back: dout[n,c,i,j] into channel c of the window, at the
    /// argmax (pooling) or at x where it passes (ReLU); the shape of a conv step's
    /// dx_pad_add (C, K, K), zero elsewhere.
    pub fn dx_add(
        &self,
        layer: &Layer,
        dout: &Array4In<impl Numbers>,
        step: usize,
    ) -> Option<Array3<f64>> {
        let g = &layer.geom;
        let s = self.step(layer, step)?;
        let p = s.pos;
        let d = *dout.get([p.n, p.f, p.i, p.j])?;
        let mut add = Array3::zeros((g.c, g.hh, g.ww));
        if s.passes {
            add[[p.f, s.arg.0, s.arg.1]] = d;
        }
        Some(add)
    }

    /// The backward totals after the first k steps: dx (here equal to dx_pad, there is
    /// no padding) with each of those steps' dout added at its target; dw and db are
    /// the shadow's zeros; touches as the shadow's windows.
    pub fn backward_after(
        &self,
        layer: &Layer,
        dout: &Array4In<impl Numbers>,
        k: usize,
    ) -> Result<BackwardState, ConvError> {
        layer.check_dout(dout)?;
        let g = &layer.geom;
        let k = k.min(g.total_steps());
        let mut dx = Array4::zeros(layer.x.dim());
        for step in 1..=k {
            let Some(s) = self.step(layer, step) else {
                continue;
            };
            if let Some((r, c)) = self.target(layer, &s) {
                let p = s.pos;
                dx[[p.n, p.f, r, c]] += dout[[p.n, p.f, p.i, p.j]];
            }
        }
        Ok(BackwardState {
            steps_done: k,
            grads: Grads {
                dx_pad: dx.clone(),
                dx,
                dw: Array4::zeros(layer.w.dim()),
                db: Array1::zeros(g.f),
            },
            touches: layer.touches_after(k),
        })
    }

    /// [`Router::backward_after`] as a cursor the stepper holds (it is recomputed on
    /// every step: a routing layer's pass is one add per output cell).
    pub fn cursor(
        &self,
        layer: &Layer,
        dout: &Array4In<impl Numbers>,
        k: usize,
    ) -> Result<BackwardCursor, ConvError> {
        self.backward_after(layer, dout, k)
            .map(BackwardCursor::settled)
    }
}

#[cfg(test)]
mod tests {
    use ndarray::Array4;

    use super::*;

    fn layer(router: Router, x: Array4<f64>) -> Layer {
        router.shadow(x).expect("a valid shadow")
    }

    #[test]
    fn pooling_takes_the_first_maximum_of_each_window() {
        // 1x1x2x4, two 2x2 windows: [1 3 | 5 5] over [2 0 | 5 4].
        let x = Array4::from_shape_vec((1, 1, 2, 4), vec![1., 3., 5., 5., 2., 0., 5., 4.])
            .expect("shape");
        let pool = Router::Pool { k: 2, stride: 2 };
        let l = layer(pool, x);
        let first = pool.step(&l, 1).expect("step 1");
        assert_eq!((first.out, first.arg), (3.0, (0, 1)));
        // Three 5s: the first in row-major order wins, as np.argmax.
        let second = pool.step(&l, 2).expect("step 2");
        assert_eq!((second.out, second.arg), (5.0, (0, 0)));
        let out = pool.forward(&l);
        assert_eq!(out.iter().copied().collect::<Vec<_>>(), vec![3.0, 5.0]);
        let dout = Array4::from_shape_vec((1, 1, 1, 2), vec![10., 20.]).expect("shape");
        let full = pool.backward_after(&l, &dout, 2).expect("fits");
        let want = vec![0., 10., 20., 0., 0., 0., 0., 0.];
        assert_eq!(full.grads.dx.iter().copied().collect::<Vec<_>>(), want);
        // After one step only the first window has sent its dout.
        let half = pool.backward_after(&l, &dout, 1).expect("fits");
        assert_eq!(half.grads.dx.sum(), 10.0);
    }

    #[test]
    fn relu_passes_positive_cells_and_stops_their_gradient_elsewhere() {
        let x = Array4::from_shape_vec((1, 2, 1, 2), vec![-1., 2., 0., 3.]).expect("shape");
        let relu = Router::Relu;
        let l = layer(relu, x);
        let out = relu.forward(&l);
        assert_eq!(
            out.iter().copied().collect::<Vec<_>>(),
            vec![0., 2., 0., 3.]
        );
        let dout = Array4::from_elem((1, 2, 1, 2), 5.0);
        let dx = relu.backward_after(&l, &dout, 4).expect("fits").grads.dx;
        assert_eq!(dx.iter().copied().collect::<Vec<_>>(), vec![0., 5., 0., 5.]);
        let s = relu.step(&l, 3).expect("step 3");
        assert!(!s.passes, "x = 0 does not pass: its gradient is stopped");
    }

    #[test]
    fn pooling_windows_read_their_own_channel_only() {
        let x = Array4::from_shape_fn((1, 2, 2, 2), |(_, c, h, w)| (c * 10 + h * 2 + w) as f64);
        let pool = Router::Pool { k: 2, stride: 2 };
        let l = layer(pool, x);
        assert_eq!(pool.step(&l, 1).map(|s| s.out), Some(3.0));
        assert_eq!(pool.step(&l, 2).map(|s| s.out), Some(13.0));
    }
}
