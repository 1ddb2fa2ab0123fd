//! The input options as plain values, which a [`super::SceneSpec`] is resolved from.

use std::path::PathBuf;

use clap::ValueEnum;

/// How pixel values become numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Scale {
    /// Values in [0, 1].
    #[default]
    Unit,
    /// Values in 0..=255 (as CS231n's image demo); 16-bit images are scaled to 0..=255 too.
    Raw,
}

/// The input options as plain values: where x, w, b and dout come from and the layer's
/// hyperparameters (None: the default, or the preset's). The command line's `InputArgs`
/// and a tour page's scene both become one of these.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct InputOptions {
    /// An image (PNG, JPEG, GIF, BMP, WebP, TIFF, ...) or a .npy of shape (N,C,H,W),
    /// (C,H,W) or (H,W), used as it is. Default: the bundled image (chelsea.png).
    pub input: Option<PathBuf>,
    /// A canonical figure: cs231n-demo, cs231n-image, or one of conv_arithmetic's
    /// eight (no-padding-no-strides, arbitrary-padding, same-padding, full-padding,
    /// no-padding-strides, padding-strides, padding-strides-odd, dilation).
    pub preset: Option<String>,
    /// One luminance channel instead of R, G and B: 0.299 R + 0.587 G + 0.114 B.
    pub gray: bool,
    /// unit: pixel values in [0,1] (default); raw: 0..255 (default of cs231n-image).
    pub scale: Option<Scale>,
    /// Shrink images so the longest side is N pixels (1..=8192; default 32; never
    /// enlarged), or `full` to keep the original size.
    pub size: Option<String>,
    /// Comma-separated kernels, one filter each (identity, box, gaussian, sharpen,
    /// sobel-x, sobel-y, laplacian, emboss, random), or a .npy of shape (F,C,HH,WW).
    /// Default: sobel-x,sobel-y. A named kernel is the same on every channel, divided by C.
    pub kernel: Option<String>,
    /// Comma-separated biases, one per filter, or a .npy of shape (F,). Default: 0.
    /// Negative numbers work as they are: `--bias -1,0.5`.
    pub bias: Option<String>,
    /// Upstream gradient: random (default: standard normal, as CS231n's np.random.randn,
    /// seeded by --seed), ones (then db[f] counts the windows), or a .npy of the output's
    /// shape.
    pub dout: Option<String>,
    /// Filters made by `--kernel random` (1..=64; default 1).
    pub filters: Option<usize>,
    /// Kernel side K of identity, box, gaussian and random (1..=31; default 3).
    pub kernel_size: Option<usize>,
    /// Seed for `random` kernels and dout (default 0; ChaCha8, the same on every platform).
    pub seed: Option<u64>,
    /// Stride between windows (>= 1; default 1, or the preset's).
    pub stride: Option<usize>,
    /// Zero padding around the input (>= 0; default 1, or the preset's).
    pub pad: Option<usize>,
    /// Dilation of the kernel: taps D cells apart (>= 1; default 1, or the preset's).
    pub dilation: Option<usize>,
    /// A stack of layers instead of one: items separated by `;`, each
    /// `conv K [sS] [pP] [dD] [fF]`, `pool K [sS]` or `relu` (see docs/stack.md).
    pub layers: Option<String>,
}
