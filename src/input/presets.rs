//! The canonical figures `--preset` reproduces: CS231n's two conv demos and the eight
//! configurations of vdumoulin's conv_arithmetic, with fixed integers.

use anyhow::{Result, bail};
use ndarray::{Array2, Array4, array};

use super::Scale;
use super::kernels::PresetInfo;
use crate::conv::ConvParams;

/// The canonical figures, with a one-line description (and the output shape).
pub fn presets() -> &'static [PresetInfo] {
    &[
        PresetInfo {
            name: "cs231n-demo",
            description: "CS231n notes demo: 5x5x3 input of 0..2, two 3x3x3 filters of -1..1, biases 1 and 0, pad 1, stride 2 -> 3x3x2",
        },
        PresetInfo {
            name: "cs231n-image",
            description: "CS231n image demo: a grayscale filter and a horizontal Sobel on blue, b = [0, 128], raw scale, on the bundled image or INPUT",
        },
        PresetInfo {
            name: "no-padding-no-strides",
            description: "conv_arithmetic: input 4x4, kernel 3x3, pad 0, stride 1 -> 2x2",
        },
        PresetInfo {
            name: "arbitrary-padding",
            description: "conv_arithmetic: input 5x5, kernel 4x4, pad 2, stride 1 -> 6x6",
        },
        PresetInfo {
            name: "same-padding",
            description: "conv_arithmetic: input 5x5, kernel 3x3, pad 1, stride 1 -> 5x5 (half/same)",
        },
        PresetInfo {
            name: "full-padding",
            description: "conv_arithmetic: input 5x5, kernel 3x3, pad 2, stride 1 -> 7x7 (full)",
        },
        PresetInfo {
            name: "no-padding-strides",
            description: "conv_arithmetic: input 5x5, kernel 3x3, pad 0, stride 2 -> 2x2",
        },
        PresetInfo {
            name: "padding-strides",
            description: "conv_arithmetic: input 5x5, kernel 3x3, pad 1, stride 2 -> 3x3",
        },
        PresetInfo {
            name: "padding-strides-odd",
            description: "conv_arithmetic: input 6x6, kernel 3x3, pad 1, stride 2 -> 3x3 (the last row and column are never reached)",
        },
        PresetInfo {
            name: "dilation",
            description: "conv_arithmetic: input 7x7, kernel 3x3, dilation 2, pad 0, stride 1 -> 3x3",
        },
        PresetInfo {
            name: "no-padding-no-strides-transposed",
            description: "conv_arithmetic transposed: dout 2x2 -> dx 4x4 (the backward pass of no-padding-no-strides, in the transposed view)",
        },
        PresetInfo {
            name: "arbitrary-padding-no-strides-transposed",
            description: "conv_arithmetic transposed: dout 6x6 -> dx 5x5 (arbitrary-padding's backward pass, in the transposed view)",
        },
        PresetInfo {
            name: "same-padding-no-strides-transposed",
            description: "conv_arithmetic transposed: dout 5x5 -> dx 5x5 (same-padding's backward pass, in the transposed view)",
        },
        PresetInfo {
            name: "full-padding-no-strides-transposed",
            description: "conv_arithmetic transposed: dout 7x7 -> dx 5x5 (full-padding's backward pass, in the transposed view)",
        },
        PresetInfo {
            name: "no-padding-strides-transposed",
            description: "conv_arithmetic transposed: dout 2x2 -> dx 5x5, one zero between cells (no-padding-strides' backward pass, in the transposed view)",
        },
        PresetInfo {
            name: "padding-strides-transposed",
            description: "conv_arithmetic transposed: dout 3x3 -> dx 5x5, one zero between cells (padding-strides' backward pass, in the transposed view)",
        },
        PresetInfo {
            name: "padding-strides-odd-transposed",
            description: "conv_arithmetic transposed: dout 3x3 -> dx 6x6, a = 1 extra row and column (padding-strides-odd's backward pass, in the transposed view)",
        },
    ]
}

/// A canonical figure resolved to numbers.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Figure {
    /// The fixed input, or None for cs231n-image (an image: the bundled one or INPUT).
    pub x: Option<Array4<f64>>,
    pub w: Array4<f64>,
    pub kernel_labels: Vec<String>,
    pub b: Vec<f64>,
    pub params: ConvParams,
    /// The default scale of an image figure.
    pub scale: Scale,
    /// A transposed figure: the backward pass of its convolution, opened in the
    /// transposed view.
    pub transposed: bool,
}

fn params(stride: usize, pad: usize, dilation: usize) -> ConvParams {
    ConvParams {
        stride,
        pad,
        dilation,
    }
}

/// The conv_arithmetic input: x[r, c] = (3r + 2c + rc) mod 4, small integers 0..3.
pub(crate) fn arithmetic_input(side: usize) -> Array4<f64> {
    Array4::from_shape_fn((1, 1, side, side), |(_, _, r, c)| {
        ((3 * r + 2 * c + r * c) % 4) as f64
    })
}

/// The conv_arithmetic kernel: its numerical figures' 3x3 [[0,1,2],[2,2,0],[0,1,2]], and
/// a 4x4 of the same digits for arbitrary-padding.
pub(crate) fn arithmetic_kernel(k: usize) -> Array4<f64> {
    let taps: Array2<f64> = if k == 4 {
        array![
            [0., 1., 2., 0.],
            [2., 2., 0., 1.],
            [0., 1., 2., 2.],
            [1., 0., 1., 0.]
        ]
    } else {
        array![[0., 1., 2.], [2., 2., 0.], [0., 1., 2.]]
    };
    taps.into_shape_with_order((1, 1, k, k))
        .expect("k x k taps")
}

fn cs231n_demo() -> Figure {
    let x = array![[
        [
            [2., 0., 1., 1., 0.],
            [1., 2., 0., 2., 1.],
            [0., 1., 2., 0., 2.],
            [2., 2., 1., 0., 0.],
            [1., 0., 0., 2., 1.]
        ],
        [
            [0., 1., 2., 0., 1.],
            [2., 0., 1., 1., 0.],
            [1., 1., 0., 2., 2.],
            [0., 2., 2., 1., 0.],
            [2., 0., 1., 0., 1.]
        ],
        [
            [1., 2., 0., 0., 2.],
            [0., 1., 1., 2., 0.],
            [2., 0., 2., 1., 1.],
            [1., 1., 0., 0., 2.],
            [0., 2., 1., 2., 0.]
        ]
    ]];
    let w = array![
        [
            [[1., 0., -1.], [0., 1., 0.], [-1., 1., 0.]],
            [[0., -1., 1.], [1., 0., -1.], [0., 0., 1.]],
            [[-1., 1., 0.], [0., -1., 1.], [1., 0., 0.]]
        ],
        [
            [[0., 1., 1.], [-1., 0., 0.], [1., -1., 0.]],
            [[1., 0., 0.], [0., -1., 1.], [-1., 1., -1.]],
            [[0., -1., 0.], [1., 1., 0.], [0., 0., -1.]]
        ]
    ];
    Figure {
        x: Some(x),
        w,
        kernel_labels: vec!["w0".into(), "w1".into()],
        b: vec![1.0, 0.0],
        params: params(2, 1, 1),
        scale: Scale::Raw,
        transposed: false,
    }
}

fn cs231n_image() -> Figure {
    let mut w = Array4::zeros((2, 3, 3, 3));
    // Filter 0 turns RGB into gray with its centre taps.
    w[[0, 0, 1, 1]] = 0.3;
    w[[0, 1, 1, 1]] = 0.6;
    w[[0, 2, 1, 1]] = 0.1;
    // Filter 1 detects horizontal edges in the blue channel.
    w.slice_mut(ndarray::s![1, 2, .., ..]).assign(&array![
        [1., 2., 1.],
        [0., 0., 0.],
        [-1., -2., -1.]
    ]);
    Figure {
        x: None,
        w,
        kernel_labels: vec!["grayscale".into(), "sobel-blue".into()],
        b: vec![0.0, 128.0],
        params: params(1, 1, 1),
        scale: Scale::Raw,
        transposed: false,
    }
}

fn arithmetic(side: usize, k: usize, stride: usize, pad: usize, dilation: usize) -> Figure {
    Figure {
        x: Some(arithmetic_input(side)),
        w: arithmetic_kernel(k),
        kernel_labels: vec!["conv-arithmetic".into()],
        b: vec![0.0],
        params: params(stride, pad, dilation),
        scale: Scale::Raw,
        transposed: false,
    }
}

/// The figure named `name`.
pub(crate) fn figure(name: &str) -> Result<Figure> {
    Ok(match name {
        "cs231n-demo" => cs231n_demo(),
        "cs231n-image" => cs231n_image(),
        "no-padding-no-strides" => arithmetic(4, 3, 1, 0, 1),
        "arbitrary-padding" => arithmetic(5, 4, 1, 2, 1),
        "same-padding" => arithmetic(5, 3, 1, 1, 1),
        "full-padding" => arithmetic(5, 3, 1, 2, 1),
        "no-padding-strides" => arithmetic(5, 3, 2, 0, 1),
        "padding-strides" => arithmetic(5, 3, 2, 1, 1),
        "padding-strides-odd" => arithmetic(6, 3, 2, 1, 1),
        "dilation" => arithmetic(7, 3, 1, 0, 2),
        name if name.ends_with("-transposed") && presets().iter().any(|p| p.name == name) => {
            // Each is the backward pass of its convolution: the name without
            // `-no-strides` (conv_arithmetic's transposed names keep it) and the suffix.
            let conv = name.trim_end_matches("-transposed");
            let conv = match conv {
                "no-padding-no-strides" => conv,
                other => other.trim_end_matches("-no-strides"),
            };
            Figure {
                transposed: true,
                ..figure(conv)?
            }
        }
        _ => {
            let known: Vec<&str> = presets().iter().map(|p| p.name).collect();
            bail!("unknown preset '{name}' (known: {})", known.join(", "))
        }
    })
}
