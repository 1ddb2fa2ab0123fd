//! A student's arrays on the stepper (`convstep compare --show`): their wrong cells
//! marked `!` in out, dx_pad and dw[f] (a character, so no colour is needed), their
//! value beside the right one in the arithmetic, and a line that says which wrong cell
//! is shown. Reads `App::compare` only; nothing here when there is none.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

use crate::app::{App, Phase};
use crate::conv::compare::{Comparison, Diff};
use crate::conv::slips::Grad;
use crate::tr;

use super::grid::{Grid, Mark};
use super::text::{fixed, put};
use super::theme;

/// The mark beside a wrong value and a right one.
const WRONG: &str = "✗";
const RIGHT: &str = "✓";

fn diff(app: &App, grad: Grad) -> Option<&Diff> {
    app.compare
        .as_ref()?
        .diff(grad)
        .filter(|d| d.mask.is_some())
}

/// `grid` with `wrong(r, c)` cells marked `!` (over every weaker mark).
fn marked<'a>(grid: Grid<'a>, wrong: impl Fn(usize, usize) -> bool + 'a) -> Grid<'a> {
    let cell = grid.cell;
    Grid {
        block: None,
        cell: Box::new(move |r, c| {
            let mut out = cell(r, c);
            if wrong(r, c) {
                out.mark = out.mark.max(Mark::Wrong);
            }
            out
        }),
        ..grid
    }
}

/// The feature maps with the student's wrong out cells marked (forward, where they
/// show out).
pub fn marked_maps<'a>(app: &'a App, grids: Vec<Grid<'a>>, filters: &[usize]) -> Vec<Grid<'a>> {
    let Some(d) = diff(app, Grad::Out).filter(|_| app.phase == Phase::Forward) else {
        return grids;
    };
    let n = app.pos().n;
    grids
        .into_iter()
        .zip(filters)
        .map(|(grid, &f)| marked(grid, move |i, j| d.is_wrong(&[n, f, i, j])))
        .collect()
}

/// dx_pad's grids (one per channel) with the student's wrong dx cells marked.
pub fn marked_dx_pad<'a>(app: &'a App, grids: Vec<Grid<'a>>) -> Vec<Grid<'a>> {
    let Some(d) = diff(app, Grad::Dx) else {
        return grids;
    };
    let g = app.layer().geom;
    let n = app.pos().n;
    grids
        .into_iter()
        .enumerate()
        .map(|(ch, grid)| {
            marked(grid, move |r, c| {
                r >= g.pad && c >= g.pad && d.is_wrong(&[n, ch, r - g.pad, c - g.pad])
            })
        })
        .collect()
}

/// Which entries of dw[f]'s channel `ch` the student has wrong, for the arithmetic's
/// "dw so far" block.
pub fn dw_marks(app: &App, f: usize, ch: usize) -> Option<Box<dyn Fn(usize, usize) -> bool + '_>> {
    let d = diff(app, Grad::Dw)?;
    Some(Box::new(move |m, k| d.is_wrong(&[f, ch, m, k])))
}

/// The student's value of a cell, and whether it is right.
fn yours_at(d: &Diff, index: &[usize]) -> Option<(f64, bool)> {
    let v = d.yours.get(ndarray::IxDyn(index)).copied()?;
    Some((v, !d.is_wrong(index)))
}

fn mark_of(right: bool) -> &'static str {
    if right { RIGHT } else { WRONG }
}

/// Forward, beside out[n,f,i,j] in the arithmetic: `yours: 0.4121 ✗`.
pub fn yours(app: &App) -> Option<(String, Style)> {
    let d = diff(app, Grad::Out)?;
    let p = app.pos();
    let (v, right) = yours_at(d, &[p.n, p.f, p.i, p.j])?;
    let text = tr!(
        app.lang,
        "cmp.yours",
        v = fixed(v, 4),
        mark = mark_of(right)
    );
    let style = if right {
        theme::dim()
    } else {
        app.color.fg((255, 90, 90)).patch(theme::bold())
    };
    Some((text, style))
}

/// The cell the line speaks of: the wrong cell shown, when the step shows it.
fn shown_stop(app: &App, cmp: &Comparison) -> Option<(Grad, Vec<usize>)> {
    let stop = cmp.stop()?;
    let on_screen = match stop.grad {
        Grad::Out => app.phase == Phase::Forward,
        _ => app.phase == Phase::Backward,
    };
    on_screen.then(|| (stop.grad, stop.index.clone()))
}

/// The comparison's line under the arithmetic: the wrong cell shown, right against
/// yours, and how to go to the others.
pub fn render_line(app: &App, area: Rect, y: u16, buf: &mut Buffer) {
    let Some(cmp) = &app.compare else { return };
    let lang = app.lang;
    let text = if let Some((grad, index)) = shown_stop(app, cmp) {
        let Some(d) = cmp.diff(grad) else { return };
        let ix = ndarray::IxDyn(&index);
        let right = d.right.get(ix.clone()).copied().unwrap_or(f64::NAN);
        let yours = d.yours.get(ix).copied().unwrap_or(f64::NAN);
        let cells: Vec<String> = index.iter().map(usize::to_string).collect();
        tr!(
            lang,
            "cmp.line",
            cell = format!("{}[{}]", grad.name(), cells.join(",")),
            right = fixed(right, 4),
            yours = fixed(yours, 4),
            mark = WRONG,
            k = cmp.at + 1,
            total = cmp.stops.len()
        )
    } else if let Some(d) = cmp.first_wrong().filter(|d| d.rel_error.is_none()) {
        tr!(
            lang,
            "cmp.line_shape",
            name = d.grad.name(),
            yours = crate::input::shape_text(d.yours.shape()),
            right = crate::input::shape_text(d.right.shape())
        )
    } else if cmp.matches() {
        tr!(lang, "cmp.line_right").to_string()
    } else {
        return;
    };
    let style = app.color.fg((255, 90, 90)).patch(theme::bold());
    put(buf, area, area.x, y, &text, style);
}
