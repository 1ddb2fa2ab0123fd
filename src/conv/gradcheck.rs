//! The numeric gradient check of CS231n: centred differences of the loss
//! L = sum(out * dout) against the analytic gradients, compared by rel_error.

use crate::conv::{Array4In, Numbers};
use ndarray::{Array1, Array4, Dimension};

use super::{ConvError, Grads, Layer, backward, forward};

/// One entry of x, w or b.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Param {
    X {
        n: usize,
        c: usize,
        h: usize,
        w: usize,
    },
    W {
        f: usize,
        c: usize,
        m: usize,
        k: usize,
    },
    B {
        f: usize,
    },
}

/// Numeric against analytic for one entry.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GradCheck {
    pub param: Param,
    pub numeric: f64,
    pub analytic: f64,
    pub rel_error: f64,
}

/// CS231n's rel_error: max over entries of |a - b| / max(1e-8, |a| + |b|).
pub fn rel_error<'a>(
    a: impl IntoIterator<Item = &'a f64>,
    b: impl IntoIterator<Item = &'a f64>,
) -> f64 {
    a.into_iter()
        .zip(b)
        .map(|(a, b)| (a - b).abs() / f64::max(1e-8, a.abs() + b.abs()))
        .fold(0.0, f64::max)
}

fn loss(layer: &Layer, dout: &Array4In<impl Numbers>) -> f64 {
    (forward(layer) * dout).sum()
}

/// (L(p + h) - L(p - h)) / 2h for the entry `param`, with L = sum(out * dout) over the
/// whole output: two forward passes of the layer (for [`numeric_grads`] on small
/// layers).
fn centred_difference(
    layer: &Layer,
    dout: &Array4In<impl Numbers>,
    param: Param,
    h: f64,
) -> Option<f64> {
    let mut probe = layer.clone();
    let entry: &mut f64 = match param {
        Param::X { n, c, h, w } => probe.x.get_mut([n, c, h, w])?,
        Param::W { f, c, m, k } => probe.w.get_mut([f, c, m, k])?,
        Param::B { f } => probe.b.get_mut(f)?,
    };
    let old = *entry;
    *entry = old + h;
    let plus = loss(&probe, dout);
    let entry = match param {
        Param::X { n, c, h, w } => &mut probe.x[[n, c, h, w]],
        Param::W { f, c, m, k } => &mut probe.w[[f, c, m, k]],
        Param::B { f } => &mut probe.b[f],
    };
    *entry = old - h;
    let minus = loss(&probe, dout);
    Some((plus - minus) / (2.0 * h))
}

/// The same centred difference, of only the terms of L that the entry changes: the
/// other outputs are computed from the same numbers on both sides and cancel exactly,
/// so leaving them out changes nothing but the rounding of a large sum. An entry of x
/// feeds at most F*HH*WW windows, summed here one by one (as the stepper sums them);
/// an entry of w[f] or b[f] feeds every output of filter f, computed by the fast
/// forward pass of a one-filter layer. Cheap on a layer of any size.
fn local_centred_difference(
    layer: &Layer,
    dout: &Array4In<impl Numbers>,
    param: Param,
    h: f64,
) -> Option<f64> {
    let g = &layer.geom;
    match param {
        Param::X {
            n,
            c,
            h: row,
            w: col,
        } => {
            let old = *layer.x.get([n, c, row, col])?;
            let outputs = g.outputs_reading(row + g.pad, col + g.pad);
            let loss = |value: f64| {
                let mut total = 0.0;
                for f in 0..g.f {
                    for &(i, j) in &outputs {
                        total += dout[[n, f, i, j]]
                            * window_out(layer, n, f, i, j, (c, row, col, value));
                    }
                }
                total
            };
            Some((loss(old + h) - loss(old - h)) / (2.0 * h))
        }
        Param::W { f, .. } | Param::B { f } => {
            if f >= g.f {
                return None;
            }
            let mut probe = Layer::new(
                layer.x.clone(),
                layer.w.slice(ndarray::s![f..f + 1, .., .., ..]).to_owned(),
                Array1::from_elem(1, layer.b[f]),
                layer.params,
            )
            .ok()?;
            let dout_f = dout.slice(ndarray::s![.., f..f + 1, .., ..]);
            let mut loss = |value: f64| {
                let entry = match param {
                    Param::W { c, m, k, .. } => probe.w.get_mut([0, c, m, k]),
                    _ => probe.b.get_mut(0),
                };
                if let Some(entry) = entry {
                    *entry = value;
                }
                (forward(&probe) * dout_f).sum()
            };
            let old = match param {
                Param::W { c, m, k, .. } => *layer.w.get([f, c, m, k])?,
                _ => layer.b[f],
            };
            Some((loss(old + h) - loss(old - h)) / (2.0 * h))
        }
    }
}

/// out[n,f,i,j] summed as the stepper sums it (each channel's products, then the
/// channels and the bias), with x[n, c, row, col] read as `value`.
fn window_out(
    layer: &Layer,
    n: usize,
    f: usize,
    i: usize,
    j: usize,
    (c0, row, col, value): (usize, usize, usize, f64),
) -> f64 {
    let g = &layer.geom;
    let window = g.window(i, j);
    let mut out = 0.0;
    for c in 0..g.c {
        let mut partial = 0.0;
        for (m, &r) in window.rows.iter().enumerate() {
            for (k, &q) in window.cols.iter().enumerate() {
                let x = if window.is_pad(r, q) {
                    0.0
                } else if (c, r - g.pad, q - g.pad) == (c0, row, col) {
                    value
                } else {
                    layer.x[[n, c, r - g.pad, q - g.pad]]
                };
                partial += x * layer.w[[f, c, m, k]];
            }
        }
        out += partial;
    }
    out + layer.b[f]
}

/// Numeric against analytic gradient for one entry (h = 1e-5, as CS231n): the analytic
/// one from a backward pass of the fast engine, the numeric one a centred difference
/// of the loss terms the entry changes. None if the entry is outside the arrays.
pub fn grad_check(
    layer: &Layer,
    dout: &Array4In<impl Numbers>,
    param: Param,
) -> Result<Option<GradCheck>, ConvError> {
    let grads = backward(layer, dout)?;
    Ok(grad_check_with(layer, dout, &grads, param))
}

/// [`grad_check`] against gradients already computed (the full backward pass of
/// `layer` and `dout`, e.g. a scene's), so that checking several entries costs one
/// backward pass or none.
pub fn grad_check_with(
    layer: &Layer,
    dout: &Array4In<impl Numbers>,
    grads: &Grads,
    param: Param,
) -> Option<GradCheck> {
    grad_check_against(layer, dout, param, analytic(grads, param)?)
}

/// The analytic gradient of one entry in `grads`; None if it is outside the arrays.
pub fn analytic(grads: &Grads, param: Param) -> Option<f64> {
    match param {
        Param::X { n, c, h, w } => grads.dx.get([n, c, h, w]).copied(),
        Param::W { f, c, m, k } => grads.dw.get([f, c, m, k]).copied(),
        Param::B { f } => grads.db.get(f).copied(),
    }
}

/// [`grad_check_with`] for an analytic value already read out of the gradients (so
/// that a check can run on another thread without a copy of them).
pub fn grad_check_against(
    layer: &Layer,
    dout: &Array4In<impl Numbers>,
    param: Param,
    analytic: f64,
) -> Option<GradCheck> {
    let numeric = local_centred_difference(layer, dout, param, 1e-5)?;
    let rel_error = rel_error([&numeric], [&analytic]);
    Some(GradCheck {
        param,
        numeric,
        analytic,
        rel_error,
    })
}

fn numeric_array<D: Dimension>(
    shape: D,
    mut param_at: impl FnMut(D::Pattern) -> Param,
    layer: &Layer,
    dout: &Array4In<impl Numbers>,
    h: f64,
) -> ndarray::Array<f64, D> {
    ndarray::Array::from_shape_fn(shape, |idx| {
        centred_difference(layer, dout, param_at(idx), h).expect("index within shape")
    })
}

/// The numeric gradients of every entry (for tests on small layers: two forward
/// passes per entry). dx_pad is returned empty-padded from dx.
pub fn numeric_grads(
    layer: &Layer,
    dout: &Array4In<impl Numbers>,
    h: f64,
) -> Result<Grads, ConvError> {
    layer.check_dout(dout)?;
    let dx = numeric_array(
        layer.x.raw_dim(),
        |(n, c, hh, w)| Param::X { n, c, h: hh, w },
        layer,
        dout,
        h,
    );
    let dw = numeric_array(
        layer.w.raw_dim(),
        |(f, c, m, k)| Param::W { f, c, m, k },
        layer,
        dout,
        h,
    );
    let db: Array1<f64> = numeric_array(layer.b.raw_dim(), |f| Param::B { f }, layer, dout, h);
    let g = &layer.geom;
    let mut dx_pad = Array4::zeros((g.n, g.c, g.hp(), g.wp()));
    dx_pad
        .slice_mut(ndarray::s![.., .., g.pad..g.pad + g.h, g.pad..g.pad + g.w])
        .assign(&dx);
    Ok(Grads { dx_pad, dx, dw, db })
}
