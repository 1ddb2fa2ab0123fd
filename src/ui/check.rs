//! The gradient check's report in a box over the screen (closed by the next key): the
//! entries checked, numeric against analytic, and CS231n's rel_error. It clears the
//! rows it covers across the whole screen, and narrows its numbers (fewer decimals)
//! before any column would be cut.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

use crate::app::{App, CheckReport};
use crate::i18n::Lang;
use crate::tr;

use super::help::{centred, cover, frame, wrap};
use super::text::{pad_end, pad_start, put, width};
use super::theme;

/// The report's lines for at most `room` columns, each with whether it is bold: the
/// table with as many decimals (8, 6, 4 or 2) as fit, the words wrapped; part way
/// through the backward pass (`mid_pass`), a line saying the check is of the final
/// gradient, not of the running sums on screen.
pub fn lines(report: &CheckReport, room: usize, lang: Lang, mid_pass: bool) -> Vec<(String, bool)> {
    let entry = tr!(lang, "check.entry");
    let label_w = report
        .checks
        .iter()
        .map(|(label, _)| width(label))
        .chain([width(entry)])
        .max()
        .unwrap_or(5);
    let table = |decimals: usize| {
        // Sign, up to four digits before the point, the point, the decimals.
        let nw = decimals + 6;
        let mut rows = vec![format!(
            "{} {} {} {:>10}",
            pad_end(entry, label_w),
            pad_start(tr!(lang, "check.numeric"), nw),
            pad_start(tr!(lang, "check.analytic"), nw),
            "rel_error"
        )];
        for (label, check) in &report.checks {
            rows.push(format!(
                "{:<label_w$} {:>nw$.decimals$} {:>nw$.decimals$} {:>10.2e}",
                label, check.numeric, check.analytic, check.rel_error
            ));
        }
        rows
    };
    let rows = [8, 6, 4, 2]
        .into_iter()
        .map(table)
        .find(|rows| rows.iter().all(|r| width(r) <= room))
        .unwrap_or_else(|| table(2));
    let mut out: Vec<(String, bool)> = Vec::new();
    let head = tr!(lang, "check.head", what = report.what);
    out.extend(wrap(&head, room).into_iter().map(|l| (l, true)));
    let mut rows = rows.into_iter();
    out.extend(rows.next().map(|r| (r, true)));
    out.extend(rows.map(|r| (r, false)));
    out.extend(
        wrap(tr!(lang, "check.rule"), room)
            .into_iter()
            .map(|l| (l, false)),
    );
    if mid_pass {
        // The screen shows running sums; the check is of the whole pass's gradient.
        out.extend(
            wrap(tr!(lang, "check.final"), room)
                .into_iter()
                .map(|l| (l, false)),
        );
    }
    out.push((tr!(lang, "check.close").to_string(), false));
    out
}

/// Whether the backward pass is part way: dx_pad and dw on screen are running sums.
fn mid_pass(app: &App) -> bool {
    app.bwd
        .as_ref()
        .is_some_and(|(_, after)| after.steps_done < app.total_steps())
}

/// The box the report takes in `area`, if there is a report.
pub fn rect(app: &App, area: Rect) -> Option<Rect> {
    let report = app.check.as_ref()?;
    let lines = lines(
        report,
        usize::from(area.width).saturating_sub(4),
        app.lang,
        mid_pass(app),
    );
    let w = lines.iter().map(|(l, _)| width(l)).max().unwrap_or(10) + 4;
    let h = lines.len() + 2;
    let clamp = |v: usize| v.min(usize::from(u16::MAX)) as u16;
    Some(centred(area, (clamp(w), clamp(h))))
}

/// What the report covers and clears: the box's rows across the whole area.
pub fn covered(app: &App, area: Rect) -> Option<Rect> {
    rect(app, area).map(|r| cover(area, r))
}

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let (Some(report), Some(rect)) = (&app.check, rect(app, area)) else {
        return;
    };
    let inner = frame(app, area, rect, tr!(app.lang, "check.title"), buf);
    let lines = lines(report, usize::from(inner.width), app.lang, mid_pass(app));
    for (k, (line, bold)) in lines.iter().enumerate() {
        let style = if *bold { theme::bold() } else { Style::new() };
        put(buf, inner, inner.x, inner.y + k as u16, line, style);
    }
}
