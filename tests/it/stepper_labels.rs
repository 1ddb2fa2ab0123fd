//! Labels true at every size: the code listing never cuts a line it executes (with a
//! dilation too, at 120x40 and 140x45 where it used to), one name per kernel in a
//! frame, and the tour's listing is the stepper's.

use convstep::app::Step;
use convstep::app::{App, Phase};
use convstep::cmd::InputArgs;
use convstep::cmd::StateArgs;
use convstep::input::{SceneSpec, presets};
use convstep::ui::{self, code};
use ratatui::layout::Rect;

use crate::buffer_text::rows_in;

fn app(args: InputArgs, phase: Phase, step: usize) -> App {
    let state = StateArgs {
        phase: Some(phase),
        step: Some(Step::At(step)),
        filter: None,
        view: Some(convstep::app::View::Steps),
    };
    App::new(SceneSpec::from_args(&args).unwrap(), &state).unwrap()
}

/// Without spaces and the `\` of a continued line.
fn flat(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && *c != '\\')
        .collect()
}

#[test]
fn the_code_panel_never_cuts_a_line_it_executes() {
    let mut cases: Vec<InputArgs> = presets::presets()
        .iter()
        .map(|p| InputArgs {
            preset: Some(p.name.into()),
            ..Default::default()
        })
        .collect();
    cases.push(InputArgs {
        dilation: Some(2),
        ..Default::default()
    });
    let mut checked = 0;
    for args in cases {
        for phase in [Phase::Forward, Phase::Backward] {
            let first = app(args.clone(), phase, 1);
            let last_step = first.total_steps();
            for step in [1, last_step] {
                let app = app(args.clone(), phase, step);
                for (cols, rows) in [(120, 40), (140, 45), (100, 30), (160, 48), (200, 60)] {
                    let area = Rect::new(0, 0, cols, rows);
                    let Some(rect) = ui::plan(&app, area).code else {
                        continue;
                    };
                    let buf = ui::render_buffer(&app, cols, rows);
                    let shown = rows_in(&buf, rect);
                    // The marked rows, joined, hold every executing line whole.
                    let marked: String = shown
                        .iter()
                        .filter_map(|l| l.split_once('▶').map(|(_, code)| flat(code)))
                        .collect();
                    let g = app.layer().geom;
                    let listing = code::listing(phase, g.dilation, true, step == last_step);
                    let want: String = listing
                        .iter()
                        .filter(|l| l.executing)
                        .map(|l| flat(&l.text))
                        .collect();
                    assert_eq!(
                        marked,
                        want,
                        "{:?} {phase:?} step {step} at {cols}x{rows}:\n{}",
                        args.preset,
                        shown.join("\n")
                    );
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 50, "{checked}");
}

#[test]
fn a_preset_s_kernel_has_one_name_in_a_frame() {
    for name in ["padding-strides-odd", "dilation", "same-padding"] {
        let args = InputArgs {
            preset: Some(name.into()),
            ..Default::default()
        };
        let app = app(args, Phase::Forward, 1);
        let shown: String =
            rows_in(&ui::render_buffer(&app, 200, 60), Rect::new(0, 0, 200, 60)).join("\n");
        assert!(shown.contains("w conv-arithmetic 3x3"), "{shown}");
        assert!(shown.contains("filter 0 conv-arithmetic"), "{shown}");
        assert!(!shown.contains(&format!("w {name}")), "{shown}");
        assert!(!shown.contains("w0"), "{shown}");
    }
    let demo = app(
        InputArgs {
            preset: Some("cs231n-demo".into()),
            ..Default::default()
        },
        Phase::Forward,
        1,
    );
    assert_eq!(demo.spec.kernel_label(), "w0,w1");
}

/// The tour's first backward page sets dout = 1 (the default is random), so that its
/// words hold: db[f] counts the windows of filter f so far.
#[test]
fn the_tour_s_backward_lesson_counts_windows_in_db() {
    use convstep::tour::{self, Lang};
    let t = tour::load(None).unwrap();
    let k = t
        .pages
        .iter()
        .position(|p| p.narration.en.contains("db[f] counts the"))
        .expect("the backward page");
    let mut view = tour::TourView::new(t, k, Lang::En).unwrap();
    let app = &view.stage.app;
    assert!(
        app.scene.dout.iter().all(|&v| v == 1.0),
        "dout = 1 on this page"
    );
    let g = app.layer().geom;
    for step in [1, 2, 5, g.total_steps()] {
        view.play("g").unwrap();
        for _ in 1..step {
            view.play("l").unwrap();
        }
        let app = &view.stage.app;
        let (_, after) = app.bwd.as_ref().expect("a backward page");
        let f = app.pos().f;
        // Windows of filter f done by this step (filters run one after the other).
        let per_filter = g.n * g.h_out * g.w_out;
        let done = (0..step)
            .filter(|s| g.position(s + 1).is_some_and(|p| p.f == f))
            .count();
        assert!(done <= per_filter);
        assert_eq!(after.grads.db[f], done as f64, "step {step}");
    }
}

/// The arithmetic names a gray image's one channel `gray`, whole, in both phases and at
/// every size (its label column was two wide, so it read `gr`).
#[test]
fn the_arithmetic_names_the_gray_channel_whole() {
    let args = InputArgs {
        gray: true,
        ..Default::default()
    };
    for phase in [Phase::Forward, Phase::Backward] {
        let app = app(args.clone(), phase, 1);
        for (cols, rows) in [(80, 24), (100, 30), (120, 40), (200, 60)] {
            let area = Rect::new(0, 0, cols, rows);
            let buf = ui::render_buffer(&app, cols, rows);
            let eq = ui::plan(&app, area).equation;
            let lines = rows_in(&buf, eq);
            assert!(
                lines.iter().any(|l| l.starts_with("gray ")),
                "{phase:?} {cols}x{rows}:\n{}",
                lines.join("\n")
            );
        }
    }
}
