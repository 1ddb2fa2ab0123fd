//! The walkthrough file format (TOML): a title, the lessons, and the pages that set a
//! scene and narrate it. Parsing only; [`super::check`] validates the meaning.
//!
//! ```toml
//! [title]
//! en = "The convolution layer"
//! zh = "卷积层"
//!
//! [lessons]
//! stride = { en = "Stride", zh = "步长" }
//!
//! [[page]]
//! lesson = "stride"
//! en = "Stride 2: the window jumps two cells. Output {out_hw}."
//! zh = "步长为 2：窗口每次跳两格。输出 {out_hw}。"
//! scene = { preset = "no-padding-strides", step = 2 }
//! ```

use std::collections::BTreeMap;
use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;

use crate::app::Phase;
use crate::input::Scale;

/// A parsed walkthrough, before validation.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TourFile {
    pub title: Spanned<Text>,
    /// Lesson ids and their names. When present, every page's lesson must be here.
    #[serde(default)]
    pub lessons: BTreeMap<String, Spanned<Text>>,
    #[serde(rename = "page")]
    pub pages: Vec<Spanned<Page>>,
}

/// The same words in English and Chinese.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Text {
    pub en: String,
    pub zh: String,
}

impl crate::i18n::Localized for Text {
    fn in_lang(&self, lang: crate::i18n::Lang) -> &str {
        match lang {
            crate::i18n::Lang::En => &self.en,
            crate::i18n::Lang::Zh => &self.zh,
        }
    }
}

/// One page: a scene and its narration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Page {
    /// The lesson this page belongs to; consecutive pages share it.
    pub lesson: String,
    /// Narration in English; may hold placeholders such as `{out_shape}`.
    pub en: String,
    /// Narration in Chinese.
    pub zh: String,
    /// Show CS231n's naive loop beside the narration with the executing line marked.
    #[serde(default)]
    pub code: Option<CodeView>,
    #[serde(default)]
    pub scene: Option<Spanned<SceneFields>>,
}

/// Which of the naive functions a page shows.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum CodeView {
    Forward,
    Backward,
}

/// What a page sets up. The input fields mirror the command line's input options
/// (`input`, `preset`, `gray`, ...), the state fields `--phase`, `--step`, `--filter`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SceneFields {
    /// An image or .npy, relative to the walkthrough file's folder.
    pub input: Option<String>,
    /// A small input written inline: rows of numbers (H, W) or channels of rows (C, H, W).
    pub x: Option<InlineArray>,
    pub preset: Option<String>,
    #[serde(default)]
    pub gray: bool,
    pub scale: Option<ScaleName>,
    /// A number (longest side) or "full"; a bare integer is accepted.
    pub size: Option<SizeField>,
    pub kernel: Option<String>,
    pub bias: Option<String>,
    pub dout: Option<String>,
    pub filters: Option<usize>,
    pub kernel_size: Option<usize>,
    pub seed: Option<u64>,
    pub stride: Option<usize>,
    pub pad: Option<usize>,
    pub dilation: Option<usize>,
    /// A stack of layers, as `--layers` takes it: "conv 3 p1 f4; relu; pool 2".
    pub layers: Option<String>,
    pub phase: Option<PhaseName>,
    /// 1-based step, or "first" / "last".
    pub step: Option<StepField>,
    pub filter: Option<usize>,
    /// The selected input cell [row, col] (in x, without padding).
    #[serde(default, deserialize_with = "cell")]
    pub select: Option<[usize; 2]>,
    /// Stepper keys played after the scene is set, e.g. "l l l b G".
    pub keys: Option<String>,
}

/// `select`: exactly two whole numbers, [row, col].
fn cell<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<[usize; 2]>, D::Error> {
    let v: Vec<usize> = Vec::deserialize(d)?;
    match v[..] {
        [r, c] => Ok(Some([r, c])),
        _ => Err(serde::de::Error::invalid_length(v.len(), &"[row, col]")),
    }
}

/// What each field allows, in the words of the errors.
const ALLOWED: &[(&str, &str)] = &[
    ("title", "a table { en = \"...\", zh = \"...\" }"),
    (
        "lessons",
        "a table of lesson ids, each { en = \"...\", zh = \"...\" }",
    ),
    ("page", "an array of [[page]] tables"),
    ("lesson", "a lesson id in quotes"),
    ("en", "text in quotes"),
    ("zh", "text in quotes"),
    ("code", "\"forward\" or \"backward\""),
    (
        "scene",
        "an inline table such as { preset = \"cs231n-demo\", step = 2 }",
    ),
    ("input", "a file name in quotes"),
    (
        "x",
        "rows of numbers [[1, 2], [3, 4]] or channels of rows [[[1, 2]], [[3, 4]]]",
    ),
    ("preset", "a preset name in quotes"),
    ("gray", "true or false"),
    ("scale", "\"unit\" or \"raw\""),
    ("size", "a whole number of pixels in 1..=8192 or \"full\""),
    ("kernel", "kernel names or a .npy in quotes"),
    ("bias", "numbers or a .npy in quotes"),
    ("dout", "\"ones\", \"random\" or a .npy in quotes"),
    ("filters", "a whole number in 1..=64"),
    ("kernel_size", "a whole number in 1..=31"),
    ("seed", "a whole number >= 0"),
    ("stride", "a whole number >= 1"),
    ("pad", "a whole number >= 0"),
    ("dilation", "a whole number >= 1"),
    ("phase", "\"forward\" or \"backward\""),
    ("step", "a whole number >= 1, \"first\" or \"last\""),
    ("filter", "a whole number >= 0"),
    ("select", "[row, col]: two whole numbers >= 0"),
    ("keys", "stepper key names in quotes, such as \"l l b\""),
];

/// What field `key` allows.
pub fn allowed(key: &str) -> Option<&'static str> {
    ALLOWED.iter().find(|(k, _)| *k == key).map(|(_, a)| *a)
}

/// The key whose value starts at byte `at` of `src` (`stride` in `stride = 1e308`).
fn key_before(src: &str, at: usize) -> Option<String> {
    let mut at = at.min(src.len());
    while !src.is_char_boundary(at) {
        at -= 1;
    }
    let before = src[..at].trim_end();
    let before = before.strip_suffix('=')?.trim_end();
    let start = before
        .char_indices()
        .rev()
        .find(|&(_, c)| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .map_or(0, |(i, c)| i + c.len_utf8());
    let key = &before[start..];
    (!key.is_empty()).then(|| key.to_string())
}

/// The source text of a value, shortened, on one line.
fn value_text(src: &str, span: &Range<usize>) -> String {
    let (mut a, mut b) = (span.start.min(src.len()), span.end.min(src.len()));
    while !src.is_char_boundary(a) {
        a -= 1;
    }
    while !src.is_char_boundary(b) {
        b -= 1;
    }
    crate::ui::text::shown(&one_line(&src[a..b.max(a)]))
}

/// serde's words for a wrong value, which name Rust types (`untagged enum StepField`,
/// `as i128`, a 309-digit float), replaced by the field and what it allows.
fn plain_message(src: &str, span: &Range<usize>, message: &str) -> String {
    let wrong_value = [
        "invalid type",
        "invalid value",
        "data did not match",
        "unknown variant",
        "invalid length",
    ]
    .iter()
    .any(|p| message.starts_with(p));
    let key = key_before(src, span.start);
    match key.as_deref() {
        Some(key) if wrong_value => match allowed(key) {
            Some(allowed) => format!("`{key}` must be {allowed} (got {})", value_text(src, span)),
            None => format!("`{key}` does not take {}", value_text(src, span)),
        },
        Some(key)
            if !message.starts_with("unknown field") && !message.starts_with("missing field") =>
        {
            format!("`{key}`: {message}")
        }
        _ if message.starts_with("missing field") => match message.split('`').nth(1) {
            Some(field) => format!(
                "missing field `{field}`: add {field} = {}",
                allowed(field).unwrap_or("a value")
            ),
            None => message.to_string(),
        },
        _ if message.starts_with("duplicate key") => {
            let rest = &src[span.start.min(src.len())..];
            let key: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
                .collect();
            if key.is_empty() {
                "a key is given twice: give each once".to_string()
            } else {
                format!("`{key}` is given twice: give each key once")
            }
        }
        _ => message.replace(" as i128", ""),
    }
}

/// `unit` or `raw`, as `--scale`.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ScaleName {
    Unit,
    Raw,
}

impl From<ScaleName> for Scale {
    fn from(s: ScaleName) -> Scale {
        match s {
            ScaleName::Unit => Scale::Unit,
            ScaleName::Raw => Scale::Raw,
        }
    }
}

/// `forward` or `backward`, as `--phase`.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum PhaseName {
    Forward,
    Backward,
}

impl From<PhaseName> for Phase {
    fn from(p: PhaseName) -> Phase {
        match p {
            PhaseName::Forward => Phase::Forward,
            PhaseName::Backward => Phase::Backward,
        }
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum SizeField {
    Pixels(u64),
    Named(String),
}

impl SizeField {
    /// The `--size` argument this stands for.
    pub fn to_arg(&self) -> String {
        match self {
            SizeField::Pixels(n) => n.to_string(),
            SizeField::Named(s) => s.clone(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum StepField {
    Number(usize),
    Named(String),
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum InlineArray {
    Rows(Vec<Vec<f64>>),
    Channels(Vec<Vec<Vec<f64>>>),
}

/// A place in a file: 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    pub line: usize,
    pub col: usize,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.line, self.col)
    }
}

/// The line and column (1-based, columns in characters) of byte `offset` in `src`.
pub fn locate(src: &str, offset: usize) -> Location {
    let mut offset = offset.min(src.len());
    while !src.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &src[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = before[line_start..].chars().count() + 1;
    Location { line, col }
}

/// A parse error placed in its file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name}:{at}: {message}")]
pub struct ParseError {
    pub name: String,
    pub at: Location,
    pub message: String,
}

/// Parses a walkthrough; `name` (the file's name) prefixes any error.
pub fn parse(name: &str, src: &str) -> Result<TourFile, ParseError> {
    toml::from_str::<TourFile>(src).map_err(|err| {
        let span: Range<usize> = err.span().unwrap_or(0..0);
        ParseError {
            name: name.to_string(),
            at: locate(src, span.start),
            message: plain_message(src, &span, &one_line(err.message())),
        }
    })
}

/// Joins a possibly multi-line message into one line.
pub fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locate_counts_lines_and_characters() {
        let src = "a = 1\n宽 = 2\nb";
        assert_eq!(locate(src, 0), Location { line: 1, col: 1 });
        assert_eq!(locate(src, 6), Location { line: 2, col: 1 });
        // "宽" is 3 bytes but one character.
        assert_eq!(locate(src, 9), Location { line: 2, col: 2 });
        assert_eq!(locate(src, src.len()), Location { line: 3, col: 2 });
        assert_eq!(locate(src, 7), Location { line: 2, col: 1 });
    }

    #[test]
    fn a_minimal_file_parses() {
        let src = r#"
title = { en = "T", zh = "标题" }
[[page]]
lesson = "a"
en = "Hello"
zh = "你好"
scene = { preset = "cs231n-demo", step = "last", size = 8, x = [[1, 2], [3, 4]] }
"#;
        let tour = parse("t.toml", src).unwrap();
        assert_eq!(tour.pages.len(), 1);
        let scene = tour.pages[0].get_ref().scene.as_ref().unwrap().get_ref();
        assert_eq!(scene.step, Some(StepField::Named("last".into())));
        assert_eq!(scene.size, Some(SizeField::Pixels(8)));
        assert_eq!(
            scene.x,
            Some(InlineArray::Rows(vec![vec![1.0, 2.0], vec![3.0, 4.0]]))
        );
    }

    #[test]
    fn an_unknown_field_is_located() {
        let src = "title = { en = \"T\", zh = \"T\" }\n[[page]]\nlesson = \"a\"\nen = \"x\"\nzh = \"y\"\ncolour = 3\n";
        let err = parse("t.toml", src).unwrap_err();
        assert_eq!(err.at, Location { line: 6, col: 1 });
        assert!(err.message.contains("unknown field `colour`"), "{err}");
        assert!(err.to_string().starts_with("t.toml:6:1: "));
    }
}
