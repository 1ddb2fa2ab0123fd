//! The model: the scene being stepped through, where we are in it, and everything the
//! view shows, computed here (on each change) so that drawing only reads.

use std::sync::OnceLock;

use anyhow::{Context, bail};
use ndarray::Array4;

use crate::conv::{
    BackwardCursor, BackwardState, BackwardStep, ForwardStep, Geometry, GradCheck, Grads, Layer,
    OutPos, SharedArray4, Window, forward,
};
use crate::input::{Scene, SceneSpec};
use crate::palette::ColorMode;

use super::stack::Stack;
use super::{Action, Phase, Start, Step, View};
use crate::tr;

/// Play speeds, slowest first: milliseconds per tick ...
pub const TICKS_MS: [u64; 14] = [
    3000, 2000, 1500, 1000, 700, 500, 350, 250, 150, 80, 40, 30, 25, 20,
];
/// ... and steps per tick (0: a whole output row), so that the feature maps of a
/// photograph fill in within seconds (300 rows at 20 ms: 6 s a map).
pub const TICK_STEPS: [usize; 14] = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 4, 16, 64, 0];
/// One step per second by default, as the notes' demo.
pub const DEFAULT_TICK: usize = 3;

/// A line for the status bar: what just happened, or what went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub text: String,
    pub error: bool,
}

/// What a scene's forward pass gives its colour scales, so that colours do not shift
/// from step to step: computed when first drawn ([`App::forward_ranges`]).
#[derive(Debug, Clone, PartialEq)]
pub struct ForwardRanges {
    /// Largest finite |out| (0 when there is none).
    pub out_abs: f64,
    /// Whether any output is finite: all NaN or infinite leaves no scale to show.
    pub out_finite: bool,
    /// Each feature map's own colour scale, `[n * F + f]`: the 99th percentile of
    /// its finite |out| ([`robust_abs`]); colours saturate beyond it.
    pub out_scale: Vec<f64>,
}

/// What a scene's backward pass gives its colour scales: computed when first drawn
/// ([`App::backward_ranges`]), and again after a new backward pass.
#[derive(Debug, Clone, PartialEq)]
pub struct BackwardRanges {
    /// Largest finite |dout| (0 when there is none).
    pub dout_abs: f64,
    /// Whether any entry of dout is finite.
    pub dout_finite: bool,
    /// Largest |dx_pad| of the full backward pass.
    pub dx_abs: f64,
    /// Largest |dw| of the full backward pass.
    pub dw_abs: f64,
    /// Most windows touching one cell.
    pub touches_max: u32,
    /// The value every entry of dout has, when they all have one (said in one line).
    pub dout_constant: Option<f64>,
    /// Each map of dout's own colour scale, as [`ForwardRanges::out_scale`].
    pub dout_scale: Vec<f64>,
}

/// What a scene gives once: its forward pass, its full backward pass and the colour
/// scales of both. The scales are computed when a frame first needs them, so that a
/// rebuild answers without them: a stack's layers that are not shown, and a forward
/// phase's backward scales, cost nothing until they are drawn.
#[derive(Debug, Clone)]
pub struct SceneCache {
    /// The whole forward pass (N, F, H', W'); cells with step <= k are "known". A
    /// rebuild in the backward phase, whose frame shows none of it, leaves it to be
    /// computed when first asked for ([`SceneCache::out`]).
    out: OnceLock<SharedArray4>,
    /// The backward totals after the last step. A rebuild in the forward phase, whose
    /// frame shows none of it, leaves it to be computed when first asked for
    /// ([`SceneCache::full`]).
    full: OnceLock<BackwardState>,
    /// Padded rows and columns some window reads.
    pub rows_reached: Vec<bool>,
    pub cols_reached: Vec<bool>,
    /// The smallest and largest finite input value ((0, 1) when there is none).
    x_range: OnceLock<(f64, f64)>,
    forward_ranges: OnceLock<ForwardRanges>,
    backward_ranges: OnceLock<BackwardRanges>,
}

/// The share of a map's cells whose colour is below saturation.
pub const ROBUST_PERCENTILE: f64 = 0.99;

/// A map's colour scale: the 99th percentile of its finite |values| (nearest rank), so
/// that a few extreme cells (the strong edges zero padding makes at a photo's border)
/// saturate instead of washing the rest out; the largest |value| where that
/// percentile is 0, and 0 when no value is finite. A map of fewer than 100 cells
/// gets its largest |value|.
pub fn robust_abs(values: impl Iterator<Item = f64>) -> f64 {
    let abs: Vec<f64> = values.filter(|v| v.is_finite()).map(f64::abs).collect();
    percentile_of(abs)
}

/// What one map gives the colour scales, from one pass over its values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct MapStats {
    /// Largest finite |v| (0 when there is none).
    pub max_abs: f64,
    /// Whether any value is finite.
    pub finite: bool,
    /// [`robust_abs`] of the map.
    pub scale: f64,
    /// The value every entry has, when they all have the first's (finite) value.
    pub constant: Option<f64>,
}

/// [`MapStats`] of a map held as one slice. Its scale is [`robust_abs`]'s without
/// collecting and selecting among all its values (a stack's rebuild takes the scales
/// of some 80 maps of 135,000 cells): a sample's 97th percentile gives a threshold
/// below the 99th; one pass counts the finite values, finds the largest, sees whether
/// all are equal and keeps those at or above the threshold (about 3%); the percentile
/// is selected among those. The result is exactly [`robust_abs`]'s: every value left
/// out is below every value kept, so the rank among the kept is the rank among all
/// less the number left out; where the sample misleads (fewer kept than the ranks
/// above the percentile) it falls back to selecting among all.
pub(crate) fn map_stats(values: &[f64]) -> MapStats {
    const SAMPLE: usize = 2048;
    let first = values.first().copied().filter(|v| v.is_finite());
    let constant = |values: &[f64]| first.filter(|f| values.iter().all(|v| v == f));
    let whole = |values: &[f64]| MapStats {
        max_abs: crate::conv::max_abs_finite(&ndarray::ArrayView1::from(values)),
        finite: values.iter().any(|v| v.is_finite()),
        scale: robust_abs(values.iter().copied()),
        constant: constant(values),
    };
    if values.len() < 4 * SAMPLE {
        return whole(values);
    }
    // An odd step: a power of two would fall on the same columns of every row of a
    // map whose width it divides, and a periodic picture (such as bench's) would
    // give a sample of one column's values.
    let mut sample: Vec<f64> = values
        .iter()
        .step_by((values.len() / SAMPLE) | 1)
        .filter(|v| v.is_finite())
        .map(|v| v.abs())
        .collect();
    if sample.is_empty() {
        return whole(values);
    }
    let at = sample.len() * 97 / 100;
    let (_, t, _) = sample.select_nth_unstable_by(at, f64::total_cmp);
    let t = *t;
    // A threshold of 0 (a map mostly of zeros, such as gradients not computed yet)
    // keeps the values above 0 only: every value left out is then 0.
    let zeros_out = t == 0.0;
    let head = first.unwrap_or(0.0);
    let Scan {
        finite,
        max_abs,
        differ,
        mut kept,
    } = scan(values, head, t, !zeros_out);
    let same = first.is_some() && !differ;
    let stats = |scale: f64| MapStats {
        max_abs,
        finite: finite > 0,
        scale,
        constant: first.filter(|_| same),
    };
    if finite == 0 {
        return stats(0.0);
    }
    let rank = ((finite as f64 * ROBUST_PERCENTILE).ceil() as usize).clamp(1, finite);
    // The percentile is the (finite - rank + 1)-th largest.
    let above = finite - rank + 1;
    if kept.len() < above {
        if zeros_out {
            // The percentile is 0: the largest stands for the map, as in robust_abs.
            return stats(max_abs);
        }
        return stats(robust_abs(values.iter().copied()));
    }
    let at = kept.len() - above;
    let (_, q, _) = kept.select_nth_unstable_by(at, f64::total_cmp);
    let q = *q;
    stats(if q > 0.0 { q } else { max_abs })
}

/// One pass over a map: how many values are finite, the largest finite |v|, whether
/// any differs from `head`, and the |v| at or above `t` (above only unless `at_too`).
struct Scan {
    finite: usize,
    max_abs: f64,
    differ: bool,
    kept: Vec<f64>,
}

/// [`Scan`] of `values`, with AVX2 where the CPU has it (the same operations, so the
/// same result).
fn scan(values: &[f64], head: f64, t: f64, at_too: bool) -> Scan {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx512f") {
        // SAFETY: the CPU supports AVX-512F, checked just above.
        return unsafe { scan_avx512(values, head, t, at_too) };
    }
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2, checked just above.
        return unsafe { scan_avx2(values, head, t, at_too) };
    }
    scan_body(values, head, t, at_too)
}

/// [`scan_body`] with AVX2 intrinsics, four values a vector: the counts, maxima and
/// differences without a branch, and the values to keep (about 3%) picked from each
/// vector's mask of them, so that the pass runs at the speed of memory (the portable
/// body, branching on each such value, took 2.3 ms a 1024x1024 map).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn scan_avx2(values: &[f64], head: f64, t: f64, at_too: bool) -> Scan {
    use std::arch::x86_64::*;
    let full = values.len() / 4 * 4;
    let sign = _mm256_set1_pd(-0.0);
    let largest = _mm256_set1_pd(f64::MAX);
    let (head_v, t_v) = (_mm256_set1_pd(head), _mm256_set1_pd(t));
    let at_too_v = _mm256_castsi256_pd(_mm256_set1_epi64x(-i64::from(at_too)));
    let mut counts = _mm256_setzero_si256();
    let mut maxima = _mm256_setzero_pd();
    let mut differ = _mm256_setzero_pd();
    // Room for a block's values past the last kept, made before the block, so that
    // no call (to grow a vector) sits in the loop and the sums stay in registers.
    const BLOCK: usize = 1024;
    let mut kept = vec![0.0; BLOCK.min(full)];
    let mut end = 0;
    for from in (0..full).step_by(BLOCK) {
        if kept.len() < end + BLOCK {
            kept.resize((2 * kept.len()).max(end + BLOCK), 0.0);
        }
        let room = &mut kept[end..end + BLOCK];
        let mut n = 0;
        for at in (from..(from + BLOCK).min(full)).step_by(4) {
            // SAFETY: at + 4 <= full <= values.len().
            let v = unsafe { _mm256_loadu_pd(values.as_ptr().add(at)) };
            let a = _mm256_andnot_pd(sign, v);
            // Ordered comparisons: false for NaN.
            let finite = _mm256_cmp_pd::<_CMP_LE_OQ>(a, largest);
            counts = _mm256_sub_epi64(counts, _mm256_castpd_si256(finite));
            maxima = _mm256_max_pd(maxima, _mm256_and_pd(a, finite));
            // Unordered: true for NaN, as `v != head` is.
            differ = _mm256_or_pd(differ, _mm256_cmp_pd::<_CMP_NEQ_UQ>(v, head_v));
            let above = _mm256_cmp_pd::<_CMP_GT_OQ>(a, t_v);
            let equal = _mm256_and_pd(_mm256_cmp_pd::<_CMP_EQ_OQ>(a, t_v), at_too_v);
            let hits = _mm256_and_pd(finite, _mm256_or_pd(above, equal));
            let mut bits = _mm256_movemask_pd(hits);
            while bits != 0 {
                let lane = bits.trailing_zeros() as usize;
                room[n] = values[at + lane].abs();
                n += 1;
                bits &= bits - 1;
            }
        }
        end += n;
    }
    kept.truncate(end);
    let mut lanes = [0i64; 4];
    let mut most = [0.0; 4];
    let mut changed = [0.0; 4];
    // SAFETY: each array holds four lanes.
    unsafe {
        _mm256_storeu_si256(lanes.as_mut_ptr().cast(), counts);
        _mm256_storeu_pd(most.as_mut_ptr(), maxima);
        _mm256_storeu_pd(changed.as_mut_ptr(), differ);
    }
    let mut scan = scan_body(&values[full..], head, t, at_too);
    scan.finite += lanes.iter().sum::<i64>() as usize;
    scan.max_abs = most.into_iter().fold(scan.max_abs, f64::max);
    scan.differ |= changed.iter().any(|d| d.to_bits() != 0);
    kept.append(&mut scan.kept);
    scan.kept = kept;
    scan
}

/// [`scan_body`] with AVX-512F, eight values a vector and no branch at all: each
/// vector's values to keep are packed to its low lanes (a compress within registers,
/// not to memory, which is slow on some CPUs) and stored whole at the end of those
/// kept so far, the next store starting where the kept ones end. The AVX2 scan's
/// branch on each vector with a value to keep (one in eight at 3% kept) was most of
/// its time.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn scan_avx512(values: &[f64], head: f64, t: f64, at_too: bool) -> Scan {
    use std::arch::x86_64::*;
    const LANES: usize = 8;
    let full = values.len() / LANES * LANES;
    let largest = _mm512_set1_pd(f64::MAX);
    let (head_v, t_v) = (_mm512_set1_pd(head), _mm512_set1_pd(t));
    let equal_too: __mmask8 = if at_too { 0xff } else { 0 };
    let one = _mm512_set1_epi64(1);
    let mut counts = _mm512_setzero_si512();
    let mut maxima = _mm512_setzero_pd();
    let mut differ: __mmask8 = 0;
    // Room for a block's values past the last kept, and for the last store's unused
    // lanes, made before the block, so that no call sits in the loop.
    const BLOCK: usize = 1024;
    let mut kept: Vec<f64> = Vec::new();
    let mut end = 0;
    for from in (0..full).step_by(BLOCK) {
        if kept.len() < end + BLOCK + LANES {
            kept.resize((2 * kept.len()).max(end + BLOCK + LANES), 0.0);
        }
        let room = kept[end..end + BLOCK + LANES].as_mut_ptr();
        let mut n = 0;
        for at in (from..(from + BLOCK).min(full)).step_by(LANES) {
            // SAFETY: at + 8 <= full <= values.len().
            let v = unsafe { _mm512_loadu_pd(values.as_ptr().add(at)) };
            let a = _mm512_abs_pd(v);
            // Ordered comparisons: false for NaN.
            let finite = _mm512_cmp_pd_mask::<_CMP_LE_OQ>(a, largest);
            counts = _mm512_mask_add_epi64(counts, finite, counts, one);
            maxima = _mm512_mask_max_pd(maxima, finite, maxima, a);
            // Unordered: true for NaN, as `v != head` is.
            differ |= _mm512_cmp_pd_mask::<_CMP_NEQ_UQ>(v, head_v);
            let above = _mm512_cmp_pd_mask::<_CMP_GT_OQ>(a, t_v);
            let equal = _mm512_cmp_pd_mask::<_CMP_EQ_OQ>(a, t_v) & equal_too;
            let hits = finite & (above | equal);
            // SAFETY: n <= at - from <= BLOCK - 8, so the 8 lanes stored at room + n
            // lie within the block's room of BLOCK + 8.
            unsafe { _mm512_storeu_pd(room.add(n), _mm512_maskz_compress_pd(hits, a)) };
            n += hits.count_ones() as usize;
        }
        end += n;
    }
    kept.truncate(end);
    let mut lanes = [0i64; LANES];
    let mut most = [0.0; LANES];
    // SAFETY: each array holds eight lanes.
    unsafe {
        _mm512_storeu_si512(lanes.as_mut_ptr().cast(), counts);
        _mm512_storeu_pd(most.as_mut_ptr(), maxima);
    }
    let mut scan = scan_body(&values[full..], head, t, at_too);
    scan.finite += lanes.iter().sum::<i64>() as usize;
    scan.max_abs = most.into_iter().fold(scan.max_abs, f64::max);
    scan.differ |= differ != 0;
    kept.append(&mut scan.kept);
    scan.kept = kept;
    scan
}

/// Eight lanes of counts, maxima and differences, without branches so that they
/// vectorise; a chunk with a value to keep (about 3% of them) is gone through again,
/// one value at a time.
#[inline(always)]
fn scan_body(values: &[f64], head: f64, t: f64, at_too: bool) -> Scan {
    const LANES: usize = 8;
    // NaN and the infinities fail `a <= f64::MAX`.
    let keep = |a: f64| a <= f64::MAX && (a > t || (a == t && at_too));
    let mut counts = [0u64; LANES];
    let mut maxima = [0.0_f64; LANES];
    let mut differ = [0u64; LANES];
    let mut kept = Vec::with_capacity(values.len() / 16);
    let mut chunks = values.chunks_exact(LANES);
    for chunk in &mut chunks {
        let mut hits = [0u64; LANES];
        for (l, &v) in chunk.iter().enumerate() {
            let a = v.abs();
            let finite = a <= f64::MAX;
            let seen = if finite { a } else { 0.0 };
            counts[l] += u64::from(finite);
            maxima[l] = if seen > maxima[l] { seen } else { maxima[l] };
            differ[l] |= u64::from(v != head);
            hits[l] |= u64::from(finite & ((a > t) | ((a == t) & at_too)));
        }
        if hits.iter().any(|&h| h != 0) {
            kept.extend(chunk.iter().map(|v| v.abs()).filter(|&a| keep(a)));
        }
    }
    let mut scan = Scan {
        finite: counts.iter().sum::<u64>() as usize,
        max_abs: maxima.into_iter().fold(0.0, f64::max),
        differ: differ.iter().any(|&d| d != 0),
        kept,
    };
    for &v in chunks.remainder() {
        let a = v.abs();
        scan.differ |= v != head;
        if a <= f64::MAX {
            scan.finite += 1;
            scan.max_abs = scan.max_abs.max(a);
        }
        if keep(a) {
            scan.kept.push(a);
        }
    }
    scan
}

/// The nearest-rank 99th percentile of these magnitudes (any order), or their
/// largest where it is 0; 0 for none.
fn percentile_of(mut abs: Vec<f64>) -> f64 {
    if abs.is_empty() {
        return 0.0;
    }
    let rank = ((abs.len() as f64 * ROBUST_PERCENTILE).ceil() as usize).clamp(1, abs.len());
    let (_, q, _) = abs.select_nth_unstable_by(rank - 1, f64::total_cmp);
    let q = *q;
    if q > 0.0 {
        q
    } else {
        abs.iter().copied().fold(0.0, f64::max)
    }
}

/// A numeric gradient check of one or more entries.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckReport {
    /// What was checked, e.g. `dx[0,:,3,4]`.
    pub what: String,
    pub checks: Vec<(String, GradCheck)>,
}

/// The stepper's whole state.
#[derive(Debug, Clone)]
pub struct App {
    pub spec: SceneSpec,
    pub scene: Scene,
    pub cache: SceneCache,
    pub phase: Phase,
    /// 1-based step.
    pub step: usize,
    /// The current step, forward.
    pub fwd: ForwardStep,
    /// The window of the step before (faintly marked), if there is one.
    pub prev_window: Option<Window>,
    /// The current step, backward, and the running totals after it (backward phase),
    /// kept up to date one window at a time.
    pub bwd: Option<(BackwardStep, BackwardCursor)>,
    /// The largest finite |dx_pad[n]| written so far (0 before the first step or when
    /// every value is 0): dx_pad's colour scale, so that the first steps' small sums
    /// show in colour instead of pale against the pass's final largest value.
    pub dx_scale: f64,
    /// The selected padded input cell (row, col).
    pub selection: Option<(usize, usize)>,
    /// The output cells (i, j) the selected cell feeds.
    pub feeds: Vec<(usize, usize)>,
    pub check: Option<CheckReport>,
    /// The entry (c, m, k) of w[f] the gradient check takes when no input cell is
    /// selected (None: the centre tap of every channel).
    pub tap: Option<(usize, usize, usize)>,
    pub playing: bool,
    /// Index into [`TICKS_MS`].
    pub tick: usize,
    pub message: Option<Message>,
    pub help: bool,
    /// The help's page (the view wraps it to the pages its size needs).
    pub help_page: usize,
    /// Show touch counts in place of dx_pad where only one fits.
    pub show_touches: bool,
    pub color: ColorMode,
    /// The language everything on the screen is said in.
    pub lang: crate::i18n::Lang,
    /// The recomputation asked for last and not answered yet (the status line says
    /// so); answers to any other are dropped.
    pub pending: Option<Pending>,
    /// How the current layer is drawn (see [`View`]).
    pub view: View,
    /// The transposed view's dx cell, 0-based in (N, C, H, W) order: the gather's own
    /// cursor (the step keys move it in that view).
    pub dx_cell: usize,
    /// A student's arrays compared with this layer's (`compare --show`), and the wrong
    /// cell shown; dropped when the layer changes.
    pub compare: Option<crate::conv::compare::Comparison>,
    /// Actions that wait for the rebuild under way (at most [`MAX_DEFERRED`]), applied
    /// in order once it is answered.
    pub deferred: std::collections::VecDeque<Action>,
    /// Every layer of the stack and which one is current (a single layer is a stack
    /// of one); the fields above describe the current layer.
    pub stack: Stack,
}

/// The most actions that wait for a rebuild; more are dropped (a key held down for
/// minutes on a slow rebuild).
pub const MAX_DEFERRED: usize = 4096;

/// A recomputation under way.
#[derive(Debug, Clone)]
pub struct Pending {
    pub generation: u64,
    /// What is computed: `stride 2`, `the gradient check`.
    pub what: String,
    /// The edited spec being built (None for a gradient check): the next edit starts
    /// from it, so that two quick presses of a key count twice.
    pub spec: Option<SceneSpec>,
}

impl SceneCache {
    pub(super) fn new(scene: &Scene) -> anyhow::Result<SceneCache> {
        let never = || false;
        SceneCache::new_until(scene, &never, true, true)?.context("never stopped")
    }

    /// As [`SceneCache::new`], giving up (None) where `stop` says so, between the
    /// forward pass, the backward pass and the ranges (a superseded rebuild). The
    /// forward pass is left to be computed when first asked for unless `with_forward`,
    /// the backward pass unless `with_backward` (each phase's frame shows none of the
    /// other's pass: the key's frame then waits for its own phase's pass alone).
    pub(super) fn new_until(
        scene: &Scene,
        stop: &dyn Fn() -> bool,
        with_forward: bool,
        with_backward: bool,
    ) -> anyhow::Result<Option<SceneCache>> {
        let layer = &scene.layer;
        layer
            .check_dout(&scene.dout)
            .context("dout does not fit the layer")?;
        let out = if with_forward {
            OnceLock::from(forward(layer).into_shared())
        } else {
            OnceLock::new()
        };
        if stop() {
            return Ok(None);
        }
        let full = if with_backward {
            OnceLock::from(layer.backward_after(&scene.dout, layer.geom.total_steps())?)
        } else {
            OnceLock::new()
        };
        if stop() {
            return Ok(None);
        }
        Ok(Some(SceneCache::with_out(scene, out, full)))
    }

    /// What a scene gives once, from its output and its full backward pass (a stack's
    /// routing layers compute them their own way).
    pub(super) fn from_parts(scene: &Scene, out: SharedArray4, full: BackwardState) -> SceneCache {
        SceneCache::with_out(scene, OnceLock::from(out), OnceLock::from(full))
    }

    fn with_out(
        scene: &Scene,
        out: OnceLock<SharedArray4>,
        full: OnceLock<BackwardState>,
    ) -> SceneCache {
        let layer = &scene.layer;
        SceneCache {
            out,
            rows_reached: layer.geom.rows_reached(),
            cols_reached: layer.geom.cols_reached(),
            full,
            x_range: OnceLock::new(),
            forward_ranges: OnceLock::new(),
            backward_ranges: OnceLock::new(),
        }
    }

    /// Takes a new backward pass over the same forward one (a stack's layer below
    /// the one edited: its input, weights and output stand, its dout is new): the
    /// gradients change, and their colour scales are computed again when drawn.
    /// (A stack's caches hold their backward pass from the start; one left to be
    /// computed is computed from the scene's new dout when first asked for.)
    pub(super) fn set_backward(&mut self, grads: Grads) {
        if let Some(full) = self.full.get_mut() {
            full.grads = grads;
        }
        self.backward_ranges = OnceLock::new();
    }

    /// A conv layer's dw and db, whose places held zeros (see [`super::stack::Rest`]):
    /// the gradients' colour scales are computed again when drawn.
    pub(super) fn set_weight_grads(&mut self, dw: Array4<f64>, db: ndarray::Array1<f64>) {
        if let Some(full) = self.full.get_mut() {
            full.grads.dw = dw;
            full.grads.db = db;
        }
        self.backward_ranges = OnceLock::new();
    }

    /// The smallest and largest finite value of x, `scene`'s (the one this cache was
    /// built from); (0, 1) when there is none.
    pub(super) fn x_range(&self, scene: &Scene) -> (f64, f64) {
        *self
            .x_range
            .get_or_init(|| min_max_finite(scene.layer.x.view()).unwrap_or((0.0, 1.0)))
    }

    /// Takes `old`'s x range where `scene` (this cache's) reads the very x of
    /// `old_scene` (`old`'s): the spec shares its x with every build of one size, so a
    /// parameter change need not scan it again (25 MB at 1024x1024).
    pub(super) fn keep_x_range(&mut self, scene: &Scene, old: &SceneCache, old_scene: &Scene) {
        let (x, was) = (&scene.layer.x, &old_scene.layer.x);
        let same = x.as_ptr() == was.as_ptr()
            && x.raw_dim() == was.raw_dim()
            && x.strides() == was.strides();
        if let Some(&range) = old.x_range.get().filter(|_| same) {
            self.x_range = OnceLock::from(range);
        }
    }

    /// The whole forward pass of `scene` (the one this cache was built from),
    /// computed when first asked for where the rebuild left it out.
    pub(super) fn out(&self, scene: &Scene) -> &SharedArray4 {
        self.out.get_or_init(|| forward(&scene.layer).into_shared())
    }

    /// The backward totals after the last step of `scene` (the one this cache was
    /// built from), computed when first asked for where the rebuild left them out.
    /// Its dout was checked against the layer when the cache was made; were it not to
    /// fit, the totals are zeros.
    pub(super) fn full(&self, scene: &Scene) -> &BackwardState {
        self.full.get_or_init(|| {
            let layer = &scene.layer;
            let total = layer.geom.total_steps();
            layer
                .backward_after(&scene.dout, total)
                .unwrap_or_else(|_| BackwardState {
                    steps_done: total,
                    grads: crate::conv::Grads::zeros(&layer.geom),
                    touches: layer.touches_after(total),
                })
        })
    }

    /// The forward pass's colour scales; `scene` is the one this cache was built from.
    pub(super) fn forward_ranges(&self, scene: &Scene) -> &ForwardRanges {
        self.forward_ranges.get_or_init(|| {
            let maps = per_map(self.out(scene).view());
            ForwardRanges {
                out_abs: maps.iter().map(|m| m.max_abs).fold(0.0, f64::max),
                out_finite: maps.iter().any(|m| m.finite),
                out_scale: maps.iter().map(|m| m.scale).collect(),
            }
        })
    }

    /// The backward pass's colour scales; `scene` is the one this cache was built
    /// from (its dout).
    pub(super) fn backward_ranges(&self, scene: &Scene) -> &BackwardRanges {
        self.backward_ranges.get_or_init(|| {
            let maps = per_map(scene.dout.view());
            let first = maps.first().and_then(|m| m.constant);
            let full = self.full(scene);
            BackwardRanges {
                dout_abs: maps.iter().map(|m| m.max_abs).fold(0.0, f64::max),
                dout_finite: maps.iter().any(|m| m.finite),
                dx_abs: crate::conv::max_abs_finite(&full.grads.dx_pad),
                dw_abs: crate::conv::max_abs_finite(&full.grads.dw),
                touches_max: full.touches.iter().copied().max().unwrap_or(0),
                dout_constant: first.filter(|&v| maps.iter().all(|m| m.constant == Some(v))),
                dout_scale: maps.iter().map(|m| m.scale).collect(),
            }
        })
    }
}

/// The smallest and largest finite values of `a` (None when there is none), its
/// chunks on every core.
fn min_max_finite(a: ndarray::ArrayView4<f64>) -> Option<(f64, f64)> {
    use rayon::prelude::*;
    const NONE: (f64, f64) = (f64::INFINITY, f64::NEG_INFINITY);
    let widen = |(lo, hi): (f64, f64), (l, h): (f64, f64)| (lo.min(l), hi.max(h));
    let of = |v: &f64| if v.is_finite() { (*v, *v) } else { NONE };
    let (lo, hi) = match a.as_slice() {
        Some(values) => values
            .par_chunks(1 << 16)
            .map(|c| c.iter().map(of).fold(NONE, widen))
            .reduce(|| NONE, widen),
        None => a.iter().map(of).fold(NONE, widen),
    };
    (lo <= hi).then_some((lo, hi))
}

/// Each map's [`MapStats`], `[n * F + f]`, the maps on every core.
fn per_map(a: ndarray::ArrayView4<f64>) -> Vec<MapStats> {
    use rayon::prelude::*;
    let (n, f, _, _) = a.dim();
    let maps: Vec<_> = (0..n * f)
        .map(|k| a.slice(ndarray::s![k / f, k % f, .., ..]))
        .collect();
    maps.par_iter()
        .map(|m| match m.as_slice() {
            Some(values) => map_stats(values),
            None => map_stats(&m.iter().copied().collect::<Vec<_>>()),
        })
        .collect()
}

impl App {
    /// The current layer's smallest and largest finite input value (computed when
    /// first asked for).
    pub fn x_range(&self) -> (f64, f64) {
        self.cache.x_range(&self.scene)
    }

    /// The current layer's forward colour scales (computed when first asked for).
    pub fn forward_ranges(&self) -> &ForwardRanges {
        self.cache.forward_ranges(&self.scene)
    }

    /// The current layer's whole forward pass (N, F, H', W'), computed when first
    /// asked for after a rebuild in the backward phase.
    pub fn out(&self) -> &SharedArray4 {
        self.cache.out(&self.scene)
    }

    /// Whether the current layer's forward pass is computed (a rebuild in the
    /// backward phase leaves it until it is first asked for).
    pub fn has_forward(&self) -> bool {
        self.cache.out.get().is_some()
    }

    /// The current layer's backward totals after its last step, computed when first
    /// asked for after a rebuild in the forward phase.
    pub fn full(&self) -> &BackwardState {
        self.cache.full(&self.scene)
    }

    /// Whether the current layer's full backward pass is computed (a rebuild in the
    /// forward phase leaves it until it is first asked for).
    pub fn has_backward(&self) -> bool {
        self.cache.full.get().is_some()
    }

    /// The current layer's backward colour scales (computed when first asked for).
    pub fn backward_ranges(&self) -> &BackwardRanges {
        self.cache.backward_ranges(&self.scene)
    }
}

impl Start {
    /// The 1-based step this start is in a layer of geometry `geom`; an error names the
    /// option out of range (--step, --filter).
    pub fn step_in(&self, geom: &Geometry) -> anyhow::Result<usize> {
        let total = geom.total_steps();
        let mut step = match self.step {
            Some(Step::Last) => total,
            Some(Step::At(s)) if s == 0 || s > total => {
                bail!("--step {s} is out of range: this layer has {total} steps (1..={total})")
            }
            Some(Step::At(s)) => s,
            None => 1,
        };
        if let Some(f) = self.filter {
            if f >= geom.f {
                bail!(
                    "--filter {f} is out of range: this layer has {} filter(s) (0..={})",
                    geom.f,
                    geom.f - 1
                );
            }
            let pos = geom.position(step).context("step within range")?;
            step = geom
                .step_of(OutPos { f, ..pos })
                .context("filter within range")?;
        }
        Ok(step)
    }
}

impl App {
    /// Builds the scene and starts at `start` (--phase, --step, --filter), in full
    /// colour ([`App::with_color`] says otherwise).
    pub fn new(spec: SceneSpec, start: impl Into<Start>) -> anyhow::Result<App> {
        if spec.layers.is_some() {
            return App::new_stack(spec, start.into());
        }
        let scene = spec.build()?;
        let cache = SceneCache::new(&scene)?;
        App::start(spec, scene, cache, Stack::single(), start.into())
    }

    /// The app on a built scene, at `state`'s phase, step, filter and view.
    pub(super) fn start(
        spec: SceneSpec,
        scene: Scene,
        cache: SceneCache,
        stack: Stack,
        state: Start,
    ) -> anyhow::Result<App> {
        let step = state.step_in(&scene.layer.geom)?;
        let fwd = scene
            .layer
            .forward_step(step)
            .context("step within range")?;
        let mut app = App {
            spec,
            scene,
            cache,
            phase: state.phase,
            step,
            fwd,
            prev_window: None,
            dx_scale: 0.0,
            bwd: None,
            selection: None,
            feeds: Vec::new(),
            check: None,
            tap: None,
            playing: false,
            tick: DEFAULT_TICK,
            message: None,
            help: false,
            help_page: 0,
            show_touches: false,
            color: ColorMode::TrueColor,
            pending: None,
            view: View::Steps,
            dx_cell: 0,
            compare: None,
            deferred: std::collections::VecDeque::new(),
            stack,
            // The run's --lang (or locale); a tour page sets its own.
            lang: crate::i18n::Lang::chosen(),
        };
        app.refresh();
        // A transposed preset is a backward pass seen as a transposed convolution.
        let view = match state.view {
            Some(view) => view,
            None if app.spec.opens_transposed => View::Transposed,
            None => View::Steps,
        };
        app.set_view(view);
        Ok(app)
    }

    /// Draws the layer in `view`; the transposed and dw views are about gradients, so
    /// they show the backward pass.
    pub fn set_view(&mut self, view: View) {
        self.view = view;
        if matches!(view, View::Transposed | View::Dw) && self.phase != Phase::Backward {
            self.phase = Phase::Backward;
            self.refresh();
        }
        if view == View::Dw && self.tap.is_none() {
            self.tap = Some((0, 0, 0));
        }
    }

    /// The dx cell the transposed view is at, (n, c, r, q).
    pub fn dx_pos(&self) -> (usize, usize, usize, usize) {
        crate::conv::transposed::cell_at(&self.layer().geom, self.dx_cell)
    }

    /// The same app drawn in `color` (the caller reads NO_COLOR, not the model).
    pub fn with_color(mut self, color: ColorMode) -> App {
        self.color = color;
        self
    }

    /// Which layer of the stack the per-layer fields describe (0-based; a single layer
    /// is a stack of one).
    pub fn layer_index(&self) -> usize {
        self.stack.current
    }

    pub fn layer(&self) -> &Layer {
        &self.scene.layer
    }

    pub fn total_steps(&self) -> usize {
        self.scene.layer.geom.total_steps()
    }

    pub fn pos(&self) -> OutPos {
        self.fwd.pos
    }

    /// Whether output cell `pos` is computed by step `self.step` or before.
    pub fn known(&self, pos: OutPos) -> bool {
        self.layer()
            .geom
            .step_of(pos)
            .is_some_and(|s| s <= self.step)
    }

    /// What a screenshot shows, for its file name: `forward-step12`, `backward-step3`.
    pub fn screenshot_label(&self) -> String {
        let phase = match self.phase {
            Phase::Forward => "forward",
            Phase::Backward => "backward",
        };
        format!("{phase}-step{}", self.step)
    }

    pub fn tick_ms(&self) -> u64 {
        TICKS_MS[self.tick.min(TICKS_MS.len() - 1)]
    }

    /// Steps one play tick moves: from one up to a whole output row.
    pub fn steps_per_tick(&self) -> usize {
        match TICK_STEPS[self.tick.min(TICK_STEPS.len() - 1)] {
            0 => self.layer().geom.w_out,
            n => n,
        }
    }

    /// The play speed in words: `one step every 150 ms`, `a row (451 steps) every 20 ms`.
    pub fn speed_label(&self) -> String {
        let (ms, steps) = (self.tick_ms(), self.steps_per_tick());
        match TICK_STEPS[self.tick.min(TICK_STEPS.len() - 1)] {
            0 => tr!(self.lang, "msg.speed_row", steps = steps, ms = ms),
            1 => tr!(self.lang, "msg.speed_one", ms = ms),
            _ => tr!(self.lang, "msg.speed_many", steps = steps, ms = ms),
        }
    }

    /// Recomputes what the view shows for the current step and phase.
    pub(super) fn refresh(&mut self) {
        let layer = &self.scene.layer;
        let step = self.step.clamp(1, layer.geom.total_steps());
        self.step = step;
        if let Some(fwd) = layer.forward_step(step) {
            self.fwd = fwd;
        }
        self.prev_window = layer
            .geom
            .position(step.wrapping_sub(1))
            .filter(|p| p.n == self.fwd.pos.n)
            .map(|p| layer.geom.window(p.i, p.j));
        let router = self.stack.kinds[self.stack.current].router();
        self.stack.route = router.and_then(|r| r.step(layer, step));
        self.bwd = match (self.phase, router) {
            (Phase::Forward, _) => None,
            (Phase::Backward, Some(router)) => {
                let dout = &self.scene.dout;
                let add = router.dx_add(layer, dout, step);
                let bwd = layer
                    .backward_step(dout, step)
                    .zip(add)
                    .map(|(mut s, add)| {
                        // What a routing window sends back: dout to one cell, or none.
                        s.dx_pad_add = add;
                        s.dw_add.fill(0.0);
                        s.db_add = 0.0;
                        s
                    });
                bwd.zip(router.cursor(layer, dout, step).ok())
            }
            (Phase::Backward, None) => {
                let dout = &self.scene.dout;
                // A jump to the last step copies the scene's full pass (kept in the
                // cache) into the cursor's arrays instead of running it again.
                let full = self.cache.full(&self.scene);
                let cursor = match self.bwd.take() {
                    Some((_, mut cursor)) => cursor
                        .seek_with_full(layer, dout, step, full)
                        .map(|()| cursor),
                    None => (step == layer.geom.total_steps())
                        .then(|| BackwardCursor::from_full(layer, full))
                        .flatten()
                        .map_or_else(|| BackwardCursor::new(layer, dout, step), Ok),
                };
                layer.backward_step(dout, step).zip(cursor.ok())
            }
        };
        let n = self.fwd.pos.n;
        let total = layer.geom.total_steps();
        self.dx_scale = self.bwd.as_ref().map_or(0.0, |(_, after)| {
            if after.steps_done == total && layer.geom.n == 1 {
                // The whole pass of the only image: its scale is the cache's.
                return self.backward_ranges().dx_abs;
            }
            crate::conv::max_abs_finite(&after.grads.dx_pad.index_axis(ndarray::Axis(0), n))
        });
        self.refresh_selection();
        self.refresh_field();
    }

    pub(super) fn refresh_selection(&mut self) {
        let g = self.scene.layer.geom;
        self.selection = self.selection.filter(|&(r, c)| r < g.hp() && c < g.wp());
        self.feeds = match self.selection {
            Some((r, c)) => g.outputs_reading(r, c),
            None => Vec::new(),
        };
    }

    /// Takes the scene built from an edited spec, keeping the output position where it
    /// still exists; on an error (the innermost cause) keeps the previous state,
    /// reports it and returns false.
    pub(super) fn apply_built(
        &mut self,
        spec: SceneSpec,
        what: &str,
        built: Result<Box<(Scene, SceneCache)>, String>,
    ) -> bool {
        match built.map(|b| *b) {
            Ok((scene, mut cache)) => {
                let old = self.pos();
                let g = scene.layer.geom;
                let pos = OutPos {
                    n: old.n.min(g.n - 1),
                    f: old.f.min(g.f - 1),
                    i: old.i.min(g.h_out - 1),
                    j: old.j.min(g.w_out - 1),
                };
                self.step = g.step_of(pos).unwrap_or(1);
                // The totals belong to the old layer.
                self.bwd = None;
                self.spec = spec;
                cache.keep_x_range(&scene, &self.cache, &self.scene);
                self.scene = scene;
                self.cache = cache;
                self.check = None;
                // The student's arrays belong to the old layer.
                self.compare = None;
                self.tap = self
                    .tap
                    .filter(|&(c, m, k)| c < g.c && m < g.hh && k < g.ww);
                self.dx_cell = self.dx_cell.min(crate::conv::transposed::cells(&g) - 1);
                self.refresh();
                let size = format!("{}x{}", g.h_out, g.w_out);
                self.info(tr!(self.lang, "msg.rebuilt", what = what, size = size));
                true
            }
            Err(err) => {
                let err = self.lang.error(&err);
                self.error(tr!(self.lang, "msg.refused", what = what, err = err));
                false
            }
        }
    }

    pub(super) fn info(&mut self, text: impl Into<String>) {
        self.message = Some(Message {
            text: text.into(),
            error: false,
        });
    }

    pub(super) fn error(&mut self, text: impl Into<String>) {
        self.message = Some(Message {
            text: text.into(),
            error: true,
        });
    }
}

#[cfg(test)]
mod scale_tests {
    use super::robust_abs;

    /// The nearest-rank 99th percentile of the finite |values| by sorting them.
    fn by_sorting(values: &[f64]) -> f64 {
        let mut abs: Vec<f64> = values
            .iter()
            .filter(|v| v.is_finite())
            .map(|v| v.abs())
            .collect();
        if abs.is_empty() {
            return 0.0;
        }
        abs.sort_by(f64::total_cmp);
        let rank = ((abs.len() as f64 * 0.99).ceil() as usize).clamp(1, abs.len());
        if abs[rank - 1] > 0.0 {
            abs[rank - 1]
        } else {
            abs[abs.len() - 1]
        }
    }

    #[test]
    fn the_scale_is_the_99th_percentile_of_the_finite_magnitudes() {
        // 300 values of both signs, some repeated, some tiny, with NaN and infinities.
        let mut values: Vec<f64> = (0..300)
            .map(|i| ((i * 37 % 101) as f64 - 50.0) * 10f64.powi(i % 7 - 3))
            .collect();
        values.extend([f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -0.0, 5e-324]);
        assert_eq!(robust_abs(values.iter().copied()), by_sorting(&values));
        // Hand-worked: of 1..=200 (and their negatives' magnitudes) the 198th of 200.
        let ramp: Vec<f64> = (1..=200)
            .map(|i| if i % 2 == 0 { -(i as f64) } else { i as f64 })
            .collect();
        assert_eq!(robust_abs(ramp.iter().copied()), 198.0);
        // Mostly zeros: the percentile is 0, so the largest magnitude.
        let mut zeros = vec![0.0; 500];
        zeros[7] = -3.5;
        assert_eq!(robust_abs(zeros.iter().copied()), 3.5);
        assert_eq!(robust_abs([f64::NAN].into_iter()), 0.0);
        assert_eq!(robust_abs(std::iter::empty()), 0.0);
    }

    /// A map of `n` values from a seeded generator (a heavy tail: a few large ones).
    fn map(n: usize, seed: u64) -> Vec<f64> {
        let mut state = seed;
        (0..n)
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let u = (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
                u / (1.0 - 1.9 * u.abs())
            })
            .collect()
    }

    #[test]
    fn the_stats_of_a_map_are_those_of_its_values() {
        use super::map_stats;
        let n = 135_300;
        let mut cases: Vec<(&str, Vec<f64>)> = vec![
            ("heavy tail", map(n, 7)),
            ("small map", map(5000, 8)),
            ("sorted", {
                let mut v = map(n, 9);
                v.sort_by(f64::total_cmp);
                v
            }),
            ("mostly zeros", {
                let mut v = vec![0.0; n];
                for i in (0..n).step_by(997) {
                    v[i] = -(i as f64);
                }
                v
            }),
            ("all zeros", vec![0.0; n]),
            // The sample's threshold is 0 but more than 1% of the values are not.
            ("two percent not zero", {
                let mut v = vec![-0.0; n];
                for i in (0..n).step_by(50) {
                    v[i] = (i % 977) as f64 - 488.0;
                }
                v
            }),
            ("one value", vec![-2.5; n]),
            ("not finite", {
                let mut v = map(n, 10);
                for i in (0..n).step_by(5) {
                    v[i] = [f64::NAN, f64::INFINITY, f64::NEG_INFINITY][i % 3];
                }
                v
            }),
            ("no finite value", vec![f64::NAN; n]),
            // Large values exactly where the sample looks: the threshold is too high
            // and the selection falls back to all the values.
            ("a misleading sample", {
                let n = 1_000_000;
                let step = n / 2048;
                (0..n)
                    .map(|i| {
                        if i % step == 0 {
                            1e9
                        } else {
                            (i % 1000) as f64
                        }
                    })
                    .collect()
            }),
        ];
        cases.push(("ties at the threshold", {
            (0..n).map(|i| ((i * 7919) % 50) as f64).collect()
        }));
        for (what, values) in cases {
            let stats = map_stats(&values);
            assert_eq!(
                stats.scale.to_bits(),
                by_sorting(&values).to_bits(),
                "{what}"
            );
            // The same pass's largest magnitude, finiteness and constancy, against
            // the plain definitions.
            let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
            let largest = finite.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
            assert_eq!(stats.max_abs.to_bits(), largest.to_bits(), "{what}");
            assert_eq!(stats.finite, !finite.is_empty(), "{what}");
            let first = values[0];
            let constant = Some(first).filter(|v| v.is_finite() && values.iter().all(|x| x == v));
            assert_eq!(stats.constant, constant, "{what}");
        }
    }
}

#[cfg(test)]
mod scan_tests {
    use super::*;

    /// The AVX2 scan gives the portable one's counts, largest, differences and kept
    /// values (as a set: the order of `kept` is not used), on values with NaN, the
    /// infinities, both zeros and values equal to the threshold, of every length mod 8.
    #[test]
    fn the_vector_scan_is_the_portable_one() {
        #[cfg(target_arch = "x86_64")]
        {
            if !std::arch::is_x86_feature_detected!("avx2") {
                return;
            }
            let specials = [
                f64::NAN,
                f64::INFINITY,
                f64::NEG_INFINITY,
                0.0,
                -0.0,
                0.5,
                -0.5,
            ];
            for len in [0, 1, 3, 4, 7, 8, 9, 15, 16, 17, 31, 1000, 3000] {
                let values: Vec<f64> = (0..len)
                    .map(|k| match k % 11 {
                        0..=6 => specials[k % 7],
                        _ => ((k as f64) * 0.37).sin(),
                    })
                    .collect();
                for head in [0.5, f64::NAN, -0.0] {
                    for (t, at_too) in [(0.5, true), (0.5, false), (0.0, false), (0.9, true)] {
                        let sorted = |mut v: Vec<f64>| {
                            v.sort_by(f64::total_cmp);
                            v.into_iter().map(f64::to_bits).collect::<Vec<_>>()
                        };
                        let want = scan_body(&values, head, t, at_too);
                        // SAFETY: the CPU has AVX2, checked above.
                        let mut paths =
                            vec![("avx2", unsafe { scan_avx2(&values, head, t, at_too) })];
                        if std::arch::is_x86_feature_detected!("avx512f") {
                            // SAFETY: the CPU has AVX-512F, checked just above.
                            paths
                                .push(("avx512", unsafe { scan_avx512(&values, head, t, at_too) }));
                        }
                        for (path, got) in paths {
                            let case = format!("{path}: len {len} head {head} t {t} {at_too}");
                            assert_eq!(got.finite, want.finite, "{case}");
                            assert_eq!(got.max_abs.to_bits(), want.max_abs.to_bits(), "{case}");
                            assert_eq!(got.differ, want.differ, "{case}");
                            assert_eq!(sorted(got.kept), sorted(want.kept.clone()), "{case}");
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod lazy_forward_tests {
    use crate::app::{Action, App, Effect, Phase, Start};
    use crate::input::{InputOptions, SceneSpec};

    /// The app on the CS231n demo, in `phase`, after a stride change answered.
    fn changed_in(phase: Phase) -> App {
        let spec = SceneSpec::from_options(&InputOptions {
            preset: Some("cs231n-demo".into()),
            ..Default::default()
        })
        .expect("preset loads");
        let mut app = App::new(spec, Start::default()).expect("the demo builds");
        if phase == Phase::Backward {
            app.apply(Action::Backward);
        }
        assert_eq!(app.phase, phase);
        let before = app.layer().geom;
        let Some(Effect::Compute(job)) = app.update(Action::StrideUp) else {
            panic!("a stride change asks for a rebuild");
        };
        app.update(Action::Computed(Box::new(job.run())));
        assert_ne!(app.layer().geom, before, "rebuilt");
        app
    }

    /// A rebuild in the backward phase answers without the forward pass, which its
    /// frame does not show, and gives the forward pass of the new layer when asked;
    /// in the forward phase the answer holds it.
    #[test]
    fn the_backward_phase_s_rebuild_leaves_the_forward_pass_until_asked() {
        let app = changed_in(Phase::Backward);
        assert!(!app.has_forward(), "computed before the answer");
        let want = crate::conv::forward(&app.scene.layer);
        assert_eq!(app.out(), want);
        assert!(app.has_forward());
        assert_eq!(app.forward_ranges().out_scale.len(), want.dim().1);

        let app = changed_in(Phase::Forward);
        assert!(app.has_forward());
        assert_eq!(app.cache.out.get(), Some(&want.into_shared()));
    }

    /// A parameter change reads the very x it read before, and keeps its range
    /// (which is that x's); a new x is scanned again.
    #[test]
    fn a_rebuild_on_the_same_x_keeps_its_range() {
        let mut app = changed_in(Phase::Forward);
        assert!(
            app.cache.x_range.get().is_none(),
            "a new cache has none yet"
        );
        let range = Some(app.x_range());
        let Some(Effect::Compute(job)) = app.update(Action::StrideDown) else {
            panic!("a stride change asks for a rebuild");
        };
        app.update(Action::Computed(Box::new(job.run())));
        assert_eq!(app.cache.x_range.get().copied(), range);
        let x = &app.scene.layer.x;
        let lo = x.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        assert_eq!(range, Some((lo, hi)));
    }
}
