//! Long work shows progress on stderr only when stderr is a terminal, and Ctrl-C
//! (SIGINT) leaves no file at all, finished or temporary, with status 130.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

fn bin() -> std::path::PathBuf {
    assert_cmd::cargo::cargo_bin("convstep")
}

fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// A record long enough to be interrupted: thousands of 200x60 frames.
fn long_record(out: &Path) -> Command {
    let mut cmd = Command::new(bin());
    cmd.args(["record", "--size", "64", "--steps", "1..4000"])
        .args(["--cols", "200", "--rows", "60", "-o"])
        .arg(out);
    cmd
}

#[test]
fn ctrl_c_during_record_leaves_no_file() {
    for name in ["long.gif", "long.cast"] {
        let dir = tempfile::tempdir().unwrap();
        let child = long_record(&dir.path().join(name))
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(1500));
        let killed = Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(130), "{name}");
        // Stderr is a pipe here: no progress line, no escape codes.
        assert_eq!(String::from_utf8_lossy(&out.stderr), "", "{name}");
        assert_eq!(entries(dir.path()), Vec::<String>::new(), "{name}");
    }
}

#[test]
fn progress_shows_on_a_terminal_and_is_erased() {
    // `script` gives the command a terminal and copies what it writes.
    if Command::new("script").arg("--version").output().is_err() {
        panic!("the `script` command (util-linux) is needed for this test");
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("short.gif");
    let line = format!(
        "{} record --preset cs231n-demo --steps 1..6 --cols 80 --rows 24 -o {}",
        bin().display(),
        out.display()
    );
    let run = Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let seen = String::from_utf8_lossy(&run.stdout);
    assert!(seen.contains("frame 1/6, pass 1/2"), "{seen:?}");
    assert!(seen.contains("convstep: writing"), "{seen:?}");
    assert!(seen.ends_with("\r\x1b[K"), "the line is erased: {seen:?}");
    assert!(out.is_file());
}
