//! The input options, one clap struct flattened into every subcommand so that they mean
//! the same thing everywhere.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

/// How pixel values become numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Scale {
    /// Values in [0, 1].
    #[default]
    Unit,
    /// Values in 0..=255 (as CS231n's image demo); 16-bit images are scaled to 0..=255 too.
    Raw,
}

#[derive(Debug, Clone, Args, Default)]
pub struct InputArgs {
    /// An image (PNG, JPEG, GIF, BMP, WebP, TIFF) or a .npy of shape (N,C,H,W), (C,H,W)
    /// or (H,W). Default: the bundled image.
    pub input: Option<PathBuf>,
    /// A canonical figure: cs231n-demo, cs231n-image, or one of conv_arithmetic's
    /// eight (no-padding-no-strides, arbitrary-padding, same-padding, full-padding,
    /// no-padding-strides, padding-strides, padding-strides-odd, dilation).
    #[arg(long)]
    pub preset: Option<String>,
    /// One luminance channel instead of R, G and B.
    #[arg(long)]
    pub gray: bool,
    /// unit: pixel values in [0,1]; raw: 0..255.
    #[arg(long, value_enum)]
    pub scale: Option<Scale>,
    /// Resize so the longest side is N pixels, or `full` to keep the original size.
    #[arg(long)]
    pub size: Option<String>,
    /// Comma-separated kernel presets, one filter each, or a .npy of shape (F,C,HH,WW).
    #[arg(long)]
    pub kernel: Option<String>,
    /// Comma-separated biases, one per filter, or a .npy of shape (F,).
    #[arg(long)]
    pub bias: Option<String>,
    /// Upstream gradient: ones (default), random (seeded), or a .npy of the output's shape.
    #[arg(long)]
    pub dout: Option<String>,
    /// Filters made by `--kernel random`.
    #[arg(long)]
    pub filters: Option<usize>,
    /// Kernel side for `--kernel random` and the sized presets (box, gaussian).
    #[arg(long)]
    pub kernel_size: Option<usize>,
    /// Seed for `random` kernels and dout.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Stride between windows (>= 1).
    #[arg(long)]
    pub stride: Option<usize>,
    /// Zero padding around the input (>= 0).
    #[arg(long)]
    pub pad: Option<usize>,
    /// Dilation of the kernel (>= 1).
    #[arg(long)]
    pub dilation: Option<usize>,
}
