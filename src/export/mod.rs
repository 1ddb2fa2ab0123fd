//! Every export is a rendering of the same ratatui `Buffer` the screen shows.
//! STUB: helper C implements.

use std::path::{Path, PathBuf};

use ratatui::buffer::Buffer;

use clap::Args;

use crate::app::StateArgs;
use crate::input::InputArgs;

/// Where and how the stepper's `s` key saves the current frame.
#[derive(Debug, Clone, Args, Default)]
pub struct ExportArgs {
    /// Formats `s` saves, comma-separated: svg, png, html, txt, ans (default: svg,png).
    #[arg(long)]
    pub export_format: Option<String>,
    /// Folder `s` saves into (default: the current folder).
    #[arg(long)]
    pub export_dir: Option<PathBuf>,
}

/// Saves one frame as the stepper's `s` key does; returns the files written.
pub fn save_screenshot(
    _buffer: &Buffer,
    _args: &ExportArgs,
    _dir: &Path,
) -> anyhow::Result<Vec<PathBuf>> {
    anyhow::bail!("screenshots are not implemented yet")
}

#[derive(Debug, Clone, Args)]
pub struct ShotArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub state: StateArgs,
    /// Output file; the format follows the extension (.svg .png .html .txt .ans).
    #[arg(short, long)]
    pub output: PathBuf,
}

#[derive(Debug, Clone, Args)]
pub struct RecordArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub state: StateArgs,
    /// Output .gif.
    #[arg(short, long)]
    pub output: PathBuf,
}

pub fn run_shot(_args: &ShotArgs) -> anyhow::Result<()> {
    anyhow::bail!("shot is not implemented yet")
}

pub fn run_record(_args: &RecordArgs) -> anyhow::Result<()> {
    anyhow::bail!("record is not implemented yet")
}
