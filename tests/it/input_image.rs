//! Image loading through SceneSpec from real files: pixel positions (not transposed),
//! 16-bit and grayscale PNGs, other formats, and headers that claim too much.

use std::path::{Path, PathBuf};

use convstep::cmd::InputArgs;
use convstep::input::picture::Picture;
use convstep::input::{Scale, SceneSpec};
use image::{ImageBuffer, Luma, Rgb, Rgba};
use tempfile::TempDir;

use crate::input_support;
use input_support::{hostile_png, palette_png};

fn load(path: &Path, extra: impl FnOnce(&mut InputArgs)) -> convstep::input::Scene {
    let mut args = InputArgs {
        input: Some(path.to_path_buf()),
        size: Some("full".into()),
        ..InputArgs::default()
    };
    extra(&mut args);
    SceneSpec::from_args(&args).unwrap().build().unwrap()
}

/// A 5-wide, 3-tall image whose pixel (col, row) is (10 col + row, 100 + row, 200 - col).
fn pixel(col: u32, row: u32) -> [u8; 3] {
    [(10 * col + row) as u8, (100 + row) as u8, (200 - col) as u8]
}

fn write_rgb(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    ImageBuffer::from_fn(5, 3, |c, r| Rgb(pixel(c, r)))
        .save(&path)
        .unwrap();
    path
}

#[test]
fn known_pixels_land_at_x_n_c_row_col() {
    let dir = TempDir::new().unwrap();
    let path = write_rgb(dir.path(), "ramp.png");
    let scene = load(&path, |a| a.scale = Some(Scale::Raw));
    let x = &scene.layer.x;
    assert_eq!(x.dim(), (1, 3, 3, 5), "(N, C, H rows, W columns)");
    for row in 0..3 {
        for col in 0..5 {
            for c in 0..3 {
                assert_eq!(
                    x[[0, c, row, col]],
                    f64::from(pixel(col as u32, row as u32)[c]),
                    "c {c} row {row} col {col}"
                );
            }
        }
    }
    assert_eq!(scene.labels.channels, ["R", "G", "B"]);
    assert_eq!(scene.labels.source, path.display().to_string());
    let unit = load(&path, |_| {});
    assert_eq!(unit.layer.x[[0, 0, 2, 4]], 42.0 / 255.0);
    assert_eq!(unit.labels.scale, Scale::Unit);
}

#[test]
fn other_formats_decode_to_the_same_pixels() {
    let dir = TempDir::new().unwrap();
    let png = load(&write_rgb(dir.path(), "a.png"), |_| {});
    // Lossless formats give the same numbers.
    for name in ["a.bmp", "a.tiff", "a.tga", "a.pnm", "a.webp"] {
        let other = load(&write_rgb(dir.path(), name), |_| {});
        assert_eq!(other.layer.x, png.layer.x, "{name}");
    }
    // Lossy (JPEG) and quantised (GIF) ones give the same shape and nearby values.
    for name in ["a.jpg", "a.gif"] {
        let other = load(&write_rgb(dir.path(), name), |_| {});
        assert_eq!(other.layer.x.dim(), (1, 3, 3, 5), "{name}");
        let worst = (&other.layer.x - &png.layer.x)
            .iter()
            .fold(0.0f64, |m, d| m.max(d.abs()));
        assert!(worst < 0.25, "{name}: off by {worst}");
    }
}

#[test]
fn alpha_is_dropped_and_gray_is_rec601() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("alpha.png");
    ImageBuffer::from_fn(2, 1, |c, _| {
        if c == 0 {
            Rgba([200u8, 100, 50, 0])
        } else {
            Rgba([0, 0, 255, 255])
        }
    })
    .save(&path)
    .unwrap();
    let rgb = load(&path, |a| a.scale = Some(Scale::Raw));
    assert_eq!(rgb.layer.x.dim(), (1, 3, 1, 2));
    assert_eq!(
        rgb.layer.x[[0, 0, 0, 0]],
        200.0,
        "transparent pixels keep their colour"
    );
    let gray = load(&path, |a| {
        a.scale = Some(Scale::Raw);
        a.gray = true;
    });
    assert_eq!(gray.layer.x.dim(), (1, 1, 1, 2));
    assert_eq!(gray.labels.channels, ["gray"]);
    let want = 0.299 * 200.0 + 0.587 * 100.0 + 0.114 * 50.0;
    assert!((gray.layer.x[[0, 0, 0, 0]] - want).abs() < 1e-9);
    assert!((gray.layer.x[[0, 0, 0, 1]] - 0.114 * 255.0).abs() < 1e-9);
    // The default kernels then span one channel.
    assert_eq!(gray.layer.w.dim(), (2, 1, 3, 3));
}

#[test]
fn grayscale_png_is_replicated_into_rgb() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("gray.png");
    ImageBuffer::from_fn(4, 2, |c, r| Luma([(c * 60 + r) as u8]))
        .save(&path)
        .unwrap();
    let scene = load(&path, |_| {});
    assert_eq!(scene.layer.x.dim(), (1, 3, 2, 4));
    for c in 0..3 {
        assert_eq!(scene.layer.x[[0, c, 1, 3]], 181.0 / 255.0);
    }
    let gray = load(&path, |a| a.gray = true);
    assert_eq!(gray.layer.x[[0, 0, 1, 3]], 181.0 / 255.0);
}

#[test]
fn sixteen_bit_png_keeps_the_low_byte() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("deep.png");
    // Values that differ only in the low byte.
    ImageBuffer::from_fn(3, 1, |c, _| Rgb([0x8000u16 + c as u16, 0x00FF, 0xFFFF]))
        .save(&path)
        .unwrap();
    let scene = load(&path, |_| {});
    let x = &scene.layer.x;
    assert_eq!(x[[0, 0, 0, 0]], 32768.0 / 65535.0);
    assert_eq!(x[[0, 0, 0, 1]], 32769.0 / 65535.0);
    assert_eq!(x[[0, 0, 0, 2]], 32770.0 / 65535.0);
    assert_eq!(
        x[[0, 1, 0, 0]],
        255.0 / 65535.0,
        "not zero, as the high byte would say"
    );
    assert_eq!(x[[0, 2, 0, 0]], 1.0);
    let raw = load(&path, |a| a.scale = Some(Scale::Raw));
    assert_eq!(raw.layer.x[[0, 0, 0, 1]], 32769.0 / 257.0);
    let gray_path = dir.path().join("deep_gray.png");
    ImageBuffer::from_fn(2, 1, |c, _| Luma([0x1234u16 + c as u16]))
        .save(&gray_path)
        .unwrap();
    let gray = load(&gray_path, |a| a.gray = true);
    assert_eq!(gray.layer.x[[0, 0, 0, 1]], 4661.0 / 65535.0);
}

#[test]
fn the_shared_16_bit_chessboard_loads_at_full_precision() {
    let path = &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/chessboard_RGB.png");
    let scene = load(path, |_| {});
    assert_eq!(scene.layer.x.dim(), (1, 3, 200, 200));
    let decoded = image::open(path).unwrap();
    assert_eq!(decoded.color(), image::ColorType::Rgb16);
    let buf = decoded.to_rgb16();
    for (col, row) in [(0, 0), (37, 150), (199, 199)] {
        let want = f64::from(buf.get_pixel(col, row)[0]) / 65535.0;
        assert_eq!(scene.layer.x[[0, 0, row as usize, col as usize]], want);
    }
}

#[test]
fn size_sets_the_longest_side() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("wide.png");
    ImageBuffer::from_pixel(40, 10, Rgb([255u8, 0, 128]))
        .save(&path)
        .unwrap();
    let scene = load(&path, |a| a.size = Some("8".into()));
    assert_eq!(scene.layer.x.dim(), (1, 3, 2, 8));
    // A flat image stays flat through the triangle filter.
    assert!(
        scene
            .layer
            .x
            .iter()
            .all(|&v| v == 1.0 || v == 0.0 || v == 128.0 / 255.0)
    );
    let default = SceneSpec::from_args(&InputArgs {
        input: Some(path.clone()),
        ..InputArgs::default()
    })
    .unwrap()
    .build()
    .unwrap();
    assert_eq!(default.layer.x.dim(), (1, 3, 8, 32));
}

#[test]
fn a_header_claiming_too_much_is_refused_before_decoding() {
    let png = hostile_png(100_000, 100_000);
    assert!(
        png.len() < 80,
        "the hostile file is tiny: {} bytes",
        png.len()
    );
    // The crafted header is valid: the image crate reads its dimensions.
    let reader = image::ImageReader::new(std::io::Cursor::new(&png))
        .with_guessed_format()
        .unwrap();
    assert_eq!(reader.into_dimensions().unwrap(), (100_000, 100_000));
    let err = Picture::decode(&png).unwrap_err().to_string();
    assert_eq!(
        err,
        "the image claims 100000x100000 pixels, more than convstep accepts (at most 8192 per side and 33554432 pixels)"
    );
    // Within the side cap but over the pixel cap.
    let err = Picture::decode(&hostile_png(8192, 8192))
        .unwrap_err()
        .to_string();
    assert!(err.contains("claims 8192x8192"), "{err}");
    // Within the caps the claim is believed and the missing data is an error.
    let err = Picture::decode(&hostile_png(64, 64))
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("not a readable image"), "{err}");
}

#[test]
fn palette_images_are_expanded_to_their_colours() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("palette.png");
    let palette = [[255, 0, 0], [0, 128, 255], [7, 8, 9]];
    std::fs::write(&path, palette_png(&palette, &[&[0, 1, 2], &[2, 2, 0]])).unwrap();
    let scene = load(&path, |a| a.scale = Some(Scale::Raw));
    let x = &scene.layer.x;
    assert_eq!(x.dim(), (1, 3, 2, 3));
    for (row, col, index) in [(0, 0, 0), (0, 1, 1), (0, 2, 2), (1, 0, 2), (1, 2, 0)] {
        for c in 0..3 {
            assert_eq!(x[[0, c, row, col]], f64::from(palette[index][c]));
        }
    }
}
