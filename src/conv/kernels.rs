//! The inner loops of the whole-array engine, on plain slices: a weighted sum of rows
//! (forward, and dx for stride 1) and dot products of rows (dw). Written so that the
//! compiler vectorises them, and compiled twice: for any x86-64 and, chosen at run time
//! on a CPU that has it, for AVX2. Both versions add in the same order, so the numbers
//! do not depend on the CPU's vector width.

/// Elements of one block of output kept in registers while every tap adds to it.
const BLOCK: usize = 16;
/// Independent partial sums of a dot product (so that the adds can overlap).
const LANES: usize = 16;

/// One term of a weighted sum of rows: `weight * src[j * step]` goes to element j.
pub(super) type Tap<'a> = (f64, &'a [f64]);

/// dst[j] = sum over taps, in order, of w * src[j * step]; each src must reach
/// index (dst.len() - 1) * step.
pub(super) fn weighted_sum(dst: &mut [f64], taps: &[Tap], step: usize) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2, checked just above.
        return unsafe { weighted_sum_avx2(dst, taps, step) };
    }
    weighted_sum_body(dst, taps, step);
}

/// out[t] = sum over the row pairs (a, b) of sum over j of a[j] * b[offsets[t] + j * step],
/// for every offset: for stride 1, up to four offsets at once (each load of `a` serves
/// all of them), the partial sums carried from row to row and added up once.
pub(super) fn dots(pairs: &[(&[f64], &[f64])], offsets: &[usize], step: usize, out: &mut [f64]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2, checked just above.
        return unsafe { dots_avx2(pairs, offsets, step, out) };
    }
    dots_body(pairs, offsets, step, out);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn dots_avx2(pairs: &[(&[f64], &[f64])], offsets: &[usize], step: usize, out: &mut [f64]) {
    dots_body(pairs, offsets, step, out);
}

#[inline(always)]
fn dots_body(pairs: &[(&[f64], &[f64])], offsets: &[usize], step: usize, out: &mut [f64]) {
    if step != 1 {
        for (o, &off) in out.iter_mut().zip(offsets) {
            *o = pairs
                .iter()
                .map(|&(a, b)| dot_body(a, &b[off..], step))
                .sum();
        }
        return;
    }
    for (offs, outs) in offsets.chunks(4).zip(out.chunks_mut(4)) {
        match *offs {
            [p, q, r, t] => outs.copy_from_slice(&dots_k(pairs, [p, q, r, t])),
            [p, q, r] => outs.copy_from_slice(&dots_k(pairs, [p, q, r])),
            [p, q] => outs.copy_from_slice(&dots_k(pairs, [p, q])),
            [p] => outs[0] = dots_k(pairs, [p])[0],
            _ => {}
        }
    }
}

/// K dot products over the row pairs, b shifted by each offset, 8 partial sums each.
#[inline(always)]
fn dots_k<const K: usize>(pairs: &[(&[f64], &[f64])], offsets: [usize; K]) -> [f64; K] {
    const L: usize = 8;
    let mut acc = [[0.0; L]; K];
    let mut tails = [0.0; K];
    for &(a, b) in pairs {
        let len = a.len();
        let full = len / L * L;
        let rows: [&[f64]; K] = offsets.map(|off| &b[off..off + len]);
        for (blk, x) in a[..full].chunks_exact(L).enumerate() {
            let j0 = blk * L;
            for (acc, row) in acc.iter_mut().zip(&rows) {
                let y: &[f64; L] = row[j0..j0 + L].try_into().expect("L long");
                for ((s, &x), &y) in acc.iter_mut().zip(x).zip(y) {
                    *s += x * y;
                }
            }
        }
        for (tail, row) in tails.iter_mut().zip(&rows) {
            for j in full..len {
                *tail += a[j] * row[j];
            }
        }
    }
    let mut out = [0.0; K];
    for ((o, mut acc), tail) in out.iter_mut().zip(acc).zip(tails) {
        let mut half = L / 2;
        while half > 0 {
            for t in 0..half {
                acc[t] += acc[t + half];
            }
            half /= 2;
        }
        *o = acc[0] + tail;
    }
    out
}

/// The sum of a row, in a fixed order of partial sums.
pub(super) fn row_sum(a: &[f64]) -> f64 {
    let mut acc = [0.0; LANES];
    let mut chunks = a.chunks_exact(LANES);
    for chunk in &mut chunks {
        for (s, &v) in acc.iter_mut().zip(chunk) {
            *s += v;
        }
    }
    let mut sum = fold_lanes(acc);
    for &v in chunks.remainder() {
        sum += v;
    }
    sum
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn weighted_sum_avx2(dst: &mut [f64], taps: &[Tap], step: usize) {
    weighted_sum_body(dst, taps, step);
}

#[inline(always)]
fn weighted_sum_body(dst: &mut [f64], taps: &[Tap], step: usize) {
    if step != 1 {
        for (j, d) in dst.iter_mut().enumerate() {
            let mut acc = 0.0;
            for &(w, src) in taps {
                acc += w * src[j * step];
            }
            *d = acc;
        }
        return;
    }
    let len = dst.len();
    let full = len / BLOCK * BLOCK;
    for (b, out) in dst[..full].chunks_exact_mut(BLOCK).enumerate() {
        let j0 = b * BLOCK;
        let mut acc = [0.0; BLOCK];
        for &(w, src) in taps {
            let src: &[f64; BLOCK] = src[j0..j0 + BLOCK].try_into().expect("BLOCK long");
            for (a, &x) in acc.iter_mut().zip(src) {
                *a += w * x;
            }
        }
        out.copy_from_slice(&acc);
    }
    for (j, d) in dst.iter_mut().enumerate().skip(full) {
        let mut acc = 0.0;
        for &(w, src) in taps {
            acc += w * src[j];
        }
        *d = acc;
    }
}

#[inline(always)]
fn dot_body(a: &[f64], b: &[f64], step: usize) -> f64 {
    if step != 1 {
        let mut sum = 0.0;
        for (j, &x) in a.iter().enumerate() {
            sum += x * b[j * step];
        }
        return sum;
    }
    let b = &b[..a.len()];
    let mut acc = [0.0; LANES];
    let mut ca = a.chunks_exact(LANES);
    let mut cb = b.chunks_exact(LANES);
    for (x, y) in (&mut ca).zip(&mut cb) {
        for ((s, &x), &y) in acc.iter_mut().zip(x).zip(y) {
            *s += x * y;
        }
    }
    let mut sum = fold_lanes(acc);
    for (&x, &y) in ca.remainder().iter().zip(cb.remainder()) {
        sum += x * y;
    }
    sum
}

/// Adds the partial sums pairwise, always in the same order.
#[inline(always)]
fn fold_lanes(mut acc: [f64; LANES]) -> f64 {
    let mut half = LANES / 2;
    while half > 0 {
        for t in 0..half {
            acc[t] += acc[t + half];
        }
        half /= 2;
    }
    acc[0]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weighted_sum_matches_plain_loops_for_every_length_and_step() {
        let src: Vec<f64> = (0..200).map(|v| (v as f64 * 0.37).sin()).collect();
        let other: Vec<f64> = (0..200).map(|v| (v as f64 * 0.11).cos()).collect();
        for len in [0, 1, 15, 16, 17, 40] {
            for step in [1, 2, 3] {
                let taps = [(0.5, &src[..]), (-2.0, &other[3..])];
                let mut dst = vec![9.0; len];
                weighted_sum(&mut dst, &taps, step);
                for (j, &d) in dst.iter().enumerate() {
                    let want = 0.5 * src[j * step] + -2.0 * other[3 + j * step];
                    assert_eq!(d, want, "len {len} step {step} j {j}");
                }
                for count in 1..=6 {
                    let offsets: Vec<usize> = (0..count).map(|t| t * 5).collect();
                    let mut got = vec![0.0; count];
                    let pairs = [(&src[..len], &other[..]), (&other[..len], &src[7..])];
                    dots(&pairs, &offsets, step, &mut got);
                    for (t, &g) in got.iter().enumerate() {
                        let want: f64 = (0..len)
                            .map(|j| {
                                src[j] * other[t * 5 + j * step]
                                    + other[j] * src[7 + t * 5 + j * step]
                            })
                            .sum();
                        assert!((g - want).abs() <= 1e-12, "{g} vs {want}");
                    }
                }
            }
        }
        let sum = row_sum(&src[..37]);
        assert!((sum - src[..37].iter().sum::<f64>()).abs() <= 1e-12);
    }
}
