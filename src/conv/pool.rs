//! Max pooling, CS231n's `max_pool_forward` / `max_pool_backward`: a KxK window moved
//! by stride S over each channel (no padding), the output its maximum. The forward pass
//! keeps where each maximum came from (the "switch"); ties go to the first maximum in
//! row-major order, as `np.argmax` does, and so does the first NaN. The backward pass
//! sends each dout cell to its switch only.

use crate::conv::{Array4In, Numbers};
use ndarray::{Array4, ArrayBase, Data, Ix4};

use super::{ConvError, OutPos, SharedArray4, Window};

/// The pooling window's side K and its stride S (no padding).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PoolParams {
    pub kernel: usize,
    pub stride: usize,
}

/// The checked geometry of a pooling layer: x (N,C,H,W) to out (N,C,H',W') with
/// H' = floor((H - K) / S) + 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolGeometry {
    pub n: usize,
    pub c: usize,
    pub h: usize,
    pub w: usize,
    pub kernel: usize,
    pub stride: usize,
    pub h_out: usize,
    pub w_out: usize,
}

impl PoolGeometry {
    pub fn new(x_dim: (usize, usize, usize, usize), p: PoolParams) -> Result<Self, ConvError> {
        let (n, c, h, w) = x_dim;
        if p.stride == 0 {
            return Err(ConvError::ZeroStride);
        }
        if p.kernel == 0 {
            return Err(ConvError::EmptyArray {
                what: "pooling window",
                shape: vec![0, 0],
            });
        }
        if [n, c, h, w].contains(&0) {
            return Err(ConvError::EmptyArray {
                what: "x",
                shape: vec![n, c, h, w],
            });
        }
        if p.kernel > h || p.kernel > w {
            return Err(ConvError::PoolTooLarge { k: p.kernel, h, w });
        }
        Ok(PoolGeometry {
            n,
            c,
            h,
            w,
            kernel: p.kernel,
            stride: p.stride,
            h_out: (h - p.kernel) / p.stride + 1,
            w_out: (w - p.kernel) / p.stride + 1,
        })
    }

    pub fn params(&self) -> PoolParams {
        PoolParams {
            kernel: self.kernel,
            stride: self.stride,
        }
    }

    /// The output's shape (N, C, H', W').
    pub fn out_dim(&self) -> (usize, usize, usize, usize) {
        (self.n, self.c, self.h_out, self.w_out)
    }

    /// Number of steps: N * C * H' * W' (one window each).
    pub fn total_steps(&self) -> usize {
        self.n * self.c * self.h_out * self.w_out
    }

    /// The output cell of 1-based `step` (n, then channel, i, j innermost); `OutPos::f`
    /// is the channel. None outside 1..=total.
    pub fn position(&self, step: usize) -> Option<OutPos> {
        OutPos::of_step(self.out_dim(), step)
    }

    /// The window of output cell (i, j): rows i*S..i*S+K, columns j*S..j*S+K of x (a
    /// [`Window`] with no padding ring).
    pub fn window(&self, i: usize, j: usize) -> Window {
        Window {
            rows: (0..self.kernel).map(|m| i * self.stride + m).collect(),
            cols: (0..self.kernel).map(|k| j * self.stride + k).collect(),
            pad: 0,
            h: self.h,
            w: self.w,
        }
    }
}

/// A max-pooling layer with its input, its output and its switches. Construct with
/// [`Pool::new`], which runs the forward pass.
#[derive(Debug, Clone, PartialEq)]
pub struct Pool {
    pub x: SharedArray4,
    pub geom: PoolGeometry,
    /// out[n,c,i,j] = max of x[n, c, window(i, j)].
    pub out: SharedArray4,
    /// The switch of each output cell: m*K + k, the row-major index in its window of
    /// the maximum (the first of equal maxima, as `np.argmax`).
    pub argmax: Array4<usize>,
}

impl Pool {
    pub fn new(x: impl Into<SharedArray4>, params: PoolParams) -> Result<Self, ConvError> {
        let x = x.into();
        let geom = PoolGeometry::new(x.dim(), params)?;
        let (out, argmax) = max_pool_forward(&x, &geom);
        Ok(Pool {
            x,
            geom,
            out: out.into_shared(),
            argmax,
        })
    }

    pub fn params(&self) -> PoolParams {
        self.geom.params()
    }

    /// The cell (row, col) of x that output cell `pos` took its maximum from.
    pub fn switch(&self, pos: OutPos) -> (usize, usize) {
        let a = self.argmax[[pos.n, pos.f, pos.i, pos.j]];
        let k = self.geom.kernel;
        (
            pos.i * self.geom.stride + a / k,
            pos.j * self.geom.stride + a % k,
        )
    }

    /// dx (N,C,H,W): each dout cell added at its switch, zero elsewhere (overlapping
    /// windows may send several to one cell).
    pub fn backward(&self, dout: &Array4In<impl Numbers>) -> Result<Array4<f64>, ConvError> {
        check_dout(dout, self.geom.out_dim())?;
        Ok(max_pool_backward(&self.geom, &self.argmax, dout))
    }
}

pub(super) fn check_dout(
    dout: &Array4In<impl Numbers>,
    want: (usize, usize, usize, usize),
) -> Result<(), ConvError> {
    if dout.dim() != want {
        return Err(ConvError::DoutMismatch {
            got: dout.shape().to_vec(),
            want: vec![want.0, want.1, want.2, want.3],
        });
    }
    Ok(())
}

/// The argmax of a window's values in row-major order: the first maximum, or the first
/// NaN (as `np.argmax`).
fn first_max(values: impl Iterator<Item = f64>) -> (usize, f64) {
    let mut best = (0, f64::NEG_INFINITY);
    for (k, v) in values.enumerate() {
        if best.1.is_nan() {
            break;
        }
        if k == 0 || v > best.1 || v.is_nan() {
            best = (k, v);
        }
    }
    best
}

/// out and the switches.
fn max_pool_forward<S: Data<Elem = f64>>(
    x: &ArrayBase<S, Ix4>,
    g: &PoolGeometry,
) -> (Array4<f64>, Array4<usize>) {
    let mut out = Array4::zeros(g.out_dim());
    let mut argmax = Array4::zeros(g.out_dim());
    let (k, s) = (g.kernel, g.stride);
    for ((n, c, i, j), o) in out.indexed_iter_mut() {
        let taps = (0..k * k).map(|t| x[[n, c, i * s + t / k, j * s + t % k]]);
        let (at, v) = first_max(taps);
        *o = v;
        argmax[[n, c, i, j]] = at;
    }
    (out, argmax)
}

fn max_pool_backward(
    g: &PoolGeometry,
    argmax: &Array4<usize>,
    dout: &Array4In<impl Numbers>,
) -> Array4<f64> {
    let mut dx = Array4::zeros((g.n, g.c, g.h, g.w));
    let (k, s) = (g.kernel, g.stride);
    for ((n, c, i, j), &d) in dout.indexed_iter() {
        let a = argmax[[n, c, i, j]];
        dx[[n, c, i * s + a / k, j * s + a % k]] += d;
    }
    dx
}
