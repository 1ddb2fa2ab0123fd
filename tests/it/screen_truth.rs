//! What the screen's colours and scales claim is true: a grid cell's fill is its
//! value's colour on a scale, exactly, or one colour of the key in full (never a blend
//! of the two); a shrunk grid is shrunk by a whole factor that its title states.

use convstep::app::{App, Phase, Step};
use convstep::cmd::{InputArgs, StateArgs};
use convstep::input::{SceneSpec, presets};
use convstep::ui::grid::{Mark, shrink_for};
use convstep::ui::theme::{self, Rgb};
use convstep::ui::{self};
use ratatui::layout::Rect;
use ratatui::style::Color;

fn start(args: InputArgs, phase: Phase, step: usize) -> App {
    let state = StateArgs {
        phase: Some(phase),
        step: Some(Step::At(step)),
        filter: None,
        view: None,
    };
    App::new(SceneSpec::from_args(&args).unwrap(), &state).unwrap()
}

fn scenes() -> Vec<InputArgs> {
    let mut all: Vec<InputArgs> = presets()
        .iter()
        .map(|p| InputArgs {
            preset: Some(p.name.into()),
            ..Default::default()
        })
        .collect();
    all.push(InputArgs::default());
    all
}

/// Distance from `c` to the segment a..b in RGB.
fn to_segment(c: Rgb, a: Rgb, b: Rgb) -> f64 {
    let f = |v: Rgb| [v.0 as f64, v.1 as f64, v.2 as f64];
    let (c, a, b) = (f(c), f(a), f(b));
    let ab: Vec<f64> = (0..3).map(|k| b[k] - a[k]).collect();
    let ac: Vec<f64> = (0..3).map(|k| c[k] - a[k]).collect();
    let len2: f64 = ab.iter().map(|v| v * v).sum();
    let t = if len2 > 0.0 {
        (ab.iter().zip(&ac).map(|(x, y)| x * y).sum::<f64>() / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    (0..3)
        .map(|k| (ac[k] - t * ab[k]).powi(2))
        .sum::<f64>()
        .sqrt()
}

/// Whether `c` is a colour some scale gives a value, or a colour of the key.
fn truthful(c: Rgb) -> bool {
    let key = [
        theme::PAD,
        theme::EMPTY,
        theme::EMPTY_ALT,
        Mark::Window.rgb(),
        Mark::Prev.rgb(),
        Mark::Detail.rgb(),
        Mark::Current.rgb(),
        Mark::Selected.rgb(),
    ];
    if key.contains(&c) {
        return true;
    }
    let mut segments = vec![
        (theme::diverging(0.0), theme::diverging(-1.0)),
        (theme::diverging(0.0), theme::diverging(1.0)),
        (theme::count_scale(0.0), theme::count_scale(1.0)),
    ];
    for hue in ["R", "G", "B", "gray"] {
        let h = theme::channel_hue(hue);
        segments.push((theme::channel_scale(h, 0.0), h));
    }
    segments.iter().any(|&(a, b)| to_segment(c, a, b) < 1.5)
}

#[test]
fn every_grid_cell_is_filled_with_a_scale_colour_or_a_key_colour_never_a_blend() {
    for args in scenes() {
        let total = start(args.clone(), Phase::Forward, 1).total_steps();
        for phase in [Phase::Forward, Phase::Backward] {
            for step in [1, total.div_ceil(2), total] {
                let app = start(args.clone(), phase, step);
                for (cols, rows) in [(80, 24), (120, 40), (200, 60)] {
                    let plan = ui::plan(&app, Rect::new(0, 0, cols, rows));
                    let buf = ui::render_buffer(&app, cols, rows);
                    for (name, p) in plan.grids() {
                        // The photograph is drawn in its own colours.
                        if name == "overview" {
                            continue;
                        }
                        for rect in &p.rects {
                            for y in rect.y + 1..rect.bottom() {
                                for x in rect.x..rect.right() {
                                    let cell = &buf[(x, y)];
                                    let half = matches!(cell.symbol(), "▀" | "▄");
                                    let style = cell.style();
                                    let colours = [Some(style.bg), half.then_some(style.fg)];
                                    for colour in colours.into_iter().flatten() {
                                        if let Some(Color::Rgb(r, g, b)) = colour {
                                            assert!(
                                                truthful((r, g, b)),
                                                "{name} at ({x}, {y}) of {cols}x{rows} \
                                                 {phase:?} step {step} ({args:?}): \
                                                 ({r}, {g}, {b}) is on no scale and no key"
                                            );
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// (rows, cols).
type Shape = (usize, usize);

/// The whole factor a grid of `full` cells (a padding ring `ring` wide kept whole)
/// is drawn at when it shows `shown` cells: what its title states.
fn drawn_factor(full: Shape, ring: usize, shown: Shape) -> usize {
    shrink_for(full.0, ring, shown.0).max(shrink_for(full.1, ring, shown.1))
}

#[test]
fn arrays_of_one_shape_are_drawn_at_one_scale_in_a_frame() {
    let mut all = scenes();
    // The photograph at its full size: 300x451, shrunk at every terminal size.
    all.push(InputArgs {
        size: Some("full".into()),
        ..Default::default()
    });
    let mut wrong = Vec::new();
    for args in all {
        let total = start(args.clone(), Phase::Forward, 1).total_steps();
        for phase in [Phase::Forward, Phase::Backward] {
            let app = start(args.clone(), phase, total.div_ceil(2));
            if app.view != convstep::app::View::Steps {
                continue;
            }
            let g = app.layer().geom;
            for (cols, rows) in [(80, 24), (120, 40), (200, 60)] {
                let plan = ui::plan(&app, Rect::new(0, 0, cols, rows));
                // Each grid group: the shape of its array inside any padding ring
                // (x's channels are x with its ring), and the factor it is drawn at.
                let shapes: Vec<(&str, Shape, usize)> = plan
                    .grids()
                    .into_iter()
                    .filter_map(|(name, p)| {
                        let (inner, full, ring) = match name {
                            "overview" => ((g.h, g.w), (g.h, g.w), 0),
                            "x" | "dx_pad" | "touches" => ((g.h, g.w), (g.hp(), g.wp()), g.pad),
                            "maps" => ((g.h_out, g.w_out), (g.h_out, g.w_out), 0),
                            _ => return None,
                        };
                        Some((name, inner, drawn_factor(full, ring, p.shown)))
                    })
                    .collect();
                for (a, sa, fa) in &shapes {
                    for (b, sb, fb) in &shapes {
                        if sa == sb && a < b && fa != fb {
                            wrong.push(format!(
                                "{a} and {b}, both {sa:?}, at 1:{fa} and 1:{fb} at \
                                 {cols}x{rows} {phase:?} ({:?}, size {:?})",
                                args.preset, args.size
                            ));
                        }
                    }
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The maps' legend says what its colours stand for: beside its bar, the first
/// drawn map's scale (`±2.438 dout[0]`), in every frame where the maps are drawn
/// (cs231n-image backward at 80x24 once drew the bar alone).
#[test]
fn the_maps_legend_always_gives_a_scale() {
    let mut missing = Vec::new();
    for args in scenes() {
        let total = start(args.clone(), Phase::Forward, 1).total_steps();
        for phase in [Phase::Forward, Phase::Backward] {
            let app = start(args.clone(), phase, total.div_ceil(2));
            if app.view != convstep::app::View::Steps {
                continue;
            }
            for (cols, rows) in [(80, 24), (120, 40), (200, 60)] {
                let plan = ui::plan(&app, Rect::new(0, 0, cols, rows));
                let (Some(legend), Some((_, filters))) = (plan.legend, plan.fmap.as_ref()) else {
                    continue;
                };
                let buf = ui::render_buffer(&app, cols, rows);
                let line: String = (legend.x..legend.right())
                    .map(|x| buf[(x, legend.y)].symbol().to_string())
                    .collect();
                let name = if phase == Phase::Backward {
                    "dout"
                } else {
                    "out"
                };
                let want = format!("{name}[{}]", filters[0]);
                if !line.contains('±') || !line.contains(&want) {
                    missing.push(format!(
                        "{:?} {phase:?} {cols}x{rows}: {line:?}",
                        args.preset
                    ));
                }
            }
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}
