//! Extreme sizes and values through the real binary: every one fails with one line and
//! exit status 2 before anything large is allocated, or, for NaN and inf inside arrays,
//! computes and renders as numpy would.

use std::path::Path;

use assert_cmd::Command;
use ndarray::{Array1, Array4};
use ndarray_npy::{NpzReader, write_npy};
use tempfile::TempDir;

fn convstep() -> Command {
    Command::cargo_bin("convstep").expect("the convstep binary")
}

/// Runs `convstep ARGS` in `dir` expecting exit status 2, one line of error containing
/// `expect`, and no file left in `dir` other than those there before.
fn fails_cleanly(dir: &Path, args: &[&str], expect: &str) {
    let before = files(dir);
    // The timeout only turns a hang (the defect some of these pin) into a failure.
    let output = convstep()
        .current_dir(dir)
        .args(args)
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
    assert_eq!(
        stderr.lines().count(),
        1,
        "{args:?}: one line, got {stderr}"
    );
    assert!(
        stderr.starts_with("convstep: error: "),
        "{args:?}: {stderr}"
    );
    assert!(
        stderr.contains(expect),
        "{args:?}: want {expect:?} in {stderr}"
    );
    assert_eq!(files(dir), before, "{args:?} left a file behind");
}

fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_padding_that_would_need_gigabytes_is_refused_before_allocating() {
    let dir = TempDir::new().unwrap();
    // 1x1 pixel, pad 3000: x_pad would be 3 x 6001 x 6001 numbers (864 MB, and as much
    // again for dx_pad); this used to abort with "memory allocation failed".
    let args = [
        "compute",
        "--size",
        "1",
        "--kernel",
        "identity",
        "--kernel-size",
        "1",
        "--pad",
        "3000",
        "-o",
        "out.npz",
    ];
    fails_cleanly(
        dir.path(),
        &args,
        "the padded input x_pad (N,C,H+2pad,W+2pad) (1,3,6001,6001) would be more than 16777216 numbers",
    );
}

#[test]
fn the_largest_numbers_clap_accepts_fail_with_a_sentence_not_a_debug_dump() {
    let dir = TempDir::new().unwrap();
    let max = usize::MAX.to_string();
    for (option, expect) in [
        (
            "--pad",
            format!("pad {max} is larger than any input could use"),
        ),
        (
            "--dilation",
            format!("dilation {max} is larger than any input could use"),
        ),
    ] {
        let args = ["compute", option, &max, "-o", "out.npz"];
        fails_cleanly(dir.path(), &args, &expect);
        let shot = ["shot", option, &max, "-o", "out.png"];
        fails_cleanly(dir.path(), &shot, &expect);
    }
    // The same limits hold for every subcommand that builds a layer.
    let record = ["record", "--pad", "3000", "--size", "1", "-o", "out.gif"];
    fails_cleanly(dir.path(), &record, "would be more than 16777216 numbers");
}

#[test]
fn an_image_too_large_at_full_size_is_refused_naming_the_file() {
    let dir = TempDir::new().unwrap();
    // 2400 x 2400 x 3 = 17.28 M numbers, just over the 16 Mi cap (the decoder's own cap
    // of 8192 per side lets it through).
    image::RgbImage::new(2400, 2400)
        .save(dir.path().join("wide.png"))
        .unwrap();
    let args = ["compute", "wide.png", "--size", "full", "-o", "out.npz"];
    fails_cleanly(
        dir.path(),
        &args,
        "'wide.png': at --size full the image is 2400x2400 pixels, 17280000 numbers",
    );
    // One channel fits, and so does a working size.
    for ok in [&["--size", "full", "--gray"][..], &["--size", "64"][..]] {
        convstep()
            .current_dir(dir.path())
            .args(["compute", "wide.png", "--kernel", "identity"])
            .args(["--kernel-size", "1", "-o", "ok.npz"])
            .args(ok)
            .assert()
            .success();
    }
}

#[test]
fn bias_on_the_command_line_must_be_finite() {
    let dir = TempDir::new().unwrap();
    for (bias, bad) in [("nan,0", "nan"), ("inf,0", "inf"), ("0,-1e999", "-1e999")] {
        let args = ["compute", "--bias", bias, "-o", "out.npz"];
        fails_cleanly(
            dir.path(),
            &args,
            &format!("--bias: '{bad}' is not a finite number"),
        );
    }
}

/// x (1,1,3,3) = 1..9 with x[0,0,1,1] = NaN and x[0,0,0,0] = inf, w one 1x1 tap of 2.
fn nan_files(dir: &Path) {
    let mut x = Array4::from_shape_fn((1, 1, 3, 3), |(_, _, r, c)| (r * 3 + c + 1) as f64);
    x[[0, 0, 1, 1]] = f64::NAN;
    x[[0, 0, 0, 0]] = f64::INFINITY;
    write_npy(dir.join("x.npy"), &x).unwrap();
    write_npy(dir.join("w.npy"), &Array4::from_elem((1, 1, 1, 1), 2.0)).unwrap();
    write_npy(dir.join("b.npy"), &Array1::from(vec![0.5])).unwrap();
}

#[test]
fn nan_and_inf_in_arrays_propagate_as_in_numpy() {
    let dir = TempDir::new().unwrap();
    nan_files(dir.path());
    convstep()
        .current_dir(dir.path())
        .args(["compute", "x.npy", "--kernel", "w.npy", "--bias", "b.npy"])
        .args(["--pad", "0", "--dout", "ones", "-o", "got.npz"])
        .assert()
        .success();
    let mut npz = NpzReader::new(std::fs::File::open(dir.path().join("got.npz")).unwrap()).unwrap();
    let out: Array4<f64> = npz.by_name("out").unwrap();
    assert!(out[[0, 0, 1, 1]].is_nan());
    assert_eq!(out[[0, 0, 0, 0]], f64::INFINITY);
    // The other cells are 2 x + 0.5, untouched by their neighbours' NaN.
    assert_eq!(out[[0, 0, 0, 1]], 4.5);
    assert_eq!(out[[0, 0, 2, 2]], 18.5);
    let dw: Array4<f64> = npz.by_name("dw").unwrap();
    assert!(dw[[0, 0, 0, 0]].is_nan(), "dw = sum of x reads the NaN");
    let dx: Array4<f64> = npz.by_name("dx").unwrap();
    assert!(
        dx.iter().all(|&v| v == 2.0),
        "dx = dout * w is finite: {dx}"
    );
}

#[test]
fn nan_and_inf_render_in_every_shot_format() {
    let dir = TempDir::new().unwrap();
    nan_files(dir.path());
    for (phase, ext) in [
        ("forward", "txt"),
        ("backward", "txt"),
        ("forward", "png"),
        ("backward", "svg"),
        ("forward", "html"),
        ("backward", "ans"),
    ] {
        let out = format!("{phase}.{ext}");
        convstep()
            .current_dir(dir.path())
            .args([
                "shot", "x.npy", "--kernel", "w.npy", "--bias", "b.npy", "--pad", "0",
            ])
            .args([
                "--phase", phase, "--step", "5", "--cols", "120", "--rows", "40",
            ])
            .args(["-o", &out])
            .assert()
            .success();
        let bytes = std::fs::read(dir.path().join(&out)).unwrap();
        assert!(!bytes.is_empty(), "{out}");
        if ext == "txt" && phase == "forward" {
            let text = String::from_utf8(bytes).unwrap();
            // Step 5 is the centre window: NaN times 2 plus 0.5.
            assert!(text.contains("= NaN"), "{text}");
            assert!(text.contains("inf"), "{text}");
        }
    }
    convstep()
        .current_dir(dir.path())
        .args(["record", "x.npy", "--kernel", "w.npy", "--steps", "1..9"])
        .args(["-o", "all.gif"])
        .assert()
        .success();
}

#[test]
fn record_refuses_more_frames_than_it_makes_before_drawing_any() {
    let dir = TempDir::new().unwrap();
    // The bundled image at 64x43 with two filters: 5504 steps.
    let args = ["record", "--size", "64", "-o", "all.gif"];
    fails_cleanly(
        dir.path(),
        &args,
        "5504 frames is more than record makes (at most 5000)",
    );
    let script = vec!["l"; 5000].join(" ");
    let args = ["record", "--keys", &script, "-o", "keys.gif"];
    fails_cleanly(
        dir.path(),
        &args,
        "5001 frames is more than record makes (at most 5000)",
    );
}

/// A named pipe with no writer used to hang `compute` for ever (opening it to sniff
/// the .npy magic string blocks); pipes and devices are refused before opening.
#[cfg(unix)]
#[test]
fn pipes_and_devices_are_refused_without_blocking() {
    let dir = TempDir::new().unwrap();
    for name in ["pipe", "pipe.npy"] {
        let status = std::process::Command::new("mkfifo")
            .arg(dir.path().join(name))
            .status()
            .expect("mkfifo");
        assert!(status.success());
    }
    let refused = "is not a regular file (a pipe, socket or device)";
    for args in [
        &["compute", "pipe", "-o", "out.npz"][..],
        &["compute", "--kernel", "pipe.npy", "-o", "out.npz"][..],
        &["compute", "--bias", "pipe.npy", "-o", "out.npz"][..],
        &["compute", "--dout", "pipe.npy", "-o", "out.npz"][..],
        &["shot", "pipe", "-o", "out.txt"][..],
    ] {
        fails_cleanly(dir.path(), args, refused);
    }
    // /dev/zero never ends; it used to be called empty.
    let args = ["compute", "/dev/zero", "-o", "out.npz"];
    fails_cleanly(dir.path(), &args, &format!("'/dev/zero' {refused}"));
}

/// Issue 22, item 3: `shot in.png -o in.png` replaced the photograph by the frame, and
/// record and compute did the same. The files are compared, not the names: `./`, a
/// hard link and a symbolic link are refused too, and the input is left as it was.
#[test]
fn an_output_that_is_its_own_input_is_refused_and_the_input_kept() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    image::RgbImage::from_pixel(8, 6, image::Rgb([10, 200, 30]))
        .save(d.join("in.png"))
        .unwrap();
    image::RgbImage::from_pixel(8, 6, image::Rgb([10, 200, 30]))
        .save(d.join("same.gif"))
        .unwrap();
    write_npy(d.join("x.npy"), &Array4::<f64>::ones((1, 1, 4, 4))).unwrap();
    std::fs::copy(d.join("x.npy"), d.join("x.npz")).unwrap();
    write_npy(d.join("w.npz"), &Array4::<f64>::ones((1, 1, 3, 3))).unwrap();
    std::fs::hard_link(d.join("in.png"), d.join("hard.png")).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(d.join("in.png"), d.join("soft.png")).unwrap();
    let before: Vec<(String, Vec<u8>)> = files(d)
        .into_iter()
        .map(|name| (name.clone(), std::fs::read(d.join(&name)).unwrap()))
        .collect();
    let mut cases = vec![
        vec!["shot", "in.png", "-o", "in.png"],
        vec!["shot", "in.png", "-o", "./in.png"],
        vec!["shot", "in.png", "-o", "hard.png"],
        vec!["record", "same.gif", "--steps", "1..2", "-o", "same.gif"],
        vec!["compute", "x.npz", "-o", "x.npz"],
        vec!["compute", "x.npy", "--kernel", "w.npz", "-o", "./w.npz"],
    ];
    if cfg!(unix) {
        cases.push(vec!["shot", "in.png", "-o", "soft.png"]);
    }
    for args in &cases {
        fails_cleanly(d, args, "(the same file), which writing would replace");
    }
    let after: Vec<(String, Vec<u8>)> = files(d)
        .into_iter()
        .map(|name| (name.clone(), std::fs::read(d.join(&name)).unwrap()))
        .collect();
    assert!(before == after, "an input changed");
}
