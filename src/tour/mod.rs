//! Guided walkthroughs: pages that set a scene and narrate it beside the live stepper.
//! STUB: helper D implements.

use std::path::PathBuf;

use clap::Args;

#[derive(Debug, Clone, Args)]
pub struct TourArgs {
    /// A walkthrough file; default: the bundled one.
    pub file: Option<PathBuf>,
}

pub fn run(_args: &TourArgs) -> anyhow::Result<()> {
    anyhow::bail!("tour is not implemented yet")
}
