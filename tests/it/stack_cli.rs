//! `--layers` through the binary: `compute --layers` read back from its .npz against
//! CS231n's naive loops composed by hand, `convstep rf` (table and JSON, the built-in
//! networks), a tour scene with `layers`, and bad SPECs failing in one line, exit 2, in
//! both languages.

use std::path::Path;

use assert_cmd::Command;
use convstep::conv::naive::{
    conv_backward_naive, conv_forward_naive, max_pool_backward_naive, max_pool_forward_naive,
};
use convstep::conv::relu::{relu_backward, relu_forward};
use convstep::conv::{ConvParams, Layer, PoolParams, noise, rel_error};
use ndarray::{Array1, Array4, array};
use ndarray_npy::{NpzReader, write_npy};
use tempfile::TempDir;

fn convstep() -> Command {
    let mut cmd = Command::cargo_bin("convstep").unwrap();
    cmd.env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", "C");
    cmd
}

/// Runs convstep with `args`, expecting exit 2 and one error line on stderr.
fn fails(args: &[&str]) -> String {
    let out = convstep().args(args).assert().code(2);
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(out.get_output().stdout.is_empty());
    stderr.trim_end().to_string()
}

fn read(npz: &mut NpzReader<std::fs::File>, name: &str) -> Array4<f64> {
    npz.by_name(name).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn conv(x: &Array4<f64>, w: &Array4<f64>, b: &Array1<f64>, stride: usize, pad: usize) -> Layer {
    let params = ConvParams {
        stride,
        pad,
        dilation: 1,
    };
    Layer::new(x.clone(), w.clone(), b.clone(), params).unwrap()
}

#[test]
fn compute_writes_every_layer_and_matches_the_naive_loops_composed() {
    let dir = TempDir::new().unwrap();
    let x = noise((2, 2, 7, 8), 1);
    let w1 = noise((3, 2, 3, 3), 2);
    let b1 = array![0.1, -0.2, 0.3];
    let dout = noise((2, 2, 2, 2), 3);
    for (name, a) in [("x.npy", &x), ("w.npy", &w1), ("dout.npy", &dout)] {
        write_npy(dir.path().join(name), a).unwrap();
    }
    write_npy(dir.path().join("b.npy"), &b1).unwrap();
    let got = dir.path().join("got.npz");
    let out = convstep()
        .current_dir(dir.path())
        .args(["compute", "x.npy", "--kernel", "w.npy", "--bias", "b.npy"])
        .args(["--dout", "dout.npy", "--seed", "4", "-o", "got.npz"])
        .args(["--layers", "conv 3 p1; relu; conv 3 s2 p1 f2; pool 2"])
        .assert()
        .success();
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert_eq!(
        stdout,
        "wrote got.npz: x (2,2,7,8) -> (2,3,7,8) -> (2,3,7,8) -> (2,2,4,4) -> (2,2,2,2); dx (2,2,7,8)\n"
    );
    let mut npz = NpzReader::new(std::fs::File::open(&got).unwrap()).unwrap();
    let mut names = npz.names().unwrap();
    names.sort();
    assert_eq!(
        names,
        [
            "b1", "b3", "db1", "db3", "dw1", "dw3", "dx", "out", "out1", "out2", "out3", "out4",
            "w1", "w3", "x"
        ]
    );
    assert_eq!(read(&mut npz, "x"), x);
    assert_eq!(read(&mut npz, "w1"), w1);
    let b: Array1<f64> = npz.by_name("b1").unwrap();
    assert_eq!(b, b1);
    let w3 = read(&mut npz, "w3");
    let b3: Array1<f64> = npz.by_name("b3").unwrap();
    assert_eq!(w3.dim(), (2, 3, 3, 3));
    assert_eq!(b3, Array1::<f64>::zeros(2));
    // The same stack from CS231n's loops, layer by layer.
    let l1 = conv(&x, &w1, &b1, 1, 1);
    let a1 = conv_forward_naive(&l1);
    let r = relu_forward(&a1);
    let l3 = conv(&r, &w3, &b3, 2, 1);
    let a3 = conv_forward_naive(&l3);
    let pool = PoolParams {
        kernel: 2,
        stride: 2,
    };
    let a4 = max_pool_forward_naive(&a3, pool);
    let close = |name: &str, want: &Array4<f64>, got: Array4<f64>| {
        assert_eq!(got.dim(), want.dim(), "{name}");
        let err = rel_error(got.iter(), want.iter());
        assert!(err < 1e-10, "{name}: rel_error {err}");
    };
    close("out1", &a1, read(&mut npz, "out1"));
    close("out2", &r, read(&mut npz, "out2"));
    close("out3", &a3, read(&mut npz, "out3"));
    close("out4", &a4, read(&mut npz, "out4"));
    close("out", &a4, read(&mut npz, "out"));
    let d3 = max_pool_backward_naive(&a3, pool, &dout);
    let g3 = conv_backward_naive(&l3, &d3);
    let d1 = relu_backward(&a1, &g3.dx);
    let g1 = conv_backward_naive(&l1, &d1);
    close("dw3", &g3.dw, read(&mut npz, "dw3"));
    close("dw1", &g1.dw, read(&mut npz, "dw1"));
    close("dx", &g1.dx, read(&mut npz, "dx"));
    let db1: Array1<f64> = npz.by_name("db1").unwrap();
    assert!(rel_error(db1.iter(), g1.db.iter()) < 1e-10);
}

#[test]
fn compute_with_a_default_dout_is_repeatable_and_seeded() {
    let dir = TempDir::new().unwrap();
    let run = |seed: &str, name: &str| -> Array4<f64> {
        convstep()
            .current_dir(dir.path())
            .args(["compute", "--size", "12", "--seed", seed, "-o", name])
            .args(["--layers", "conv 3 f2; relu; conv 3 d2 p2 f2"])
            .assert()
            .success();
        let file = std::fs::File::open(dir.path().join(name)).unwrap();
        read(&mut NpzReader::new(file).unwrap(), "dx")
    };
    let a = run("1", "a.npz");
    assert_eq!(a.dim(), (1, 3, 8, 12));
    assert_eq!(a, run("1", "b.npz"));
    assert_ne!(a, run("2", "c.npz"));
}

#[test]
fn a_bad_spec_is_one_line_naming_the_item_in_both_languages() {
    let dir = TempDir::new().unwrap();
    let out = dir.path().join("o.npz");
    let o = out.to_str().unwrap();
    assert_eq!(
        fails(&["compute", "--layers", "conv 3; max 2", "-o", o]),
        "convstep: error: --layers item 2 'max 2': unknown layer 'max' (known: conv K [sS] [pP] [dD] [fF], pool K [sS], relu)"
    );
    assert_eq!(
        fails(&["compute", "--lang", "zh", "--layers", "conv 3 s0", "-o", o]),
        "convstep: error: --layers 第 1 项 'conv 3 s0'：步长 S 必须是 1 到 100000 的整数（给的是 '0'）"
    );
    // An output that would be empty names its layer.
    assert_eq!(
        fails(&[
            "compute",
            "--size",
            "8",
            "--layers",
            "conv 3; pool 2; pool 4",
            "-o",
            o
        ]),
        "convstep: error: --layers item 3 'pool 4': the pooling window (4x4) is larger than its input (1x3): no window fits"
    );
    assert_eq!(
        fails(&[
            "compute", "--lang", "zh", "--size", "8", "--layers", "conv 9", "-o", o
        ]),
        "convstep: error: --layers 第 1 项 'conv 9'：卷积核（含膨胀 9x9）比填充后的输入（5x8）还大：放不下任何窗口"
    );
    assert!(
        fails(&["compute", "--layers", "conv 3", "--stride", "2", "-o", o]).ends_with(
            "--stride does not apply with --layers: each conv item has its own (conv K sS pP dD)"
        )
    );
    assert!(!out.exists());
}

#[test]
fn rf_prints_the_table_and_json_of_the_built_in_networks() {
    let out = convstep().args(["rf", "--net", "vgg16"]).assert().success();
    let table = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let last = table.lines().last().unwrap();
    assert_eq!(
        last.split_whitespace().collect::<Vec<_>>(),
        [
            "31", "pool", "2", "2", "2", "0", "1", "7x7", "212", "32", "-90"
        ]
    );
    let out = convstep()
        .args(["rf", "--net", "alexnet", "--json"])
        .assert()
        .success();
    let rows: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 13);
    let last = &rows[12];
    for (key, want) in [
        ("kind", serde_json::json!("pool")),
        ("kernel", 3.into()),
        ("stride", 2.into()),
        ("pad", 0.into()),
        ("dilation", 1.into()),
        ("out", 6.into()),
        ("rf", 195.into()),
        ("jump", 32.into()),
    ] {
        assert_eq!(last[key], want, "{key}");
    }
    assert_eq!(rows[0]["layer"], "conv 11 s4 p2 f64");
}

#[test]
fn rf_takes_a_spec_and_refuses_what_it_cannot_use() {
    let out = convstep()
        .args([
            "rf",
            "--layers",
            "conv 3 d2; pool 2",
            "--input",
            "9",
            "--json",
        ])
        .assert()
        .success();
    let rows: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(rows[1]["rf"], 6);
    assert_eq!(rows[1]["out"], 2);
    let zh = convstep()
        .args(["rf", "--lang", "zh", "--net", "alexnet"])
        .assert()
        .success();
    let zh = String::from_utf8(zh.get_output().stdout.clone()).unwrap();
    assert!(zh.starts_with("alexnet，输入 224x224\n #  层"), "{zh}");
    assert!(fails(&["rf", "--layers", "conv 3"]).contains("--input N is needed with --layers"));
    assert_eq!(
        fails(&["rf", "--net", "resnet"]),
        "convstep: error: unknown network 'resnet' (known: alexnet, vgg16)"
    );
    assert_eq!(
        fails(&["rf", "--lang", "zh", "--layers", "pool", "--input", "4"]),
        "convstep: error: --layers 第 1 项 'pool'：缺少卷积核大小 K：应写作 pool K [sS]"
    );
    assert!(fails(&["rf", "--layers", "conv 5", "--input", "4"]).contains("item 1 'conv 5'"));
}

fn tour_file(dir: &Path, layers: &str) -> std::path::PathBuf {
    let path = dir.join("stack.toml");
    std::fs::write(
        &path,
        format!(
            "[title]\nen = \"Stack\"\nzh = \"层叠\"\n[[page]]\nlesson = \"rf\"\nen = \"Output {{out_hw}}.\"\nzh = \"输出 {{out_hw}}。\"\nscene = {{ size = 12, layers = \"{layers}\" }}\n"
        ),
    )
    .unwrap();
    path
}

#[test]
fn tour_check_validates_scenes_with_layers() {
    let dir = TempDir::new().unwrap();
    let good = tour_file(dir.path(), "conv 3 p1 f2; relu; pool 2");
    convstep()
        .arg("tour")
        .arg("--check")
        .arg(&good)
        .assert()
        .success();
    let bad = tour_file(dir.path(), "conv 3 p1; relu; pool 20");
    let line = fails(&["tour", "--check", bad.to_str().unwrap()]);
    assert!(
        line.contains("--layers item 3 'pool 20': the pooling window (20x20)"),
        "{line}"
    );
}
