//! `convstep compute` end to end through the binary: .npy round trips against the
//! engine and CS231n's published numbers, and every bad input failing cleanly.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use convstep::conv::{ConvParams, Layer, backward, forward, rel_error};
use ndarray::{Array, Array1, Array4, array};
use ndarray_npy::{NpzReader, write_npy};
use tempfile::TempDir;

use crate::input_support;
use input_support::hostile_png;

fn convstep() -> Command {
    Command::cargo_bin("convstep").expect("the convstep binary")
}

fn linspace(lo: f64, hi: f64, count: usize) -> Vec<f64> {
    (0..count)
        .map(|k| lo + (hi - lo) * k as f64 / (count - 1) as f64)
        .collect()
}

struct Npz {
    out: Array4<f64>,
    dx: Array4<f64>,
    dw: Array4<f64>,
    db: Array1<f64>,
}

fn read_npz(path: &Path) -> Npz {
    let mut npz = NpzReader::new(std::fs::File::open(path).expect("npz written")).unwrap();
    let mut names = npz.names().unwrap();
    names.sort();
    assert_eq!(names, ["db", "dw", "dx", "out"]);
    Npz {
        out: npz.by_name("out").unwrap(),
        dx: npz.by_name("dx").unwrap(),
        dw: npz.by_name("dw").unwrap(),
        db: npz.by_name("db").unwrap(),
    }
}

/// Runs compute with `args` then `-o out`, expecting success; returns stdout.
fn compute_ok<I, S>(args: I, out: &Path) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let output = convstep()
        .arg("compute")
        .args(args)
        .arg("-o")
        .arg(out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "compute failed: {stderr}");
    assert!(stderr.is_empty(), "unexpected stderr: {stderr}");
    String::from_utf8(output.stdout).unwrap()
}

/// CS231n's conv_forward_naive test inputs, written as .npy files.
fn cs231n_files(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let x = Array::from_shape_vec((2, 3, 4, 4), linspace(-0.1, 0.5, 96)).unwrap();
    let w = Array::from_shape_vec((3, 3, 4, 4), linspace(-0.2, 0.3, 144)).unwrap();
    let b = Array1::from(linspace(-0.1, 0.2, 3));
    let paths = (dir.join("x.npy"), dir.join("w.npy"), dir.join("b.npy"));
    write_npy(&paths.0, &x).unwrap();
    write_npy(&paths.1, &w).unwrap();
    write_npy(&paths.2, &b).unwrap();
    paths
}

/// CS231n assignment 2's published correct_out for conv_forward_naive.
fn cs231n_correct_out() -> Array4<f64> {
    array![
        [
            [[-0.08759809, -0.10987781], [-0.18387192, -0.2109216]],
            [[0.21027089, 0.21661097], [0.22847626, 0.23004637]],
            [[0.50813986, 0.54309974], [0.64082444, 0.67101435]]
        ],
        [
            [[-0.98053589, -1.03143541], [-1.19128892, -1.24695841]],
            [[0.69108355, 0.66880383], [0.59480972, 0.56776003]],
            [[2.36270298, 2.36904306], [2.38090835, 2.38247847]]
        ]
    ]
}

#[test]
fn reproduces_cs231n_conv_forward_naive() {
    let dir = TempDir::new().unwrap();
    let (x, w, b) = cs231n_files(dir.path());
    let got = dir.path().join("got.npz");
    let stdout = compute_ok(
        [
            x.as_os_str(),
            "--kernel".as_ref(),
            w.as_os_str(),
            "--bias".as_ref(),
            b.as_os_str(),
            "--stride".as_ref(),
            "2".as_ref(),
            "--pad".as_ref(),
            "1".as_ref(),
            "--dout".as_ref(),
            "ones".as_ref(),
        ],
        &got,
    );
    assert!(
        stdout.contains("out (2,3,2,2), dx (2,3,4,4), dw (3,3,4,4), db (3,)"),
        "{stdout}"
    );
    let npz = read_npz(&got);
    let err = rel_error(npz.out.iter(), cs231n_correct_out().iter());
    assert!(err < 1e-7, "rel_error against the published out: {err}");
    assert_eq!(npz.dx.dim(), (2, 3, 4, 4));
    assert_eq!(npz.dw.dim(), (3, 3, 4, 4));
    // dout = ones: db[f] sums N * H' * W' = 2 * 2 * 2 ones.
    assert_eq!(npz.db, array![8.0, 8.0, 8.0]);
}

/// A deterministic array in [-1, 1) for dout (a simple LCG: tests only).
fn noise(shape: (usize, usize, usize, usize), seed: u64) -> Array4<f64> {
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    Array::from_shape_simple_fn(shape, || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
    })
}

#[test]
fn npy_round_trip_equals_the_engine_with_a_given_dout() {
    let dir = TempDir::new().unwrap();
    let (x, w, b) = cs231n_files(dir.path());
    let dout = noise((2, 3, 2, 2), 5);
    let dout_path = dir.path().join("dout.npy");
    write_npy(&dout_path, &dout).unwrap();
    let got = dir.path().join("got.npz");
    compute_ok(
        [
            x.as_os_str(),
            "--kernel".as_ref(),
            w.as_os_str(),
            "--bias".as_ref(),
            b.as_os_str(),
            "--dout".as_ref(),
            dout_path.as_os_str(),
            "--stride".as_ref(),
            "2".as_ref(),
            "--pad".as_ref(),
            "1".as_ref(),
        ],
        &got,
    );
    let npz = read_npz(&got);
    let layer = Layer::new(
        Array::from_shape_vec((2, 3, 4, 4), linspace(-0.1, 0.5, 96)).unwrap(),
        Array::from_shape_vec((3, 3, 4, 4), linspace(-0.2, 0.3, 144)).unwrap(),
        Array1::from(linspace(-0.1, 0.2, 3)),
        ConvParams {
            stride: 2,
            pad: 1,
            dilation: 1,
        },
    )
    .unwrap();
    let grads = backward(&layer, &dout).unwrap();
    assert_eq!(npz.out, forward(&layer));
    assert_eq!(npz.dx, grads.dx);
    assert_eq!(npz.dw, grads.dw);
    assert_eq!(npz.db, grads.db);
    // db sums dout over n, i, j.
    for f in 0..3 {
        let want: f64 = dout.slice(ndarray::s![.., f, .., ..]).sum();
        assert!((npz.db[f] - want).abs() < 1e-12);
    }
}

#[test]
fn integer_arrays_of_every_rank_load_as_they_are() {
    let dir = TempDir::new().unwrap();
    let x2 = Array::from_shape_fn((3, 4), |(r, c)| (r * 4 + c) as i64);
    let x3 = Array::from_shape_fn((1, 3, 4), |(_, r, c)| (r * 4 + c) as u8);
    let x4 = Array::from_shape_fn((1, 1, 3, 4), |(_, _, r, c)| (r * 4 + c) as i32);
    let x5 = Array::from_shape_fn((1, 1, 3, 4), |(_, _, r, c)| (r * 4 + c) as f32);
    let p2 = dir.path().join("x2.npy");
    let p3 = dir.path().join("x3.npy");
    let p4 = dir.path().join("x4.npy");
    let p5 = dir.path().join("x5.npy");
    write_npy(&p2, &x2).unwrap();
    write_npy(&p3, &x3).unwrap();
    write_npy(&p4, &x4).unwrap();
    write_npy(&p5, &x5).unwrap();
    let mut results = Vec::new();
    for p in [&p2, &p3, &p4, &p5] {
        let got = dir.path().join("got.npz");
        compute_ok(
            [
                p.as_os_str(),
                "--kernel".as_ref(),
                "identity".as_ref(),
                "--pad".as_ref(),
                "0".as_ref(),
            ],
            &got,
        );
        let npz = read_npz(&got);
        assert_eq!(npz.dx.dim(), (1, 1, 3, 4));
        results.push(npz.out);
    }
    // identity with pad 0 on a 3x4 input: the 1x2 interior, values kept unscaled.
    assert_eq!(results[0], array![[[[5.0, 6.0]]]]);
    for r in &results[1..] {
        assert_eq!(r, &results[0]);
    }
}

#[test]
fn every_preset_computes_its_shape() {
    let dir = TempDir::new().unwrap();
    let want = [
        ("cs231n-demo", "out (1,2,3,3)"),
        ("cs231n-image", "out (1,2,11,16)"),
        ("no-padding-no-strides", "out (1,1,2,2)"),
        ("arbitrary-padding", "out (1,1,6,6)"),
        ("same-padding", "out (1,1,5,5)"),
        ("full-padding", "out (1,1,7,7)"),
        ("no-padding-strides", "out (1,1,2,2)"),
        ("padding-strides", "out (1,1,3,3)"),
        ("padding-strides-odd", "out (1,1,3,3)"),
        ("dilation", "out (1,1,3,3)"),
    ];
    for (name, shape) in want {
        let got = dir.path().join(format!("{name}.npz"));
        let stdout = compute_ok(["--preset", name], &got);
        assert!(stdout.contains(shape), "{name}: {stdout}");
        read_npz(&got);
    }
}

#[test]
fn bundled_image_is_the_default_input_from_any_folder() {
    let dir = TempDir::new().unwrap();
    let output = convstep()
        .current_dir(dir.path())
        .args(["compute", "-o", "default.npz"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let npz = read_npz(&dir.path().join("default.npz"));
    assert_eq!(npz.out.dim(), (1, 2, 21, 32));
    assert_eq!(npz.dw.dim(), (2, 3, 3, 3));
}

/// Expects exit status 2, exactly one line on stderr containing `expect`, nothing on
/// stdout and no file (nor temporary file) left in `dir`.
fn assert_fails(dir: &Path, args: &[&OsStr], expect: &str) {
    let out = dir.join("out.npz");
    let before: Vec<_> = std::fs::read_dir(dir).unwrap().collect();
    let output = convstep()
        .current_dir(dir)
        .arg("compute")
        .args(args)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
    assert!(stderr.starts_with("convstep: error: "), "{stderr}");
    assert!(
        stderr.contains(expect),
        "{args:?}: want '{expect}' in: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(output.stdout.is_empty());
    assert!(!out.exists(), "{args:?} left {out:?}");
    let after: Vec<_> = std::fs::read_dir(dir).unwrap().collect();
    assert_eq!(before.len(), after.len(), "{args:?} left a file behind");
}

#[test]
fn every_bad_input_fails_with_one_line_and_no_file() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let good = d.join("good.png");
    image::RgbImage::from_pixel(6, 4, image::Rgb([10, 20, 30]))
        .save(&good)
        .unwrap();
    let png_bytes = std::fs::read(&good).unwrap();
    std::fs::write(d.join("truncated.png"), &png_bytes[..png_bytes.len() / 2]).unwrap();
    let mut corrupt = png_bytes.clone();
    let mid = corrupt.len() / 2;
    corrupt[mid] ^= 0xFF;
    std::fs::write(d.join("corrupt.png"), corrupt).unwrap();
    std::fs::write(d.join("empty.png"), b"").unwrap();
    std::fs::write(d.join("text.png"), b"this is text, not a picture\n").unwrap();
    std::fs::write(d.join("hostile.png"), hostile_png(100_000, 100_000)).unwrap();
    std::fs::write(d.join("garbage.npy"), b"not numpy at all").unwrap();
    std::fs::create_dir(d.join("folder")).unwrap();
    write_npy(d.join("x5d.npy"), &Array::<f64, _>::zeros((1, 1, 1, 3, 3))).unwrap();
    write_npy(d.join("x1d.npy"), &Array1::<f64>::zeros(4)).unwrap();
    write_npy(d.join("w3d.npy"), &Array::<f64, _>::zeros((1, 3, 3))).unwrap();
    write_npy(d.join("w_c2.npy"), &Array::<f64, _>::zeros((1, 2, 3, 3))).unwrap();
    write_npy(d.join("b2.npy"), &Array1::<f64>::zeros(2)).unwrap();
    write_npy(d.join("dout.npy"), &Array::<f64, _>::zeros((1, 2, 2, 2))).unwrap();
    let mut npy = Vec::new();
    ndarray_npy::WriteNpyExt::write_npy(&Array::<f64, _>::zeros((4, 4)), &mut npy).unwrap();
    std::fs::write(d.join("truncated.npy"), &npy[..npy.len() - 8]).unwrap();
    let mut huge_header =
        String::from("{'descr': '<f8', 'fortran_order': False, 'shape': (100000, 100000), }");
    while (huge_header.len() + 11) % 64 != 0 {
        huge_header.push(' ');
    }
    huge_header.push('\n');
    let mut huge = b"\x93NUMPY\x01\x00".to_vec();
    huge.extend((huge_header.len() as u16).to_le_bytes());
    huge.extend(huge_header.as_bytes());
    std::fs::write(d.join("huge.npy"), huge).unwrap();
    let mut c_header = String::from("{'descr': '<c16', 'fortran_order': False, 'shape': (1, 1), }");
    while (c_header.len() + 11) % 64 != 0 {
        c_header.push(' ');
    }
    c_header.push('\n');
    let mut c_npy = b"\x93NUMPY\x01\x00".to_vec();
    c_npy.extend((c_header.len() as u16).to_le_bytes());
    c_npy.extend(c_header.as_bytes());
    c_npy.extend([0u8; 16]);
    std::fs::write(d.join("complex.npy"), c_npy).unwrap();
    std::fs::write(d.join("a_file"), b"x").unwrap();

    let cases: &[(&[&str], &str)] = &[
        (
            &["missing.png"],
            "'missing.png': cannot read it: No such file or directory",
        ),
        (&["folder"], "'folder' is a directory"),
        (&["empty.png"], "'empty.png' is empty"),
        (&["text.png"], "'text.png': not a readable image"),
        (&["truncated.png"], "'truncated.png': not a readable image"),
        (&["corrupt.png"], "'corrupt.png': not a readable image"),
        (&["hostile.png"], "claims 100000x100000 pixels"),
        (&["garbage.npy"], "'garbage.npy': not a .npy file"),
        (&["truncated.npy"], "'truncated.npy': truncated"),
        (
            &["huge.npy"],
            "'huge.npy': shape (100000,100000) is too large",
        ),
        (&["complex.npy"], "unsupported dtype '<c16'"),
        (
            &["x5d.npy"],
            "has shape (1,1,1,3,3) but x of shape (N,C,H,W)",
        ),
        (&["x1d.npy"], "has shape (4,) but x of shape"),
        (
            &["good.png", "--kernel", "w3d.npy"],
            "(F,C,HH,WW) is expected",
        ),
        (
            &["good.png", "--kernel", "w_c2.npy"],
            "x has 3 channels but w has 2",
        ),
        (
            &["good.png", "--kernel", "nope.npy"],
            "'nope.npy': cannot read it",
        ),
        (&["good.png", "--kernel", "blur"], "unknown kernel 'blur'"),
        (&["good.png", "--kernel", "sobel-x,,box"], "empty name"),
        (
            &["good.png", "--kernel", "box,sobel-x", "--kernel-size", "5"],
            "one size",
        ),
        (
            &["good.png", "--kernel", "random", "--kernel-size", "0"],
            "--kernel-size must be",
        ),
        (
            &["good.png", "--kernel", "random", "--filters", "1000"],
            "--filters must be",
        ),
        (
            &["good.png", "--bias", "1,2,3"],
            "--bias has 3 numbers but the kernel 'sobel-x,sobel-y' has 2 filters",
        ),
        (
            &["good.png", "--bias", "one"],
            "--bias: 'one' is not a number",
        ),
        (
            &["good.png", "--bias", "nan,1"],
            "--bias: 'nan' is not a finite number",
        ),
        (
            &["good.png", "--bias", "0,1e400"],
            "--bias: '1e400' is not a finite number",
        ),
        (
            &["good.png", "--kernel", "box", "--bias", "b2.npy"],
            "--bias has 2 numbers",
        ),
        (
            &["good.png", "--dout", "zeros"],
            "--dout must be ones, random or a .npy",
        ),
        (
            &["good.png", "--dout", "dout.npy"],
            "(dout) has shape (1,2,2,2) but the output has shape (1,2,4,6)",
        ),
        (
            &["good.png", "--stride", "0"],
            "--stride must be >= 1 (got 0)",
        ),
        (
            &["good.png", "--dilation", "0"],
            "--dilation must be >= 1 (got 0)",
        ),
        (
            &[
                "good.png",
                "--pad",
                "0",
                "--kernel",
                "box",
                "--kernel-size",
                "7",
            ],
            "larger than the padded input",
        ),
        (
            &["good.png", "--size", "big"],
            "--size must be a whole number",
        ),
        (
            &["good.png", "--size", "0"],
            "--size must be a whole number",
        ),
        (&["x1d.npy", "--size", "8"], "--size applies to images only"),
        (&["--preset", "nope"], "unknown preset 'nope'"),
        (
            &["--preset", "dilation", "good.png"],
            "does not apply to preset 'dilation'",
        ),
        (
            &["--preset", "same-padding", "--gray"],
            "--gray does not apply",
        ),
        (
            &["--preset", "cs231n-image", "--gray"],
            "--gray does not apply to preset 'cs231n-image'",
        ),
        (&["--pad", "99999999999999999"], "too large"),
    ];
    for (args, expect) in cases {
        let args: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
        assert_fails(d, &args, expect);
    }
    // .npy arrays load as they are: image options are refused.
    write_npy(d.join("x.npy"), &Array::<f64, _>::zeros((4, 4))).unwrap();
    assert_fails(
        d,
        &["x.npy".as_ref(), "--gray".as_ref()],
        "--gray applies to images only",
    );
    assert_fails(
        d,
        &["x.npy".as_ref(), "--scale".as_ref(), "raw".as_ref()],
        "--scale applies to images only",
    );
}

#[test]
fn an_unwritable_output_fails_with_one_line_and_no_file() {
    let dir = TempDir::new().unwrap();
    let file = dir.path().join("a_file");
    std::fs::write(&file, b"x").unwrap();
    for target in [
        file.join("out.npz"),
        dir.path().join("no_such_folder").join("out.npz"),
        dir.path().to_path_buf(),
    ] {
        let output = convstep()
            .args(["compute", "--preset", "dilation", "-o"])
            .arg(&target)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains("cannot write"), "{stderr}");
        assert!(output.stdout.is_empty());
    }
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(left.len(), 1, "only a_file remains");
}

#[test]
fn an_existing_output_is_replaced_whole() {
    let dir = TempDir::new().unwrap();
    let got = dir.path().join("got.npz");
    std::fs::write(&got, b"old contents").unwrap();
    compute_ok(["--preset", "same-padding"], &got);
    assert_eq!(read_npz(&got).out.dim(), (1, 1, 5, 5));
    // A failed run leaves the previous file as it was.
    let output = convstep()
        .args(["compute", "--preset", "nope", "-o"])
        .arg(&got)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(read_npz(&got).out.dim(), (1, 1, 5, 5));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn negative_biases_need_no_equals_sign() {
    let dir = TempDir::new().unwrap();
    let got = dir.path().join("got.npz");
    compute_ok(
        [
            "--preset",
            "same-padding",
            "--bias",
            "-1.5",
            "--dout",
            "random",
        ],
        &got,
    );
    let with_bias = read_npz(&got);
    compute_ok(["--preset", "same-padding", "--bias", "0"], &got);
    let without = read_npz(&got);
    assert_eq!(with_bias.out, without.out - 1.5);
    assert_eq!(with_bias.dw.dim(), (1, 1, 3, 3));
}

#[test]
fn compute_writes_npz_names_only() {
    let dir = TempDir::new().unwrap();
    for name in ["o.png", "grads", "o.npy", "o.npz.txt"] {
        let target = dir.path().join(name);
        let output = convstep()
            .args(["compute", "--preset", "dilation", "-o"])
            .arg(&target)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{name}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(
            stderr.starts_with("convstep: error: cannot write") && stderr.contains("*.npz"),
            "{stderr}"
        );
        assert!(!target.exists(), "{name} was written");
    }
    compute_ok(["--preset", "dilation"], &dir.path().join("UPPER.NPZ"));
}

/// An output naming a pipe used to replace the pipe by a file (the write goes to a
/// temporary file renamed into place); it is refused, and the pipe stays a pipe.
#[cfg(unix)]
#[test]
fn an_output_naming_a_pipe_is_refused_and_the_pipe_kept() {
    use std::os::unix::fs::FileTypeExt;
    let dir = TempDir::new().unwrap();
    let pipe = dir.path().join("out.npz");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&pipe)
            .status()
            .unwrap()
            .success()
    );
    let gif = dir.path().join("out.gif");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&gif)
            .status()
            .unwrap()
            .success()
    );
    for (args, target) in [
        (vec!["compute", "--preset", "dilation", "-o"], &pipe),
        (
            vec!["record", "--preset", "dilation", "--steps", "1", "-o"],
            &gif,
        ),
    ] {
        let output = convstep().args(&args).arg(target).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains("is not a regular file"), "{stderr}");
        let kind = std::fs::symlink_metadata(target).unwrap().file_type();
        assert!(kind.is_fifo(), "the pipe was replaced");
    }
}

#[cfg(target_os = "linux")]
#[test]
fn a_proc_file_is_not_called_empty() {
    let dir = TempDir::new().unwrap();
    let output = convstep()
        .args(["compute", "/proc/cpuinfo", "-o"])
        .arg(dir.path().join("o.npz"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(!stderr.contains("is empty"), "{stderr}");
    assert!(stderr.contains("not an image or a .npy file"), "{stderr}");
}
