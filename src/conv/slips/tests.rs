//! Each slip against a student's loops written by hand with that one line wrong (a
//! second implementation, index by index, independent of `forward_with` and
//! `backward_with`): `find` names it, and nothing else.

use ndarray::{Array1, Array4, ArrayD, Dimension};

use super::*;
use crate::conv::{ConvParams, noise};

/// A student's `conv_forward_naive`, scalar by scalar, with the bugs named in `bugs`.
fn student_forward(layer: &Layer, bugs: &[&str]) -> ArrayD<f64> {
    let bug = |name: &str| bugs.contains(&name);
    let (x, w, b) = (&layer.x, &layer.w, &layer.b);
    let (n_, c_, h, wd) = x.dim();
    let (f_, _, hh, ww) = w.dim();
    let (stride, pad) = (layer.params.stride, layer.params.pad);
    let mut h_out = 1 + (h + 2 * pad - hh) / stride;
    let mut w_out = 1 + (wd + 2 * pad - ww) / stride;
    if bug("size-ceil") {
        h_out = 1 + (h + 2 * pad - hh).div_ceil(stride);
        w_out = 1 + (wd + 2 * pad - ww).div_ceil(stride);
    }
    if bug("size-off-by-one") {
        h_out = (h + 2 * pad - hh) / stride;
        w_out = (wd + 2 * pad - ww) / stride;
    }
    let xp = |n: usize, c: usize, r: usize, col: usize| -> f64 {
        // Outside x is the zero padding (and, past x_pad, a slice cut short).
        if r < pad || col < pad || r - pad >= h || col - pad >= wd {
            0.0
        } else {
            x[[n, c, r - pad, col - pad]]
        }
    };
    let s = if bug("no-stride") { 1 } else { stride };
    let mut out = Array4::<f64>::zeros((n_, f_, h_out, w_out));
    for n in 0..n_ {
        for f in 0..f_ {
            for i in 0..h_out {
                for j in 0..w_out {
                    let mut acc = 0.0;
                    for c in 0..c_ {
                        for m in 0..hh {
                            for k in 0..ww {
                                let tap = if bug("flipped-kernel") {
                                    w[[f, c, hh - 1 - m, ww - 1 - k]]
                                } else if bug("transposed-kernel") {
                                    w[[f, c, k, m]]
                                } else {
                                    w[[f, c, m, k]]
                                };
                                acc += xp(n, c, i * s + m, j * s + k) * tap;
                            }
                        }
                        if bug("bias-per-channel") {
                            acc += b[f];
                        }
                    }
                    if !bug("no-bias") && !bug("bias-per-channel") {
                        acc += b[f];
                    }
                    out[[n, f, i, j]] = acc;
                }
            }
        }
    }
    out.into_dyn()
}

/// A student's `conv_backward_naive`, scalar by scalar, with the bug named `bug` (in
/// `array`: the same id may name a slip of dx and of dw).
fn student_backward(layer: &Layer, dout: &Array4<f64>, array: &str, bug: &str) -> ArrayD<f64> {
    let is = |a: &str, name: &str| array == a && bug == name;
    let (x, w) = (&layer.x, &layer.w);
    let (n_, c_, h, wd) = x.dim();
    let (f_, _, hh, ww) = w.dim();
    let (stride, pad) = (layer.params.stride, layer.params.pad);
    let (_, _, h_out, w_out) = dout.dim();
    let (hp, wp) = (h + 2 * pad, wd + 2 * pad);
    let xp = |n: usize, c: usize, r: usize, col: usize| -> f64 {
        if r < pad || col < pad || r - pad >= h || col - pad >= wd {
            0.0
        } else {
            x[[n, c, r - pad, col - pad]]
        }
    };
    let mut dx_pad = Array4::<f64>::zeros((n_, c_, hp, wp));
    let mut dw = Array4::<f64>::zeros(w.dim());
    let mut db = Array1::<f64>::zeros(f_);
    for n in 0..n_ {
        for f in 0..f_ {
            for i in 0..h_out {
                for j in 0..w_out {
                    let d = dout[[n, f, i, j]];
                    db[f] += d;
                    let sx = if is("dx", "no-stride") { 1 } else { stride };
                    let sw = if is("dw", "no-stride") { 1 } else { stride };
                    for c in 0..c_ {
                        for m in 0..hh {
                            for k in 0..ww {
                                let tap = if is("dx", "flipped-kernel") {
                                    w[[f, c, hh - 1 - m, ww - 1 - k]]
                                } else {
                                    w[[f, c, m, k]]
                                };
                                let cell = &mut dx_pad[[n, c, i * sx + m, j * sx + k]];
                                if is("dx", "assign-not-accumulate") {
                                    *cell = d * tap;
                                } else {
                                    *cell += d * tap;
                                }
                                let g = d * xp(n, c, i * sw + m, j * sw + k);
                                if is("dw", "assign-not-accumulate") {
                                    dw[[f, c, m, k]] = g;
                                } else {
                                    dw[[f, c, m, k]] += g;
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    match array {
        "dx" if bug == "not-cropped" => dx_pad.into_dyn(),
        "dx" if bug == "empty-crop" && pad == 0 => Array4::<f64>::zeros((n_, c_, 0, 0)).into_dyn(),
        "dx" => Array4::from_shape_fn((n_, c_, h, wd), |(n, c, r, col)| {
            dx_pad[[n, c, r + pad, col + pad]]
        })
        .into_dyn(),
        "dw" if bug == "mean-over-n" => (dw / n_ as f64).into_dyn(),
        "dw" => dw.into_dyn(),
        _ if bug == "mean-not-sum" => (db / (n_ * h_out * w_out) as f64).into_dyn(),
        // Summed over (1, 2, 3): one number per sample.
        _ if bug == "wrong-axes" => Array1::from_shape_fn(n_, |n| {
            (0..f_)
                .map(|f| {
                    (0..h_out)
                        .flat_map(|i| (0..w_out).map(move |j| (i, j)))
                        .map(|(i, j)| dout[[n, f, i, j]])
                        .sum::<f64>()
                })
                .sum()
        })
        .into_dyn(),
        _ => db.into_dyn(),
    }
}

fn right(layer: &Layer, dout: &Array4<f64>, grad: Grad) -> ArrayD<f64> {
    crate::conv::compare::right_arrays(layer, dout)[grad as usize].clone()
}

fn ids(found: &[Vec<Slip>]) -> Vec<Vec<&'static str>> {
    found
        .iter()
        .map(|set| set.iter().map(|s| s.id()).collect())
        .collect()
}

/// The student's array for `slip`, by the hand-written loops.
fn student(layer: &Layer, dout: &Array4<f64>, slip: Slip) -> ArrayD<f64> {
    match slip.grad() {
        Grad::Out => student_forward(layer, &[slip.id()]),
        grad => student_backward(layer, dout, grad.name(), slip.id()),
    }
}

#[test]
fn the_hand_written_loops_without_bugs_are_right() {
    let (layer, dout) = challenge();
    assert!(
        rel_error(
            &student_forward(&layer, &[]),
            &right(&layer, &dout, Grad::Out)
        ) < 1e-12
    );
    for grad in [Grad::Dx, Grad::Dw, Grad::Db] {
        let mine = student_backward(&layer, &dout, grad.name(), "");
        assert!(
            rel_error(&mine, &right(&layer, &dout, grad)) < 1e-12,
            "{grad:?}"
        );
    }
}

#[test]
fn every_slip_is_its_hand_written_loop() {
    let (layer, dout) = challenge();
    for slip in Slip::ALL.into_iter().filter(|s| *s != Slip::DxEmptyCrop) {
        let theirs = student(&layer, &dout, slip);
        let ours = results(&layer, &dout, slip);
        assert!(
            ours.iter().any(|a| a.shape() == theirs.shape()
                && (slip.shape_only() || rel_error(a, &theirs) < 1e-12)),
            "{slip:?}"
        );
    }
}

#[test]
fn every_slip_is_found_on_the_challenge_layer_and_nothing_else() {
    let (layer, dout) = challenge();
    for slip in Slip::ALL.into_iter().filter(|s| *s != Slip::DxEmptyCrop) {
        let grad = slip.grad();
        let yours = student(&layer, &dout, slip);
        let found = find(&layer, &dout, grad, &yours, &right(&layer, &dout, grad));
        assert_eq!(found, vec![vec![slip]], "{slip:?}");
    }
}

#[test]
fn every_slip_but_empty_crop_changes_the_challenge_layer() {
    let (layer, dout) = challenge();
    for slip in Slip::ALL {
        let right = right(&layer, &dout, slip.grad());
        assert_eq!(
            changes_result(&layer, &dout, slip, &right),
            slip != Slip::DxEmptyCrop,
            "{slip:?}"
        );
    }
}

/// The challenge layer at pad 0, where `pad:-pad` crops everything away.
fn unpadded() -> (Layer, Array4<f64>) {
    let (layer, _) = challenge();
    let params = ConvParams {
        pad: 0,
        ..layer.params
    };
    let layer = Layer::new(layer.x, layer.w, layer.b, params).unwrap();
    let dout = noise(layer.geom.out_dim(), 9);
    (layer, dout)
}

#[test]
fn empty_crop_is_found_at_pad_0_and_not_claimed_at_pad_1() {
    let (layer, dout) = unpadded();
    let yours = student_backward(&layer, &dout, "dx", "empty-crop");
    assert_eq!(yours.shape(), &[2, 2, 0, 0]);
    let found = find(
        &layer,
        &dout,
        Grad::Dx,
        &yours,
        &right(&layer, &dout, Grad::Dx),
    );
    assert_eq!(ids(&found), vec![vec!["empty-crop"]]);
    // At pad 1 the same slice is the right crop: the slip changes nothing.
    let (layer, dout) = challenge();
    let right = right(&layer, &dout, Grad::Dx);
    assert!(!changes_result(&layer, &dout, Slip::DxEmptyCrop, &right));
}

#[test]
fn slips_that_change_nothing_are_not_claimed() {
    // One sample, one channel, stride 1, a symmetric kernel, no bias, a 1x1 output
    // row count: flipping, transposing, bias and stride slips change nothing.
    let params = ConvParams {
        stride: 1,
        pad: 1,
        dilation: 1,
    };
    let w = ndarray::array![[[[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]]];
    let layer = Layer::new(noise((1, 1, 4, 4), 5), w, ndarray::array![0.0], params).unwrap();
    let dout = noise(layer.geom.out_dim(), 6);
    for slip in [
        Slip::OutFlippedKernel,
        Slip::OutTransposedKernel,
        Slip::OutNoBias,
        Slip::OutBiasPerChannel,
        Slip::OutNoStride,
        Slip::OutSizeCeil,
        Slip::DxFlippedKernel,
        Slip::DxNoStride,
        Slip::DxEmptyCrop,
        Slip::DwNoStride,
        Slip::DwMeanOverN,
    ] {
        let right = right(&layer, &dout, slip.grad());
        assert!(!changes_result(&layer, &dout, slip, &right), "{slip:?}");
    }
    // A student with one real slip (no bias is invisible here, a wrong size is not)
    // is named for that one only.
    let yours = student_forward(&layer, &["size-off-by-one"]);
    let right_out = right(&layer, &dout, Grad::Out);
    let found = find(&layer, &dout, Grad::Out, &yours, &right_out);
    assert_eq!(ids(&found), vec![vec!["size-off-by-one"]]);
}

#[test]
fn two_forward_slips_at_once_are_named_together() {
    let (layer, dout) = challenge();
    let right = right(&layer, &dout, Grad::Out);
    for (a, b) in [
        ("flipped-kernel", "no-bias"),
        ("no-stride", "bias-per-channel"),
        ("transposed-kernel", "no-stride"),
    ] {
        let yours = student_forward(&layer, &[a, b]);
        let found = find(&layer, &dout, Grad::Out, &yours, &right);
        let mut want = vec![a, b];
        want.sort_by_key(|id| Slip::find(Grad::Out, id));
        assert_eq!(ids(&found), vec![want], "{a} + {b}");
    }
}

#[test]
fn a_random_array_names_no_slip_and_the_right_one_none() {
    let (layer, dout) = challenge();
    for grad in Grad::ALL {
        let right = right(&layer, &dout, grad);
        let random = ArrayD::from_shape_fn(right.raw_dim(), |ix| {
            ix.slice().iter().sum::<usize>() as f64 * 0.37 - 1.0
        });
        assert!(
            find(&layer, &dout, grad, &random, &right).is_empty(),
            "{grad:?}"
        );
        assert!(
            find(&layer, &dout, grad, &right, &right).is_empty(),
            "{grad:?}"
        );
    }
}

#[test]
fn nan_and_infinity_are_far_apart_not_a_crash() {
    let (layer, dout) = challenge();
    let right = right(&layer, &dout, Grad::Out);
    let mut yours = right.clone();
    yours[[0, 0, 0, 0]] = f64::NAN;
    yours[[0, 0, 0, 1]] = f64::INFINITY;
    assert_eq!(rel_error(&yours, &right), 1.0);
    assert!(find(&layer, &dout, Grad::Out, &yours, &right).is_empty());
}
