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
            CellMode::Tall(w, _) => w,
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
            CellMode::Tall(w, _) => (w as usize).saturating_sub(1),
            _ => 0,
        }
    }

    /// How much a cell shows, for choosing between layouts: larger numbered cells,
    /// numbers, blocks, half blocks.
    pub fn richness(self) -> u8 {
        match self {
            CellMode::Tall(_, h) => 3 + h.min(8) as u8,
            CellMode::Blocks => 2,
            CellMode::Half => 1,
        }
    }

    /// Whether the cells print their numbers.
    pub fn has_numbers(self) -> bool {
        matches!(self, CellMode::Tall(..))
    }

    /// Terminal (width, lines) of a grid of rows x cols.
    pub fn size(self, rows: usize, cols: usize) -> (usize, usize) {
        (
            cols * self.cell_w() as usize,
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
            Mark::Feeds => '+',
            Mark::Window | Mark::Write => '#',
            Mark::Wrong => '!',
            Mark::Selected => '*',
            Mark::Current => '@',
        }
    }

    fn rgb(self) -> Rgb {
        match self {
            Mark::Prev => theme::PREV,
            Mark::Current | Mark::Write => theme::CURRENT,
            Mark::Selected | Mark::Feeds => theme::SELECTED,
            Mark::Unreached => (255, 80, 80),
            Mark::Wrong => (255, 40, 40),
            _ => theme::WINDOW,
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
            Kind::Value => Some(self.rgb),
            Kind::Pad => Some(theme::PAD),
            Kind::PadValue => Some(mix(self.rgb, theme::PAD)),
            Kind::Faded => Some(mix(self.rgb, (16, 16, 16))),
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
}

/// The part of a grid a rect shows: first row and column, and how many of each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct View {
    pub r0: usize,
    pub c0: usize,
    pub rows: usize,
    pub cols: usize,
}

/// The source cell shown cell `i` of `d` (out of `n`) stands for: its block's middle.
pub fn unscale(i: usize, n: usize, d: usize) -> usize {
    let d = d.max(1);
    let lo = i * n / d;
    let hi = ((i + 1) * n / d).max(lo + 1);
    ((lo + hi - 1) / 2).min(n.saturating_sub(1))
}

/// How much a grid is scaled down, as `(1:2)` or `(1:1.5)`: one shown cell for so
/// many source cells along the side reduced most.
pub fn scale_text(full: (usize, usize), shown: (usize, usize)) -> String {
    let r = full.0 as f64 / shown.0.max(1) as f64;
    let c = full.1 as f64 / shown.1.max(1) as f64;
    let s = (r.max(c) * 10.0).round() / 10.0;
    if s.fract() == 0.0 {
        format!("(1:{s:.0})")
    } else {
        format!("(1:{s:.1})")
    }
}

/// How many source cells one shown cell stands for along the longer side.
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

    /// The grid shown at `shown` (rows, cols) cells, each standing for a block of
    /// source cells: its value is the block's middle cell, its mark the strongest of
    /// that cell and of the focus cells in the block (the window stays visible). Only
    /// the shown cells are read, so a large array costs what is drawn.
    pub fn scaled(self, shown: (usize, usize)) -> Self {
        let (rows, cols) = (self.rows, self.cols);
        let (sr, sc) = (shown.0.clamp(1, rows.max(1)), shown.1.clamp(1, cols.max(1)));
        if (sr, sc) == (rows, cols) {
            return self;
        }
        let block =
            move |i: usize, n: usize, d: usize| (i * n / d, ((i + 1) * n / d).max(i * n / d + 1));
        let ((fr0, fc0), (fr1, fc1)) = self.focus;
        let cell = self.cell;
        let title = format!("{} {}", self.title, scale_text((rows, cols), (sr, sc)));
        Grid {
            title,
            rows: sr,
            cols: sc,
            focus: (
                (fr0 * sr / rows.max(1), fc0 * sc / cols.max(1)),
                (fr1 * sr / rows.max(1), fc1 * sc / cols.max(1)),
            ),
            cell: Box::new(move |r, c| {
                let (r0, r1) = block(r, rows, sr);
                let (c0, c1) = block(c, cols, sc);
                let mut out = cell(unscale(r, rows, sr), unscale(c, cols, sc));
                for fr in r0.max(fr0)..r1.min(fr1 + 1) {
                    for fc in c0.max(fc0)..c1.min(fc1 + 1) {
                        out.mark = out.mark.max(cell(fr, fc).mark);
                    }
                }
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

    pub fn render(&self, area: Rect, mode: CellMode, color: ColorMode, buf: &mut Buffer) {
        if area.height == 0 || area.width == 0 {
            return;
        }
        let v = self.view(area, mode);
        let title = scrolled_title(&self.title, v, self.rows, self.cols, area.width);
        super::text::put_title(buf, area, area.x, area.y, &title, theme::bold());
        let decimals = if mode.has_numbers() {
            self.decimals(v, mode.number_chars())
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
                        let line = CellLine { role, decimals };
                        draw_cell(buf, area, x, y + sub as u16, upper, mode, line, color);
                    }
                }
            }
        }
    }
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

fn style_of(cell: &GridCell, color: ColorMode) -> Style {
    let mut style = Style::new();
    let tinted = cell.bg().map(|bg| match cell.mark {
        // The windows tint their cells, so they stand out and the value still shows.
        Mark::Window => theme::lerp(bg, highlight(bg), 0.4),
        Mark::Write => theme::lerp(bg, theme::CURRENT, 0.15),
        Mark::Prev => theme::lerp(bg, theme::PREV, 0.35),
        Mark::Current => theme::lerp(bg, theme::CURRENT, 0.7),
        Mark::Selected | Mark::Feeds => theme::lerp(bg, theme::SELECTED, 0.45),
        _ => bg,
    });
    if let Some(bg) = tinted.and_then(|b| color.color(b)) {
        style = style.bg(bg);
    }
    let fg = match (cell.mark, tinted) {
        (Mark::None | Mark::Unreached, Some(bg)) if cell.kind == Kind::Pad => {
            theme::contrast(bg).max_dim()
        }
        (Mark::None, Some(bg)) => theme::contrast(bg),
        (Mark::None, None) => (120, 120, 120),
        (
            Mark::Window | Mark::Write | Mark::Prev | Mark::Current | Mark::Selected | Mark::Feeds,
            Some(bg),
        ) => theme::contrast(bg),
        (mark, _) => mark.rgb(),
    };
    if let Some(fg) = color.color(fg) {
        style = style.fg(fg);
    }
    match cell.mark {
        Mark::Window | Mark::Write | Mark::Current | Mark::Selected => {
            style.add_modifier(Modifier::BOLD)
        }
        _ => style,
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
        CellMode::Tall(w, _) => {
            let inner = (w as usize).saturating_sub(2);
            let chars = mode.number_chars();
            let number = match cell.kind {
                Kind::Empty if plain => "╌".to_string(),
                Kind::Empty => String::new(),
                Kind::Pad => "·".to_string(),
                _ => grid_number(cell.value, chars, decimals),
            };
            // The number on its line, the marks in the corners of the line under it;
            // colour fills the rest of the cell.
            let (l, r) = cell.mark.pair();
            match line.role {
                Role::Number => format!("{number:^chars$} "),
                Role::Marks => format!("{l}{}{r}", " ".repeat(inner)),
                Role::Fill => " ".repeat(w as usize),
            }
        }
        CellMode::Blocks => {
            let (l, r) = cell.mark.pair();
            match (cell.mark, pad_dot) {
                (Mark::None, true) => "··".to_string(),
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
    // Half blocks only appear with colour, so a mark shows as its colour on exactly
    // the half (pixel) it marks: the window keeps its true shape.
    let rgb = |c: GridCell| -> Option<Rgb> {
        match c.mark {
            Mark::None => c.bg(),
            Mark::Unreached => c.bg().map(|bg| mix(bg, Mark::Unreached.rgb())),
            // The windows tint their pixels, so the picture still shows through.
            Mark::Window => Some(
                c.bg()
                    .map_or(theme::WINDOW, |bg| theme::lerp(bg, highlight(bg), 0.6)),
            ),
            Mark::Prev => Some(
                c.bg()
                    .map_or(theme::PREV, |bg| theme::lerp(bg, theme::PREV, 0.6)),
            ),
            Mark::Write => Some(
                c.bg()
                    .map_or(theme::CURRENT, |bg| theme::lerp(bg, theme::CURRENT, 0.7)),
            ),
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

/// What the window tints toward: white on dark cells, dark grey on light ones.
fn highlight(bg: Rgb) -> Rgb {
    if theme::contrast(bg) == (0, 0, 0) {
        (70, 70, 70)
    } else {
        theme::WINDOW
    }
}

fn mix(a: Rgb, b: Rgb) -> Rgb {
    (
        ((a.0 as u16 + b.0 as u16) / 2) as u8,
        ((a.1 as u16 + b.1 as u16) / 2) as u8,
        ((a.2 as u16 + b.2 as u16) / 2) as u8,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(rows: usize, cols: usize, focus: ((usize, usize), (usize, usize))) -> Grid<'static> {
        Grid {
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
}
