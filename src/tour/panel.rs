//! The narration panel: progress (page K of M, lesson), the page's words, and on
//! code pages CS231n's naive loop with the line the stepper is executing marked.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Padding, Paragraph, Widget};
use unicode_width::UnicodeWidthStr;

use super::check::TourPage;
use super::format::{CodeView, Text};
use super::stage::Focus;
use super::wrap::wrap;
use crate::app::Phase;
use crate::i18n::Lang;
use crate::ui::theme::{self, ColorMode};
use crate::ui::{code, text};

/// The header's background: the stepper's status line's.
const BAR: (u8, u8, u8) = (40, 50, 80);

/// The panel for one page.
pub struct NarrationPanel<'a> {
    pub page: &'a TourPage,
    /// 1-based page number.
    pub number: usize,
    pub pages: usize,
    pub lang: Lang,
    /// Where the stepper is, for the code view.
    pub focus: Option<Focus>,
    pub problem: Option<&'a str>,
    /// Beside the stepper (tall) rather than below it (short).
    pub side: bool,
    /// 1-based number of the page's lesson and the number of lessons.
    pub lesson: (usize, usize),
    /// The stepper's colours: the header takes the colours of its status line.
    pub color: ColorMode,
    /// The stepper shows the naive loop itself (wide screens): no second copy here.
    pub code_in_stepper: bool,
    /// The names of all the lessons, in order (for the map beside the stepper).
    pub lessons: Vec<&'a Text>,
}

impl NarrationPanel<'_> {
    /// "page 3/24 · Stride" in the panel's language.
    pub fn progress(&self) -> String {
        format!("{} · {}", self.page_count(), self.lesson_name())
    }

    /// "page 3/24" or "第 3/24 页".
    fn page_count(&self) -> String {
        match self.lang {
            Lang::En => format!("page {}/{}", self.number, self.pages),
            Lang::Zh => format!("第 {}/{} 页", self.number, self.pages),
        }
    }

    /// "lesson 2/13" or "第 2/13 课".
    fn lesson_count(&self) -> String {
        let (k, m) = self.lesson;
        match self.lang {
            Lang::En => format!("lesson {k}/{m}"),
            Lang::Zh => format!("第 {k}/{m} 课"),
        }
    }

    fn lesson_name(&self) -> &str {
        self.lang.pick(&self.page.lesson_name)
    }

    /// The header bar's style: the stepper's status-line colours, or reversed video
    /// without colour.
    fn bar(&self) -> Style {
        if self.color.has_color() {
            self.color.on(BAR)
        } else {
            Style::new().add_modifier(Modifier::REVERSED)
        }
    }

    fn hints(&self) -> &'static str {
        match self.lang {
            Lang::En => "n next · p back · r reset",
            Lang::Zh => "n 下一页 · p 上一页 · r 重置",
        }
    }

    /// The narration (and any problem first), wrapped to `width` columns.
    fn words(&self, width: u16) -> Vec<Line<'static>> {
        let mut lines: Vec<Line> = Vec::new();
        if let Some(problem) = self.problem {
            for text in wrap(problem, width.into()) {
                lines.push(Line::styled(
                    text,
                    Style::new().add_modifier(Modifier::BOLD),
                ));
            }
        }
        let words = self.lang.pick(&self.page.narration).trim();
        lines.extend(wrap(words, width.into()).into_iter().map(Line::from));
        lines
    }

    /// The code lines with the executing ones marked `▶`, and a line of loop values:
    /// the stepper's own listing ([`crate::ui::code::listing`]), fitted to `width`.
    fn code(&self, width: u16) -> Vec<Line<'static>> {
        let Some(view) = self.page.code.filter(|_| !self.code_in_stepper) else {
            return Vec::new();
        };
        let phase = match view {
            CodeView::Forward => Phase::Forward,
            CodeView::Backward => Phase::Backward,
        };
        let running = self.focus.as_ref().filter(|f| f.phase == phase);
        let dilation = self.focus.as_ref().map_or(1, |f| f.dilation);
        let all = code::listing(
            phase,
            dilation,
            running.is_some(),
            running.is_some_and(|f| f.step == f.total),
        );
        // One column for the `▶` mark.
        let fitted = code::fit(&all, usize::from(width.saturating_sub(1)).max(1));
        let mut lines = Vec::with_capacity(fitted.len() + 1);
        for line in fitted {
            lines.push(if line.executing {
                Line::from(vec![
                    Span::raw("▶"),
                    Span::styled(line.text, code::executing_style(self.color)),
                ])
            } else {
                Line::raw(format!(" {}", line.text))
            });
        }
        if let Some(f) = running {
            lines.push(Line::raw(f.describe()));
        }
        lines
    }

    /// The header beside the stepper, as tall as the stepper's status line: the page
    /// and lesson counts, then the lesson's name (wrapped if it must be).
    fn header_side(&self, width: u16) -> Vec<Line<'static>> {
        let counts = format!(" {}", self.page_count());
        let lesson = self.lesson_count();
        let gap = usize::from(width)
            .saturating_sub(counts.width() + lesson.width() + 1)
            .max(1);
        let mut lines = vec![Line::from(vec![
            Span::styled(counts, Style::new().add_modifier(Modifier::BOLD)),
            Span::raw(" ".repeat(gap)),
            Span::raw(lesson),
        ])];
        let name_width = usize::from(width.saturating_sub(2)).max(1);
        for text in wrap(self.lesson_name(), name_width) {
            lines.push(Line::styled(
                format!(" {text}"),
                Style::new().add_modifier(Modifier::BOLD),
            ));
        }
        lines
    }

    fn render_side(&self, area: Rect, buf: &mut Buffer) {
        let header = self.header_side(area.width);
        let rows = u16::try_from(header.len())
            .unwrap_or(u16::MAX)
            .min(area.height);
        let [top, body] =
            Layout::vertical([Constraint::Length(rows), Constraint::Min(0)]).areas(area);
        buf.set_style(top, self.bar());
        Paragraph::new(header).render(top, buf);
        let block = Block::new()
            .borders(Borders::LEFT)
            .title_bottom(Line::from(format!(" {}", self.hints())).style(theme::dim()))
            .padding(Padding::left(1));
        let inner = block.inner(body);
        block.render(body, buf);
        // The words keep a column free on the right; the code needs every column.
        let mut lines = self.words(inner.width.saturating_sub(1).max(1));
        let code = self.code(inner.width);
        if !code.is_empty() && lines.len() + code.len() < usize::from(inner.height) {
            lines.push(Line::raw(""));
            lines.extend(code);
        }
        // Where room is left, the lessons at the bottom, this one marked: a map of
        // the whole tour for a reader who is new to it.
        let map = self.lesson_map(inner.width);
        let free = usize::from(inner.height).saturating_sub(lines.len());
        if !map.is_empty() && map.len() < free {
            let rows = u16::try_from(map.len()).unwrap_or(u16::MAX);
            let at = Rect {
                y: inner.bottom() - rows,
                height: rows,
                ..inner
            };
            Paragraph::new(map).render(at, buf);
        }
        Paragraph::new(lines).render(inner, buf);
    }

    /// "lessons", then one line per lesson, this page's marked `▸` and bold, the
    /// others dim; a name too long for `width` is cut with `…`.
    fn lesson_map(&self, width: u16) -> Vec<Line<'static>> {
        if self.lessons.is_empty() {
            return Vec::new();
        }
        let title = match self.lang {
            Lang::En => "lessons",
            Lang::Zh => "课程",
        };
        let mut lines = vec![Line::styled(title, theme::dim())];
        let (current, _) = self.lesson;
        for (k, name) in self.lessons.iter().enumerate() {
            let here = k + 1 == current;
            let mark = if here { "▸" } else { " " };
            let text = text::cut(
                &format!("{mark}{:>3} {}", k + 1, self.lang.pick(name)),
                width.into(),
            );
            lines.push(if here {
                Line::styled(text, Style::new().add_modifier(Modifier::BOLD))
            } else {
                Line::styled(text, theme::dim())
            });
        }
        lines
    }

    /// Rows the panel needs below the stepper at `width` columns.
    pub fn rows_below(&self, width: u16) -> u16 {
        let lines = self.words(width).len() + self.code_lines(width).len();
        u16::try_from(lines + 1).unwrap_or(u16::MAX)
    }

    fn render_below(&self, area: Rect, buf: &mut Buffer) {
        let [top, rest] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(area);
        let bar = self.bar();
        buf.set_style(top, bar);
        let hints = self.hints();
        let hint_cols = hints.width() as u16;
        let [left, right] =
            Layout::horizontal([Constraint::Min(0), Constraint::Length(hint_cols + 1)]).areas(top);
        // Shortened at a word with `…`, never cut against the hints.
        let progress = text::shorten(&self.progress(), usize::from(left.width).saturating_sub(2));
        Line::from(format!(" {progress}"))
            .style(bar.add_modifier(Modifier::BOLD))
            .render(left, buf);
        Line::from(hints).style(bar).render(right, buf);
        let mut lines = self.words(rest.width);
        lines.extend(self.code_lines(rest.width));
        Paragraph::new(lines).render(rest, buf);
    }

    /// In the short panel, the statement executing and its loop values: on one line
    /// where they fit in `width`, else the values on a second line, never cut.
    fn code_lines(&self, width: u16) -> Vec<Line<'static>> {
        let Some(view) = self.page.code.filter(|_| !self.code_in_stepper) else {
            return Vec::new();
        };
        let Some(f) = self.focus.as_ref() else {
            return Vec::new();
        };
        // The listing's own names ([`code::listing`]), its executing lines shortened.
        let forms: &[&str] = match (view, f.phase) {
            (CodeView::Forward, Phase::Forward) => &[
                "out[n, f, i, j] = np.sum(window * w[f]) + b[f]",
                "out[n,f,i,j] = np.sum(window*w[f]) + b[f]",
            ],
            (CodeView::Backward, Phase::Backward) => &[
                "dx_pad[..] += w[f] * dout[..]; dw[f] += window * dout[..]; db[f] += dout[..]",
                "dx_pad[..] += w[f]*dout[..]; dw[f] += window*dout[..]; db[f] += dout[..]",
            ],
            _ => return Vec::new(),
        };
        let values = format!("  {}", f.describe());
        let width = usize::from(width);
        // The stepper's listing's style: one highlight for the executing line.
        let mark =
            |text: &str| Span::styled(format!("▶ {text}"), code::executing_style(self.color));
        if let Some(text) = forms
            .iter()
            .find(|t| 2 + t.width() + values.width() <= width)
        {
            return vec![Line::from(vec![mark(text), Span::raw(values)])];
        }
        let text = forms
            .iter()
            .find(|t| 2 + t.width() <= width)
            .unwrap_or(&forms[forms.len() - 1]);
        vec![Line::from(mark(text)), Line::raw(values)]
    }
}

impl Widget for NarrationPanel<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.is_empty() {
            return;
        }
        if self.side {
            self.render_side(area, buf);
        } else {
            self.render_below(area, buf);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::ui::text;

    #[test]
    fn fit_cuts_with_an_ellipsis_by_columns() {
        assert_eq!(text::cut("Stride", 10), "Stride");
        assert_eq!(text::cut("Translation equivariance", 10), "Translati…");
        // Chinese characters take two columns each.
        assert_eq!(text::cut("反向传播：dx", 7), "反向传…");
    }
}
