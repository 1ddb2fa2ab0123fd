//! Large arrays (zeroed, copied, or written band by band without zeroing) backed, where
//! Linux allows it, by 2 MiB pages: a 1024x1024 layer's arrays span tens of megabytes, and faulting them in 4 KiB at a time cost more than
//! the arithmetic (52 ms of system time per 67 MB output, measured).

use std::mem::MaybeUninit;

use ndarray::{Array4, ArrayBase, Data, Ix4};

/// Below this many bytes an array stays on ordinary pages and one core. In the unit
/// tests, a few numbers: every test's arrays (the engine's against the naive loops, the
/// stack's against a composition of layers) then take the chunked paths, whose unsafe
/// writes only arrays of megabytes reach otherwise.
const HUGE_FROM: usize = if cfg!(test) { 64 } else { 8 << 20 };

/// A zeroed array of shape `dim` (standard layout), advised to be backed by huge pages
/// and, when large, zeroed on every core: the allocator hands back memory freed by
/// the last rebuild, which it would otherwise clear on one core (a backward cursor's
/// 25 MB of zeros at 1024x1024 waited for one memset on the key's path).
pub(crate) fn zeros(dim: (usize, usize, usize, usize)) -> Array4<f64> {
    let len = dim.0 * dim.1 * dim.2 * dim.3;
    if len * std::mem::size_of::<f64>() < HUGE_FROM {
        return Array4::zeros(dim);
    }
    // SAFETY: each chunk is filled whole.
    unsafe { written(dim, CHUNK, |_, chunk| chunk.fill(MaybeUninit::new(0.0))) }
}

/// A copy of `a` in standard layout, a large one copied on every core (the layers of
/// a stack hand each other their outputs and gradients, one after the other).
pub(crate) fn duplicate<S: Data<Elem = f64>>(a: &ArrayBase<S, Ix4>) -> Array4<f64> {
    match a.as_slice() {
        Some(src) => from_slice(a.dim(), src),
        None => a.to_owned(),
    }
}

/// An array of shape `dim` (standard layout) holding `src`, whose length is the
/// shape's, a large one copied on every core.
pub(crate) fn from_slice(dim: (usize, usize, usize, usize), src: &[f64]) -> Array4<f64> {
    assert_eq!(
        dim.0 * dim.1 * dim.2 * dim.3,
        src.len(),
        "a shape and its values"
    );
    if std::mem::size_of_val(src) < HUGE_FROM {
        return Array4::from_shape_vec(dim, src.to_vec()).expect("the lengths agree");
    }
    // SAFETY: each chunk is written whole, from a source slice of its length.
    unsafe {
        written(dim, CHUNK, |k, chunk| {
            copy_into(chunk, &src[k * CHUNK..k * CHUNK + chunk.len()]);
        })
    }
}

/// The rows `pad..pad + h`, columns `pad..pad + w` of every plane of `padded` (N, C,
/// Hp, Wp, standard layout): dx from dx_pad, the rows copied on every core.
pub(crate) fn crop(padded: &Array4<f64>, pad: usize, h: usize, w: usize) -> Array4<f64> {
    use ndarray::s;
    let (n, c, hp, wp) = padded.dim();
    let dim = (n, c, h, w);
    match padded.as_slice() {
        // SAFETY: each chunk is a row of w elements, written whole from a row of w.
        Some(src) if w > 0 && n * c * h * w * std::mem::size_of::<f64>() >= HUGE_FROM => unsafe {
            written(dim, w, |row, chunk| {
                let (plane, r) = (row / h, row % h);
                let at = (plane * hp + r + pad) * wp + pad;
                copy_into(chunk, &src[at..at + w]);
            })
        },
        _ => padded
            .slice(s![.., .., pad..pad + h, pad..pad + w])
            .to_owned(),
    }
}

/// `dst` = `src` (of one length), written into memory not yet initialised.
fn copy_into(dst: &mut [MaybeUninit<f64>], src: &[f64]) {
    assert_eq!(dst.len(), src.len(), "a chunk and its source");
    // SAFETY: MaybeUninit<f64> has f64's layout; the lengths are equal and the two
    // slices are distinct (one borrowed mutably).
    unsafe { std::ptr::copy_nonoverlapping(src.as_ptr(), dst.as_mut_ptr().cast(), src.len()) }
}

/// An array of shape `dim` whose elements `write(k, chunk)` writes, chunk k of
/// `chunk_len` elements (the last one shorter), the chunks on every core, the memory
/// advised to be huge pages.
///
/// # Safety
///
/// `write` must initialise every element of each chunk it is given.
unsafe fn written(
    dim: (usize, usize, usize, usize),
    chunk_len: usize,
    write: impl Fn(usize, &mut [MaybeUninit<f64>]) + Sync,
) -> Array4<f64> {
    use rayon::prelude::*;
    // SAFETY: the chunks cover the elements, and `write` initialises each chunk whole
    // (this function's contract).
    let (array, ()) = unsafe {
        uninit_written(dim, |spare| {
            spare
                .par_chunks_mut(chunk_len)
                .with_min_len(CHUNK.div_ceil(chunk_len))
                .enumerate()
                .for_each(|(k, chunk)| write(k, chunk))
        })
    };
    array
}

/// An array of shape `dim` whose elements, advised to be huge pages, `write` gives
/// their values, with what `write` returns.
///
/// # Safety
///
/// `write` must initialise every element of the slice it is given.
unsafe fn uninit_written<R>(
    dim: (usize, usize, usize, usize),
    write: impl FnOnce(&mut [MaybeUninit<f64>]) -> R,
) -> (Array4<f64>, R) {
    let len = dim.0 * dim.1 * dim.2 * dim.3;
    let mut data: Vec<f64> = Vec::with_capacity(len);
    let spare = &mut data.spare_capacity_mut()[..len];
    advise_huge(spare);
    let result = write(spare);
    // SAFETY: `write` initialised the first `len` elements (this function's contract).
    unsafe { data.set_len(len) };
    let array = Array4::from_shape_vec(dim, data).expect("len is the product of dim");
    (array, result)
}

/// An array of shape `dim` (N, planes, rows, width) written a band of `band` rows at a
/// time, the bands on every core, and never zeroed: `build(state, n, b, planes)`
/// writes band b of image n (its rows of every plane), `state` one per worker from
/// `init`. The engine's outputs are written whole, so zeroing them first only read
/// and wrote 64 MB more at 1024x1024 (the first write to each line reads it from
/// memory; inside the kernels' loops that read overlaps the arithmetic). Returns the
/// array and what each band's build gave, in order of (n, b).
///
/// # Safety
///
/// `build` must initialise every element of every chunk it is given.
pub(crate) unsafe fn written_in_bands<S, R: Send>(
    dim: (usize, usize, usize, usize),
    band: usize,
    init: impl Fn() -> S + Sync + Send,
    build: impl Fn(&mut S, usize, usize, &mut [&mut [MaybeUninit<f64>]]) -> R + Sync + Send,
) -> (Array4<f64>, Vec<R>) {
    use rayon::prelude::*;
    let (_, planes, rows, width) = dim;
    let bands = |spare: &mut [MaybeUninit<f64>]| {
        band_tasks(spare, planes, rows, width, band)
            .into_par_iter()
            .map_init(init, |state, (n, b, mut chunks)| {
                // In the unit tests every element starts as a signalling NaN, which no
                // arithmetic gives, and must not be one after the build: each test of
                // the engine checks that its bands write everything they own.
                #[cfg(test)]
                for chunk in &mut chunks {
                    chunk.fill(MaybeUninit::new(f64::from_bits(UNWRITTEN)));
                }
                let result = build(state, n, b, &mut chunks);
                #[cfg(test)]
                for chunk in &chunks {
                    // SAFETY: every element was set to the sentinel above.
                    let left = chunk
                        .iter()
                        .any(|v| unsafe { v.assume_init() }.to_bits() == UNWRITTEN);
                    assert!(!left, "band {b} of image {n} left an element unwritten");
                }
                result
            })
            .collect()
    };
    // SAFETY: the tasks' chunks cover the elements (see `band_tasks`), and `build`
    // initialises each (this function's contract).
    unsafe { uninit_written(dim, bands) }
}

/// The bits of a signalling NaN that marks, in the unit tests, an element no band wrote.
#[cfg(test)]
const UNWRITTEN: u64 = 0x7ff4_dead_beef_0001;

/// Splits `data`, laid out (N, planes, rows, width), into tasks (n, band b, rows
/// b*band.. of every plane): each task owns its cells, so tasks can run in parallel,
/// and together they cover `data`.
fn band_tasks<T>(
    data: &mut [T],
    planes: usize,
    rows: usize,
    width: usize,
    band: usize,
) -> Vec<(usize, usize, Vec<&mut [T]>)> {
    let mut tasks = Vec::new();
    if planes * rows * width == 0 {
        return tasks;
    }
    for (n, image) in data.chunks_mut(planes * rows * width).enumerate() {
        let mut per_plane: Vec<_> = image
            .chunks_mut(rows * width)
            .map(|plane| plane.chunks_mut(band * width))
            .collect();
        for b in 0..rows.div_ceil(band) {
            let chunks = per_plane.iter_mut().filter_map(Iterator::next).collect();
            tasks.push((n, b, chunks));
        }
    }
    tasks
}

/// Asks Linux to back `data`'s whole 2 MiB pages with huge pages (a large array
/// written once, such as an export's canvas): a 23 MB picture then faults in a dozen
/// times instead of six thousand. Anything under 8 MiB stays as it is.
#[cfg(target_os = "linux")]
pub(crate) fn advise_huge<T>(data: &mut [T]) {
    const HUGE: usize = 2 << 20;
    let bytes = std::mem::size_of_val(data);
    if bytes < HUGE_FROM {
        return;
    }
    let start = data.as_mut_ptr() as usize;
    let (first, last) = (start.next_multiple_of(HUGE), (start + bytes) / HUGE * HUGE);
    if last > first {
        // SAFETY: [first, last) lies within `data`, which this function borrows
        // mutably; MADV_HUGEPAGE changes only how the kernel backs the pages, never
        // their contents, and a refusal (an error return) leaves them as they were.
        unsafe {
            libc::madvise(
                first as *mut libc::c_void,
                last - first,
                libc::MADV_HUGEPAGE,
            );
        }
    }
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn advise_huge<T>(_data: &mut [T]) {}

/// Elements a task of [`fill`] and [`copy`] takes: 2 MB, so that a 1024x1024 layer's
/// arrays are cut into a few dozen tasks and small ones stay on one core (in the unit
/// tests, 61: several chunks and a short last one).
const CHUNK: usize = if cfg!(test) { 61 } else { 1 << 18 };

/// Every element of `a` set to `v`, in chunks on every core (a jump to the first
/// step clears 50 MB at 1024x1024).
pub(super) fn fill<D: ndarray::Dimension>(a: &mut ndarray::Array<f64, D>, v: f64) {
    use rayon::prelude::*;
    match a.as_slice_mut() {
        Some(data) => data.par_chunks_mut(CHUNK).for_each(|c| c.fill(v)),
        None => a.fill(v),
    }
}

/// `dst` = `src`, of one shape, in chunks on every core (a jump to the last step
/// copies 50 MB of totals at 1024x1024).
pub(super) fn copy<D: ndarray::Dimension>(
    dst: &mut ndarray::Array<f64, D>,
    src: &ndarray::Array<f64, D>,
) {
    use rayon::prelude::*;
    match (dst.as_slice_mut(), src.as_slice()) {
        (Some(d), Some(s)) if d.len() == s.len() => d
            .par_chunks_mut(CHUNK)
            .zip(s.par_chunks(CHUNK))
            .for_each(|(d, s)| d.copy_from_slice(s)),
        _ => dst.assign(src),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::s;

    /// Arrays past HUGE_FROM take the parallel paths; each agrees with ndarray's own
    /// zeros, copy and slice, element for element.
    #[test]
    fn large_arrays_are_zeroed_copied_and_cropped_whole() {
        // 2 x 3 x 515 x 517 numbers: 12.8 MB (past HUGE_FROM outside the tests too),
        // rows that do not divide CHUNK.
        let dim = (2, 3, 515, 517);
        let a = Array4::from_shape_fn(dim, |(n, c, r, q)| {
            (n * 7 + c * 5) as f64 + r as f64 * 0.25 - q as f64 * 1e-3
        });
        assert!(std::mem::size_of_val(a.as_slice().unwrap()) >= HUGE_FROM);
        assert_eq!(zeros(dim), Array4::<f64>::zeros(dim));
        assert_eq!(duplicate(&a), a);
        for pad in [0, 1, 3] {
            let (h, w) = (515 - 2 * pad, 517 - 2 * pad);
            let want = a.slice(s![.., .., pad..pad + h, pad..pad + w]).to_owned();
            assert_eq!(crop(&a, pad, h, w), want, "pad {pad}");
        }
        // Under HUGE_FROM, ndarray's own paths.
        let small = Array4::from_shape_fn((1, 2, 5, 6), |(_, c, r, q)| (c + r * q) as f64);
        assert_eq!(duplicate(&small), small);
        assert_eq!(
            crop(&small, 1, 3, 4),
            small.slice(s![.., .., 1..4, 1..5]).to_owned()
        );
    }
}
