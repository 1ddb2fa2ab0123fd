//! Every argument error through the real binary, in every subcommand: one line on
//! stderr starting `convstep: error: `, the option's true range, exit status 2.

use assert_cmd::Command;
use tempfile::TempDir;

fn convstep() -> Command {
    Command::cargo_bin("convstep").expect("the convstep binary")
}

/// (arguments, words the one line must hold). `OUT` becomes a path in a temp folder.
const CASES: &[(&[&str], &str)] = &[
    (&["--pad", "-1"], "--pad must be >= 0 (got -1)"),
    (&["--stride", "-1"], "--stride must be >= 1 (got -1)"),
    (&["--size", "-5"], "--size must be a whole number from 1 to"),
    (&["--seed", "-1"], "--seed must be >= 0 (got -1)"),
    (
        &["--stride", "18446744073709551616"],
        "--stride must be >= 1 and at most",
    ),
    (
        &["--phase", "sideways"],
        "--phase must be forward or backward (got 'sideways')",
    ),
    (&["--filters", "0"], "--filters must be in 1..=64"),
    (&["--kernel-size", "32"], "--kernel-size must be in 1..=31"),
    (&["--dilation", "0"], "--dilation must be >= 1"),
    (&["--filter", "-2"], "--filter must be >= 0"),
    (
        &["--step", "-1"],
        "--step must be a whole number >= 1 or `last`",
    ),
    (&["--png-scale", "0"], "--png-scale must be in 1..=8"),
    (&["--nope"], "convstep has no option '--nope'"),
    (&["--paf", "1"], "did you mean '--pad'?"),
    (&["a.png", "b.png"], "unexpected extra argument 'b.png'"),
    (&["--size"], "--size needs a value"),
    (&["--pad", "1", "--pad", "2"], "--pad is given twice"),
    (
        &["compute", "--pad", "-1", "-o", "OUT.npz"],
        "--pad must be >= 0 (got -1)",
    ),
    (
        &["compute", "--seed", "-1", "-o", "OUT.npz"],
        "--seed must be >= 0",
    ),
    (
        &[
            "compute",
            "--stride",
            "99999999999999999999999999",
            "-o",
            "OUT.npz",
        ],
        "--stride must be >= 1",
    ),
    (
        &["compute", "", "-o", "OUT.npz"],
        "the INPUT file name is empty",
    ),
    (&["compute"], "compute needs -o FILE"),
    (
        &["compute", "--phase", "forward", "-o", "OUT.npz"],
        "convstep compute has no option '--phase'",
    ),
    (
        &["shot", "--cols", "65536", "-o", "OUT.png"],
        "--cols must be in 1..=1000 (got 65536)",
    ),
    (
        &["shot", "--cols", "0", "-o", "OUT.png"],
        "--cols must be in 1..=1000 (got 0)",
    ),
    (
        &["shot", "--rows", "-3", "-o", "OUT.png"],
        "--rows must be in 1..=500 (got -3)",
    ),
    (
        &["shot", "--phase", "sideways", "-o", "OUT.png"],
        "--phase must be forward or backward",
    ),
    (
        &["shot", "--pad", "-1", "-o", "OUT.png"],
        "--pad must be >= 0",
    ),
    (&["shot"], "shot needs -o FILE"),
    (
        &["record", "--delay", "-5", "-o", "OUT.gif"],
        "--delay must be >= 0 (got -5)",
    ),
    (
        &["record", "--size", "-5", "-o", "OUT.gif"],
        "--size must be a whole number",
    ),
    (
        &["record", "--steps", "1..3", "--keys", "l", "-o", "OUT.gif"],
        "--steps cannot be used with --keys",
    ),
    (&["record"], "record needs -o FILE"),
    (&["tour", "--page", "-2"], "--page must be >= 1 (got -2)"),
    (&["tour", "--page", "0"], "--page must be >= 1 (got 0)"),
    (
        &["tour", "--lang", "fr"],
        "--lang must be en or zh (got 'fr')",
    ),
    (
        &["tour", "--pad", "1"],
        "convstep tour has no option '--pad'",
    ),
    (
        &["tour", "a.toml", "b.toml"],
        "unexpected extra argument 'b.toml'",
    ),
    // Issue 22, item 5: every option checked at start, not at the first `s`.
    (
        &["--export-format", "jpg"],
        "unknown --export-format \"jpg\": use svg, png, html, txt or ans",
    ),
    (&["--export-format", ""], "--export-format names no format"),
    (
        &["--export-dir", "OUT/none"],
        "/none: no such folder (the stepper's s saves into it)",
    ),
    (
        &["tour", "--export-format", "gif"],
        "unknown --export-format \"gif\"",
    ),
    // Issue 22, item 6: the words of each message.
    (
        &["record", "--steps", "", "-o", "OUT.gif"],
        "--steps is empty: give a range like 1..40, 5.., ..12 or 7",
    ),
    (
        &["bench", "foo"],
        "unexpected argument 'foo': convstep bench takes no arguments",
    ),
    (
        &["man", "x"],
        "unexpected argument 'x': convstep man takes no arguments",
    ),
    (
        &["compute", "a.npy", "b.npy", "-o", "OUT.npz"],
        "convstep compute takes one INPUT file at most",
    ),
];

#[test]
fn every_argument_error_is_one_line_with_the_prefix_and_exit_2() {
    let dir = TempDir::new().unwrap();
    let out = dir.path().join("out").display().to_string();
    for (args, want) in CASES {
        let args: Vec<String> = args.iter().map(|a| a.replace("OUT", &out)).collect();
        let got = convstep().args(&args).output().unwrap();
        let stderr = String::from_utf8_lossy(&got.stderr);
        assert_eq!(got.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(
            stderr.lines().count(),
            1,
            "{args:?}: not one line:\n{stderr}"
        );
        assert!(
            stderr.starts_with("convstep: error: "),
            "{args:?}: no prefix: {stderr}"
        );
        assert!(stderr.contains(want), "{args:?}: {stderr:?} lacks {want:?}");
        assert!(
            !stderr.contains("tip:") && !stderr.contains("Usage"),
            "{stderr}"
        );
        assert!(got.stdout.is_empty(), "{args:?}: wrote to stdout");
        // Nothing half-written.
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "{args:?}"
        );
    }
}

#[test]
fn a_key_script_may_start_with_the_stride_key() {
    let dir = TempDir::new().unwrap();
    for args in [
        vec!["--keys".to_string(), "- l".to_string()],
        vec!["--keys=- l".to_string()],
    ] {
        let out = dir.path().join("f.txt");
        let got = convstep()
            .arg("shot")
            .args(&args)
            .args(["--cols", "80", "--rows", "24", "-o"])
            .arg(&out)
            .output()
            .unwrap();
        assert!(
            got.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&got.stderr)
        );
        assert!(std::fs::metadata(&out).unwrap().len() > 0);
    }
    let gif = dir.path().join("k.gif");
    let got = convstep()
        .args([
            "record",
            "--preset",
            "no-padding-no-strides",
            "--keys",
            "- l",
            "-o",
        ])
        .arg(&gif)
        .output()
        .unwrap();
    assert!(
        got.status.success(),
        "{}",
        String::from_utf8_lossy(&got.stderr)
    );
}

#[test]
fn help_and_version_print_normally_and_exit_0() {
    for args in [
        vec!["--help"],
        vec!["--version"],
        vec!["compute", "--help"],
        vec!["shot", "-h"],
        vec!["tour", "--help"],
    ] {
        let got = convstep().args(&args).output().unwrap();
        assert_eq!(got.status.code(), Some(0), "{args:?}");
        assert!(got.stderr.is_empty(), "{args:?}");
        let stdout = String::from_utf8_lossy(&got.stdout);
        assert!(!stdout.contains("convstep: error"), "{stdout}");
        if args[args.len() - 1] != "--version" {
            assert!(stdout.lines().count() > 5, "{args:?}: {stdout}");
        }
    }
}

/// Issue 22, item 6: with `--lang zh`, the argument errors clap finds (an unknown
/// option, a missing -o) and compute's refusal of a non-.npz output are said in Chinese.
#[test]
fn argument_errors_are_said_in_the_chosen_language() {
    let dir = TempDir::new().unwrap();
    for (args, want) in [
        (
            &["--lang", "zh", "compute", "-o", "x.png"][..],
            "不能写入 x.png：compute 写的是 .npz 压缩包",
        ),
        (
            &["--lang", "zh", "compute", "--nope", "-o", "x.npz"][..],
            "convstep compute 没有选项 '--nope'（见 convstep compute --help）",
        ),
        (&["--lang", "zh", "compute"][..], "compute 需要 -o FILE"),
        (&["--lang", "zh", "shot"][..], "shot 需要 -o FILE"),
        (
            &["--lang", "zh", "record", "--steps", "", "-o", "a.gif"][..],
            "--steps 是空的",
        ),
        (
            &["--lang", "zh", "--export-format", "jpg"][..],
            "未知的 --export-format \"jpg\"",
        ),
        (
            &["--lang", "zh", "man", "x"][..],
            "多余的参数 'x'：convstep man 不接受参数",
        ),
    ] {
        let got = convstep()
            .current_dir(dir.path())
            .args(args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&got.stderr);
        assert_eq!(got.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.contains(want), "{args:?}: {stderr:?} lacks {want:?}");
    }
}
