//! How long one frame takes to draw: the bundled photo at full size (451x300) with 8
//! random 3x3 filters, at 200x60, forward and backward, the mean of many frames. The
//! grids are scaled by reading only the cells drawn, so the photo's size should not
//! show in the figure; a 16x11 photo is drawn beside it for comparison.
//!
//! Run: `cargo run --release --example frame_timing`

use std::time::Instant;

use convstep::app::{Action, App, StateArgs};
use convstep::input::{InputArgs, SceneSpec};

fn time(size: &str) -> anyhow::Result<()> {
    let args = InputArgs {
        size: Some(size.into()),
        kernel: Some("random".into()),
        filters: Some(8),
        ..Default::default()
    };
    let mut app = App::new(SceneSpec::from_args(&args)?, &StateArgs::default())?;
    let g = app.layer().geom;
    for phase in ["forward", "backward"] {
        if phase == "backward" {
            app.update(Action::Backward);
        }
        app.update(Action::Next);
        let rounds = 40;
        let start = Instant::now();
        for _ in 0..rounds {
            std::hint::black_box(convstep::ui::render_buffer(&app, 200, 60));
        }
        let ms = start.elapsed().as_secs_f64() * 1e3 / rounds as f64;
        println!(
            "x {}x{}, {} filters, {phase}: one 200x60 frame in {ms:.2} ms (mean of {rounds})",
            g.h, g.w, g.f
        );
    }
    Ok(())
}

fn main() -> anyhow::Result<()> {
    time("full")?;
    time("16")?;
    Ok(())
}
