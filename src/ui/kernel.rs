//! Blocks of numbers (the window, the kernel w[f] channel by channel, products,
//! gradients) as they appear in the arithmetic, each number with three decimals and
//! coloured by sign.

use ndarray::ArrayView2;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

use super::text::{fixed, put};
use super::theme::{self, ColorMode, Rgb};
use crate::tr;

/// The widest number of `values` at three decimals.
pub fn number_width<'a>(values: impl IntoIterator<Item = &'a f64>) -> usize {
    number_width_at(values, 3)
}

/// The width of the widest of `values` with `decimals` decimals.
pub fn number_width_at<'a>(values: impl IntoIterator<Item = &'a f64>, decimals: usize) -> usize {
    values
        .into_iter()
        .map(|v| fixed(*v, decimals).len())
        .max()
        .unwrap_or(5)
}

/// One block: a matrix, its number width and how to colour each entry.
pub struct Block<'a> {
    pub values: ArrayView2<'a, f64>,
    pub width: usize,
    /// Decimals every number gets.
    pub decimals: usize,
    pub style: &'a dyn Fn(usize, usize, f64) -> Style,
    /// Entries marked `!` in place of their leading space (a student's wrong cells).
    pub marked: Option<&'a dyn Fn(usize, usize) -> bool>,
}

impl Block<'_> {
    /// Columns the block takes: each number with one leading space.
    pub fn cols(&self) -> usize {
        self.values.ncols() * (self.width + 1)
    }

    /// Draws row `m` at (x, y); returns the columns used.
    pub fn render_row(&self, m: usize, x: u16, y: u16, area: Rect, buf: &mut Buffer) -> u16 {
        let mut dx = 0;
        if m >= self.values.nrows() {
            return self.cols().min(u16::MAX as usize) as u16;
        }
        for k in 0..self.values.ncols() {
            let v = self.values[[m, k]];
            let mut text = format!(" {:>w$}", fixed(v, self.decimals), w = self.width);
            if self.marked.is_some_and(|marked| marked(m, k)) {
                text.replace_range(0..1, "!");
            }
            if x.saturating_add(dx) >= area.right() {
                break;
            }
            dx += put(buf, area, x + dx, y, &text, (self.style)(m, k, v));
        }
        self.cols().min(u16::MAX as usize) as u16
    }
}

/// Positive numbers warm, negative cool, zero grey: the sign is read at a glance.
pub fn sign_style(color: ColorMode, v: f64) -> Style {
    let rgb: Rgb = if v > 0.0 {
        (255, 140, 110)
    } else if v < 0.0 {
        (120, 170, 255)
    } else {
        (150, 150, 150)
    };
    color.fg(rgb)
}

/// A channel's window numbers in its own colour; padding grey and dim.
pub fn channel_style(color: ColorMode, hue: Rgb, is_pad: bool) -> Style {
    if is_pad {
        color.fg(theme::PAD).patch(theme::dim())
    } else {
        color.fg(theme::channel_scale(hue, 0.85))
    }
}

/// The kernel panel: w[f] channel by channel, each tap on the diverging scale, and b[f].
pub fn render_panel(app: &crate::app::App, area: Rect, buf: &mut Buffer) {
    let g = app.layer().geom;
    let f = app.pos().f;
    let w = &app.layer().w;
    let label = super::input_grid::kernel_name(app, f);
    let shape = format!("{}x{}x{}", g.c, g.hh, g.ww);
    let kernel = tr!(app.lang, "title.kernel", f = f, name = label, shape = shape);
    let bias = tr!(
        app.lang,
        "title.bias",
        f = f,
        v = fixed(app.layer().b[f], 3)
    );
    let title = format!("{kernel}   {bias}");
    let stacked = stacked(app, area);
    if super::text::width(&title) <= area.width as usize {
        put(buf, area, area.x, area.y, &title, theme::bold());
    } else {
        // Too narrow for one line: the bias goes under the kernel's last row.
        super::text::put_title(buf, area, area.x, area.y, &kernel, theme::bold());
        let below = if stacked { g.c * (g.hh + 1) } else { g.hh + 1 };
        let y = area.y as usize + 1 + below;
        if y < area.bottom() as usize {
            super::text::put_title(buf, area, area.x, y as u16, &bias, theme::bold());
        }
    }
    let max = w
        .index_axis(ndarray::Axis(0), f)
        .iter()
        .fold(0.0f64, |m, v| m.max(v.abs()))
        .max(1e-12);
    let nw = kernel_number_width(app);
    for ch in 0..g.c {
        // Whole channels only; usize arithmetic, so no size overflows.
        let (x0, y0) = channel_origin(app, area, stacked, ch);
        if x0 + g.ww * (nw + 1) > area.right() as usize || y0 >= area.bottom() as usize {
            break;
        }
        let (x0, y0) = (x0 as u16, y0 as u16);
        let name = super::input_grid::channel_name(app, ch);
        put(
            buf,
            area,
            x0,
            y0,
            &name,
            app.color.fg(super::input_grid::hue(app, ch)),
        );
        for m in 0..g.hh.min(area.bottom().saturating_sub(y0 + 1) as usize) {
            for k in 0..g.ww {
                let v = w[[f, ch, m, k]];
                let text = format!(" {:>nw$}", fixed(v, 3));
                let mut style = app.color.on(theme::diverging(v / max));
                let mut text = text;
                if app.tap == Some((ch, m, k)) {
                    // The entry the gradient check takes: starred and reversed.
                    text.replace_range(0..1, "*");
                    style = style.add_modifier(ratatui::style::Modifier::REVERSED);
                }
                let x = x0.saturating_add((k * (nw + 1)).min(u16::MAX as usize) as u16);
                put(buf, area, x, y0 + 1 + m as u16, &text, style);
            }
        }
    }
}

/// Whether the channels go one under another: `area` is too narrow for them side by side.
fn stacked(app: &crate::app::App, area: Rect) -> bool {
    (area.width as usize) < panel_width(app)
}

/// Where channel `ch`'s name goes (its rows follow below it).
fn channel_origin(app: &crate::app::App, area: Rect, stacked: bool, ch: usize) -> (usize, usize) {
    let g = app.layer().geom;
    let block_w = g.ww * (kernel_number_width(app) + 1) + 2;
    if stacked {
        (area.x as usize, area.y as usize + 1 + ch * (g.hh + 1))
    } else {
        (area.x as usize + ch * block_w, area.y as usize + 1)
    }
}

/// The width of w[f]'s widest number (at least 5).
fn kernel_number_width(app: &crate::app::App) -> usize {
    let f = app.pos().f;
    number_width(app.layer().w.index_axis(ndarray::Axis(0), f).iter()).max(5)
}

/// Columns the kernel panel takes to show every channel of w[f] whole.
pub fn panel_width(app: &crate::app::App) -> usize {
    let g = app.layer().geom;
    let block_w = g.ww.saturating_mul(kernel_number_width(app) + 1) + 2;
    g.c.saturating_mul(block_w).saturating_sub(2)
}

/// Lines the kernel panel takes (one more than its rows keeps room for the bias
/// when the title is too long to hold it).
pub fn panel_height(app: &crate::app::App) -> u16 {
    (app.layer().geom.hh + 3).min(u16::MAX as usize) as u16
}

/// (columns, lines) of the panel with its channels one under another, for when they
/// do not fit side by side.
pub fn stacked_size(app: &crate::app::App) -> (usize, u16) {
    let g = app.layer().geom;
    let w = g.ww.saturating_mul(kernel_number_width(app) + 1);
    let h = g.c.saturating_mul(g.hh + 1).saturating_add(2);
    (w, h.min(u16::MAX as usize) as u16)
}

/// The entry (c, m, k) of w[f] under terminal cell (x, y) of the kernel panel.
pub fn tap_at(app: &crate::app::App, area: Rect, x: u16, y: u16) -> Option<(usize, usize, usize)> {
    let g = app.layer().geom;
    let nw = kernel_number_width(app);
    if x < area.x || y <= area.y || y >= area.bottom() {
        return None;
    }
    let (dx, dy) = ((x - area.x) as usize, (y - area.y - 1) as usize);
    let (c, m, k) = if stacked(app, area) {
        let (c, within) = (dy / (g.hh + 1), dy % (g.hh + 1));
        (c, within.checked_sub(1)?, dx / (nw + 1))
    } else {
        let block_w = g.ww * (nw + 1) + 2;
        let (c, within) = (dx / block_w, dx % block_w);
        (c, dy.checked_sub(1)?, within / (nw + 1))
    };
    (c < g.c && m < g.hh && k < g.ww).then_some((c, m, k))
}
