//! A `Buffer` resolved into what a terminal would paint: one entry per cell with its
//! symbol (or none where a wide character covers it) and final RGB colours, after
//! `Color::Reset`, the xterm palette and the bold/dim/reversed/hidden modifiers.
//! Every pictorial export (SVG, PNG, HTML, GIF) draws from this one grid.

use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};
use unicode_width::UnicodeWidthStr;

/// An sRGB colour as the exports paint it (a struct with its hex form and alpha
/// blend; the screen's colours are `ui::theme::Rgb` tuples until they become a
/// ratatui `Color`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Srgb(pub u8, pub u8, pub u8);

impl Srgb {
    /// `#rrggbb`, as SVG, HTML and CSS write it.
    pub fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }

    /// `self` laid over `under` with opacity `alpha` (0..=255), rounded.
    pub fn over(self, under: Srgb, alpha: u8) -> Srgb {
        let mix = |a: u8, b: u8| -> u8 {
            let a = u32::from(a);
            let b = u32::from(b);
            let t = u32::from(alpha);
            ((a * t + b * (255 - t) + 127) / 255) as u8
        };
        Srgb(
            mix(self.0, under.0),
            mix(self.1, under.1),
            mix(self.2, under.2),
        )
    }
}

/// The colours `Color::Reset` stands for: the terminal's own default foreground and
/// background, fixed here so that exports do not depend on the viewer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub fg: Srgb,
    pub bg: Srgb,
}

/// A dark theme (Tomorrow Night's foreground and background).
pub const DEFAULT_THEME: Theme = Theme {
    fg: Srgb(0xc5, 0xc8, 0xc6),
    bg: Srgb(0x1d, 0x1f, 0x21),
};

impl Default for Theme {
    fn default() -> Self {
        DEFAULT_THEME
    }
}

/// xterm's default 16 colours, then the 6x6x6 cube and the 24 greys.
pub fn xterm(index: u8) -> Srgb {
    let (r, g, b) = crate::palette::xterm::rgb(index);
    Srgb(r, g, b)
}

/// The xterm palette index of a named colour, `None` for Reset, Rgb and Indexed.
pub fn named_index(color: Color) -> Option<u8> {
    Some(match color {
        Color::Black => 0,
        Color::Red => 1,
        Color::Green => 2,
        Color::Yellow => 3,
        Color::Blue => 4,
        Color::Magenta => 5,
        Color::Cyan => 6,
        Color::Gray => 7,
        Color::DarkGray => 8,
        Color::LightRed => 9,
        Color::LightGreen => 10,
        Color::LightYellow => 11,
        Color::LightBlue => 12,
        Color::LightMagenta => 13,
        Color::LightCyan => 14,
        Color::White => 15,
        Color::Reset | Color::Rgb(..) | Color::Indexed(_) => return None,
    })
}

/// The RGB a colour stands for; `default` is what Reset means in its place (fg or bg).
pub fn resolve_color(color: Color, default: Srgb) -> Srgb {
    match color {
        Color::Reset => default,
        Color::Rgb(r, g, b) => Srgb(r, g, b),
        Color::Indexed(i) => xterm(i),
        named => named_index(named).map_or(default, xterm),
    }
}

/// One cell as painted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaintedCell {
    /// What is drawn starting at this cell; empty when a wide character to the left
    /// covers this cell, or when the cell is blank.
    pub symbol: String,
    /// Columns the symbol spans (1 or 2; 0 for a covered cell).
    pub width: u8,
    pub fg: Srgb,
    pub bg: Srgb,
    pub bold: bool,
    pub italic: bool,
    pub underline: bool,
    pub crossed: bool,
}

/// How a cell looks apart from its symbol: colours and modifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CellStyle {
    pub fg: Srgb,
    pub bg: Srgb,
    pub bold: bool,
    pub italic: bool,
    pub underline: bool,
    pub crossed: bool,
}

impl PaintedCell {
    /// The cell's colours and modifiers.
    pub fn style(&self) -> CellStyle {
        CellStyle {
            fg: self.fg,
            bg: self.bg,
            bold: self.bold,
            italic: self.italic,
            underline: self.underline,
            crossed: self.crossed,
        }
    }

    /// True when nothing but the background shows.
    pub fn is_blank(&self) -> bool {
        (self.symbol.is_empty() || self.symbol.chars().all(|c| c == ' '))
            && !self.underline
            && !self.crossed
    }
}

/// The resolved cells of a buffer, row-major (not `ui::grid::Grid`, an array drawn
/// as a panel).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaintedGrid {
    pub cols: u16,
    pub rows: u16,
    pub cells: Vec<PaintedCell>,
    pub theme: Theme,
}

impl PaintedGrid {
    pub fn cell(&self, x: u16, y: u16) -> &PaintedCell {
        &self.cells[usize::from(y) * usize::from(self.cols) + usize::from(x)]
    }

    /// Every colour the grid paints as a cell's foreground or background.
    pub fn key_colors(&self) -> Vec<Srgb> {
        let mut colors: Vec<Srgb> = self
            .cells
            .iter()
            .flat_map(|c| [c.fg, c.bg])
            .chain([self.theme.fg, self.theme.bg])
            .collect();
        colors.sort_unstable();
        colors.dedup();
        colors
    }
}

/// The display width of a cell's symbol, as ratatui lays it out (at least 1).
pub fn symbol_width(symbol: &str) -> u16 {
    if symbol.len() == 1 {
        return 1;
    }
    (symbol.width() as u16).max(1)
}

/// Resolves a buffer: colours to RGB, modifiers applied, wide characters given their
/// span (the next cell, which ratatui resets, is marked covered and takes the wide
/// character's background, as a terminal paints it).
pub fn resolve(buf: &Buffer, theme: Theme) -> PaintedGrid {
    let cols = buf.area.width;
    let rows = buf.area.height;
    let mut cells = Vec::with_capacity(usize::from(cols) * usize::from(rows));
    for y in 0..rows {
        let mut covered: u16 = 0;
        let mut cover_bg = theme.bg;
        for x in 0..cols {
            let cell = &buf[(buf.area.x + x, buf.area.y + y)];
            if covered > 0 {
                covered -= 1;
                cells.push(PaintedCell {
                    symbol: String::new(),
                    width: 0,
                    fg: cover_bg,
                    bg: cover_bg,
                    bold: false,
                    italic: false,
                    underline: false,
                    crossed: false,
                });
                continue;
            }
            let resolved = resolve_cell(cell, theme);
            let width = symbol_width(cell.symbol()).min(cols - x);
            covered = width - 1;
            cover_bg = resolved.bg;
            cells.push(PaintedCell {
                width: width as u8,
                ..resolved
            });
        }
    }
    PaintedGrid {
        cols,
        rows,
        cells,
        theme,
    }
}

fn resolve_cell(cell: &ratatui::buffer::Cell, theme: Theme) -> PaintedCell {
    let m = cell.modifier;
    let mut fg = resolve_color(cell.fg, theme.fg);
    let mut bg = resolve_color(cell.bg, theme.bg);
    if m.contains(Modifier::REVERSED) {
        std::mem::swap(&mut fg, &mut bg);
    }
    if m.contains(Modifier::DIM) {
        fg = fg.over(bg, 140);
    }
    if m.contains(Modifier::HIDDEN) {
        fg = bg;
    }
    let symbol = cell.symbol();
    // Control characters never reach a terminal cell; show them as blanks.
    let symbol: String = if symbol.chars().any(char::is_control) {
        " ".to_string()
    } else {
        symbol.to_string()
    };
    PaintedCell {
        symbol,
        width: 1,
        fg,
        bg,
        bold: m.contains(Modifier::BOLD),
        italic: m.contains(Modifier::ITALIC),
        underline: m.contains(Modifier::UNDERLINED),
        crossed: m.contains(Modifier::CROSSED_OUT),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::layout::Rect;
    use ratatui::style::Style;

    #[test]
    fn xterm_palette_has_cube_and_greys() {
        assert_eq!(xterm(1), Srgb(0xcd, 0, 0));
        assert_eq!(xterm(16), Srgb(0, 0, 0));
        assert_eq!(xterm(196), Srgb(255, 0, 0));
        assert_eq!(xterm(231), Srgb(255, 255, 255));
        assert_eq!(xterm(232), Srgb(8, 8, 8));
        assert_eq!(xterm(255), Srgb(238, 238, 238));
    }

    #[test]
    fn reset_takes_the_theme_and_reversed_swaps() {
        let mut buf = Buffer::with_lines(["ab"]);
        buf.set_style(
            Rect::new(1, 0, 1, 1),
            Style::new()
                .fg(Color::Rgb(1, 2, 3))
                .add_modifier(Modifier::REVERSED),
        );
        let grid = resolve(&buf, DEFAULT_THEME);
        assert_eq!(grid.cell(0, 0).fg, DEFAULT_THEME.fg);
        assert_eq!(grid.cell(0, 0).bg, DEFAULT_THEME.bg);
        assert_eq!(grid.cell(1, 0).fg, DEFAULT_THEME.bg);
        assert_eq!(grid.cell(1, 0).bg, Srgb(1, 2, 3));
    }

    #[test]
    fn wide_characters_cover_the_next_cell_with_their_background() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 4, 1));
        buf.set_string(0, 0, "你x", Style::new().bg(Color::Indexed(196)));
        let grid = resolve(&buf, DEFAULT_THEME);
        assert_eq!(grid.cell(0, 0).symbol, "你");
        assert_eq!(grid.cell(0, 0).width, 2);
        assert_eq!(grid.cell(1, 0).width, 0);
        assert_eq!(grid.cell(1, 0).symbol, "");
        assert_eq!(grid.cell(1, 0).bg, Srgb(255, 0, 0));
        assert_eq!(grid.cell(2, 0).symbol, "x");
        assert_eq!(grid.cell(3, 0).bg, DEFAULT_THEME.bg);
    }

    #[test]
    fn a_wide_character_in_the_last_column_is_clipped_to_one() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 2, 1));
        buf[(1, 0)].set_symbol("你");
        let grid = resolve(&buf, DEFAULT_THEME);
        assert_eq!(grid.cell(1, 0).width, 1);
    }
}
