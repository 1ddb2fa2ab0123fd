//! A student's usual slips in `conv_forward_naive` and `conv_backward_naive`, each a
//! named variant of the naive loops (`naive.rs`): what the loop gives with that one
//! line written wrong. `convstep compare` runs every variant on the student's layer and
//! names those that reproduce the student's array. Pure: no files, no screen.

use crate::conv::{Array4In, Numbers};
use ndarray::{Array1, Array4, ArrayD, Axis, IxDyn, s};

use super::Layer;

/// The four arrays a student's loops give, by CS231n's names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Grad {
    Out,
    Dx,
    Dw,
    Db,
}

impl Grad {
    pub const ALL: [Grad; 4] = [Grad::Out, Grad::Dx, Grad::Dw, Grad::Db];

    /// CS231n's name: out, dx, dw, db.
    pub fn name(self) -> &'static str {
        match self {
            Grad::Out => "out",
            Grad::Dx => "dx",
            Grad::Dw => "dw",
            Grad::Db => "db",
        }
    }
}

/// One slip: a line of the naive loops written wrong. The ids (`Slip::id`) are part of
/// `compare`'s interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Slip {
    /// out: a true convolution, w rotated by 180 degrees.
    OutFlippedKernel,
    /// out: each w[f, c] transposed (square kernels only; numpy refuses the others).
    OutTransposedKernel,
    /// out: b never added.
    OutNoBias,
    /// out: b added once per input channel.
    OutBiasPerChannel,
    /// out: windows at (i, j), not (i*stride, j*stride).
    OutNoStride,
    /// out: the output size rounded up.
    OutSizeCeil,
    /// out: the output size without the + 1.
    OutSizeOffByOne,
    /// dx: `dx_pad[...] = dout*w[f]`, the last window in n, f, i, j order wins.
    DxAssign,
    /// dx: built from w rotated by 180 degrees.
    DxFlippedKernel,
    /// dx: windows at (i, j) in the backward loop.
    DxNoStride,
    /// dx: dx_pad returned whole.
    DxNotCropped,
    /// dx: `dx_pad[:, :, pad:-pad, pad:-pad]`, empty at pad 0.
    DxEmptyCrop,
    /// dw: `dw[f] = dout*window`, the last window wins.
    DwAssign,
    /// dw: windows at (i, j) in the backward loop.
    DwNoStride,
    /// dw: divided by N.
    DwMeanOverN,
    /// db: dout averaged instead of summed.
    DbMeanNotSum,
    /// db: dout summed over other axes than (0, 2, 3).
    DbWrongAxes,
}

impl Slip {
    pub const ALL: [Slip; 17] = [
        Slip::OutFlippedKernel,
        Slip::OutTransposedKernel,
        Slip::OutNoBias,
        Slip::OutBiasPerChannel,
        Slip::OutNoStride,
        Slip::OutSizeCeil,
        Slip::OutSizeOffByOne,
        Slip::DxAssign,
        Slip::DxFlippedKernel,
        Slip::DxNoStride,
        Slip::DxNotCropped,
        Slip::DxEmptyCrop,
        Slip::DwAssign,
        Slip::DwNoStride,
        Slip::DwMeanOverN,
        Slip::DbMeanNotSum,
        Slip::DbWrongAxes,
    ];

    /// The array this slip makes wrong.
    pub fn grad(self) -> Grad {
        use Slip::*;
        match self {
            OutFlippedKernel | OutTransposedKernel | OutNoBias | OutBiasPerChannel
            | OutNoStride | OutSizeCeil | OutSizeOffByOne => Grad::Out,
            DxAssign | DxFlippedKernel | DxNoStride | DxNotCropped | DxEmptyCrop => Grad::Dx,
            DwAssign | DwNoStride | DwMeanOverN => Grad::Dw,
            DbMeanNotSum | DbWrongAxes => Grad::Db,
        }
    }

    /// The slip's id (unique within its array).
    pub fn id(self) -> &'static str {
        use Slip::*;
        match self {
            OutFlippedKernel | DxFlippedKernel => "flipped-kernel",
            OutTransposedKernel => "transposed-kernel",
            OutNoBias => "no-bias",
            OutBiasPerChannel => "bias-per-channel",
            OutNoStride | DxNoStride | DwNoStride => "no-stride",
            OutSizeCeil => "size-ceil",
            OutSizeOffByOne => "size-off-by-one",
            DxAssign | DwAssign => "assign-not-accumulate",
            DxNotCropped => "not-cropped",
            DxEmptyCrop => "empty-crop",
            DwMeanOverN => "mean-over-n",
            DbMeanNotSum => "mean-not-sum",
            DbWrongAxes => "wrong-axes",
        }
    }

    /// The slip of `grad` called `id`.
    pub fn find(grad: Grad, id: &str) -> Option<Slip> {
        Slip::ALL
            .into_iter()
            .find(|s| s.grad() == grad && s.id() == id)
    }

    /// The slips of one array.
    pub fn of(grad: Grad) -> impl Iterator<Item = Slip> {
        Slip::ALL.into_iter().filter(move |s| s.grad() == grad)
    }

    /// Whether the slip shows in the array's shape only (its values are not compared).
    pub fn shape_only(self) -> bool {
        use Slip::*;
        matches!(
            self,
            OutSizeCeil | OutSizeOffByOne | DxNotCropped | DxEmptyCrop | DbWrongAxes
        )
    }

    /// The line of the naive loops (as CS231n writes it, right) the slip concerns.
    pub fn line(self) -> &'static str {
        use Slip::*;
        match self {
            OutFlippedKernel | OutTransposedKernel | OutNoBias | OutBiasPerChannel => {
                "out[n, f, i, j] = np.sum(window * w[f]) + b[f]"
            }
            OutNoStride | DwNoStride => {
                "window = x_pad[n, :, i*stride:i*stride+HH, j*stride:j*stride+WW]"
            }
            OutSizeCeil | OutSizeOffByOne => "H_out = 1 + (H + 2*pad - HH) // stride",
            DxAssign | DxFlippedKernel | DxNoStride => {
                "dx_pad[n, :, i*stride:i*stride+HH, j*stride:j*stride+WW] += dout[n, f, i, j] * w[f]"
            }
            DxNotCropped | DxEmptyCrop => "dx = dx_pad[:, :, pad:pad+H, pad:pad+W]",
            DwAssign | DwMeanOverN => "dw[f] += dout[n, f, i, j] * window",
            DbMeanNotSum | DbWrongAxes => "db = np.sum(dout, axis=(0, 2, 3))",
        }
    }

    /// Whether two forward slips can be made together (the pairs `compare` tries):
    /// two sizes, or no bias with a bias per channel, exclude each other.
    pub fn pairs_with(self, other: Slip) -> bool {
        use Slip::*;
        let exclusive = |a: Slip, b: Slip| {
            matches!(
                (a, b),
                (OutNoBias, OutBiasPerChannel) | (OutSizeCeil, OutSizeOffByOne)
            )
        };
        self != other
            && self.grad() == Grad::Out
            && other.grad() == Grad::Out
            && !self.shape_only()
            && !other.shape_only()
            && !exclusive(self, other)
            && !exclusive(other, self)
    }
}

/// w[f, c] rotated by 180 degrees, or transposed (square kernels only).
fn turned(w: &Array4<f64>, flip: bool, transpose: bool) -> Option<Array4<f64>> {
    let (f, c, hh, ww) = w.dim();
    if transpose && hh != ww {
        return None;
    }
    let mut w = w.clone();
    if transpose {
        w.swap_axes(2, 3);
        w = w.as_standard_layout().to_owned();
    }
    if flip {
        w = w.slice(s![.., .., ..;-1, ..;-1]).to_owned();
    }
    debug_assert_eq!(w.dim().0 * w.dim().1, f * c);
    Some(w)
}

/// `conv_forward_naive` with the forward `slips` made (none, one or two): None when
/// the slips cannot be made on this layer (a transposed kernel that is not square).
/// With a size rounded up, a window that runs off x_pad reads nothing there, as
/// numpy's slice is cut short.
pub fn forward_with(layer: &Layer, slips: &[Slip]) -> Option<ArrayD<f64>> {
    let has = |s: Slip| slips.contains(&s);
    let g = &layer.geom;
    let d = g.dilation;
    let size = |len: usize, k: usize| {
        let span = len + 2 * g.pad - (d * (k - 1) + 1);
        if has(Slip::OutSizeCeil) {
            span.div_ceil(g.stride) + 1
        } else if has(Slip::OutSizeOffByOne) {
            span / g.stride
        } else {
            span / g.stride + 1
        }
    };
    let (h_out, w_out) = (size(g.h, g.hh), size(g.w, g.ww));
    let stride = if has(Slip::OutNoStride) { 1 } else { g.stride };
    let w = turned(
        &layer.w,
        has(Slip::OutFlippedKernel),
        has(Slip::OutTransposedKernel),
    )?;
    let b = &layer.b;
    let x_pad = layer.x_pad();
    let mut out = Array4::zeros((g.n, g.f, h_out, w_out));
    for n in 0..g.n {
        for f in 0..g.f {
            for i in 0..h_out {
                for j in 0..w_out {
                    let mut total = 0.0;
                    for c in 0..g.c {
                        // window[c] * w[f, c], one channel at a time.
                        let mut part = 0.0;
                        for m in 0..g.hh {
                            for k in 0..g.ww {
                                let at = (n, c, i * stride + m * d, j * stride + k * d);
                                part += x_pad.get(at).copied().unwrap_or(0.0) * w[[f, c, m, k]];
                            }
                        }
                        total += part;
                        if has(Slip::OutBiasPerChannel) {
                            total += b[f];
                        }
                    }
                    if !has(Slip::OutNoBias) && !has(Slip::OutBiasPerChannel) {
                        total += b[f];
                    }
                    out[[n, f, i, j]] = total;
                }
            }
        }
    }
    Some(out.into_dyn())
}

/// What `conv_backward_naive` gives with one backward slip made: dx, dw and db (the
/// slip makes one of them wrong; the others are right).
fn backward_with(layer: &Layer, dout: &Array4In<impl Numbers>, slip: Slip) -> [ArrayD<f64>; 3] {
    let g = &layer.geom;
    let d = g.dilation;
    let (reach_h, reach_w) = (d * (g.hh - 1) + 1, d * (g.ww - 1) + 1);
    let stride_dx = if slip == Slip::DxNoStride {
        1
    } else {
        g.stride
    };
    let stride_dw = if slip == Slip::DwNoStride {
        1
    } else {
        g.stride
    };
    let w_dx =
        turned(&layer.w, slip == Slip::DxFlippedKernel, false).unwrap_or_else(|| layer.w.clone());
    let x_pad = layer.x_pad();
    let mut dx_pad = Array4::<f64>::zeros(x_pad.dim());
    let mut dw = Array4::<f64>::zeros(layer.w.dim());
    let mut db = Array1::<f64>::zeros(g.f);
    for n in 0..g.n {
        for f in 0..g.f {
            for i in 0..g.h_out {
                for j in 0..g.w_out {
                    let grad = dout[[n, f, i, j]];
                    db[f] += grad;
                    let (r, c) = (i * stride_dw, j * stride_dw);
                    let window = x_pad.slice(s![n, .., r..r + reach_h;d, c..c + reach_w;d]);
                    let mut dw_f = dw.index_axis_mut(Axis(0), f);
                    if slip == Slip::DwAssign {
                        dw_f.assign(&(&window * grad));
                    } else {
                        dw_f.scaled_add(grad, &window);
                    }
                    let (r, c) = (i * stride_dx, j * stride_dx);
                    let mut target =
                        dx_pad.slice_mut(s![n, .., r..r + reach_h;d, c..c + reach_w;d]);
                    let term = &w_dx.index_axis(Axis(0), f) * grad;
                    if slip == Slip::DxAssign {
                        target.assign(&term);
                    } else {
                        target += &term;
                    }
                }
            }
        }
    }
    let p = g.pad;
    let dx = match slip {
        Slip::DxNotCropped => dx_pad.clone(),
        // pad:-pad with pad 0 is 0:0: nothing.
        Slip::DxEmptyCrop if p == 0 => Array4::zeros((g.n, g.c, 0, 0)),
        _ => dx_pad.slice(s![.., .., p..p + g.h, p..p + g.w]).to_owned(),
    };
    if slip == Slip::DwMeanOverN {
        dw /= g.n as f64;
    }
    if slip == Slip::DbMeanNotSum {
        db /= (g.n * g.h_out * g.w_out) as f64;
    }
    [dx.into_dyn(), dw.into_dyn(), db.into_dyn()]
}

/// dout summed over every set of axes but the right one (0, 2, 3): what `wrong-axes`
/// may give.
fn wrong_axes(dout: &Array4In<impl Numbers>) -> Vec<ArrayD<f64>> {
    (0u32..16)
        .filter(|&mask| mask != 0b1101)
        .map(|mask| {
            let mut a = dout.to_owned().into_dyn();
            for axis in (0..4).rev() {
                if mask & (1 << axis) != 0 {
                    a = a.sum_axis(Axis(axis));
                }
            }
            a
        })
        .collect()
}

/// What the loops give on this layer with `slip` made: usually one array, none when it
/// cannot be made here, several for `wrong-axes`.
pub fn results(layer: &Layer, dout: &Array4In<impl Numbers>, slip: Slip) -> Vec<ArrayD<f64>> {
    match slip.grad() {
        Grad::Out => forward_with(layer, &[slip]).into_iter().collect(),
        _ if slip == Slip::DbWrongAxes => wrong_axes(dout),
        grad => {
            let [dx, dw, db] = backward_with(layer, dout, slip);
            vec![match grad {
                Grad::Dx => dx,
                Grad::Dw => dw,
                _ => db,
            }]
        }
    }
}

/// CS231n's rel_error of two arrays of one shape: the largest |a - b| / max(1e-8,
/// |a| + |b|). A cell where either is NaN or infinite counts 1 (as far apart as two
/// finite numbers can be), so the answer is always a number in [0, 1].
pub fn rel_error(a: &ArrayD<f64>, b: &ArrayD<f64>) -> f64 {
    a.iter()
        .zip(b)
        .map(|(a, b)| {
            let e = (a - b).abs() / f64::max(1e-8, a.abs() + b.abs());
            if e.is_finite() { e } else { 1.0 }
        })
        .fold(0.0, f64::max)
}

/// Two arrays are the same answer: one shape, rel_error at most `tol`.
fn same(a: &ArrayD<f64>, b: &ArrayD<f64>, tol: f64) -> bool {
    a.shape() == b.shape() && rel_error(a, b) <= tol
}

/// The rel_error under which two arrays are one answer (`compare`'s match).
pub const MATCH: f64 = 1e-7;
/// The rel_error under which a slip's array reproduces the student's.
pub const REPRODUCES: f64 = 1e-6;

/// Whether `candidate` (a slip's array) reproduces `yours`: by shape for a slip that
/// changes the shape, else by value.
fn reproduces(candidate: &ArrayD<f64>, yours: &ArrayD<f64>, right: &ArrayD<f64>) -> bool {
    if candidate.shape() != right.shape() {
        candidate.shape() == yours.shape()
    } else {
        same(candidate, yours, REPRODUCES)
    }
}

/// Which slips make `grad` come out as `yours` on this layer: each a list of one slip,
/// or of two forward slips made together (tried only when neither alone does). A slip
/// that changes nothing on this layer (a flipped symmetric kernel) is never named, nor
/// is any when `yours` is right.
pub fn find(
    layer: &Layer,
    dout: &Array4In<impl Numbers>,
    grad: Grad,
    yours: &ArrayD<f64>,
    right: &ArrayD<f64>,
) -> Vec<Vec<Slip>> {
    if same(yours, right, MATCH) {
        return Vec::new();
    }
    let changes = |a: &ArrayD<f64>| !same(a, right, MATCH);
    let mut found: Vec<Vec<Slip>> = Slip::of(grad)
        .filter(|&slip| {
            results(layer, dout, slip)
                .iter()
                .any(|a| changes(a) && reproduces(a, yours, right))
        })
        .map(|slip| vec![slip])
        .collect();
    if grad != Grad::Out || !found.is_empty() {
        return found;
    }
    let singles: Vec<(Slip, Option<ArrayD<f64>>)> = Slip::of(Grad::Out)
        .map(|s| (s, forward_with(layer, &[s])))
        .collect();
    for (k, (a, out_a)) in singles.iter().enumerate() {
        for (b, out_b) in &singles[k + 1..] {
            if !a.pairs_with(*b) {
                continue;
            }
            let (Some(out_a), Some(out_b)) = (out_a, out_b) else {
                continue;
            };
            let Some(both) = forward_with(layer, &[*a, *b]) else {
                continue;
            };
            // Both slips must matter: the pair differs from each alone.
            let matters =
                changes(&both) && !same(&both, out_a, MATCH) && !same(&both, out_b, MATCH);
            if matters && reproduces(&both, yours, right) {
                found.push(vec![*a, *b]);
            }
        }
    }
    found
}

/// Whether `slip` changes its array on this layer (the challenge layer's promise).
pub fn changes_result(
    layer: &Layer,
    dout: &Array4In<impl Numbers>,
    slip: Slip,
    right: &ArrayD<f64>,
) -> bool {
    results(layer, dout, slip)
        .iter()
        .any(|a| !same(a, right, MATCH))
}

/// The shape-less index helper: `ArrayD` index from a slice.
pub fn at(a: &ArrayD<f64>, index: &[usize]) -> Option<f64> {
    a.get(IxDyn(index)).copied()
}

/// A small layer on which every slip but `empty-crop` (which needs pad 0) changes its
/// array, where the course's own check lets several pass: two samples, two channels,
/// two filters, a 5x8 input (not square), pad 1, stride 2 (which does not divide the
/// 8 + 2 - 3 columns a window can move, so rounding the size up shows), 3x3 windows that
/// overlap, an asymmetric kernel and a bias that is not zero. Numbers with two decimals, so they read well.
pub fn challenge() -> (Layer, Array4<f64>) {
    let two = |a: Array4<f64>| a.mapv(|v| (v * 100.0).round() / 100.0);
    let params = super::ConvParams {
        stride: 2,
        pad: 1,
        dilation: 1,
    };
    let x = two(super::noise((2, 2, 5, 8), 231));
    let w = two(super::noise((2, 2, 3, 3), 232));
    let b = ndarray::array![0.5, -0.25];
    // The shapes are fixed above and agree, so the layer is always valid.
    let layer = Layer::new(x, w, b, params).unwrap_or_else(|e| unreachable!("{e}"));
    let dout = two(super::noise(layer.geom.out_dim(), 233));
    (layer, dout)
}

#[cfg(test)]
mod tests;
