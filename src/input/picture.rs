//! Decoding images into x: RGB (or one luminance channel), unit or raw scale, resized so
//! the longest side is N pixels. Dimensions are checked before anything is allocated.

use std::io::Cursor;
use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use image::imageops::FilterType;
use image::{DynamicImage, GenericImageView, ImageFormat, ImageReader, Limits};
use ndarray::Array4;

use super::Scale;
use super::files::read_file;
use super::npy::MAX_ARRAY_ELEMENTS;

/// The bundled default image: Chelsea the cat, 451x300, CC0 (Stefan van der Walt,
/// scikit-image's sample data).
pub const BUNDLED_PNG: &[u8] = include_bytes!("../../assets/chelsea.png");
pub const BUNDLED_NAME: &str = "bundled chelsea.png";

/// The widest or tallest image convstep decodes.
pub const MAX_SIDE: u32 = 8192;
/// The most pixels an image may have (32 Mi, e.g. 8192 x 4096).
pub const MAX_PIXELS: u64 = 1 << 25;

/// Rec. 601 luma weights for `--gray`: Y = 0.299 R + 0.587 G + 0.114 B.
pub const LUMA: [f64; 3] = [0.299, 0.587, 0.114];

/// The filter that shrinks images: a triangle (linear) filter widened to the scale
/// factor, which averages pixels without overshoot, so values stay in range.
pub const RESIZE_FILTER: FilterType = FilterType::Triangle;

/// A decoded image kept at full resolution so the working size can change cheaply.
#[derive(Clone)]
pub struct Picture {
    /// RGB in its own precision: Rgb8, Rgb16 or Rgb32F.
    image: DynamicImage,
    /// The file held one channel (gray or gray + alpha).
    source_gray: bool,
}

impl std::fmt::Debug for Picture {
    /// The size and kind, not every pixel.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (w, h) = self.dimensions();
        f.debug_struct("Picture")
            .field("width", &w)
            .field("height", &h)
            .field("color", &self.image.color())
            .field("source_gray", &self.source_gray)
            .finish()
    }
}

/// The working size of an image: longest side N, or the original.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Size {
    Longest(u32),
    Full,
}

impl Size {
    /// `N` (1..=MAX_SIDE) or `full`.
    pub fn parse(text: &str) -> Result<Size> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("full") {
            return Ok(Size::Full);
        }
        match text.parse::<u32>() {
            Ok(n) if (1..=MAX_SIDE).contains(&n) => Ok(Size::Longest(n)),
            _ => {
                bail!("--size must be a whole number from 1 to {MAX_SIDE} or `full` (got '{text}')")
            }
        }
    }

    pub fn label(self) -> String {
        match self {
            Size::Longest(n) => n.to_string(),
            Size::Full => "full".into(),
        }
    }
}

impl Picture {
    /// Decodes an image file; errors name the file and the reason.
    pub fn open(path: &Path) -> Result<Picture> {
        let bytes = read_file(path)?;
        // The extension helps formats without a magic number (TGA).
        let hint = ImageFormat::from_path(path).ok();
        Picture::decode_with_hint(&bytes, hint).with_context(|| format!("'{}'", path.display()))
    }

    /// The bundled image.
    pub fn bundled() -> Result<Picture> {
        Picture::decode(BUNDLED_PNG).context(BUNDLED_NAME)
    }

    /// Decodes image bytes of any format `image` knows, refusing images larger than
    /// MAX_SIDE or MAX_PIXELS from their header, before decoding.
    pub fn decode(bytes: &[u8]) -> Result<Picture> {
        Picture::decode_with_hint(bytes, None)
    }

    /// As [`Picture::decode`], falling back to `hint` when the content names no format.
    pub fn decode_with_hint(bytes: &[u8], hint: Option<ImageFormat>) -> Result<Picture> {
        let reader = || -> Result<ImageReader<Cursor<&[u8]>>> {
            let mut reader = ImageReader::new(Cursor::new(bytes)).with_guessed_format()?;
            if let (None, Some(format)) = (reader.format(), hint) {
                reader.set_format(format);
            }
            if reader.format().is_none() {
                bail!("not an image format convstep can read");
            }
            Ok(reader)
        };
        let (w, h) = reader()?
            .into_dimensions()
            .map_err(|e| anyhow!("not a readable image: {e}"))?;
        check_dimensions(w, h)?;
        let mut limits = Limits::default();
        limits.max_image_width = Some(MAX_SIDE);
        limits.max_image_height = Some(MAX_SIDE);
        let mut reader = reader()?;
        reader.limits(limits);
        let decoded = reader
            .decode()
            .map_err(|e| anyhow!("not a readable image: {e}"))?;
        Ok(Picture::from_image(decoded))
    }

    /// Normalises any decoded image to RGB in its own precision: gray is replicated,
    /// palettes were expanded by the decoder, alpha is dropped (not composited).
    pub fn from_image(decoded: DynamicImage) -> Picture {
        let color = decoded.color();
        let source_gray = !color.has_color();
        let bits = u16::from(color.bytes_per_pixel()) * 8 / u16::from(color.channel_count());
        let image = match bits {
            8 => DynamicImage::ImageRgb8(decoded.to_rgb8()),
            16 => DynamicImage::ImageRgb16(decoded.to_rgb16()),
            _ => DynamicImage::ImageRgb32F(decoded.to_rgb32f()),
        };
        Picture { image, source_gray }
    }

    /// (width, height) of the original.
    pub fn dimensions(&self) -> (u32, u32) {
        self.image.dimensions()
    }

    /// (width, height) at `size`: the longest side becomes N (never enlarged), the
    /// other keeps the aspect ratio (rounded, at least 1).
    pub fn dims_at(&self, size: Size) -> (u32, u32) {
        let (w, h) = self.dimensions();
        match size {
            Size::Full => (w, h),
            Size::Longest(n) if n >= w.max(h) => (w, h),
            Size::Longest(n) => {
                let long = w.max(h) as f64;
                let scale = |side: u32| ((side as f64 * n as f64 / long).round() as u32).max(1);
                (scale(w), scale(h))
            }
        }
    }

    /// Refuses a working size whose x would hold more than MAX_ARRAY_ELEMENTS numbers,
    /// before anything that size is allocated.
    pub fn check_size(&self, size: Size, gray: bool) -> Result<()> {
        let (w, h) = self.dims_at(size);
        let channels = if gray { 1 } else { 3 };
        let count = u64::from(w) * u64::from(h) * channels;
        if count > MAX_ARRAY_ELEMENTS as u64 {
            bail!(
                "at --size {} the image is {w}x{h} pixels, {count} numbers with its channels: more than convstep works on (at most {MAX_ARRAY_ELEMENTS}); give a smaller --size",
                size.label()
            );
        }
        Ok(())
    }

    /// x of shape (1, C, H, W): C = 3 (R, G, B) or 1 (Rec. 601 luminance) at `size`.
    pub fn to_x(&self, size: Size, gray: bool, scale: Scale) -> Array4<f64> {
        let (w, h) = self.dims_at(size);
        let resized;
        let image = if (w, h) == self.dimensions() {
            &self.image
        } else {
            resized = self.image.resize_exact(w, h, RESIZE_FILTER);
            &resized
        };
        let rgb = planes(image, scale);
        if !gray {
            return rgb;
        }
        let (hh, ww) = (h as usize, w as usize);
        Array4::from_shape_fn((1, 1, hh, ww), |(_, _, r, c)| {
            if self.source_gray {
                rgb[[0, 0, r, c]]
            } else {
                (0..3).map(|k| LUMA[k] * rgb[[0, k, r, c]]).sum()
            }
        })
    }
}

/// Checks the dimensions a header claims against the caps.
pub fn check_dimensions(w: u32, h: u32) -> Result<()> {
    if w == 0 || h == 0 {
        bail!("the image has no pixels ({w}x{h})");
    }
    if w > MAX_SIDE || h > MAX_SIDE || u64::from(w) * u64::from(h) > MAX_PIXELS {
        bail!(
            "the image claims {w}x{h} pixels, more than convstep accepts (at most {MAX_SIDE} per side and {MAX_PIXELS} pixels)"
        );
    }
    Ok(())
}

/// R, G, B planes (1, 3, H, W): unit scale divides by the type's maximum; raw scale
/// gives 0..=255 (16-bit values divided by 257, keeping their fraction).
fn planes(image: &DynamicImage, scale: Scale) -> Array4<f64> {
    let (w, h) = image.dimensions();
    let shape = (1, 3, h as usize, w as usize);
    match image {
        DynamicImage::ImageRgb8(buf) => {
            let div = if scale == Scale::Unit { 255.0 } else { 1.0 };
            Array4::from_shape_fn(shape, |(_, c, r, col)| {
                f64::from(buf.get_pixel(col as u32, r as u32)[c]) / div
            })
        }
        DynamicImage::ImageRgb16(buf) => {
            let div = if scale == Scale::Unit { 65535.0 } else { 257.0 };
            Array4::from_shape_fn(shape, |(_, c, r, col)| {
                f64::from(buf.get_pixel(col as u32, r as u32)[c]) / div
            })
        }
        other => {
            let buf = other.to_rgb32f();
            let mul = if scale == Scale::Unit { 1.0 } else { 255.0 };
            Array4::from_shape_fn(shape, |(_, c, r, col)| {
                f64::from(buf.get_pixel(col as u32, r as u32)[c]) * mul
            })
        }
    }
}
