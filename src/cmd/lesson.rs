//! `record -o lesson.html`: what a lesson player (`export::player`) says around the
//! frames of a recording, and a walkthrough's pages with the steps of their scenes.

use super::StateArgs;
use super::record::{RecordArgs, STEP_DELAY_MS, write_animation};
use crate::app::App;
use crate::export::RenderOptions;
use crate::export::gif::{MAX_FRAMES, TimedFrame};
use crate::export::player::{self, Lesson};
use crate::input::SceneSpec;
use crate::palette::ColorMode;
use crate::tour::{self, Lang};

/// Frames of each walkthrough page in a lesson player: the page, then the steps of its
/// scene after it (fewer where the scene ends).
pub const PLAYER_PAGE_STEPS: usize = 8;

/// What a lesson player of a recording says around its frames.
pub(super) fn of_recording(
    args: &RecordArgs,
    spec: &SceneSpec,
    state: &StateArgs,
    actions: usize,
    delay: u32,
    opts: &RenderOptions,
) -> anyhow::Result<Lesson> {
    let lang = Lang::chosen();
    let app = App::new(spec.clone(), state)?;
    let (title, row) = match &args.keys {
        Some(keys) => (crate::tr!(lang, "player.title_keys", keys = keys), 1),
        None => (
            crate::tr!(
                lang,
                "player.title_steps",
                from = app.step,
                to = app.step + actions
            ),
            app.layer().geom.w_out,
        ),
    };
    Ok(Lesson {
        title,
        lang,
        theme: opts.theme,
        delay_ms: delay,
        row,
        pages: Vec::new(),
    })
}

/// A walkthrough as a lesson player: every page with the steps after it (at most
/// [`PLAYER_PAGE_STEPS`] frames), its narration, and the contents.
pub(super) fn record_tour(
    args: &RecordArgs,
    walkthrough: &tour::Tour,
    lang: Lang,
    opts: &RenderOptions,
) -> anyhow::Result<()> {
    let (cols, rows) = (args.frame.cols, args.frame.rows);
    let color = ColorMode::for_exports();
    let steps = |k| tour::PageSteps::new(walkthrough, k, lang, color, PLAYER_PAGE_STEPS);
    let mut pages = Vec::new();
    for (k, page) in walkthrough.pages.iter().enumerate() {
        let steps = steps(k)?;
        pages.push(player::Page {
            lesson: lang.pick(&page.lesson_name).to_string(),
            narration: lang.pick(&page.narration).to_string(),
            frames: steps.frames,
            row: steps.row,
        });
    }
    let total: usize = pages.iter().map(|p| p.frames).sum();
    if total > MAX_FRAMES {
        anyhow::bail!("{total} frames is more than record makes (at most {MAX_FRAMES})");
    }
    let delay = args.delay.unwrap_or(STEP_DELAY_MS);
    let lesson = Lesson {
        title: lang.pick(&walkthrough.title).to_string(),
        lang,
        theme: opts.theme,
        delay_ms: delay,
        row: 1,
        pages,
    };
    let make = || -> anyhow::Result<_> {
        Ok((0..walkthrough.pages.len()).flat_map(move |k| {
            let frames: Box<dyn Iterator<Item = anyhow::Result<TimedFrame>>> = match steps(k) {
                Ok(page) => Box::new(page.render(cols, rows).map(move |buffer| {
                    Ok(TimedFrame {
                        buffer,
                        delay_ms: delay,
                    })
                })),
                Err(err) => Box::new(std::iter::once(Err(err))),
            };
            frames
        }))
    };
    write_animation(&args.output, make, *opts, total, &lesson)
}
