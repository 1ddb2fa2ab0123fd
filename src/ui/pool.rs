//! The arithmetic of a routing layer's step (max pooling, ReLU), in place of the conv
//! layer's: forward, the window's values with the maximum bracketed and where it came
//! from, or max(0, x) and whether the cell passes; backward, where dout goes (the
//! argmax only; through ReLU only where x > 0) and what is stopped. Beside it, the
//! naive loop (as CS231n's `max_pool_forward_naive` / `max_pool_backward_naive`).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

use crate::app::{App, Phase};
use crate::conv::Router;

use super::text::{fixed, put};
use super::theme;
use crate::tr;

fn num(v: f64) -> String {
    fixed(v, 3)
}

/// The lines of the arithmetic, each with its style.
fn lines(app: &App) -> Vec<(String, Style)> {
    let Some((router, s)) = app.kind().router().zip(app.stack.route.as_ref()) else {
        return Vec::new();
    };
    let p = s.pos;
    let g = app.layer().geom;
    let window = &app.fwd.window;
    let (ar, ac) = (window.rows[s.arg.0], window.cols[s.arg.1]);
    let out = format!("out[{},{},{},{}]", p.n, p.f, p.i, p.j);
    let dout = format!("dout[{},{},{},{}]", p.n, p.f, p.i, p.j);
    let at = format!("x[{},{},{ar},{ac}]", p.n, p.f);
    let total = app.total_steps();
    let head = tr!(
        app.lang,
        "route.head",
        name = app.kind().name(&app.scene),
        step = app.step,
        total = total
    );
    let mut out_lines = vec![(head, theme::bold())];
    let plain = Style::default();
    let strong = app.color.fg(theme::CURRENT);
    let d = app
        .scene
        .dout
        .get([p.n, p.f, p.i, p.j])
        .copied()
        .unwrap_or(0.0);
    match (router, app.phase) {
        (Router::Pool { .. }, Phase::Forward) => {
            let (r0, c0) = (window.rows[0], window.cols[0]);
            let span = format!(
                "x[{},{},{}:{},{}:{}]",
                p.n,
                p.f,
                r0,
                r0 + g.hh,
                c0,
                c0 + g.ww
            );
            out_lines.push((format!("{out} = max {span}"), plain));
            for (m, row) in s.values.outer_iter().enumerate() {
                let cells: Vec<String> = row
                    .iter()
                    .enumerate()
                    .map(|(k, v)| {
                        if (m, k) == s.arg {
                            format!("[{:>7}]", num(*v))
                        } else {
                            format!(" {:>7} ", num(*v))
                        }
                    })
                    .collect();
                out_lines.push((format!("   {}", cells.join("")), plain));
            }
            out_lines.push((
                tr!(app.lang, "route.max", out = num(s.out), at = at),
                strong,
            ));
        }
        (Router::Pool { .. }, Phase::Backward) => {
            out_lines.push((format!("d{at} += {dout} = {}", num(d)), strong));
            let others = g.hh * g.ww - 1;
            out_lines.push((
                tr!(app.lang, "route.switch", at = at, others = others),
                plain,
            ));
        }
        (Router::Relu, Phase::Forward) => {
            let x = s.values[[0, 0]];
            let word = if s.passes {
                tr!(app.lang, "route.passes")
            } else {
                tr!(app.lang, "route.blocked")
            };
            out_lines.push((
                format!(
                    "{out} = max(0, x[{},{},{},{}]) = max(0, {}) = {}   {word}",
                    p.n,
                    p.f,
                    p.i,
                    p.j,
                    num(x),
                    num(s.out)
                ),
                strong,
            ));
        }
        (Router::Relu, Phase::Backward) => {
            let x = s.values[[0, 0]];
            let gate = u8::from(s.passes);
            let dx = if s.passes { d } else { 0.0 };
            out_lines.push((
                format!(
                    "dx[{},{},{},{}] = {dout} · [x > 0] = {} · {gate} = {}",
                    p.n,
                    p.f,
                    p.i,
                    p.j,
                    num(d),
                    num(dx)
                ),
                strong,
            ));
            let why = if s.passes {
                tr!(app.lang, "route.grad_passes", x = num(x))
            } else {
                tr!(app.lang, "route.grad_stopped", x = num(x))
            };
            out_lines.push((why, plain));
        }
    }
    out_lines
}

/// The (columns, lines) the arithmetic takes.
pub fn size(app: &App) -> (usize, usize) {
    let l = lines(app);
    let w = l
        .iter()
        .map(|(t, _)| super::text::width(t))
        .max()
        .unwrap_or(0);
    (w, l.len())
}

/// Draws the arithmetic in `area`.
pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    for (k, (line, style)) in lines(app).iter().enumerate() {
        put(buf, area, area.x, area.y + k as u16, line, *style);
    }
}

/// The naive loop of the layer, the lines of the current phase bright.
pub fn render_code(app: &App, area: Rect, buf: &mut Buffer) {
    let Some(router) = app.kind().router() else {
        return;
    };
    let (forward, backward): (&[&str], &[&str]) = match router {
        Router::Pool { .. } => (
            &[
                "for n, c, i, j:  # max_pool_forward_naive",
                "    win = x[n, c, i*s:i*s+K, j*s:j*s+K]",
                "    out[n, c, i, j] = win.max()",
            ],
            &[
                "    m, k = np.unravel_index(win.argmax(), win.shape)",
                "    dx[n, c, i*s+m, j*s+k] += dout[n, c, i, j]",
            ],
        ),
        Router::Relu => (
            &["out = np.maximum(0, x)  # relu_forward"],
            &["dx = dout * (x > 0)     # relu_backward"],
        ),
    };
    let bright = app.color.fg(theme::ACCENT);
    let (fwd_style, bwd_style) = match app.phase {
        Phase::Forward => (bright, theme::dim()),
        Phase::Backward => (theme::dim(), bright),
    };
    let all = forward
        .iter()
        .map(|l| (*l, fwd_style))
        .chain(backward.iter().map(|l| (*l, bwd_style)));
    for (k, (line, style)) in all.enumerate() {
        put(buf, area, area.x, area.y + k as u16, line, style);
    }
}
