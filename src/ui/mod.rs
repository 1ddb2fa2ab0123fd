//! The view: `draw(&App, frame)` is a pure function of the state. `render` draws into
//! any rect (a tour draws the stepper beside its narration), `render_buffer` into a
//! fresh buffer (exports and tests). One file per panel.

pub mod code;
pub mod equation;
pub mod feature_map;
pub mod gradients;
pub mod grid;
pub mod help;
pub mod input_grid;
pub mod kernel;
pub mod marks;
pub mod status;
pub mod text;
pub mod theme;

use ratatui::Frame;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::{Terminal, widgets::Widget};

use crate::app::{Action, App, Phase};
use grid::{Grid, Placement};

/// The smallest area the stepper draws in.
pub const MIN_COLS: u16 = 60;
pub const MIN_ROWS: u16 = 16;

/// Where each panel goes in a given rect: a pure function of the state and the rect,
/// shared by drawing and by mouse hit-testing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub status: Rect,
    pub hint: Rect,
    /// The input x, one grid per channel.
    pub input: Option<Placement>,
    /// dx_pad (running), one grid per channel.
    pub grads: Option<Placement>,
    /// Touch counts, one grid.
    pub touches: Option<Placement>,
    /// Feature maps (forward: out; backward: dout), and which filters they show.
    pub fmap: Option<(Placement, Vec<usize>)>,
    pub legend: Option<Rect>,
    /// Under the feature maps where there is room: the kernel panel and the key to marks.
    pub kernel: Option<Rect>,
    pub marks: Option<Rect>,
    pub equation: Rect,
    pub code: Option<Rect>,
}

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
        too_small(area, buf);
        return;
    }
    let plan = plan(app, area);
    status::render(app, plan.status, buf);
    status::render_hint(app, plan.hint, buf);
    if let Some(p) = &plan.input {
        draw_group(&input_grid::grids(app), p, app, buf);
    }
    if let Some(p) = &plan.grads {
        draw_group(&gradients::dx_pad_grids(app), p, app, buf);
    }
    if let Some(p) = &plan.touches {
        draw_group(&[gradients::touches_grid(app)], p, app, buf);
    }
    if let Some((p, filters)) = &plan.fmap {
        draw_group(&feature_map::grids(app, filters), p, app, buf);
    }
    if let Some(legend) = plan.legend {
        feature_map::render_legend(app, legend, buf);
    }
    if let Some(rect) = plan.kernel {
        kernel::render_panel(app, rect, buf);
    }
    if let Some(rect) = plan.marks {
        marks::render(app, rect, buf);
    }
    equation::render(app, plan.equation, buf);
    if let Some(code) = plan.code {
        code::render(app, code, buf);
    }
    if app.check.is_some() {
        gradients::render_check(app, area, buf);
    }
    if app.help {
        // Below the status line, which stays readable.
        let below = sub(
            area,
            0,
            plan.status.height,
            area.width,
            area.height - plan.status.height,
        );
        help::render(app, below, buf);
    }
}

fn draw_group(grids: &[Grid], placement: &Placement, app: &App, buf: &mut Buffer) {
    for (grid, rect) in grids.iter().zip(&placement.rects) {
        grid.render(*rect, placement.mode, app.color, buf);
    }
}

fn too_small(area: Rect, buf: &mut Buffer) {
    let lines = [
        "convstep: the terminal is too small".to_string(),
        format!("it needs at least {MIN_COLS}x{MIN_ROWS}"),
        format!("it is {}x{}", area.width, area.height),
    ];
    for (k, line) in lines.iter().enumerate() {
        text::put(buf, area, area.x, area.y + k as u16, line, theme::bold());
    }
}

fn sub(area: Rect, dx: u16, dy: u16, w: u16, h: u16) -> Rect {
    Rect::new(area.x + dx, area.y + dy, w, h).intersection(area)
}

/// Where every panel goes in `area`.
pub fn plan(app: &App, area: Rect) -> Plan {
    let g = app.layer().geom;
    let status_h = status::height(area.width);
    let status = sub(area, 0, 0, area.width, status_h);
    let hint_h = status::hint_height(app, area.width);
    let hint = sub(area, 0, area.height - hint_h, area.width, hint_h);
    let body = sub(
        area,
        0,
        status_h,
        area.width,
        area.height - status_h - hint_h,
    );

    let (eq_w, eq_h) = equation::size(app);
    let code_size = code::size(app);
    let code_fits = body.width as usize >= eq_w + 2 + code_size.0.min(40);
    let bottom_h = if code_fits {
        eq_h.max(code_size.1)
    } else {
        eq_h
    };
    let min_top = (g.hp().div_ceil(2) + 1).min(body.height as usize / 2);
    let bottom_h = bottom_h.min((body.height as usize).saturating_sub(min_top)) as u16;
    let top = sub(body, 0, 0, body.width, body.height - bottom_h);
    let mut plan = Plan {
        status,
        hint,
        input: None,
        grads: None,
        touches: None,
        fmap: None,
        legend: None,
        kernel: None,
        marks: None,
        equation: Rect::default(),
        code: None,
    };
    // Backward shows x and the touches in a second row when both rows can hold a grid
    // of one terminal row per input row; else dx_pad alone (`t` swaps in the touches).
    let row_h = (g.hp() + 1).min(u16::MAX as usize) as u16;
    match app.phase {
        Phase::Forward => place_row(app, top, Left::Input, &mut plan),
        Phase::Backward if top.height >= 2 * row_h => {
            let h1 = top.height / 2;
            let row1 = sub(top, 0, 0, top.width, h1);
            let row2 = sub(top, 0, h1, top.width, top.height - h1);
            place_row(app, row1, Left::Grads, &mut plan);
            let input = grid::place(g.c, g.hp(), g.wp(), Some(7), row2, app.color);
            let rest = sub(
                row2,
                input.used.width + 2,
                0,
                row2.width.saturating_sub(input.used.width + 2),
                row2.height,
            );
            plan.input = Some(input);
            if rest.width >= 8 {
                plan.touches = Some(grid::place(1, g.hp(), g.wp(), Some(5), rest, app.color));
            }
        }
        Phase::Backward => {
            let left = if app.show_touches {
                Left::Touches
            } else {
                Left::Grads
            };
            place_row(app, top, left, &mut plan);
        }
    }
    // The arithmetic and the code go right under the grids.
    let used = [
        plan.input.as_ref().map(|p| p.used),
        plan.grads.as_ref().map(|p| p.used),
        plan.touches.as_ref().map(|p| p.used),
        plan.fmap.as_ref().map(|(p, _)| p.used),
        plan.legend,
        plan.kernel,
        plan.marks,
    ]
    .into_iter()
    .flatten()
    .map(|r| r.bottom())
    .max()
    .unwrap_or(top.y);
    let y = (used + 1).min(body.bottom() - bottom_h);
    let bottom = Rect::new(body.x, y, body.width, body.bottom() - y);
    let eq_w = eq_w.min(bottom.width as usize) as u16;
    plan.equation = sub(bottom, 0, 0, eq_w, bottom.height);
    plan.code = code_fits.then(|| {
        let x = plan.equation.width + 2;
        sub(bottom, x, 0, bottom.width.saturating_sub(x), bottom.height)
    });
    plan
}

enum Left {
    Input,
    Grads,
    Touches,
}

/// One row of grids: the input-shaped group on the left, the feature maps (and their
/// legend) on the right.
fn place_row(app: &App, row: Rect, left: Left, plan: &mut Plan) {
    let g = app.layer().geom;
    // The maps may scroll too; the input keeps most of the width.
    let fmap_min = (g.w_out as u16).clamp(18, 32) + 2;
    let left_area = sub(row, 0, 0, row.width.saturating_sub(fmap_min), row.height);
    let (k, numbers) = match left {
        Left::Input => (g.c, Some(7)),
        Left::Grads => (g.c, Some(8)),
        Left::Touches => (1, Some(5)),
    };
    let placed = grid::place(k, g.hp(), g.wp(), numbers, left_area, app.color);
    let used = placed.used;
    match left {
        Left::Input => plan.input = Some(placed),
        Left::Grads => plan.grads = Some(placed),
        Left::Touches => plan.touches = Some(placed),
    }
    let x = used.width + 2;
    let right = sub(row, x, 0, row.width.saturating_sub(x), row.height);
    // The maps keep to the height of the grids beside them (the arithmetic comes right
    // under both), unless one map in half blocks needs more.
    let one_half = (g.h_out.div_ceil(2) + 1).min(u16::MAX as usize) as u16;
    let maps_h = used
        .height
        .max(one_half)
        .min(right.height.saturating_sub(1));
    let maps = sub(right, 0, 0, right.width, maps_h);
    let all: Vec<usize> = (0..g.f).collect();
    let whole = |p: &Placement| {
        let (w, h) = p.mode.size(g.h_out, g.w_out);
        p.rects
            .iter()
            .all(|r| r.width as usize >= w && r.height as usize > h)
    };
    let placed = grid::place(g.f, g.h_out, g.w_out, Some(8), maps, app.color);
    let (placed, filters) = if whole(&placed) || g.f == 1 {
        (placed, all)
    } else {
        let one = grid::place(1, g.h_out, g.w_out, Some(8), maps, app.color);
        (one, vec![app.pos().f])
    };
    let legend_y = placed.used.bottom().min(right.bottom().saturating_sub(1));
    plan.legend = Some(Rect::new(right.x, legend_y, right.width, 1).intersection(right));
    plan.fmap = Some((placed, filters));
    // Room left under the maps: the kernel, then the key to the marks.
    let mut y = legend_y + 2;
    let kernel_h = kernel::panel_height(app);
    let kernel_w = g.c.saturating_mul(g.ww * 7 + 2);
    if y.saturating_add(kernel_h) <= right.bottom() && kernel_w <= right.width as usize + 2 {
        plan.kernel = Some(Rect::new(right.x, y, right.width, kernel_h));
        y += kernel_h + 1;
    }
    if y.saturating_add(marks::height()) <= right.bottom() && right.width >= 40 {
        plan.marks = Some(Rect::new(right.x, y, right.width, marks::height()));
    }
}

/// What a mouse click at (x, y) in `area` asks for: a feature-map cell jumps to its
/// step, an input (or dx_pad, or touches) cell is selected.
pub fn hit_test(app: &App, area: Rect, x: u16, y: u16) -> Option<Action> {
    if area.width < MIN_COLS || area.height < MIN_ROWS || app.help {
        return None;
    }
    let plan = plan(app, area);
    if let Some((p, filters)) = &plan.fmap {
        let grids = feature_map::grids(app, filters);
        for ((grid, rect), &f) in grids.iter().zip(&p.rects).zip(filters) {
            if let Some((i, j)) = grid.cell_at(*rect, p.mode, x, y) {
                return Some(Action::JumpTo { f, i, j });
            }
        }
    }
    if let Some(rect) = plan.kernel
        && let Some((c, m, k)) = kernel::tap_at(app, rect, x, y)
    {
        return Some(Action::SelectTap { c, m, k });
    }
    let groups = [
        (plan.input.as_ref(), input_grid::grids(app)),
        (plan.grads.as_ref(), gradients::dx_pad_grids(app)),
        (plan.touches.as_ref(), vec![gradients::touches_grid(app)]),
    ];
    for (placement, grids) in groups {
        let Some(p) = placement else { continue };
        for (grid, rect) in grids.iter().zip(&p.rects) {
            if let Some((row, col)) = grid.cell_at(*rect, p.mode, x, y) {
                return Some(Action::SelectCell { row, col });
            }
        }
    }
    None
}
