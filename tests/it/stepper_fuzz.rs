//! The terminal loop fuzzed in process: the very `Session` the terminal runs, on a
//! `TestBackend`, fed random inputs in bursts (every key of the key table, unbound keys,
//! mouse reports of every kind, resizes from 1x1 to 300x100, play ticks) on every
//! preset and on random small layers. After each burst it draws once, as the loop does,
//! and checks:
//! - nothing panics and the step stays in range;
//! - no two panels overlap (the check of `stepper_robust`);
//! - the frame on the (diffed) screen equals a fresh full redraw of the same state;
//! - for episodes of key-table keys only, `convstep shot --keys` with the same keys
//!   and size draws the live state, byte for byte (ANSI, so colours count too).
//!
//! One case is one checked frame. `cargo test` runs [`DEFAULT_CASES`]; a longer run:
//! `CONVSTEP_FUZZ_CASES=1000000 cargo test --release --test it stepper_fuzz`, with
//! `CONVSTEP_FUZZ_SEED=N` for another sequence (docs/development.md).

use std::path::Path;
use std::time::Instant;

use clap::Parser;
use convstep::app::keys::TABLE;
use convstep::app::{Action, App};
use convstep::cmd::{Cli, Command};
use convstep::export::{Format, RenderOptions, ScreenshotOptions};
use convstep::input::{SceneSpec, presets};
use convstep::runtime::Session;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{
    Event, KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use ratatui::layout::Rect;

use crate::stepper_robust::panels_do_not_overlap;

/// Checked frames in `cargo test`: about 25 s in a debug build on a loaded 2-core machine.
const DEFAULT_CASES: usize = 1500;

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

/// A layer to fuzz: the stepper's command line after `convstep`.
fn scenario(rng: &mut ChaCha8Rng, dir: &Path, k: usize) -> Vec<String> {
    let presets = presets();
    let pick = rng.random_range(0..presets.len() + 3);
    let mut args: Vec<String> = Vec::new();
    if pick < presets.len() {
        args.extend(["--preset".into(), presets[pick].name.into()]);
        return args;
    }
    if pick == presets.len() {
        // A random array: a batch of up to 2 images of up to 3 channels.
        let (n, c) = (rng.random_range(1..=2), rng.random_range(1..=3));
        let (h, w) = (rng.random_range(1..=9), rng.random_range(1..=9));
        let x = ndarray::Array4::from_shape_fn((n, c, h, w), |_| {
            rng.random_range(-3.0..3.0f64).round()
        });
        let path = dir.join(format!("x{k}.npy"));
        ndarray_npy::write_npy(&path, &x).expect("x.npy written");
        args.extend(["--input".into(), path.display().to_string()]);
    } else {
        // The bundled picture at a small working size.
        let size = [8, 12, 16][rng.random_range(0..3)];
        args.extend(["--size".into(), size.to_string()]);
        if rng.random_bool(0.3) {
            args.push("--gray".into());
        }
    }
    args.extend([
        "--kernel".into(),
        "random".into(),
        "--filters".into(),
        rng.random_range(1..=4).to_string(),
        "--kernel-size".into(),
        rng.random_range(1..=5).to_string(),
        "--stride".into(),
        rng.random_range(1..=3).to_string(),
        "--pad".into(),
        rng.random_range(0..=2).to_string(),
        "--dilation".into(),
        rng.random_range(1..=2).to_string(),
        "--seed".into(),
        rng.random_range(0..1000).to_string(),
    ]);
    args
}

/// The App the stepper would start with for `args`; None if they are refused.
fn start(args: &[String]) -> Option<App> {
    let cli =
        Cli::try_parse_from(std::iter::once("convstep".to_string()).chain(args.to_vec())).ok()?;
    let spec = SceneSpec::from_args(&cli.stepper.input).ok()?;
    App::new(spec, &cli.stepper.state).ok()
}

/// One random input, and the key's script name if it is a key of the key table.
enum Input {
    Key(KeyEvent, Option<&'static str>),
    Mouse(MouseEvent),
    Resize(u16, u16),
    Tick,
}

fn table_key(rng: &mut ChaCha8Rng, app: &App, keys_only: bool) -> (KeyEvent, &'static str) {
    loop {
        let binding = &TABLE[rng.random_range(0..TABLE.len())];
        let key = binding.keys[rng.random_range(0..binding.keys.len())];
        // Rebuilding the scene larger and the gradient check cost whole passes: keep
        // the layers small and the checks rare, so that thousands of cases stay quick.
        let g = app.layer().geom;
        let costly = match binding.action {
            Action::SizeUp => g.h.max(g.w) >= 16,
            Action::PadUp | Action::DilationUp => g.hp().max(g.wp()) >= 24,
            Action::GradCheck => rng.random_bool(0.7),
            // A screenshot's message is not part of a key script.
            Action::Screenshot => keys_only,
            _ => false,
        };
        if costly {
            continue;
        }
        let mut modifiers = KeyModifiers::NONE;
        if key.ctrl {
            modifiers |= KeyModifiers::CONTROL;
        }
        if let KeyCode::Char(c) = key.code
            && c.is_uppercase()
        {
            modifiers |= KeyModifiers::SHIFT;
        }
        return (KeyEvent::new(key.code, modifiers), key.name);
    }
}

fn random_input(rng: &mut ChaCha8Rng, app: &App, size: (u16, u16), keys_only: bool) -> Input {
    let roll = if keys_only {
        0
    } else {
        rng.random_range(0..100)
    };
    match roll {
        0..60 => {
            let (key, name) = table_key(rng, app, keys_only);
            Input::Key(key, Some(name))
        }
        60..65 => {
            let code = [
                KeyCode::Char('n'),
                KeyCode::Char('é'),
                KeyCode::PageUp,
                KeyCode::F(5),
                KeyCode::Enter,
                KeyCode::Insert,
            ][rng.random_range(0..6)];
            let modifiers = [KeyModifiers::NONE, KeyModifiers::ALT, KeyModifiers::CONTROL]
                [rng.random_range(0..3)];
            Input::Key(KeyEvent::new(code, modifiers), None)
        }
        65..85 => {
            let button = [MouseButton::Left, MouseButton::Right, MouseButton::Middle]
                [rng.random_range(0..3)];
            let kind = match rng.random_range(0..8) {
                0..3 => MouseEventKind::Down(MouseButton::Left),
                3 => MouseEventKind::Down(button),
                4 => MouseEventKind::Up(button),
                5 => MouseEventKind::Drag(button),
                6 => MouseEventKind::Moved,
                _ => MouseEventKind::ScrollDown,
            };
            Input::Mouse(MouseEvent {
                kind,
                column: rng.random_range(0..size.0.saturating_add(3)),
                row: rng.random_range(0..size.1.saturating_add(3)),
                modifiers: KeyModifiers::NONE,
            })
        }
        85..93 => Input::Resize(random_size(rng).0, random_size(rng).1),
        _ => Input::Tick,
    }
}

/// Sizes from 1x1 to 300x100, the usual ones more often.
fn random_size(rng: &mut ChaCha8Rng) -> (u16, u16) {
    match rng.random_range(0..4) {
        0 => (rng.random_range(1..=300), rng.random_range(1..=100)),
        1 => [(60, 16), (80, 24), (100, 30), (120, 40)][rng.random_range(0..4)],
        _ => (rng.random_range(60..=200), rng.random_range(16..=60)),
    }
}

/// The stepper's screen drawn afresh at `area`.
fn fresh(app: &App, area: Rect) -> Buffer {
    let mut buf = Buffer::empty(area);
    convstep::ui::render(app, area, &mut buf);
    buf
}

/// Where two buffers first differ, for the failure message.
fn first_difference(a: &Buffer, b: &Buffer) -> String {
    if a.area != b.area {
        return format!("areas {:?} and {:?}", a.area, b.area);
    }
    for y in 0..a.area.height {
        for x in 0..a.area.width {
            if a[(x, y)] != b[(x, y)] {
                return format!("at ({x}, {y}): {:?} vs {:?}", a[(x, y)], b[(x, y)]);
            }
        }
    }
    "nowhere".into()
}

/// `convstep shot ARGS --keys SCRIPT` at `area`, as ANSI bytes.
fn shot(args: &[String], script: &[&str], area: Rect, out: &Path) -> Vec<u8> {
    let mut line: Vec<String> = vec!["convstep".into(), "shot".into()];
    line.extend(args.iter().cloned());
    if !script.is_empty() {
        line.push(format!("--keys={}", script.join(" ")));
    }
    line.extend([
        "--cols".into(),
        area.width.to_string(),
        "--rows".into(),
        area.height.to_string(),
        "-o".into(),
        out.display().to_string(),
    ]);
    let cli = Cli::try_parse_from(&line).unwrap_or_else(|e| panic!("{line:?}: {e}"));
    let Some(Command::Shot(shot)) = cli.command else {
        panic!("{line:?} is not a shot");
    };
    convstep::cmd::shot::run(&shot).unwrap_or_else(|e| panic!("{line:?}: {e:#}"));
    std::fs::read(out).expect("the shot is written")
}

/// Runs `cases` checked frames from `seed`; returns how many layers it went through.
fn fuzz(cases: usize, seed: u64) -> usize {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut done = 0;
    let mut layers = 0;
    while done < cases {
        layers += 1;
        let args = scenario(&mut rng, dir.path(), layers);
        let Some(mut app) = start(&args) else {
            continue;
        };
        let shots = dir.path().join(format!("shots{layers}"));
        std::fs::create_dir_all(&shots).expect("a folder for screenshots");
        let export = ScreenshotOptions {
            export_format: Some("txt".into()),
            export_dir: Some(shots.clone()),
            png_scale: None,
        };
        let keys_only = rng.random_bool(0.3);
        let size = random_size(&mut rng);
        let mut size = size;
        let terminal = Terminal::new(TestBackend::new(size.0, size.1)).expect("a test terminal");
        let mut session = Session::new(terminal, &mut app, &export);
        session.draw().expect("the first frame");
        let mut script: Vec<&str> = Vec::new();
        let mut trail: Vec<String> = vec![format!("start {}x{}", size.0, size.1)];
        let mut quit = false;
        let bursts = rng.random_range(1..=12);
        for _ in 0..bursts {
            for _ in 0..rng.random_range(1..=4) {
                let input = random_input(&mut rng, session.screen(), size, keys_only);
                match input {
                    Input::Key(key, name) => {
                        trail.push(format!("{:?}", key.code));
                        script.extend(name);
                        let help = session.screen().help;
                        let checking = session.screen().check.is_some();
                        quit = session.apply(&Event::Key(key));
                        if quit {
                            let quits = matches!(name, Some("q" | "Esc" | "C-c"));
                            assert!(
                                quits && !help && !checking,
                                "{key:?} quit (help {help}, check {checking}) after {trail:?} on {args:?}"
                            );
                        }
                    }
                    Input::Mouse(mouse) => {
                        trail.push(format!("{:?}@{},{}", mouse.kind, mouse.column, mouse.row));
                        assert!(!session.apply(&Event::Mouse(mouse)), "a click quit");
                    }
                    Input::Resize(w, h) => {
                        trail.push(format!("{w}x{h}"));
                        size = (w, h);
                        session.terminal_mut().backend_mut().resize(w, h);
                        assert!(!session.apply(&Event::Resize(w, h)), "a resize quit");
                    }
                    Input::Tick => {
                        trail.push("tick".into());
                        session.tick(Instant::now());
                    }
                }
                if quit {
                    break;
                }
            }
            if quit {
                break;
            }
            session.draw().expect("a frame");
            done += 1;
            if done % 100_000 == 0 {
                eprintln!("stepper fuzz: {done} cases on {layers} layers");
            }
            let app = session.screen();
            let area = Rect::new(0, 0, size.0, size.1);
            let shown = session.terminal().backend().buffer();
            let want = fresh(app, area);
            assert!(
                *shown == want,
                "the screen differs from a fresh redraw {} after {trail:?} on {args:?}",
                first_difference(shown, &want)
            );
            panels_do_not_overlap(app, size.0, size.1);
            assert!((1..=app.total_steps()).contains(&app.step), "{trail:?}");
        }
        drop(session);
        if keys_only {
            let area = Rect::new(0, 0, size.0, size.1);
            let live = convstep::export::render(
                &fresh(&app, area),
                Format::Ans,
                &RenderOptions::default(),
            )
            .expect("ANSI of the live state");
            let got = shot(&args, &script, area, &dir.path().join("shot.ans"));
            assert!(
                got == live,
                "shot --keys {:?} at {}x{} differs from the live state on {args:?}",
                script.join(" "),
                size.0,
                size.1
            );
        }
        let _ = std::fs::remove_dir_all(&shots);
    }
    layers
}

#[test]
fn random_inputs_keep_the_screen_whole_and_equal_to_a_fresh_redraw() {
    let cases = env_number("CONVSTEP_FUZZ_CASES", DEFAULT_CASES as u64) as usize;
    let seed = env_number("CONVSTEP_FUZZ_SEED", 10);
    let start = Instant::now();
    let layers = fuzz(cases, seed);
    eprintln!(
        "stepper fuzz: {cases} cases on {layers} layers from seed {seed} in {:.1} s",
        start.elapsed().as_secs_f64()
    );
}

/// Found by the long run (case 100,000 or so): resized away and back to the same size
/// between two frames, the terminal had cut its picture (rows beyond 16 lost) while
/// ratatui, seeing the size unchanged, drew only what differed from the last frame.
#[test]
fn a_resize_away_and_back_between_two_frames_redraws_the_whole_screen() {
    let args: Vec<String> = ["--preset", "cs231n-demo"].map(String::from).to_vec();
    let export = ScreenshotOptions::default();
    let mut app = start(&args).expect("the preset starts");
    let terminal = Terminal::new(TestBackend::new(100, 30)).expect("a test terminal");
    let mut session = Session::new(terminal, &mut app, &export);
    session.draw().expect("a frame");
    for (w, h) in [(161, 16), (100, 30)] {
        session.terminal_mut().backend_mut().resize(w, h);
        session.apply(&Event::Resize(w, h));
    }
    session.draw().expect("a frame");
    let want = fresh(session.screen(), Rect::new(0, 0, 100, 30));
    let shown = session.terminal().backend().buffer();
    assert!(*shown == want, "{}", first_difference(shown, &want));
}

/// One figure of /proc/PID/status, in kB (`VmHWM`: the peak resident size so far).
fn status_kb(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// How many of the process's threads compute (named `convstep-compute`, which /proc
/// cuts to 15 bytes).
fn compute_threads(pid: u32) -> usize {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return 0;
    };
    tasks
        .flatten()
        .filter(|task| {
            std::fs::read_to_string(task.path().join("comm"))
                .is_ok_and(|comm| comm.trim() == "convstep-comput")
        })
        .count()
}

/// Issue 22, item 1: a storm of parameter keys on a large picture started one rebuild
/// thread per key, each holding a scene of its own (21 threads and 5.7 GB on a
/// 2048x2048 photograph). At most one rebuild runs now, and the peak memory stays
/// within about two scenes.
#[test]
fn a_storm_of_parameter_keys_runs_one_rebuild_at_a_time_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let photo = dir.path().join("big.png");
    // Noise, so that every window differs; 384x384 at full size: one rebuild takes
    // a good part of a second in a debug build, so that the keys overlap.
    let mut rng = ChaCha8Rng::seed_from_u64(22);
    image::RgbImage::from_fn(384, 384, |_, _| image::Rgb(rng.random()))
        .save(&photo)
        .unwrap();
    let bin = env!("CARGO_BIN_EXE_convstep");
    let command = format!(
        "{bin} {} --size full; echo convstep-exited-$?; sleep 60",
        photo.display()
    );
    let Some(t) = crate::tmux_support::Tmux::start("storm", 120, 40, &command) else {
        return;
    };
    t.wait_until_within(
        std::time::Duration::from_secs(120),
        "the first frame",
        |s| s.contains("step 1/"),
    );
    let pid = t.child_pid("convstep").expect("convstep runs in the pane");
    let one_scene = status_kb(pid, "VmHWM");
    // 30 edits in one paste: stride up and down, then pad (only the last one's
    // answer is taken, so ": output" shows once the storm has settled).
    t.type_bytes(&format!("{}{}", "+-".repeat(10), "><".repeat(5)));
    let mut most = 0;
    let screen = t.wait_until_within(std::time::Duration::from_secs(120), "settled", |s| {
        most = most.max(compute_threads(pid));
        s.contains(": output") && !s.contains('…')
    });
    let peak = status_kb(pid, "VmHWM");
    assert!(most <= 1, "{most} compute threads at once\n{screen}");
    // The scene shown and the one being built, with room for the allocator's slack.
    assert!(
        peak <= one_scene * 5 / 2,
        "peak {peak} kB after the storm, {one_scene} kB with one scene\n{screen}"
    );
    t.keys(&["q"]);
    t.wait_for("convstep-exited-0");
}
