//! What the user can ask for, and what the runtime answers: one enum, one doc line per
//! variant. The key table, the help overlay, key scripts and the mouse all speak it;
//! what `update` asks the runtime to do in return is an [`Effect`].

use std::path::PathBuf;

use ratatui::crossterm::event::KeyEvent;

use super::job::{Done, Job};

/// One change of the stepper's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Go to the next step (the next window).
    Next,
    /// Go back one step.
    Prev,
    /// Go one row of outputs down (the same column, the next output row).
    RowDown,
    /// Go one row of outputs up.
    RowUp,
    /// Go to the first step.
    First,
    /// Go to the last step.
    Last,
    /// Start or stop playing one step per tick.
    PlayPause,
    /// Play slower (a longer tick).
    Slower,
    /// Play faster (a shorter tick).
    Faster,
    /// Go to the same output cell of the next filter.
    NextFilter,
    /// Go to the same output cell of the previous filter.
    PrevFilter,
    /// Show the forward pass.
    Forward,
    /// Show the backward pass.
    Backward,
    /// Run a numeric gradient check of the selected dx entries (or of dw at the
    /// kernel's centre when nothing is selected).
    GradCheck,
    /// Save a screenshot of the screen.
    Screenshot,
    /// Open or close the help overlay.
    Help,
    /// The help's next page (where the screen is too small for every key at once);
    /// opens the help if it is closed.
    HelpPage,
    /// Leave the stepper.
    Quit,
    /// Stride one larger.
    StrideUp,
    /// Stride one smaller.
    StrideDown,
    /// Padding one larger.
    PadUp,
    /// Padding one smaller.
    PadDown,
    /// Dilation one larger.
    DilationUp,
    /// Dilation one smaller.
    DilationDown,
    /// The next kernel preset.
    KernelNext,
    /// The previous kernel preset.
    KernelPrev,
    /// A larger working size (images).
    SizeUp,
    /// A smaller working size (images).
    SizeDown,
    /// Select the input cell at the window's centre, or clear the selection.
    Select,
    /// Move the selected input cell left.
    SelectLeft,
    /// Move the selected input cell right.
    SelectRight,
    /// Move the selected input cell up.
    SelectUp,
    /// Move the selected input cell down.
    SelectDown,
    /// Show how many windows touched each input cell instead of dx_pad (small screens).
    ToggleTouches,
    /// Choose the next entry of w[f] for the gradient check (cycles, then none).
    NextTap,
    /// Choose entry (c, m, k) of w[f] for the gradient check (a click on the kernel).
    SelectTap { c: usize, m: usize, k: usize },
    /// Select padded input cell (row, col) (a mouse click on the input).
    SelectCell { row: usize, col: usize },
    /// Jump to the step of output cell (f, i, j) (a mouse click on a feature map).
    JumpTo { f: usize, i: usize, j: usize },
    /// Go to the next wrong cell of a student's arrays (`compare --show`).
    NextWrong,
    /// Go to the previous wrong cell of a student's arrays.
    PrevWrong,
    /// One tick of the play timer.
    Tick,
    /// A key press: the key table's action for it; while the gradient check's report
    /// is open, any key (bound or not) only closes it.
    Key(KeyEvent),
    /// The screenshot was saved into these files (the answer to [`Effect::Screenshot`]).
    Saved(Vec<PathBuf>),
    /// The screenshot could not be saved: why, in one line.
    SaveFailed(String),
    /// A recomputation is done (the answer to [`Effect::Compute`]); kept only if it is
    /// the latest asked for.
    Computed(Box<Done>),
}

/// What `update` asks of the runtime, which performs it and answers with an action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Leave the stepper.
    Quit,
    /// Save the frame on the screen, named after `label` (e.g. `forward-step12`);
    /// answered by [`Action::Saved`] or [`Action::SaveFailed`].
    Screenshot { label: String },
    /// Run a recomputation that may take longer than a frame (a scene rebuilt after an
    /// edit, a gradient check) without holding up keys or drawing; answered by
    /// [`Action::Computed`].
    Compute(Job),
}
