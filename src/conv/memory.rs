//! Large zeroed arrays backed, where Linux allows it, by 2 MiB pages: a 1024x1024 layer's
//! arrays span tens of megabytes, and faulting them in 4 KiB at a time cost more than
//! the arithmetic (52 ms of system time per 67 MB output, measured).

use ndarray::Array4;

/// Below this many bytes an array stays on ordinary pages.
const HUGE_FROM: usize = 8 << 20;

/// A zeroed array of shape `dim` (standard layout), its pages not yet touched and
/// advised to be huge.
pub(super) fn zeros(dim: (usize, usize, usize, usize)) -> Array4<f64> {
    let mut array = Array4::zeros(dim);
    if let Some(data) = array.as_slice_mut() {
        advise_huge(data);
    }
    array
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
