//! Draws a resolved grid into pixels with the bundled DejaVu Sans Mono (ab_glyph):
//! backgrounds in the frame's exact colours, block elements, box drawing and Braille as
//! exact shapes, text as antialiased glyphs. PNG and GIF both come from here.

use std::collections::HashMap;

use ab_glyph::{Font, FontRef, GlyphId, PxScale, ScaleFont, point};

use super::grid::{CellStyle, Grid, GridCell, Rgb};
use super::shapes::{self, Shape};

/// DejaVu Sans Mono 2.37 (Bitstream Vera licence, see assets/fonts/LICENSE-DejaVu.txt).
pub const FONT_REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSansMono.ttf");
pub const FONT_BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSansMono-Bold.ttf");
/// Noto Sans Mono CJK SC (SIL OFL 1.1, see assets/fonts/LICENSE-NotoSansCJK.txt), cut down
/// to the 3755 common characters of GB 2312 level 1, the walkthroughs' characters and
/// CJK punctuation by assets/fonts/make-cjk-subset.sh: what DejaVu lacks.
pub const FONT_CJK: &[u8] = include_bytes!("../../assets/fonts/NotoSansMonoCJKsc-Subset.otf");

/// A cell at scale 1 is 9 x 18 pixels, with a 15 px em: the proportions of a usual
/// terminal, so that two half blocks per cell make square heatmap pixels.
pub const CELL_W: u32 = 9;
pub const CELL_H: u32 = 18;
const EM_PX: f32 = 15.0;

/// The largest scale accepted (`--png-scale`): 8x keeps a 200x60 frame under 15k px wide.
pub const MAX_SCALE: u32 = 8;

/// An RGB picture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Canvas {
    pub width: u32,
    pub height: u32,
    /// Row-major RGB triples.
    pub pixels: Vec<u8>,
}

impl Canvas {
    fn new(width: u32, height: u32, fill: Rgb) -> Canvas {
        let pixels = [fill.0, fill.1, fill.2].repeat(width as usize * height as usize);
        Canvas {
            width,
            height,
            pixels,
        }
    }

    pub fn get(&self, x: u32, y: u32) -> Rgb {
        let i = (y as usize * self.width as usize + x as usize) * 3;
        Rgb(self.pixels[i], self.pixels[i + 1], self.pixels[i + 2])
    }

    fn blend(&mut self, x: u32, y: u32, color: Rgb, alpha: u8) {
        if x >= self.width || y >= self.height || alpha == 0 {
            return;
        }
        let i = (y as usize * self.width as usize + x as usize) * 3;
        let under = Rgb(self.pixels[i], self.pixels[i + 1], self.pixels[i + 2]);
        let out = color.over(under, alpha);
        self.pixels[i] = out.0;
        self.pixels[i + 1] = out.1;
        self.pixels[i + 2] = out.2;
    }

    fn fill(&mut self, x: u32, y: u32, w: u32, h: u32, color: Rgb) {
        let x1 = (x + w).min(self.width);
        if x >= x1 {
            return;
        }
        let row: Vec<u8> = [color.0, color.1, color.2].repeat((x1 - x) as usize);
        for yy in y..(y + h).min(self.height) {
            let start = (yy as usize * self.width as usize + x as usize) * 3;
            self.pixels[start..start + row.len()].copy_from_slice(&row);
        }
    }
}

/// How glyph edges are shaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edges {
    /// Full 8-bit antialiasing (PNG).
    Smooth,
    /// Coverage rounded to 0, 1/3, 2/3, 1, so that each fg/bg pair adds at most two
    /// colours: a GIF's 256-colour palette then holds a frame exactly (no dithering).
    Stepped,
}

/// A glyph's coverage relative to its cell's top-left corner.
#[derive(Debug, Clone)]
struct Mask {
    x0: i32,
    y0: i32,
    w: u32,
    h: u32,
    coverage: Vec<u8>,
}

/// A glyph mask's symbol, bold, italic and width in cells.
type MaskKey = (String, bool, bool, u8);

/// Italic is drawn as DejaVu's upright glyphs slanted by this much (about 11 degrees),
/// since no italic face is bundled.
const ITALIC_SLANT: f32 = 0.2;

/// What a cell's pixels depend on; equal keys draw equal tiles.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct TileKey {
    symbol: String,
    width: u8,
    style: CellStyle,
}

impl TileKey {
    fn of(cell: &GridCell) -> TileKey {
        if cell.is_blank() {
            // Only the background shows: one tile per colour and width.
            return TileKey {
                symbol: String::new(),
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
        TileKey {
            symbol: cell.symbol.clone(),
            width: cell.width,
            style: cell.style(),
        }
    }
}

/// Where a tile goes in a frame: its top-left pixel and its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placement {
    pub x: u32,
    pub y: u32,
    pub tile: usize,
}

/// The most tiles kept between frames before the cache starts afresh.
const MAX_TILES: usize = 20_000;

/// Draws grids at one scale. A frame is a mosaic of cell tiles (a cell, or two for a
/// wide character, clipped to its cells as a terminal clips it); tiles and glyph
/// masks are cached, so repeated cells and later frames cost a copy.
pub struct Rasterizer {
    regular: FontRef<'static>,
    cjk: FontRef<'static>,
    bold: FontRef<'static>,
    pub scale: u32,
    pub cell_w: u32,
    pub cell_h: u32,
    edges: Edges,
    masks: HashMap<MaskKey, Option<Mask>>,
    tiles: Vec<Canvas>,
    tile_ids: HashMap<TileKey, usize>,
}

impl Rasterizer {
    pub fn new(scale: u32, edges: Edges) -> anyhow::Result<Rasterizer> {
        if !(1..=MAX_SCALE).contains(&scale) {
            anyhow::bail!("--png-scale must be between 1 and {MAX_SCALE}, not {scale}");
        }
        let regular = FontRef::try_from_slice(FONT_REGULAR)?;
        let bold = FontRef::try_from_slice(FONT_BOLD)?;
        let cjk = FontRef::try_from_slice(FONT_CJK)?;
        Ok(Rasterizer {
            regular,
            bold,
            cjk,
            scale,
            cell_w: CELL_W * scale,
            cell_h: CELL_H * scale,
            edges,
            masks: HashMap::new(),
            tiles: Vec::new(),
            tile_ids: HashMap::new(),
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
    pub fn layout(&mut self, grid: &Grid) -> anyhow::Result<Vec<Placement>> {
        self.size_of(grid.cols, grid.rows)?;
        let mut out = Vec::with_capacity(grid.cells.len());
        for y in 0..grid.rows {
            for x in 0..grid.cols {
                let cell = grid.cell(x, y);
                if cell.width == 0 {
                    continue;
                }
                let tile = self.tile_id(cell);
                out.push(Placement {
                    x: u32::from(x) * self.cell_w,
                    y: u32::from(y) * self.cell_h,
                    tile,
                });
            }
        }
        Ok(out)
    }

    fn tile_id(&mut self, cell: &GridCell) -> usize {
        let key = TileKey::of(cell);
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
        self.tile_ids.insert(key, id);
        id
    }

    pub fn draw(&mut self, grid: &Grid) -> anyhow::Result<Canvas> {
        self.trim();
        let (width, height) = self.size_of(grid.cols, grid.rows)?;
        let mut canvas = Canvas::new(width, height, grid.theme.bg);
        for p in self.layout(grid)? {
            let tile = &self.tiles[p.tile];
            blit(
                &mut canvas.pixels,
                width,
                3,
                p.x,
                p.y,
                tile.width,
                tile.height,
                &tile.pixels,
            );
        }
        Ok(canvas)
    }

    fn draw_cell(&mut self, canvas: &mut Canvas, ox: u32, oy: u32, cell: &GridCell) {
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
            let key = (cell.symbol.clone(), cell.bold, cell.italic, cell.width);
            if !self.masks.contains_key(&key) {
                let mask = self.glyph_mask(&cell.symbol, cell.bold, cell.italic, span_w);
                self.masks.insert(key.clone(), mask);
            }
            match &self.masks[&key] {
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
    fn draw_missing(&self, canvas: &mut Canvas, ox: u32, oy: u32, span_w: u32, fg: Rgb) {
        let l = self.scale;
        let inset = 2 * self.scale;
        let (x0, y0) = (ox + inset, oy + 2 * inset);
        let (w, h) = (span_w - 2 * inset, self.cell_h - 4 * inset);
        canvas.fill(x0, y0, w, l, fg);
        canvas.fill(x0, y0 + h - l, w, l, fg);
        canvas.fill(x0, y0, l, h, fg);
        canvas.fill(x0 + w - l, y0, l, h, fg);
    }

    fn font(&self, bold: bool) -> &FontRef<'static> {
        if bold { &self.bold } else { &self.regular }
    }

    fn baseline(&self) -> f32 {
        baseline(&self.regular, self.scale)
    }

    fn glyph_mask(&self, symbol: &str, bold: bool, italic: bool, span_w: u32) -> Option<Mask> {
        // Each character from DejaVu, else from the CJK subset, else nothing can draw it.
        let mut glyphs: Vec<(&FontRef<'static>, GlyphId)> = Vec::new();
        for c in symbol.chars() {
            let found = [self.font(bold), &self.cjk]
                .into_iter()
                .map(|font| (font, font.glyph_id(c)))
                .find(|(_, id)| id.0 != 0);
            glyphs.push(found?);
        }
        let baseline = self.baseline();
        let mut coverage: HashMap<(i32, i32), f32> = HashMap::new();
        for (font, id) in glyphs {
            let scale = px_scale(font, self.scale);
            let advance = font.as_scaled(scale).h_advance(id);
            let x = (span_w as f32 - advance) / 2.0;
            let glyph = id.with_scale_and_position(scale, point(x, baseline));
            if let Some(outlined) = font.outline_glyph(glyph) {
                let b = outlined.px_bounds();
                outlined.draw(|gx, gy, c| {
                    let y = b.min.y as i32 + gy as i32;
                    let slant = if italic {
                        ((baseline - (y as f32 + 0.5)) * ITALIC_SLANT).round() as i32
                    } else {
                        0
                    };
                    let key = (b.min.x as i32 + gx as i32 + slant, y);
                    let v = coverage.entry(key).or_insert(0.0);
                    *v = (*v + c).min(1.0);
                });
            }
        }
        if coverage.is_empty() {
            return Some(Mask {
                x0: 0,
                y0: 0,
                w: 0,
                h: 0,
                coverage: Vec::new(),
            });
        }
        let x0 = coverage.keys().map(|k| k.0).min().unwrap_or(0);
        let y0 = coverage.keys().map(|k| k.1).min().unwrap_or(0);
        let x1 = coverage.keys().map(|k| k.0).max().unwrap_or(0);
        let y1 = coverage.keys().map(|k| k.1).max().unwrap_or(0);
        let (w, h) = ((x1 - x0 + 1) as u32, (y1 - y0 + 1) as u32);
        let mut cov = vec![0u8; (w * h) as usize];
        for (&(x, y), &c) in &coverage {
            let v = (c * 255.0).round() as u8;
            let v = match self.edges {
                Edges::Smooth => v,
                Edges::Stepped => ((u32::from(v) * 3 + 127) / 255 * 85) as u8,
            };
            cov[((y - y0) as u32 * w + (x - x0) as u32) as usize] = v;
        }
        Some(Mask {
            x0,
            y0,
            w,
            h,
            coverage: cov,
        })
    }
}

/// Copies a `w` x `h` block of `bpp`-byte pixels to (x, y) of a `width`-wide image,
/// clipped to the image.
#[allow(clippy::too_many_arguments)]
pub fn blit(dst: &mut [u8], width: u32, bpp: usize, x: u32, y: u32, w: u32, h: u32, src: &[u8]) {
    if x >= width {
        return;
    }
    let w_in = w.min(width - x) as usize;
    let height = (dst.len() / bpp / width as usize) as u32;
    for row in 0..h.min(height.saturating_sub(y)) {
        let d = ((y + row) as usize * width as usize + x as usize) * bpp;
        let s = row as usize * w as usize * bpp;
        dst[d..d + w_in * bpp].copy_from_slice(&src[s..s + w_in * bpp]);
    }
}

/// ab_glyph's scale is the font's height (ascent - descent), not its em.
fn px_scale(font: &FontRef<'_>, scale: u32) -> PxScale {
    let em = font.units_per_em().unwrap_or(2048.0);
    PxScale::from(EM_PX * scale as f32 * font.height_unscaled() / em)
}

/// The baseline's distance from the top of the cell: the font's ascent, with the
/// cell's spare height shared above and below.
fn baseline(font: &FontRef<'_>, scale: u32) -> f32 {
    let scaled = font.as_scaled(px_scale(font, scale));
    let spare = (CELL_H * scale) as f32 - (scaled.ascent() - scaled.descent());
    spare / 2.0 + scaled.ascent()
}

/// The text baseline in a cell at scale 1 (about 14.2 of 18), which the SVG shares.
pub fn baseline_at_scale_1() -> f32 {
    FontRef::try_from_slice(FONT_REGULAR).map_or(14.0, |font| baseline(&font, 1))
}

fn draw_shape(canvas: &mut Canvas, ox: u32, oy: u32, shape: &Shape, fg: Rgb) {
    match *shape {
        Shape::Rect {
            x,
            y,
            w,
            h,
            alpha: 255,
        } => canvas.fill(ox + x, oy + y, w, h, fg),
        Shape::Rect { x, y, w, h, alpha } => {
            for yy in oy + y..oy + y + h {
                for xx in ox + x..ox + x + w {
                    canvas.blend(xx, yy, fg, alpha);
                }
            }
        }
        Shape::Arc {
            cx,
            cy,
            r,
            width,
            start,
        } => {
            // The quarter's bounding box, from the circle centre towards `start`+45°.
            let (sx, sy) = match start {
                0 => (1.0, 1.0),
                90 => (-1.0, 1.0),
                180 => (-1.0, -1.0),
                _ => (1.0, -1.0),
            };
            let reach = r + width;
            let (xa, xb) = sorted(cx, cx + sx * reach);
            let (ya, yb) = sorted(cy, cy + sy * reach);
            stroke_region(
                canvas,
                ox,
                oy,
                (xa, ya, xb, yb),
                |px, py| {
                    let (dx, dy) = (px - cx, py - cy);
                    if dx * sx < 0.0 || dy * sy < 0.0 {
                        return 0.0;
                    }
                    let d = (dx * dx + dy * dy).sqrt();
                    width / 2.0 + 0.5 - (d - r).abs()
                },
                fg,
            );
        }
        Shape::Line {
            x0,
            y0,
            x1,
            y1,
            width,
        } => {
            let (xa, xb) = sorted(x0, x1);
            let (ya, yb) = sorted(y0, y1);
            stroke_region(
                canvas,
                ox,
                oy,
                (xa, ya, xb, yb),
                |px, py| width / 2.0 + 0.5 - segment_distance((px, py), (x0, y0), (x1, y1)),
                fg,
            );
        }
    }
}

fn sorted(a: f32, b: f32) -> (f32, f32) {
    if a <= b { (a, b) } else { (b, a) }
}

/// Paints the pixels of a cell-relative box with coverage `f(pixel centre)` (clamped).
fn stroke_region(
    canvas: &mut Canvas,
    ox: u32,
    oy: u32,
    (xa, ya, xb, yb): (f32, f32, f32, f32),
    f: impl Fn(f32, f32) -> f32,
    fg: Rgb,
) {
    let x_start = xa.floor().max(0.0) as u32;
    let y_start = ya.floor().max(0.0) as u32;
    for y in y_start..yb.ceil().max(0.0) as u32 {
        for x in x_start..xb.ceil().max(0.0) as u32 {
            let c = f(x as f32 + 0.5, y as f32 + 0.5).clamp(0.0, 1.0);
            canvas.blend(ox + x, oy + y, fg, (c * 255.0).round() as u8);
        }
    }
}

fn segment_distance(p: (f32, f32), a: (f32, f32), b: (f32, f32)) -> f32 {
    let (abx, aby) = (b.0 - a.0, b.1 - a.1);
    let len2 = abx * abx + aby * aby;
    let t = if len2 == 0.0 {
        0.0
    } else {
        (((p.0 - a.0) * abx + (p.1 - a.1) * aby) / len2).clamp(0.0, 1.0)
    };
    let (qx, qy) = (a.0 + t * abx - p.0, a.1 + t * aby - p.1);
    (qx * qx + qy * qy).sqrt()
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
            assert_eq!(canvas.get(x, 0), Rgb(255, 0, 0));
            assert_eq!(canvas.get(x, 17), Rgb(255, 0, 0));
            assert_eq!(canvas.get(x, 18), Rgb(0, 0, 255));
            assert_eq!(canvas.get(x, 35), Rgb(0, 0, 255));
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
