//! dx as a transposed convolution (the gather), conv_arithmetic's second half: dout with
//! stride-1 zeros inserted between its cells, padded by dilation·(HH-1) - pad on each
//! side (plus the rows and columns a stride that does not divide left unread, the odd
//! case's `a`), correlated with w rotated by 180° and summed over filters, gives each
//! dx cell from one window. The scatter (each step adds dout·w[f] to a window of
//! dx_pad) and this gather compute the same dx.

use crate::conv::{Array4In, Numbers};
use ndarray::Array4;

use super::{Geometry, Layer};

/// The transposed convolution's sizes along one axis, in conv_arithmetic's letters:
/// o' = s(i'-1) + a + k - 2p.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransposedAxis {
    /// i': dout's size.
    pub i: usize,
    /// s: the convolution's stride, the zeros' spacing.
    pub s: usize,
    /// a: the input rows no window read ((H + 2p - k) mod s).
    pub a: usize,
    /// k: the kernel's reach, dilation·(HH-1) + 1.
    pub k: usize,
    /// p: the convolution's padding.
    pub p: usize,
    /// o': dx's size.
    pub o: usize,
}

impl TransposedAxis {
    /// The padding of the zero-inserted dout on each side: k - 1 - p (negative crops).
    pub fn pad(&self) -> isize {
        self.k as isize - 1 - self.p as isize
    }

    /// The zero-inserted, padded dout's size: o' + k - 1.
    pub fn padded(&self) -> usize {
        self.o + self.k - 1
    }
}

/// The rows' and columns' axes of the transposed convolution of a layer.
pub fn axes(g: &Geometry) -> (TransposedAxis, TransposedAxis) {
    let axis = |i: usize, taps: usize, len: usize| {
        let k = g.dilation * (taps - 1) + 1;
        TransposedAxis {
            i,
            s: g.stride,
            a: (len + 2 * g.pad - k) % g.stride,
            k,
            p: g.pad,
            o: len,
        }
    };
    (axis(g.h_out, g.hh, g.h), axis(g.w_out, g.ww, g.w))
}

/// The zero-inserted, padded dout's entry (u, v) for image n and filter f: dout[n,f,i,j]
/// where u - pad = i·s and v - pad = j·s, else 0 (an inserted zero or padding).
pub fn zero_inserted(
    g: &Geometry,
    dout: &Array4In<impl Numbers>,
    n: usize,
    f: usize,
    u: usize,
    v: usize,
) -> f64 {
    match (dout_cell(g, u, true), dout_cell(g, v, false)) {
        (Some(i), Some(j)) => dout[[n, f, i, j]],
        _ => 0.0,
    }
}

/// Which dout row (or column) the padded coordinate t holds, if any.
pub fn dout_cell(g: &Geometry, t: usize, rows: bool) -> Option<usize> {
    let (ax_r, ax_c) = axes(g);
    let ax = if rows { ax_r } else { ax_c };
    let t = t as isize - ax.pad();
    let s = g.stride as isize;
    (t >= 0 && t % s == 0 && ((t / s) as usize) < ax.i).then(|| (t / s) as usize)
}

/// w[f,c] rotated by 180°: entry (m, k) is w[f, c, HH-1-m, WW-1-k].
pub fn rotated(layer: &Layer, f: usize, c: usize, m: usize, k: usize) -> f64 {
    let g = &layer.geom;
    layer.w[[f, c, g.hh - 1 - m, g.ww - 1 - k]]
}

/// One product of the gather: filter f, tap (m, k) of the rotated kernel, at padded
/// dout cell (u, v).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GatherTerm {
    pub f: usize,
    pub m: usize,
    pub k: usize,
    pub u: usize,
    pub v: usize,
    /// The zero-inserted, padded dout there (0 for an inserted zero or padding).
    pub dout: f64,
    /// The rotated w[f, c] at (m, k).
    pub w: f64,
}

/// The terms of dx[n, c, r, q] (`at`): the window of the padded dout at (r, q),
/// dilated, times the rotated kernel, for every filter f and tap (m, k). Their sum is
/// dx[n, c, r, q].
pub fn gather_terms(
    layer: &Layer,
    dout: &Array4In<impl Numbers>,
    at: (usize, usize, usize, usize),
) -> Vec<GatherTerm> {
    let g = &layer.geom;
    let (n, c, r, q) = at;
    ndarray::indices((g.f, g.hh, g.ww))
        .into_iter()
        .map(|(f, m, k)| {
            let (u, v) = (r + m * g.dilation, q + k * g.dilation);
            GatherTerm {
                f,
                m,
                k,
                u,
                v,
                dout: zero_inserted(g, dout, n, f, u, v),
                w: rotated(layer, f, c, m, k),
            }
        })
        .collect()
}

/// dx[n, c, r, q] (`at`) by the gather.
pub fn gather_cell(
    layer: &Layer,
    dout: &Array4In<impl Numbers>,
    at: (usize, usize, usize, usize),
) -> f64 {
    gather_terms(layer, dout, at)
        .iter()
        .map(|t| t.dout * t.w)
        .sum()
}

/// The whole dx (N, C, H, W) by the gather.
pub fn gather_dx(layer: &Layer, dout: &Array4In<impl Numbers>) -> Array4<f64> {
    let g = &layer.geom;
    Array4::from_shape_fn((g.n, g.c, g.h, g.w), |at| gather_cell(layer, dout, at))
}

/// The dx cell of 0-based index `cell` in (N, C, H, W) order, clamped to the last.
pub fn cell_at(g: &Geometry, cell: usize) -> (usize, usize, usize, usize) {
    let cell = cell.min(g.n * g.c * g.h * g.w - 1);
    (
        cell / (g.c * g.h * g.w),
        (cell / (g.h * g.w)) % g.c,
        (cell / g.w) % g.h,
        cell % g.w,
    )
}

/// The number of dx cells, N·C·H·W.
pub fn cells(g: &Geometry) -> usize {
    g.n * g.c * g.h * g.w
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conv::{ConvParams, backward, noise};
    use ndarray::Array1;

    fn layer(x: (usize, usize, usize, usize), hh: usize, f: usize, p: ConvParams) -> Layer {
        let w = noise((f, x.1, hh, hh), 17);
        Layer::new(noise(x, 13), w, Array1::zeros(f), p).unwrap()
    }

    fn p(stride: usize, pad: usize, dilation: usize) -> ConvParams {
        ConvParams {
            stride,
            pad,
            dilation,
        }
    }

    #[test]
    fn every_gathered_dx_cell_is_the_engines_dx() {
        let cases = [
            layer((1, 3, 3, 3), 3, 2, p(1, 1, 1)),
            layer((2, 2, 7, 6), 3, 3, p(2, 1, 1)),
            layer((1, 1, 9, 9), 3, 2, p(1, 2, 2)),
            layer((1, 2, 6, 6), 3, 1, p(2, 0, 1)),
            layer((1, 1, 5, 7), 2, 2, p(3, 2, 2)),
            layer((1, 1, 5, 5), 4, 1, p(1, 2, 1)),
            layer((1, 1, 5, 5), 3, 1, p(1, 4, 1)),
        ];
        for l in cases {
            let dout = noise(l.geom.out_dim(), 23);
            let dx = backward(&l, &dout).unwrap().dx;
            let gathered = gather_dx(&l, &dout);
            let worst = (&dx - &gathered)
                .iter()
                .fold(0.0_f64, |m, d| m.max(d.abs()));
            assert!(worst < 1e-12, "{:?}: {worst}", l.geom);
        }
    }

    /// conv_arithmetic's figures: (i, k, s, p) of the convolution, and the transposed
    /// convolution's i' (its input) and o' (its output).
    #[test]
    fn the_sizes_are_conv_arithmetics() {
        let figures = [
            // no padding, no strides: i=4, k=3 -> 2; transposed 2 -> 4
            (4, 3, 1, 0, 2, 0),
            // arbitrary padding: i=5, k=4, p=2 -> 6; transposed 6 -> 5
            (5, 4, 1, 2, 6, 0),
            // half (same) padding: i=5, k=3, p=1 -> 5
            (5, 3, 1, 1, 5, 0),
            // full padding: i=5, k=3, p=2 -> 7
            (5, 3, 1, 2, 7, 0),
            // no padding, strides: i=5, k=3, s=2 -> 2
            (5, 3, 2, 0, 2, 0),
            // padding, strides: i=5, k=3, s=2, p=1 -> 3
            (5, 3, 2, 1, 3, 0),
            // padding, strides, odd: i=6, k=3, s=2, p=1 -> 3, a = 1
            (6, 3, 2, 1, 3, 1),
        ];
        for (i, k, s, pad, i_t, a) in figures {
            let l = layer((1, 1, i, i), k, 1, p(s, pad, 1));
            let (rows, cols) = axes(&l.geom);
            assert_eq!(rows, cols);
            assert_eq!((rows.i, rows.a, rows.o), (i_t, a, i));
            assert_eq!(rows.s * (rows.i - 1) + rows.a + rows.k - 2 * rows.p, rows.o);
        }
    }

    #[test]
    fn zeros_sit_between_dout_cells() {
        // Stride 2, no padding, 3x3: padded by 2; dout (2x2) lands at 2, 4.
        let l = layer((1, 1, 5, 5), 3, 1, p(2, 0, 1));
        let dout = Array4::from_shape_fn((1, 1, 2, 2), |(_, _, i, j)| (1 + 2 * i + j) as f64);
        let g = l.geom;
        let row: Vec<f64> = (0..axes(&g).1.padded())
            .map(|v| zero_inserted(&g, &dout, 0, 0, 2, v))
            .collect();
        assert_eq!(row, vec![0.0, 0.0, 1.0, 0.0, 2.0, 0.0, 0.0]);
    }
}
