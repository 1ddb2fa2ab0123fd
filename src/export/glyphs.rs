//! The bundled fonts and a cache of glyph coverage masks: each symbol is rasterised
//! once per weight, slant and width, however many cells and colours show it.

use std::collections::HashMap;

use ab_glyph::{Font, FontRef, GlyphId, PxScale, ScaleFont, point};

use super::raster::{CELL_H, Edges};

/// DejaVu Sans Mono 2.37 (Bitstream Vera licence, see assets/fonts/LICENSE-DejaVu.txt).
pub const FONT_REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSansMono.ttf");
pub const FONT_BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSansMono-Bold.ttf");
/// Noto Sans Mono CJK SC (SIL OFL 1.1, see assets/fonts/LICENSE-NotoSansCJK.txt), cut down
/// to the 3755 common characters of GB 2312 level 1, the walkthroughs' characters and
/// CJK punctuation by assets/fonts/make-cjk-subset.sh: what DejaVu lacks.
pub const FONT_CJK: &[u8] = include_bytes!("../../assets/fonts/NotoSansMonoCJKsc-Subset.otf");

/// The em at scale 1, in pixels.
const EM_PX: f32 = 15.0;

/// Italic is drawn as DejaVu's upright glyphs slanted by this much (about 11 degrees),
/// since no italic face is bundled.
const ITALIC_SLANT: f32 = 0.2;

/// A glyph's coverage relative to its cell's top-left corner.
#[derive(Debug, Clone)]
pub struct Mask {
    pub x0: i32,
    pub y0: i32,
    pub w: u32,
    pub h: u32,
    pub coverage: Vec<u8>,
}

/// A glyph mask's symbol, bold, italic and width in cells.
type MaskKey = (String, bool, bool, u8);

/// Glyph masks at one scale; `None` marks a symbol no bundled font has.
pub struct GlyphCache {
    regular: FontRef<'static>,
    bold: FontRef<'static>,
    cjk: FontRef<'static>,
    scale: u32,
    cell_w: u32,
    edges: Edges,
    masks: HashMap<MaskKey, Option<Mask>>,
}

impl GlyphCache {
    pub fn new(scale: u32, cell_w: u32, edges: Edges) -> anyhow::Result<GlyphCache> {
        Ok(GlyphCache {
            regular: FontRef::try_from_slice(FONT_REGULAR)?,
            bold: FontRef::try_from_slice(FONT_BOLD)?,
            cjk: FontRef::try_from_slice(FONT_CJK)?,
            scale,
            cell_w,
            edges,
            masks: HashMap::new(),
        })
    }

    /// The baseline's distance from the top of a cell.
    pub fn baseline(&self) -> f32 {
        baseline(&self.regular, self.scale)
    }

    /// The mask of `symbol` over `width` cells, drawn the first time it is asked for.
    pub fn mask(&mut self, symbol: &str, bold: bool, italic: bool, width: u8) -> Option<&Mask> {
        let key = (symbol.to_string(), bold, italic, width);
        if !self.masks.contains_key(&key) {
            let span_w = self.cell_w * u32::from(width);
            let mask = self.draw(symbol, bold, italic, span_w);
            self.masks.insert(key.clone(), mask);
        }
        self.masks[&key].as_ref()
    }

    fn font(&self, bold: bool) -> &FontRef<'static> {
        if bold { &self.bold } else { &self.regular }
    }

    fn draw(&self, symbol: &str, bold: bool, italic: bool, span_w: u32) -> Option<Mask> {
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
        // Every pixel the outlines visit, in drawing order, then summed into a box.
        let mut visits: Vec<(i32, i32, f32)> = Vec::new();
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
                    visits.push((b.min.x as i32 + gx as i32 + slant, y, c));
                });
            }
        }
        if visits.is_empty() {
            return Some(Mask {
                x0: 0,
                y0: 0,
                w: 0,
                h: 0,
                coverage: Vec::new(),
            });
        }
        let x0 = visits.iter().map(|v| v.0).min().unwrap_or(0);
        let y0 = visits.iter().map(|v| v.1).min().unwrap_or(0);
        let x1 = visits.iter().map(|v| v.0).max().unwrap_or(0);
        let y1 = visits.iter().map(|v| v.1).max().unwrap_or(0);
        let (w, h) = ((x1 - x0 + 1) as u32, (y1 - y0 + 1) as u32);
        let mut sums = vec![0.0f32; (w * h) as usize];
        for (x, y, c) in visits {
            let v = &mut sums[((y - y0) as u32 * w + (x - x0) as u32) as usize];
            *v = (*v + c).min(1.0);
        }
        let coverage = sums
            .into_iter()
            .map(|c| {
                let v = (c * 255.0).round() as u8;
                match self.edges {
                    Edges::Smooth => v,
                    Edges::Stepped => ((u32::from(v) * 3 + 127) / 255 * 85) as u8,
                }
            })
            .collect();
        Some(Mask {
            x0,
            y0,
            w,
            h,
            coverage,
        })
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
