//! Reading .npy arrays of any common dtype as f64, checking the header before
//! allocating so a file cannot claim more data than it holds.

use std::io::Cursor;
use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use ndarray::{Array1, Array4, ArrayD, Ix1, Ix4};
use ndarray_npy::{ReadNpyExt, ReadableElement};

use super::files::read_file;

/// The most elements an input array may hold (16 Mi: 128 MiB as f64).
pub const MAX_ARRAY_ELEMENTS: usize = 1 << 24;

/// What the header of a .npy file says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NpyHeader {
    pub descr: String,
    pub shape: Vec<usize>,
}

/// Whether `bytes` start with the .npy magic string.
pub(crate) fn is_npy(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\x93NUMPY")
}

/// Parses the magic string, version and header dict of a .npy file: 'descr' and 'shape'.
pub(crate) fn parse_header(bytes: &[u8]) -> Result<(NpyHeader, usize)> {
    if !is_npy(bytes) {
        bail!("not a .npy file (it does not start with the .npy magic string)");
    }
    let short = || anyhow!("not a .npy file (the header is cut short)");
    let major = *bytes.get(6).ok_or_else(short)?;
    let (len, start): (usize, usize) = match major {
        1 => {
            let b = bytes.get(8..10).ok_or_else(short)?;
            (u16::from_le_bytes([b[0], b[1]]) as usize, 10)
        }
        2 | 3 => {
            let b = bytes.get(8..12).ok_or_else(short)?;
            (u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize, 12)
        }
        v => bail!("unsupported .npy format version {v}"),
    };
    let end = start.checked_add(len).ok_or_else(short)?;
    let text = bytes.get(start..end).ok_or_else(short)?;
    let text = std::str::from_utf8(text).map_err(|_| anyhow!("the .npy header is not text"))?;
    let descr = dict_value(text, "descr")
        .and_then(|v| {
            let v = v.trim_start();
            let quote = v.chars().next().filter(|q| *q == '\'' || *q == '"')?;
            let rest = &v[1..];
            Some(rest[..rest.find(quote)?].to_string())
        })
        .ok_or_else(|| anyhow!("the .npy header has no readable 'descr' (a structured dtype?)"))?;
    let shape = dict_value(text, "shape")
        .and_then(|v| {
            let v = v.trim_start().strip_prefix('(')?;
            let inner = &v[..v.find(')')?];
            inner
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| s.trim_end_matches('L').parse::<usize>().ok())
                .collect::<Option<Vec<usize>>>()
        })
        .ok_or_else(|| anyhow!("the .npy header has no readable 'shape'"))?;
    Ok((NpyHeader { descr, shape }, end))
}

/// The text after `'key':` in a Python dict literal.
fn dict_value<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    for quote in ['\'', '"'] {
        let pat = format!("{quote}{key}{quote}");
        if let Some(at) = text.find(&pat) {
            let rest = text[at + pat.len()..].trim_start();
            return rest.strip_prefix(':');
        }
    }
    None
}

/// Bytes per element of the dtypes convstep reads (None: not supported).
fn item_size(descr: &str) -> Option<usize> {
    let kind = descr.trim_start_matches(['<', '>', '|', '=']);
    Some(match kind {
        "f8" | "i8" | "u8" => 8,
        "f4" | "i4" | "u4" => 4,
        "i2" | "u2" => 2,
        "i1" | "u1" | "b1" => 1,
        _ => return None,
    })
}

fn read_as<T: ReadableElement + Copy>(bytes: &[u8], to_f64: fn(T) -> f64) -> Result<ArrayD<f64>> {
    let a = ArrayD::<T>::read_npy(Cursor::new(bytes)).map_err(|e| anyhow!("{e}"))?;
    Ok(a.mapv(to_f64))
}

/// Any .npy of a float, integer or bool dtype, as f64, with its shape checked against
/// `ndims` and against the bytes actually present before anything is allocated.
pub(crate) fn decode_npy(bytes: &[u8], ndims: &[usize], expected: &str) -> Result<ArrayD<f64>> {
    let (header, data_start) = parse_header(bytes)?;
    let shape = &header.shape;
    if !ndims.contains(&shape.len()) {
        bail!(
            "the array has shape {} but {expected} is expected",
            shape_text(shape)
        );
    }
    let size = item_size(&header.descr).ok_or_else(|| {
        anyhow!(
            "unsupported dtype '{}' (use float64, float32, an integer type or bool)",
            header.descr
        )
    })?;
    let count = shape
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .filter(|&n| n <= MAX_ARRAY_ELEMENTS)
        .ok_or_else(|| {
            anyhow!(
                "shape {} is too large (at most {MAX_ARRAY_ELEMENTS} elements)",
                shape_text(shape)
            )
        })?;
    if shape.contains(&0) {
        bail!("the array is empty (shape {})", shape_text(shape));
    }
    let have = bytes.len().saturating_sub(data_start);
    if count * size > have {
        bail!(
            "truncated: shape {} needs {} bytes of data but the file holds {have}",
            shape_text(shape),
            count * size
        );
    }
    let kind = header.descr.trim_start_matches(['<', '>', '|', '=']);
    match kind {
        "f8" => read_as::<f64>(bytes, |v| v),
        "f4" => read_as::<f32>(bytes, f64::from),
        "i8" => read_as::<i64>(bytes, |v| v as f64),
        "i4" => read_as::<i32>(bytes, f64::from),
        "i2" => read_as::<i16>(bytes, f64::from),
        "i1" => read_as::<i8>(bytes, f64::from),
        "u8" => read_as::<u64>(bytes, |v| v as f64),
        "u4" => read_as::<u32>(bytes, f64::from),
        "u2" => read_as::<u16>(bytes, f64::from),
        "u1" => read_as::<u8>(bytes, f64::from),
        "b1" => read_as::<bool>(bytes, |v| if v { 1.0 } else { 0.0 }),
        _ => bail!("unsupported dtype '{}'", header.descr),
    }
}

/// Reads `path` as a .npy of one of the `ndims` numbers of dimensions; errors name the
/// file.
pub(crate) fn read_npy(path: &Path, ndims: &[usize], expected: &str) -> Result<ArrayD<f64>> {
    let bytes = read_file(path)?;
    decode_npy(&bytes, ndims, expected).with_context(|| format!("'{}'", path.display()))
}

/// x from a .npy of shape (N,C,H,W), (C,H,W) or (H,W), as it is.
pub(crate) fn read_x(path: &Path) -> Result<Array4<f64>> {
    let a = read_npy(path, &[4, 3, 2], "x of shape (N,C,H,W), (C,H,W) or (H,W)")?;
    let a = match a.ndim() {
        2 => a
            .insert_axis(ndarray::Axis(0))
            .insert_axis(ndarray::Axis(0)),
        3 => a.insert_axis(ndarray::Axis(0)),
        _ => a,
    };
    Ok(a.into_dimensionality::<Ix4>()?)
}

/// A 4-D array (`expected` names it: w (F,C,HH,WW) or dout (N,F,H',W')).
pub(crate) fn read_4d(path: &Path, expected: &str) -> Result<Array4<f64>> {
    Ok(read_npy(path, &[4], expected)?.into_dimensionality::<Ix4>()?)
}

/// A 1-D array (b of shape (F,)).
pub(crate) fn read_1d(path: &Path, expected: &str) -> Result<Array1<f64>> {
    Ok(read_npy(path, &[1], expected)?.into_dimensionality::<Ix1>()?)
}

pub fn shape_text(shape: &[usize]) -> String {
    match shape {
        [one] => format!("({one},)"),
        _ => format!(
            "({})",
            shape
                .iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join(",")
        ),
    }
}
