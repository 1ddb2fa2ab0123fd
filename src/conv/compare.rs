//! A student's out, dx, dw and db against the right ones, for `convstep compare`: the
//! shapes, CS231n's rel_error, the wrong cells in the order the naive loops finish
//! them, what feeds a cell, the pattern the wrong cells make and the slips
//! (`slips.rs`) that reproduce them. Pure: the command and the stepper only show it.

use crate::conv::{Array4In, Numbers};
use ndarray::{ArrayD, Dimension, IxDyn};

use super::slips::{self, Grad, MATCH, Slip};
use super::{Geometry, Layer, OutPos};

/// What the wrong cells of one array have in common, when they have it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pattern {
    /// Only cells next to the padding ring (dx), or whose window reads padding (out).
    PadRing,
    /// Only cells of x that more than one window reads (dx).
    Overlaps,
    /// Only this filter.
    OneFilter(usize),
    /// Only this sample.
    OneSample(usize),
}

impl Pattern {
    /// The pattern's name in `--json`.
    pub fn id(self) -> &'static str {
        match self {
            Pattern::PadRing => "padding-ring",
            Pattern::Overlaps => "overlaps",
            Pattern::OneFilter(_) => "one-filter",
            Pattern::OneSample(_) => "one-sample",
        }
    }
}

/// One array given against the right one.
#[derive(Debug, Clone)]
pub struct Diff {
    pub grad: Grad,
    pub yours: ArrayD<f64>,
    pub right: ArrayD<f64>,
    /// CS231n's rel_error; None when the shapes differ.
    pub rel_error: Option<f64>,
    /// Cells beyond 1e-9 of the largest right value (NaN and infinities included),
    /// in the order the naive loops finish them.
    pub wrong: Vec<Vec<usize>>,
    /// The same cells as a mask of the right shape (None when the shapes differ).
    pub mask: Option<ArrayD<bool>>,
    pub patterns: Vec<Pattern>,
    /// The slips that reproduce `yours`: one slip, or two forward slips together.
    pub mistakes: Vec<Vec<Slip>>,
}

impl Diff {
    /// Whether the array is right: the right shape and rel_error at most 1e-7.
    pub fn matches(&self) -> bool {
        self.rel_error.is_some_and(|e| e <= MATCH)
    }

    pub fn is_wrong(&self, index: &[usize]) -> bool {
        self.mask
            .as_ref()
            .and_then(|m| m.get(IxDyn(index)).copied())
            .unwrap_or(false)
    }
}

/// A wrong cell to jump to: its array, its index and the step that finishes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stop {
    pub grad: Grad,
    pub index: Vec<usize>,
    pub step: usize,
}

/// Every array given, compared; the wrong cells to visit, and which one is shown.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// In the order out, dx, dw, db.
    pub diffs: Vec<Diff>,
    /// Every wrong cell of every array, in that order, each array in step order.
    pub stops: Vec<Stop>,
    /// The stop shown (the stepper's `e` / `E` move it).
    pub at: usize,
}

/// The right out, dx, dw and db of the layer.
pub fn right_arrays(layer: &Layer, dout: &Array4In<impl Numbers>) -> [ArrayD<f64>; 4] {
    let out = super::naive::conv_forward_naive(layer);
    let g = super::naive::conv_backward_naive(layer, dout);
    [
        out.into_dyn(),
        g.dx.into_dyn(),
        g.dw.into_dyn(),
        g.db.into_dyn(),
    ]
}

impl Comparison {
    /// Compares the arrays given (any of out, dx, dw, db) on `layer` with `dout`.
    pub fn new(
        layer: &Layer,
        dout: &Array4In<impl Numbers>,
        given: Vec<(Grad, ArrayD<f64>)>,
    ) -> Self {
        let right = right_arrays(layer, dout);
        let mut given = given;
        given.sort_by_key(|(g, _)| *g);
        let diffs: Vec<Diff> = given
            .into_iter()
            .map(|(grad, yours)| {
                let right = right[grad as usize].clone();
                diff(layer, dout, grad, yours, right)
            })
            .collect();
        let g = layer.geom;
        let stops = diffs
            .iter()
            .flat_map(|d| {
                d.wrong.iter().map(move |index| Stop {
                    grad: d.grad,
                    index: index.clone(),
                    step: final_step(&g, d.grad, index),
                })
            })
            .collect();
        Comparison {
            diffs,
            stops,
            at: 0,
        }
    }

    /// Whether every array given is right.
    pub fn matches(&self) -> bool {
        self.diffs.iter().all(Diff::matches)
    }

    pub fn diff(&self, grad: Grad) -> Option<&Diff> {
        self.diffs.iter().find(|d| d.grad == grad)
    }

    /// The first array that is wrong.
    pub fn first_wrong(&self) -> Option<&Diff> {
        self.diffs.iter().find(|d| !d.matches())
    }

    /// The stop shown, if there is any wrong cell.
    pub fn stop(&self) -> Option<&Stop> {
        self.stops.get(self.at)
    }
}

fn diff(
    layer: &Layer,
    dout: &Array4In<impl Numbers>,
    grad: Grad,
    yours: ArrayD<f64>,
    right: ArrayD<f64>,
) -> Diff {
    let mistakes = slips::find(layer, dout, grad, &yours, &right);
    if yours.shape() != right.shape() {
        return Diff {
            grad,
            yours,
            right,
            rel_error: None,
            wrong: Vec::new(),
            mask: None,
            patterns: Vec::new(),
            mistakes,
        };
    }
    let largest = super::max_abs_finite(&right);
    let tol = 1e-9 * largest;
    // NaN fails the test, so a NaN cell is wrong.
    let mask = ndarray::Zip::from(&yours)
        .and(&right)
        .map_collect(|y, r| (y - r).abs().partial_cmp(&tol).is_none_or(|o| o.is_gt()));
    let g = layer.geom;
    let mut wrong: Vec<Vec<usize>> = mask
        .indexed_iter()
        .filter(|(_, w)| **w)
        .map(|(ix, _)| ix.slice().to_vec())
        .collect();
    wrong.sort_by_key(|ix| (final_step(&g, grad, ix), ix.clone()));
    let patterns = patterns(&g, grad, &wrong);
    Diff {
        grad,
        rel_error: Some(slips::rel_error(&yours, &right)),
        yours,
        right,
        wrong,
        mask: Some(mask),
        patterns,
        mistakes,
    }
}

/// The step of the naive loops after which cell `index` of `grad` has its final value:
/// out's own step; dx's last window (the first step of its sample when no window reads
/// it); dw[f] and db[f] the last step of filter f in the last sample.
pub fn final_step(g: &Geometry, grad: Grad, index: &[usize]) -> usize {
    let step = |n, f, i, j| g.step_of(OutPos { n, f, i, j }).unwrap_or(1);
    match (grad, index) {
        (Grad::Out, &[n, f, i, j]) => step(n, f, i, j),
        (Grad::Dx, &[n, _, h, w]) => g
            .outputs_reading(h + g.pad, w + g.pad)
            .into_iter()
            .map(|(i, j)| step(n, g.f - 1, i, j))
            .max()
            .unwrap_or_else(|| step(n, 0, 0, 0)),
        (Grad::Dw, &[f, ..]) | (Grad::Db, &[f]) => step(g.n - 1, f, g.h_out - 1, g.w_out - 1),
        _ => 1,
    }
}

/// Whether x cell (h, w) lies next to the padding: within `pad` of an edge.
fn near_padding(g: &Geometry, h: usize, w: usize) -> bool {
    h < g.pad || w < g.pad || h + g.pad >= g.h || w + g.pad >= g.w
}

/// Whether output (i, j)'s window reads padding.
fn reads_padding(g: &Geometry, i: usize, j: usize) -> bool {
    let win = g.window(i, j);
    win.rows
        .iter()
        .any(|&r| win.cols.iter().any(|&c| win.is_pad(r, c)))
}

/// The patterns every wrong cell shares, when sharing it says something (some right
/// cells lie outside it).
fn patterns(g: &Geometry, grad: Grad, wrong: &[Vec<usize>]) -> Vec<Pattern> {
    let mut found = Vec::new();
    let Some(first) = wrong.first() else {
        return found;
    };
    let all = |p: &dyn Fn(&[usize]) -> bool| wrong.iter().all(|ix| p(ix.as_slice()));
    match grad {
        Grad::Out => {
            let some_inside = (0..g.h_out).any(|i| (0..g.w_out).any(|j| !reads_padding(g, i, j)));
            if g.pad > 0 && some_inside && all(&|ix| reads_padding(g, ix[2], ix[3])) {
                found.push(Pattern::PadRing);
            }
        }
        Grad::Dx => {
            let some_inside = (0..g.h).any(|h| (0..g.w).any(|w| !near_padding(g, h, w)));
            if g.pad > 0 && some_inside && all(&|ix| near_padding(g, ix[2], ix[3])) {
                found.push(Pattern::PadRing);
            }
            let touches = |h: usize, w: usize| g.outputs_reading(h + g.pad, w + g.pad).len();
            let some_once = (0..g.h).any(|h| (0..g.w).any(|w| touches(h, w) < 2));
            if some_once && all(&|ix| touches(ix[2], ix[3]) >= 2) {
                found.push(Pattern::Overlaps);
            }
        }
        _ => {}
    }
    let filter_axis = match grad {
        Grad::Out => Some(1),
        Grad::Dw | Grad::Db => Some(0),
        Grad::Dx => None,
    };
    if let Some(a) = filter_axis
        && g.f > 1
        && all(&|ix| ix[a] == first[a])
    {
        found.push(Pattern::OneFilter(first[a]));
    }
    if matches!(grad, Grad::Out | Grad::Dx) && g.n > 1 && all(&|ix| ix[0] == first[0]) {
        found.push(Pattern::OneSample(first[0]));
    }
    found
}

/// One term of a sum that makes a cell: dout[n,f,i,j] times another entry (w's for dx,
/// x_pad's for dw, none for db).
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    pub dout_at: [usize; 4],
    pub dout: f64,
    /// The other factor: its name with index (`w[1,0,2,1]`) and value.
    pub by: Option<(String, f64)>,
}

impl Term {
    pub fn value(&self) -> f64 {
        self.dout * self.by.as_ref().map_or(1.0, |(_, v)| *v)
    }
}

/// What makes cell `index` of `grad`: out's window and sum, or the terms of a gradient.
#[derive(Debug, Clone, PartialEq)]
pub enum Feed {
    /// out[n,f,i,j] = Σ x_pad[n,:,rows,cols] ⊙ w[f] + b[f].
    Window {
        rows: (usize, usize),
        cols: (usize, usize),
        sum: f64,
        bias: f64,
    },
    /// The terms summed, in loop order.
    Terms(Vec<Term>),
}

/// What makes cell `index` of `grad` on this layer (None outside the right shape).
pub fn feed(
    layer: &Layer,
    dout: &Array4In<impl Numbers>,
    grad: Grad,
    index: &[usize],
) -> Option<Feed> {
    let g = layer.geom;
    let x_pad = layer.x_pad();
    let d = g.dilation;
    let mut terms = Vec::new();
    match (grad, index) {
        (Grad::Out, &[n, f, i, j]) => {
            let win = g.window(i, j);
            let mut sum = 0.0;
            for c in 0..g.c {
                for (m, &r) in win.rows.iter().enumerate() {
                    for (k, &col) in win.cols.iter().enumerate() {
                        sum += x_pad.get((n, c, r, col))? * layer.w.get((f, c, m, k))?;
                    }
                }
            }
            let first_last = |v: &[usize]| (v[0], v[v.len() - 1] + 1);
            return Some(Feed::Window {
                rows: first_last(&win.rows),
                cols: first_last(&win.cols),
                sum,
                bias: *layer.b.get(f)?,
            });
        }
        (Grad::Dx, &[n, c, h, w]) => {
            let (r, col) = (h + g.pad, w + g.pad);
            for f in 0..g.f {
                for (i, j) in g.outputs_reading(r, col) {
                    let (m, k) = ((r - i * g.stride) / d, (col - j * g.stride) / d);
                    terms.push(Term {
                        dout_at: [n, f, i, j],
                        dout: *dout.get((n, f, i, j))?,
                        by: Some((format!("w[{f},{c},{m},{k}]"), *layer.w.get((f, c, m, k))?)),
                    });
                }
            }
        }
        (Grad::Dw, &[f, c, m, k]) => {
            for n in 0..g.n {
                for i in 0..g.h_out {
                    for j in 0..g.w_out {
                        let (r, col) = (i * g.stride + m * d, j * g.stride + k * d);
                        terms.push(Term {
                            dout_at: [n, f, i, j],
                            dout: *dout.get((n, f, i, j))?,
                            by: Some((
                                format!("x_pad[{n},{c},{r},{col}]"),
                                *x_pad.get((n, c, r, col))?,
                            )),
                        });
                    }
                }
            }
        }
        (Grad::Db, &[f]) => {
            for n in 0..g.n {
                for i in 0..g.h_out {
                    for j in 0..g.w_out {
                        terms.push(Term {
                            dout_at: [n, f, i, j],
                            dout: *dout.get((n, f, i, j))?,
                            by: None,
                        });
                    }
                }
            }
        }
        _ => return None,
    }
    Some(Feed::Terms(terms))
}

#[cfg(test)]
mod tests {
    use ndarray::Array4;

    use super::*;
    use crate::conv::{ConvParams, noise};

    fn layer() -> (Layer, Array4<f64>) {
        let params = ConvParams {
            stride: 2,
            pad: 1,
            dilation: 1,
        };
        let layer = Layer::new(
            noise((2, 2, 5, 6), 1),
            noise((2, 2, 3, 3), 2),
            ndarray::array![0.5, -0.25],
            params,
        )
        .unwrap();
        let dout = noise(layer.geom.out_dim(), 3);
        (layer, dout)
    }

    #[test]
    fn the_right_arrays_match_and_name_no_mistake() {
        let (layer, dout) = layer();
        let given: Vec<(Grad, ArrayD<f64>)> = Grad::ALL
            .into_iter()
            .zip(right_arrays(&layer, &dout))
            .collect();
        let cmp = Comparison::new(&layer, &dout, given);
        assert!(cmp.matches());
        assert!(cmp.stops.is_empty());
        assert!(cmp.diffs.iter().all(|d| d.mistakes.is_empty()));
    }

    #[test]
    fn one_wrong_cell_is_found_with_its_step_and_pattern() {
        let (layer, dout) = layer();
        let [out, ..] = right_arrays(&layer, &dout);
        let mut yours = out.clone();
        yours[[1, 0, 2, 1]] += 0.5;
        yours[[1, 0, 0, 0]] = f64::NAN;
        let cmp = Comparison::new(&layer, &dout, vec![(Grad::Out, yours)]);
        let d = cmp.diff(Grad::Out).unwrap();
        assert!(!d.matches());
        // The NaN cell comes first: its step is earlier.
        assert_eq!(d.wrong, vec![vec![1, 0, 0, 0], vec![1, 0, 2, 1]]);
        assert_eq!(d.rel_error, Some(1.0));
        let g = layer.geom;
        // Sample 1, filter 0, row 2, column 1 of a 3x3 output with 2 filters.
        // Steps before it: sample 0 (2 filters of 3x3) and rows 0, 1 of filter 0.
        assert_eq!(cmp.stops[1].step, 18 + 2 * 3 + 1 + 1);
        assert_eq!(g.h_out, 3);
        assert!(d.patterns.contains(&Pattern::OneFilter(0)));
        assert!(d.patterns.contains(&Pattern::OneSample(1)));
        assert!(d.mistakes.is_empty());
    }

    #[test]
    fn a_dx_cell_is_final_after_its_last_window() {
        let (layer, _) = layer();
        let g = layer.geom;
        // x cell (0, 0) is padded (1, 1): windows (0, 0) only (stride 2, kernel 3).
        assert_eq!(
            final_step(&g, Grad::Dx, &[0, 0, 0, 0]),
            g.step_of(OutPos {
                n: 0,
                f: 1,
                i: 0,
                j: 0
            })
            .unwrap()
        );
        // x cell (1, 1) is padded (2, 2): windows (0..=1, 0..=1), the last (1, 1).
        assert_eq!(
            final_step(&g, Grad::Dx, &[0, 0, 1, 1]),
            g.step_of(OutPos {
                n: 0,
                f: 1,
                i: 1,
                j: 1
            })
            .unwrap()
        );
    }

    #[test]
    fn a_dx_cell_is_the_sum_of_its_terms() {
        let (layer, dout) = layer();
        let [_, dx, dw, db] = right_arrays(&layer, &dout);
        for (grad, right, index) in [
            (Grad::Dx, &dx, vec![1, 1, 2, 3]),
            (Grad::Dw, &dw, vec![1, 0, 2, 1]),
            (Grad::Db, &db, vec![1]),
        ] {
            let Some(Feed::Terms(terms)) = feed(&layer, &dout, grad, &index) else {
                panic!("terms of {grad:?}");
            };
            let total: f64 = terms.iter().map(Term::value).sum();
            assert!((total - right[IxDyn(&index)]).abs() < 1e-12, "{grad:?}");
        }
        let [out, ..] = right_arrays(&layer, &dout);
        let Some(Feed::Window { sum, bias, .. }) = feed(&layer, &dout, Grad::Out, &[1, 1, 2, 0])
        else {
            panic!("window");
        };
        assert!((sum + bias - out[[1, 1, 2, 0]]).abs() < 1e-12);
    }
}
