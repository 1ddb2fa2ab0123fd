//! `convstep compute`: out, dx, dw and db into an .npz, for scripts and homework checks.
//! STUB: helper A implements.

use std::path::PathBuf;

use clap::Args;

use crate::input::InputArgs;

#[derive(Debug, Clone, Args)]
pub struct ComputeArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Where to write the .npz (out, dx, dw, db; float64).
    #[arg(short, long)]
    pub output: PathBuf,
}

pub fn run(_args: &ComputeArgs) -> anyhow::Result<()> {
    anyhow::bail!("compute is not implemented yet")
}
