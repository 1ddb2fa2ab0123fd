//! The status line (phase, step K/TOTAL, filter, (n,f,i,j), the parameters) and the
//! hint line at the bottom (the last message, or the main keys).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

use crate::app::{App, Phase};

use super::text::{put, width};
use super::theme;

/// At this many rows or fewer (a tour's narration below the stepper on a 80x24
/// screen) the stepper gives the grids every row it can: the status takes one line
/// when a compact form fits, and the key hint shows only to carry a message.
pub const SHORT_ROWS: u16 = 20;

/// Lines the status takes in `cols` x `rows`: one when all of it fits on one line, or,
/// on a short screen, its compact form does.
pub fn height(app: &App, cols: u16, rows: u16) -> u16 {
    let (left, right) = parts(app, true);
    let one = width(&left) + width(&right) <= cols as usize
        || (rows <= SHORT_ROWS && compact(app, cols).is_some());
    if one { 1 } else { 2 }
}

/// The status on one line of at most `cols` columns, for short screens: the phase,
/// step K/TOTAL, the filter (where it fits), (n,f,i,j), stride, pad, dilation and the
/// output size. The shapes and the kernel are in the grids' titles.
fn compact(app: &App, cols: u16) -> Option<String> {
    let g = app.layer().geom;
    let p = app.pos();
    let phase = match app.phase {
        Phase::Forward => "FORWARD",
        Phase::Backward => "BACKWARD",
    };
    let play = if app.playing {
        format!(" ▶ {} ms", app.tick_ms())
    } else {
        String::new()
    };
    let step = format!("step {}/{}", app.step, app.total_steps());
    let filter = format!(
        "filter {} {}",
        p.f,
        super::input_grid::kernel_name(app, p.f)
    );
    let pos = format!("(n,f,i,j)=({},{},{},{})", p.n, p.f, p.i, p.j);
    let params = format!(
        "stride {} pad {} dilation {} → {}x{}",
        g.stride, g.pad, g.dilation, g.h_out, g.w_out
    );
    let short = format!(
        "S={} P={} D={} → {}x{}",
        g.stride, g.pad, g.dilation, g.h_out, g.w_out
    );
    // The play indicator right after the phase, so it is never the part cut; the
    // filter goes first, then the double spaces, then the parameters' long names.
    [
        format!(" {phase}{play}  {step}  {filter}  {pos}  {params} "),
        format!(" {phase}{play}  {step}  {pos}  {params} "),
        format!(" {phase}{play} {step} {pos} {params}"),
        format!(" {phase}{play} {step} {pos} {short}"),
    ]
    .into_iter()
    .find(|line| width(line) <= cols as usize)
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
        format!(" ▶ {} ms", app.tick_ms())
    } else {
        String::new()
    };
    let left = format!(
        " {phase}{play}  step {}/{}  filter {} {label}  (n,f,i,j)=({},{},{},{})",
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

/// The two lines of a status too narrow for [`parts`]: the phase, play, step and
/// position; then stride, pad, dilation and the output size, the filter, x's shape and
/// the kernel (whatever is cut is at the end of a line).
fn narrow_parts(app: &App) -> (String, String) {
    let g = app.layer().geom;
    let p = app.pos();
    let phase = match app.phase {
        Phase::Forward => "FORWARD",
        Phase::Backward => "BACKWARD",
    };
    let play = if app.playing {
        format!(" ▶ {} ms", app.tick_ms())
    } else {
        String::new()
    };
    let left = format!(
        " {phase}{play}  step {}/{}  (n,f,i,j)=({},{},{},{})",
        app.step,
        app.total_steps(),
        p.n,
        p.f,
        p.i,
        p.j
    );
    let right = format!(
        " stride {} pad {} dilation {} → {}x{}  filter {} {}  x {}x{}x{}x{}  w {} {}x{}",
        g.stride,
        g.pad,
        g.dilation,
        g.h_out,
        g.w_out,
        p.f,
        super::input_grid::kernel_name(app, p.f),
        g.n,
        g.c,
        g.h,
        g.w,
        app.spec.kernel_label(),
        g.hh,
        g.ww
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
    let fits = width(&left) + width(&right) <= area.width as usize;
    if area.height < 2
        && !fits
        && let Some(line) = compact(app, area.width)
    {
        // The phase and step in bold, as in the full form.
        let bold = line.find(" (n,f,i,j)").unwrap_or(line.len());
        let x = put(buf, area, area.x, area.y, &line[..bold], phase_style);
        put(buf, area, area.x + x, area.y, &line[bold..], bar);
        return;
    }
    if area.height >= 2
        && (width(&left) > area.width as usize || width(&right) > area.width as usize)
    {
        // Narrow: what matters first on each line, the shapes and names last.
        let (left, right) = narrow_parts(app);
        let bold = left.find(" (n,f,i,j)").unwrap_or(left.len());
        let x = put(buf, area, area.x, area.y, &left[..bold], phase_style);
        put(buf, area, area.x + x, area.y, &left[bold..], bar);
        put(buf, area, area.x, area.y + 1, &right, bar);
        return;
    }
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

/// Lines the hint takes: two when a message is longer than one line; none on a short
/// screen ([`SHORT_ROWS`]) without a message.
pub fn hint_height(app: &App, cols: u16, rows: u16) -> u16 {
    match &app.message {
        Some(m) if width(&m.text) + 1 > cols as usize => 2,
        Some(_) => 1,
        None if rows <= SHORT_ROWS => 0,
        None => 1,
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
