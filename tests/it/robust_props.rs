//! Property tests for "impossible to crash": arbitrary and mutated bytes fed to the .npy
//! and image loaders, and random option combinations (extremes included) through the
//! same library calls `convstep compute` makes. Each case either works or gives an
//! error; none may panic. Bounded cases so the whole file runs in seconds.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use convstep::cmd::InputArgs;
use convstep::conv::{backward, forward};
use convstep::input::SceneSpec;
use convstep::input::picture::Picture;
use image::{ImageFormat, RgbImage};
use ndarray::Array4;
use ndarray_npy::WriteNpyExt;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use tempfile::TempDir;

/// A small valid .npy (float64, shape (1,2,3,3)) to mutate.
fn valid_npy() -> Vec<u8> {
    let x = Array4::from_shape_fn((1, 2, 3, 3), |(_, c, r, k)| (c * 9 + r * 3 + k) as f64);
    let mut bytes = Vec::new();
    x.write_npy(&mut bytes).unwrap();
    bytes
}

/// A small valid image in `format` to mutate.
fn valid_image(format: ImageFormat) -> Vec<u8> {
    let img = RgbImage::from_fn(5, 4, |x, y| image::Rgb([x as u8 * 40, y as u8 * 60, 7]));
    let mut bytes = Cursor::new(Vec::new());
    img.write_to(&mut bytes, format).unwrap();
    bytes.into_inner()
}

/// `base` with `edits` applied: each (position, byte) overwrites one byte (positions
/// wrap), then the file is cut to `keep` bytes when that is shorter.
fn mutate(base: &[u8], edits: &[(usize, u8)], keep: usize) -> Vec<u8> {
    let mut bytes = base.to_vec();
    for &(at, byte) in edits {
        let len = bytes.len();
        bytes[at % len] = byte;
    }
    bytes.truncate(keep.max(1));
    bytes
}

/// Loads `bytes` as the INPUT file `name` and, if that works, computes forward and
/// backward as `compute` does.
fn load_and_compute(dir: &Path, name: &str, bytes: &[u8]) {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    let args = InputArgs {
        input: Some(path),
        ..InputArgs::default()
    };
    compute_if_valid(&args);
}

/// SceneSpec, build, forward and backward: errors are fine, panics are not. On success
/// the shapes must be CS231n's.
fn compute_if_valid(args: &InputArgs) -> bool {
    let Ok(spec) = SceneSpec::from_args(args) else {
        return false;
    };
    let scene = spec
        .build()
        .expect("from_args already built this scene once");
    let out = forward(&scene.layer);
    let grads = backward(&scene.layer, &scene.dout).expect("dout fits the layer it was made for");
    assert_eq!(out.dim(), scene.layer.geom.out_dim());
    assert_eq!(grads.dx.dim(), scene.layer.x.dim());
    assert_eq!(grads.dw.dim(), scene.layer.w.dim());
    assert_eq!(grads.db.len(), scene.layer.geom.f);
    true
}

fn npy_header_text() -> impl Strategy<Value = String> {
    // Header dicts close to real ones: odd dtypes, shapes with huge, zero or negative
    // dimensions, missing keys, stray quotes.
    let descr = prop_oneof![
        Just("<f8"),
        Just(">f4"),
        Just("|u1"),
        Just("<i8"),
        Just("|b1"),
        Just("<c16"),
        Just("<f2"),
        Just("|O"),
        Just("<U3"),
        Just(""),
    ];
    let dim = prop_oneof![
        0usize..5,
        Just(usize::MAX),
        Just(1 << 32),
        Just(1 << 24),
        Just(4097)
    ];
    (
        descr,
        prop::collection::vec(dim, 0..6),
        any::<bool>(),
        "[ -~]{0,8}",
    )
        .prop_map(|(descr, shape, fortran, junk)| {
            let shape: Vec<String> = shape.iter().map(usize::to_string).collect();
            format!(
                "{{'descr': '{descr}', 'fortran_order': {}, 'shape': ({},){junk}}}",
                if fortran { "True" } else { "False" },
                shape.join(", ")
            )
        })
}

/// A .npy of version 1, 2 or 3 with `header` and `data`, the header padded and ended by
/// a newline as numpy writes it (or not, when `newline` is false).
fn npy_file(version: u8, header: &str, newline: bool, data: &[u8]) -> Vec<u8> {
    let mut text = header.to_string();
    if newline {
        text.push('\n');
    }
    let mut bytes = b"\x93NUMPY".to_vec();
    bytes.extend([version, 0]);
    if version == 1 {
        bytes.extend((text.len() as u16).to_le_bytes());
    } else {
        bytes.extend((text.len() as u32).to_le_bytes());
    }
    bytes.extend(text.as_bytes());
    bytes.extend(data);
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn arbitrary_bytes_as_npy_never_panic(bytes in prop::collection::vec(any::<u8>(), 1..300)) {
        let dir = TempDir::new().unwrap();
        let mut npy = b"\x93NUMPY".to_vec();
        npy.extend(&bytes);
        load_and_compute(dir.path(), "raw.npy", &bytes);
        load_and_compute(dir.path(), "magic.npy", &npy);
    }

    #[test]
    fn mutated_npy_files_never_panic(
        edits in prop::collection::vec((any::<usize>(), any::<u8>()), 0..6),
        keep in 1usize..400,
    ) {
        let dir = TempDir::new().unwrap();
        load_and_compute(dir.path(), "x.npy", &mutate(&valid_npy(), &edits, keep));
    }

    #[test]
    fn crafted_npy_headers_never_panic(
        version in 0u8..5,
        header in npy_header_text(),
        newline in any::<bool>(),
        data in prop::collection::vec(any::<u8>(), 0..200),
    ) {
        let dir = TempDir::new().unwrap();
        let bytes = npy_file(version, &header, newline, &data);
        load_and_compute(dir.path(), "x.npy", &bytes);
        // The same file as --kernel, --bias and --dout.
        let path: PathBuf = dir.path().join("x.npy");
        let text = path.to_string_lossy().into_owned();
        for args in [
            InputArgs { kernel: Some(text.clone()), ..InputArgs::default() },
            InputArgs { bias: Some(text.clone()), ..InputArgs::default() },
            InputArgs { dout: Some(text.clone()), ..InputArgs::default() },
        ] {
            compute_if_valid(&args);
        }
    }

    #[test]
    fn arbitrary_bytes_as_images_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let _ = Picture::decode(&bytes);
        for hint in [ImageFormat::Tga, ImageFormat::Png, ImageFormat::Bmp] {
            let _ = Picture::decode_with_hint(&bytes, Some(hint));
        }
    }

    #[test]
    fn mutated_images_never_panic(
        format in prop_oneof![
            Just(ImageFormat::Png),
            Just(ImageFormat::Bmp),
            Just(ImageFormat::Gif),
            Just(ImageFormat::Tiff),
            Just(ImageFormat::Jpeg),
            Just(ImageFormat::WebP),
        ],
        edits in prop::collection::vec((any::<usize>(), any::<u8>()), 0..6),
        keep in 1usize..2000,
    ) {
        let bytes = mutate(&valid_image(format), &edits, keep);
        if let Ok(picture) = Picture::decode(&bytes) {
            let (w, h) = picture.dimensions();
            prop_assert!(w >= 1 && h >= 1);
        }
        let dir = TempDir::new().unwrap();
        let name = format!("img.{}", format.extensions_str()[0]);
        load_and_compute(dir.path(), &name, &bytes);
    }
}

/// A number option: small values, the edges, and the largest clap accepts.
fn count() -> impl Strategy<Value = Option<usize>> {
    prop_oneof![
        12 => (1usize..4).prop_map(Some),
        6 => Just(None),
        1 => Just(Some(0)),
        1 => Just(Some(usize::MAX)),
        1 => Just(Some(1 << 31)),
        1 => Just(Some(5000)),
    ]
}

fn options() -> impl Strategy<Value = InputArgs> {
    let kernel = prop_oneof![
        4 => Just(None),
        2 => Just(Some("random".to_string())),
        2 => Just(Some("box,gaussian".to_string())),
        2 => Just(Some("identity,random,sobel-x".to_string())),
        2 => Just(Some("laplacian,emboss,sharpen,sobel-y".to_string())),
        1 => Just(Some("nope".to_string())),
        1 => Just(Some(",".to_string())),
    ];
    let size = prop_oneof![
        4 => Just(None),
        1 => Just(Some("1".to_string())),
        4 => Just(Some("3".to_string())),
        1 => Just(Some("0".to_string())),
        1 => Just(Some("full".to_string())),
        1 => Just(Some("8193".to_string())),
    ];
    let bias = prop_oneof![
        8 => Just(None),
        1 => Just(Some("-1,0.5".to_string())),
        1 => Just(Some("1e308,1e308,1e308".to_string())),
        1 => Just(Some("nan".to_string())),
        1 => Just(Some(String::new())),
    ];
    let dout = prop_oneof![
        4 => Just(None),
        2 => Just(Some("random".to_string())),
        2 => Just(Some("ones".to_string())),
        1 => Just(Some("missing.npy".to_string())),
    ];
    let preset = prop_oneof![
        4 => Just(None),
        1 => Just(Some("cs231n-demo".to_string())),
        1 => Just(Some("cs231n-image".to_string())),
        1 => Just(Some("dilation".to_string())),
    ];
    (
        (kernel, size, bias, dout, preset, any::<bool>()),
        (count(), count(), count(), count(), count()),
        prop_oneof![Just(None), any::<u64>().prop_map(Some)],
    )
        .prop_map(
            |(
                (kernel, size, bias, dout, preset, gray),
                (filters, ks, stride, pad, dilation),
                seed,
            )| {
                InputArgs {
                    preset,
                    gray,
                    size,
                    kernel,
                    bias,
                    dout,
                    filters,
                    kernel_size: ks,
                    seed,
                    stride,
                    pad,
                    dilation,
                    ..InputArgs::default()
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(160))]

    #[test]
    fn random_option_combinations_compute_or_fail_cleanly(args in options()) {
        compute_if_valid(&args);
    }
}

/// The cases above must not pass vacuously: with the deterministic runner, some of the
/// combinations are valid layers that compute (about one in eight) and most are errors.
#[test]
fn the_option_strategy_reaches_valid_layers_and_errors() {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let mut valid = 0;
    for _ in 0..60 {
        let args = options().new_tree(&mut runner).unwrap().current();
        valid += usize::from(compute_if_valid(&args));
    }
    assert!(
        (5..=40).contains(&valid),
        "{valid} of 60 combinations were valid layers"
    );
}
