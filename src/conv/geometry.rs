//! Shapes and the step order: which output cell a step computes, and which cells of
//! the padded input its window reads.

use super::ConvError;

/// stride, zero padding and dilation, as in `conv_param` (plus PyTorch's dilation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ConvParams {
    pub stride: usize,
    pub pad: usize,
    pub dilation: usize,
}

impl Default for ConvParams {
    fn default() -> Self {
        ConvParams {
            stride: 1,
            pad: 0,
            dilation: 1,
        }
    }
}

/// The checked geometry of a layer: CS231n's letters, plus the output size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Geometry {
    pub n: usize,
    pub c: usize,
    pub h: usize,
    pub w: usize,
    pub f: usize,
    pub hh: usize,
    pub ww: usize,
    pub stride: usize,
    pub pad: usize,
    pub dilation: usize,
    /// H' = floor((H + 2 pad - dilation (HH-1) - 1) / stride) + 1
    pub h_out: usize,
    /// W' = floor((W + 2 pad - dilation (WW-1) - 1) / stride) + 1
    pub w_out: usize,
}

/// One output cell: image n, filter f, output row i, output column j.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OutPos {
    pub n: usize,
    pub f: usize,
    pub i: usize,
    pub j: usize,
}

impl OutPos {
    /// The cell of an output of shape (N, F, H', W') that 1-based `step` computes, in
    /// the order of CS231n's naive loops (n outermost, then f, i, and j innermost).
    /// None outside 1..=N*F*H'*W'.
    pub fn of_step(
        (n, f, h_out, w_out): (usize, usize, usize, usize),
        step: usize,
    ) -> Option<OutPos> {
        if step == 0 || step > n * f * h_out * w_out {
            return None;
        }
        let k = step - 1;
        Some(OutPos {
            n: k / (w_out * h_out * f),
            f: (k / (w_out * h_out)) % f,
            i: (k / w_out) % h_out,
            j: k % w_out,
        })
    }
}

/// The cells of the padded input that one window reads: `rows[m]` and `cols[k]` are
/// coordinates in x_pad (dilation spaces them apart).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    pub rows: Vec<usize>,
    pub cols: Vec<usize>,
    /// Size of the padding ring, to tell padding cells from pixels.
    pub pad: usize,
    pub h: usize,
    pub w: usize,
}

impl Window {
    /// Whether the padded cell (row, col) is zero padding rather than a pixel.
    pub fn is_pad(&self, row: usize, col: usize) -> bool {
        row < self.pad || col < self.pad || row >= self.pad + self.h || col >= self.pad + self.w
    }

    /// Whether the window reads the padded cell (row, col).
    pub fn contains(&self, row: usize, col: usize) -> bool {
        self.rows.contains(&row) && self.cols.contains(&col)
    }

    /// Top-left and bottom-right padded cells the window spans (inclusive).
    pub fn span(&self) -> ((usize, usize), (usize, usize)) {
        (
            (self.rows[0], self.cols[0]),
            (
                *self.rows.last().unwrap_or(&0),
                *self.cols.last().unwrap_or(&0),
            ),
        )
    }
}

/// The most numbers any one array of a layer may hold (x_pad, w, out): 16 Mi, 128 MiB
/// of f64, so that whatever the input claims, forward and backward together stay well
/// under a gigabyte (the engine keeps no im2col matrix and no padded copy of x: a pass
/// needs a few padded rows per band besides its inputs and outputs).
pub const MAX_ELEMENTS: usize = 1 << 24;
/// The most multiply-adds of one forward pass, N F H' W' C HH WW (256 Mi), which keeps
/// every pass (and so every parameter change in the stepper) to a fraction of a second.
pub const MAX_WORK: usize = 1 << 28;

impl Geometry {
    /// Checks x (N,C,H,W), w (F,C,HH,WW), b of length F and the parameters.
    pub fn new(
        x_dim: (usize, usize, usize, usize),
        w_dim: (usize, usize, usize, usize),
        b_len: usize,
        params: ConvParams,
    ) -> Result<Self, ConvError> {
        let (n, c, h, w) = x_dim;
        let (f, wc, hh, ww) = w_dim;
        let ConvParams {
            stride,
            pad,
            dilation,
        } = params;
        if stride == 0 {
            return Err(ConvError::ZeroStride);
        }
        if dilation == 0 {
            return Err(ConvError::ZeroDilation);
        }
        if [n, c, h, w].contains(&0) {
            return Err(ConvError::EmptyArray {
                what: "x",
                shape: vec![n, c, h, w],
            });
        }
        if [f, wc, hh, ww].contains(&0) {
            return Err(ConvError::EmptyArray {
                what: "w",
                shape: vec![f, wc, hh, ww],
            });
        }
        if c != wc {
            return Err(ConvError::ChannelMismatch { x_c: c, w_c: wc });
        }
        if b_len != f {
            return Err(ConvError::BiasMismatch { b_len, f });
        }
        let too_large = |what: &str, dims: &[usize], limit: usize| {
            let shape: Vec<String> = dims.iter().map(usize::to_string).collect();
            ConvError::TooLarge(format!(
                "{what} ({}) would be more than {limit} numbers",
                shape.join(",")
            ))
        };
        let padded = |len: usize| pad.checked_mul(2).and_then(|p| p.checked_add(len));
        let (Some(hp), Some(wp)) = (padded(h), padded(w)) else {
            return Err(ConvError::TooLarge(format!(
                "pad {pad} is larger than any input could use"
            )));
        };
        let reach = |len: usize| dilation.checked_mul(len - 1).and_then(|r| r.checked_add(1));
        let (Some(reach_h), Some(reach_w)) = (reach(hh), reach(ww)) else {
            return Err(ConvError::TooLarge(format!(
                "dilation {dilation} is larger than any input could use"
            )));
        };
        if reach_h > hp || reach_w > wp {
            return Err(ConvError::KernelTooLarge {
                reach_h,
                reach_w,
                hp,
                wp,
            });
        }
        let h_out = (hp - reach_h) / stride + 1;
        let w_out = (wp - reach_w) / stride + 1;
        let sizes: [(&str, [usize; 4], usize); 4] = [
            (
                "the padded input x_pad (N,C,H+2pad,W+2pad)",
                [n, c, hp, wp],
                MAX_ELEMENTS,
            ),
            ("w (F,C,HH,WW)", [f, c, hh, ww], MAX_ELEMENTS),
            ("the output (N,F,H',W')", [n, f, h_out, w_out], MAX_ELEMENTS),
            (
                "the multiply-adds of a pass (N,F,H'*W',C*HH*WW)",
                [
                    n,
                    f,
                    h_out.saturating_mul(w_out),
                    c.saturating_mul(hh).saturating_mul(ww),
                ],
                MAX_WORK,
            ),
        ];
        for (what, dims, limit) in sizes {
            let count = dims.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d));
            if count.is_none_or(|count| count > limit) {
                return Err(too_large(what, &dims, limit));
            }
        }
        Ok(Geometry {
            n,
            c,
            h,
            w,
            f,
            hh,
            ww,
            stride,
            pad,
            dilation,
            h_out,
            w_out,
        })
    }

    pub fn params(&self) -> ConvParams {
        ConvParams {
            stride: self.stride,
            pad: self.pad,
            dilation: self.dilation,
        }
    }

    /// Padded height H + 2 pad.
    pub fn hp(&self) -> usize {
        self.h + 2 * self.pad
    }

    /// Padded width W + 2 pad.
    pub fn wp(&self) -> usize {
        self.w + 2 * self.pad
    }

    /// The output's shape (N, F, H', W').
    pub fn out_dim(&self) -> (usize, usize, usize, usize) {
        (self.n, self.f, self.h_out, self.w_out)
    }

    /// Number of steps: N * F * H' * W'.
    pub fn total_steps(&self) -> usize {
        self.n * self.f * self.h_out * self.w_out
    }

    /// The output cell computed by 1-based `step`, in the order of CS231n's naive loops
    /// (n outermost, then f, i, and j innermost). None outside 1..=total.
    pub fn position(&self, step: usize) -> Option<OutPos> {
        OutPos::of_step(self.out_dim(), step)
    }

    /// The 1-based step that computes `pos`; None if pos is outside the output.
    pub fn step_of(&self, pos: OutPos) -> Option<usize> {
        let OutPos { n, f, i, j } = pos;
        if n >= self.n || f >= self.f || i >= self.h_out || j >= self.w_out {
            return None;
        }
        Some(((n * self.f + f) * self.h_out + i) * self.w_out + j + 1)
    }

    /// The window of output cell (i, j): padded rows i*stride + m*dilation, m < HH,
    /// and columns j*stride + k*dilation, k < WW.
    pub fn window(&self, i: usize, j: usize) -> Window {
        let rows = (0..self.hh)
            .map(|m| i * self.stride + m * self.dilation)
            .collect();
        let cols = (0..self.ww)
            .map(|k| j * self.stride + k * self.dilation)
            .collect();
        Window {
            rows,
            cols,
            pad: self.pad,
            h: self.h,
            w: self.w,
        }
    }

    /// Padded rows that some window reads (false: a stride that does not divide
    /// leaves them out, and their dx is 0).
    pub fn rows_reached(&self) -> Vec<bool> {
        reached(self.hp(), self.h_out, self.hh, self.stride, self.dilation)
    }

    /// Padded columns that some window reads.
    pub fn cols_reached(&self) -> Vec<bool> {
        reached(self.wp(), self.w_out, self.ww, self.stride, self.dilation)
    }

    /// The output cells (i, j) whose windows read padded cell (row, col): the inverse
    /// mapping, used to show what one input cell feeds.
    pub fn outputs_reading(&self, row: usize, col: usize) -> Vec<(usize, usize)> {
        let along = |p: usize, out: usize, k: usize| -> Vec<usize> {
            (0..out)
                .filter(|&o| {
                    let start = o * self.stride;
                    p >= start
                        && (p - start).is_multiple_of(self.dilation)
                        && (p - start) / self.dilation < k
                })
                .collect()
        };
        let is = along(row, self.h_out, self.hh);
        let js = along(col, self.w_out, self.ww);
        is.iter()
            .flat_map(|&i| js.iter().map(move |&j| (i, j)))
            .collect()
    }
}

fn reached(len: usize, out: usize, k: usize, stride: usize, dilation: usize) -> Vec<bool> {
    let mut hit = vec![false; len];
    for o in 0..out {
        for m in 0..k {
            hit[o * stride + m * dilation] = true;
        }
    }
    hit
}
