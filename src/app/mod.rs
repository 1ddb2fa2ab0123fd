//! The interactive stepper: one model (`App`), one update, one view.
//! STUB: helper B implements.

use clap::Args;

use crate::input::InputArgs;

/// Which pass the stepper shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum Phase {
    #[default]
    Forward,
    Backward,
}

/// Where the stepper starts (tests and screenshots use these).
#[derive(Debug, Clone, Args, Default)]
pub struct StateArgs {
    /// forward or backward.
    #[arg(long, value_enum)]
    pub phase: Option<Phase>,
    /// 1-based step to start at.
    #[arg(long)]
    pub step: Option<usize>,
    /// 0-based filter to start at.
    #[arg(long)]
    pub filter: Option<usize>,
}

#[derive(Debug, Clone, Args, Default)]
pub struct StepperArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub state: StateArgs,
    #[command(flatten)]
    pub export: crate::export::ExportArgs,
}

pub fn run(_args: &StepperArgs) -> anyhow::Result<()> {
    anyhow::bail!("the stepper is not implemented yet")
}
