//! CS231n's `conv_forward_naive` and `conv_backward_naive` (and `max_pool_forward_naive`,
//! `max_pool_backward_naive`), line for line in Rust:
//! four loops over n, f, i, j, one window each. Slow and plain on purpose: the reference
//! that both engines (the fast whole-array one and the step-wise one) are tested
//! against, and the loops a student writes.
//!
//! ```python
//! for n in range(N):
//!     for f in range(F):
//!         for i in range(H_out):
//!             for j in range(W_out):
//!                 window = x_pad[n, :, i*stride:i*stride+HH, j*stride:j*stride+WW]
//!                 out[n, f, i, j] = np.sum(window * w[f]) + b[f]
//! ```

use crate::conv::{Array4In, Numbers};
use ndarray::{Array1, Array4, ArrayView3, Axis, s};

use super::{ConvParams, Grads, Layer, PoolParams};

/// The window of output cell (i, j) of image n: x_pad[n, :, rows, cols], dilation
/// spacing the taps (CS231n's slice with a step; the notes have dilation 1).
fn window<'a>(
    x_pad: &'a Array4<f64>,
    n: usize,
    i: usize,
    j: usize,
    layer: &Layer,
) -> ArrayView3<'a, f64> {
    let g = &layer.geom;
    let ConvParams {
        stride, dilation, ..
    } = layer.params;
    let (reach_h, reach_w) = (dilation * (g.hh - 1) + 1, dilation * (g.ww - 1) + 1);
    let (r, c) = (i * stride, j * stride);
    x_pad.slice(s![n, .., r..r + reach_h;dilation, c..c + reach_w;dilation])
}

/// `conv_forward_naive(x, w, b, conv_param)`: out (N, F, H', W').
pub fn conv_forward_naive(layer: &Layer) -> Array4<f64> {
    let (w, b) = (&layer.w, &layer.b);
    let (n_imgs, f_count, h_out, w_out) = layer.geom.out_dim();
    let x_pad = layer.x_pad();
    let mut out = Array4::zeros((n_imgs, f_count, h_out, w_out));
    for n in 0..n_imgs {
        for f in 0..f_count {
            for i in 0..h_out {
                for j in 0..w_out {
                    let window = window(&x_pad, n, i, j, layer);
                    out[[n, f, i, j]] = (&window * &w.index_axis(Axis(0), f)).sum() + b[f];
                }
            }
        }
    }
    out
}

/// `conv_backward_naive(dout, cache)`: dx, dw, db (and dx_pad, before the crop).
/// dout must have the output's shape.
pub fn conv_backward_naive(layer: &Layer, dout: &Array4In<impl Numbers>) -> Grads {
    let w = &layer.w;
    let g = &layer.geom;
    let (n_imgs, f_count, h_out, w_out) = g.out_dim();
    let x_pad = layer.x_pad();
    let mut dx_pad = Array4::<f64>::zeros(x_pad.dim());
    let mut dw = Array4::<f64>::zeros(w.dim());
    let mut db = Array1::<f64>::zeros(f_count);
    for n in 0..n_imgs {
        for f in 0..f_count {
            for i in 0..h_out {
                for j in 0..w_out {
                    let window = window(&x_pad, n, i, j, layer);
                    let d = dout[[n, f, i, j]];
                    db[f] += d;
                    let mut dw_f = dw.index_axis_mut(Axis(0), f);
                    dw_f.scaled_add(d, &window);
                    let (r, c) = (i * g.stride, j * g.stride);
                    let (reach_h, reach_w) =
                        (g.dilation * (g.hh - 1) + 1, g.dilation * (g.ww - 1) + 1);
                    dx_pad
                        .slice_mut(s![n, .., r..r + reach_h;g.dilation, c..c + reach_w;g.dilation])
                        .scaled_add(d, &w.index_axis(Axis(0), f));
                }
            }
        }
    }
    // dx = dx_pad[:, :, pad:-pad, pad:-pad] (which pad 0 would leave empty).
    let dx = dx_pad
        .slice(s![.., .., g.pad..g.pad + g.h, g.pad..g.pad + g.w])
        .to_owned();
    Grads { dx_pad, dx, dw, db }
}

/// `max_pool_forward_naive(x, pool_param)`: out (N, C, H', W'), each cell the maximum of
/// its window, H' = 1 + (H - pool_height) / stride.
///
/// ```python
/// for n in range(N):
///     for c in range(C):
///         for i in range(H_out):
///             for j in range(W_out):
///                 window = x[n, c, i*stride:i*stride+HH, j*stride:j*stride+WW]
///                 out[n, c, i, j] = np.max(window)
/// ```
pub fn max_pool_forward_naive(x: &Array4<f64>, pool: PoolParams) -> Array4<f64> {
    let (n_imgs, channels, h, w) = x.dim();
    let PoolParams { kernel, stride } = pool;
    let (h_out, w_out) = ((h - kernel) / stride + 1, (w - kernel) / stride + 1);
    let mut out = Array4::zeros((n_imgs, channels, h_out, w_out));
    for n in 0..n_imgs {
        for c in 0..channels {
            for i in 0..h_out {
                for j in 0..w_out {
                    let (r, q) = (i * stride, j * stride);
                    let window = x.slice(s![n, c, r..r + kernel, q..q + kernel]);
                    out[[n, c, i, j]] = window.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                }
            }
        }
    }
    out
}

/// `max_pool_backward_naive(dout, cache)`: dx (N, C, H, W), each dout cell sent to the
/// first maximum of its window in row-major order (`np.argmax` of the flattened window).
///
/// ```python
/// window = x[n, c, i*stride:i*stride+HH, j*stride:j*stride+WW]
/// m, k = np.unravel_index(np.argmax(window), window.shape)
/// dx[n, c, i*stride+m, j*stride+k] += dout[n, c, i, j]
/// ```
pub fn max_pool_backward_naive(
    x: &Array4<f64>,
    pool: PoolParams,
    dout: &Array4In<impl Numbers>,
) -> Array4<f64> {
    let PoolParams { kernel, stride } = pool;
    let (n_imgs, channels, h_out, w_out) = dout.dim();
    let mut dx = Array4::zeros(x.dim());
    for n in 0..n_imgs {
        for c in 0..channels {
            for i in 0..h_out {
                for j in 0..w_out {
                    let (r, q) = (i * stride, j * stride);
                    let window = x.slice(s![n, c, r..r + kernel, q..q + kernel]);
                    let mut best = (0, 0);
                    for ((m, k), &v) in window.indexed_iter() {
                        if v > window[best] {
                            best = (m, k);
                        }
                    }
                    dx[[n, c, r + best.0, q + best.1]] += dout[[n, c, i, j]];
                }
            }
        }
    }
    dx
}
