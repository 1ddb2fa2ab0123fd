//! No input, size or sequence of keys makes the stepper panic: every preset at several
//! terminal sizes, in both phases, at the first, a middle and the last step; a batch of
//! images (N = 2) and one channel; a long seeded walk through every action.

use convstep::app::Step;
use convstep::app::keys::TABLE;
use convstep::app::{Action, App, Phase};
use convstep::cmd::InputArgs;
use convstep::cmd::StateArgs;
use convstep::input::{Arrays, SceneSpec, presets};
use convstep::ui::{self, theme::ColorMode};
use rand::{Rng, SeedableRng};
use ratatui::layout::Rect;

use crate::buffer_text::{rows, rows_in};

const SIZES: [(u16, u16); 6] = [
    (60, 16),
    (80, 24),
    (100, 30),
    (120, 40),
    (200, 60),
    (300, 90),
];

fn render_everywhere(app: &App) {
    for (cols, rows) in SIZES {
        let buf = ui::render_buffer(app, cols, rows);
        assert_eq!(buf.area.width, cols);
        // The status line always names the step.
        let top = rows_in(&buf, Rect::new(0, 0, cols, 1)).concat();
        assert!(top.contains(&format!("step {}/", app.step)), "{top}");
        panels_do_not_overlap(app, cols, rows);
    }
}

/// No two panels of the layout share a cell, and each stays on the screen.
pub(crate) fn panels_do_not_overlap(app: &App, cols: u16, rows: u16) {
    let area = ratatui::layout::Rect::new(0, 0, cols, rows);
    if cols < ui::MIN_COLS || rows < ui::MIN_ROWS {
        return;
    }
    let plan = ui::plan(app, area);
    let panels: Vec<(&str, ratatui::layout::Rect)> = [
        ("status", Some(plan.status)),
        ("hint", Some(plan.hint)),
        ("overview", plan.overview.as_ref().map(|p| p.used)),
        ("dout line", plan.dout_line),
        ("input", plan.input.as_ref().map(|p| p.used)),
        ("grads", plan.grads.as_ref().map(|p| p.used)),
        ("touches", plan.touches.as_ref().map(|p| p.used)),
        ("maps", plan.fmap.as_ref().map(|(p, _)| p.used)),
        ("legend", plan.legend),
        ("kernel", plan.kernel),
        ("marks", plan.marks),
        ("zoom", plan.zoom.as_ref().map(|p| p.used)),
        ("equation", Some(plan.equation)),
        ("code", plan.code),
    ]
    .into_iter()
    .filter_map(|(name, r)| r.filter(|r| !r.is_empty()).map(|r| (name, r)))
    .collect();
    for (k, (a, ra)) in panels.iter().enumerate() {
        assert_eq!(
            ra.intersection(area),
            *ra,
            "{a} leaves the {cols}x{rows} screen"
        );
        for (b, rb) in &panels[k + 1..] {
            assert!(
                !ra.intersects(*rb),
                "{a} {ra:?} and {b} {rb:?} overlap at {cols}x{rows}, {:?} step {}",
                app.phase,
                app.step
            );
        }
    }
}

fn start(args: InputArgs, phase: Phase, step: usize) -> App {
    start_with(&args, Arrays::default(), phase, step)
}

/// The stepper on `args` with `arrays` in place of the options they stand for.
fn start_with(args: &InputArgs, arrays: Arrays, phase: Phase, step: usize) -> App {
    let state = StateArgs {
        phase: Some(phase),
        step: Some(Step::At(step)),
        filter: None,
        view: None,
    };
    let spec = SceneSpec::from_options_and_arrays(&args.options(), arrays).unwrap();
    App::new(spec, &state).unwrap()
}

/// x given as an array.
fn x_array(x: ndarray::Array4<f64>) -> Arrays {
    Arrays {
        x: Some(x),
        ..Arrays::default()
    }
}

#[test]
fn every_preset_renders_at_every_size_in_both_phases() {
    for preset in presets() {
        let args = InputArgs {
            preset: Some(preset.name.into()),
            ..Default::default()
        };
        let total = start(args.clone(), Phase::Forward, 1).total_steps();
        for phase in [Phase::Forward, Phase::Backward] {
            for step in [1, total.div_ceil(2), total] {
                let mut app = start(args.clone(), phase, step);
                render_everywhere(&app);
                app.color = ColorMode::None;
                render_everywhere(&app);
                app.color = ColorMode::Ansi256;
                app.apply(Action::Select);
                app.apply(Action::Help);
                render_everywhere(&app);
            }
        }
    }
}

#[test]
fn a_batch_of_two_images_and_a_single_channel_render() {
    let x = ndarray::Array::from_shape_fn((2, 1, 7, 9), |(n, _, h, w)| (n * 63 + h * 9 + w) as f64);
    let args = InputArgs {
        kernel: Some("laplacian".into()),
        stride: Some(2),
        ..Default::default()
    };
    let mut app = start_with(&args, x_array(x), Phase::Backward, 1);
    app.apply(Action::Last);
    assert_eq!(app.pos().n, 1, "the last step is in the second image");
    render_everywhere(&app);
    app.apply(Action::GradCheck);
    let report = app.check.clone().expect("report");
    assert!(
        report.checks.iter().all(|(_, c)| c.rel_error < 1e-7),
        "{report:?}"
    );
    render_everywhere(&app);
}

#[test]
fn a_long_random_walk_through_every_action_never_panics() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let mut app = App::new(
        SceneSpec::from_args(&InputArgs::default()).unwrap(),
        &StateArgs::default(),
    )
    .unwrap();
    let mut actions: Vec<Action> = TABLE.iter().map(|b| b.action.clone()).collect();
    actions.extend([
        Action::Tick,
        Action::SelectCell { row: 0, col: 0 },
        Action::SelectCell {
            row: 10_000,
            col: 3,
        },
        Action::JumpTo { f: 1, i: 3, j: 4 },
        Action::JumpTo { f: 99, i: 0, j: 0 },
    ]);
    for k in 0..600 {
        let action = actions[rng.random_range(0..actions.len())].clone();
        // Gradient checks and size changes cost whole passes; keep the walk quick.
        if matches!(action, Action::GradCheck | Action::SizeUp) && k % 10 != 0 {
            continue;
        }
        app.apply(action.clone());
        let g = app.layer().geom;
        assert!(
            (1..=g.total_steps()).contains(&app.step),
            "after {action:?}"
        );
        if k % 25 == 0 {
            render_everywhere(&app);
        }
    }
}

#[test]
fn many_filters_and_a_large_kernel_render() {
    let args = InputArgs {
        kernel: Some("random".into()),
        filters: Some(40),
        kernel_size: Some(7),
        stride: Some(3),
        ..Default::default()
    };
    for phase in [Phase::Forward, Phase::Backward] {
        let mut app = start(args.clone(), phase, 1);
        render_everywhere(&app);
        app.apply(Action::Last);
        app.apply(Action::Select);
        render_everywhere(&app);
    }
}

fn array_app(x: ndarray::Array4<f64>, kernel: &str, phase: Phase) -> App {
    let args = InputArgs {
        kernel: Some(kernel.into()),
        ..Default::default()
    };
    start_with(&args, x_array(x), phase, 1)
}

#[test]
fn extreme_values_and_shapes_render() {
    let huge = ndarray::Array::from_shape_fn((1, 1, 6, 6), |(_, _, h, w)| match (h + w) % 4 {
        0 => 1e300,
        1 => -1e300,
        2 => f64::NAN,
        _ => 1e-300,
    });
    let tall = ndarray::Array::from_shape_fn((1, 2, 3000, 2), |(_, c, h, w)| (c + h + w) as f64);
    let wide = ndarray::Array::from_shape_fn((1, 1, 1, 5000), |(_, _, _, w)| w as f64);
    for (x, kernel) in [(huge, "laplacian"), (tall, "box"), (wide, "identity")] {
        for phase in [Phase::Forward, Phase::Backward] {
            let mut app = array_app(x.clone(), kernel, phase);
            render_everywhere(&app);
            app.apply(Action::Last);
            app.apply(Action::Select);
            app.apply(Action::GradCheck);
            render_everywhere(&app);
        }
    }
}

#[test]
fn a_kernel_wider_than_any_screen_renders() {
    let x = ndarray::Array::from_shape_fn((1, 2, 4, 1400), |(_, c, h, w)| (c * h + w) as f64);
    let w =
        ndarray::Array::from_shape_fn((1, 2, 2, 1300), |(_, c, m, k)| (c + m + k) as f64 * 1e-3);
    let args = InputArgs {
        pad: Some(0),
        ..Default::default()
    };
    let arrays = Arrays {
        x: Some(x),
        w: Some(w),
        ..Arrays::default()
    };
    for phase in [Phase::Forward, Phase::Backward] {
        let mut app = start_with(&args, arrays.clone(), phase, 1);
        render_everywhere(&app);
        app.apply(Action::Last);
        app.apply(Action::NextTap);
        render_everywhere(&app);
    }
}

/// The kernel panel holds whole numbers only, every tap of every channel of w[f].
fn kernel_numbers_whole(app: &App, cols: u16, rows: u16) {
    let area = ratatui::layout::Rect::new(0, 0, cols, rows);
    let Some(k) = ui::plan(app, area).kernel else {
        return;
    };
    let buf = ui::render_buffer(app, cols, rows);
    let g = app.layer().geom;
    let mut count = 0;
    for line in rows_in(&buf, Rect::new(k.x, k.y + 1, k.width, k.height - 1)) {
        if line.contains("bias") {
            continue;
        }
        // A kernel of integers prints them whole (`1`, `-1`); any other prints three
        // decimals on every tap, so a lone integer among decimals is a cut number.
        let integers = !line.contains('.');
        for t in line.split_whitespace() {
            let t = t.trim_start_matches('*');
            let whole = t.split_once('.').is_some_and(|(_, d)| d.len() == 3)
                || (integers && t.parse::<i64>().is_ok());
            let numeric = t.starts_with(|c: char| c == '-' || c.is_ascii_digit());
            assert!(
                whole || !numeric,
                "a cut number {t:?} in {line:?} at {cols}x{rows}, {:?} step {}",
                app.phase,
                app.step
            );
            count += usize::from(whole);
        }
    }
    assert_eq!(
        count,
        g.c * g.hh * g.ww,
        "every tap of w[{}] at {cols}x{rows}, {:?} step {}",
        app.pos().f,
        app.phase,
        app.step
    );
}

#[test]
fn the_kernel_panel_shows_every_number_whole() {
    for args in [
        InputArgs::default(),
        InputArgs {
            preset: Some("cs231n-demo".into()),
            ..Default::default()
        },
    ] {
        let total = start(args.clone(), Phase::Forward, 1).total_steps();
        for phase in [Phase::Forward, Phase::Backward] {
            for step in (1..=total).step_by(25).chain([total]) {
                let mut app = start(args.clone(), phase, step);
                for color in [ColorMode::TrueColor, ColorMode::None] {
                    app.color = color;
                    for (cols, rows) in [(200, 60), (160, 50), (250, 70)] {
                        kernel_numbers_whole(&app, cols, rows);
                    }
                }
            }
        }
    }
}

#[test]
fn a_kernel_of_wide_numbers_keeps_every_channel_at_200x60() {
    // -25.000 is wider than the -0.000 the layout used to assume: the panel showed R
    // and G and dropped B. Now it stacks the channels where side by side does not fit.
    let row = |a: f64| [-a, 0.0, a];
    let w = ndarray::Array4::from_shape_fn((1, 3, 3, 3), |(_, _, m, k)| {
        row(if m == 1 { 25.0 } else { 12.5 })[k]
    });
    let arrays = Arrays {
        w: Some(w),
        ..Arrays::default()
    };
    let app = start_with(&InputArgs::default(), arrays, Phase::Forward, 21);
    assert!(
        ui::plan(&app, ratatui::layout::Rect::new(0, 0, 200, 60))
            .kernel
            .is_some(),
        "the kernel panel has a place"
    );
    kernel_numbers_whole(&app, 200, 60);
}

/// At 160x48 the backward listing is one column too wide at full indentation: its
/// indentation halves so the executing dx_pad line ends whole, `dout[n, f, i, j]`.
#[test]
fn the_code_listing_halves_its_indent_rather_than_cut_a_line() {
    let spec = SceneSpec::from_args(&InputArgs::default()).unwrap();
    let state = StateArgs {
        phase: Some(Phase::Backward),
        step: Some(Step::At(5)),
        filter: None,
        view: None,
    };
    let mut app = App::new(spec, &state).unwrap();
    app.color = ColorMode::TrueColor;
    let buf = ui::render_buffer(&app, 160, 48);
    let rows = rows(&buf);
    let line = rows
        .iter()
        .find(|row| row.contains("dx_pad[n, :,"))
        .expect("the executing dx_pad line is shown");
    assert!(
        line.trim_end().ends_with("+= w[f] * dout[n, f, i, j]"),
        "{line}"
    );
}
