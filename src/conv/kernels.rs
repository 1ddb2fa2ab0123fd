//! The inner loops of the whole-array engine, on plain slices: a register-blocked
//! correlation (forward for every stride, its rows split into phases, and dx for
//! stride 1: up to four output rows per loaded source row) and grouped dot products
//! (dw for stride 1: four filters by three kernel columns); for other strides dot
//! products of rows. Each is compiled
//! twice, portable and, chosen at run time on a CPU that has it, for AVX2 (the two hot
//! ones with intrinsics, multiplies and adds without fusing): both versions add in the
//! same order, so the numbers do not depend on the CPU. The grouped dot products have
//! a third version, where the CPU has AVX-512VL: the same AVX2 instructions given 32
//! registers instead of 16, so that their 12 sums are never spilled to the stack.

use std::mem::MaybeUninit;

/// Independent partial sums of a dot product (so that the adds can overlap).
const LANES: usize = 16;

/// Output rows computed together by the register-blocked correlation: each load of a
/// source row serves this many of them.
const GROUP: usize = 4;
/// Columns of each output row kept in registers at once (two AVX2 vectors).
const COLS: usize = 8;

/// For stride 1: dst[o][j] = bias[o] + the sum over taps t, in order, of
/// weight(o, t) * src[offsets[t] + j], for every output row o and column j. Up to
/// four output rows at a time share every load of a source row (register blocking);
/// the order of the terms of each sum is that of `offsets`, whatever the blocking.
/// Every element of every `dst` row is written (and none read), so the rows may be
/// memory not yet initialised.
pub(super) fn correlate(
    dst: &mut [&mut [MaybeUninit<f64>]],
    src: &[f64],
    offsets: &[usize],
    weight: impl Fn(usize, usize) -> f64,
    bias: impl Fn(usize) -> f64,
) {
    let len = dst.first().map_or(0, |d| d.len());
    assert!(
        dst.iter().all(|d| d.len() == len) && offsets.iter().all(|&o| o + len <= src.len()),
        "every source row reaches the output's length"
    );
    let mut first = 0;
    for group in dst.chunks_mut(GROUP) {
        match group {
            [a, b, c, d] => correlate_group([a, b, c, d], first, src, offsets, &weight, &bias),
            [a, b, c] => correlate_group([a, b, c], first, src, offsets, &weight, &bias),
            [a, b] => correlate_group([a, b], first, src, offsets, &weight, &bias),
            [a] => correlate_group([a], first, src, offsets, &weight, &bias),
            _ => {}
        }
        first += group.len();
    }
}

fn correlate_group<const G: usize>(
    dst: [&mut &mut [MaybeUninit<f64>]; G],
    first: usize,
    src: &[f64],
    offsets: &[usize],
    weight: &impl Fn(usize, usize) -> f64,
    bias: &impl Fn(usize) -> f64,
) {
    let weights: Vec<[f64; G]> = (0..offsets.len())
        .map(|t| std::array::from_fn(|o| weight(first + o, t)))
        .collect();
    let bias: [f64; G] = std::array::from_fn(|o| bias(first + o));
    let dst = dst.map(|d| &mut **d);
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2, checked just above.
        return unsafe { correlate_avx2(dst, src, offsets, &weights, bias) };
    }
    correlate_body(dst, src, offsets, &weights, bias);
}

/// `correlate_body` written with AVX2 intrinsics so that the G*COLS sums stay in
/// registers: the same multiplies and adds (no fused multiply-add) in the same order
/// on every lane, so the numbers are those of the portable body, bit for bit.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn correlate_avx2<const G: usize>(
    mut dst: [&mut [MaybeUninit<f64>]; G],
    src: &[f64],
    offsets: &[usize],
    weights: &[[f64; G]],
    bias: [f64; G],
) {
    use std::arch::x86_64::{__m256d, _mm256_add_pd, _mm256_loadu_pd, _mm256_mul_pd};
    use std::arch::x86_64::{_mm256_set1_pd, _mm256_setzero_pd, _mm256_storeu_pd};
    const _: () = assert!(COLS == 8, "two vectors of four");
    let len = dst[0].len();
    let full = len / COLS * COLS;
    let mut j0 = 0;
    while j0 < full {
        let mut acc: [[__m256d; 2]; G] = [[_mm256_setzero_pd(); 2]; G];
        for (&off, w) in offsets.iter().zip(weights) {
            // SAFETY: `correlate` checked off + len <= src.len(), and j0 + COLS <= len.
            let (x0, x1) = unsafe {
                let p = src.as_ptr().add(off + j0);
                (_mm256_loadu_pd(p), _mm256_loadu_pd(p.add(4)))
            };
            for (acc, &w) in acc.iter_mut().zip(w) {
                let w = _mm256_set1_pd(w);
                acc[0] = _mm256_add_pd(acc[0], _mm256_mul_pd(w, x0));
                acc[1] = _mm256_add_pd(acc[1], _mm256_mul_pd(w, x1));
            }
        }
        for ((d, acc), b) in dst.iter_mut().zip(&acc).zip(bias) {
            let b = _mm256_set1_pd(b);
            let d = &mut d[j0..j0 + COLS];
            // SAFETY: d has COLS = 8 elements; MaybeUninit<f64> has f64's layout.
            unsafe {
                let d = d.as_mut_ptr().cast::<f64>();
                _mm256_storeu_pd(d, _mm256_add_pd(acc[0], b));
                _mm256_storeu_pd(d.add(4), _mm256_add_pd(acc[1], b));
            }
        }
        j0 += COLS;
    }
    correlate_tail(dst, src, offsets, weights, bias, full);
}

/// The columns `from..` that a whole block of `COLS` does not cover, one at a time, in
/// the same order of terms as the blocks (so every path gives the same numbers).
#[inline(always)]
fn correlate_tail<const G: usize>(
    mut dst: [&mut [MaybeUninit<f64>]; G],
    src: &[f64],
    offsets: &[usize],
    weights: &[[f64; G]],
    bias: [f64; G],
    from: usize,
) {
    for j in from..dst[0].len() {
        let mut acc = [0.0; G];
        for (&off, w) in offsets.iter().zip(weights) {
            let x = src[off + j];
            for (a, &w) in acc.iter_mut().zip(w) {
                *a += w * x;
            }
        }
        for ((d, a), b) in dst.iter_mut().zip(acc).zip(bias) {
            d[j] = MaybeUninit::new(a + b);
        }
    }
}

#[inline(always)]
fn correlate_body<const G: usize>(
    mut dst: [&mut [MaybeUninit<f64>]; G],
    src: &[f64],
    offsets: &[usize],
    weights: &[[f64; G]],
    bias: [f64; G],
) {
    let len = dst[0].len();
    let full = len / COLS * COLS;
    for j0 in (0..full).step_by(COLS) {
        let mut acc = [[0.0; COLS]; G];
        for (&off, w) in offsets.iter().zip(weights) {
            // SAFETY: `correlate` checked off + len <= src.len(), and j0 + COLS <= len.
            let x: &[f64; COLS] = unsafe { &*src.as_ptr().add(off + j0).cast::<[f64; COLS]>() };
            for (acc, &w) in acc.iter_mut().zip(w) {
                for (a, &x) in acc.iter_mut().zip(x) {
                    *a += w * x;
                }
            }
        }
        for ((d, acc), b) in dst.iter_mut().zip(&acc).zip(bias) {
            for (d, &a) in d[j0..j0 + COLS].iter_mut().zip(acc) {
                *d = MaybeUninit::new(a + b);
            }
        }
    }
    correlate_tail(dst, src, offsets, weights, bias, full);
}

/// Lanes of each partial sum in `dot_group` (one AVX2 vector).
const DOT_LANES: usize = 4;

/// For stride 1, the dot products of a group of up to four `a` rows with up to three
/// shifts of a `b` row, summed over the list of rows: out[g][t] = sum over rows of
/// sum over j of a[g][j] * b[offsets[t] + j], every a and b loaded once per group.
/// Each sum has four partial sums, carried from row to row and added up once in a
/// fixed order; the columns past the last full vector are added after them.
pub(super) fn dot_group<const G: usize, const K: usize>(
    rows: &[([&[f64]; G], &[f64])],
    offsets: [usize; K],
) -> [[f64; K]; G] {
    let reach = offsets.iter().copied().max().unwrap_or(0);
    assert!(
        rows.iter().all(|(a, b)| {
            let len = a[0].len();
            a.iter().all(|a| a.len() == len) && reach + len <= b.len()
        }),
        "every b row reaches every shift of its a rows"
    );
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx512vl") {
        // SAFETY: the CPU supports AVX-512VL (and so AVX2), checked just above.
        return unsafe { dot_group_avx512vl(rows, offsets) };
    }
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2, checked just above.
        return unsafe { dot_group_avx2(rows, offsets) };
    }
    dot_group_body(rows, offsets)
}

/// [`dot_group_simd`] for AVX2: 16 vector registers, so four filters by three columns
/// (12 sums, 3 shifted loads and a row) spill a sum to the stack.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn dot_group_avx2<const G: usize, const K: usize>(
    rows: &[([&[f64]; G], &[f64])],
    offsets: [usize; K],
) -> [[f64; K]; G] {
    // SAFETY: the caller checked the rows' lengths, and AVX2 is enabled here.
    unsafe { dot_group_simd(rows, offsets) }
}

/// [`dot_group_simd`] where the CPU has AVX-512VL: the same 256-bit instructions, but
/// 32 vector registers to hold them, so that no sum leaves its register.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,avx512f,avx512vl")]
fn dot_group_avx512vl<const G: usize, const K: usize>(
    rows: &[([&[f64]; G], &[f64])],
    offsets: [usize; K],
) -> [[f64; K]; G] {
    // SAFETY: the caller checked the rows' lengths, and AVX2 is enabled here.
    unsafe { dot_group_simd(rows, offsets) }
}

/// `dot_group_body` written with AVX2 intrinsics so that the G*K partial sums stay in
/// registers: the same multiplies and adds (no fused multiply-add) in the same order
/// on every lane, so the numbers are those of the portable body, bit for bit. Inlined
/// into a function that enables AVX2.
///
/// # Safety
///
/// The CPU has AVX2, and the rows are as `dot_group` checks.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn dot_group_simd<const G: usize, const K: usize>(
    rows: &[([&[f64]; G], &[f64])],
    offsets: [usize; K],
) -> [[f64; K]; G] {
    use std::arch::x86_64::{__m256d, _mm256_add_pd, _mm256_loadu_pd, _mm256_mul_pd};
    use std::arch::x86_64::{_mm256_setzero_pd, _mm256_storeu_pd};
    const L: usize = DOT_LANES;
    // SAFETY: the CPU has AVX2 (this function's contract).
    let mut acc: [[__m256d; K]; G] = [[unsafe { _mm256_setzero_pd() }; K]; G];
    let mut tails = [[0.0; K]; G];
    for (a, b) in rows {
        let len = a[0].len();
        let full = len / L * L;
        let mut j0 = 0;
        while j0 < full {
            // SAFETY: `dot_group` checked that every a row has len elements and that b
            // has offsets[t] + len of them, and j0 + L <= len.
            unsafe {
                let y: [__m256d; K] =
                    std::array::from_fn(|t| _mm256_loadu_pd(b.as_ptr().add(offsets[t] + j0)));
                for (acc, a) in acc.iter_mut().zip(a) {
                    let x = _mm256_loadu_pd(a.as_ptr().add(j0));
                    for (s, &y) in acc.iter_mut().zip(&y) {
                        *s = _mm256_add_pd(*s, _mm256_mul_pd(x, y));
                    }
                }
            }
            j0 += L;
        }
        for (tails, a) in tails.iter_mut().zip(a) {
            for (tail, &off) in tails.iter_mut().zip(&offsets) {
                for j in full..len {
                    *tail += a[j] * b[off + j];
                }
            }
        }
    }
    std::array::from_fn(|g| {
        std::array::from_fn(|t| {
            let mut s = [0.0; L];
            // SAFETY: s has room for the four lanes.
            unsafe { _mm256_storeu_pd(s.as_mut_ptr(), acc[g][t]) };
            ((s[0] + s[2]) + (s[1] + s[3])) + tails[g][t]
        })
    })
}

#[inline(always)]
fn dot_group_body<const G: usize, const K: usize>(
    rows: &[([&[f64]; G], &[f64])],
    offsets: [usize; K],
) -> [[f64; K]; G] {
    const L: usize = DOT_LANES;
    let mut acc = [[[0.0; L]; K]; G];
    let mut tails = [[0.0; K]; G];
    for (a, b) in rows {
        let len = a[0].len();
        let full = len / L * L;
        for j0 in (0..full).step_by(L) {
            // SAFETY: `dot_group` checked that every a row has len elements and that
            // b has offsets[t] + len of them, and j0 + L <= len.
            let x: [[f64; L]; G] =
                std::array::from_fn(|g| unsafe { *a[g].as_ptr().add(j0).cast::<[f64; L]>() });
            let y: [[f64; L]; K] = std::array::from_fn(|t| unsafe {
                *b.as_ptr().add(offsets[t] + j0).cast::<[f64; L]>()
            });
            for (acc, x) in acc.iter_mut().zip(&x) {
                for (acc, y) in acc.iter_mut().zip(&y) {
                    for ((s, &x), &y) in acc.iter_mut().zip(x).zip(y) {
                        *s += x * y;
                    }
                }
            }
        }
        for (tails, a) in tails.iter_mut().zip(a) {
            for (tail, &off) in tails.iter_mut().zip(&offsets) {
                for j in full..len {
                    *tail += a[j] * b[off + j];
                }
            }
        }
    }
    std::array::from_fn(|g| {
        std::array::from_fn(|t| {
            let s = acc[g][t];
            ((s[0] + s[2]) + (s[1] + s[3])) + tails[g][t]
        })
    })
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
    fn dots_match_plain_loops_for_every_length_and_step() {
        let src: Vec<f64> = (0..200).map(|v| (v as f64 * 0.37).sin()).collect();
        let other: Vec<f64> = (0..200).map(|v| (v as f64 * 0.11).cos()).collect();
        for len in [0, 1, 15, 16, 17, 40] {
            for step in [1, 2, 3] {
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

    /// dw's grouped dot products: the portable body against plain sums, and every
    /// version this CPU runs (AVX2, AVX2 with AVX-512VL's registers) against the
    /// portable body, bit for bit.
    #[test]
    fn grouped_dots_are_the_same_numbers_on_every_path() {
        let values = |seed: f64, len: usize| -> Vec<f64> {
            (0..len)
                .map(|v| ((v as f64 + seed) * 0.731).sin() * 1e3_f64.powf((v % 5) as f64 - 2.0))
                .collect()
        };
        let a: Vec<Vec<f64>> = (0..4).map(|g| values(g as f64, 64)).collect();
        let b = values(9.0, 80);
        for len in [0, 3, 4, 13, 37] {
            let rows: Vec<([&[f64]; 4], &[f64])> = (0..3)
                .map(|r| (std::array::from_fn(|g| &a[g][r..r + len]), &b[r * 2..]))
                .collect();
            let offsets = [0, 2, 5];
            let portable = dot_group_body(&rows, offsets);
            for (g, sums) in portable.iter().enumerate() {
                for (t, &got) in sums.iter().enumerate() {
                    let want: f64 = rows
                        .iter()
                        .map(|(a, b)| (0..len).map(|j| a[g][j] * b[offsets[t] + j]).sum::<f64>())
                        .sum();
                    assert!(
                        (got - want).abs() <= 1e-9 * want.abs().max(1.0),
                        "{got} vs {want}"
                    );
                }
            }
            let bits = |v: [[f64; 3]; 4]| v.map(|r| r.map(f64::to_bits));
            assert_eq!(bits(dot_group(&rows, offsets)), bits(portable));
            #[cfg(target_arch = "x86_64")]
            {
                if std::arch::is_x86_feature_detected!("avx2") {
                    // SAFETY: the CPU has AVX2, checked just above.
                    assert_eq!(
                        bits(unsafe { dot_group_avx2(&rows, offsets) }),
                        bits(portable)
                    );
                }
                if std::arch::is_x86_feature_detected!("avx512vl") {
                    // SAFETY: the CPU has AVX-512VL, checked just above.
                    let got = unsafe { dot_group_avx512vl(&rows, offsets) };
                    assert_eq!(bits(got), bits(portable));
                }
            }
        }
    }
}
