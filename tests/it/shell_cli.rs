//! `convstep completions SHELL` and `convstep man`: scripts and a manual page that
//! name every subcommand; the bash script is valid bash and completes subcommands.

use assert_cmd::Command;

const SUBCOMMANDS: [&str; 6] = ["compute", "shot", "record", "tour", "completions", "man"];

fn stdout_of(args: &[&str]) -> String {
    let out = Command::cargo_bin("convstep")
        .unwrap()
        .args(args)
        .assert()
        .success()
        .stderr("")
        .get_output()
        .stdout
        .clone();
    String::from_utf8(out).unwrap()
}

#[test]
fn every_shell_script_names_every_subcommand() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let script = stdout_of(&["completions", shell]);
        for sub in SUBCOMMANDS {
            assert!(script.contains(sub), "{shell} lacks {sub}");
        }
        assert!(script.contains("png-scale"), "{shell} lacks options");
    }
}

#[test]
fn the_bash_script_is_valid_and_completes_subcommands() {
    let script = stdout_of(&["completions", "bash"]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("convstep.bash");
    std::fs::write(&path, &script).unwrap();
    // Source it and ask for the completions of `convstep re`.
    let probe = format!(
        "source {}; COMP_WORDS=(convstep re); COMP_CWORD=1; COMP_LINE='convstep re'; COMP_POINT=11; _convstep convstep re convstep; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        path.display()
    );
    let out = std::process::Command::new("bash")
        .args(["-c", &probe])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let words = String::from_utf8_lossy(&out.stdout);
    assert_eq!(words.lines().collect::<Vec<_>>(), vec!["record"], "{words}");
}

#[test]
fn the_man_page_is_roff_naming_every_subcommand() {
    let page = stdout_of(&["man"]);
    assert!(
        page.contains(".TH convstep 1"),
        "{}",
        &page[..200.min(page.len())]
    );
    assert!(page.contains(".SH SUBCOMMANDS"));
    for sub in SUBCOMMANDS {
        assert!(
            page.contains(&format!("convstep\\-{sub}(1)")),
            "man lacks {sub}"
        );
    }
}

#[test]
fn an_unknown_shell_is_refused_with_status_2() {
    Command::cargo_bin("convstep")
        .unwrap()
        .args(["completions", "tcsh"])
        .assert()
        .code(2)
        .stdout("");
}
