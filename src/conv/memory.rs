//! Large zeroed arrays backed, where Linux allows it, by 2 MiB pages: a 1024x1024 layer's
//! arrays span tens of megabytes, and faulting them in 4 KiB at a time cost more than
//! the arithmetic (52 ms of system time per 67 MB output, measured).

use ndarray::Array4;

/// Below this many bytes an array stays on ordinary pages.
const HUGE_FROM: usize = 8 << 20;

/// A zeroed array of shape `dim` (standard layout), advised to be backed by huge pages
/// and, when large, zeroed on every core: the allocator hands back memory freed by
/// the last rebuild, which it would otherwise clear on one core (a backward cursor's
/// 25 MB of zeros at 1024x1024 waited for one memset on the key's path).
pub(crate) fn zeros(dim: (usize, usize, usize, usize)) -> Array4<f64> {
    let len = dim.0 * dim.1 * dim.2 * dim.3;
    if len * std::mem::size_of::<f64>() < HUGE_FROM {
        return Array4::zeros(dim);
    }
    written(dim, |_, chunk| chunk.fill(std::mem::MaybeUninit::new(0.0)))
}

/// A copy of `a` in standard layout, a large one copied on every core (the layers of
/// a stack hand each other their outputs and gradients, one after the other).
pub(crate) fn duplicate(a: &Array4<f64>) -> Array4<f64> {
    match a.as_slice() {
        Some(src) if std::mem::size_of_val(src) >= HUGE_FROM => written(a.dim(), |at, chunk| {
            let src = &src[at..at + chunk.len()];
            // SAFETY: MaybeUninit<f64> has f64's layout, `chunk` and `src` have the
            // same length and are distinct allocations.
            unsafe {
                std::ptr::copy_nonoverlapping(src.as_ptr(), chunk.as_mut_ptr().cast(), src.len());
            }
        }),
        _ => a.to_owned(),
    }
}

/// An array of shape `dim` whose every element `write(offset, chunk)` writes, chunks
/// of [`CHUNK`] elements on every core, the memory advised to be huge pages.
fn written(
    dim: (usize, usize, usize, usize),
    write: impl Fn(usize, &mut [std::mem::MaybeUninit<f64>]) + Sync,
) -> Array4<f64> {
    use rayon::prelude::*;
    let len = dim.0 * dim.1 * dim.2 * dim.3;
    let mut data: Vec<f64> = Vec::with_capacity(len);
    let spare = &mut data.spare_capacity_mut()[..len];
    advise_huge(spare);
    spare
        .par_chunks_mut(CHUNK)
        .enumerate()
        .for_each(|(k, chunk)| write(k * CHUNK, chunk));
    // SAFETY: `write` wrote every one of the first `len` elements (each chunk whole).
    unsafe { data.set_len(len) };
    Array4::from_shape_vec(dim, data).expect("len is the product of dim")
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
/// arrays are cut into a few dozen tasks and small ones stay on one core.
const CHUNK: usize = 1 << 18;

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
