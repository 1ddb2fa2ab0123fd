//! Guided walkthroughs: pages that set a scene and narrate it beside the live stepper.
//! The format is a TOML file (see [`format`] and the README's "Guided tour"); the
//! bundled walkthrough teaches the study note's lessons in order.

pub mod check;
pub mod format;
pub mod live;
pub mod narrate;
pub mod panel;
pub mod stage;
pub mod view;
pub mod wrap;

use std::path::Path;

use anyhow::Context;
use ratatui::buffer::Buffer;

pub use crate::i18n::Lang;
pub use check::{Tour, TourPage};
pub use view::TourView;

use crate::palette::ColorMode;

/// The bundled walkthrough's text, embedded in the binary.
pub const BUNDLED: &str = include_str!("../../assets/tours/convolution.toml");
/// The name the bundled walkthrough goes by in messages.
pub const BUNDLED_NAME: &str = "assets/tours/convolution.toml";

/// Walkthrough files larger than this are refused before reading.
const MAX_FILE_BYTES: u64 = 1 << 20;

/// Loads and checks a walkthrough file, or the bundled one when `file` is None or
/// empty (so `--tour` given without a value can mean the bundled walkthrough): every
/// page built and filled (identical scenes once), within [`check::MAX_WORK`].
pub fn load(file: Option<&Path>) -> anyhow::Result<Tour> {
    read(file, check::load)
}

/// As [`load`], but each page's scene is built when the page is first shown
/// ([`Tour::ready`]): the first page of any file shows at once.
pub fn open(file: Option<&Path>) -> anyhow::Result<Tour> {
    read(file, check::open)
}

fn read(
    file: Option<&Path>,
    check: fn(&str, &str, &Path) -> anyhow::Result<Tour>,
) -> anyhow::Result<Tour> {
    let Some(path) = file.filter(|p| !p.as_os_str().is_empty()) else {
        return check(BUNDLED_NAME, BUNDLED, Path::new("."));
    };
    let name = path.display().to_string();
    let meta = std::fs::metadata(path).with_context(|| format!("cannot read {name}"))?;
    if meta.is_dir() {
        anyhow::bail!("{name} is a folder, not a walkthrough file");
    }
    // A pipe would block until something writes to it, a device may never end.
    if !meta.is_file() {
        anyhow::bail!("{name} is not a regular file (a pipe, socket or device)");
    }
    if meta.len() > MAX_FILE_BYTES {
        anyhow::bail!(
            "{name} is {} bytes: a walkthrough may be at most {MAX_FILE_BYTES}",
            meta.len()
        );
    }
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {name}"))?;
    let base = path.parent().unwrap_or(Path::new("."));
    from_bytes(&name, bytes, base, check)
}

/// Checks a walkthrough given as bytes (as read from a file named `name`): every
/// error is one line starting `name:line:col:`.
pub fn load_bytes(name: &str, bytes: Vec<u8>, base: &Path) -> anyhow::Result<Tour> {
    from_bytes(name, bytes, base, check::load)
}

fn from_bytes(
    name: &str,
    bytes: Vec<u8>,
    base: &Path,
    check: fn(&str, &str, &Path) -> anyhow::Result<Tour>,
) -> anyhow::Result<Tour> {
    let src = String::from_utf8(bytes).map_err(|e| {
        let good = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let valid = std::str::from_utf8(&bytes[..good]).unwrap_or_default();
        anyhow::anyhow!(
            "{name}:{}: byte 0x{:02x} is not UTF-8 text: save the file as UTF-8",
            format::locate(valid, good),
            bytes[good]
        )
    })?;
    check(name, &src, base)
}

/// The 0-based page index of a 1-based `--page`.
pub fn page_index(tour: &Tour, page: Option<usize>) -> anyhow::Result<usize> {
    let m = tour.pages.len();
    match page {
        None => Ok(0),
        Some(k) if (1..=m).contains(&k) => Ok(k - 1),
        Some(k) => anyhow::bail!("page {k} does not exist: {} has pages 1..={m}", tour.name),
    }
}

/// The lessons in page order: (lesson id, its name, first and last page, 0-based).
pub fn lessons(tour: &Tour) -> Vec<(&str, &format::Text, usize, usize)> {
    let mut out: Vec<(&str, &format::Text, usize, usize)> = Vec::new();
    for (k, page) in tour.pages.iter().enumerate() {
        match out.last_mut() {
            Some(last) if last.0 == page.lesson => last.3 = k,
            _ => out.push((&page.lesson, &page.lesson_name, k, k)),
        }
    }
    out
}

/// `--check`'s one line.
pub fn summary(tour: &Tour) -> String {
    let count = |n: usize, one: &str| {
        if n == 1 {
            format!("1 {one}")
        } else {
            format!("{n} {one}s")
        }
    };
    format!(
        "{}: ok: {}, {}",
        tour.name,
        count(lessons(tour).len(), "lesson"),
        count(tour.pages.len(), "page")
    )
}

/// `--list`: the title, then each lesson with its pages and their first words.
pub fn listing(tour: &Tour, lang: Lang) -> String {
    let pages = tour.pages.len();
    let mut out = match lang {
        Lang::En => format!("{} ({pages} pages)\n", lang.pick(&tour.title)),
        Lang::Zh => format!("{}（共 {pages} 页）\n", lang.pick(&tour.title)),
    };
    for (number, (id, name, first, last)) in lessons(tour).into_iter().enumerate() {
        out.push_str(&format!("{:>2}. {} [{id}]\n", number + 1, lang.pick(name)));
        for k in first..=last {
            let words = first_words(lang.pick(&tour.pages[k].narration), 60);
            out.push_str(&match lang {
                Lang::En => format!("    page {:>2}  {words}\n", k + 1),
                Lang::Zh => format!("    第 {:>2} 页  {words}\n", k + 1),
            });
        }
    }
    out
}

/// At most `width` columns of the first line of `text`, with `…` if cut; a line of
/// exactly `width` columns is cut too (the listing's last column stays for the `…`).
fn first_words(text: &str, width: usize) -> String {
    let line = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    if crate::ui::text::width(line) < width {
        return line.to_string();
    }
    crate::ui::text::with_ellipsis(line, width)
}

/// Renders page `page` (0-based) of `tour` as a `cols` x `rows` frame: the stepper
/// beside the narration, exactly as `convstep tour` shows it (for `shot`/`record`).
pub fn render_page(
    tour: &Tour,
    page: usize,
    lang: Lang,
    cols: u16,
    rows: u16,
) -> anyhow::Result<Buffer> {
    render_page_in(tour, page, lang, ColorMode::TrueColor, cols, rows)
}

/// As [`render_page`], with the stepper drawn in `stepper_color`.
pub fn render_page_in(
    tour: &Tour,
    page: usize,
    lang: Lang,
    stepper_color: ColorMode,
    cols: u16,
    rows: u16,
) -> anyhow::Result<Buffer> {
    let mut view = TourView::new(tour.clone(), page, lang)?;
    view.stage.app.color = stepper_color;
    Ok(view.render_buffer(cols, rows))
}

/// The frame `shot --tour FILE --page K [--keys SCRIPT]` renders: page `page` (1-based)
/// of the walkthrough `file` (the bundled one if None), in `lang` (the locale's if
/// None), after the page's own keys and then `keys` (stepper key names).
pub fn shot_frame(
    file: Option<&Path>,
    page: usize,
    lang: Option<Lang>,
    keys: Option<&str>,
    cols: u16,
    rows: u16,
) -> anyhow::Result<Buffer> {
    shot_frame_in(file, page, lang, ColorMode::TrueColor, keys, cols, rows)
}

/// As [`shot_frame`], with the stepper drawn in `stepper_color`.
pub fn shot_frame_in(
    file: Option<&Path>,
    page: usize,
    lang: Option<Lang>,
    stepper_color: ColorMode,
    keys: Option<&str>,
    cols: u16,
    rows: u16,
) -> anyhow::Result<Buffer> {
    let tour = open(file)?;
    let index = page_index(&tour, Some(page))?;
    let mut view = TourView::new(tour, index, lang.unwrap_or_else(Lang::chosen))?;
    view.stage.app.color = stepper_color;
    if let Some(script) = keys {
        view.play(script)?;
    }
    Ok(view.render_buffer(cols, rows))
}

/// One frame per page of the whole walkthrough (for `record --tour`).
pub fn page_frames(tour: &Tour, lang: Lang, cols: u16, rows: u16) -> anyhow::Result<Vec<Buffer>> {
    (0..tour.pages.len())
        .map(|k| render_page(tour, k, lang, cols, rows))
        .collect()
}

/// Page `page` (0-based) as a lesson player shows it: the page's frame, then one frame
/// per step of its scene after it, at most `most` frames (fewer where the scene ends).
pub struct PageSteps {
    view: TourView,
    /// Frames the page has.
    pub frames: usize,
    /// Steps in one output row of the page's scene.
    pub row: usize,
}

impl PageSteps {
    pub fn new(
        tour: &Tour,
        page: usize,
        lang: Lang,
        stepper_color: ColorMode,
        most: usize,
    ) -> anyhow::Result<PageSteps> {
        let mut view = TourView::new(tour.clone(), page, lang)?;
        view.stage.app.color = stepper_color;
        let app = &view.stage.app;
        let left = app.total_steps().saturating_sub(app.step) + 1;
        let row = app.layer().geom.w_out;
        Ok(PageSteps {
            view,
            frames: left.min(most.max(1)),
            row,
        })
    }

    /// The page's frames, drawn at `cols` x `rows`.
    pub fn render(mut self, cols: u16, rows: u16) -> impl Iterator<Item = Buffer> {
        (0..self.frames).map(move |k| {
            if k > 0 {
                self.view.stage.app.apply(crate::app::Action::Next);
            }
            self.view.render_buffer(cols, rows)
        })
    }
}
