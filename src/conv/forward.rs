//! The whole-array forward pass by im2col and one matrix product per image: an
//! implementation independent of the step-wise one, used to check it and to be fast.

use ndarray::{Array2, Array4, ArrayView3, s};

use super::{Geometry, Layer};

/// Calls `visit(row, col, c, r, k)` for every entry of the im2col matrix: row
/// (c*HH + m)*WW + k of column i*W'+j is x_pad[c, r, q] with r = i*stride + m*dilation
/// and q = j*stride + k*dilation. im2col reads along this walk, col2im adds back along it.
pub(super) fn for_each_tap(g: &Geometry, mut visit: impl FnMut(usize, usize, [usize; 3])) {
    for c in 0..g.c {
        for m in 0..g.hh {
            for k in 0..g.ww {
                let row = (c * g.hh + m) * g.ww + k;
                for i in 0..g.h_out {
                    for j in 0..g.w_out {
                        let cell = [
                            c,
                            i * g.stride + m * g.dilation,
                            j * g.stride + k * g.dilation,
                        ];
                        visit(row, i * g.w_out + j, cell);
                    }
                }
            }
        }
    }
}

/// im2col of one padded image (C, Hp, Wp): column i*W'+j holds window (i, j).
pub(super) fn im2col(x_pad: ArrayView3<f64>, g: &Geometry) -> Array2<f64> {
    let mut cols = Array2::zeros((g.c * g.hh * g.ww, g.h_out * g.w_out));
    for_each_tap(g, |row, col, cell| cols[[row, col]] = x_pad[cell]);
    cols
}

/// w (F,C,HH,WW) as a matrix (F, C*HH*WW).
pub(super) fn w_matrix(layer: &Layer) -> Array2<f64> {
    let g = &layer.geom;
    layer
        .w
        .to_shape((g.f, g.c * g.hh * g.ww))
        .expect("w is (F,C,HH,WW)")
        .to_owned()
}

/// out (N, F, H', W'): out[n,f,i,j] = sum over c,m,k of x_pad[n,c,i*s+m*d,j*s+k*d] * w[f,c,m,k] + b[f].
pub fn forward(layer: &Layer) -> Array4<f64> {
    let g = &layer.geom;
    let x_pad = layer.x_pad();
    let w_mat = w_matrix(layer);
    let mut out = Array4::zeros(g.out_dim());
    for n in 0..g.n {
        let cols = im2col(x_pad.slice(s![n, .., .., ..]), g);
        let mut res = w_mat.dot(&cols);
        for (mut row, &b) in res.rows_mut().into_iter().zip(layer.b.iter()) {
            row += b;
        }
        out.slice_mut(s![n, .., .., ..])
            .assign(&res.to_shape((g.f, g.h_out, g.w_out)).expect("F x H'W'"));
    }
    out
}
