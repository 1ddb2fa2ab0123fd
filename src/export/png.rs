//! PNG of a resolved grid, drawn by the rasterizer and encoded here: the Up filter
//! and deflate level 2 (zlib-rs), in bands of rows on every core, and no chunk but
//! IHDR, IDAT and IEND (nothing that would vary between runs).

use flate2::{Compress, Compression, FlushCompress, Status};
use rayon::prelude::*;

use super::grid::PaintedGrid;
use super::raster::{Canvas, Edges, Rasterizer};

/// Draws `grid` at `scale` (1 = 9 x 18 pixels per cell) and encodes it: each band
/// composes its rows from the frame's tiles where it filters and deflates them, with
/// no canvas between (writing a 200x60 frame's 23 MB of pixels and reading them back
/// was a fifth of the time).
pub fn to_png(grid: &PaintedGrid, scale: u32) -> anyhow::Result<Vec<u8>> {
    let mut rasterizer = Rasterizer::new(scale, Edges::Smooth)?;
    let mosaic = rasterizer.mosaic(grid)?;
    encode_rows(mosaic.width, mosaic.height, |y, row| mosaic.row(y, row))
}

/// Rows a band deflates on its own: a 200x60 frame at scale 2 (2160 rows) in 34
/// bands. Fixed, so that the bytes do not depend on the number of threads; each band
/// starts with an empty window, which costs about 1% in size.
const BAND_ROWS: usize = 64;

/// The PNG of `canvas` (8-bit RGB). Each band of rows is filtered (Up: each byte
/// less the one above it, which the band reads from the canvas) and deflated at level
/// 2 as a raw stream ending in a sync flush (the last in the final block); the
/// streams joined are one deflate stream, wrapped in zlib's header and the Adler-32
/// of all filtered rows. Level 2 after Up: a 200x60 frame at scale 2 in about a tenth
/// of the time of the best compression with adaptive filters, for files about 14%
/// larger (examples/export_timing.rs measures it).
pub fn encode(canvas: &Canvas) -> anyhow::Result<Vec<u8>> {
    let stride = canvas.width as usize * 3;
    anyhow::ensure!(
        canvas.pixels.len() == stride * canvas.height as usize,
        "a {}x{} picture with {} bytes of pixels",
        canvas.width,
        canvas.height,
        canvas.pixels.len()
    );
    encode_rows(canvas.width, canvas.height, |y, row| {
        let from = y as usize * stride;
        row.copy_from_slice(&canvas.pixels[from..from + stride]);
    })
}

/// The PNG of a `width` x `height` picture whose row y `row(y, out)` writes into `out`
/// (all `width * 3` bytes), as [`encode`]'s.
pub fn encode_rows(
    width: u32,
    height: u32,
    row: impl Fn(u32, &mut [u8]) + Sync,
) -> anyhow::Result<Vec<u8>> {
    let (png_width, png_height) = (width, height);
    let (width, height) = (width as usize, height as usize);
    let stride = width * 3;
    anyhow::ensure!(width > 0 && height > 0, "a {width}x{height} picture");
    let bands = height.div_ceil(BAND_ROWS);
    // Each worker keeps its band buffer, its two rows and its deflate state (reset
    // for each band): in a fresh process, new ones for every band cost page faults
    // worth a third of the encoding.
    let fresh = || {
        (
            Vec::with_capacity(BAND_ROWS * (stride + 1)),
            (vec![0; stride], vec![0; stride]),
            Compress::new(Compression::new(2), false),
        )
    };
    let parts: Vec<(Vec<u8>, u32, usize)> = (0..bands)
        .into_par_iter()
        .map_init(fresh, |(raw, (this, above), z), band| {
            let rows = band * BAND_ROWS..((band + 1) * BAND_ROWS).min(height);
            raw.clear();
            if rows.start > 0 {
                row(rows.start as u32 - 1, above);
            }
            for y in rows {
                row(y as u32, this);
                raw.push(2); // Up
                if y == 0 {
                    raw.extend_from_slice(this);
                } else {
                    raw.extend(
                        this.iter()
                            .zip(above.iter())
                            .map(|(&a, &b)| a.wrapping_sub(b)),
                    );
                }
                std::mem::swap(this, above);
            }
            let last = band + 1 == bands;
            z.reset();
            let deflated = deflate(z, raw, last)?;
            let mut adler = simd_adler32::Adler32::new();
            adler.write(raw);
            Ok((deflated, adler.finish(), raw.len()))
        })
        .collect::<anyhow::Result<_>>()?;
    // zlib: CMF 0x78 (deflate, 32 KiB window), FLG 0x5E (level 2-5), the streams, and
    // the Adler-32 of the whole, combined from the bands'.
    let mut idat = Vec::with_capacity(parts.iter().map(|p| p.0.len()).sum::<usize>() + 6);
    idat.extend_from_slice(&[0x78, 0x5E]);
    let mut adler = 1u32;
    for (deflated, sum, len) in &parts {
        idat.extend_from_slice(deflated);
        adler = adler32_combine(adler, *sum, *len);
    }
    idat.extend_from_slice(&adler.to_be_bytes());
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&png_width.to_be_bytes());
    ihdr.extend_from_slice(&png_height.to_be_bytes());
    // 8 bits, RGB, deflate, adaptive filtering (each row says its filter), no interlace.
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut png = Vec::with_capacity(idat.len() + 64);
    png.extend_from_slice(b"\x89PNG\r\n\x1a\n");
    chunk(&mut png, b"IHDR", &ihdr)?;
    chunk(&mut png, b"IDAT", &idat)?;
    chunk(&mut png, b"IEND", &[])?;
    Ok(png)
}

/// `raw` deflated by `z` (level 2, a raw stream, fresh or reset): ended by a sync flush
/// (an empty stored block, the stream left open for the next band), or finished when
/// `last`.
fn deflate(z: &mut Compress, raw: &[u8], last: bool) -> anyhow::Result<Vec<u8>> {
    let flush = if last {
        FlushCompress::Finish
    } else {
        FlushCompress::Sync
    };
    let mut out = Vec::with_capacity(raw.len() / 4 + 64);
    loop {
        let read = z.total_in() as usize;
        let status = z.compress_vec(&raw[read..], &mut out, flush)?;
        let done = z.total_in() as usize == raw.len();
        match status {
            Status::StreamEnd => break,
            // Room for the rest: a sync flush is done once all is read and the output
            // had room to spare.
            _ if done && !last && out.len() < out.capacity() => break,
            _ => out.reserve(out.capacity().max(4096)),
        }
    }
    Ok(out)
}

/// The Adler-32 of a ++ b from theirs (`len_b` the length of b), as zlib's
/// adler32_combine.
fn adler32_combine(a: u32, b: u32, len_b: usize) -> u32 {
    const BASE: u64 = 65521;
    let rem = len_b as u64 % BASE;
    let (a1, a2) = (u64::from(a & 0xffff), u64::from(a >> 16));
    let (b1, b2) = (u64::from(b & 0xffff), u64::from(b >> 16));
    let sum1 = (a1 + b1 + BASE - 1) % BASE;
    let sum2 = (rem * a1 % BASE + a2 + b2 + BASE - rem) % BASE;
    ((sum2 << 16) | sum1) as u32
}

/// One PNG chunk: length, type, data, CRC-32 of type and data.
fn chunk(png: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) -> anyhow::Result<()> {
    let len = u32::try_from(data.len()).map_err(|_| anyhow::anyhow!("a PNG chunk over 4 GiB"))?;
    png.extend_from_slice(&len.to_be_bytes());
    png.extend_from_slice(kind);
    png.extend_from_slice(data);
    let mut crc = crc32fast::Hasher::new();
    crc.update(kind);
    crc.update(data);
    png.extend_from_slice(&crc.finalize().to_be_bytes());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::grid::{DEFAULT_THEME, resolve};
    use crate::export::raster::{Edges, Rasterizer};
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
    fn a_picture_of_many_bands_decodes_to_its_pixels() {
        // 3 bands and a part, an odd width, bytes that vary row to row and column to
        // column (every filtered byte differs from the raw one).
        for (w, h) in [
            (37, 3 * BAND_ROWS as u32 + 5),
            (1, 1),
            (5, BAND_ROWS as u32),
        ] {
            let mut canvas = Canvas::black(w, h);
            for (i, p) in canvas.pixels.iter_mut().enumerate() {
                *p = (i.wrapping_mul(2_654_435_761) >> 7) as u8;
            }
            let png = encode(&canvas).unwrap();
            let img = image::load_from_memory(&png).unwrap().to_rgb8();
            assert_eq!(img.dimensions(), (w, h));
            assert_eq!(img.into_raw(), canvas.pixels, "{w}x{h}");
        }
    }

    #[test]
    fn a_frame_composed_row_by_row_is_the_drawn_frame() {
        // Text, a wide character (and one cut at the right edge), half blocks in
        // colour, a cell no tile covers; at scale 2 its 4 lines are 144 rows, three
        // bands, so that bands start mid-line and compose the row above them.
        let mut buf = Buffer::with_lines(["ab中x▀▀▀", "  ▄▄ xyz中", "│x│ ─┼─ ", "        "]);
        buf.set_style(
            Rect::new(4, 0, 4, 2),
            Style::new()
                .fg(Color::Rgb(250, 10, 10))
                .bg(Color::Rgb(0, 0, 90)),
        );
        buf.set_style(
            Rect::new(0, 3, 3, 1),
            Style::new().bg(Color::Rgb(9, 99, 199)),
        );
        let mut grid = resolve(&buf, DEFAULT_THEME);
        let cols = usize::from(grid.cols);
        grid.cells[3 * cols + 1].width = 0;
        for scale in [1, 2, 3] {
            let drawn = Rasterizer::new(scale, Edges::Smooth)
                .unwrap()
                .draw(&grid)
                .unwrap();
            let png = to_png(&grid, scale).unwrap();
            assert_eq!(png, encode(&drawn).unwrap(), "scale {scale}");
            let img = image::load_from_memory(&png).unwrap().to_rgb8();
            assert_eq!(img.dimensions(), (drawn.width, drawn.height));
            assert_eq!(img.into_raw(), drawn.pixels, "scale {scale}");
            // The uncovered cell, on a line of another colour, shows the theme's background.
            let bg = DEFAULT_THEME.bg;
            let (x, y) = (9 * scale + 4, 3 * 18 * scale + 9);
            assert_eq!(drawn.get(x, y), bg, "scale {scale}");
        }
    }

    #[test]
    fn adler32_of_parts_combines_to_the_whole() {
        let data: Vec<u8> = (0..100_000u32).map(|i| (i * 7 + i / 13) as u8).collect();
        let sum = |d: &[u8]| {
            let mut a = simd_adler32::Adler32::new();
            a.write(d);
            a.finish()
        };
        for cut in [0, 1, 5552, 65_521, 99_999, 100_000] {
            let (a, b) = data.split_at(cut);
            assert_eq!(
                adler32_combine(sum(a), sum(b), b.len()),
                sum(&data),
                "{cut}"
            );
        }
    }

    #[test]
    fn same_frame_same_bytes() {
        let buf = Buffer::with_lines(["┌─┐", "│x│", "└─┘"]);
        let grid = resolve(&buf, DEFAULT_THEME);
        assert_eq!(to_png(&grid, 1).unwrap(), to_png(&grid, 1).unwrap());
    }
}
