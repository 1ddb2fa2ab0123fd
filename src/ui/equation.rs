//! The arithmetic of the step, with real numbers. Forward: the window, the kernel w[f],
//! their products and each channel's partial sum, + b[f] = out. Backward: what dout
//! sends to dx_pad (dout * w[f]) and to dw[f] (dout * window), dw[f] so far, db[f].

use ndarray::{Array3, Axis};
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
        let (before, after) = dx_pad_window(app);
        v.extend(before.iter().chain(&after));
    }
    v
}

/// dx_pad's cells under this step's window, before and after the step adds
/// dout·w[f] to them (C x HH x WW each): `before + dout·w[f] = after`, the `+=` of
/// the naive loop.
pub fn dx_pad_window(app: &App) -> (Array3<f64>, Array3<f64>) {
    let g = app.layer().geom;
    let Some((b, after)) = &app.bwd else {
        let zero = Array3::zeros((g.c, g.hh, g.ww));
        return (zero.clone(), zero);
    };
    let w = &b.window;
    let n = b.pos.n;
    let now = Array3::from_shape_fn((g.c, g.hh, g.ww), |(ch, m, k)| {
        after.grads.dx_pad[[n, ch, w.rows[m], w.cols[k]]]
    });
    let before = &now - &b.dx_pad_add;
    (before, now)
}

/// Whether every number of `values` prints as an integer (whole, below 1e9).
fn all_whole<'v>(values: impl IntoIterator<Item = &'v f64>) -> bool {
    values
        .into_iter()
        .all(|v| v.fract() == 0.0 && v.abs() < 1e9)
}

/// The decimals the blocks print: none when every number is whole (the figures of
/// integers print as integers), else three.
fn full_decimals(app: &App) -> usize {
    if all_whole(&block_values(app)) { 0 } else { 3 }
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

/// Columns after the last block: forward ends each channel's middle row with
/// " → partial".
fn trailer_w(app: &App) -> usize {
    match app.phase {
        Phase::Forward => 3 + number_width(app.fwd.partial.iter()),
        Phase::Backward => 0,
    }
}

/// The columns `n` blocks of numbers `w` wide take, with the label and separators.
fn blocks_w(app: &App, n: usize, w: usize) -> usize {
    let block = app.layer().geom.ww * (w + 1);
    label_w(app) + n * block + n.saturating_sub(1) * SEP_W + trailer_w(app)
}

/// The decimals (at least `least`, or all there are) and number width with which
/// `n` blocks fit `width` columns, the most decimals first.
fn fits(app: &App, width: usize, n: usize, least: usize) -> Option<(usize, usize)> {
    let full = full_decimals(app);
    (least.min(full)..=full)
        .rev()
        .map(|d| (d, num_w_at(app, d)))
        .find(|&(_, w)| blocks_w(app, n, w) <= width)
}

/// Backward shows five blocks where they fit with two decimals or more: dx_pad's
/// window before, + dout·w[f], = after (the `+=` checked on screen), then
/// dout·window and dw[f] so far. A narrower panel shows three: dout·w[f] and dw's two.
fn blocks_count(app: &App, width: usize) -> usize {
    match app.phase {
        Phase::Backward if fits(app, width, 5, 2).is_some() => 5,
        _ => 3,
    }
}

/// The decimals and number width that let the blocks fit `width` columns: full
/// precision when it fits, else fewer decimals (down to one), so a 7x7 kernel keeps
/// its window, kernel and products at 120 columns.
fn fitting(app: &App, width: usize) -> (usize, usize) {
    let n = blocks_count(app, width);
    fits(app, width, n, 1).unwrap_or_else(|| {
        let d = 1.min(full_decimals(app));
        (d, num_w_at(app, d))
    })
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

/// Backward, the width of the arithmetic's narrower form (three blocks, the `+=`
/// left to the zoom), for a screen where the wider one would push out the listing.
pub fn narrow_width(app: &App) -> Option<usize> {
    (app.phase == Phase::Backward)
        .then(|| (blocks_w(app, 3, num_w(app)) + 13).max(super::text::width(&crop_text(app))))
}

/// The (width, height) the panel wants.
pub fn size(app: &App) -> (usize, usize) {
    let g = app.layer().geom;
    let mut width = blocks_w(app, 3, num_w(app)) - trailer_w(app) + 13;
    if app.phase == Phase::Backward {
        // Room for the five blocks (dx_pad before + dout·w = after) at full precision.
        width = blocks_w(app, 5, num_w(app))
            .max(width)
            .max(super::text::width(&crop_text(app)));
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
    seps: &dyn Fn(usize, usize) -> &'b str,
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
                    let sep = if m == mid { seps(ch, b) } else { "   " };
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

/// How many of the blocks fit beside the label and the partial sum (at least one; a
/// narrow panel drops the last blocks, never a number in the middle of one).
fn blocks_shown(app: &App, area: Rect) -> usize {
    let width = area.width as usize;
    let w = fitting(app, width).1;
    (1..=blocks_count(app, width))
        .rev()
        .find(|&n| blocks_w(app, n, w) <= width)
        .unwrap_or(1)
}

/// The blocks' titles on the line under the panel's first, unless that line would
/// cost a channel its rows (see [`whole_channels`]; `after` lines close the panel);
/// returns the line the channels start on.
fn header(app: &App, area: Rect, after: u16, titles: &[&str], buf: &mut Buffer) -> u16 {
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
    for &title in titles.iter().take(shown) {
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
    let y0 = header(app, area, 1, &[window, &kernel_title, products], buf);
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
    // A block of whole numbers prints integers (CS231n's 0-255 pixels as `163`,
    // not `163.000`), in the same columns as the others.
    let whole = |a: &Array3<f64>| all_whole(a);
    let (d_window, d_kernel, d_products) = (
        if whole(&s.x_window) { 0 } else { d },
        if whole(&s.kernel) { 0 } else { d },
        if whole(&s.products) { 0 } else { d },
    );
    let blocks = |ch: usize| {
        vec![
            Block {
                values: s.x_window.index_axis(Axis(0), ch),
                width: w,
                decimals: d_window,
                style: &*styles[ch],
                marked: None,
            },
            Block {
                values: s.kernel.index_axis(Axis(0), ch),
                width: w,
                decimals: d_kernel,
                style: &signed,
                marked: None,
            },
            Block {
                values: s.products.index_axis(Axis(0), ch),
                width: w,
                decimals: d_products,
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
    let seps = |_ch: usize, b: usize| if b == 0 { " ⊙ " } else { " = " };
    let y = channel_rows(app, area, y0, 1, &blocks, &seps, &trailer, buf);
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
    // Whole numbers as integers (`--dout ones`: `db[0] = 12`), as in the blocks.
    let db_d = if all_whole(&[b.dout, b.db_add, db_total]) {
        0
    } else {
        3
    };
    let title = format!(
        "dout[{},{},{},{}] = {}   db[{}] += {} → db[{}] = {}",
        p.n,
        p.f,
        p.i,
        p.j,
        fixed(b.dout, db_d),
        p.f,
        fixed(b.db_add, db_d),
        p.f,
        fixed(db_total, db_d)
    );
    put(buf, area, area.x, area.y, &title, theme::bold());
    // Five blocks where they fit: dx_pad's window before + dout·w[f] = after, so
    // the `+=` reads on screen; else dout·w[f] alone (the zoom shows dx_pad after).
    let five = blocks_count(app, area.width as usize) == 5;
    let add_title = if five {
        format!("dout·w[{}]", p.f)
    } else {
        format!("dout·w[{}] → dx_pad", p.f)
    };
    let before_title = tr!(app.lang, "eq.dx_before");
    let after_title = tr!(app.lang, "eq.dx_after");
    let dw_title = tr!(app.lang, "eq.dw_add", f = p.f);
    let run_title = tr!(app.lang, "eq.dw_so_far", f = p.f);
    let titles: Vec<&str> = if five {
        vec![before_title, &add_title, after_title, &dw_title, &run_title]
    } else {
        vec![&add_title, &dw_title, &run_title]
    };
    let y0 = header(app, area, 2, &titles, buf);
    let signed = move |_m: usize, _k: usize, v: f64| sign_style(color, v);
    let dw_run = after.grads.dw.index_axis(Axis(0), p.f);
    let dw_wrong: Vec<_> = (0..app.layer().geom.c)
        .map(|ch| super::compare::dw_marks(app, p.f, ch))
        .collect();
    let (dx_before, dx_after) = dx_pad_window(app);
    let block = |values, marked| Block {
        values,
        width: w,
        decimals: d,
        style: &signed,
        marked,
    };
    let blocks = |ch: usize| {
        let dx = [
            block(dx_before.index_axis(Axis(0), ch), None),
            block(b.dx_pad_add.index_axis(Axis(0), ch), None),
            block(dx_after.index_axis(Axis(0), ch), None),
        ];
        let dw = [
            block(b.dw_add.index_axis(Axis(0), ch), None),
            block(dw_run.index_axis(Axis(0), ch), dw_wrong[ch].as_deref()),
        ];
        if five {
            dx.into_iter().chain(dw).collect()
        } else {
            [dx.into_iter().nth(1)]
                .into_iter()
                .flatten()
                .chain(dw)
                .collect()
        }
    };
    // `=` where the printed numbers add up, `≈` where rounding keeps them from it.
    let adds_up: Vec<bool> = (0..app.layer().geom.c)
        .map(|ch| {
            let shown = |v: f64| fixed(v, d).parse::<f64>().unwrap_or(v);
            ndarray::Zip::from(dx_before.index_axis(Axis(0), ch))
                .and(b.dx_pad_add.index_axis(Axis(0), ch))
                .and(dx_after.index_axis(Axis(0), ch))
                .all(|&x, &a, &y| fixed(shown(x) + shown(a), d) == fixed(y, d))
        })
        .collect();
    let seps = |ch: usize, k: usize| match (five, k) {
        (true, 0) => " + ",
        (true, 1) if adds_up[ch] => " = ",
        (true, 1) => " ≈ ",
        (true, 3) | (false, 1) => " Σ ",
        _ => "   ",
    };
    let none = |_ch: usize| None;
    let y = channel_rows(app, area, y0, 2, &blocks, &seps, &none, buf);
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
