//! The layer as one matrix product, as CS231n's fast layers and most libraries compute
//! it: out[n] = W · cols[n] + b, with W (F, C·HH·WW) one row per filter and cols
//! (C·HH·WW, H'·W') one column per window; backward, dW = Σ dout[n] · cols[n]ᵀ and
//! dcols = Wᵀ · dout[n], which col2im adds back to the cells of each window.
//!
//! The matrices are never needed whole by the view (a photograph's cols is many times
//! x): every entry is answered directly, and the whole matrices are built only for
//! layers small enough to hold them (and the tests).

use crate::conv::{Array4In, Numbers};
use ndarray::{Array2, Array3, Array4};

use super::{Geometry, Layer};

/// The sizes of the product: W (F, K), cols (K, P), out (F, P).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Im2colShape {
    /// K = C·HH·WW: one row of cols per entry of a window.
    pub k: usize,
    /// P = H'·W': one column of cols per window.
    pub p: usize,
    pub f: usize,
}

impl Im2colShape {
    pub fn of(g: &Geometry) -> Im2colShape {
        Im2colShape {
            k: g.c * g.hh * g.ww,
            p: g.h_out * g.w_out,
            f: g.f,
        }
    }

    /// How many times more numbers cols[n] holds than x[n] (C·H·W).
    pub fn blow_up(&self, g: &Geometry) -> f64 {
        (self.k * self.p) as f64 / (g.c * g.h * g.w) as f64
    }
}

/// The row of cols (and column of W) that holds window entry (c, m, k).
pub fn row_of(g: &Geometry, c: usize, m: usize, k: usize) -> usize {
    (c * g.hh + m) * g.ww + k
}

/// The window entry (c, m, k) that row `r` of cols holds.
pub fn entry_of(g: &Geometry, r: usize) -> (usize, usize, usize) {
    (r / (g.hh * g.ww), (r / g.ww) % g.hh, r % g.ww)
}

/// The column of cols that holds the window of output cell (i, j).
pub fn column_of(g: &Geometry, i: usize, j: usize) -> usize {
    i * g.w_out + j
}

/// The padded cell (row, col) of x_pad that cols[r, p] copies.
pub fn source_of(g: &Geometry, r: usize, p: usize) -> (usize, usize) {
    let (_, m, k) = entry_of(g, r);
    let (i, j) = (p / g.w_out, p % g.w_out);
    (i * g.stride + m * g.dilation, j * g.stride + k * g.dilation)
}

impl Layer {
    /// cols[n][r, p]: the entry r of window p of image n (0 on padding).
    pub fn cols_entry(&self, n: usize, r: usize, p: usize) -> f64 {
        let g = &self.geom;
        let (c, _, _) = entry_of(g, r);
        let (row, col) = source_of(g, r, p);
        let inside = |v: usize, len: usize| v >= g.pad && v < g.pad + len;
        if inside(row, g.h) && inside(col, g.w) {
            self.x[[n, c, row - g.pad, col - g.pad]]
        } else {
            0.0
        }
    }

    /// The whole cols matrix of image n (C·HH·WW, H'·W').
    pub fn cols(&self, n: usize) -> Array2<f64> {
        let s = Im2colShape::of(&self.geom);
        Array2::from_shape_fn((s.k, s.p), |(r, p)| self.cols_entry(n, r, p))
    }

    /// W reshaped to (F, C·HH·WW), one row per filter.
    pub fn w_rows(&self) -> Array2<f64> {
        let s = Im2colShape::of(&self.geom);
        let w = self.w.as_standard_layout().to_owned();
        w.into_shape_with_order((s.f, s.k))
            .expect("F·C·HH·WW entries")
    }
}

/// dout[n] reshaped to (F, H'·W'), one row per filter.
pub fn dout_rows(dout: &Array4In<impl Numbers>, n: usize) -> Array2<f64> {
    let (_, f, h, w) = dout.dim();
    Array2::from_shape_fn((f, h * w), |(f, p)| dout[[n, f, p / w, p % w]])
}

/// dcols[n] = Wᵀ · dout[n] (C·HH·WW, H'·W'): what each window's entries send back.
pub fn dcols(layer: &Layer, dout: &Array4In<impl Numbers>, n: usize) -> Array2<f64> {
    layer.w_rows().t().dot(&dout_rows(dout, n))
}

/// dcols[n][r, p] alone: Σ over f of w[f, r] · dout[n, f, p].
pub fn dcols_entry(
    layer: &Layer,
    dout: &Array4In<impl Numbers>,
    n: usize,
    r: usize,
    p: usize,
) -> f64 {
    let g = &layer.geom;
    let (c, m, k) = entry_of(g, r);
    let (i, j) = (p / g.w_out, p % g.w_out);
    (0..g.f)
        .map(|f| layer.w[[f, c, m, k]] * dout[[n, f, i, j]])
        .sum()
}

/// col2im: adds every column's entries back to the padded cells its window read
/// (C, Hp, Wp); a cell read by several windows gets the sum.
pub fn col2im(g: &Geometry, dcols: &Array2<f64>) -> Array3<f64> {
    let mut out = Array3::zeros((g.c, g.hp(), g.wp()));
    for ((r, p), v) in dcols.indexed_iter() {
        let (c, _, _) = entry_of(g, r);
        let (row, col) = source_of(g, r, p);
        out[[c, row, col]] += v;
    }
    out
}

/// How many entries of cols copy each padded cell (Hp, Wp), per channel: the windows
/// reading it, the step view's touch counts.
pub fn col2im_counts(g: &Geometry) -> Array2<u32> {
    let mut out = Array2::zeros((g.hp(), g.wp()));
    let s = Im2colShape::of(g);
    for r in 0..g.hh * g.ww {
        for p in 0..s.p {
            let (row, col) = source_of(g, r, p);
            out[[row, col]] += 1;
        }
    }
    out
}

/// dW = Σ over n of dout[n] · cols[n]ᵀ, back in w's shape (F, C, HH, WW).
pub fn dw_by_matmul(layer: &Layer, dout: &Array4In<impl Numbers>) -> Array4<f64> {
    let g = &layer.geom;
    let s = Im2colShape::of(g);
    let mut dw = Array2::<f64>::zeros((s.f, s.k));
    for n in 0..g.n {
        dw = dw + dout_rows(dout, n).dot(&layer.cols(n).t());
    }
    dw.into_shape_with_order((g.f, g.c, g.hh, g.ww))
        .expect("F·C·HH·WW entries")
}

/// out = W · cols[n] + b, back in the output's shape (N, F, H', W').
pub fn forward_by_matmul(layer: &Layer) -> Array4<f64> {
    let g = &layer.geom;
    let w = layer.w_rows();
    let mut out = Array4::zeros(g.out_dim());
    for n in 0..g.n {
        let prod = w.dot(&layer.cols(n));
        for ((f, p), v) in prod.indexed_iter() {
            out[[n, f, p / g.w_out, p % g.w_out]] = v + layer.b[f];
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conv::{ConvParams, OutPos, backward, forward, noise};
    use ndarray::{Array1, Axis, s};

    fn layer(x: (usize, usize, usize, usize), hh: usize, f: usize, p: ConvParams) -> Layer {
        let w = noise((f, x.1, hh, hh), 7);
        let b = Array1::from_iter((0..f).map(|i| i as f64 * 0.5 - 0.25));
        Layer::new(noise(x, 3), w, b, p).unwrap()
    }

    fn cases() -> Vec<Layer> {
        let p = |stride, pad, dilation| ConvParams {
            stride,
            pad,
            dilation,
        };
        vec![
            layer((1, 3, 4, 4), 3, 2, p(1, 1, 1)), // CS231n's demo shape
            layer((2, 2, 7, 6), 3, 3, p(2, 1, 1)), // strided, padded
            layer((1, 1, 9, 9), 3, 2, p(1, 2, 2)), // dilated
            layer((1, 2, 6, 6), 3, 1, p(2, 0, 1)), // odd: the stride does not divide
            layer((1, 1, 5, 7), 2, 2, p(3, 2, 2)), // everything at once
        ]
    }

    #[test]
    fn the_demo_has_cols_27_by_9() {
        let l = &cases()[0];
        assert_eq!(l.cols(0).dim(), (27, 16));
        let demo = layer(
            (1, 3, 3, 3),
            3,
            2,
            ConvParams {
                stride: 1,
                pad: 1,
                dilation: 1,
            },
        );
        assert_eq!(demo.cols(0).dim(), (27, 9));
        let s = Im2colShape::of(&demo.geom);
        assert_eq!(s.blow_up(&demo.geom), 9.0);
    }

    #[test]
    fn every_column_of_cols_is_its_window() {
        for l in cases() {
            let g = l.geom;
            for n in 0..g.n {
                let cols = l.cols(n);
                for i in 0..g.h_out {
                    for j in 0..g.w_out {
                        let window = l.x_window(OutPos { n, f: 0, i, j });
                        let flat: Vec<f64> = window.iter().copied().collect();
                        let col: Vec<f64> = cols.column(column_of(&g, i, j)).to_vec();
                        assert_eq!(col, flat, "{g:?} window ({i},{j})");
                    }
                }
            }
        }
    }

    #[test]
    fn the_product_is_the_forward_pass_and_dw() {
        for l in cases() {
            let out = forward(&l);
            let by = forward_by_matmul(&l);
            assert!((&out - &by).iter().all(|d| d.abs() < 1e-12), "{:?}", l.geom);
            let dout = noise(l.geom.out_dim(), 11);
            let grads = backward(&l, &dout).unwrap();
            let dw = dw_by_matmul(&l, &dout);
            assert!((&grads.dw - &dw).iter().all(|d| d.abs() < 1e-12));
        }
    }

    #[test]
    fn col2im_of_dcols_is_dx_pad_and_counts_are_touches() {
        for l in cases() {
            let g = l.geom;
            let dout = noise(g.out_dim(), 5);
            let grads = backward(&l, &dout).unwrap();
            // One filter's windows: the step view's touch counts after filter 0.
            let touches = l.touches_after(g.h_out * g.w_out);
            let counts = col2im_counts(&g);
            assert_eq!(counts, touches.index_axis(Axis(0), 0), "{g:?}");
            for n in 0..g.n {
                let dc = dcols(&l, &dout, n);
                for r in [0, dc.nrows() - 1] {
                    for p in [0, dc.ncols() - 1] {
                        assert!((dc[[r, p]] - dcols_entry(&l, &dout, n, r, p)).abs() < 1e-12);
                    }
                }
                let back = col2im(&g, &dc);
                let want = grads.dx_pad.slice(s![n, .., .., ..]);
                assert!((&back - &want).iter().all(|d| d.abs() < 1e-12), "{g:?}");
            }
        }
    }
}
