//! A stack of layers (conv, ReLU, max pooling): each conv layer is the single [`Layer`]
//! the rest of convstep steps through, so the engines, the stepping and the geometry
//! serve every conv layer of a stack unchanged. The forward pass runs from x up, every
//! layer's output kept; the backward pass runs from the last layer's dout down, and the
//! one place where a layer's dx becomes the dout of the layer below is [`dout_below`].
//!
//! Weights: the first conv layer may be given (`--kernel`, `--bias`); every other conv
//! layer's w is drawn from a standard normal (Box–Muller on ChaCha8 seeded by `--seed`,
//! stream 16 + the layer's index, so a layer's weights depend only on the seed, its
//! place and its shape) and scaled by He et al.'s sqrt(2 / (C·K·K)), which keeps the
//! activations' variance about constant through conv + ReLU layers: neither vanishing
//! nor exploding over a few layers. Their biases are 0.

use crate::conv::{Array4In, Numbers};
use std::fmt;
use std::sync::Arc;

use ndarray::{Array1, Array4};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use thiserror::Error;

use super::memory::duplicate;
use super::pool::{Pool, PoolParams};
use super::relu::Relu;
use super::{ConvError, ConvParams, Grads, Layer, SharedArray4, backward, forward};

/// A conv layer of a SPEC: `conv K [sS] [pP] [dD] [fF]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ConvSpec {
    /// The kernel's side K.
    pub kernel: usize,
    pub params: ConvParams,
    /// Filters F; None: as many as the layer's input has channels (or, for a given
    /// first kernel, as many as it has).
    pub filters: Option<usize>,
}

/// One item of a SPEC (`conv 3 p1 f4`, `pool 2`, `relu`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LayerSpec {
    Conv(ConvSpec),
    Pool(PoolParams),
    Relu,
}

impl LayerSpec {
    /// `conv K sS pP dD fF` with the defaults of the SPEC grammar left out when given.
    pub fn conv(kernel: usize, stride: usize, pad: usize, dilation: usize) -> LayerSpec {
        LayerSpec::Conv(ConvSpec {
            kernel,
            params: ConvParams {
                stride,
                pad,
                dilation,
            },
            filters: None,
        })
    }

    /// The same conv layer with F filters (other kinds unchanged).
    pub fn filters(self, f: usize) -> LayerSpec {
        match self {
            LayerSpec::Conv(c) => LayerSpec::Conv(ConvSpec {
                filters: Some(f),
                ..c
            }),
            other => other,
        }
    }

    pub fn pool(kernel: usize, stride: usize) -> LayerSpec {
        LayerSpec::Pool(PoolParams { kernel, stride })
    }

    /// `conv`, `pool` or `relu`.
    pub fn kind(&self) -> &'static str {
        match self {
            LayerSpec::Conv(_) => "conv",
            LayerSpec::Pool(_) => "pool",
            LayerSpec::Relu => "relu",
        }
    }

    /// The receptive-field view of the layer: kernel side, stride, pad, dilation (ReLU
    /// is 1, 1, 0, 1: it changes no field).
    pub fn window(&self) -> (usize, usize, usize, usize) {
        match self {
            LayerSpec::Conv(c) => (c.kernel, c.params.stride, c.params.pad, c.params.dilation),
            LayerSpec::Pool(p) => (p.kernel, p.stride, 0, 1),
            LayerSpec::Relu => (1, 1, 0, 1),
        }
    }
}

impl fmt::Display for LayerSpec {
    /// The item as the SPEC grammar writes it, defaults left out: `conv 3 s2 p1 f4`,
    /// `pool 2`, `pool 3 s2`, `relu`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LayerSpec::Conv(c) => {
                write!(f, "conv {}", c.kernel)?;
                let p = c.params;
                if p.stride != 1 {
                    write!(f, " s{}", p.stride)?;
                }
                if p.pad != 0 {
                    write!(f, " p{}", p.pad)?;
                }
                if p.dilation != 1 {
                    write!(f, " d{}", p.dilation)?;
                }
                if let Some(n) = c.filters {
                    write!(f, " f{n}")?;
                }
                Ok(())
            }
            LayerSpec::Pool(p) if p.stride == p.kernel => write!(f, "pool {}", p.kernel),
            LayerSpec::Pool(p) => write!(f, "pool {} s{}", p.kernel, p.stride),
            LayerSpec::Relu => write!(f, "relu"),
        }
    }
}

/// A SPEC written back: items joined by `; `.
pub fn spec_text(specs: &[LayerSpec]) -> String {
    let items: Vec<String> = specs.iter().map(LayerSpec::to_string).collect();
    items.join("; ")
}

/// A layer of a stack that cannot be built, named by its place (1-based) and its item.
#[derive(Debug, Clone, PartialEq, Error)]
#[error("--layers item {index} '{item}': {reason}")]
pub struct StackError {
    /// 1-based, as the user counts the SPEC's items.
    pub index: usize,
    /// The item as the grammar writes it.
    pub item: String,
    pub reason: StackReason,
}

/// Why a layer of a stack cannot be built.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum StackReason {
    #[error(transparent)]
    Conv(#[from] ConvError),
    #[error("the given kernel has shape {got} but this layer needs {want}")]
    KernelShape { got: String, want: String },
    #[error("the given bias has {got} entries but this layer has {f} filters")]
    BiasLength { got: usize, f: usize },
    #[error("a stack needs at least one layer")]
    Empty,
}

/// The first conv layer's w and b where the user gave them (`--kernel`, `--bias`), and
/// the seed of every other weight.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NetInit {
    pub seed: u64,
    pub first_w: Option<Array4<f64>>,
    pub first_b: Option<Array1<f64>>,
}

/// One layer of a [`Net`], with its input (and, for ReLU and pooling, its output).
#[derive(Debug, Clone, PartialEq)]
pub enum NetLayer {
    Conv(Layer),
    Pool(Pool),
    Relu(Relu),
}

impl NetLayer {
    /// The layer's input.
    pub fn x(&self) -> &SharedArray4 {
        match self {
            NetLayer::Conv(l) => &l.x,
            NetLayer::Pool(p) => &p.x,
            NetLayer::Relu(r) => &r.x,
        }
    }

    /// The layer's output shape.
    pub fn out_dim(&self) -> (usize, usize, usize, usize) {
        match self {
            NetLayer::Conv(l) => l.geom.out_dim(),
            NetLayer::Pool(p) => p.geom.out_dim(),
            NetLayer::Relu(r) => r.x.dim(),
        }
    }

    /// The conv layer, if it is one.
    pub fn as_conv(&self) -> Option<&Layer> {
        match self {
            NetLayer::Conv(l) => Some(l),
            _ => None,
        }
    }

    /// As [`NetLayer::backward`], a conv layer's dw and db left at zero
    /// ([`super::backward_dx`]).
    pub fn backward_dx(&self, dout: &Array4In<impl Numbers>) -> Result<LayerGrads, ConvError> {
        match self {
            NetLayer::Conv(l) => Ok(LayerGrads::Conv(Box::new(super::backward_dx(l, dout)?))),
            _ => self.backward(dout),
        }
    }

    /// dx and, for a conv layer, dw and db, given the layer's dout.
    pub fn backward(&self, dout: &Array4In<impl Numbers>) -> Result<LayerGrads, ConvError> {
        Ok(match self {
            NetLayer::Conv(l) => LayerGrads::Conv(Box::new(backward(l, dout)?)),
            NetLayer::Pool(p) => LayerGrads::Routed(p.backward(dout)?),
            NetLayer::Relu(r) => LayerGrads::Routed(r.backward(dout)?),
        })
    }
}

/// What one layer's backward pass gives: dx, and for a conv layer all of [`Grads`].
#[derive(Debug, Clone, PartialEq)]
pub enum LayerGrads {
    /// A conv layer's dx_pad, dx, dw and db.
    Conv(Box<Grads>),
    /// A pooling or ReLU layer's dx.
    Routed(Array4<f64>),
}

impl LayerGrads {
    /// The gradient of the layer's input.
    pub fn dx(&self) -> &Array4<f64> {
        match self {
            LayerGrads::Conv(g) => &g.dx,
            LayerGrads::Routed(dx) => dx,
        }
    }

    /// The gradient of the layer's input, taken out.
    pub fn into_dx(self) -> Array4<f64> {
        match self {
            LayerGrads::Conv(g) => g.dx,
            LayerGrads::Routed(dx) => dx,
        }
    }

    /// A conv layer's gradients (None for pooling and ReLU).
    pub fn conv(&self) -> Option<&Grads> {
        match self {
            LayerGrads::Conv(g) => Some(&**g),
            LayerGrads::Routed(_) => None,
        }
    }
}

/// The wiring of the backward pass: the dout of the layer below is this layer's dx
/// ("dx of layer 3 = dout of layer 2"). The one place it is written.
pub fn dout_below(grads: &LayerGrads) -> &Array4<f64> {
    grads.dx()
}

/// The backward pass of a stack (or of its layers 0..=top): each layer's dout and
/// gradients, indexed as the layers are.
#[derive(Debug, Clone, PartialEq)]
pub struct StackGrads {
    /// douts[l]: the gradient of layer l's output (the last one's is the stack's dout).
    pub douts: Vec<Array4<f64>>,
    pub grads: Vec<LayerGrads>,
}

impl StackGrads {
    /// The gradient of the stack's input x.
    pub fn dx(&self) -> &Array4<f64> {
        self.grads[0].dx()
    }
}

/// A stack of layers on an input x, its forward pass done. Construct with
/// [`Net::new`]; change a layer with [`Net::with_specs`]. Layers ([`Arc`]) and
/// outputs ([`SharedArray4`]) are shared: each layer's input is the output below it,
/// and a stack edited from a layer up shares the layers below it with the stack it
/// came from instead of copying their arrays.
#[derive(Debug, Clone, PartialEq)]
pub struct Net {
    pub specs: Vec<LayerSpec>,
    pub layers: Vec<Arc<NetLayer>>,
    /// outs[l]: layer l's output (so layer l + 1's input).
    pub outs: Vec<SharedArray4>,
    pub init: NetInit,
}

impl Net {
    /// Builds every layer from x up, running the forward pass. An error names the
    /// first layer that cannot be built (its output would be empty, a given kernel
    /// does not fit, ...).
    pub fn new(
        x: impl Into<SharedArray4>,
        specs: &[LayerSpec],
        init: NetInit,
    ) -> Result<Net, StackError> {
        let net = Net {
            specs: Vec::new(),
            layers: Vec::new(),
            outs: Vec::new(),
            init,
        };
        net.grown(x.into(), specs, 0)
    }

    /// The same stack with other specs: the layers below the first changed one are
    /// kept as they are (shared, not recomputed), the others rebuilt from there up
    /// (weights drawn again from the seed, the same for the same shape). The
    /// stepper's parameter changes cost only the layers from the changed one up.
    pub fn with_specs(&self, specs: &[LayerSpec]) -> Result<Net, StackError> {
        let same = self.same_below(specs);
        let x = if same == 0 {
            self.x().clone()
        } else {
            self.outs[same - 1].clone()
        };
        let net = Net {
            specs: self.specs[..same].to_vec(),
            layers: self.layers[..same].to_vec(),
            outs: self.outs[..same].to_vec(),
            init: self.init.clone(),
        };
        net.grown(x, &specs[same..], same)
    }

    /// How many layers from the bottom `specs` leaves as they are: the index of the
    /// first layer [`Net::with_specs`] rebuilds.
    pub fn same_below(&self, specs: &[LayerSpec]) -> usize {
        self.specs
            .iter()
            .zip(specs)
            .take_while(|(a, b)| a == b)
            .count()
    }

    /// Adds `specs` on top of `self` (whose layers are `first` many), x their input.
    fn grown(
        mut self,
        x: SharedArray4,
        specs: &[LayerSpec],
        first: usize,
    ) -> Result<Net, StackError> {
        if first + specs.len() == 0 {
            return Err(StackError {
                index: 1,
                item: String::new(),
                reason: StackReason::Empty,
            });
        }
        // The next layer's input: each output but the last, shared.
        let mut next = Some(x);
        for (k, spec) in specs.iter().enumerate() {
            let Some(x) = next.take() else { break };
            let index = first + k;
            let fail = |reason: StackReason| StackError {
                index: index + 1,
                item: spec.to_string(),
                reason,
            };
            let layer = match spec {
                LayerSpec::Conv(c) => {
                    let is_first_conv = !self.specs.iter().any(|s| matches!(s, LayerSpec::Conv(_)));
                    let (w, b) = self
                        .weights(c, x.dim().1, is_first_conv, index)
                        .map_err(fail)?;
                    NetLayer::Conv(Layer::new(x, w, b, c.params).map_err(|e| fail(e.into()))?)
                }
                LayerSpec::Pool(p) => NetLayer::Pool(Pool::new(x, *p).map_err(|e| fail(e.into()))?),
                LayerSpec::Relu => NetLayer::Relu(Relu::new(x)),
            };
            let out = layer_out(&layer);
            self.specs.push(*spec);
            self.layers.push(Arc::new(layer));
            if k + 1 < specs.len() {
                next = Some(out.clone());
            }
            self.outs.push(out);
        }
        Ok(self)
    }

    /// w and b of conv layer `index` on an input of `c` channels.
    fn weights(
        &self,
        spec: &ConvSpec,
        c: usize,
        is_first_conv: bool,
        index: usize,
    ) -> Result<(Array4<f64>, Array1<f64>), StackReason> {
        let k = spec.kernel;
        if is_first_conv && let Some(w) = &self.init.first_w {
            let (f, wc, hh, ww) = w.dim();
            let f_want = spec.filters.unwrap_or(f);
            if (f, wc, hh, ww) != (f_want, c, k, k) {
                return Err(StackReason::KernelShape {
                    got: format!("({f},{wc},{hh},{ww})"),
                    want: format!("({f_want},{c},{k},{k})"),
                });
            }
            let b = match &self.init.first_b {
                Some(b) if b.len() != f => {
                    return Err(StackReason::BiasLength { got: b.len(), f });
                }
                Some(b) => b.clone(),
                None => Array1::zeros(f),
            };
            return Ok((w.clone(), b));
        }
        let f = spec.filters.unwrap_or(c);
        let b = match (&self.init.first_b, is_first_conv) {
            (Some(b), true) if b.len() != f => {
                return Err(StackReason::BiasLength { got: b.len(), f });
            }
            (Some(b), true) => b.clone(),
            _ => Array1::zeros(f),
        };
        Ok((he_weights((f, c, k, k), self.init.seed, index), b))
    }

    /// Recomputes the forward pass from layer `l` up, keeping every layer's weights
    /// (after a change of layer l's w, b or input in place). Shapes must still agree.
    pub fn forward_from(&mut self, l: usize) -> Result<(), StackError> {
        for k in l..self.layers.len() {
            let fail = |e: ConvError| StackError {
                index: k + 1,
                item: self.specs[k].to_string(),
                reason: e.into(),
            };
            let layer = if k > l {
                let x = self.outs[k - 1].clone();
                match &*self.layers[k] {
                    NetLayer::Conv(c) => NetLayer::Conv(
                        Layer::new(x, c.w.clone(), c.b.clone(), c.params).map_err(fail)?,
                    ),
                    NetLayer::Pool(p) => NetLayer::Pool(Pool::new(x, p.params()).map_err(fail)?),
                    NetLayer::Relu(_) => NetLayer::Relu(Relu::new(x)),
                }
            } else {
                match &*self.layers[k] {
                    NetLayer::Conv(c) => NetLayer::Conv(
                        Layer::new(c.x.clone(), c.w.clone(), c.b.clone(), c.params)
                            .map_err(fail)?,
                    ),
                    NetLayer::Pool(p) => {
                        NetLayer::Pool(Pool::new(p.x.clone(), p.params()).map_err(fail)?)
                    }
                    NetLayer::Relu(r) => NetLayer::Relu(Relu::new(r.x.clone())),
                }
            };
            self.outs[k] = layer_out(&layer);
            self.layers[k] = Arc::new(layer);
        }
        Ok(())
    }

    /// The stack's input x.
    pub fn x(&self) -> &SharedArray4 {
        self.layers[0].x()
    }

    /// The last layer's output.
    pub fn out(&self) -> &SharedArray4 {
        self.outs.last().expect("a net has at least one layer")
    }

    /// The backward pass from the last layer's dout down to x.
    pub fn backward(&self, dout: &Array4In<impl Numbers>) -> Result<StackGrads, ConvError> {
        self.backward_from(self.layers.len() - 1, dout)
    }

    /// The backward pass of layers top, top-1, ..., 0, `dout` being layer top's (the
    /// effective receptive field sends a one-hot dout from any layer).
    pub fn backward_from(
        &self,
        top: usize,
        dout: &Array4In<impl Numbers>,
    ) -> Result<StackGrads, ConvError> {
        self.backward_from_to(top, 0, dout)
    }

    /// The backward pass of layers top, top-1, ..., bottom (`douts[0]` and `grads[0]`
    /// are layer bottom's): the part of the pass the frame of layer bottom needs.
    pub fn backward_from_to(
        &self,
        top: usize,
        bottom: usize,
        dout: &Array4In<impl Numbers>,
    ) -> Result<StackGrads, ConvError> {
        self.backward_dx_above(top, bottom, top, dout)
    }

    /// As [`Net::backward_from_to`], the conv layers above layer `whole` given dx
    /// alone (dw and db left at zero, see [`NetLayer::backward_dx`]): the frame of
    /// layer `whole` reads their dout, not their weights' gradients.
    pub fn backward_dx_above(
        &self,
        top: usize,
        bottom: usize,
        whole: usize,
        dout: &Array4In<impl Numbers>,
    ) -> Result<StackGrads, ConvError> {
        let bottom = bottom.min(top);
        let mut douts = Vec::with_capacity(top + 1 - bottom);
        let mut grads = Vec::with_capacity(top + 1 - bottom);
        let mut d = duplicate(dout);
        for l in (bottom..=top).rev() {
            // Past the last layer: nothing to run (as for the layers that are).
            let Some(layer) = self.layers.get(l) else {
                continue;
            };
            let g = if l > whole {
                layer.backward_dx(&d)?
            } else {
                layer.backward(&d)?
            };
            // The layer below's dout, a copy of this layer's dx (both are shown).
            let below = (l > bottom).then(|| duplicate(dout_below(&g)));
            grads.push(g);
            match below {
                Some(below) => douts.push(std::mem::replace(&mut d, below)),
                None => {
                    douts.push(d);
                    break;
                }
            }
        }
        douts.reverse();
        grads.reverse();
        Ok(StackGrads { douts, grads })
    }
}

/// A layer's output: the conv engine's forward pass, or the output pooling and ReLU
/// keep (shared with them).
fn layer_out(layer: &NetLayer) -> SharedArray4 {
    match layer {
        NetLayer::Conv(l) => forward(l).into_shared(),
        NetLayer::Pool(p) => p.out.clone(),
        NetLayer::Relu(r) => r.out.clone(),
    }
}

/// He-scaled standard normal weights of `shape` (F, C, K, K): std sqrt(2 / (C·K·K)),
/// from ChaCha8 seeded by `seed`, stream 16 + `index` (see the module's doc).
pub fn he_weights(shape: (usize, usize, usize, usize), seed: u64, index: usize) -> Array4<f64> {
    let (_, c, k, _) = shape;
    let std = (2.0 / (c * k * k) as f64).sqrt();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(16 + index as u64);
    Array4::from_shape_simple_fn(shape, || {
        let u1 = 1.0 - rng.random::<f64>();
        let u2 = rng.random::<f64>();
        std * (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    })
}
