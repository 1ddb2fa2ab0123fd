//! `record -o x.cast`: an asciicast v2 file, parsed as JSON and replayed into a
//! virtual terminal (vt100), whose screen must equal `shot` of the same step, text
//! and colours, at the end and at a frame in between.

use std::path::Path;

use assert_cmd::Command;
use convstep::app::App;
use convstep::app::Step;
use convstep::cmd::InputArgs;
use convstep::cmd::StateArgs;
use convstep::input::SceneSpec;
use ratatui::style::Color;

const COLS: u16 = 100;
const ROWS: u16 = 30;

fn convstep() -> Command {
    let mut cmd = Command::cargo_bin("convstep").unwrap();
    cmd.env_remove("NO_COLOR")
        .env("COLORTERM", "truecolor")
        .env("SOURCE_DATE_EPOCH", "1700000000");
    cmd
}

fn record_cast(out: &Path) {
    convstep()
        .args([
            "record",
            "--preset",
            "cs231n-demo",
            "--cols",
            "100",
            "--rows",
            "30",
        ])
        .args(["--steps", "2..4", "--delay", "250", "-o"])
        .arg(out)
        .assert()
        .success()
        .stderr("");
}

fn shot_txt(dir: &Path, step: usize) -> String {
    let out = dir.join(format!("step{step}.txt"));
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
        .args(["--step", &step.to_string(), "-o"])
        .arg(&out)
        .assert()
        .success();
    std::fs::read_to_string(out).unwrap()
}

/// (header, events as (time, text)).
fn parse(cast: &str) -> (serde_json::Value, Vec<(f64, String)>) {
    let mut lines = cast.lines();
    let header: serde_json::Value = serde_json::from_str(lines.next().unwrap()).unwrap();
    let events = lines
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let a = v.as_array().unwrap();
            assert_eq!(a.len(), 3, "{line}");
            assert_eq!(a[1], "o");
            (a[0].as_f64().unwrap(), a[2].as_str().unwrap().to_string())
        })
        .collect();
    (header, events)
}

/// The screen after the events up to `until` seconds.
fn replay(events: &[(f64, String)], until: f64) -> vt100::Parser {
    let mut vt = vt100::Parser::new(ROWS, COLS, 0);
    for (t, text) in events.iter().filter(|(t, _)| *t <= until) {
        assert!(*t >= 0.0);
        vt.process(text.as_bytes());
    }
    vt
}

fn text_of(vt: &vt100::Parser) -> String {
    let screen = vt.screen();
    (0..ROWS)
        .map(|y| {
            let line: String = screen.rows(0, COLS).nth(usize::from(y)).unwrap();
            format!("{}\n", line.trim_end())
        })
        .collect()
}

/// Cells whose colours differ between the terminal and the frame the library draws
/// (RGB and default colours compared; the frame uses no others here).
fn colour_mismatches(vt: &vt100::Parser, step: usize) -> Vec<(u16, u16)> {
    let input = InputArgs {
        preset: Some("cs231n-demo".into()),
        ..InputArgs::default()
    };
    let app = App::new(
        SceneSpec::from_args(&input).unwrap(),
        &StateArgs {
            step: Some(Step::At(step)),
            ..StateArgs::default()
        },
    )
    .unwrap();
    let buf = convstep::ui::render_buffer(&app, COLS, ROWS);
    let same = |c: Color, v: vt100::Color| match (c, v) {
        (Color::Reset, vt100::Color::Default) => true,
        (Color::Rgb(r, g, b), vt100::Color::Rgb(r2, g2, b2)) => (r, g, b) == (r2, g2, b2),
        (Color::Indexed(i), vt100::Color::Idx(j)) => i == j,
        _ => false,
    };
    let mut bad = Vec::new();
    for y in 0..ROWS {
        for x in 0..COLS {
            let cell = &buf[(x, y)];
            let Some(v) = vt.screen().cell(y, x) else {
                continue;
            };
            if v.is_wide_continuation() {
                continue;
            }
            if !same(cell.bg, v.bgcolor())
                || (!cell.symbol().trim().is_empty() && !same(cell.fg, v.fgcolor()))
            {
                bad.push((x, y));
            }
        }
    }
    bad
}

#[test]
fn a_cast_replays_to_the_shots_of_its_steps() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("lesson.cast");
    record_cast(&out);
    let cast = std::fs::read_to_string(&out).unwrap();
    let (header, events) = parse(&cast);
    assert_eq!(header["version"], 2);
    assert_eq!(header["width"], 100);
    assert_eq!(header["height"], 30);
    assert_eq!(header["timestamp"], 1_700_000_000);
    // Steps 2, 3, 4 at 0, 0.25 and 0.5 s, then the end of the last frame at 0.75 s.
    let times: Vec<f64> = events.iter().map(|e| e.0).collect();
    assert_eq!(times, vec![0.0, 0.25, 0.5, 0.75]);

    let middle = replay(&events, 0.25);
    assert_eq!(text_of(&middle), shot_txt(dir.path(), 3));
    assert_eq!(colour_mismatches(&middle, 3), Vec::new());
    let last = replay(&events, f64::MAX);
    assert_eq!(text_of(&last), shot_txt(dir.path(), 4));
    assert_eq!(colour_mismatches(&last, 4), Vec::new());
    assert!(
        !last.screen().hide_cursor(),
        "the cursor comes back at the end"
    );

    // The same arguments make the same bytes.
    let again = dir.path().join("again.cast");
    record_cast(&again);
    assert_eq!(std::fs::read(&again).unwrap(), cast.as_bytes());
}

#[test]
fn a_cast_of_a_walkthrough_has_one_event_per_page() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("tour.cast");
    convstep()
        .args([
            "record", "--tour", "--lang", "zh", "--cols", "100", "--rows", "30",
        ])
        .args(["--delay", "1000", "-o"])
        .arg(&out)
        .assert()
        .success();
    let (_, events) = parse(&std::fs::read_to_string(&out).unwrap());
    assert!(events.len() >= 3, "{}", events.len());
    let vt = replay(&events, 0.0);
    // Chinese narration is drawn as two-column characters.
    assert!(
        text_of(&vt)
            .chars()
            .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
    );
}
