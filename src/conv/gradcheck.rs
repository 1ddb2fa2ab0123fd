//! The numeric gradient check of CS231n: centred differences of the loss
//! L = sum(out * dout) against the analytic gradients, compared by rel_error.

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

fn loss(layer: &Layer, dout: &Array4<f64>) -> f64 {
    (forward(layer) * dout).sum()
}

/// (L(p + h) - L(p - h)) / 2h for the entry `param`.
fn centred_difference(layer: &Layer, dout: &Array4<f64>, param: Param, h: f64) -> Option<f64> {
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

/// Numeric against analytic gradient for one entry (h = 1e-5, as CS231n). None if the
/// entry is outside the arrays.
pub fn grad_check(
    layer: &Layer,
    dout: &Array4<f64>,
    param: Param,
) -> Result<Option<GradCheck>, ConvError> {
    let grads = backward(layer, dout)?;
    let Some(numeric) = centred_difference(layer, dout, param, 1e-5) else {
        return Ok(None);
    };
    let analytic = match param {
        Param::X { n, c, h, w } => grads.dx[[n, c, h, w]],
        Param::W { f, c, m, k } => grads.dw[[f, c, m, k]],
        Param::B { f } => grads.db[f],
    };
    let rel_error = rel_error([&numeric], [&analytic]);
    Ok(Some(GradCheck {
        param,
        numeric,
        analytic,
        rel_error,
    }))
}

fn numeric_array<D: Dimension>(
    shape: D,
    mut param_at: impl FnMut(D::Pattern) -> Param,
    layer: &Layer,
    dout: &Array4<f64>,
    h: f64,
) -> ndarray::Array<f64, D> {
    ndarray::Array::from_shape_fn(shape, |idx| {
        centred_difference(layer, dout, param_at(idx), h).expect("index within shape")
    })
}

/// The numeric gradients of every entry (for tests on small layers: two forward
/// passes per entry). dx_pad is returned empty-padded from dx.
pub fn numeric_grads(layer: &Layer, dout: &Array4<f64>, h: f64) -> Result<Grads, ConvError> {
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
