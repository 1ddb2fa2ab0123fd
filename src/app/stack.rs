//! The stack of layers the stepper holds (a single layer is a stack of one). `App`'s
//! per-layer fields (`scene`, `cache`, `step`, `fwd`, `bwd`, `selection`, `tap`)
//! always describe the current layer; the others wait here, each as it was left, and
//! change places with them when `.` or `,` picks another layer.

use std::sync::Arc;

use anyhow::{Context, Result, bail};
use ndarray::{Array1, Array2, Array4};

use crate::conv::memory::{duplicate, zeros};
use crate::conv::{
    BackwardState, Geometry, Grads, LayerGrads, NetLayer, OutPos, Region, RouteStep, Router,
    SharedArray4, StackGrads, field_regions, spec_text,
};
use crate::input::{Labels, Scale, Scene, SceneSpec, StackScene};
use crate::tr;

use super::model::{App, BackwardRanges, ForwardRanges, SceneCache};
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
    pub spans: Vec<Region>,
    /// The effective field on x: which cells of layer 1's input get a gradient that is
    /// not zero from a one-hot dout at the current output cell (H, W), any channel.
    pub effective: Option<Array2<bool>>,
    /// The --layers SPEC the stack was built from, if any.
    pub text: Option<String>,
    /// The stack of layers these were built from (its arrays shared), which an edit
    /// of one layer's parameters rebuilds from that layer up; None for one layer.
    pub source: Option<Arc<StackScene>>,
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
            source: None,
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

impl<'a> LayerView<'a> {
    /// The layer's input x (N, C, H, W).
    pub fn x(&self) -> &'a SharedArray4 {
        &self.scene.layer.x
    }

    /// The layer's output (N, C', H', W').
    pub fn out(&self) -> &'a SharedArray4 {
        self.cache.out(self.scene)
    }

    /// The layer's backward totals after its last step.
    pub fn full(&self) -> &'a crate::conv::BackwardState {
        self.cache.full(self.scene)
    }

    /// The layer's smallest and largest finite input value (computed when first
    /// asked for).
    pub fn x_range(&self) -> (f64, f64) {
        self.cache.x_range(self.scene)
    }

    /// The layer's forward colour scales (computed when first asked for).
    pub fn forward_ranges(&self) -> &ForwardRanges {
        self.cache.forward_ranges(self.scene)
    }

    /// The layer's backward colour scales (computed when first asked for).
    pub fn backward_ranges(&self) -> &BackwardRanges {
        self.cache.backward_ranges(self.scene)
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
        self.stack.spans = field_regions(&self.geometries(), (pos.i, pos.j));
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
        let built = build_layers(Arc::new(spec.build_stack()?), 0)?;
        let text = spec.layers.as_deref().map(spec_text);
        let mut app = App::with_layers(spec, built.layers, text, start)?;
        app.stack.source = Some(built.source);
        Ok(app)
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
            if l == current {
                first = Some((scene, cache));
                slots.push(None);
            } else {
                slots.push(Some(Slot::new(scene, cache, 1)));
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
            source: None,
        };
        App::start(spec, scene, cache, stack, state)
    }
}

impl App {
    /// Takes a stack rebuilt after an edit: the layers from the first rebuilt one up
    /// replaced, the ones below it given their new backward pass; the current layer
    /// and each layer's output position kept where they still exist; on an error
    /// keeps the stack as it was and says why.
    pub(super) fn apply_stack(
        &mut self,
        spec: SceneSpec,
        what: &str,
        built: Result<StackBuilt, String>,
    ) -> Option<Later> {
        let built = match built {
            Ok(built) if !built.layers.is_empty() => built,
            Ok(_) => return None,
            Err(err) => {
                let err = self.lang.error(&err);
                self.error(tr!(self.lang, "msg.refused", what = what, err = err));
                return None;
            }
        };
        let StackBuilt {
            source,
            from,
            layers,
            below,
            later,
        } = built;
        let count = from + layers.len();
        let below_later = later.is_some() && below.is_empty();
        if (below.len() != from && !below_later) || from > self.layer_count() {
            return None;
        }
        let cur = self.layer_index().min(count - 1);
        let old: Vec<Option<OutPos>> = (0..self.layer_count())
            .map(|l| {
                let v = self.layer_view(l)?;
                v.scene.layer.geom.position(v.step)
            })
            .collect();
        self.take_below(below);
        self.stack.kinds.truncate(from);
        self.stack.slots.truncate(from);
        let mut current = None;
        for (k, (kind, scene, cache)) in layers.into_iter().enumerate() {
            let l = from + k;
            self.stack.kinds.push(kind);
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
            let slot = Slot::new(scene, cache, step);
            if l == cur {
                current = Some(slot);
                self.stack.slots.push(None);
            } else {
                self.stack.slots.push(Some(slot));
            }
        }
        if let Some(slot) = current {
            self.scene = slot.scene;
            self.cache = slot.cache;
            self.step = slot.step;
            self.selection = None;
            self.tap = None;
        }
        let g = self.layer().geom;
        self.stack.current = cur;
        let later = later.map(|rest| Later {
            stack: Arc::clone(&source),
            rest,
        });
        self.stack.source = Some(source);
        self.spec = spec;
        self.bwd = None;
        self.check = None;
        self.refresh();
        let size = format!("{}x{}", g.h_out, g.w_out);
        self.info(tr!(self.lang, "msg.rebuilt", what = what, size = size));
        later
    }
}

/// What a stack's first answer leaves for the second ([`second_answer`]), with the
/// stack it comes from.
#[derive(Clone)]
pub struct Later {
    pub stack: Arc<StackScene>,
    pub rest: Rest,
}

/// What a stack's first answer leaves for the second: the backward pass of the
/// layers below `bottom`, from `dout` (the dx of layer `bottom`; None where no
/// backward pass ran: the stack's own dout), and dw and db of the conv layers above
/// the one shown, each with its dout.
#[derive(Debug, Clone)]
pub struct Rest {
    pub bottom: usize,
    pub dout: Option<Array4<f64>>,
    pub weights: Vec<(usize, Array4<f64>)>,
}

/// A stack's second answer: the layers below the edited one, their new backward pass;
/// the conv layers above the one shown, dw and db.
#[derive(Debug, Clone)]
pub struct Second {
    pub below: Vec<Below>,
    pub weights: Vec<(usize, Array4<f64>, Array1<f64>)>,
}

/// The second answer to what `later` left.
pub fn second_answer(later: &Later) -> Result<Second> {
    use rayon::prelude::*;
    let Later { stack, rest } = later;
    let (below, weights) = rayon::join(
        || backward_below(stack, rest.bottom, rest.dout.as_ref()),
        || {
            rest.weights
                .par_iter()
                .map(|(l, dout)| {
                    let layer = stack.net.layers[*l].as_conv().context("a conv layer")?;
                    let (dw, db) = crate::conv::weight_grads(layer, dout)?;
                    Ok((*l, dw, db))
                })
                .collect::<Result<Vec<_>>>()
        },
    );
    Ok(Second {
        below: below?,
        weights: weights?,
    })
}

impl App {
    /// The new backward pass of the layers below an edited one (the dout and
    /// gradients of layers 0, 1, ...; their colour scales are taken again when drawn);
    /// the caller refreshes the view.
    pub(super) fn take_below(&mut self, below: Vec<Below>) {
        for (l, back) in below.into_iter().enumerate() {
            let Some((scene, cache)) = self.layer_mut(l) else {
                return;
            };
            scene.dout = back.dout.into_shared();
            cache.set_backward(back.grads);
        }
    }

    /// dw and db of conv layers that held zeros in their place (the layers above the
    /// one shown after an edit); the caller refreshes the view.
    pub(super) fn take_weights(&mut self, weights: Vec<(usize, Array4<f64>, Array1<f64>)>) {
        for (l, dw, db) in weights {
            if let Some((_, cache)) = self.layer_mut(l) {
                cache.set_weight_grads(dw, db);
            }
        }
    }

    /// Layer `l`'s scene and cache, the current layer's from App's own fields.
    fn layer_mut(&mut self, l: usize) -> Option<(&mut Scene, &mut SceneCache)> {
        match self.stack.slots.get_mut(l)?.as_mut() {
            Some(slot) => Some((&mut slot.scene, &mut slot.cache)),
            None => Some((&mut self.scene, &mut self.cache)),
        }
    }
}

impl Slot {
    /// A layer left at `step`, with nothing selected.
    fn new(scene: Scene, cache: SceneCache, step: usize) -> Slot {
        Slot {
            scene,
            cache,
            step,
            selection: None,
            tap: None,
        }
    }
}

/// A layer below the one edited after a rebuild: its forward pass stands, its dout
/// (the dx of the layer above) and its gradients are new.
#[derive(Debug, Clone)]
pub struct Below {
    pub dout: Array4<f64>,
    pub grads: Grads,
}

/// A stack rebuilt (whole, or from an edited layer up).
#[derive(Debug, Clone)]
pub struct StackBuilt {
    /// The stack the layers come from.
    pub source: Arc<StackScene>,
    /// The first layer rebuilt (0: all of them).
    pub from: usize,
    /// The layers from `from` up, built.
    pub layers: Vec<Built>,
    /// The layers below `from`, their new backward pass; empty where it is left for a
    /// second answer ([`second_answer`]).
    pub below: Vec<Below>,
    /// What is left for the second answer ([`second_answer`]).
    pub later: Option<Rest>,
}

/// The layers of a stack built from `--layers` ([`StackScene`]), from layer `from` up:
/// each conv layer the single-layer scene the stack gives it
/// ([`StackScene::conv_scene`], its dout the dx of the layer above), pooling and ReLU
/// over their shadow geometry; every layer's output and gradients taken from the
/// stack's own passes. The backward pass runs through every layer (an edit changes
/// the dout of every layer below it), the layers below `from` taking only its
/// result ([`Below`]): their input, weights, output, colour scales of x and out and
/// touch counts stand.
pub fn build_layers(stack: Arc<StackScene>, from: usize) -> Result<StackBuilt> {
    build_layers_down_to(stack, from, Some(0), None)
}

/// As [`build_layers`], the backward pass run only down to layer `bottom` (at most
/// `from`), or not at all (None: the layers from `from` up get gradients of 0 until
/// then), and with layer `shown` given, the conv layers above it given dx alone (their
/// dw and db 0 until then): the rest is left for [`second_answer`], so that the frame
/// of an edited layer does not wait for what it does not show.
pub fn build_layers_down_to(
    stack: Arc<StackScene>,
    from: usize,
    bottom: Option<usize>,
    shown: Option<usize>,
) -> Result<StackBuilt> {
    use rayon::prelude::*;
    let layers = stack.net.layers.len();
    let from = from.min(layers - 1);
    let top = layers - 1;
    let (bottom, douts, grads, later) = match bottom {
        Some(bottom) => {
            let bottom = bottom.min(from);
            let whole = shown.unwrap_or(top).min(top);
            let StackGrads { douts, grads } =
                stack
                    .net
                    .backward_dx_above(top, bottom, whole, &stack.dout)?;
            // The conv layers above the one shown, their dout kept for dw and db.
            let weights: Vec<(usize, Array4<f64>)> = douts
                .iter()
                .enumerate()
                .map(|(k, dout)| (bottom + k, dout))
                .filter(|&(l, _)| l > whole && stack.net.layers[l].as_conv().is_some())
                .map(|(l, dout)| (l, duplicate(dout)))
                .collect();
            let later = (bottom > 0 || !weights.is_empty()).then(|| Rest {
                bottom,
                dout: (bottom > 0).then(|| duplicate(grads[0].dx())),
                weights,
            });
            (bottom, douts, grads, later)
        }
        None => {
            let (douts, grads): (Vec<_>, Vec<_>) = (from..=top)
                .into_par_iter()
                .map(|l| {
                    let layer = &stack.net.layers[l];
                    (zeros(stack.net.outs[l].dim()), zero_grads(layer))
                })
                .unzip();
            let rest = Rest {
                bottom: layers,
                dout: None,
                weights: Vec::new(),
            };
            (from, douts, grads, Some(rest))
        }
    };
    // Layers bottom..=top, each layer's scene and colour scales at once (they read
    // the stack, not each other): on two cores about half the time of one after the
    // other.
    let parts: Vec<(usize, Array4<f64>, LayerGrads)> = douts
        .into_iter()
        .zip(grads)
        .enumerate()
        .map(|(k, (dout, g))| (bottom + k, dout, g))
        .collect();
    let done: Vec<Part> = parts
        .into_par_iter()
        .map(|(l, dout, g)| build_layer(&stack, from, l, dout, g))
        .collect::<Result<_>>()?;
    let mut built = Vec::with_capacity(stack.net.layers.len() - from);
    let mut below = Vec::with_capacity(from);
    for part in done {
        match part {
            Part::Below(b) => below.push(*b),
            Part::Built(b) => built.push(*b),
        }
    }
    Ok(StackBuilt {
        source: stack,
        from,
        layers: built,
        below,
        later,
    })
}

/// Gradients of 0 of a layer's shapes: what a layer holds until its backward pass
/// comes in the second answer.
fn zero_grads(layer: &NetLayer) -> LayerGrads {
    let x = layer.x().dim();
    match layer.as_conv() {
        Some(conv) => {
            let g = conv.geom;
            LayerGrads::Conv(Box::new(Grads {
                dx_pad: zeros((g.n, g.c, g.hp(), g.wp())),
                dx: zeros(x),
                dw: Array4::zeros(conv.w.dim()),
                db: Array1::zeros(g.f),
            }))
        }
        None => LayerGrads::Routed(zeros(x)),
    }
}

/// The second answer of [`build_layers_down_to`]: the backward pass of layers
/// `bottom - 1` down to 0 of `stack`, `dout` the dx of layer `bottom` (None: the
/// stack's dout, `bottom` then past its last layer), as the layers' new dout and
/// gradients ([`Below`]).
pub fn backward_below(
    stack: &StackScene,
    bottom: usize,
    dout: Option<&Array4<f64>>,
) -> Result<Vec<Below>> {
    use rayon::prelude::*;
    if bottom == 0 {
        return Ok(Vec::new());
    }
    let StackGrads { douts, grads } = match dout {
        Some(dout) => stack.net.backward_from(bottom - 1, dout)?,
        None => stack.net.backward_from(bottom - 1, &stack.dout)?,
    };
    douts
        .into_iter()
        .zip(grads)
        .enumerate()
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|(l, (dout, g))| below_of(&stack.net.layers[l], dout, g))
        .collect()
}

/// A layer whose forward pass stands, given its new dout and gradients.
fn below_of(layer: &NetLayer, dout: Array4<f64>, g: LayerGrads) -> Result<Below> {
    let grads = match (g, router_of(layer)) {
        (LayerGrads::Conv(conv), _) => *conv,
        (LayerGrads::Routed(dx), Some(router)) => {
            routed_grads(dx, &router.geometry(layer.x().dim())?)
        }
        (LayerGrads::Routed(_), None) => bail!("a routing layer without its router"),
    };
    Ok(Below { dout, grads })
}

/// One layer of [`build_layers`]: below `from`, its new backward pass; from `from`
/// up, the whole layer.
enum Part {
    Below(Box<Below>),
    Built(Box<Built>),
}

fn build_layer(
    stack: &StackScene,
    from: usize,
    l: usize,
    dout: Array4<f64>,
    g: LayerGrads,
) -> Result<Part> {
    let layer = &stack.net.layers[l];
    if l < from {
        return Ok(Part::Below(Box::new(below_of(layer, dout, g)?)));
    }
    let out = stack.net.outs[l].clone();
    let channels: Vec<String> = if l == 0 {
        stack.labels.channels.clone()
    } else {
        (0..layer.x().dim().1).map(|c| format!("c{c}")).collect()
    };
    let (kind, scene, full) = match &**layer {
        NetLayer::Conv(conv) => {
            let mut scene = stack.conv_scene(l, dout).context("a conv layer")?;
            scene.labels.channels = channels;
            let total = conv.geom.total_steps();
            let full = BackwardState {
                steps_done: total,
                grads: match g {
                    LayerGrads::Conv(g) => *g,
                    LayerGrads::Routed(_) => bail!("a conv layer without its gradients"),
                },
                touches: conv.touches_after(total),
            };
            (Kind::Conv, scene, full)
        }
        NetLayer::Pool(_) | NetLayer::Relu(_) => {
            let router = router_of(layer).context("a routing layer")?;
            let shadow = router.shadow(layer.x().clone())?;
            let total = shadow.geom.total_steps();
            let full = BackwardState {
                steps_done: total,
                grads: routed_grads(g.into_dx(), &shadow.geom),
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
                dout: dout.into_shared(),
                labels,
            };
            (Kind::Route(router), scene, full)
        }
    };
    let cache = SceneCache::from_parts(&scene, out, full);
    Ok(Part::Built(Box::new((kind, scene, cache))))
}

/// How a pooling or ReLU layer routes (None for a conv layer).
fn router_of(layer: &NetLayer) -> Option<Router> {
    match layer {
        NetLayer::Pool(p) => Some(Router::Pool {
            k: p.geom.params().kernel,
            stride: p.geom.params().stride,
        }),
        NetLayer::Relu(_) => Some(Router::Relu),
        NetLayer::Conv(_) => None,
    }
}

/// A routing layer's gradients as its shadow conv layer (geometry `g`) holds them:
/// dx (no padding, so dx_pad is dx), and no weights to differentiate (dw and db
/// zeros of the shadow's shapes).
fn routed_grads(dx: Array4<f64>, g: &Geometry) -> Grads {
    Grads {
        dx_pad: duplicate(&dx),
        dx,
        dw: Array4::zeros((g.f, g.c, g.hh, g.ww)),
        db: Array1::zeros(g.f),
    }
}
