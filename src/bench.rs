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
use crate::conv::{BackwardCursor, ConvParams, Layer, backward, forward, naive, noise};
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

pub fn run(args: &BenchOptions) -> anyhow::Result<()> {
    let sizes = sizes(args)?;
    let (f, k) = (args.filters, args.kernel_size);
    if !(1..=64).contains(&f) {
        bail!("--filters must be from 1 to 64 (got {f})");
    }
    if !(1..=31).contains(&k) {
        bail!("--kernel-size must be from 1 to 31 (got {k})");
    }
    let repeat = args.repeat.unwrap_or(if args.quick { 1 } else { 7 }).max(1);
    let threads = rayon::current_num_threads();
    let mut rows = Vec::new();
    for &(h, w) in &sizes {
        let (layer, dout) = workload(h, w, f, k)?;
        rows.push(engine_row(&layer, &dout, repeat));
        rows.push(step_row(&layer, &dout, repeat)?);
    }
    let small = if args.quick { 8 } else { 32 };
    let (layer, dout) = workload(small, small, f, k)?;
    rows.push(naive_row(&layer, &dout, repeat));
    rows.extend(frame_rows(args.quick, f, repeat)?);
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
    if args.size.is_empty() {
        return Ok(if args.quick {
            vec![(16, 16)]
        } else {
            DEFAULT_SIZES.to_vec()
        });
    }
    args.size
        .iter()
        .map(|text| {
            let parsed = text
                .trim()
                .split_once(['x', 'X'])
                .and_then(|(h, w)| Some((h.trim().parse().ok()?, w.trim().parse().ok()?)));
            match parsed {
                Some((h, w)) if (1..=8192).contains(&h) && (1..=8192).contains(&w) => Ok((h, w)),
                _ => bail!("--size must be HxW, each side from 1 to 8192 (got '{text}')"),
            }
        })
        .collect()
}

/// x (1,3,H,W), w (F,3,K,K), b and dout: seeded noise; stride 1, pad K/2.
fn workload(h: usize, w: usize, f: usize, k: usize) -> anyhow::Result<(Layer, Array4<f64>)> {
    let params = ConvParams {
        stride: 1,
        pad: k / 2,
        dilation: 1,
    };
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
    run();
    let mut times: Vec<f64> = (0..repeat)
        .map(|_| {
            let start = Instant::now();
            run();
            start.elapsed().as_secs_f64() * 1e3
        })
        .collect();
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
    let mut changed = specs.clone();
    let last = changed.len() - 1;
    let mut flip = false;
    let change = median_ms(repeat, || {
        flip = !flip;
        changed[last] =
            crate::conv::LayerSpec::conv(3, if flip { 2 } else { 1 }, 1, 1).filters(filters);
        std::hint::black_box(stack.net.with_specs(&changed)).ok();
    });
    Ok(Row {
        workload: "stack engine".into(),
        size: format!("{}x{}", x.2, x.3),
        filters,
        kernel_size: 3,
        forward_ms: Some(fwd),
        backward_ms: Some(bwd),
        note: format!(
            "photo, --layers \"{text}\": the whole stack; a stride change of the last conv layer: {change:.2} ms"
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
        let mut up = false;
        let mut param = |app: &mut App| {
            median_ms(repeat, || {
                up = !up;
                let action = if up {
                    Action::StrideUp
                } else {
                    Action::StrideDown
                };
                std::hint::black_box(press(app, action));
            })
        };
        let param_bwd = param(&mut app);
        press(&mut app, Action::Forward);
        let param_fwd = param(&mut app);
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
                "key to frame, layer {l}'s stride 1 -> 2 and back alternately, the stack rebuilt from layer {l} up (forward, backward, every layer's scene), in the forward and the backward phase"
            ),
            ..Row::default()
        });
    }
    Ok(rows)
}

/// Keypress to frame in the stepper (update + draw at 200x60), on the bundled photo at
/// full size and on a 1024x1024 image, with `--kernel random --filters F`.
fn frame_rows(quick: bool, filters: usize, repeat: usize) -> anyhow::Result<Vec<Row>> {
    let mut rows = Vec::new();
    let photo = InputOptions {
        size: Some(if quick { "32".into() } else { "full".into() }),
        kernel: Some("random".into()),
        filters: Some(filters),
        ..Default::default()
    };
    rows.extend(frames_of(&photo, "photo", repeat)?);
    if !quick {
        let path = std::env::temp_dir().join(format!("convstep-bench-{}.png", std::process::id()));
        let image = image::RgbImage::from_fn(1024, 1024, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, ((x ^ y) % 256) as u8])
        });
        image
            .save(&path)
            .context("writing a 1024x1024 test image")?;
        let big = InputOptions {
            input: Some(path.clone()),
            size: Some("full".into()),
            ..photo
        };
        let timed = frames_of(&big, "1024x1024 image", repeat);
        let _ = std::fs::remove_file(&path);
        rows.extend(timed?);
    }
    Ok(rows)
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
    // A parameter change rebuilds the scene: stride 1 -> 2 and back, alternately, in
    // each phase (the backward phase also places the running totals).
    let mut up = false;
    let mut param = |app: &mut App| {
        median_ms(repeat, || {
            up = !up;
            let action = if up {
                Action::StrideUp
            } else {
                Action::StrideDown
            };
            std::hint::black_box(press(app, action));
        })
    };
    let param_bwd = param(&mut app);
    let phase_switch = median_ms(repeat, || {
        std::hint::black_box(press(&mut app, Action::Forward));
        std::hint::black_box(press(&mut app, Action::Backward));
    }) / 2.0;
    app.update(Action::Forward);
    let param_fwd = param(&mut app);
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
            note: "key to frame, stride 1 -> 2 and back alternately (the scene rebuilt: dout, forward and backward passes, touch counts, colour scales), in the forward and the backward phase".into(),
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
