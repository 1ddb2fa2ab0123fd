//! The whole-array backward pass by direct convolution: dx_pad row by row (a
//! correlation of zero-padded dout rows with the flipped kernel, every channel at
//! once; for stride s > 1 one per column phase of the row), dw as dot products of
//! dout rows with rows of x_pad (for stride 1 four filters and three kernel columns per
//! load, over column tiles that stay in cache), db as sums of dout rows. Bands of rows in
//! parallel, each writing only its own cells; no im2col matrix. For stride 1 a band's
//! dw and db part is taken from the dout rows its dx_pad rows copied, so dout is read
//! once.

use crate::conv::{Array4In, Numbers};
use std::mem::MaybeUninit;

use ndarray::{Array1, Array4};
use rayon::prelude::*;

use super::forward::{BAND, band_reach, padded_rows_into};
use super::kernels::{correlate, dot_group, dots, row_sum};
use super::memory::written_in_bands;
use super::{ConvError, Geometry, Layer};

/// The gradients of the loss with respect to x, w and b, in their shapes; dx_pad is dx
/// before the padding ring is cropped away.
#[derive(Debug, Clone, PartialEq)]
pub struct Grads {
    pub dx_pad: Array4<f64>,
    pub dx: Array4<f64>,
    pub dw: Array4<f64>,
    pub db: Array1<f64>,
}

impl Grads {
    /// All zeros, in the shapes of a layer of geometry `g`.
    pub fn zeros(g: &super::Geometry) -> Grads {
        Grads {
            dx_pad: super::memory::zeros((g.n, g.c, g.hp(), g.wp())),
            dx: super::memory::zeros((g.n, g.c, g.h, g.w)),
            dw: Array4::zeros((g.f, g.c, g.hh, g.ww)),
            db: Array1::zeros(g.f),
        }
    }
}

/// dx, dw, db given dout (N, F, H', W'). For stride 1 in one pass over dout (see
/// [`backward_stride1`]); the numbers are those of [`backward_dx`] and
/// [`weight_grads`], bit for bit, either way.
pub fn backward(layer: &Layer, dout: &Array4In<impl Numbers>) -> Result<Grads, ConvError> {
    if layer.geom.stride == 1 {
        layer.check_dout(dout)?;
        let dout = dout.as_standard_layout();
        let w = layer.w.as_standard_layout();
        let ds = dout.as_slice().expect("standard layout");
        let (dx_pad, dw, db) = backward_stride1(layer, ds, w.as_slice().expect("standard layout"));
        let g = layer.geom;
        let dx = crop(&dx_pad, g.pad, g.h, g.w);
        return Ok(Grads { dx_pad, dx, dw, db });
    }
    let (dx_pad, dx) = dx_of(layer, dout)?;
    let (dw, db) = weight_grads(layer, dout)?;
    Ok(Grads { dx_pad, dx, dw, db })
}

/// For stride 1, dx_pad, dw and db with one read of dout: band b of dx_pad's rows
/// reads dout rows up to b's last, padded in cache (see [`PaddedDout`]), and
/// those are the rows dw's band b reads, so each task gives its band's dw and db part
/// from that copy while it is in cache (the second read of 8 MB per filter of a
/// 1024x1024 dout came from memory). The parts are added in band order, as in
/// [`dw_db`].
fn backward_stride1(
    layer: &Layer,
    ds: &[f64],
    ws: &[f64],
) -> (Array4<f64>, Array4<f64>, Array1<f64>) {
    let g = &layer.geom;
    let (hp, wp) = (g.hp(), g.wp());
    let taps = g.c * g.hh * g.ww;
    let build = |(dout, xs): &mut (PaddedDout, Vec<f64>),
                 n: usize,
                 band: usize,
                 planes: &mut [&mut [MaybeUninit<f64>]]| {
        dx_band_stride1(g, ds, ws, dout, n, band, planes);
        // dw's band b: dout rows first..first + BAND, where there are such rows.
        let first = band * BAND;
        let rows = (first + BAND).min(g.h_out).checked_sub(first)?;
        let (top, count) = band_reach(layer, band, rows);
        padded_rows_into(layer, n, top, count, xs);
        let mut part = vec![0.0; g.f * taps + g.f];
        let drow = |f: usize, i: usize| dout.row(f, i);
        dw_band_stride1(g, &drow, xs, first, rows, count, &mut part);
        Some(part)
    };
    let init = || (PaddedDout::default(), Vec::new());
    // SAFETY: `dx_rows_stride1` writes every row of its band's planes whole.
    let (dx_pad, parts) = unsafe { written_in_bands((g.n, g.c, hp, wp), BAND, init, build) };
    let (dw, db) = summed(g, parts.iter().flatten());
    (dx_pad, dw, db)
}

/// dw (F, C, HH, WW) and db (F,) from the bands' parts, added in band order.
fn summed<'a>(
    g: &Geometry,
    parts: impl Iterator<Item = &'a Vec<f64>>,
) -> (Array4<f64>, Array1<f64>) {
    let taps = g.c * g.hh * g.ww;
    let mut total = vec![0.0; g.f * taps + g.f];
    for part in parts {
        for (t, p) in total.iter_mut().zip(part) {
            *t += p;
        }
    }
    let db = Array1::from(total.split_off(g.f * taps));
    let dw = Array4::from_shape_vec((g.f, g.c, g.hh, g.ww), total).expect("F*C*HH*WW numbers");
    (dw, db)
}

/// dx (and dx_pad) given dout, dw and db left at zero: what the layer below needs
/// of a layer's backward pass; [`weight_grads`] gives the rest.
pub fn backward_dx(layer: &Layer, dout: &Array4In<impl Numbers>) -> Result<Grads, ConvError> {
    let (dx_pad, dx) = dx_of(layer, dout)?;
    Ok(Grads {
        dx_pad,
        dx,
        dw: Array4::zeros(layer.w.dim()),
        db: Array1::zeros(layer.geom.f),
    })
}

/// dx_pad and dx given dout.
fn dx_of(
    layer: &Layer,
    dout: &Array4In<impl Numbers>,
) -> Result<(Array4<f64>, Array4<f64>), ConvError> {
    layer.check_dout(dout)?;
    let g = layer.geom;
    let dout = dout.as_standard_layout();
    let w = layer.w.as_standard_layout();
    let ws = w.as_slice().expect("standard layout");
    let dx_pad = dx_pad_of(&g, dout.as_slice().expect("standard layout"), ws);
    let dx = crop(&dx_pad, g.pad, g.h, g.w);
    Ok((dx_pad, dx))
}

/// dw and db given dout, as [`backward`] gives them.
pub fn weight_grads(
    layer: &Layer,
    dout: &Array4In<impl Numbers>,
) -> Result<(Array4<f64>, Array1<f64>), ConvError> {
    layer.check_dout(dout)?;
    let dout = dout.as_standard_layout();
    Ok(dw_db(layer, dout.as_slice().expect("standard layout")))
}

/// dx_pad[n,c,r,q] = sum over f, m, k with r = i*s + m*d and q = j*s + k*d of
/// w[f,c,m,k] * dout[n,f,i,j]; tasks own bands of dx_pad rows.
fn dx_pad_of(g: &Geometry, ds: &[f64], ws: &[f64]) -> Array4<f64> {
    let (hp, wp) = (g.hp(), g.wp());
    let dim = (g.n, g.c, hp, wp);
    if g.stride == 1 {
        let build = |dout: &mut PaddedDout, n, band, planes: &mut [&mut [MaybeUninit<f64>]]| {
            dx_band_stride1(g, ds, ws, dout, n, band, planes)
        };
        // SAFETY: `dx_rows_stride1` writes every row of its band's planes whole.
        return unsafe { written_in_bands(dim, BAND, PaddedDout::default, build) }.0;
    }
    let build = |_: &mut (), n, band, planes: &mut [&mut [MaybeUninit<f64>]]| {
        dx_band_strided(g, ds, ws, n, band, planes)
    };
    // SAFETY: `dx_band_strided` writes every column of every row of its band's planes.
    unsafe { written_in_bands(dim, BAND, || (), build) }.0
}

/// For stride s > 1, one band of dx_pad rows of image n, each row a phase at a time:
/// columns q = p + s*u (phase p) receive the taps k with k*d = p (mod s), from dout
/// column u - (k*d)/s, so a phase is a correlation of zero-padded dout rows, every
/// channel sharing each load (see `correlate`). The terms come in the order f, m, k,
/// of the output rows i with i*s + m*d the row.
fn dx_band_strided(
    g: &Geometry,
    ds: &[f64],
    ws: &[f64],
    n: usize,
    band: usize,
    planes: &mut [&mut [MaybeUninit<f64>]],
) {
    let (s, d, wp) = (g.stride, g.dilation, g.wp());
    let rows = planes.first().map_or(0, |p| p.len() / wp);
    let first = band * BAND;
    if rows == 0 {
        return;
    }
    // The dout rows the band reads, reach zeros on their left: (F, i_hi - i_lo, width).
    let reach = (g.ww - 1) * d / s;
    let longest = wp.div_ceil(s);
    let width = reach + longest.max(g.w_out);
    let i_lo = first.saturating_sub((g.hh - 1) * d) / s;
    let i_hi = ((first + rows - 1) / s + 1).min(g.h_out);
    let count = i_hi.saturating_sub(i_lo);
    let mut padded = vec![0.0; g.f * count * width];
    for f in 0..g.f {
        for i in i_lo..i_hi {
            let start = ((n * g.f + f) * g.h_out + i) * g.w_out;
            let at = (f * count + i - i_lo) * width + reach;
            padded[at..at + g.w_out].copy_from_slice(&ds[start..start + g.w_out]);
        }
    }
    let taps = g.hh * g.ww;
    let mut offsets = Vec::new();
    let mut weights_at = Vec::new();
    let mut phase_rows = vec![vec![MaybeUninit::new(0.0); longest]; g.c];
    for r in 0..rows {
        let row = first + r;
        for p in 0..super::forward::phase_count(wp, s) {
            let len = (wp - p).div_ceil(s);
            if len == 0 {
                continue;
            }
            offsets.clear();
            weights_at.clear();
            for f in 0..g.f {
                for m in 0..g.hh {
                    // Output row i reads padded row `row` through tap row m.
                    let Some(t) = row.checked_sub(m * d) else {
                        continue;
                    };
                    if !t.is_multiple_of(s) || t / s >= g.h_out {
                        continue;
                    }
                    let at = (f * count + t / s - i_lo) * width + reach;
                    for k in (0..g.ww).filter(|k| k * d % s == p) {
                        offsets.push(at - k * d / s);
                        weights_at.push(f * g.c * taps + m * g.ww + k);
                    }
                }
            }
            let mut dst: Vec<&mut [MaybeUninit<f64>]> =
                phase_rows.iter_mut().map(|v| &mut v[..len]).collect();
            correlate(
                &mut dst,
                &padded,
                &offsets,
                |c, t| ws[weights_at[t] + c * taps],
                |_| 0.0,
            );
            // Columns p, p + s, ... of row r: over the phases, every column of it.
            for (plane, phase) in planes.iter_mut().zip(&phase_rows) {
                let dst = &mut plane[r * wp..(r + 1) * wp];
                for (u, &v) in phase[..len].iter().enumerate() {
                    dst[p + s * u] = v;
                }
            }
        }
    }
}

/// The dout rows a band of dx_pad rows first..first+rows reads, for stride 1: rows
/// first - reach_h .. first + rows of every filter of one image, zeros where there is
/// no such row, each with reach_w zeros on either side: (F, count, width). One per
/// worker, filled again for each of its bands (every number written, so nothing is
/// cleared first).
#[derive(Default)]
struct PaddedDout {
    values: Vec<f64>,
    first: usize,
    count: usize,
    width: usize,
    reach_h: usize,
    reach_w: usize,
    w_out: usize,
}

impl PaddedDout {
    fn fill(&mut self, g: &Geometry, ds: &[f64], n: usize, first: usize, rows: usize) {
        let (reach_h, reach_w) = ((g.hh - 1) * g.dilation, (g.ww - 1) * g.dilation);
        let count = rows + reach_h;
        let width = g.w_out + 2 * reach_w;
        *self = PaddedDout {
            values: std::mem::take(&mut self.values),
            first,
            count,
            width,
            reach_h,
            reach_w,
            w_out: g.w_out,
        };
        self.values.resize(g.f * count * width, 0.0);
        for f in 0..g.f {
            for u in 0..count {
                let line = &mut self.values[(f * count + u) * width..][..width];
                let Some(i) = (first + u).checked_sub(reach_h).filter(|&i| i < g.h_out) else {
                    line.fill(0.0);
                    continue;
                };
                let start = ((n * g.f + f) * g.h_out + i) * g.w_out;
                let (left, rest) = line.split_at_mut(reach_w);
                let (row, right) = rest.split_at_mut(g.w_out);
                left.fill(0.0);
                row.copy_from_slice(&ds[start..start + g.w_out]);
                right.fill(0.0);
            }
        }
    }

    /// Row i of filter f's dout (i within the rows copied).
    fn row(&self, f: usize, i: usize) -> &[f64] {
        let u = i + self.reach_h - self.first;
        let at = (f * self.count + u) * self.width + self.reach_w;
        &self.values[at..at + self.w_out]
    }
}

/// For stride 1, band `band` of image n's dx_pad rows (each plane's in `planes`): its
/// dout rows copied into `dout`, then [`dx_rows_stride1`].
fn dx_band_stride1(
    g: &Geometry,
    ds: &[f64],
    ws: &[f64],
    dout: &mut PaddedDout,
    n: usize,
    band: usize,
    planes: &mut [&mut [MaybeUninit<f64>]],
) {
    let rows = planes.first().map_or(0, |p| p.len() / g.wp());
    dout.fill(g, ds, n, band * BAND, rows);
    dx_rows_stride1(g, dout, ws, planes);
}

/// For stride 1, the band of dx_pad rows `dout` was copied for (each plane's rows in
/// `planes`): dx_pad[c, row, q] = sum over f, m, k of w[f,c,m,k] * dout[f, row - m*d,
/// q - k*d], a correlation of dout, padded with zeros by the kernel's reach, with the
/// flipped kernel; every channel shares each load of a dout row (see `correlate`).
/// The terms come in the order f, m, k.
fn dx_rows_stride1(
    g: &Geometry,
    dout: &PaddedDout,
    ws: &[f64],
    planes: &mut [&mut [MaybeUninit<f64>]],
) {
    let wp = g.wp();
    let rows = planes.first().map_or(0, |p| p.len() / wp);
    let (count, width, reach_h, reach_w) = (dout.count, dout.width, dout.reach_h, dout.reach_w);
    let taps = g.hh * g.ww;
    let mut offsets = Vec::with_capacity(g.f * taps);
    for r in 0..rows {
        offsets.clear();
        for f in 0..g.f {
            for m in 0..g.hh {
                // Padded row r + reach_h - m*d is dout row first + r - m*d.
                let row = (f * count + r + reach_h - m * g.dilation) * width;
                offsets.extend((0..g.ww).map(|k| row + reach_w - k * g.dilation));
            }
        }
        let mut dst: Vec<&mut [MaybeUninit<f64>]> = planes
            .iter_mut()
            .map(|plane| &mut plane[r * wp..(r + 1) * wp])
            .collect();
        correlate(
            &mut dst,
            &dout.values,
            &offsets,
            |c, t| {
                let (f, mk) = (t / taps, t % taps);
                ws[(f * g.c + c) * taps + mk]
            },
            |_| 0.0,
        );
    }
}

/// dw[f,c,m,k] = sum over n,i,j of dout[n,f,i,j] * x_pad[n,c,i*s+m*d,j*s+k*d] and
/// db[f] = sum of dout[n,f]: each band of output rows gives its part, and the parts
/// are added in band order, so the sum does not depend on the number of threads.
fn dw_db(layer: &Layer, ds: &[f64]) -> (Array4<f64>, Array1<f64>) {
    let g = &layer.geom;
    let wp = g.wp();
    let taps = g.c * g.hh * g.ww;
    let bands: Vec<(usize, usize)> = (0..g.n)
        .flat_map(|n| (0..g.h_out.div_ceil(BAND)).map(move |b| (n, b)))
        .collect();
    let parts: Vec<Vec<f64>> = bands
        .into_par_iter()
        .map_init(Vec::new, |xs, (n, band)| {
            // dw part (F, C, HH, WW) then db part (F,).
            let mut part = vec![0.0; g.f * taps + g.f];
            let first = band * BAND;
            let rows = (first + BAND).min(g.h_out) - first;
            let (top, count) = band_reach(layer, band, rows);
            padded_rows_into(layer, n, top, count, xs);
            if g.stride == 1 {
                let drow = |f: usize, i: usize| {
                    let start = ((n * g.f + f) * g.h_out + i) * g.w_out;
                    &ds[start..start + g.w_out]
                };
                dw_band_stride1(g, &drow, xs, first, rows, count, &mut part);
                return part;
            }
            // For stride s, x's rows in their column phases: tap k reads phase
            // (k*d) mod s from column (k*d)/s on, consecutive numbers.
            let s = g.stride;
            let (xs, len) = super::forward::phases(xs, wp, s);
            let count_p = super::forward::phase_count(wp, s);
            let by_phase: Vec<(usize, Vec<usize>)> = (0..count_p)
                .map(|p| (p, (0..g.ww).filter(|k| k * g.dilation % s == p).collect()))
                .filter(|(_, ks): &(usize, Vec<usize>)| !ks.is_empty())
                .collect();
            let mut sums = vec![0.0; g.ww];
            let mut pairs: Vec<(&[f64], &[f64])> = Vec::with_capacity(rows);
            for f in 0..g.f {
                let drow = |i: usize| {
                    let start = ((n * g.f + f) * g.h_out + i) * g.w_out;
                    &ds[start..start + g.w_out]
                };
                for i in first..first + rows {
                    part[g.f * taps + f] += row_sum(drow(i));
                }
                for c in 0..g.c {
                    for m in 0..g.hh {
                        let at = ((f * g.c + c) * g.hh + m) * g.ww;
                        for (p, ks) in &by_phase {
                            pairs.clear();
                            for i in first..first + rows {
                                let row = c * count + (i - first) * s + m * g.dilation;
                                pairs.push((drow(i), &xs[(row * count_p + p) * len..]));
                            }
                            let offsets: Vec<usize> =
                                ks.iter().map(|k| k * g.dilation / s).collect();
                            let sums = &mut sums[..ks.len()];
                            dots(&pairs, &offsets, 1, sums);
                            for (&k, &v) in ks.iter().zip(sums.iter()) {
                                part[at + k] = v;
                            }
                        }
                    }
                }
            }
            part
        })
        .collect();
    summed(g, parts.iter())
}

/// For stride 1, one band's part of dw and db (laid out as in `dw_db`): rows
/// first..first+rows of one image's dout (`drow(f, i)`, row i of filter f) against
/// `xs`, that band's padded rows of x (C, count, W+2pad). Up to four filters and three
/// kernel columns share each load (see `dot_group`).
fn dw_band_stride1<'a>(
    g: &Geometry,
    drow: &dyn Fn(usize, usize) -> &'a [f64],
    xs: &'a [f64],
    first: usize,
    rows: usize,
    count: usize,
    part: &mut [f64],
) {
    let taps = g.c * g.hh * g.ww;
    for f in 0..g.f {
        for i in first..first + rows {
            part[g.f * taps + f] += row_sum(drow(f, i));
        }
    }
    // Columns a tile at a time, so that the tile's dout and x rows stay in cache
    // across channels and kernel rows; each tile's sums are added in tile order.
    for left in (0..g.w_out).step_by(DW_TILE) {
        let right = (left + DW_TILE).min(g.w_out);
        let drow = |f: usize, i: usize| &drow(f, i)[left..right];
        dw_tile(g, xs, first, rows, count, left, &drow, part);
    }
}

/// Columns of dout per tile of `dw_band_stride1`: 4 filters' rows of a band of 8 rows
/// take 64 KiB.
const DW_TILE: usize = 256;

/// One column tile (dout columns left..) of a band's dw part, added to `part`.
#[allow(clippy::too_many_arguments)]
fn dw_tile<'a>(
    g: &Geometry,
    xs: &'a [f64],
    first: usize,
    rows: usize,
    count: usize,
    left: usize,
    drow: &dyn Fn(usize, usize) -> &'a [f64],
    part: &mut [f64],
) {
    let wp = g.wp();
    let fs: Vec<usize> = (0..g.f).collect();
    let ks: Vec<usize> = (0..g.ww).collect();
    for c in 0..g.c {
        for m in 0..g.hh {
            let xrow = |i: usize| {
                let at = (c * count + (i - first) + m * g.dilation) * wp + left;
                &xs[at..(c * count + count) * wp]
            };
            for group in fs.chunks(4) {
                for kset in ks.chunks(3) {
                    let mut put = |f: usize, k: usize, v: f64| {
                        part[((f * g.c + c) * g.hh + m) * g.ww + k] += v;
                    };
                    macro_rules! run {
                        ($gs:expr, $ks:expr) => {{
                            let fa: [usize; $gs] = std::array::from_fn(|t| group[t]);
                            let offsets: [usize; $ks] =
                                std::array::from_fn(|t| kset[t] * g.dilation);
                            let pairs: Vec<([&[f64]; $gs], &[f64])> = (first..first + rows)
                                .map(|i| (fa.map(|f| drow(f, i)), xrow(i)))
                                .collect();
                            let sums = dot_group(&pairs, offsets);
                            for (f, sums) in fa.iter().zip(sums) {
                                for (k, v) in kset.iter().zip(sums) {
                                    put(*f, *k, v);
                                }
                            }
                        }};
                    }
                    match (group.len(), kset.len()) {
                        (4, 3) => run!(4, 3),
                        (4, 2) => run!(4, 2),
                        (4, _) => run!(4, 1),
                        (3, 3) => run!(3, 3),
                        (3, 2) => run!(3, 2),
                        (3, _) => run!(3, 1),
                        (2, 3) => run!(2, 3),
                        (2, 2) => run!(2, 2),
                        (2, _) => run!(2, 1),
                        (_, 3) => run!(1, 3),
                        (_, 2) => run!(1, 2),
                        _ => run!(1, 1),
                    }
                }
            }
        }
    }
}

/// dx from dx_pad: rows pad..pad+H and columns pad..pad+W. (The note's
/// `dx_pad[:, :, pad:-pad, pad:-pad]` is empty when pad is 0; this is not.)
pub(super) fn crop(dx_pad: &Array4<f64>, pad: usize, h: usize, w: usize) -> Array4<f64> {
    super::memory::crop(dx_pad, pad, h, w)
}
