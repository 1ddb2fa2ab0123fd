//! The interactive stepper: one model (`App`), one update, one view (`crate::ui`),
//! and the terminal loop that feeds key presses, mouse clicks and ticks to `update`.

pub mod action;
pub mod keys;
mod model;
mod update;

use std::io::{IsTerminal, stdout};
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::bail;
use clap::Args;
use ratatui::DefaultTerminal;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{
    self, DisableMouseCapture, EnableMouseCapture, Event, KeyEventKind, MouseButton, MouseEventKind,
};
use ratatui::crossterm::execute;

pub use action::Action;
pub use model::{App, CheckReport, Message, Ranges, SceneCache, TICKS_MS};

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
    /// 1-based step to start at.
    #[arg(long)]
    pub step: Option<usize>,
    /// 0-based filter to start at (the same output cell of that filter).
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

/// The message when there is no terminal to draw in.
pub const NEEDS_TERMINAL: &str = "convstep needs a terminal; for a headless render use `convstep shot ... -o frame.png` or `convstep compute`";

/// Runs the stepper full-screen until the user quits. The terminal is restored on
/// return, on error and on panic.
pub fn run(args: &StepperArgs) -> anyhow::Result<()> {
    // Bad arguments are reported first, terminal or not.
    let spec = SceneSpec::from_args(&args.input)?;
    let mut app = App::new(spec, &args.state)?;
    if !std::io::stdin().is_terminal() || !stdout().is_terminal() {
        bail!(NEEDS_TERMINAL);
    }
    app.color = ColorMode::from_env();
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = execute!(stdout(), DisableMouseCapture);
        previous(info);
    }));
    let mut terminal = ratatui::init();
    let _ = execute!(stdout(), EnableMouseCapture);
    let result = event_loop(&mut terminal, &mut app, args);
    let _ = execute!(stdout(), DisableMouseCapture);
    ratatui::restore();
    result
}

fn event_loop(
    terminal: &mut DefaultTerminal,
    app: &mut App,
    args: &StepperArgs,
) -> anyhow::Result<()> {
    let mut next_tick = Instant::now() + Duration::from_millis(app.tick_ms());
    let mut shown: Option<Buffer> = None;
    loop {
        if app.screenshot_requested {
            app.screenshot_requested = false;
            if let Some(buffer) = &shown {
                save_screenshot(app, buffer, args);
            }
        }
        let frame = terminal.draw(|f| ui::draw(app, f))?;
        let area = frame.area;
        shown = Some(frame.buffer.clone());
        if app.quit {
            return Ok(());
        }
        let was_playing = app.playing;
        let timeout = if app.playing {
            next_tick.saturating_duration_since(Instant::now())
        } else {
            Duration::from_secs(3600)
        };
        if event::poll(timeout)? {
            match event::read()? {
                Event::Key(key) if key.kind == KeyEventKind::Press => {
                    if app.check.is_some() {
                        app.check = None;
                    } else if let Some(action) = keys::action_for(&key) {
                        app.update(action);
                    }
                }
                Event::Mouse(mouse) if mouse.kind == MouseEventKind::Down(MouseButton::Left) => {
                    if let Some(action) = ui::hit_test(app, area, mouse.column, mouse.row) {
                        app.update(action);
                    }
                }
                _ => {}
            }
        }
        if app.playing && (!was_playing || Instant::now() >= next_tick) {
            if was_playing {
                app.update(Action::Tick);
            }
            next_tick = Instant::now() + Duration::from_millis(app.tick_ms());
        }
    }
}

fn save_screenshot(app: &mut App, buffer: &Buffer, args: &StepperArgs) {
    let dir = args.export.export_dir.as_deref().unwrap_or(Path::new("."));
    match crate::export::save_screenshot_named(buffer, &args.export, dir, &app.screenshot_label()) {
        Ok(paths) => {
            let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
            app.message = Some(Message {
                text: format!("saved {}", names.join(", ")),
                error: false,
            });
        }
        Err(err) => {
            let causes: Vec<String> = err.chain().map(|c| c.to_string()).collect();
            app.message = Some(Message {
                text: format!("screenshot failed: {}", causes.join(": ")),
                error: true,
            });
        }
    }
}
