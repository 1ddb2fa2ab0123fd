//! The terminal loop of `convstep tour`: draw, then a key, a click or a play tick
//! becomes an update, until the reader quits. Mirrors the stepper's own loop.

use std::io::{IsTerminal, stdout};
use std::path::Path;
use std::time::{Duration, Instant};

use crossterm::event::{
    self, DisableMouseCapture, EnableMouseCapture, Event, KeyEventKind, MouseButton, MouseEventKind,
};
use crossterm::execute;
use ratatui::DefaultTerminal;
use ratatui::buffer::Buffer;

use super::view::{TourAction, TourView};
use crate::app::{Action, Message};
use crate::export::ExportArgs;
use crate::ui::theme::ColorMode;

/// The message when there is no terminal to draw in.
pub const NEEDS_TERMINAL: &str = "convstep tour needs a terminal; without one use `convstep tour --check`, `--list`, or `convstep shot --tour FILE --page K`";

pub fn run(mut view: TourView, export: &ExportArgs) -> anyhow::Result<()> {
    if !std::io::stdin().is_terminal() || !stdout().is_terminal() {
        anyhow::bail!(NEEDS_TERMINAL);
    }
    view.color = ColorMode::from_env();
    view.stage.app.color = view.color;
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = execute!(stdout(), DisableMouseCapture);
        previous(info);
    }));
    let mut terminal = ratatui::init();
    let _ = execute!(stdout(), EnableMouseCapture);
    let result = event_loop(&mut terminal, &mut view, export);
    let _ = execute!(stdout(), DisableMouseCapture);
    ratatui::restore();
    result
}

fn event_loop(
    terminal: &mut DefaultTerminal,
    view: &mut TourView,
    export: &ExportArgs,
) -> anyhow::Result<()> {
    let mut next_tick = Instant::now();
    let mut shown: Option<Buffer> = None;
    loop {
        if view.stage.app.screenshot_requested {
            view.stage.app.screenshot_requested = false;
            if let Some(buffer) = &shown {
                save_screenshot(view, buffer, export);
            }
        }
        let frame = terminal.draw(|f| view.render(f.area(), f.buffer_mut()))?;
        let area = frame.area;
        shown = Some(frame.buffer.clone());
        if view.quit {
            return Ok(());
        }
        let app = &view.stage.app;
        let was_playing = app.playing;
        let timeout = if app.playing {
            next_tick.saturating_duration_since(Instant::now())
        } else {
            Duration::from_secs(3600)
        };
        if event::poll(timeout)? {
            match event::read()? {
                Event::Key(key) if key.kind == KeyEventKind::Press => {
                    view.update(TourAction::from_key(key));
                }
                Event::Mouse(mouse) if mouse.kind == MouseEventKind::Down(MouseButton::Left) => {
                    let (stepper, _) = view.split(area);
                    if let Some(action) =
                        crate::ui::hit_test(&view.stage.app, stepper, mouse.column, mouse.row)
                    {
                        view.stage.app.update(action);
                    }
                }
                _ => {}
            }
        }
        let app = &mut view.stage.app;
        if app.playing && (!was_playing || Instant::now() >= next_tick) {
            if was_playing {
                app.update(Action::Tick);
            }
            next_tick = Instant::now() + Duration::from_millis(app.tick_ms());
        }
    }
}

/// Saves the whole tour screen (stepper and narration), as the stepper's `s` does.
fn save_screenshot(view: &mut TourView, buffer: &Buffer, export: &ExportArgs) {
    let dir = export.export_dir.as_deref().unwrap_or(Path::new("."));
    let message = match crate::export::save_screenshot(buffer, export, dir) {
        Ok(paths) => {
            let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
            Message {
                text: format!("saved {}", names.join(", ")),
                error: false,
            }
        }
        Err(err) => {
            let causes: Vec<String> = err.chain().map(|c| c.to_string()).collect();
            Message {
                text: format!("screenshot failed: {}", causes.join(": ")),
                error: true,
            }
        }
    };
    view.stage.app.message = Some(message);
}
