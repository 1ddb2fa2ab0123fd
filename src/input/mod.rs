//! Where the numbers come from: images, .npy arrays, kernel presets and the canonical
//! figures, turned into a [`Scene`] (a checked layer plus its dout and labels).
//! STUB: helper A replaces the internals; the public API stays.

pub mod args;

pub use args::{InputArgs, Scale};

use ndarray::{Array, Array1, Array4};

use crate::conv::{ConvParams, Layer};

/// What the stepper and `compute` work on: the layer, dout, and names for the screen.
#[derive(Debug, Clone, PartialEq)]
pub struct Scene {
    pub layer: Layer,
    pub dout: Array4<f64>,
    pub labels: Labels,
}

/// Names shown beside the numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct Labels {
    /// Where x came from: a file name, `bundled chelsea.png`, or `preset cs231n-demo`.
    pub source: String,
    /// One name per filter (`sobel-x`, `w.npy[0]`, ...).
    pub kernels: Vec<String>,
    /// One name per channel (`R`, `G`, `B`; `gray`; `c0`, `c1`, ... for arrays).
    pub channels: Vec<String>,
    pub scale: Scale,
}

/// The resolved inputs (files already read), which the stepper edits live (kernel,
/// stride, pad, dilation, working size) and rebuilds into a [`Scene`] at once.
#[derive(Debug, Clone)]
pub struct SceneSpec {
    /// stride, pad, dilation: the stepper edits these directly and rebuilds.
    pub params: ConvParams,
}

impl SceneSpec {
    /// Reads every file the arguments name. Errors name the file and the reason.
    pub fn from_args(args: &InputArgs) -> anyhow::Result<SceneSpec> {
        let d = ConvParams::default();
        Ok(SceneSpec {
            params: ConvParams {
                stride: args.stride.unwrap_or(1),
                pad: args.pad.unwrap_or(1),
                dilation: args.dilation.unwrap_or(d.dilation),
            },
        })
    }

    /// Moves the kernel choice `delta` places through the named presets (the stepper's
    /// live kernel key); wraps around.
    pub fn cycle_kernel(&mut self, _delta: isize) {}

    /// Grows or shrinks the working size (longest side, images only) by `delta` steps.
    /// Returns false when there is nothing to resize (arrays, presets) or at a limit.
    pub fn change_size(&mut self, _delta: isize) -> bool {
        false
    }

    /// A short name of the current kernel choice, for the status line.
    pub fn kernel_label(&self) -> String {
        "sobel-x,sobel-y".into()
    }

    /// Builds the layer for the current choices.
    pub fn build(&self) -> anyhow::Result<Scene> {
        let x = Array::from_shape_fn((1, 3, 6, 6), |(_, c, r, col)| {
            ((r * 6 + col) as f64 / 36.0 + c as f64 * 0.1) % 1.0
        });
        let sobel = [[-1., 0., 1.], [-2., 0., 2.], [-1., 0., 1.]];
        let w = Array::from_shape_fn((2, 3, 3, 3), |(f, _, m, k)| {
            if f == 0 {
                sobel[m][k] / 3.0
            } else {
                sobel[k][m] / 3.0
            }
        });
        let layer = Layer::new(x, w, Array1::zeros(2), self.params)?;
        let dout = Array4::ones(layer.geom.out_dim());
        Ok(Scene {
            layer,
            dout,
            labels: Labels {
                source: "stub ramp".into(),
                kernels: vec!["sobel-x".into(), "sobel-y".into()],
                channels: vec!["R".into(), "G".into(), "B".into()],
                scale: Scale::Unit,
            },
        })
    }
}
