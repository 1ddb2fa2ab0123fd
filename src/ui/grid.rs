//! The heatmap grid every panel with cells uses (input channels, feature maps, dx_pad,
//! touches): four cell sizes, marks drawn as characters, and scrolling that keeps a
//! focus (the window, the current cell) in view.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};

use super::text::{fit, fixed, put};
use super::theme::{self, ColorMode, Rgb};

/// How many terminal cells one grid cell takes. Every mode draws a square pixel (a
/// terminal cell is about twice as tall as it is wide): one column by half a line,
/// two columns by one line, or `2k` columns by `k` lines with the number printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellMode {
    /// `width` columns by `lines` lines (`width` = 2 `lines`): the number on the
    /// upper middle line, the marks in the corners of the line under it.
    Tall(u16, u16),
    /// A number on one line in `width` columns: a column for the marks between cells
    /// (`[2 0 2]`, like the arithmetic's tables), then the number; one more column
    /// closes the last cell. A table of numbers rather than a picture (its pixel is
    /// not square), for small layers on small screens.
    Line(u16),
    /// Two columns, one line.
    Blocks,
    /// One column, half a line (▀ with fg = upper, bg = lower).
    Half,
}

impl CellMode {
    /// The numbered mode of `k` lines: 2k columns.
    pub fn numbers(k: u16) -> CellMode {
        CellMode::Tall(2 * k, k)
    }

    pub fn cell_w(self) -> u16 {
        match self {
            CellMode::Tall(w, _) | CellMode::Line(w) => w,
            CellMode::Blocks => 2,
            CellMode::Half => 1,
        }
    }

    /// Grid rows per terminal line.
    pub fn per_line(self) -> usize {
        if self == CellMode::Half { 2 } else { 1 }
    }

    /// Terminal lines one grid row (or pair of rows in half blocks) takes.
    pub fn lines(self) -> usize {
        match self {
            CellMode::Tall(_, h) => h.max(1) as usize,
            _ => 1,
        }
    }

    /// A pixel's (width, height) in half lines, taking a terminal cell as one unit
    /// wide and two tall: (1, 1) for every mode, so every grid of a frame has the
    /// same shape for the same size.
    pub fn pixel(self) -> (usize, usize) {
        let w = self.cell_w() as usize;
        let h = 2 * self.lines() / self.per_line();
        (w, h)
    }

    /// The characters a printed number may take (the last column separates cells).
    pub fn number_chars(self) -> usize {
        match self {
            CellMode::Tall(w, _) | CellMode::Line(w) => (w as usize).saturating_sub(1),
            _ => 0,
        }
    }

    /// How much a cell shows, for choosing between layouts: larger numbered cells,
    /// numbers, blocks, half blocks.
    pub fn richness(self) -> u8 {
        match self {
            CellMode::Tall(_, h) => 4 + h.min(12) as u8,
            CellMode::Line(_) => 3,
            CellMode::Blocks => 2,
            CellMode::Half => 1,
        }
    }

    /// Whether the cells print their numbers.
    pub fn has_numbers(self) -> bool {
        matches!(self, CellMode::Tall(..) | CellMode::Line(_))
    }

    /// Terminal (width, lines) of a grid of rows x cols.
    pub fn size(self, rows: usize, cols: usize) -> (usize, usize) {
        let close = usize::from(matches!(self, CellMode::Line(_)));
        (
            cols * self.cell_w() as usize + close,
            rows.div_ceil(self.per_line()) * self.lines(),
        )
    }
}

/// The characters the numbers of `values` need: their integer digits when all are
/// whole, else five (0.639, -0.33, 12.34).
pub fn chars_needed(values: impl IntoIterator<Item = f64>) -> u16 {
    let mut whole = true;
    let mut int_len = 1;
    for v in values.into_iter().filter(|v| v.is_finite()) {
        whole &= v.fract() == 0.0;
        int_len = int_len.max(fixed(v, 0).len());
    }
    if whole {
        int_len.min(7) as u16
    } else {
        (int_len + 2).clamp(5, 7) as u16
    }
}

/// What kind of cell this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A number, coloured by the scale.
    Value,
    /// Zero padding, outside the picture.
    Pad,
    /// Padding that carries a value (dx_pad's ring).
    PadValue,
    /// Not computed yet.
    Empty,
    /// Computed but not yet reached by this step (backward's later dout).
    Faded,
}

/// Marks, weakest first; the strongest on a cell is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Mark {
    None,
    /// No window ever reads this cell.
    Unreached,
    /// The previous step's window.
    Prev,
    /// The photograph's outline of the region the zoom shows in numbers.
    Detail,
    /// An output the selected input cell feeds.
    Feeds,
    /// A cell a student's array has wrong (`compare --show`); the window drawn over
    /// it stays whole.
    Wrong,
    /// The current window.
    Window,
    /// The current window on the array this step writes (dx_pad): the window's
    /// characters, tinted yellow like the cell being written forward.
    Write,
    /// The selected input cell.
    Selected,
    /// The current output cell.
    Current,
}

impl Mark {
    /// (left, right) characters in Blocks and Numbers modes.
    fn pair(self) -> (char, char) {
        match self {
            Mark::None => (' ', ' '),
            Mark::Unreached => ('×', '×'),
            Mark::Prev => ('(', ')'),
            Mark::Detail => ('{', '}'),
            Mark::Feeds => ('+', '+'),
            Mark::Window | Mark::Write => ('[', ']'),
            Mark::Wrong => ('!', '!'),
            Mark::Selected => ('*', '*'),
            Mark::Current => ('<', '>'),
        }
    }

    /// The character in Mini and Half modes.
    fn single(self) -> char {
        match self {
            Mark::None => ' ',
            Mark::Unreached => '×',
            Mark::Prev => ':',
            Mark::Detail => '~',
            Mark::Feeds => '+',
            Mark::Window | Mark::Write => '#',
            Mark::Wrong => '!',
            Mark::Selected => '*',
            Mark::Current => '@',
        }
    }

    /// The mark's colour in the key, and in full on a half-block pixel it marks.
    pub fn rgb(self) -> Rgb {
        match self {
            Mark::Prev => theme::PREV,
            Mark::Detail => theme::DETAIL,
            Mark::Current => theme::CURRENT,
            Mark::Selected | Mark::Feeds => theme::SELECTED,
            Mark::Unreached => theme::UNREACHED,
            Mark::Wrong => (255, 40, 40),
            Mark::None | Mark::Window | Mark::Write => theme::WINDOW,
        }
    }

    /// (left, right) characters of a cell: its mark's, or `╌` on a value not reached
    /// yet (backward's later dout).
    fn corners(self, kind: Kind) -> (char, char) {
        if self == Mark::None && kind == Kind::Faded {
            ('╌', '╌')
        } else {
            self.pair()
        }
    }
}

/// One cell as the grid draws it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GridCell {
    pub kind: Kind,
    pub value: f64,
    /// Its colour on the panel's scale.
    pub rgb: Rgb,
    /// 0..1 strength for the characters-only shading.
    pub shade: f64,
    pub mark: Mark,
}

impl GridCell {
    pub fn empty() -> GridCell {
        GridCell {
            kind: Kind::Empty,
            value: 0.0,
            rgb: theme::EMPTY,
            shade: 0.0,
            mark: Mark::None,
        }
    }

    /// The background colour, or None for the terminal's own.
    fn bg(&self) -> Option<Rgb> {
        match self.kind {
            // dx_pad's ring and dout not reached yet keep their values' colours:
            // the characters say padding (`·`) and not yet (`╌`).
            Kind::Value | Kind::PadValue | Kind::Faded => Some(self.rgb),
            Kind::Pad => Some(theme::PAD),
            // Not computed yet: the checker colour `Grid::render` gave it.
            Kind::Empty => Some(self.rgb),
        }
    }
}

/// A grid to draw: its size, where to keep in view, and how to get each cell.
pub struct Grid<'a> {
    pub title: String,
    pub rows: usize,
    pub cols: usize,
    /// Rows r0..=r1 and columns c0..=c1 to keep in view.
    pub focus: ((usize, usize), (usize, usize)),
    pub cell: Box<dyn Fn(usize, usize) -> GridCell + 'a>,
    /// Where the grid can say it faster than by building every cell: which cell of a
    /// block [`Grid::shrunk`] shows and the block's strongest mark ([`super::blocks`]).
    pub block: Option<super::blocks::BlockFn<'a>>,
}

/// The part of a grid a rect shows: first row and column, and how many of each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct View {
    pub r0: usize,
    pub c0: usize,
    pub rows: usize,
    pub cols: usize,
}

/// One axis of a grid drawn shrunk by a whole factor `s`: its ring of `ring` padding
/// cells on each side and the inside between are each cut into blocks of `s` cells
/// (the last block of each part may be shorter), so the padding ring stays whole on
/// both sides at every scale and no cell is left out of a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Axis {
    pub n: usize,
    pub ring: usize,
    pub s: usize,
}

impl Axis {
    pub fn new(n: usize, ring: usize, s: usize) -> Axis {
        Axis {
            n,
            ring: ring.min(n / 2),
            s: s.max(1),
        }
    }

    fn parts(self) -> (usize, usize, usize) {
        let inside = self.n - 2 * self.ring;
        (self.ring.div_ceil(self.s), inside.div_ceil(self.s), inside)
    }

    /// The cells shown along this axis.
    pub fn shown(self) -> usize {
        let (ring, inside, _) = self.parts();
        2 * ring + inside
    }

    /// The source cells lo..hi shown cell `i` stands for.
    pub fn block(self, i: usize) -> (usize, usize) {
        let (ring_shown, inside_shown, inside) = self.parts();
        let s = self.s;
        let (start, end, k) = if i < ring_shown {
            (0, self.ring, i)
        } else if i < ring_shown + inside_shown {
            (self.ring, self.ring + inside, i - ring_shown)
        } else {
            (self.ring + inside, self.n, i - ring_shown - inside_shown)
        };
        let lo = (start + k * s).min(self.n.saturating_sub(1));
        (lo, (lo + s).min(end).max(lo + 1))
    }

    /// The middle source cell of shown cell `i` (where a click lands).
    pub fn source(self, i: usize) -> usize {
        let (lo, hi) = self.block(i);
        (lo + hi - 1) / 2
    }

    /// The shown cell that source cell `v` falls in.
    pub fn shown_of(self, v: usize) -> usize {
        let (ring_shown, inside_shown, inside) = self.parts();
        if v < self.ring {
            v / self.s
        } else if v < self.ring + inside {
            ring_shown + (v - self.ring) / self.s
        } else {
            ring_shown + inside_shown + (v - self.ring - inside) / self.s
        }
    }
}

/// The smallest whole factor that shows `n` cells (a ring of `ring` on each side) in
/// at most `max` cells.
pub fn shrink_for(n: usize, ring: usize, max: usize) -> usize {
    (1..=n.max(1))
        .find(|&s| Axis::new(n, ring, s).shown() <= max.max(1))
        .unwrap_or(n.max(1))
}

/// The source cell shown cell `i` of `d` (out of `n`) stands for: its block's middle,
/// the blocks being of a whole `n / d` rounded up.
pub fn unscale(i: usize, n: usize, d: usize) -> usize {
    Axis::new(n, 0, n.div_ceil(d.max(1))).source(i)
}

/// How much a grid is shrunk, as `(1:2)`: one shown cell for a block of `s` x `s`.
pub fn scale_text(s: usize) -> String {
    format!("(1:{s})")
}

/// The whole factor that shows `full` in at most `shown` cells (both sides).
pub fn scale_of(full: (usize, usize), shown: (usize, usize)) -> usize {
    let r = full.0.div_ceil(shown.0.max(1));
    let c = full.1.div_ceil(shown.1.max(1));
    r.max(c).max(1)
}

fn offset(len: usize, visible: usize, lo: usize, hi: usize) -> usize {
    if len <= visible {
        return 0;
    }
    let centre = (lo + hi) / 2;
    centre.saturating_sub(visible / 2).min(len - visible)
}

impl Grid<'_> {
    /// Which part shows in `area` (title line excluded) in `mode`.
    pub fn view(&self, area: Rect, mode: CellMode) -> View {
        let lines = area.height.saturating_sub(1) as usize;
        let vis_rows = (lines / mode.lines() * mode.per_line()).min(self.rows);
        let vis_cols = (area.width / mode.cell_w()) as usize;
        let vis_cols = vis_cols.min(self.cols);
        let ((fr0, fc0), (fr1, fc1)) = self.focus;
        let mut r0 = offset(self.rows, vis_rows, fr0, fr1);
        if mode == CellMode::Half && r0 % 2 == 1 && r0 + vis_rows < self.rows {
            r0 += 1;
        }
        View {
            r0,
            c0: offset(self.cols, vis_cols, fc0, fc1),
            rows: vis_rows,
            cols: vis_cols,
        }
    }

    /// How many rows of padding ring the grid: counted from the top in its middle
    /// column and from the left in its middle row (padding is one width all round).
    pub fn ring(&self) -> usize {
        let pad = |c: GridCell| matches!(c.kind, Kind::Pad | Kind::PadValue);
        let down = (0..self.rows / 2)
            .take_while(|&r| pad((self.cell)(r, self.cols / 2)))
            .count();
        let across = (0..self.cols / 2)
            .take_while(|&c| pad((self.cell)(self.rows / 2, c)))
            .count();
        down.min(across)
    }

    /// The grid in at most `shown` (rows, cols) cells: shrunk by the smallest whole
    /// factor that fits (see [`Grid::shrunk`]).
    pub fn scaled(self, shown: (usize, usize)) -> Self {
        let s = self.factor(shown);
        self.shrunk(s)
    }

    /// The smallest whole factor that shows the grid in at most `shown` cells.
    pub fn factor(&self, shown: (usize, usize)) -> usize {
        let ring = self.ring();
        shrink_for(self.rows, ring, shown.0).max(shrink_for(self.cols, ring, shown.1))
    }

    /// The grid shrunk by the whole factor `s`, its padding ring kept whole on four
    /// sides ([`Axis`]): each shown cell stands for a block of `s` x `s` source cells,
    /// takes the value of largest magnitude in it (so an edge one cell wide survives)
    /// and the strongest mark; the title says the factor.
    pub fn shrunk(self, s: usize) -> Self {
        if s <= 1 {
            return self;
        }
        let ring = self.ring();
        let (ar, ac) = (Axis::new(self.rows, ring, s), Axis::new(self.cols, ring, s));
        let ((fr0, fc0), (fr1, fc1)) = self.focus;
        let (cell, block) = (self.cell, self.block);
        // Every block's choice at once, when the first cell is asked for (a click's
        // hit test asks for none), rows of blocks on every core: a large array's
        // blocks read all of it (90 MB a frame at 1024x1024, 8 filters, backward),
        // which one core reads at half the speed of two.
        let picks: std::sync::OnceLock<Vec<((usize, usize), Mark)>> = std::sync::OnceLock::new();
        let pick_all = move |block: &super::blocks::BlockFn<'_>| {
            use rayon::prelude::*;
            let cols = ac.shown();
            (0..ar.shown())
                .into_par_iter()
                .flat_map_iter(|r| {
                    let (r0, r1) = ar.block(r);
                    (0..cols).map(move |c| {
                        let (c0, c1) = ac.block(c);
                        block(r0..r1, c0..c1)
                    })
                })
                .collect()
        };
        let title = format!("{} {}", self.title, scale_text(s));
        Grid {
            block: None,
            title,
            rows: ar.shown(),
            cols: ac.shown(),
            focus: (
                (ar.shown_of(fr0), ac.shown_of(fc0)),
                (ar.shown_of(fr1), ac.shown_of(fc1)),
            ),
            cell: Box::new(move |r, c| {
                let (r0, r1) = ar.block(r);
                let (c0, c1) = ac.block(c);
                let pick = block.as_ref().and_then(|block| {
                    picks
                        .get_or_init(|| pick_all(block))
                        .get(r * ac.shown() + c)
                        .copied()
                });
                if let Some(((sr, sc), mark)) = pick {
                    return GridCell {
                        mark,
                        ..cell(sr, sc)
                    };
                }
                let mut out: Option<GridCell> = None;
                let mut mark = Mark::None;
                for sr in r0..r1 {
                    for sc in c0..c1 {
                        let here = cell(sr, sc);
                        mark = mark.max(here.mark);
                        out = Some(match out {
                            Some(best) if !stronger(&here, &best) => best,
                            _ => here,
                        });
                    }
                }
                let mut out = out.unwrap_or_else(GridCell::empty);
                out.mark = mark;
                out
            }),
        }
    }

    /// The grid cell under terminal cell (x, y), if any.
    pub fn cell_at(&self, area: Rect, mode: CellMode, x: u16, y: u16) -> Option<(usize, usize)> {
        if x < area.x || y <= area.y || x >= area.right() || y >= area.bottom() {
            return None;
        }
        let v = self.view(area, mode);
        let col = v.c0 + ((x - area.x) / mode.cell_w()) as usize;
        let row = v.r0 + (y - area.y - 1) as usize / mode.lines() * mode.per_line();
        (col < v.c0 + v.cols && row < v.r0 + v.rows).then_some((row, col))
    }

    /// The decimals every number shown in `v` gets in `inner` columns: none when all
    /// are whole, else the most (up to 3) that fit the widest, so a column reads
    /// 0.000 beside 0.333 and 96.20 beside 105.80.
    fn decimals(&self, v: View, inner: usize) -> usize {
        let mut whole = true;
        let mut decimals = 3;
        for r in v.r0..v.r0 + v.rows {
            for c in v.c0..v.c0 + v.cols {
                let cell = (self.cell)(r, c);
                if matches!(cell.kind, Kind::Pad | Kind::Empty) || !cell.value.is_finite() {
                    continue;
                }
                whole &= cell.value.fract() == 0.0 && cell.value.abs() < 1e6;
                while decimals > 0 && fixed(cell.value, decimals).len() > inner {
                    decimals -= 1;
                }
            }
        }
        if whole { 0 } else { decimals }
    }

    /// The width of the widest number shown in `v` (each right-aligned in it, so a
    /// column of numbers lines up on its decimal point, negative ones included).
    fn field(&self, v: View, chars: usize, decimals: usize) -> usize {
        let mut widest = 0;
        for r in v.r0..v.r0 + v.rows {
            for c in v.c0..v.c0 + v.cols {
                let cell = (self.cell)(r, c);
                if !matches!(cell.kind, Kind::Pad | Kind::Empty) {
                    widest = widest.max(grid_number(cell.value, chars, decimals).len());
                }
            }
        }
        widest
    }

    pub fn render(&self, area: Rect, mode: CellMode, color: ColorMode, buf: &mut Buffer) {
        self.render_titled(area, area.width, mode, color, buf);
    }

    /// As [`Grid::render`], the title given `title_w` columns from the grid's left edge
    /// (the free room right of a narrow grid): a title is not cut while room is left.
    pub fn render_titled(
        &self,
        area: Rect,
        title_w: u16,
        mode: CellMode,
        color: ColorMode,
        buf: &mut Buffer,
    ) {
        if area.height == 0 || area.width == 0 {
            return;
        }
        let v = self.view(area, mode);
        let title_w = title_w.max(area.width);
        let title = scrolled_title(&self.title, v, self.rows, self.cols, title_w);
        let title_area = Rect::new(area.x, area.y, title_w, 1).intersection(buf.area);
        let title = keep_scale(&title, title_area.right().saturating_sub(area.x) as usize);
        super::text::put_title(buf, title_area, area.x, area.y, &title, theme::bold());
        let decimals = if mode.has_numbers() {
            self.decimals(v, mode.number_chars())
        } else {
            0
        };
        let field = if mode.has_numbers() {
            self.field(v, mode.number_chars(), decimals)
        } else {
            0
        };
        for line in 0..v.rows.div_ceil(mode.per_line()) {
            let y = area.y + 1 + (line * mode.lines()) as u16;
            for col in 0..v.cols {
                let x = area.x + col as u16 * mode.cell_w();
                let r = v.r0 + line * mode.per_line();
                let c = v.c0 + col;
                let upper = checker((self.cell)(r, c), r, c);
                if mode == CellMode::Half {
                    let lower =
                        (r + 1 < self.rows).then(|| checker((self.cell)(r + 1, c), r + 1, c));
                    draw_half(buf, area, x, y, upper, lower, color);
                } else if let CellMode::Line(w) = mode {
                    let left = (c > 0).then(|| (self.cell)(r, c - 1).mark);
                    let edge = edge_char(left.unwrap_or(Mark::None), upper.mark);
                    let number = line_number(&upper, w as usize - 1, decimals, color);
                    let style = style_of(&upper, color);
                    let s = edge_style(style, edge.1, &upper, color);
                    put(buf, area, x, y, &edge.0.to_string(), s);
                    put(buf, area, x + 1, y, &number, style);
                    if col + 1 == v.cols {
                        // The column that closes the last cell shown.
                        let right = (c + 1 < self.cols).then(|| (self.cell)(r, c + 1).mark);
                        let edge = edge_char(upper.mark, right.unwrap_or(Mark::None));
                        let s = edge_style(style, edge.1, &upper, color);
                        put(buf, area, x + w, y, &edge.0.to_string(), s);
                    }
                } else {
                    let number_line = (mode.lines() - 1) / 2;
                    for sub in 0..mode.lines() {
                        let role = if sub == number_line {
                            Role::Number
                        } else if sub == number_line + 1 {
                            Role::Marks
                        } else {
                            Role::Fill
                        };
                        let line = CellLine {
                            role,
                            decimals,
                            field,
                        };
                        draw_cell(buf, area, x, y + sub as u16, upper, mode, line, color);
                    }
                }
            }
        }
    }
}

/// The character between a cell marked `a` and its right neighbour marked `b`: the
/// stronger mark's bracket facing into its cells (`[` opens a window, `]` closes
/// it), a space between cells of one mark; and the mark it draws.
fn edge_char(a: Mark, b: Mark) -> (char, Mark) {
    if a == b {
        (' ', Mark::None)
    } else if b > a {
        (b.pair().0, b)
    } else {
        (a.pair().1, a)
    }
}

/// The style of a mark's character on a cell of `style`: the mark's colour where it
/// reads on the fill.
fn edge_style(style: Style, mark: Mark, cell: &GridCell, color: ColorMode) -> Style {
    match (mark, fill(cell)) {
        (Mark::None | Mark::Current, _) | (_, None) => style,
        (mark, Some(bg)) => color
            .color(mark_fg(mark, bg))
            .map_or(style, |c| style.fg(c).add_modifier(Modifier::BOLD)),
    }
}

/// A one-line cell's number, right-aligned in `chars` columns (padding a dot, a cell
/// not computed yet blank, or `╌` without colour).
fn line_number(cell: &GridCell, chars: usize, decimals: usize, color: ColorMode) -> String {
    let number = match cell.kind {
        Kind::Empty if !color.has_color() => "╌".to_string(),
        Kind::Empty => String::new(),
        Kind::Pad => "·".to_string(),
        _ => grid_number(cell.value, chars, decimals),
    };
    format!("{number:>chars$}")
}

/// Whether `a` stands for its block before `b`: a value before padding or an empty
/// cell, then the larger magnitude.
fn stronger(a: &GridCell, b: &GridCell) -> bool {
    let rank = |c: &GridCell| match c.kind {
        Kind::Value | Kind::PadValue | Kind::Faded => 2,
        Kind::Empty => 1,
        Kind::Pad => 0,
    };
    let mag = |c: &GridCell| {
        if c.value.is_finite() {
            c.value.abs()
        } else {
            f64::INFINITY
        }
    };
    (rank(a), mag(a)) > (rank(b), mag(b))
}

/// Cells not computed yet alternate two dim greys, a placeholder pattern that shows
/// the map's extent and cannot be taken for a value.
fn checker(mut cell: GridCell, r: usize, c: usize) -> GridCell {
    if cell.kind == Kind::Empty {
        cell.rgb = if (r + c).is_multiple_of(2) {
            theme::EMPTY
        } else {
            theme::EMPTY_ALT
        };
    }
    cell
}

/// A title too long for `room` columns cut before its scale label, which stays
/// (`dx R=G=B = dx_pad … (1:2)` → `dx R=G=B … (1:2)`): a shrunk grid always says
/// by how much.
fn keep_scale(title: &str, room: usize) -> String {
    let width = super::text::width;
    let Some(at) = title.rfind(" (1:") else {
        return title.to_string();
    };
    if width(title) <= room || !title.ends_with(')') {
        return title.to_string();
    }
    let label = &title[at..];
    let head =
        super::text::shorten(&title[..at], room.saturating_sub(width(label))).replace(" = …", " …");
    if head.is_empty() {
        label.trim_start().to_string()
    } else {
        format!("{head}{label}")
    }
}

/// The title with, when scrolled, which rows (↕) and columns (↔) show; shortened to
/// fit `width`: the title's first two words, then the ranges without spaces, then
/// the arrows alone.
fn scrolled_title(title: &str, v: View, rows: usize, cols: usize, width: u16) -> String {
    let mut ranges = Vec::new();
    if v.rows < rows {
        ranges.push(format!("↕{}-{}", v.r0, v.r0 + v.rows.saturating_sub(1)));
    }
    if v.cols < cols {
        ranges.push(format!("↔{}-{}", v.c0, v.c0 + v.cols.saturating_sub(1)));
    }
    if ranges.is_empty() {
        return title.to_string();
    }
    let short: String = title.split(' ').take(2).collect::<Vec<_>>().join(" ");
    let arrows: String = ranges.iter().filter_map(|r| r.chars().next()).collect();
    let candidates = [
        format!("{title} {}", ranges.join(" ")),
        format!("{short} {}", ranges.join(" ")),
        format!("{short} {}", ranges.concat()),
        format!("{short} {arrows}"),
    ];
    let fits = |t: &&String| super::text::width(t) <= width as usize;
    candidates
        .iter()
        .find(fits)
        .unwrap_or(&candidates[3])
        .clone()
}

/// A mark's characters on `bg`: the mark's own colour where it stands out from the
/// fill, else black or white.
fn mark_fg(mark: Mark, bg: Rgb) -> Rgb {
    let lum = |c: Rgb| 0.299 * c.0 as f64 + 0.587 * c.1 as f64 + 0.114 * c.2 as f64;
    if (lum(mark.rgb()) - lum(bg)).abs() >= 60.0 {
        mark.rgb()
    } else {
        theme::contrast(bg)
    }
}

/// A cell's fill: its value's colour on the scale exactly (padding its grey, cells
/// not computed yet the checker), or for the current output cell the key's yellow in
/// full. Never a blend: every other mark is drawn in the characters.
fn fill(cell: &GridCell) -> Option<Rgb> {
    if cell.mark == Mark::Current {
        Some(theme::CURRENT)
    } else {
        cell.bg()
    }
}

fn style_of(cell: &GridCell, color: ColorMode) -> Style {
    let mut style = Style::new();
    let bg = fill(cell);
    if let Some(bg) = bg.and_then(|b| color.color(b)) {
        style = style.bg(bg);
    }
    let fg = match (cell.mark, bg) {
        (Mark::None | Mark::Unreached, Some(bg)) if cell.kind == Kind::Pad => {
            theme::contrast(bg).max_dim()
        }
        (_, Some(bg)) => theme::contrast(bg),
        (Mark::None, None) => (120, 120, 120),
        (mark, None) => mark.rgb(),
    };
    if let Some(fg) = color.color(fg) {
        style = style.fg(fg);
    }
    match cell.mark {
        Mark::None | Mark::Unreached => style,
        _ => style.add_modifier(Modifier::BOLD),
    }
}

trait Dim {
    fn max_dim(self) -> Rgb;
}

impl Dim for Rgb {
    /// A softer version of black or white, for the dots of padding.
    fn max_dim(self) -> Rgb {
        if self.0 > 128 {
            (200, 200, 200)
        } else {
            (40, 40, 40)
        }
    }
}

fn shade_char(cell: &GridCell) -> char {
    match cell.kind {
        Kind::Pad => '·',
        // Not computed yet (without colour the checker cannot show).
        Kind::Empty => '╌',
        _ => {
            let s = cell.shade.clamp(0.0, 1.0);
            ['░', '▒', '▓', '█'][((s * 4.0) as usize).min(3)]
        }
    }
}

/// `v` with the grid's `decimals` where that fits `w` columns, else as many as fit.
fn grid_number(v: f64, w: usize, decimals: usize) -> String {
    let s = fixed(v, decimals);
    if s.len() <= w { s } else { fit(v, w) }
}

/// What a line of a numbered cell carries.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Number,
    Marks,
    Fill,
}

/// Which line of a cell is drawn (a tall cell's number and padding dot go on its
/// `middle` line) and the decimals of the grid's numbers.
#[derive(Clone, Copy)]
struct CellLine {
    role: Role,
    decimals: usize,
    /// The widest number's width: each is right-aligned in it, the field centred.
    field: usize,
}

#[allow(clippy::too_many_arguments)]
fn draw_cell(
    buf: &mut Buffer,
    area: Rect,
    x: u16,
    y: u16,
    cell: GridCell,
    mode: CellMode,
    line: CellLine,
    color: ColorMode,
) {
    let decimals = line.decimals;
    let style = style_of(&cell, color);
    let plain = !color.has_color();
    let pad_dot = matches!(cell.kind, Kind::Pad | Kind::PadValue);
    let text = match mode {
        CellMode::Tall(w, _) | CellMode::Line(w) => {
            let inner = (w as usize).saturating_sub(2);
            let chars = mode.number_chars();
            let number = match cell.kind {
                Kind::Empty if plain => "╌".to_string(),
                Kind::Empty => String::new(),
                Kind::Pad => "·".to_string(),
                _ => format!(
                    "{:>w$}",
                    grid_number(cell.value, chars, decimals),
                    w = line.field.min(chars)
                ),
            };
            // The number on its line, the marks in the corners of the line under it;
            // colour fills the rest of the cell.
            let (l, r) = cell.mark.corners(cell.kind);
            match line.role {
                Role::Number => format!("{number:^chars$} "),
                Role::Marks => format!("{l}{}{r}", " ".repeat(inner)),
                Role::Fill => " ".repeat(w as usize),
            }
        }
        CellMode::Blocks => {
            let (l, r) = cell.mark.corners(cell.kind);
            match (cell.mark, pad_dot) {
                (Mark::None, true) => "··".to_string(),
                (Mark::None, false) if cell.kind == Kind::Faded => format!("{l}{r}"),
                (Mark::None, false) if plain => shade_char(&cell).to_string().repeat(2),
                (Mark::None, false) => "  ".to_string(),
                _ => format!("{l}{r}"),
            }
        }
        CellMode::Half => match (cell.mark, pad_dot) {
            (Mark::None, true) => "·".to_string(),
            (Mark::None, false) if plain => shade_char(&cell).to_string(),
            (mark, _) => mark.single().to_string(),
        },
    };
    // The mark's characters in the mark's colour where it reads on the fill (the
    // key's colours), the number in black or white.
    let marks_here = match mode {
        CellMode::Tall(..) => line.role == Role::Marks,
        _ => true,
    };
    let style = match (marks_here, fill(&cell)) {
        (true, Some(bg)) if !matches!(cell.mark, Mark::None | Mark::Current) => color
            .color(mark_fg(cell.mark, bg))
            .map_or(style, |c| style.fg(c)),
        _ => style,
    };
    put(buf, area, x, y, &text, style);
}

fn draw_half(
    buf: &mut Buffer,
    area: Rect,
    x: u16,
    y: u16,
    upper: GridCell,
    lower: Option<GridCell>,
    color: ColorMode,
) {
    // Half blocks only appear with colour and have no room for characters: a marked
    // pixel is its mark's colour of the key in full, on exactly the half it marks
    // (the window keeps its true shape); every other pixel its value's colour.
    let rgb = |c: GridCell| -> Option<Rgb> {
        match c.mark {
            Mark::None | Mark::Unreached => c.bg(),
            mark => Some(mark.rgb()),
        }
    };
    let to = |c: Option<GridCell>| c.and_then(rgb).and_then(|v| color.color(v));
    let (top, bottom) = (to(Some(upper)), to(lower));
    let (symbol, style) = match (top, bottom) {
        (Some(t), Some(b)) => ("▀", Style::new().fg(t).bg(b)),
        (Some(t), None) => ("▀", Style::new().fg(t).bg(Color::Reset)),
        (None, Some(b)) => ("▄", Style::new().fg(b).bg(Color::Reset)),
        (None, None) => (" ", Style::new()),
    };
    put(buf, area, x, y, symbol, style);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(rows: usize, cols: usize, focus: ((usize, usize), (usize, usize))) -> Grid<'static> {
        Grid {
            block: None,
            title: String::new(),
            rows,
            cols,
            focus,
            cell: Box::new(|_, _| GridCell::empty()),
        }
    }

    #[test]
    fn view_scrolls_to_keep_the_focus_visible() {
        let g = grid(66, 66, ((60, 60), (62, 62)));
        let v = g.view(Rect::new(0, 0, 40, 11), CellMode::Blocks);
        assert_eq!((v.rows, v.cols), (10, 20));
        assert!(v.r0 <= 60 && 62 < v.r0 + v.rows, "{v:?}");
        assert!(v.c0 <= 60 && 62 < v.c0 + v.cols, "{v:?}");
        let g = grid(5, 5, ((0, 0), (2, 2)));
        assert_eq!(g.view(Rect::new(0, 0, 40, 11), CellMode::Blocks).r0, 0);
    }

    #[test]
    fn cell_at_inverts_drawing() {
        let g = grid(66, 66, ((30, 30), (32, 32)));
        let area = Rect::new(5, 3, 20, 11);
        let v = g.view(area, CellMode::Blocks);
        assert_eq!(g.cell_at(area, CellMode::Blocks, 5, 4), Some((v.r0, v.c0)));
        assert_eq!(
            g.cell_at(area, CellMode::Blocks, 8, 5),
            Some((v.r0 + 1, v.c0 + 1))
        );
        assert_eq!(g.cell_at(area, CellMode::Blocks, 5, 3), None, "title line");
    }

    #[test]
    fn tall_cells_map_clicks_back_to_their_grid_cell() {
        let g = grid(6, 6, ((0, 0), (2, 2)));
        let area = Rect::new(0, 0, 60, 19);
        let mode = CellMode::Tall(9, 3);
        assert_eq!(mode.size(6, 6), (54, 18));
        assert_eq!(g.view(area, mode).rows, 6);
        // Every line of the cell's three belongs to it.
        for y in 4..7 {
            assert_eq!(g.cell_at(area, mode, 9, y), Some((1, 1)), "line {y}");
        }
        assert_eq!(g.cell_at(area, mode, 9, 7), Some((2, 1)));
    }

    #[test]
    fn a_cut_title_keeps_its_scale_label() {
        assert_eq!(
            keep_scale("dx R=G=B = dx_pad inside the ring (1:2)", 18),
            "dx R=G=B … (1:2)"
        );
        assert_eq!(keep_scale("dx_pad R=G=B (1:2)", 18), "dx_pad R=G=B (1:2)");
        assert_eq!(keep_scale("x R (1:3)", 5), "(1:3)");
        assert_eq!(
            keep_scale("out[0] sobel-x", 6),
            "out[0] sobel-x",
            "no label, cut later"
        );
    }

    #[test]
    fn a_scrolled_title_shortens_to_fit() {
        let v = View {
            r0: 24,
            c0: 9,
            rows: 18,
            cols: 14,
        };
        let t = |w| scrolled_title("x R 43x64+pad 1", v, 66, 66, w);
        assert_eq!(t(40), "x R 43x64+pad 1 ↕24-41 ↔9-22");
        assert_eq!(t(20), "x R ↕24-41 ↔9-22");
        assert_eq!(t(15), "x R ↕24-41↔9-22");
        assert_eq!(t(10), "x R ↕↔");
        let whole = View {
            r0: 0,
            c0: 0,
            rows: 66,
            cols: 66,
        };
        assert_eq!(scrolled_title("x R", whole, 66, 66, 3), "x R");
    }

    #[test]
    fn a_grid_gives_all_its_numbers_the_same_decimals() {
        let values = [[105.8, 96.2], [0.0, 2.0]];
        let g = Grid {
            block: None,
            title: String::new(),
            rows: 2,
            cols: 2,
            focus: ((0, 0), (0, 0)),
            cell: Box::new(move |r, c| GridCell {
                kind: Kind::Value,
                value: values[r][c],
                ..GridCell::empty()
            }),
        };
        let all = View {
            r0: 0,
            c0: 0,
            rows: 2,
            cols: 2,
        };
        assert_eq!(g.decimals(all, 6), 2, "105.80 fits six columns");
        let ints = View {
            r0: 1,
            c0: 0,
            rows: 1,
            cols: 2,
        };
        assert_eq!(g.decimals(ints, 6), 0, "whole numbers print whole");
        assert_eq!(grid_number(96.2, 6, 2), "96.20");
        assert_eq!(grid_number(2.0, 6, 0), "2");
        assert_eq!(grid_number(-1234.5, 5, 3), "-1234");
    }

    /// A padded grid like x: a ring of `pad` padding cells around values 1, 2, 3, ...
    fn padded(h: usize, w: usize, pad: usize) -> Grid<'static> {
        Grid {
            block: None,
            title: "x".into(),
            rows: h + 2 * pad,
            cols: w + 2 * pad,
            focus: ((0, 0), (0, 0)),
            cell: Box::new(move |r, c| {
                let inside = (pad..pad + h).contains(&r) && (pad..pad + w).contains(&c);
                GridCell {
                    kind: if inside { Kind::Value } else { Kind::Pad },
                    value: if inside { (r * w + c) as f64 } else { 0.0 },
                    ..GridCell::empty()
                }
            }),
        }
    }

    #[test]
    fn the_padding_ring_stays_whole_on_four_sides_at_every_scale() {
        for (h, w) in [(7, 7), (32, 32), (43, 64), (5, 9)] {
            for pad in 1..=3 {
                for s in 1..=5 {
                    let g = padded(h, w, pad).shrunk(s);
                    let ring = pad.div_ceil(s);
                    let is_pad = |r, c| (g.cell)(r, c).kind == Kind::Pad;
                    for r in 0..g.rows {
                        for c in 0..g.cols {
                            let on_ring =
                                r < ring || c < ring || r >= g.rows - ring || c >= g.cols - ring;
                            assert_eq!(
                                is_pad(r, c),
                                on_ring,
                                "{h}x{w} pad {pad} at 1:{s}: shown ({r}, {c}) of {}x{}",
                                g.rows,
                                g.cols
                            );
                        }
                    }
                    assert_eq!(g.rows, 2 * ring + h.div_ceil(s));
                }
            }
        }
    }

    #[test]
    fn a_shrunk_grid_keeps_every_cell_in_one_block_and_shows_the_largest_magnitude() {
        // Every source cell belongs to exactly one block (nothing silently dropped).
        for n in 1..40 {
            for ring in 0..3 {
                for s in 1..6 {
                    let a = Axis::new(n, ring, s);
                    let mut seen = vec![0; n];
                    for i in 0..a.shown() {
                        let (lo, hi) = a.block(i);
                        assert!(hi - lo <= s, "{a:?} block {i} = {lo}..{hi}");
                        for (v, k) in seen.iter_mut().enumerate().take(hi).skip(lo) {
                            *k += 1;
                            assert_eq!(a.shown_of(v), i, "{a:?}");
                        }
                    }
                    assert!(seen.iter().all(|&k| k == 1), "{a:?}: {seen:?}");
                }
            }
        }
        // A one-cell edge survives a 1:3 shrink: the block shows its largest |value|.
        let edge = Grid {
            block: None,
            title: "out".into(),
            rows: 9,
            cols: 9,
            focus: ((0, 0), (0, 0)),
            cell: Box::new(|_, c| GridCell {
                kind: Kind::Value,
                value: if c == 4 { -8.0 } else { 0.5 },
                ..GridCell::empty()
            }),
        }
        .shrunk(3);
        assert_eq!(edge.title, "out (1:3)");
        assert_eq!((edge.cell)(0, 1).value, -8.0);
        assert_eq!((edge.cell)(0, 0).value, 0.5);
    }

    /// Every terminal cell of a grid drawn in `mode`: its background.
    fn fills(g: &Grid, mode: CellMode) -> Vec<((u16, u16), Option<Color>)> {
        let (w, h) = mode.size(g.rows, g.cols);
        let area = Rect::new(0, 0, w as u16, h as u16 + 1);
        let mut buf = Buffer::empty(area);
        g.render(area, mode, ColorMode::TrueColor, &mut buf);
        let mut out = Vec::new();
        for y in 1..area.height {
            for x in 0..area.width {
                out.push(((x, y), buf[(x, y)].style().bg));
            }
        }
        out
    }

    #[test]
    fn a_marked_cell_is_filled_with_its_values_colour_never_a_blend() {
        let rgb = |v: usize| theme::diverging(v as f64 / 10.0 - 1.0);
        let marks = [
            Mark::None,
            Mark::Unreached,
            Mark::Prev,
            Mark::Feeds,
            Mark::Window,
            Mark::Write,
            Mark::Selected,
        ];
        let kinds = [Kind::Value, Kind::PadValue, Kind::Faded];
        let g = Grid {
            block: None,
            title: String::new(),
            rows: marks.len(),
            cols: kinds.len(),
            focus: ((0, 0), (0, 0)),
            cell: Box::new(move |r, c| GridCell {
                kind: kinds[c],
                value: (r * 3 + c) as f64,
                rgb: rgb(r * 3 + c),
                shade: 0.5,
                mark: marks[r],
            }),
        };
        let true_rgb = |c: Option<Color>| match c {
            Some(Color::Rgb(r, g, b)) => (r, g, b),
            other => panic!("{other:?}"),
        };
        for mode in [CellMode::numbers(2), CellMode::numbers(3), CellMode::Blocks] {
            let (cw, lines) = (mode.cell_w(), mode.lines() as u16);
            for ((x, y), bg) in fills(&g, mode) {
                let (r, c) = (((y - 1) / lines) as usize, (x / cw) as usize);
                assert_eq!(
                    true_rgb(bg),
                    rgb(r * 3 + c),
                    "{mode:?}: a {:?} cell of kind {:?} is filled with its value's colour",
                    marks[r],
                    kinds[c]
                );
            }
        }
        // In half blocks a marked pixel is its mark's key colour in full.
        for ((x, y), bg) in fills(&g, CellMode::Half) {
            let r = 2 * (y - 1) as usize + 1;
            if r >= marks.len() {
                continue;
            }
            let want = match marks[r] {
                Mark::None | Mark::Unreached => rgb(r * 3 + x as usize),
                mark => mark.rgb(),
            };
            assert_eq!(true_rgb(bg), want, "half block, lower pixel {r}");
        }
        // The current output cell alone is filled, with the key's yellow in full.
        let current = Grid {
            block: None,
            title: String::new(),
            rows: 1,
            cols: 1,
            focus: ((0, 0), (0, 0)),
            cell: Box::new(|_, _| GridCell {
                kind: Kind::Value,
                mark: Mark::Current,
                rgb: (1, 2, 3),
                ..GridCell::empty()
            }),
        };
        for (_, bg) in fills(&current, CellMode::Blocks) {
            assert_eq!(true_rgb(bg), theme::CURRENT);
        }
    }

    #[test]
    fn one_line_cells_print_numbers_with_the_marks_between_them() {
        // A 1x5 row of 1..5, the window on columns 1..=3, the previous one on 0..=2.
        let g = Grid {
            title: "x".into(),
            rows: 1,
            cols: 5,
            focus: ((0, 1), (0, 3)),
            cell: Box::new(|_, c| GridCell {
                kind: Kind::Value,
                value: c as f64 + 1.0,
                mark: match c {
                    1..=3 => Mark::Window,
                    0 => Mark::Prev,
                    _ => Mark::None,
                },
                ..GridCell::empty()
            }),
            block: None,
        };
        let mode = CellMode::Line(2);
        assert_eq!(mode.size(1, 5), (11, 1), "a column closes the last cell");
        let area = Rect::new(0, 0, 11, 2);
        let mut buf = Buffer::empty(area);
        g.render(area, mode, ColorMode::None, &mut buf);
        let line: String = (0..11).map(|x| buf[(x, 1)].symbol().to_string()).collect();
        assert_eq!(line, "(1[2 3 4]5 ");
        assert_eq!(g.cell_at(area, mode, 3, 1), Some((0, 1)));
        assert_eq!(edge_char(Mark::None, Mark::None), (' ', Mark::None));
        assert_eq!(edge_char(Mark::Window, Mark::Current), ('<', Mark::Current));
    }
}
