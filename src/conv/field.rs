//! Where one output cell of a stack looks: the region of every lower layer's input its
//! value depends on (the theoretical receptive field), walked down layer by layer from
//! the layers' geometries (a routing layer's shadow geometry serves as well).
//!
//! An output interval [a, b] of a layer reads input rows a*s - p ..= b*s - p +
//! (k - 1)*d (in the input's own coordinates: below 0 or past its end is padding).

use super::Geometry;

/// A region of one layer's input, inclusive, in its own coordinates (negative or past
/// the end: the padding ring).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub r0: isize,
    pub r1: isize,
    pub c0: isize,
    pub c1: isize,
}

impl Span {
    /// Rows and columns of the region that fall in padding (outside 0..h, 0..w).
    pub fn in_padding(&self, h: usize, w: usize) -> bool {
        self.r0 < 0 || self.c0 < 0 || self.r1 >= h as isize || self.c1 >= w as isize
    }

    /// The part inside an h x w input, as exclusive ranges (None if none is).
    pub fn clipped(&self, h: usize, w: usize) -> Option<(usize, usize, usize, usize)> {
        let clip = |lo: isize, hi: isize, n: usize| {
            let lo = lo.max(0) as usize;
            let hi = (hi + 1).clamp(0, n as isize) as usize;
            (lo < hi).then_some((lo, hi))
        };
        let (a, b) = clip(self.r0, self.r1, h)?;
        let (c, d) = clip(self.c0, self.c1, w)?;
        Some((a, b, c, d))
    }

    pub fn rows(&self) -> usize {
        (self.r1 - self.r0 + 1) as usize
    }

    pub fn cols(&self) -> usize {
        (self.c1 - self.c0 + 1) as usize
    }
}

/// The field of output cell (i, j) of the last of `layers` (bottom first) in each
/// layer's input: element m is the region of layer m's input.
pub fn field_spans(layers: &[Geometry], i: usize, j: usize) -> Vec<Span> {
    let mut span = Span {
        r0: i as isize,
        r1: i as isize,
        c0: j as isize,
        c1: j as isize,
    };
    let mut spans = Vec::with_capacity(layers.len());
    for g in layers.iter().rev() {
        let (s, p) = (g.stride as isize, g.pad as isize);
        let reach_h = ((g.hh - 1) * g.dilation) as isize;
        let reach_w = ((g.ww - 1) * g.dilation) as isize;
        span = Span {
            r0: span.r0 * s - p,
            r1: span.r1 * s - p + reach_h,
            c0: span.c0 * s - p,
            c1: span.c1 * s - p + reach_w,
        };
        spans.push(span);
    }
    spans.reverse();
    spans
}

/// One row of the growth of the field, layer by layer (rows; columns grow alike when
/// kernels are square): r_l = r_(l-1) + (k_l - 1) d_l j_(l-1), j_l = j_(l-1) s_l, and
/// the field of output 0 starts at start_l = start_(l-1) - p_l j_(l-1) in x.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Growth {
    pub k: usize,
    pub stride: usize,
    pub pad: usize,
    pub dilation: usize,
    /// The field's size after this layer, in pixels of x.
    pub r: usize,
    /// How far apart in x neighbouring outputs' fields start.
    pub jump: usize,
    /// Where output 0's field starts in x (negative: in padding).
    pub start: isize,
}

/// The growth through `layers`, bottom first.
pub fn growth(layers: &[Geometry]) -> Vec<Growth> {
    let (mut r, mut jump, mut start) = (1usize, 1usize, 0isize);
    layers
        .iter()
        .map(|g| {
            r += (g.hh - 1) * g.dilation * jump;
            start -= (g.pad * jump) as isize;
            jump *= g.stride;
            Growth {
                k: g.hh,
                stride: g.stride,
                pad: g.pad,
                dilation: g.dilation,
                r,
                jump,
                start,
            }
        })
        .collect()
}

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
        let spans = field_spans(&[s, c], 1, 0);
        assert_eq!(
            spans[0],
            Span {
                r0: 1,
                r1: 7,
                c0: -1,
                c1: 5
            }
        );
        assert_eq!(spans[0].rows(), rows[1].r);
        assert!(spans[0].in_padding(8, 8));
        assert_eq!(spans[0].clipped(8, 8), Some((1, 8, 0, 6)));
    }

    #[test]
    fn a_dilation_spreads_the_taps() {
        // 3x3 dilation 2 then 3x3: r = 1 + 2*2 + 2 = 7.
        let a = geom(9, 3, 1, 0, 2);
        let b = geom(5, 3, 1, 0, 1);
        assert_eq!(growth(&[a, b])[1].r, 7);
        assert_eq!(field_spans(&[a, b], 0, 0)[0].rows(), 7);
    }
}
