//! The seam between a tour and the stepper: builds a page's scene into the stepper's
//! model, passes keys on, and draws the stepper into part of the screen.
//!
//! PROVISIONAL: until the stepper (src/app, src/ui) lands, this holds a minimal
//! stand-in with the same shape (new, play a key script, key, render, focus), so
//! the tour can be written and tested; on merge the insides become calls to
//! `App::new`, `app::keys::parse_script`, `App::update` and `ui::render`.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::check::PageScene;
use crate::app::Phase;
use crate::conv::OutPos;
use crate::input::Scene;

/// The stepper's key names (stand-in until `app::keys::parse_script` lands).
const KEY_NAMES: &[&str] = &[
    "l", "h", "k", "j", "g", "G", "f", "b", "c", "Right", "Left", "Up", "Down", "Home", "End",
    "Tab", "Space", "[", "]",
];

/// Checks a key script without running it.
pub fn check_keys(script: &str) -> anyhow::Result<()> {
    for name in script.split_whitespace() {
        if !KEY_NAMES.contains(&name) {
            anyhow::bail!(
                "unknown key {name:?} in keys (known: {})",
                KEY_NAMES.join(" ")
            );
        }
    }
    Ok(())
}

/// Where the stepper is, for the code view.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Focus {
    pub phase: Phase,
    pub pos: OutPos,
    /// 1-based step and the number of steps.
    pub step: usize,
    pub total: usize,
    /// out[n,f,i,j] forward, dout[n,f,i,j] backward.
    pub value: f64,
}

impl Focus {
    /// The loop variables and the value of this step: `n=0 f=1 i=2 j=0  out=1.234`.
    pub fn describe(&self) -> String {
        let OutPos { n, f, i, j } = self.pos;
        let name = match self.phase {
            Phase::Forward => "out",
            Phase::Backward => "g",
        };
        format!("n={n} f={f} i={i} j={j}  {name}={:.3}", self.value)
    }
}

/// What a key did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyOutcome {
    /// The stepper used it.
    Handled,
    /// The stepper asks to quit.
    Quit,
    /// Not a stepper key.
    Ignored,
}

/// The live stepper for one page.
pub struct Stage {
    scene: Scene,
    phase: Phase,
    step: usize,
}

impl Stage {
    /// Builds the page's scene, sets its state and selection, plays its key script.
    pub fn new(page: &PageScene) -> anyhow::Result<Stage> {
        let scene = page.spec()?.build()?;
        let g = &scene.layer.geom;
        let step = match (page.state.step, page.state.filter) {
            (Some(k), _) => k,
            (None, Some(f)) => g
                .step_of(OutPos {
                    n: 0,
                    f,
                    i: 0,
                    j: 0,
                })
                .unwrap_or(1),
            (None, None) => 1,
        };
        let mut stage = Stage {
            phase: page.state.phase.unwrap_or_default(),
            step,
            scene,
        };
        if let Some(keys) = &page.keys {
            check_keys(keys)?;
            for name in keys.split_whitespace() {
                stage.press(name);
            }
        }
        Ok(stage)
    }

    fn press(&mut self, name: &str) -> KeyOutcome {
        let total = self.scene.layer.geom.total_steps();
        match name {
            "l" | "Right" => self.step = (self.step + 1).min(total),
            "h" | "Left" => self.step = self.step.saturating_sub(1).max(1),
            "g" | "Home" => self.step = 1,
            "G" | "End" => self.step = total,
            "f" => self.phase = Phase::Forward,
            "b" => self.phase = Phase::Backward,
            "q" | "Esc" => return KeyOutcome::Quit,
            _ => return KeyOutcome::Ignored,
        }
        KeyOutcome::Handled
    }

    /// Passes a key to the stepper.
    pub fn key(&mut self, key: KeyEvent) -> KeyOutcome {
        if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
            return KeyOutcome::Quit;
        }
        let name = match key.code {
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Right => "Right".into(),
            KeyCode::Left => "Left".into(),
            KeyCode::Home => "Home".into(),
            KeyCode::End => "End".into(),
            KeyCode::Esc => "Esc".into(),
            _ => return KeyOutcome::Ignored,
        };
        self.press(&name)
    }

    /// Where the stepper is: its phase, step and output cell, and that cell's value.
    pub fn focus(&self) -> Option<Focus> {
        let layer = &self.scene.layer;
        let pos = layer.geom.position(self.step)?;
        let value = match self.phase {
            Phase::Forward => layer.forward_step(self.step)?.out,
            Phase::Backward => *self.scene.dout.get([pos.n, pos.f, pos.i, pos.j])?,
        };
        Some(Focus {
            phase: self.phase,
            pos,
            step: self.step,
            total: layer.geom.total_steps(),
            value,
        })
    }

    /// Draws the stepper into `area`.
    pub fn render(&self, area: Rect, buf: &mut Buffer) {
        let g = &self.scene.layer.geom;
        let phase = match self.phase {
            Phase::Forward => "forward",
            Phase::Backward => "backward",
        };
        let lines = vec![
            Line::from(format!(
                "{phase}  step {}/{}  {}",
                self.step,
                g.total_steps(),
                self.scene.labels.source
            )),
            Line::from(format!(
                "x {}x{}x{}  w {}x{}x{}x{}  stride {} pad {} dilation {}",
                g.c, g.h, g.w, g.f, g.c, g.hh, g.ww, g.stride, g.pad, g.dilation
            )),
        ];
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .render(area, buf);
    }
}
