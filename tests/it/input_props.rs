//! Property tests through SceneSpec: random shapes and parameters never panic and give
//! either the layer's shapes or a clear error; numeric gradient checks over many shapes.

use convstep::cmd::InputArgs;
use convstep::conv::{backward, forward, numeric_grads, rel_error};
use convstep::input::{Arrays, SceneSpec};
use ndarray::{Array, Array4};
use proptest::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn uniform(shape: (usize, usize, usize, usize), rng: &mut ChaCha8Rng) -> Array4<f64> {
    Array::from_shape_simple_fn(shape, || rng.random_range(-1.0..1.0))
}

#[derive(Debug, Clone, Copy)]
struct Case {
    n: usize,
    c: usize,
    h: usize,
    w: usize,
    f: usize,
    hh: usize,
    ww: usize,
    stride: usize,
    pad: usize,
    dilation: usize,
    seed: u64,
}

/// The arguments and arrays of a case: x given as an array and, when `array_kernel`,
/// w too (otherwise `--kernel random`).
fn spec_for(case: Case, array_kernel: bool) -> anyhow::Result<SceneSpec> {
    let mut rng = ChaCha8Rng::seed_from_u64(case.seed);
    let x = uniform((case.n, case.c, case.h, case.w), &mut rng);
    let w = array_kernel.then(|| uniform((case.f, case.c, case.hh, case.ww), &mut rng));
    let bias: Vec<String> = (0..case.f)
        .map(|_| format!("{}", rng.random_range(-1.0..1.0)))
        .collect();
    let args = InputArgs {
        kernel: (!array_kernel).then(|| "random".to_string()),
        filters: Some(case.f),
        kernel_size: Some(case.hh),
        seed: Some(case.seed),
        bias: Some(bias.join(",")),
        dout: Some("random".into()),
        stride: Some(case.stride),
        pad: Some(case.pad),
        dilation: Some(case.dilation),
        ..InputArgs::default()
    };
    let arrays = Arrays {
        x: Some(x),
        w,
        ..Arrays::default()
    };
    SceneSpec::from_options_and_arrays(&args.options(), arrays)
}

/// Whether the dilated kernel's reach d(k-1)+1 fits in the padded length len + 2 pad.
fn fits(len: usize, k: usize, pad: usize, dilation: usize) -> bool {
    dilation * (k - 1) < len + 2 * pad
}

fn out_len(len: usize, k: usize, stride: usize, pad: usize, dilation: usize) -> usize {
    (len + 2 * pad - dilation * (k - 1) - 1) / stride + 1
}

fn case_strategy() -> impl Strategy<Value = (Case, bool)> {
    (
        (1..=2usize, 1..=3usize, 1..=12usize, 1..=12usize, 1..=3usize),
        (1..=5usize, 1..=5usize, 1..=4usize, 0..=3usize, 1..=3usize),
        any::<u64>(),
        any::<bool>(),
    )
        .prop_map(
            |((n, c, h, w, f), (hh, ww, stride, pad, dilation), seed, npy)| {
                // A named random kernel is square: HH = WW = --kernel-size.
                let ww = if npy { ww } else { hh };
                (
                    Case {
                        n,
                        c,
                        h,
                        w,
                        f,
                        hh,
                        ww,
                        stride,
                        pad,
                        dilation,
                        seed,
                    },
                    npy,
                )
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn random_shapes_give_valid_layers_or_one_clear_error((case, npy) in case_strategy()) {
        let ok = fits(case.h, case.hh, case.pad, case.dilation)
            && fits(case.w, case.ww, case.pad, case.dilation);
        match spec_for(case, npy) {
            Ok(spec) => {
                prop_assert!(ok, "accepted a kernel that does not fit: {case:?}");
                let scene = spec.build().unwrap();
                let l = &scene.layer;
                let want = (
                    case.n,
                    case.f,
                    out_len(case.h, case.hh, case.stride, case.pad, case.dilation),
                    out_len(case.w, case.ww, case.stride, case.pad, case.dilation),
                );
                prop_assert_eq!(l.geom.out_dim(), want);
                prop_assert_eq!(scene.dout.dim(), want);
                prop_assert_eq!(l.x.dim(), (case.n, case.c, case.h, case.w));
                prop_assert_eq!(l.w.dim(), (case.f, case.c, case.hh, case.ww));
                prop_assert_eq!(scene.labels.kernels.len(), case.f);
                prop_assert_eq!(scene.labels.channels.len(), case.c);
                prop_assert_eq!(forward(l).dim(), want);
                let g = backward(l, &scene.dout).unwrap();
                prop_assert_eq!(g.dx.dim(), l.x.dim());
                prop_assert_eq!(g.dw.dim(), l.w.dim());
                prop_assert_eq!(g.db.len(), case.f);
            }
            Err(err) => {
                prop_assert!(!ok, "refused a valid layer {case:?}: {err:#}");
                let text = format!("{err:#}");
                prop_assert!(!text.contains('\n'), "{text}");
                prop_assert!(text.contains("larger than the padded input"), "{text}");
            }
        }
    }
}

/// Numeric against analytic gradients (rel_error <= 1e-7) over many shapes, loaded
/// through SceneSpec with values in [-1, 1). The loss sum(out * dout) is linear in each
/// entry, so centred differences with h = 1e-3 are exact up to rounding.
#[test]
fn numeric_gradients_match_over_many_shapes() {
    let mut rng = ChaCha8Rng::seed_from_u64(2024);
    let mut checked = 0;
    while checked < 60 {
        let case = Case {
            n: rng.random_range(1..=2),
            c: rng.random_range(1..=3),
            h: rng.random_range(1..=7),
            w: rng.random_range(1..=7),
            f: rng.random_range(1..=3),
            hh: rng.random_range(1..=4),
            ww: rng.random_range(1..=4),
            stride: rng.random_range(1..=3),
            pad: rng.random_range(0..=2),
            dilation: rng.random_range(1..=2),
            seed: rng.random(),
        };
        if !fits(case.h, case.hh, case.pad, case.dilation)
            || !fits(case.w, case.ww, case.pad, case.dilation)
        {
            continue;
        }
        let scene = spec_for(case, true).unwrap().build().unwrap();
        let analytic = backward(&scene.layer, &scene.dout).unwrap();
        let numeric = numeric_grads(&scene.layer, &scene.dout, 1e-3).unwrap();
        for (name, err) in [
            ("dx", rel_error(analytic.dx.iter(), numeric.dx.iter())),
            ("dw", rel_error(analytic.dw.iter(), numeric.dw.iter())),
            ("db", rel_error(analytic.db.iter(), numeric.db.iter())),
        ] {
            assert!(err <= 1e-7, "{name} rel_error {err} for {case:?}");
        }
        checked += 1;
    }
}
