//! The interactive stepper: one model (`App`) and one update. The view is
//! `crate::ui`; the terminal loop that feeds it key presses, mouse clicks and ticks is
//! `crate::runtime`.

pub mod action;
pub mod job;
pub mod keys;
mod model;
mod update;

pub use action::{Action, Effect};
pub use job::{Done, Job};
pub use model::{App, CheckReport, Message, Pending, Ranges, SceneCache, TICK_STEPS, TICKS_MS};

/// Which pass the stepper shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum Phase {
    #[default]
    Forward,
    Backward,
}

/// A 1-based step to start at, or the layer's last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    At(usize),
    Last,
}

/// Where the stepper starts: the pass, the step and the filter (the same output cell
/// of that filter). `--phase`, `--step` and `--filter` on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Start {
    pub phase: Phase,
    /// None: the first step.
    pub step: Option<Step>,
    pub filter: Option<usize>,
}
