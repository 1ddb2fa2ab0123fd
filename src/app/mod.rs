//! The interactive stepper: one model (`App`), one update, one view (`crate::ui`),
//! and the terminal loop that feeds key presses, mouse clicks and ticks to `update`.

pub mod action;
pub mod keys;
mod model;
pub mod terminal;
mod update;

use clap::Args;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::Rect;

pub use action::Action;
pub use model::{App, CheckReport, Message, Ranges, SceneCache, TICK_STEPS, TICKS_MS};

use crate::input::{InputArgs, SceneSpec};
use crate::ui;
use crate::ui::theme::ColorMode;

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
    /// The pass to start in (default: forward).
    #[arg(long, value_enum)]
    pub phase: Option<Phase>,
    /// 1-based step to start at, or `last` for the layer's last step.
    #[arg(long, allow_negative_numbers = true, value_parser = parse_step)]
    pub step: Option<usize>,
    /// 0-based filter to start at (the same output cell of that filter).
    #[arg(long, allow_negative_numbers = true, value_parser = crate::cli::whole::<usize>("--filter", 0, usize::MAX as u64))]
    pub filter: Option<usize>,
}

/// `--step last` as a step number: App::new starts at the layer's last step.
pub const LAST_STEP: usize = usize::MAX;

/// `--step`: a 1-based number, or `last` (as tour files accept).
fn parse_step(s: &str) -> Result<usize, String> {
    if s.trim().eq_ignore_ascii_case("last") {
        return Ok(LAST_STEP);
    }
    match s.trim().parse::<usize>() {
        Ok(LAST_STEP) | Err(_) => Err(format!(
            "--step must be a whole number >= 1 or `last` (got '{}')",
            crate::cli::shown(s)
        )),
        Ok(n) => Ok(n),
    }
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

/// The message when there is no terminal to draw in.
pub const NEEDS_TERMINAL: &str = "convstep needs a terminal; for a headless render use `convstep shot ... -o frame.png` or `convstep compute`";

/// Runs the stepper full-screen until the user quits. The terminal is restored on
/// return, on error and on panic.
pub fn run(args: &StepperArgs) -> anyhow::Result<()> {
    // Bad arguments are reported first, terminal or not.
    let spec = SceneSpec::from_args(&args.input)?;
    let mut app = App::new(spec, &args.state)?;
    terminal::run_full_screen(&mut app, &args.export, NEEDS_TERMINAL)
}

impl terminal::Screen for App {
    fn app(&self) -> &App {
        self
    }

    fn app_mut(&mut self) -> &mut App {
        self
    }

    fn set_color(&mut self, color: ColorMode) {
        self.color = color;
    }

    fn render(&self, area: Rect, buf: &mut Buffer) {
        ui::render(self, area, buf);
    }

    fn key(&mut self, key: KeyEvent) {
        // Any key closes the gradient check's box, bound or not.
        if self.check.is_some() {
            self.check = None;
        } else if let Some(action) = keys::action_for(&key) {
            self.press(action);
        }
    }
}

impl App {
    /// A key's action as the stepper applies it: while the gradient check's report is
    /// open, a key only closes it. Key scripts (`shot --keys`, `record --keys`, a tour
    /// page's keys) replay through here, so they show what the same keys show live.
    pub fn press(&mut self, action: Action) {
        if self.check.is_some() {
            self.check = None;
        } else {
            self.update(action);
        }
    }
}
