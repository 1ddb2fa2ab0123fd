//! `convstep compare` end to end: a right implementation (exit 0), every slip of the
//! challenge layer named by id and nothing else (exit 1), a random array (exit 1, no
//! id), NaN, bad input (exit 2, one line); the `--show` frame as snapshots in English
//! and Chinese, and jumping between wrong cells in a real terminal (tmux).

use std::io::Cursor;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use convstep::app::App;
use convstep::cmd::InputArgs;
use convstep::conv::compare::right_arrays;
use convstep::conv::slips::{self, Slip};
use convstep::i18n::Lang;
use convstep::ui;
use ndarray::{ArrayD, arr0};
use ndarray_npy::NpzWriter;
use tempfile::TempDir;

use crate::buffer_text::text;
use crate::tmux_support::Tmux;

fn convstep() -> Command {
    Command::cargo_bin("convstep").expect("the convstep binary")
}

/// Writes the challenge layer with `arrays` (name, array) into `dir/name`.
fn write_mine(dir: &Path, name: &str, arrays: &[(&str, ArrayD<f64>)]) -> PathBuf {
    let (layer, dout) = slips::challenge();
    let mut npz = NpzWriter::new(Cursor::new(Vec::new()));
    npz.add_array("x", &layer.x).unwrap();
    npz.add_array("w", &layer.w).unwrap();
    npz.add_array("b", &layer.b).unwrap();
    npz.add_array("dout", &dout).unwrap();
    npz.add_array("stride", &arr0(2i64)).unwrap();
    npz.add_array("pad", &arr0(1i64)).unwrap();
    for (k, a) in arrays {
        npz.add_array(*k, a).unwrap();
    }
    let path = dir.join(name);
    std::fs::write(&path, npz.finish().unwrap().into_inner()).unwrap();
    path
}

fn right() -> Vec<(&'static str, ArrayD<f64>)> {
    let (layer, dout) = slips::challenge();
    let [out, dx, dw, db] = right_arrays(&layer, &dout);
    vec![("out", out), ("dx", dx), ("dw", dw), ("db", db)]
}

/// Runs compare with `args`; returns (status, stdout, stderr).
fn compare(args: &[&str]) -> (i32, String, String) {
    let out = convstep()
        .arg("compare")
        .args(args)
        .env("LANG", "C")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_right_implementation_matches_with_status_0() {
    let dir = TempDir::new().unwrap();
    let mine = write_mine(dir.path(), "mine.npz", &right());
    let (status, out, err) = compare(&[mine.to_str().unwrap()]);
    assert_eq!(status, 0, "{out}{err}");
    assert!(out.contains("out: right (rel_error"), "{out}");
    assert!(out.ends_with("all 4 arrays match\n"), "{out}");
    let (status, json, _) = compare(&[mine.to_str().unwrap(), "--json"]);
    assert_eq!(status, 0);
    for key in [
        "\"out\":{\"match\":true",
        "\"db\":{\"match\":true",
        "\"mistakes\":[]",
    ] {
        assert!(json.contains(key), "{json}");
    }
}

#[test]
fn every_slip_of_the_challenge_is_named_and_nothing_else() {
    let dir = TempDir::new().unwrap();
    for slip in Slip::ALL.into_iter().filter(|s| *s != Slip::DxEmptyCrop) {
        let name = format!("{}:{}", slip.grad().name(), slip.id());
        let path = dir.path().join("mine.npz");
        let p = path.to_str().unwrap();
        let made = convstep()
            .args(["compare", "--challenge", "--slip", &name, "-o", p])
            .output()
            .unwrap();
        assert!(made.status.success(), "{name}");
        let (status, json, err) = compare(&[p, "--json"]);
        assert_eq!(status, 1, "{name}: {json}{err}");
        let array = format!("\"{}\":{{\"match\":false", slip.grad().name());
        assert!(json.contains(&array), "{name}: {json}");
        let claimed = format!("\"mistakes\":[\"{}\"]", slip.id());
        assert_eq!(json.matches(&claimed).count(), 1, "{name}: {json}");
        // The three other arrays are right, with no mistake claimed.
        assert_eq!(json.matches("\"match\":true").count(), 3, "{name}: {json}");
        assert_eq!(json.matches("\"mistakes\":[]").count(), 3, "{name}: {json}");
    }
}

#[test]
fn the_report_names_the_slip_its_line_and_the_first_wrong_cell() {
    let dir = TempDir::new().unwrap();
    let (layer, dout) = slips::challenge();
    let mut arrays = right();
    arrays[1].1 = slips::results(&layer, &dout, Slip::DxAssign).remove(0);
    let mine = write_mine(dir.path(), "mine.npz", &arrays);
    let (status, out, _) = compare(&[mine.to_str().unwrap()]);
    assert_eq!(status, 1, "{out}");
    for line in [
        "out: right (rel_error",
        "dx: ",
        "  first wrong cell, in step order: dx[0,",
        "  the windows that touch it, dout·w (",
        "  mistake assign-not-accumulate: dx_pad was assigned (=) instead of accumulated (+=)",
        "      dx_pad[n, :, i*stride:i*stride+HH, j*stride:j*stride+WW] += dout[n, f, i, j] * w[f]",
        "1 of 4 arrays differ",
    ] {
        assert!(out.contains(line), "{line}\n{out}");
    }
}

#[test]
fn a_random_array_differs_with_no_id_and_its_first_cell() {
    let dir = TempDir::new().unwrap();
    let mut arrays = right();
    let random = arrays[0].1.mapv(|v| (v * 7.3).sin() + 3.0);
    arrays.truncate(0);
    arrays.push(("out", random));
    let mine = write_mine(dir.path(), "mine.npz", &arrays);
    let (status, json, _) = compare(&[mine.to_str().unwrap(), "--json"]);
    assert_eq!(status, 1, "{json}");
    assert!(json.starts_with("{\"out\":{\"match\":false"), "{json}");
    assert!(json.contains("\"first_wrong\":[0,0,0,0]"), "{json}");
    assert!(json.contains("\"wrong\":48,"), "{json}");
    assert!(json.contains("\"mistakes\":[]"), "{json}");
    // One key per array given.
    assert!(!json.contains("\"dx\""), "{json}");
}

#[test]
fn two_forward_slips_at_once_are_named_together() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("two.npz");
    let p = path.to_str().unwrap();
    let made = convstep()
        .args([
            "compare",
            "--challenge",
            "--slip",
            "out:flipped-kernel,no-bias",
            "-o",
            p,
        ])
        .output()
        .unwrap();
    assert!(made.status.success());
    let (status, out, _) = compare(&[p]);
    assert_eq!(status, 1, "{out}");
    assert!(
        out.contains("  mistakes flipped-kernel + no-bias, together:"),
        "{out}"
    );
}

#[test]
fn nan_and_inf_are_wrong_cells_not_a_crash() {
    let dir = TempDir::new().unwrap();
    let mut arrays = right();
    arrays[3].1[[0]] = f64::NAN;
    arrays[2].1[[1, 1, 2, 2]] = f64::INFINITY;
    let mine = write_mine(dir.path(), "mine.npz", &arrays);
    let (status, out, err) = compare(&[mine.to_str().unwrap()]);
    assert_eq!(status, 1, "{out}{err}");
    assert!(
        out.contains("db: 1 of 2 cells wrong (rel_error 1.00e0)"),
        "{out}"
    );
    assert!(out.contains("yours nan"), "{out}");
    assert!(out.contains("yours inf"), "{out}");
    let (_, json, _) = compare(&[mine.to_str().unwrap(), "--json"]);
    assert!(json.contains("\"yours\":null"), "{json}");
}

#[test]
fn bad_input_is_one_line_and_status_2() {
    let dir = TempDir::new().unwrap();
    let text = dir.path().join("notes.npz");
    std::fs::write(&text, "not a zip").unwrap();
    let three_d = write_mine(
        dir.path(),
        "rank.npz",
        &[("out", ArrayD::zeros(vec![2, 3, 4]))],
    );
    let none = write_mine(dir.path(), "none.npz", &[]);
    let (layer, _) = slips::challenge();
    let mut npz = NpzWriter::new(Cursor::new(Vec::new()));
    npz.add_array("x", &layer.x).unwrap();
    npz.add_array("dout", &ndarray::Array4::<f64>::zeros((1, 1, 2, 2)))
        .unwrap();
    npz.add_array("out", &ndarray::Array4::<f64>::zeros((1, 1, 2, 2)))
        .unwrap();
    let misfit = dir.path().join("misfit.npz");
    std::fs::write(&misfit, npz.finish().unwrap().into_inner()).unwrap();
    let cases = [
        (
            text.clone(),
            "is not an .npz archive (save it with np.savez)",
        ),
        (
            three_d,
            "'out' has shape (2,3,4) (3 dimensions), but out has 4",
        ),
        (none, "holds none of out, dx, dw, db"),
        (
            misfit,
            "(dout) has shape (1,1,2,2) but the output has shape",
        ),
        (dir.path().join("missing.npz"), "cannot read it"),
    ];
    for (path, want) in cases {
        let (status, out, err) = compare(&[path.to_str().unwrap()]);
        assert_eq!(status, 2, "{}: {out}{err}", path.display());
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.starts_with("convstep: error: "), "{err}");
        assert!(err.contains(want), "{want}\n{err}");
        assert!(out.is_empty(), "{out}");
    }
}

#[test]
fn the_challenge_says_what_it_catches() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("layer.npz");
    let (status, out, err) = compare(&["--challenge", "-o", path.to_str().unwrap()]);
    assert_eq!(status, 0, "{err}");
    assert!(out.contains("wrote "), "{out}");
    assert!(
        out.contains("16 of the 17 slips change this layer's result; the others change nothing here: dx:empty-crop"),
        "{out}"
    );
    // The layer alone names no array to compare: one line, status 2.
    let (status, _, err) = compare(&[path.to_str().unwrap()]);
    assert_eq!(status, 2, "{err}");
}

/// The `--show` frame of a student whose dx assigns instead of accumulating.
fn show_app(lang: Lang, dir: &Path) -> App {
    let (layer, dout) = slips::challenge();
    let mut arrays = right();
    arrays[1].1 = slips::results(&layer, &dout, Slip::DxAssign).remove(0);
    let mine = write_mine(dir, "mine.npz", &arrays);
    let (spec, _, cmp) = convstep::cmd::compare::load(&mine, &InputArgs::default()).unwrap();
    let mut app = App::new(spec, convstep::app::Start::default()).unwrap();
    app.lang = lang;
    app.open_comparison(cmp);
    app
}

#[test]
fn the_show_frame_at_80x24_and_120x40_in_english_and_chinese() {
    let dir = TempDir::new().unwrap();
    for (lang, name) in [(Lang::En, "en"), (Lang::Zh, "zh")] {
        let app = show_app(lang, dir.path());
        for (cols, rows) in [(80, 24), (120, 40)] {
            let shown = text(&ui::render_buffer(&app, cols, rows));
            insta::assert_snapshot!(format!("compare_show_{name}_{cols}x{rows}"), shown);
        }
    }
}

#[test]
fn the_show_frame_marks_wrong_out_cells_and_says_yours() {
    let dir = TempDir::new().unwrap();
    let mut arrays = right();
    arrays[0].1[[0, 1, 1, 2]] += 1.0;
    let mine = write_mine(dir.path(), "mine.npz", &arrays);
    let (spec, _, cmp) = convstep::cmd::compare::load(&mine, &InputArgs::default()).unwrap();
    let mut app = App::new(spec, convstep::app::Start::default()).unwrap();
    app.open_comparison(cmp);
    let shown = text(&ui::render_buffer(&app, 120, 40));
    assert!(shown.contains("✗"), "{shown}");
    assert!(shown.contains("yours: "), "{shown}");
    assert!(shown.contains("compare out[0,1,1,2]: right "), "{shown}");
    assert_eq!(app.pos().f, 1);
    assert_eq!((app.pos().i, app.pos().j), (1, 2));
}

#[test]
fn e_and_shift_e_jump_between_wrong_cells_in_a_terminal() {
    let dir = TempDir::new().unwrap();
    let (layer, dout) = slips::challenge();
    let mut arrays = right();
    arrays[1].1 = slips::results(&layer, &dout, Slip::DxAssign).remove(0);
    let mine = write_mine(dir.path(), "mine.npz", &arrays);
    let bin = env!("CARGO_BIN_EXE_convstep");
    let command = format!(
        "LANG=C {bin} compare {} --show; echo convstep-exited-$?; sleep 60",
        mine.display()
    );
    let Some(t) = Tmux::start("compare", 120, 40, &command) else {
        return;
    };
    let screen = t.wait_for("wrong cell 1 of ");
    assert!(screen.contains("BACKWARD"), "{screen}");
    t.keys(&["e"]);
    t.wait_for("wrong cell 2 of ");
    t.keys(&["E", "E"]);
    // Back past the first: the last wrong cell.
    let screen = t.wait_until("the last wrong cell", |s| {
        s.lines().any(|l| {
            l.contains("wrong cell ") && {
                let tail = l.split("wrong cell ").nth(1).unwrap_or("");
                let mut parts = tail.split_whitespace();
                let k = parts.next().unwrap_or("");
                parts.next();
                let total = parts.next().unwrap_or("").trim_end_matches(':');
                !k.is_empty() && k == total
            }
        })
    });
    assert!(screen.contains("!"), "{screen}");
    t.keys(&["q"]);
    t.wait_for("convstep-exited-1");
}

#[test]
fn the_help_lists_e_and_shift_e_only_while_comparing() {
    let dir = TempDir::new().unwrap();
    let mut app = show_app(Lang::En, dir.path());
    app.apply(convstep::app::Action::Help);
    let shown = text(&ui::render_buffer(&app, 120, 40));
    assert!(shown.contains("next wrong cell"), "{shown}");
    assert!(shown.contains("previous wrong cell"), "{shown}");
    app.compare = None;
    let shown = text(&ui::render_buffer(&app, 120, 40));
    assert!(!shown.contains("next wrong cell"), "{shown}");
}
