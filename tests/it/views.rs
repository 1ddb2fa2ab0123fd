//! The other views of the layer (`--view`, `V`): im2col, dx as a transposed
//! convolution, dw per weight. Their numbers are tested in `src/conv`; here: the
//! frames at three sizes, the keys, the command line, and the transposed presets.

use convstep::app::{Action, App, Phase, View};
use convstep::cmd::{InputArgs, StateArgs};
use convstep::input::SceneSpec;
use convstep::ui;

use crate::buffer_text::text;

fn app(preset: &str, view: Option<View>, keys: &[Action]) -> App {
    let args = InputArgs {
        preset: Some(preset.into()),
        ..Default::default()
    };
    let state = StateArgs {
        view,
        ..Default::default()
    };
    let mut app = App::new(SceneSpec::from_args(&args).unwrap(), &state).unwrap();
    for a in keys {
        app.apply(a.clone());
    }
    app
}

fn snap(name: &str, app: &App) {
    for (cols, rows) in [(80, 24), (120, 40), (200, 60)] {
        let buf = ui::render_buffer(app, cols, rows);
        insta::assert_snapshot!(format!("{name}_{cols}x{rows}"), text(&buf));
    }
}

#[test]
fn im2col_forward_frames() {
    let app = app("cs231n-demo", Some(View::Im2col), &vec![Action::Next; 4]);
    let frame = text(&ui::render_buffer(&app, 120, 40));
    assert!(frame.contains("cols 27x9"), "{frame}");
    assert!(frame.contains("= out[0,0,1,1]"), "{frame}");
    snap("im2col_forward", &app);
}

#[test]
fn im2col_backward_frames() {
    let app = app(
        "cs231n-demo",
        Some(View::Im2col),
        &[Action::Backward, Action::Next, Action::Next],
    );
    snap("im2col_backward", &app);
}

#[test]
fn transposed_frames_say_the_gather_equals_the_scatter() {
    let app = app(
        "padding-strides-odd-transposed",
        None,
        &vec![Action::Next; 6],
    );
    assert_eq!(app.view, View::Transposed);
    assert_eq!(app.phase, Phase::Backward);
    assert_eq!(app.dx_pos(), (0, 0, 1, 0));
    let frame = text(&ui::render_buffer(&app, 120, 40));
    assert!(
        frame.contains("o' = s(i'-1) + a + k - 2p = 2(3-1) + 1 + 3 - 2·1 = 6"),
        "{frame}"
    );
    assert!(frame.contains("the same"), "{frame}");
    snap("transposed", &app);
}

#[test]
fn dw_frames_and_a_click_on_the_kernel_picks_the_weight() {
    let app = app("cs231n-demo", Some(View::Dw), &vec![Action::NextTap; 4]);
    assert_eq!(app.tap, Some((0, 1, 1)));
    let frame = text(&ui::render_buffer(&app, 120, 40));
    assert!(frame.contains("dw[0,0,1,1] = Σ of 9 dout·x"), "{frame}");
    snap("dw", &app);
    // A click on every cell of the kernel panel's first grid finds its tap.
    let area = ratatui::layout::Rect::new(0, 0, 120, 40);
    let mut found = std::collections::BTreeSet::new();
    for y in 0..40 {
        for x in 0..40 {
            if let Some(Action::SelectTap { c, m, k }) = ui::hit_test(&app, area, x, y) {
                found.insert((c, m, k));
            }
        }
    }
    assert_eq!(found.len(), 27, "{found:?}");
}

#[test]
fn v_cycles_the_views_and_f_leaves_the_backward_ones() {
    let mut app = app("cs231n-demo", Some(View::Steps), &[]);
    let mut seen = Vec::new();
    for _ in 0..4 {
        app.apply(Action::CycleView);
        seen.push(app.view);
    }
    assert_eq!(
        seen,
        [View::Im2col, View::Transposed, View::Dw, View::Steps]
    );
    app.apply(Action::CycleView);
    app.apply(Action::CycleView);
    assert_eq!((app.view, app.phase), (View::Transposed, Phase::Backward));
    let step = app.step;
    app.apply(Action::Last);
    assert_eq!(
        app.dx_cell, 74,
        "the step keys walk dx (3x5x5) in this view"
    );
    assert_eq!(app.step, step);
    app.apply(Action::Forward);
    assert_eq!((app.view, app.phase), (View::Steps, Phase::Forward));
}

#[test]
fn the_transposed_presets_have_conv_arithmetics_sizes() {
    // (name, dout side i', dx side o')
    let figures = [
        ("no-padding-no-strides-transposed", 2, 4),
        ("arbitrary-padding-no-strides-transposed", 6, 5),
        ("same-padding-no-strides-transposed", 5, 5),
        ("full-padding-no-strides-transposed", 7, 5),
        ("no-padding-strides-transposed", 2, 5),
        ("padding-strides-transposed", 3, 5),
        ("padding-strides-odd-transposed", 3, 6),
    ];
    for (name, i, o) in figures {
        let app = app(name, None, &[]);
        assert_eq!(app.view, View::Transposed, "{name}");
        assert_eq!(app.scene.dout.dim(), (1, 1, i, i), "{name}");
        assert_eq!(app.full().grads.dx.dim(), (1, 1, o, o), "{name}");
    }
}

#[test]
fn shot_takes_every_view_and_refuses_an_unknown_one() {
    let dir = tempfile::tempdir().unwrap();
    for view in ["steps", "im2col", "transposed", "dw"] {
        let out = dir.path().join(format!("{view}.txt"));
        assert_cmd::Command::cargo_bin("convstep")
            .unwrap()
            .args(["shot", "--preset", "cs231n-demo", "--view", view, "-o"])
            .arg(&out)
            .assert()
            .success();
        assert!(std::fs::metadata(&out).unwrap().len() > 0);
    }
    let out = dir.path().join("x.txt");
    let assert = assert_cmd::Command::cargo_bin("convstep")
        .unwrap()
        .args([
            "shot",
            "--preset",
            "cs231n-demo",
            "--view",
            "sideways",
            "-o",
        ])
        .arg(&out)
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("convstep: error: --view"), "{err}");
    assert!(!out.exists());
}
