//! The status line (phase, step K/TOTAL, filter, (n,f,i,j), the parameters) and the
//! hint line at the bottom (the last message, or the main keys).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

use crate::app::{App, Phase};

use super::text::{pieces, put, width};
use super::theme;
use crate::tr;

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
    let phase = phase_name(app);
    let play = play_of(app);
    let step = step_of(app);
    let filter = filter_of(app, p.f);
    let pos = pos_of(app);
    let params = format!("{} → {}x{}", params_of(app, " "), g.h_out, g.w_out);
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

/// `(n,f,i,j)=(0,0,1,1)`: the output cell of the step.
fn pos_of(app: &App) -> String {
    let p = app.pos();
    format!("(n,f,i,j)=({},{},{},{})", p.n, p.f, p.i, p.j)
}

/// x's shape as every shape on screen is written: CS231n's order N x C x H x W.
fn x_shape(app: &App) -> String {
    let g = app.layer().geom;
    format!("{}x{}x{}x{}", g.n, g.c, g.h, g.w)
}

/// Where x comes from, in the app's language: `preset NAME`, `array x`, `inline x`
/// or the file's name.
fn source_of(app: &App) -> String {
    let source = &app.scene.labels.source;
    match source.split_once(' ') {
        Some(("preset", name)) => tr!(app.lang, "status.preset", name = name),
        Some(("array", name)) => tr!(app.lang, "status.array", name = name),
        Some(("inline", name)) => tr!(app.lang, "status.inline", name = name),
        _ => source.clone(),
    }
}

/// The pass's name as the status shows it.
fn phase_name(app: &App) -> &'static str {
    match app.phase {
        Phase::Forward => tr!(app.lang, "status.forward"),
        Phase::Backward => tr!(app.lang, "status.backward"),
    }
}

/// "step K/TOTAL" in the app's language.
fn step_of(app: &App) -> String {
    tr!(
        app.lang,
        "status.step",
        k = app.step,
        total = app.total_steps()
    )
}

/// "filter F NAME" in the app's language.
fn filter_of(app: &App, f: usize) -> String {
    let name = super::input_grid::kernel_name(app, f);
    tr!(app.lang, "status.filter", f = f, name = name)
}

/// "stride S pad P dilation D" with `gap` between them.
fn params_of(app: &App, gap: &str) -> String {
    let g = app.layer().geom;
    let l = app.lang;
    format!(
        "{} {}{gap}{} {}{gap}{} {}",
        tr!(l, "word.stride"),
        g.stride,
        tr!(l, "word.pad"),
        g.pad,
        tr!(l, "word.dilation"),
        g.dilation
    )
}

/// ` ▶ 80 ms` while playing, else nothing.
fn play_of(app: &App) -> String {
    if app.playing {
        format!(" ▶ {} ms", app.tick_ms())
    } else {
        String::new()
    }
}

/// The layer: its kernel and parameters (`w sobel-x 3x3  stride 1 pad 1 dilation 1`),
/// or in a stack of more than one, which layer it is (`layer 3/4 conv 3x3 s2 p1`).
fn layer_text(app: &App, gap: &str) -> String {
    if app.layer_count() > 1 {
        let name = app.kind().name(&app.scene);
        let (l, count) = (app.layer_index() + 1, app.layer_count());
        return tr!(app.lang, "stack.status", l = l, count = count, name = name);
    }
    let g = app.layer().geom;
    format!(
        "w {} {}x{}  {}",
        app.spec.kernel_label(),
        g.hh,
        g.ww,
        params_of(app, gap)
    )
}

fn parts(app: &App, wide: bool) -> (String, String) {
    let g = app.layer().geom;
    let phase = phase_name(app);
    let play = play_of(app);
    let left = format!(
        " {phase}{play}  {}  {}  {}",
        step_of(app),
        filter_of(app, app.pos().f),
        pos_of(app)
    );
    let size = app
        .spec
        .size_label()
        .map(|s| format!(" {} {s}", tr!(app.lang, "status.size")))
        .unwrap_or_default();
    let source = if wide {
        format!(" {} {}", tr!(app.lang, "status.from"), source_of(app))
    } else {
        String::new()
    };
    let (gap, out) = if wide {
        ("  ", format!("  {} ", tr!(app.lang, "status.out")))
    } else {
        (" ", " → ".to_string())
    };
    let right = format!(
        " x {}{source}{size}  {}{out}{}x{} ",
        x_shape(app),
        layer_text(app, gap),
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
    let phase = phase_name(app);
    let play = play_of(app);
    let left = format!(" {phase}{play}  {}  {}", step_of(app), pos_of(app));
    // A stack names its layer; a single layer its parameters, and the kernel last.
    let (what, kernel) = if app.layer_count() > 1 {
        (layer_text(app, " "), String::new())
    } else {
        let kernel = format!("  w {} {}x{}", app.spec.kernel_label(), g.hh, g.ww);
        (params_of(app, " "), kernel)
    };
    let right = format!(
        " {what} → {}x{}  {}  x {}{kernel}",
        g.h_out,
        g.w_out,
        filter_of(app, app.pos().f),
        x_shape(app)
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
        put_head(buf, area, area.y, &line, [phase_style, bar]);
        return;
    }
    if area.height >= 2
        && (width(&left) > area.width as usize || width(&right) > area.width as usize)
    {
        // Narrow: what matters first on each line, the shapes and names last.
        let (left, right) = narrow_parts(app);
        put_head(buf, area, area.y, &left, [phase_style, bar]);
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

/// A status line whose phase and step (up to the position) are bold, as in the full
/// form: `styles` are [bold, plain].
fn put_head(buf: &mut Buffer, area: Rect, y: u16, line: &str, styles: [Style; 2]) {
    let bold = line.find(" (n,f,i,j)").unwrap_or(line.len());
    let x = put(buf, area, area.x, y, &line[..bold], styles[0]);
    put(buf, area, area.x + x, y, &line[bold..], styles[1]);
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
        let text = format!(" {}", m.text);
        let per_line = area.width.max(1) as usize;
        for (k, line) in pieces(&text, per_line)
            .iter()
            .take(area.height as usize)
            .enumerate()
        {
            put(buf, area, area.x, area.y + k as u16, line, style);
        }
        return;
    }
    let hint = if area.width >= 110 {
        tr!(app.lang, "hint.wide")
    } else {
        tr!(app.lang, "hint.narrow")
    };
    put(buf, area, area.x, area.y, hint, theme::dim());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn the_key_hints_are_no_wider_in_any_language_than_in_english() {
        // The narrow hint fits 80 columns; no language is cut where English is not.
        assert!(width(tr!(Lang::En, "hint.narrow")) <= 80);
        for lang in [Lang::En, Lang::Zh] {
            for key in ["hint.wide", "hint.narrow"] {
                assert!(
                    width(lang.t(key)) <= width(Lang::En.t(key)),
                    "{lang:?} {key}"
                );
            }
        }
    }
}
