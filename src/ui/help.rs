//! The `?` overlay: drawn from the key table itself, so it cannot disagree with it.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::{Block, Clear, Widget};

use crate::app::App;
use crate::app::keys::TABLE;

use super::text::put;
use super::theme;

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let rows: Vec<(String, &str)> = TABLE
        .iter()
        .map(|b| {
            let keys: Vec<&str> = b.keys.iter().map(|k| k.name).collect();
            (keys.join(" "), b.help)
        })
        .collect();
    let key_w = rows
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(4);
    let help_w = rows
        .iter()
        .map(|(_, h)| h.chars().count())
        .max()
        .unwrap_or(10);
    let col_w = key_w + 2 + help_w;
    let inner_h = (area.height as usize).saturating_sub(4).max(1);
    let columns = rows.len().div_ceil(inner_h).max(1);
    let per_col = rows.len().div_ceil(columns);
    let w = (columns * (col_w + 3) + 1) as u16;
    let h = per_col as u16 + 4;
    let inner = popup(app, area, (w, h), " keys: ? or Esc closes ", buf);
    for (k, (keys, help)) in rows.iter().enumerate() {
        let col = k / per_col;
        let x = inner.x + (col * (col_w + 3)) as u16;
        let y = inner.y + (k % per_col) as u16;
        put(
            buf,
            inner,
            x,
            y,
            keys,
            app.color.fg(theme::CURRENT).patch(theme::bold()),
        );
        put(
            buf,
            inner,
            x + key_w as u16 + 2,
            y,
            help,
            ratatui::style::Style::new(),
        );
    }
    let mouse = "mouse: click an input cell to select it, an output cell to jump to its step";
    put(
        buf,
        inner,
        inner.x,
        inner.y + per_col as u16 + 1,
        mouse,
        theme::dim(),
    );
}

/// A bordered box of (w, h) centred in `area`, cleared with a column of margin on
/// each side so no character of the screen beneath sits against its border; returns
/// the space inside it.
pub fn popup(app: &App, area: Rect, (w, h): (u16, u16), title: &str, buf: &mut Buffer) -> Rect {
    let rect = Rect::new(
        area.x + area.width.saturating_sub(w) / 2,
        area.y + area.height.saturating_sub(h) / 2,
        w.min(area.width),
        h.min(area.height),
    );
    let margin = Rect::new(
        rect.x.saturating_sub(1),
        rect.y,
        rect.width.saturating_add(2),
        rect.height,
    )
    .intersection(area);
    Clear.render(margin, buf);
    Block::bordered()
        .title(title)
        .border_style(app.color.fg(theme::ACCENT))
        .render(rect, buf);
    Rect::new(
        rect.x + 2,
        rect.y + 1,
        rect.width.saturating_sub(3),
        rect.height.saturating_sub(2),
    )
}
