//! The real binary in a real terminal (tmux): start on the bundled image, step, jump to
//! the end, switch to backward, open the help, quit; the screen at each point, and the
//! terminal restored afterwards (alternate screen left, the shell's output visible).
//! Then what must never break it: a stray fragment of an escape sequence, a kill by
//! SIGTERM, SIGHUP, SIGINT or SIGQUIT, a burst of keys on a heavy layer.

use std::time::{Duration, Instant};

use crate::tmux_support;

use tmux_support::Tmux;

fn command(args: &str) -> String {
    let bin = env!("CARGO_BIN_EXE_convstep");
    format!("{bin} {args}; echo convstep-exited-$?; sleep 60")
}

#[test]
fn step_jump_backward_help_quit_on_the_bundled_image() {
    // dout = 1 everywhere, so that db[f] counts the windows (11 x 16 = 176).
    let Some(t) = Tmux::start("walk", 100, 30, &command("--size 16 --dout ones")) else {
        return;
    };
    // The whole first frame (a loaded machine may show it half drawn at first).
    let screen = t.wait_until("the first frame, drawn whole", |s| {
        s.contains("step 1/352") && s.contains("out[0,0,0,0] = Σ x_pad[0,:,0:3,0:3]")
    });
    assert!(screen.contains("FORWARD"), "{screen}");
    assert!(screen.contains("x 1x3x11x16 size 16"), "{screen}");
    assert!(
        screen.contains("out[0,0,0,0] = Σ x_pad[0,:,0:3,0:3] ⊙ w[0] + b[0]"),
        "{screen}"
    );
    assert_eq!(
        t.display("#{alternate_on}"),
        "1",
        "the stepper uses the alternate screen"
    );

    t.keys(&["l", "l", "Right"]);
    let screen = t.wait_for("step 4/352");
    assert!(screen.contains("(n,f,i,j)=(0,0,0,3)"), "{screen}");

    t.keys(&["G"]);
    let screen = t.wait_for("step 352/352");
    assert!(screen.contains("(n,f,i,j)=(0,1,10,15)"), "{screen}");
    assert!(screen.contains("filter 1 sobel-y"), "{screen}");

    t.keys(&["b"]);
    // The bottom of the arithmetic, so the whole backward frame is on the screen.
    let screen = t.wait_until("backward, drawn whole", |s| {
        s.contains("BACKWARD") && s.contains("done: the ring is cropped away")
    });
    // Whole numbers print as integers.
    assert!(screen.contains("dout[0,1,10,15] = 1 "), "{screen}");
    assert!(screen.contains("db[1] += 1 → db[1] = 176"), "{screen}");
    // After the last step the padding ring is cropped away: dx_pad has become dx.
    assert!(screen.contains("dx R"), "{screen}");
    assert!(
        screen.contains("done: the ring is cropped away"),
        "{screen}"
    );
    t.keys(&["h"]);
    let screen = t.wait_until("at step 351, drawn whole", |s| {
        s.contains("step 351/352") && s.contains("351 of 352 windows sent back")
    });
    assert!(
        screen.contains("dx_pad R"),
        "one step earlier the ring is there:\n{screen}"
    );

    t.keys(&["?"]);
    let screen = t.wait_for("keys: ? or Esc closes");
    assert!(screen.contains("next step"), "{screen}");
    t.keys(&["Escape"]);
    let screen = t.wait_until("without the help", |s| {
        // Sobel on every channel: one dx_pad grid stands for R, G and B.
        !s.contains("keys: ? or Esc closes") && s.contains("dx_pad R=G=B")
    });
    assert!(screen.contains("step 351/352"), "{screen}");

    t.keys(&["q"]);
    let screen = t.wait_for("convstep-exited-0");
    assert!(
        !screen.contains("BACKWARD"),
        "the stepper's screen is gone:\n{screen}"
    );
    assert_eq!(
        t.display("#{alternate_on}"),
        "0",
        "the alternate screen is left"
    );
    assert_eq!(
        t.display("#{cursor_flag}"),
        "1",
        "the cursor is shown again"
    );
}

#[test]
fn resize_redraws_and_a_small_terminal_says_the_size_needed() {
    let Some(t) = Tmux::start("resize", 80, 24, &command("--preset cs231n-demo")) else {
        return;
    };
    t.wait_for("step 1/18");
    t.run(&["resize-window", "-t", "t", "-x", "50", "-y", "12"]);
    let screen = t.wait_for("it needs at least 60x16");
    assert!(screen.contains("it is 50x12"), "{screen}");
    t.run(&["resize-window", "-t", "t", "-x", "120", "-y", "40"]);
    t.wait_for("step 1/18");
    t.keys(&["C-c"]);
    t.wait_for("convstep-exited-0");
}

#[test]
fn a_bad_start_step_is_one_line_and_status_2() {
    let Some(t) = Tmux::start("badstep", 100, 10, &command("--step 99999")) else {
        return;
    };
    let screen = t.wait_for("convstep-exited-2");
    assert!(
        screen.contains("convstep: error: --step 99999 is out of range: this layer has 1344 steps"),
        "{screen}"
    );
}

#[test]
fn mouse_clicks_jump_to_an_output_and_select_an_input_cell() {
    use convstep::app::App;
    use convstep::cmd::InputArgs;
    use convstep::cmd::StateArgs;
    use convstep::input::SceneSpec;
    let Some(t) = Tmux::start("mouse", 80, 24, &command("--preset cs231n-demo")) else {
        return;
    };
    // Where the cells are, from the same layout code the binary uses.
    let args = InputArgs {
        preset: Some("cs231n-demo".into()),
        ..Default::default()
    };
    let app = App::new(SceneSpec::from_args(&args).unwrap(), &StateArgs::default()).unwrap();
    let plan = convstep::ui::plan(&app, ratatui::layout::Rect::new(0, 0, 80, 24));
    let (maps, filters) = plan.fmap.expect("feature maps");
    assert_eq!(filters[0], 0);
    let (map, mode) = (maps.rects[0], maps.mode);
    t.wait_for("step 1/18");
    // Output (1, 1) of filter 0 is step 3 * 1 + 1 + 1 = 5.
    t.click(map.x + mode.cell_w(), map.y + 2);
    let screen = t.wait_for("step 5/18");
    assert!(screen.contains("(n,f,i,j)=(0,0,1,1)"), "{screen}");
    let pluses = |s: &str| s.matches('+').count();
    let before = pluses(&screen);
    // Padded input cell (2, 2) feeds outputs (0..2, 0..2): four "+" marks per map.
    let input = plan.input.expect("input grids");
    let (grid, mode) = (input.rects[0], input.mode);
    t.click(grid.x + 2 * mode.cell_w(), grid.y + 3);
    let screen = t.wait_until("with the selection", |s| s.contains("*2*"));
    assert!(
        screen.contains("step 5/18"),
        "a click on the input does not move:\n{screen}"
    );
    // The demo prints its numbers at 80x24, the marks between the cells: a `+` on
    // each side of each row's run of fed outputs, 2 + 1 in map 0 (the current cell's
    // `<` takes the one after (1, 0)) and 2 + 2 in map 1.
    assert_eq!(maps.mode, convstep::ui::grid::CellMode::Line(3), "{maps:?}");
    assert_eq!(pluses(&screen) - before, 3 + 4, "{screen}");
    t.keys(&["q"]);
    t.wait_for("convstep-exited-0");
}

#[test]
fn s_saves_a_screenshot_named_after_what_it_shows() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let args = format!(
        "--preset cs231n-demo --step 3 --export-format txt --export-dir {}",
        dir.path().display()
    );
    let Some(t) = Tmux::start("shot", 100, 30, &command(&args)) else {
        return;
    };
    t.wait_for("step 3/18");
    t.keys(&["s"]);
    let screen = t.wait_for("saved ");
    let want = dir.path().join("convstep-forward-step3-001.txt");
    assert!(
        screen.contains("convstep-forward-step3-001.txt"),
        "the bottom line names the file:\n{screen}"
    );
    let saved = std::fs::read_to_string(&want).expect("the screenshot is written");
    assert!(saved.contains("step 3/18"), "{saved}");
    t.keys(&["b", "s"]);
    t.wait_for("convstep-backward-step3-001.txt");
    t.keys(&["q"]);
    t.wait_for("convstep-exited-0");
}

/// Fragments of escape sequences that used to leave the stepper deaf (crossterm's
/// reader waited for the byte that ends them), with the key that then must quit.
const STRAY_FRAGMENTS: [(&str, &str, &str); 4] = [
    ("csi-private", "\x1b[?", "q"),
    ("sgr-mouse", "\x1b[<", "Escape"),
    ("paste", "\x1b[200~", "C-c"),
    ("cut-mouse-report", "\x1b[<0;12", "q"),
];

#[test]
fn a_stray_escape_fragment_leaves_keys_working_and_q_esc_c_c_quit() {
    // The pauses let the 50 ms escape timeout pass, as a user's next key would; they
    // are long (500 ms) so that a loaded machine cannot make the key part of the
    // fragment (a key within the timeout ends a sequence, as in any terminal).
    let pause = || std::thread::sleep(Duration::from_millis(500));
    for (name, fragment, quit_key) in STRAY_FRAGMENTS {
        let Some(t) = Tmux::start(name, 100, 30, &command("--preset cs231n-demo")) else {
            return;
        };
        t.wait_for("step 1/18");
        t.type_bytes(fragment);
        pause();
        t.keys(&["l"]);
        t.wait_for("step 2/18");
        t.type_bytes(fragment);
        pause();
        let sent = Instant::now();
        t.keys(&[quit_key]);
        let screen = t.wait_for("convstep-exited-0");
        // Typically 20-80 ms here (tmux's own latency included); 2 s is the margin
        // for a loaded 2-core CI machine, far below "never".
        let took = sent.elapsed();
        assert!(
            took < Duration::from_secs(2),
            "{quit_key} after {fragment:?} took {took:?} to quit:\n{screen}"
        );
        assert_eq!(t.display("#{alternate_on}"), "0", "{name}");
    }
}

/// The terminal as the program left it: main screen, cursor shown, no mouse
/// reports, cooked mode (stty's `icanon` and `echo`, without a `-`).
fn assert_restored(t: &Tmux, what: &str) {
    let screen = t.screen();
    assert_eq!(
        t.display("#{alternate_on}"),
        "0",
        "{what}: alternate screen\n{screen}"
    );
    assert_eq!(
        t.display("#{cursor_flag}"),
        "1",
        "{what}: cursor hidden\n{screen}"
    );
    let mouse =
        t.display("#{mouse_any_flag}#{mouse_button_flag}#{mouse_standard_flag}#{mouse_sgr_flag}");
    assert_eq!(mouse, "0000", "{what}: mouse reports still on\n{screen}");
    let words: Vec<&str> = screen.split_whitespace().collect();
    for mode in ["icanon", "echo", "isig"] {
        assert!(
            words.contains(&mode) && !words.contains(&format!("-{mode}").as_str()),
            "{what}: stty shows no {mode} (raw mode left on)\n{screen}"
        );
    }
}

/// Kills the running stepper and tour with `signal`: the terminal is restored and the
/// shell sees the signal's status.
fn killed_by(signal: &str, number: i32) {
    let bin = env!("CARGO_BIN_EXE_convstep");
    for (what, args, ready) in [
        ("stepper", "--preset cs231n-demo", "step 1/18"),
        ("tour", "tour", "step "),
    ] {
        // ulimit -c 0: SIGQUIT's default action dumps core.
        let command =
            format!("ulimit -c 0; {bin} {args}; echo convstep-exited-$?; stty -a; sleep 60");
        let name = format!("kill-{signal}-{what}");
        let Some(t) = Tmux::start(&name, 120, 40, &command) else {
            return;
        };
        t.wait_for(ready);
        let pid = t.child_pid("convstep").expect("convstep runs in the pane");
        let killed = std::process::Command::new("kill")
            .args(["-s", signal, &pid.to_string()])
            .status()
            .expect("kill runs");
        assert!(killed.success(), "kill -s {signal} {pid}");
        let status = 128 + number;
        t.wait_for(&format!("convstep-exited-{status}"));
        // stty's output follows the status line.
        t.wait_for("icanon");
        assert_restored(&t, &format!("{what} after SIG{signal}"));
    }
}

#[test]
fn sigterm_restores_the_terminal_and_exits_143() {
    killed_by("TERM", 15);
}

#[test]
fn sighup_restores_the_terminal_and_exits_129() {
    killed_by("HUP", 1);
}

#[test]
fn sigint_restores_the_terminal_and_exits_130() {
    killed_by("INT", 2);
}

#[test]
fn sigquit_restores_the_terminal_and_exits_131() {
    killed_by("QUIT", 3);
}

#[test]
fn a_burst_of_50_keys_on_a_heavy_layer_settles_within_2_seconds() {
    // 64 filters of 31x31 on a 43x64 picture at 250x80: a debug build draws a frame in
    // about 0.3 s on a loaded machine, and one frame per key took 15 s to work off 50
    // keys (measured side by side: 15.2 s before, 0.5 s now). Every pending key is
    // now applied before one frame. 2 s leaves room for a loaded 2-core CI machine
    // (other tests run beside this one) while one frame per key stays far beyond it.
    let args = "--kernel random --filters 64 --kernel-size 31 --size 64";
    let Some(t) = Tmux::start("burst", 250, 80, &command(args)) else {
        return;
    };
    // Building the layer takes seconds in a debug build: wait longer for it.
    t.wait_until_within(Duration::from_secs(120), "the first frame", |s| {
        s.contains("step 1/34560")
    });
    t.wait_steady("step 1/34560");
    let sent = Instant::now();
    // One send-keys: the 50 keys reach the terminal at once, as from a paste or a
    // key repeat that outruns the frames.
    t.type_bytes(&"l".repeat(50));
    t.wait_until_within(Duration::from_secs(60), "at step 51", |s| {
        s.contains("step 51/34560")
    });
    let took = sent.elapsed();
    assert!(
        took < Duration::from_secs(2),
        "50 keys took {took:?} to settle"
    );
    // The key after the burst still answers: the loop is not behind.
    t.keys(&["q"]);
    t.wait_for("convstep-exited-0");
}

/// The state of process `pid` from /proc (`T` when stopped).
fn process_state(pid: u32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat.rsplit_once(')')?
        .1
        .split_whitespace()
        .next()?
        .chars()
        .next()
}

/// Issue 22, item 7: a `kill -TSTP` (or a shell's job control) left the terminal in the
/// alternate screen with mouse reports on. Now the stepper gives the terminal back and
/// stops; continued, it takes it again and redraws, and keys work.
#[test]
fn sigtstp_gives_the_terminal_back_and_sigcont_takes_it_again() {
    let Some(t) = Tmux::start("tstp", 100, 30, &command("--preset cs231n-demo")) else {
        return;
    };
    t.wait_for("step 1/18");
    let pid = t.child_pid("convstep").expect("convstep runs in the pane");
    let kill = |signal: &str| {
        let status = std::process::Command::new("kill")
            .args(["-s", signal, &pid.to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -s {signal} {pid}");
    };
    kill("TSTP");
    t.wait_until("the process stopped", |_| process_state(pid) == Some('T'));
    assert_eq!(
        t.display("#{alternate_on}"),
        "0",
        "still in the alternate screen"
    );
    let mouse =
        t.display("#{mouse_any_flag}#{mouse_button_flag}#{mouse_standard_flag}#{mouse_sgr_flag}");
    assert_eq!(mouse, "0000", "mouse reports still on while stopped");
    assert_eq!(
        t.display("#{cursor_flag}"),
        "1",
        "cursor hidden while stopped"
    );
    kill("CONT");
    t.wait_until("the stepper back", |s| {
        s.contains("step 1/18") && t.display("#{alternate_on}") == "1"
    });
    t.keys(&["l"]);
    t.wait_for("step 2/18");
    t.keys(&["q"]);
    t.wait_for("convstep-exited-0");
}

#[test]
fn a_stack_picks_its_layer_by_key_and_by_click_and_shows_a_cells_receptive_field() {
    use convstep::app::App;
    use convstep::cmd::{InputArgs, StateArgs};
    use convstep::input::SceneSpec;
    let layers = "conv 3 p1 f2; relu; pool 2";
    let args = format!("--size 16 --layers \"{layers}\"");
    let Some(t) = Tmux::start("stack", 120, 40, &command(&args)) else {
        return;
    };
    t.wait_for("layer 1/3 conv 3x3 p1");
    t.keys(&["."]);
    let screen = t.wait_for("layer 2 of 3: relu");
    assert!(screen.contains("layer 2/3 relu"), "{screen}");
    t.keys(&["."]);
    t.wait_for("layer 3 of 3: pool 2");
    // The receptive field of pooling output (0, 1): a 4x4 block of x, columns 1..4.
    t.keys(&["l", "o"]);
    let screen = t.wait_for("receptive field of out[0,0,0,1], layer 3");
    assert!(
        screen.contains("this cell sees x rows -1..2, cols 1..4 (4x4)"),
        "{screen}"
    );
    t.keys(&[","]);
    t.wait_for("layer 2 of 3: relu");
    // A click on the picture's thumbnail picks layer 1, where the field is kept on.
    let spec_args = InputArgs {
        size: Some("16".into()),
        layers: Some(layers.into()),
        ..Default::default()
    };
    let app = App::new(
        SceneSpec::from_args(&spec_args).unwrap(),
        &StateArgs::default(),
    )
    .unwrap();
    let plan = convstep::ui::plan(&app, ratatui::layout::Rect::new(0, 0, 120, 40));
    let strip = plan.strip.expect("a stack has its strip");
    let thumbs = convstep::ui::stack_strip::thumbs(&app, strip);
    let first = thumbs.rects[0];
    t.click(first.x + 1, first.y + 2);
    let screen = t.wait_for("layer 1 of 3: conv 3x3 p1");
    assert!(
        screen.contains("receptive field of out[0,0,0,0], layer 1"),
        "{screen}"
    );
    t.keys(&["q"]);
    t.wait_for("convstep-exited-0");
}
