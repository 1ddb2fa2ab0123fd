//! The terminal loop of `convstep tour`: draw, read a key, update, until quit.

use std::io::IsTerminal;

use crossterm::event::{self, Event, KeyEventKind};

use super::view::{TourAction, TourView};

pub fn run(mut view: TourView) -> anyhow::Result<()> {
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        anyhow::bail!(
            "convstep tour needs a terminal; without one use `convstep tour --check`, `--list`, or `convstep shot --tour FILE --page K`"
        );
    }
    ratatui::run(|terminal| -> anyhow::Result<()> {
        while !view.quit {
            terminal.draw(|frame| view.render(frame.area(), frame.buffer_mut()))?;
            if let Event::Key(key) = event::read()?
                && key.kind == KeyEventKind::Press
            {
                view.update(TourAction::from_key(key));
            }
        }
        Ok(())
    })
}
