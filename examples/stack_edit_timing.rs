//! Times a parameter change of one layer of the bench's stack (`--layers "conv 3 p1
//! f8; relu; conv 3 p1 f8; relu; conv 3 p1 f8"` on the bundled photo at full size),
//! from the key to its first frame at 200x60, each way apart (stride 1 -> 2, and back
//! to 1, which rebuilds at full size): `cargo run --release --example
//! stack_edit_timing -- [LAYER (0-based, default 0)] [fwd|bwd (default bwd)] [EDITS
//! (default 30)]`. Medians are printed, never asserted; run two builds in turn to
//! compare them.

use std::time::Instant;

use convstep::app::{Action, App, Effect, Start};
use convstep::input::{InputOptions, SceneSpec};
use convstep::palette::ColorMode;

fn main() -> anyhow::Result<()> {
    // As convstep's main does: glibc keeps freed memory (see src/main.rs).
    // SAFETY: mallopt only sets allocator parameters; no other thread runs yet.
    unsafe {
        libc::mallopt(libc::M_MMAP_MAX, 0);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 1 << 30);
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
    let args: Vec<String> = std::env::args().collect();
    let layer: usize = args.get(1).map_or(Ok(0), |s| s.parse())?;
    let backward = args.get(2).is_none_or(|s| s == "bwd");
    let edits: usize = args.get(3).map_or(Ok(30), |s| s.parse())?;
    let options = InputOptions {
        size: Some("full".into()),
        layers: Some("conv 3 p1 f8; relu; conv 3 p1 f8; relu; conv 3 p1 f8".into()),
        ..Default::default()
    };
    let spec = SceneSpec::from_options(&options)?;
    let mut app = App::new(spec, Start::default())?.with_color(ColorMode::for_exports());
    app.apply(Action::PickLayer { layer });
    if backward {
        app.apply(Action::Backward);
    }
    let mut times = [Vec::new(), Vec::new()];
    for i in 0..edits.max(2) {
        let action = if i % 2 == 0 {
            Action::StrideUp
        } else {
            Action::StrideDown
        };
        let start = Instant::now();
        let mut effect = app.update(action);
        if let Some(Effect::Compute(job)) = effect {
            effect = app.update(Action::Computed(Box::new(job.run())));
        }
        std::hint::black_box(convstep::ui::render_buffer(&app, 200, 60));
        times[i % 2].push(start.elapsed().as_secs_f64() * 1e3);
        // The second answer (the layers below, the weights above) comes after the
        // frame; the next key waits for it.
        while let Some(Effect::Compute(job)) = effect {
            effect = app.update(Action::Computed(Box::new(job.run())));
        }
    }
    for (way, mut t) in ["to stride 2", "back to stride 1"].into_iter().zip(times) {
        t.sort_by(f64::total_cmp);
        print!("{way}: {:.1} ms   ", t[t.len() / 2]);
    }
    println!();
    Ok(())
}
