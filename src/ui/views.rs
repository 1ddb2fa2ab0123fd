//! The other views of the current layer (`App::view`): which file draws the body, and
//! the few pieces they share: a row of grid groups joined by the operators of a
//! formula, and sums written out term by term where they fit.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::grid::{CellMode, Grid, GridCell, Kind, Mark};
use super::layout::place::{self, Placement};
use super::layout::sub;
use super::text::{self, put};
use super::{dw_view, im2col, theme, transposed};
use crate::app::{Action, App, View};

/// Draws the body of the current view.
pub fn render(app: &App, body: Rect, buf: &mut Buffer) {
    match app.view {
        View::Steps => {}
        View::Im2col => im2col::render(app, body, buf),
        View::Transposed => transposed::render(app, body, buf),
        View::Dw => dw_view::render(app, body, buf),
    }
}

/// What a click at (x, y) asks for in the current view.
pub fn hit_test(app: &App, body: Rect, x: u16, y: u16) -> Option<Action> {
    match app.view {
        View::Dw => dw_view::hit_test(app, body, x, y),
        _ => None,
    }
}

/// A group of same-sized grids, the characters their numbers need (None: too many
/// cells to number), and the operator written after it.
pub struct Group<'a> {
    pub grids: Vec<Grid<'a>>,
    pub chars: Option<u16>,
    pub then: &'static str,
    /// How much more width than its size says it gets (1: none): the array the
    /// view is about is drawn largest.
    pub weight: usize,
}

/// The characters the numbers of a rows x cols grid need, when it is small enough to
/// be numbered.
pub fn chars_of(rows: usize, cols: usize, values: impl Iterator<Item = f64>) -> Option<u16> {
    (rows * cols <= 200).then(|| super::grid::chars_needed(values))
}

/// Places `groups` left to right in `area`, each given a share of the width left in
/// proportion to its size, the operators between them; returns the placements.
pub fn place_row(app: &App, area: Rect, groups: &[Group]) -> Vec<Placement> {
    let natural = |g: &Group| {
        let cols = g.grids.first().map_or(1, |g| g.cols);
        (g.grids.len() * (cols * 2 + 1)).max(4) * g.weight.max(1)
    };
    let ops: usize = groups.iter().map(|g| text::width(g.then) + 2).sum();
    let mut left = (area.width as usize).saturating_sub(ops);
    let mut total: usize = groups.iter().map(natural).sum();
    let mut x = area.x;
    let mut out = Vec::new();
    for (k, g) in groups.iter().enumerate() {
        let n = natural(g);
        // Its part of the width, but never less than half an equal share (a small
        // array beside a photograph's cols still shows).
        let floor = n.min(left / (2 * (groups.len() - k)));
        let share = (left * n / total.max(1)).max(floor).max(2).min(left.max(2)) as u16;
        let rect = Rect::new(x, area.y, share, area.height).intersection(area);
        let (rows, cols) = g.grids.first().map_or((1, 1), |g| (g.rows, g.cols));
        let mut p = place::place(g.grids.len(), rows, cols, g.chars, rect, app.color);
        if p.scaled(rows, cols) && g.grids.len() == 1 {
            // A matrix too large to show whole (a photograph's cols) is not shrunk
            // to a strip: the part around the current cell shows, and the title says
            // which rows and columns.
            let mode = if app.color.has_color() {
                CellMode::Half
            } else {
                CellMode::Blocks
            };
            let (w, h) = mode.size(rows, cols);
            let used = Rect::new(
                rect.x,
                rect.y,
                (w as u16).min(rect.width),
                (h as u16 + 1).min(rect.height),
            );
            p = Placement {
                mode,
                rects: vec![used],
                used,
                shown: (rows, cols),
            };
        }
        x = p.used.right().min(area.right());
        left = left.saturating_sub(p.used.width as usize);
        total = total.saturating_sub(n);
        x = x
            .saturating_add(text::width(g.then) as u16 + 2)
            .min(area.right());
        out.push(p);
    }
    out
}

/// Draws `groups` where [`place_row`] put them, with their operators.
pub fn render_row(app: &App, area: Rect, groups: Vec<Group>, buf: &mut Buffer) -> Rect {
    let placements = place_row(app, area, &groups);
    let mut used = Rect::new(area.x, area.y, 0, 0);
    for (g, p) in groups.into_iter().zip(&placements) {
        let then = g.then;
        for (grid, rect) in g.grids.into_iter().zip(&p.rects) {
            grid.scaled(p.shown).render(*rect, p.mode, app.color, buf);
        }
        if !then.is_empty() {
            let mid = p.used.y + 1 + p.used.height.saturating_sub(1) / 2;
            put(buf, area, p.used.right() + 1, mid, then, theme::bold());
        }
        used = used.union(p.used);
    }
    used
}

/// A value on the diverging scale of `scale` (its largest |value|).
pub fn signed_cell(v: f64, scale: f64, mark: Mark) -> GridCell {
    let t = if scale > 0.0 { v / scale } else { 0.0 };
    GridCell {
        kind: Kind::Value,
        value: v,
        rgb: theme::diverging(t),
        shade: t.abs(),
        mark,
    }
}

/// Lines of at most `width` columns: `head`, then `terms` joined by ` + `, broken
/// between terms; at most `max` lines, the last ending in `… = tail` when cut.
pub fn sum_lines(
    head: &str,
    terms: &[String],
    tail: &str,
    width: usize,
    max: usize,
) -> Vec<String> {
    let mut lines = vec![head.to_string()];
    for (k, t) in terms.iter().enumerate() {
        let piece = if k == 0 {
            format!(" {t}")
        } else {
            format!(" + {t}")
        };
        let last = lines.last_mut().expect("one line");
        if text::width(last) + text::width(&piece) <= width {
            last.push_str(&piece);
        } else {
            lines.push(format!("  {}", piece.trim_start()));
        }
    }
    let end = format!(" = {tail}");
    let last = lines.last_mut().expect("one line");
    if text::width(last) + text::width(&end) <= width {
        last.push_str(&end);
    } else {
        lines.push(format!("  {}", end.trim_start()));
    }
    if lines.len() > max.max(1) {
        lines.truncate(max.max(1));
        let last = lines.last_mut().expect("one line");
        let cut = text::cut(last, width.saturating_sub(text::width(&end) + 2));
        *last = format!("{cut} …{end}");
    }
    lines
}

/// A sum gathered term by term, checked against the same number computed another
/// way (the backward pass's): `head`, the terms `+`-joined `= sum` ([`sum_lines`]),
/// then the verdict, the `same` template where they agree to 1e-9 (relative), else
/// `differs`; each gets `{v}`, the other way's number.
pub struct CheckedSum<'a> {
    pub head: String,
    pub terms: &'a [String],
    pub sum: f64,
    pub want: f64,
    pub same: &'static str,
    pub differs: &'static str,
}

impl CheckedSum<'_> {
    /// At most `max` lines of at most `width` columns, the verdict last.
    pub fn lines(self, lang: crate::i18n::Lang, width: usize, max: usize) -> Vec<String> {
        let agree = (self.sum - self.want).abs() <= 1e-9 * self.want.abs().max(1.0);
        let key = if agree { self.same } else { self.differs };
        let want = text::fixed(self.want, 3);
        let mut lines = vec![self.head];
        lines.extend(sum_lines(
            "  =",
            self.terms,
            &text::fixed(self.sum, 3),
            width,
            max.saturating_sub(2),
        ));
        lines.push(lang.fmt(key, &[("v", &want)]));
        lines
    }
}

/// A number as the sums write it: whole numbers without decimals, else two.
pub fn num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e6 {
        text::fixed(v, 0)
    } else {
        text::fixed(v, 2)
    }
}

/// Writes `lines` from the top of `area`, one a line, clipped; returns the lines used.
pub fn put_lines(
    area: Rect,
    lines: &[String],
    style: ratatui::style::Style,
    buf: &mut Buffer,
) -> u16 {
    let mut y = area.y;
    for line in lines {
        if y >= area.bottom() {
            break;
        }
        put(
            buf,
            area,
            area.x,
            y,
            &text::cut(line, area.width as usize),
            style,
        );
        y += 1;
    }
    y - area.y
}

/// The body split into a headline (`head` lines), the grids, and the arithmetic
/// (`foot` lines, fewer when the body is short).
pub fn split(body: Rect, head: u16, foot: u16) -> (Rect, Rect, Rect) {
    let head = head.min(body.height);
    let foot = foot.min(body.height.saturating_sub(head) / 2);
    let mid_h = body.height.saturating_sub(head + foot);
    (
        sub(body, 0, 0, body.width, head),
        sub(body, 0, head, body.width, mid_h),
        sub(body, 0, head + mid_h, body.width, foot),
    )
}
