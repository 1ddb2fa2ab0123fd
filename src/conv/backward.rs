//! The whole-array backward pass (col2im of w^T dout): dx, dw and db of the loss
//! sum(out * dout).

use ndarray::{Array1, Array4, Axis, s};

use super::forward::{for_each_tap, im2col, w_matrix};
use super::{ConvError, Layer};

/// The gradients of the loss with respect to x, w and b, in their shapes; dx_pad is dx
/// before the padding ring is cropped away.
#[derive(Debug, Clone, PartialEq)]
pub struct Grads {
    pub dx_pad: Array4<f64>,
    pub dx: Array4<f64>,
    pub dw: Array4<f64>,
    pub db: Array1<f64>,
}

/// dx, dw, db given dout (N, F, H', W').
pub fn backward(layer: &Layer, dout: &Array4<f64>) -> Result<Grads, ConvError> {
    layer.check_dout(dout)?;
    let g = &layer.geom;
    let x_pad = layer.x_pad();
    let w_mat = w_matrix(layer);
    let mut dx_pad = Array4::<f64>::zeros(x_pad.dim());
    let mut dw_mat = ndarray::Array2::<f64>::zeros(w_mat.dim());
    for n in 0..g.n {
        let cols = im2col(x_pad.slice(s![n, .., .., ..]), g);
        let dout_n = dout
            .slice(s![n, .., .., ..])
            .to_shape((g.f, g.h_out * g.w_out))
            .expect("F x H'W'")
            .to_owned();
        dw_mat += &dout_n.dot(&cols.t());
        let dcols = w_mat.t().dot(&dout_n);
        // col2im: each column of dcols goes back to the cells its window read.
        let mut dxn = dx_pad.slice_mut(s![n, .., .., ..]);
        for_each_tap(g, |row, col, cell| dxn[cell] += dcols[[row, col]]);
    }
    let dx = crop(&dx_pad, g.pad, g.h, g.w);
    let dw = dw_mat
        .to_shape(layer.w.dim())
        .expect("w's shape")
        .to_owned();
    let db = dout.sum_axis(Axis(3)).sum_axis(Axis(2)).sum_axis(Axis(0));
    Ok(Grads { dx_pad, dx, dw, db })
}

/// dx from dx_pad: rows pad..pad+H and columns pad..pad+W. (The note's
/// `dx_pad[:, :, pad:-pad, pad:-pad]` is empty when pad is 0; this is not.)
pub(super) fn crop(dx_pad: &Array4<f64>, pad: usize, h: usize, w: usize) -> Array4<f64> {
    dx_pad
        .slice(s![.., .., pad..pad + h, pad..pad + w])
        .to_owned()
}
