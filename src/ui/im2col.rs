//! The im2col view: the layer as one matrix product. Forward, out = W · cols + b with
//! the current filter's row of W, the current window's column of cols and their dot
//! product marked (the window that became the column stays marked on x); backward,
//! dW = dout · colsᵀ and dcols = Wᵀ · dout, which col2im adds back into dx_pad.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::grid::{Grid, GridCell, Kind, Mark};
use super::input_grid;
use super::text::fixed;
use super::theme;
use super::views::{Group, chars_of, num, put_lines, render_row, signed_cell, split, sum_lines};
use crate::app::{App, Phase};
use crate::conv::im2col::{self, Im2colShape};
use crate::tr;

/// The column of cols of the current window.
fn column(app: &App) -> usize {
    let p = app.pos();
    im2col::column_of(&app.layer().geom, p.i, p.j)
}

/// The headline: the product and its real sizes, and how much larger cols is than x.
pub fn headline(app: &App) -> Vec<String> {
    let g = app.layer().geom;
    let s = Im2colShape::of(&g);
    let sizes = tr!(
        app.lang,
        "im2col.sizes",
        f = s.f,
        k = s.k,
        p = s.p,
        blow = format!("{:.1}", s.blow_up(&g))
    );
    let formula = match app.phase {
        Phase::Forward => tr!(app.lang, "im2col.forward"),
        Phase::Backward => tr!(app.lang, "im2col.backward"),
    };
    vec![formula.to_string(), sizes]
}

/// cols (K, P) for image n, the current column marked; `transpose` draws colsᵀ.
fn cols_grid(app: &App, transpose: bool) -> Grid<'_> {
    let layer = app.layer();
    let g = layer.geom;
    let s = Im2colShape::of(&g);
    let n = app.pos().n;
    let col = column(app);
    let (lo, hi) = app.x_range();
    let span = if hi > lo { hi - lo } else { 1.0 };
    let cell = move |r: usize, p: usize| {
        let (row, c) = im2col::source_of(&g, r, p);
        let mark = if p == col { Mark::Window } else { Mark::None };
        if app.fwd.window.is_pad(row, c) {
            return GridCell {
                kind: Kind::Pad,
                mark,
                ..GridCell::empty()
            };
        }
        let v = layer.cols_entry(n, r, p);
        let (ch, _, _) = im2col::entry_of(&g, r);
        let t = (v - lo) / span;
        GridCell {
            kind: Kind::Value,
            value: v,
            rgb: theme::channel_scale(input_grid::hue(app, ch), t),
            shade: t,
            mark,
        }
    };
    if transpose {
        Grid {
            block: None,
            title: format!("colsᵀ {}x{}", s.p, s.k),
            rows: s.p,
            cols: s.k,
            focus: ((col, 0), (col, s.k - 1)),
            cell: Box::new(move |p, r| cell(r, p)),
        }
    } else {
        Grid {
            block: None,
            title: format!("cols {}x{}", s.k, s.p),
            rows: s.k,
            cols: s.p,
            focus: ((0, col), (s.k - 1, col)),
            cell: Box::new(cell),
        }
    }
}

/// W (F, K), the current filter's row marked.
fn w_grid(app: &App) -> Grid<'_> {
    let layer = app.layer();
    let g = layer.geom;
    let s = Im2colShape::of(&g);
    let f = app.pos().f;
    let scale = crate::conv::max_abs_finite(&layer.w);
    Grid {
        block: None,
        title: format!("W {}x{}", s.f, s.k),
        rows: s.f,
        cols: s.k,
        focus: ((f, 0), (f, s.k - 1)),
        cell: Box::new(move |row, r| {
            let (c, m, k) = im2col::entry_of(&g, r);
            let mark = if row == f { Mark::Window } else { Mark::None };
            signed_cell(layer.w[[row, c, m, k]], scale, mark)
        }),
    }
}

/// out or dout (F, P) of image n, the current cell marked; out only where known.
fn out_grid(app: &App) -> Grid<'_> {
    let g = app.layer().geom;
    let s = Im2colShape::of(&g);
    let pos = app.pos();
    let col = column(app);
    let backward = app.phase == Phase::Backward;
    let (title, scale) = if backward {
        ("dout", app.backward_ranges().dout_abs)
    } else {
        ("out", app.forward_ranges().out_abs)
    };
    Grid {
        block: None,
        title: format!("{title} {}x{}", s.f, s.p),
        rows: s.f,
        cols: s.p,
        focus: ((pos.f, col), (pos.f, col)),
        cell: Box::new(move |f, p| {
            let here = crate::conv::OutPos {
                f,
                i: p / g.w_out,
                j: p % g.w_out,
                ..pos
            };
            let mark = if (f, p) == (pos.f, col) {
                Mark::Current
            } else {
                Mark::None
            };
            if backward {
                return signed_cell(app.scene.dout[[here.n, f, here.i, here.j]], scale, mark);
            }
            if !app.known(here) {
                return GridCell {
                    mark,
                    ..GridCell::empty()
                };
            }
            signed_cell(app.out()[[here.n, f, here.i, here.j]], scale, mark)
        }),
    }
}

/// dW (F, K) so far, the current filter's row marked as written.
fn dw_grid(app: &App) -> Grid<'_> {
    let g = app.layer().geom;
    let s = Im2colShape::of(&g);
    let f = app.pos().f;
    let scale = app.backward_ranges().dw_abs;
    Grid {
        block: None,
        title: format!("dW {}x{}", s.f, s.k),
        rows: s.f,
        cols: s.k,
        focus: ((f, 0), (f, s.k - 1)),
        cell: Box::new(move |row, r| {
            let (c, m, k) = im2col::entry_of(&g, r);
            let v = app
                .bwd
                .as_ref()
                .map_or(0.0, |(_, after)| after.grads.dw[[row, c, m, k]]);
            let mark = if row == f { Mark::Window } else { Mark::None };
            signed_cell(v, scale, mark)
        }),
    }
}

/// dcols (K, P) so far: Σ over the filters whose step is done of w·dout.
fn dcols_grid(app: &App) -> Grid<'_> {
    let layer = app.layer();
    let g = layer.geom;
    let s = Im2colShape::of(&g);
    let pos = app.pos();
    let col = column(app);
    let scale = app.backward_ranges().dx_abs;
    Grid {
        block: None,
        title: format!("dcols = Wᵀ·dout {}x{}", s.k, s.p),
        rows: s.k,
        cols: s.p,
        focus: ((0, col), (s.k - 1, col)),
        cell: Box::new(move |r, p| {
            let (c, m, k) = im2col::entry_of(&g, r);
            let (i, j) = (p / g.w_out, p % g.w_out);
            let v: f64 = (0..g.f)
                .filter(|&f| app.known(crate::conv::OutPos { f, i, j, ..pos }))
                .map(|f| layer.w[[f, c, m, k]] * app.scene.dout[[pos.n, f, i, j]])
                .sum();
            let mark = if p == col { Mark::Window } else { Mark::None };
            signed_cell(v, scale, mark)
        }),
    }
}

/// How many columns of cols copy each padded cell: col2im's overlap counts, the step
/// view's touch counts of one filter.
fn counts_grid(app: &App) -> Grid<'_> {
    let g = app.layer().geom;
    let n = app.pos().n;
    let f = g.f.max(1) as u32;
    let max = app.backward_ranges().touches_max / f;
    Grid {
        block: None,
        title: tr!(app.lang, "im2col.counts", max = max),
        rows: g.hp(),
        cols: g.wp(),
        focus: input_grid::window_focus(app),
        cell: Box::new(move |r, c| {
            let v = app.full().touches[[n, r, c]] / f;
            let t = if max > 0 { v as f64 / max as f64 } else { 0.0 };
            GridCell {
                kind: Kind::Value,
                value: v as f64,
                rgb: theme::count_scale(t),
                shade: t,
                mark: input_grid::input_mark(app, None, r, c),
            }
        }),
    }
}

/// The dot product of the current row and column, term by term.
fn forward_sum(app: &App, width: usize, max: usize) -> Vec<String> {
    let fwd = &app.fwd;
    let p = fwd.pos;
    let head = tr!(
        app.lang,
        "im2col.dot",
        f = p.f,
        col = column(app),
        i = p.i,
        j = p.j
    );
    let terms: Vec<String> = fwd
        .kernel
        .iter()
        .zip(fwd.x_window.iter())
        .map(|(w, x)| format!("{}·{}", num(*w), num(*x)))
        .chain(std::iter::once(format!("b {}", num(fwd.bias))))
        .collect();
    let tail = tr!(
        app.lang,
        "im2col.equals_out",
        v = fixed(fwd.out, 3),
        n = p.n,
        f = p.f,
        i = p.i,
        j = p.j
    );
    let mut lines = vec![head];
    lines.extend(sum_lines(
        "  =",
        &terms,
        &tail,
        width,
        max.saturating_sub(1),
    ));
    lines
}

/// What the current step adds backward, in the product's words.
fn backward_lines(app: &App) -> Vec<String> {
    let p = app.pos();
    let dout = app.bwd.as_ref().map_or(0.0, |(s, _)| s.dout);
    vec![
        tr!(
            app.lang,
            "im2col.dw_step",
            f = p.f,
            col = column(app),
            d = fixed(dout, 3)
        ),
        tr!(app.lang, "im2col.dcols_step", f = p.f, col = column(app)),
        tr!(app.lang, "im2col.col2im").to_string(),
    ]
}

pub fn render(app: &App, body: Rect, buf: &mut Buffer) {
    let foot = if body.height >= 30 { 6 } else { 4 };
    let (head, mid, foot) = split(body, 2, foot);
    put_lines(head, &headline(app), theme::bold(), buf);
    let x_chars = {
        let g = app.layer().geom;
        chars_of(g.hp(), g.wp(), app.layer().x.iter().copied())
    };
    let s = Im2colShape::of(&app.layer().geom);
    match app.phase {
        Phase::Forward => {
            let w_chars = chars_of(s.f, s.k, app.layer().w.iter().copied());
            let out_chars = chars_of(s.f, s.p, app.out().iter().copied());
            let groups = vec![
                Group {
                    grids: input_grid::grids(app),
                    chars: x_chars,
                    weight: 1,
                    then: "→",
                },
                Group {
                    grids: vec![w_grid(app)],
                    chars: w_chars,
                    weight: 1,
                    then: "·",
                },
                Group {
                    grids: vec![cols_grid(app, false)],
                    chars: x_chars,
                    weight: 1,
                    then: "+b =",
                },
                Group {
                    grids: vec![out_grid(app)],
                    chars: out_chars,
                    weight: 1,
                    then: "",
                },
            ];
            render_row(app, mid, groups, buf);
            let lines = forward_sum(app, foot.width as usize, foot.height as usize);
            put_lines(foot, &lines, theme::bold(), buf);
        }
        Phase::Backward => {
            let top = Rect::new(mid.x, mid.y, mid.width, mid.height / 2);
            let bottom = Rect::new(mid.x, top.bottom(), mid.width, mid.height - top.height);
            let dout_chars = chars_of(s.f, s.p, app.scene.dout.iter().copied());
            let dw_chars = chars_of(s.f, s.k, app.full().grads.dw.iter().copied());
            let first = vec![
                Group {
                    grids: vec![out_grid(app)],
                    chars: dout_chars,
                    weight: 1,
                    then: "·",
                },
                Group {
                    grids: vec![cols_grid(app, true)],
                    chars: x_chars,
                    weight: 1,
                    then: "=",
                },
                Group {
                    grids: vec![dw_grid(app)],
                    chars: dw_chars,
                    weight: 1,
                    then: "",
                },
            ];
            render_row(app, top, first, buf);
            let g = app.layer().geom;
            let dx_chars = chars_of(g.hp(), g.wp(), app.full().grads.dx_pad.iter().copied());
            let second = vec![
                Group {
                    grids: vec![dcols_grid(app)],
                    chars: dx_chars,
                    weight: 1,
                    then: "col2im →",
                },
                Group {
                    grids: super::gradients::dx_pad_grids(app),
                    chars: dx_chars,
                    weight: 1,
                    then: "",
                },
                Group {
                    grids: vec![counts_grid(app)],
                    chars: Some(2),
                    weight: 1,
                    then: "",
                },
            ];
            render_row(app, bottom, second, buf);
            put_lines(foot, &backward_lines(app), theme::bold(), buf);
        }
    }
}
