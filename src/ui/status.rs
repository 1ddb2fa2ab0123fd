//! The status line (phase, step K/TOTAL, filter, (n,f,i,j), the parameters) and the
//! hint line at the bottom (the last message, or the main keys).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

use crate::app::{App, Phase};

use super::text::{put, width};
use super::theme;

/// Lines the status takes at this width: one when all of it fits on one line.
pub fn height(app: &App, cols: u16) -> u16 {
    let (left, right) = parts(app, true);
    if width(&left) + width(&right) <= cols as usize {
        1
    } else {
        2
    }
}

fn parts(app: &App, wide: bool) -> (String, String) {
    let g = app.layer().geom;
    let p = app.pos();
    let phase = match app.phase {
        Phase::Forward => "FORWARD",
        Phase::Backward => "BACKWARD",
    };
    let label = super::input_grid::kernel_name(app, p.f);
    let play = if app.playing {
        format!("  ▶ {} ms", app.tick_ms())
    } else {
        String::new()
    };
    let left = format!(
        " {phase}  step {}/{}  filter {} {label}  (n,f,i,j)=({},{},{},{}){play}",
        app.step,
        app.total_steps(),
        p.f,
        p.n,
        p.f,
        p.i,
        p.j
    );
    let size = app
        .spec
        .size_label()
        .map(|s| format!(" size {s}"))
        .unwrap_or_default();
    let source = if wide {
        format!(" from {}", app.scene.labels.source)
    } else {
        String::new()
    };
    let (gap, out) = if wide {
        ("  ", "  out ")
    } else {
        (" ", " → ")
    };
    let right = format!(
        " x {}x{}x{}x{}{source}{size}  w {} {}x{}  stride {}{gap}pad {}{gap}dilation {}{out}{}x{} ",
        g.n,
        g.c,
        g.h,
        g.w,
        app.spec.kernel_label(),
        g.hh,
        g.ww,
        g.stride,
        g.pad,
        g.dilation,
        g.h_out,
        g.w_out
    );
    (left, right)
}

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let bar = app.color.on((40, 50, 80));
    let bar = if app.color.has_color() {
        bar
    } else {
        Style::new().add_modifier(ratatui::style::Modifier::REVERSED)
    };
    buf.set_style(area, bar);
    let (left, right) = parts(app, area.height < 2);
    let phase_style = bar.patch(theme::bold());
    put(buf, area, area.x, area.y, &left, phase_style);
    if area.height >= 2 {
        put(buf, area, area.x, area.y + 1, &right, bar);
    } else {
        let x = area
            .right()
            .saturating_sub(width(&right) as u16)
            .max(area.x + width(&left) as u16);
        put(buf, area, x, area.y, &right, bar);
    }
}

/// Lines the hint takes: two when a message is longer than one line.
pub fn hint_height(app: &App, cols: u16) -> u16 {
    match &app.message {
        Some(m) if width(&m.text) + 1 > cols as usize => 2,
        _ => 1,
    }
}

pub fn render_hint(app: &App, area: Rect, buf: &mut Buffer) {
    if let Some(m) = &app.message {
        let style = if m.error {
            app.color.fg((255, 90, 90)).patch(theme::bold())
        } else {
            app.color.fg(theme::ACCENT)
        };
        let text: Vec<char> = format!(" {}", m.text).chars().collect();
        let per_line = area.width.max(1) as usize;
        for (k, chunk) in text.chunks(per_line).take(area.height as usize).enumerate() {
            let line: String = chunk.iter().collect();
            put(buf, area, area.x, area.y + k as u16, &line, style);
        }
        return;
    }
    let hint = if area.width >= 110 {
        " l/h step  j/k row  g/G first/last  Tab filter  f/b forward/backward  Space play  x select  c check  ? help  q quit"
    } else {
        " l/h step  j/k row  g/G ends  Tab filter  f/b phase  Space play  ? help  q quit"
    };
    put(buf, area, area.x, area.y, hint, theme::dim());
}
