//! From a parsed file to a checked walkthrough: every page's scene builds into a valid
//! layer, its state exists, its keys are stepper keys, its narration is filled.

use std::path::{Path, PathBuf};

use anyhow::Context;
use ndarray::Array3;

use super::format::{
    self, CodeView, InlineArray, Location, Page, SceneFields, StepField, Text, TourFile,
};
use super::narrate::{self, Facts};
use super::stage;
use crate::app::StateArgs;
use crate::input::{InputArgs, Scene, SceneSpec};

/// Largest inline input, in numbers (keeps a typo from allocating much).
const MAX_INLINE: usize = 64 * 64 * 4;

/// A checked walkthrough.
#[derive(Debug, Clone)]
pub struct Tour {
    /// The file's name as given (the bundled one: `assets/tours/convolution.toml`).
    pub name: String,
    pub title: Text,
    pub pages: Vec<TourPage>,
}

/// A checked page, its narration filled in both languages.
#[derive(Debug, Clone)]
pub struct TourPage {
    pub lesson: String,
    pub lesson_name: Text,
    pub at: Location,
    pub narration: Text,
    pub code: Option<CodeView>,
    pub scene: PageScene,
    /// The 1-based step the narration's numbers describe (before any key script).
    pub focus_step: usize,
}

impl TourPage {
    /// The numbers the narration was filled with, computed again from the scene.
    pub fn facts(&self) -> anyhow::Result<Facts> {
        let built = self.scene.spec()?.build()?;
        Ok(Facts::of(&built, self.focus_step))
    }
}

/// Everything needed to (re)build a page's scene in the stepper.
#[derive(Debug, Clone)]
pub struct PageScene {
    pub input: InputArgs,
    /// An inline input, written to a temporary .npy while the scene is read.
    pub x: Option<Array3<f64>>,
    pub state: StateArgs,
    /// Selected input cell (row, col) in x.
    pub select: Option<(usize, usize)>,
    pub keys: Option<String>,
}

impl PageScene {
    /// Resolves the inputs (reading any file) as the command line would.
    pub fn spec(&self) -> anyhow::Result<SceneSpec> {
        let Some(x) = &self.x else {
            return SceneSpec::from_args(&self.input);
        };
        // The input module reads files; an inline input goes through a temporary
        // .npy of our own, removed as soon as it is read.
        let path = write_inline(x)?;
        let mut args = self.input.clone();
        args.input = Some(path.clone());
        let spec = SceneSpec::from_args(&args);
        let _ = std::fs::remove_file(&path);
        // Name the inline input in messages, not the temporary file.
        spec.map_err(|e| {
            let shown = path.display().to_string();
            anyhow::anyhow!(
                "{}",
                chain(&e)
                    .replace(&format!("'{shown}'"), "inline x")
                    .replace(&shown, "inline x")
            )
        })
    }
}

/// Writes `x` to a new temporary .npy (never an existing file) and returns its path.
fn write_inline(x: &Array3<f64>) -> anyhow::Result<PathBuf> {
    use std::io::Write;
    use std::sync::atomic::{AtomicUsize, Ordering};
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir();
    for _ in 0..100 {
        let k = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = dir.join(format!("convstep-tour-{}-{k}.npy", std::process::id()));
        let file = match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => {
                return Err(e).with_context(|| {
                    format!("cannot write a temporary input in {}", dir.display())
                });
            }
        };
        let mut out = std::io::BufWriter::new(file);
        let written = ndarray_npy::WriteNpyExt::write_npy(x, &mut out)
            .map_err(anyhow::Error::from)
            .and_then(|()| out.flush().map_err(anyhow::Error::from));
        if let Err(e) = written {
            let _ = std::fs::remove_file(&path);
            return Err(e.context(format!("cannot write a temporary input {}", path.display())));
        }
        return Ok(path);
    }
    anyhow::bail!(
        "cannot find a free temporary file name in {}",
        dir.display()
    )
}

/// Parses and checks a walkthrough. `base` is the folder relative input paths start
/// from. Every error is one line that starts `name:line:col:`.
pub fn load(name: &str, src: &str, base: &Path) -> anyhow::Result<Tour> {
    let file: TourFile = format::parse(name, src)?;
    check(name, src, file, base)
}

fn check(name: &str, src: &str, file: TourFile, base: &Path) -> anyhow::Result<Tour> {
    if file.pages.is_empty() {
        anyhow::bail!("{name}: no pages: add at least one [[page]]");
    }
    check_text(&file.title).map_err(|e| anyhow::anyhow!("{name}: title: {e}"))?;
    for (id, text) in &file.lessons {
        check_text(text).map_err(|e| anyhow::anyhow!("{name}: lesson {id}: {e}"))?;
    }
    let mut pages: Vec<TourPage> = Vec::with_capacity(file.pages.len());
    for (index, spanned) in file.pages.iter().enumerate() {
        let at = format::locate(src, spanned.span().start);
        let page = spanned.get_ref();
        let where_ = format!("{name}:{at}: page {} (lesson {})", index + 1, page.lesson);
        let checked = check_page(page, at, &file, &pages, base)
            .map_err(|e| anyhow::anyhow!("{where_}: {}", format::one_line(&chain(&e))))?;
        pages.push(checked);
    }
    if let Some(unused) = file
        .lessons
        .keys()
        .find(|id| !pages.iter().any(|p| &p.lesson == *id))
    {
        anyhow::bail!("{name}: lesson {unused} is declared but no page uses it");
    }
    Ok(Tour {
        name: name.to_string(),
        title: file.title,
        pages,
    })
}

fn chain(err: &anyhow::Error) -> String {
    err.chain()
        .map(|c| c.to_string())
        .collect::<Vec<_>>()
        .join(": ")
}

fn check_text(text: &Text) -> Result<(), String> {
    for (lang, words) in [("en", &text.en), ("zh", &text.zh)] {
        if words.trim().is_empty() {
            return Err(format!("`{lang}` is empty"));
        }
    }
    Ok(())
}

fn check_page(
    page: &Page,
    at: Location,
    file: &TourFile,
    earlier: &[TourPage],
    base: &Path,
) -> anyhow::Result<TourPage> {
    let lesson = page.lesson.trim();
    if lesson.is_empty() {
        anyhow::bail!("`lesson` is empty");
    }
    let lesson_name = match file.lessons.get(lesson) {
        Some(text) => text.clone(),
        None if file.lessons.is_empty() => Text {
            en: lesson.to_string(),
            zh: lesson.to_string(),
        },
        None => anyhow::bail!("lesson {lesson} is not declared in [lessons]"),
    };
    if let Some(last) = earlier.last()
        && last.lesson != lesson
        && earlier.iter().any(|p| p.lesson == lesson)
    {
        anyhow::bail!("lesson {lesson} was left earlier: a lesson's pages must be consecutive");
    }
    check_text(&Text {
        en: page.en.clone(),
        zh: page.zh.clone(),
    })
    .map_err(anyhow::Error::msg)?;
    let mut scene = page_scene(&page.scene, base)?;
    let spec = scene.spec()?;
    let built: Scene = spec.build()?;
    let step = resolve_state(&page.scene, &built, &mut scene)?;
    if let Some(keys) = &scene.keys {
        stage::check_keys(keys)?;
    }
    let facts = Facts::for_texts(&built, step, Some(&[page.en.as_str(), page.zh.as_str()]));
    let narration = Text {
        en: narrate::fill(&page.en, &facts).map_err(|e| anyhow::anyhow!("en: {e}"))?,
        zh: narrate::fill(&page.zh, &facts).map_err(|e| anyhow::anyhow!("zh: {e}"))?,
    };
    Ok(TourPage {
        lesson: lesson.to_string(),
        lesson_name,
        at,
        narration,
        code: page.code,
        scene,
        focus_step: step,
    })
}

/// The command-line arguments a page's fields stand for.
fn page_scene(f: &SceneFields, base: &Path) -> anyhow::Result<PageScene> {
    if f.input.is_some() && f.x.is_some() {
        anyhow::bail!("give `input` or `x`, not both");
    }
    if f.preset.is_some() && (f.input.is_some() || f.x.is_some()) {
        anyhow::bail!("a preset brings its own input: drop `input`/`x` or `preset`");
    }
    let x = f.x.as_ref().map(inline_array).transpose()?;
    let input = InputArgs {
        input: f.input.as_ref().map(|p| base.join(p)),
        preset: f.preset.clone(),
        gray: f.gray,
        scale: f.scale.map(Into::into),
        size: f.size.as_ref().map(|s| s.to_arg()),
        kernel: f.kernel.clone(),
        bias: f.bias.clone(),
        dout: f.dout.clone(),
        filters: f.filters,
        kernel_size: f.kernel_size,
        seed: f.seed,
        stride: f.stride,
        pad: f.pad,
        dilation: f.dilation,
    };
    Ok(PageScene {
        input,
        x,
        state: StateArgs {
            phase: f.phase.map(Into::into),
            step: None,
            filter: f.filter,
        },
        select: f.select.map(|[r, c]| (r, c)),
        keys: f.keys.clone().filter(|k| !k.trim().is_empty()),
    })
}

/// An inline input as (C, H, W), checked rectangular and small.
fn inline_array(x: &InlineArray) -> anyhow::Result<Array3<f64>> {
    let channels: Vec<Vec<Vec<f64>>> = match x {
        InlineArray::Rows(rows) => vec![rows.clone()],
        InlineArray::Channels(ch) => ch.clone(),
    };
    let c = channels.len();
    let h = channels.first().map_or(0, Vec::len);
    let w = channels.first().and_then(|r| r.first()).map_or(0, Vec::len);
    if c == 0 || h == 0 || w == 0 {
        anyhow::bail!("`x` is empty");
    }
    if c.saturating_mul(h).saturating_mul(w) > MAX_INLINE {
        anyhow::bail!("`x` has more than {MAX_INLINE} numbers: use a .npy file as `input`");
    }
    for (ci, rows) in channels.iter().enumerate() {
        if rows.len() != h || rows.iter().any(|r| r.len() != w) {
            anyhow::bail!("`x` is not rectangular: channel {ci} differs from {h} rows of {w}");
        }
    }
    let flat: Vec<f64> = channels.into_iter().flatten().flatten().collect();
    if flat.iter().any(|v| !v.is_finite()) {
        anyhow::bail!("`x` holds a number that is not finite");
    }
    Ok(Array3::from_shape_vec((c, h, w), flat)?)
}

/// Checks step, filter and selection against the built layer; records a named step
/// as its number in `scene.state` and returns the 1-based step in focus.
fn resolve_state(f: &SceneFields, built: &Scene, scene: &mut PageScene) -> anyhow::Result<usize> {
    let g = &built.layer.geom;
    let total = g.total_steps();
    let step = match &f.step {
        None => 1,
        Some(StepField::Number(k)) if (1..=total).contains(k) => *k,
        Some(StepField::Number(k)) => {
            anyhow::bail!("step {k} does not exist: this scene has steps 1..={total}")
        }
        Some(StepField::Named(s)) if s == "first" => 1,
        Some(StepField::Named(s)) if s == "last" => total,
        Some(StepField::Named(s)) => {
            anyhow::bail!("step must be a number, \"first\" or \"last\", not {s:?}")
        }
    };
    if f.step.is_some() {
        scene.state.step = Some(step);
    }
    if let Some(filter) = f.filter
        && filter >= g.f
    {
        anyhow::bail!(
            "filter {filter} does not exist: this scene has filters 0..{}",
            g.f
        );
    }
    if let Some((r, c)) = scene.select
        && (r >= g.h || c >= g.w)
    {
        anyhow::bail!("select [{r}, {c}] is outside the {}x{} input", g.h, g.w);
    }
    // As the stepper: a filter moves the step to the same output cell of that filter.
    if let Some(filter) = f.filter
        && let Some(pos) = g.position(step)
    {
        return Ok(g
            .step_of(crate::conv::OutPos { f: filter, ..pos })
            .unwrap_or(step));
    }
    Ok(step)
}
