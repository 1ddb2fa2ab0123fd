//! The walkthrough format: the bundled tour parses and validates; malformed and
//! meaningless files give one located line naming the file (and the page).

use std::path::Path;

use convstep::tour::{self, Lang, check};

const HEAD: &str = "[title]\nen = \"T\"\nzh = \"标题\"\n";

fn load(src: &str) -> Result<tour::Tour, String> {
    check::load("t.toml", src, Path::new(".")).map_err(|e| format!("{e:#}"))
}

fn error_of(src: &str) -> String {
    let err = load(src).expect_err("the file should be refused");
    assert!(!err.contains('\n'), "one line: {err}");
    err
}

fn page(lesson: &str, scene: &str) -> String {
    format!("[[page]]\nlesson = \"{lesson}\"\nen = \"words\"\nzh = \"话\"\nscene = {{ {scene} }}\n")
}

#[test]
fn the_bundled_tour_validates() {
    let t = tour::load(None).expect("bundled tour");
    assert!(t.pages.len() >= 20, "{} pages", t.pages.len());
    let ids: Vec<&str> = tour::lessons(&t).iter().map(|l| l.0).collect();
    assert_eq!(
        ids,
        [
            "intro",
            "formula",
            "stride",
            "receptive-field",
            "padding",
            "sparse",
            "sharing",
            "equivariance",
            "forward-code",
            "backward",
            "padding-crop",
            "grad-check",
            "im2col",
            "transposed",
            "dw-per-weight",
            "stack-field",
            "stack-backprop",
            "next"
        ]
    );
    for (k, p) in t.pages.iter().enumerate() {
        for (lang, words) in [("en", &p.narration.en), ("zh", &p.narration.zh)] {
            assert!(
                !words.contains('{'),
                "page {} {lang}: unfilled: {words}",
                k + 1
            );
            assert!(!words.trim().is_empty());
        }
        assert!(
            p.narration
                .zh
                .chars()
                .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
        );
    }
    assert_eq!(
        tour::summary(&t),
        format!(
            "assets/tours/convolution.toml: ok: 18 lessons, {} pages",
            t.pages.len()
        )
    );
}

#[test]
fn the_listing_names_every_lesson_in_both_languages() {
    let t = tour::load(None).unwrap();
    let en = tour::listing(&t, Lang::En);
    let zh = tour::listing(&t, Lang::Zh);
    assert!(en.contains(" 2. The convolution formula [formula]"), "{en}");
    assert!(en.contains("12. Gradient check [grad-check]"), "{en}");
    assert!(zh.contains(" 5. 填充 Padding [padding]"), "{zh}");
    assert_eq!(
        en.lines()
            .filter(|l| l.trim_start().starts_with("page"))
            .count(),
        t.pages.len()
    );
}

#[test]
fn a_syntax_error_is_located() {
    // Line 4: the string is not closed.
    let err = error_of(&format!("{HEAD}[[page]]\nlesson = \"a\nen = \"x\"\n"));
    assert!(err.starts_with("t.toml:5:"), "{err}");
}

#[test]
fn an_unknown_page_field_is_located() {
    let src =
        format!("{HEAD}[[page]]\nlesson = \"a\"\nen = \"x\"\nzh = \"y\"\nnarration = \"z\"\n");
    let err = error_of(&src);
    assert!(
        err.starts_with("t.toml:8:1: unknown field `narration`"),
        "{err}"
    );
}

#[test]
fn an_unknown_scene_field_is_located() {
    let src = format!(
        "{HEAD}{}",
        page("a", "preset = \"cs231n-demo\", strides = 2")
    );
    let err = error_of(&src);
    // The inline table sits on line 8; `strides` starts at column 37.
    assert!(err.starts_with("t.toml:8:"), "{err}");
    assert!(err.contains("unknown field `strides`"), "{err}");
}

#[test]
fn a_wrong_type_is_located() {
    let src = format!("{HEAD}{}", page("a", "stride = \"two\""));
    let err = error_of(&src);
    assert!(err.starts_with("t.toml:8:"), "{err}");
}

#[test]
fn a_missing_narration_is_located() {
    let src = format!("{HEAD}[[page]]\nlesson = \"a\"\nen = \"x\"\n");
    let err = error_of(&src);
    assert!(err.starts_with("t.toml:4:1: missing field `zh`"), "{err}");
}

#[test]
fn a_wide_character_counts_as_one_column() {
    let src = "[title]\nen = \"T\"\nzh = \"标题\" x\n";
    let err = error_of(src);
    // `x` after `"标题" ` is the 11th character of line 3 (标 and 题 count one each).
    assert!(err.starts_with("t.toml:3:11:"), "{err}");
}

#[test]
fn an_impossible_layer_names_the_page() {
    let ok = page("a", "stride = 1");
    let bad = page("b", "dilation = 40, pad = 0");
    let err = error_of(&format!("{HEAD}{ok}{bad}"));
    // Located at page 2's `scene` (line 13, column 9), which holds the problem.
    assert!(
        err.starts_with("t.toml:13:9: page 2 (lesson b): scene: "),
        "{err}"
    );
    assert!(err.contains("larger than the padded input"), "{err}");
}

#[test]
fn empty_narration_names_the_page() {
    let src = format!("{HEAD}[[page]]\nlesson = \"a\"\nen = \"x\"\nzh = \"  \"\n");
    let err = error_of(&src);
    assert_eq!(
        err,
        "t.toml:4:1: page 1 (lesson a): `zh` is empty: write the Chinese words"
    );
}

#[test]
fn an_unknown_key_name_names_the_page() {
    let err = error_of(&format!("{HEAD}{}", page("a", "keys = \"l l frobnicate\"")));
    assert!(err.starts_with("t.toml:4:1: page 1 (lesson a): "), "{err}");
    assert!(err.contains("frobnicate"), "{err}");
    let err = error_of(&format!("{HEAD}{}", page("a", "keys = \"l q\"")));
    assert!(err.contains("Quit is not allowed"), "{err}");
}

#[test]
fn an_unknown_placeholder_names_the_page_and_language() {
    let src = format!("{HEAD}[[page]]\nlesson = \"a\"\nen = \"out {{out_shap}}\"\nzh = \"话\"\n");
    let err = error_of(&src);
    assert_eq!(
        err,
        "t.toml:4:1: page 1 (lesson a): en: unknown placeholder {out_shap}"
    );
}

#[test]
fn out_of_range_state_names_the_page() {
    let err = error_of(&format!("{HEAD}{}", page("a", "step = 100000")));
    assert!(
        err.starts_with("t.toml:8:9: page 1 (lesson a): scene: step 100000 does not exist"),
        "{err}"
    );
    let err = error_of(&format!("{HEAD}{}", page("a", "filter = 9")));
    assert!(err.contains("filter 9 does not exist"), "{err}");
    let err = error_of(&format!("{HEAD}{}", page("a", "select = [0, 999]")));
    assert!(err.contains("select [0, 999] is outside"), "{err}");
    let err = error_of(&format!("{HEAD}{}", page("a", "step = \"middle\"")));
    assert!(err.contains("\"first\" or \"last\""), "{err}");
}

#[test]
fn lessons_must_be_declared_and_consecutive() {
    let lessons = "[lessons]\na = { en = \"A\", zh = \"甲\" }\n";
    let err = error_of(&format!("{HEAD}{lessons}{}", page("b", "")));
    assert!(err.contains("lesson b is not declared"), "{err}");
    let err = error_of(&format!(
        "{HEAD}{}{}{}",
        page("a", ""),
        page("b", ""),
        page("a", "")
    ));
    assert!(
        err.contains("page 3 (lesson a): lesson a was left earlier"),
        "{err}"
    );
}

#[test]
fn an_inline_input_must_be_rectangular() {
    let err = error_of(&format!("{HEAD}{}", page("a", "x = [[1, 2], [3]]")));
    assert!(err.contains("not rectangular"), "{err}");
}

#[test]
fn a_file_without_pages_is_refused() {
    let err = error_of(HEAD);
    assert!(err.starts_with("t.toml:"), "{err}");
}

/// The facts of the bundled pages of `lesson`, in order.
fn facts_of(t: &tour::Tour, lesson: &str) -> Vec<convstep::tour::narrate::Facts> {
    t.pages
        .iter()
        .filter(|p| p.lesson == lesson)
        .map(|p| p.facts().unwrap())
        .collect()
}

fn pair(text: &str) -> (usize, usize) {
    let inner = text.trim_matches(|c| c == '(' || c == ')');
    let (a, b) = inner.split_once(", ").unwrap();
    (a.parse().unwrap(), b.parse().unwrap())
}

#[test]
fn the_bundled_scenes_show_what_their_words_claim() {
    let t = tour::load(None).unwrap();
    let num = |f: &convstep::tour::narrate::Facts, k: &str| -> usize {
        f.get(k).unwrap().replace(',', "").parse().unwrap()
    };

    // The note's first slip: one 5x5x3 filter gives one map, and a 32-wide input
    // gives a 28-wide map (32 - 5 + 1), as the words say.
    let formula = facts_of(&t, "formula");
    let slip = &formula[2];
    assert_eq!((num(slip, "F"), num(slip, "HH"), num(slip, "C")), (1, 5, 3));
    assert_eq!((num(slip, "W"), num(slip, "W_out")), (32, 28));
    assert!(slip.get("out_hwc").unwrap().ends_with("x28x1"));

    // Stride: 1 overlaps, 2 overlaps less, 3 = kernel tiles the input exactly.
    let stride = facts_of(&t, "stride");
    assert_eq!(num(&stride[0], "stride"), 1);
    assert_eq!(num(&stride[1], "stride"), 2);
    let tiled = &stride[2];
    assert_eq!(num(tiled, "stride"), num(tiled, "HH"));
    assert_eq!(num(tiled, "H_out") * num(tiled, "stride"), num(tiled, "H"));
    assert_eq!(num(tiled, "W_out") * num(tiled, "stride"), num(tiled, "W"));

    // Padding: 0 shrinks, "same" keeps the size, "full" grows it.
    let padding = facts_of(&t, "padding");
    assert_eq!(num(&padding[0], "pad"), 0);
    assert!(num(&padding[0], "H_out") < num(&padding[0], "H"));
    assert_eq!(num(&padding[1], "pad"), 1);
    assert_eq!(padding[1].get("out_hw"), Some("5x5"));
    assert_eq!(num(&padding[1], "H"), 5);
    assert_eq!(num(&padding[2], "pad"), num(&padding[2], "HH") - 1);
    assert!(num(&padding[2], "H_out") > num(&padding[2], "H"));

    // Equivariance: the strongest response moves exactly as the bar does (2 down, 3 right).
    let eq = facts_of(&t, "equivariance");
    let (a, b) = (
        pair(eq[0].get("max_at").unwrap()),
        pair(eq[1].get("max_at").unwrap()),
    );
    assert_eq!((b.0 - a.0, b.1 - a.1), (2, 3));
    assert_eq!(eq[0].get("max"), eq[1].get("max"));

    // The forward loop's second page is the first step of filter 1.
    let code = facts_of(&t, "forward-code");
    assert_eq!(code[1].get("pos"), Some("[0,1,0,0]"));

    // The crop: pad 0 still gives dx the shape of x.
    let crop = facts_of(&t, "padding-crop");
    assert_eq!(num(&crop[1], "pad"), 0);
    assert_eq!(crop[1].get("dx_shape"), crop[1].get("x_shape"));
    assert_ne!(crop[0].get("dx_pad_shape"), crop[0].get("dx_shape"));
    // The first crop page stops one step short, so the ring is still on screen.
    assert_eq!(num(&crop[0], "step") + 1, num(&crop[0], "steps"));

    // The gradient check passes CS231n's threshold.
    let check = &facts_of(&t, "grad-check")[0];
    for name in ["relerr_dx", "relerr_dw", "relerr_db"] {
        let e: f64 = check.get(name).unwrap().parse().unwrap();
        assert!(e < 1e-7, "{name} = {e}");
    }
}

/// The docs' section on the format (docs/tours.md).
fn readme_tour_section() -> String {
    let doc =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/tours.md")).unwrap();
    let start = doc
        .find("## The walkthrough format")
        .expect("docs/tours.md has a section on the format");
    doc[start..].to_string()
}

#[test]
fn the_readme_example_is_a_valid_walkthrough() {
    let section = readme_tour_section();
    let start = section.find("```toml\n").unwrap() + "```toml\n".len();
    let end = start + section[start..].find("```").unwrap();
    let t = load(&section[start..end]).unwrap();
    assert_eq!(t.pages.len(), 2);
    assert_eq!(t.pages[0].narration.en, "Stride 2: the output is 2x2.");
}

#[test]
fn the_readme_documents_every_placeholder() {
    let section = readme_tour_section();
    for (name, _) in convstep::tour::narrate::PLACEHOLDERS {
        assert!(
            section.contains(&format!("`{{{name}}}`")),
            "docs/tours.md lacks {{{name}}}"
        );
    }
}

#[test]
fn inline_inputs_leave_no_temporary_files() {
    let t = tour::load(None).unwrap();
    assert!(t.pages.iter().any(|p| p.scene.x.is_some()));
    for p in &t.pages {
        p.scene.spec().unwrap();
    }
    let mine = format!("convstep-tour-{}-", std::process::id());
    let left: Vec<String> = std::fs::read_dir(std::env::temp_dir())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(&mine))
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[test]
fn an_inline_input_is_named_as_such_in_errors() {
    // A 2x2 input without padding is smaller than the 3x3 kernel.
    let err = error_of(&format!(
        "{HEAD}{}",
        page("a", "x = [[1, 2], [3, 4]], pad = 0")
    ));
    assert!(err.contains("from inline x"), "{err}");
    assert!(!err.contains("convstep-tour-"), "{err}");
}

#[test]
fn the_conv_arithmetic_walkthrough_gives_the_papers_output_sizes() {
    let path = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/tours/conv-arithmetic.toml"
    ));
    let t = tour::load(Some(path)).unwrap();
    let sizes: Vec<String> = t
        .pages
        .iter()
        .map(|p| p.facts().unwrap().get("out_hw").unwrap().to_string())
        .collect();
    // Dumoulin & Visin's figures 2.1-2.4, 2.6-2.8 and 5.1.
    assert_eq!(
        sizes,
        ["2x2", "6x6", "5x5", "7x7", "2x2", "3x3", "3x3", "3x3"]
    );
}

#[test]
fn wrong_values_name_the_field_and_what_it_allows() {
    for (field, want) in [
        (
            "step = [1]",
            "`step` must be a whole number >= 1, \"first\" or \"last\" (got [1])",
        ),
        ("step = -1", "`step` must be a whole number >= 1"),
        ("x = [[1, \"a\"]]", "`x` must be rows of numbers"),
        ("x = [1, 2]", "`x` must be rows of numbers"),
        (
            "stride = 1e308",
            "`stride` must be a whole number >= 1 (got 1e308)",
        ),
        (
            "stride = 99999999999999999999",
            "`stride` must be a whole number >= 1 (got 99999999999999999999)",
        ),
        ("pad = -1", "`pad` must be a whole number >= 0 (got -1)"),
        ("select = [1, 2, 3]", "`select` must be [row, col]"),
        ("select = [1]", "`select` must be [row, col]"),
        ("size = 1.5", "`size` must be a whole number of pixels"),
        ("size = -3", "`size` must be a whole number of pixels"),
        (
            "phase = \"sideways\"",
            "`phase` must be \"forward\" or \"backward\"",
        ),
        ("gray = 1", "`gray` must be true or false (got 1)"),
        (
            "kernel = 3",
            "`kernel` must be kernel names or a .npy in quotes",
        ),
    ] {
        let err = error_of(&format!("{HEAD}{}", page("a", field)));
        // HEAD takes lines 1-3; the page's scene is line 8.
        assert!(err.starts_with("t.toml:8:"), "{field}: {err}");
        assert!(err.contains(want), "{field}: {err}");
        for serde in [
            "untagged",
            "i128",
            "StepField",
            "InlineArray",
            "SizeField",
            "usize",
            "invalid type",
        ] {
            assert!(!err.contains(serde), "{field}: serde's words: {err}");
        }
        assert!(err.len() < 200, "{field}: {err}");
    }
}

#[test]
fn missing_and_repeated_fields_say_what_to_write() {
    let err = error_of(&format!("{HEAD}[[page]]\nlesson = \"a\"\nen = \"x\"\n"));
    assert!(err.starts_with("t.toml:4:"), "{err}");
    assert!(
        err.contains("missing field `zh`: add zh = text in quotes"),
        "{err}"
    );
    let err = error_of(&format!(
        "{HEAD}[[page]]\nlesson = \"a\"\nen = \"x\"\nen = \"y\"\nzh = \"z\"\n"
    ));
    assert!(err.starts_with("t.toml:7:1:"), "{err}");
    assert!(err.contains("`en` is given twice"), "{err}");
}

#[test]
fn empty_titles_and_lesson_names_are_located() {
    let pg = page("a", "stride = 1");
    let err = error_of(&format!("[title]\nen = \"T\"\nzh = \"\"\n{pg}"));
    assert!(err.starts_with("t.toml:1:"), "{err}");
    assert!(
        err.contains("title: `zh` is empty: write the Chinese words"),
        "{err}"
    );
    let err = error_of(&format!(
        "{HEAD}[lessons]\na = {{ en = \" \", zh = \"甲\" }}\n{pg}"
    ));
    assert!(err.starts_with("t.toml:5:"), "{err}");
    assert!(err.contains("lesson a: `en` is empty"), "{err}");
}

#[test]
fn a_file_that_is_not_utf8_is_refused_at_its_line_and_column() {
    let dir = tempfile::TempDir::new().unwrap();
    let path = dir.path().join("t.toml");
    std::fs::write(&path, b"[title]\nen = \"\xc3\xa9t\xff\"\n").unwrap();
    let err = format!("{:#}", tour::load(Some(&path)).unwrap_err());
    let name = path.display().to_string();
    // `\xff` is the 9th character of line 2 (é counts one).
    assert_eq!(
        err,
        format!("{name}:2:9: byte 0xff is not UTF-8 text: save the file as UTF-8")
    );
}

/// A walkthrough of `pages` heavy pages (size 64, 64 random 31x31 kernels, backward,
/// `{relerr_dx}`): the same scene on every page, or a different seed on each.
pub fn heavy_tour(pages: usize, distinct: bool) -> String {
    let mut src = String::from("title = { en = \"Heavy\", zh = \"重\" }\n\n");
    for k in 1..=pages {
        let seed = if distinct { k } else { 0 };
        src.push_str(&format!(
            "[[page]]\nlesson = \"heavy\"\nen = \"Page {k}: dx error {{relerr_dx}}.\"\nzh = \"第 {k} 页：dx 误差 {{relerr_dx}}。\"\nscene = {{ size = 64, kernel = \"random\", filters = 64, kernel_size = 31, seed = {seed}, phase = \"backward\" }}\n\n"
        ));
    }
    src
}

#[test]
fn identical_heavy_scenes_are_built_once() {
    let src = heavy_tour(600, false);
    assert!(src.len() > 100_000, "{} bytes", src.len());
    let t = load(&src).unwrap();
    assert_eq!(t.pages.len(), 600);
    assert_eq!(t.scenes_built(), 1);
    assert!(t.pages[599].narration.en.starts_with("Page 600: dx error "));
    assert!(!t.pages[599].narration.en.contains('{'));
    assert_eq!(
        t.pages[0].narration.zh,
        t.pages[1].narration.zh.replace("第 2 页", "第 1 页")
    );
}

#[test]
fn opening_a_walkthrough_builds_only_the_pages_shown() {
    let src = heavy_tour(600, true);
    let mut t = check::open("t.toml", &src, Path::new(".")).unwrap();
    assert_eq!(t.scenes_built(), 0);
    assert!(!t.is_ready(0));
    t.ready(299).unwrap();
    assert_eq!(t.scenes_built(), 1);
    assert!(t.is_ready(299) && !t.is_ready(0));
    assert!(t.pages[299].narration.en.starts_with("Page 300: dx error "));
}

#[test]
fn a_walkthrough_asking_for_too_much_work_is_refused_in_one_line() {
    let src = heavy_tour(3, true);
    // Twice one heavy scene's gradient check (three entries, each a backward and two forward
    // passes of 1*64*15*36*3*31*31 multiply-adds: chelsea at 64x43, pad 1, 15x36 out); with
    // the builds counted too, the second page goes beyond.
    let pass: u128 = 64 * 15 * 36 * 3 * 31 * 31;
    let err = check::load_within("t.toml", &src, Path::new("."), 2 * 3 * 4 * pass)
        .map(|_| ())
        .unwrap_err();
    let err = format!("{err:#}");
    assert!(!err.contains('\n'), "{err}");
    // The second page's scene is the first beyond the bound.
    assert!(
        err.starts_with(
            "t.toml:13:9: page 2 (lesson heavy): scene: the walkthrough asks for too much work"
        ),
        "{err}"
    );
    assert!(err.contains("at most"), "{err}");
}
