//! The tour's model and view: which page is open, the live stepper of that page, and
//! the screen split between the stepper and the narration panel.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::Widget;

use super::check::Tour;
use super::panel::NarrationPanel;
use super::stage::Stage;
use crate::app::Effect;
use crate::i18n::Lang;
use crate::palette::ColorMode;

/// From this width on the narration sits beside the stepper; below it, underneath.
pub const SIDE_BY_SIDE_COLS: u16 = 110;
/// Width of the narration panel beside the stepper.
pub const SIDE_PANEL_COLS: u16 = 40;
/// The fewest rows the tour works in below [`SIDE_BY_SIDE_COLS`]: the stepper's
/// minimum and 3 rows of narration under it (side by side, the stepper's minimum).
pub const MIN_ROWS: u16 = crate::ui::MIN_ROWS + 3;

/// The stepper's area and the panel's beside it.
fn side_by_side(area: Rect) -> [Rect; 2] {
    Layout::horizontal([Constraint::Min(0), Constraint::Length(SIDE_PANEL_COLS)]).areas(area)
}

/// What the tour does with a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TourAction {
    /// Next page (n, PageDown).
    NextPage,
    /// Previous page (p, PageUp).
    PrevPage,
    /// Put the page's scene back as the page set it (r).
    Restore,
    /// Anything else goes to the stepper.
    Stepper(KeyEvent),
}

impl TourAction {
    /// The tour's own keys; every other key is the stepper's.
    pub fn from_key(key: KeyEvent) -> TourAction {
        let plain = !key
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
        match key.code {
            KeyCode::Char('n') if plain => TourAction::NextPage,
            KeyCode::Char('p') if plain => TourAction::PrevPage,
            KeyCode::Char('r') if plain => TourAction::Restore,
            KeyCode::PageDown => TourAction::NextPage,
            KeyCode::PageUp => TourAction::PrevPage,
            _ => TourAction::Stepper(key),
        }
    }
}

/// The open walkthrough.
pub struct TourView {
    pub tour: Tour,
    /// 0-based page index.
    pub page: usize,
    pub lang: Lang,
    pub stage: Stage,
    /// A problem building a page's scene (a file gone since the check), shown in the panel.
    pub problem: Option<String>,
    /// The stepper's colours, kept from page to page.
    pub color: ColorMode,
}

impl TourView {
    pub fn new(mut tour: Tour, page: usize, lang: Lang) -> anyhow::Result<TourView> {
        tour.ready(page)?;
        let Some(first) = tour.pages.get(page) else {
            anyhow::bail!("page {} does not exist in {}", page + 1, tour.name);
        };
        let stage = Stage::new(&first.scene, lang)?;
        Ok(TourView {
            tour,
            page,
            lang,
            stage,
            problem: None,
            color: ColorMode::default(),
        })
    }

    /// Opens page `page` (0-based) afresh; on failure stays where it is and says why.
    fn open(&mut self, page: usize) {
        // Scenes are built and narration filled when a page is first shown.
        if let Err(err) = self.tour.ready(page) {
            self.problem = Some(err.to_string());
            return;
        }
        let Some(target) = self.tour.pages.get(page) else {
            return;
        };
        match Stage::new(&target.scene, self.lang) {
            Ok(mut stage) => {
                stage.app.color = self.color;
                self.stage = stage;
                self.page = page;
                self.problem = None;
            }
            Err(err) => self.problem = Some(format!("page {}: {err:#}", page + 1)),
        }
    }

    /// Applies one tour action; a key for the stepper may ask the runtime for an effect.
    pub fn update(&mut self, action: TourAction) -> Option<Effect> {
        match action {
            TourAction::NextPage if self.page + 1 < self.tour.pages.len() => {
                self.open(self.page + 1)
            }
            TourAction::PrevPage if self.page > 0 => self.open(self.page - 1),
            TourAction::NextPage | TourAction::PrevPage => {}
            TourAction::Restore => self.open(self.page),
            TourAction::Stepper(key) => return self.stage.key(key),
        }
        None
    }

    /// Plays a script of stepper key names on the open page (for `shot --keys`).
    pub fn play(&mut self, script: &str) -> anyhow::Result<()> {
        for action in crate::app::keys::script_keys(script)? {
            self.stage.app.apply(action);
        }
        Ok(())
    }

    /// The narration panel of the open page for a screen of `area`.
    fn panel(&self, area: Rect) -> NarrationPanel<'_> {
        let code_in_stepper = area.width >= SIDE_BY_SIDE_COLS && {
            let [stepper, _] = side_by_side(area);
            crate::ui::plan(&self.stage.app, stepper).code.is_some()
        };
        let lessons = super::lessons(&self.tour);
        let lesson = lessons
            .iter()
            .position(|(_, _, first, last)| (*first..=*last).contains(&self.page))
            .map_or(0, |k| k + 1);
        NarrationPanel {
            page: &self.tour.pages[self.page],
            number: self.page + 1,
            pages: self.tour.pages.len(),
            lang: self.lang,
            focus: self.stage.focus(),
            problem: self.problem.as_deref(),
            side: area.width >= SIDE_BY_SIDE_COLS,
            lesson: (lesson, lessons.len()),
            color: self.color,
            code_in_stepper,
            lessons: lessons.iter().map(|(_, name, _, _)| *name).collect(),
        }
    }

    /// The stepper's area and the narration's area of a screen: side by side when
    /// wide; else the narration below, as tall as its words (at least 3 rows, at
    /// most what leaves the stepper its minimum height).
    pub fn split(&self, area: Rect) -> (Rect, Rect) {
        if area.width >= SIDE_BY_SIDE_COLS {
            let [stepper, panel] = side_by_side(area);
            return (stepper, panel);
        }
        let most = area.height.saturating_sub(crate::ui::MIN_ROWS);
        let want = self.panel(area).rows_below(area.width);
        let below = want.clamp(3, most.max(3)).min(area.height);
        let [stepper, panel] =
            Layout::vertical([Constraint::Min(0), Constraint::Length(below)]).areas(area);
        (stepper, panel)
    }

    /// Whether `area` is too small for the tour: the stepper's minimum, and below
    /// the narrow layout's 3 rows of narration ([`MIN_ROWS`]).
    pub fn too_small(area: Rect) -> bool {
        let beside = area.width >= SIDE_BY_SIDE_COLS && area.height >= crate::ui::MIN_ROWS;
        !beside && (area.width < crate::ui::MIN_COLS || area.height < MIN_ROWS)
    }

    pub fn render(&self, area: Rect, buf: &mut Buffer) {
        if TourView::too_small(area) {
            ratatui::widgets::Clear.render(area, buf);
            crate::ui::say_too_small(self.lang, (crate::ui::MIN_COLS, MIN_ROWS), area, buf);
            return;
        }
        let (stepper, panel) = self.split(area);
        self.stage.render(stepper, buf);
        self.panel(area).render(panel, buf);
    }

    /// The whole screen as a `cols` x `rows` buffer, drawn by the same code.
    pub fn render_buffer(&self, cols: u16, rows: u16) -> Buffer {
        let area = Rect::new(0, 0, cols, rows);
        let mut buf = Buffer::empty(area);
        self.render(area, &mut buf);
        buf
    }
}
