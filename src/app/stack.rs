//! The stack of layers the stepper holds (a single layer is a stack of one). `App`'s
//! per-layer fields (`scene`, `cache`, `step`, `fwd`, `bwd`, `selection`, `tap`)
//! always describe the current layer; the others wait here, each as it was left, and
//! change places with them when `.` or `,` picks another layer.

use anyhow::{Context, Result, bail};
use ndarray::{Array1, Array2, Array4};

use crate::conv::{
    BackwardState, Geometry, Grads, NetLayer, OutPos, RouteStep, Router, Span, field_spans,
    spec_text,
};
use crate::input::{Labels, Scale, Scene, SceneSpec, StackScene};
use crate::tr;

use super::model::{App, SceneCache};
use super::{Phase, Start};

/// What a layer of the stack is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A convolution: the single layer the stepper always showed.
    Conv,
    /// Max pooling or ReLU, drawn over a shadow geometry (see `conv::route`).
    Route(Router),
}

impl Kind {
    /// The router, for a pooling or ReLU layer.
    pub fn router(&self) -> Option<Router> {
        match *self {
            Kind::Route(r) => Some(r),
            Kind::Conv => None,
        }
    }

    /// The layer's name on the screen: `conv 3x3 s1 p1`, `pool 2 s2`, `relu`.
    pub fn name(&self, scene: &Scene) -> String {
        let g = scene.layer.geom;
        match *self {
            Kind::Conv => {
                let mut text = format!("conv {}x{}", g.hh, g.ww);
                for (letter, v, default) in
                    [("s", g.stride, 1), ("p", g.pad, 0), ("d", g.dilation, 1)]
                {
                    if v != default {
                        text.push_str(&format!(" {letter}{v}"));
                    }
                }
                text
            }
            Kind::Route(Router::Pool { k, stride }) if stride == k => format!("pool {k}"),
            Kind::Route(Router::Pool { k, stride }) => format!("pool {k} s{stride}"),
            Kind::Route(Router::Relu) => "relu".to_string(),
        }
    }
}

/// A layer that is not the current one, as it was left.
#[derive(Debug, Clone)]
pub struct Slot {
    pub scene: Scene,
    pub cache: SceneCache,
    pub step: usize,
    pub selection: Option<(usize, usize)>,
    pub tap: Option<(usize, usize, usize)>,
}

/// Every layer of the stack, and which one is current.
#[derive(Debug, Clone)]
pub struct Stack {
    /// Every layer's kind, bottom (the image's) first.
    pub kinds: Vec<Kind>,
    /// Every layer but the current one (None at `current`: its state is App's fields).
    pub slots: Vec<Option<Slot>>,
    pub current: usize,
    /// The current layer's step when it routes (pooling, ReLU): the window's values,
    /// the maximum and where it is.
    pub route: Option<RouteStep>,
    /// Whether the receptive field of the current output cell is shown (`o`); it
    /// follows the cell as the steps move.
    pub field: bool,
    /// The field's region in each layer's input up to the current (bottom first).
    pub spans: Vec<Span>,
    /// The effective field on x: which cells of layer 1's input get a gradient that is
    /// not zero from a one-hot dout at the current output cell (H, W), any channel.
    pub effective: Option<Array2<bool>>,
    /// The --layers SPEC the stack was built from, if any.
    pub text: Option<String>,
}

impl Stack {
    /// A stack of one conv layer.
    pub fn single() -> Stack {
        Stack {
            kinds: vec![Kind::Conv],
            slots: vec![None],
            current: 0,
            route: None,
            field: false,
            spans: Vec::new(),
            effective: None,
            text: None,
        }
    }

    pub fn len(&self) -> usize {
        self.kinds.len()
    }

    pub fn is_empty(&self) -> bool {
        self.kinds.is_empty()
    }
}

/// One layer as the strip and the receptive field read it, current or not.
pub struct LayerView<'a> {
    pub kind: Kind,
    pub scene: &'a Scene,
    pub cache: &'a SceneCache,
    pub step: usize,
}

impl LayerView<'_> {
    /// The layer's input x (N, C, H, W).
    pub fn x(&self) -> &Array4<f64> {
        &self.scene.layer.x
    }

    /// The layer's output (N, C', H', W').
    pub fn out(&self) -> &Array4<f64> {
        &self.cache.out
    }
}

impl App {
    /// How many layers the stack has.
    pub fn layer_count(&self) -> usize {
        self.stack.len()
    }

    /// The kind of the current layer.
    pub fn kind(&self) -> Kind {
        self.stack.kinds[self.stack.current]
    }

    /// Layer `l` of the stack (0-based), the current one from App's own fields.
    pub fn layer_view(&self, l: usize) -> Option<LayerView<'_>> {
        let kind = *self.stack.kinds.get(l)?;
        if l == self.stack.current {
            return Some(LayerView {
                kind,
                scene: &self.scene,
                cache: &self.cache,
                step: self.step,
            });
        }
        let slot = self.stack.slots.get(l)?.as_ref()?;
        Some(LayerView {
            kind,
            scene: &slot.scene,
            cache: &slot.cache,
            step: slot.step,
        })
    }

    /// Makes layer `l` the current one: the current layer's state goes to its slot,
    /// layer l's comes out of its. False when there is no layer l.
    pub(super) fn switch_layer(&mut self, l: usize) -> bool {
        let cur = self.stack.current;
        if l == cur || l >= self.stack.len() {
            return false;
        }
        let Some(next) = self.stack.slots[l].take() else {
            return false;
        };
        let held = Slot {
            scene: std::mem::replace(&mut self.scene, next.scene),
            cache: std::mem::replace(&mut self.cache, next.cache),
            step: std::mem::replace(&mut self.step, next.step),
            selection: std::mem::replace(&mut self.selection, next.selection),
            tap: std::mem::replace(&mut self.tap, next.tap),
        };
        self.stack.slots[cur] = Some(held);
        self.stack.current = l;
        // The cursor belongs to the layer left.
        self.bwd = None;
        self.check = None;
        self.refresh();
        true
    }

    /// Makes layer `l` current and says which it is, or why it cannot.
    pub(super) fn pick_layer(&mut self, l: usize) {
        let count = self.layer_count();
        if count == 1 {
            self.error(tr!(self.lang, "stack.single"));
            return;
        }
        if l >= count {
            self.error(tr!(self.lang, "stack.last", count = count));
            return;
        }
        if l != self.layer_index() {
            self.switch_layer(l);
        }
        let name = self.kind().name(&self.scene);
        let text = tr!(
            self.lang,
            "stack.now",
            l = l + 1,
            count = count,
            name = name
        );
        self.info(text);
    }

    /// The geometries of layers 0..=current (a routing layer's shadow).
    pub fn geometries(&self) -> Vec<Geometry> {
        (0..=self.layer_index())
            .filter_map(|l| self.layer_view(l).map(|v| v.scene.layer.geom))
            .collect()
    }

    /// Recomputes the receptive field of the current output cell, when it is shown:
    /// its region in every layer below, and the effective field (a one-hot dout at the
    /// cell sent back through the stack, each layer's dx the dout of the one below).
    pub(super) fn refresh_field(&mut self) {
        if !self.stack.field {
            self.stack.spans.clear();
            self.stack.effective = None;
            return;
        }
        let pos = self.pos();
        self.stack.spans = field_spans(&self.geometries(), pos.i, pos.j);
        let mut dout = Array4::zeros(self.layer().geom.out_dim());
        dout[[pos.n, pos.f, pos.i, pos.j]] = 1.0;
        for l in (0..=self.layer_index()).rev() {
            let Some(v) = self.layer_view(l) else { return };
            let layer = &v.scene.layer;
            let total = layer.geom.total_steps();
            let dx = match v.kind.router() {
                Some(router) => router
                    .backward_after(layer, &dout, total)
                    .map(|s| s.grads.dx),
                None => crate::conv::backward(layer, &dout).map(|g| g.dx),
            };
            let Ok(dx) = dx else {
                self.stack.effective = None;
                return;
            };
            dout = dx;
        }
        let (_, c, h, w) = dout.dim();
        let lit = Array2::from_shape_fn((h, w), |(r, q)| {
            (0..c).any(|ch| dout[[pos.n, ch, r, q]] != 0.0)
        });
        self.stack.effective = Some(lit);
    }
}

/// A built layer: its kind, its scene (its input x, its dout) and what it gives once.
pub type Built = (Kind, Scene, SceneCache);

impl App {
    /// The stepper on the stack of `spec`'s `--layers`.
    pub(super) fn new_stack(spec: SceneSpec, start: Start) -> Result<App> {
        let stack = spec.build_stack()?;
        let layers = from_stack(&stack)?;
        let text = spec.layers.as_deref().map(spec_text);
        App::with_layers(spec, layers, text, start)
    }

    /// The stepper on a stack of built layers (see [`assemble`]), at layer 1 going
    /// forward and at the last layer going backward (where the backward pass starts);
    /// `start`'s step and filter are that layer's.
    pub fn with_layers(
        spec: SceneSpec,
        layers: Vec<Built>,
        text: Option<String>,
        start: impl Into<Start>,
    ) -> Result<App> {
        let state: Start = start.into();
        if layers.is_empty() {
            bail!("a stack needs at least one layer");
        }
        let current = match state.phase {
            Phase::Forward => 0,
            Phase::Backward => layers.len() - 1,
        };
        let mut kinds = Vec::with_capacity(layers.len());
        let mut slots = Vec::with_capacity(layers.len());
        let mut first = None;
        for (l, (kind, scene, cache)) in layers.into_iter().enumerate() {
            kinds.push(kind);
            let step = 1;
            if l == current {
                first = Some((scene, cache));
                slots.push(None);
            } else {
                slots.push(Some(Slot {
                    scene,
                    cache,
                    step,
                    selection: None,
                    tap: None,
                }));
            }
        }
        let (scene, cache) = first.context("the current layer")?;
        let stack = Stack {
            kinds,
            slots,
            current,
            route: None,
            field: false,
            spans: Vec::new(),
            effective: None,
            text,
        };
        App::start(spec, scene, cache, stack, state)
    }
}

impl App {
    /// Takes a stack rebuilt after an edit: every layer replaced, the current layer
    /// and each layer's output position kept where they still exist; on an error
    /// keeps the stack as it was and says why.
    pub(super) fn apply_stack(
        &mut self,
        spec: SceneSpec,
        what: &str,
        built: Result<Vec<Built>, String>,
    ) {
        let layers = match built {
            Ok(layers) if !layers.is_empty() => layers,
            Ok(_) => return,
            Err(err) => {
                let err = self.lang.error(&err);
                self.error(tr!(self.lang, "msg.refused", what = what, err = err));
                return;
            }
        };
        let cur = self.layer_index().min(layers.len() - 1);
        let old: Vec<Option<OutPos>> = (0..self.layer_count())
            .map(|l| {
                let v = self.layer_view(l)?;
                v.scene.layer.geom.position(v.step)
            })
            .collect();
        let mut kinds = Vec::with_capacity(layers.len());
        let mut slots = Vec::with_capacity(layers.len());
        let mut current = None;
        for (l, (kind, scene, cache)) in layers.into_iter().enumerate() {
            kinds.push(kind);
            let g = scene.layer.geom;
            let step = old
                .get(l)
                .copied()
                .flatten()
                .and_then(|p| {
                    g.step_of(OutPos {
                        n: p.n.min(g.n - 1),
                        f: p.f.min(g.f - 1),
                        i: p.i.min(g.h_out - 1),
                        j: p.j.min(g.w_out - 1),
                    })
                })
                .unwrap_or(1);
            if l == cur {
                current = Some((scene, cache, step));
                slots.push(None);
            } else {
                slots.push(Some(Slot {
                    scene,
                    cache,
                    step,
                    selection: None,
                    tap: None,
                }));
            }
        }
        let Some((scene, cache, step)) = current else {
            return;
        };
        let g = scene.layer.geom;
        self.stack.kinds = kinds;
        self.stack.slots = slots;
        self.stack.current = cur;
        self.spec = spec;
        self.scene = scene;
        self.cache = cache;
        self.step = step;
        self.bwd = None;
        self.check = None;
        self.selection = None;
        self.tap = None;
        self.refresh();
        let size = format!("{}x{}", g.h_out, g.w_out);
        self.info(tr!(self.lang, "msg.rebuilt", what = what, size = size));
    }
}

/// The layers of a stack built from `--layers` ([`StackScene`]): each conv layer the
/// single-layer scene the stack gives it ([`StackScene::conv_scene`], its dout the
/// dx of the layer above), pooling and ReLU over their shadow geometry; every
/// layer's output and gradients taken from the stack's own passes.
pub fn from_stack(stack: &StackScene) -> Result<Vec<Built>> {
    let grads = stack.backward()?;
    let mut built = Vec::with_capacity(stack.net.layers.len());
    for (l, layer) in stack.net.layers.iter().enumerate() {
        let out = stack.net.outs[l].clone();
        let channels: Vec<String> = if l == 0 {
            stack.labels.channels.clone()
        } else {
            (0..layer.x().dim().1).map(|c| format!("c{c}")).collect()
        };
        let (kind, scene, full) = match layer {
            NetLayer::Conv(conv) => {
                let mut scene = stack.conv_scene(l, &grads).context("a conv layer")?;
                scene.labels.channels = channels;
                let total = conv.geom.total_steps();
                let full = BackwardState {
                    steps_done: total,
                    grads: grads.grads[l]
                        .conv
                        .clone()
                        .context("a conv layer's gradients")?,
                    touches: conv.touches_after(total),
                };
                (Kind::Conv, scene, full)
            }
            NetLayer::Pool(_) | NetLayer::Relu(_) => {
                let router = match layer {
                    NetLayer::Pool(p) => Router::Pool {
                        k: p.geom.params().kernel,
                        stride: p.geom.params().stride,
                    },
                    _ => Router::Relu,
                };
                let shadow = router.shadow(layer.x().clone())?;
                let total = shadow.geom.total_steps();
                let dx = grads.grads[l].dx.clone();
                let full = BackwardState {
                    steps_done: total,
                    grads: Grads {
                        dx_pad: dx.clone(),
                        dx,
                        dw: Array4::zeros(shadow.w.dim()),
                        db: Array1::zeros(shadow.geom.f),
                    },
                    touches: shadow.touches_after(total),
                };
                let labels = Labels {
                    source: stack.labels.source.clone(),
                    kernels: channels.clone(),
                    channels,
                    scale: if l == 0 {
                        stack.labels.scale
                    } else {
                        Scale::Raw
                    },
                };
                let scene = Scene {
                    layer: shadow,
                    dout: grads.douts[l].clone(),
                    labels,
                };
                (Kind::Route(router), scene, full)
            }
        };
        let cache = SceneCache::from_parts(&scene, out, full);
        built.push((kind, scene, cache));
    }
    Ok(built)
}
