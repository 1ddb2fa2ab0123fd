//! The arithmetic of the step, with real numbers. Forward: the window, the kernel w[f],
//! their products and each channel's partial sum, + b[f] = out. Backward: what dout
//! sends to dx_pad (dout * w[f]) and to dw[f] (dout * window), dw[f] so far, db[f].

use ndarray::Axis;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

use crate::app::{App, Phase};

use super::input_grid::{channel_name, kernel_name};
use super::kernel::{Block, channel_style, number_width, number_width_at, sign_style};
use super::text::{fixed, put};
use super::theme;
use crate::tr;

type StyleFn<'a> = dyn Fn(usize, usize, f64) -> Style + 'a;

/// The channel names' column: as wide as the widest name ("gray" must not read "gr"),
/// at least two.
fn label_w(app: &App) -> usize {
    (0..app.layer().geom.c)
        .map(|ch| super::text::width(&channel_name(app, ch)))
        .max()
        .unwrap_or(0)
        .max(2)
}
const SEP_W: usize = 3;

fn slice_text(rows: &[usize], dilation: usize) -> String {
    let first = rows.first().copied().unwrap_or(0);
    let last = rows.last().copied().unwrap_or(0);
    if dilation > 1 {
        format!("{first}:{}:{dilation}", last + 1)
    } else {
        format!("{first}:{}", last + 1)
    }
}

fn window_text(app: &App) -> String {
    let w = &app.fwd.window;
    let d = app.layer().geom.dilation;
    format!(
        "x_pad[{},:,{},{}]",
        app.pos().n,
        slice_text(&w.rows, d),
        slice_text(&w.cols, d)
    )
}

/// Every number the blocks show.
fn block_values(app: &App) -> Vec<f64> {
    let s = &app.fwd;
    let mut v: Vec<f64> = s
        .x_window
        .iter()
        .chain(&s.kernel)
        .chain(&s.products)
        .copied()
        .collect();
    if let Some((b, after)) = &app.bwd {
        let f = app.pos().f;
        let dw = after.grads.dw.index_axis(Axis(0), f);
        v.extend(b.dx_pad_add.iter().chain(&b.dw_add).chain(dw.iter()));
    }
    v
}

/// The decimals the blocks print: none when every number is whole (the figures of
/// integers print as integers), else three.
fn full_decimals(app: &App) -> usize {
    let whole = block_values(app)
        .iter()
        .all(|v| v.fract() == 0.0 && v.abs() < 1e9);
    if whole { 0 } else { 3 }
}

/// The width of one number column in the blocks with `decimals` decimals.
fn num_w_at(app: &App, decimals: usize) -> usize {
    let min = if decimals == 0 { 2 } else { decimals + 2 };
    number_width_at(block_values(app).iter(), decimals).max(min)
}

/// The width of one number column at full precision.
fn num_w(app: &App) -> usize {
    num_w_at(app, full_decimals(app))
}

/// The decimals and number width that let all three blocks fit `width` columns:
/// full precision when it fits, else fewer decimals (down to one), so a 7x7 kernel
/// keeps its window, kernel and products at 120 columns.
fn fitting(app: &App, width: usize) -> (usize, usize) {
    let full = full_decimals(app);
    let g = app.layer().geom;
    let trailer = match app.phase {
        Phase::Forward => 3 + number_width(app.fwd.partial.iter()),
        Phase::Backward => 0,
    };
    for d in (1.min(full)..=full).rev() {
        let w = num_w_at(app, d);
        let block = g.ww * (w + 1);
        if label_w(app) + 3 * block + 2 * SEP_W + trailer <= width {
            return (d, w);
        }
    }
    let d = 1.min(full);
    (d, num_w_at(app, d))
}

/// Backward's closing line: where this step adds, and the crop that gives dx.
fn crop_text(app: &App) -> String {
    let g = app.layer().geom;
    let p = app.pos();
    let win = window_text(app);
    format!(
        "dx_pad[{},:,{}] += dout·w[{}]   dx = dx_pad[:,:,{}:{},{}:{}]",
        p.n,
        win.trim_start_matches(&format!("x_pad[{},:,", p.n))
            .trim_end_matches(']'),
        p.f,
        g.pad,
        g.pad + g.h,
        g.pad,
        g.pad + g.w
    )
}

/// The (width, height) the panel wants.
pub fn size(app: &App) -> (usize, usize) {
    let g = app.layer().geom;
    let block = g.ww * (num_w(app) + 1);
    let mut width = label_w(app) + 3 * block + 2 * SEP_W + 3 + 10;
    if app.phase == Phase::Backward {
        width = width.max(super::text::width(&crop_text(app)));
    }
    let height = 2
        + g.c * g.hh
        + 1
        + usize::from(app.phase == Phase::Backward)
        + usize::from(app.compare.is_some());
    (width.max(60), height)
}

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    match app.phase {
        Phase::Forward => forward(app, area, buf),
        Phase::Backward => backward(app, area, buf),
    }
}

/// How many channels show whole when `rows` rows are free for them: all when they fit,
/// else as many as leave one row for each of the others (a summary line), else all
/// (and the bottom is clipped).
fn whole_channels(app: &App, rows: usize) -> usize {
    let g = app.layer().geom;
    if g.c.saturating_mul(g.hh) <= rows {
        return g.c;
    }
    (0..g.c)
        .rev()
        .find(|&k| k * g.hh + (g.c - k) <= rows)
        .unwrap_or(g.c)
}

/// Draws per channel HH rows of up to three blocks with separators, and a trailer
/// (the channel's partial sum) on the middle row. When the rows left above the `after`
/// closing lines cannot hold every channel, the last channels take one line each
/// (their name and trailer), so that the closing lines (the sum) still show.
#[allow(clippy::too_many_arguments)]
fn channel_rows<'b>(
    app: &App,
    area: Rect,
    y0: u16,
    after: u16,
    blocks: &dyn Fn(usize) -> Vec<Block<'b>>,
    seps: [&str; 2],
    trailer: &dyn Fn(usize) -> Option<(String, Style)>,
    buf: &mut Buffer,
) -> u16 {
    let g = app.layer().geom;
    let rows = area.bottom().saturating_sub(y0).saturating_sub(after);
    let whole = whole_channels(app, rows as usize);
    let mut y = y0;
    for ch in 0..g.c {
        let hue = super::input_grid::hue(app, ch);
        if ch >= whole {
            let name = channel_name(app, ch);
            let style = app.color.fg(hue).patch(theme::bold());
            let x = area.x + put(buf, area, area.x, y, &name, style);
            let x = (area.x + label_w(app) as u16).max(x + 1);
            let hidden = tr!(app.lang, "eq.hidden", rows = g.hh);
            let x = x + put(buf, area, x, y, &hidden, theme::dim());
            if let Some((text, style)) = trailer(ch) {
                put(buf, area, x, y, &text, style);
            }
            y += 1;
            continue;
        }
        let list = blocks(ch);
        let mid = g.hh / 2;
        for m in 0..g.hh {
            if y >= area.bottom() {
                return y;
            }
            let mut x = area.x;
            if m == 0 {
                put(
                    buf,
                    area,
                    x,
                    y,
                    &channel_name(app, ch),
                    app.color.fg(hue).patch(theme::bold()),
                );
            }
            x += label_w(app) as u16;
            let shown = blocks_shown(app, area);
            for (b, block) in list.iter().take(shown).enumerate() {
                x = x.saturating_add(block.render_row(m, x, y, area, buf));
                if b + 1 < shown {
                    let sep = if m == mid { seps[b.min(1)] } else { "   " };
                    x = x.saturating_add(put(buf, area, x, y, sep, theme::bold()));
                }
            }
            if m == mid
                && let Some((text, style)) = trailer(ch)
            {
                put(buf, area, x, y, &text, style);
            }
            y += 1;
        }
    }
    y
}

/// How many of the three blocks fit beside the label and the partial sum (at least
/// one; a narrow panel drops the last blocks, never a number in the middle of one).
fn blocks_shown(app: &App, area: Rect) -> usize {
    let block = app.layer().geom.ww * (fitting(app, area.width as usize).1 + 1);
    // Forward ends each channel's middle row with " → partial".
    let trailer = match app.phase {
        Phase::Forward => 3 + number_width(app.fwd.partial.iter()),
        Phase::Backward => 0,
    };
    (1..=3)
        .rev()
        .find(|&n| label_w(app) + n * block + (n - 1) * SEP_W + trailer <= area.width as usize)
        .unwrap_or(1)
}

/// The blocks' titles on the line under the panel's first, unless that line would
/// cost a channel its rows (see [`whole_channels`]; `after` lines close the panel);
/// returns the line the channels start on.
fn header(app: &App, area: Rect, after: u16, titles: [&str; 3], buf: &mut Buffer) -> u16 {
    let free = area.height.saturating_sub(after) as usize;
    let with = whole_channels(app, free.saturating_sub(2));
    let without = whole_channels(app, free.saturating_sub(1));
    let y = area.y + 1;
    if with < without {
        return y;
    }
    let g = app.layer().geom;
    let block = g.ww * (fitting(app, area.width as usize).1 + 1);
    let mut x = area.x + label_w(app) as u16;
    let shown = blocks_shown(app, area);
    let dropped: Vec<&str> = titles[shown..].to_vec();
    for title in titles.into_iter().take(shown) {
        // Too long for its block: the arrow loses its spaces before any letter goes.
        let title = if super::text::width(title) > block {
            title.replace(" → ", "→")
        } else {
            title.to_string()
        };
        let t = super::text::shorten(&title, block);
        put(buf, area, x + 1, y, &t, theme::dim().patch(theme::bold()));
        x = x.saturating_add((block + SEP_W).min(u16::MAX as usize) as u16);
    }
    if !dropped.is_empty() {
        // Never dropped silently: say what does not fit.
        let note = tr!(app.lang, "eq.no_room", titles = dropped.join(", "));
        put(buf, area, x, y, &note, theme::dim());
    }
    y + 1
}

fn forward(app: &App, area: Rect, buf: &mut Buffer) {
    let s = &app.fwd;
    let p = s.pos;
    let color = app.color;
    let (d, w) = fitting(app, area.width as usize);
    let title = format!(
        "out[{},{},{},{}] = Σ {} ⊙ w[{}] + b[{}]",
        p.n,
        p.f,
        p.i,
        p.j,
        window_text(app),
        p.f,
        p.f
    );
    put(buf, area, area.x, area.y, &title, theme::bold());
    let label = kernel_name(app, p.f);
    let kernel_title = format!("w[{}] {label}", p.f);
    let (window, products) = (tr!(app.lang, "eq.window"), tr!(app.lang, "eq.products"));
    let y0 = header(app, area, 1, [window, &kernel_title, products], buf);
    let g = app.layer().geom;
    let styles: Vec<Box<StyleFn<'_>>> = (0..g.c)
        .map(|ch| {
            let hue = super::input_grid::hue(app, ch);
            let win = &s.window;
            Box::new(move |m: usize, k: usize, _v: f64| {
                channel_style(color, hue, win.is_pad(win.rows[m], win.cols[k]))
            }) as Box<StyleFn<'_>>
        })
        .collect();
    let signed = move |_m: usize, _k: usize, v: f64| sign_style(color, v);
    let blocks = |ch: usize| {
        vec![
            Block {
                values: s.x_window.index_axis(Axis(0), ch),
                width: w,
                decimals: d,
                style: &*styles[ch],
                marked: None,
            },
            Block {
                values: s.kernel.index_axis(Axis(0), ch),
                width: w,
                decimals: d,
                style: &signed,
                marked: None,
            },
            Block {
                values: s.products.index_axis(Axis(0), ch),
                width: w,
                decimals: d,
                style: &signed,
                marked: None,
            },
        ]
    };
    // A partial that the printed products do not add up to is written with ≈ (the
    // sums are of the exact numbers; the screen shows them rounded).
    let shown = |v: f64| fixed(v, d).parse::<f64>().unwrap_or(v);
    let adds_up = |parts: &mut dyn Iterator<Item = f64>, total: f64| {
        fixed(parts.map(shown).sum::<f64>(), d) == fixed(total, d)
    };
    let mut rounded = false;
    let arrows: Vec<&str> = (0..g.c)
        .map(|ch| {
            let ok = adds_up(
                &mut s.products.index_axis(Axis(0), ch).iter().copied(),
                s.partial[ch],
            );
            rounded |= !ok;
            if ok { "→" } else { "≈" }
        })
        .collect();
    let trailer = |ch: usize| {
        Some((
            format!(" {} {}", arrows[ch], fixed(s.partial[ch], d)),
            theme::bold().patch(sign_style(color, s.partial[ch])),
        ))
    };
    let y = channel_rows(app, area, y0, 1, &blocks, [" ⊙ ", " = "], &trailer, buf);
    // The printed partials to their printed sum, and that sum and the bias to out.
    let partials_ok = adds_up(&mut s.partial.iter().copied(), s.partial.sum());
    let total_ok = adds_up(&mut [s.partial.sum(), s.bias].into_iter(), s.out);
    rounded |= !partials_ok || !total_ok;
    let sum = format!(
        "Σ {} {}{} + b[{}] {} {} out[{},{},{},{}] = ",
        tr!(app.lang, "eq.partials"),
        if partials_ok { "" } else { "≈ " },
        fixed(s.partial.sum(), d),
        p.f,
        fixed(s.bias, d),
        if total_ok { "=" } else { "≈" },
        p.n,
        p.f,
        p.i,
        p.j
    );
    let mut x = area.x + put(buf, area, area.x, y, &sum, theme::bold());
    x += put(
        buf,
        area,
        x,
        y,
        &fixed(s.out, d),
        color.on(theme::CURRENT).patch(theme::bold()),
    );
    if let Some((text, style)) = super::compare::yours(app) {
        x += 2 + put(buf, area, x + 2, y, &text, style);
    }
    super::compare::render_line(app, area, y.saturating_add(1), buf);
    if rounded {
        put(
            buf,
            area,
            x + 2,
            y,
            tr!(app.lang, "eq.rounded"),
            theme::dim(),
        );
    }
}

fn backward(app: &App, area: Rect, buf: &mut Buffer) {
    let Some((b, after)) = &app.bwd else { return };
    let p = b.pos;
    let color = app.color;
    let (d, w) = fitting(app, area.width as usize);
    let db_total = after.grads.db[p.f];
    let title = format!(
        "dout[{},{},{},{}] = {}   db[{}] += {} → db[{}] = {}",
        p.n,
        p.f,
        p.i,
        p.j,
        fixed(b.dout, 3),
        p.f,
        fixed(b.db_add, 3),
        p.f,
        fixed(db_total, 3)
    );
    put(buf, area, area.x, area.y, &title, theme::bold());
    let dx_title = format!("dout·w[{}] → dx_pad", p.f);
    let dw_title = tr!(app.lang, "eq.dw_add", f = p.f);
    let run_title = tr!(app.lang, "eq.dw_so_far", f = p.f);
    let y0 = header(app, area, 2, [&dx_title, &dw_title, &run_title], buf);
    let signed = move |_m: usize, _k: usize, v: f64| sign_style(color, v);
    let dw_run = after.grads.dw.index_axis(Axis(0), p.f);
    let dw_wrong: Vec<_> = (0..app.layer().geom.c)
        .map(|ch| super::compare::dw_marks(app, p.f, ch))
        .collect();
    let blocks = |ch: usize| {
        vec![
            Block {
                values: b.dx_pad_add.index_axis(Axis(0), ch),
                width: w,
                decimals: d,
                style: &signed,
                marked: None,
            },
            Block {
                values: b.dw_add.index_axis(Axis(0), ch),
                width: w,
                decimals: d,
                style: &signed,
                marked: None,
            },
            Block {
                values: dw_run.index_axis(Axis(0), ch),
                width: w,
                decimals: d,
                style: &signed,
                marked: dw_wrong[ch].as_deref(),
            },
        ]
    };
    let none = |_ch: usize| None;
    let y = channel_rows(app, area, y0, 2, &blocks, ["   ", " Σ "], &none, buf);
    let g = app.layer().geom;
    let crop = crop_text(app);
    put(buf, area, area.x, y, &crop, Style::new());
    let done = if after.steps_done == app.total_steps() && g.pad == 0 {
        tr!(app.lang, "eq.done_no_pad").to_string()
    } else if after.steps_done == app.total_steps() {
        tr!(app.lang, "eq.done_cropped").to_string()
    } else {
        tr!(
            app.lang,
            "eq.sent_back",
            done = after.steps_done,
            total = app.total_steps()
        )
    };
    put(buf, area, area.x, y.saturating_add(1), &done, theme::dim());
    super::compare::render_line(app, area, y.saturating_add(2), buf);
}
