//! The whole stack at a glance: one thumbnail per array between layers (the image,
//! then each layer's output; backward, the gradient at each: dx of the image, then
//! each layer's dout), with their shapes and arrows between, `3x21x32 → 4x21x32 →
//! 4x11x16`. The current layer (its input and output) is framed, its window and output
//! cell marked; with the receptive field on, the field of the current output cell is
//! outlined in every lower layer's input. Square pixels: half blocks, one column by
//! half a line. Only shown when the stack has more than one layer.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

use ndarray::{ArrayView4, Axis};

use crate::app::{App, Phase};

use super::grid::{CellMode, Grid, GridCell, Kind, Mark};
use super::text::{put, width};
use super::theme;
use crate::tr;

/// The lines the strip takes at a terminal of `rows` lines, when the stack has more
/// than one layer (0 otherwise): the frame, the shapes, the thumbnails, the frame's
/// foot, and backward the line that says which dx is which dout.
pub fn height(app: &App, rows: u16) -> u16 {
    if app.layer_count() < 2 {
        return 0;
    }
    let backward = u16::from(app.phase == Phase::Backward);
    thumb_lines(rows) + 3 + backward
}

/// The thumbnails' height in lines at a terminal of `rows` lines.
fn thumb_lines(rows: u16) -> u16 {
    (rows / 10).clamp(2, 6)
}

/// Where each thumbnail goes (its title line included): one per array, the image's
/// first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thumbs {
    pub rects: Vec<Rect>,
    /// Each thumbnail's (rows, cols) of pixels shown.
    pub shown: Vec<(usize, usize)>,
}

/// The arrays the strip shows, bottom first: forward the image and each layer's
/// output; backward dx of the image and each layer's dout.
fn arrays(app: &App) -> Vec<ArrayView4<'_, f64>> {
    let views: Vec<_> = (0..app.layer_count())
        .filter_map(|l| app.layer_view(l))
        .collect();
    let mut out = Vec::with_capacity(views.len() + 1);
    match app.phase {
        Phase::Forward => {
            out.extend(views.first().map(|v| v.scene.layer.x.view()));
            out.extend(views.iter().map(|v| v.out().view()));
        }
        Phase::Backward => {
            out.extend(views.first().map(|v| v.full().grads.dx.view()));
            out.extend(views.iter().map(|v| v.scene.dout.view()));
        }
    }
    out
}

/// Places the thumbnails in `area` (the strip's rect): as tall as the strip allows,
/// each keeping its array's proportions, lower when the row is too wide.
pub fn thumbs(app: &App, area: Rect) -> Thumbs {
    let dims: Vec<(usize, usize)> = arrays(app).iter().map(|a| (a.dim().2, a.dim().3)).collect();
    // Each output's thumbnail is wide enough for its layer's name over it where the
    // row allows (the name and the frame's corners).
    let names: Vec<u16> = std::iter::once(0)
        .chain((0..app.layer_count()).map(|l| {
            app.layer_view(l).map_or(0, |v| {
                width(&format!("{} {}", l + 1, v.kind.name(v.scene))) as u16 + 2
            })
        }))
        .collect();
    let arrow = 3u16;
    let backward = u16::from(app.phase == Phase::Backward);
    let most = area.height.saturating_sub(3 + backward).max(1);
    let mut last = None;
    for named in [true, false] {
        for lines in (1..=most).rev() {
            let px = 2 * lines as usize;
            let shown: Vec<(usize, usize)> = dims
                .iter()
                .map(|&(h, w)| {
                    let rows = px.min(h).max(1);
                    let cols = (w * rows).div_ceil(h.max(1)).clamp(1, w.max(1));
                    (rows, cols)
                })
                .collect();
            let widths: Vec<u16> = shown
                .iter()
                .zip(&names)
                .map(|(s, &name)| (s.1 as u16).max(7).max(if named { name } else { 0 }))
                .collect();
            let total: u16 = widths.iter().sum::<u16>() + arrow * (widths.len() as u16) + 1;
            let mut x = area.x + 1;
            let mut rects = Vec::with_capacity(widths.len());
            for &w in &widths {
                rects.push(Rect::new(x, area.y + 1, w, lines + 1).intersection(area));
                x = x.saturating_add(w + arrow);
            }
            let thumbs = Thumbs { rects, shown };
            // Lower thumbnails before giving up the names, down to 2 lines.
            if total <= area.width && (!named || lines >= 2.min(most)) {
                return thumbs;
            }
            last = Some(thumbs);
        }
    }
    last.unwrap_or(Thumbs {
        rects: Vec::new(),
        shown: Vec::new(),
    })
}

/// A rectangle of pixels (r0..r1, c0..c1, exclusive ends) of an h x w array.
type Region = (usize, usize, usize, usize);

/// Whether shown pixel (r, c) lies on the outline of `region` scaled from `full` to
/// `shown`.
fn on_outline(
    region: Region,
    r: usize,
    c: usize,
    full: (usize, usize),
    shown: (usize, usize),
) -> bool {
    let (r0, r1, c0, c1) = region;
    let to = |v: usize, n: usize, d: usize| v * d / n.max(1);
    let (a, b) = (to(r0, full.0, shown.0), to(r1 - 1, full.0, shown.0));
    let (x, y) = (to(c0, full.1, shown.1), to(c1 - 1, full.1, shown.1));
    let inside = (a..=b).contains(&r) && (x..=y).contains(&c);
    inside && (r == a || r == b || c == x || c == y)
}

/// The regions marked on thumbnail `k`: the current window on the current layer's
/// input, its output cell on its output, the receptive field on every lower input.
fn marks(app: &App, k: usize) -> (Option<Region>, Option<Region>) {
    let cur = app.layer_index();
    let g = app.layer().geom;
    let pos = app.pos();
    let window = (k == cur)
        .then(|| {
            let ((r0, c0), (r1, c1)) = app.fwd.window.span();
            let clip = |lo: usize, hi: usize, n: usize| {
                let lo = lo.saturating_sub(g.pad).min(n);
                let hi = (hi + 1).saturating_sub(g.pad).min(n);
                (lo < hi).then_some((lo, hi))
            };
            Some((clip(r0, r1, g.h)?, clip(c0, c1, g.w)?))
        })
        .flatten()
        .map(|((a, b), (c, d))| (a, b, c, d))
        .or_else(|| (k == cur + 1).then_some((pos.i, pos.i + 1, pos.j, pos.j + 1)));
    let field = app.stack.spans.get(k).filter(|_| k < cur).and_then(|span| {
        let x = app.layer_view(k)?.scene.layer.geom;
        let (rows, cols) = span.clipped((x.h, x.w))?;
        Some((rows.start, rows.end, cols.start, cols.end))
    });
    (window, field)
}

/// Thumbnail `k` as a grid at `shown` pixels: the photo in its colours, any other
/// array as the mean over its channels on a diverging scale.
fn thumb_grid<'a>(
    app: &'a App,
    a: ArrayView4<'a, f64>,
    k: usize,
    shown: (usize, usize),
) -> Grid<'a> {
    let (_, c, h, w) = a.dim();
    let n = app.pos().n.min(a.dim().0.saturating_sub(1));
    let image = a.index_axis_move(Axis(0), n);
    let photo = k == 0
        && app.phase == Phase::Forward
        && c == 3
        && app.layer_view(0).is_some_and(|v| {
            v.scene
                .labels
                .channels
                .iter()
                .map(String::as_str)
                .eq(["R", "G", "B"])
        });
    let unit = app
        .layer_view(0)
        .is_some_and(|v| v.scene.labels.scale == crate::input::Scale::Unit);
    let mean = move |r: usize, q: usize| (0..c).map(|ch| image[[ch, r, q]]).sum::<f64>() / c as f64;
    let scale = {
        let mut m = 0.0_f64;
        for r in 0..shown.0 {
            for q in 0..shown.1 {
                let v = mean(
                    super::grid::unscale(r, h, shown.0),
                    super::grid::unscale(q, w, shown.1),
                );
                if v.is_finite() {
                    m = m.max(v.abs());
                }
            }
        }
        m.max(1e-12)
    };
    let (window, field) = marks(app, k);
    Grid {
        block: None,
        title: format!("{c}x{h}x{w}"),
        rows: shown.0,
        cols: shown.1,
        focus: ((0, 0), (0, 0)),
        cell: Box::new(move |r, q| {
            let (sr, sq) = (
                super::grid::unscale(r, h, shown.0),
                super::grid::unscale(q, w, shown.1),
            );
            let rgb = if photo {
                let byte = |ch: usize| {
                    let v = image[[ch, sr, sq]];
                    let v = if unit { v * 255.0 } else { v };
                    if v.is_finite() {
                        v.clamp(0.0, 255.0).round() as u8
                    } else {
                        0
                    }
                };
                (byte(0), byte(1), byte(2))
            } else {
                theme::diverging(mean(sr, sq) / scale)
            };
            let mark = if window.is_some_and(|g| on_outline(g, r, q, (h, w), shown)) {
                Mark::Window
            } else if field.is_some_and(|g| on_outline(g, r, q, (h, w), shown)) {
                Mark::Selected
            } else {
                Mark::None
            };
            GridCell {
                kind: Kind::Value,
                value: 0.0,
                rgb,
                shade: 0.5,
                mark,
            }
        }),
    }
}

/// Draws the strip in `area`.
pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let arrays = arrays(app);
    let t = thumbs(app, area);
    let cur = app.layer_index();
    for (k, (a, (rect, &shown))) in arrays.iter().zip(t.rects.iter().zip(&t.shown)).enumerate() {
        thumb_grid(app, a.view(), k, shown).render(*rect, CellMode::Half, app.color, buf);
        if k + 1 < t.rects.len() {
            let y = rect.y + 1 + rect.height.saturating_sub(1) / 2;
            put(buf, area, rect.right() + 1, y, "→", theme::bold());
            put(buf, area, rect.right(), rect.y, " →", theme::dim());
        }
    }
    // Each layer's name over the arrow into its output; the current one framed.
    for l in 0..app.layer_count() {
        let (Some(from), Some(to)) = (t.rects.get(l), t.rects.get(l + 1)) else {
            continue;
        };
        let Some(v) = app.layer_view(l) else { continue };
        let name = format!("{} {}", l + 1, v.kind.name(v.scene));
        if l == cur {
            continue;
        }
        let x = from.right() + 1;
        let room = to.right().saturating_sub(x) as usize;
        put(
            buf,
            area,
            x,
            area.y,
            &super::text::shorten(&name, room),
            theme::dim(),
        );
    }
    if let (Some(from), Some(to), Some(v)) =
        (t.rects.get(cur), t.rects.get(cur + 1), app.layer_view(cur))
    {
        frame(
            app,
            area,
            *from,
            *to,
            &format!("{} {}", cur + 1, v.kind.name(v.scene)),
            buf,
        );
    }
    if app.phase == Phase::Backward {
        let line = wiring_line(app);
        let y = area.bottom().saturating_sub(1);
        put(
            buf,
            area,
            area.x + 1,
            y,
            &line,
            Style::default().fg(ratatui::style::Color::Yellow),
        );
    }
}

/// The frame around the current layer (the arrow from its input and its output),
/// named on its top edge where the other layers' names are.
fn frame(app: &App, area: Rect, from: Rect, to: Rect, name: &str, buf: &mut Buffer) {
    let style = app.color.fg(theme::CURRENT);
    let (x0, x1) = (from.right(), to.right());
    let (y0, y1) = (area.y, from.bottom());
    let inner = x1.saturating_sub(x0 + 1) as usize;
    // The name with room around it where it fits, else as much of it as the whole
    // edge holds: the current layer's name is the one to read.
    let roomy = format!(" {name} ");
    let (lead, label) = if width(&roomy) < inner {
        ("─", roomy)
    } else {
        ("", super::text::shorten(name, inner))
    };
    let rule = "─".repeat(inner.saturating_sub(width(&label) + width(lead)));
    put(buf, area, x0, y0, &format!("┌{lead}{label}{rule}┐"), style);
    for y in y0 + 1..y1 {
        put(buf, area, x0, y, "│", style);
        put(buf, area, x1, y, "│", style);
    }
    put(
        buf,
        area,
        x0,
        y1,
        &format!("└{}┘", "─".repeat(inner)),
        style,
    );
}

/// Backward: where the current layer's dout comes from and where its dx goes:
/// `dout of layer 3 = --dout (random) · dx of layer 3 = dout of layer 2`.
pub fn wiring_line(app: &App) -> String {
    let l = app.layer_index() + 1;
    let count = app.layer_count();
    let from = if l == count {
        tr!(app.lang, "stack.dout_given", l = l)
    } else {
        tr!(app.lang, "stack.dout_from", l = l, above = l + 1)
    };
    let to = if l == 1 {
        tr!(app.lang, "stack.dx_image", l = l)
    } else {
        tr!(app.lang, "stack.dx_to", l = l, below = l - 1)
    };
    format!("{from} · {to}")
}

/// The layer a click at (x, y) on the strip picks: a thumbnail picks the layer whose
/// output it is (the image, layer 1).
pub fn layer_at(app: &App, area: Rect, x: u16, y: u16) -> Option<usize> {
    let t = thumbs(app, area);
    let k = t
        .rects
        .iter()
        .position(|r| x >= r.x && x < r.right() && y >= r.y && y < r.bottom())?;
    Some(k.saturating_sub(1).min(app.layer_count() - 1))
}
