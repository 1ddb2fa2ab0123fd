//! The terminal session and event loop shared by the stepper and the tour: draw, then a
//! key, a click or a play tick becomes an update, until the user quits. The terminal is
//! restored on return, on error and on panic.

use std::io::{IsTerminal, stdout};
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::bail;
use ratatui::DefaultTerminal;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{
    self, DisableMouseCapture, EnableMouseCapture, Event, KeyEvent, KeyEventKind, MouseButton,
    MouseEventKind,
};
use ratatui::crossterm::execute;
use ratatui::layout::Rect;

use super::{Action, App, Message};
use crate::export::ExportArgs;
use crate::ui;
use crate::ui::theme::ColorMode;

/// What runs full-screen: the stepper alone, or the stepper inside a walkthrough.
pub trait Screen {
    /// The stepper being driven.
    fn app(&self) -> &App;
    fn app_mut(&mut self) -> &mut App;
    /// Uses these colours from now on.
    fn set_color(&mut self, color: ColorMode);
    /// Draws the whole screen.
    fn render(&self, area: Rect, buf: &mut Buffer);
    /// A key press.
    fn key(&mut self, key: KeyEvent);
    /// Where the stepper is drawn within the screen, for mouse clicks.
    fn stepper_area(&self, area: Rect) -> Rect {
        area
    }
    /// Whether the user asked to quit.
    fn quit(&self) -> bool {
        self.app().quit
    }
}

/// Runs `screen` full-screen until the user quits; `needs_terminal` is the error when
/// stdin or stdout is not a terminal.
pub fn run_full_screen(
    screen: &mut impl Screen,
    export: &ExportArgs,
    needs_terminal: &str,
) -> anyhow::Result<()> {
    if !std::io::stdin().is_terminal() || !stdout().is_terminal() {
        bail!("{needs_terminal}");
    }
    screen.set_color(ColorMode::from_env());
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = execute!(stdout(), DisableMouseCapture);
        previous(info);
    }));
    let mut terminal = ratatui::init();
    let _ = execute!(stdout(), EnableMouseCapture);
    let result = event_loop(&mut terminal, screen, export);
    let _ = execute!(stdout(), DisableMouseCapture);
    ratatui::restore();
    result
}

fn event_loop(
    terminal: &mut DefaultTerminal,
    screen: &mut impl Screen,
    export: &ExportArgs,
) -> anyhow::Result<()> {
    let mut next_tick = Instant::now() + Duration::from_millis(screen.app().tick_ms());
    let mut shown: Option<Buffer> = None;
    loop {
        if screen.app().screenshot_requested {
            screen.app_mut().screenshot_requested = false;
            if let Some(buffer) = &shown {
                save_screenshot(screen.app_mut(), buffer, export);
            }
        }
        let frame = terminal.draw(|f| screen.render(f.area(), f.buffer_mut()))?;
        let area = frame.area;
        shown = Some(frame.buffer.clone());
        if screen.quit() {
            return Ok(());
        }
        let was_playing = screen.app().playing;
        let timeout = if was_playing {
            next_tick.saturating_duration_since(Instant::now())
        } else {
            Duration::from_secs(3600)
        };
        if event::poll(timeout)? {
            match event::read()? {
                Event::Key(key) if key.kind == KeyEventKind::Press => screen.key(key),
                Event::Mouse(mouse) if mouse.kind == MouseEventKind::Down(MouseButton::Left) => {
                    let stepper = screen.stepper_area(area);
                    if let Some(action) =
                        ui::hit_test(screen.app(), stepper, mouse.column, mouse.row)
                    {
                        screen.app_mut().update(action);
                    }
                }
                _ => {}
            }
        }
        let app = screen.app_mut();
        if app.playing && (!was_playing || Instant::now() >= next_tick) {
            if was_playing {
                app.update(Action::Tick);
            }
            next_tick = Instant::now() + Duration::from_millis(app.tick_ms());
        }
    }
}

/// Saves the frame the user saw, named after the step it shows, and says where.
fn save_screenshot(app: &mut App, buffer: &Buffer, export: &ExportArgs) {
    let dir = export.export_dir.as_deref().unwrap_or(Path::new("."));
    let label = app.screenshot_label();
    app.message = Some(
        match crate::export::save_screenshot_named(buffer, export, dir, &label) {
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
        },
    );
}
