//! `convstep bench`: times the engine, the stepper and the exports on this machine and
//! prints a table (or JSON): the fast engine's forward and backward passes on all
//! threads and on one, CS231n's four loops at a small size beside it, one step and a
//! jump of the stepper, a frame drawn at 200x60 and a PNG and a GIF of frames.
//! Benchmarks, not tests: medians of `--repeat` runs, nothing is asserted.

use std::fmt::Write as _;
use std::time::Instant;

use anyhow::{Context, bail};
use ndarray::{Array1, Array4};
use ratatui::buffer::Buffer;

use crate::app::{Action, App, Start};
use crate::conv::{
    BackwardCursor, ConvError, ConvParams, Geometry, Layer, backward, forward, naive, noise,
};
use crate::export::{Format, RenderOptions, TimedFrame};
use crate::input::{InputOptions, SceneSpec};
use crate::palette::ColorMode;

/// The sizes timed unless `--size` says otherwise (those of issue 9's table).
const DEFAULT_SIZES: [(usize, usize); 3] = [(128, 128), (256, 256), (1024, 1024)];

/// What to time (`convstep bench`'s options as plain values).
#[derive(Debug, Clone, Default)]
pub struct BenchOptions {
    /// Input sizes HxW to time, comma-separated (default 128x128,256x256,1024x1024).
    pub size: Vec<String>,
    /// Filters F of the layer (1..=64).
    pub filters: usize,
    /// Kernel side K (1..=31); the padding is K/2, so the output keeps the input's size.
    pub kernel_size: usize,
    /// Runs per figure; the table shows the median (default 7; 1 with --quick).
    pub repeat: Option<usize>,
    /// Print one JSON object per workload (a JSON array) instead of the table.
    pub json: bool,
    /// A smoke run: small sizes, one run each.
    pub quick: bool,
}

/// One row of the table: medians in milliseconds (None where it does not apply).
#[derive(Debug, Clone, Default)]
struct Row {
    workload: String,
    size: String,
    filters: usize,
    kernel_size: usize,
    forward_ms: Option<f64>,
    backward_ms: Option<f64>,
    forward_ms_1t: Option<f64>,
    backward_ms_1t: Option<f64>,
    /// Floating-point operations of a forward pass (2 per multiply-add); backward is
    /// twice this (dx and dw).
    flops: Option<f64>,
    /// What the two figures mean, where it is not a forward and a backward pass.
    note: String,
}

/// The most runs per figure `--repeat` takes: a thousand runs of the largest layer
/// already take hours.
pub const MAX_REPEAT: usize = 1000;

pub fn run(args: &BenchOptions) -> anyhow::Result<()> {
    let (f, k) = (args.filters, args.kernel_size);
    if !(1..=64).contains(&f) {
        bail!("--filters must be in 1..=64 (got {f})");
    }
    if !(1..=31).contains(&k) {
        bail!("--kernel-size must be in 1..=31 (got {k})");
    }
    let repeat = args.repeat.unwrap_or(if args.quick { 1 } else { 7 });
    if !(1..=MAX_REPEAT).contains(&repeat) {
        bail!("--repeat must be in 1..={MAX_REPEAT} (got {repeat})");
    }
    // Every size is checked against the layer limits before anything is allocated.
    let sizes = sizes(args)?;
    let threads = rayon::current_num_threads();
    let mut rows = Vec::new();
    for &(h, w) in &sizes {
        let (layer, dout) = workload(h, w, f, k)?;
        rows.push(engine_row(&layer, &dout, repeat));
        rows.push(step_row(&layer, &dout, repeat)?);
    }
    // CS231n's loops at a small size: 32x32, or the smallest size asked if smaller.
    let cap = if args.quick { 8 } else { 32 };
    let (sh, sw) = sizes
        .iter()
        .min_by_key(|(h, w)| h * w)
        .map_or((cap, cap), |&(h, w)| (h.min(cap), w.min(cap)));
    let (layer, dout) = workload(sh, sw, f, k)?;
    rows.push(naive_row(&layer, &dout, repeat));
    rows.extend(frame_rows(args.quick, &sizes, f, k, repeat)?);
    rows.push(stack_row(args.quick, f, repeat)?);
    rows.extend(stack_frame_rows(args.quick, f, repeat)?);
    rows.push(export_row(args.quick, repeat)?);
    if args.json {
        println!("{}", to_json(&rows));
    } else {
        print!("{}", to_table(&rows, threads));
    }
    Ok(())
}

fn sizes(args: &BenchOptions) -> anyhow::Result<Vec<(usize, usize)>> {
    let sizes = if args.size.is_empty() {
        if args.quick {
            vec![(16, 16)]
        } else {
            DEFAULT_SIZES.to_vec()
        }
    } else {
        args.size
            .iter()
            .map(|text| {
                let parsed = text
                    .trim()
                    .split_once(['x', 'X'])
                    .and_then(|(h, w)| Some((h.trim().parse().ok()?, w.trim().parse().ok()?)));
                match parsed {
                    Some((h, w)) if (1..=8192).contains(&h) && (1..=8192).contains(&w) => {
                        Ok((h, w))
                    }
                    _ => bail!("--size must be HxW, each side from 1 to 8192 (got '{text}')"),
                }
            })
            .collect::<anyhow::Result<Vec<_>>>()?
    };
    for &(h, w) in &sizes {
        geometry(h, w, args.filters, args.kernel_size)
            .map_err(|err| anyhow::anyhow!("--size {h}x{w}: {err}"))?;
    }
    Ok(sizes)
}

/// The workload's layer shape, checked against the layer limits (docs/limits.md)
/// without allocating anything.
fn geometry(h: usize, w: usize, f: usize, k: usize) -> Result<Geometry, ConvError> {
    Geometry::new((1, 3, h, w), (f, 3, k, k), f, params(k))
}

fn params(k: usize) -> ConvParams {
    ConvParams {
        stride: 1,
        pad: k / 2,
        dilation: 1,
    }
}

/// x (1,3,H,W), w (F,3,K,K), b and dout: seeded noise; stride 1, pad K/2.
fn workload(h: usize, w: usize, f: usize, k: usize) -> anyhow::Result<(Layer, Array4<f64>)> {
    let params = params(k);
    geometry(h, w, f, k).with_context(|| format!("the {h}x{w} workload"))?;
    let layer = Layer::new(
        noise((1, 3, h, w), 1),
        noise((f, 3, k, k), 2),
        Array1::from_iter(noise((1, 1, 1, f), 3).iter().copied()),
        params,
    )
    .with_context(|| format!("the {h}x{w} workload"))?;
    let dout = noise(layer.geom.out_dim(), 4);
    Ok((layer, dout))
}

/// The median of `repeat` timed runs of `run`, after one untimed run, in ms.
fn median_ms(repeat: usize, mut run: impl FnMut()) -> f64 {
    median_of(repeat, || {
        let start = Instant::now();
        run();
        start.elapsed()
    })
}

/// The median in ms of the times `run` reports (after one run not counted): for what
/// is timed from inside, as a key to its frame before the work that follows it.
fn median_of(repeat: usize, mut run: impl FnMut() -> std::time::Duration) -> f64 {
    run();
    median((0..repeat).map(|_| run().as_secs_f64() * 1e3).collect())
}

/// A parameter change both ways, stride 1 -> 2 and back, `repeat` times after one
/// pair not counted, each timed from the key to its first frame: the median of each
/// way, the slower of the two (in practice the way back to stride 1, which rebuilds
/// at full size). A median over both ways alternately would fall between them.
fn parameter_change_median(repeat: usize, app: &mut App) -> f64 {
    let mut times = [Vec::new(), Vec::new()];
    for k in 0..=repeat {
        for (way, up) in [(0, true), (1, false)] {
            let time = std::hint::black_box(parameter_change_timed(app, up)).1;
            if k > 0 {
                times[way].push(time.as_secs_f64() * 1e3);
            }
        }
    }
    times.into_iter().map(median).fold(0.0, f64::max)
}

/// The median of `times` (the mean of the two middle ones for an even count).
fn median(mut times: Vec<f64>) -> f64 {
    times.sort_by(f64::total_cmp);
    let mid = times.len() / 2;
    if times.len() % 2 == 1 {
        times[mid]
    } else {
        (times[mid - 1] + times[mid]) / 2.0
    }
}

fn size_text(layer: &Layer) -> String {
    format!("{}x{}", layer.geom.h, layer.geom.w)
}

fn forward_flops(layer: &Layer) -> f64 {
    let g = layer.geom;
    2.0 * (g.total_steps() * g.c * g.hh * g.ww) as f64
}

fn engine_row(layer: &Layer, dout: &Array4<f64>, repeat: usize) -> Row {
    let pass = |repeat| {
        (
            median_ms(repeat, || {
                std::hint::black_box(forward(layer));
            }),
            median_ms(repeat, || {
                std::hint::black_box(backward(layer, dout).ok());
            }),
        )
    };
    let (fwd, bwd) = pass(repeat);
    let single = rayon::ThreadPoolBuilder::new().num_threads(1).build();
    let (fwd1, bwd1) = match single {
        Ok(pool) => {
            let (a, b) = pool.install(|| pass(repeat));
            (Some(a), Some(b))
        }
        Err(_) => (None, None),
    };
    Row {
        workload: "engine".into(),
        size: size_text(layer),
        filters: layer.geom.f,
        kernel_size: layer.geom.hh,
        forward_ms: Some(fwd),
        backward_ms: Some(bwd),
        forward_ms_1t: fwd1,
        backward_ms_1t: bwd1,
        flops: Some(forward_flops(layer)),
        note: "conv::forward, conv::backward (dx, dw, db)".into(),
    }
}

/// CS231n's four loops (src/conv/naive.rs) against the fast engine at the same size.
fn naive_row(layer: &Layer, dout: &Array4<f64>, repeat: usize) -> Row {
    let fwd = median_ms(repeat, || {
        std::hint::black_box(naive::conv_forward_naive(layer));
    });
    let bwd = median_ms(repeat, || {
        std::hint::black_box(naive::conv_backward_naive(layer, dout));
    });
    Row {
        workload: "cs231n loops".into(),
        size: size_text(layer),
        filters: layer.geom.f,
        kernel_size: layer.geom.hh,
        forward_ms: Some(fwd),
        backward_ms: Some(bwd),
        flops: Some(forward_flops(layer)),
        note: "naive.rs: conv_forward_naive, conv_backward_naive".into(),
        ..Row::default()
    }
}

/// The stepper's engine: one step forward (the window's sums) and one backward (the
/// running totals move by a window), and a jump from step 1 to the last step.
fn step_row(layer: &Layer, dout: &Array4<f64>, repeat: usize) -> anyhow::Result<Row> {
    let g = layer.geom;
    // A step in the middle of a middle row, so that l and h stay within the row.
    let k = (g.h_out / 2) * g.w_out + g.w_out / 2 + 1;
    let fwd = median_ms(repeat.max(50), || {
        std::hint::black_box(layer.forward_step(k));
    });
    let mut cursor = BackwardCursor::new(layer, dout, k)?;
    let mut there = false;
    let bwd = median_ms(repeat.max(50), || {
        there = !there;
        let to = if there { k + 1 } else { k };
        std::hint::black_box(cursor.seek(layer, dout, to).ok());
    });
    let first = BackwardCursor::new(layer, dout, 1)?;
    let jump = median_ms(repeat, || {
        let mut c = first.clone();
        std::hint::black_box(c.seek(layer, dout, g.total_steps()).ok());
    });
    Ok(Row {
        workload: "stepper step".into(),
        size: size_text(layer),
        filters: g.f,
        kernel_size: g.hh,
        forward_ms: Some(fwd),
        backward_ms: Some(bwd),
        note: format!("one step (l or h); a jump to the last step: {jump:.2} ms (with a copy)"),
        ..Row::default()
    })
}

/// The SPEC of the stack's rows: three 3x3 conv layers of F filters with ReLUs between.
fn stack_spec(filters: usize) -> String {
    let conv = format!("conv 3 p1 f{filters}");
    format!("{conv}; relu; {conv}; relu; {conv}")
}

/// The stack's engine on the bundled photo at full size (`--layers` of three conv
/// layers, F filters each): the forward pass of the whole stack (building it), its
/// backward pass, and a change of the last conv layer (rebuilt from there up).
fn stack_row(quick: bool, filters: usize, repeat: usize) -> anyhow::Result<Row> {
    let text = stack_spec(filters);
    let options = InputOptions {
        size: Some(if quick { "32".into() } else { "full".into() }),
        layers: Some(text.clone()),
        ..Default::default()
    };
    let spec = SceneSpec::from_options(&options)?;
    let stack = spec.build_stack()?;
    let x = stack.net.x().dim();
    let specs = stack.net.specs.clone();
    let fwd = median_ms(repeat, || {
        std::hint::black_box(crate::conv::Net::new(
            stack.net.x().clone(),
            &specs,
            stack.net.init.clone(),
        ))
        .ok();
    });
    let bwd = median_ms(repeat, || {
        std::hint::black_box(stack.net.backward(&stack.dout)).ok();
    });
    // The last conv layer back from stride 2 to 1 (its output at full size), every run
    // a real rebuild: timing stride 1 -> 2 and back alternately timed "no change" in
    // every other run, and the median was 0.
    let mut strided = specs.clone();
    let last = strided.len() - 1;
    strided[last] = crate::conv::LayerSpec::conv(3, 2, 1, 1).filters(filters);
    let from = stack.net.with_specs(&strided)?;
    anyhow::ensure!(
        from.same_below(&specs) == last,
        "the change rebuilds the last layer"
    );
    let change = median_ms(repeat, || {
        std::hint::black_box(from.with_specs(&specs)).ok();
    });
    Ok(Row {
        workload: "stack engine".into(),
        size: format!("{}x{}", x.2, x.3),
        filters,
        kernel_size: 3,
        forward_ms: Some(fwd),
        backward_ms: Some(bwd),
        note: format!(
            "photo, --layers \"{text}\": the whole stack; the last conv layer's stride 2 -> 1: {change:.2} ms"
        ),
        ..Row::default()
    })
}

/// Keypress to frame in the stepper on the stack of [`stack_row`] (update + draw at
/// 200x60, the photo at full size): a step key on the first and on the last conv layer,
/// forward and backward; and a parameter change of each (stride 1 -> 2 and back,
/// alternately), the stack really rebuilt from that layer up: the job the key asks for
/// is run, as the terminal's worker runs it, before the frame is drawn.
fn stack_frame_rows(quick: bool, filters: usize, repeat: usize) -> anyhow::Result<Vec<Row>> {
    let text = stack_spec(filters);
    let options = InputOptions {
        size: Some(if quick { "32".into() } else { "full".into() }),
        layers: Some(text.clone()),
        ..Default::default()
    };
    let spec = SceneSpec::from_options(&options)?;
    let mut app = App::new(spec, Start::default())?.with_color(ColorMode::for_exports());
    let g = app.layer().geom;
    let size = format!("{}x{}", g.h, g.w);
    let press = |app: &mut App, action: Action| -> Buffer {
        app.apply(action);
        crate::ui::render_buffer(app, 200, 60)
    };
    let mut rows = Vec::new();
    let last = app.layer_count() - 1;
    for layer in [0, last] {
        press(&mut app, Action::PickLayer { layer });
        let mut flip = false;
        let mut step = |app: &mut App| {
            flip = !flip;
            let action = if flip { Action::Next } else { Action::Prev };
            std::hint::black_box(press(app, action));
        };
        let fwd = median_ms(repeat, || step(&mut app));
        press(&mut app, Action::Backward);
        let bwd = median_ms(repeat, || step(&mut app));
        let param_bwd = parameter_change_median(repeat, &mut app);
        press(&mut app, Action::Forward);
        let param_fwd = parameter_change_median(repeat, &mut app);
        let l = layer + 1;
        rows.push(Row {
            workload: format!("frame 200x60, stack layer {l}"),
            size: size.clone(),
            filters,
            kernel_size: 3,
            forward_ms: Some(fwd),
            backward_ms: Some(bwd),
            note: format!("key to frame (l/h) on layer {l} of --layers \"{text}\""),
            ..Row::default()
        });
        rows.push(Row {
            workload: format!("parameter change, stack layer {l}"),
            size: size.clone(),
            filters,
            kernel_size: 3,
            forward_ms: Some(param_fwd),
            backward_ms: Some(param_bwd),
            note: format!(
                "key to first frame, layer {l}'s stride 1 -> 2 and back, the slower way's median, the stack rebuilt from layer {l} up (forward; backward down to layer {l}, dx alone above the layer shown; those layers' scenes; the layers below and the weight gradients above in a second answer after the frame), in the forward and the backward phase"
            ),
            ..Row::default()
        });
    }
    Ok(rows)
}

/// Keypress to frame in the stepper (update + draw at 200x60), on the bundled photo at
/// full size and on an image of each size asked, with `--kernel random --filters F`
/// and `--kernel-size K`.
fn frame_rows(
    quick: bool,
    sizes: &[(usize, usize)],
    filters: usize,
    k: usize,
    repeat: usize,
) -> anyhow::Result<Vec<Row>> {
    let mut rows = Vec::new();
    let photo = InputOptions {
        size: Some(if quick { "32".into() } else { "full".into() }),
        kernel: Some("random".into()),
        filters: Some(filters),
        kernel_size: Some(k),
        pad: Some(k / 2),
        ..Default::default()
    };
    rows.extend(frames_of(&photo, "photo", repeat)?);
    for &(h, w) in sizes {
        let path =
            std::env::temp_dir().join(format!("convstep-bench-{}-{h}x{w}.png", std::process::id()));
        let (hu, wu) = (
            u32::try_from(h).context("--size")?,
            u32::try_from(w).context("--size")?,
        );
        let image = image::RgbImage::from_fn(wu, hu, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, ((x ^ y) % 256) as u8])
        });
        image
            .save(&path)
            .with_context(|| format!("writing a {h}x{w} test image"))?;
        let big = InputOptions {
            input: Some(path.clone()),
            size: Some("full".into()),
            ..photo.clone()
        };
        let timed = frames_of(&big, &format!("{h}x{w} image"), repeat);
        let _ = std::fs::remove_file(&path);
        rows.extend(timed?);
    }
    Ok(rows)
}

/// A parameter change as a user makes it: the key (stride 1 -> 2 when `up`, else back),
/// the rebuild its [`crate::app::Effect::Compute`] job does (a whole new scene: dout,
/// touch counts, and the forward pass in the forward phase, the backward pass in the
/// backward phase), then the frame at 200x60, which computes the colour scales it
/// draws (neither phase's frame draws the other phase's pass).
#[cfg(test)]
fn parameter_change(app: &mut App, up: bool) -> Buffer {
    parameter_change_timed(app, up).0
}

/// A parameter change as the terminal answers it: the key, the job it asks for, and
/// the frame drawn from its answer (the time returned); then any job that answer asks
/// for (a stack's layers below the edited one), which comes after the frame.
fn parameter_change_timed(app: &mut App, up: bool) -> (Buffer, std::time::Duration) {
    let action = if up {
        Action::StrideUp
    } else {
        Action::StrideDown
    };
    let start = Instant::now();
    let mut effect = app.update(action);
    if let Some(crate::app::Effect::Compute(job)) = effect {
        effect = app.update(Action::Computed(Box::new(job.run())));
    }
    let frame = crate::ui::render_buffer(app, 200, 60);
    let time = start.elapsed();
    while let Some(crate::app::Effect::Compute(job)) = effect {
        effect = app.update(Action::Computed(Box::new(job.run())));
    }
    (frame, time)
}

fn frames_of(args: &InputOptions, what: &str, repeat: usize) -> anyhow::Result<Vec<Row>> {
    let spec = SceneSpec::from_options(args)?;
    let mut app = App::new(spec, Start::default())?.with_color(ColorMode::for_exports());
    let g = app.layer().geom;
    let size = format!("{}x{}", g.h, g.w);
    let (f, k) = (g.f, g.hh);
    let press = |app: &mut App, action: Action| -> Buffer {
        app.update(action);
        crate::ui::render_buffer(app, 200, 60)
    };
    let mut flip = false;
    let mut step = |app: &mut App| {
        flip = !flip;
        let action = if flip { Action::Next } else { Action::Prev };
        std::hint::black_box(press(app, action));
    };
    let fwd = median_ms(repeat, || step(&mut app));
    app.update(Action::Backward);
    let bwd = median_ms(repeat, || step(&mut app));
    let jump = median_ms(repeat, || {
        std::hint::black_box(press(&mut app, Action::Last));
        std::hint::black_box(press(&mut app, Action::First));
    }) / 2.0;
    // Stride 1 -> 2 and back in each phase (the backward phase also places the
    // running totals).
    let param_bwd = parameter_change_median(repeat, &mut app);
    let phase_switch = median_ms(repeat, || {
        std::hint::black_box(press(&mut app, Action::Forward));
        std::hint::black_box(press(&mut app, Action::Backward));
    }) / 2.0;
    app.update(Action::Forward);
    let param_fwd = parameter_change_median(repeat, &mut app);
    Ok(vec![
        Row {
            workload: format!("frame 200x60, {what}"),
            size: size.clone(),
            filters: f,
            kernel_size: k,
            forward_ms: Some(fwd),
            backward_ms: Some(bwd),
            note: format!(
                "key to frame (l/h); jump (g/G) {jump:.1} ms, phase switch {phase_switch:.1} ms"
            ),
            ..Row::default()
        },
        Row {
            workload: format!("parameter change, {what}"),
            size,
            filters: f,
            kernel_size: k,
            forward_ms: Some(param_fwd),
            backward_ms: Some(param_bwd),
            note: "key to frame, stride 1 -> 2 and back, the slower way's median, the scene rebuilt as the key's job does (dout, touch counts, and the pass its phase shows: forward or backward; colour scales, and the pass the frame does not show, when first drawn), in the forward and the backward phase".into(),
            ..Row::default()
        },
    ])
}

/// A PNG of one 200x60 frame and a GIF of 100 frames at 120x40, through the export
/// functions `shot` and `record` use.
fn export_row(quick: bool, repeat: usize) -> anyhow::Result<Row> {
    let args = InputOptions {
        size: Some("16".into()),
        ..Default::default()
    };
    let mut app = App::new(SceneSpec::from_options(&args)?, Start::default())?
        .with_color(ColorMode::for_exports());
    let opts = RenderOptions::default();
    let frame = crate::ui::render_buffer(&app, 200, 60);
    let png = median_ms(repeat, || {
        std::hint::black_box(crate::export::render(&frame, Format::Png, &opts).ok());
    });
    let count = if quick { 5 } else { 100 };
    let frames: Vec<TimedFrame> = (0..count)
        .map(|_| {
            app.update(Action::Next);
            TimedFrame {
                buffer: crate::ui::render_buffer(&app, 120, 40),
                delay_ms: 100,
            }
        })
        .collect();
    let path = std::env::temp_dir().join(format!("convstep-bench-{}.gif", std::process::id()));
    let mut result = Ok(());
    let gif = median_ms(repeat.min(3), || {
        if result.is_ok() {
            result = crate::export::write_gif(frames.clone(), &path, &opts);
        }
    });
    let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    let _ = std::fs::remove_file(&path);
    result?;
    Ok(Row {
        workload: "export".into(),
        size: "200x60 / 120x40".into(),
        forward_ms: Some(png),
        backward_ms: Some(gif),
        note: format!("PNG of one 200x60 frame; GIF of {count} frames at 120x40 ({bytes} bytes)"),
        ..Row::default()
    })
}

fn gflops(flops: Option<f64>, ms: Option<f64>) -> Option<f64> {
    Some(flops? / (ms? * 1e-3) / 1e9)
}

fn cell(v: Option<f64>) -> String {
    v.map_or("-".into(), |v| {
        if v >= 100.0 {
            format!("{v:.0}")
        } else if v >= 1.0 {
            format!("{v:.2}")
        } else {
            format!("{v:.4}")
        }
    })
}

fn to_table(rows: &[Row], threads: usize) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "convstep bench: f64, stride 1, pad K/2, medians in ms; {threads} threads and 1 thread (1t); GFLOP/s counts 2 per multiply-add, backward twice forward"
    );
    let head = [
        "workload",
        "size",
        "F",
        "K",
        "fwd ms",
        "bwd ms",
        "fwd GF/s",
        "bwd GF/s",
        "fwd ms 1t",
        "bwd ms 1t",
        "fwd GF/s 1t",
        "bwd GF/s 1t",
    ];
    let mut lines = vec![head.map(String::from).to_vec()];
    for r in rows {
        let back_flops = r.flops.map(|f| 2.0 * f);
        lines.push(vec![
            r.workload.clone(),
            r.size.clone(),
            if r.filters > 0 {
                r.filters.to_string()
            } else {
                "-".into()
            },
            if r.kernel_size > 0 {
                r.kernel_size.to_string()
            } else {
                "-".into()
            },
            cell(r.forward_ms),
            cell(r.backward_ms),
            cell(gflops(r.flops, r.forward_ms)),
            cell(gflops(back_flops, r.backward_ms)),
            cell(r.forward_ms_1t),
            cell(r.backward_ms_1t),
            cell(gflops(r.flops, r.forward_ms_1t)),
            cell(gflops(back_flops, r.backward_ms_1t)),
        ]);
    }
    let widths: Vec<usize> = (0..head.len())
        .map(|c| {
            lines
                .iter()
                .map(|l| l[c].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for line in &lines {
        let cells: Vec<String> = line
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(c, (text, &w))| {
                if c < 2 {
                    format!("{text:<w$}")
                } else {
                    format!("{text:>w$}")
                }
            })
            .collect();
        let _ = writeln!(out, "{}", cells.join("  ").trim_end());
    }
    let _ = writeln!(out);
    for r in rows {
        let _ = writeln!(out, "{} {}: {}", r.workload, r.size, r.note);
    }
    out
}

fn json_number(v: Option<f64>) -> String {
    match v {
        Some(v) if v.is_finite() => format!("{v}"),
        _ => "null".into(),
    }
}

fn json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn to_json(rows: &[Row]) -> String {
    let objects: Vec<String> = rows
        .iter()
        .map(|r| {
            let back_flops = r.flops.map(|f| 2.0 * f);
            format!(
                "{{\"workload\":{},\"size\":{},\"filters\":{},\"kernel_size\":{},\"forward_ms\":{},\"backward_ms\":{},\"forward_ms_1t\":{},\"backward_ms_1t\":{},\"forward_gflops\":{},\"backward_gflops\":{},\"note\":{}}}",
                json_string(&r.workload),
                json_string(&r.size),
                r.filters,
                r.kernel_size,
                json_number(r.forward_ms),
                json_number(r.backward_ms),
                json_number(r.forward_ms_1t),
                json_number(r.backward_ms_1t),
                json_number(gflops(r.flops, r.forward_ms)),
                json_number(gflops(back_flops, r.backward_ms)),
                json_string(&r.note),
            )
        })
        .collect();
    format!("[\n{}\n]", objects.join(",\n"))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn small_app() -> App {
        let args = InputOptions {
            size: Some("12".into()),
            kernel: Some("random".into()),
            filters: Some(2),
            ..Default::default()
        };
        let spec = SceneSpec::from_options(&args).unwrap();
        let mut app = App::new(spec, Start::default()).unwrap();
        app.update(Action::Backward);
        app
    }

    #[test]
    fn the_parameter_change_row_rebuilds_the_scene() {
        let mut app = small_app();
        let before = app.out().clone();
        parameter_change(&mut app, true);
        assert!(
            app.pending.is_none(),
            "the rebuild is done, not left pending"
        );
        let layer = app.layer();
        assert_eq!(layer.params.stride, 2);
        assert_eq!(app.out().dim(), layer.geom.out_dim());
        assert_ne!(app.out().dim(), before.dim());
        assert_eq!(app.out(), forward(layer), "the new scene's forward pass");
        let full = backward(layer, &app.scene.dout).unwrap();
        assert_eq!(
            app.full().grads.dw,
            full.dw,
            "the new scene's backward pass"
        );
        parameter_change(&mut app, false);
        assert_eq!(app.layer().params.stride, 1);
        assert_eq!(app.out(), before);
    }

    /// Every layer of `app` as the screen reads it: input, weights, dout, output,
    /// gradients, touch counts and colour scales.
    fn layers_of(app: &App) -> Vec<String> {
        (0..app.layer_count())
            .map(|l| {
                let v = app.layer_view(l).unwrap();
                let layer = &v.scene.layer;
                format!(
                    "{:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?}",
                    v.kind,
                    layer.x,
                    layer.w,
                    layer.b,
                    v.scene.dout,
                    v.out(),
                    v.full().grads,
                    v.full().touches,
                    v.x_range(),
                    v.forward_ranges(),
                    v.backward_ranges()
                )
            })
            .collect()
    }

    /// The stack rows' parameter change: the stack is really rebuilt, from the
    /// changed layer up (the layers below shared, not built again), and it is the
    /// stack a fresh start on the edited SPEC builds, every layer alike.
    #[test]
    fn the_stack_parameter_change_rows_rebuild_from_the_layer_up() {
        let options = InputOptions {
            size: Some("12".into()),
            layers: Some(stack_spec(2)),
            ..Default::default()
        };
        let spec = SceneSpec::from_options(&options).unwrap();
        for layer in [0, 2, 4] {
            let mut app = App::new(spec.clone(), Start::default()).unwrap();
            app.apply(Action::PickLayer { layer });
            app.apply(Action::Backward);
            let before = app.stack.source.clone().unwrap();
            let (old_out, old_dout) = (app.out().clone(), app.scene.dout.clone());
            parameter_change(&mut app, true);
            assert!(
                app.pending.is_none(),
                "the rebuild is done, not left pending"
            );
            assert_eq!(app.layer_index(), layer);
            assert_eq!(app.layer().geom.stride, 2, "layer {layer}'s stride");
            assert_ne!(app.out().dim(), old_out.dim());
            let after = app.stack.source.clone().unwrap();
            for l in 0..5 {
                let shared = Arc::ptr_eq(&before.net.layers[l], &after.net.layers[l]);
                assert_eq!(
                    shared,
                    l < layer,
                    "layer {l} shared after an edit of {layer}"
                );
            }
            let fresh = App::new(app.spec.clone(), Start::default()).unwrap();
            assert_eq!(
                layers_of(&app),
                layers_of(&fresh),
                "an edit of layer {layer}"
            );
            parameter_change(&mut app, false);
            assert_eq!(app.layer().geom.stride, 1);
            assert_eq!(app.out(), old_out);
            assert_eq!(app.scene.dout, old_dout);
        }
    }

    fn options(size: &str, repeat: Option<usize>) -> BenchOptions {
        BenchOptions {
            size: vec![size.into()],
            filters: 8,
            kernel_size: 3,
            repeat,
            quick: true,
            ..Default::default()
        }
    }

    #[test]
    fn repeat_is_refused_outside_its_range() {
        for repeat in [0, MAX_REPEAT + 1, usize::MAX] {
            let err = run(&options("1x1", Some(repeat))).unwrap_err().to_string();
            assert_eq!(err, format!("--repeat must be in 1..=1000 (got {repeat})"));
        }
    }

    #[test]
    fn a_size_past_the_layer_limits_is_refused_before_allocating() {
        // 3 x 8192 x 8192 numbers: the check needs no array, so it answers at once.
        let err = sizes(&options("8192x8192", None)).unwrap_err().to_string();
        assert!(
            err.starts_with("--size 8192x8192: the layer is too large"),
            "{err}"
        );
        assert_eq!(sizes(&options("1024x1024", None)).unwrap(), [(1024, 1024)]);
    }

    #[test]
    fn the_frame_rows_run_the_sizes_asked() {
        let rows = frame_rows(true, &[(3, 5)], 2, 3, 1).unwrap();
        let sizes: Vec<&str> = rows.iter().map(|r| r.size.as_str()).collect();
        assert_eq!(sizes.len(), 4, "{sizes:?}");
        assert!(rows[0].workload.ends_with("photo"), "{sizes:?}");
        assert_eq!(sizes[2..], ["3x5", "3x5"], "then the size asked");
        assert!(rows.iter().all(|r| !r.size.contains("1024")));
    }
}
