//! From a parsed file to a checked walkthrough: every page's scene builds into a valid
//! layer, its state exists, its keys are stepper keys, its narration is filled.

use std::collections::{HashMap, VecDeque};
use std::path::Path;
use std::sync::{Arc, Mutex};

use ndarray::{Array3, Axis};

use super::format::{
    self, CodeView, InlineArray, Location, Page, SceneFields, StepField, Text, TourFile,
};
use super::narrate::{self, Facts};
use super::stage;
use crate::app::{Start, Step};
use crate::input::{Arrays, InputOptions, Scene, SceneSpec};

/// Largest inline input, in numbers (keeps a typo from allocating much).
const MAX_INLINE: usize = 64 * 64 * 4;

/// The most work checking a walkthrough may take, in multiply-adds: those of the
/// forward passes its narration's costly numbers need (`{max}`, `{relerr_*}`), each
/// distinct scene and step once, plus [`BUILD_WORK`] per number of each scene built.
/// About three seconds of a release build; beyond it the file is refused with one
/// line rather than checked for minutes.
pub const MAX_WORK: u128 = 40_000_000_000;
/// Work counted per number (x, w, dout) of a scene built: decoding, resizing and
/// drawing random kernels cost about as much as 100 multiply-adds per number.
pub const BUILD_WORK: u128 = 100;
/// Scenes kept built at once.
const KEEP_SCENES: usize = 4;

impl CacheInner {
    /// Counts `work` against the budget; the error says how much is allowed.
    fn charge(&mut self, work: u128) -> anyhow::Result<()> {
        self.spent = self.spent.saturating_add(work);
        match self.budget {
            Some(budget) if self.spent > budget => anyhow::bail!(
                "the walkthrough asks for too much work: its scenes and their {{max}} and {{relerr_*}} numbers need more than {} multiply-adds in all (at most {}); use fewer or smaller distinct scenes, or quote those numbers on fewer of them",
                narrate::grouped(self.spent),
                narrate::grouped(budget)
            ),
            _ => Ok(()),
        }
    }
}

/// A checked walkthrough. Pages loaded by [`open`] are completed (scene built,
/// narration filled) by [`Tour::ready`] when first shown; [`load`] completes all.
#[derive(Debug, Clone)]
pub struct Tour {
    /// The file's name as given (the bundled one: `assets/tours/convolution.toml`).
    pub name: String,
    pub title: Text,
    pub pages: Vec<TourPage>,
    /// Scenes and costly facts already computed, shared by clones: identical scenes
    /// are built once whatever the number of pages that show them.
    cache: Cache,
}

#[derive(Clone, Default)]
struct Cache(Arc<Mutex<CacheInner>>);

#[derive(Default)]
struct CacheInner {
    /// The last few scenes built (pages that share a scene are usually neighbours;
    /// a scene may hold megabytes, so not every one is kept).
    scenes: VecDeque<(String, Arc<Scene>)>,
    /// Scenes built so far.
    builds: usize,
    facts: HashMap<(String, usize, bool, bool), Facts>,
    /// Multiply-adds spent on costly facts so far, and the most allowed (None: no bound).
    spent: u128,
    budget: Option<u128>,
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let inner = self.0.lock().map_err(|_| std::fmt::Error)?;
        write!(
            f,
            "Cache {{ scenes: {}, facts: {}, spent: {} }}",
            inner.builds,
            inner.facts.len(),
            inner.spent
        )
    }
}

/// What a page still needs to be shown: its scene fields and narration templates.
#[derive(Debug, Clone)]
struct Pending {
    fields: SceneFields,
    en: String,
    zh: String,
    /// `name:line:col: page K (lesson L)`, the prefix of its narration's errors.
    place: String,
    /// The same at its `scene` table, the prefix of its scene's errors.
    scene_place: String,
}

impl Tour {
    /// Builds page `k`'s scene and fills its narration, once. Errors start with the
    /// file, line and column of the page.
    pub fn ready(&mut self, k: usize) -> anyhow::Result<()> {
        let Some(page) = self.pages.get_mut(k) else {
            anyhow::bail!("page {} does not exist in {}", k + 1, self.name);
        };
        let Some(pending) = page.pending.take() else {
            return Ok(());
        };
        let done = complete(page, &pending, &self.cache);
        if done.is_err() {
            page.pending = Some(pending);
        }
        done
    }

    /// How many distinct scenes have been built so far.
    pub fn scenes_built(&self) -> usize {
        self.cache.0.lock().map_or(0, |c| c.builds)
    }

    /// Whether page `k` is built and its narration filled.
    pub fn is_ready(&self, k: usize) -> bool {
        self.pages.get(k).is_some_and(|p| p.pending.is_none())
    }
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
    /// Set until the page is completed by [`Tour::ready`].
    pending: Option<Pending>,
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
    pub input: InputOptions,
    /// An inline input (C, H, W), given to the scene as an array named `inline x`.
    pub x: Option<Array3<f64>>,
    pub state: Start,
    /// Selected input cell (row, col) in x.
    pub select: Option<(usize, usize)>,
    pub keys: Option<String>,
}

impl PageScene {
    /// Resolves the inputs (reading any file) as the command line would.
    pub fn spec(&self) -> anyhow::Result<SceneSpec> {
        let Some(x) = &self.x else {
            return SceneSpec::from_options(&self.input);
        };
        let arrays = Arrays {
            x: Some(x.clone().insert_axis(Axis(0))),
            x_label: Some("inline x".into()),
            ..Arrays::default()
        };
        SceneSpec::from_options_and_arrays(&self.input, arrays)
    }
}

/// Parses and checks a walkthrough: every page's scene built (identical scenes once)
/// and its narration filled. `base` is the folder relative input paths start from.
/// Every error is one line that starts `name:line:col:`.
pub fn load(name: &str, src: &str, base: &Path) -> anyhow::Result<Tour> {
    load_within(name, src, base, MAX_WORK)
}

/// As [`load`], with at most `budget` multiply-adds for the costly narration numbers.
pub fn load_within(name: &str, src: &str, base: &Path, budget: u128) -> anyhow::Result<Tour> {
    let mut tour = open(name, src, base)?;
    tour.cache.0.lock().expect("cache").budget = Some(budget);
    for k in 0..tour.pages.len() {
        tour.ready(k)?;
    }
    Ok(tour)
}

/// Parses a walkthrough and checks what needs no scene (fields, lessons, narration
/// placeholders, key scripts) on every page; scenes are built and narration filled
/// when a page is first shown ([`Tour::ready`]), so that the first page of any file
/// shows at once.
pub fn open(name: &str, src: &str, base: &Path) -> anyhow::Result<Tour> {
    let file: TourFile = format::parse(name, src)?;
    check(name, src, file, base)
}

fn check(name: &str, src: &str, file: TourFile, base: &Path) -> anyhow::Result<Tour> {
    if file.pages.is_empty() {
        anyhow::bail!("{name}:1:1: no pages: add at least one [[page]]");
    }
    let title_at = format::locate(src, file.title.span().start);
    check_text(file.title.get_ref())
        .map_err(|e| anyhow::anyhow!("{name}:{title_at}: title: {e}"))?;
    for (id, text) in &file.lessons {
        let at = format::locate(src, text.span().start);
        check_text(text.get_ref()).map_err(|e| anyhow::anyhow!("{name}:{at}: lesson {id}: {e}"))?;
    }
    let mut pages: Vec<TourPage> = Vec::with_capacity(file.pages.len());
    for (index, spanned) in file.pages.iter().enumerate() {
        let at = format::locate(src, spanned.span().start);
        let page = spanned.get_ref();
        let place = format!("{name}:{at}: page {} (lesson {})", index + 1, page.lesson);
        let scene_at = page
            .scene
            .as_ref()
            .map_or(at, |s| format::locate(src, s.span().start));
        let scene_place = format!(
            "{name}:{scene_at}: page {} (lesson {}): scene",
            index + 1,
            page.lesson
        );
        let checked = check_page(page, at, &file, &pages, base, [&place, &scene_place])
            .map_err(|e| anyhow::anyhow!("{place}: {}", format::one_line(&chain(&e))))?;
        pages.push(checked);
    }
    if let Some((unused, text)) = file
        .lessons
        .iter()
        .find(|(id, _)| !pages.iter().any(|p| &p.lesson == *id))
    {
        let at = format::locate(src, text.span().start);
        anyhow::bail!("{name}:{at}: lesson {unused} is declared but no page uses it");
    }
    Ok(Tour {
        name: name.to_string(),
        title: file.title.into_inner(),
        pages,
        cache: Cache::default(),
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
            let what = if lang == "en" { "English" } else { "Chinese" };
            return Err(format!("`{lang}` is empty: write the {what} words"));
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
    [place, scene_place]: [&str; 2],
) -> anyhow::Result<TourPage> {
    let lesson = page.lesson.trim();
    if lesson.is_empty() {
        anyhow::bail!("`lesson` is empty: name the lesson this page belongs to");
    }
    let lesson_name = match file.lessons.get(lesson) {
        Some(text) => text.get_ref().clone(),
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
    check_template(&page.en).map_err(|e| anyhow::anyhow!("en: {e}"))?;
    check_template(&page.zh).map_err(|e| anyhow::anyhow!("zh: {e}"))?;
    let fields = page
        .scene
        .as_ref()
        .map(|s| s.get_ref().clone())
        .unwrap_or_default();
    let scene = page_scene(&fields, base)?;
    if let Some(keys) = &scene.keys {
        stage::check_keys(keys)?;
    }
    Ok(TourPage {
        lesson: lesson.to_string(),
        lesson_name,
        at,
        narration: Text {
            en: page.en.clone(),
            zh: page.zh.clone(),
        },
        code: page.code,
        scene,
        focus_step: 1,
        pending: Some(Pending {
            fields,
            en: page.en.clone(),
            zh: page.zh.clone(),
            place: place.to_string(),
            scene_place: scene_place.to_string(),
        }),
    })
}

/// Placeholders known and braces balanced, before any scene is built.
fn check_template(template: &str) -> Result<(), String> {
    let mut rest = template;
    while let Some(at) = rest.find(['{', '}']) {
        let tail = &rest[at..];
        if let Some(after) = tail.strip_prefix("{{").or_else(|| tail.strip_prefix("}}")) {
            rest = after;
        } else if tail.starts_with('}') {
            return Err("a lone `}` (write `}}` for a brace)".into());
        } else {
            let Some(end) = tail.find('}') else {
                return Err("a `{` without its `}` (write `{{` for a brace)".into());
            };
            let name = &tail[1..end];
            if !narrate::PLACEHOLDERS.iter().any(|(p, _)| *p == name) {
                return Err(format!("unknown placeholder {{{name}}}"));
            }
            rest = &tail[end + 1..];
        }
    }
    Ok(())
}

/// The key of a scene: pages with equal keys show the same scene.
fn scene_key(scene: &PageScene) -> String {
    format!("{:?} {:?}", scene.input, scene.x)
}

/// Multiply-adds of one forward pass of `built`.
fn forward_work(built: &Scene) -> u128 {
    let g = &built.layer.geom;
    [g.n, g.f, g.h_out, g.w_out, g.c, g.hh, g.ww]
        .iter()
        .map(|&d| d as u128)
        .product()
}

/// Builds a page's scene (or finds it built), resolves its state and fills its
/// narration.
fn complete(page: &mut TourPage, pending: &Pending, cache: &Cache) -> anyhow::Result<()> {
    let at = |place: &str, e: anyhow::Error| {
        anyhow::anyhow!("{place}: {}", format::one_line(&chain(&e)))
    };
    complete_at(page, pending, cache).map_err(|(in_scene, e)| {
        at(
            if in_scene {
                &pending.scene_place
            } else {
                &pending.place
            },
            e,
        )
    })
}

/// As [`complete`]; an error says whether it is the scene's (true) or the narration's.
fn complete_at(
    page: &mut TourPage,
    pending: &Pending,
    cache: &Cache,
) -> Result<(), (bool, anyhow::Error)> {
    let scene_err = |e: anyhow::Error| (true, e);
    let key = scene_key(&page.scene);
    let cached = cache
        .0
        .lock()
        .expect("cache")
        .scenes
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, s)| s.clone());
    let built = match cached {
        Some(built) => built,
        None => {
            let spec = page.scene.spec().map_err(scene_err)?;
            let built = Arc::new(spec.build().map_err(scene_err)?);
            let layer = &built.layer;
            let numbers = layer.x.len() + layer.w.len() + built.dout.len();
            let mut inner = cache.0.lock().expect("cache");
            inner
                .charge(BUILD_WORK * numbers as u128)
                .map_err(scene_err)?;
            inner.builds += 1;
            if inner.scenes.len() == KEEP_SCENES {
                inner.scenes.pop_front();
            }
            inner.scenes.push_back((key.clone(), built.clone()));
            built
        }
    };
    let mut scene = page.scene.clone();
    let step = resolve_state(&pending.fields, &built, &mut scene).map_err(scene_err)?;
    let texts = [pending.en.as_str(), pending.zh.as_str()];
    let quotes = |p: &str| texts.iter().any(|t| t.contains(p));
    let (max, relerr) = (quotes("{max"), quotes("{relerr_"));
    let facts_key = (key, step, max, relerr);
    let known = cache
        .0
        .lock()
        .expect("cache")
        .facts
        .get(&facts_key)
        .cloned();
    let facts = match known {
        Some(facts) => facts,
        None => {
            let pass = forward_work(&built);
            let entries = (built.layer.x.len() + built.layer.w.len() + built.layer.b.len()) as u128;
            // A gradient check is a backward pass and two forward passes per entry
            // checked: every entry of a small layer, three entries of a large one.
            let checks = if entries <= 300 { entries } else { 3 };
            let work = u128::from(max) * pass + u128::from(relerr) * checks * 4 * pass;
            cache
                .0
                .lock()
                .expect("cache")
                .charge(work)
                .map_err(scene_err)?;
            let facts = Facts::for_texts(&built, step, Some(&texts));
            cache
                .0
                .lock()
                .expect("cache")
                .facts
                .insert(facts_key, facts.clone());
            facts
        }
    };
    page.narration = Text {
        en: narrate::fill(&pending.en, &facts).map_err(|e| (false, anyhow::anyhow!("en: {e}")))?,
        zh: narrate::fill(&pending.zh, &facts).map_err(|e| (false, anyhow::anyhow!("zh: {e}")))?,
    };
    page.scene = scene;
    page.focus_step = step;
    Ok(())
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
    let input = InputOptions {
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
        layers: f.layers.clone(),
    };
    Ok(PageScene {
        input,
        x,
        state: Start {
            phase: f.phase.map(Into::into).unwrap_or_default(),
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
        scene.state.step = Some(Step::At(step));
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
