//! Frames of the stepper drawn through `ui::render_buffer` (a TestBackend), at fixed
//! sizes and states, as text and, where colour carries meaning, with styles.

use convstep::app::Step;
use convstep::app::{Action, App, Phase};
use convstep::cmd::InputArgs;
use convstep::cmd::StateArgs;
use convstep::input::{Arrays, SceneSpec};
use convstep::ui::{self, theme::ColorMode};

use crate::buffer_text::text;
use ratatui::buffer::Buffer;

fn app(args: InputArgs, phase: Phase, step: usize) -> App {
    app_of(
        SceneSpec::from_args(&args).expect("input loads"),
        phase,
        step,
    )
}

fn app_of(spec: SceneSpec, phase: Phase, step: usize) -> App {
    let state = StateArgs {
        phase: Some(phase),
        step: Some(Step::At(step)),
        filter: None,
        view: None,
    };
    App::new(spec, &state).expect("scene builds")
}

fn default_input() -> InputArgs {
    InputArgs::default()
}

fn demo() -> InputArgs {
    InputArgs {
        preset: Some("cs231n-demo".into()),
        ..Default::default()
    }
}

#[test]
fn first_step_80x24() {
    let app = app(default_input(), Phase::Forward, 1);
    let buf = ui::render_buffer(&app, 80, 24);
    insta::assert_snapshot!(text(&buf));
    insta::assert_debug_snapshot!("first_step_80x24_styled", buf);
}

#[test]
fn first_step_200x60() {
    let app = app(default_input(), Phase::Forward, 1);
    insta::assert_snapshot!(text(&ui::render_buffer(&app, 200, 60)));
}

#[test]
fn backward_step_200x60() {
    // A large screen fills up: dx_pad first, its scale, its numbers around the
    // window under it; then the context: the dout maps, the photo, the kernel, the
    // key; x and the touch counts (dx_pad's shape) only at dx_pad's scale, which
    // leaves them no room here.
    let app = app(default_input(), Phase::Backward, 40);
    let shown = text(&ui::render_buffer(&app, 200, 60));
    insta::assert_snapshot!(shown);
    for panel in [
        "dx_pad R",
        "so far",
        "dx_pad[0,:,0:5,6:11] around the window",
        "dout[0] sobel-x",
        "photo 21x32",
        "kernel w[0]",
        "marks",
    ] {
        assert!(shown.contains(panel), "{panel} is shown");
    }
    // dx_pad, the array being written, has the largest grids: the dout maps and x
    // are drawn no larger, the photo smaller.
    let plan = ui::plan(&app, ratatui::layout::Rect::new(0, 0, 200, 60));
    let dx = plan.grads.as_ref().expect("dx_pad is placed");
    let (maps, _) = plan.fmap.as_ref().expect("the dout maps are placed");
    assert!(maps.rects[0].width <= dx.rects[0].width, "{plan:?}");
    assert!(
        plan.input.is_none(),
        "x at another scale than dx_pad: {plan:?}"
    );
    let photo = plan.overview.as_ref().expect("the photo is placed");
    assert!(photo.used.width < dx.rects[0].width, "{plan:?}");
    // A click on the zoom selects the padded cell it shows: row 0 + 2, column 6 + 3.
    let area = ratatui::layout::Rect::new(0, 0, 200, 60);
    let zoom = ui::plan(&app, area).zoom.expect("the zoom is placed");
    let r = zoom.rects[0];
    let lines = zoom.mode.lines() as u16;
    let got = ui::hit_test(
        &app,
        area,
        r.x + 3 * zoom.mode.cell_w(),
        r.y + 1 + 2 * lines,
    );
    assert_eq!(got, Some(Action::SelectCell { row: 2, col: 9 }));
}

#[test]
fn corner_window_in_the_padding() {
    // The demo's step 9: filter 0's bottom-right window, two of its sides padding.
    let app = app(demo(), Phase::Forward, 9);
    insta::assert_snapshot!(text(&ui::render_buffer(&app, 160, 50)));
}

#[test]
fn stride_2_jump() {
    // Step 2 after step 1 at stride 2: the previous window ( ) two columns left of [ ].
    let app = app(demo(), Phase::Forward, 2);
    let buf = ui::render_buffer(&app, 80, 24);
    insta::assert_snapshot!(text(&buf));
    insta::assert_debug_snapshot!("stride_2_jump_styled", buf);
}

#[test]
fn last_step_120x40() {
    let mut app = app(default_input(), Phase::Forward, 1);
    app.apply(Action::Last);
    insta::assert_snapshot!(text(&ui::render_buffer(&app, 120, 40)));
}

#[test]
fn backward_step_120x40() {
    let app = app(default_input(), Phase::Backward, 20);
    insta::assert_snapshot!(text(&ui::render_buffer(&app, 120, 40)));
}

#[test]
fn backward_step_80x24_and_touches() {
    let mut app = app(demo(), Phase::Backward, 5);
    insta::assert_snapshot!(text(&ui::render_buffer(&app, 80, 24)));
    app.apply(Action::ToggleTouches);
    insta::assert_snapshot!(
        "backward_touches_80x24",
        text(&ui::render_buffer(&app, 80, 24))
    );
}

#[test]
fn no_color_tells_padding_window_and_current_cell_apart_by_characters() {
    // The demo's numbers one line a row, the marks between the cells in pairs.
    let mut app = app(demo(), Phase::Forward, 2);
    app.color = ColorMode::None;
    let buf = ui::render_buffer(&app, 80, 24);
    let shown = text(&buf);
    insta::assert_snapshot!(shown);
    assert!(shown.contains('·'), "padding");
    assert!(shown.contains("[· · ·]"), "window");
    assert!(shown.contains("(· 2[0 1 1]0"), "previous window");
    assert!(shown.contains("4< 3>"), "current output cell");
    assert!(shown.contains('╌'), "outputs not computed yet");
    assert!(
        buf.content()
            .iter()
            .all(|c| c.fg == ratatui::style::Color::Reset && c.bg == ratatui::style::Color::Reset),
        "no colour at all"
    );
}

#[test]
fn a_map_with_nothing_computed_yet_still_shows_its_extent() {
    // The demo's step 5: out[1] has no value yet; its cells are a grey checker, not
    // the terminal's background.
    let app = app(demo(), Phase::Forward, 5);
    let buf = ui::render_buffer(&app, 80, 24);
    let shown = text(&buf);
    let title_y = shown
        .lines()
        .position(|l| l.contains("out[1]"))
        .expect("out[1] is drawn") as u16;
    let line = shown.lines().nth(title_y as usize).unwrap();
    let title_x = line[..line.find("out[1]").unwrap()].chars().count() as u16;
    let row: Vec<_> = (title_x..title_x + 6)
        .map(|x| buf[(x, title_y + 1)].bg)
        .collect();
    let greys: std::collections::BTreeSet<String> = row.iter().map(|c| format!("{c:?}")).collect();
    assert_eq!(greys.len(), 2, "a checker of two greys: {greys:?}");
    assert!(row.iter().all(|c| *c != ratatui::style::Color::Reset));
}

#[test]
fn help_overlay_80x24() {
    let mut app = app(default_input(), Phase::Forward, 1);
    app.apply(Action::Help);
    let shown = text(&ui::render_buffer(&app, 80, 24));
    insta::assert_snapshot!(shown);
    // The page key is offered only where there is a next page.
    // Every key but the stack's (`.`, `,`, `o`), which a single layer's help leaves out
    // (tests/it/stepper_stack.rs checks a stack's help lists them).
    let stack_only = [Action::NextLayer, Action::PrevLayer, Action::ReceptiveField];
    let table = convstep::app::keys::TABLE.iter();
    for binding in table.filter(|b| {
        ui::help::shown(b, false) && !stack_only.contains(&b.action) && b.help != "key.help_page"
    }) {
        assert!(
            shown.contains(convstep::i18n::Lang::En.t(binding.help)),
            "{}",
            binding.help
        );
    }
}

#[test]
fn help_overlay_leaves_nothing_of_the_screen_beside_its_box() {
    for (cols, rows) in [(80, 24), (100, 30), (200, 60)] {
        let mut app = app(default_input(), Phase::Forward, 1);
        app.apply(Action::Help);
        let buf = ui::render_buffer(&app, cols, rows);
        let at = |x: u16, y: u16| buf[(x, y)].symbol().to_string();
        let top = (0..rows)
            .find(|&y| (0..cols).any(|x| at(x, y) == "┌"))
            .expect("the box is drawn");
        let left = (0..cols).find(|&x| at(x, top) == "┌").unwrap();
        let right = (0..cols).find(|&x| at(x, top) == "┐").unwrap();
        let bottom = (top..rows).find(|&y| at(left, y) == "└").unwrap();
        for y in top..=bottom {
            for x in [left.checked_sub(1), Some(right + 1)].into_iter().flatten() {
                if x < cols {
                    assert_eq!(at(x, y), " ", "{cols}x{rows}: ({x},{y}) beside the box");
                }
            }
        }
    }
}

#[test]
fn too_small_says_how_big() {
    let app = app(default_input(), Phase::Forward, 1);
    let shown = text(&ui::render_buffer(&app, 50, 10));
    assert!(shown.contains("it needs at least 60x16"), "{shown}");
    assert!(shown.contains("it is 50x10"), "{shown}");
}

#[test]
fn render_adapts_to_the_rect_it_is_given() {
    // A tour draws the stepper beside its narration: only the given rect is touched.
    let app = app(default_input(), Phase::Forward, 1);
    let mut buf = Buffer::empty(ratatui::layout::Rect::new(0, 0, 120, 30));
    for cell in buf.content.iter_mut() {
        cell.set_symbol("N");
    }
    let rect = ratatui::layout::Rect::new(40, 0, 80, 30);
    ui::render(&app, rect, &mut buf);
    for y in 0..30 {
        for x in 0..40 {
            assert_eq!(buf[(x, y)].symbol(), "N");
        }
    }
    assert!(
        text(&buf)
            .lines()
            .next()
            .unwrap()
            .contains("FORWARD  step 1/1344")
    );
}

#[test]
fn mouse_hits_map_back_to_cells() {
    let app = app(demo(), Phase::Forward, 1);
    let area = ratatui::layout::Rect::new(0, 0, 80, 24);
    let plan = ui::plan(&app, area);
    let input = plan.input.expect("input placed");
    let r = input.rects[0];
    // The first grid line under the title is padded row 0.
    let got = ui::hit_test(&app, area, r.x + input.mode.cell_w(), r.y + 1);
    assert_eq!(got, Some(Action::SelectCell { row: 0, col: 1 }));
    let (fmap, filters) = plan.fmap.expect("feature maps placed");
    let r = fmap.rects[filters.len() - 1];
    let got = ui::hit_test(&app, area, r.x, r.y + 1);
    assert_eq!(
        got,
        Some(Action::JumpTo {
            f: *filters.last().unwrap(),
            i: 0,
            j: 0
        })
    );
}

/// The highlighted (`▶`) lines of the code panel.
/// The executing lines of the listing, a line continued with `\` joined to the next.
fn executing_lines(shown: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut open = false;
    for code in shown
        .lines()
        .filter_map(|l| l.split_once('▶').map(|(_, code)| code.trim().to_string()))
    {
        match out.last_mut() {
            Some(last) if open => {
                last.truncate(last.trim_end_matches('\\').trim_end().len());
                last.push(' ');
                last.push_str(&code);
            }
            _ => out.push(code.clone()),
        }
        open = code.ends_with('\\');
    }
    out
}

#[test]
fn dilated_windows_read_as_slices_that_step_by_d_in_the_code() {
    let dilation = InputArgs {
        preset: Some("dilation".into()),
        ..Default::default()
    };
    let forward = text(&ui::render_buffer(
        &app(dilation.clone(), Phase::Forward, 1),
        200,
        60,
    ));
    insta::assert_snapshot!("dilation_forward_200x60", forward);
    assert!(forward.contains("S=1 pad=0 D=2 (dilation)"), "{forward}");
    assert_eq!(
        executing_lines(&forward),
        [
            "window = x_pad[n, :, i*S:i*S+D*(HH-1)+1:D, j*S:j*S+D*(WW-1)+1:D]",
            "out[n, f, i, j] = np.sum(window * w[f]) + b[f]",
        ]
    );
    let backward = text(&ui::render_buffer(
        &app(dilation, Phase::Backward, 1),
        200,
        60,
    ));
    let lines = executing_lines(&backward);
    assert_eq!(
        [lines[0].as_str(), lines[3].as_str()],
        [
            "window = x_pad[n, :, i*S:i*S+D*(HH-1)+1:D, j*S:j*S+D*(WW-1)+1:D]",
            "dx_pad[n, :, i*S:i*S+D*(HH-1)+1:D, j*S:j*S+D*(WW-1)+1:D] += w[f] * dout[n, f, i, j]",
        ]
    );
    // Without dilation the course's own lines stay.
    let plain = text(&ui::render_buffer(
        &app(demo(), Phase::Backward, 1),
        200,
        60,
    ));
    let lines = executing_lines(&plain);
    assert_eq!(
        [lines[0].as_str(), lines[3].as_str()],
        [
            "window = x_pad[n, :, i*S:i*S+HH, j*S:j*S+WW]",
            "dx_pad[n, :, i*S:i*S+HH, j*S:j*S+WW] += w[f] * dout[n, f, i, j]",
        ]
    );
}

/// x an array of `values` (1x1x5x5), kernel `kernel`, at step 5 of `phase`.
fn array_frame(values: impl Fn(usize, usize) -> f64, kernel: &str, phase: Phase) -> String {
    let x = ndarray::Array::from_shape_fn((1, 1, 5, 5), |(_, _, h, w)| values(h, w));
    let args = InputArgs {
        kernel: Some(kernel.into()),
        ..Default::default()
    };
    let arrays = Arrays {
        x: Some(x),
        ..Arrays::default()
    };
    let spec = SceneSpec::from_options_and_arrays(&args.options(), arrays).expect("arrays load");
    text(&ui::render_buffer(&app_of(spec, phase, 5), 100, 30))
}

#[test]
fn a_feature_map_of_nan_says_it_has_no_scale() {
    // Every box window reads a NaN: every output is NaN, so there is no ±max to show.
    let shown = array_frame(|_, _| f64::NAN, "box", Phase::Forward);
    assert!(shown.contains("no finite values"), "{shown}");
    assert!(!shown.contains("-0.000"), "{shown}");
    // Backward, dout (random, seed 0) is finite: its legend is the map's own ±max|dout|
    // (25 cells: fewer than 100, so the 99th percentile is the largest).
    let shown = array_frame(|_, _| f64::NAN, "box", Phase::Backward);
    let dout = convstep::input::kernels::random_dout((1, 1, 5, 5), 0);
    let max = dout.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    assert!(shown.contains(&format!("±{max:.3} dout[0]")), "{shown}");
    assert!(!shown.contains("no finite values"), "{shown}");
    // One NaN pixel under the identity kernel: the other outputs give the scale.
    let one = |h, w| if (h, w) == (0, 0) { f64::NAN } else { 2.0 };
    let shown = array_frame(one, "identity", Phase::Forward);
    assert!(shown.contains("±2 out[0]"), "{shown}");
    assert!(!shown.contains("no finite values"), "{shown}");
}

#[test]
fn a_short_screen_gives_its_rows_to_the_grids() {
    // 80x20, as a tour's narration leaves the stepper at 80x24: one status line, no key
    // hint, and the demo's padded 7x7 input one terminal row per input row (its numbers,
    // the window marked between them) instead of four rows of half blocks.
    let demo_at_5 = app(demo(), Phase::Forward, 5);
    let shown = text(&ui::render_buffer(&demo_at_5, 80, 20));
    insta::assert_snapshot!("demo_forward_80x20", shown);
    let lines: Vec<&str> = shown.lines().collect();
    assert_eq!(
        lines[0],
        " FORWARD  step 5/18  (n,f,i,j)=(0,0,1,1)  stride 2 pad 1 dilation 1 → 3x3"
    );
    assert!(lines[1].starts_with("x c0 5x5"), "{shown}");
    assert!(lines[2].starts_with(" · · · · · · ·"), "{shown}");
    assert!(lines[4].starts_with("(· 1[2 0 2]1 ·"), "{shown}");
    assert!(lines[8].starts_with(" · · · · · · ·"), "{shown}");
    assert!(
        lines[19].starts_with("Σ partials 1 + b[0] 1 = out[0,0,1,1] = 2"),
        "{shown}"
    );
    assert!(!shown.contains("? help"), "{shown}");
    // A message still shows, on the bottom line.
    let mut edited = demo_at_5.clone();
    edited.apply(Action::PadUp);
    let shown = text(&ui::render_buffer(&edited, 80, 20));
    assert!(
        shown.lines().last().unwrap().contains("pad 2: output"),
        "{shown}"
    );
}

#[test]
fn a_short_screen_keeps_the_sum_and_every_partial() {
    // The photo's three channels do not all fit under its grids at 80x19: the last
    // channel takes one line with its partial sum, and the sum still shows.
    let sixteen = InputArgs {
        size: Some("16".into()),
        ..Default::default()
    };
    let last = app(sixteen, Phase::Forward, 352);
    let shown = text(&ui::render_buffer(&last, 80, 19));
    let lines: Vec<&str> = shown.lines().collect();
    assert_eq!(lines.len(), 19);
    assert_eq!(
        lines[0],
        " FORWARD step 352/352 (n,f,i,j)=(0,1,10,15) stride 1 pad 1 dilation 1 → 11x16"
    );
    assert!(
        shown.contains("   window "),
        "the block titles stay: {shown}"
    );
    assert_eq!(lines[17], "B ⋯ 3 rows hidden → -0.582");
    assert!(
        lines[18].starts_with("Σ partials -1.888 + b[1] 0.000 = out[0,1,10,15] = -1.888"),
        "{shown}"
    );
    // At 80x24 every channel shows whole, under two status lines and above the hint.
    let shown = text(&ui::render_buffer(&last, 80, 24));
    assert!(!shown.contains("rows hidden"), "{shown}");
    assert!(shown.contains(" x 1x3x11x16 size 16"), "{shown}");
    assert!(shown.contains("? help"), "{shown}");
}

#[test]
fn titles_too_long_for_their_panel_end_in_an_ellipsis() {
    // Cut at the panel's edge they would read "dout[0" or "touches (max 4": an open
    // bracket or parenthesis that is not there.
    let shown = text(&ui::render_buffer(&app(demo(), Phase::Backward, 9), 80, 20));
    // dx_pad keeps its names, the dout maps (3x3 blocks) end in an ellipsis.
    assert!(
        shown.contains("dx_pad c0      dx_pad c1      dx_pad c2"),
        "{shown}"
    );
    assert!(shown.contains("dout[0]…"), "{shown}");
    // The arithmetic's block titles, where they show, are whole.
    assert!(!shown.contains("dout·w[0…"), "{shown}");
    let shown = text(&ui::render_buffer(&app(demo(), Phase::Backward, 9), 80, 24));
    assert!(shown.contains("dout·w[0] → dx_pad"), "{shown}");
}

/// Every preset and the bundled photo at 80x24, 120x40 and 200x60, forward and
/// backward, at a step inside the layer (the fifth, or the last of a shorter one).
#[test]
fn every_scene_at_three_sizes_in_both_phases() {
    // The transposed presets open in their own view: tests/it/views.rs draws them.
    let mut scenes: Vec<(String, InputArgs)> = convstep::input::presets()
        .iter()
        .filter(|p| !p.name.ends_with("-transposed"))
        .map(|p| {
            (
                p.name.to_string(),
                InputArgs {
                    preset: Some(p.name.into()),
                    ..Default::default()
                },
            )
        })
        .collect();
    scenes.push(("bundled".into(), default_input()));
    for (name, args) in scenes {
        let total = app(args.clone(), Phase::Forward, 1).total_steps();
        let step = total.min(5);
        for phase in [Phase::Forward, Phase::Backward] {
            let app = app(args.clone(), phase, step);
            for (cols, rows) in [(80, 24), (120, 40), (200, 60)] {
                let shown = text(&ui::render_buffer(&app, cols, rows));
                let phase_name = match phase {
                    Phase::Forward => "forward",
                    Phase::Backward => "backward",
                };
                insta::assert_snapshot!(format!("scene_{name}_{phase_name}_{cols}x{rows}"), shown);
            }
        }
    }
}

/// A student adding the printed products of a channel gets its printed partial, or
/// the screen writes that partial with ≈ (and says the numbers are rounded).
#[test]
fn printed_products_add_up_to_the_printed_partial_or_say_approximately() {
    let mut approximate = 0;
    for step in [1, 2, 40, 333, 700] {
        let app = app(default_input(), Phase::Forward, step);
        let shown = text(&ui::render_buffer(&app, 120, 40));
        let lines: Vec<&str> = shown.lines().collect();
        let first = lines
            .iter()
            .position(|l| l.starts_with("R "))
            .expect("the arithmetic's R rows");
        for ch in 0..3 {
            let rows = &lines[first + 3 * ch..first + 3 * ch + 3];
            let numbers = |l: &str| -> Vec<f64> {
                l.split_whitespace()
                    .filter_map(|t| t.parse::<f64>().ok())
                    .collect()
            };
            let mut products = 0.0;
            for row in rows {
                let n = numbers(row);
                products += n[6] + n[7] + n[8];
            }
            let middle = rows[1];
            let partial = *numbers(middle).last().unwrap();
            let adds_up = format!("{products:.3}") == format!("{partial:.3}");
            if middle.contains('≈') {
                approximate += 1;
                assert!(!adds_up, "≈ although they add up: {middle}");
                assert!(shown.contains("(≈ rounded)"), "{shown}");
            } else {
                assert!(middle.contains('→'), "{middle}");
                assert!(
                    adds_up,
                    "step {step}: {products:.3} printed as {partial}: {middle}"
                );
            }
        }
    }
    assert!(
        approximate > 0,
        "some partial of these steps does not add up as printed"
    );
}

#[test]
fn dx_pad_shows_what_is_written_so_far_on_its_own_scale() {
    use convstep::ui::grid::{Kind, Mark};
    // Step 1 of CS231n's demo writes the 3x3 window at the padded corner (0..3, 0..3).
    let first = app(demo(), Phase::Backward, 1);
    let grids = ui::gradients::dx_pad_grids(&first);
    let mut strongest: f64 = 0.0;
    for grid in &grids {
        for r in 0..grid.rows {
            for c in 0..grid.cols {
                let cell = (grid.cell)(r, c);
                let in_window = r < 3 && c < 3;
                if in_window {
                    assert_eq!(cell.mark, Mark::Write, "({r},{c}) is being written");
                    strongest = strongest.max(cell.shade);
                } else if (1..6).contains(&r) && (1..6).contains(&c) {
                    // Not written yet: dx_pad's starting 0 (np.zeros_like), shown as
                    // the ring's unwritten cells are, a number, not a checker.
                    assert_eq!(cell.kind, Kind::Value, "({r},{c}) is not written yet");
                    assert_eq!(cell.value, 0.0, "({r},{c})");
                } else {
                    // The ring, which carries values while the steps run.
                    assert_eq!(cell.kind, Kind::PadValue, "({r},{c}) is the ring");
                }
            }
        }
    }
    // The colours run to the largest |dx_pad| so far, not the pass's final one.
    assert!((strongest - 1.0).abs() < 1e-12, "{strongest}");
    let so_far = first.dx_scale;
    let last = app(demo(), Phase::Backward, 18);
    assert!(so_far < last.dx_scale, "{so_far}");
    // Its legend says so, under dx_pad.
    let shown = text(&ui::render_buffer(&first, 120, 40));
    let legend = format!("-{} ", convstep::ui::text::fit(so_far, 6));
    assert!(shown.contains(&legend), "{legend} {shown}");
    assert!(shown.contains("so far"), "{shown}");
}
