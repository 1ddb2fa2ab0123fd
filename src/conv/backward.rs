//! The whole-array backward pass by direct convolution: dx_pad row by row (for stride
//! 1 a weighted sum of dout rows, shifted; otherwise each dout row scattered back),
//! dw as dot products of dout rows with rows of x_pad, db as sums of dout rows. Bands of
//! rows in parallel, each writing only its own cells; no im2col matrix.

use ndarray::{Array1, Array4, s};
use rayon::prelude::*;

use super::forward::{BAND, band_reach, band_tasks, padded_rows};
use super::kernels::{Tap, dots, row_sum, weighted_sum};
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

/// dx, dw, db given dout (N, F, H', W').
pub fn backward(layer: &Layer, dout: &Array4<f64>) -> Result<Grads, ConvError> {
    layer.check_dout(dout)?;
    let g = layer.geom;
    let dout = dout.as_standard_layout();
    let ds = dout.as_slice().expect("standard layout");
    let w = layer.w.as_standard_layout();
    let ws = w.as_slice().expect("standard layout");
    let dx_pad = dx_pad_of(&g, ds, ws);
    let (dw, db) = dw_db(layer, ds);
    let dx = crop(&dx_pad, g.pad, g.h, g.w);
    Ok(Grads { dx_pad, dx, dw, db })
}

/// dx_pad[n,c,r,q] = sum over f, m, k with r = i*s + m*d and q = j*s + k*d of
/// w[f,c,m,k] * dout[n,f,i,j]; tasks own bands of dx_pad rows.
fn dx_pad_of(g: &Geometry, ds: &[f64], ws: &[f64]) -> Array4<f64> {
    let (hp, wp) = (g.hp(), g.wp());
    let mut dx_pad = super::memory::zeros((g.n, g.c, hp, wp));
    let dxs = dx_pad
        .as_slice_mut()
        .expect("new arrays are in standard layout");
    let tasks = band_tasks(dxs, g.c, hp, wp);
    tasks.into_par_iter().for_each(|(n, band, mut planes)| {
        let mut taps: Vec<(f64, &[f64], usize)> = Vec::with_capacity(g.f * g.hh * g.ww);
        let rows = planes.first().map_or(0, |p| p.len() / wp);
        for r in 0..rows {
            let row = band * BAND + r;
            for (c, plane) in planes.iter_mut().enumerate() {
                taps.clear();
                for f in 0..g.f {
                    for m in 0..g.hh {
                        // Output row i reads padded row `row` through tap row m.
                        let Some(t) = row.checked_sub(m * g.dilation) else {
                            continue;
                        };
                        if !t.is_multiple_of(g.stride) || t / g.stride >= g.h_out {
                            continue;
                        }
                        let i = t / g.stride;
                        let start = ((n * g.f + f) * g.h_out + i) * g.w_out;
                        let drow = &ds[start..start + g.w_out];
                        for k in 0..g.ww {
                            let weight = ws[((f * g.c + c) * g.hh + m) * g.ww + k];
                            taps.push((weight, drow, k * g.dilation));
                        }
                    }
                }
                let dst = &mut plane[r * wp..(r + 1) * wp];
                if g.stride == 1 {
                    shifted_sum(dst, &taps);
                } else {
                    scatter(dst, &taps, g.stride);
                }
            }
        }
    });
    dx_pad
}

/// For stride 1: dst[q] = sum over taps (w, drow, shift) of w * drow[q - shift], where
/// q - shift is a column of drow. The middle, where every tap has its column, goes
/// through the vectorised sum; the edges add the same terms in the same order.
fn shifted_sum(dst: &mut [f64], taps: &[(f64, &[f64], usize)]) {
    let w_out = taps.first().map_or(0, |t| t.1.len());
    let reach = taps.iter().map(|t| t.2).max().unwrap_or(0);
    let at = |q: usize| -> f64 {
        let mut acc = 0.0;
        for &(w, drow, shift) in taps {
            if let Some(&d) = q.checked_sub(shift).and_then(|j| drow.get(j)) {
                acc += w * d;
            }
        }
        acc
    };
    if reach < w_out {
        let middle: Vec<Tap> = taps
            .iter()
            .map(|&(w, drow, shift)| (w, &drow[reach - shift..]))
            .collect();
        weighted_sum(&mut dst[reach..w_out], &middle, 1);
        for q in (0..reach).chain(w_out..dst.len()) {
            dst[q] = at(q);
        }
    } else {
        for (q, d) in dst.iter_mut().enumerate() {
            *d = at(q);
        }
    }
}

/// For stride > 1: each tap (w, drow, shift) adds w * drow[j] to dst[j*stride + shift].
fn scatter(dst: &mut [f64], taps: &[(f64, &[f64], usize)], stride: usize) {
    dst.fill(0.0);
    for &(w, drow, shift) in taps {
        for (j, &d) in drow.iter().enumerate() {
            dst[j * stride + shift] += w * d;
        }
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
        .map(|(n, band)| {
            // dw part (F, C, HH, WW) then db part (F,).
            let mut part = vec![0.0; g.f * taps + g.f];
            let first = band * BAND;
            let rows = (first + BAND).min(g.h_out) - first;
            let (top, count) = band_reach(layer, band, rows);
            let xs = padded_rows(layer, n, top, count);
            let offsets: Vec<usize> = (0..g.ww).map(|k| k * g.dilation).collect();
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
                        pairs.clear();
                        for i in first..first + rows {
                            let row = (c * count + (i - first) * g.stride + m * g.dilation) * wp;
                            pairs.push((drow(i), &xs[row..]));
                        }
                        dots(&pairs, &offsets, g.stride, &mut sums);
                        let at = ((f * g.c + c) * g.hh + m) * g.ww;
                        part[at..at + g.ww].copy_from_slice(&sums);
                    }
                }
            }
            part
        })
        .collect();
    let mut total = vec![0.0; g.f * taps + g.f];
    for part in &parts {
        for (t, p) in total.iter_mut().zip(part) {
            *t += p;
        }
    }
    let db = Array1::from(total.split_off(g.f * taps));
    let dw = Array4::from_shape_vec((g.f, g.c, g.hh, g.ww), total).expect("F*C*HH*WW numbers");
    (dw, db)
}

/// dx from dx_pad: rows pad..pad+H and columns pad..pad+W. (The note's
/// `dx_pad[:, :, pad:-pad, pad:-pad]` is empty when pad is 0; this is not.)
pub(super) fn crop(dx_pad: &Array4<f64>, pad: usize, h: usize, w: usize) -> Array4<f64> {
    let (n, c) = (dx_pad.dim().0, dx_pad.dim().1);
    let mut dx = super::memory::zeros((n, c, h, w));
    dx.assign(&dx_pad.slice(s![.., .., pad..pad + h, pad..pad + w]));
    dx
}
