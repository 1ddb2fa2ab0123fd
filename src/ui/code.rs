//! The lines of CS231n's `conv_forward_naive` / `conv_backward_naive`, with the ones
//! this step executes highlighted and the loop variables' current values. With a
//! dilation D > 1 the window's slices step by D (`i*S:i*S+D*(HH-1)+1:D`), as the
//! dilated window reads; with D = 1 they are the course's plain `i*S:i*S+HH`.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use crate::app::{App, Phase};

use unicode_width::UnicodeWidthStr;

use super::text::put;
use super::theme;

const FORWARD: &[&str] = &[
    "def conv_forward_naive(x, w, b, conv_param):",
    "  x_pad = np.pad(x, ((0,0),(0,0),(pad,pad),(pad,pad)))",
    "  for n in range(N):",
    "    for f in range(F):",
    "      for i in range(H_out):",
    "        for j in range(W_out):",
    "          window = x_pad[n, :, ROWS, COLS]",
    "          out[n, f, i, j] = np.sum(window * w[f]) + b[f]",
];

const BACKWARD: &[&str] = &[
    "def conv_backward_naive(dout, cache):",
    "  for n in range(N):",
    "    for f in range(F):",
    "      for i in range(H_out):",
    "        for j in range(W_out):",
    "          window = x_pad[n, :, ROWS, COLS]",
    "          db[f] += dout[n, f, i, j]",
    "          dw[f] += window * dout[n, f, i, j]",
    "          dx_pad[n, :, ROWS, COLS] += w[f] * dout[n, f, i, j]",
    "  dx = dx_pad[:, :, pad:pad+H, pad:pad+W]",
];

/// The code's lines, the window's slices written for this dilation.
fn lines(app: &App) -> Vec<String> {
    let template = match app.phase {
        Phase::Forward => FORWARD,
        Phase::Backward => BACKWARD,
    };
    let (rows, cols) = match app.layer().geom.dilation {
        1 => ("i*S:i*S+HH", "j*S:j*S+WW"),
        _ => ("i*S:i*S+D*(HH-1)+1:D", "j*S:j*S+D*(WW-1)+1:D"),
    };
    template
        .iter()
        .map(|line| line.replace("ROWS", rows).replace("COLS", cols))
        .collect()
}

/// The (width, height) the panel wants.
pub fn size(app: &App) -> (usize, usize) {
    let lines = lines(app);
    let w = lines.iter().map(|l| l.len()).max().unwrap_or(40);
    (w, lines.len() + 2)
}

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let p = app.pos();
    let g = app.layer().geom;
    let title = format!(
        "n={} f={} i={} j={}   S={} pad={}{}",
        p.n,
        p.f,
        p.i,
        p.j,
        g.stride,
        g.pad,
        if g.dilation > 1 {
            format!(" D={} (dilation)", g.dilation)
        } else {
            String::new()
        }
    );
    super::text::put_title(buf, area, area.x, area.y, &title, theme::bold());
    let lines = lines(app);
    let executing = match app.phase {
        Phase::Forward => 6..8,
        Phase::Backward => {
            let last = if app.step == app.total_steps() { 10 } else { 9 };
            5..last
        }
    };
    // "▶ " takes two columns; a listing wider than the panel halves its indentation
    // before any line would be cut.
    let room = usize::from(area.width.saturating_sub(2));
    let lines = if lines.iter().any(|l| l.width() > room) {
        lines.iter().map(|l| halve_indent(l)).collect()
    } else {
        lines
    };
    for (k, line) in lines.iter().enumerate() {
        let style = if executing.contains(&k) {
            app.color
                .on((60, 60, 20))
                .patch(app.color.fg(theme::CURRENT))
                .patch(theme::bold())
        } else {
            app.color.fg((170, 170, 170))
        };
        let marker = if executing.contains(&k) { "▶ " } else { "  " };
        let x = put(buf, area, area.x, area.y + 1 + k as u16, marker, style);
        put(buf, area, area.x + x, area.y + 1 + k as u16, line, style);
    }
}

/// The line with half its leading spaces, so nesting still shows in fewer columns.
fn halve_indent(line: &str) -> String {
    let body = line.trim_start_matches(' ');
    let indent = (line.len() - body.len()).div_ceil(2);
    format!("{}{body}", " ".repeat(indent))
}
