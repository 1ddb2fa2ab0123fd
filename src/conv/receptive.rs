//! Receptive fields of a stack, as Araujo, Norris and Sim compute them ("Computing
//! Receptive Fields of Convolutional Neural Networks", Distill 2019), along one axis
//! (kernels are square, so rows and columns grow alike):
//!
//! - r_l = r_(l-1) + (k_l - 1)·d_l·j_(l-1), the field's side in input cells;
//! - j_l = j_(l-1)·s_l, the jump: how far apart in the input neighbouring output cells'
//!   fields start;
//! - start_l = start_(l-1) - p_l·j_(l-1), where the field of output cell 0 starts in the
//!   input (negative: in the padding),
//!
//! with r_0 = 1, j_0 = 1, start_0 = 0 for x itself. The field of output cell i of layer l
//! covers input cells start_l + i·j_l .. start_l + i·j_l + r_l. That is the theoretical
//! field; the *effective* one ([`effective_field`]) is where a one-hot dout at the cell,
//! sent back through the stack, gives x a non-zero gradient: dead ReLUs and max-pool
//! switches cut holes in it.

use ndarray::{Array2, Array4, Axis};

use super::stack::{LayerSpec, Net, StackError, StackReason};
use super::{ConvError, Geometry, OutPos};

/// One layer's row of the receptive-field table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldRow {
    pub spec: LayerSpec,
    pub kernel: usize,
    pub stride: usize,
    pub pad: usize,
    pub dilation: usize,
    /// The layer's output size (H', W').
    pub out: (usize, usize),
    /// r_l: the side of an output cell's field in the input.
    pub rf: usize,
    /// j_l: the field's step in the input per output cell.
    pub jump: usize,
    /// Where output cell 0's field starts in the input (negative: in the padding).
    pub start: isize,
}

/// The rows of `specs` on an input of (H, W): layer by layer, each output size checked
/// (an error names the first layer whose output would be empty).
pub fn receptive_fields(
    specs: &[LayerSpec],
    input: (usize, usize),
) -> Result<Vec<FieldRow>, StackError> {
    if specs.is_empty() {
        return Err(StackError {
            index: 1,
            item: String::new(),
            reason: StackReason::Empty,
        });
    }
    let (mut h, mut w) = input;
    let (mut rf, mut jump, mut start) = (1usize, 1usize, 0isize);
    let mut rows = Vec::with_capacity(specs.len());
    for (index, spec) in specs.iter().enumerate() {
        let (k, s, p, d) = spec.window();
        let fail = |e: ConvError| StackError {
            index: index + 1,
            item: spec.to_string(),
            reason: StackReason::Conv(e),
        };
        if s == 0 {
            return Err(fail(ConvError::ZeroStride));
        }
        if d == 0 {
            return Err(fail(ConvError::ZeroDilation));
        }
        if k == 0 {
            return Err(fail(ConvError::EmptyArray {
                what: "w",
                shape: vec![0, 0],
            }));
        }
        let out = |len: usize| -> Result<usize, StackError> {
            let reach = d.saturating_mul(k - 1).saturating_add(1);
            let padded = len.saturating_add(p.saturating_mul(2));
            if reach > padded || len == 0 {
                return Err(fail(match spec {
                    LayerSpec::Pool(_) => ConvError::PoolTooLarge { k, h, w },
                    _ => ConvError::KernelTooLarge {
                        reach_h: reach,
                        reach_w: reach,
                        hp: h.saturating_add(2 * p),
                        wp: w.saturating_add(2 * p),
                    },
                }));
            }
            Ok((padded - reach) / s + 1)
        };
        (h, w) = (out(h)?, out(w)?);
        (rf, jump, start) = grow((rf, jump, start), (k, s, p, d));
        rows.push(FieldRow {
            spec: *spec,
            kernel: k,
            stride: s,
            pad: p,
            dilation: d,
            out: (h, w),
            rf,
            jump,
            start,
        });
    }
    Ok(rows)
}

/// A square of cells of some layer's input (or of x), in that array's coordinates
/// without padding: rows top..top+size, columns left..left+size. Negative or past the
/// array's end: in the padding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    pub top: isize,
    pub left: isize,
    pub size: usize,
}

impl Region {
    /// Whether cell (row, col) lies in the region.
    pub fn contains(&self, row: isize, col: isize) -> bool {
        let inside = |v: isize, lo: isize| v >= lo && v < lo + self.size as isize;
        inside(row, self.top) && inside(col, self.left)
    }

    /// The part inside an array of (H, W): (rows, cols) as ranges; None if none.
    pub fn clipped(
        &self,
        (h, w): (usize, usize),
    ) -> Option<(std::ops::Range<usize>, std::ops::Range<usize>)> {
        let clip = |lo: isize, len: usize| {
            let a = lo.max(0) as usize;
            let b = (lo + self.size as isize).clamp(0, len as isize) as usize;
            (a < b).then_some(a..b)
        };
        Some((clip(self.top, h)?, clip(self.left, w)?))
    }

    /// The last row and column of the region (inclusive).
    pub fn end(&self) -> (isize, isize) {
        let last = |lo: isize| lo.saturating_add(self.size as isize - 1);
        (last(self.top), last(self.left))
    }

    /// Whether part of the region lies in the padding of an array of (H, W).
    pub fn reaches_padding(&self, (h, w): (usize, usize)) -> bool {
        let end = |lo: isize| lo + self.size as isize;
        self.top < 0 || self.left < 0 || end(self.top) > h as isize || end(self.left) > w as isize
    }
}

/// The theoretical field of output cell (i, j) of layer `layer` in the input of layer
/// `level` (level 0: x itself; level l: the output of layer l - 1), for any
/// `level <= layer`. The screen outlines it in every earlier layer and on the photo.
pub fn field_in(specs: &[LayerSpec], layer: usize, (i, j): (usize, usize), level: usize) -> Region {
    region_through(specs[level..=layer].iter().map(LayerSpec::window), (i, j))
}

/// The field of output cell (i, j) of the last of `layers` (their geometries, bottom
/// first; a routing layer's shadow geometry serves as well) in each layer's input:
/// element m is the region of layer m's input, as [`field_in`] gives it for a SPEC.
/// Kernels are square, so the rows' numbers serve the columns.
pub fn field_regions(layers: &[Geometry], (i, j): (usize, usize)) -> Vec<Region> {
    (0..layers.len())
        .map(|level| region_through(layers[level..].iter().map(window_of), (i, j)))
        .collect()
}

/// One row of the growth of the field through a layer given by its geometry: its
/// window and r_l, j_l and start_l after it (see the module's doc).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Growth {
    pub k: usize,
    pub stride: usize,
    pub pad: usize,
    pub dilation: usize,
    /// The field's side after this layer, in cells of x.
    pub r: usize,
    /// How far apart in x neighbouring outputs' fields start.
    pub jump: usize,
    /// Where output 0's field starts in x (negative: in padding).
    pub start: isize,
}

/// The growth through the layers' geometries, bottom first (the stepper's table).
pub fn growth(layers: &[Geometry]) -> Vec<Growth> {
    let mut state = (1usize, 1usize, 0isize);
    layers
        .iter()
        .map(|g| {
            let (k, stride, pad, dilation) = window_of(g);
            state = grow(state, (k, stride, pad, dilation));
            let (r, jump, start) = state;
            Growth {
                k,
                stride,
                pad,
                dilation,
                r,
                jump,
                start,
            }
        })
        .collect()
}

/// A geometry's window along the rows: (k, s, p, d).
fn window_of(g: &Geometry) -> (usize, usize, usize, usize) {
    (g.hh, g.stride, g.pad, g.dilation)
}

/// The field of output cell (i, j) of the last of `windows` in the input of the first.
fn region_through(
    windows: impl Iterator<Item = (usize, usize, usize, usize)>,
    (i, j): (usize, usize),
) -> Region {
    let (rf, jump, start) = windows.fold((1usize, 1usize, 0isize), grow);
    let at = |i: usize| {
        start.saturating_add(isize::try_from(i.saturating_mul(jump)).unwrap_or(isize::MAX))
    };
    Region {
        top: at(i),
        left: at(j),
        size: rf,
    }
}

/// One layer's step of the recurrence: (r, j, start) of the layer below and the layer's
/// (k, s, p, d) give its own. Saturating, so that absurd SPECs give large numbers, not
/// an overflow.
fn grow(
    (rf, jump, start): (usize, usize, isize),
    (k, s, p, d): (usize, usize, usize, usize),
) -> (usize, usize, isize) {
    let shift = isize::try_from(p.saturating_mul(jump)).unwrap_or(isize::MAX);
    (
        rf.saturating_add(k.saturating_sub(1).saturating_mul(d).saturating_mul(jump)),
        jump.saturating_mul(s),
        start.saturating_sub(shift),
    )
}

/// The effective receptive field of output cell `pos` (n, channel f, i, j) of layer
/// `layer`: dx of x when dout is one-hot at the cell (1 there, 0 elsewhere) and the
/// rest of the stack is as the net computed it. A cell outside the output is an error.
pub fn effective_field(net: &Net, layer: usize, pos: OutPos) -> Result<EffectiveField, ConvError> {
    let Some(top) = net.layers.get(layer) else {
        return Err(ConvError::EmptyArray {
            what: "the stack's layer",
            shape: vec![layer, net.layers.len()],
        });
    };
    let dim = top.out_dim();
    let mut dout = Array4::zeros(dim);
    let Some(cell) = dout.get_mut([pos.n, pos.f, pos.i, pos.j]) else {
        return Err(ConvError::DoutMismatch {
            got: vec![pos.n, pos.f, pos.i, pos.j],
            want: vec![dim.0, dim.1, dim.2, dim.3],
        });
    };
    *cell = 1.0;
    let grads = net.backward_from(layer, &dout)?;
    Ok(EffectiveField {
        dx: grads.grads[0].dx().clone(),
        n: pos.n,
    })
}

/// The gradient a one-hot dout gives x (see [`effective_field`]).
#[derive(Debug, Clone, PartialEq)]
pub struct EffectiveField {
    pub dx: Array4<f64>,
    /// The image the cell belongs to.
    pub n: usize,
}

impl EffectiveField {
    /// Cells (h, w) of image n's x where some channel's gradient is not zero.
    pub fn mask(&self) -> Array2<bool> {
        self.dx
            .index_axis(Axis(0), self.n)
            .map_axis(Axis(0), |c| c.iter().any(|&v| v != 0.0))
    }
}

/// The networks `convstep rf --net` knows: name, input side, the SPEC of their layers.
pub fn builtin_net(name: &str) -> Option<(usize, Vec<LayerSpec>)> {
    let conv = |k, s, p, f| LayerSpec::conv(k, s, p, 1).filters(f);
    let relu = LayerSpec::Relu;
    match name {
        // torchvision's alexnet().features.
        "alexnet" => Some((
            224,
            vec![
                conv(11, 4, 2, 64),
                relu,
                LayerSpec::pool(3, 2),
                conv(5, 1, 2, 192),
                relu,
                LayerSpec::pool(3, 2),
                conv(3, 1, 1, 384),
                relu,
                conv(3, 1, 1, 256),
                relu,
                conv(3, 1, 1, 256),
                relu,
                LayerSpec::pool(3, 2),
            ],
        )),
        // torchvision's vgg16().features: five blocks of 3x3 convs, each closed by a
        // 2x2 max pool.
        "vgg16" => {
            let mut specs = Vec::new();
            for (convs, f) in [(2, 64), (2, 128), (3, 256), (3, 512), (3, 512)] {
                for _ in 0..convs {
                    specs.extend([conv(3, 1, 1, f), relu]);
                }
                specs.push(LayerSpec::pool(2, 2));
            }
            Some((224, specs))
        }
        _ => None,
    }
}

/// The names [`builtin_net`] knows.
pub const BUILTIN_NETS: [&str; 2] = ["alexnet", "vgg16"];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conv::ConvParams;

    fn geom(h: usize, k: usize, stride: usize, pad: usize, dilation: usize) -> Geometry {
        let params = ConvParams {
            stride,
            pad,
            dilation,
        };
        Geometry::new((1, 1, h, h), (1, 1, k, k), 1, params).expect("a valid layer")
    }

    #[test]
    fn two_3x3_layers_see_5x5_and_a_stride_makes_the_next_grow_faster() {
        // conv 3 p1 on 8x8, then conv 3 p1: r = 1 + 2 + 2 = 5, j = 1.
        let a = geom(8, 3, 1, 1, 1);
        let b = geom(8, 3, 1, 1, 1);
        let rows = growth(&[a, b]);
        assert_eq!((rows[1].r, rows[1].jump, rows[1].start), (5, 1, -2));
        // conv 3 s2 p1 then conv 3: r = 1 + 2 + 2*2 = 7, j = 2.
        let s = geom(8, 3, 2, 1, 1);
        let c = geom(4, 3, 1, 0, 1);
        let rows = growth(&[s, c]);
        assert_eq!((rows[1].r, rows[1].jump), (7, 2));
        // Output (1, 0) of the second: rows 1..=3 of its input, x rows 1..=7 (by
        // hand: 1*2 - 1 = 1, 3*2 - 1 + 2 = 7), columns -1..=5 (in padding).
        let regions = field_regions(&[s, c], (1, 0));
        assert_eq!(
            regions[0],
            Region {
                top: 1,
                left: -1,
                size: 7
            }
        );
        assert_eq!(regions[0].end(), (7, 5));
        assert_eq!(
            regions[1],
            Region {
                top: 1,
                left: 0,
                size: 3
            }
        );
        assert_eq!(regions[0].size, rows[1].r);
        assert!(regions[0].reaches_padding((8, 8)));
        assert_eq!(regions[0].clipped((8, 8)), Some((1..8, 0..6)));
        // The same as the SPEC's.
        let specs = [LayerSpec::conv(3, 2, 1, 1), LayerSpec::conv(3, 1, 0, 1)];
        assert_eq!(field_in(&specs, 1, (1, 0), 0), regions[0]);
    }

    #[test]
    fn a_dilation_spreads_the_taps() {
        // 3x3 dilation 2 then 3x3: r = 1 + 2*2 + 2 = 7.
        let a = geom(9, 3, 1, 0, 2);
        let b = geom(5, 3, 1, 0, 1);
        assert_eq!(growth(&[a, b])[1].r, 7);
        assert_eq!(field_regions(&[a, b], (0, 0))[0].size, 7);
    }
}
