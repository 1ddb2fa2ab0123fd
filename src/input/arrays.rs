//! Scenes from arrays already in memory (a walkthrough's inline input, the numbers of a
//! test or an example): no file between the numbers and the layer, and messages that
//! name the arrays as their owner does.

use anyhow::{Result, bail};
use ndarray::{Array1, Array4};

use super::{InputOptions, KernelChoice, SceneSpec, Source, reject_image_options};
use crate::conv::ConvParams;

/// What x is called in messages and the status line when no name is given.
const DEFAULT_X_LABEL: &str = "array x";

/// Arrays given in place of the options they stand for; each one left None is taken
/// from the arguments as the command line would take it.
#[derive(Debug, Clone, Default)]
pub struct Arrays {
    /// x of shape (N,C,H,W), in place of INPUT; used as it is (no size, scale or gray).
    pub x: Option<Array4<f64>>,
    /// What messages and the status line call x (default `array x`).
    pub x_label: Option<String>,
    /// w of shape (F,C,HH,WW), in place of --kernel; its filters are named w[0], w[1], ...
    pub w: Option<Array4<f64>>,
    /// b of shape (F,), in place of --bias.
    pub b: Option<Array1<f64>>,
    /// dout of the output's shape (N,F,H',W'), in place of --dout.
    pub dout: Option<Array4<f64>>,
}

impl Arrays {
    /// Refuses an array given together with the option it replaces.
    pub(super) fn check_against(&self, args: &InputOptions) -> Result<()> {
        if self.x.is_some() {
            if let Some(path) = &args.input {
                bail!(
                    "x is given twice, as an array and as INPUT '{}': give one",
                    path.display()
                );
            }
            if let Some(preset) = &args.preset {
                bail!("preset '{preset}' brings its own input: drop x or the preset");
            }
        }
        let twice = [
            (self.w.is_some() && args.kernel.is_some(), "w", "--kernel"),
            (self.b.is_some() && args.bias.is_some(), "b", "--bias"),
            (self.dout.is_some() && args.dout.is_some(), "dout", "--dout"),
        ];
        if let Some((_, array, option)) = twice.iter().find(|(both, ..)| *both) {
            bail!("{array} is given twice, as an array and by {option}: give one");
        }
        Ok(())
    }
}

impl SceneSpec {
    /// A scene from arrays alone: x (N,C,H,W), w (F,C,HH,WW), b (None: zeros), dout
    /// (None: standard normal from seed 0, as `--dout random`) and the parameters.
    /// Errors are those of the command line, naming the arrays.
    pub fn from_arrays(
        x: Array4<f64>,
        w: Array4<f64>,
        b: Option<Array1<f64>>,
        dout: Option<Array4<f64>>,
        params: ConvParams,
    ) -> Result<SceneSpec> {
        let args = InputOptions {
            stride: Some(params.stride),
            pad: Some(params.pad),
            dilation: Some(params.dilation),
            ..InputOptions::default()
        };
        let arrays = Arrays {
            x: Some(x),
            x_label: None,
            w: Some(w),
            b,
            dout,
        };
        SceneSpec::from_options_and_arrays(&args, arrays)
    }

    /// As [`SceneSpec::from_options`], with each array given in place of its option (x of
    /// INPUT, w of --kernel, b of --bias, dout of --dout). An array and its option both
    /// given is an error.
    pub fn from_options_and_arrays(args: &InputOptions, arrays: Arrays) -> Result<SceneSpec> {
        SceneSpec::resolve(args, arrays)
    }
}

/// x given as an array: used as it is, so image options do not apply.
pub(super) fn x_source(
    args: &InputOptions,
    x: Array4<f64>,
    label: Option<String>,
) -> Result<(Source, String)> {
    let label = label.unwrap_or_else(|| DEFAULT_X_LABEL.to_string());
    if let Err(option) = reject_image_options(args) {
        bail!("{option} applies to images only; {label} is used as it is");
    }
    Ok((Source::Array(x.into_shared()), label))
}

/// w given as an array, its filters named w[0], w[1], ... as a .npy's are.
pub(super) fn kernel(w: Array4<f64>) -> KernelChoice {
    let filters = (0..w.dim().0).map(|f| format!("w[{f}]")).collect();
    KernelChoice::Fixed {
        label: "w".into(),
        w,
        filters,
    }
}

#[cfg(test)]
mod tests {
    use ndarray::{Array, array};
    use ndarray_npy::write_npy;

    use super::*;
    use crate::conv::forward;

    const VALID: ConvParams = ConvParams {
        stride: 1,
        pad: 0,
        dilation: 1,
    };

    fn x() -> Array4<f64> {
        Array::from_shape_fn((1, 2, 3, 3), |(_, c, h, w)| (c * 9 + h * 3 + w) as f64)
    }

    fn w() -> Array4<f64> {
        Array::from_shape_fn((2, 2, 2, 2), |(f, c, m, k)| {
            [1.0, -1.0][f] * (c * 4 + m * 2 + k) as f64
        })
    }

    #[test]
    fn arrays_make_the_layer_by_hand() {
        // One channel of 0..8 and a 2x2 kernel of ones: each output is the sum of its
        // window plus the bias, 0+1+3+4 + 10 = 18 at the top left.
        let x = Array::from_shape_fn((1, 1, 3, 3), |(_, _, h, w)| (h * 3 + w) as f64);
        let w = Array4::ones((1, 1, 2, 2));
        let dout = Array4::from_elem((1, 1, 2, 2), 0.5);
        let spec =
            SceneSpec::from_arrays(x, w, Some(array![10.0]), Some(dout.clone()), VALID).unwrap();
        let scene = spec.build().unwrap();
        let out = forward(&scene.layer);
        assert_eq!(
            out.into_raw_vec_and_offset().0,
            vec![18.0, 22.0, 30.0, 34.0]
        );
        assert_eq!(scene.dout, dout);
        assert_eq!(scene.labels.source, "array x");
        assert_eq!(scene.labels.kernels, vec!["w[0]"]);
        assert_eq!(scene.labels.channels, vec!["c0"]);
        assert_eq!(spec.kernel_label(), "w");
    }

    #[test]
    fn arrays_give_the_scene_their_npy_files_give() {
        let dir = tempfile::tempdir().unwrap();
        let path = |name: &str| dir.path().join(name);
        let (b, dout) = (array![0.5, -2.0], Array::from_elem((1, 2, 2, 2), 0.25));
        write_npy(path("x.npy"), &x()).unwrap();
        write_npy(path("w.npy"), &w()).unwrap();
        write_npy(path("b.npy"), &b).unwrap();
        write_npy(path("dout.npy"), &dout).unwrap();
        let text = |name: &str| Some(path(name).display().to_string());
        let files = InputOptions {
            input: Some(path("x.npy")),
            kernel: text("w.npy"),
            bias: text("b.npy"),
            dout: text("dout.npy"),
            pad: Some(0),
            ..InputOptions::default()
        };
        let from_files = SceneSpec::from_options(&files).unwrap().build().unwrap();
        let from_arrays = SceneSpec::from_arrays(x(), w(), Some(b), Some(dout), VALID)
            .unwrap()
            .build()
            .unwrap();
        assert_eq!(from_arrays.layer, from_files.layer);
        assert_eq!(from_arrays.dout, from_files.dout);
        assert_eq!(from_arrays.labels.channels, from_files.labels.channels);
        assert_eq!(from_arrays.labels.scale, from_files.labels.scale);
    }

    #[test]
    fn an_array_takes_the_place_of_its_option_only() {
        // x as an array, the kernel, bias, dout and parameters from the arguments.
        let args = InputOptions {
            kernel: Some("box".into()),
            kernel_size: Some(2),
            dout: Some("ones".into()),
            stride: Some(2),
            ..InputOptions::default()
        };
        let arrays = Arrays {
            x: Some(x()),
            x_label: Some("inline x".into()),
            ..Arrays::default()
        };
        let spec = SceneSpec::from_options_and_arrays(&args, arrays).unwrap();
        let scene = spec.build().unwrap();
        // pad 1 (the default) makes x 5x5; a 2x2 box at stride 2 fits twice each way.
        assert_eq!(scene.layer.geom.out_dim(), (1, 1, 2, 2));
        assert_eq!(scene.dout, Array4::<f64>::ones((1, 1, 2, 2)));
        assert_eq!(scene.labels.source, "inline x");
        assert_eq!(spec.kernel_label(), "box");
        assert_eq!(spec.size_label(), None);
    }

    #[test]
    fn an_array_and_its_option_together_are_refused() {
        let with = |args: InputOptions, arrays: Arrays| {
            format!(
                "{:#}",
                SceneSpec::from_options_and_arrays(&args, arrays).unwrap_err()
            )
        };
        let x_only = || Arrays {
            x: Some(x()),
            ..Arrays::default()
        };
        let cases = [
            (
                InputOptions {
                    input: Some("a.png".into()),
                    ..InputOptions::default()
                },
                x_only(),
                "x is given twice, as an array and as INPUT 'a.png': give one",
            ),
            (
                InputOptions {
                    preset: Some("cs231n-demo".into()),
                    ..InputOptions::default()
                },
                x_only(),
                "preset 'cs231n-demo' brings its own input: drop x or the preset",
            ),
            (
                InputOptions {
                    kernel: Some("box".into()),
                    ..InputOptions::default()
                },
                Arrays {
                    w: Some(w()),
                    ..x_only()
                },
                "w is given twice, as an array and by --kernel: give one",
            ),
            (
                InputOptions {
                    bias: Some("1".into()),
                    ..InputOptions::default()
                },
                Arrays {
                    b: Some(array![1.0]),
                    ..x_only()
                },
                "b is given twice, as an array and by --bias: give one",
            ),
            (
                InputOptions {
                    dout: Some("ones".into()),
                    ..InputOptions::default()
                },
                Arrays {
                    dout: Some(Array4::ones((1, 1, 3, 3))),
                    ..x_only()
                },
                "dout is given twice, as an array and by --dout: give one",
            ),
            (
                InputOptions {
                    gray: true,
                    ..InputOptions::default()
                },
                x_only(),
                "--gray applies to images only; array x is used as it is",
            ),
        ];
        for (args, arrays, want) in cases {
            assert_eq!(with(args, arrays), want);
        }
    }

    #[test]
    fn errors_of_arrays_name_them() {
        let small = Array4::zeros((1, 1, 2, 2));
        let err = SceneSpec::from_arrays(small, Array4::ones((1, 1, 3, 3)), None, None, VALID)
            .unwrap_err();
        let text = format!("{err:#}");
        assert!(
            text.starts_with("x (1,1,2,2) from array x with kernel 'w' (1,1,3,3)"),
            "{text}"
        );
        let wrong = Array4::zeros((1, 1, 5, 5));
        let err = SceneSpec::from_arrays(x(), w(), None, Some(wrong), VALID).unwrap_err();
        assert_eq!(
            format!("{err:#}"),
            "'array' (dout) has shape (1,1,5,5) but the output has shape (1,2,2,2)"
        );
    }
}
