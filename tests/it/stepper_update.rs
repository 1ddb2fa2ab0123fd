//! The stepper's update: every key of the key table in both phases at the first and
//! the last step, live parameter edits, selection, gradient check and start states.

use convstep::app::Step;
use convstep::app::keys::{self, TABLE};
use convstep::app::{Action, App, Effect, Phase, View};
use convstep::cmd::InputArgs;
use convstep::cmd::StateArgs;
use convstep::conv::OutPos;
use convstep::input::SceneSpec;

fn spec(preset: &str) -> SceneSpec {
    SceneSpec::from_args(&InputArgs {
        preset: Some(preset.into()),
        ..Default::default()
    })
    .expect("preset loads")
}

/// CS231n's notes demo: 5x5x3, pad 1, stride 2, two 3x3x3 filters: 2 x 3 x 3 = 18 steps.
fn demo(phase: Phase, step: usize) -> App {
    let state = StateArgs {
        phase: Some(phase),
        step: Some(Step::At(step)),
        filter: None,
        view: None,
    };
    App::new(spec("cs231n-demo"), &state).expect("demo builds")
}

/// What every state must satisfy, whatever happened before.
fn check_invariants(app: &App) {
    let g = app.layer().geom;
    assert!((1..=g.total_steps()).contains(&app.step));
    assert_eq!(Some(app.fwd.pos), g.position(app.step));
    assert_eq!(app.fwd.step, app.step);
    assert_eq!(app.bwd.is_some(), app.phase == Phase::Backward);
    if let Some((b, after)) = &app.bwd {
        assert_eq!(b.step, app.step);
        assert_eq!(after.steps_done, app.step);
    }
    let out = app.out()[[app.fwd.pos.n, app.fwd.pos.f, app.fwd.pos.i, app.fwd.pos.j]];
    assert!((out - app.fwd.out).abs() < 1e-12);
}

fn pos_of(app: &App) -> (usize, usize, usize) {
    let p = app.pos();
    (p.f, p.i, p.j)
}

/// The expected (f, i, j) after `action` from the first or the last step of the demo
/// (out 3x3, 2 filters); None where the action does not move.
fn expected_pos(action: Action, at_last: bool) -> Option<(usize, usize, usize)> {
    use Action::*;
    let (first, last) = ((0, 0, 0), (1, 2, 2));
    let here = if at_last { last } else { first };
    Some(match action {
        Next => {
            if at_last {
                last
            } else {
                (0, 0, 1)
            }
        }
        Prev => {
            if at_last {
                (1, 2, 1)
            } else {
                first
            }
        }
        RowDown => {
            if at_last {
                last
            } else {
                (0, 1, 0)
            }
        }
        RowUp => {
            if at_last {
                (1, 1, 2)
            } else {
                first
            }
        }
        First => first,
        // The input layer's presets decide how many filters the next kernel has.
        KernelNext | KernelPrev => return None,
        // Play at the end starts over.
        PlayPause => first,
        Last => last,
        NextFilter | PrevFilter => (1 - here.0, here.1, here.2),
        // stride 3 gives a 2x2 map: the last cell (1,2,2) clamps to (1,1,1).
        StrideUp => {
            if at_last {
                (1, 1, 1)
            } else {
                first
            }
        }
        // stride 1 gives 5x5: (1,2,2) still exists.
        StrideDown => here,
        // pad 2: (5 + 4 - 3) / 2 + 1 = 4; pad 0: (5 - 3) / 2 + 1 = 2, clamps.
        PadUp => here,
        PadDown => {
            if at_last {
                (1, 1, 1)
            } else {
                first
            }
        }
        // dilation 2: (7 - 5) / 2 + 1 = 2, clamps.
        DilationUp => {
            if at_last {
                (1, 1, 1)
            } else {
                first
            }
        }
        _ => here,
    })
}

#[test]
fn every_key_in_every_phase_at_the_first_and_last_step() {
    for phase in [Phase::Forward, Phase::Backward] {
        for at_last in [false, true] {
            for binding in TABLE {
                for key in binding.keys {
                    let mut app = demo(phase, if at_last { 18 } else { 1 });
                    let before = app.clone();
                    let action = keys::action_named(key.name).expect("named key");
                    assert_eq!(action, binding.action);
                    let effect = app.apply(action.clone());
                    let context = format!("key {} in {phase:?} at_last={at_last}", key.name);
                    check_invariants(&app);
                    if let Some(want) = expected_pos(action.clone(), at_last) {
                        assert_eq!(pos_of(&app), want, "{context}");
                    }
                    check_effect(action, effect, &before, &app, &context);
                }
            }
        }
    }
}

fn check_effect(action: Action, effect: Option<Effect>, before: &App, app: &App, context: &str) {
    use Action::*;
    let g = app.layer().geom;
    match action {
        Forward => assert_eq!(app.phase, Phase::Forward, "{context}"),
        Backward => assert_eq!(app.phase, Phase::Backward, "{context}"),
        PlayPause => {
            assert!(app.playing, "{context}");
            if before.step == before.total_steps() {
                assert_eq!(app.step, 1, "play at the end starts over: {context}");
            }
        }
        Slower => assert!(app.tick_ms() > before.tick_ms(), "{context}"),
        Faster => assert!(app.tick_ms() < before.tick_ms(), "{context}"),
        Help => assert!(app.help, "{context}"),
        HelpPage => assert!(app.help && app.help_page == 0, "opens the help: {context}"),
        Quit => assert_eq!(effect, Some(Effect::Quit), "{context}"),
        Screenshot => assert!(
            matches!(effect, Some(Effect::Screenshot { .. })),
            "{context}"
        ),
        ToggleTouches => assert!(app.show_touches, "{context}"),
        NextTap => assert_eq!(app.tap, Some((0, 0, 0)), "{context}"),
        StrideUp => assert_eq!((g.stride, g.h_out), (3, 2), "{context}"),
        StrideDown => assert_eq!((g.stride, g.h_out), (1, 5), "{context}"),
        PadUp => assert_eq!((g.pad, g.h_out), (2, 4), "{context}"),
        PadDown => assert_eq!((g.pad, g.h_out), (0, 2), "{context}"),
        DilationUp => assert_eq!((g.dilation, g.h_out), (2, 2), "{context}"),
        DilationDown => {
            assert_eq!(g.dilation, 1, "{context}");
            let m = app.message.as_ref().expect("a message");
            assert!(
                m.error && m.text.contains("dilation cannot go lower than 1"),
                "{context}"
            );
        }
        SizeUp | SizeDown => {
            assert!(app.message.as_ref().is_some_and(|m| m.error), "{context}");
            assert_eq!(app.layer().geom, before.layer().geom, "{context}");
        }
        KernelNext | KernelPrev => assert!(app.message.is_some(), "{context}"),
        Select => {
            let w = &before.fwd.window;
            assert_eq!(app.selection, Some((w.rows[1], w.cols[1])), "{context}");
            let p = app.pos();
            assert!(app.feeds.contains(&(p.i, p.j)), "{context}");
        }
        SelectLeft | SelectRight | SelectUp | SelectDown => {
            assert!(app.selection.is_some(), "{context}")
        }
        GradCheck => {
            let report = app.check.as_ref().expect("a report");
            // dw[f, :, 1, 1] for each channel and db[f].
            assert_eq!(report.checks.len(), 4, "{context}");
            for (label, check) in &report.checks {
                assert!(check.rel_error < 1e-7, "{label}: {check:?}");
            }
        }
        _ => {}
    }
}

#[test]
fn the_demo_s_first_output_is_its_hand_worked_sum() {
    let app = demo(Phase::Forward, 1);
    let s = &app.fwd;
    let by_hand: f64 = s.partial.iter().sum::<f64>() + s.bias;
    assert_eq!(s.bias, 1.0);
    assert!((s.out - by_hand).abs() < 1e-12);
    // The corner window reads the padding ring: its first row and column are zeros.
    assert!(s.window.is_pad(0, 0));
    assert!(
        s.x_window
            .index_axis(ndarray::Axis(1), 0)
            .iter()
            .all(|&v| v == 0.0)
    );
}

#[test]
fn backward_at_the_last_step_holds_the_full_gradients() {
    let app = demo(Phase::Backward, 18);
    let (_, after) = app.bwd.as_ref().expect("backward");
    assert_eq!(after.grads, app.full().grads);
    // dout is random by default: db[f] sums filter f's dout.
    let dout = &app.scene.dout;
    for f in 0..2 {
        let sum: f64 = dout.slice(ndarray::s![.., f, .., ..]).sum();
        assert!((after.grads.db[f] - sum).abs() < 1e-12);
    }
    assert!(
        dout.iter().all(|v| *v != 1.0),
        "the default dout is not ones"
    );
    // With --dout ones, db[f] counts the windows of filter f.
    let ones = SceneSpec::from_args(&InputArgs {
        preset: Some("cs231n-demo".into()),
        dout: Some("ones".into()),
        ..Default::default()
    })
    .unwrap();
    let state = StateArgs {
        phase: Some(Phase::Backward),
        step: Some(Step::At(18)),
        filter: None,
        view: None,
    };
    let app = App::new(ones, &state).unwrap();
    assert_eq!(app.bwd.unwrap().1.grads.db.to_vec(), vec![9.0, 9.0]);
}

#[test]
fn an_invalid_edit_keeps_the_previous_state_and_says_why() {
    // The demo (5x5, pad 1) at dilation 3: the kernel spans 7 cells, the padded input 7.
    let spec = SceneSpec::from_args(&InputArgs {
        preset: Some("cs231n-demo".into()),
        dilation: Some(3),
        ..Default::default()
    })
    .expect("dilation 3 fits pad 1");
    let mut app = App::new(spec, &StateArgs::default()).unwrap();
    app.apply(Action::PadDown);
    // pad 0 leaves 5 cells for a reach of 7: refused, the state stays.
    let g = app.layer().geom;
    assert_eq!((g.pad, g.dilation), (1, 3));
    let m = app.message.clone().expect("message");
    assert!(m.error, "{m:?}");
    assert!(m.text.contains("larger than the padded input"), "{m:?}");
    check_invariants(&app);
}

fn photo() -> App {
    // The bundled photo at size 16: x 11x16, sobel 3x3, pad 1, stride 1.
    App::new(
        SceneSpec::from_args(&InputArgs {
            size: Some("16".into()),
            ..InputArgs::default()
        })
        .unwrap(),
        &StateArgs::default(),
    )
    .unwrap()
}

fn error_text(app: &App) -> String {
    let m = app.message.clone().expect("a message");
    assert!(m.error, "{m:?}");
    m.text
}

#[test]
fn the_pad_key_stops_at_full_padding() {
    let mut app = photo();
    for _ in 0..10 {
        app.apply(Action::PadUp);
    }
    // Full padding for a 3x3 kernel at dilation 1: 1 * (3 - 1) = 2.
    assert_eq!(app.layer().geom.pad, 2);
    assert_eq!(
        error_text(&app),
        "pad stops at 2 = dilation*(K-1), full padding: more only adds windows of padding"
    );
    check_invariants(&app);
    // A wider kernel reaches further: at dilation 2 full padding is 4.
    app.apply(Action::DilationUp);
    for _ in 0..10 {
        app.apply(Action::PadUp);
    }
    assert_eq!(app.layer().geom.pad, 4);
    // Going down is never refused.
    app.apply(Action::PadDown);
    assert_eq!(app.layer().geom.pad, 3);
}

#[test]
fn dilation_and_pad_keys_together_stay_bounded() {
    // Each dilation makes room for more pad and more pad for more dilation: both stop.
    let mut app = photo();
    for _ in 0..40 {
        app.apply(Action::DilationUp);
        app.apply(Action::PadUp);
        app.apply(Action::PadUp);
    }
    let g = app.layer().geom;
    // Dilation 7 spans 7 * 2 + 1 = 15 cells of x's 16; dilation 8 would span 17.
    assert_eq!((g.dilation, g.pad), (7, 14));
    app.apply(Action::DilationUp);
    assert_eq!(
        error_text(&app),
        "dilation stops at 7: at 8 the kernel would span 17 cells, more than x's 16"
    );
    assert_eq!(app.layer().geom.dilation, 7);
    check_invariants(&app);
}

#[test]
fn the_stride_key_stops_at_a_one_by_one_output() {
    let mut app = demo(Phase::Backward, 1);
    for _ in 0..10 {
        app.apply(Action::StrideUp);
    }
    // Padded 7, kernel 3: stride 5 gives floor(4 / 5) + 1 = 1 output per side.
    let g = app.layer().geom;
    assert_eq!((g.stride, g.h_out, g.w_out), (5, 1, 1));
    assert_eq!(
        error_text(&app),
        "stride stops at 5: the output is already 1x1"
    );
    check_invariants(&app);
}

#[test]
fn a_one_by_one_kernel_keeps_its_dilation() {
    let spec = SceneSpec::from_args(&InputArgs {
        kernel: Some("random".into()),
        kernel_size: Some(1),
        pad: Some(0),
        ..Default::default()
    })
    .unwrap();
    let mut app = App::new(spec, &StateArgs::default()).unwrap();
    app.apply(Action::DilationUp);
    app.apply(Action::PadUp);
    let g = app.layer().geom;
    assert_eq!((g.dilation, g.pad), (1, 0));
    check_invariants(&app);
}

#[test]
fn the_size_keys_stop_at_the_ends_of_the_ladder() {
    let mut app = photo();
    for _ in 0..20 {
        app.apply(Action::SizeUp);
    }
    assert_eq!(app.spec.size_label().as_deref(), Some("full"));
    assert_eq!((app.layer().geom.h, app.layer().geom.w), (300, 451));
    assert!(error_text(&app).contains("is the largest"));
    for _ in 0..20 {
        app.apply(Action::SizeDown);
    }
    assert_eq!(app.spec.size_label().as_deref(), Some("8"));
    assert!(error_text(&app).contains("is the smallest"));
}

#[test]
fn selecting_a_cell_marks_every_output_it_feeds() {
    let mut app = demo(Phase::Forward, 1);
    // Padded cell (2, 2) is x[.., 1, 1]: read by windows starting at rows/cols 0 and 2.
    app.apply(Action::SelectCell { row: 2, col: 2 });
    let mut feeds = app.feeds.clone();
    feeds.sort();
    assert_eq!(feeds, vec![(0, 0), (0, 1), (1, 0), (1, 1)]);
    app.apply(Action::GradCheck);
    let report = app.check.clone().expect("report");
    assert_eq!(report.what, "dx[0,:,1,1]");
    assert!(report.checks.iter().all(|(_, c)| c.rel_error < 1e-7));
    // Padding has no dx entry.
    app.apply(Action::SelectCell { row: 0, col: 0 });
    app.apply(Action::GradCheck);
    assert!(app.check.is_none());
    assert!(
        app.message
            .as_ref()
            .is_some_and(|m| m.error && m.text.contains("padding"))
    );
}

#[test]
fn a_click_on_an_output_jumps_to_its_step() {
    let mut app = demo(Phase::Forward, 1);
    app.apply(Action::JumpTo { f: 1, i: 2, j: 0 });
    assert_eq!(app.step, 9 + 6 + 1);
    app.apply(Action::JumpTo { f: 5, i: 0, j: 0 });
    assert_eq!(app.step, 16, "an output outside the map changes nothing");
}

#[test]
fn play_ticks_until_the_last_step_then_stops() {
    let mut app = demo(Phase::Forward, 17);
    app.apply(Action::Tick);
    assert_eq!(app.step, 17, "ticks do nothing while paused");
    app.apply(Action::PlayPause);
    app.apply(Action::Tick);
    assert_eq!(app.step, 18);
    app.apply(Action::Tick);
    assert!(!app.playing);
}

#[test]
fn start_state_options_are_checked() {
    let state = |step, filter| StateArgs {
        phase: None,
        step,
        filter,
        view: None,
    };
    let err = App::new(spec("cs231n-demo"), &state(Some(Step::At(19)), None)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "--step 19 is out of range: this layer has 18 steps (1..=18)"
    );
    let err = App::new(spec("cs231n-demo"), &state(Some(Step::At(0)), None)).unwrap_err();
    assert!(err.to_string().contains("--step 0 is out of range"));
    let err = App::new(spec("cs231n-demo"), &state(None, Some(2))).unwrap_err();
    assert_eq!(
        err.to_string(),
        "--filter 2 is out of range: this layer has 2 filter(s) (0..=1)"
    );
    let app = App::new(spec("cs231n-demo"), &state(Some(Step::At(5)), Some(1))).unwrap();
    assert_eq!(
        app.pos(),
        OutPos {
            n: 0,
            f: 1,
            i: 1,
            j: 1
        }
    );
}

#[test]
fn jumping_to_the_last_step_of_a_large_layer_is_direct() {
    // 64x64 input, 8 filters: the last step is reached without replaying the others;
    // the state equals the whole-array result.
    let args = InputArgs {
        size: Some("64".into()),
        kernel: Some("random".into()),
        filters: Some(8),
        ..Default::default()
    };
    let mut app = App::new(SceneSpec::from_args(&args).unwrap(), &StateArgs::default()).unwrap();
    app.apply(Action::Backward);
    app.apply(Action::Last);
    assert_eq!(app.layer().geom.f, 8);
    let (_, after) = app.bwd.as_ref().unwrap();
    assert_eq!(after.grads, app.full().grads);
}

#[test]
fn the_docs_list_every_key_of_the_table() {
    let doc =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/stepper.md")).unwrap();
    let section = doc
        .split("## Keys")
        .nth(1)
        .expect("docs/stepper.md has a Keys section")
        .split("\n## ")
        .next()
        .unwrap();
    for binding in TABLE {
        let keys: Vec<String> = binding
            .keys
            .iter()
            .map(|k| format!("`{}`", k.name))
            .collect();
        let row = format!(
            "| {} | {}",
            keys.join(" "),
            convstep::i18n::Lang::En.t(binding.help)
        );
        assert!(
            section.contains(&row),
            "docs/stepper.md lacks the row {row:?}"
        );
    }
}

#[test]
fn the_chosen_w_entry_is_the_one_checked() {
    let mut app = demo(Phase::Forward, 1);
    // 3 channels x 3 x 3 entries: the 28th press is back to none.
    for _ in 0..5 {
        app.apply(Action::NextTap);
    }
    assert_eq!(app.tap, Some((0, 1, 1)));
    app.apply(Action::GradCheck);
    let report = app.check.clone().expect("report");
    assert_eq!(report.what, "dw[0,0,1,1] and db[0]");
    assert_eq!(report.checks.len(), 2);
    assert!(report.checks.iter().all(|(_, c)| c.rel_error < 1e-7));
    for _ in 5..28 {
        app.apply(Action::NextTap);
    }
    assert_eq!(app.tap, None);
    app.apply(Action::SelectTap { c: 2, m: 2, k: 0 });
    assert_eq!(app.tap, Some((2, 2, 0)));
    app.apply(Action::SelectTap { c: 3, m: 0, k: 0 });
    assert_eq!(app.tap, Some((2, 2, 0)), "outside w: unchanged");
}

#[test]
fn a_new_working_size_keeps_the_output_position() {
    let mut app = App::new(
        SceneSpec::from_args(&InputArgs {
            size: Some("16".into()),
            ..InputArgs::default()
        })
        .unwrap(),
        &StateArgs::default(),
    )
    .unwrap();
    app.apply(Action::JumpTo { f: 1, i: 5, j: 7 });
    app.apply(Action::SizeUp);
    let g = app.layer().geom;
    assert_eq!((g.h, g.w), (16, 24), "16 px longest side becomes 24");
    assert_eq!(
        app.pos(),
        OutPos {
            n: 0,
            f: 1,
            i: 5,
            j: 7
        }
    );
    assert_eq!(app.message.as_ref().unwrap().text, "size 24: output 16x24");
    // Down the ladder 24, 16, 12, 8: at 8 px (5, 7) is past the last row and clamps.
    for _ in 0..3 {
        app.apply(Action::SizeDown);
    }
    let g = app.layer().geom;
    assert_eq!((g.h_out, g.w_out), (5, 8));
    assert_eq!(
        app.pos(),
        OutPos {
            n: 0,
            f: 1,
            i: 4,
            j: 7
        }
    );
}

/// The selected padded cell, as (row, col) of x (negative: the padding ring).
fn selected_in_x(app: &App) -> Option<(isize, isize)> {
    let pad = app.layer().geom.pad as isize;
    app.selection
        .map(|(r, c)| (r as isize - pad, c as isize - pad))
}

#[test]
fn the_selection_stays_on_its_cell_of_x_through_pad_stride_and_dilation() {
    // same-padding: 5x5, 3x3 kernel, pad 1. `x` at step 1 selects the window's centre,
    // padded (1, 1) = x[.., 0, 0].
    let mut app = App::new(spec("same-padding"), &StateArgs::default()).unwrap();
    app.apply(Action::Select);
    assert_eq!(app.selection, Some((1, 1)));
    app.apply(Action::PadUp);
    assert_eq!(app.layer().geom.pad, 2);
    assert_eq!(app.selection, Some((2, 2)), "still x[.., 0, 0]");
    assert_eq!(selected_in_x(&app), Some((0, 0)));
    // The check is of dx at x[0, :, 0, 0], not of a padding cell.
    app.apply(Action::GradCheck);
    let report = app.check.clone().expect("a report, not a padding error");
    assert_eq!(report.what, "dx[0,:,0,0]");
    let before = app.feeds.clone();
    for action in [
        Action::StrideUp,
        Action::DilationUp,
        Action::PadDown,
        Action::StrideDown,
        Action::DilationDown,
        Action::PadDown,
    ] {
        app.apply(action.clone());
        assert_eq!(selected_in_x(&app), Some((0, 0)), "after {action:?}");
        let g = app.layer().geom;
        let (r, c) = app.selection.unwrap();
        let mut feeds = app.feeds.clone();
        feeds.sort();
        let mut want = g.outputs_reading(r, c);
        want.sort();
        assert_eq!(
            feeds, want,
            "the feeds follow the selection after {action:?}"
        );
    }
    assert_eq!(app.layer().geom.pad, 0);
    assert_ne!(app.feeds, before, "with pad 0 x[0,0] feeds fewer outputs");
}

#[test]
fn a_selected_padding_cell_follows_while_its_ring_exists_then_clears_with_a_message() {
    // full-padding: pad 2; step 1's window centre is padded (1, 1), x's ring -1.
    let mut app = App::new(spec("full-padding"), &StateArgs::default()).unwrap();
    app.apply(Action::Select);
    assert_eq!(selected_in_x(&app), Some((-1, -1)));
    app.apply(Action::PadDown);
    assert_eq!(app.layer().geom.pad, 1);
    assert_eq!(app.selection, Some((0, 0)), "ring -1 is row 0 at pad 1");
    app.apply(Action::PadDown);
    assert_eq!(app.layer().geom.pad, 0);
    assert_eq!(app.selection, None);
    assert!(app.feeds.is_empty());
    let m = app.message.clone().expect("a message");
    assert!(!m.error, "the edit itself worked: {m:?}");
    assert_eq!(
        m.text,
        "pad 0: output 3x3; the padding cell (-1,-1) is gone (pad is now 0): selection cleared"
    );
}

#[test]
fn a_smaller_size_keeps_the_selected_cell_or_clears_it_with_a_message() {
    let mut app = photo();
    let g = app.layer().geom;
    // x[.., 2, 3] exists at every working size.
    app.apply(Action::SelectCell {
        row: g.pad + 2,
        col: g.pad + 3,
    });
    app.apply(Action::SizeDown);
    assert_eq!(selected_in_x(&app), Some((2, 3)));
    app.apply(Action::SizeUp);
    app.apply(Action::SizeUp);
    assert_eq!(selected_in_x(&app), Some((2, 3)));
    // The last cell of x, then a smaller x: gone.
    let g = app.layer().geom;
    let (h, w) = (g.h - 1, g.w - 1);
    app.apply(Action::SelectCell {
        row: g.pad + h,
        col: g.pad + w,
    });
    app.apply(Action::SizeDown);
    let g = app.layer().geom;
    assert_eq!(app.selection, None);
    let m = app.message.clone().expect("a message");
    assert!(
        m.text.ends_with(&format!(
            "; x cell ({h},{w}) is gone (x is now {}x{}): selection cleared",
            g.h, g.w
        )),
        "{m:?}"
    );
    // A refused edit keeps the selection where it was.
    app.apply(Action::SelectCell { row: 1, col: 1 });
    let kept = app.selection;
    for _ in 0..6 {
        app.apply(Action::SizeDown);
    }
    assert!(app.message.as_ref().unwrap().error);
    assert_eq!(selected_in_x(&app).map(|_| ()), kept.map(|_| ()));
    assert_eq!(app.selection, kept);
}

/// Drives `app` as the terminal loop does: each key's effect is held (the rebuild runs
/// off the loop) while the next keys arrive, then the answers come back oldest first.
/// Returns the effects that were not computations.
fn typed_fast(app: &mut App, script: &str) -> Vec<Effect> {
    let mut jobs = Vec::new();
    let mut others = Vec::new();
    for action in keys::script_keys(script).expect("script parses") {
        match app.update(action) {
            Some(Effect::Compute(job)) => jobs.push(job),
            Some(other) => others.push(other),
            None => {}
        }
    }
    // Answers can start more work (a key that waited may edit the parameters again).
    while !jobs.is_empty() {
        let answers: Vec<_> = jobs.drain(..).map(|job| job.run()).collect();
        for done in answers {
            match app.update(Action::Computed(Box::new(done))) {
                Some(Effect::Compute(job)) => jobs.push(job),
                Some(other) => others.push(other),
                None => {}
            }
        }
    }
    others
}

/// Issue 22, item 8: `D` (dilation 2) then `d x` at once selected the centre of the old
/// dilation-2 window and `c` checked that cell; a key that reads the scene's geometry
/// waits for the rebuild it follows, so a fast typist gets what a key script gets.
#[test]
fn keys_typed_during_a_rebuild_land_on_the_new_scene() {
    for script in [
        "D d x",
        "D d x c",
        "D x d L L",
        "D l l x D J",
        "+ > x - c",
        "D j j G D g",
        "w x w K",
    ] {
        let mut slow = demo(Phase::Forward, 5);
        for action in keys::script_keys(script).unwrap() {
            slow.apply(action);
        }
        let mut fast = demo(Phase::Forward, 5);
        typed_fast(&mut fast, script);
        assert!(fast.pending.is_none(), "{script}: still computing");
        assert!(fast.deferred.is_empty(), "{script}: keys left waiting");
        assert_eq!(fast.spec.params, slow.spec.params, "{script}");
        assert_eq!(fast.step, slow.step, "{script}");
        assert_eq!(fast.selection, slow.selection, "{script}");
        assert_eq!(fast.feeds, slow.feeds, "{script}");
        assert_eq!(fast.check, slow.check, "{script}");
        check_invariants(&fast);
    }
}

/// While a rebuild runs, quit and the help answer at once; a storm of edits keeps one
/// rebuild asked for (each supersedes the one before), with nothing left waiting.
#[test]
fn quit_does_not_wait_and_edits_supersede_without_queuing() {
    let mut app = demo(Phase::Forward, 1);
    assert!(matches!(
        app.update(Action::DilationUp),
        Some(Effect::Compute(_))
    ));
    assert_eq!(app.update(Action::Help), None);
    assert!(app.help);
    assert_eq!(app.update(Action::Quit), None, "q closes the help first");
    assert_eq!(app.update(Action::Quit), Some(Effect::Quit));
    for _ in 0..100 {
        assert!(matches!(
            app.update(Action::PadUp),
            Some(Effect::Compute(_)) | None
        ));
        assert!(matches!(
            app.update(Action::PadDown),
            Some(Effect::Compute(_)) | None
        ));
    }
    assert!(app.deferred.is_empty());
}

/// The cs231n demo in `phase` and `view` after a stride change (2 -> 3), its job's
/// answer taken.
fn stride_up_answered(phase: Phase, view: View) -> App {
    let state = StateArgs {
        phase: Some(phase),
        step: Some(Step::At(1)),
        filter: None,
        view: Some(view),
    };
    let mut app = App::new(spec("cs231n-demo"), &state).expect("demo builds");
    assert_eq!(app.view, view);
    let Some(Effect::Compute(job)) = app.update(Action::StrideUp) else {
        panic!("a stride change asks for a rebuild");
    };
    app.update(Action::Computed(Box::new(job.run())));
    assert_eq!(app.layer().geom.stride, 3, "the demo's stride 2, up one");
    app
}

/// A parameter change in the backward phase answers without the forward pass, and
/// the backward phase's frames (at three sizes, in every view) never ask for it; the
/// forward phase's first frame does, and shows the new layer's output.
#[test]
fn the_backward_phase_draws_without_the_forward_pass() {
    for view in [View::Steps, View::Im2col, View::Transposed, View::Dw] {
        let mut app = stride_up_answered(Phase::Backward, view);
        assert!(!app.has_forward(), "the answer computed the forward pass");
        for (cols, rows) in [(80, 24), (120, 40), (200, 60)] {
            let _ = convstep::ui::render_buffer(&app, cols, rows);
            assert!(
                !app.has_forward(),
                "the {cols}x{rows} backward frame of {view:?} asked for it"
            );
        }
        app.apply(Action::Forward);
        assert_eq!(app.phase, Phase::Forward);
        let _ = convstep::ui::render_buffer(&app, 120, 40);
        assert!(app.has_forward());
        assert_eq!(*app.out(), convstep::conv::forward(&app.scene.layer));
    }
}

/// A parameter change in the forward phase answers without the backward pass, and
/// the forward phase's frames (at three sizes, first and last step, in both its
/// views) never ask for it; the backward phase's first frame does, and shows the new
/// layer's gradients.
#[test]
fn the_forward_phase_draws_without_the_backward_pass() {
    for view in [View::Steps, View::Im2col] {
        let mut app = stride_up_answered(Phase::Forward, view);
        assert!(!app.has_backward(), "the answer computed the backward pass");
        for jump in [Action::First, Action::Last] {
            app.apply(jump);
            for (cols, rows) in [(80, 24), (120, 40), (200, 60)] {
                let _ = convstep::ui::render_buffer(&app, cols, rows);
                assert!(
                    !app.has_backward(),
                    "the {cols}x{rows} forward frame of {view:?} asked for it"
                );
            }
        }
        app.apply(Action::Backward);
        assert_eq!(app.phase, Phase::Backward);
        let _ = convstep::ui::render_buffer(&app, 120, 40);
        assert!(app.has_backward());
        let layer = &app.scene.layer;
        let full = layer.backward_after(&app.scene.dout, layer.geom.total_steps());
        assert_eq!(*app.full(), full.unwrap(), "the new layer's backward pass");
    }
}
