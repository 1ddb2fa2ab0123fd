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
