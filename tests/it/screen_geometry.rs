//! What the screen shows of the picture: every grid of a frame draws square pixels
//! (so x, out, dx_pad and dout of one size have one shape), and the photograph
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
