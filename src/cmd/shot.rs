//! `convstep shot`: one frame of the stepper (or of a walkthrough page) drawn headless
//! at a chosen terminal size, by the same `ui` code the screen uses, then exported.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use clap::builder::TypedValueParser as _;

use super::{InputArgs, StateArgs};
use crate::app::App;
use crate::app::keys::script_keys;
use crate::export::progress;
use crate::export::{
    DEFAULT_PNG_SCALE, Format, RenderOptions, atomic, check_output_folder, check_scale, render,
};
use crate::input::SceneSpec;
use crate::palette::ColorMode;
use crate::tour;
use crate::ui;

/// The terminal a headless frame is drawn for, and the raster scale.
#[derive(Debug, Clone, Copy, Args)]
pub struct FrameArgs {
    /// Terminal width the frame is drawn at, in cells (1..=1000).
    #[arg(long, default_value_t = 120, allow_negative_numbers = true, value_parser = super::whole::<u16>("--cols", 1, FrameArgs::MAX_COLS as u64))]
    pub cols: u16,
    /// Terminal height the frame is drawn at, in cells (1..=500).
    #[arg(long, default_value_t = 40, allow_negative_numbers = true, value_parser = super::whole::<u16>("--rows", 1, FrameArgs::MAX_ROWS as u64))]
    pub rows: u16,
    /// PNG and GIF pixels per cell, as a multiple of 9x18 (1..=8). Not `--scale`,
    /// which already means how input values are scaled.
    #[arg(long = "png-scale", default_value_t = DEFAULT_PNG_SCALE, allow_negative_numbers = true, value_parser = super::whole::<u32>("--png-scale", 1, crate::export::raster::MAX_SCALE as u64))]
    pub png_scale: u32,
}

impl FrameArgs {
    /// The largest terminal drawn headless: far beyond any real screen, small enough
    /// that a typo cannot ask for gigabytes.
    pub const MAX_COLS: u16 = 1000;
    pub const MAX_ROWS: u16 = 500;

    pub fn check(&self) -> anyhow::Result<RenderOptions> {
        if self.cols == 0
            || self.rows == 0
            || self.cols > Self::MAX_COLS
            || self.rows > Self::MAX_ROWS
        {
            anyhow::bail!(
                "--cols and --rows must be 1..={} and 1..={}, not {}x{}",
                Self::MAX_COLS,
                Self::MAX_ROWS,
                self.cols,
                self.rows
            );
        }
        check_scale(self.png_scale)?;
        Ok(RenderOptions {
            png_scale: self.png_scale,
            ..RenderOptions::default()
        })
    }
}

/// A guided walkthrough's pages (the narration beside the stepper) instead of the
/// stepper alone; each page sets its own scene, so input and state options do not
/// apply.
#[derive(Debug, Clone, Args, Default)]
pub struct TourFrameArgs {
    /// Draw walkthrough pages: a walkthrough file, or no value for the bundled one.
    #[arg(
        long,
        num_args = 0..=1,
        default_missing_value = "",
        value_parser = clap::builder::OsStringValueParser::new().map(PathBuf::from),
        value_name = "FILE",
        conflicts_with_all = ["phase", "step", "filter"]
    )]
    pub tour: Option<PathBuf>,
    /// The 1-based page of --tour that `shot` draws (default 1; `record --tour` records
    /// every page).
    #[arg(long, requires = "tour", allow_negative_numbers = true, value_parser = super::whole::<usize>("--page", 1, usize::MAX as u64))]
    pub page: Option<usize>,
}

#[derive(Debug, Clone, Args)]
pub struct ShotArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub state: StateArgs,
    /// Key script applied before the shot, in the stepper's key names (e.g. "l l l b G").
    #[arg(long, allow_hyphen_values = true)]
    pub keys: Option<String>,
    #[command(flatten)]
    pub tour: TourFrameArgs,
    #[command(flatten)]
    pub frame: FrameArgs,
    /// A student's .npz (as `convstep compare` reads it): the frame of `compare
    /// MINE.npz --show`, at the first wrong cell (--keys e moves on).
    #[arg(long, value_name = "MINE.npz", conflicts_with_all = ["tour", "phase", "step", "filter"])]
    pub compare: Option<PathBuf>,
    /// Output file; the format follows the extension (.svg .png .html .txt .ans).
    #[arg(short, long)]
    pub output: PathBuf,
}

pub fn run(args: &ShotArgs) -> anyhow::Result<()> {
    progress::catch_interrupt();
    let format = Format::from_path(&args.output)?;
    let opts = args.frame.check()?;
    check_output_folder(&args.output)?;
    let mut inputs = args.input.files();
    inputs.extend(args.tour.tour.as_deref());
    crate::files::check_not_an_input(&args.output, &inputs)?;
    let actions = match &args.keys {
        Some(script) => script_keys(script).context("--keys")?,
        None => Vec::new(),
    };
    let (cols, rows) = (args.frame.cols, args.frame.rows);
    let buffer = match &args.tour.tour {
        Some(file) => tour::shot_frame_in(
            Some(file.as_path()),
            args.tour.page.unwrap_or(1),
            Some(crate::i18n::Lang::chosen()),
            ColorMode::for_exports(),
            args.keys.as_deref(),
            cols,
            rows,
        )?,
        None => {
            let app = match &args.compare {
                Some(mine) => {
                    let (spec, _, cmp) = super::compare::load(mine, &args.input)?;
                    super::compare::app_at_first_wrong(spec, cmp)?
                }
                None => App::new(SceneSpec::from_args(&args.input)?, &args.state)?,
            };
            let mut app = app.with_color(ColorMode::for_exports());
            for action in actions {
                app.apply(action);
            }
            ui::render_buffer(&app, cols, rows)
        }
    };
    let bytes = render(&buffer, format, &opts)?;
    atomic::write_atomic(&args.output, &bytes)
}
