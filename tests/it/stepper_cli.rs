//! The stepper's command line without a terminal: a clear error naming the headless
//! alternatives, and bad start states reported before that.

use assert_cmd::Command;

#[test]
fn without_a_terminal_it_names_the_headless_commands() {
    let out = Command::cargo_bin("convstep")
        .unwrap()
        .write_stdin("")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr.trim_end(),
        "convstep: error: convstep needs a terminal; for a headless render use `convstep shot ... -o frame.png` or `convstep compute`"
    );
    assert!(out.stdout.is_empty(), "nothing drawn without a terminal");
}

#[test]
fn out_of_range_start_states_are_one_line_errors() {
    for (args, want) in [
        (
            vec!["--step", "0"],
            "--step 0 is out of range: this layer has 1344 steps (1..=1344)",
        ),
        (
            vec!["--filter", "7"],
            "--filter 7 is out of range: this layer has 2 filter(s) (0..=1)",
        ),
        (
            vec!["--preset", "cs231n-demo", "--step", "19"],
            "--step 19 is out of range: this layer has 18 steps (1..=18)",
        ),
    ] {
        let out = Command::cargo_bin("convstep")
            .unwrap()
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            stderr.trim_end(),
            format!("convstep: error: {want}"),
            "{args:?}"
        );
    }
}

#[test]
fn the_phase_option_s_help_reads_as_one_sentence_then_its_values() {
    for args in [vec!["--help"], vec!["shot", "--help"], vec!["-h"]] {
        let out = Command::cargo_bin("convstep")
            .unwrap()
            .args(&args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}");
        let help = String::from_utf8_lossy(&out.stdout);
        let from = help.find("--phase").expect("--phase is listed");
        let to = help[from..].find("--step").expect("--step follows") + from;
        let block: Vec<&str> = help[from..to].split_whitespace().collect();
        assert_eq!(
            block.join(" "),
            "--phase <PHASE> The pass to start in (default: forward) [possible values: forward, backward]",
            "{args:?}"
        );
    }
}

#[test]
fn no_color_shot_gives_every_feature_map_cell_a_character() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f.txt");
    Command::cargo_bin("convstep")
        .unwrap()
        .env("NO_COLOR", "1")
        .args([
            "shot", "--size", "16", "--cols", "200", "--rows", "60", "--step", "21", "-o",
        ])
        .arg(&path)
        .assert()
        .success();
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let title = lines
        .iter()
        .position(|l| l.contains("out[0] sobel-x"))
        .expect("out[0] is drawn");
    let start = lines[title]
        .char_indices()
        .position(|(i, _)| lines[title][i..].starts_with("out[0]"))
        .expect("out[0] title");
    // Small enough to print its numbers (one line a row, the marks between them).
    // Row i=0 of out[0]: computed, every one of its 16 cells a number.
    let row0: Vec<String> = lines[title + 1]
        .chars()
        .skip(start)
        .collect::<String>()
        .split_whitespace()
        .take(16)
        .map(str::to_string)
        .collect();
    assert!(
        row0.len() == 16 && row0.iter().all(|t| t.parse::<f64>().is_ok()),
        "computed row printed: {row0:?}"
    );
    // Row i=1: the cells left of the current one printed, the current `< >`, then
    // `╌` for every cell not computed yet.
    let row1: String = lines[title + 2].chars().skip(start).collect();
    let (before, after) = row1.split_once('<').expect("the current cell");
    let done = before.split_whitespace().count();
    let (_, rest) = after.split_once('>').expect("the current cell closes");
    assert_eq!(
        rest.chars().filter(|&c| c == '╌').count(),
        15 - done,
        "not computed yet: {row1:?}"
    );
}

#[test]
fn step_last_starts_at_the_layer_s_last_step_and_a_bad_word_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("l.txt");
    Command::cargo_bin("convstep")
        .unwrap()
        .args(["shot", "--preset", "cs231n-demo", "--phase", "backward"])
        .args(["--step", "last", "--cols", "80", "--rows", "24", "-o"])
        .arg(&path)
        .assert()
        .success();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("step 18/18"), "{text}");
    // Numbers still work, and anything else is refused with status 2.
    for (step, ok) in [("9", true), ("lst", false), ("0x", false)] {
        let out = Command::cargo_bin("convstep")
            .unwrap()
            .args(["shot", "--preset", "cs231n-demo", "--step", step, "-o"])
            .arg(dir.path().join("n.txt"))
            .output()
            .unwrap();
        assert_eq!(out.status.success(), ok, "--step {step}");
        if !ok {
            assert_eq!(out.status.code(), Some(2), "--step {step}");
            assert!(
                String::from_utf8_lossy(&out.stderr).contains("or `last`"),
                "--step {step}"
            );
        }
    }
    let help = Command::cargo_bin("convstep")
        .unwrap()
        .arg("--help")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&help.stdout).contains("or `last` for the layer's last step"));
}
