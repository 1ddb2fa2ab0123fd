//! An RGB picture and the few ways the rasterizer paints it.

use super::grid::Srgb;

/// An RGB picture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Canvas {
    pub width: u32,
    pub height: u32,
    /// Row-major RGB triples.
    pub pixels: Vec<u8>,
}

impl Canvas {
    /// A picture of one colour.
    pub fn new(width: u32, height: u32, fill: Srgb) -> Canvas {
        let mut canvas = Canvas::black(width, height);
        if fill != Srgb(0, 0, 0) {
            canvas.fill(0, 0, width, height, fill);
        }
        canvas
    }

    /// A black picture: the allocator's zeroed pages, for pictures that are then
    /// covered whole.
    pub fn black(width: u32, height: u32) -> Canvas {
        let mut pixels = vec![0; width as usize * height as usize * 3];
        crate::conv::memory::advise_huge(&mut pixels);
        Canvas {
            width,
            height,
            pixels,
        }
    }

    pub fn get(&self, x: u32, y: u32) -> Srgb {
        let i = (y as usize * self.width as usize + x as usize) * 3;
        Srgb(self.pixels[i], self.pixels[i + 1], self.pixels[i + 2])
    }

    /// Lays `color` over the pixel at (x, y) with opacity `alpha`; outside is ignored.
    pub fn blend(&mut self, x: u32, y: u32, color: Srgb, alpha: u8) {
        if x >= self.width || y >= self.height || alpha == 0 {
            return;
        }
        let i = (y as usize * self.width as usize + x as usize) * 3;
        let out = if alpha == 255 {
            color
        } else {
            let under = Srgb(self.pixels[i], self.pixels[i + 1], self.pixels[i + 2]);
            color.over(under, alpha)
        };
        self.pixels[i] = out.0;
        self.pixels[i + 1] = out.1;
        self.pixels[i + 2] = out.2;
    }

    /// Paints a rectangle, clipped to the picture.
    pub fn fill(&mut self, x: u32, y: u32, w: u32, h: u32, color: Srgb) {
        let x1 = x.saturating_add(w).min(self.width);
        if x >= x1 {
            return;
        }
        let stride = self.width as usize * 3;
        let (start, end) = (x as usize * 3, x1 as usize * 3);
        let y1 = y.saturating_add(h).min(self.height);
        for yy in y..y1 {
            let row = &mut self.pixels[yy as usize * stride..][start..end];
            for px in row.chunks_exact_mut(3) {
                px.copy_from_slice(&[color.0, color.1, color.2]);
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_and_blend_clip_to_the_picture() {
        let mut c = Canvas::new(4, 3, Srgb(1, 2, 3));
        assert!(c.pixels.chunks(3).all(|p| p == [1, 2, 3]));
        c.fill(2, 1, 10, 10, Srgb(9, 9, 9));
        assert_eq!(c.get(1, 1), Srgb(1, 2, 3));
        assert_eq!(c.get(3, 2), Srgb(9, 9, 9));
        c.blend(0, 0, Srgb(255, 255, 255), 255);
        c.blend(9, 9, Srgb(255, 255, 255), 255);
        assert_eq!(c.get(0, 0), Srgb(255, 255, 255));
        c.blend(1, 0, Srgb(255, 255, 255), 128);
        assert_eq!(c.get(1, 0), Srgb(255, 255, 255).over(Srgb(1, 2, 3), 128));
    }

    #[test]
    fn blit_copies_the_part_that_fits() {
        let mut dst = vec![0u8; 3 * 2];
        blit(&mut dst, 3, 1, 2, 1, 2, 2, &[1, 2, 3, 4]);
        assert_eq!(dst, vec![0, 0, 0, 0, 0, 1]);
    }
}
