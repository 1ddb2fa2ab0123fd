//! The convolution layer's maths, CS231n semantics, in f64: shapes, the step order,
//! forward and backward (whole-array and one window at a time) and the gradient check;
//! max pooling, ReLU, a stack of them and its receptive fields.
//! Nothing here knows about the terminal.

mod backward;
pub mod compare;
mod forward;
mod geometry;
mod gradcheck;
pub mod im2col;
mod kernels;
pub(crate) mod memory;
pub mod naive;
pub mod pool;
pub mod receptive;
pub mod relu;
mod route;
pub mod slips;
pub mod stack;
mod step;
pub mod transposed;
pub mod weight_grad;

pub use backward::{Grads, backward, backward_dx, weight_grads};
pub use forward::forward;
pub use geometry::{ConvParams, Geometry, OutPos, Window};
pub use gradcheck::{
    GradCheck, Param, analytic, grad_check, grad_check_against, grad_check_with, numeric_grads,
    rel_error,
};
pub use pool::{Pool, PoolGeometry, PoolParams};
pub use receptive::{
    BUILTIN_NETS, EffectiveField, FieldRow, Growth, Region, builtin_net, effective_field, field_in,
    field_regions, growth, receptive_fields,
};
pub use relu::Relu;
pub use route::{RouteStep, Router};
pub use stack::{
    ConvSpec, LayerGrads, LayerSpec, Net, NetInit, NetLayer, StackError, StackGrads, StackReason,
    dout_below, he_weights, spec_text,
};
pub use step::{BackwardCursor, BackwardState, BackwardStep, ForwardStep};

use ndarray::{Array1, Array4, ArrayBase, Data, Dimension};
use rayon::prelude::*;
use thiserror::Error;

/// Everything that can be wrong with a layer's shapes or parameters.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ConvError {
    #[error("stride must be at least 1 (got 0)")]
    ZeroStride,
    #[error("dilation must be at least 1 (got 0)")]
    ZeroDilation,
    #[error("empty {what}: every dimension must be at least 1, got {shape:?}")]
    EmptyArray {
        what: &'static str,
        shape: Vec<usize>,
    },
    #[error("x has {x_c} channels but w has {w_c}: C of x (N,C,H,W) and w (F,C,HH,WW) must agree")]
    ChannelMismatch { x_c: usize, w_c: usize },
    #[error("b has {b_len} entries but w has {f} filters: b must have shape (F,)")]
    BiasMismatch { b_len: usize, f: usize },
    #[error(
        "the kernel ({reach_h}x{reach_w} with dilation) is larger than the padded input ({hp}x{wp}): no window fits"
    )]
    KernelTooLarge {
        reach_h: usize,
        reach_w: usize,
        hp: usize,
        wp: usize,
    },
    #[error("the pooling window ({k}x{k}) is larger than its input ({h}x{w}): no window fits")]
    PoolTooLarge { k: usize, h: usize, w: usize },
    #[error("dout has shape {got:?} but the output has shape {want:?}")]
    DoutMismatch { got: Vec<usize>, want: Vec<usize> },
    #[error("the layer is too large: {0}")]
    TooLarge(String),
}

/// An array of f64 (N, C, H, W) owned by all who hold it: a clone is a reference, a
/// write copies it first where others hold it too.
pub type SharedArray4 = ndarray::ArcArray<f64, ndarray::Ix4>;

/// The storage of an array of f64: an owned array's, a view's or a shared one's.
pub trait Numbers: ndarray::Data<Elem = f64> {}
impl<S: ndarray::Data<Elem = f64>> Numbers for S {}

/// An array of f64 (N, F, H', W') in any storage ([`Numbers`]): dout is taken as
/// one, so that the stepper's dout, a view of the random stream's draws
/// ([`crate::input::kernels::NormalStream`]), is read where it is, never copied.
pub type Array4In<S> = ndarray::ArrayBase<S, ndarray::Ix4>;

/// A convolution layer with its input: x (N,C,H,W), w (F,C,HH,WW), b (F,) and the
/// parameters, checked to agree. Construct with [`Layer::new`].
#[derive(Debug, Clone, PartialEq)]
pub struct Layer {
    /// Shared, not copied, with the layer below that made it and the scenes that show
    /// it (copy on write).
    pub x: SharedArray4,
    pub w: Array4<f64>,
    pub b: Array1<f64>,
    pub params: ConvParams,
    pub geom: Geometry,
}

impl Layer {
    pub fn new(
        x: impl Into<SharedArray4>,
        w: Array4<f64>,
        b: Array1<f64>,
        params: ConvParams,
    ) -> Result<Self, ConvError> {
        let x = x.into();
        let geom = Geometry::new(x.dim(), w.dim(), b.len(), params)?;
        Ok(Layer {
            x,
            w,
            b,
            params,
            geom,
        })
    }

    /// x with `pad` zeros around H and W: shape (N, C, H+2p, W+2p).
    pub fn x_pad(&self) -> Array4<f64> {
        let g = &self.geom;
        let mut x_pad = memory::zeros((g.n, g.c, g.hp(), g.wp()));
        x_pad
            .slice_mut(ndarray::s![.., .., g.pad..g.pad + g.h, g.pad..g.pad + g.w])
            .assign(&self.x);
        x_pad
    }

    /// Checks that dout has the output's shape (N, F, H', W').
    pub fn check_dout(&self, dout: &Array4In<impl Numbers>) -> Result<(), ConvError> {
        let want = self.geom.out_dim();
        if dout.dim() != want {
            return Err(ConvError::DoutMismatch {
                got: dout.shape().to_vec(),
                want: vec![want.0, want.1, want.2, want.3],
            });
        }
        Ok(())
    }
}

/// The largest finite |v| of `a` (0 when there is none): the colour scales of the
/// arrays a scene shows. Eight running maxima, which vectorise (a maximum does not
/// depend on the order), and a large array's chunks in parallel.
pub fn max_abs_finite<S, D>(a: &ArrayBase<S, D>) -> f64
where
    S: Data<Elem = f64>,
    D: Dimension,
{
    fn lanes(values: &[f64]) -> f64 {
        let mut max = [0.0_f64; 8];
        let mut chunks = values.chunks_exact(8);
        for chunk in &mut chunks {
            for (m, &v) in max.iter_mut().zip(chunk) {
                let a = v.abs();
                // NaN and the infinities fail the test and leave m as it is.
                *m = if a <= f64::MAX && a > *m { a } else { *m };
            }
        }
        let rest = chunks.remainder().iter().map(|v| v.abs());
        max.into_iter()
            .chain(rest.filter(|a| *a <= f64::MAX))
            .fold(0.0, f64::max)
    }
    match a.as_slice_memory_order() {
        Some(values) => values
            .par_chunks(1 << 16)
            .map(lanes)
            .reduce(|| 0.0, f64::max),
        None => a
            .iter()
            .map(|v| v.abs())
            .filter(|a| *a <= f64::MAX)
            .fold(0.0, f64::max),
    }
}

/// A deterministic pseudo-random array in [-1, 1) (SplitMix64): the inputs of the
/// benchmarks and of the engines' tests, the same on every machine.
pub fn noise(shape: (usize, usize, usize, usize), seed: u64) -> Array4<f64> {
    let mut state = seed;
    Array4::from_shape_fn(shape, |_| {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
    })
}

#[cfg(test)]
mod stack_tests;
#[cfg(test)]
mod tests;
