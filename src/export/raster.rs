//! Draws a resolved grid into pixels with the bundled DejaVu Sans Mono (ab_glyph):
//! backgrounds in the frame's exact colours, block elements, box drawing and Braille as
//! exact shapes, text as antialiased glyphs. PNG and GIF both come from here: the
//! canvas is in [`super::canvas`], glyph masks in [`super::glyphs`], shapes' strokes in
//! [`super::strokes`]; this file lays cells out as cached tiles.

pub use super::canvas::{Canvas, blit};
use super::glyphs::GlyphCache;
pub use super::glyphs::{FONT_BOLD, FONT_CJK, FONT_REGULAR, baseline_at_scale_1};
use super::grid::{CellStyle, PaintedCell, PaintedGrid, Srgb};
use super::shapes;
use super::strokes::draw_shape;

/// A cell at scale 1 is 9 x 18 pixels, with a 15 px em: the proportions of a usual
/// terminal, so that two half blocks per cell make square heatmap pixels.
pub const CELL_W: u32 = 9;
pub const CELL_H: u32 = 18;

/// The largest scale accepted (`--png-scale`): 8x keeps a 200x60 frame under 15k px wide.
pub const MAX_SCALE: u32 = 8;

/// How glyph edges are shaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edges {
    /// Full 8-bit antialiasing (PNG).
    Smooth,
    /// Coverage rounded to 0, 1/3, 2/3, 1, so that each fg/bg pair adds at most two
    /// colours: a GIF's 256-colour palette then holds a frame exactly (no dithering).
    Stepped,
}

/// What a cell's pixels depend on; equal keys draw equal tiles.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct TileKey {
    symbol: String,
    width: u8,
    style: CellStyle,
}

/// A cell's [`TileKey`] borrowed from the cell, so that a frame's 12,000 cells are
/// looked up without a string copied for each: the same fields in the same order, so
/// it hashes as the key it stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct KeyOf<'a> {
    symbol: &'a str,
    width: u8,
    style: CellStyle,
}

impl<'a> KeyOf<'a> {
    fn of(cell: &'a PaintedCell) -> KeyOf<'a> {
        if cell.is_blank() {
            // Only the background shows: one tile per colour and width.
            return KeyOf {
                symbol: "",
                width: cell.width,
                style: CellStyle {
                    fg: cell.bg,
                    bg: cell.bg,
                    bold: false,
                    italic: false,
                    underline: false,
                    crossed: false,
                },
            };
        }
        KeyOf {
            symbol: &cell.symbol,
            width: cell.width,
            style: cell.style(),
        }
    }

    fn to_key(self) -> TileKey {
        TileKey {
            symbol: self.symbol.to_owned(),
            width: self.width,
            style: self.style,
        }
    }
}

impl hashbrown::Equivalent<TileKey> for KeyOf<'_> {
    fn equivalent(&self, key: &TileKey) -> bool {
        // Symbols are a few bytes: compared in place rather than by a call to memcmp
        // (most of a lookup's time when it was `==`).
        let same_symbol =
            |a: &[u8], b: &[u8]| a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y);
        self.style == key.style
            && self.width == key.width
            && same_symbol(self.symbol.as_bytes(), key.symbol.as_bytes())
    }
}

/// Where a tile goes in a frame: its top-left pixel and its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TilePlacement {
    pub x: u32,
    pub y: u32,
    pub tile: usize,
}

/// A frame as tiles: each line of cells, its tiles' left edges and ids in the order
/// they are drawn (a later tile over an earlier one where they overlap).
pub struct Mosaic<'r> {
    tiles: &'r [Canvas],
    pub width: u32,
    pub height: u32,
    cell_h: u32,
    lines: Vec<Vec<(u32, usize)>>,
}

impl Mosaic<'_> {
    /// Pixel row `y` of the frame into `out` (`width` RGB pixels): each tile's row
    /// copied to its place, clipped at the right edge.
    pub fn row(&self, y: u32, out: &mut [u8]) {
        let Some(line) = self.lines.get((y / self.cell_h) as usize) else {
            return;
        };
        let r = (y % self.cell_h) as usize;
        for &(x, id) in line {
            let tile = &self.tiles[id];
            let w = tile.width as usize * 3;
            let from = r * w;
            let fits = w.min(out.len().saturating_sub(x as usize * 3));
            out[x as usize * 3..][..fits].copy_from_slice(&tile.pixels[from..from + fits]);
        }
    }
}

/// The most tiles kept between frames before the cache starts afresh.
const MAX_TILES: usize = 20_000;

/// Draws grids at one scale. A frame is a mosaic of cell tiles (a cell, or two for a
/// wide character, clipped to its cells as a terminal clips it); tiles and glyph
/// masks are cached, so repeated cells and later frames cost a copy.
pub struct Rasterizer {
    glyphs: GlyphCache,
    pub scale: u32,
    pub cell_w: u32,
    pub cell_h: u32,
    tiles: Vec<Canvas>,
    /// hashbrown's map (foldhash) for its lookups by a borrowed [`KeyOf`].
    tile_ids: hashbrown::HashMap<TileKey, usize>,
}

impl Rasterizer {
    pub fn new(scale: u32, edges: Edges) -> anyhow::Result<Rasterizer> {
        if !(1..=MAX_SCALE).contains(&scale) {
            anyhow::bail!("--png-scale must be between 1 and {MAX_SCALE}, not {scale}");
        }
        Ok(Rasterizer {
            glyphs: GlyphCache::new(scale, CELL_W * scale, edges)?,
            scale,
            cell_w: CELL_W * scale,
            cell_h: CELL_H * scale,
            tiles: Vec::new(),
            tile_ids: hashbrown::HashMap::new(),
        })
    }

    /// The picture size of a grid, refusing sizes that could not be allocated sanely.
    pub fn size_of(&self, cols: u16, rows: u16) -> anyhow::Result<(u32, u32)> {
        let w = u32::from(cols) * self.cell_w;
        let h = u32::from(rows) * self.cell_h;
        if w == 0 || h == 0 {
            anyhow::bail!("cannot draw an empty frame ({cols}x{rows} cells)");
        }
        if u64::from(w) * u64::from(h) > 100_000_000 {
            anyhow::bail!(
                "a {cols}x{rows} frame at scale {} would be {w}x{h} pixels; use a smaller size or scale",
                self.scale
            );
        }
        Ok((w, h))
    }

    /// Forgets every tile when the cache has grown large; true when it did (tile ids
    /// handed out before are then void).
    pub fn trim(&mut self) -> bool {
        if self.tiles.len() <= MAX_TILES {
            return false;
        }
        self.tiles.clear();
        self.tile_ids.clear();
        true
    }

    pub fn tile(&self, id: usize) -> &Canvas {
        &self.tiles[id]
    }

    /// The tiles of a frame, row by row (cells a wide character covers have none).
    pub fn layout(&mut self, grid: &PaintedGrid) -> anyhow::Result<Vec<TilePlacement>> {
        self.size_of(grid.cols, grid.rows)?;
        let mut out = Vec::with_capacity(grid.cells.len());
        for y in 0..grid.rows {
            for x in 0..grid.cols {
                let cell = grid.cell(x, y);
                if cell.width == 0 {
                    continue;
                }
                let tile = self.tile_id(cell);
                out.push(TilePlacement {
                    x: u32::from(x) * self.cell_w,
                    y: u32::from(y) * self.cell_h,
                    tile,
                });
            }
        }
        Ok(out)
    }

    fn tile_id(&mut self, cell: &PaintedCell) -> usize {
        let key = KeyOf::of(cell);
        if let Some(&id) = self.tile_ids.get(&key) {
            return id;
        }
        let span_w = self.cell_w * u32::from(cell.width.max(1));
        let mut tile = Canvas::new(span_w, self.cell_h, cell.bg);
        if !cell.is_blank() {
            self.draw_cell(&mut tile, 0, 0, cell);
        }
        let id = self.tiles.len();
        self.tiles.push(tile);
        self.tile_ids.insert(key.to_key(), id);
        id
    }

    /// The frame of `grid` as a canvas: [`Rasterizer::mosaic`]'s rows, the rows on
    /// every core.
    pub fn draw(&mut self, grid: &PaintedGrid) -> anyhow::Result<Canvas> {
        use rayon::prelude::*;
        let mosaic = self.mosaic(grid)?;
        let mut canvas = Canvas::black(mosaic.width, mosaic.height);
        let stride = mosaic.width as usize * 3;
        canvas
            .pixels
            .par_chunks_mut(stride)
            .enumerate()
            .for_each(|(y, row)| mosaic.row(y as u32, row));
        Ok(canvas)
    }

    /// `grid` laid out as tiles, line by line, every cell covered: any cell no tile
    /// covers (a wide character's second half with no first) gets the theme's
    /// background, after the line's tiles. Its rows are the frame's pixels without a
    /// canvas ([`Mosaic::row`]): the PNG encoder composes each row where it filters
    /// and deflates it.
    pub fn mosaic(&mut self, grid: &PaintedGrid) -> anyhow::Result<Mosaic<'_>> {
        self.trim();
        let (width, height) = self.size_of(grid.cols, grid.rows)?;
        let placements = self.layout(grid)?;
        let cols = usize::from(grid.cols);
        let mut covered = vec![false; cols * usize::from(grid.rows)];
        let mut lines: Vec<Vec<(u32, usize)>> = vec![Vec::new(); usize::from(grid.rows)];
        for p in &placements {
            let (cx, cy) = ((p.x / self.cell_w) as usize, (p.y / self.cell_h) as usize);
            let span = (self.tiles[p.tile].width / self.cell_w) as usize;
            for c in covered[cy * cols + cx..]
                .iter_mut()
                .take(span.min(cols - cx))
            {
                *c = true;
            }
            lines[cy].push((p.x, p.tile));
        }
        if covered.contains(&false) {
            let background = self.tile_id(&PaintedCell {
                symbol: String::new(),
                width: 1,
                fg: grid.theme.bg,
                bg: grid.theme.bg,
                bold: false,
                italic: false,
                underline: false,
                crossed: false,
            });
            for (i, _) in covered.iter().enumerate().filter(|(_, c)| !**c) {
                lines[i / cols].push(((i % cols) as u32 * self.cell_w, background));
            }
        }
        Ok(Mosaic {
            tiles: &self.tiles,
            width,
            height,
            cell_h: self.cell_h,
            lines,
        })
    }

    fn draw_cell(&mut self, canvas: &mut Canvas, ox: u32, oy: u32, cell: &PaintedCell) {
        let mut chars = cell.symbol.chars();
        let single = match (chars.next(), chars.next()) {
            (Some(c), None) => Some(c),
            _ => None,
        };
        let span_w = self.cell_w * u32::from(cell.width);
        if let Some(shapes) = single.and_then(|c| shapes::shapes(c, self.cell_w, self.cell_h)) {
            for shape in shapes {
                draw_shape(canvas, ox, oy, &shape, cell.fg);
            }
        } else if !cell.symbol.trim().is_empty() {
            match self
                .glyphs
                .mask(&cell.symbol, cell.bold, cell.italic, cell.width)
            {
                Some(mask) => {
                    for my in 0..mask.h {
                        for mx in 0..mask.w {
                            let c = mask.coverage[(my * mask.w + mx) as usize];
                            let px = ox as i32 + mask.x0 + mx as i32;
                            let py = oy as i32 + mask.y0 + my as i32;
                            if px >= 0 && py >= 0 {
                                canvas.blend(px as u32, py as u32, cell.fg, c);
                            }
                        }
                    }
                }
                None => self.draw_missing(canvas, ox, oy, span_w, cell.fg),
            }
        }
        let l = self.scale;
        if cell.underline {
            let y = oy + self.baseline().round() as u32 + l;
            canvas.fill(ox, y.min(oy + self.cell_h - l), span_w, l, cell.fg);
        }
        if cell.crossed {
            canvas.fill(ox, oy + self.cell_h / 2, span_w, l, cell.fg);
        }
    }

    /// A character the font lacks (CJK, emoji): an outlined box over its whole span, so
    /// the layout stays exact even where the glyph cannot be shown.
    fn draw_missing(&self, canvas: &mut Canvas, ox: u32, oy: u32, span_w: u32, fg: Srgb) {
        let l = self.scale;
        let inset = 2 * self.scale;
        let (x0, y0) = (ox + inset, oy + 2 * inset);
        let (w, h) = (span_w - 2 * inset, self.cell_h - 4 * inset);
        canvas.fill(x0, y0, w, l, fg);
        canvas.fill(x0, y0 + h - l, w, l, fg);
        canvas.fill(x0, y0, l, h, fg);
        canvas.fill(x0 + w - l, y0, l, h, fg);
    }

    fn baseline(&self) -> f32 {
        self.glyphs.baseline()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::grid::{DEFAULT_THEME, resolve};
    use ratatui::buffer::Buffer;
    use ratatui::layout::Rect;
    use ratatui::style::{Color, Style};

    #[test]
    fn half_blocks_paint_exact_colours_with_no_seam() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 2, 1));
        buf.set_string(
            0,
            0,
            "▀▀",
            Style::new()
                .fg(Color::Rgb(255, 0, 0))
                .bg(Color::Rgb(0, 0, 255)),
        );
        let grid = resolve(&buf, DEFAULT_THEME);
        let mut r = Rasterizer::new(2, Edges::Smooth).unwrap();
        let canvas = r.draw(&grid).unwrap();
        assert_eq!((canvas.width, canvas.height), (36, 36));
        for x in 0..36 {
            assert_eq!(canvas.get(x, 0), Srgb(255, 0, 0));
            assert_eq!(canvas.get(x, 17), Srgb(255, 0, 0));
            assert_eq!(canvas.get(x, 18), Srgb(0, 0, 255));
            assert_eq!(canvas.get(x, 35), Srgb(0, 0, 255));
        }
    }

    #[test]
    fn text_draws_some_foreground_inside_its_cell_only() {
        let buf = Buffer::with_lines(["M "]);
        let grid = resolve(&buf, DEFAULT_THEME);
        let mut r = Rasterizer::new(1, Edges::Smooth).unwrap();
        let canvas = r.draw(&grid).unwrap();
        let inked = |x0: u32, x1: u32| {
            (0..18)
                .flat_map(|y| (x0..x1).map(move |x| (x, y)))
                .filter(|&(x, y)| canvas.get(x, y) != DEFAULT_THEME.bg)
                .count()
        };
        assert!(inked(0, 9) > 10);
        assert_eq!(inked(9, 18), 0);
    }

    #[test]
    fn equal_cells_share_one_tile_and_a_second_frame_adds_none() {
        let mut buf = Buffer::with_lines(["ab  ab", "  ba  "]);
        buf.set_style(Rect::new(0, 1, 6, 1), Style::new().bg(Color::Rgb(1, 2, 3)));
        let grid = resolve(&buf, DEFAULT_THEME);
        let mut r = Rasterizer::new(1, Edges::Smooth).unwrap();
        let first = r.layout(&grid).unwrap();
        // a, b, a blank on the theme's background, and a, b and a blank on (1, 2, 3).
        assert_eq!(r.tiles.len(), 6);
        let tile = |x: usize| first[x].tile;
        assert_eq!((tile(0), tile(1)), (tile(4), tile(5)));
        assert_eq!(tile(2), tile(3));
        assert!([7, 10, 11].iter().all(|&x| tile(x) == tile(6)));
        // The same letters on another background are other tiles.
        assert_ne!((tile(8), tile(9)), (tile(1), tile(0)));
        assert_ne!(tile(6), tile(2));
        assert_eq!(r.layout(&grid).unwrap(), first);
        assert_eq!(r.tiles.len(), 6);
    }

    #[test]
    fn italic_slants_the_glyph_right_at_the_top() {
        let draw = |italic: bool| {
            let mut buf = Buffer::with_lines(["l"]);
            if italic {
                buf.set_style(
                    Rect::new(0, 0, 1, 1),
                    Style::new().add_modifier(ratatui::style::Modifier::ITALIC),
                );
            }
            let grid = resolve(&buf, DEFAULT_THEME);
            Rasterizer::new(2, Edges::Smooth)
                .unwrap()
                .draw(&grid)
                .unwrap()
        };
        let mean_x = |canvas: &Canvas, rows: std::ops::Range<u32>| {
            let xs: Vec<u32> = ink(canvas, 0, 18)
                .into_iter()
                .filter(|(_, y)| rows.contains(y))
                .map(|(x, _)| x)
                .collect();
            xs.iter().sum::<u32>() as f32 / xs.len().max(1) as f32
        };
        let (upright, italic) = (draw(false), draw(true));
        assert!(mean_x(&italic, 4..12) > mean_x(&upright, 4..12) + 1.0);
        assert!(mean_x(&italic, 24..28) <= mean_x(&upright, 24..28) + 0.5);
    }

    #[test]
    fn stepped_edges_use_at_most_four_shades_per_pair() {
        let buf = Buffer::with_lines(["Sobel 0.125"]);
        let grid = resolve(&buf, DEFAULT_THEME);
        let mut r = Rasterizer::new(2, Edges::Stepped).unwrap();
        let canvas = r.draw(&grid).unwrap();
        let mut colors: Vec<[u8; 3]> = canvas
            .pixels
            .chunks(3)
            .map(|p| [p[0], p[1], p[2]])
            .collect();
        colors.sort_unstable();
        colors.dedup();
        // Background and ink at least (the text is drawn), and no more than four.
        assert!((2..=4).contains(&colors.len()), "{}", colors.len());
    }

    /// Ink pixels (not the background) in columns x0..x1 of a one-row frame.
    fn ink(canvas: &Canvas, x0: u32, x1: u32) -> Vec<(u32, u32)> {
        (0..canvas.height)
            .flat_map(|y| (x0..x1).map(move |x| (x, y)))
            .filter(|&(x, y)| canvas.get(x, y) != DEFAULT_THEME.bg)
            .collect()
    }

    #[test]
    fn chinese_comes_from_the_cjk_subset_and_unknown_characters_are_boxes() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 4, 1));
        buf.set_string(0, 0, "卷🙂", Style::new());
        let grid = resolve(&buf, DEFAULT_THEME);
        let mut r = Rasterizer::new(1, Edges::Smooth).unwrap();
        let canvas = r.draw(&grid).unwrap();
        let glyph = ink(&canvas, 0, 18);
        let boxed = ink(&canvas, 18, 36);
        // 卷 is a glyph: ink across its two cells, and not the outline of a box.
        let box_at_0: Vec<(u32, u32)> = boxed.iter().map(|&(x, y)| (x - 18, y)).collect();
        assert_ne!(glyph, box_at_0);
        assert!(glyph.len() > 40, "{}", glyph.len());
        assert!(glyph.iter().any(|&(x, _)| x < 9) && glyph.iter().any(|&(x, _)| x >= 9));
        // The emoji is in no bundled font: exactly the outline box over two cells.
        let (w, h) = (18 - 4, 18 - 8);
        assert_eq!(boxed.len() as u32, 2 * w + 2 * (h - 2));
    }

    #[test]
    fn scale_out_of_range_is_an_error() {
        assert!(Rasterizer::new(0, Edges::Smooth).is_err());
        assert!(Rasterizer::new(MAX_SCALE + 1, Edges::Smooth).is_err());
    }
}
