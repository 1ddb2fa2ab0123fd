//! `convstep shot` and `convstep record` through the real binary: every format, the
//! text of a shot against the live program in tmux, the colours of a PNG against the
//! frame the library draws, GIF frame counts, and clean failures.

use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;

use assert_cmd::Command;
use convstep::app::App;
use convstep::app::Step;
use convstep::cmd::InputArgs;
use convstep::cmd::StateArgs;
use convstep::export::grid::{DEFAULT_THEME, Srgb, resolve};
use convstep::input::SceneSpec;
use ratatui::buffer::Buffer;

fn convstep() -> Command {
    let mut cmd = Command::cargo_bin("convstep").unwrap();
    cmd.env_remove("NO_COLOR").env("COLORTERM", "truecolor");
    cmd
}

fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// The frame the library draws for `--preset P --step K` at cols x rows.
fn library_frame(preset: &str, step: usize, cols: u16, rows: u16) -> Buffer {
    let input = InputArgs {
        preset: Some(preset.into()),
        ..InputArgs::default()
    };
    let spec = SceneSpec::from_args(&input).unwrap();
    let state = StateArgs {
        step: Some(Step::At(step)),
        ..StateArgs::default()
    };
    let app = App::new(spec, &state).unwrap();
    convstep::ui::render_buffer(&app, cols, rows)
}

fn shot(dir: &Path, name: &str, extra: &[&str]) -> PathBuf {
    let out = dir.join(name);
    convstep()
        .args([
            "shot",
            "--preset",
            "cs231n-demo",
            "--cols",
            "100",
            "--rows",
            "30",
        ])
        .args(extra)
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    out
}

#[test]
fn shot_writes_every_format_at_the_asked_size() {
    let dir = tempfile::tempdir().unwrap();
    let txt = std::fs::read_to_string(shot(dir.path(), "f.txt", &["--step", "5"])).unwrap();
    assert_eq!(txt.lines().count(), 30);
    assert!(
        txt.lines()
            .all(|l| unicode_width::UnicodeWidthStr::width(l) <= 100)
    );

    let ans = std::fs::read_to_string(shot(dir.path(), "f.ans", &["--step", "5"])).unwrap();
    assert!(ans.contains("\x1b[0;"), "ANSI codes present");
    assert_eq!(ans.lines().count(), 30);

    let svg = std::fs::read_to_string(shot(dir.path(), "f.svg", &["--step", "5"])).unwrap();
    let doc = roxmltree::Document::parse(&svg).unwrap();
    assert_eq!(doc.root_element().attribute("width"), Some("900"));
    assert_eq!(doc.root_element().attribute("height"), Some("540"));

    let html = std::fs::read_to_string(shot(dir.path(), "f.html", &["--step", "5"])).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && html.contains("<div class=\"t\">"));

    let png = shot(dir.path(), "f.png", &["--step", "5", "--png-scale", "1"]);
    let img = image::open(&png).unwrap();
    assert_eq!((img.width(), img.height()), (900, 540));
    assert_eq!(
        entries(dir.path()),
        vec!["f.ans", "f.html", "f.png", "f.svg", "f.txt"]
    );
}

#[test]
fn the_same_arguments_give_byte_identical_files() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["a.svg", "a.png"] {
        let first = std::fs::read(shot(dir.path(), name, &["--step", "7"])).unwrap();
        let second = std::fs::read(shot(dir.path(), name, &["--step", "7"])).unwrap();
        assert_eq!(first, second, "{name}");
    }
    let gif = dir.path().join("no-padding-no-strides.gif");
    record_delays(dir.path(), "no-padding-no-strides", &[]);
    let first = std::fs::read(&gif).unwrap();
    record_delays(dir.path(), "no-padding-no-strides", &[]);
    assert_eq!(first, std::fs::read(&gif).unwrap(), "gif");
}

#[test]
fn keys_apply_before_the_shot() {
    let dir = tempfile::tempdir().unwrap();
    let by_keys = std::fs::read_to_string(shot(dir.path(), "k.txt", &["--keys", "l l l"])).unwrap();
    let by_step = std::fs::read_to_string(shot(dir.path(), "s.txt", &["--step", "4"])).unwrap();
    assert_eq!(by_keys, by_step);
    let first = std::fs::read_to_string(shot(dir.path(), "f.txt", &[])).unwrap();
    assert_ne!(by_keys, first);
}

/// Cells drawn as plain glyphs keep their background in the top-left corner; half
/// blocks show the foreground on top and the background below.
fn assert_png_matches(buf: &Buffer, png: &image::RgbImage, scale: u32) {
    let grid = resolve(buf, DEFAULT_THEME);
    let (cw, ch) = (9 * scale, 18 * scale);
    let px = |x: u32, y: u32| {
        let p = png.get_pixel(x, y).0;
        Srgb(p[0], p[1], p[2])
    };
    let mut checked = 0;
    for y in 0..grid.rows {
        for x in 0..grid.cols {
            let cell = grid.cell(x, y);
            let (x0, y0) = (u32::from(x) * cw, u32::from(y) * ch);
            let c = cell.symbol.chars().next().unwrap_or(' ');
            let (top, bottom) = match c {
                '▀' => (cell.fg, cell.bg),
                '▄' => (cell.bg, cell.fg),
                '█' => (cell.fg, cell.fg),
                // Shapes have their own tests; '_' and underlines ink the bottom.
                '\u{2500}'..='\u{28ff}' | '_' => continue,
                _ if cell.underline => continue,
                _ => (cell.bg, cell.bg),
            };
            assert_eq!(
                px(x0 + 1, y0 + 1),
                top,
                "top of cell ({x}, {y}) {:?}",
                cell.symbol
            );
            assert_eq!(
                px(x0 + 1, y0 + ch - 2),
                bottom,
                "bottom of cell ({x}, {y}) {:?}",
                cell.symbol
            );
            checked += 1;
        }
    }
    assert!(checked > 1000, "{checked}");
}

#[test]
fn png_has_the_frame_colours_at_the_window_and_the_padding() {
    let dir = tempfile::tempdir().unwrap();
    // Step 1 of cs231n-demo: the window sits in the top-left corner, over the padding.
    let png = shot(dir.path(), "w.png", &["--step", "1"]);
    let img = image::open(&png).unwrap().to_rgb8();
    let buf = library_frame("cs231n-demo", 1, 100, 30);
    assert_png_matches(&buf, &img, 2);

    // The padding's and the window's colours are in the frame, and so in the PNG.
    let theme = |(r, g, b): (u8, u8, u8)| ratatui::style::Color::Rgb(r, g, b);
    let pad = theme(convstep::ui::theme::PAD);
    let window = theme(convstep::ui::theme::WINDOW);
    let cells: Vec<_> = buf.content().iter().collect();
    assert!(
        cells.iter().any(|c| c.bg == pad),
        "padding cells in the frame"
    );
    assert!(
        cells.iter().any(|c| c.fg == window || c.bg == window),
        "window marks in the frame"
    );
    let colors: std::collections::HashSet<[u8; 3]> = img.pixels().map(|p| p.0).collect();
    let (pr, pg, pb) = convstep::ui::theme::PAD;
    let (wr, wg, wb) = convstep::ui::theme::WINDOW;
    assert!(colors.contains(&[pr, pg, pb]), "padding colour in the PNG");
    assert!(colors.contains(&[wr, wg, wb]), "window colour in the PNG");
}

/// Records a GIF at 80x24 and scale 1; returns the delay of each frame it holds.
fn record_delays(dir: &Path, preset: &str, extra: &[&str]) -> Vec<u16> {
    let out = dir.join(format!("{preset}.gif"));
    convstep()
        .args(["record", "--preset", preset, "--cols", "80", "--rows", "24"])
        .args(["--png-scale", "1"])
        .args(extra)
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    let file = std::fs::File::open(&out).unwrap();
    let mut decoder = gif::DecodeOptions::new().read_info(file).unwrap();
    let mut delays = Vec::new();
    while let Some(frame) = decoder.read_next_frame().unwrap() {
        delays.push(frame.delay);
    }
    delays
}

#[test]
fn record_makes_one_frame_per_step_and_drops_repeats() {
    let dir = tempfile::tempdir().unwrap();
    // 4 output cells, 4 steps, 4 frames of 0.5 s.
    let steps = record_delays(dir.path(), "no-padding-no-strides", &["--delay", "500"]);
    assert_eq!(steps, vec![50, 50, 50, 50]);
    // A key script: the start, then one frame per key; keys that change nothing
    // (Right at the last step) add their time to the frame before.
    let keys = record_delays(dir.path(), "dilation", &["--keys", "G l l"]);
    assert_eq!(keys, vec![100, 300]);
    let range = record_delays(dir.path(), "cs231n-demo", &["--steps", "2..4"]);
    assert_eq!(range, vec![100, 100, 100]);
}

fn assert_fails_cleanly(args: &[&str], dir: &Path, needle: &str) {
    let before = entries(dir);
    let out = convstep().args(args).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{args:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(err.starts_with("convstep: error: "), "{err}");
    assert!(err.contains(needle), "{err} should mention {needle}");
    assert_eq!(entries(dir), before, "no file left behind");
}

#[test]
fn bad_paths_extensions_and_options_fail_with_one_line_and_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap().to_string();
    let p = |name: &str| format!("{d}/{name}");
    assert_fails_cleanly(&["shot", "-o", &p("frame.jpg")], dir.path(), ".jpg");
    assert_fails_cleanly(&["shot", "-o", &p("frame")], dir.path(), "extension");
    assert_fails_cleanly(
        &["shot", "-o", &p("missing/frame.svg")],
        dir.path(),
        "no such folder",
    );
    assert_fails_cleanly(&["shot", "-o", &d], dir.path(), "");
    assert_fails_cleanly(
        &["shot", "--png-scale", "0", "-o", &p("a.png")],
        dir.path(),
        "--png-scale",
    );
    assert_fails_cleanly(
        &["shot", "--cols", "0", "-o", &p("a.txt")],
        dir.path(),
        "--cols",
    );
    assert_fails_cleanly(
        &["shot", "--keys", "l nosuchkey", "-o", &p("a.txt")],
        dir.path(),
        "nosuchkey",
    );
    assert_fails_cleanly(
        &["shot", "--step", "100000", "-o", &p("a.txt")],
        dir.path(),
        "--step",
    );
    assert_fails_cleanly(&["record", "-o", &p("a.png")], dir.path(), ".gif");
    assert_fails_cleanly(
        &["record", "--steps", "9..3", "-o", &p("a.gif")],
        dir.path(),
        "--steps",
    );
    assert_fails_cleanly(
        &[
            "record",
            "--preset",
            "cs231n-demo",
            "--steps",
            "1..19",
            "-o",
            &p("a.gif"),
        ],
        dir.path(),
        "18 steps",
    );
    assert_fails_cleanly(
        &["record", "-o", &p("no/a.gif")],
        dir.path(),
        "no such folder",
    );
}

// ---- the live program in tmux ----

use crate::tmux_support;

use tmux_support::Tmux;

#[test]
fn shot_text_equals_what_the_live_program_shows_in_tmux() {
    if StdCommand::new("tmux").arg("-V").output().is_err() {
        panic!("tmux is needed for this test (.ci/run installs it)");
    }
    let bin = assert_cmd::cargo::cargo_bin("convstep");
    let dir = tempfile::tempdir().unwrap();
    for (cols, rows, preset, step) in [
        (100u16, 30u16, "cs231n-demo", 5usize),
        (80, 24, "padding-strides", 9),
    ] {
        let command = format!(
            "env -u NO_COLOR COLORTERM=truecolor TERM=xterm-256color {} --preset {preset} --step {step}",
            bin.display()
        );
        let tmux = Tmux::start(preset, cols, rows, &command).expect("tmux starts");
        let live = tmux.wait_steady(&format!("{step}/"));
        drop(tmux);
        let out = dir.path().join(format!("{preset}.txt"));
        convstep()
            .args(["shot", "--preset", preset, "--step", &step.to_string()])
            .args([
                "--cols",
                &cols.to_string(),
                "--rows",
                &rows.to_string(),
                "-o",
            ])
            .arg(&out)
            .assert()
            .success();
        let shot = std::fs::read_to_string(&out).unwrap();
        assert_eq!(shot, live, "{preset} at {cols}x{rows}");
    }
}

#[test]
fn the_s_key_saves_what_the_screen_shows() {
    let bin = assert_cmd::cargo::cargo_bin("convstep");
    let dir = tempfile::tempdir().unwrap();
    let command = format!(
        "env -u NO_COLOR COLORTERM=truecolor TERM=xterm-256color {} --preset cs231n-demo --step 3 \
         --export-dir {} --export-format txt,png --png-scale 1",
        bin.display(),
        dir.path().display()
    );
    let tmux = Tmux::start("s-key", 100, 30, &command).expect("tmux starts");
    let before = tmux.wait_steady("3/");
    tmux.keys(&["s"]);
    let after = tmux.wait_steady("convstep-forward-step3-001.txt");
    drop(tmux);
    assert_ne!(before, after, "the status line names the files");
    let txt = std::fs::read_to_string(dir.path().join("convstep-forward-step3-001.txt")).unwrap();
    assert_eq!(txt, before);
    let png = image::open(dir.path().join("convstep-forward-step3-001.png")).unwrap();
    assert_eq!((png.width(), png.height()), (900, 540));
    assert_eq!(
        entries(dir.path()),
        vec![
            "convstep-forward-step3-001.png",
            "convstep-forward-step3-001.txt"
        ]
    );
}

#[test]
fn ans_printed_by_cat_shows_the_same_text_as_the_txt() {
    let dir = tempfile::tempdir().unwrap();
    let txt = std::fs::read_to_string(shot(dir.path(), "f.txt", &["--step", "6"])).unwrap();
    let ans = shot(dir.path(), "f.ans", &["--step", "6"]);
    // One row more than the frame: the last newline moves the cursor below it.
    let command = format!("cat {}; sleep 30", ans.display());
    let tmux = Tmux::start("cat-ans", 100, 31, &command).expect("tmux starts");
    let shown = tmux.wait_steady("6/18");
    drop(tmux);
    let first_rows: String = shown.lines().take(30).map(|l| format!("{l}\n")).collect();
    assert_eq!(first_rows, txt);
}

#[test]
fn shot_and_record_draw_walkthrough_pages() {
    use convstep::tour::{self, Lang};
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("page.txt");
    convstep()
        .args(["shot", "--tour", "--page", "2", "--lang", "en"])
        .args(["--cols", "100", "--rows", "30", "-o"])
        .arg(&out)
        .assert()
        .success();
    let page = tour::shot_frame(None, 2, Some(Lang::En), None, 100, 30).unwrap();
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        convstep::export::text::to_txt(&page)
    );

    let gif = dir.path().join("tour.gif");
    convstep()
        .args([
            "record", "--tour", "--lang", "en", "--cols", "80", "--rows", "24",
        ])
        .args(["--png-scale", "1", "--delay", "3000", "-o"])
        .arg(&gif)
        .assert()
        .success();
    let pages = tour::load(None).unwrap().pages.len();
    let file = std::fs::File::open(&gif).unwrap();
    let mut decoder = gif::DecodeOptions::new().read_info(file).unwrap();
    let mut frames = 0;
    while let Some(frame) = decoder.read_next_frame().unwrap() {
        assert_eq!(frame.delay % 300, 0, "whole pages of 3 s");
        frames += 1;
    }
    assert!(
        frames > 1 && frames <= pages,
        "{frames} frames, {pages} pages"
    );
}
