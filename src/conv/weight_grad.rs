//! One weight's gradient as a sum over positions: w[f,c,m,k] multiplied x_pad[n,c,
//! i·s + m·d, j·s + k·d] in every window (i, j) of every image, so dw[f,c,m,k] =
//! Σ dout[n,f,i,j] · that cell. dw is a correlation of x with dout.

use crate::conv::{Array4In, Numbers};

use super::Layer;

/// One product of dw[f,c,m,k]: the x_pad cell (row, col) of image n that window (i, j)
/// read with this weight, and the dout it is multiplied with.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DwTerm {
    pub n: usize,
    pub i: usize,
    pub j: usize,
    pub row: usize,
    pub col: usize,
    pub x: f64,
    pub dout: f64,
}

/// The terms of dw[f,c,m,k] (`at`), image by image, in step order.
pub fn dw_terms(
    layer: &Layer,
    dout: &Array4In<impl Numbers>,
    at: (usize, usize, usize, usize),
) -> Vec<DwTerm> {
    let g = &layer.geom;
    let (f, c, m, k) = at;
    let inside = |v: usize, len: usize| v >= g.pad && v < g.pad + len;
    ndarray::indices((g.n, g.h_out, g.w_out))
        .into_iter()
        .map(|(n, i, j)| {
            let (row, col) = (i * g.stride + m * g.dilation, j * g.stride + k * g.dilation);
            let x = if inside(row, g.h) && inside(col, g.w) {
                layer.x[[n, c, row - g.pad, col - g.pad]]
            } else {
                0.0
            };
            DwTerm {
                n,
                i,
                j,
                row,
                col,
                x,
                dout: dout[[n, f, i, j]],
            }
        })
        .collect()
}

/// dw[f,c,m,k] (`at`) = Σ dout · x over its terms.
pub fn dw_entry(
    layer: &Layer,
    dout: &Array4In<impl Numbers>,
    at: (usize, usize, usize, usize),
) -> f64 {
    dw_terms(layer, dout, at).iter().map(|t| t.dout * t.x).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conv::{ConvParams, backward, noise};
    use ndarray::Array1;

    #[test]
    fn every_lit_sum_is_dw() {
        let p = |stride, pad, dilation| ConvParams {
            stride,
            pad,
            dilation,
        };
        let cases = [
            ((1, 3, 3, 3), 3, 2, p(1, 1, 1)),
            ((2, 2, 7, 6), 3, 3, p(2, 1, 1)),
            ((1, 1, 9, 9), 3, 2, p(1, 2, 2)),
            ((1, 2, 6, 6), 3, 1, p(2, 0, 1)),
            ((1, 1, 5, 7), 2, 2, p(3, 2, 2)),
        ];
        for (x, hh, f, params) in cases {
            let l = Layer::new(
                noise(x, 1),
                noise((f, x.1, hh, hh), 2),
                Array1::zeros(f),
                params,
            )
            .unwrap();
            let dout = noise(l.geom.out_dim(), 3);
            let dw = backward(&l, &dout).unwrap().dw;
            for ((f, c, m, k), want) in dw.indexed_iter() {
                let terms = dw_terms(&l, &dout, (f, c, m, k));
                assert_eq!(terms.len(), x.0 * l.geom.h_out * l.geom.w_out);
                let got = dw_entry(&l, &dout, (f, c, m, k));
                assert!((got - want).abs() < 1e-12, "{params:?} dw[{f},{c},{m},{k}]");
            }
        }
    }
}
