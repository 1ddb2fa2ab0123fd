//! `convstep [INPUT] [options]`: the stepper, full-screen.

use std::path::PathBuf;

use clap::Args;

use super::InputArgs;
use super::parse::parse_step;
use crate::app::{App, Phase, Start, Step, View};
use crate::export::ScreenshotOptions;
use crate::input::SceneSpec;
use crate::runtime::run_full_screen;

/// Where the stepper starts (tests and screenshots use these).
#[derive(Debug, Clone, Args, Default)]
pub struct StateArgs {
    /// The pass to start in (default: forward).
    #[arg(long, value_enum)]
    pub phase: Option<Phase>,
    /// 1-based step to start at, or `last` for the layer's last step.
    #[arg(long, allow_negative_numbers = true, value_parser = parse_step)]
    pub step: Option<Step>,
    /// 0-based filter to start at (the same output cell of that filter).
    #[arg(long, allow_negative_numbers = true, value_parser = super::whole::<usize>("--filter", 0, usize::MAX as u64))]
    pub filter: Option<usize>,
    /// How to draw the layer: steps (window by window), im2col (one matrix product),
    /// transposed (dx as a transposed convolution), dw (one weight's gradient).
    #[arg(long, value_enum)]
    pub view: Option<View>,
}

impl From<&StateArgs> for Start {
    fn from(state: &StateArgs) -> Start {
        Start {
            phase: state.phase.unwrap_or_default(),
            step: state.step,
            filter: state.filter,
            view: state.view,
        }
    }
}

/// Where and how the stepper's `s` key saves the current frame.
#[derive(Debug, Clone, Args, Default)]
pub struct ExportArgs {
    /// Formats `s` saves, comma-separated: svg, png, html, txt, ans (default: svg,png).
    #[arg(long)]
    pub export_format: Option<String>,
    /// Folder `s` saves into (default: the current folder).
    #[arg(long)]
    pub export_dir: Option<PathBuf>,
    /// Pixels per cell of saved PNGs, as a multiple of 9x18 (default 2; 1..=8).
    /// (Not `--scale`, which already means how input values are scaled.)
    #[arg(long = "png-scale", allow_negative_numbers = true, value_parser = super::whole::<u32>("--png-scale", 1, crate::export::raster::MAX_SCALE as u64))]
    pub png_scale: Option<u32>,
}

impl ExportArgs {
    /// The options as plain values.
    pub fn options(&self) -> ScreenshotOptions {
        ScreenshotOptions {
            export_format: self.export_format.clone(),
            export_dir: self.export_dir.clone(),
            png_scale: self.png_scale,
        }
    }

    /// The options, checked now rather than at the first `s`: the formats named, the
    /// PNG scale and the folder (which must exist).
    pub fn checked(&self) -> anyhow::Result<ScreenshotOptions> {
        let options = self.options();
        options.formats()?;
        options.render_options()?;
        if let Some(dir) = &self.export_dir
            && !dir.is_dir()
        {
            anyhow::bail!(
                "--export-dir {}: no such folder (the stepper's s saves into it)",
                dir.display()
            );
        }
        Ok(options)
    }
}

#[derive(Debug, Clone, Args, Default)]
pub struct StepperArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub state: StateArgs,
    #[command(flatten)]
    pub export: ExportArgs,
}

/// The message when there is no terminal to draw in.
pub const NEEDS_TERMINAL: &str = "convstep needs a terminal; for a headless render use `convstep shot ... -o frame.png` or `convstep compute`";

/// Runs the stepper full-screen until the user quits. The terminal is restored on
/// return, on error and on panic.
pub fn run(args: &StepperArgs) -> anyhow::Result<()> {
    // Bad arguments are reported first, terminal or not.
    let export = args.export.checked()?;
    let spec = SceneSpec::from_args(&args.input)?;
    let mut app = App::new(spec, &args.state)?;
    run_full_screen(&mut app, &export, NEEDS_TERMINAL)
}
