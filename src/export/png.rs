//! PNG of a resolved grid, drawn by the rasterizer and encoded with `image`'s PNG
//! encoder (no timestamps or other chunks that would vary between runs).

use image::ImageEncoder;
use image::codecs::png::{CompressionType, FilterType, PngEncoder};

use super::grid::PaintedGrid;
use super::raster::{Canvas, Edges, Rasterizer};

/// Draws `grid` at `scale` (1 = 9 x 18 pixels per cell) and encodes it.
pub fn to_png(grid: &PaintedGrid, scale: u32) -> anyhow::Result<Vec<u8>> {
    let mut rasterizer = Rasterizer::new(scale, Edges::Smooth)?;
    let canvas = rasterizer.draw(grid)?;
    encode(&canvas)
}

pub fn encode(canvas: &Canvas) -> anyhow::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    // Deflate level 2 (zlib-rs) after the Up filter: a 200x60 frame at scale 2 in
    // about a tenth of the time of `Best` with adaptive filters, for files about 14%
    // larger (1.28 MB instead of 1.13 MB); levels 3-4 shrink it by 2-3% more at twice
    // the time, level 1 grows it by 20% (examples/export_timing.rs measures it).
    PngEncoder::new_with_quality(&mut bytes, CompressionType::Level(2), FilterType::Up)
        .write_image(
            &canvas.pixels,
            canvas.width,
            canvas.height,
            image::ExtendedColorType::Rgb8,
        )?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::grid::{DEFAULT_THEME, resolve};
    use ratatui::buffer::Buffer;
    use ratatui::layout::Rect;
    use ratatui::style::{Color, Style};

    #[test]
    fn decoded_png_has_the_cell_colours_at_their_cells() {
        let mut buf = Buffer::with_lines(["ab  ", "  cd"]);
        buf.set_style(
            Rect::new(2, 0, 2, 1),
            Style::new().bg(Color::Rgb(10, 200, 30)),
        );
        buf.set_style(Rect::new(0, 1, 1, 1), Style::new().bg(Color::Indexed(21)));
        let png = to_png(&resolve(&buf, DEFAULT_THEME), 2).unwrap();
        let img = image::load_from_memory(&png).unwrap().to_rgb8();
        assert_eq!(img.dimensions(), (4 * 18, 2 * 36));
        // The centre of cell (3, 0) and of cell (0, 1), both blank.
        assert_eq!(img.get_pixel(3 * 18 + 9, 18).0, [10, 200, 30]);
        assert_eq!(img.get_pixel(9, 36 + 18).0, [0, 0, 255]);
        let bg = DEFAULT_THEME.bg;
        assert_eq!(img.get_pixel(1, 1).0, [bg.0, bg.1, bg.2]);
    }

    #[test]
    fn same_frame_same_bytes() {
        let buf = Buffer::with_lines(["┌─┐", "│x│", "└─┘"]);
        let grid = resolve(&buf, DEFAULT_THEME);
        assert_eq!(to_png(&grid, 1).unwrap(), to_png(&grid, 1).unwrap());
    }
}
