//! Times the PNG of a real 200x60 stepper frame and the GIF of 100 stepper frames at
//! 120x40 through the public export functions, as `shot` and `record` make them:
//! `cargo run --release --example export_timing [-- OUT_DIR]`. With OUT_DIR, the PNG
//! and GIF are written there too, to compare builds pixel by pixel. Timings are
//! printed (medians), never asserted.

use std::time::{Duration, Instant};

use convstep::app::{Action, App};
use convstep::cmd::InputArgs;
use convstep::cmd::StateArgs;
use convstep::export::{Format, RenderOptions, TimedFrame, gif::to_gif, render};
use convstep::input::SceneSpec;
use convstep::ui;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort_unstable();
    v[v.len() / 2]
}

fn main() -> anyhow::Result<()> {
    let out = std::env::args().nth(1).map(std::path::PathBuf::from);
    let spec = SceneSpec::from_args(&InputArgs::default())?;
    let mut app = App::new(spec.clone(), &StateArgs::default())?;
    for _ in 0..7 {
        app.update(Action::Next);
    }
    let opts = RenderOptions::default();

    let big = ui::render_buffer(&app, 200, 60);
    let mut png = Vec::new();
    let times: Vec<Duration> = (0..7)
        .map(|_| {
            let t = Instant::now();
            png = render(&big, Format::Png, &opts).expect("png");
            t.elapsed()
        })
        .collect();
    println!(
        "png 200x60 (scale {}): {:.1} ms median of 7, {} bytes",
        opts.png_scale,
        median(times).as_secs_f64() * 1e3,
        png.len()
    );

    let mut app = App::new(spec, &StateArgs::default())?;
    let mut frames = Vec::new();
    for _ in 0..100 {
        frames.push(TimedFrame {
            buffer: ui::render_buffer(&app, 120, 40),
            delay_ms: 1000,
        });
        app.update(Action::Next);
    }
    let mut gif = Vec::new();
    let times: Vec<Duration> = (0..3)
        .map(|_| {
            let t = Instant::now();
            gif = to_gif(frames.clone(), opts.theme, opts.png_scale).expect("gif");
            t.elapsed()
        })
        .collect();
    println!(
        "gif 100 frames 120x40 (scale {}): {:.1} ms median of 3, {} bytes",
        opts.png_scale,
        median(times).as_secs_f64() * 1e3,
        gif.len()
    );
    if let Some(dir) = out {
        std::fs::write(dir.join("frame.png"), &png)?;
        std::fs::write(dir.join("record.gif"), &gif)?;
    }
    Ok(())
}
