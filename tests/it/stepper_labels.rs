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

fn demo_at(phase: Phase, step: usize) -> App {
    app(
        InputArgs {
            preset: Some("cs231n-demo".into()),
            ..Default::default()
        },
        phase,
        step,
    )
}

/// The numbers of a text line, in order.
fn numbers(line: &str) -> Vec<f64> {
    line.split_whitespace()
        .filter_map(|w| w.parse::<f64>().ok())
        .collect()
}

#[test]
fn the_arithmetic_shows_dx_pad_before_the_add_and_after_in_both_languages() {
    use convstep::i18n::Lang;
    // CS231n's demo at step 5 and at the last step: `dx_pad[window] += dout·w[f]` reads
    // on screen as before + dout·w[f] = after, each channel's rows adding up.
    for step in [5, 18] {
        for lang in [Lang::En, Lang::Zh] {
            let mut app = demo_at(Phase::Backward, step);
            app.lang = lang;
            let buf = ui::render_buffer(&app, 120, 40);
            let shown = rows_in(&buf, buf.area);
            let head = shown
                .iter()
                .position(|l| l.contains(lang.t("eq.dx_before")))
                .unwrap_or_else(|| panic!("{lang:?} step {step}: {}", shown.join("\n")));
            assert!(
                shown[head].contains(lang.t("eq.dx_after")),
                "{}",
                shown[head]
            );
            let (_, after) = app.bwd.as_ref().unwrap();
            let w = &app.fwd.window;
            for ch in 0..3 {
                for m in 0..3 {
                    let row = numbers(&shown[head + 1 + ch * 3 + m]);
                    // before (3), dout·w (3), after (3), dout·window (3), dw so far (3).
                    assert_eq!(row.len(), 15, "{}", shown[head + 1 + ch * 3 + m]);
                    for k in 0..3 {
                        let (before, add, now) = (row[k], row[3 + k], row[6 + k]);
                        assert!(
                            (before + add - now).abs() < 1.5e-3,
                            "{before} + {add} != {now}"
                        );
                        let want = after.grads.dx_pad[[0, ch, w.rows[m], w.cols[k]]];
                        assert!((now - want).abs() < 5e-4, "c{ch} ({m},{k}): {now} {want}");
                    }
                }
            }
        }
    }
}

/// Where dx_pad's numbers are printed: the zoom where the grids are too small for them,
/// else the dx_pad grids themselves (a small layer prints every cell).
fn dx_pad_numbers(plan: &ui::Plan) -> ui::layout::place::Placement {
    plan.zoom
        .clone()
        .or_else(|| plan.grads.clone())
        .expect("dx_pad's numbers on screen at 120x40")
}

#[test]
fn the_zoom_reads_dx_pad_s_ring_after_the_crop() {
    use convstep::ui::grid::Kind;
    // At the last step the arithmetic adds to the window's ring cells; the zoom, which
    // names dx_pad's rows and columns, prints those sums, never the padding's `·`.
    let app = demo_at(Phase::Backward, 18);
    let (_, after) = app.bwd.as_ref().unwrap();
    let e = ui::zoom::extent_sized(&app, false);
    for (ch, grid) in ui::zoom::grids(&app, false).iter().enumerate() {
        for r in 0..grid.rows {
            for c in 0..grid.cols {
                let cell = (grid.cell)(r, c);
                assert_ne!(cell.kind, Kind::Pad, "c{ch} ({r},{c})");
                let want = after.grads.dx_pad[[0, ch, e.r0 + r, e.c0 + c]];
                assert_eq!(cell.value, want, "c{ch} ({r},{c})");
            }
        }
    }
    let plan = ui::plan(&app, Rect::new(0, 0, 120, 40));
    let buf = ui::render_buffer(&app, 120, 40);
    for rect in &dx_pad_numbers(&plan).rects {
        let shown = rows_in(&buf, *rect).join("\n");
        assert!(!shown.contains('·'), "{shown}");
    }
}

#[test]
fn numbers_in_a_grid_line_up_on_their_decimal_points() {
    // The zoom of dx_pad at 120x40 mixes negative and positive numbers: each column's
    // points sit one under the other.
    for step in [5, 18] {
        let app = demo_at(Phase::Backward, step);
        let plan = ui::plan(&app, Rect::new(0, 0, 120, 40));
        let buf = ui::render_buffer(&app, 120, 40);
        for rect in &dx_pad_numbers(&plan).rects {
            let points: Vec<Vec<usize>> = rows_in(&buf, *rect)
                .iter()
                .filter(|l| l.contains('.'))
                .map(|l| {
                    l.char_indices()
                        .filter(|(_, c)| *c == '.')
                        .map(|(i, _)| i)
                        .collect()
                })
                .collect();
            assert!(points.len() >= 3, "{points:?}");
            assert!(
                points.iter().all(|p| *p == points[0]),
                "step {step}: {points:?}"
            );
        }
    }
}

#[test]
fn the_dw_view_s_unlit_cells_carry_no_marks() {
    // Lit cells are shaded by their dout; the others are plain numbers on grey, not
    // the `╌` corners of a value not reached yet.
    let state = StateArgs {
        phase: Some(Phase::Backward),
        step: Some(Step::At(5)),
        filter: None,
        view: Some(convstep::app::View::Dw),
    };
    let spec = SceneSpec::from_args(&InputArgs {
        preset: Some("cs231n-demo".into()),
        ..Default::default()
    })
    .unwrap();
    let app = App::new(spec, &state).unwrap();
    for (cols, rows) in [(80, 24), (120, 40), (200, 60)] {
        let buf = ui::render_buffer(&app, cols, rows);
        let shown = rows_in(&buf, buf.area).join("\n");
        assert!(!shown.contains('╌'), "{cols}x{rows}:\n{shown}");
        assert!(shown.contains("x_pad c0"), "{shown}");
    }
}

#[test]
fn the_tour_marks_the_executing_lines_as_the_stepper_does() {
    use convstep::tour::{self, Lang};
    use convstep::ui::theme::ColorMode;
    // Page 18 lists conv_forward_naive beside the stepper at 120x40.
    let t = tour::load(None).unwrap();
    let k = t.pages.iter().position(|p| p.code.is_some()).unwrap();
    let buf = tour::render_page(&t, k, Lang::En, 120, 40).unwrap();
    let want = code::executing_style(ColorMode::TrueColor);
    let marked = (0..buf.area.height)
        .filter_map(|y| {
            (0..buf.area.width)
                .find(|&x| buf[(x, y)].symbol() == "▶")
                .map(|x| (x, y))
        })
        .collect::<Vec<_>>();
    // The listing's marks start its lines, left of any `▶` the narration writes.
    let left = marked.iter().map(|&(x, _)| x).min().expect("a listing");
    let marked: Vec<_> = marked.into_iter().filter(|&(x, _)| x == left).collect();
    assert!(marked.len() >= 2, "{marked:?}");
    for (x, y) in marked {
        let cell = &buf[(x + 1, y)];
        assert_eq!(cell.fg, want.fg.unwrap(), "({x}, {y})");
        assert_eq!(cell.bg, want.bg.unwrap(), "({x}, {y})");
    }
}

#[test]
fn the_status_names_a_preset_in_the_app_s_language() {
    use convstep::i18n::Lang;
    let mut app = demo_at(Phase::Forward, 5);
    app.lang = Lang::Zh;
    let buf = ui::render_buffer(&app, 200, 60);
    let status = rows_in(&buf, Rect::new(0, 0, 200, 1)).join("");
    assert!(status.contains("来自 预设 cs231n-demo"), "{status}");
    assert!(!status.contains("preset"), "{status}");
    app.lang = Lang::En;
    let buf = ui::render_buffer(&app, 200, 60);
    let status = rows_in(&buf, Rect::new(0, 0, 200, 1)).join("");
    assert!(status.contains("from preset cs231n-demo"), "{status}");
}

#[test]
fn the_zoom_reads_the_touch_counts_when_they_stand_in_dx_pad_s_place() {
    use convstep::tour::{self, Lang};
    // Tour page 7 says the touch counts on screen are all 1; at 80x24 the counts'
    // grid has no room for numbers, so the zoom prints them (it printed dx_pad).
    let t = tour::load(None).unwrap();
    let buf = tour::render_page(&t, 6, Lang::En, 80, 24).unwrap();
    let shown = rows_in(&buf, buf.area).join("\n");
    assert!(
        shown.contains("touches[0,3:6,3:6] around the window"),
        "{shown}"
    );
    assert_eq!(shown.matches("1     1     1").count(), 3, "{shown}");
    // Its head is in the app's language too.
    let buf = tour::render_page(&t, 6, Lang::Zh, 80, 24).unwrap();
    let shown = rows_in(&buf, buf.area).join("\n");
    assert!(shown.contains("覆盖次数[0,3:6,3:6]"), "{shown}");
}

#[test]
fn a_grid_title_is_not_cut_while_room_is_left_on_its_line() {
    // padding-strides-odd's 3x3 output is 12 columns wide: its title took only those
    // and read `out[0] …` with the rest of the line empty.
    let at = |preset: &str, phase, cols, rows| {
        let args = InputArgs {
            preset: Some(preset.into()),
            ..Default::default()
        };
        let total = app(args.clone(), phase, 1).total_steps();
        let app = app(args, phase, total.min(5));
        crate::buffer_text::rows(&ui::render_buffer(&app, cols, rows))
    };
    let shown = at("padding-strides-odd", Phase::Forward, 120, 40);
    assert!(
        shown.iter().any(|l| l.contains("out[0] conv-arithmetic")),
        "{}",
        shown.join("\n")
    );
    // Every preset, every size, both phases: no `…` followed by a blank rest of line.
    for p in presets()
        .iter()
        .filter(|p| !p.name.ends_with("-transposed"))
    {
        for phase in [Phase::Forward, Phase::Backward] {
            for (cols, rows) in [(80, 24), (120, 40), (200, 60)] {
                for line in at(p.name, phase, cols, rows) {
                    if let Some(k) = line.find('…') {
                        let rest = &line[k + '…'.len_utf8()..];
                        assert!(
                            rest.chars().count() < 20 || !rest.trim().is_empty(),
                            "{} {phase:?} {cols}x{rows}: {line}",
                            p.name
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn whole_pixels_print_as_integers_in_the_arithmetic() {
    // CS231n's image demo reads 0-255 pixels: its window block prints `163`, while
    // the kernel's 0.300 and the products keep their decimals.
    let args = InputArgs {
        preset: Some("cs231n-image".into()),
        ..Default::default()
    };
    let app = app(args, Phase::Forward, 5);
    let shown = crate::buffer_text::rows(&ui::render_buffer(&app, 120, 40)).join("\n");
    assert!(!shown.contains("163.000"), "{shown}");
    let line = shown
        .lines()
        .find(|l| l.contains(" 163 ") && l.contains('⊙'))
        .unwrap_or_else(|| panic!("the window prints 163: {shown}"));
    assert!(line.contains("0.300") && line.contains("45.000"), "{line}");
}
