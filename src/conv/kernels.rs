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

/// sum over j of a[j] * b[j * step], in a fixed order of partial sums; b must reach
/// index (a.len() - 1) * step.
pub(super) fn dot(a: &[f64], b: &[f64], step: usize) -> f64 {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2, checked just above.
        return unsafe { dot_avx2(a, b, step) };
    }
    dot_body(a, b, step)
}

/// The sum of a row, in the same fixed order of partial sums as [`dot`].
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

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn dot_avx2(a: &[f64], b: &[f64], step: usize) -> f64 {
    dot_body(a, b, step)
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
                let d = dot(&src[..len], &other, step);
                let want: f64 = (0..len).map(|j| src[j] * other[j * step]).sum();
                assert!((d - want).abs() <= 1e-12, "{d} vs {want}");
            }
        }
        let sum = row_sum(&src[..37]);
        assert!((sum - src[..37].iter().sum::<f64>()).abs() <= 1e-12);
    }
}
