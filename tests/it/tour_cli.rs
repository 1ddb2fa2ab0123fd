//! `convstep tour` through the real binary: --check, --list, --lang and bad files.

use assert_cmd::Command;
use tempfile::TempDir;

fn convstep() -> Command {
    let mut cmd = Command::cargo_bin("convstep").unwrap();
    cmd.env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", "C");
    cmd
}

fn one_line(bytes: &[u8]) -> String {
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    assert_eq!(text.lines().count(), 1, "exactly one line: {text:?}");
    text.trim_end().to_string()
}

#[test]
fn check_passes_the_bundled_tour_in_one_line() {
    let out = convstep().args(["tour", "--check"]).assert().success();
    let line = one_line(&out.get_output().stdout);
    assert!(
        line.starts_with("assets/tours/convolution.toml: ok: 18 lessons, "),
        "{line}"
    );
}

#[test]
fn check_passes_a_file_and_resolves_inputs_beside_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mine.toml");
    let x = ndarray::Array2::<f64>::from_shape_fn((4, 4), |(r, c)| (r * 4 + c) as f64);
    ndarray_npy::write_npy(dir.path().join("x.npy"), &x).unwrap();
    std::fs::write(
        &path,
        "[title]\nen = \"Mine\"\nzh = \"我的\"\n[[page]]\nlesson = \"one\"\nen = \"Output {out_hw}.\"\nzh = \"输出 {out_hw}。\"\nscene = { x = [[1, 2, 3], [4, 5, 6], [7, 8, 9]], kernel = \"sobel-x\", pad = 1 }\n[[page]]\nlesson = \"one\"\nen = \"A file.\"\nzh = \"文件。\"\nscene = { input = \"x.npy\", kernel = \"sobel-x\", pad = 0 }\n",
    )
    .unwrap();
    // Run from elsewhere: `input` is found beside the walkthrough, not in the cwd.
    let out = convstep()
        .current_dir(std::env::temp_dir())
        .arg("tour")
        .arg("--check")
        .arg(&path)
        .assert()
        .success();
    let line = one_line(&out.get_output().stdout);
    assert_eq!(line, format!("{}: ok: 1 lesson, 2 pages", path.display()));
}

#[test]
fn check_refuses_a_malformed_file_with_its_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(
        &path,
        "[title]\nen = \"T\"\nzh = \"T\"\n\n[[page]]\nlesson = \"a\"\nen = \"x\"\nzh = \"y\"\nscene = { pad = 1, colour = \"red\" }\n",
    )
    .unwrap();
    let out = convstep()
        .arg("tour")
        .arg("--check")
        .arg(&path)
        .assert()
        .code(2);
    assert!(out.get_output().stdout.is_empty());
    let line = one_line(&out.get_output().stderr);
    assert_eq!(
        line.split(" unknown field").next().unwrap(),
        format!("convstep: error: {}:9:20:", path.display())
    );
}

#[test]
fn check_refuses_what_is_not_a_walkthrough() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.toml");
    let binary = dir.path().join("binary.toml");
    std::fs::write(&binary, [0xff, 0xfe, 0x00, 0x41]).unwrap();
    for path in [missing.as_path(), binary.as_path(), dir.path()] {
        let out = convstep()
            .arg("tour")
            .arg("--check")
            .arg(path)
            .assert()
            .code(2);
        let line = one_line(&out.get_output().stderr);
        assert!(line.contains(&path.display().to_string()), "{line}");
    }
}

/// A named pipe would block a plain read for ever, and /dev/zero never ends: both are
/// refused before reading (the timeout turns a hang into a failure).
#[test]
fn check_refuses_pipes_and_devices_without_reading_them() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo.toml");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    let mut paths = vec![std::path::PathBuf::from("/dev/zero")];
    if made.is_ok_and(|status| status.success()) {
        paths.push(fifo);
    }
    for path in paths {
        let out = convstep()
            .arg("tour")
            .arg("--check")
            .arg(&path)
            .timeout(std::time::Duration::from_secs(60))
            .assert()
            .code(2);
        let line = one_line(&out.get_output().stderr);
        assert!(line.contains("not a regular file"), "{line}");
    }
}

#[test]
fn list_follows_lang_and_the_locale() {
    let out = convstep().args(["tour", "--list"]).assert().success();
    let en = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(en.contains(" 3. Stride [stride]"), "{en}");
    let out = convstep()
        .args(["tour", "--list"])
        .env("LANG", "zh_CN.UTF-8")
        .assert()
        .success();
    let zh = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(zh.contains(" 3. 步长 Stride [stride]"), "{zh}");
    let out = convstep()
        .args(["tour", "--list", "--lang", "en"])
        .env("LANG", "zh_CN.UTF-8")
        .assert()
        .success();
    let forced = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert_eq!(forced, en);
}

#[test]
fn a_page_that_does_not_exist_is_one_line() {
    let out = convstep().args(["tour", "--page", "999"]).assert().code(2);
    let line = one_line(&out.get_output().stderr);
    assert!(line.contains("page 999 does not exist"), "{line}");
}

#[test]
fn without_a_terminal_the_tour_names_the_headless_ways() {
    let out = convstep().arg("tour").write_stdin("").assert().code(2);
    let line = one_line(&out.get_output().stderr);
    assert!(line.contains("--check"), "{line}");
}

/// `tour --check` of 600 heavy pages (one scene) used to take 74 s (each page built
/// and gradient-checked); the scene is now built and checked once (counted in
/// tour_format::identical_heavy_scenes_are_built_once; timing is for benchmarks).
#[test]
fn checking_a_heavy_walkthrough_passes_on_the_command_line() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("heavy.toml");
    std::fs::write(&path, crate::tour_format::heavy_tour(600, false)).unwrap();
    let got = convstep()
        .args(["tour", "--check"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        got.status.success(),
        "{}",
        String::from_utf8_lossy(&got.stderr)
    );
    let stdout = String::from_utf8_lossy(&got.stdout);
    assert!(stdout.ends_with(": ok: 1 lesson, 600 pages\n"), "{stdout}");
}
