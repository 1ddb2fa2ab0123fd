//! The engine against hand-worked values, CS231n's published numbers, numeric
//! gradients, and the step-wise engine against the whole-array one.

use ndarray::{Array, Array1, Array4, array};

use super::*;

fn layer(
    x: Array4<f64>,
    w: Array4<f64>,
    b: Array1<f64>,
    stride: usize,
    pad: usize,
    dilation: usize,
) -> Layer {
    Layer::new(
        x,
        w,
        b,
        ConvParams {
            stride,
            pad,
            dilation,
        },
    )
    .expect("valid layer")
}

fn linspace(lo: f64, hi: f64, count: usize) -> Vec<f64> {
    (0..count)
        .map(|k| lo + (hi - lo) * k as f64 / (count - 1) as f64)
        .collect()
}

fn one_to_nine() -> Array4<f64> {
    array![[[[1., 2., 3.], [4., 5., 6.], [7., 8., 9.]]]]
}

fn diag_kernel() -> Array4<f64> {
    array![[[[1., 0.], [0., -1.]]]]
}

#[test]
fn forward_by_hand_no_pad() {
    let l = layer(one_to_nine(), diag_kernel(), array![0.5], 1, 0, 1);
    assert_eq!(forward(&l), array![[[[-3.5, -3.5], [-3.5, -3.5]]]]);
}

#[test]
fn forward_by_hand_pad_1_stride_2() {
    let l = layer(one_to_nine(), diag_kernel(), array![0.5], 2, 1, 1);
    assert_eq!(l.geom.out_dim(), (1, 1, 2, 2));
    assert_eq!(forward(&l), array![[[[-0.5, -2.5], [-6.5, -3.5]]]]);
    let first = l.forward_step(1).unwrap();
    assert_eq!(first.window.rows, vec![0, 1]);
    assert!(first.window.is_pad(0, 0) && first.window.is_pad(1, 0) && !first.window.is_pad(1, 1));
    assert_eq!(first.x_window, array![[[0., 0.], [0., 1.]]]);
    assert_eq!(first.products, array![[[0., 0.], [0., -1.]]]);
    assert_eq!(first.partial, array![-1.0]);
    assert_eq!(first.out, -0.5);
}

#[test]
fn backward_by_hand() {
    let l = layer(one_to_nine(), diag_kernel(), array![0.5], 1, 0, 1);
    let g = backward(&l, &Array4::ones((1, 1, 2, 2))).unwrap();
    assert_eq!(
        g.dx,
        array![[[[1., 1., 0.], [1., 0., -1.], [0., -1., -1.]]]]
    );
    assert_eq!(g.dw, array![[[[12., 16.], [24., 28.]]]]);
    assert_eq!(g.db, array![4.]);
}

#[test]
fn dilation_by_hand() {
    let x = Array::from_shape_fn((1, 1, 5, 5), |(_, _, r, c)| (r * 5 + c) as f64);
    let l = layer(x, Array4::ones((1, 1, 2, 2)), array![0.], 1, 0, 2);
    assert_eq!(l.geom.out_dim(), (1, 1, 3, 3));
    let want = Array::from_shape_fn((1, 1, 3, 3), |(_, _, i, j)| (24 + 20 * i + 4 * j) as f64);
    assert_eq!(forward(&l), want);
    assert_eq!(l.geom.window(1, 2).rows, vec![1, 3]);
    assert_eq!(l.geom.window(1, 2).cols, vec![2, 4]);
}

#[test]
fn pad_zero_keeps_dx() {
    // The note's dx_pad[:, :, pad:-pad, pad:-pad] is empty when pad = 0; ours is not.
    let l = layer(one_to_nine(), diag_kernel(), array![0.], 1, 0, 1);
    let g = backward(&l, &Array4::ones((1, 1, 2, 2))).unwrap();
    assert_eq!(g.dx.dim(), (1, 1, 3, 3));
    assert_eq!(g.dx, g.dx_pad);
}

/// CS231n assignment 2, "Convolution: Naive forward pass": the published correct_out.
#[test]
fn cs231n_forward_naive_published() {
    let x = Array::from_shape_vec((2, 3, 4, 4), linspace(-0.1, 0.5, 96)).unwrap();
    let w = Array::from_shape_vec((3, 3, 4, 4), linspace(-0.2, 0.3, 144)).unwrap();
    let b = Array1::from(linspace(-0.1, 0.2, 3));
    let l = layer(x, w, b, 2, 1, 1);
    let correct = array![
        [
            [[-0.08759809, -0.10987781], [-0.18387192, -0.2109216]],
            [[0.21027089, 0.21661097], [0.22847626, 0.23004637]],
            [[0.50813986, 0.54309974], [0.64082444, 0.67101435]]
        ],
        [
            [[-0.98053589, -1.03143541], [-1.19128892, -1.24695841]],
            [[0.69108355, 0.66880383], [0.59480972, 0.56776003]],
            [[2.36270298, 2.36904306], [2.38090835, 2.38247847]]
        ]
    ];
    let out = forward(&l);
    let err = rel_error(out.iter(), correct.iter());
    assert!(err < 1e-7, "rel_error {err}");
}

/// CS231n's backward test: x (4,3,5,5), w (2,3,3,3), stride 1, pad 1, numeric gradients.
#[test]
fn cs231n_backward_naive_numeric() {
    let l = layer(
        noise((4, 3, 5, 5), 1),
        noise((2, 3, 3, 3), 2),
        array![0.3, -0.7],
        1,
        1,
        1,
    );
    let dout = noise((4, 2, 5, 5), 3);
    let analytic = backward(&l, &dout).unwrap();
    let numeric = numeric_grads(&l, &dout, 1e-5).unwrap();
    for (name, a, n) in [
        (
            "dx",
            analytic.dx.iter().collect::<Vec<_>>(),
            numeric.dx.iter().collect::<Vec<_>>(),
        ),
        (
            "dw",
            analytic.dw.iter().collect(),
            numeric.dw.iter().collect(),
        ),
        (
            "db",
            analytic.db.iter().collect(),
            numeric.db.iter().collect(),
        ),
    ] {
        let err = rel_error(a, n);
        assert!(err <= 1e-7, "{name} rel_error {err}");
    }
}

fn assert_close(a: &Array4<f64>, b: &Array4<f64>, tol: f64) {
    assert_eq!(a.dim(), b.dim());
    for (x, y) in a.iter().zip(b) {
        assert!((x - y).abs() <= tol, "{x} vs {y}");
    }
}

/// The naive loops of conv_backward_naive, one step at a time, summed.
fn stepwise(l: &Layer, dout: &Array4<f64>) -> (Array4<f64>, Grads) {
    let g = l.geom;
    let mut out = Array4::zeros(g.out_dim());
    let mut dx_pad = Array4::zeros((g.n, g.c, g.hp(), g.wp()));
    let mut dw = Array4::zeros(l.w.dim());
    let mut db = Array1::zeros(g.f);
    for step in 1..=g.total_steps() {
        let fwd = l.forward_step(step).unwrap();
        let bwd = l.backward_step(dout, step).unwrap();
        let p = fwd.pos;
        assert_eq!(bwd.pos, p);
        out[[p.n, p.f, p.i, p.j]] = fwd.out;
        for c in 0..g.c {
            for (m, &r) in fwd.window.rows.iter().enumerate() {
                for (k, &col) in fwd.window.cols.iter().enumerate() {
                    dx_pad[[p.n, c, r, col]] += bwd.dx_pad_add[[c, m, k]];
                    dw[[p.f, c, m, k]] += bwd.dw_add[[c, m, k]];
                }
            }
        }
        db[p.f] += bwd.db_add;
    }
    let dx = dx_pad
        .slice(ndarray::s![.., .., g.pad..g.pad + g.h, g.pad..g.pad + g.w])
        .to_owned();
    (out, Grads { dx_pad, dx, dw, db })
}

#[test]
fn stepwise_equals_whole_array() {
    let shapes = [
        ((2, 3, 7, 6), (2, 3, 3, 2), 2, 1, 1),
        ((1, 1, 5, 5), (1, 1, 3, 3), 1, 0, 2),
        ((1, 2, 8, 9), (3, 2, 4, 3), 3, 2, 1),
        ((2, 1, 4, 4), (1, 1, 1, 1), 1, 3, 3),
    ];
    for (seed, (xs, ws, stride, pad, dil)) in shapes.into_iter().enumerate() {
        let seed = seed as u64 * 10;
        let b = Array1::from_iter(noise((1, 1, 1, ws.0), seed).iter().copied());
        let l = layer(
            noise(xs, seed + 1),
            noise(ws, seed + 2),
            b,
            stride,
            pad,
            dil,
        );
        let dout = noise(l.geom.out_dim(), seed + 3);
        let (out, grads) = stepwise(&l, &dout);
        let whole = backward(&l, &dout).unwrap();
        assert_close(&out, &forward(&l), 1e-12);
        assert_close(&grads.dx_pad, &whole.dx_pad, 1e-12);
        assert_close(&grads.dx, &whole.dx, 1e-12);
        assert_close(&grads.dw, &whole.dw, 1e-12);
        let after_all = l.backward_after(&dout, l.geom.total_steps()).unwrap();
        assert_close(&after_all.grads.dx, &whole.dx, 1e-12);
    }
}

#[test]
fn backward_after_k_is_prefix_sum() {
    let l = layer(
        noise((1, 2, 5, 5), 7),
        noise((2, 2, 3, 3), 8),
        array![0.1, 0.2],
        2,
        1,
        1,
    );
    let dout = noise(l.geom.out_dim(), 9);
    let zero = l.backward_after(&dout, 0).unwrap();
    assert!(zero.grads.dx_pad.iter().all(|&v| v == 0.0));
    assert!(zero.touches.iter().all(|&t| t == 0));
    let one = l.backward_after(&dout, 1).unwrap();
    let first = l.backward_step(&dout, 1).unwrap();
    // step 1 is window (0,0): padded rows 0..3, cols 0..3
    assert_eq!(
        one.grads.dx_pad.slice(ndarray::s![0, .., 0..3, 0..3]),
        first.dx_pad_add
    );
    assert_eq!(one.grads.db, array![first.dout, 0.0]);
    assert_eq!(one.touches.iter().map(|&t| t as usize).sum::<usize>(), 9);
    let two = l.backward_after(&dout, 2).unwrap();
    // windows (0,0) and (0,1) overlap in padded column 2
    assert_eq!(two.touches[[0, 1, 2]], 2);
    assert_eq!(two.touches[[0, 1, 1]], 1);
}

#[test]
fn step_order_is_cs231n() {
    let g = Geometry::new((2, 1, 4, 4), (3, 1, 3, 3), 3, ConvParams::default()).unwrap();
    assert_eq!(g.total_steps(), 2 * 3 * 2 * 2);
    assert_eq!(
        g.position(1),
        Some(OutPos {
            n: 0,
            f: 0,
            i: 0,
            j: 0
        })
    );
    assert_eq!(
        g.position(2),
        Some(OutPos {
            n: 0,
            f: 0,
            i: 0,
            j: 1
        })
    );
    assert_eq!(
        g.position(3),
        Some(OutPos {
            n: 0,
            f: 0,
            i: 1,
            j: 0
        })
    );
    assert_eq!(
        g.position(5),
        Some(OutPos {
            n: 0,
            f: 1,
            i: 0,
            j: 0
        })
    );
    assert_eq!(
        g.position(13),
        Some(OutPos {
            n: 1,
            f: 0,
            i: 0,
            j: 0
        })
    );
    assert_eq!(g.position(0), None);
    assert_eq!(g.position(25), None);
    for step in 1..=24 {
        assert_eq!(g.step_of(g.position(step).unwrap()), Some(step));
    }
}

#[test]
fn unreached_cells_when_stride_does_not_divide() {
    // W = 6, k = 3, stride 2, pad 0: windows at 0 and 2 reach columns 0..5; column 5 never.
    let g = Geometry::new(
        (1, 1, 6, 6),
        (1, 1, 3, 3),
        1,
        ConvParams {
            stride: 2,
            pad: 0,
            dilation: 1,
        },
    )
    .unwrap();
    assert_eq!(g.w_out, 2);
    assert_eq!(g.cols_reached(), vec![true, true, true, true, true, false]);
    assert_eq!(
        g.outputs_reading(2, 2),
        vec![(0, 0), (0, 1), (1, 0), (1, 1)]
    );
    assert_eq!(g.outputs_reading(5, 5), vec![]);
}

#[test]
fn bad_shapes_are_errors() {
    let p = ConvParams::default();
    assert_eq!(
        Geometry::new((1, 1, 3, 3), (1, 1, 3, 3), 1, ConvParams { stride: 0, ..p }),
        Err(ConvError::ZeroStride)
    );
    assert_eq!(
        Geometry::new(
            (1, 1, 3, 3),
            (1, 1, 3, 3),
            1,
            ConvParams { dilation: 0, ..p }
        ),
        Err(ConvError::ZeroDilation)
    );
    assert!(matches!(
        Geometry::new((1, 2, 3, 3), (1, 3, 3, 3), 1, p),
        Err(ConvError::ChannelMismatch { .. })
    ));
    assert!(matches!(
        Geometry::new((1, 1, 3, 3), (2, 1, 3, 3), 1, p),
        Err(ConvError::BiasMismatch { .. })
    ));
    assert!(matches!(
        Geometry::new((1, 1, 2, 2), (1, 1, 3, 3), 1, p),
        Err(ConvError::KernelTooLarge { .. })
    ));
    assert!(matches!(
        Geometry::new((1, 1, 0, 2), (1, 1, 1, 1), 1, p),
        Err(ConvError::EmptyArray { .. })
    ));
    assert!(matches!(
        Geometry::new(
            (1, 1, 3, 3),
            (1, 1, 3, 3),
            1,
            ConvParams {
                pad: usize::MAX,
                ..p
            }
        ),
        Err(ConvError::TooLarge(_))
    ));
    let l = layer(one_to_nine(), diag_kernel(), array![0.], 1, 0, 1);
    assert!(matches!(
        backward(&l, &Array4::ones((1, 1, 3, 3))),
        Err(ConvError::DoutMismatch { .. })
    ));
}

#[test]
fn grad_check_single_entries() {
    let l = layer(
        noise((1, 2, 4, 4), 4),
        noise((2, 2, 3, 3), 5),
        array![0.5, -0.5],
        1,
        1,
        1,
    );
    let dout = noise(l.geom.out_dim(), 6);
    for param in [
        Param::X {
            n: 0,
            c: 1,
            h: 2,
            w: 3,
        },
        Param::W {
            f: 1,
            c: 0,
            m: 2,
            k: 1,
        },
        Param::B { f: 0 },
    ] {
        let check = grad_check(&l, &dout, param).unwrap().unwrap();
        assert!(check.rel_error <= 1e-7, "{check:?}");
        assert!(check.analytic != 0.0);
    }
    assert_eq!(grad_check(&l, &dout, Param::B { f: 9 }).unwrap(), None);
}

/// A random small layer: shape, stride, pad and dilation, with noise for every array.
fn random_layer() -> impl proptest::strategy::Strategy<Value = (Layer, Array4<f64>)> {
    use proptest::prelude::*;
    (
        (1usize..=2, 1usize..=3, 1usize..=20, 1usize..=20),
        (1usize..=6, 1usize..=4, 1usize..=4),
        (1usize..=3, 0usize..=3, 1usize..=3),
        any::<u64>(),
    )
        .prop_filter_map(
            "the kernel must fit the padded input",
            |((n, c, h, w), (f, hh, ww), (stride, pad, dilation), seed)| {
                let params = ConvParams {
                    stride,
                    pad,
                    dilation,
                };
                let b = Array1::from_iter(noise((1, 1, 1, f), seed).iter().copied());
                let l = Layer::new(
                    noise((n, c, h, w), seed ^ 1),
                    noise((f, c, hh, ww), seed ^ 2),
                    b,
                    params,
                )
                .ok()?;
                let dout = noise(l.geom.out_dim(), seed ^ 3);
                Some((l, dout))
            },
        )
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]

    /// The fast engine and the step-wise one against CS231n's four loops.
    #[test]
    fn both_engines_equal_the_naive_loops((l, dout) in random_layer()) {
        let out = naive::conv_forward_naive(&l);
        let want = naive::conv_backward_naive(&l, &dout);
        assert_close(&forward(&l), &out, 1e-12);
        let fast = backward(&l, &dout).unwrap();
        assert_close(&fast.dx_pad, &want.dx_pad, 1e-12);
        assert_close(&fast.dx, &want.dx, 1e-12);
        assert_close(&fast.dw, &want.dw, 1e-12);
        for (a, b) in fast.db.iter().zip(&want.db) {
            assert!((a - b).abs() <= 1e-12);
        }
        // Its two halves give the same numbers, bit for bit.
        let dx_only = backward_dx(&l, &dout).unwrap();
        assert_eq!((&dx_only.dx_pad, &dx_only.dx), (&fast.dx_pad, &fast.dx));
        assert!(dx_only.dw.iter().chain(&dx_only.db).all(|&v| v == 0.0));
        assert_eq!(weight_grads(&l, &dout).unwrap(), (fast.dw.clone(), fast.db.clone()));
        let (steps_out, steps) = stepwise(&l, &dout);
        assert_close(&steps_out, &out, 1e-12);
        assert_close(&steps.dx_pad, &want.dx_pad, 1e-12);
        assert_close(&steps.dw, &want.dw, 1e-12);
    }

    /// Wherever the cursor goes and however, it holds exactly backward_after's numbers,
    /// and touch counts equal a count of the windows.
    #[test]
    fn the_cursor_equals_backward_after_bit_for_bit(
        (l, dout) in random_layer(),
        moves in proptest::collection::vec(0usize..6, 1..40),
        start in 0usize..100,
    ) {
        let total = l.geom.total_steps();
        let mut k = start % (total + 1);
        let mut cursor = BackwardCursor::new(&l, &dout, k).unwrap();
        for m in moves {
            k = match m {
                0 | 1 => (k + 1).min(total),
                2 | 3 => k.saturating_sub(1),
                4 => (k * 7 + 3) % (total + 1),
                _ => total,
            };
            cursor.seek(&l, &dout, k).unwrap();
            let want = l.backward_after(&dout, k).unwrap();
            assert_eq!(&*cursor, &want);
            // One step on and back returns the very same numbers.
            if k < total {
                let mut there = cursor.clone();
                there.seek(&l, &dout, k + 1).unwrap();
                there.seek(&l, &dout, k).unwrap();
                assert_eq!(&*there, &*cursor);
            }
        }
        let mut counted = ndarray::Array3::<u32>::zeros((l.geom.n, l.geom.hp(), l.geom.wp()));
        for step in 1..=k {
            let p = l.geom.position(step).unwrap();
            let w = l.geom.window(p.i, p.j);
            for &r in &w.rows {
                for &c in &w.cols {
                    counted[[p.n, r, c]] += 1;
                }
            }
        }
        assert_eq!(cursor.touches, counted);
    }
}

#[test]
fn the_fast_engine_is_the_same_on_one_thread_and_on_all() {
    let l = layer(
        noise((2, 3, 20, 301), 1),
        noise((5, 3, 3, 3), 2),
        array![0.1, 0.2, 0.3, 0.4, 0.5],
        1,
        1,
        1,
    );
    let dout = noise(l.geom.out_dim(), 3);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let (out1, grads1) = pool.install(|| (forward(&l), backward(&l, &dout).unwrap()));
    assert_eq!(out1, forward(&l));
    assert_eq!(grads1, backward(&l, &dout).unwrap());
    // Wide enough for several column tiles of dw and blocks of every kernel, and five
    // filters (a group of four and one): the loops agree.
    let want = naive::conv_backward_naive(&l, &dout);
    assert_close(&out1, &naive::conv_forward_naive(&l), 1e-12);
    assert_close(&grads1.dx_pad, &want.dx_pad, 1e-12);
    assert_close(&grads1.dw, &want.dw, 1e-12);
}

/// The colour scale's maximum skips NaN and the infinities, at every length (lanes of
/// eight and a remainder, chunks in parallel) and on a view that is not contiguous.
#[test]
fn max_abs_finite_is_the_largest_finite_magnitude() {
    let plain = |v: &[f64]| {
        v.iter()
            .filter(|v| v.is_finite())
            .fold(0.0_f64, |m, v| m.max(v.abs()))
    };
    for len in [0, 1, 7, 8, 9, 70_001, 200_003] {
        let mut a = noise((1, 1, 1, len), 9).mapv(|v| v * 3.0);
        if len > 2 {
            a[[0, 0, 0, len / 2]] = f64::NAN;
            a[[0, 0, 0, len - 1]] = f64::NEG_INFINITY;
            a[[0, 0, 0, 1]] = -7.5;
        }
        let want = plain(a.as_slice().unwrap());
        assert_eq!(max_abs_finite(&a), want, "length {len}");
        let strided = a.slice(ndarray::s![.., .., .., ..;3]);
        let every_third: Vec<f64> = strided.iter().copied().collect();
        assert_eq!(
            max_abs_finite(&strided),
            plain(&every_third),
            "length {len}"
        );
    }
    assert_eq!(max_abs_finite(&array![f64::NAN, f64::INFINITY]), 0.0);
    assert_eq!(max_abs_finite(&array![-0.0, -2.0]), 2.0);
}

/// The cheap gradient check (the loss terms an entry changes, the fast engine's
/// analytic gradient) agrees with CS231n's whole-loss centred differences on every
/// entry of x, w and b, on layers with stride, padding, dilation and two images.
#[test]
fn grad_check_with_local_differences_matches_the_whole_loss() {
    for (stride, pad, dilation) in [(1, 1, 1), (2, 2, 1), (1, 3, 2), (3, 0, 1)] {
        let l = layer(
            noise((2, 2, 7, 6), 11),
            noise((3, 2, 3, 2), 12),
            array![0.25, -1.0, 0.5],
            stride,
            pad,
            dilation,
        );
        let dout = noise(l.geom.out_dim(), 13);
        let whole = numeric_grads(&l, &dout, 1e-5).unwrap();
        let grads = backward(&l, &dout).unwrap();
        let mut params: Vec<(Param, f64)> = Vec::new();
        for ((n, c, h, w), &v) in whole.dx.indexed_iter() {
            params.push((Param::X { n, c, h, w }, v));
        }
        for ((f, c, m, k), &v) in whole.dw.indexed_iter() {
            params.push((Param::W { f, c, m, k }, v));
        }
        for (f, &v) in whole.db.indexed_iter() {
            params.push((Param::B { f }, v));
        }
        for (param, whole_numeric) in params {
            let check = grad_check_with(&l, &dout, &grads, param).unwrap();
            let close =
                (check.numeric - whole_numeric).abs() <= 1e-8 * whole_numeric.abs().max(1.0);
            assert!(
                close,
                "{param:?}: {} against {whole_numeric}",
                check.numeric
            );
            assert!(check.rel_error <= 1e-7, "{check:?}");
            assert_eq!(grad_check(&l, &dout, param).unwrap(), Some(check));
        }
    }
    let l = layer(
        noise((1, 1, 3, 3), 1),
        noise((1, 1, 2, 2), 2),
        array![0.0],
        1,
        0,
        1,
    );
    let dout = noise(l.geom.out_dim(), 3);
    let grads = backward(&l, &dout).unwrap();
    for outside in [
        Param::X {
            n: 0,
            c: 0,
            h: 3,
            w: 0,
        },
        Param::W {
            f: 0,
            c: 1,
            m: 0,
            k: 0,
        },
        Param::B { f: 1 },
    ] {
        assert_eq!(
            grad_check_with(&l, &dout, &grads, outside),
            None,
            "{outside:?}"
        );
    }
}

/// A stride far wider than the input splits no row into more phases than it has
/// columns: the passes stay small and equal CS231n's loops.
#[test]
fn a_stride_wider_than_the_input_allocates_nothing_in_proportion() {
    for stride in [7, 1 << 20, 1 << 40] {
        let l = layer(
            noise((1, 2, 5, 6), 21),
            noise((3, 2, 3, 3), 22),
            array![0.5, 0.0, -0.5],
            stride,
            1,
            2,
        );
        let dout = noise(l.geom.out_dim(), 23);
        assert_close(&forward(&l), &naive::conv_forward_naive(&l), 1e-12);
        let (fast, want) = (
            backward(&l, &dout).unwrap(),
            naive::conv_backward_naive(&l, &dout),
        );
        assert_close(&fast.dx_pad, &want.dx_pad, 1e-12);
        assert_close(&fast.dw, &want.dw, 1e-12);
    }
}

/// The totals after the last step are exactly the whole-array pass, and a cursor given
/// them jumps to the last step (and back to the first, in its own arrays) with the
/// numbers of `backward_after`, bit for bit.
#[test]
fn the_last_step_is_the_whole_pass_and_a_jump_copies_it() {
    let l = layer(
        noise((2, 3, 9, 11), 5),
        noise((3, 3, 3, 3), 6),
        array![0.1, -0.2, 0.3],
        2,
        1,
        1,
    );
    let dout = noise(l.geom.out_dim(), 7);
    let total = l.geom.total_steps();
    let full = l.backward_after(&dout, total).unwrap();
    assert_eq!(full.grads, backward(&l, &dout).unwrap());
    let mut cursor = BackwardCursor::new(&l, &dout, total / 2 + 3).unwrap();
    for k in [total, 1, 0, total, total - 1, total, 2, 1] {
        cursor.seek_with_full(&l, &dout, k, &full).unwrap();
        assert_eq!(&*cursor, &l.backward_after(&dout, k).unwrap(), "step {k}");
    }
    let from = BackwardCursor::from_full(&l, &full).unwrap();
    assert_eq!(&*from, &full);
    assert!(BackwardCursor::from_full(&l, &l.backward_after(&dout, 4).unwrap()).is_none());
}
