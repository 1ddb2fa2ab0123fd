//! The `?` overlay: drawn from the key table itself, so it cannot disagree with it. It
//! takes the room it has: as many columns as fit, and, where even they cannot hold
//! every key (60x16), pages turned with the page key of the table (`m`).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::widgets::{Block, Clear, Widget};

use crate::app::keys::TABLE;
use crate::app::{Action, App};
use crate::i18n::Lang;
use crate::tr;

use super::text::{pieces, put, put_title, width};
use super::theme;

/// The line under the keys: what the mouse does.
pub fn mouse(lang: Lang) -> &'static str {
    tr!(lang, "help.mouse")
}

/// Columns between two columns of keys.
const GAP: usize = 3;
/// At most this many columns, so that a wide screen keeps a compact box.
const MOST_COLUMNS: usize = 3;

/// One line of the help: a key row of the table.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Line {
    Key(String, &'static str),
}

/// Where everything of the help goes in an area.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelpLayout {
    /// The bordered box.
    pub rect: Rect,
    /// What the overlay covers and clears: the box's rows, the area's full width, so
    /// that no piece of a panel's word is left beside the box.
    pub cover: Rect,
    pub pages: usize,
    /// The page shown (0-based), `App::help_page` wrapped to the pages there are.
    pub page: usize,
    columns: usize,
    rows: usize,
    col_w: usize,
    /// Every page's lines, column after column.
    lines: Vec<Vec<Line>>,
    /// The mouse line's pieces, under the last page's keys.
    footer: Vec<String>,
    lang: Lang,
}

/// Whether a row of the key table shows in the help: the keys of a student's arrays
/// (`compare --show`, keys `cmp.*`) only while they are shown, so that the help of
/// every other screen stays as it was; the stack's keys (`.`, `,`, `o`) only for a
/// stack of more than one layer, where they do something.
pub fn shown(binding: &crate::app::keys::Binding, comparing: bool) -> bool {
    comparing || !binding.help.starts_with("cmp.")
}

fn key_rows(lang: Lang, comparing: bool, stack: bool) -> Vec<(String, &'static str)> {
    let stack_only = [Action::NextLayer, Action::PrevLayer, Action::ReceptiveField];
    TABLE
        .iter()
        .filter(|b| shown(b, comparing) && (stack || !stack_only.contains(&b.action)))
        .map(|b| {
            let keys: Vec<&str> = b.keys.iter().map(|k| k.name).collect();
            (keys.join(" "), lang.t(b.help))
        })
        .collect()
}

/// The name of the key that turns the help's pages, from the table.
pub fn page_key() -> &'static str {
    TABLE
        .iter()
        .find(|b| b.action == Action::HelpPage)
        .and_then(|b| b.keys.first())
        .map_or("?", |k| k.name)
}

/// `text` in lines of at most `w` columns, broken between words (a word longer than a
/// line, as a sentence of Chinese is, is cut into pieces, never inside a character).
pub fn wrap(text: &str, w: usize) -> Vec<String> {
    let w = w.max(1);
    let mut out: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let mut word = word.to_string();
        if width(&word) > w {
            // Its pieces; Chinese, which breaks anywhere, goes on after what the line
            // holds (a long Latin word starts a line of its own).
            let room = w.saturating_sub(width(&line) + 1);
            let wide = word
                .chars()
                .next()
                .is_some_and(|c| width(c.encode_utf8(&mut [0; 4])) > 1);
            let mut pieces = if wide && !line.is_empty() && room > 1 {
                let first = pieces(&word, room).remove(0);
                let rest = word[first.len()..].to_string();
                line = format!("{line} {first}");
                pieces(&rest, w)
            } else {
                pieces(&word, w)
            };
            if !line.is_empty() {
                out.push(std::mem::take(&mut line));
            }
            word = pieces.pop().unwrap_or_default();
            out.extend(pieces);
        }
        if line.is_empty() {
            line = word;
        } else if width(&line) + 1 + width(&word) <= w {
            line = format!("{line} {word}");
        } else {
            out.push(std::mem::replace(&mut line, word));
        }
    }
    if !line.is_empty() {
        out.push(line);
    }
    out
}

/// The help's layout in `area` (the screen under the status line) at page `page`.
pub fn layout(area: Rect, page: usize, lang: Lang) -> HelpLayout {
    layout_for(area, page, lang, false)
}

/// [`layout`], with the compare keys when `comparing` (a single layer's help: the
/// stack's keys are left out, as [`render`] leaves them out for a stack of one).
pub fn layout_for(area: Rect, page: usize, lang: Lang, comparing: bool) -> HelpLayout {
    layout_with(area, page, lang, comparing, false)
}

/// [`layout_for`], with the stack's keys when `stack` (a stack of more than one layer).
fn layout_with(area: Rect, page: usize, lang: Lang, comparing: bool, stack: bool) -> HelpLayout {
    let keys = key_rows(lang, comparing, stack);
    let key_w = keys.iter().map(|(k, _)| width(k)).max().unwrap_or(4);
    let help_w = keys.iter().map(|(_, h)| width(h)).max().unwrap_or(10);
    let col_w = key_w + 2 + help_w;
    // The box's border and one space each side.
    let room_w = usize::from(area.width).saturating_sub(4).max(1);
    let room_h = usize::from(area.height).saturating_sub(2).max(1);
    let columns = ((room_w + GAP) / (col_w + GAP)).clamp(1, MOST_COLUMNS);
    let inner_w = (columns * col_w + (columns - 1) * GAP).min(room_w);
    let key_lines: Vec<Line> = keys.into_iter().map(|(k, h)| Line::Key(k, h)).collect();
    // One page: the keys in balanced columns, the mouse line across under them, and
    // no key for a next page that is not there.
    let page_help = lang.t("key.help_page");
    let one_page: Vec<Line> = key_lines
        .iter()
        .filter(|Line::Key(_, h)| *h != page_help)
        .cloned()
        .collect();
    let per_col = one_page.len().div_ceil(columns);
    let footer = wrap(mouse(lang), inner_w);
    if per_col + 1 + footer.len() <= room_h {
        let key_lines = one_page;
        let w = inner_w.max(footer.iter().map(|l| width(l)).max().unwrap_or(0));
        let h = per_col + 1 + footer.len();
        let rect = boxed(area, w, h);
        return HelpLayout {
            rect,
            cover: cover(area, rect),
            pages: 1,
            page: 0,
            columns,
            rows: per_col,
            col_w,
            lines: vec![key_lines],
            footer,
            lang,
        };
    }
    // Pages of as many columns as fit, each as tall as the room; the mouse line
    // across under the last page's keys, or on a page of its own.
    let per_page = columns * room_h;
    let mut lines: Vec<Vec<Line>> = key_lines.chunks(per_page).map(<[Line]>::to_vec).collect();
    let last_rows = lines.last().map_or(0, |p| p.len().div_ceil(columns));
    if last_rows + 1 + footer.len() > room_h {
        lines.push(Vec::new());
    }
    let pages = lines.len();
    let page = page % pages;
    let footer_page = pages - 1;
    let rows = lines
        .iter()
        .enumerate()
        .map(|(k, p)| {
            let keys = p.len().div_ceil(columns);
            match (k == footer_page, keys) {
                (false, _) => keys,
                (true, 0) => footer.len(),
                (true, _) => keys + 1 + footer.len(),
            }
        })
        .max()
        .unwrap_or(1)
        .min(room_h);
    // Wide enough for the title that names the page key.
    let title_w = width(&paged_title(page, pages, lang)).saturating_sub(2);
    let rect = boxed(area, inner_w.max(title_w).min(room_w), rows);
    HelpLayout {
        rect,
        cover: cover(area, rect),
        pages,
        page,
        columns,
        rows,
        col_w,
        lines,
        footer,
        lang,
    }
}

/// A bordered box holding `w` x `h` inside (one space each side), centred in `area`.
fn boxed(area: Rect, w: usize, h: usize) -> Rect {
    let w = (w + 4).min(usize::from(area.width)) as u16;
    let h = (h + 2).min(usize::from(area.height)) as u16;
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

/// The rows of `rect` across the whole of `area`.
pub fn cover(area: Rect, rect: Rect) -> Rect {
    Rect::new(area.x, rect.y, area.width, rect.height).intersection(area)
}

/// The help's title: how to close it and, with pages, which page and the page key.
fn title(l: &HelpLayout) -> String {
    if l.pages > 1 {
        paged_title(l.page, l.pages, l.lang)
    } else {
        tr!(l.lang, "help.title").to_string()
    }
}

fn paged_title(page: usize, pages: usize, lang: Lang) -> String {
    tr!(
        lang,
        "help.title_paged",
        page = page + 1,
        pages = pages,
        key = page_key()
    )
}

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let stack = app.layer_count() > 1;
    let comparing = app.compare.is_some();
    let l = layout_with(area, app.help_page, app.lang, comparing, stack);
    let inner = frame(app, area, l.rect, &title(&l), buf);
    let key_style = app.color.fg(theme::CURRENT).patch(theme::bold());
    let key_w = key_rows(app.lang, comparing, stack)
        .iter()
        .map(|(k, _)| width(k))
        .max()
        .unwrap_or(4);
    let Some(lines) = l.lines.get(l.page) else {
        return;
    };
    let per_col = lines.len().div_ceil(l.columns).max(1);
    for (k, line) in lines.iter().enumerate() {
        let col = k / per_col;
        let x = inner.x + (col * (l.col_w + GAP)) as u16;
        let y = inner.y + (k % per_col) as u16;
        let Line::Key(keys, help) = line;
        put(buf, inner, x, y, keys, key_style);
        put(buf, inner, x + key_w as u16 + 2, y, help, Style::new());
    }
    if l.page + 1 == l.pages {
        let top = if lines.is_empty() { 0 } else { per_col + 1 };
        for (k, text) in l.footer.iter().enumerate() {
            let y = inner.y + (top + k) as u16;
            put(buf, inner, inner.x, y, text, theme::dim());
        }
    }
}

/// Clears `cover(area, rect)` and draws the bordered box `rect` with `title`; returns
/// the space inside it (one column of margin each side).
pub fn frame(app: &App, area: Rect, rect: Rect, title: &str, buf: &mut Buffer) -> Rect {
    Clear.render(cover(area, rect), buf);
    let block = Block::bordered().border_style(app.color.fg(theme::ACCENT));
    block.render(rect, buf);
    // The title, shortened rather than cut, over the top border.
    let top = Rect::new(rect.x + 1, rect.y, rect.width.saturating_sub(2), 1);
    put_title(buf, top, top.x, top.y, title, Style::new());
    Rect::new(
        rect.x + 2,
        rect.y + 1,
        rect.width.saturating_sub(4),
        rect.height.saturating_sub(2),
    )
}

/// A box of (w, h), at most `area`, centred in it.
pub fn centred(area: Rect, (w, h): (u16, u16)) -> Rect {
    let (w, h) = (w.min(area.width), h.min(area.height));
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_breaks_between_words_and_cuts_only_longer_words() {
        assert_eq!(wrap("ab cd ef", 5), ["ab cd", "ef"]);
        assert_eq!(wrap("abcdefg h", 3), ["abc", "def", "g h"]);
        assert_eq!(wrap("", 3), Vec::<String>::new());
        for (lang, w) in [Lang::En, Lang::Zh]
            .into_iter()
            .flat_map(|l| (1..40).map(move |w| (l, w)))
        {
            let text = mouse(lang);
            assert!(
                wrap(text, w).iter().all(|l| width(l) <= w.max(2)),
                "{lang:?} {w}"
            );
            assert_eq!(
                wrap(text, w).concat().replace(' ', ""),
                text.replace(' ', "")
            );
        }
        assert_eq!(wrap("ab 卷积核步长", 6), ["ab 卷", "积核步", "长"]);
    }

    #[test]
    fn every_key_row_is_on_some_page_once() {
        for (w, h) in [
            (60, 15),
            (80, 22),
            (120, 38),
            (200, 58),
            (61, 30),
            (100, 14),
        ] {
            let area = Rect::new(0, 1, w, h);
            let l = layout(area, 0, Lang::Zh);
            let keys: usize = l.lines.iter().map(Vec::len).sum();
            // One page leaves out the key for a next page.
            // A single layer's help: every key but the stack's.
            let rows = key_rows(Lang::Zh, false, false).len() - usize::from(l.pages == 1);
            assert_eq!(keys, rows, "{w}x{h}");
            let with = layout_for(area, 0, Lang::Zh, true);
            let all: usize = with.lines.iter().map(Vec::len).sum();
            let stack_only = TABLE.len() - key_rows(Lang::Zh, true, false).len();
            assert_eq!(stack_only, 3, "., , and o are the stack's");
            assert_eq!(
                all,
                TABLE.len() - stack_only - usize::from(with.pages == 1),
                "{w}x{h}"
            );
            assert!(l.rect.intersection(area) == l.rect, "{w}x{h}");
            assert_eq!(l.pages, l.lines.len());
            for p in &l.lines {
                assert!(p.len() <= l.columns * l.rows, "{w}x{h}");
            }
        }
    }
}
