//! The view: `draw(&App, frame)` is a pure function of the state. `render` draws into
//! any rect (a tour draws the stepper beside its narration), `render_buffer` into a
//! fresh buffer (exports and tests). One file per panel.

pub mod check;
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
pub mod zoom;

use ratatui::Frame;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::{Terminal, widgets::Widget};

use crate::app::{Action, App, Phase};
use grid::{Grid, Placement};
use theme::ColorMode;

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
    /// The numbers around the focus (`zoom`), where a band of space is left.
    pub zoom: Option<Placement>,
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
    if let Some(p) = &plan.zoom {
        draw_group(&zoom::grids(app), p, app, buf);
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
        check::render(app, area, buf);
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
    let status_h = status::height(app, area.width, area.height);
    let status = sub(area, 0, 0, area.width, status_h);
    let hint_h = status::hint_height(app, area.width, area.height);
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
    // On a short screen (a tour's narration below), one terminal row per input row,
    // cells twice the size of half blocks, where the arithmetic can give it the row of
    // its column titles.
    let one_row_each = g.hp() + 1;
    let min_top = if area.height <= status::SHORT_ROWS
        && one_row_each > min_top
        && one_row_each + bottom_h.saturating_sub(1) <= body.height as usize
    {
        one_row_each
    } else {
        min_top
    };
    let bottom_h = bottom_h.min((body.height as usize).saturating_sub(min_top)) as u16;
    // One blank line between the panels and the arithmetic, where rows are plenty.
    let gap = u16::from(area.height >= 40);
    let top = sub(
        body,
        0,
        0,
        body.width,
        (body.height - bottom_h).saturating_sub(gap),
    );
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
        zoom: None,
        equation: Rect::default(),
        code: None,
    };
    // Backward: dx_pad (or, on a small screen with `t`, the touch counts) and the dout
    // maps in the upper half, or all of it when half cannot hold one terminal row per
    // input row; then x and the touch counts in the space left under them.
    let row_h = (g.hp() + 1).min(u16::MAX as usize) as u16;
    match app.phase {
        Phase::Forward => {
            // The zoom goes under the input if there is room, else after the kernel
            // and the key to the marks, under the maps.
            place_row(app, top, Left::Input, &mut plan);
            place_zoom(app, top, true, &mut plan);
            place_kernel_and_marks(app, top, &mut plan);
            if plan.zoom.is_none() {
                place_zoom(app, top, false, &mut plan);
            }
        }
        Phase::Backward => {
            let two_rows = top.height >= 2 * row_h;
            let (h1, left) = match (two_rows, app.show_touches) {
                (true, _) => (top.height / 2, Left::Grads),
                (false, false) => (top.height, Left::Grads),
                (false, true) => (top.height, Left::Touches),
            };
            place_row(app, sub(top, 0, 0, top.width, h1), left, &mut plan);
            place_x_below(app, top, &mut plan);
            place_zoom(app, top, false, &mut plan);
            place_kernel_and_marks(app, top, &mut plan);
        }
    }
    // The arithmetic and the code go right under the grids.
    let used = occupied(&plan)
        .iter()
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

/// Free space under what is placed so far in `top`: under the left-hand grids and left
/// of the right-hand column (maps, legend, kernel, marks), then under everything.
fn bands(plan: &Plan, top: Rect) -> Vec<Rect> {
    let bottom = |rects: &[Option<Rect>]| {
        rects
            .iter()
            .flatten()
            .map(|r| r.bottom())
            .max()
            .unwrap_or(top.y)
    };
    let lefts = [
        plan.input.as_ref().map(|p| p.used),
        plan.grads.as_ref().map(|p| p.used),
        plan.touches.as_ref().map(|p| p.used),
        plan.zoom.as_ref().map(|p| p.used),
    ];
    let rights = [
        plan.fmap.as_ref().map(|(p, _)| p.used),
        plan.legend,
        plan.kernel,
        plan.marks,
    ];
    let left_bottom = bottom(&lefts);
    let all_bottom = left_bottom.max(bottom(&rights));
    let right_x = plan
        .fmap
        .as_ref()
        .map_or(top.right(), |(p, _)| p.used.x)
        .saturating_sub(2);
    let band = |y: u16, w: u16| {
        let y = (y + 1).min(top.bottom());
        Rect::new(top.x, y, w.min(top.width), top.bottom() - y)
    };
    let mut out = Vec::new();
    if left_bottom < all_bottom && right_x > top.x {
        out.push(band(left_bottom, right_x - top.x));
    }
    out.push(band(all_bottom, top.width));
    out
}

/// Every rect placed so far.
fn occupied(plan: &Plan) -> Vec<Rect> {
    [
        plan.input.as_ref().map(|p| p.used),
        plan.grads.as_ref().map(|p| p.used),
        plan.touches.as_ref().map(|p| p.used),
        plan.fmap.as_ref().map(|(p, _)| p.used),
        plan.legend,
        plan.kernel,
        plan.marks,
        plan.zoom.as_ref().map(|p| p.used),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Free places to put a panel, best first, each running to the right and bottom edges
/// of `top` (a band left of the right-hand column stops there): under the maps'
/// legend and what is under it, right of the zoom and under what is there, then the
/// free bands.
fn free_places(plan: &Plan, top: Rect) -> Vec<Rect> {
    let mut corners: Vec<(u16, u16)> = Vec::new();
    let under = |x: u16, from: u16| {
        [plan.kernel, plan.marks, plan.zoom.as_ref().map(|p| p.used)]
            .into_iter()
            .flatten()
            .filter(|r| r.x == x)
            .map(|r| r.bottom())
            .fold(from, u16::max)
    };
    if let Some(legend) = plan.legend {
        corners.push((legend.x, under(legend.x, legend.bottom()) + 1));
    }
    if let Some(z) = &plan.zoom {
        let x = z.used.right() + 2;
        let y = under(x, z.used.y);
        corners.push((x, if y > z.used.y { y + 1 } else { y }));
    }
    let mut places: Vec<Rect> = corners
        .into_iter()
        .filter(|&(x, y)| x < top.right() && y < top.bottom())
        .map(|(x, y)| Rect::new(x, y, top.right() - x, top.bottom() - y))
        .collect();
    places.extend(bands(plan, top));
    places
}

/// The first free spot of height `h` and at least `min_w` columns.
fn free_spot(plan: &Plan, top: Rect, min_w: usize, h: u16) -> Option<Rect> {
    let taken = occupied(plan);
    free_places(plan, top).into_iter().find_map(|place| {
        let rect = Rect::new(place.x, place.y, place.width, h);
        let fits = h <= place.height
            && place.width as usize >= min_w
            && !taken.iter().any(|t| t.intersects(rect));
        fits.then_some(rect)
    })
}

/// The key to the marks, then the kernel panel (whose numbers the arithmetic also
/// shows), where there is room for them.
fn place_kernel_and_marks(app: &App, top: Rect, plan: &mut Plan) {
    plan.marks = free_spot(plan, top, 40, marks::height());
    // Its true width (numbers may be wider than -0.000), so no channel is dropped.
    plan.kernel = free_spot(
        plan,
        top,
        kernel::panel_width(app),
        kernel::panel_height(app),
    )
    .or_else(|| {
        let (w, h) = kernel::stacked_size(app);
        free_spot(plan, top, w, h)
    });
}

/// Whether every grid of a placement shows whole (no scrolling) in `mode`'s size.
fn whole(p: &Placement, rows: usize, cols: usize) -> bool {
    let (w, h) = p.mode.size(rows, cols);
    p.rects
        .iter()
        .all(|r| r.width as usize >= w && r.height as usize > h)
}

/// `grid::place` or `grid::place_tall`.
type Placer = fn(usize, usize, usize, Option<u16>, Rect, ColorMode) -> Placement;

/// Backward: x, and the touch counts beside it unless they are already up, in the
/// first free band where both show whole, else the first where x does.
fn place_x_below(app: &App, top: Rect, plan: &mut Plan) {
    let g = app.layer().geom;
    let mut fallback = None;
    let placers: [Placer; 2] = [grid::place_tall, grid::place];
    for band in bands(plan, top) {
        // Tall cells for x if the touch counts still fit beside it, else flat ones.
        for placer in placers {
            let input = placer(g.c, g.hp(), g.wp(), Some(7), band, app.color);
            if !whole(&input, g.hp(), g.wp()) {
                continue;
            }
            let x = input.used.width + 2;
            let rest = sub(band, x, 0, band.width.saturating_sub(x), band.height);
            let touches = (plan.touches.is_none() && rest.width >= 8)
                .then(|| grid::place_tall(1, g.hp(), g.wp(), Some(5), rest, app.color))
                .filter(|t| whole(t, g.hp(), g.wp()));
            if touches.is_some() || plan.touches.is_some() {
                plan.input = Some(input);
                plan.touches = plan.touches.take().or(touches);
                return;
            }
            fallback = fallback.or(Some(input));
        }
    }
    plan.input = fallback;
}

/// The numbers around the focus, in the first free band they fit whole, when the
/// grids they zoom into are too small for numbers.
fn place_zoom(app: &App, top: Rect, bands_only: bool, plan: &mut Plan) {
    let zoomed = match app.phase {
        Phase::Forward => plan.fmap.as_ref().map(|(p, _)| p.mode),
        Phase::Backward => plan.grads.as_ref().map(|p| p.mode),
    };
    if zoomed.is_some_and(|m| m.has_numbers()) {
        return;
    }
    let e = zoom::extent(app);
    let places = if bands_only {
        bands(plan, top)
    } else {
        free_places(plan, top)
    };
    for band in places {
        let p = grid::place(e.k, e.rows, e.cols, Some(8), band, app.color);
        let taken = occupied(plan);
        let rows_fit = p.rects.len() == e.k
            && p.used.bottom() <= band.bottom()
            && !taken.iter().any(|t| t.intersects(p.used));
        if p.mode == grid::CellMode::Numbers(8) && whole(&p, e.rows, e.cols) && rows_fit {
            plan.zoom = Some(p);
            return;
        }
    }
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
    // Tall cells on the left only when they leave the maps as rich as flat ones do.
    let flat = grid::place(k, g.hp(), g.wp(), numbers, left_area, app.color);
    let tall = grid::place_tall(k, g.hp(), g.wp(), numbers, left_area, app.color);
    let maps_flat = place_maps(app, row, flat.used);
    let maps_tall = place_maps(app, row, tall.used);
    // Then room for a legend with a readable bar.
    let rank = |m: &Maps| {
        (
            m.filters.len(),
            m.placement.mode.richness(),
            m.legend.width.min(26),
        )
    };
    let (placed, maps) = if rank(&maps_tall) >= rank(&maps_flat) {
        (tall, maps_tall)
    } else {
        (flat, maps_flat)
    };
    match left {
        Left::Input => plan.input = Some(placed),
        Left::Grads => plan.grads = Some(placed),
        Left::Touches => plan.touches = Some(placed),
    }
    plan.legend = Some(maps.legend);
    plan.fmap = Some((maps.placement, maps.filters));
}

/// The feature maps and their legend beside a left-hand group that uses `used`.
struct Maps {
    placement: Placement,
    filters: Vec<usize>,
    legend: Rect,
}

fn place_maps(app: &App, row: Rect, used: Rect) -> Maps {
    let g = app.layer().geom;
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
    // Tall cells for the maps only where the key to the marks and the kernel still
    // fit under them.
    let extras = 2 + marks::height() + 1 + kernel::panel_height(app) + 1;
    let tall = grid::place_tall(g.f, g.h_out, g.w_out, Some(8), maps, app.color);
    let placed = if tall.used.height.saturating_add(extras) <= right.height {
        tall
    } else {
        grid::place(g.f, g.h_out, g.w_out, Some(8), maps, app.color)
    };
    let (placement, filters) = if whole(&placed, g.h_out, g.w_out) || g.f == 1 {
        (placed, all)
    } else {
        let one = grid::place(1, g.h_out, g.w_out, Some(8), maps, app.color);
        (one, vec![app.pos().f])
    };
    let legend_y = placement
        .used
        .bottom()
        .min(right.bottom().saturating_sub(1));
    let legend = Rect::new(right.x, legend_y, right.width, 1).intersection(right);
    Maps {
        placement,
        filters,
        legend,
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
    if let Some(p) = &plan.zoom {
        let e = zoom::extent(app);
        for (grid, rect) in zoom::grids(app).iter().zip(&p.rects) {
            if let Some((r, c)) = grid.cell_at(*rect, p.mode, x, y) {
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
