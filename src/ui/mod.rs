//! The view: `draw(&App, frame)` is a pure function of the state. `render` draws into
//! any rect (a tour draws the stepper beside its narration), `render_buffer` into a
//! fresh buffer (exports and tests). One file per panel.

pub mod blocks;
pub mod check;
pub mod code;
pub mod compare;
pub mod dw_view;
pub mod equation;
pub mod feature_map;
pub mod gradients;
pub mod grid;
pub mod help;
pub mod im2col;
pub mod input_grid;
pub mod kernel;
pub mod layout;
pub mod marks;
pub mod overview;
pub mod pool;
pub mod receptive;
pub mod stack_strip;
pub mod status;
pub mod text;
pub mod theme;
pub mod transposed;
pub mod views;
pub mod zoom;

use ratatui::Frame;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::{Terminal, widgets::Widget};

use crate::app::{Action, App, Phase};
use crate::tr;
use grid::Grid;
use layout::place::Placement;
use layout::sub;
pub use layout::{Plan, plan};

/// The smallest area the stepper draws in.
pub const MIN_COLS: u16 = 60;
pub const MIN_ROWS: u16 = 16;

/// Draws the stepper into the whole frame.
pub fn draw(app: &App, frame: &mut Frame) {
    let area = frame.area();
    render(app, area, frame.buffer_mut());
}

/// Renders the stepper into a fresh buffer of cols x rows (through a TestBackend, the
/// same draw code the terminal uses).
pub fn render_buffer(app: &App, cols: u16, rows: u16) -> Buffer {
    let backend = TestBackend::new(cols.max(1), rows.max(1));
    match Terminal::new(backend) {
        Ok(mut terminal) => match terminal.draw(|frame| draw(app, frame)) {
            Ok(done) => done.buffer.clone(),
            Err(_) => Buffer::empty(Rect::new(0, 0, cols, rows)),
        },
        Err(_) => Buffer::empty(Rect::new(0, 0, cols, rows)),
    }
}

/// Draws the stepper into `area` of `buf`.
pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let area = area.intersection(buf.area);
    ratatui::widgets::Clear.render(area, buf);
    if area.width < MIN_COLS || area.height < MIN_ROWS {
        too_small(app, area, buf);
        return;
    }
    if let Some((status, hint, body)) = layout::view_body(app, area) {
        status::render(app, status, buf);
        status::render_hint(app, hint, buf);
        views::render(app, body, buf);
        overlays(app, area, status, buf);
        return;
    }
    let plan = plan(app, area);
    status::render(app, plan.status, buf);
    status::render_hint(app, plan.hint, buf);
    if let Some(p) = &plan.overview {
        let grid = overview::grid(app, p.shown, plan.zoom.is_some().then_some(plan.zoom_wide));
        if let Some(rect) = p.rects.first() {
            let title_w = layout::title_width(&plan, p, *rect);
            grid.render_titled(*rect, title_w, p.mode, app.color, buf);
        }
    }
    if let Some(rect) = plan.dout_line {
        feature_map::render_dout_line(app, rect, buf);
    }
    if let Some(p) = &plan.input {
        draw_group(input_grid::grids(app), p, &plan, app, buf);
    }
    if let Some(p) = &plan.grads {
        draw_group(
            compare::marked_dx_pad(app, gradients::dx_pad_grids(app)),
            p,
            &plan,
            app,
            buf,
        );
    }
    if let Some(p) = &plan.touches {
        draw_group(vec![gradients::touches_grid(app)], p, &plan, app, buf);
    }
    if let Some((p, filters)) = &plan.fmap {
        let maps = compare::marked_maps(app, feature_map::grids(app, filters), filters);
        draw_group(maps, p, &plan, app, buf);
    }
    if let Some(p) = &plan.zoom {
        draw_group(zoom::grids(app, plan.zoom_wide), p, &plan, app, buf);
    }
    if let Some(legend) = plan.legend {
        let filters = plan.fmap.as_ref().map_or(&[][..], |(_, f)| f.as_slice());
        feature_map::render_legend(app, legend, buf, filters);
    }
    if let Some(rect) = plan.dx_legend {
        gradients::render_legend(app, rect, buf);
    }
    if let Some(rect) = plan.zoom_head {
        text::put_title(
            buf,
            rect,
            rect.x,
            rect.y,
            &zoom::head(app, plan.zoom_wide),
            theme::bold(),
        );
    }
    if let Some(rect) = plan.kernel {
        kernel::render_panel(app, rect, buf);
    }
    if let Some(rect) = plan.marks {
        marks::render(app, rect, buf);
    }
    if app.kind().router().is_some() {
        pool::render(app, plan.equation, buf);
        if let Some(code) = plan.code {
            pool::render_code(app, code, buf);
        }
    } else {
        equation::render(app, plan.equation, buf);
        if let Some(code) = plan.code {
            code::render(app, code, buf);
        }
    }
    if let Some(rect) = plan.strip {
        stack_strip::render(app, rect, buf);
    }
    if let Some(rect) = plan.field {
        receptive::render(app, rect, buf);
    }
    overlays(app, area, plan.status, buf);
}

/// The gradient check's box and the help, over whatever view is drawn.
fn overlays(app: &App, area: Rect, status: Rect, buf: &mut Buffer) {
    if app.check.is_some() {
        check::render(app, area, buf);
    }
    if app.help {
        // Below the status line, which stays readable.
        let below = sub(
            area,
            0,
            status.height,
            area.width,
            area.height - status.height,
        );
        help::render(app, below, buf);
    }
}

fn draw_group(grids: Vec<Grid>, placement: &Placement, plan: &Plan, app: &App, buf: &mut Buffer) {
    for (grid, rect) in grids.into_iter().zip(&placement.rects) {
        let title_w = layout::title_width(plan, placement, *rect);
        grid.scaled(placement.shown)
            .render_titled(*rect, title_w, placement.mode, app.color, buf);
    }
}

/// The grid cell of a placed (maybe scaled) grid under (x, y), in the grid's own
/// coordinates.
fn hit(grid: Grid, rect: Rect, p: &Placement, x: u16, y: u16) -> Option<(usize, usize)> {
    let (rows, cols, ring) = (grid.rows, grid.cols, grid.ring());
    let s = grid.factor(p.shown);
    let (r, c) = grid.shrunk(s).cell_at(rect, p.mode, x, y)?;
    let (ar, ac) = (
        grid::Axis::new(rows, ring, s),
        grid::Axis::new(cols, ring, s),
    );
    Some((ar.source(r), ac.source(c)))
}

fn too_small(app: &App, area: Rect, buf: &mut Buffer) {
    say_too_small(app.lang, (MIN_COLS, MIN_ROWS), area, buf);
}

/// Says that `area` is smaller than `needs` (columns, rows), each line wrapped at
/// spaces to the width there is (never cut inside a word), as many as fit.
pub fn say_too_small(lang: crate::i18n::Lang, needs: (u16, u16), area: Rect, buf: &mut Buffer) {
    let needs = format!("{}x{}", needs.0, needs.1);
    let is = format!("{}x{}", area.width, area.height);
    let lines = [
        tr!(lang, "ui.too_small").to_string(),
        tr!(lang, "ui.needs", size = needs),
        tr!(lang, "ui.is", size = is),
    ];
    let wrapped = lines
        .iter()
        .flat_map(|line| text::wrap_words(line, area.width.into()));
    for (k, line) in wrapped.take(area.height.into()).enumerate() {
        text::put(buf, area, area.x, area.y + k as u16, &line, theme::bold());
    }
}

/// What a mouse click at (x, y) in `area` asks for: a feature-map cell jumps to its
/// step, an input (or dx_pad, or touches, or photo) cell is selected.
pub fn hit_test(app: &App, area: Rect, x: u16, y: u16) -> Option<Action> {
    if area.width < MIN_COLS || area.height < MIN_ROWS || app.help {
        return None;
    }
    if let Some((_, _, body)) = layout::view_body(app, area) {
        return views::hit_test(app, body, x, y);
    }
    let plan = plan(app, area);
    if let Some(rect) = plan.strip
        && let Some(layer) = stack_strip::layer_at(app, rect, x, y)
    {
        return Some(Action::PickLayer { layer });
    }
    if let Some((p, filters)) = &plan.fmap {
        let grids = feature_map::grids(app, filters);
        for ((grid, rect), &f) in grids.into_iter().zip(&p.rects).zip(filters) {
            if let Some((i, j)) = hit(grid, *rect, p, x, y) {
                return Some(Action::JumpTo { f, i, j });
            }
        }
    }
    if let Some(rect) = plan.kernel
        && let Some((c, m, k)) = kernel::tap_at(app, rect, x, y)
    {
        return Some(Action::SelectTap { c, m, k });
    }
    if let Some(p) = &plan.zoom {
        let e = zoom::extent_sized(app, plan.zoom_wide);
        for (grid, rect) in zoom::grids(app, plan.zoom_wide).into_iter().zip(&p.rects) {
            if let Some((r, c)) = hit(grid, *rect, p, x, y) {
                let (r, c) = (e.r0 + r, e.c0 + c);
                return Some(match app.phase {
                    Phase::Backward => Action::SelectCell { row: r, col: c },
                    Phase::Forward => Action::JumpTo {
                        f: app.pos().f,
                        i: r,
                        j: c,
                    },
                });
            }
        }
    }
    if let Some(p) = &plan.overview
        && let Some(rect) = p.rects.first()
    {
        let g = app.layer().geom;
        let grid = overview::grid(app, p.shown, None);
        let shown = (grid.rows, grid.cols);
        if let Some((r, c)) = grid.cell_at(*rect, p.mode, x, y) {
            let s = grid::scale_of((g.h, g.w), shown);
            let row = grid::Axis::new(g.h, 0, s).source(r) + g.pad;
            let col = grid::Axis::new(g.w, 0, s).source(c) + g.pad;
            return Some(Action::SelectCell { row, col });
        }
    }
    let groups = [
        (plan.input.as_ref(), input_grid::grids(app)),
        (plan.grads.as_ref(), gradients::dx_pad_grids(app)),
        (plan.touches.as_ref(), vec![gradients::touches_grid(app)]),
    ];
    for (placement, grids) in groups {
        let Some(p) = placement else { continue };
        for (grid, rect) in grids.into_iter().zip(&p.rects) {
            if let Some((row, col)) = hit(grid, *rect, p, x, y) {
                return Some(Action::SelectCell { row, col });
            }
        }
    }
    None
}
