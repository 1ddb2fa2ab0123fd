//! THE listing of CS231n's `conv_forward_naive` / `conv_backward_naive`, in one place:
//! the stepper's code panel and the tour's narration panel both print it. The lines
//! this step executes are highlighted, with the loop variables' current values. With a
//! dilation D > 1 the window's slices step by D (`i*S:i*S+D*(HH-1)+1:D`), as the
//! dilated window reads; with D = 1 they are the course's plain `i*S:i*S+HH`.
//!
//! A listing wider than its panel is never cut: its indentation is halved, then a
//! long line is wrapped as Python itself allows, after a comma inside brackets (or,
//! outside them, with a backslash).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};

use crate::app::{App, Phase};

use unicode_width::UnicodeWidthStr;

use super::text::put;
use super::theme::{self, ColorMode};

const FORWARD: &[&str] = &[
    "def conv_forward_naive(x, w, b, conv_param):",
    "  x_pad = np.pad(x, ((0,0), (0,0), (pad,pad), (pad,pad)))",
    "  for n in range(N):",
    "    for f in range(F):",
    "      for i in range(H_out):",
    "        for j in range(W_out):",
    "          window = x_pad[n, :, ROWS, COLS]",
    "          out[n, f, i, j] = np.sum(window * w[f]) + b[f]",
];
/// The lines every forward step executes.
const FORWARD_BODY: std::ops::Range<usize> = 6..8;

const BACKWARD: &[&str] = &[
    "def conv_backward_naive(dout, cache):",
    "  dx_pad = np.zeros_like(x_pad)",
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
/// The lines every backward step executes; the crop runs after the last.
const BACKWARD_BODY: std::ops::Range<usize> = 6..10;
const BACKWARD_CROP: usize = 10;

/// One line of the listing and whether this step executes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeLine {
    pub text: String,
    pub executing: bool,
}

/// The listing of `phase` for a window of this `dilation`; `running` marks the lines
/// this step executes (None: none are, e.g. a tour page showing the other pass), and
/// `last` whether it is the last step (then the crop runs too).
pub fn listing(phase: Phase, dilation: usize, running: bool, last: bool) -> Vec<CodeLine> {
    let (template, body) = match phase {
        Phase::Forward => (FORWARD, FORWARD_BODY),
        Phase::Backward => (BACKWARD, BACKWARD_BODY),
    };
    let (rows, cols) = match dilation {
        0 | 1 => ("i*S:i*S+HH", "j*S:j*S+WW"),
        _ => ("i*S:i*S+D*(HH-1)+1:D", "j*S:j*S+D*(WW-1)+1:D"),
    };
    template
        .iter()
        .enumerate()
        .map(|(k, line)| CodeLine {
            text: line.replace("ROWS", rows).replace("COLS", cols),
            executing: running
                && (body.contains(&k) || (phase == Phase::Backward && k == BACKWARD_CROP && last)),
        })
        .collect()
}

/// The listing in at most `room` columns, no line cut: whole; else with its
/// indentation halved; else each line too long wrapped (see [`wrap_line`]).
pub fn fit(lines: &[CodeLine], room: usize) -> Vec<CodeLine> {
    let room = room.max(1);
    if lines.iter().all(|l| l.text.width() <= room) {
        return lines.to_vec();
    }
    lines
        .iter()
        .flat_map(|l| {
            let half = halve_indent(&l.text);
            wrap_line(&half, room)
                .into_iter()
                .map(|text| CodeLine {
                    text,
                    executing: l.executing,
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// `line` in pieces of at most `room` columns, as Python reads them: broken after a
/// comma inside brackets (the statement continues to the closing bracket), else at a
/// space outside brackets with a `\` at the end; a piece with neither is split with
/// a `\`. Continuations are indented two more than the line.
pub fn wrap_line(line: &str, room: usize) -> Vec<String> {
    let room = room.max(2);
    if line.width() <= room {
        return vec![line.to_string()];
    }
    let indent = line.len() - line.trim_start_matches(' ').len();
    let cont = (indent + 2).min(room / 3);
    let mut out = Vec::new();
    let mut rest = line.to_string();
    // Brackets open at the start of `rest` (a continuation is inside them).
    let mut depth = 0;
    while rest.width() > room {
        let (head, tail, open) = break_at(&rest, room, depth, cont);
        out.push(head);
        depth = open;
        rest = format!("{}{}", " ".repeat(cont), tail.trim_start());
    }
    out.push(rest);
    out
}

/// The first piece of `line` (at most `room` columns), what follows it, and the
/// brackets still open there; `depth` brackets are open where `line` starts and the
/// continuation is indented `cont`. Of the places Python allows a break in, one whose
/// rest fits on one line is taken first (the shallowest, then the latest); else the
/// latest comma inside brackets, else the latest space outside them.
fn break_at(line: &str, room: usize, start: i32, cont: usize) -> (String, String, i32) {
    let mut depth = start;
    // (byte offset of the cut, brackets open there, whether it needs a backslash)
    let mut places: Vec<(usize, i32, bool)> = Vec::new();
    let indent = line.len() - line.trim_start_matches(' ').len();
    for (at, c) in line.char_indices() {
        // Columns used by line[..=at] (ASCII listing: one column a char).
        let used = line[..at].width() + 1;
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            ',' if depth > 0 && used <= room => places.push((at + 1, depth, false)),
            ' ' if depth == 0 && at > indent && used < room => places.push((at, 0, true)),
            _ => {}
        }
    }
    let rest_fits =
        |&&(cut, _, _): &&(usize, i32, bool)| cont + line[cut..].trim_start().width() <= room;
    let chosen = places
        .iter()
        .filter(rest_fits)
        .min_by_key(|&&(cut, open, _)| (open, std::cmp::Reverse(cut)))
        .or_else(|| places.iter().filter(|p| !p.2).max_by_key(|p| p.0))
        .or_else(|| places.iter().max_by_key(|p| p.0));
    if let Some(&(cut, open, backslash)) = chosen {
        let head = if backslash {
            format!("{} \\", &line[..cut])
        } else {
            line[..cut].to_string()
        };
        return (head, line[cut..].to_string(), open);
    }
    // No place Python allows a break in: split, marked with `\`.
    let cut = line
        .char_indices()
        .map(|(at, _)| at)
        .take_while(|&at| line[..at].width() < room)
        .last()
        .unwrap_or(1)
        .max(1);
    let open = start
        + line[..cut]
            .chars()
            .map(|c| match c {
                '(' | '[' | '{' => 1,
                ')' | ']' | '}' => -1,
                _ => 0,
            })
            .sum::<i32>();
    (format!("{}\\", &line[..cut]), line[cut..].to_string(), open)
}

/// The code's lines for the app's phase and step, fitted to `room` columns.
fn lines(app: &App, room: usize) -> Vec<CodeLine> {
    let all = listing(
        app.phase,
        app.layer().geom.dilation,
        true,
        app.step == app.total_steps(),
    );
    fit(&all, room)
}

/// The (width, height) the panel wants.
pub fn size(app: &App) -> (usize, usize) {
    let all = listing(app.phase, app.layer().geom.dilation, true, false);
    let w = all.iter().map(|l| l.text.width()).max().unwrap_or(40);
    (w, all.len() + 2)
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
    // "▶ " takes two columns.
    let lines = lines(app, usize::from(area.width.saturating_sub(2)));
    // Rows for the lines under the title; where they are too few, the executing lines
    // stay and the lines before them give way, marked `⋮`.
    let rows = usize::from(area.height.saturating_sub(1));
    let first_exec = lines.iter().position(|l| l.executing).unwrap_or(0);
    let last_exec = lines.iter().rposition(|l| l.executing).unwrap_or(0);
    let skip = if lines.len() <= rows {
        0
    } else {
        // Keep the end of the executing block in view, then as much before it.
        let end = (last_exec + 1).max(rows.min(lines.len()));
        (end.saturating_sub(rows) + 1).min(first_exec)
    };
    let mut y = area.y + 1;
    if skip > 0 {
        put(buf, area, area.x + 2, y, "⋮", theme::dim());
        y += 1;
    }
    for line in lines.iter().skip(skip) {
        let style = if line.executing {
            executing_style(app.color)
        } else {
            app.color.fg((170, 170, 170))
        };
        let marker = if line.executing { "▶ " } else { "  " };
        let x = put(buf, area, area.x, y, marker, style);
        put(buf, area, area.x + x, y, &line.text, style);
        y += 1;
    }
}

/// The lines executing now, in the stepper's listing and the tour's alike: the
/// current cell's yellow, bold, on a dark olive; reversed without colour.
pub fn executing_style(color: ColorMode) -> Style {
    if color.has_color() {
        color
            .on((60, 60, 20))
            .patch(color.fg(theme::CURRENT))
            .patch(theme::bold())
    } else {
        Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
    }
}

/// The line with half its leading spaces, so nesting still shows in fewer columns.
fn halve_indent(line: &str) -> String {
    let body = line.trim_start_matches(' ');
    let indent = (line.len() - body.len()).div_ceil(2);
    format!("{}{body}", " ".repeat(indent))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_line_breaks_after_a_comma_inside_its_brackets() {
        let line = "          window = x_pad[n, :, i*S:i*S+D*(HH-1)+1:D, j*S:j*S+D*(WW-1)+1:D]";
        let got = wrap_line(line, 52);
        assert_eq!(
            got,
            [
                "          window = x_pad[n, :, i*S:i*S+D*(HH-1)+1:D,",
                "            j*S:j*S+D*(WW-1)+1:D]",
            ]
        );
    }

    #[test]
    fn outside_brackets_a_break_carries_a_backslash() {
        assert_eq!(
            wrap_line("  dx = dx_pad[:, :, pad:pad+H, pad:pad+W]", 20),
            ["  dx = dx_pad[:, :,", "    pad:pad+H,", "    pad:pad+W]"]
        );
        assert_eq!(
            wrap_line("  dx = dx_pad[:, :, pad:pad+H, pad:pad+W]", 12),
            // Narrower than a slice: split between tokens, still Python.
            [
                "  dx = \\",
                "    dx_pad[\\",
                "    :, :,",
                "    pad:pad\\",
                "    +H,",
                "    pad:pad\\",
                "    +W]"
            ]
        );
    }

    /// Every piece fits, and the pieces read back as the line: joined (continuation
    /// indentation and `\` dropped) they give its words in order.
    #[test]
    fn no_listing_line_is_ever_cut_at_any_width() {
        for phase in [Phase::Forward, Phase::Backward] {
            for dilation in [1, 2] {
                let all = listing(phase, dilation, true, true);
                for room in 4..90 {
                    let fitted = fit(&all, room);
                    assert!(fitted.iter().all(|l| l.text.width() <= room), "{room}");
                    let squeeze = |s: &str| -> String {
                        s.chars()
                            .filter(|c| !c.is_whitespace() && *c != '\\')
                            .collect()
                    };
                    let want: String = all.iter().map(|l| squeeze(&l.text)).collect();
                    let got: String = fitted.iter().map(|l| squeeze(&l.text)).collect();
                    assert_eq!(got, want, "{phase:?} D={dilation} at {room}");
                    let executing = |ls: &[CodeLine]| -> String {
                        ls.iter()
                            .filter(|l| l.executing)
                            .map(|l| squeeze(&l.text))
                            .collect()
                    };
                    assert_eq!(executing(&fitted), executing(&all));
                }
            }
        }
    }

    #[test]
    fn the_listing_marks_the_body_and_the_crop_after_the_last_step() {
        let names = |ls: Vec<CodeLine>| -> Vec<String> {
            ls.into_iter()
                .filter(|l| l.executing)
                .map(|l| l.text.trim().to_string())
                .collect()
        };
        assert_eq!(
            names(listing(Phase::Forward, 1, true, false)),
            [
                "window = x_pad[n, :, i*S:i*S+HH, j*S:j*S+WW]",
                "out[n, f, i, j] = np.sum(window * w[f]) + b[f]"
            ]
        );
        let backward = names(listing(Phase::Backward, 1, true, false));
        assert_eq!(backward.len(), 4);
        assert!(backward[0].starts_with("window = "));
        let last = names(listing(Phase::Backward, 1, true, true));
        assert_eq!(last[4], "dx = dx_pad[:, :, pad:pad+H, pad:pad+W]");
        assert!(names(listing(Phase::Backward, 1, false, true)).is_empty());
    }
}
