//! The input options, one clap struct flattened into every subcommand so that they mean
//! the same thing everywhere.

use std::path::PathBuf;

use clap::Args;

use crate::input::{InputOptions, Scale, SceneSpec};

#[derive(Debug, Clone, Args, Default)]
pub struct InputArgs {
    /// An image (PNG, JPEG, GIF, BMP, WebP, TIFF, ...) or a .npy of shape (N,C,H,W),
    /// (C,H,W) or (H,W), used as it is. Default: the bundled image (chelsea.png).
    pub input: Option<PathBuf>,
    /// A canonical figure: cs231n-demo, cs231n-image, or one of conv_arithmetic's
    /// eight (no-padding-no-strides, arbitrary-padding, same-padding, full-padding,
    /// no-padding-strides, padding-strides, padding-strides-odd, dilation).
    #[arg(long)]
    pub preset: Option<String>,
    /// One luminance channel instead of R, G and B: 0.299 R + 0.587 G + 0.114 B.
    #[arg(long)]
    pub gray: bool,
    /// unit: pixel values in [0,1] (default); raw: 0..255 (default of cs231n-image).
    #[arg(long, value_enum)]
    pub scale: Option<Scale>,
    /// Shrink images so the longest side is N pixels (1..=8192; default 32; never
    /// enlarged), or `full` to keep the original size.
    #[arg(long, allow_negative_numbers = true)]
    pub size: Option<String>,
    /// Comma-separated kernels, one filter each (identity, box, gaussian, sharpen,
    /// sobel-x, sobel-y, laplacian, emboss, random), or a .npy of shape (F,C,HH,WW).
    /// Default: sobel-x,sobel-y. A named kernel is the same on every channel, divided by C.
    #[arg(long)]
    pub kernel: Option<String>,
    /// Comma-separated biases, one per filter, or a .npy of shape (F,). Default: 0.
    /// Negative numbers work as they are: `--bias -1,0.5`.
    #[arg(long, allow_hyphen_values = true)]
    pub bias: Option<String>,
    /// Upstream gradient: random (default: standard normal, as CS231n's np.random.randn,
    /// seeded by --seed), ones (then db[f] counts the windows), or a .npy of the output's
    /// shape.
    #[arg(long)]
    pub dout: Option<String>,
    /// Filters made by `--kernel random` (1..=64; default 1).
    #[arg(long, allow_negative_numbers = true, value_parser = super::whole::<usize>("--filters", 1, crate::input::kernels::MAX_FILTERS as u64))]
    pub filters: Option<usize>,
    /// Kernel side K of identity, box, gaussian and random (1..=31; default 3).
    #[arg(long, allow_negative_numbers = true, value_parser = super::whole::<usize>("--kernel-size", 1, crate::input::kernels::MAX_KERNEL_SIZE as u64))]
    pub kernel_size: Option<usize>,
    /// Seed for `random` kernels and dout (default 0; ChaCha8, the same on every platform).
    #[arg(long, allow_negative_numbers = true, value_parser = super::whole::<u64>("--seed", 0, u64::MAX))]
    pub seed: Option<u64>,
    /// Stride between windows (>= 1; default 1, or the preset's).
    #[arg(long, allow_negative_numbers = true, value_parser = super::whole::<usize>("--stride", 1, usize::MAX as u64))]
    pub stride: Option<usize>,
    /// Zero padding around the input (>= 0; default 1, or the preset's).
    #[arg(long, allow_negative_numbers = true, value_parser = super::whole::<usize>("--pad", 0, usize::MAX as u64))]
    pub pad: Option<usize>,
    /// Dilation of the kernel: taps D cells apart (>= 1; default 1, or the preset's).
    #[arg(long, allow_negative_numbers = true, value_parser = super::whole::<usize>("--dilation", 1, usize::MAX as u64))]
    pub dilation: Option<usize>,
    /// A stack of layers instead of one: items separated by `;`, each
    /// `conv K [sS] [pP] [dD] [fF]`, `pool K [sS]` or `relu`; e.g.
    /// "conv 3 p1 f4; relu; conv 3 s2 p1; pool 2" (see docs/stack.md). The first conv
    /// layer takes --kernel and --bias where given; other weights are He-scaled random
    /// numbers seeded by --seed.
    #[arg(long, value_name = "SPEC")]
    pub layers: Option<String>,
}

impl InputArgs {
    /// The files these options may read (INPUT, and --kernel, --bias or --dout where
    /// they name a file), for refusing an output that is one of them.
    pub fn files(&self) -> Vec<&std::path::Path> {
        let named = [&self.kernel, &self.bias, &self.dout];
        self.input
            .as_deref()
            .into_iter()
            .chain(named.into_iter().flatten().map(std::path::Path::new))
            .collect()
    }

    /// The options as plain values.
    pub fn options(&self) -> InputOptions {
        InputOptions {
            input: self.input.clone(),
            preset: self.preset.clone(),
            gray: self.gray,
            scale: self.scale,
            size: self.size.clone(),
            kernel: self.kernel.clone(),
            bias: self.bias.clone(),
            dout: self.dout.clone(),
            filters: self.filters,
            kernel_size: self.kernel_size,
            seed: self.seed,
            stride: self.stride,
            pad: self.pad,
            dilation: self.dilation,
            layers: self.layers.clone(),
        }
    }
}

impl SceneSpec {
    /// Reads every file the arguments name. Errors name the file and the reason.
    pub fn from_args(args: &InputArgs) -> anyhow::Result<SceneSpec> {
        SceneSpec::from_options(&args.options())
    }
}
