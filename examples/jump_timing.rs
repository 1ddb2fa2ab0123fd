//! How long a jump takes: the last step of a 64x64x3 input with 8 random 3x3 filters,
//! forward and backward, computed directly (no replay), and one full frame drawn.
//!
//! Run: `cargo run --release --example jump_timing`

use std::time::Instant;

use convstep::app::{Action, App, Phase, StateArgs};
use convstep::input::{InputArgs, SceneSpec};

fn main() -> anyhow::Result<()> {
    // A 64x64x3 input as a .npy (the bundled photo is not square).
    let path = std::env::temp_dir().join(format!("convstep-jump-{}.npy", std::process::id()));
    let x = ndarray::Array::from_shape_fn((1, 3, 64, 64), |(_, c, h, w)| {
        ((h * 64 + w + c * 17) % 255) as f64 / 255.0
    });
    ndarray_npy::write_npy(&path, &x)?;
    let args = InputArgs {
        input: Some(path.clone()),
        kernel: Some("random".into()),
        filters: Some(8),
        pad: Some(1),
        ..Default::default()
    };
    let spec = SceneSpec::from_args(&args)?;
    std::fs::remove_file(&path)?;
    let mut app = App::new(spec, &StateArgs::default())?;
    let g = app.layer().geom;
    println!(
        "x {}x{}x{}x{}, w {}x{}x{}x{}, {} steps",
        g.n,
        g.c,
        g.h,
        g.w,
        g.f,
        g.c,
        g.hh,
        g.ww,
        g.total_steps()
    );
    let rounds = 50;
    for phase in [Phase::Forward, Phase::Backward] {
        app.update(if phase == Phase::Forward {
            Action::Forward
        } else {
            Action::Backward
        });
        let mut worst = 0.0f64;
        let mut total = 0.0;
        for _ in 0..rounds {
            app.update(Action::First);
            let start = Instant::now();
            app.update(Action::Last);
            let ms = start.elapsed().as_secs_f64() * 1e3;
            worst = worst.max(ms);
            total += ms;
        }
        println!(
            "{phase:?}: jump first -> last step {:.3} ms mean, {:.3} ms worst ({rounds} jumps)",
            total / rounds as f64,
            worst
        );
    }
    let start = Instant::now();
    let buf = convstep::ui::render_buffer(&app, 200, 60);
    println!(
        "one 200x60 frame drawn in {:.3} ms ({} cells)",
        start.elapsed().as_secs_f64() * 1e3,
        buf.content().len()
    );
    Ok(())
}
