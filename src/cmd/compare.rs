//! `convstep compare MINE.npz`: a student's out, dx, dw and db against the right ones,
//! with the wrong cells, what feeds them, their pattern and the usual slip that made
//! them (`conv::compare`, `conv::slips`); `--show` opens the stepper on the first
//! wrong cell; `--challenge` writes a layer on which every slip shows.

use std::fmt::Write as _;
use std::io::Cursor;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::Args;
use ndarray::{Array4, ArrayD, Ix1, Ix4, IxDyn, arr0};
use ndarray_npy::{NpzReader, NpzWriter, ReadableElement};

use super::InputArgs;
use crate::app::{App, Phase, Start, Step};
use crate::conv::Layer;
use crate::conv::compare::{Comparison, Diff, Feed, Pattern, feed, right_arrays};
use crate::conv::slips::{self, Grad, Slip};
use crate::i18n::Lang;
use crate::input::{Arrays, Scene, SceneSpec, shape_text};
use crate::tr;

#[derive(Debug, Clone, Args)]
pub struct CompareArgs {
    /// The student's .npz: any of out, dx, dw, db, and optionally the layer (x, w, b,
    /// dout, and stride and pad as 0-d arrays). Input options override the file.
    #[arg(required_unless_present = "challenge", value_name = "MINE.npz")]
    pub mine: Option<PathBuf>,
    #[command(flatten)]
    pub input: InputArgs,
    /// Print the report as one JSON object, a key per array given (for autograders).
    #[arg(long, conflicts_with = "show")]
    pub json: bool,
    /// Open the stepper on the layer at the first wrong cell (e / E: next / previous).
    #[arg(long)]
    pub show: bool,
    /// Write a small layer on which every slip shows (x, w, b, dout, stride, pad) to -o.
    #[arg(long, conflicts_with_all = ["json", "show"], requires = "output")]
    pub challenge: bool,
    /// With --challenge: also write out, dx, dw and db as a student who made these
    /// slips would (ID or ARRAY:ID, comma-separated; an ID alone slips every array
    /// that has it), to try compare on.
    #[arg(long, requires = "challenge", value_name = "SLIPS")]
    pub slip: Option<String>,
    /// The .npz --challenge writes.
    #[arg(short, long, requires = "challenge")]
    pub output: Option<PathBuf>,
}

/// What a student's .npz holds: the arrays to compare and the layer, as far as given.
#[derive(Debug, Default)]
pub struct Mine {
    pub given: Vec<(Grad, ArrayD<f64>)>,
    pub arrays: Arrays,
    pub stride: Option<usize>,
    pub pad: Option<usize>,
}

/// The process's exit status for a report: 0 every array matches, 1 one differs.
pub fn status(cmp: &Comparison) -> i32 {
    if cmp.matches() { 0 } else { 1 }
}

pub fn run(args: &CompareArgs) -> Result<()> {
    if args.challenge {
        return challenge(args);
    }
    let Some(path) = &args.mine else {
        bail!("compare needs MINE.npz: the student's out, dx, dw and/or db");
    };
    let (spec, scene, cmp) = load(path, &args.input)?;
    let lang = Lang::chosen();
    if args.show {
        let mut app = app_at_first_wrong(spec, cmp)?;
        crate::runtime::run_full_screen(
            &mut app,
            &Default::default(),
            super::stepper::NEEDS_TERMINAL,
        )?;
        let code = app.compare.as_ref().map_or(0, status);
        return exit_with(code);
    }
    let text = if args.json {
        json(&cmp)
    } else {
        report(&scene, &cmp, lang)
    };
    print!("{text}");
    exit_with(status(&cmp))
}

/// Leaves with `code` once stdout is flushed (0 returns normally).
fn exit_with(code: i32) -> Result<()> {
    use std::io::Write as _;
    if code == 0 {
        return Ok(());
    }
    let _ = std::io::stdout().flush();
    std::process::exit(code)
}

/// Reads MINE and builds the layer it names (options overriding the file) and the
/// comparison. Every problem is one error: not an .npz, a wrong dtype or rank, a layer
/// that does not fit.
pub fn load(path: &Path, input: &InputArgs) -> Result<(SceneSpec, Scene, Comparison)> {
    let mine = read_mine(path)?;
    if mine.given.is_empty() {
        bail!(
            "'{}' holds none of out, dx, dw, db: save the arrays to check under those names",
            path.display()
        );
    }
    let mut opts = input.options();
    let mut arrays = mine.arrays;
    // The command line overrides the file.
    if opts.input.is_some() || opts.preset.is_some() {
        arrays.x = None;
    }
    if opts.kernel.is_some() {
        arrays.w = None;
    }
    if opts.bias.is_some() {
        arrays.b = None;
    }
    if opts.dout.is_some() {
        arrays.dout = None;
    }
    arrays.x_label = Some(format!("x in {}", path.display()));
    opts.stride = opts.stride.or(mine.stride);
    opts.pad = opts.pad.or(mine.pad);
    let spec = SceneSpec::from_options_and_arrays(&opts, arrays)?;
    let scene = spec.build()?;
    let cmp = Comparison::new(&scene.layer, &scene.dout, mine.given);
    Ok((spec, scene, cmp))
}

/// The stepper on the layer, at the first wrong cell (in the phase of the first wrong
/// array), with the comparison shown.
pub fn app_at_first_wrong(spec: SceneSpec, cmp: Comparison) -> Result<App> {
    let phase = match cmp.first_wrong().map(|d| d.grad) {
        Some(Grad::Out) | None => Phase::Forward,
        Some(_) => Phase::Backward,
    };
    let start = Start {
        phase,
        step: Some(Step::At(1)),
        filter: None,
    };
    let mut app = App::new(spec, start)?;
    app.open_comparison(cmp);
    Ok(app)
}

/// The dtypes an array may have, tried in turn (numpy's float64 first).
fn read_any(npz: &mut NpzReader<Cursor<Vec<u8>>>, name: &str) -> Result<ArrayD<f64>> {
    fn as_f64<T: ReadableElement + Copy>(
        npz: &mut NpzReader<Cursor<Vec<u8>>>,
        name: &str,
        to: fn(T) -> f64,
    ) -> Option<ArrayD<f64>> {
        npz.by_name::<ndarray::OwnedRepr<T>, IxDyn>(name)
            .ok()
            .map(|a| a.mapv(to))
    }
    let first = npz.by_name::<ndarray::OwnedRepr<f64>, IxDyn>(name);
    let err = match first {
        Ok(a) => return Ok(a),
        Err(e) => e,
    };
    let tried = as_f64::<f32>(npz, name, f64::from)
        .or_else(|| as_f64::<i64>(npz, name, |v| v as f64))
        .or_else(|| as_f64::<i32>(npz, name, f64::from))
        .or_else(|| as_f64::<i16>(npz, name, f64::from))
        .or_else(|| as_f64::<i8>(npz, name, f64::from))
        .or_else(|| as_f64::<u64>(npz, name, |v| v as f64))
        .or_else(|| as_f64::<u32>(npz, name, f64::from))
        .or_else(|| as_f64::<u16>(npz, name, f64::from))
        .or_else(|| as_f64::<u8>(npz, name, f64::from))
        .or_else(|| as_f64::<bool>(npz, name, |v| if v { 1.0 } else { 0.0 }));
    tried.ok_or_else(|| {
        anyhow::anyhow!("'{name}' cannot be read as numbers ({err}): save float64 arrays")
    })
}

/// The ranks each name may have: 4 for out, dx, dw, x, w, dout; db up to 4 (a sum
/// over the wrong axes keeps others); b 1; stride and pad 0.
fn ranks(name: &str) -> &'static [usize] {
    match name {
        "db" => &[0, 1, 2, 3, 4],
        "b" => &[1],
        "stride" | "pad" => &[0],
        _ => &[4],
    }
}

/// Reads MINE.npz.
pub fn read_mine(path: &Path) -> Result<Mine> {
    let shown = path.display().to_string();
    let bytes = crate::input::read_file(path)?;
    let mut npz = NpzReader::new(Cursor::new(bytes))
        .map_err(|_| anyhow::anyhow!("'{shown}' is not an .npz archive (save it with np.savez)"))?;
    let names = npz
        .names()
        .map_err(|e| anyhow::anyhow!("'{shown}' is not a readable .npz archive: {e}"))?;
    let mut mine = Mine::default();
    for name in names {
        let known = [
            "out", "dx", "dw", "db", "x", "w", "b", "dout", "stride", "pad",
        ];
        if !known.contains(&name.as_str()) {
            eprintln!("convstep: note: '{shown}' holds '{name}', which compare does not read");
            continue;
        }
        let a = read_any(&mut npz, &name).with_context(|| format!("'{shown}'"))?;
        if !ranks(&name).contains(&a.ndim()) {
            bail!(
                "'{shown}': '{name}' has shape {} ({} dimensions), but {name} has {} (CS231n's shapes)",
                shape_text(a.shape()),
                a.ndim(),
                match ranks(&name) {
                    [0] => "0 (a number saved as np.savez(..., {name}=2))".replace("{name}", &name),
                    [1] => "1: (F,)".to_string(),
                    [4] => "4".to_string(),
                    _ => "at most 4".to_string(),
                }
            );
        }
        if a.len() > crate::input::MAX_ARRAY_ELEMENTS {
            bail!("'{shown}': '{name}' is too large ({} numbers)", a.len());
        }
        let four = |a: ArrayD<f64>| a.into_dimensionality::<Ix4>();
        match name.as_str() {
            "x" => mine.arrays.x = Some(four(a)?),
            "w" => mine.arrays.w = Some(four(a)?),
            "dout" => mine.arrays.dout = Some(four(a)?),
            "b" => mine.arrays.b = Some(a.into_dimensionality::<Ix1>()?),
            "stride" | "pad" => {
                let v = a.first().copied().unwrap_or(f64::NAN);
                let floor = if name == "stride" { 1.0 } else { 0.0 };
                if !(v.fract() == 0.0 && v >= floor && v < 1e9) {
                    bail!("'{shown}': {name} must be a whole number >= {floor} (got {v})");
                }
                if name == "stride" {
                    mine.stride = Some(v as usize);
                } else {
                    mine.pad = Some(v as usize);
                }
            }
            other => {
                let grad = Grad::ALL
                    .into_iter()
                    .find(|g| g.name() == other)
                    .unwrap_or(Grad::Out);
                mine.given.push((grad, a));
            }
        }
    }
    Ok(mine)
}

/// A number as the report prints it: four decimals, or scientific when tiny or huge.
pub fn num(v: f64) -> String {
    if v.is_nan() {
        "nan".into()
    } else if v.is_infinite() {
        if v > 0.0 { "inf".into() } else { "-inf".into() }
    } else if v != 0.0 && (v.abs() < 1e-3 || v.abs() >= 1e5) {
        format!("{v:.4e}")
    } else {
        format!("{v:.4}")
    }
}

fn cell(grad: Grad, index: &[usize]) -> String {
    let ix: Vec<String> = index.iter().map(usize::to_string).collect();
    format!("{}[{}]", grad.name(), ix.join(","))
}

/// The explanation of a slip, in one sentence.
pub fn why(slip: Slip, lang: Lang) -> &'static str {
    match slip {
        Slip::OutFlippedKernel => tr!(lang, "slip.out_flipped_kernel"),
        Slip::OutTransposedKernel => tr!(lang, "slip.out_transposed_kernel"),
        Slip::OutNoBias => tr!(lang, "slip.out_no_bias"),
        Slip::OutBiasPerChannel => tr!(lang, "slip.out_bias_per_channel"),
        Slip::OutNoStride => tr!(lang, "slip.out_no_stride"),
        Slip::OutSizeCeil => tr!(lang, "slip.out_size_ceil"),
        Slip::OutSizeOffByOne => tr!(lang, "slip.out_size_off_by_one"),
        Slip::DxAssign => tr!(lang, "slip.dx_assign"),
        Slip::DxFlippedKernel => tr!(lang, "slip.dx_flipped_kernel"),
        Slip::DxNoStride => tr!(lang, "slip.dx_no_stride"),
        Slip::DxNotCropped => tr!(lang, "slip.dx_not_cropped"),
        Slip::DxEmptyCrop => tr!(lang, "slip.dx_empty_crop"),
        Slip::DwAssign => tr!(lang, "slip.dw_assign"),
        Slip::DwNoStride => tr!(lang, "slip.dw_no_stride"),
        Slip::DwMeanOverN => tr!(lang, "slip.dw_mean_over_n"),
        Slip::DbMeanNotSum => tr!(lang, "slip.db_mean_not_sum"),
        Slip::DbWrongAxes => tr!(lang, "slip.db_wrong_axes"),
    }
}

/// The most terms a report lists for one cell.
const TERMS_SHOWN: usize = 6;

/// The report, one block per array given, then a line for the whole.
pub fn report(scene: &Scene, cmp: &Comparison, lang: Lang) -> String {
    let mut out = String::new();
    for d in &cmp.diffs {
        report_one(&mut out, scene, d, lang);
    }
    let wrong = cmp.diffs.iter().filter(|d| !d.matches()).count();
    let count = cmp.diffs.len();
    let last = if wrong == 0 {
        tr!(lang, "cmp.all_match", count = count)
    } else {
        tr!(lang, "cmp.some_differ", wrong = wrong, count = count)
    };
    let _ = writeln!(out, "{last}");
    out
}

fn report_one(out: &mut String, scene: &Scene, d: &Diff, lang: Lang) {
    let name = d.grad.name();
    let mut line = |s: String| {
        let _ = writeln!(out, "{s}");
    };
    match d.rel_error {
        None => line(tr!(
            lang,
            "cmp.shape",
            name = name,
            yours = shape_text(d.yours.shape()),
            right = shape_text(d.right.shape())
        )),
        Some(e) if d.matches() => {
            line(tr!(
                lang,
                "cmp.matches",
                name = name,
                rel = format!("{e:.2e}")
            ));
            return;
        }
        Some(e) => line(tr!(
            lang,
            "cmp.differs",
            name = name,
            wrong = d.wrong.len(),
            cells = d.right.len(),
            rel = format!("{e:.2e}")
        )),
    }
    if d.rel_error.is_some() {
        match d.wrong.first() {
            Some(index) => {
                let yours = d.yours.get(IxDyn(index)).copied().unwrap_or(f64::NAN);
                let right = d.right.get(IxDyn(index)).copied().unwrap_or(f64::NAN);
                line(tr!(
                    lang,
                    "cmp.first",
                    cell = cell(d.grad, index),
                    yours = num(yours),
                    right = num(right)
                ));
                for l in feed_lines(scene, d.grad, index, right, lang) {
                    line(l);
                }
            }
            None => line(tr!(lang, "cmp.small_only").to_string()),
        }
    }
    for p in &d.patterns {
        line(match *p {
            Pattern::PadRing => tr!(lang, "cmp.pattern_ring").to_string(),
            Pattern::Overlaps => tr!(lang, "cmp.pattern_overlaps").to_string(),
            Pattern::OneFilter(f) => tr!(lang, "cmp.pattern_filter", f = f),
            Pattern::OneSample(n) => tr!(lang, "cmp.pattern_sample", n = n),
        });
    }
    if d.mistakes.is_empty() {
        line(tr!(lang, "cmp.no_mistake").to_string());
    }
    for set in &d.mistakes {
        let ids: Vec<&str> = set.iter().map(|s| s.id()).collect();
        let whys: Vec<&str> = set.iter().map(|s| why(*s, lang)).collect();
        let key = if set.len() == 1 {
            tr!(lang, "cmp.mistake", id = ids[0], why = whys[0])
        } else {
            tr!(
                lang,
                "cmp.mistakes",
                ids = ids.join(" + "),
                why = whys.join(" ")
            )
        };
        line(key);
        let mut lines: Vec<&str> = set.iter().map(|s| s.line()).collect();
        lines.dedup();
        for l in lines {
            line(format!("      {l}"));
        }
    }
}

/// The lines that say what feeds the cell: out's window and sum, or the terms.
fn feed_lines(scene: &Scene, grad: Grad, index: &[usize], right: f64, lang: Lang) -> Vec<String> {
    let layer = &scene.layer;
    match feed(layer, &scene.dout, grad, index) {
        Some(Feed::Window {
            rows,
            cols,
            sum,
            bias,
        }) => {
            let window = format!(
                "x_pad[{},:,{}:{},{}:{}]",
                index[0], rows.0, rows.1, cols.0, cols.1
            );
            vec![tr!(
                lang,
                "cmp.window",
                window = window,
                f = index[1],
                sum = num(sum),
                bias = num(bias),
                right = num(right)
            )]
        }
        Some(Feed::Terms(terms)) if terms.is_empty() => {
            vec![tr!(lang, "cmp.no_window").to_string()]
        }
        Some(Feed::Terms(terms)) => {
            let head = match grad {
                Grad::Dx => tr!(lang, "cmp.terms_dx"),
                Grad::Dw => tr!(lang, "cmp.terms_dw"),
                _ => tr!(lang, "cmp.terms_db"),
            };
            let mut lines = vec![tr!(lang, "cmp.terms", head = head, count = terms.len())];
            for t in terms.iter().take(TERMS_SHOWN) {
                let [n, f, i, j] = t.dout_at;
                let text = match &t.by {
                    Some((by, v)) => format!(
                        "      dout[{n},{f},{i},{j}]·{by} = {}·{} = {}",
                        num(t.dout),
                        num(*v),
                        num(t.value())
                    ),
                    None => format!("      dout[{n},{f},{i},{j}] = {}", num(t.dout)),
                };
                lines.push(text);
            }
            if terms.len() > TERMS_SHOWN {
                lines.push(tr!(lang, "cmp.more", more = terms.len() - TERMS_SHOWN));
            }
            lines
        }
        None => Vec::new(),
    }
}

fn json_num(v: f64) -> String {
    if v.is_finite() {
        format!("{v}")
    } else {
        "null".into()
    }
}

fn json_list(index: &[usize]) -> String {
    let ix: Vec<String> = index.iter().map(usize::to_string).collect();
    format!("[{}]", ix.join(","))
}

/// The report as one JSON object: a key per array given.
pub fn json(cmp: &Comparison) -> String {
    let fields: Vec<String> = cmp
        .diffs
        .iter()
        .map(|d| {
            let first = d.wrong.first();
            let at = |a: &ArrayD<f64>| {
                first
                    .and_then(|ix| a.get(IxDyn(ix)).copied())
                    .map_or("null".into(), json_num)
            };
            let mut ids: Vec<&str> = d.mistakes.iter().flatten().map(|s| s.id()).collect();
            ids.dedup();
            let quoted = |v: Vec<&str>| {
                v.iter()
                    .map(|s| format!("\"{s}\""))
                    .collect::<Vec<_>>()
                    .join(",")
            };
            let together: Vec<String> = d
                .mistakes
                .iter()
                .map(|set| format!("[{}]", quoted(set.iter().map(|s| s.id()).collect())))
                .collect();
            format!(
                "\"{}\":{{\"match\":{},\"shape\":{},\"right_shape\":{},\"rel_error\":{},\"wrong\":{},\"first_wrong\":{},\"yours\":{},\"right\":{},\"mistakes\":[{}],\"mistake_sets\":[{}],\"patterns\":[{}]}}",
                d.grad.name(),
                d.matches(),
                json_list(d.yours.shape()),
                json_list(d.right.shape()),
                d.rel_error.map_or("null".into(), json_num),
                d.wrong.len(),
                first.map_or("null".into(), |ix| json_list(ix)),
                at(&d.yours),
                at(&d.right),
                quoted(ids),
                together.join(","),
                quoted(d.patterns.iter().map(|p| p.id()).collect()),
            )
        })
        .collect();
    format!("{{{}}}\n", fields.join(","))
}

/// The slips `--slip` names: `ID` (every array with that id) or `ARRAY:ID`.
fn parse_slips(text: &str) -> Result<Vec<Slip>> {
    let mut slips = Vec::new();
    for part in text.split(',').map(str::trim) {
        let found: Vec<Slip> = match part.split_once(':') {
            Some((array, id)) => Grad::ALL
                .into_iter()
                .filter(|g| g.name() == array)
                .filter_map(|g| Slip::find(g, id))
                .collect(),
            None => Slip::ALL.into_iter().filter(|s| s.id() == part).collect(),
        };
        if found.is_empty() {
            let known: Vec<String> = Slip::ALL
                .iter()
                .map(|s| format!("{}:{}", s.grad().name(), s.id()))
                .collect();
            bail!("--slip: no slip '{part}' (known: {})", known.join(", "));
        }
        slips.extend(found);
    }
    Ok(slips)
}

/// What a student with `slips` gives on the layer: out, dx, dw, db.
fn slipped(layer: &Layer, dout: &Array4<f64>, slips: &[Slip]) -> Result<[ArrayD<f64>; 4]> {
    let mut arrays = right_arrays(layer, dout);
    let forward: Vec<Slip> = slips
        .iter()
        .copied()
        .filter(|s| s.grad() == Grad::Out)
        .collect();
    if !forward.is_empty() {
        arrays[0] = slips::forward_with(layer, &forward)
            .context("--slip: the slips cannot be made together on this layer")?;
    }
    for &slip in slips.iter().filter(|s| s.grad() != Grad::Out) {
        let g = slip.grad() as usize;
        if let Some(a) = slips::results(layer, dout, slip).into_iter().next() {
            arrays[g] = a;
        }
    }
    Ok(arrays)
}

/// `compare --challenge -o FILE`: the layer, and what it catches.
fn challenge(args: &CompareArgs) -> Result<()> {
    let lang = Lang::chosen();
    let Some(path) = &args.output else {
        bail!("compare --challenge needs -o FILE: the .npz to write the layer into");
    };
    let is_npz = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("npz"));
    if !is_npz {
        bail!(
            "cannot write {}: --challenge writes an .npz archive; name the file *.npz",
            path.display()
        );
    }
    crate::export::check_output_folder(path)?;
    let slips = args
        .slip
        .as_deref()
        .map(parse_slips)
        .transpose()?
        .unwrap_or_default();
    let (layer, dout) = slips::challenge();
    let right = right_arrays(&layer, &dout);
    let slipped = if slips.is_empty() {
        None
    } else {
        Some(slipped(&layer, &dout, &slips)?)
    };
    let p = layer.params;
    let npz = (|| -> Result<Vec<u8>> {
        let mut npz = NpzWriter::new(Cursor::new(Vec::new()));
        npz.add_array("x", &layer.x)?;
        npz.add_array("w", &layer.w)?;
        npz.add_array("b", &layer.b)?;
        npz.add_array("dout", &dout)?;
        npz.add_array("stride", &arr0(p.stride as i64))?;
        npz.add_array("pad", &arr0(p.pad as i64))?;
        if let Some(arrays) = &slipped {
            for (g, a) in Grad::ALL.into_iter().zip(arrays) {
                npz.add_array(g.name(), a)?;
            }
        }
        Ok(npz.finish()?.into_inner())
    })()
    .with_context(|| format!("cannot write {}", path.display()))?;
    crate::export::atomic::write_atomic(path, &npz)?;
    println!(
        "{}",
        tr!(
            lang,
            "cmp.challenge_wrote",
            path = path.display(),
            x = shape_text(layer.x.shape()),
            w = shape_text(layer.w.shape()),
            b = shape_text(layer.b.shape()),
            dout = shape_text(dout.shape()),
            stride = p.stride,
            pad = p.pad
        )
    );
    let unchanged: Vec<String> = Slip::ALL
        .into_iter()
        .filter(|s| !slips::changes_result(&layer, &dout, *s, &right[s.grad() as usize]))
        .map(|s| format!("{}:{}", s.grad().name(), s.id()))
        .collect();
    let caught = Slip::ALL.len() - unchanged.len();
    println!(
        "{}",
        tr!(
            lang,
            "cmp.challenge_catches",
            caught = caught,
            total = Slip::ALL.len(),
            unchanged = unchanged.join(", ")
        )
    );
    if !slips.is_empty() {
        let names: Vec<String> = slips
            .iter()
            .map(|s| format!("{}:{}", s.grad().name(), s.id()))
            .collect();
        println!(
            "{}",
            tr!(lang, "cmp.challenge_slipped", slips = names.join(", "))
        );
    }
    Ok(())
}
