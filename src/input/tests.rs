//! Unit tests of the inputs: .npy headers, kernel presets, the canonical figures, the
//! live edits of a SceneSpec and image conversion.

use image::{DynamicImage, ImageBuffer, Luma, Rgb, Rgba};
use ndarray::array;

use super::npy::{decode_npy, parse_header};
use super::picture::{LUMA, Picture};
use super::*;

fn npy_bytes(descr: &str, shape: &str, data: &[u8]) -> Vec<u8> {
    let dict = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
    let mut header = dict.into_bytes();
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(b' ');
    }
    header.push(b'\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend((header.len() as u16).to_le_bytes());
    out.extend(header);
    out.extend(data);
    out
}

#[test]
fn npy_header_parses_descr_and_shape() {
    let bytes = npy_bytes("<f8", "(2, 3)", &[0; 48]);
    let (header, start) = parse_header(&bytes).unwrap();
    assert_eq!(header.descr, "<f8");
    assert_eq!(header.shape, vec![2, 3]);
    assert_eq!((start % 64, bytes.len() - start), (0, 48));
    let scalar = npy_bytes("<f8", "()", &[0; 8]);
    assert_eq!(parse_header(&scalar).unwrap().0.shape, Vec::<usize>::new());
    let one = npy_bytes("<i4", "(5,)", &[0; 20]);
    assert_eq!(parse_header(&one).unwrap().0.shape, vec![5]);
}

#[test]
fn npy_integer_dtypes_load_as_f64() {
    let data: Vec<u8> = [7i32, -2, 0, 9]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    let a = decode_npy(&npy_bytes("<i4", "(2, 2)", &data), &[2], "x").unwrap();
    assert_eq!(a.into_raw_vec_and_offset().0, vec![7.0, -2.0, 0.0, 9.0]);
    let a = decode_npy(&npy_bytes("|u1", "(1, 3)", &[0, 128, 255]), &[2], "x").unwrap();
    assert_eq!(a.into_raw_vec_and_offset().0, vec![0.0, 128.0, 255.0]);
    let data: Vec<u8> = [1.5f32, -0.25]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    let a = decode_npy(&npy_bytes("<f4", "(2,)", &data), &[1], "b").unwrap();
    assert_eq!(a.into_raw_vec_and_offset().0, vec![1.5, -0.25]);
}

#[test]
fn npy_refuses_bad_files_before_allocating() {
    let huge = npy_bytes("<f8", "(100000, 100000, 100, 100)", &[0; 8]);
    let err = decode_npy(&huge, &[4], "x").unwrap_err().to_string();
    assert!(err.contains("too large"), "{err}");
    let short = npy_bytes("<f8", "(2, 3)", &[0; 40]);
    let err = decode_npy(&short, &[2], "x").unwrap_err().to_string();
    assert!(err.contains("truncated"), "{err}");
    let complex = npy_bytes("<c16", "(1, 1)", &[0; 16]);
    let err = decode_npy(&complex, &[2], "x").unwrap_err().to_string();
    assert!(err.contains("unsupported dtype '<c16'"), "{err}");
    let err = decode_npy(
        &npy_bytes("<f8", "(2,)", &[0; 16]),
        &[4],
        "w of shape (F,C,HH,WW)",
    )
    .unwrap_err()
    .to_string();
    assert_eq!(
        err,
        "the array has shape (2,) but w of shape (F,C,HH,WW) is expected"
    );
    assert!(decode_npy(b"\x93NUMPY", &[2], "x").is_err());
    assert!(decode_npy(b"PK\x03\x04 not npy", &[2], "x").is_err());
    let extra = npy_bytes("<f8", "(1, 1)", &[0; 16]);
    assert!(decode_npy(&extra, &[2], "x").is_err());
}

#[test]
fn presets_span_channels_as_the_channel_mean() {
    let names = vec!["identity".to_string(), "sobel-x".to_string()];
    let (w, labels) = kernels::named_kernels(&names, 3, KernelOpts::default()).unwrap();
    assert_eq!(w.dim(), (2, 3, 3, 3));
    assert_eq!(labels, names);
    for c in 0..3 {
        assert_eq!(w[[0, c, 1, 1]], 1.0 / 3.0);
        assert_eq!(w[[1, c, 1, 2]], 2.0 / 3.0);
        assert_eq!(w[[1, c, 1, 0]], -2.0 / 3.0);
    }
    assert_eq!(w.slice(ndarray::s![0, .., .., ..]).sum(), 1.0);
}

#[test]
fn sized_presets_follow_kernel_size() {
    let opts = KernelOpts {
        size: 5,
        ..KernelOpts::default()
    };
    let names: Vec<String> = ["box", "gaussian", "identity"].map(String::from).to_vec();
    let (w, _) = kernels::named_kernels(&names, 1, opts).unwrap();
    assert_eq!(w.dim(), (3, 1, 5, 5));
    for f in 0..3 {
        let total = w.slice(ndarray::s![f, 0, .., ..]).sum();
        assert!((total - 1.0).abs() < 1e-12, "filter {f} sums to {total}");
    }
    // Binomial taps: [1,4,6,4,1] x [1,4,6,4,1] / 256.
    assert_eq!(w[[1, 0, 2, 2]], 36.0 / 256.0);
    assert_eq!(w[[1, 0, 0, 1]], 4.0 / 256.0);
    let err = kernels::named_kernels(&["box".into(), "sobel-x".into()], 1, opts).unwrap_err();
    assert!(err.to_string().contains("one size"), "{err}");
}

#[test]
fn random_kernels_are_seeded() {
    let opts = KernelOpts {
        size: 3,
        filters: 4,
        seed: 7,
    };
    let (a, labels) = kernels::named_kernels(&["random".into()], 2, opts).unwrap();
    let (b, _) = kernels::named_kernels(&["random".into()], 2, opts).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.dim(), (4, 2, 3, 3));
    assert_eq!(labels, ["random[0]", "random[1]", "random[2]", "random[3]"]);
    assert!(a.iter().all(|v| (-1.0..1.0).contains(v)));
    let (c, _) =
        kernels::named_kernels(&["random".into()], 2, KernelOpts { seed: 8, ..opts }).unwrap();
    assert_ne!(a, c);
    let d = kernels::random_dout((1, 2, 3, 3), 7);
    assert_eq!(d, kernels::random_dout((1, 2, 3, 3), 7));
    assert_ne!(d.as_slice().unwrap(), &a.as_slice().unwrap()[..18]);
}

/// The default dout is standard normal, as np.random.randn: mean 0, variance 1, 68.27%
/// within one standard deviation, 95.45% within two, symmetric, and never wider than
/// Box–Muller's bound sqrt(-2 ln 2^-53) < 8.6.
#[test]
fn the_random_dout_is_standard_normal() {
    let d = kernels::random_dout((4, 5, 100, 100), 3);
    let n = d.len() as f64;
    let mean = d.sum() / n;
    let var = d.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
    let within = |k: f64| d.iter().filter(|v| v.abs() < k).count() as f64 / n;
    let positive = d.iter().filter(|v| **v > 0.0).count() as f64 / n;
    // 200,000 draws: standard errors about 0.0022 (mean), 0.0032 (variance), 0.001.
    assert!(mean.abs() < 0.01, "mean {mean}");
    assert!((var - 1.0).abs() < 0.015, "variance {var}");
    assert!((within(1.0) - 0.6827).abs() < 0.005, "{}", within(1.0));
    assert!((within(2.0) - 0.9545).abs() < 0.003, "{}", within(2.0));
    assert!((positive - 0.5).abs() < 0.005, "{positive}");
    assert!(d.iter().all(|v| v.is_finite() && v.abs() < 8.6));
    assert_ne!(
        d,
        kernels::random_dout((4, 5, 100, 100), 4),
        "the seed matters"
    );
}

/// The random dout drawn in parallel chunks is the one sequential pass of the
/// generator, bit for bit, across chunk edges; the stream a stepper keeps gives every
/// shape the same numbers, whether it grows or shrinks.
#[test]
fn the_random_dout_is_one_sequential_stream_in_any_order() {
    use rand::{Rng, SeedableRng};
    let sequential = |len: usize, seed: u64| -> Vec<f64> {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(1);
        (0..len)
            .map(|_| {
                let u1 = 1.0 - rng.random::<f64>();
                let u2 = rng.random::<f64>();
                (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
            })
            .collect()
    };
    // 3 * 7 * 81 * 97 = 164,997 draws: ten chunks of 2^14 and a part.
    let shape = (3, 7, 81, 97);
    let want = sequential(3 * 7 * 81 * 97, 5);
    let got = kernels::random_dout(shape, 5);
    assert!(
        got.iter()
            .zip(&want)
            .all(|(a, b)| a.to_bits() == b.to_bits())
    );
    let stream = kernels::NormalStream::new(5);
    for shape in [(1, 1, 3, 3), (3, 7, 81, 97), (1, 2, 100, 50), (2, 1, 17, 1)] {
        let dout = stream.dout(shape);
        assert_eq!(dout, kernels::random_dout(shape, 5), "{shape:?}");
        assert_eq!(dout.as_slice().unwrap(), &want[..dout.len()]);
    }
    assert_ne!(
        kernels::NormalStream::new(6).dout((1, 1, 3, 3)),
        stream.dout((1, 1, 3, 3))
    );
    // Douts within what is drawn are views of the draws, not copies; a larger one
    // draws the rest into a new buffer, and a dout given before keeps its numbers.
    let (small, before) = (stream.dout((1, 1, 3, 3)), stream.dout((2, 1, 17, 1)));
    assert_eq!(small.as_ptr(), stream.dout((1, 2, 100, 50)).as_ptr());
    let large = (1, 2, 640, 600);
    let grown = stream.dout(large);
    assert_eq!(grown, kernels::random_dout(large, 5));
    assert_ne!(grown.as_ptr(), small.as_ptr());
    assert_eq!(grown.as_ptr(), stream.dout((1, 1, 3, 3)).as_ptr());
    assert_eq!(before, kernels::random_dout((2, 1, 17, 1), 5));
}

/// Every build of a spec reads the one x the spec made for its size: shared, not
/// copied (a 1024x1024 picture's x is 25 MB), until the size changes.
#[test]
fn builds_share_the_spec_s_x() {
    let args = InputOptions {
        size: Some("32".into()),
        ..InputOptions::default()
    };
    let mut spec = SceneSpec::from_options(&args).unwrap();
    let (a, b) = (spec.build().unwrap(), spec.build().unwrap());
    assert_eq!(a.layer.x.as_ptr(), b.layer.x.as_ptr());
    assert!(spec.change_size(1));
    let c = spec.build().unwrap();
    assert_ne!(c.layer.x.dim(), a.layer.x.dim());
}

fn preset(name: &str) -> Scene {
    let args = InputOptions {
        preset: Some(name.into()),
        ..InputOptions::default()
    };
    SceneSpec::from_options(&args).unwrap().build().unwrap()
}

#[test]
fn every_preset_has_its_published_output_shape() {
    let want = [
        ("cs231n-demo", (1, 2, 3, 3)),
        ("cs231n-image", (1, 2, 11, 16)),
        ("no-padding-no-strides", (1, 1, 2, 2)),
        ("arbitrary-padding", (1, 1, 6, 6)),
        ("same-padding", (1, 1, 5, 5)),
        ("full-padding", (1, 1, 7, 7)),
        ("no-padding-strides", (1, 1, 2, 2)),
        ("padding-strides", (1, 1, 3, 3)),
        ("padding-strides-odd", (1, 1, 3, 3)),
        ("dilation", (1, 1, 3, 3)),
        // The transposed figures: the output is dout, the transposed input.
        ("no-padding-no-strides-transposed", (1, 1, 2, 2)),
        ("arbitrary-padding-no-strides-transposed", (1, 1, 6, 6)),
        ("same-padding-no-strides-transposed", (1, 1, 5, 5)),
        ("full-padding-no-strides-transposed", (1, 1, 7, 7)),
        ("no-padding-strides-transposed", (1, 1, 2, 2)),
        ("padding-strides-transposed", (1, 1, 3, 3)),
        ("padding-strides-odd-transposed", (1, 1, 3, 3)),
    ];
    assert_eq!(want.len(), presets().len());
    for ((name, shape), info) in want.iter().zip(presets()) {
        assert_eq!(*name, info.name);
        assert_eq!(preset(name).layer.geom.out_dim(), *shape, "{name}");
    }
}

#[test]
fn no_padding_no_strides_by_hand() {
    let scene = preset("no-padding-no-strides");
    // x[r,c] = (3r + 2c + rc) mod 4 on 4x4.
    assert_eq!(
        scene.layer.x,
        array![[[
            [0., 2., 0., 2.],
            [3., 2., 1., 0.],
            [2., 2., 2., 2.],
            [1., 2., 3., 0.]
        ]]]
    );
    // Kernel [[0,1,2],[2,2,0],[0,1,2]], row by row of each window:
    // out[0,0] = (0+2+0) + (6+4+0) + (0+2+4) = 18   out[0,1] = (0+0+4) + (4+2+0) + (0+2+4) = 16
    // out[1,0] = (0+2+2) + (4+4+0) + (0+2+6) = 20   out[1,1] = (0+1+0) + (4+4+0) + (0+3+0) = 12
    let out = crate::conv::forward(&scene.layer);
    assert_eq!(out, array![[[[18., 16.], [20., 12.]]]]);
}

#[test]
fn cs231n_demo_is_fixed_integers() {
    let scene = preset("cs231n-demo");
    let l = &scene.layer;
    assert_eq!(l.x.dim(), (1, 3, 5, 5));
    assert!(l.x.iter().all(|v| [0.0, 1.0, 2.0].contains(v)));
    assert!(l.w.iter().all(|v| [-1.0, 0.0, 1.0].contains(v)));
    assert_eq!(l.b, array![1.0, 0.0]);
    assert_eq!((l.params.stride, l.params.pad), (2, 1));
    let out = crate::conv::forward(l);
    assert!(out.iter().all(|v| v.fract() == 0.0));
    // First window: padded rows/cols 0..3, so x[0..2, 0..2] meets w[0][1..3, 1..3].
    // c0: 1*2 + 0*0 + 1*1 + 0*2 = 3; c1: 0*0 - 1*1 + 0*2 + 1*0 = -1; c2: -1*1 + 1*2 + 0 + 0 = 1
    assert_eq!(out[[0, 0, 0, 0]], 3.0 - 1.0 + 1.0 + 1.0);
}

#[test]
fn cs231n_image_filters() {
    let scene = preset("cs231n-image");
    assert_eq!(scene.labels.scale, Scale::Raw);
    assert_eq!(scene.layer.b, array![0.0, 128.0]);
    assert_eq!(scene.labels.kernels, ["grayscale", "sobel-blue"]);
    assert!(scene.layer.x.iter().any(|&v| v > 1.0));
    let w = &scene.layer.w;
    assert_eq!(
        (w[[0, 0, 1, 1]], w[[0, 1, 1, 1]], w[[0, 2, 1, 1]]),
        (0.3, 0.6, 0.1)
    );
    assert_eq!(w[[1, 2, 0, 1]], 2.0);
    assert_eq!(w[[1, 0, 0, 1]], 0.0);
}

#[test]
fn explicit_options_override_a_preset() {
    let args = InputOptions {
        preset: Some("cs231n-demo".into()),
        stride: Some(1),
        bias: Some("0.5,-0.5".into()),
        ..InputOptions::default()
    };
    let scene = SceneSpec::from_options(&args).unwrap().build().unwrap();
    assert_eq!(scene.layer.geom.out_dim(), (1, 2, 5, 5));
    assert_eq!(scene.layer.b, array![0.5, -0.5]);
}

#[test]
fn defaults_are_the_bundled_image_at_32_with_two_sobels() {
    let spec = SceneSpec::from_options(&InputOptions::default()).unwrap();
    assert_eq!(spec.params.stride, 1);
    assert_eq!(spec.params.pad, 1);
    assert_eq!(spec.params.dilation, 1);
    assert_eq!(spec.kernel_label(), "sobel-x,sobel-y");
    assert_eq!(spec.size_label().as_deref(), Some("32"));
    let scene = spec.build().unwrap();
    // chelsea.png is 451x300: the longest side becomes 32, the other 300*32/451 = 21.3.
    assert_eq!(scene.layer.x.dim(), (1, 3, 21, 32));
    assert_eq!(scene.labels.source, "bundled chelsea.png");
    assert_eq!(scene.labels.channels, ["R", "G", "B"]);
    assert_eq!(scene.labels.scale, Scale::Unit);
    assert!(scene.layer.x.iter().all(|v| (0.0..=1.0).contains(v)));
    // dout: random by default, seed 0, standard normal.
    assert_eq!(scene.dout, kernels::random_dout((1, 2, 21, 32), 0));
    assert_eq!(scene.layer.b, array![0.0, 0.0]);
}

#[test]
fn cycle_kernel_wraps_and_starts_with_the_original() {
    let mut spec = SceneSpec::from_options(&InputOptions::default()).unwrap();
    let first = spec.kernel_label();
    let count = 1 + kernel_presets().len();
    let mut seen = vec![first.clone()];
    for _ in 1..count {
        spec.cycle_kernel(1);
        seen.push(spec.kernel_label());
        spec.build().unwrap();
    }
    assert_eq!(seen[1], "identity");
    assert_eq!(seen.last().unwrap(), "random");
    spec.cycle_kernel(1);
    assert_eq!(spec.kernel_label(), first);
    spec.cycle_kernel(-1);
    assert_eq!(spec.kernel_label(), "random");
    spec.cycle_kernel(-(count as isize));
    assert_eq!(spec.kernel_label(), "random");
    spec.cycle_kernel(isize::MAX);
    spec.cycle_kernel(isize::MIN);
    spec.build().unwrap();
}

#[test]
fn a_single_preset_is_not_listed_twice() {
    let args = InputOptions {
        kernel: Some("emboss".into()),
        bias: Some("0.25".into()),
        ..InputOptions::default()
    };
    let mut spec = SceneSpec::from_options(&args).unwrap();
    let mut labels = vec![spec.kernel_label()];
    for _ in 0..kernel_presets().len() - 1 {
        spec.cycle_kernel(1);
        labels.push(spec.kernel_label());
        // One filter each: the user's single bias applies to every choice.
        assert_eq!(spec.build().unwrap().layer.b, array![0.25]);
    }
    assert_eq!(labels.iter().filter(|l| *l == "emboss").count(), 1);
    spec.cycle_kernel(1);
    assert_eq!(spec.kernel_label(), "emboss");
}

#[test]
fn change_size_steps_through_the_ladder() {
    let mut spec = SceneSpec::from_options(&InputOptions::default()).unwrap();
    let long = |s: &SceneSpec| {
        let (_, _, h, w) = s.build().unwrap().layer.x.dim();
        h.max(w)
    };
    assert_eq!(long(&spec), 32);
    assert!(spec.change_size(1));
    assert_eq!(long(&spec), 48);
    assert!(spec.change_size(-2));
    assert_eq!(long(&spec), 24);
    assert!(spec.change_size(-2));
    assert_eq!(long(&spec), 12);
    assert!(spec.change_size(-1));
    assert_eq!(long(&spec), 8);
    assert!(!spec.change_size(-1));
    assert!(spec.change_size(100));
    assert_eq!(spec.size_label().as_deref(), Some("full"));
    assert_eq!(long(&spec), 451);
    assert!(!spec.change_size(1));
    assert!(spec.change_size(-1));
    assert_eq!(long(&spec), 64);
    let mut fixed = SceneSpec::from_options(&InputOptions {
        preset: Some("dilation".into()),
        ..InputOptions::default()
    })
    .unwrap();
    assert!(!fixed.change_size(1));
    assert_eq!(fixed.size_label(), None);
}

#[test]
fn size_parses_numbers_and_full() {
    assert_eq!(Size::parse("16").unwrap(), Size::Longest(16));
    assert_eq!(Size::parse("FULL").unwrap(), Size::Full);
    for bad in ["0", "-3", "abc", "", "99999"] {
        assert!(Size::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn images_are_never_enlarged_and_keep_their_aspect() {
    let p = Picture::from_image(DynamicImage::ImageRgb8(ImageBuffer::from_pixel(
        30,
        10,
        Rgb([1, 2, 3]),
    )));
    assert_eq!(p.dims_at(Size::Longest(64)), (30, 10));
    assert_eq!(p.dims_at(Size::Longest(15)), (15, 5));
    assert_eq!(p.dims_at(Size::Longest(1)), (1, 1));
    assert_eq!(p.dims_at(Size::Full), (30, 10));
}

#[test]
fn gray_is_rec601_luma_and_alpha_is_dropped() {
    let img = ImageBuffer::from_fn(2, 1, |x, _| {
        if x == 0 {
            Rgba([255u8, 0, 0, 0])
        } else {
            Rgba([10, 20, 30, 128])
        }
    });
    let p = Picture::from_image(DynamicImage::ImageRgba8(img));
    let rgb = p.to_x(Size::Full, false, Scale::Raw);
    assert_eq!(rgb.dim(), (1, 3, 1, 2));
    assert_eq!(rgb[[0, 0, 0, 0]], 255.0);
    assert_eq!(rgb[[0, 2, 0, 1]], 30.0);
    let gray = p.to_x(Size::Full, true, Scale::Raw);
    assert_eq!(gray.dim(), (1, 1, 1, 2));
    assert_eq!(gray[[0, 0, 0, 0]], LUMA[0] * 255.0);
    let want = 0.299 * 10.0 + 0.587 * 20.0 + 0.114 * 30.0;
    assert!((gray[[0, 0, 0, 1]] - want).abs() < 1e-12);
}

#[test]
fn grayscale_sources_are_replicated_and_exact() {
    let img = ImageBuffer::from_fn(3, 2, |x, y| Luma([(x * 50 + y * 7) as u8]));
    let p = Picture::from_image(DynamicImage::ImageLuma8(img));
    let rgb = p.to_x(Size::Full, false, Scale::Unit);
    let gray = p.to_x(Size::Full, true, Scale::Unit);
    for (r, c) in [(0, 0), (1, 2), (0, 1)] {
        let v = (c * 50 + r * 7) as f64 / 255.0;
        for ch in 0..3 {
            assert_eq!(rgb[[0, ch, r, c]], v);
        }
        assert_eq!(gray[[0, 0, r, c]], v);
    }
}

#[test]
fn sixteen_bit_keeps_the_low_byte() {
    let img = ImageBuffer::from_fn(2, 1, |x, _| Rgb([0x1200u16 + x as u16, 0, 65535]));
    let p = Picture::from_image(DynamicImage::ImageRgb16(img));
    let unit = p.to_x(Size::Full, false, Scale::Unit);
    assert_eq!(unit[[0, 0, 0, 0]], 4608.0 / 65535.0);
    assert_eq!(unit[[0, 0, 0, 1]], 4609.0 / 65535.0);
    assert_eq!(unit[[0, 2, 0, 0]], 1.0);
    let raw = p.to_x(Size::Full, false, Scale::Raw);
    assert_eq!(raw[[0, 0, 0, 1]], 4609.0 / 257.0);
    assert_eq!(raw[[0, 2, 0, 0]], 255.0);
}

#[test]
fn hostile_dimensions_are_refused() {
    assert!(picture::check_dimensions(8192, 4096).is_ok());
    assert!(picture::check_dimensions(8193, 1).is_err());
    assert!(picture::check_dimensions(8192, 8192).is_err());
    assert!(picture::check_dimensions(0, 5).is_err());
}

#[test]
fn the_docs_document_every_preset_and_kernel() {
    let readme = include_str!("../../docs/inputs.md");
    for info in presets().iter().chain(kernel_presets()) {
        assert!(
            readme.contains(&format!("| `{}` |", info.name)),
            "docs/inputs.md lacks a table row for `{}`",
            info.name
        );
    }
}

#[test]
fn preset_names_ignore_case_and_spaces() {
    let args = InputOptions {
        preset: Some(" Dilation ".into()),
        ..InputOptions::default()
    };
    let spec = SceneSpec::from_options(&args).unwrap();
    assert_eq!(spec.source_label(), "preset dilation");
    // The kernel is named by its filters, as the panels name it.
    assert_eq!(spec.kernel_label(), "conv-arithmetic");
}

#[test]
fn debug_of_a_spec_does_not_print_every_pixel() {
    let spec = SceneSpec::from_options(&InputOptions::default()).unwrap();
    let text = format!("{:?}", spec.clone());
    assert!(
        text.contains("width: 451"),
        "{}",
        &text[..text.len().min(300)]
    );
    // The picture holds 451 x 300 x 3 values; printing them would take megabytes. What
    // is printed is the working x (3 x 11 x 16) and the settings.
    assert!(text.len() < 20_000, "{} characters", text.len());
}

#[test]
fn cs231n_image_computes_gray_and_blue_edges() {
    let scene = preset("cs231n-image");
    let x = &scene.layer.x;
    let out = crate::conv::forward(&scene.layer);
    let (_, _, h, w) = x.dim();
    for (i, j) in [(0, 0), (3, 7), (h - 1, w - 1)] {
        let gray = 0.3 * x[[0, 0, i, j]] + 0.6 * x[[0, 1, i, j]] + 0.1 * x[[0, 2, i, j]];
        assert!((out[[0, 0, i, j]] - gray).abs() < 1e-9);
    }
    // Interior: the rows above minus the rows below, weighted 1 2 1, on blue, + 128.
    let (i, j) = (4, 6);
    let blue = |r: usize, c: usize| x[[0, 2, r, c]];
    let edge = blue(i - 1, j - 1) + 2.0 * blue(i - 1, j) + blue(i - 1, j + 1)
        - blue(i + 1, j - 1)
        - 2.0 * blue(i + 1, j)
        - blue(i + 1, j + 1);
    assert!((out[[0, 1, i, j]] - (edge + 128.0)).abs() < 1e-9);
}

#[test]
fn a_stack_takes_the_chosen_kernel_at_its_first_conv_and_seeds_the_rest() {
    let args = InputOptions {
        kernel: Some("box".into()),
        bias: Some("0.5".into()),
        size: Some("12".into()),
        layers: Some("relu; conv 5 p2; conv 3 f2".into()),
        ..InputOptions::default()
    };
    let spec = SceneSpec::from_options(&args).unwrap();
    let stack = spec.build_stack().unwrap();
    let first = stack.net.layers[1].as_conv().unwrap();
    // box at the layer's K = 5, divided by C = 3 as a named kernel is.
    assert_eq!(first.w.dim(), (1, 3, 5, 5));
    assert!(first.w.iter().all(|&v| (v - 1.0 / 75.0).abs() < 1e-15));
    assert_eq!(first.b, array![0.5]);
    let second = stack.net.layers[2].as_conv().unwrap();
    assert_eq!(second.w, crate::conv::he_weights((2, 1, 3, 3), 0, 2));
    assert_eq!(second.b, Array1::zeros(2));
    assert_eq!(stack.dout.dim(), stack.net.out().dim());
    // The single-layer scene of a stack is its first conv layer, with the dout the
    // stack's backward pass gives it.
    let scene = spec.build().unwrap();
    let grads = stack.backward().unwrap();
    assert_eq!(&scene.layer, first);
    assert_eq!(scene.dout, grads.douts[1]);
    assert_eq!(scene.labels.kernels, ["box"]);

    // Without a kernel the first conv is seeded as the others are.
    let seeded = SceneSpec::from_options(&InputOptions {
        kernel: None,
        bias: None,
        seed: Some(9),
        ..args.clone()
    })
    .unwrap()
    .build_stack()
    .unwrap();
    let w = &seeded.net.layers[1].as_conv().unwrap().w;
    assert_eq!(w, &crate::conv::he_weights((3, 3, 5, 5), 9, 1));

    let refused = |args: InputOptions| SceneSpec::from_options(&args).unwrap_err().to_string();
    assert_eq!(
        refused(InputOptions {
            kernel_size: Some(3),
            ..args.clone()
        }),
        "--kernel-size 3 does not match the first conv layer's K (5): with --layers the SPEC sets it"
    );
    assert!(
        refused(InputOptions {
            pad: Some(0),
            ..args.clone()
        })
        .starts_with("--pad does not apply with --layers")
    );
    assert_eq!(
        refused(InputOptions {
            layers: Some("conv 5 p2 f2".into()),
            ..args
        }),
        "--layers item 1 'conv 5 p2 f2': the given kernel has shape (1,3,5,5) but this layer needs (2,3,5,5)"
    );
}
