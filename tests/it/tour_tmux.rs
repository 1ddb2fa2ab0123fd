//! The real binary in a real terminal (tmux): the tour opens on page 1, `n` walks the
//! first pages, stepper keys explore inside a page, `r` brings the page's scene back,
//! `p`/PageUp go back, Chinese narration lays out, and `q` restores the terminal.

use crate::tmux_support;

use tmux_support::Tmux;

fn command(args: &str) -> String {
    let bin = env!("CARGO_BIN_EXE_convstep");
    // The shell stays after convstep exits, so the restored screen can be read.
    format!("env -u LC_ALL -u LC_MESSAGES LANG=C {bin} tour {args}; echo TOUR-EXITED $?; sleep 60")
}

/// "page K/M" of the `nth` (0-based) page of `lesson` in the bundled tour, in English
/// and in Chinese.
fn progress(lesson: &str, nth: usize) -> (usize, String, String) {
    let t = convstep::tour::load(None).unwrap();
    let m = t.pages.len();
    let first = t.pages.iter().position(|p| p.lesson == lesson).unwrap();
    let k = first + nth + 1;
    (k, format!("page {k}/{m}"), format!("第 {k}/{m} 页"))
}

#[test]
fn walk_explore_restore_and_quit() {
    let Some(t) = Tmux::start("walk", 120, 40, &command("")) else {
        return;
    };
    let welcome = progress("intro", 0).1;
    t.wait_for_all(&[
        &welcome,
        "What a convolution layer does",
        "A convolution layer slides",
    ]);

    // n walks forward: each page sets its own scene.
    t.keys(&["n"]);
    let formula = progress("formula", 0).1;
    t.wait_for_all(&[
        &formula,
        "The convolution formula",
        "step 1/18",
        "One output number comes",
    ]);
    t.keys(&["n"]);
    let channels = progress("formula", 1).1;
    t.wait_for_all(&[&channels, "step 5/18", "kernel has 3 too"]);
    t.keys(&["n"]);
    let slip = progress("formula", 2).1;
    t.wait_for_all(&[&slip, "A slip in the note", "step 1/476"]);
    t.keys(&["PageDown"]);
    let stride = progress("stride", 0).1;
    t.wait_for_all(&[&stride, " Stride ", "step 2/16", "Stride 1: the window"]);

    // Stepper keys explore inside the page: two steps on, then the backward pass.
    t.keys(&["l", "l"]);
    t.wait_for_all(&[&stride, "step 4/16", "FORWARD"]);
    t.keys(&["b"]);
    t.wait_for_all(&[&stride, "step 4/16", "BACKWARD"]);

    // r puts the page's scene back.
    t.keys(&["r"]);
    let screen = t.wait_for_all(&[&stride, "step 2/16", "FORWARD"]);
    assert!(!screen.contains("BACKWARD"), "{screen}");

    // p and PageUp go back.
    t.keys(&["p"]);
    t.wait_for_all(&[&slip, "A slip in the note"]);
    t.keys(&["PageUp"]);
    t.wait_for_all(&[&channels, "step 5/18"]);

    // q leaves; the alternate screen is gone and the shell's line shows.
    t.keys(&["q"]);
    let screen = t.wait_for_all(&["TOUR-EXITED 0"]);
    assert!(
        !screen.contains(&channels),
        "the tour's screen remained:\n{screen}"
    );
}

#[test]
fn chinese_narration_at_80x24_with_a_start_page() {
    let (k, _, moved) = progress("equivariance", 1);
    let Some(t) = Tmux::start("zh", 80, 24, &command(&format!("--lang zh --page {k}"))) else {
        return;
    };
    let screen = t.wait_for_all(&[
        &format!("{moved} · 等变表示：平移"),
        "竖线向下移了 2 格",
        // The stepper beside a Chinese page speaks Chinese too.
        "第 64/64 步",
    ]);
    // Wide characters take two cells: no line may be wider than the terminal.
    for line in screen.lines() {
        assert!(
            unicode_width::UnicodeWidthStr::width(line) <= 80,
            "line wider than 80 columns: {line:?}"
        );
    }
    t.keys(&["n"]);
    let code = progress("forward-code", 0).2;
    t.wait_for_all(&[&format!("{code} · 朴素的前向循环"), "conv_forward_naive"]);
    t.keys(&["C-c"]);
    t.wait_for_all(&["TOUR-EXITED 0"]);
}

#[test]
fn a_click_on_the_feature_map_beside_the_narration_jumps_to_its_step() {
    let (k, formula, _) = progress("formula", 0);
    let Some(t) = Tmux::start("mouse", 120, 40, &command(&format!("--page {k}"))) else {
        return;
    };
    // Where the cells are, from the same layout code the binary uses.
    let tour = convstep::tour::load(None).unwrap();
    let view = convstep::tour::TourView::new(tour, k - 1, convstep::tour::Lang::En).unwrap();
    let (stepper, _) = view.split(ratatui::layout::Rect::new(0, 0, 120, 40));
    let plan = convstep::ui::plan(&view.stage.app, stepper);
    let (maps, filters) = plan.fmap.expect("feature maps");
    assert_eq!(filters[0], 0);
    let (map, mode) = (maps.rects[0], maps.mode);
    t.wait_for_all(&[&formula, "step 1/18"]);
    // Output (1, 1) of filter 0 is step 3 * 1 + 1 + 1 = 5; the page stays.
    t.click(map.x + mode.cell_w(), map.y + 2);
    let screen = t.wait_for_all(&[&formula, "step 5/18"]);
    assert!(screen.contains("(n,f,i,j)=(0,0,1,1)"), "{screen}");
    // r brings the page's step back.
    t.keys(&["r"]);
    t.wait_for_all(&[&formula, "step 1/18"]);
    t.keys(&["q"]);
    t.wait_for_all(&["TOUR-EXITED 0"]);
}
