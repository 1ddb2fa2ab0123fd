//! The whole-array forward pass by direct convolution: each output row is a weighted
//! sum of rows of the padded input, one term per tap (c, m, k), computed in bands of
//! rows that stay in cache, bands in parallel; for stride 1 four filters share each
//! load of an input row. No im2col matrix, not even a padded copy of x: each band pads
//! the few rows it reads. An implementation independent of the step-wise one, used to
//! check it and to be fast.

use std::mem::MaybeUninit;

use ndarray::Array4;

use super::Layer;
use super::kernels::correlate;
use super::memory::written_in_bands;

/// Output rows computed together by one task: their input rows stay in cache across
/// filters. Fixed, so that the numbers never depend on the number of threads.
pub(super) const BAND: usize = 8;

/// Padded rows top..top+count of image n, every channel (C, count, W+2pad), into
/// `rows`: the part of x_pad that one band reads, built in cache instead of padding
/// the whole of x. Every number is written, so a worker reuses one buffer for all
/// its bands without clearing it.
pub(super) fn padded_rows_into(
    layer: &Layer,
    n: usize,
    top: usize,
    count: usize,
    rows: &mut Vec<f64>,
) {
    let g = layer.geom;
    let wp = g.wp();
    rows.resize(g.c * count * wp, 0.0);
    for c in 0..g.c {
        for r in 0..count {
            let line = &mut rows[(c * count + r) * wp..][..wp];
            let Some(h) = (top + r).checked_sub(g.pad).filter(|&h| h < g.h) else {
                line.fill(0.0);
                continue;
            };
            let (left, rest) = line.split_at_mut(g.pad);
            let (dst, right) = rest.split_at_mut(g.w);
            left.fill(0.0);
            right.fill(0.0);
            let src = layer.x.slice(ndarray::s![n, c, h, ..]);
            match src.as_slice() {
                Some(src) => dst.copy_from_slice(src),
                None => dst.iter_mut().zip(src).for_each(|(d, &v)| *d = v),
            }
        }
    }
}

/// Rows of `width` numbers split into their column phases for stride s: row p of
/// each is columns p, p + s, p + 2s, ... of the row (zeros past its end), each
/// `width.div_ceil(s)` long; a row has `phase_count(width, s)` of them (a stride wider
/// than the row leaves the others empty). Returns the phases, in row order, and their
/// length.
pub(super) fn phases(rows: &[f64], width: usize, s: usize) -> (Vec<f64>, usize) {
    let (count, len) = (phase_count(width, s), width.div_ceil(s));
    let mut out = vec![0.0; rows.len() / width * count * len];
    for (row, phase_rows) in rows
        .chunks_exact(width)
        .zip(out.chunks_exact_mut(count * len))
    {
        for (q, &v) in row.iter().enumerate() {
            phase_rows[(q % s) * len + q / s] = v;
        }
    }
    (out, len)
}

/// The column phases a row of `width` numbers has for stride s: min(s, width).
pub(super) fn phase_count(width: usize, s: usize) -> usize {
    s.min(width)
}

/// The padded rows a band of output rows reads: (first row, how many).
pub(super) fn band_reach(layer: &Layer, band: usize, rows: usize) -> (usize, usize) {
    let g = layer.geom;
    let top = band * BAND * g.stride;
    (
        top,
        (rows.max(1) - 1) * g.stride + (g.hh - 1) * g.dilation + 1,
    )
}

/// out (N, F, H', W'): out[n,f,i,j] = sum over c,m,k of x_pad[n,c,i*s+m*d,j*s+k*d] * w[f,c,m,k] + b[f].
pub fn forward(layer: &Layer) -> Array4<f64> {
    let g = layer.geom;
    let w = layer.w.as_standard_layout();
    let ws = w.as_slice().expect("standard layout");
    let wp = g.wp();
    let build =
        |xs: &mut Vec<f64>, n: usize, band: usize, planes: &mut [&mut [MaybeUninit<f64>]]| {
            let rows = planes.first().map_or(0, |p| p.len() / g.w_out);
            let (top, count) = band_reach(layer, band, rows);
            padded_rows_into(layer, n, top, count, xs);
            // Every filter's row r is a correlation of the same rows (for stride s > 1,
            // of their phases: columns q = p + s*u as row p of its padded row), so the
            // filters share each load of x (see `correlate`). Terms in the order c, m, k.
            let s = g.stride;
            let phased;
            let (src, width) = if s == 1 {
                (&xs[..], wp)
            } else {
                phased = phases(xs, wp, s);
                (&phased.0[..], phased.1)
            };
            let count_p = phase_count(wp, s);
            let taps = g.c * g.hh * g.ww;
            let mut offsets = Vec::with_capacity(taps);
            for r in 0..rows {
                offsets.clear();
                for c in 0..g.c {
                    for m in 0..g.hh {
                        let row = c * count + r * s + m * g.dilation;
                        offsets.extend((0..g.ww).map(|k| {
                            let col = k * g.dilation;
                            (row * count_p + col % s) * width + col / s
                        }));
                    }
                }
                let mut dst: Vec<&mut [MaybeUninit<f64>]> = planes
                    .iter_mut()
                    .map(|plane| &mut plane[r * g.w_out..(r + 1) * g.w_out])
                    .collect();
                correlate(
                    &mut dst,
                    src,
                    &offsets,
                    |f, t| ws[f * taps + t],
                    |f| layer.b[f],
                );
            }
        };
    // SAFETY: `build` writes rows 0..rows of every plane of its band whole (each a
    // `correlate` row), which is every element it is given.
    unsafe { written_in_bands(g.out_dim(), BAND, Vec::new, build) }.0
}
