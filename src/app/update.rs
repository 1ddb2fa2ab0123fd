//! update: one action changes the state; everything the view needs is recomputed here.

use crate::conv::{Geometry, LayerSpec, OutPos, Param, analytic};

use super::action::{Action, Effect};
use super::job::{Done, Job, Outcome};
use super::keys;
use super::model::{App, CheckReport, MAX_DEFERRED, Pending, SceneCache, TICKS_MS};
use super::{Phase, View};
use crate::input::{Scene, SceneSpec};
use crate::tr;

/// A layer parameter the live keys edit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Knob {
    Stride,
    Pad,
    Dilation,
}

impl App {
    /// Applies one action; returns what the runtime is to do next, if anything. Never
    /// panics, whatever the state.
    pub fn update(&mut self, action: Action) -> Option<Effect> {
        let mut effect = self.change(action);
        // Keys that waited for a rebuild, in order, now that it is answered; until one
        // asks the runtime for something (whose answer comes back here) or starts
        // another rebuild (which they wait for again).
        while effect.is_none()
            && !self.rebuilding()
            && let Some(next) = self.deferred.pop_front()
        {
            effect = self.act(next);
        }
        // While a recomputation is under way, the status line says so when it has
        // nothing else to say.
        if self.message.is_none()
            && let Some(pending) = &self.pending
        {
            let text = tr!(self.lang, "msg.computing", what = pending.what);
            self.info(text);
        }
        effect
    }

    /// Applies `action` as [`App::update`] does, performing at once any computation it
    /// asks for; returns the effects only the runtime can perform (quit, a
    /// screenshot). Key scripts (`shot --keys`, `record --keys`, a tour page's keys)
    /// and tests go through here, so that what they show does not depend on timing.
    pub fn apply(&mut self, action: Action) -> Option<Effect> {
        let mut effect = self.update(action);
        while let Some(Effect::Compute(job)) = effect {
            effect = self.update(Action::Computed(Box::new(job.run())));
        }
        effect
    }

    fn change(&mut self, action: Action) -> Option<Effect> {
        match action {
            Action::Key(key) => {
                // Any key closes the gradient check's box, bound or not.
                if self.check.is_some() {
                    self.check = None;
                    return None;
                }
                return keys::action_for(&key).and_then(|action| self.update(action));
            }
            Action::Saved(paths) => {
                let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
                self.info(tr!(self.lang, "msg.saved", paths = names.join(", ")));
                return None;
            }
            Action::SaveFailed(why) => {
                self.error(tr!(self.lang, "msg.screenshot_failed", err = why));
                return None;
            }
            Action::Computed(done) => return self.computed(*done),
            _ => {}
        }
        if self.defers(&action) {
            if self.deferred.len() < MAX_DEFERRED {
                self.deferred.push_back(action);
            }
            return None;
        }
        self.act(action)
    }

    /// Applies an action that does not wait (or no longer waits) for a rebuild.
    fn act(&mut self, action: Action) -> Option<Effect> {
        if !matches!(action, Action::Tick | Action::Screenshot) {
            self.message = None;
        }
        if !matches!(action, Action::Tick | Action::GradCheck) {
            self.check = None;
        }
        let total = self.total_steps();
        let g = self.layer().geom;
        let pos = self.pos();
        if self.view == View::Transposed && self.move_dx_cell(&action) {
            return None;
        }
        match action {
            Action::CycleView => {
                let next = match self.view {
                    View::Steps => View::Im2col,
                    View::Im2col => View::Transposed,
                    View::Transposed => View::Dw,
                    View::Dw => View::Steps,
                };
                self.set_view(next);
            }
            Action::Next => self.go(self.step.saturating_add(1).min(total)),
            Action::Prev => self.go(self.step.saturating_sub(1).max(1)),
            Action::RowDown => {
                if pos.i + 1 < g.h_out {
                    self.go_pos(OutPos {
                        i: pos.i + 1,
                        ..pos
                    });
                }
            }
            Action::RowUp => {
                if pos.i > 0 {
                    self.go_pos(OutPos {
                        i: pos.i - 1,
                        ..pos
                    });
                }
            }
            Action::First => self.go(1),
            Action::Last => self.go(total),
            Action::PlayPause => {
                self.playing = !self.playing;
                if self.playing && self.step >= total {
                    self.go(1);
                }
            }
            Action::Slower => {
                self.tick = self.tick.saturating_sub(1);
                self.info(self.speed_label());
            }
            Action::Faster => {
                self.tick = (self.tick + 1).min(TICKS_MS.len() - 1);
                self.info(self.speed_label());
            }
            Action::NextFilter => self.go_pos(OutPos {
                f: (pos.f + 1) % g.f,
                ..pos
            }),
            Action::PrevFilter => self.go_pos(OutPos {
                f: (pos.f + g.f - 1) % g.f,
                ..pos
            }),
            Action::Forward => {
                // The transposed and dw views are backward only: forward is the steps.
                if matches!(self.view, View::Transposed | View::Dw) {
                    self.view = View::Steps;
                }
                self.set_phase(Phase::Forward)
            }
            Action::Backward => self.set_phase(Phase::Backward),
            Action::GradCheck => return self.grad_check(),
            Action::Screenshot => {
                return Some(Effect::Screenshot {
                    label: self.screenshot_label(),
                });
            }
            Action::Help => {
                self.help = !self.help;
                self.help_page = 0;
            }
            Action::HelpPage => {
                if self.help {
                    // The view wraps it to the pages there are at its size.
                    self.help_page = self.help_page.wrapping_add(1);
                } else {
                    self.help = true;
                    self.help_page = 0;
                }
            }
            Action::Quit => {
                if self.help {
                    self.help = false;
                } else {
                    return Some(Effect::Quit);
                }
            }
            Action::StrideUp => return self.edit_params(Knob::Stride, 1),
            Action::StrideDown => return self.edit_params(Knob::Stride, -1),
            Action::PadUp => return self.edit_params(Knob::Pad, 1),
            Action::PadDown => return self.edit_params(Knob::Pad, -1),
            Action::DilationUp => return self.edit_params(Knob::Dilation, 1),
            Action::DilationDown => return self.edit_params(Knob::Dilation, -1),
            Action::KernelNext => return self.cycle_kernel(1),
            Action::KernelPrev => return self.cycle_kernel(-1),
            Action::SizeUp => return self.change_size(1),
            Action::SizeDown => return self.change_size(-1),
            Action::Select => {
                self.selection = match self.selection {
                    Some(_) => None,
                    None => {
                        let w = &self.fwd.window;
                        Some((w.rows[w.rows.len() / 2], w.cols[w.cols.len() / 2]))
                    }
                };
                self.refresh_selection();
            }
            Action::SelectLeft => self.move_selection(0, -1),
            Action::SelectRight => self.move_selection(0, 1),
            Action::SelectUp => self.move_selection(-1, 0),
            Action::SelectDown => self.move_selection(1, 0),
            Action::ToggleTouches => self.show_touches = !self.show_touches,
            Action::NextTap => {
                // Walks w[f]'s entries channel by channel, then back to none.
                let next = match self.tap {
                    None => Some((0, 0, 0)),
                    Some((c, m, k)) => {
                        let flat = (c * g.hh + m) * g.ww + k + 1;
                        (flat < g.c * g.hh * g.ww)
                            .then(|| (flat / (g.hh * g.ww), (flat / g.ww) % g.hh, flat % g.ww))
                    }
                };
                self.tap = next;
            }
            Action::SelectTap { c, m, k } => {
                if c < g.c && m < g.hh && k < g.ww {
                    self.tap = Some((c, m, k));
                }
            }
            Action::SelectCell { row, col } => {
                if row < g.hp() && col < g.wp() {
                    self.selection = Some((row, col));
                    self.refresh_selection();
                }
            }
            Action::JumpTo { f, i, j } => {
                if let Some(step) = g.step_of(OutPos { f, i, j, ..pos }) {
                    self.go(step);
                }
            }
            Action::NextLayer => self.pick_layer(self.layer_index() + 1),
            Action::PrevLayer => match self.layer_index().checked_sub(1) {
                Some(l) => self.pick_layer(l),
                None => self.error(tr!(self.lang, "stack.first")),
            },
            Action::PickLayer { layer } => self.pick_layer(layer),
            Action::ReceptiveField => {
                self.stack.field = !self.stack.field;
                self.refresh_field();
            }
            Action::NextWrong => self.jump_wrong(1),
            Action::PrevWrong => self.jump_wrong(-1),
            Action::Tick => {
                if self.playing {
                    if self.step >= total {
                        self.playing = false;
                    } else {
                        self.go(self.step.saturating_add(self.steps_per_tick()).min(total));
                    }
                }
            }
            Action::Key(_) | Action::Saved(_) | Action::SaveFailed(_) | Action::Computed(_) => {}
        }
        None
    }

    /// In the transposed view the step keys walk dx cell by cell (a row down is one row
    /// of dx); returns whether `action` was one of them.
    fn move_dx_cell(&mut self, action: &Action) -> bool {
        let g = self.layer().geom;
        let last = crate::conv::transposed::cells(&g) - 1;
        let cell = self.dx_cell.min(last);
        self.dx_cell = match action {
            Action::Next => (cell + 1).min(last),
            Action::Prev => cell.saturating_sub(1),
            Action::First => 0,
            Action::Last => last,
            Action::RowDown if cell + g.w <= last => cell + g.w,
            Action::RowUp if cell >= g.w => cell - g.w,
            Action::RowDown | Action::RowUp => cell,
            Action::Tick if self.playing => {
                if cell >= last {
                    self.playing = false;
                }
                (cell + 1).min(last)
            }
            Action::PlayPause => {
                self.playing = !self.playing;
                if self.playing && cell >= last {
                    0
                } else {
                    cell
                }
            }
            _ => return false,
        };
        true
    }

    /// Whether a scene is being rebuilt: the answer the next keys wait for.
    fn rebuilding(&self) -> bool {
        self.pending.as_ref().is_some_and(|p| p.spec.is_some())
    }

    /// Whether `action` waits for the rebuild under way, so that a key script, a fast
    /// typist and a slow one get the same: every action that reads the scene's
    /// geometry (steps, positions, cells, taps, the check, a screenshot) waits, and so
    /// does everything after one that waits, in order. An edit of the parameters
    /// (with nothing waiting) builds on the spec being built and supersedes it; quit,
    /// the help and the play speed never wait.
    fn defers(&self, action: &Action) -> bool {
        let never = matches!(
            action,
            Action::Quit | Action::Help | Action::HelpPage | Action::Slower | Action::Faster
        );
        let edit = matches!(
            action,
            Action::StrideUp
                | Action::StrideDown
                | Action::PadUp
                | Action::PadDown
                | Action::DilationUp
                | Action::DilationDown
                | Action::KernelNext
                | Action::KernelPrev
                | Action::SizeUp
                | Action::SizeDown
        );
        if never || matches!(action, Action::Tick) {
            return false;
        }
        match (self.rebuilding(), self.deferred.is_empty()) {
            (_, false) => true,
            (true, true) => !edit,
            (false, true) => false,
        }
    }

    fn go(&mut self, step: usize) {
        if step != self.step {
            self.step = step;
            self.refresh();
        }
    }

    fn go_pos(&mut self, pos: OutPos) {
        if let Some(step) = self.layer().geom.step_of(pos) {
            self.go(step);
        }
    }

    fn set_phase(&mut self, phase: Phase) {
        if self.phase != phase {
            self.phase = phase;
            self.refresh();
        }
    }

    /// Moves stride, pad or dilation by `delta`, within their floors (1, 0, 1) and,
    /// going up, their ceilings ([`App::param_ceiling`]).
    fn edit_params(&mut self, knob: Knob, delta: isize) -> Option<Effect> {
        if self.spec.layers.is_some() {
            return self.edit_layer(knob, delta);
        }
        let mut spec = self.next_spec().clone();
        let p = &mut spec.params;
        let (value, floor) = match knob {
            Knob::Stride => (&mut p.stride, 1),
            Knob::Pad => (&mut p.pad, 0),
            Knob::Dilation => (&mut p.dilation, 1),
        };
        let word = self.param_word(knob);
        let Some(new) = value.checked_add_signed(delta).filter(|&v| v >= floor) else {
            self.error(tr!(self.lang, "msg.floor", what = word, floor = floor));
            return None;
        };
        if delta > 0
            && let Some(why) = self.param_ceiling(knob)
        {
            self.error(why);
            return None;
        }
        *value = new;
        self.rebuild(spec, &format!("{word} {new}"))
    }

    /// A stack: moves the current layer's stride, pad or dilation by `delta` in the
    /// SPEC (a pooling layer has a stride only, ReLU none) and rebuilds the stack from
    /// that layer up. Pad stops at full padding and dilation where the kernel would span
    /// the layer's input, as for one layer; an output that would be empty is refused
    /// by the rebuild, which names the item.
    fn edit_layer(&mut self, knob: Knob, delta: isize) -> Option<Effect> {
        let mut spec = self.next_spec().clone();
        let l = self.layer_index();
        let word = self.param_word(knob);
        let name = self.kind().name(&self.scene);
        let g = self.layer().geom;
        let item = spec.layers.as_mut().and_then(|layers| layers.get_mut(l))?;
        let (value, floor, ceiling) = match (item, knob) {
            (LayerSpec::Conv(c), Knob::Stride) => (&mut c.params.stride, 1, usize::MAX),
            (LayerSpec::Conv(c), Knob::Pad) => {
                let full = c.params.dilation.saturating_mul(c.kernel - 1);
                (&mut c.params.pad, 0, full)
            }
            (LayerSpec::Conv(c), Knob::Dilation) => {
                let most = (g.h.max(g.w) - 1) / (c.kernel - 1).max(1);
                (&mut c.params.dilation, 1, most.max(1))
            }
            (LayerSpec::Pool(p), Knob::Stride) => (&mut p.stride, 1, usize::MAX),
            _ => {
                self.error(tr!(self.lang, "stack.no_knob", name = name, what = word));
                return None;
            }
        };
        let Some(new) = value.checked_add_signed(delta).filter(|&v| v >= floor) else {
            self.error(tr!(self.lang, "msg.floor", what = word, floor = floor));
            return None;
        };
        if new > ceiling {
            self.error(tr!(self.lang, "stack.ceiling", what = word, most = ceiling));
            return None;
        }
        *value = new;
        let what = format!("{} {}: {word} {new}", tr!(self.lang, "stack.layer"), l + 1);
        // With nothing else being rebuilt, the stack shown is the one to edit: it is
        // rebuilt from this layer up, the layers below keeping their forward pass.
        match (self.rebuilding(), &self.stack.source) {
            (false, Some(base)) => {
                // Forward, window by window, nothing on the screen reads a gradient:
                // the backward pass comes in the second answer.
                let forward_only = self.phase == Phase::Forward && self.view == View::Steps;
                let job = Job::rebuild_stack(
                    spec.clone(),
                    base.clone(),
                    self.layer_index(),
                    forward_only,
                    &what,
                );
                self.pending = Some(Pending {
                    generation: job.generation,
                    what,
                    spec: Some(spec),
                });
                Some(Effect::Compute(job))
            }
            _ => self.rebuild(spec, &what),
        }
    }

    /// The name of a knob in the app's language.
    fn param_word(&self, knob: Knob) -> &'static str {
        match knob {
            Knob::Stride => tr!(self.lang, "word.stride"),
            Knob::Pad => tr!(self.lang, "word.pad"),
            Knob::Dilation => tr!(self.lang, "word.dilation"),
        }
    }

    /// Why `what` may not grow from here, if it may not. The live keys stop where a
    /// larger value shows nothing new, so that no run of key presses can grow the
    /// scene (and the time to rebuild it) without end:
    /// - pad stops at full padding, dilation*(K-1) (K the kernel's larger side): more
    ///   only adds windows that read padding alone;
    /// - dilation stops before the dilated kernel, dilation*(K-1)+1 cells, would span
    ///   more than x's longer side (a 1x1 kernel has no gaps: dilation cannot grow);
    /// - stride stops once the output is 1x1.
    fn param_ceiling(&self, knob: Knob) -> Option<String> {
        let g = self.next_geom();
        let k = g.hh.max(g.ww);
        let long = g.h.max(g.w);
        match knob {
            Knob::Pad => {
                let full = g.dilation.saturating_mul(k - 1);
                (g.pad >= full).then(|| tr!(self.lang, "msg.pad_ceiling", full = full))
            }
            Knob::Stride => (g.h_out == 1 && g.w_out == 1)
                .then(|| tr!(self.lang, "msg.stride_ceiling", stride = g.stride)),
            Knob::Dilation if k == 1 => Some(tr!(self.lang, "msg.dilation_1x1").into()),
            Knob::Dilation => {
                let span = (g.dilation + 1).saturating_mul(k - 1).saturating_add(1);
                (span > long).then(|| {
                    tr!(
                        self.lang,
                        "msg.dilation_ceiling",
                        dilation = g.dilation,
                        next = g.dilation + 1,
                        span = span,
                        long = long
                    )
                })
            }
        }
    }

    fn cycle_kernel(&mut self, delta: isize) -> Option<Effect> {
        let mut spec = self.next_spec().clone();
        spec.cycle_kernel(delta);
        let label = tr!(self.lang, "msg.kernel", name = spec.kernel_label());
        self.rebuild(spec, &label)
    }

    fn change_size(&mut self, delta: isize) -> Option<Effect> {
        let mut spec = self.next_spec().clone();
        if !spec.change_size(delta) {
            let why = match self.next_spec().size_label() {
                None => tr!(self.lang, "msg.size_fixed").to_string(),
                Some(size) if delta < 0 => tr!(self.lang, "msg.size_smallest", size = size),
                Some(size) => tr!(self.lang, "msg.size_largest", size = size),
            };
            self.error(tr!(self.lang, "msg.size_refused", why = why));
            return None;
        }
        let size = spec.size_label().unwrap_or_default();
        let label = tr!(self.lang, "msg.size", size = size);
        self.rebuild(spec, &label)
    }

    /// The geometry the next edit starts from: the parameters being built on the
    /// layer's shapes (a kernel or size change under way shows in the rebuild's own
    /// answer), else the layer's.
    fn next_geom(&self) -> Geometry {
        let g = self.layer().geom;
        let params = self.next_spec().params;
        Geometry::new((g.n, g.c, g.h, g.w), (g.f, g.c, g.hh, g.ww), g.f, params).unwrap_or(g)
    }

    /// The spec the next edit starts from: the one being built, else the scene's.
    fn next_spec(&self) -> &SceneSpec {
        self.pending
            .as_ref()
            .and_then(|p| p.spec.as_ref())
            .unwrap_or(&self.spec)
    }

    /// Asks for the scene of `spec` to be built (a whole forward and backward pass,
    /// which may take longer than a frame); supersedes any recomputation under way.
    fn rebuild(&mut self, spec: SceneSpec, what: &str) -> Option<Effect> {
        let job = Job::rebuild(spec.clone(), self.phase == Phase::Forward, what);
        self.pending = Some(Pending {
            generation: job.generation,
            what: what.to_string(),
            spec: Some(spec),
        });
        Some(Effect::Compute(job))
    }

    /// Takes the answer to the latest recomputation asked for; drops any other.
    fn computed(&mut self, done: Done) -> Option<Effect> {
        // A job stops only when superseded, so its answer is never the one awaited.
        if done.stopped() || self.pending.as_ref().map(|p| p.generation) != Some(done.generation) {
            return None;
        }
        self.pending = None;
        // The second answer of a stack's rebuild keeps what the first one said.
        let said = self.message.take();
        match done.outcome {
            Outcome::Rebuilt(spec, built) => self.rebuilt(*spec, &done.what, built),
            Outcome::RebuiltStack(spec, built) => {
                let spec = *spec;
                let later = self.apply_stack(spec.clone(), &done.what, built.map(|b| *b));
                // The rest of the backward pass, in a second answer that the keys
                // reading it wait for (as for any rebuild).
                if let Some(later) = later {
                    let job = Job::backward_below(later, &done.what);
                    self.pending = Some(Pending {
                        generation: job.generation,
                        what: done.what,
                        spec: Some(spec),
                    });
                    return Some(Effect::Compute(job));
                }
            }
            Outcome::Below(below) => match below {
                Ok(second) => {
                    self.take_below(second.below);
                    self.take_weights(second.weights);
                    self.bwd = None;
                    self.refresh();
                    self.message = said;
                }
                Err(err) => {
                    let err = self.lang.error(&err);
                    self.error(tr!(self.lang, "msg.refused", what = done.what, err = err));
                }
            },
            Outcome::Checked(checks) => {
                let what = done.what;
                let worst = checks.iter().map(|(_, c)| c.rel_error).fold(0.0, f64::max);
                let worst = format!("{worst:.2e}");
                self.info(tr!(self.lang, "msg.checked", what = what, worst = worst));
                self.check = Some(CheckReport { what, checks });
            }
            Outcome::Stopped => {}
        }
        None
    }

    /// Takes the scene built from `spec` (see [`App::apply_built`]) and keeps the
    /// selected input cell on the same cell of x (or of its padding ring, where that
    /// ring is still there) whatever pad, stride, dilation or size did; a cell that no
    /// longer exists is cleared, and the message says so.
    fn rebuilt(
        &mut self,
        spec: SceneSpec,
        what: &str,
        built: Result<Box<(Scene, SceneCache)>, String>,
    ) {
        let old = self.layer().geom;
        // The selection relative to x's top-left cell: -1 is the first ring of padding.
        let held = self
            .selection
            .map(|(r, c)| (r as isize - old.pad as isize, c as isize - old.pad as isize));
        if !self.apply_built(spec, what, built) {
            return;
        }
        let Some((h, w)) = held else { return };
        let g = self.layer().geom;
        let pad = g.pad as isize;
        let (r, c) = (h + pad, w + pad);
        let inside = |v: isize, len: usize| v >= 0 && (v as usize) < len;
        if inside(r, g.hp()) && inside(c, g.wp()) {
            self.selection = Some((r as usize, c as usize));
        } else {
            self.selection = None;
            let cell = if inside(h, old.h) && inside(w, old.w) {
                let x = format!("{}x{}", g.h, g.w);
                tr!(self.lang, "msg.x_cell_gone", h = h, w = w, x = x)
            } else {
                tr!(self.lang, "msg.pad_cell_gone", h = h, w = w, pad = g.pad)
            };
            if let Some(m) = &mut self.message {
                m.text
                    .push_str(&tr!(self.lang, "msg.selection_cleared", cell = cell));
            }
        }
        self.refresh_selection();
    }

    fn move_selection(&mut self, dr: isize, dc: isize) {
        let g = self.layer().geom;
        let (r, c) = self.selection.unwrap_or_else(|| {
            let w = &self.fwd.window;
            (w.rows[w.rows.len() / 2], w.cols[w.cols.len() / 2])
        });
        let clamp = |v: usize, d: isize, len: usize| v.saturating_add_signed(d).min(len - 1);
        self.selection = Some((clamp(r, dr, g.hp()), clamp(c, dc, g.wp())));
        self.refresh_selection();
    }

    /// Numeric against analytic gradients: dx at the selected pixel (every channel),
    /// or dw[f] at the kernel's centre tap (every channel) and db[f] without a selection.
    fn grad_check(&mut self) -> Option<Effect> {
        let layer = &self.scene.layer;
        let g = layer.geom;
        let pos = self.pos();
        let (what, params): (String, Vec<(String, Param)>) = match self.selection {
            Some((r, c)) if r < g.pad || c < g.pad || r >= g.pad + g.h || c >= g.pad + g.w => {
                self.error(tr!(self.lang, "msg.check_padding", r = r, c = c));
                return None;
            }
            Some((r, c)) => {
                let (h, w) = (r - g.pad, c - g.pad);
                let names = &self.scene.labels.channels;
                let list = (0..g.c)
                    .map(|ch| {
                        let name = names.get(ch).cloned().unwrap_or_else(|| format!("c{ch}"));
                        (
                            format!("dx[{},{ch},{h},{w}] {name}", pos.n),
                            Param::X {
                                n: pos.n,
                                c: ch,
                                h,
                                w,
                            },
                        )
                    })
                    .collect();
                (format!("dx[{},:,{h},{w}]", pos.n), list)
            }
            None => {
                // The chosen tap (v, or a click on the kernel) in its channel, else
                // the centre tap in every channel; and db[f].
                let taps: Vec<(usize, usize, usize)> = match self.tap {
                    Some(tap) => vec![tap],
                    None => (0..g.c).map(|ch| (ch, g.hh / 2, g.ww / 2)).collect(),
                };
                let f = pos.f;
                let mut list: Vec<(String, Param)> = taps
                    .iter()
                    .map(|&(c, m, k)| (format!("dw[{f},{c},{m},{k}]"), Param::W { f, c, m, k }))
                    .collect();
                list.push((format!("db[{f}]"), Param::B { f }));
                let dw = match self.tap {
                    Some((c, m, k)) => format!("dw[{f},{c},{m},{k}]"),
                    None => format!("dw[{f},:,{},{}]", g.hh / 2, g.ww / 2),
                };
                let db = format!("db[{f}]");
                let what = tr!(self.lang, "msg.and", a = dw, b = db);
                (what, list)
            }
        };
        // The analytic side comes from the scene's full backward pass, computed once
        // when it was built; the job computes only the numeric side.
        let grads = &self.full().grads;
        let params = params
            .into_iter()
            .filter_map(|(label, param)| analytic(grads, param).map(|a| (label, param, a)))
            .collect();
        let job = Job::grad_check(layer.clone(), self.scene.dout.clone(), &what, params);
        self.pending = Some(Pending {
            generation: job.generation,
            what: tr!(self.lang, "msg.check_of", what = what),
            spec: None,
        });
        Some(Effect::Compute(job))
    }
}
