//! The layout engine: where each panel of the stepper goes in a given rect, as a pure
//! function of the state and the rect ([`plan`]). Drawing (`ui::render`) and mouse
//! hit-testing (`ui::hit_test`) both read the same [`Plan`], so a click always lands on
//! what is drawn. Grids are placed whole, scaled down when they must be, and every
//! place is chosen so that no two panels overlap.

use ratatui::layout::Rect;

pub mod place;

use super::grid::{self, CellMode};
use super::{
    code, equation, gradients, kernel, marks, overview, pool, receptive, stack_strip, status, zoom,
};
use crate::app::{App, Phase, View};
use place::Placement;

/// Where each panel goes in a given rect: a pure function of the state and the rect,
/// shared by drawing and by mouse hit-testing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub status: Rect,
    pub hint: Rect,
    /// The photograph in its own colours, whole (a colour picture only).
    pub overview: Option<Placement>,
    /// Backward, when dout is one constant: the line that says so, in place of its maps.
    pub dout_line: Option<Rect>,
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
    /// Whether the zoom shows its wide extent (else the window alone, or 3 x 3 outputs).
    pub zoom_wide: bool,
    /// Backward, the line over the zoomed channels naming the rows and columns shown.
    pub zoom_head: Option<Rect>,
    /// Backward, dx_pad's colour scale under its grids.
    pub dx_legend: Option<Rect>,
    pub equation: Rect,
    pub code: Option<Rect>,
    /// A stack of more than one layer: the strip of every layer's thumbnails.
    pub strip: Option<Rect>,
    /// The receptive field's panel (`o`), in the code's place or the arithmetic's.
    pub field: Option<Rect>,
}

impl Plan {
    /// Every grid group of the frame and where it goes (the geometry tests read).
    pub fn grids(&self) -> Vec<(&'static str, &Placement)> {
        [
            ("overview", self.overview.as_ref()),
            ("x", self.input.as_ref()),
            ("dx_pad", self.grads.as_ref()),
            ("touches", self.touches.as_ref()),
            ("maps", self.fmap.as_ref().map(|(p, _)| p)),
            ("zoom", self.zoom.as_ref()),
        ]
        .into_iter()
        .filter_map(|(name, p)| p.map(|p| (name, p)))
        .collect()
    }
}

pub(super) fn sub(area: Rect, dx: u16, dy: u16, w: u16, h: u16) -> Rect {
    Rect::new(area.x + dx, area.y + dy, w, h).intersection(area)
}

/// Grids larger than this many cells never get numbers (no screen holds them), so
/// their values are not read to size the numbers.
const NUMBERED_MAX: usize = 400;

/// The characters the numbers of a rows x cols grid need, when it is small enough to
/// be numbered.
fn chars_of(rows: usize, cols: usize, values: impl Iterator<Item = f64>) -> Option<u16> {
    (rows * cols <= NUMBERED_MAX).then(|| grid::chars_needed(values))
}

/// The numbered modes of at most `lines` lines, then numbers on one line (of
/// `chars`, then of four characters, one decimal less), then blocks and half blocks.
fn modes_upto(app: &App, chars: Option<u16>, lines: u16) -> Vec<CellMode> {
    let mut modes = chars
        .map(|n| place::number_modes(n, lines))
        .unwrap_or_default();
    if let Some(n) = chars {
        modes.push(CellMode::Line(n + 1));
        if n > 4 {
            modes.push(CellMode::Line(5));
        }
    }
    modes.push(CellMode::Blocks);
    if app.color.has_color() {
        modes.push(CellMode::Half);
    }
    modes
}

/// The modes no richer than `than` (the array being written keeps the largest).
fn modes_below(app: &App, chars: Option<u16>, than: CellMode) -> Vec<CellMode> {
    let lines = match than {
        CellMode::Tall(_, h) => h,
        _ => 0,
    };
    modes_upto(app, chars, lines)
        .into_iter()
        .filter(|m| m.richness() <= than.richness())
        .collect()
}

fn x_chars(app: &App) -> Option<u16> {
    let g = app.layer().geom;
    chars_of(g.hp(), g.wp(), app.layer().x.iter().copied())
}

fn dx_chars(app: &App) -> Option<u16> {
    let g = app.layer().geom;
    let full = &app.full().grads.dx_pad;
    chars_of(g.hp(), g.wp(), full.iter().copied())
}

fn map_chars(app: &App) -> Option<u16> {
    let g = app.layer().geom;
    match app.phase {
        Phase::Forward => chars_of(g.h_out, g.w_out, app.out().iter().copied()),
        Phase::Backward => chars_of(g.h_out, g.w_out, app.scene.dout.iter().copied()),
    }
}

fn touch_chars(app: &App) -> Option<u16> {
    let g = app.layer().geom;
    chars_of(
        g.hp(),
        g.wp(),
        [app.backward_ranges().touches_max as f64].into_iter(),
    )
}

/// The other views (`App::view` not `Steps`): the status line, the hint line and the
/// body between them, which the view's own file lays out (`ui::views`).
pub fn view_body(app: &App, area: Rect) -> Option<(Rect, Rect, Rect)> {
    if app.view == View::Steps {
        return None;
    }
    let status_h = status::height(app, area.width, area.height);
    let hint_h = status::hint_height(app, area.width, area.height);
    let status = sub(area, 0, 0, area.width, status_h);
    let hint = sub(area, 0, area.height - hint_h, area.width, hint_h);
    let body = sub(
        area,
        0,
        status_h,
        area.width,
        area.height - status_h - hint_h,
    );
    Some((status, hint, body))
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
    // A stack: its strip over everything else.
    let strip_h = stack_strip::height(app, area.height).min(body.height / 3);
    let strip = (strip_h > 0).then(|| sub(body, 0, 0, body.width, strip_h));
    let body = sub(body, 0, strip_h, body.width, body.height - strip_h);
    let routes = app.kind().router().is_some();

    let (eq_w, eq_h) = if routes {
        pool::size(app)
    } else {
        equation::size(app)
    };
    let code_size = code::size(app);
    let beside = |eq_w: usize| body.width as usize >= eq_w + 2 + code_size.0.min(40);
    // Backward's wider arithmetic (dx_pad before + dout·w = after) gives way to the
    // listing where only its narrower form leaves the listing room.
    let eq_w = match equation::narrow_width(app) {
        Some(narrow) if !routes && !beside(eq_w) && beside(narrow) => narrow,
        _ => eq_w,
    };
    let code_fits = beside(eq_w);
    let bottom_h = if code_fits {
        eq_h.max(code_size.1)
    } else {
        eq_h
    };
    // The grids keep at least a third of the body (half blocks show a picture there).
    // The grids keep at least a third of the body; a photograph half, so that its
    // overview is a picture one recognises.
    // Backward, half too: dx_pad is the lesson, the arithmetic shows its last rows.
    let share =
        if (overview::is_photo(app) && app.color.has_color()) || app.phase == Phase::Backward {
            2
        } else {
            3
        };
    let min_top = (body.height as usize / share)
        .max(4)
        .min(body.height as usize / 2);
    // On a short screen (a tour's narration below), one terminal row per input row,
    // square two-column cells, where the arithmetic can give it the row of its
    // column titles.
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
        overview: None,
        dout_line: None,
        input: None,
        grads: None,
        touches: None,
        fmap: None,
        legend: None,
        kernel: None,
        marks: None,
        zoom: None,
        zoom_wide: true,
        zoom_head: None,
        dx_legend: None,
        equation: Rect::default(),
        code: None,
        strip,
        field: None,
    };
    // A colour picture gets its overview on the left, the grids the rest (without
    // colour there is no picture to show).
    let fresh = plan.clone();
    let mut rest = top;
    let photo_forward =
        app.phase == Phase::Forward && overview::is_photo(app) && app.color.has_color();
    if photo_forward && x_chars(app).is_none() && place_photo_row(app, top, &mut plan) {
        place_zoom(app, top, true, &mut plan);
        place_kernel_and_marks(app, top, &mut plan);
        if plan.zoom.is_none() {
            place_zoom(app, top, false, &mut plan);
        }
        // On a short screen the maps' legend under the row takes the blank line.
        let tight = area.height <= status::SHORT_ROWS;
        return finish(
            app,
            plan,
            (top, body, tight),
            bottom_h,
            eq_w,
            code_fits,
            routes,
        );
    }
    let mut tight = false;
    if photo_forward {
        let share = (top.width as usize * 2 / 5).clamp(20, 80) as u16;
        let box_ = sub(top, 0, 0, share.min(top.width), top.height);
        let p = place::place_modes(1, g.h, g.w, &[CellMode::Blocks, CellMode::Half], box_);
        let x = p.used.right() + 2 - top.x;
        rest = sub(top, x, 0, top.width.saturating_sub(x), top.height);
        plan.overview = Some(p);
    }
    match app.phase {
        Phase::Forward => {
            // The largest cells that leave the kernel panel a place (a larger screen
            // never loses a panel a smaller one shows), else the largest.
            // The largest cells that leave the kernel panel and the key a place (a
            // larger screen never loses a panel a smaller one shows), else the
            // largest that leave the kernel one, else the largest.
            let start = plan.clone();
            let mut tries = Vec::new();
            for cap in (2..=place::MAX_LINES).rev() {
                let mut p = start.clone();
                place_row(app, rest, cap, &mut p);
                place_zoom(app, top, true, &mut p);
                place_kernel_and_marks(app, top, &mut p);
                if p.zoom.is_none() {
                    place_zoom(app, top, false, &mut p);
                }
                let numbered = p.input.as_ref().is_some_and(|p| p.mode.has_numbers());
                let done = (p.kernel.is_some() && p.marks.is_some()) || !numbered;
                tries.push(p);
                if done {
                    break;
                }
            }
            let last = tries.len() - 1;
            let pick = if tries[last].kernel.is_some() && tries[last].marks.is_some() {
                last
            } else {
                tries.iter().position(|p| p.kernel.is_some()).unwrap_or(0)
            };
            plan = tries.swap_remove(pick);
            // A photograph whose x prints numbers beside it at another scale: one row
            // at one scale instead.
            if photo_forward && !photo_at_one_scale(app, &plan) {
                let mut one = fresh.clone();
                if place_photo_row(app, top, &mut one) {
                    place_zoom(app, top, true, &mut one);
                    place_kernel_and_marks(app, top, &mut one);
                    if one.zoom.is_none() {
                        place_zoom(app, top, false, &mut one);
                    }
                    plan = one;
                    tight = area.height <= status::SHORT_ROWS;
                }
            }
        }
        Phase::Backward => {
            let mut row = rest;
            if app.backward_ranges().dout_constant.is_some() {
                plan.dout_line = Some(sub(row, 0, 0, row.width, 1));
                row = sub(row, 0, 2, row.width, row.height.saturating_sub(2));
            }
            place_written(app, row, &mut plan);
            place_zoom(app, top, false, &mut plan);
            // Then the context, in what is left, never in larger cells than the
            // array being written: the dout maps, the photograph, the kernel, x and
            // the touch counts, the key to the marks.
            place_dout_maps(app, top, &mut plan);
            place_thumbnail(app, top, &mut plan);
            plan.kernel = free_spot(
                &plan,
                top,
                kernel::panel_width(app),
                kernel::panel_height(app),
            )
            .or_else(|| {
                let (w, h) = kernel::stacked_size(app);
                free_spot(&plan, top, w, h)
            });
            place_x_below(app, top, &mut plan);
            plan.marks = free_spot(&plan, top, 40, marks::height());
        }
    }
    finish(
        app,
        plan,
        (top, body, tight),
        bottom_h,
        eq_w,
        code_fits,
        routes,
    )
}

/// The arithmetic and the code right under the grids, and the receptive field's panel.
fn finish(
    app: &App,
    mut plan: Plan,
    (top, body, tight): (Rect, Rect, bool),
    bottom_h: u16,
    eq_w: usize,
    code_fits: bool,
    routes: bool,
) -> Plan {
    // The arithmetic and the code go right under the grids.
    let used = occupied(&plan)
        .iter()
        .map(|r| r.bottom())
        .max()
        .unwrap_or(top.y);
    // One blank line under the grids, unless `tight` and the legend is the last line.
    let legend_last = plan.legend.is_some_and(|l| l.bottom() == used);
    let blank = u16::from(!(tight && legend_last));
    let y = (used + blank).min(body.bottom() - bottom_h);
    let bottom = Rect::new(body.x, y, body.width, body.bottom() - y);
    let eq_w = eq_w.min(bottom.width as usize) as u16;
    plan.equation = sub(bottom, 0, 0, eq_w, bottom.height);
    plan.code = code_fits.then(|| {
        let x = plan.equation.width + 2;
        sub(bottom, x, 0, bottom.width.saturating_sub(x), bottom.height)
    });
    if routes {
        plan.kernel = None;
    }
    if app.stack.field {
        // The field's panel takes the code's place where it fits, else the
        // arithmetic's (o again gives it back).
        plan.field = match plan.code {
            Some(code) if code.width >= receptive::width(app).min(60) => plan.code.take(),
            _ => Some(std::mem::replace(
                &mut plan.equation,
                Rect::new(bottom.x, bottom.y, 0, 0),
            )),
        };
        if plan.code.is_none() && plan.field.is_some_and(|f| f.x == bottom.x) {
            plan.field = Some(sub(bottom, 0, 0, bottom.width, bottom.height));
        }
    }
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
        plan.dout_line,
        plan.zoom_head,
        plan.dx_legend,
    ];
    let rights = [
        plan.fmap.as_ref().map(|(p, _)| p.used),
        plan.legend,
        plan.kernel,
        plan.marks,
    ];
    // The photograph's overview at the top left (forward) keeps its column; backward's
    // thumbnail is placed last, like any context panel.
    let overview = plan
        .overview
        .as_ref()
        .filter(|p| p.used.x == top.x && p.used.y == top.y);
    let left_x = overview
        .map_or(top.x, |p| p.used.right() + 2)
        .min(top.right());
    let left_bottom = bottom(&lefts);
    let all_bottom = left_bottom.max(bottom(&rights));
    let right_x = plan
        .fmap
        .as_ref()
        .map_or(top.right(), |(p, _)| p.used.x)
        .saturating_sub(2);
    let band = |x: u16, y: u16, w: u16| {
        let y = (y + 1).min(top.bottom());
        Rect::new(x, y, w.min(top.right() - x), top.bottom() - y)
    };
    let mut out = Vec::new();
    // Backward, the room beside dx_pad (the context goes there first).
    if let Some(g) = plan.grads.as_ref().or(plan.touches.as_ref()) {
        let x = g.used.right() + 2;
        if x + 10 < top.right() {
            out.push(Rect::new(
                x,
                g.used.y,
                top.right() - x,
                top.bottom() - g.used.y,
            ));
        }
    }
    if left_bottom < all_bottom && right_x > left_x {
        out.push(band(left_x, left_bottom, right_x - left_x));
    }
    out.push(band(left_x, all_bottom, top.right() - left_x));
    if let Some(o) = overview {
        // Under the overview: beside the grids, then the whole width.
        let right = left_x.saturating_sub(2);
        if all_bottom > o.used.bottom() && right > top.x + 10 {
            out.push(band(top.x, o.used.bottom(), right - top.x));
        }
        out.push(band(top.x, all_bottom.max(o.used.bottom()), top.width));
    }
    out
}

/// The columns the title of a grid drawn in `rect` (one of `group`'s) may take: up to
/// one column before the next panel or grid on its title line, else the frame's edge;
/// never fewer than the grid's own width.
pub fn title_width(plan: &Plan, group: &Placement, rect: Rect) -> u16 {
    let others = occupied(plan)
        .into_iter()
        .filter(|r| *r != group.used)
        .chain(group.rects.iter().copied().filter(|r| *r != rect));
    let limit = others
        .filter(|r| r.y <= rect.y && rect.y < r.bottom() && r.x > rect.x)
        .map(|r| r.x.saturating_sub(1))
        .fold(plan.status.right(), u16::min);
    limit.saturating_sub(rect.x).max(rect.width)
}

/// Every rect placed so far.
fn occupied(plan: &Plan) -> Vec<Rect> {
    [
        plan.overview.as_ref().map(|p| p.used),
        plan.dout_line,
        plan.input.as_ref().map(|p| p.used),
        plan.grads.as_ref().map(|p| p.used),
        plan.touches.as_ref().map(|p| p.used),
        plan.fmap.as_ref().map(|(p, _)| p.used),
        plan.legend,
        plan.kernel,
        plan.marks,
        plan.zoom.as_ref().map(|p| p.used),
        plan.zoom_head,
        plan.dx_legend,
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
    // Beside the kernel panel or the key, where either went into a band.
    for r in [plan.kernel, plan.marks].into_iter().flatten() {
        corners.push((r.right() + 2, r.y));
    }
    let mut places: Vec<Rect> = corners
        .into_iter()
        .filter(|&(x, y)| x < top.right() && y < top.bottom())
        .map(|(x, y)| Rect::new(x, y, top.right() - x, top.bottom() - y))
        .collect();
    places.extend(bands(plan, top));
    places
}

/// Backward: free rects, one from each corner next to what is placed (right of a
/// panel, under it, and the top left), each as wide as it can be from there and then
/// as tall; in reading order, or column by column (`columns`: under a panel before
/// beside it).
fn open_places(plan: &Plan, top: Rect, columns: bool) -> Vec<Rect> {
    let taken = occupied(plan);
    let mut corners = vec![(top.x, top.y)];
    for t in &taken {
        corners.push((t.right() + 2, t.y));
        corners.push((t.x, t.bottom() + 1));
    }
    corners.retain(|&(x, y)| {
        x < top.right()
            && y < top.bottom()
            && x >= top.x
            && y >= top.y
            && !taken
                .iter()
                .any(|t| t.contains(ratatui::layout::Position::new(x, y)))
    });
    if columns {
        corners.sort_by_key(|&(x, y)| (x, y));
    } else {
        corners.sort_by_key(|&(x, y)| (y, x));
    }
    corners.dedup();
    corners
        .into_iter()
        .map(|(x, y)| {
            let right = taken
                .iter()
                .filter(|t| t.x >= x && t.y <= y && y < t.bottom())
                .map(|t| t.x.saturating_sub(2))
                .fold(top.right(), u16::min);
            let w = right.saturating_sub(x).max(1);
            let bottom = taken
                .iter()
                .filter(|t| t.y > y && t.x < x + w && x < t.right())
                .map(|t| t.y.saturating_sub(1))
                .fold(top.bottom(), u16::min);
            Rect::new(x, y, w, bottom.saturating_sub(y).max(1))
        })
        .collect()
}

/// The columns a free spot takes at least (a panel's title, the key's lines).
const SPOT_W: usize = 48;

/// The first free spot of height `h` and at least `min_w` columns.
fn free_spot(plan: &Plan, top: Rect, min_w: usize, h: u16) -> Option<Rect> {
    let taken = occupied(plan);
    let places = if plan.grads.is_some() || plan.touches.is_some() {
        open_places(plan, top, false)
    } else {
        free_places(plan, top)
    };
    places.into_iter().find_map(|place| {
        // As wide as it needs and its title (a long one wraps), the rest left free.
        let w = place.width.min(min_w.max(SPOT_W) as u16);
        let rect = Rect::new(place.x, place.y, w, h);
        let fits = h <= place.height
            && place.width as usize >= min_w
            && !taken.iter().any(|t| t.intersects(rect));
        fits.then_some(rect)
    })
}

/// The key to the marks, then the kernel panel (whose numbers the arithmetic also
/// shows), where there is room for them.
fn place_kernel_and_marks(app: &App, top: Rect, plan: &mut Plan) {
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
    plan.marks = free_spot(plan, top, 40, marks::height());
}

/// Whether the placement fits its band without touching what is placed.
fn fits_free(plan: &Plan, p: &Placement, band: Rect) -> bool {
    p.used.bottom() <= band.bottom()
        && p.used.right() <= band.right()
        && !occupied(plan).iter().any(|t| t.intersects(p.used))
}

/// Backward: x, and the touch counts beside it unless they are already up, in the
/// first free band where they fit, in cells no larger than dx_pad's (context gives way
/// to the array being written).
fn place_x_below(app: &App, top: Rect, plan: &mut Plan) {
    let g = app.layer().geom;
    let written = plan
        .grads
        .as_ref()
        .or(plan.touches.as_ref())
        .map_or(CellMode::Half, |p| p.mode);
    let x_modes = modes_below(app, x_chars(app), written);
    let t_modes = modes_below(app, touch_chars(app), written);
    let (bw, bh) = written_box(plan).unwrap_or((top.width, top.height));
    // x and the touch counts have dx_pad's shape: drawn at its scale, or not at all
    // (one shape, one scale in a frame).
    let written_shown = plan
        .grads
        .as_ref()
        .or(plan.touches.as_ref())
        .map(|p| p.shown);
    let same_scale = |p: &Placement| written_shown.is_none_or(|s| s == p.shown);
    for band in open_places(plan, top, false) {
        if band.height < 3 || band.width < 10 {
            continue;
        }
        // Side by side: x gets up to two thirds when the touch counts still go.
        let want_touches = plan.touches.is_none();
        let x_area = if want_touches {
            sub(band, 0, 0, band.width * 2 / 3, band.height)
        } else {
            band
        };
        // Each channel within a grid of dx_pad's box: context is never larger.
        let x_area = sub(
            x_area,
            0,
            0,
            x_area.width.min(g.c as u16 * (bw + 1)),
            x_area.height.min(bh),
        );
        let input = place::place_ring(g.c, g.hp(), g.wp(), g.pad, &x_modes, x_area);
        // Squeezed to a few cells, x says nothing the photo or dx_pad does not.
        let readable = !input.scaled(g.hp(), g.wp()) || input.shown.1 >= 12;
        if !readable || !same_scale(&input) || !fits_free(plan, &input, band) {
            continue;
        }
        plan.input = Some(input.clone());
        if want_touches {
            let x = input.used.right() + 2;
            if x + 8 <= band.right() {
                let rest = Rect::new(x, band.y, (band.right() - x).min(bw), band.height.min(bh));
                let t = place::place_ring(1, g.hp(), g.wp(), g.pad, &t_modes, rest);
                if same_scale(&t) && fits_free(plan, &t, band) {
                    plan.touches = Some(t);
                }
            }
        }
        return;
    }
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
    for wide in [true, false] {
        let e = zoom::extent_sized(app, wide);
        let chars = grid::chars_needed(zoom::values(app, wide));
        let modes = place::number_modes(chars.max(5), 3);
        let places = if app.phase == Phase::Backward {
            open_places(plan, top, true)
        } else if bands_only {
            bands(plan, top)
        } else {
            free_places(plan, top)
        };
        // Backward, one head line over the channels names what they show.
        let head = u16::from(app.phase == Phase::Backward);
        for band in places {
            let area = sub(band, 0, head, band.width, band.height.saturating_sub(head));
            let p = place::place_modes(e.k, e.rows, e.cols, &modes, area);
            let head_rect = (head > 0)
                .then(|| Rect::new(band.x, band.y, p.used.width.max(40).min(band.width), 1));
            let head_free =
                head_rect.is_none_or(|r| !occupied(plan).iter().any(|t| t.intersects(r)));
            if p.mode.has_numbers()
                && !p.scaled(e.rows, e.cols)
                && p.rects.len() == e.k
                && fits_free(plan, &p, area)
                && head_free
            {
                plan.zoom = Some(p);
                plan.zoom_wide = wide;
                plan.zoom_head = head_rect;
                return;
            }
        }
    }
}

/// Backward: the array being written (dx_pad, or the touch counts with `t`) first, in
/// the richest cells that show it whole, with the room of the whole row when a column
/// kept for the dout maps would make it smaller; a line under it for dx_pad's scale;
/// and, when it cannot print its numbers, room under it for the zoom that does.
fn place_written(app: &App, row: Rect, plan: &mut Plan) {
    let g = app.layer().geom;
    let grads = !app.show_touches;
    let (k, chars) = if grads {
        (gradients::shown_channels(app), dx_chars(app))
    } else {
        (1, touch_chars(app))
    };
    let modes = modes_upto(app, chars, place::MAX_LINES);
    let legend_h = u16::from(grads);
    let zoom_h = (zoom::extent_sized(app, false).rows * 3 + 3) as u16;
    let in_width = |w: u16| {
        let area = sub(row, 0, 0, w, row.height.saturating_sub(legend_h));
        let first = place::place_ring(k, g.hp(), g.wp(), g.pad, &modes, area);
        if grads && !first.mode.has_numbers() && area.height >= zoom_h + 8 {
            let area = sub(area, 0, 0, area.width, area.height - zoom_h);
            place::place_ring(k, g.hp(), g.wp(), g.pad, &modes, area)
        } else {
            first
        }
    };
    let show_maps = app.backward_ranges().dout_constant.is_none();
    let column = if show_maps {
        (g.w_out as u16).clamp(18, 32) + 2
    } else {
        0
    };
    // Room for the dout maps as a table of numbers beside it, where they are small.
    let tables = map_chars(app).filter(|_| show_maps).map(|c| {
        let cell = if c > 4 { 5 } else { c as usize + 1 };
        let w = g.f * (g.w_out * cell + 1) + g.f - 1 + 2;
        w.min(u16::MAX as usize) as u16
    });
    let narrow = in_width(row.width.saturating_sub(column));
    let wide = in_width(row.width);
    let size = |p: &Placement| (p.mode.richness(), p.shown.0 * p.shown.1);
    let mut placed = if size(&wide) > size(&narrow) {
        wide
    } else {
        narrow
    };
    // Numbers in both before longer numbers in dx_pad alone.
    if let Some(t) = tables {
        let both = in_width(row.width.saturating_sub(t));
        if both.mode.has_numbers() && both.mode.richness() >= placed.mode.richness() {
            placed = both;
        }
    }
    if grads {
        let used = placed.used;
        let w = used.width.max(46).min(row.right().saturating_sub(used.x));
        let legend = Rect::new(used.x, used.bottom(), w, 1).intersection(row);
        plan.dx_legend = (legend.height == 1).then_some(legend);
        plan.grads = Some(placed);
    } else {
        plan.touches = Some(placed);
    }
}

/// The box one grid of the array being written takes (its title included): context
/// grids fit in it, so none is drawn larger.
fn written_box(plan: &Plan) -> Option<(u16, u16)> {
    let p = plan.grads.as_ref().or(plan.touches.as_ref())?;
    let r = p.rects.first()?;
    Some((r.width, r.height))
}

/// The narrowest legend of the maps: `-`, a bar of two, `+`, a space and a map's
/// scale (`±2.438 dout[0]`, up to 16 columns).
const LEGEND_MIN: u16 = 21;

/// The whole factor the array being written (dx_pad, or the touch counts) is drawn
/// at, if it is placed.
fn written_factor(app: &App, plan: &Plan) -> Option<usize> {
    let g = app.layer().geom;
    let p = plan.grads.as_ref().or(plan.touches.as_ref())?;
    Some(place::factor(g.hp(), g.wp(), g.pad, p.shown))
}

/// Backward: the dout maps (unless dout is one constant) and their legend, in the
/// first free place they fit, each no larger than a grid of dx_pad; all filters, else
/// the current one.
fn place_dout_maps(app: &App, top: Rect, plan: &mut Plan) {
    if app.backward_ranges().dout_constant.is_some() {
        return;
    }
    let g = app.layer().geom;
    let written = plan
        .grads
        .as_ref()
        .or(plan.touches.as_ref())
        .map_or(CellMode::Half, |p| p.mode);
    let (bw, bh) = written_box(plan).unwrap_or((top.width, top.height));
    let chars = map_chars(app);
    let mut modes: Vec<CellMode> = Vec::new();
    if !written.has_numbers() || chars.is_some_and(|c| written.number_chars() >= c as usize) {
        modes.push(written);
    }
    for m in modes_below(app, chars, written) {
        if !modes.contains(&m) {
            modes.push(m);
        }
    }
    let min_cols = g.w_out.min(8);
    let all: Vec<usize> = (0..g.f).collect();
    let one = vec![app.pos().f];
    // dout of x's shape beside a dx_pad drawn as a picture: at dx_pad's whole factor
    // and in its cells (one shape, one scale in a frame), or not at all.
    let at_dx_scale = ((g.h_out, g.w_out) == (g.h, g.w) && !written.has_numbers())
        .then(|| written_factor(app, plan))
        .flatten();
    for place in open_places(plan, top, false) {
        for filters in [&all, &one] {
            let k = filters.len() as u16;
            // Side by side, or stacked: each map within dx_pad's box.
            for (w, h) in [(k * (bw + 1), bh), (bw, k * bh)] {
                let area = Rect::new(
                    place.x,
                    place.y,
                    w.min(place.width),
                    h.min(place.height.saturating_sub(1)),
                );
                let p = match at_dx_scale {
                    Some(s) => {
                        match place::place_at(filters.len(), g.h_out, g.w_out, 0, s, written, area)
                        {
                            Some(p) => p,
                            None => continue,
                        }
                    }
                    None => place::place_modes(filters.len(), g.h_out, g.w_out, &modes, area),
                };
                let readable = p.shown.1 >= min_cols && p.rects.len() == filters.len();
                if !readable || !fits_free(plan, &p, area) {
                    continue;
                }
                let y = p.used.bottom();
                // The bar and each map's own scale (`±2.438 dout[1]`).
                let want = 12 + 16 * filters.len() as u16;
                let lw = p.used.width.max(want).min(place.right() - p.used.x);
                let legend = Rect::new(p.used.x, y, lw, 1);
                let taken = occupied(plan);
                // At least a short bar and the first map's scale (`-██+ ±2.438
                // dout[0]`): colours without their number say nothing.
                if y >= top.bottom()
                    || lw < LEGEND_MIN
                    || taken.iter().any(|t| t.intersects(legend))
                {
                    continue;
                }
                plan.legend = Some(legend);
                plan.fmap = Some((p, filters.clone()));
                return;
            }
        }
    }
}

/// Backward: the photograph as a context picture at dx_pad's scale (within a grid of
/// dx_pad's box), where a free place is left.
fn place_thumbnail(app: &App, top: Rect, plan: &mut Plan) {
    if !(overview::is_photo(app) && app.color.has_color()) {
        return;
    }
    let g = app.layer().geom;
    // x's shape: at the factor of the array being written (with x's ring), or not
    // at all (one shape, one scale in a frame).
    let s = written_factor(app, plan).unwrap_or(1);
    let (bw, bh) = written_box(plan).unwrap_or((top.width, top.height));
    for place in open_places(plan, top, false) {
        let area = Rect::new(place.x, place.y, bw.min(place.width), bh.min(place.height));
        let Some(p) = place::place_at(1, g.h, g.w, 0, s, CellMode::Half, area) else {
            continue;
        };
        if p.shown.1 >= 12 && fits_free(plan, &p, area) {
            plan.overview = Some(p);
            return;
        }
    }
}

/// Forward, a photograph too large to print its numbers: the photo, x's channels and
/// the maps in one row at one whole factor (the maps at their own when their shape is
/// another), the smallest at which the photo and the maps fit. x's channels are drawn
/// at that factor where they fit, else not at all: the photo shows x whole, in its
/// own colours, and the picture and its maps keep their size. Square blocks only
/// where all three fit in them at 1:1, else half blocks for all. False when nothing
/// fits (the caller places as for any input).
fn place_photo_row(app: &App, top: Rect, plan: &mut Plan) -> bool {
    let g = app.layer().geom;
    let same_shape = (g.h_out, g.w_out) == (g.h, g.w);
    let maps_in = |s: usize, mode: CellMode, x: u16| -> Option<Placement> {
        let x = x.saturating_sub(top.x);
        let area = sub(
            top,
            x,
            0,
            top.width.saturating_sub(x),
            top.height.saturating_sub(1),
        );
        if area.width < 8 {
            return None;
        }
        if same_shape {
            place::place_at(g.f, g.h_out, g.w_out, 0, s, mode, area)
        } else {
            let p = place::place_modes(g.f, g.h_out, g.w_out, &[mode], area);
            (p.rects.len() == g.f && fits_inside(&p, area)).then_some(p)
        }
    };
    for s in 1..=g.h.max(g.w) {
        let modes: &[CellMode] = if s == 1 {
            &[CellMode::Blocks, CellMode::Half]
        } else {
            &[CellMode::Half]
        };
        for &mode in modes {
            let Some(photo) = place::place_at(1, g.h, g.w, 0, s, mode, top) else {
                continue;
            };
            let after_photo = photo.used.right() + 2;
            let x_area = sub(
                top,
                after_photo.saturating_sub(top.x),
                0,
                top.width.saturating_sub(after_photo - top.x),
                top.height,
            );
            let input = place::place_at(g.c, g.hp(), g.wp(), g.pad, s, mode, x_area);
            let with_x = input
                .as_ref()
                .and_then(|x| maps_in(s, mode, x.used.right() + 2).map(|m| (x.clone(), m)));
            let (input, maps) = match with_x {
                Some((x, m)) => (Some(x), m),
                // Square blocks only with x's channels; half blocks without them.
                None if mode == CellMode::Blocks => continue,
                None => match maps_in(s, mode, after_photo) {
                    Some(m) => (None, m),
                    None => continue,
                },
            };
            let legend_y = maps.used.bottom().min(top.bottom().saturating_sub(1));
            let legend_x = maps.used.x;
            let legend = Rect::new(legend_x, legend_y, top.right() - legend_x, 1);
            plan.overview = Some(photo);
            plan.input = input;
            plan.legend = Some(legend.intersection(top));
            plan.fmap = Some((maps, (0..g.f).collect()));
            return true;
        }
    }
    false
}

/// Whether the photo, x's channels and the maps (where of the photo's shape) are
/// placed at one whole factor.
fn photo_at_one_scale(app: &App, plan: &Plan) -> bool {
    let g = app.layer().geom;
    let mut factors = Vec::new();
    if let Some(p) = &plan.overview {
        factors.push(place::factor(g.h, g.w, 0, p.shown));
    }
    if let Some(p) = &plan.input {
        factors.push(place::factor(g.hp(), g.wp(), g.pad, p.shown));
    }
    if let Some((p, _)) = &plan.fmap
        && (g.h_out, g.w_out) == (g.h, g.w)
    {
        factors.push(place::factor(g.h_out, g.w_out, 0, p.shown));
    }
    factors.windows(2).all(|w| w[0] == w[1])
}

/// Whether a placement lies inside `area`.
fn fits_inside(p: &Placement, area: Rect) -> bool {
    p.used.bottom() <= area.bottom() && p.used.right() <= area.right()
}

/// Forward, one row of grids: x on the left, the feature maps (and their legend) on
/// the right.
fn place_row(app: &App, row: Rect, cap: u16, plan: &mut Plan) {
    let g = app.layer().geom;
    let show_maps = true;
    // The maps keep room for one map; the left keeps the rest.
    let fmap_min = if show_maps {
        (g.w_out as u16).clamp(18, 32) + 2
    } else {
        0
    };
    let left_area = sub(row, 0, 0, row.width.saturating_sub(fmap_min), row.height);
    let (k, chars) = (g.c, x_chars(app));
    let mut placed = place::place_ring(
        k,
        g.hp(),
        g.wp(),
        g.pad,
        &modes_upto(app, chars, cap),
        left_area,
    );
    // Forward, the map being filled is the lesson: when it cannot show whole in the
    // input's cells beside them, the input steps down a size.
    if show_maps && app.phase == Phase::Forward {
        loop {
            let maps = place_maps(app, row, placed.used, Some(placed.mode), cap);
            let one_size = maps.placement.mode == placed.mode
                || matches!(
                    (maps.placement.mode, placed.mode),
                    (CellMode::Line(_), CellMode::Line(_))
                );
            let same =
                one_size && !maps.placement.scaled(g.h_out, g.w_out) && maps.filters.len() == g.f;
            if same || !placed.mode.has_numbers() {
                break;
            }
            let smaller: Vec<CellMode> = modes_upto(app, chars, cap)
                .into_iter()
                .filter(|m| m.richness() < placed.mode.richness())
                .collect();
            placed = place::place_ring(k, g.hp(), g.wp(), g.pad, &smaller, left_area);
        }
    }
    let mode = placed.mode;
    let mut used = placed.used;
    // Beside the photo's overview, channels squeezed to a few columns say nothing the
    // overview does not: the maps take their room.
    let slivers = placed.shown.1 < 6 || placed.rects.iter().any(|r| r.width < 6);
    if plan.overview.is_some() && slivers {
        used = Rect::new(row.x, row.y, 0, 0);
        if show_maps {
            let maps = place_maps(app, row, used, None, cap);
            plan.legend = Some(maps.legend);
            plan.fmap = Some((maps.placement, maps.filters));
        }
        return;
    }
    plan.input = Some(placed);
    if show_maps {
        let maps = place_maps(app, row, used, Some(mode), cap);
        plan.legend = Some(maps.legend);
        plan.fmap = Some((maps.placement, maps.filters));
    }
}

/// The feature maps and their legend beside a left-hand group that uses `used`.
struct Maps {
    placement: Placement,
    filters: Vec<usize>,
    legend: Rect,
}

fn place_maps(app: &App, row: Rect, used: Rect, like: Option<CellMode>, cap: u16) -> Maps {
    let g = app.layer().geom;
    let x = if used.width == 0 {
        0
    } else {
        used.right() + 2 - row.x
    };
    let right = sub(row, x, 0, row.width.saturating_sub(x), row.height);
    let maps = sub(right, 0, 0, right.width, right.height.saturating_sub(1));
    let all: Vec<usize> = (0..g.f).collect();
    let chars = map_chars(app);
    // The same cells as the grids beside them first (the textbook figure: input and
    // output at one size), then the richest that fits, never richer than them
    // backward (the array being written keeps the largest cells).
    // Beside a table of numbers, a table of numbers as wide as its own need.
    let mut modes: Vec<CellMode> = Vec::new();
    match (like, chars) {
        (Some(CellMode::Line(w)), Some(c)) => modes.push(CellMode::Line(w.max(c + 1))),
        (Some(m), _)
            if !m.has_numbers() || chars.is_some_and(|c| m.number_chars() >= c as usize) =>
        {
            modes.push(m)
        }
        _ => {}
    }
    let rest = match (app.phase, like) {
        (Phase::Backward, Some(m)) | (_, Some(m @ CellMode::Line(_))) => modes_below(app, chars, m),
        _ => modes_upto(app, chars, cap),
    };
    modes.extend(rest.into_iter().filter(|m| Some(*m) != like));
    let placed = place::place_modes(g.f, g.h_out, g.w_out, &modes, maps);
    let (placement, filters) = if !placed.scaled(g.h_out, g.w_out) || g.f == 1 {
        (placed, all)
    } else {
        // Scaled: all of them when each keeps a third of its size, else the current.
        let one = place::place_modes(1, g.h_out, g.w_out, &modes, maps);
        if placed.shown.0 * 3 >= one.shown.0 {
            (placed, all)
        } else {
            (one, vec![app.pos().f])
        }
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
