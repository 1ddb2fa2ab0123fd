//! Nothing blocks the terminal (issue 9): a recomputation that takes far longer than a
//! frame runs off the loop. The stepper says it is computing, keys still work, and `q`
//! quits at once, while the computation is still under way.

use std::path::Path;

use crate::tmux_support::Tmux;

/// A 2048x2048 photograph-like PNG (smooth gradients and a ring), written in `dir`.
fn big_png(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("big.png");
    let side = 2048u32;
    let img = image::RgbImage::from_fn(side, side, |x, y| {
        let (fx, fy) = (x as f64 / side as f64, y as f64 / side as f64);
        let ring = (((fx - 0.5).powi(2) + (fy - 0.5).powi(2)).sqrt() * 40.0).sin();
        image::Rgb([
            (fx * 255.0) as u8,
            (fy * 255.0) as u8,
            ((ring * 0.5 + 0.5) * 255.0) as u8,
        ])
    });
    img.save(&path).expect("the PNG is written");
    path
}

#[test]
fn q_quits_at_once_while_a_full_size_rebuild_is_computing() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let png = big_png(dir.path());
    // Quick at 64 pixels; at the full 2048x2048 the forward and backward passes are
    // some 700 million multiply-adds (the most a live edit may ask for): well under a
    // second in a release build, many seconds in the debug build the tests run.
    let bin = env!("CARGO_BIN_EXE_convstep");
    let command = format!(
        "{bin} {} --size 64; echo convstep-exited-$?; sleep 60",
        png.display()
    );
    let Some(t) = Tmux::start("busy", 120, 40, &command) else {
        return;
    };
    t.wait_for("size 64");
    // Z: the next working size, which after 64 is the full picture.
    t.keys(&["Z"]);
    let screen = t.wait_until("computing, or done", |s| {
        s.contains("computing size full") || s.contains("size full: output")
    });
    if !screen.contains("computing size full") {
        eprintln!(
            "note: stepper_busy: the full-size rebuild ended before the screen could be read (an optimised build?): nothing to observe"
        );
        return;
    }
    // The loop still reads keys and draws meanwhile: the help opens at once (a step
    // would wait for the new scene, so that it steps the layer it will show).
    t.keys(&["?"]);
    let screen = t.wait_for("? or Esc closes");
    assert!(!screen.contains("size full: output"), "{screen}");
    // `?` closes the help (where `q` would only close it), then `q` quits.
    t.keys(&["?", "q"]);
    let screen = t.wait_for("convstep-exited-0");
    // It quit before the rebuild's answer: no frame ever showed it.
    assert!(!screen.contains("size full: output"), "{screen}");
}
