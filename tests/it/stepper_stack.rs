//! The stepper on a stack of layers: choosing a layer, stepping a routing layer
//! (max pooling, ReLU) both ways, the wiring of dx to the dout below, the receptive
//! field; and frames of a two- and a three-layer stack.

use convstep::app::{Action, App, Phase, Step};
use convstep::cmd::{InputArgs, StateArgs};
use convstep::ui;

use crate::buffer_text::text;

/// The bundled photo at 16 pixels through the layers of `layers` (a --layers SPEC).
fn stack(layers: &str, phase: Phase) -> App {
    let args = InputArgs {
        size: Some("16".into()),
        layers: Some(layers.into()),
        ..Default::default()
    };
    let spec = convstep::input::SceneSpec::from_args(&args).expect("input loads");
    let state = StateArgs {
        phase: Some(phase),
        step: Some(Step::At(1)),
        filter: None,
        view: None,
    };
    App::new(spec, &state).expect("app starts")
}

const TWO: &str = "conv 3 p1 f2; pool 2";
const THREE: &str = "conv 3 p1 f2; relu; conv 3 s2 p1 f3";

#[test]
fn each_layer_dx_is_the_dout_of_the_layer_below() {
    let app = stack(THREE, Phase::Backward);
    assert_eq!(app.layer_count(), 3);
    // Backward starts at the last layer, where --dout enters.
    assert_eq!(app.layer_index(), 2);
    for l in 1..3 {
        let above = app.layer_view(l).expect("layer");
        let below = app.layer_view(l - 1).expect("layer");
        assert_eq!(above.full().grads.dx, below.scene.dout, "layer {l}");
        assert_eq!(below.out(), above.scene.layer.x, "layer {l}");
    }
}

#[test]
fn dot_and_comma_pick_the_layer_and_each_keeps_its_step() {
    let mut app = stack(THREE, Phase::Forward);
    assert_eq!(app.layer_index(), 0);
    app.apply(Action::Next);
    app.apply(Action::Next);
    assert_eq!(app.step, 3);
    app.apply(Action::NextLayer);
    assert_eq!(app.layer_index(), 1);
    assert_eq!(app.step, 1, "layer 2 starts at its own first step");
    assert!(
        app.message
            .as_ref()
            .is_some_and(|m| m.text.contains("layer 2 of 3: relu"))
    );
    app.apply(Action::NextLayer);
    app.apply(Action::NextLayer);
    assert_eq!(app.layer_index(), 2, "there is no layer 4");
    assert!(app.message.as_ref().is_some_and(|m| m.error));
    app.apply(Action::PickLayer { layer: 0 });
    assert_eq!(
        (app.layer_index(), app.step),
        (0, 3),
        "layer 1 kept its step"
    );
}

#[test]
fn pooling_steps_show_the_maximum_and_send_dout_to_it_only() {
    let mut app = stack(TWO, Phase::Backward);
    assert_eq!(app.layer_index(), 1);
    let route = app.stack.route.clone().expect("a pooling step");
    let max = route
        .values
        .iter()
        .copied()
        .fold(f64::NEG_INFINITY, f64::max);
    assert_eq!(route.out, max);
    let (_, after) = app.bwd.clone().expect("backward state");
    let written: Vec<f64> = after
        .grads
        .dx
        .iter()
        .copied()
        .filter(|v| *v != 0.0)
        .collect();
    let p = route.pos;
    assert_eq!(written, vec![app.scene.dout[[p.n, p.f, p.i, p.j]]]);
    app.apply(Action::Last);
    let (_, after) = app.bwd.clone().expect("backward state");
    assert_eq!(after.grads.dx, app.full().grads.dx);
}

#[test]
fn the_receptive_field_grows_through_the_stack() {
    let mut app = stack(THREE, Phase::Forward);
    app.apply(Action::PickLayer { layer: 2 });
    app.apply(Action::ReceptiveField);
    // conv 3 p1, relu, conv 3 s2 p1: output (0, 0) reads rows -1..1 of layer 3's
    // input, which read rows -2..2 of x (r = 1 + 2 + 2 = 5).
    let span = app.stack.spans[0];
    assert_eq!(
        (span.top, span.left, span.size, span.end()),
        (-2, -2, 5, (2, 2))
    );
    let lit = app.stack.effective.clone().expect("effective field");
    assert!(lit.iter().any(|v| *v));
    // Nothing outside the theoretical field gets a gradient.
    for ((r, c), on) in lit.indexed_iter() {
        if *on {
            assert!(r <= 2 && c <= 2, "({r},{c}) is outside the field");
        }
    }
    let shown = text(&ui::render_buffer(&app, 120, 40));
    assert!(
        shown.contains("receptive field of out[0,0,0,0], layer 3"),
        "{shown}"
    );
}

#[test]
fn a_stacks_help_lists_the_stack_keys() {
    let mut app = stack(TWO, Phase::Forward);
    app.apply(Action::Help);
    let mut shown = String::new();
    // Every page of the help at 120x40.
    for _ in 0..3 {
        shown.push_str(&text(&ui::render_buffer(&app, 120, 40)));
        app.apply(Action::HelpPage);
    }
    for help in ["key.next_layer", "key.prev_layer", "key.field"] {
        let line = convstep::i18n::Lang::En.t(help);
        assert!(shown.contains(line), "{line}");
    }
}

#[test]
fn stack_frames() {
    for (name, items) in [("two", TWO), ("three", THREE)] {
        for phase in [Phase::Forward, Phase::Backward] {
            let mut app = stack(items, phase);
            app.apply(Action::Next);
            for (w, h) in [(80, 24), (120, 40), (200, 60)] {
                let shown = text(&ui::render_buffer(&app, w, h));
                let label = format!("{name}_{phase:?}_{w}x{h}").to_lowercase();
                insta::assert_snapshot!(label, shown);
            }
        }
    }
}

/// Writes PNGs of stack frames to look at: `CONVSTEP_STACK_PNG=/tmp cargo test --test
/// it stepper_stack::pictures -- --ignored`.
#[test]
#[ignore]
fn pictures() {
    use convstep::export::{Format, RenderOptions, render};
    let dir = std::env::var("CONVSTEP_STACK_PNG").unwrap_or_else(|_| "/tmp".into());
    let deep = "conv 3 p1 f2; relu; pool 2; conv 3 p1 f4";
    for (name, phase, keys) in [
        ("fwd", Phase::Forward, vec![Action::Next]),
        (
            "field",
            Phase::Forward,
            vec![
                Action::PickLayer { layer: 3 },
                Action::RowDown,
                Action::RowDown,
                Action::Next,
                Action::Next,
                Action::Next,
                Action::ReceptiveField,
            ],
        ),
        (
            "pool",
            Phase::Backward,
            vec![Action::PickLayer { layer: 2 }, Action::Next, Action::Next],
        ),
        (
            "relu",
            Phase::Backward,
            vec![Action::PickLayer { layer: 1 }, Action::Next, Action::Next],
        ),
    ] {
        let mut app = stack(deep, phase).with_color(convstep::ui::theme::ColorMode::TrueColor);
        for k in keys {
            app.apply(k);
        }
        for (w, h) in [(80, 24), (120, 40), (200, 60)] {
            let buf = ui::render_buffer(&app, w, h);
            let png = render(&buf, Format::Png, &RenderOptions::default()).expect("png");
            std::fs::write(format!("{dir}/stackscreen-{name}-{w}x{h}.png"), png).expect("write");
        }
    }
}

#[test]
fn a_layers_parameters_change_and_the_stack_is_rebuilt_from_there() {
    let mut app = stack(THREE, Phase::Forward);
    app.apply(Action::PickLayer { layer: 2 });
    assert_eq!(app.layer().geom.out_dim(), (1, 3, 6, 8));
    app.apply(Action::StrideDown);
    assert_eq!(app.layer_index(), 2, "the same layer stays current");
    assert_eq!(app.layer().geom.out_dim(), (1, 3, 11, 16));
    assert!(
        app.message
            .as_ref()
            .is_some_and(|m| m.text.contains("stride 1"))
    );
    // ReLU has no stride: said, nothing rebuilt.
    app.apply(Action::PrevLayer);
    app.apply(Action::StrideUp);
    assert!(
        app.message
            .as_ref()
            .is_some_and(|m| m.error && m.text.contains("relu has no stride"))
    );
}

/// Pooling and ReLU work per channel: the window is outlined on the channel the step
/// pools, not on the others; a conv layer's window reads (and is outlined on) every
/// channel.
#[test]
fn a_routing_window_is_outlined_on_its_own_channel_only() {
    use convstep::ui::grid::Mark;
    use convstep::ui::input_grid::input_mark;
    let marks = |app: &App, ch: usize| -> usize {
        let g = app.layer().geom;
        (0..g.hp())
            .flat_map(|r| (0..g.wp()).map(move |c| (r, c)))
            .filter(|&(r, c)| input_mark(app, Some(ch), r, c) == Mark::Window)
            .count()
    };
    let mut app = stack(TWO, Phase::Forward);
    app.apply(Action::Next);
    assert_eq!(
        (marks(&app, 0), marks(&app, 1)),
        (9, 9),
        "conv 3: both channels"
    );
    app.apply(Action::PickLayer { layer: 1 });
    assert_eq!(app.pos().f, 0);
    assert_eq!(
        (marks(&app, 0), marks(&app, 1)),
        (4, 0),
        "pool 2 on channel 0"
    );
    app.apply(Action::Last);
    assert_eq!(app.pos().f, 1);
    assert_eq!(
        (marks(&app, 0), marks(&app, 1)),
        (0, 4),
        "pool 2 on channel 1"
    );
}

/// Pooling sends dout back channel by channel: early in the backward pass of channel
/// 0, channel 1's dx has no written cell yet (not a written 0), and channel 0's
/// written cells are those its windows so far read.
#[test]
fn a_routing_layer_writes_dx_of_its_steps_channel_only() {
    use convstep::ui::grid::Kind;
    let mut app = stack(TWO, Phase::Backward);
    app.apply(Action::Next);
    assert_eq!((app.layer_index(), app.pos().f, app.pos().j), (1, 0, 1));
    let grids = ui::gradients::dx_pad_grids(&app);
    assert_eq!(grids.len(), 2, "one grid per channel");
    // Unwritten cells read dx_pad's starting 0, as every unwritten cell does: what a
    // step wrote is where values are not 0.
    let written = |ch: usize| {
        let g = &grids[ch];
        (0..g.rows)
            .flat_map(|r| (0..g.cols).map(move |c| (r, c)))
            .filter(|&(r, c)| {
                let cell = (g.cell)(r, c);
                assert_ne!(cell.kind, Kind::Empty, "c{ch} ({r},{c})");
                cell.value != 0.0
            })
            .collect::<Vec<_>>()
    };
    // Two 2x2 windows of channel 0 (rows 0..2, columns 0..4), each sending its dout
    // to its maximum alone; channel 1 not begun.
    let first = written(0);
    assert_eq!(first.len(), 2, "{first:?}");
    assert!(first.iter().all(|&(r, c)| r < 2 && c < 4), "{first:?}");
    assert!(written(1).is_empty());
}

/// A parameter change of a layer answers twice: its frame first (the layers from it
/// up rebuilt, the backward pass run down to it), then the layers below it, which the
/// keys wait for; after both, every layer is what a fresh start on the edited SPEC
/// gives.
#[test]
fn an_edit_answers_with_its_layer_first_then_the_layers_below() {
    let mut app = stack(THREE, Phase::Backward);
    assert_eq!(app.layer_index(), 2);
    let before_below = app.layer_view(0).expect("layer").scene.dout.clone();
    let second = first_answer(
        &mut app,
        Action::StrideDown,
        "the layers below come in a second answer",
    );
    // The edited layer is shown at its new stride; the layers below still hold the
    // old pass, and a key that reads them waits.
    assert_eq!(app.layer().geom.stride, 1);
    assert_eq!(app.layer_view(0).expect("layer").scene.dout, before_below);
    assert!(app.pending.is_some(), "the second answer is awaited");
    assert_eq!(app.update(Action::PickLayer { layer: 0 }), None);
    assert_eq!(
        app.layer_index(),
        2,
        "the layer key waits for the second answer"
    );
    let said = app.message.clone();
    assert!(said.is_some(), "the first answer says what was rebuilt");
    assert_eq!(app.update(Action::Computed(Box::new(second.run()))), None);
    assert!(app.pending.is_none());
    assert_eq!(app.layer_index(), 0, "the waiting key landed");
    assert_like_a_fresh_start(&app);
    assert_ne!(app.layer_view(0).unwrap().scene.dout, before_below);
}

/// Backward, an edit of the first layer shown answers with the conv layers above it
/// given dx alone (their dout is on the screen, their dw and db are not): those come
/// in the second answer, after which every layer is what a fresh start gives.
#[test]
fn an_edit_of_a_lower_layer_leaves_the_weights_above_for_later() {
    let mut app = stack(THREE, Phase::Backward);
    app.update(Action::PickLayer { layer: 0 });
    assert_eq!(app.layer_index(), 0);
    let second = to_stride_2(&mut app, "the weights above come in a second answer");
    assert!(app.pending.is_some(), "the second answer is awaited");
    let above = app.layer_view(2).expect("the conv layer above");
    assert!(
        above.full().grads.dw.iter().all(|&v| v == 0.0),
        "dw above waits for the second answer"
    );
    assert!(
        above.scene.dout.iter().any(|&v| v != 0.0),
        "its dout is there"
    );
    // The shown layer's own gradients are whole already.
    let fresh_first = {
        let fresh = App::new(app.spec.clone(), &StateArgs::default()).expect("fresh start");
        fresh.layer_view(0).unwrap().full().grads.clone()
    };
    assert_eq!(app.full().grads, fresh_first);
    assert_eq!(app.update(Action::Computed(Box::new(second.run()))), None);
    assert!(app.pending.is_none());
    assert!(
        app.layer_view(2)
            .unwrap()
            .full()
            .grads
            .dw
            .iter()
            .any(|&v| v != 0.0)
    );
    assert_like_a_fresh_start(&app);
}

/// Forward, window by window, an edit answers first without any backward pass (the
/// screen shows none), then with every layer's; after both, every layer is what a
/// fresh start on the edited SPEC gives.
#[test]
fn a_forward_edit_answers_before_the_backward_pass() {
    let mut app = stack(THREE, Phase::Forward);
    assert_eq!(app.layer_index(), 0);
    let second = to_stride_2(&mut app, "the backward pass comes in a second answer");
    let frame = text(&ui::render_buffer(&app, 120, 40));
    assert!(frame.contains("FORWARD"), "{frame}");
    assert!(app.pending.is_some(), "the second answer is awaited");
    // A key that reads the gradients waits for them.
    assert_eq!(app.update(Action::Backward), None);
    assert_eq!(app.phase, Phase::Forward);
    assert_eq!(app.update(Action::Computed(Box::new(second.run()))), None);
    assert_eq!(app.phase, Phase::Backward, "the waiting key landed");
    assert_like_a_fresh_start(&app);
}

/// Makes `edit` and takes its first answer, which must ask for a second (`why`: what
/// that one brings): the second answer's job.
fn first_answer(app: &mut App, edit: Action, why: &str) -> convstep::app::Job {
    use convstep::app::Effect;
    let Some(Effect::Compute(first)) = app.update(edit) else {
        panic!("an edit asks for a rebuild");
    };
    match app.update(Action::Computed(Box::new(first.run()))) {
        Some(Effect::Compute(job)) => job,
        other => panic!("{why}: {other:?}"),
    }
}

/// The shown layer's stride from 1 to 2, its first answer taken (the edited layer
/// shown at once): the second answer's job (`why`: what it brings).
fn to_stride_2(app: &mut App, why: &str) -> convstep::app::Job {
    let second = first_answer(app, Action::StrideUp, why);
    assert_eq!(
        app.layer().geom.stride,
        2,
        "the edited layer is shown at once"
    );
    second
}

/// Every layer of `app` (its dout, gradients, touch counts, output, ranges and colour
/// scales) is what a fresh start on its SPEC gives.
fn assert_like_a_fresh_start(app: &App) {
    let fresh = App::new(app.spec.clone(), &StateArgs::default()).expect("fresh start");
    assert_eq!(fresh.layer_count(), app.layer_count());
    for l in 0..app.layer_count() {
        let (a, b) = (app.layer_view(l).unwrap(), fresh.layer_view(l).unwrap());
        assert_eq!(a.scene.dout, b.scene.dout, "layer {l}'s dout");
        assert_eq!(a.full().grads, b.full().grads, "layer {l}'s gradients");
        assert_eq!(a.full().touches, b.full().touches, "layer {l}'s touches");
        assert_eq!(a.out(), b.out(), "layer {l}'s output");
        assert_eq!(a.x_range(), b.x_range(), "layer {l}'s x range");
        assert_eq!(
            a.forward_ranges(),
            b.forward_ranges(),
            "layer {l}'s forward ranges and scales"
        );
        assert_eq!(
            a.backward_ranges(),
            b.backward_ranges(),
            "layer {l}'s backward ranges and scales"
        );
    }
}
