//! The photograph in its own colours: x's R, G and B composed into one picture, scaled
//! to fit, with the current window and the region shown in numbers outlined, so that
//! every smaller or cropped grid has a whole picture saying where it is.

use crate::app::{App, Phase};

use super::grid::{Axis, Grid, GridCell, Kind, Mark};
use super::theme;
use super::zoom;
use crate::tr;

/// Whether x is a colour picture: three channels named R, G, B.
pub fn is_photo(app: &App) -> bool {
    let names = &app.scene.labels.channels;
    app.layer().geom.c == 3 && names.iter().map(String::as_str).eq(["R", "G", "B"])
}

/// A rectangle of x (rows r0..r1, cols c0..c1, exclusive ends, in x's own coordinates).
type Span = (usize, usize, usize, usize);

/// The current window in x's coordinates (clipped to the picture).
fn window_span(app: &App) -> Option<Span> {
    let g = app.layer().geom;
    let ((r0, c0), (r1, c1)) = app.fwd.window.span();
    let clip = |lo: usize, hi: usize, n: usize| {
        let lo = lo.saturating_sub(g.pad).min(n);
        let hi = (hi + 1).saturating_sub(g.pad).min(n);
        (lo < hi).then_some((lo, hi))
    };
    let (a, b) = clip(r0, r1, g.h)?;
    let (c, d) = clip(c0, c1, g.w)?;
    Some((a, b, c, d))
}

/// The region of x the zoom shows in numbers, if it has one there (backward: dx_pad
/// around the window; forward: the inputs under the zoomed outputs).
pub fn detail_span(app: &App, wide: bool) -> Option<Span> {
    let g = app.layer().geom;
    let e = zoom::extent_sized(app, wide);
    let (pr0, pr1, pc0, pc1) = match app.phase {
        Phase::Backward => (e.r0, e.r0 + e.rows, e.c0, e.c0 + e.cols),
        Phase::Forward => {
            let reach = g.dilation * (g.hh - 1) + 1;
            let reach_w = g.dilation * (g.ww - 1) + 1;
            (
                e.r0 * g.stride,
                (e.r0 + e.rows - 1) * g.stride + reach,
                e.c0 * g.stride,
                (e.c0 + e.cols - 1) * g.stride + reach_w,
            )
        }
    };
    let clip = |lo: usize, hi: usize, n: usize| {
        let lo = lo.saturating_sub(g.pad).min(n);
        let hi = hi.saturating_sub(g.pad).min(n);
        (lo < hi).then_some((lo, hi))
    };
    let (a, b) = clip(pr0, pr1, g.h)?;
    let (c, d) = clip(pc0, pc1, g.w)?;
    Some((a, b, c, d))
}

/// Whether shown cell (r, c) of a picture scaled from `full` to `shown` lies on the
/// outline of `span`.
fn on_outline(span: Span, r: usize, c: usize, axes: (Axis, Axis)) -> bool {
    let (r0, r1, c0, c1) = span;
    let (a, b) = (axes.0.shown_of(r0), axes.0.shown_of(r1 - 1));
    let (x, y) = (axes.1.shown_of(c0), axes.1.shown_of(c1 - 1));
    let inside = (a..=b).contains(&r) && (x..=y).contains(&c);
    inside && (r == a || r == b || c == x || c == y)
}

/// The composed picture at `shown` (rows, cols): each shown cell the colour of the
/// middle of its block of x, the window outlined in white and the zoom's region in
/// the previous-window colour. Only the shown cells are read.
pub fn grid(app: &App, shown: (usize, usize), detail: Option<bool>) -> Grid<'_> {
    let layer = app.layer();
    let g = layer.geom;
    let n = app.pos().n;
    // Its own colours: unit values times 255, raw values as they are.
    let span = match app.scene.labels.scale {
        crate::input::Scale::Unit => 1.0 / 255.0,
        crate::input::Scale::Raw => 1.0,
    };
    let full = (g.h, g.w);
    let shown = (shown.0.clamp(1, g.h), shown.1.clamp(1, g.w));
    let window = window_span(app);
    let detail = detail.and_then(|wide| detail_span(app, wide));
    let scale = super::grid::scale_of(full, shown);
    // Blocks of a whole `scale` x `scale` pixels, each shown by its middle pixel.
    let axes = (Axis::new(g.h, 0, scale), Axis::new(g.w, 0, scale));
    let shown = (axes.0.shown(), axes.1.shown());
    let title = if scale > 1 {
        tr!(
            app.lang,
            "title.photo_scaled",
            h = g.h,
            w = g.w,
            scale = scale
        )
    } else {
        tr!(app.lang, "title.photo", h = g.h, w = g.w)
    };
    let ((fr0, fc0), (fr1, fc1)) = app.fwd.window.span();
    let to = move |v: usize, axis: Axis| axis.shown_of(v.saturating_sub(g.pad).min(axis.n - 1));
    Grid {
        block: None,
        title,
        rows: shown.0,
        cols: shown.1,
        focus: (
            (to(fr0, axes.0), to(fc0, axes.1)),
            (to(fr1, axes.0), to(fc1, axes.1)),
        ),
        cell: Box::new(move |r, c| {
            let (sr, sc) = (axes.0.source(r), axes.1.source(c));
            let byte = |ch: usize| {
                let v = layer.x[[n, ch, sr, sc]];
                let t = if v.is_finite() { v / span } else { 0.0 };
                t.clamp(0.0, 255.0).round() as u8
            };
            let rgb: theme::Rgb = (byte(0), byte(1), byte(2));
            let mark = if window.is_some_and(|w| on_outline(w, r, c, axes)) {
                Mark::Window
            } else if detail.is_some_and(|d| on_outline(d, r, c, axes)) {
                Mark::Detail
            } else {
                Mark::None
            };
            let shade =
                (rgb.0 as f64 * 0.299 + rgb.1 as f64 * 0.587 + rgb.2 as f64 * 0.114) / 255.0;
            GridCell {
                kind: Kind::Value,
                value: shade,
                rgb,
                shade,
                mark,
            }
        }),
    }
}
