//! Animated GIF of a sequence of frames: one global palette (exact when the frames'
//! colours fit in 255, else a deterministic reduction, never dithered), frames that
//! show nothing new folded into the previous one's delay, each later frame stored as
//! the rectangle that changed, looping forever.

use std::collections::HashMap;

use ratatui::buffer::Buffer;

use super::grid::{Srgb, Theme, resolve};
use super::raster::{Edges, Rasterizer, blit};
use palette::{Mapper, PALETTE_COLORS, choose_palette, count_colors};

mod lzw;
mod palette;

/// The most frames `record` draws, so a typo in a step range cannot run for hours.
pub const MAX_FRAMES: usize = 5000;

/// One frame of an animation and how long it shows.
#[derive(Debug, Clone)]
pub struct TimedFrame {
    pub buffer: Buffer,
    pub delay_ms: u32,
}

/// GIF delays are centiseconds; browsers show anything under 2 as 10, so 2 is the floor.
fn centiseconds(ms: u32) -> u16 {
    let cs = (ms.saturating_add(5)) / 10;
    cs.clamp(2, u32::from(u16::MAX)) as u16
}

pub fn to_gif(frames: Vec<TimedFrame>, theme: Theme, scale: u32) -> anyhow::Result<Vec<u8>> {
    to_gif_streamed(|| Ok(frames.iter().cloned().map(Ok)), theme, scale)
}

/// Encodes the frames `make` yields. `make` is called twice (once to choose the
/// palette, once to encode) and must yield the same frames both times; this keeps
/// one frame in memory at a time however long the animation.
pub fn to_gif_streamed<F, I>(mut make: F, theme: Theme, scale: u32) -> anyhow::Result<Vec<u8>>
where
    F: FnMut() -> anyhow::Result<I>,
    I: Iterator<Item = anyhow::Result<TimedFrame>>,
{
    let mut rasterizer = Rasterizer::new(scale, Edges::Stepped)?;

    // Pass 1: the frame size, every colour drawn (tile by tile), and the cell colours
    // that must stay exact.
    let mut histogram: HashMap<Srgb, u64> = HashMap::new();
    let mut keys: Vec<Srgb> = Vec::new();
    let mut tile_colors: HashMap<usize, Vec<(Srgb, u64)>> = HashMap::new();
    let mut area = None;
    let mut previous: Option<Buffer> = None;
    let mut distinct = 0usize;
    for frame in make()? {
        let frame = frame?;
        let this = frame.buffer.area;
        if *area.get_or_insert(this) != this {
            anyhow::bail!("all frames of an animation must have the same size");
        }
        if previous.as_ref() == Some(&frame.buffer) {
            continue;
        }
        distinct += 1;
        if distinct > MAX_FRAMES {
            anyhow::bail!("an animation may have at most {MAX_FRAMES} different frames");
        }
        if rasterizer.trim() {
            tile_colors.clear();
        }
        let grid = resolve(&frame.buffer, theme);
        keys.extend(grid.key_colors());
        let mut uses: HashMap<usize, u64> = HashMap::new();
        for p in rasterizer.layout(&grid)? {
            *uses.entry(p.tile).or_insert(0) += 1;
        }
        for (tile, n) in uses {
            let counts = tile_colors
                .entry(tile)
                .or_insert_with(|| count_colors(rasterizer.tile(tile)));
            for &(c, k) in counts.iter() {
                *histogram.entry(c).or_insert(0) += k * n;
            }
        }
        previous = Some(frame.buffer);
    }
    let Some(area) = area else {
        anyhow::bail!("an animation needs at least one frame");
    };
    let (width, height) = rasterizer.size_of(area.width, area.height)?;
    let (w16, h16) = match (u16::try_from(width), u16::try_from(height)) {
        (Ok(w), Ok(h)) => (w, h),
        _ => anyhow::bail!("a GIF is at most 65535 pixels wide and high, not {width}x{height}"),
    };
    keys.sort_unstable();
    keys.dedup();
    // One index stays free: later frames mark unchanged pixels with it (transparent),
    // and such runs compress to almost nothing.
    let palette = choose_palette(&histogram, &keys, PALETTE_COLORS);
    let transparent = palette.len() as u8;

    // Pass 2: index every frame against the palette; store what changed, and fold
    // frames that change nothing into the previous frame's delay.
    let mut flat = Vec::with_capacity(palette.len() * 3);
    for c in &palette {
        flat.extend_from_slice(&[c.0, c.1, c.2]);
    }
    flat.extend_from_slice(&[0, 0, 0]);
    let mut bytes = Vec::new();
    {
        let mut encoder = gif::Encoder::new(&mut bytes, w16, h16, &flat)?;
        encoder.set_repeat(gif::Repeat::Infinite)?;
        let mut batch = Batch::new();
        let mut mapper = Mapper::new(&palette);
        let mut indexed_tiles: HashMap<usize, Vec<u8>> = HashMap::new();
        // The picture so far, and the tile drawn at each cell (`None`: redraw it).
        // Only the cells whose tile changed are drawn again and compared.
        let mut composite = vec![0u8; width as usize * height as usize];
        let (cols, rows) = (usize::from(area.width), usize::from(area.height));
        let mut cell_tiles: Vec<Option<usize>> = vec![None; cols * rows];
        let mut previous: Option<Buffer> = None;
        let mut pending: Option<gif::Frame<'static>> = None;
        for frame in make()? {
            let frame = frame?;
            let delay = centiseconds(frame.delay_ms);
            let first = previous.is_none();
            let mut frame_out = None;
            if previous.as_ref() != Some(&frame.buffer) {
                if rasterizer.trim() {
                    indexed_tiles.clear();
                    cell_tiles.fill(None);
                }
                let grid = resolve(&frame.buffer, theme);
                let mut changed = Vec::new();
                let (mut x0, mut y0, mut x1, mut y1) = (width, height, 0, 0);
                for p in rasterizer.layout(&grid)? {
                    let (cx, cy) = (
                        (p.x / rasterizer.cell_w) as usize,
                        (p.y / rasterizer.cell_h) as usize,
                    );
                    let tile = rasterizer.tile(p.tile);
                    let span = (tile.width / rasterizer.cell_w) as usize;
                    let at = cy * cols + cx;
                    // Cells a wide character covers are redrawn once it goes.
                    for c in cell_tiles[at + 1..].iter_mut().take(span.saturating_sub(1)) {
                        *c = None;
                    }
                    if cell_tiles[at] == Some(p.tile) {
                        continue;
                    }
                    cell_tiles[at] = Some(p.tile);
                    x0 = x0.min(p.x);
                    y0 = y0.min(p.y);
                    x1 = x1.max((p.x + tile.width).min(width));
                    y1 = y1.max((p.y + tile.height).min(height));
                    changed.push(p);
                }
                if !changed.is_empty() {
                    let bbox = (x0, y0, x1 - x0, y1 - y0);
                    let before = crop(&composite, width, bbox);
                    for p in changed {
                        let tile = rasterizer.tile(p.tile);
                        let src = indexed_tiles
                            .entry(p.tile)
                            .or_insert_with(|| mapper.index(tile));
                        blit(
                            &mut composite,
                            width,
                            1,
                            p.x,
                            p.y,
                            tile.width,
                            tile.height,
                            src,
                        );
                    }
                    frame_out = if first {
                        Some(sub_frame(
                            &composite,
                            None,
                            width,
                            (0, 0, width, height),
                            delay,
                        ))
                    } else {
                        let after = crop(&composite, width, bbox);
                        changed_region(&before, &after, bbox.2, bbox.3).map(|(x, y, w, h)| {
                            let rect = (bbox.0 + x, bbox.1 + y, w, h);
                            let before = crop(&before, bbox.2, (x, y, w, h));
                            let after = crop(&after, bbox.2, (x, y, w, h));
                            sub_frame_of(&after, Some((&before, transparent)), rect, delay)
                        })
                    };
                }
                previous = Some(frame.buffer);
            }
            match frame_out {
                None => {
                    if let Some(p) = pending.as_mut() {
                        p.delay = p.delay.saturating_add(delay);
                    }
                }
                Some(f) => {
                    if let Some(p) = pending.replace(f) {
                        batch.push(p, &mut encoder)?;
                    }
                }
            }
        }
        if let Some(p) = pending {
            batch.push(p, &mut encoder)?;
        }
        batch.flush(&mut encoder)?;
    }
    Ok(bytes)
}

/// Frames waiting for their LZW compression, which takes most of a GIF's time: a
/// batch is compressed on all cores at once, then written in order. The bytes are
/// those `write_frame` would write (the same `gif` compressor, frame by frame).
struct Batch {
    frames: Vec<gif::Frame<'static>>,
    pixels: usize,
    threads: usize,
}

/// The most pixels held for compression at once (each is a byte): bounds memory for
/// big frames.
const BATCH_PIXELS: usize = 64 << 20;

impl Batch {
    fn new() -> Batch {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        Batch {
            frames: Vec::new(),
            pixels: 0,
            threads,
        }
    }

    fn push(
        &mut self,
        frame: gif::Frame<'static>,
        encoder: &mut gif::Encoder<&mut Vec<u8>>,
    ) -> anyhow::Result<()> {
        self.pixels += frame.buffer.len();
        self.frames.push(frame);
        if self.frames.len() >= 2 * self.threads || self.pixels >= BATCH_PIXELS {
            self.flush(encoder)?;
        }
        Ok(())
    }

    fn flush(&mut self, encoder: &mut gif::Encoder<&mut Vec<u8>>) -> anyhow::Result<()> {
        let per_thread = self.frames.len().div_ceil(self.threads).max(1);
        if self.frames.len() > 1 && self.threads > 1 {
            std::thread::scope(|scope| {
                for chunk in self.frames.chunks_mut(per_thread) {
                    scope.spawn(move || chunk.iter_mut().for_each(lzw::make_lzw_pre_encoded));
                }
            });
        } else {
            self.frames.iter_mut().for_each(lzw::make_lzw_pre_encoded);
        }
        for frame in self.frames.drain(..) {
            encoder.write_lzw_pre_encoded_frame(&frame)?;
        }
        self.pixels = 0;
        Ok(())
    }
}

/// The smallest rectangle (x, y, w, h) holding every changed pixel, if any changed.
fn changed_region(a: &[u8], b: &[u8], width: u32, height: u32) -> Option<(u32, u32, u32, u32)> {
    let (mut x0, mut y0, mut x1, mut y1) = (u32::MAX, u32::MAX, 0, 0);
    for y in 0..height {
        let row = (y * width) as usize..((y + 1) * width) as usize;
        let (ra, rb) = (&a[row.clone()], &b[row]);
        if ra == rb {
            continue;
        }
        let first = ra.iter().zip(rb).position(|(p, q)| p != q).unwrap_or(0) as u32;
        let last = ra.iter().zip(rb).rposition(|(p, q)| p != q).unwrap_or(0) as u32;
        x0 = x0.min(first);
        x1 = x1.max(last);
        y0 = y0.min(y);
        y1 = y1.max(y);
    }
    (x0 != u32::MAX).then(|| (x0, y0, x1 - x0 + 1, y1 - y0 + 1))
}

/// The `(x, y, w, h)` block of a `width`-wide picture of one byte per pixel.
fn crop(pixels: &[u8], width: u32, (x, y, w, h): (u32, u32, u32, u32)) -> Vec<u8> {
    let mut out = Vec::with_capacity((w * h) as usize);
    for row in y..y + h {
        let start = (row * width + x) as usize;
        out.extend_from_slice(&pixels[start..start + w as usize]);
    }
    out
}

/// A frame of the pixels `now` (exactly `rect`'s), unchanged ones transparent.
fn sub_frame_of(
    now: &[u8],
    previous: Option<(&[u8], u8)>,
    rect: (u32, u32, u32, u32),
    delay: u16,
) -> gif::Frame<'static> {
    let mut frame = sub_frame(now, previous, rect.2, (0, 0, rect.2, rect.3), delay);
    frame.left = rect.0 as u16;
    frame.top = rect.1 as u16;
    frame
}

/// The pixels of `rect`; with the previous frame's indices given, pixels that did not
/// change become the transparent index, so the frame below shows through.
fn sub_frame(
    indices: &[u8],
    previous: Option<(&[u8], u8)>,
    width: u32,
    (x, y, w, h): (u32, u32, u32, u32),
    delay: u16,
) -> gif::Frame<'static> {
    let mut buffer = Vec::with_capacity((w * h) as usize);
    for row in y..y + h {
        let start = (row * width + x) as usize;
        let now = &indices[start..start + w as usize];
        match previous {
            Some((prev, clear)) => {
                let before = &prev[start..start + w as usize];
                buffer.extend(
                    now.iter()
                        .zip(before)
                        .map(|(&n, &b)| if n == b { clear } else { n }),
                );
            }
            None => buffer.extend_from_slice(now),
        }
    }
    gif::Frame {
        delay,
        dispose: gif::DisposalMethod::Keep,
        transparent: previous.map(|(_, clear)| clear),
        left: x as u16,
        top: y as u16,
        width: w as u16,
        height: h as u16,
        buffer: buffer.into(),
        ..gif::Frame::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::grid::DEFAULT_THEME;
    use ratatui::layout::Rect;
    use ratatui::style::{Color, Style};

    fn frame(text: &str, delay_ms: u32) -> TimedFrame {
        TimedFrame {
            buffer: Buffer::with_lines([text]),
            delay_ms,
        }
    }

    /// (frame count, delays, palette size, composited RGB of the last frame).
    fn decode(bytes: &[u8]) -> (usize, Vec<u16>, usize) {
        let mut opts = gif::DecodeOptions::new();
        opts.set_color_output(gif::ColorOutput::Indexed);
        let mut d = opts.read_info(bytes).unwrap();
        let palette_len = d.global_palette().map_or(0, |p| p.len() / 3);
        let mut delays = Vec::new();
        while let Some(f) = d.read_next_frame().unwrap() {
            delays.push(f.delay);
        }
        (delays.len(), delays, palette_len)
    }

    #[test]
    fn identical_frames_are_dropped_and_their_time_kept() {
        let frames = vec![
            frame("ab", 1000),
            frame("ab", 1000),
            frame("ac", 500),
            frame("ac", 250),
            frame("ab", 1000),
        ];
        let gif = to_gif(frames, DEFAULT_THEME, 1).unwrap();
        let (count, delays, _) = decode(&gif);
        assert_eq!(count, 3);
        assert_eq!(delays, vec![200, 75, 100]);
    }

    #[test]
    fn later_frames_store_only_the_changed_rectangle() {
        let gif = to_gif(
            vec![frame("abcd", 100), frame("abxd", 100)],
            DEFAULT_THEME,
            1,
        )
        .unwrap();
        let mut d = gif::DecodeOptions::new().read_info(&gif[..]).unwrap();
        let f0 = d.read_next_frame().unwrap().unwrap();
        assert_eq!((f0.left, f0.width), (0, 36));
        let f1 = d.read_next_frame().unwrap().unwrap();
        assert!(
            f1.left >= 18 && f1.left + f1.width <= 27,
            "{} {}",
            f1.left,
            f1.width
        );
        assert!(f1.transparent.is_some());
    }

    #[test]
    fn composited_frames_equal_each_frame_drawn_alone() {
        use image::AnimationDecoder;
        let first = Buffer::with_lines(["abcd", "efgh"]);
        let mut second = first.clone();
        second.set_string(1, 1, "xy", Style::new().bg(Color::Rgb(200, 0, 0)));
        let timed = |buffer: &Buffer| TimedFrame {
            buffer: buffer.clone(),
            delay_ms: 100,
        };
        let both = to_gif(vec![timed(&first), timed(&second)], DEFAULT_THEME, 1).unwrap();
        let alone = to_gif(vec![timed(&second)], DEFAULT_THEME, 1).unwrap();
        let frames = |bytes: &[u8]| {
            image::codecs::gif::GifDecoder::new(std::io::Cursor::new(bytes.to_vec()))
                .unwrap()
                .into_frames()
                .collect_frames()
                .unwrap()
        };
        let composed = frames(&both);
        assert_eq!(composed.len(), 2);
        assert_eq!(composed[1].buffer(), frames(&alone)[0].buffer());
    }

    #[test]
    fn a_wide_character_that_goes_leaves_no_half_behind() {
        use image::AnimationDecoder;
        let frames = |bytes: &[u8]| {
            image::codecs::gif::GifDecoder::new(std::io::Cursor::new(bytes.to_vec()))
                .unwrap()
                .into_frames()
                .collect_frames()
                .unwrap()
        };
        let texts = ["abcd", "a你d", "abcd", "ab你"];
        let all: Vec<TimedFrame> = texts.iter().map(|t| frame(t, 100)).collect();
        let composed = frames(&to_gif(all, DEFAULT_THEME, 1).unwrap());
        assert_eq!(composed.len(), 4);
        for (k, text) in texts.iter().enumerate() {
            let alone = frames(&to_gif(vec![frame(text, 100)], DEFAULT_THEME, 1).unwrap());
            assert!(
                composed[k].buffer() == alone[0].buffer(),
                "frame {k} {text}"
            );
        }
    }

    #[test]
    fn a_palette_that_fits_is_exact() {
        let mut buf = Buffer::with_lines(["▀▀"]);
        buf.set_style(
            Rect::new(0, 0, 2, 1),
            Style::new().fg(Color::Rgb(1, 2, 3)).bg(Color::Rgb(4, 5, 6)),
        );
        let gif = to_gif(
            vec![TimedFrame {
                buffer: buf,
                delay_ms: 1000,
            }],
            DEFAULT_THEME,
            1,
        )
        .unwrap();
        let img = image::load_from_memory(&gif).unwrap().to_rgb8();
        assert_eq!(img.get_pixel(0, 0).0, [1, 2, 3]);
        assert_eq!(img.get_pixel(17, 17).0, [4, 5, 6]);
    }

    #[test]
    fn many_cell_colours_are_cut_to_256_deterministically() {
        // 600 distinct background colours.
        let mut buf = Buffer::empty(Rect::new(0, 0, 30, 20));
        for i in 0..600u32 {
            let (x, y) = ((i % 30) as u16, (i / 30) as u16);
            buf[(x, y)].set_bg(Color::Rgb(
                (i % 256) as u8,
                (i * 7 % 256) as u8,
                (i / 3) as u8,
            ));
        }
        let make = || {
            to_gif(
                vec![TimedFrame {
                    buffer: buf.clone(),
                    delay_ms: 100,
                }],
                DEFAULT_THEME,
                1,
            )
            .unwrap()
        };
        let a = make();
        assert_eq!(a, make());
        let (count, _, palette) = decode(&a);
        assert_eq!(count, 1);
        assert!(palette <= 256 && palette > 128, "{palette}");
    }

    #[test]
    fn no_frames_is_an_error() {
        assert!(to_gif(Vec::new(), DEFAULT_THEME, 1).is_err());
    }

    #[test]
    fn delays_round_to_centiseconds_with_a_floor() {
        assert_eq!(centiseconds(1000), 100);
        assert_eq!(centiseconds(5), 2);
        assert_eq!(centiseconds(u32::MAX), u16::MAX);
    }
}
