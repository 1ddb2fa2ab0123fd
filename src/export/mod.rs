//! Every export is a rendering of the same ratatui `Buffer` the screen shows.
//! STUB: helper C implements.

use std::path::PathBuf;

use clap::Args;

use crate::app::StateArgs;
use crate::input::InputArgs;

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
