//! The interactive stepper: one model (`App`), one update, one view (`crate::ui`),
//! and the terminal loop that feeds key presses, mouse clicks and ticks to `update`.

pub mod action;
pub mod keys;
mod model;
pub mod terminal;
mod update;

use ratatui::buffer::Buffer;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::Rect;

pub use action::Action;
pub use model::{App, CheckReport, Message, Ranges, SceneCache, TICK_STEPS, TICKS_MS};

use crate::palette::ColorMode;
use crate::ui;

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
