//! The seam between a tour and the stepper: builds a page's scene into the stepper's
//! model (`App`), passes keys on through the stepper's own key table, and draws the
//! stepper into part of the screen with `ui::render`.

use crossterm::event::KeyEvent;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::check::PageScene;
use crate::app::{Action, App, Effect, Phase, keys};
use crate::conv::OutPos;

/// Checks a page's key script: stepper key names only, and none that would leave
/// the tour or write files behind the reader's back.
pub fn check_keys(script: &str) -> anyhow::Result<()> {
    let actions = keys::parse_script(script)?;
    if let Some(bad) = actions
        .iter()
        .find(|a| matches!(a, Action::Quit | Action::Screenshot))
    {
        anyhow::bail!("key script {script:?}: {bad:?} is not allowed in a page's keys");
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
    /// The layer's dilation: the listing's window slices step by it.
    pub dilation: usize,
}

impl Focus {
    /// The loop variables and the value of this step: `n=0 f=1 i=2 j=0  out=1.234`.
    pub fn describe(&self) -> String {
        let OutPos { n, f, i, j } = self.pos;
        let name = match self.phase {
            Phase::Forward => "out",
            Phase::Backward => "dout",
        };
        format!("n={n} f={f} i={i} j={j}  {name}={:.3}", self.value)
    }
}

/// The live stepper of one page.
pub struct Stage {
    pub app: App,
}

impl Stage {
    /// Builds the page's scene, sets its state and selection, plays its key script;
    /// the stepper speaks the page's language.
    pub fn new(page: &PageScene, lang: crate::i18n::Lang) -> anyhow::Result<Stage> {
        let mut app = App::new(page.spec()?, page.state)?;
        app.lang = lang;
        if let Some((row, col)) = page.select {
            let pad = app.layer().geom.pad;
            app.update(Action::SelectCell {
                row: row + pad,
                col: col + pad,
            });
        }
        if let Some(script) = &page.keys {
            check_keys(script)?;
            for action in keys::script_keys(script)? {
                app.apply(action);
            }
        }
        Ok(Stage { app })
    }

    /// Passes a key to the stepper, which maps it through its key table.
    pub fn key(&mut self, key: KeyEvent) -> Option<Effect> {
        self.app.update(Action::Key(key))
    }

    /// Where the stepper is: its phase, step and output cell, and that cell's value.
    pub fn focus(&self) -> Option<Focus> {
        let app = &self.app;
        let pos = app.pos();
        let value = match app.phase {
            Phase::Forward => app.fwd.out,
            Phase::Backward => *app.scene.dout.get([pos.n, pos.f, pos.i, pos.j])?,
        };
        Some(Focus {
            phase: app.phase,
            pos,
            step: app.step,
            total: app.total_steps(),
            value,
            dilation: app.layer().geom.dilation,
        })
    }

    /// Draws the stepper into `area`.
    pub fn render(&self, area: Rect, buf: &mut Buffer) {
        crate::ui::render(&self.app, area, buf);
    }
}
