//! The stepper in Chinese (`--lang zh`): frames of the default photo and the CS231n
//! demo, forward and backward, at 80x24 and 120x40, with the help and the gradient
//! check; every frame holds its layout (no wide character cut or overwritten, no
//! English word of the stepper's own left).

use convstep::app::{Action, App, Phase, Step};
use convstep::cmd::{InputArgs, StateArgs};
use convstep::i18n::Lang;
use convstep::input::SceneSpec;
use convstep::ui;
use ratatui::buffer::Buffer;
use unicode_width::UnicodeWidthStr;

fn app(args: InputArgs, phase: Phase, step: usize) -> App {
    let spec = SceneSpec::from_args(&args).expect("input loads");
    let state = StateArgs {
        phase: Some(phase),
        step: Some(Step::At(step)),
        filter: None,
        view: None,
    };
    let mut app = App::new(spec, &state).expect("scene builds");
    app.lang = Lang::Zh;
    app
}

fn demo() -> InputArgs {
    InputArgs {
        preset: Some("cs231n-demo".into()),
        ..Default::default()
    }
}

/// The frame as a terminal shows it, after checking that every wide character has
/// its second column to itself (a later write over it would cut it in half).
fn text(buf: &Buffer) -> String {
    let area = buf.area;
    let mut lines = Vec::new();
    for y in 0..area.height {
        let mut line = String::new();
        let mut x = 0;
        while x < area.width {
            let symbol = buf[(x, y)].symbol();
            let w = UnicodeWidthStr::width(symbol).max(1) as u16;
            if w == 2 {
                assert!(
                    x + 1 < area.width,
                    "{symbol} cut at the right edge, row {y}"
                );
                assert_eq!(
                    buf[(x + 1, y)].symbol(),
                    " ",
                    "{symbol} at ({x},{y}) is overwritten by its neighbour"
                );
            }
            line.push_str(symbol);
            x += w;
        }
        lines.push(line.trim_end().to_string());
    }
    lines.join("\n")
}

/// The frame in Chinese, checked: the note's words where they belong, none of the
/// stepper's English labels.
fn zh_frame(app: &App, cols: u16, rows: u16) -> String {
    let shown = text(&ui::render_buffer(app, cols, rows));
    let phase = match app.phase {
        Phase::Forward => "前向传播",
        Phase::Backward => "反向传播",
    };
    assert!(shown.contains(phase), "{shown}");
    assert!(shown.contains("步长"), "{shown}");
    for english in [
        "FORWARD",
        "BACKWARD",
        "step ",
        "stride",
        "dilation",
        "filter",
        "products",
        "so far",
        "windows sent",
        "marks",
        "kernel w",
        "photo",
        " help",
    ] {
        assert!(!shown.contains(english), "{english:?} left in:\n{shown}");
    }
    shown
}

#[test]
fn the_photo_forward_in_chinese() {
    let app = app(InputArgs::default(), Phase::Forward, 1);
    insta::assert_snapshot!("zh_photo_forward_80x24", zh_frame(&app, 80, 24));
    let big = zh_frame(&app, 120, 40);
    for words in [
        "照片 21x32",
        "特征图",
        "标记说明",
        "当前窗口",
        "窗口",
        "乘积",
        "部分和",
    ] {
        assert!(big.contains(words), "{words}:\n{big}");
    }
    insta::assert_snapshot!("zh_photo_forward_120x40", big);
}

#[test]
fn the_photo_backward_in_chinese() {
    let app = app(InputArgs::default(), Phase::Backward, 20);
    insta::assert_snapshot!("zh_photo_backward_80x24", zh_frame(&app, 80, 24));
    let big = zh_frame(&app, 120, 40);
    for words in [
        "dx_pad R",
        "目前累计",
        "dout·窗口 → dw[0]",
        "已回传 20/1344 个窗口",
    ] {
        assert!(big.contains(words), "{words}:\n{big}");
    }
    insta::assert_snapshot!("zh_photo_backward_120x40", big);
}

#[test]
fn the_demo_in_chinese() {
    for phase in [Phase::Forward, Phase::Backward] {
        let app = app(demo(), phase, 5);
        let name = format!("{phase:?}").to_lowercase();
        insta::assert_snapshot!(format!("zh_demo_{name}_80x24"), zh_frame(&app, 80, 24));
        insta::assert_snapshot!(format!("zh_demo_{name}_120x40"), zh_frame(&app, 120, 40));
    }
}

#[test]
fn the_help_in_chinese_lists_every_key() {
    let mut app = app(InputArgs::default(), Phase::Forward, 1);
    app.apply(Action::Help);
    for (cols, rows) in [(80, 24), (120, 40)] {
        let shown = text(&ui::render_buffer(&app, cols, rows));
        // The page key is offered only where there is a next page.
        let table = convstep::app::keys::TABLE.iter();
        // The stack's keys show in a stack's help only (tests/it/stepper_stack.rs).
        let stack_only = [Action::NextLayer, Action::PrevLayer, Action::ReceptiveField];
        let table = table.filter(|b| !stack_only.contains(&b.action));
        for binding in table.filter(|b| ui::help::shown(b, false) && b.help != "key.help_page") {
            assert!(
                shown.contains(Lang::Zh.t(binding.help)),
                "{}:\n{shown}",
                binding.help
            );
        }
        assert!(shown.contains("按键：? 或 Esc 关闭"), "{shown}");
        if (cols, rows) == (80, 24) {
            insta::assert_snapshot!("zh_help_80x24", shown);
        }
    }
    // On the smallest screen the help turns pages, and says so in Chinese.
    let shown = text(&ui::render_buffer(&app, 60, 16));
    assert!(shown.contains("下一页"), "{shown}");
}

#[test]
fn the_gradient_check_in_chinese() {
    let mut app = app(demo(), Phase::Backward, 5);
    app.apply(Action::GradCheck);
    let report = app.check.as_ref().expect("a report");
    assert_eq!(report.what, "dw[0,:,1,1] 和 db[0]");
    let message = app.message.as_ref().expect("a message").text.clone();
    assert!(
        message.starts_with("dw[0,:,1,1] 和 db[0] 的梯度检验：最大 rel_error"),
        "{message}"
    );
    let shown = text(&ui::render_buffer(&app, 80, 24));
    for words in [
        " 梯度检验 ",
        "条目",
        "数值梯度",
        "解析梯度",
        "小于 1e-7 即为通过",
        "按任意键关闭",
    ] {
        assert!(shown.contains(words), "{words}:\n{shown}");
    }
    insta::assert_snapshot!("zh_check_80x24", shown);
}

#[test]
fn messages_speak_chinese_and_wrap_by_width() {
    let mut app = app(InputArgs::default(), Phase::Forward, 1);
    app.apply(Action::StrideDown);
    assert_eq!(app.message.as_ref().unwrap().text, "步长不能小于 1");
    app.apply(Action::StrideUp);
    assert_eq!(app.message.as_ref().unwrap().text, "步长 2：输出 11x16");
    app.apply(Action::Faster);
    assert!(app.message.as_ref().unwrap().text.starts_with("每 "));
    // A message longer than the line breaks between characters, never inside one.
    app.apply(Action::SelectCell { row: 0, col: 0 });
    app.apply(Action::GradCheck);
    let long = app.message.as_ref().unwrap().text.clone();
    assert!(long.contains("是填充"), "{long}");
    for cols in [60, 61, 80] {
        text(&ui::render_buffer(&app, cols, 24));
    }
}

#[test]
fn too_small_says_how_big_in_chinese() {
    let app = app(InputArgs::default(), Phase::Forward, 1);
    let shown = text(&ui::render_buffer(&app, 50, 10));
    assert!(shown.contains("至少需要 60x16"), "{shown}");
    assert!(shown.contains("现在是 50x10"), "{shown}");
}

#[test]
fn every_character_of_the_chinese_table_has_a_glyph_in_the_png_fonts() {
    use ab_glyph::{Font, FontRef};
    use convstep::export::glyphs::{FONT_CJK, FONT_REGULAR};
    let fonts = [
        FontRef::try_from_slice(FONT_REGULAR).unwrap(),
        FontRef::try_from_slice(FONT_CJK).unwrap(),
    ];
    let table = include_str!("../../src/i18n/zh.toml");
    let values = table
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once(" = ").map(|(_, v)| v));
    let mut missing: Vec<char> = values
        .flat_map(str::chars)
        .filter(|c| !c.is_whitespace())
        .filter(|&c| fonts.iter().all(|f| f.glyph_id(c).0 == 0))
        .collect();
    missing.dedup();
    assert!(missing.is_empty(), "no glyph for {missing:?}");
}

#[test]
fn a_tour_page_in_chinese_shows_a_chinese_stepper() {
    let t = convstep::tour::load(None).unwrap();
    let buf = convstep::tour::render_page(&t, 0, Lang::Zh, 120, 40).unwrap();
    let shown = text(&buf);
    assert!(
        shown.contains("前向传播") && shown.contains("步长"),
        "{shown}"
    );
    let buf = convstep::tour::render_page(&t, 0, Lang::En, 120, 40).unwrap();
    assert!(text(&buf).contains("FORWARD"));
}

#[test]
fn the_locale_or_lang_picks_the_stepper_language_in_a_real_terminal() {
    use super::tmux_support::Tmux;
    let bin = env!("CARGO_BIN_EXE_convstep");
    let zh = format!(
        "env -u LC_ALL -u LC_MESSAGES LANG=zh_CN.UTF-8 {bin} --preset cs231n-demo; echo exited-$?; sleep 60"
    );
    let Some(t) = Tmux::start("zh-locale", 80, 24, &zh) else {
        return;
    };
    t.wait_for_all(&["前向传播", "第 1/18 步", "步长 2 填充 1"]);
    t.keys(&["?"]);
    t.wait_for_all(&["按键：? 或 Esc 关闭", "梯度检验", "退出"]);
    t.keys(&["?", "b", "c"]);
    t.wait_for_all(&["反向传播", "条目", "按任意键关闭"]);
    t.keys(&["q", "q"]);
    t.wait_for("exited-0");
    // --lang wins over the locale.
    let en = format!(
        "env -u LC_ALL -u LC_MESSAGES LANG=zh_CN.UTF-8 {bin} --lang en --preset cs231n-demo; echo exited-$?; sleep 60"
    );
    let Some(t) = Tmux::start("zh-lang-en", 80, 24, &en) else {
        return;
    };
    t.wait_for_all(&["FORWARD", "step 1/18"]);
    t.keys(&["q"]);
    t.wait_for("exited-0");
}

#[test]
fn the_errors_a_student_meets_are_in_chinese() {
    let dir = tempfile::TempDir::new().unwrap();
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "not a picture").unwrap();
    let text = text.to_str().unwrap();
    let out = dir.path().join("f.txt");
    let out = out.to_str().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (
            &["shot", "nosuch.png", "-o", "OUT"],
            "无法读取 'nosuch.png'：没有这个文件或目录",
        ),
        (
            &["shot", "TEXT", "-o", "OUT"],
            "：不是 convstep 能读取的图像格式",
        ),
        (
            &["shot", "--stride", "0", "-o", "OUT"],
            "--stride 必须 >= 1（给的是 0）",
        ),
        (&["--pad", "-1"], "--pad 必须 >= 0（给的是 -1）"),
        (
            &["shot", "--step", "99999", "-o", "OUT"],
            "--step 99999 超出范围：这一层共 1344 步（1..=1344）",
        ),
        (
            &["shot", "--kernel", "nope", "-o", "OUT"],
            "未知的卷积核 'nope'（已知：",
        ),
        (
            &["--phase", "sideways"],
            "--phase 必须是 forward 或 backward（给的是 'sideways'）",
        ),
        (
            &[
                "shot",
                "--size",
                "4",
                "--pad",
                "0",
                "--kernel",
                "box",
                "--kernel-size",
                "7",
                "-o",
                "OUT",
            ],
            "x (1,3,3,4)（来自 bundled chelsea.png），卷积核 'box' (1,3,7,7)，步长 1，填充 0，膨胀 1：卷积核（含膨胀 7x7）比填充后的输入（3x4）还大：放不下任何窗口",
        ),
    ];
    for (args, words) in cases {
        for lang in [["--lang", "zh"].as_slice(), &[]] {
            let mut cmd = assert_cmd::Command::cargo_bin("convstep").unwrap();
            let args: Vec<&str> = args
                .iter()
                .map(|a| match *a {
                    "OUT" => out,
                    "TEXT" => text,
                    a => a,
                })
                .collect();
            let run = cmd
                .args(&args)
                .args(lang)
                .env_remove("LC_ALL")
                .env_remove("LC_MESSAGES")
                .env("LANG", if lang.is_empty() { "zh_CN.UTF-8" } else { "C" })
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&run.stderr);
            assert_eq!(run.status.code(), Some(2), "{args:?}: {stderr}");
            assert!(
                stderr.starts_with("convstep: error: "),
                "{args:?}: {stderr}"
            );
            assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
            assert!(stderr.contains(words), "{args:?} {lang:?}: {stderr}");
        }
    }
}

#[test]
fn lang_goes_before_or_after_the_subcommand() {
    for args in [
        ["--lang", "zh", "tour", "--list"],
        ["tour", "--lang", "zh", "--list"],
        ["tour", "--list", "--lang", "zh"],
        ["--lang=zh", "tour", "--list", ""],
    ] {
        let args: Vec<&str> = args.into_iter().filter(|a| !a.is_empty()).collect();
        let run = assert_cmd::Command::cargo_bin("convstep")
            .unwrap()
            .args(&args)
            .env("LANG", "C")
            .env_remove("LC_ALL")
            .env_remove("LC_MESSAGES")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&run.stdout);
        assert!(
            run.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&run.stderr)
        );
        assert!(stdout.contains("（共 36 页）"), "{args:?}: {stdout}");
    }
}
