//! What the screen shows of the picture: every grid of a frame drawn as a picture
//! draws square pixels (so x, out, dx_pad and dout of one size have one shape), a
//! small layer prints every number at 80x24, and the photograph
//! appears in its own colours, whole, in the exports.

use std::collections::HashSet;

use assert_cmd::Command;
use convstep::app::Step;
use convstep::app::{App, Phase};
use convstep::cmd::InputArgs;
use convstep::cmd::StateArgs;
use convstep::input::{SceneSpec, presets};
use convstep::ui::{self, grid::CellMode};
use ratatui::layout::Rect;

use crate::buffer_text::rows_in;

fn start(args: InputArgs, phase: Phase, step: usize) -> App {
    let state = StateArgs {
        phase: Some(phase),
        step: Some(Step::At(step)),
        filter: None,
        view: None,
    };
    App::new(SceneSpec::from_args(&args).unwrap(), &state).unwrap()
}

fn every_scene() -> Vec<InputArgs> {
    let mut all: Vec<InputArgs> = presets()
        .iter()
        .map(|p| InputArgs {
            preset: Some(p.name.into()),
            ..Default::default()
        })
        .collect();
    all.push(InputArgs::default());
    all.push(InputArgs {
        dout: Some("random".into()),
        ..Default::default()
    });
    all
}

#[test]
fn every_grid_of_a_frame_draws_the_same_square_pixel() {
    for args in every_scene() {
        let total = start(args.clone(), Phase::Forward, 1).total_steps();
        for phase in [Phase::Forward, Phase::Backward] {
            for step in [1, total.div_ceil(2), total] {
                let app = start(args.clone(), phase, step);
                for (cols, rows) in [(60, 16), (80, 24), (100, 30), (120, 40), (200, 60)] {
                    let plan = ui::plan(&app, Rect::new(0, 0, cols, rows));
                    let grids = plan.grids();
                    assert!(!grids.is_empty(), "{args:?} {cols}x{rows}: no grid");
                    for (name, p) in &grids {
                        // A table of numbers on one line a row (a small layer on a
                        // small screen) is a table, not a picture.
                        if matches!(p.mode, CellMode::Line(_)) {
                            continue;
                        }
                        let (w, h) = p.mode.pixel();
                        assert_eq!(
                            w, h,
                            "{name} in {:?} draws {w}x{h} half-line pixels at {cols}x{rows} ({args:?})",
                            p.mode
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn pixel_shapes_are_square_in_every_mode() {
    assert_eq!(CellMode::Half.pixel(), (1, 1));
    assert_eq!(CellMode::Blocks.pixel(), (2, 2));
    for k in 2..=4 {
        let (w, h) = CellMode::numbers(k).pixel();
        assert_eq!(w, h, "numbered cells of {k} lines");
    }
}

#[test]
fn small_inputs_get_the_textbook_figure_output_in_the_inputs_numbered_cells() {
    // conv_arithmetic's arbitrary padding at 100x30: x and out in one numbered size,
    // every output cell printed as an integer.
    let args = InputArgs {
        preset: Some("arbitrary-padding".into()),
        ..Default::default()
    };
    let app = start(args, Phase::Forward, 36);
    let plan = ui::plan(&app, Rect::new(0, 0, 100, 30));
    let x = plan.input.as_ref().unwrap();
    let (maps, _) = plan.fmap.as_ref().unwrap();
    assert!(x.mode.has_numbers(), "{x:?}");
    assert_eq!(x.mode, maps.mode, "out at the input's cell size");
    let buf = ui::render_buffer(&app, 100, 30);
    let map_text = rows_in(&buf, maps.used).join("\n");
    // The last output of conv_arithmetic's figure, and no decimal point anywhere.
    assert!(map_text.contains('5'), "{map_text}");
    assert!(!map_text.contains('.'), "{map_text}");
}

#[test]
fn backward_gives_dx_pad_the_largest_cells_and_a_constant_dout_one_line() {
    let args = InputArgs {
        preset: Some("cs231n-demo".into()),
        dout: Some("ones".into()),
        ..Default::default()
    };
    let app = start(args, Phase::Backward, 5);
    let plan = ui::plan(&app, Rect::new(0, 0, 120, 40));
    let dx = plan.grads.as_ref().expect("dx_pad is drawn");
    assert!(dx.mode.has_numbers(), "{dx:?}");
    for (name, p) in plan.grids() {
        assert!(
            p.mode.richness() <= dx.mode.richness(),
            "{name} in {:?} is larger than dx_pad's {:?}",
            p.mode,
            dx.mode
        );
    }
    assert!(plan.fmap.is_none(), "a constant dout is not drawn as maps");
    let line = plan.dout_line.expect("the line that says dout is constant");
    let buf = ui::render_buffer(&app, 120, 40);
    let text = rows_in(&buf, Rect { height: 1, ..line }).concat();
    assert!(text.starts_with("dout = 1 everywhere"), "{text}");
}

/// The fills of an SVG export, as (r, g, b).
fn svg_fills(args: &[&str]) -> Vec<(u8, u8, u8)> {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("frame.svg");
    Command::cargo_bin("convstep")
        .unwrap()
        .env_remove("NO_COLOR")
        .env("COLORTERM", "truecolor")
        .arg("shot")
        .args(args)
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    let svg = std::fs::read_to_string(&out).unwrap();
    svg.match_indices("fill=\"#")
        .filter_map(|(i, m)| {
            let hex = svg.get(i + m.len()..i + m.len() + 6)?;
            let v = u32::from_str_radix(hex, 16).ok()?;
            Some(((v >> 16) as u8, (v >> 8) as u8, v as u8))
        })
        .collect()
}

/// The colours of the bundled photograph at a working size, as the screen draws them.
fn photo_colours(size: Option<&str>) -> HashSet<(u8, u8, u8)> {
    let args = InputArgs {
        size: size.map(Into::into),
        ..Default::default()
    };
    let app = start(args, Phase::Forward, 1);
    let x = &app.layer().x;
    let (_, _, h, w) = x.dim();
    let byte = |v: f64| (v.clamp(0.0, 1.0) * 255.0).round() as u8;
    let mut all = HashSet::new();
    for r in 0..h {
        for c in 0..w {
            all.insert((
                byte(x[[0, 0, r, c]]),
                byte(x[[0, 1, r, c]]),
                byte(x[[0, 2, r, c]]),
            ));
        }
    }
    all
}

fn assert_photo_in_own_colours(args: &[&str], size: Option<&str>, at_least: usize) {
    let fills = svg_fills(args);
    let photo = photo_colours(size);
    let matched: HashSet<_> = fills.iter().filter(|f| photo.contains(f)).collect();
    assert!(
        matched.len() >= at_least,
        "{args:?}: {} of the photo's colours drawn",
        matched.len()
    );
    // A tabby cat: warm browns, red above blue on average.
    let (r, b) = matched
        .iter()
        .fold((0u64, 0u64), |(r, b), c| (r + c.0 as u64, b + c.2 as u64));
    assert!(
        r > b,
        "{args:?}: the drawn colours are not the cat's browns"
    );
}

#[test]
fn the_photograph_appears_in_its_own_colours_in_the_svg_export() {
    assert_photo_in_own_colours(&["--cols", "120", "--rows", "40"], None, 150);
    assert_photo_in_own_colours(
        &["--size", "full", "--cols", "200", "--rows", "60"],
        Some("full"),
        1000,
    );
}

/// The numbers printed on each grid row of a numbered placement's `i`th grid, with
/// the marks between and around them left out (`·` stands for padding).
fn printed_rows(
    buf: &ratatui::buffer::Buffer,
    p: &ui::layout::place::Placement,
    i: usize,
) -> Vec<Vec<String>> {
    let r = p.rects[i];
    let lines = p.mode.lines() as u16;
    (0..p.shown.0 as u16)
        .map(|row| {
            let y = r.y + 1 + row * lines + (lines - 1) / 2;
            let text = rows_in(buf, Rect::new(r.x, y, r.width, 1)).concat();
            let clean: String = text
                .chars()
                .map(|c| {
                    if "[](){}<>×*+!~╌#:@".contains(c) {
                        ' '
                    } else {
                        c
                    }
                })
                .collect();
            clean.split_whitespace().map(str::to_string).collect()
        })
        .collect()
}

/// What a cell prints: padding's `·`, a value, or (dx_pad's ring) either.
#[derive(Debug, Clone, Copy)]
enum Cell {
    Pad,
    Value(f64),
    Ring(f64),
}

/// Whether `token` is the cell as printed: a number within half its last digit, or
/// `·` for padding.
fn reads_as(token: &str, v: Cell) -> bool {
    match v {
        Cell::Pad => token == "·",
        Cell::Ring(v) => token == "·" || reads_as(token, Cell::Value(v)),
        Cell::Value(v) => {
            let decimals = token.split_once('.').map_or(0, |(_, d)| d.len() as i32);
            token
                .parse::<f64>()
                .is_ok_and(|t| (t - v).abs() <= 0.5 * 10f64.powi(-decimals) + 1e-9)
        }
    }
}

/// Asserts that grid `i` of `p` prints every cell of `value(row, col)` in its place.
fn assert_every_number(
    buf: &ratatui::buffer::Buffer,
    p: &ui::layout::place::Placement,
    i: usize,
    (rows, cols): (usize, usize),
    value: impl Fn(usize, usize) -> Cell,
    what: &str,
) {
    assert!(p.mode.has_numbers(), "{what}: drawn in {:?}", p.mode);
    assert_eq!(p.shown, (rows, cols), "{what}: not whole");
    let printed = printed_rows(buf, p, i);
    for (r, tokens) in printed.iter().enumerate() {
        assert_eq!(tokens.len(), cols, "{what} row {r}: {tokens:?}");
        for (c, token) in tokens.iter().enumerate() {
            assert!(
                reads_as(token, value(r, c)),
                "{what} [{r},{c}] prints {token}, is {:?}",
                value(r, c)
            );
        }
    }
}

/// The small presets whose arrays fit 80 columns as tables of numbers side by side:
/// (name, phase). The others (CS231n's photo crop, the demo's three channels of
/// dx_pad, full padding's 9x9 dx_pad beside its 7x7 dout) need more columns than
/// 80 hold at four characters a number.
fn small_at_80() -> Vec<(&'static str, Phase)> {
    let mut all = Vec::new();
    for p in presets() {
        for phase in [Phase::Forward, Phase::Backward] {
            let args = InputArgs {
                preset: Some(p.name.into()),
                ..Default::default()
            };
            let app = start(args, phase, 1);
            if app.view != convstep::app::View::Steps {
                continue;
            }
            let g = app.layer().geom;
            let whole = |a: ndarray::ArrayView4<f64>| a.iter().all(|v| v.fract() == 0.0);
            let cell = |integers: bool, digits: usize| if integers { digits + 1 } else { 5 };
            let (left, k, right) = match phase {
                Phase::Forward => {
                    let ints = whole(app.layer().x.view());
                    let out_ints = whole(app.out().view());
                    let digits = app.out().iter().map(|v| format!("{v}").len()).max();
                    (
                        g.wp() * cell(ints, 1) + 1,
                        g.c,
                        g.w_out * cell(out_ints, digits.unwrap_or(1)) + 1,
                    )
                }
                Phase::Backward => (g.wp() * 5 + 1, g.c, g.w_out * 5 + 1),
            };
            let width = k * (left + 1) + 1 + g.f * (right + 1);
            if width <= 80 && g.hp() <= 12 {
                all.push((p.name, phase));
            }
        }
    }
    all
}

#[test]
fn small_layers_print_every_number_at_80x24_in_both_phases() {
    let cases = small_at_80();
    // The textbook figures are all in: CS231n's demo forward, conv_arithmetic's
    // eight forward and most backward.
    for name in [
        "cs231n-demo",
        "arbitrary-padding",
        "full-padding",
        "dilation",
    ] {
        assert!(cases.contains(&(name, Phase::Forward)), "{name}: {cases:?}");
    }
    assert!(cases.len() >= 15, "{cases:?}");
    for (name, phase) in cases {
        let args = InputArgs {
            preset: Some(name.into()),
            ..Default::default()
        };
        let total = start(args.clone(), phase, 1).total_steps();
        // The last step: every output is computed, every window sent back.
        let app = start(args, phase, total);
        let g = app.layer().geom;
        let plan = ui::plan(&app, Rect::new(0, 0, 80, 24));
        let buf = ui::render_buffer(&app, 80, 24);
        let what = |s: &str| format!("{s} of {name} {phase:?} at 80x24");
        let (maps, filters) = plan.fmap.as_ref().expect("the maps are drawn");
        assert_eq!(filters.len(), g.f, "{}", what("every map"));
        let map = match phase {
            Phase::Forward => app.out().view(),
            Phase::Backward => app.scene.dout.view(),
        };
        for (i, &f) in filters.iter().enumerate() {
            let v = |r: usize, c: usize| Cell::Value(map[[0, f, r, c]]);
            assert_every_number(&buf, maps, i, (g.h_out, g.w_out), v, &what("a map"));
        }
        let pad = g.pad;
        match phase {
            Phase::Forward => {
                let x = plan.input.as_ref().expect("x is drawn");
                for ch in 0..g.c {
                    let v = |r: usize, c: usize| {
                        let inside = (pad..pad + g.h).contains(&r) && (pad..pad + g.w).contains(&c);
                        if inside {
                            Cell::Value(app.layer().x[[0, ch, r - pad, c - pad]])
                        } else {
                            Cell::Pad
                        }
                    };
                    assert_every_number(&buf, x, ch, (g.hp(), g.wp()), v, &what("x"));
                }
            }
            Phase::Backward => {
                let dx = plan.grads.as_ref().expect("dx_pad is drawn");
                let full = &app.full().grads.dx_pad;
                for ch in 0..dx.rects.len() {
                    let v = |r: usize, c: usize| {
                        let ring = !(pad..pad + g.h).contains(&r) || !(pad..pad + g.w).contains(&c);
                        if ring {
                            Cell::Ring(full[[0, ch, r, c]])
                        } else {
                            Cell::Value(full[[0, ch, r, c]])
                        }
                    };
                    assert_every_number(&buf, dx, ch, (g.hp(), g.wp()), v, &what("dx_pad"));
                }
            }
        }
    }
}

/// The longest run of rows of the frame with nothing in them (no character, no
/// colour), and the row it starts at.
fn longest_blank_band(buf: &ratatui::buffer::Buffer) -> (u16, u16) {
    let blank = |y: u16| {
        (0..buf.area.width).all(|x| {
            let c = &buf[(x, y)];
            c.symbol() == " " && matches!(c.style().bg, None | Some(ratatui::style::Color::Reset))
        })
    };
    let (mut best, mut at, mut run) = (0, 0, 0);
    for y in 0..buf.area.height {
        run = if blank(y) { run + 1 } else { 0 };
        if run > best {
            (best, at) = (run, y + 1 - run);
        }
    }
    (best, at)
}

#[test]
fn small_layers_grow_with_the_terminal_and_keep_the_kernel_panel() {
    for p in presets() {
        for phase in [Phase::Forward, Phase::Backward] {
            let args = InputArgs {
                preset: Some(p.name.into()),
                ..Default::default()
            };
            for step in [1, 3] {
                let app = start(args.clone(), phase, step);
                if app.view != convstep::app::View::Steps {
                    continue;
                }
                let buf = ui::render_buffer(&app, 200, 60);
                let (band, at) = longest_blank_band(&buf);
                // Less than one more row of cells of the next size: the grids took
                // the room (a 4x4 figure left rows 45-59 blank).
                assert!(
                    band < 8,
                    "{} {phase:?} step {step}: {band} blank rows from row {at} at 200x60",
                    p.name
                );
                let kernel =
                    |cols, rows| ui::plan(&app, Rect::new(0, 0, cols, rows)).kernel.is_some();
                if kernel(120, 40) {
                    assert!(
                        kernel(200, 60),
                        "{} {phase:?}: the kernel panel at 120x40, not at 200x60",
                        p.name
                    );
                }
            }
        }
    }
}
