//! ReLU, CS231n's `relu_forward` / `relu_backward`: out = max(0, x); backward lets dout
//! through where x > 0 and stops it elsewhere (x = 0 included, as `dout * (x > 0)`).

use crate::conv::{Array4In, Numbers};
use ndarray::{Array4, ArrayBase, Data, Ix4, Zip};

use super::{ConvError, SharedArray4};

/// A ReLU layer with its input and output. Construct with [`Relu::new`].
#[derive(Debug, Clone, PartialEq)]
pub struct Relu {
    pub x: SharedArray4,
    pub out: SharedArray4,
}

impl Relu {
    pub fn new(x: impl Into<SharedArray4>) -> Self {
        let x = x.into();
        let out = relu_forward(&x).into_shared();
        Relu { x, out }
    }

    /// Whether cell [n, c, h, w] passes (x > 0): its gradient goes through.
    pub fn passes(&self, n: usize, c: usize, h: usize, w: usize) -> bool {
        self.x[[n, c, h, w]] > 0.0
    }

    /// dx = dout where x > 0, else 0.
    pub fn backward(&self, dout: &Array4In<impl Numbers>) -> Result<Array4<f64>, ConvError> {
        super::pool::check_dout(dout, self.x.dim())?;
        Ok(relu_backward(&self.x, dout))
    }
}

/// max(0, x), each cell (NaN stays NaN, as `np.maximum`).
pub fn relu_forward<S: Data<Elem = f64>>(x: &ArrayBase<S, Ix4>) -> Array4<f64> {
    x.mapv(|v| if v < 0.0 { 0.0 } else { v })
}

/// dout * (x > 0).
pub fn relu_backward<S: Data<Elem = f64>>(
    x: &ArrayBase<S, Ix4>,
    dout: &Array4In<impl Numbers>,
) -> Array4<f64> {
    Zip::from(x)
        .and(dout)
        .map_collect(|&x, &d| if x > 0.0 { d } else { 0.0 })
}
