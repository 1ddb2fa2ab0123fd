//! The interactive stepper: one model (`App`) and one update. The view is
//! `crate::ui`; the terminal loop that feeds it key presses, mouse clicks and ticks is
//! `crate::runtime`.

pub mod action;
mod compare;
pub mod job;
pub mod keys;
mod model;
pub mod stack;
mod update;

pub use action::{Action, Effect};
pub use job::{Done, Job, JobQueue};
pub use model::{
    App, BackwardRanges, CheckReport, ForwardRanges, Message, Pending, SceneCache, TICK_STEPS,
    TICKS_MS,
};

/// Which pass the stepper shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum Phase {
    #[default]
    Forward,
    Backward,
}

/// How the stepper draws the current layer; the phase says which pass. One file under
/// `ui/` per view, each drawn from the model as panels are.
///
/// Which layer and which view, the one shape agreed for the stack and the views: the
/// model's per-layer fields (`scene`, `cache`, `step`, `fwd`, `bwd`, `selection`, ...)
/// always describe the *current* layer of the stack (a single layer is a stack of one);
/// `App::layer_index` says which layer that is, and `App::view` how it is drawn. A
/// view reads those fields and nothing else of the stack, so it works on any conv layer
/// of a stack unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum View {
    /// Window by window, as the naive loops run (today's screen).
    #[default]
    Steps,
    /// The layer as one matrix product: out = W · cols + b.
    Im2col,
    /// dx as a transposed convolution of dout (the gather), backward only.
    Transposed,
    /// One weight's gradient: the x_pad cells it multiplied, shaded by dout.
    Dw,
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
    /// How the layer is drawn (`--view`; None: the steps, or the transposed view for a
    /// transposed preset); the transposed and dw views start backward.
    pub view: Option<View>,
}
