//! Max pooling, ReLU and the stack: hand-worked values, ties, CS231n's naive pooling
//! loops, the stack against a composition of the single-layer engine, numeric
//! gradients of the whole stack, and receptive fields (Araujo, Norris and Sim's AlexNet
//! and VGG-16 figures, a hand-worked stack with a dilation).

use std::sync::Arc;

use ndarray::{Array1, Array4, array};

use super::naive::{max_pool_backward_naive, max_pool_forward_naive};
use super::relu::{relu_backward, relu_forward};
use super::*;

fn one_to_sixteen() -> Array4<f64> {
    Array4::from_shape_fn((1, 1, 4, 4), |(_, _, h, w)| (4 * h + w + 1) as f64)
}

fn pool(kernel: usize, stride: usize) -> PoolParams {
    PoolParams { kernel, stride }
}

#[test]
fn max_pooling_by_hand_forward_and_backward() {
    let p = Pool::new(one_to_sixteen(), pool(2, 2)).unwrap();
    assert_eq!(p.out, array![[[[6., 8.], [14., 16.]]]]);
    // Every window's maximum is its bottom-right cell: switch 3 = (1, 1).
    assert!(p.argmax.iter().all(|&a| a == 3));
    let dx = p.backward(&array![[[[1., 2.], [3., 4.]]]]).unwrap();
    assert_eq!(
        dx,
        array![[[
            [0., 0., 0., 0.],
            [0., 1., 0., 2.],
            [0., 0., 0., 0.],
            [0., 3., 0., 4.]
        ]]]
    );
    assert_eq!(
        p.switch(OutPos {
            n: 0,
            f: 0,
            i: 1,
            j: 0
        }),
        (3, 1)
    );
}

#[test]
fn overlapping_windows_add_their_gradients_at_a_shared_maximum() {
    // pool 2 s1 on a 3x3 whose centre is the maximum: all four windows pick it.
    let x = array![[[[1., 2., 3.], [4., 9., 5.], [6., 7., 8.]]]];
    let p = Pool::new(x, pool(2, 1)).unwrap();
    assert_eq!(p.out, array![[[[9., 9.], [9., 9.]]]]);
    let dx = p.backward(&array![[[[1., 2.], [3., 4.]]]]).unwrap();
    assert_eq!(dx[[0, 0, 1, 1]], 10.0);
    assert_eq!(dx.sum(), 10.0);
}

#[test]
fn ties_go_to_the_first_maximum_in_row_major_order_as_np_argmax() {
    let x = array![[[[1., 3.], [3., 0.]], [[2., 2.], [2., 2.]]]];
    let p = Pool::new(x.clone(), pool(2, 2)).unwrap();
    // np.argmax([1, 3, 3, 0]) == 1, np.argmax([2, 2, 2, 2]) == 0.
    assert_eq!(p.argmax, array![[[[1]], [[0]]]]);
    let dout = array![[[[5.]], [[7.]]]];
    let dx = p.backward(&dout).unwrap();
    assert_eq!(dx, array![[[[0., 5.], [0., 0.]], [[7., 0.], [0., 0.]]]]);
    assert_eq!(dx, max_pool_backward_naive(&x, pool(2, 2), &dout));
    // np.argmax([1, nan, 5, nan]) == 1: the first NaN wins.
    let p = Pool::new(array![[[[1., f64::NAN], [5., f64::NAN]]]], pool(2, 2)).unwrap();
    assert_eq!(p.argmax[[0, 0, 0, 0]], 1);
    assert!(p.out[[0, 0, 0, 0]].is_nan());
}

#[test]
fn pooling_matches_the_naive_loops() {
    for (shape, k, s, seed) in [
        ((2, 3, 7, 6), 2, 2, 1),
        ((1, 2, 9, 9), 3, 2, 2),
        ((1, 1, 5, 8), 3, 1, 3),
        ((2, 1, 6, 6), 2, 3, 4),
        ((1, 2, 4, 4), 4, 4, 5),
    ] {
        let x = noise(shape, seed);
        let p = Pool::new(x.clone(), pool(k, s)).unwrap();
        assert_eq!(
            p.out,
            max_pool_forward_naive(&x, pool(k, s)),
            "{shape:?} k{k} s{s}"
        );
        let dout = noise(p.out.dim(), seed + 10);
        assert_eq!(
            p.backward(&dout).unwrap(),
            max_pool_backward_naive(&x, pool(k, s), &dout),
            "{shape:?} k{k} s{s}"
        );
        // A stride that skips rows leaves them out of every window.
        let g = p.geom;
        assert_eq!(g.total_steps(), g.n * g.c * g.h_out * g.w_out);
        let last = g.position(g.total_steps()).unwrap();
        assert_eq!((last.i, last.j), (g.h_out - 1, g.w_out - 1));
    }
}

#[test]
fn pooling_refuses_a_window_larger_than_its_input() {
    let err = Pool::new(Array4::zeros((1, 1, 2, 3)), pool(3, 1)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the pooling window (3x3) is larger than its input (2x3): no window fits"
    );
    assert_eq!(
        Pool::new(Array4::zeros((1, 1, 2, 2)), pool(2, 0)).unwrap_err(),
        ConvError::ZeroStride
    );
}

#[test]
fn relu_passes_positives_and_stops_the_rest_backward() {
    let x = array![[[[-1., 0., 2.], [3., -0.5, 0.25]]]];
    let r = Relu::new(x.clone());
    assert_eq!(r.out, array![[[[0., 0., 2.], [3., 0., 0.25]]]]);
    let dout = array![[[[1., 2., 3.], [4., 5., 6.]]]];
    // x = 0 stops its gradient, as CS231n's dout * (x > 0).
    assert_eq!(
        r.backward(&dout).unwrap(),
        array![[[[0., 0., 3.], [4., 0., 6.]]]]
    );
    assert!(r.passes(0, 0, 0, 2) && !r.passes(0, 0, 0, 1));
    assert_eq!(relu_forward(&x), r.out);
    assert_eq!(relu_backward(&x, &dout), r.backward(&dout).unwrap());
}

fn specs(items: &[LayerSpec]) -> Vec<LayerSpec> {
    items.to_vec()
}

/// conv 3 p1 f3; relu; conv 3 s2 p1 d1 f2; pool 2
fn small_stack() -> Vec<LayerSpec> {
    specs(&[
        LayerSpec::conv(3, 1, 1, 1).filters(3),
        LayerSpec::Relu,
        LayerSpec::conv(3, 2, 1, 1).filters(2),
        LayerSpec::pool(2, 2),
    ])
}

#[test]
fn the_stack_is_a_composition_of_the_single_layer_engine() {
    let x = noise((2, 2, 9, 10), 7);
    let net = Net::new(x.clone(), &small_stack(), NetInit::default()).unwrap();
    let w1 = net.layers[0].as_conv().unwrap().w.clone();
    let w3 = net.layers[2].as_conv().unwrap().w.clone();
    let params = |s, p| ConvParams {
        stride: s,
        pad: p,
        dilation: 1,
    };
    let l1 = Layer::new(x.clone(), w1, Array1::zeros(3), params(1, 1)).unwrap();
    let a1 = forward(&l1);
    let r = relu_forward(&a1);
    let l3 = Layer::new(r.clone(), w3, Array1::zeros(2), params(2, 1)).unwrap();
    let a3 = forward(&l3);
    let out = max_pool_forward_naive(&a3, pool(2, 2));
    assert_eq!(
        net.outs,
        [a1.clone(), r.clone(), a3.clone(), out.clone()].map(Array4::into_shared)
    );
    assert_eq!(net.out(), &out);

    let dout = noise(out.dim(), 8);
    let grads = net.backward(&dout).unwrap();
    let d3 = max_pool_backward_naive(&a3, pool(2, 2), &dout);
    let g3 = backward(&l3, &d3).unwrap();
    let d1 = relu_backward(&a1, &g3.dx);
    let g1 = backward(&l1, &d1).unwrap();
    assert_eq!(grads.douts, vec![d1.clone(), g3.dx.clone(), d3, dout]);
    assert_eq!(grads.grads[2].conv(), Some(&g3));
    assert_eq!(grads.grads[0].conv(), Some(&g1));
    assert_eq!(grads.dx(), &g1.dx);
    // Each layer's dout is the dx of the layer above: the one wiring function.
    for l in 0..3 {
        assert_eq!(&grads.douts[l], dout_below(&grads.grads[l + 1]));
    }
}

/// L = sum(out * dout) of the whole stack with `net`'s weights, after `change`.
fn stack_loss(net: &Net, dout: &Array4<f64>, change: impl FnOnce(&mut Net) -> usize) -> f64 {
    let mut probe = net.clone();
    let from = change(&mut probe);
    probe.forward_from(from).unwrap();
    (probe.out() * dout).sum()
}

#[test]
fn the_stack_s_gradients_match_numeric_ones() {
    let x = noise((1, 2, 7, 7), 21);
    let init = NetInit {
        seed: 3,
        ..NetInit::default()
    };
    let mut specs = small_stack();
    specs.insert(3, LayerSpec::Relu);
    specs.insert(0, LayerSpec::conv(2, 1, 1, 2).filters(2));
    let mut net = Net::new(x, &specs, init).unwrap();
    // Biases away from zero, so that they are checked too.
    for (l, layer) in net.layers.iter_mut().enumerate() {
        if let NetLayer::Conv(c) = Arc::make_mut(layer) {
            c.b = noise((1, 1, 1, c.b.len()), 40 + l as u64)
                .into_shape_with_order(c.b.len())
                .unwrap()
                * 0.1;
        }
    }
    net.forward_from(0).unwrap();
    let dout = noise(net.out().dim(), 22);
    let grads = net.backward(&dout).unwrap();
    let h = 1e-5;
    let numeric = |change: &dyn Fn(&mut Net, f64) -> usize| {
        let plus = stack_loss(&net, &dout, |n| change(n, h));
        let minus = stack_loss(&net, &dout, |n| change(n, -h));
        (plus - minus) / (2.0 * h)
    };
    let mut worst = 0.0_f64;
    let mut checked = 0;
    let mut check = |analytic: f64, numeric: f64| {
        worst = worst.max(rel_error(&[analytic], &[numeric]));
        checked += 1;
    };
    for (idx, &a) in grads.dx().indexed_iter() {
        let (n, c, hh, ww) = idx;
        check(
            a,
            numeric(&|net: &mut Net, d| {
                let x = match Arc::make_mut(&mut net.layers[0]) {
                    NetLayer::Conv(l) => &mut l.x,
                    _ => unreachable!(),
                };
                x[[n, c, hh, ww]] += d;
                0
            }),
        );
    }
    for (l, g) in grads.grads.iter().enumerate() {
        let Some(g) = g.conv() else { continue };
        for (idx, &a) in g.dw.indexed_iter() {
            let (f, c, m, k) = idx;
            check(
                a,
                numeric(&|net: &mut Net, d| {
                    if let NetLayer::Conv(layer) = Arc::make_mut(&mut net.layers[l]) {
                        layer.w[[f, c, m, k]] += d;
                    }
                    l
                }),
            );
        }
        for (f, &a) in g.db.indexed_iter() {
            check(
                a,
                numeric(&|net: &mut Net, d| {
                    if let NetLayer::Conv(layer) = Arc::make_mut(&mut net.layers[l]) {
                        layer.b[f] += d;
                    }
                    l
                }),
            );
        }
    }
    assert!(checked > 150, "{checked}");
    assert!(worst <= 1e-7, "largest rel_error {worst:e}");
}

#[test]
fn weights_are_he_scaled_seeded_and_the_first_conv_takes_the_given_kernel() {
    let w = he_weights((64, 8, 3, 3), 5, 2);
    assert_eq!(w, he_weights((64, 8, 3, 3), 5, 2));
    assert_ne!(w, he_weights((64, 8, 3, 3), 6, 2));
    assert_ne!(w, he_weights((64, 8, 3, 3), 5, 3));
    let n = w.len() as f64;
    let mean = w.sum() / n;
    let std = (w.mapv(|v| (v - mean).powi(2)).sum() / n).sqrt();
    let want = (2.0_f64 / 72.0).sqrt();
    assert!((std / want - 1.0).abs() < 0.05, "std {std} want {want}");
    assert!(mean.abs() < 0.05 * want, "mean {mean}");

    let given = Array4::from_elem((2, 1, 3, 3), 0.5);
    let init = NetInit {
        seed: 1,
        first_w: Some(given.clone()),
        first_b: Some(array![1.0, -1.0]),
    };
    let specs = [
        LayerSpec::Relu,
        LayerSpec::conv(3, 1, 1, 1),
        LayerSpec::conv(3, 1, 1, 1),
    ];
    let net = Net::new(noise((1, 1, 5, 5), 1), &specs, init.clone()).unwrap();
    let c1 = net.layers[1].as_conv().unwrap();
    assert_eq!((&c1.w, &c1.b), (&given, &array![1.0, -1.0]));
    // F defaults to the input's channels: 2 after the given kernel's 2 filters.
    let c2 = net.layers[2].as_conv().unwrap();
    assert_eq!(c2.w, he_weights((2, 2, 3, 3), 1, 2));
    assert_eq!(c2.b, Array1::zeros(2));

    let wrong = [LayerSpec::conv(5, 1, 2, 1)];
    let err = Net::new(noise((1, 1, 5, 5), 1), &wrong, init).unwrap_err();
    assert_eq!(
        err.to_string(),
        "--layers item 1 'conv 5 p2': the given kernel has shape (2,1,3,3) but this layer needs (2,1,5,5)"
    );
}

#[test]
fn a_layer_whose_output_would_be_empty_is_named() {
    let specs = [
        LayerSpec::conv(3, 1, 0, 1),
        LayerSpec::Relu,
        LayerSpec::pool(2, 2),
    ];
    let err = Net::new(noise((1, 1, 3, 4), 1), &specs, NetInit::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "--layers item 3 'pool 2': the pooling window (2x2) is larger than its input (1x2): no window fits"
    );
    let err = receptive_fields(&specs, (3, 4)).unwrap_err();
    assert_eq!(err.index, 3);
    let err = receptive_fields(&[LayerSpec::conv(3, 1, 0, 2)], (4, 9)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "--layers item 1 'conv 3 d2': the kernel (5x5 with dilation) is larger than the padded input (4x9): no window fits"
    );
}

#[test]
fn changing_a_layer_keeps_the_ones_below_and_equals_a_fresh_build() {
    let x = noise((1, 3, 12, 11), 9);
    let net = Net::new(x.clone(), &small_stack(), NetInit::default()).unwrap();
    let mut changed = small_stack();
    changed[2] = LayerSpec::conv(3, 1, 2, 2).filters(4);
    let edited = net.with_specs(&changed).unwrap();
    let fresh = Net::new(x, &changed, NetInit::default()).unwrap();
    assert_eq!(edited, fresh);
    assert_eq!(edited.outs[..2], net.outs[..2]);
    assert_eq!(edited.out().dim(), (1, 4, 6, 5));
    // A refused change leaves nothing half-built: the old net is still whole.
    assert!(net.with_specs(&[LayerSpec::pool(13, 1)]).is_err());
}

#[test]
fn each_layer_reads_the_output_below_it_shared_not_copied() {
    let x = noise((1, 3, 12, 11), 9);
    let net = Net::new(x, &small_stack(), NetInit::default()).unwrap();
    for l in 1..net.layers.len() {
        assert_eq!(net.layers[l].x(), &net.outs[l - 1], "layer {l}");
        assert_eq!(
            net.layers[l].x().as_ptr(),
            net.outs[l - 1].as_ptr(),
            "layer {l}: its input is a copy"
        );
    }
    // ReLU and pooling hand on the output they keep.
    for (l, layer) in net.layers.iter().enumerate() {
        if let NetLayer::Relu(Relu { out, .. }) | NetLayer::Pool(Pool { out, .. }) = &**layer {
            assert_eq!(out.as_ptr(), net.outs[l].as_ptr(), "layer {l}");
        }
    }
    // An edit from layer 2 up starts from layer 1's output, not a copy of it.
    let mut changed = small_stack();
    changed[2] = LayerSpec::conv(3, 1, 2, 2).filters(4);
    let edited = net.with_specs(&changed).unwrap();
    assert_eq!(edited.layers[2].x().as_ptr(), net.outs[1].as_ptr());
}

#[test]
fn receptive_fields_of_alexnet_and_vgg16_match_araujo_norris_and_sim() {
    for (name, rf, out) in [("alexnet", 195, 6), ("vgg16", 212, 7)] {
        let (input, specs) = builtin_net(name).unwrap();
        let rows = receptive_fields(&specs, (input, input)).unwrap();
        let last = rows.last().unwrap();
        assert_eq!(last.spec.kind(), "pool", "{name}");
        assert_eq!(
            (last.rf, last.jump, last.out),
            (rf, 32, (out, out)),
            "{name}"
        );
    }
    let (_, vgg) = builtin_net("vgg16").unwrap();
    assert_eq!(vgg.len(), 13 * 2 + 5);
    let rows = receptive_fields(&vgg, (224, 224)).unwrap();
    // Each block's pool doubles the jump: 2, 4, 8, 16, 32.
    let pools: Vec<usize> = rows
        .iter()
        .filter(|r| r.kernel == 2)
        .map(|r| r.jump)
        .collect();
    assert_eq!(pools, [2, 4, 8, 16, 32]);
    assert_eq!(rows[0].start, -1);
    assert!(builtin_net("resnet").is_none());
}

#[test]
fn a_hand_worked_stack_with_a_dilation() {
    // conv 3 p1: r = 1 + 2*1*1 = 3, j = 1, start = -1;
    // conv 3 d2 p2: r = 3 + 2*2*1 = 7, j = 1, start = -1 - 2 = -3;
    // pool 2: r = 7 + 1*1*1 = 8, j = 2, start = -3;
    // conv 3 s2 p1: r = 8 + 2*1*2 = 12, j = 4, start = -3 - 1*2 = -5.
    let specs = [
        LayerSpec::conv(3, 1, 1, 1),
        LayerSpec::conv(3, 1, 2, 2),
        LayerSpec::pool(2, 2),
        LayerSpec::conv(3, 2, 1, 1),
    ];
    let rows = receptive_fields(&specs, (16, 12)).unwrap();
    let got: Vec<_> = rows
        .iter()
        .map(|r| (r.out, r.rf, r.jump, r.start))
        .collect();
    assert_eq!(
        got,
        [
            ((16, 12), 3, 1, -1),
            ((16, 12), 7, 1, -3),
            ((8, 6), 8, 2, -3),
            ((4, 3), 12, 4, -5)
        ]
    );
    // Cell (1, 2) of the last layer: in x from -5 + 4 = -1 and -5 + 8 = 3, 12 wide.
    let in_x = field_in(&specs, 3, (1, 2), 0);
    assert_eq!(
        in_x,
        Region {
            top: -1,
            left: 3,
            size: 12
        }
    );
    assert!(in_x.reaches_padding((16, 12)));
    assert_eq!(in_x.clipped((16, 12)), Some((0..11, 3..12)));
    // In the pool's input (level 2): pool 2 then conv 3 s2 p1, r = 2 + 2*2 = 6, j = 4,
    // start = -2.
    assert_eq!(
        field_in(&specs, 3, (1, 2), 2),
        Region {
            top: 2,
            left: 6,
            size: 6
        }
    );
    // A layer's own input, level = layer: its window.
    assert_eq!(
        field_in(&specs, 1, (0, 0), 1),
        Region {
            top: -2,
            left: -2,
            size: 5
        }
    );
}

#[test]
fn the_effective_field_fills_a_linear_stack_and_pooling_cuts_it() {
    let specs = [LayerSpec::conv(3, 1, 1, 1), LayerSpec::conv(3, 1, 2, 2)];
    let net = Net::new(noise((1, 2, 9, 9), 3), &specs, NetInit::default()).unwrap();
    let cell = OutPos {
        n: 0,
        f: 1,
        i: 4,
        j: 1,
    };
    let field = effective_field(&net, 1, cell).unwrap();
    let theory = field_in(&specs, 1, (4, 1), 0);
    assert_eq!(
        theory,
        Region {
            top: 1,
            left: -2,
            size: 7
        }
    );
    let (rows, cols) = theory.clipped((9, 9)).unwrap();
    for ((h, w), &lit) in field.mask().indexed_iter() {
        assert_eq!(lit, rows.contains(&h) && cols.contains(&w), "({h},{w})");
    }
    // Behind a max pool only the switch's window is lit: 3x3 of the field's 4x4.
    let specs = [LayerSpec::conv(3, 1, 1, 1), LayerSpec::pool(2, 2)];
    let net = Net::new(noise((1, 1, 8, 8), 4), &specs, NetInit::default()).unwrap();
    let cell = OutPos {
        n: 0,
        f: 0,
        i: 1,
        j: 2,
    };
    let lit = effective_field(&net, 1, cell).unwrap().mask();
    assert_eq!(lit.iter().filter(|&&l| l).count(), 9);
    let theory = field_in(&specs, 1, (1, 2), 0);
    assert_eq!(theory.size, 4);
    for ((h, w), &l) in lit.indexed_iter() {
        assert!(!l || theory.contains(h as isize, w as isize));
    }
}

/// A small random SPEC from `seed`: 1 to 4 layers of conv (K 1..3, S 1..2, P 0..1,
/// D 1..2), pool (K 1..2) and relu; `linear` keeps to convs of dilation 1, stride at
/// most K, with padding in the first layer only (a later layer's padding is zeros, not cells of x, so the
/// theoretical field counts x cells that no chain of windows reads).
fn random_specs(seed: u64, linear: bool) -> Vec<LayerSpec> {
    let draws = noise((1, 1, 1, 24), seed);
    let mut at = draws.iter().map(|v| ((v + 1.0) * 1000.0) as usize);
    let mut pick = |n: usize| at.next().unwrap_or(0) % n;
    let count = 1 + pick(4);
    (0..count)
        .map(|l| match if linear { 0 } else { pick(3) } {
            0 => {
                let k = 1 + pick(3);
                // A stride wider than the kernel leaves gaps between the windows.
                let s = if linear {
                    (1 + pick(2)).min(k)
                } else {
                    1 + pick(2)
                };
                let p = if linear && l > 0 { 0 } else { pick(2) };
                LayerSpec::conv(k, s, p, if linear { 1 } else { 1 + pick(2) })
            }
            1 => {
                let k = 1 + pick(2);
                LayerSpec::pool(k, k)
            }
            _ => LayerSpec::Relu,
        })
        .collect()
}

#[test]
fn the_effective_field_lies_in_the_theoretical_one_and_fills_its_box_for_plain_convs() {
    let mut tried = 0;
    for seed in 0..60 {
        let linear = seed % 2 == 0;
        let specs = random_specs(seed, linear);
        let x = noise((1, 2, 9, 8), seed + 100);
        let Ok(net) = Net::new(x, &specs, NetInit::default()) else {
            continue;
        };
        tried += 1;
        let last = specs.len() - 1;
        let (_, _, h_out, w_out) = net.out().dim();
        for (i, j) in [(0, 0), (h_out - 1, w_out - 1), (h_out / 2, w_out / 2)] {
            let pos = OutPos { n: 0, f: 0, i, j };
            let lit = effective_field(&net, last, pos).unwrap().mask();
            let theory = field_in(&specs, last, (i, j), 0);
            let cells: Vec<(usize, usize)> = lit
                .indexed_iter()
                .filter(|(_, l)| **l)
                .map(|(c, _)| c)
                .collect();
            for &(h, w) in &cells {
                assert!(
                    theory.contains(h as isize, w as isize),
                    "{specs:?} ({i},{j})"
                );
            }
            if linear {
                // Every tap reaches x: the lit cells span the whole clipped field (none
                // when the field lies in the padding).
                let Some((rows, cols)) = theory.clipped((9, 8)) else {
                    assert!(cells.is_empty(), "{specs:?}");
                    continue;
                };
                let span = |f: fn(&(usize, usize)) -> usize| {
                    let v: Vec<usize> = cells.iter().map(f).collect();
                    (*v.iter().min().unwrap(), *v.iter().max().unwrap() + 1)
                };
                assert_eq!(span(|c| c.0), (rows.start, rows.end), "{specs:?}");
                assert_eq!(span(|c| c.1), (cols.start, cols.end), "{specs:?}");
            }
        }
    }
    assert!(tried > 30, "{tried}");
}
