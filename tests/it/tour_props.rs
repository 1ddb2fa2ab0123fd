//! No walkthrough file, however broken, panics the checker: every refusal is one
//! line that starts with the file's name (and, for TOML errors, its line:column).

use std::path::Path;

use convstep::tour::{self, check};
use proptest::prelude::*;

fn refuse_cleanly(src: &str) {
    if let Err(err) = check::load("t.toml", src, Path::new(".")) {
        let line = format!("{err:#}");
        assert!(!line.contains('\n'), "not one line: {line}");
        assert!(line.starts_with("t.toml"), "not located: {line}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn cutting_the_bundled_tour_never_panics(start in 0usize..20_000, len in 1usize..400) {
        let src = tour::BUNDLED;
        let start = start.min(src.len());
        let end = (start + len).min(src.len());
        if src.is_char_boundary(start) && src.is_char_boundary(end) {
            let cut = format!("{}{}", &src[..start], &src[end..]);
            refuse_cleanly(&cut);
        }
    }

    #[test]
    fn arbitrary_scene_numbers_never_panic(
        stride in 0usize..6,
        pad in 0usize..6,
        dilation in 0usize..6,
        step in 0usize..80,
        filter in 0usize..4,
        row in 0usize..9,
        col in 0usize..9,
    ) {
        let src = format!(
            "[title]\nen = \"T\"\nzh = \"T\"\n[[page]]\nlesson = \"a\"\nen = \"{{out_hw}} {{max_at}} {{relerr_dx}}\"\nzh = \"z\"\nscene = {{ preset = \"no-padding-no-strides\", stride = {stride}, pad = {pad}, dilation = {dilation}, step = {step}, filter = {filter}, select = [{row}, {col}] }}\n"
        );
        refuse_cleanly(&src);
    }

    #[test]
    fn arbitrary_text_never_panics(src in "\\PC{0,200}") {
        refuse_cleanly(&src);
    }
}

/// The `line:col` an error starts with after `t.toml:`, if any.
fn location(err: &str) -> Option<(usize, usize)> {
    let rest = err.strip_prefix("t.toml:")?;
    let mut parts = rest.splitn(3, ':');
    let line = parts.next()?.parse().ok()?;
    let col = parts.next()?.parse().ok()?;
    Some((line, col))
}

/// Every refusal is one line naming the file, a line of it and a column.
fn refuse_at_a_line(bytes: Vec<u8>) {
    let lines = bytes.split(|&b| b == b'\n').count();
    if let Err(err) = tour::load_bytes("t.toml", bytes, Path::new(".")) {
        let err = format!("{err:#}");
        assert!(!err.contains('\n'), "not one line: {err}");
        let (line, col) = location(&err).unwrap_or_else(|| panic!("no line: {err}"));
        assert!(
            (1..=lines).contains(&line) && col >= 1,
            "{line}:{col} of {lines}: {err}"
        );
        for serde in ["untagged", "i128", "StepField", "InlineArray", "SizeField"] {
            assert!(!err.contains(serde), "serde's words: {err}");
        }
    }
}

/// A value TOML accepts, of any type a field might be given.
fn toml_value() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        (-3i64..40).prop_map(|n| n.to_string()),
        Just("99999999999999999999".to_string()),
        Just("1e308".to_string()),
        (-2.0f64..2.0).prop_map(|v| format!("{v:?}")),
        Just("true".to_string()),
        prop_oneof![
            Just("\"first\""),
            Just("\"last\""),
            Just("\"forward\""),
            Just("\"backward\""),
            Just("\"raw\""),
            Just("\"box\""),
            Just("\"random\""),
            Just("\"cs231n-demo\""),
            Just("\"no-padding-strides\""),
            Just("\"l l b\""),
            Just("\"\""),
            Just("\"{out_hw} {relerr_dx}\""),
            Just("\"{nope}\""),
        ]
        .prop_map(str::to_string),
        "[a-z {}]{0,8}".prop_map(|s| format!("{s:?}")),
    ];
    leaf.prop_recursive(2, 12, 4, |inner| {
        prop::collection::vec(inner, 0..4).prop_map(|v| format!("[{}]", v.join(", ")))
    })
}

/// A field name: mostly the scene's, sometimes the page's or none.
fn scene_key() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "preset",
        "x",
        "gray",
        "scale",
        "size",
        "kernel",
        "bias",
        "dout",
        "filters",
        "kernel_size",
        "seed",
        "stride",
        "pad",
        "dilation",
        "phase",
        "step",
        "filter",
        "select",
        "keys",
        "colour",
    ])
}

/// Walkthroughs shaped like real ones whose values are anything TOML allows.
fn toml_tour() -> impl Strategy<Value = String> {
    let page = (
        prop::sample::select(vec!["a", "b", ""]),
        toml_value(),
        prop::collection::vec((scene_key(), toml_value()), 0..4),
        any::<bool>(),
    )
        .prop_map(|(lesson, en, fields, preset)| {
            let mut scene: Vec<String> = fields
                .into_iter()
                .map(|(k, v)| format!("{k} = {v}"))
                .collect();
            if preset {
                scene.insert(0, "preset = \"no-padding-no-strides\"".into());
            }
            format!(
                "[[page]]\nlesson = \"{lesson}\"\nen = {en}\nzh = \"话\"\nscene = {{ {} }}\n",
                scene.join(", ")
            )
        });
    (toml_value(), prop::collection::vec(page, 0..4)).prop_map(|(title, pages)| {
        format!("[title]\nen = {title}\nzh = \"标题\"\n{}", pages.concat())
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn arbitrary_bytes_are_refused_at_a_line(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        refuse_at_a_line(bytes);
    }

    #[test]
    fn mangled_bundled_bytes_are_refused_at_a_line(
        at in 0usize..30_000,
        junk in prop::collection::vec(any::<u8>(), 1..6),
    ) {
        let mut bytes = tour::BUNDLED.as_bytes().to_vec();
        let at = at.min(bytes.len());
        bytes.splice(at..at, junk);
        refuse_at_a_line(bytes);
    }

    #[test]
    fn arbitrary_toml_is_refused_at_a_line(src in toml_tour()) {
        refuse_at_a_line(src.into_bytes());
    }
}
