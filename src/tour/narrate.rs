//! Placeholders in narration (`{out_shape}`, `{params_fc}`, ...), filled with numbers
//! computed from the page's scene so that the words always match the screen.

use std::collections::BTreeMap;

use ndarray::Axis;

use crate::conv::{self, Layer, OutPos, Param};
use crate::input::Scene;

/// Above this many entries in x, w and b the gradient-check placeholders use one
/// entry instead of every entry (two forward passes per entry).
const FULL_CHECK_LIMIT: usize = 300;

/// The numbers a page's narration may quote, by placeholder name.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    values: BTreeMap<&'static str, String>,
}

/// The placeholders, each with what it stands for (the README lists them from here).
pub const PLACEHOLDERS: &[(&str, &str)] = &[
    ("N", "images in the batch"),
    ("C", "channels"),
    ("H", "input height"),
    ("W", "input width"),
    ("F", "filters"),
    ("HH", "kernel height"),
    ("WW", "kernel width"),
    ("H_out", "output height H'"),
    ("W_out", "output width W'"),
    ("stride", "stride"),
    ("pad", "zero padding"),
    ("dilation", "dilation"),
    ("steps", "number of steps N*F*H'*W'"),
    ("x_shape", "x as NxCxHxW"),
    ("filter_shape", "one filter w[f] as CxHHxWW"),
    ("w_shape", "w as FxCxHHxWW"),
    ("out_shape", "out as NxFxH'xW'"),
    ("in_hwc", "the input as HxWxC"),
    ("kernel_hwc", "one filter as HHxWWxC"),
    ("out_hw", "one feature map as H'xW'"),
    ("out_hwc", "the output as H'xW'xF"),
    ("inputs", "numbers in one input image C*H*W"),
    ("outputs", "numbers in one output F*H'*W'"),
    ("window_size", "numbers one window reads C*HH*WW"),
    ("padded_hw", "the padded input as (H+2pad)x(W+2pad)"),
    (
        "rf",
        "receptive field of one output cell in x (with dilation)",
    ),
    ("weights_conv", "weights of this layer F*C*HH*WW"),
    ("params_conv", "parameters of this layer F*C*HH*WW + F"),
    (
        "weights_fc",
        "weights of a fully connected layer with the same input and output",
    ),
    (
        "params_fc",
        "its parameters (weights + one bias per output)",
    ),
    ("param_ratio", "params_fc / params_conv, rounded"),
    (
        "mults_conv",
        "multiplications of this layer N*F*H'*W'*C*HH*WW",
    ),
    ("step", "the scene's step (1-based)"),
    ("pos", "its output cell [n,f,i,j]"),
    ("out", "its output value"),
    ("window_rows", "rows of x_pad its window spans, first-last"),
    (
        "window_cols",
        "columns of x_pad its window spans, first-last",
    ),
    (
        "max_at",
        "(i, j) of the largest value in the scene filter's feature map",
    ),
    ("max", "that value"),
    ("dx_shape", "dx as NxCxHxW"),
    ("dx_pad_shape", "dx_pad as NxCx(H+2pad)x(W+2pad)"),
    ("relerr_dx", "rel_error of dx, numeric against analytic"),
    ("relerr_dw", "rel_error of dw"),
    ("relerr_db", "rel_error of db"),
];

/// Groups digits by thousands: 2408448 -> "2,408,448".
pub fn grouped(n: u128) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

fn by(dims: &[usize]) -> String {
    let parts: Vec<String> = dims.iter().map(|d| d.to_string()).collect();
    parts.join("x")
}

fn number(v: f64) -> String {
    let s = format!("{v:.3}");
    if s == "-0.000" { "0.000".into() } else { s }
}

impl Facts {
    /// The facts of `scene` with the output cell of 1-based `step` in focus.
    pub fn of(scene: &Scene, step: usize) -> Facts {
        Self::for_texts(scene, step, None)
    }

    /// As [`Facts::of`], but the costly facts (the feature map's maximum, the gradient
    /// checks) only when one of `texts` quotes them (None: always).
    pub fn for_texts(scene: &Scene, step: usize, texts: Option<&[&str]>) -> Facts {
        let quotes = |prefix: &str| texts.is_none_or(|ts| ts.iter().any(|t| t.contains(prefix)));
        let layer = &scene.layer;
        let g = &layer.geom;
        let mut v: BTreeMap<&'static str, String> = BTreeMap::new();
        let wide = |n: usize| n as u128;
        for (name, value) in [
            ("N", g.n),
            ("C", g.c),
            ("H", g.h),
            ("W", g.w),
            ("F", g.f),
            ("HH", g.hh),
            ("WW", g.ww),
            ("H_out", g.h_out),
            ("W_out", g.w_out),
            ("stride", g.stride),
            ("pad", g.pad),
            ("dilation", g.dilation),
        ] {
            v.insert(name, value.to_string());
        }
        v.insert("steps", grouped(wide(g.total_steps())));
        // Shapes as the screen writes them: CS231n's order, joined by x.
        v.insert("x_shape", by(&[g.n, g.c, g.h, g.w]));
        v.insert("filter_shape", by(&[g.c, g.hh, g.ww]));
        v.insert("dx_shape", by(&[g.n, g.c, g.h, g.w]));
        v.insert("dx_pad_shape", by(&[g.n, g.c, g.hp(), g.wp()]));
        v.insert("w_shape", by(&[g.f, g.c, g.hh, g.ww]));
        v.insert("out_shape", by(&[g.n, g.f, g.h_out, g.w_out]));
        v.insert("in_hwc", by(&[g.h, g.w, g.c]));
        v.insert("kernel_hwc", by(&[g.hh, g.ww, g.c]));
        v.insert("out_hw", by(&[g.h_out, g.w_out]));
        v.insert("out_hwc", by(&[g.h_out, g.w_out, g.f]));
        v.insert("padded_hw", by(&[g.hp(), g.wp()]));
        let reach = |k: usize| g.dilation * (k - 1) + 1;
        v.insert("rf", by(&[reach(g.hh), reach(g.ww)]));

        let weights_conv = wide(g.f) * wide(g.c) * wide(g.hh) * wide(g.ww);
        let params_conv = weights_conv + wide(g.f);
        let inputs = wide(g.c) * wide(g.h) * wide(g.w);
        let outputs = wide(g.f) * wide(g.h_out) * wide(g.w_out);
        let weights_fc = inputs * outputs;
        let params_fc = weights_fc + outputs;
        v.insert("inputs", grouped(inputs));
        v.insert("outputs", grouped(outputs));
        v.insert("window_size", grouped(wide(g.c) * wide(g.hh) * wide(g.ww)));
        v.insert("weights_conv", grouped(weights_conv));
        v.insert("params_conv", grouped(params_conv));
        v.insert("weights_fc", grouped(weights_fc));
        v.insert("params_fc", grouped(params_fc));
        let ratio = (params_fc + params_conv / 2) / params_conv.max(1);
        v.insert("param_ratio", grouped(ratio));
        v.insert(
            "mults_conv",
            grouped(wide(g.n) * outputs * wide(g.c) * wide(g.hh) * wide(g.ww)),
        );

        let pos = g.position(step).or_else(|| g.position(1));
        if let Some(fs) = pos.and_then(|p| layer.forward_step(g.step_of(p)?)) {
            let OutPos { n, f, i, j } = fs.pos;
            v.insert("pos", format!("[{n},{f},{i},{j}]"));
            v.insert("step", fs.step.to_string());
            v.insert("out", number(fs.out));
            let ((r0, c0), (r1, c1)) = fs.window.span();
            v.insert("window_rows", format!("{r0}-{r1}"));
            v.insert("window_cols", format!("{c0}-{c1}"));
            if quotes("{max") {
                Self::insert_max(&mut v, layer, n, f);
            }
        }
        if quotes("{relerr_") {
            Self::insert_grad_checks(&mut v, scene);
        }
        Facts { values: v }
    }

    fn insert_max(v: &mut BTreeMap<&'static str, String>, layer: &Layer, n: usize, f: usize) {
        let out = conv::forward(layer);
        let map = out.index_axis(Axis(0), n);
        let map = map.index_axis(Axis(0), f);
        let best =
            map.indexed_iter().fold(
                None::<((usize, usize), f64)>,
                |best, (at, &val)| match best {
                    Some((_, b)) if b >= val => best,
                    _ => Some((at, val)),
                },
            );
        if let Some(((i, j), val)) = best {
            v.insert("max_at", format!("({i}, {j})"));
            v.insert("max", number(val));
        }
    }

    fn insert_grad_checks(v: &mut BTreeMap<&'static str, String>, scene: &Scene) {
        let layer = &scene.layer;
        let entries = layer.x.len() + layer.w.len() + layer.b.len();
        let sci = |e: f64| format!("{e:.1e}");
        if entries <= FULL_CHECK_LIMIT {
            let (Ok(numeric), Ok(analytic)) = (
                conv::numeric_grads(layer, &scene.dout, 1e-5),
                conv::backward(layer, &scene.dout),
            ) else {
                return;
            };
            v.insert("relerr_dx", sci(conv::rel_error(&numeric.dx, &analytic.dx)));
            v.insert("relerr_dw", sci(conv::rel_error(&numeric.dw, &analytic.dw)));
            v.insert("relerr_db", sci(conv::rel_error(&numeric.db, &analytic.db)));
            return;
        }
        let g = &layer.geom;
        let probes = [
            (
                "relerr_dx",
                Param::X {
                    n: 0,
                    c: 0,
                    h: g.h / 2,
                    w: g.w / 2,
                },
            ),
            (
                "relerr_dw",
                Param::W {
                    f: 0,
                    c: 0,
                    m: g.hh / 2,
                    k: g.ww / 2,
                },
            ),
            ("relerr_db", Param::B { f: 0 }),
        ];
        for (name, param) in probes {
            if let Ok(Some(check)) = conv::grad_check(layer, &scene.dout, param) {
                v.insert(name, sci(check.rel_error));
            }
        }
    }

    /// The value of one placeholder.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }
}

/// Replaces every `{name}` in `template` by its fact; `{{` and `}}` stand for braces.
/// Errors name the first unknown or unclosed placeholder.
pub fn fill(template: &str, facts: &Facts) -> Result<String, String> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(at) = rest.find(['{', '}']) {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        if let Some(after) = tail.strip_prefix("{{") {
            out.push('{');
            rest = after;
        } else if let Some(after) = tail.strip_prefix("}}") {
            out.push('}');
            rest = after;
        } else if tail.starts_with('}') {
            return Err("a lone `}` (write `}}` for a brace)".into());
        } else {
            let Some(end) = tail.find('}') else {
                return Err("a `{` without its `}` (write `{{` for a brace)".into());
            };
            let name = &tail[1..end];
            let Some(value) = facts.get(name) else {
                return Err(if PLACEHOLDERS.iter().any(|(p, _)| *p == name) {
                    format!("placeholder {{{name}}} has no value for this scene")
                } else {
                    format!("unknown placeholder {{{name}}}")
                });
            };
            out.push_str(value);
            rest = &tail[end + 1..];
        }
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use ndarray::{Array1, Array4};

    use super::*;
    use crate::conv::ConvParams;
    use crate::input::{Labels, Scale};

    fn scene(h: usize, w: usize, c: usize, f: usize, k: usize, params: ConvParams) -> Scene {
        let x = Array4::from_shape_fn((1, c, h, w), |(_, c, r, col)| (r * w + col + c) as f64);
        let wt = Array4::from_shape_fn((f, c, k, k), |(f, _, m, n)| (f + m * k + n) as f64);
        let layer = Layer::new(x, wt, Array1::zeros(f), params).unwrap();
        let dout = Array4::ones(layer.geom.out_dim()).into_shared();
        Scene {
            layer,
            dout,
            labels: Labels {
                source: "test".into(),
                kernels: vec![],
                channels: vec![],
                scale: Scale::Unit,
            },
        }
    }

    #[test]
    fn the_notes_example_counts_parameters() {
        // 32x32x3 input, one 5x5x3 filter, stride 1, no padding: 28x28x1.
        let s = scene(32, 32, 3, 1, 5, ConvParams::default());
        let facts = Facts::of(&s, 1);
        assert_eq!(facts.get("out_hwc"), Some("28x28x1"));
        // The shapes as the screen writes them: CS231n's order, joined by x.
        assert_eq!(facts.get("x_shape"), Some("1x3x32x32"));
        assert_eq!(facts.get("filter_shape"), Some("3x5x5"));
        assert_eq!(facts.get("w_shape"), Some("1x3x5x5"));
        assert_eq!(facts.get("out_shape"), Some("1x1x28x28"));
        assert_eq!(facts.get("dx_pad_shape"), Some("1x3x32x32"));
        assert_eq!(facts.get("params_conv"), Some("76"));
        // 3072 inputs * 784 outputs = 2,408,448 weights, + 784 biases.
        assert_eq!(facts.get("weights_fc"), Some("2,408,448"));
        assert_eq!(facts.get("params_fc"), Some("2,409,232"));
        assert_eq!(facts.get("param_ratio"), Some("31,700"));
        assert_eq!(facts.get("mults_conv"), Some("58,800"));
    }

    #[test]
    fn the_focused_step_gives_its_value_and_window() {
        let params = ConvParams {
            stride: 2,
            pad: 1,
            dilation: 1,
        };
        let s = scene(5, 5, 1, 1, 3, params);
        // Step 2 is [0,0,0,1]: window rows 0-2, columns 2-4 of x_pad.
        let facts = Facts::of(&s, 2);
        assert_eq!(facts.get("pos"), Some("[0,0,0,1]"));
        assert_eq!(facts.get("window_rows"), Some("0-2"));
        assert_eq!(facts.get("window_cols"), Some("2-4"));
        // x_pad rows 1..2 hold x rows 0..1; cols 2..4 hold x cols 1..3:
        // w = [[0,1,2],[3,4,5],[6,7,8]], x rows 0,1 = [1,2,3],[6,7,8] at kernel rows 1,2.
        let want = 3.0 + 2.0 * 4.0 + 3.0 * 5.0 + 6.0 * 6.0 + 7.0 * 7.0 + 8.0 * 8.0;
        assert_eq!(facts.get("out"), Some(format!("{want:.3}").as_str()));
        assert_eq!(facts.get("out_shape"), Some("1x1x3x3"));
        assert_eq!(facts.get("padded_hw"), Some("7x7"));
        let e: f64 = facts.get("relerr_dx").unwrap().parse().unwrap();
        assert!(e < 1e-7, "{e}");
    }

    #[test]
    fn fill_replaces_and_rejects() {
        let s = scene(4, 4, 1, 1, 3, ConvParams::default());
        let facts = Facts::of(&s, 1);
        assert_eq!(
            fill("out {out_hw}, {{literal}}", &facts).unwrap(),
            "out 2x2, {literal}"
        );
        assert!(
            fill("{nope}", &facts)
                .unwrap_err()
                .contains("unknown placeholder {nope}")
        );
        assert!(fill("open {out", &facts).is_err());
        assert!(fill("close }", &facts).is_err());
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1,000");
    }
}
