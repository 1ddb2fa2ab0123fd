//! `convstep tour` full-screen: the walkthrough as a [`Screen`] for the terminal loop the
//! stepper uses too.

use ratatui::buffer::Buffer;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::Rect;

use super::view::{TourAction, TourView};
use crate::app::{Action, App, Effect};
use crate::export::ScreenshotOptions;
use crate::palette::ColorMode;
use crate::runtime::{Screen, run_full_screen};

/// The message when there is no terminal to draw in.
pub const NEEDS_TERMINAL: &str = "convstep tour needs a terminal; without one use `convstep tour --check`, `--list`, or `convstep shot --tour FILE --page K`";

pub fn run(mut view: TourView, export: &ScreenshotOptions) -> anyhow::Result<()> {
    run_full_screen(&mut view, export, NEEDS_TERMINAL)
}

impl Screen for TourView {
    fn app(&self) -> &App {
        &self.stage.app
    }

    fn set_color(&mut self, color: ColorMode) {
        // Kept from page to page.
        self.color = color;
        self.stage.app.color = color;
    }

    fn render(&self, area: Rect, buf: &mut Buffer) {
        TourView::render(self, area, buf);
    }

    fn key(&mut self, key: KeyEvent) -> Option<Effect> {
        TourView::update(self, TourAction::from_key(key))
    }

    fn update(&mut self, action: Action) -> Option<Effect> {
        self.stage.app.update(action)
    }

    fn stepper_area(&self, area: Rect) -> Rect {
        self.split(area).0
    }
}
