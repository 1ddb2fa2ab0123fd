//! `convstep record`: an animation of the stepper (steps, a key script, or every page
//! of a walkthrough) drawn headless, by the same `ui` code the screen uses, into a GIF
//! or an asciicast.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use anyhow::Context;
use clap::Args;

use super::{FrameArgs, InputArgs, StateArgs, TourFrameArgs};
use crate::app::keys::script_keys;
use crate::app::{Action, App, Step};
use crate::export::cast::to_cast;
use crate::export::gif::{MAX_FRAMES, TimedFrame, to_gif_streamed};
use crate::export::progress::{self, Progress};
use crate::export::{RenderOptions, atomic, check_output_folder};
use crate::input::SceneSpec;
use crate::palette::ColorMode;
use crate::tour::{self, Lang};
use crate::ui;

/// How long a step shows in `record` unless `--delay` says otherwise.
const STEP_DELAY_MS: u32 = 1000;
/// How long a walkthrough page shows: time to read its narration.
const PAGE_DELAY_MS: u32 = 6000;

#[derive(Debug, Clone, Args)]
pub struct RecordArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub state: StateArgs,
    /// Steps to record, 1-based and inclusive: "1..40", "5..", "..12", "7" (default:
    /// from --step, else 1, to the last step).
    #[arg(long, conflicts_with_all = ["keys", "step", "filter", "tour"])]
    pub steps: Option<String>,
    /// Record a key script instead: the starting frame, then one frame per key.
    #[arg(long, conflicts_with = "tour", allow_hyphen_values = true)]
    pub keys: Option<String>,
    /// Milliseconds each frame shows (default 1000 for steps and keys: one step per
    /// second is the norm of the classic animations; 6000 for walkthrough pages). GIF
    /// counts in 10 ms; less than 20 ms becomes 20, since browsers slow faster
    /// frames down to 100 ms.
    #[arg(long, allow_negative_numbers = true, value_parser = super::whole::<u32>("--delay", 0, u32::MAX as u64))]
    pub delay: Option<u32>,
    #[command(flatten)]
    pub tour: TourFrameArgs,
    #[command(flatten)]
    pub frame: FrameArgs,
    /// Where to write the animation: .gif, or .cast for asciinema (asciicast v2).
    #[arg(short, long)]
    pub output: PathBuf,
}

pub fn run(args: &RecordArgs) -> anyhow::Result<()> {
    progress::catch_interrupt();
    Animation::from_path(&args.output)?;
    let opts = args.frame.check()?;
    check_output_folder(&args.output)?;
    let mut inputs = args.input.files();
    inputs.extend(args.tour.tour.as_deref());
    crate::files::check_not_an_input(&args.output, &inputs)?;
    if let Some(file) = &args.tour.tour {
        return record_tour(args, file, &opts);
    }
    let spec = SceneSpec::from_args(&args.input)?;
    let (state, actions) = plan(args, &spec)?;
    let (cols, rows) = (args.frame.cols, args.frame.rows);
    let delay = args.delay.unwrap_or(STEP_DELAY_MS);
    // Frames are made twice (palette, then encoding), one at a time, from a fresh App.
    let make = || -> anyhow::Result<_> {
        let mut app = App::new(spec.clone(), &state)?.with_color(ColorMode::for_exports());
        let mut next = 0usize;
        let actions = actions.clone();
        Ok(std::iter::from_fn(move || {
            if next > actions.len() {
                return None;
            }
            if next > 0 {
                app.apply(actions[next - 1].clone());
            }
            next += 1;
            Some(Ok(TimedFrame {
                buffer: ui::render_buffer(&app, cols, rows),
                delay_ms: delay,
            }))
        }))
    };
    write_animation(&args.output, make, opts, actions.len() + 1)
}

/// What `record` writes, by the output's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Animation {
    Gif,
    /// asciicast v2, for asciinema.
    Cast,
}

impl Animation {
    fn from_path(path: &Path) -> anyhow::Result<Animation> {
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase());
        match ext.as_deref() {
            Some("gif") => Ok(Animation::Gif),
            Some("cast") => Ok(Animation::Cast),
            _ => anyhow::bail!(
                "cannot write {}: record writes .gif or .cast (asciinema) files",
                path.display()
            ),
        }
    }
}

/// Encodes the `total` frames `make` yields into `path` (GIF or asciicast) and writes
/// it atomically, showing progress on stderr when it is a terminal. `make` may be
/// called twice (a GIF's palette, then its frames).
fn write_animation<F, I>(
    path: &Path,
    mut make: F,
    opts: RenderOptions,
    total: usize,
) -> anyhow::Result<()>
where
    F: FnMut() -> anyhow::Result<I>,
    I: Iterator<Item = anyhow::Result<TimedFrame>>,
{
    let kind = Animation::from_path(path)?;
    let passes = if kind == Animation::Gif { 2 } else { 1 };
    let progress = Rc::new(RefCell::new(Progress::stderr()));
    let name = path.display().to_string();
    let mut pass = 0;
    let mut counted = || -> anyhow::Result<_> {
        pass += 1;
        let (pass, progress, name) = (pass, Rc::clone(&progress), name.clone());
        Ok(make()?.enumerate().map(move |(i, frame)| {
            let what = if passes == 1 {
                String::new()
            } else if pass == 1 {
                format!(", pass 1/{passes}: colours")
            } else {
                format!(", pass {pass}/{passes}: frames")
            };
            progress.borrow_mut().show(&format!(
                "convstep: recording {name}: frame {}/{total}{what}",
                i + 1
            ));
            frame
        }))
    };
    let bytes = match kind {
        Animation::Gif => to_gif_streamed(counted, opts.theme, opts.png_scale)?,
        Animation::Cast => to_cast(counted()?, cast_timestamp())?,
    };
    progress
        .borrow_mut()
        .show_now(&format!("convstep: writing {name}"));
    atomic::write_atomic(path, &bytes)
}

/// The asciicast header's time: `SOURCE_DATE_EPOCH` when set (reproducible files),
/// else now.
fn cast_timestamp() -> u64 {
    std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs())
        })
}

/// Where `record` starts and the actions after which it draws a frame: the key
/// script, or one `Next` per step of the range.
fn plan(args: &RecordArgs, spec: &SceneSpec) -> anyhow::Result<(StateArgs, Vec<Action>)> {
    let too_many = |frames: usize| {
        anyhow::anyhow!(
            "{frames} frames is more than record makes (at most {MAX_FRAMES}); record a shorter range"
        )
    };
    if let Some(script) = &args.keys {
        let actions = script_keys(script).context("--keys")?;
        if actions.len() >= MAX_FRAMES {
            return Err(too_many(actions.len() + 1));
        }
        return Ok((args.state.clone(), actions));
    }
    let first = App::new(spec.clone(), &args.state)?;
    let total = first.total_steps();
    let (from, to) = match &args.steps {
        Some(range) => parse_steps(range, total)?,
        None => (first.step, total),
    };
    // Checked before the actions are made: a range may span millions of steps.
    if to - from >= MAX_FRAMES {
        return Err(too_many(to - from + 1));
    }
    let state = StateArgs {
        step: Some(Step::At(from)),
        ..args.state.clone()
    };
    Ok((state, vec![Action::Next; to - from]))
}

/// One page of a walkthrough per frame, each shown `--delay` ms (default 6 s, time
/// to read a page's narration).
fn record_tour(args: &RecordArgs, file: &Path, opts: &RenderOptions) -> anyhow::Result<()> {
    if args.tour.page.is_some() {
        anyhow::bail!("record --tour records every page; --page is for shot");
    }
    let walkthrough = tour::load(Some(file))?;
    let lang = Lang::chosen();
    let delay = args.delay.unwrap_or(PAGE_DELAY_MS);
    let (cols, rows) = (args.frame.cols, args.frame.rows);
    let pages = walkthrough.pages.len();
    let color = ColorMode::for_exports();
    if pages > MAX_FRAMES {
        anyhow::bail!("{pages} pages is more than record makes (at most {MAX_FRAMES})");
    }
    let make = || -> anyhow::Result<_> {
        let walkthrough = &walkthrough;
        Ok((0..pages).map(move |k| {
            Ok(TimedFrame {
                buffer: tour::render_page_in(walkthrough, k, lang, color, cols, rows)?,
                delay_ms: delay,
            })
        }))
    };
    write_animation(&args.output, make, *opts, pages)
}

/// `--steps`: "A..B" or "A..=B" (both inclusive, 1-based), "A..", "..B" or "K".
pub fn parse_steps(range: &str, total: usize) -> anyhow::Result<(usize, usize)> {
    let bad = || anyhow::anyhow!("--steps {range:?} is not a range like 1..40, 5.., ..12 or 7");
    let number = |s: &str, default: usize| -> anyhow::Result<usize> {
        let s = s.trim();
        if s.is_empty() {
            Ok(default)
        } else {
            s.parse::<usize>().map_err(|_| bad())
        }
    };
    let (from, to) = match range.split_once("..") {
        Some((a, b)) => {
            let b = b.strip_prefix('=').unwrap_or(b);
            (number(a, 1)?, number(b, total)?)
        }
        None => {
            let k = number(range, 0)?;
            (k, k)
        }
    };
    if from == 0 || to == 0 || from > to || to > total {
        anyhow::bail!(
            "--steps {range} is out of range: this layer has {total} steps (1..={total}), and a range goes upwards"
        );
    }
    Ok((from, to))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_ranges_are_inclusive_and_checked() {
        assert_eq!(parse_steps("1..40", 50).unwrap(), (1, 40));
        assert_eq!(parse_steps("3..=4", 50).unwrap(), (3, 4));
        assert_eq!(parse_steps("5..", 50).unwrap(), (5, 50));
        assert_eq!(parse_steps("..12", 50).unwrap(), (1, 12));
        assert_eq!(parse_steps("7", 50).unwrap(), (7, 7));
        assert!(parse_steps("0..3", 50).is_err());
        assert!(parse_steps("4..3", 50).is_err());
        assert!(parse_steps("1..51", 50).is_err());
        assert!(parse_steps("a..b", 50).is_err());
        assert!(parse_steps("", 50).is_err());
    }
}
