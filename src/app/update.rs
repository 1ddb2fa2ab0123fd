//! update: one action changes the state; everything the view needs is recomputed here.

use crate::conv::{OutPos, Param, grad_check_with};

use super::Phase;
use super::action::Action;
use super::model::{App, CheckReport, TICKS_MS};

impl App {
    /// Applies one action. Never panics, whatever the state.
    pub fn update(&mut self, action: Action) {
        if !matches!(action, Action::Tick | Action::Screenshot) {
            self.message = None;
        }
        if !matches!(action, Action::Tick | Action::GradCheck) {
            self.check = None;
        }
        let total = self.total_steps();
        let g = self.layer().geom;
        let pos = self.pos();
        match action {
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
            Action::Forward => self.set_phase(Phase::Forward),
            Action::Backward => self.set_phase(Phase::Backward),
            Action::GradCheck => self.grad_check(),
            Action::Screenshot => self.screenshot_requested = true,
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
                    self.quit = true;
                }
            }
            Action::StrideUp => self.edit_params("stride", 1),
            Action::StrideDown => self.edit_params("stride", -1),
            Action::PadUp => self.edit_params("pad", 1),
            Action::PadDown => self.edit_params("pad", -1),
            Action::DilationUp => self.edit_params("dilation", 1),
            Action::DilationDown => self.edit_params("dilation", -1),
            Action::KernelNext => self.cycle_kernel(1),
            Action::KernelPrev => self.cycle_kernel(-1),
            Action::SizeUp => self.change_size(1),
            Action::SizeDown => self.change_size(-1),
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
            Action::Tick => {
                if self.playing {
                    if self.step >= total {
                        self.playing = false;
                    } else {
                        self.go(self.step.saturating_add(self.steps_per_tick()).min(total));
                    }
                }
            }
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
    fn edit_params(&mut self, what: &str, delta: isize) {
        let mut spec = self.spec.clone();
        let p = &mut spec.params;
        let (value, floor) = match what {
            "stride" => (&mut p.stride, 1),
            "pad" => (&mut p.pad, 0),
            _ => (&mut p.dilation, 1),
        };
        let Some(new) = value.checked_add_signed(delta).filter(|&v| v >= floor) else {
            self.error(format!("{what} cannot go lower than {floor}"));
            return;
        };
        if delta > 0
            && let Some(why) = self.param_ceiling(what)
        {
            self.error(why);
            return;
        }
        *value = new;
        self.rebuild(spec, &format!("{what} {new}"));
    }

    /// Why `what` may not grow from here, if it may not. The live keys stop where a
    /// larger value shows nothing new, so that no run of key presses can grow the
    /// scene (and the time to rebuild it) without end:
    /// - pad stops at full padding, dilation*(K-1) (K the kernel's larger side): more
    ///   only adds windows that read padding alone;
    /// - dilation stops before the dilated kernel, dilation*(K-1)+1 cells, would span
    ///   more than x's longer side (a 1x1 kernel has no gaps: dilation cannot grow);
    /// - stride stops once the output is 1x1.
    fn param_ceiling(&self, what: &str) -> Option<String> {
        let g = self.layer().geom;
        let k = g.hh.max(g.ww);
        let long = g.h.max(g.w);
        match what {
            "pad" => {
                let full = g.dilation.saturating_mul(k - 1);
                (g.pad >= full).then(|| {
                    format!(
                        "pad stops at {full} = dilation*(K-1), full padding: more only adds windows of padding"
                    )
                })
            }
            "stride" => (g.h_out == 1 && g.w_out == 1)
                .then(|| format!("stride stops at {}: the output is already 1x1", g.stride)),
            _ if k == 1 => Some("dilation cannot grow: a 1x1 kernel has no gaps to widen".into()),
            _ => {
                let span = (g.dilation + 1).saturating_mul(k - 1).saturating_add(1);
                (span > long).then(|| {
                    format!(
                        "dilation stops at {}: at {} the kernel would span {span} cells, more than x's {long}",
                        g.dilation,
                        g.dilation + 1
                    )
                })
            }
        }
    }

    fn cycle_kernel(&mut self, delta: isize) {
        let mut spec = self.spec.clone();
        spec.cycle_kernel(delta);
        let label = format!("kernel {}", spec.kernel_label());
        self.rebuild(spec, &label);
    }

    fn change_size(&mut self, delta: isize) {
        let mut spec = self.spec.clone();
        if !spec.change_size(delta) {
            let why = match self.spec.size_label() {
                None => "arrays and presets keep their size".to_string(),
                Some(size) if delta < 0 => format!("size {size} is the smallest"),
                Some(size) => format!("size {size} is the largest"),
            };
            self.error(format!("the working size cannot change: {why}"));
            return;
        }
        let label = format!("size {}", spec.size_label().unwrap_or_default());
        self.rebuild(spec, &label);
    }

    /// Rebuilds the scene from `spec` (see [`App::apply_spec`]) and keeps the selected
    /// input cell on the same cell of x (or of its padding ring, where that ring is
    /// still there) whatever pad, stride, dilation or size did; a cell that no longer
    /// exists is cleared, and the message says so.
    fn rebuild(&mut self, spec: crate::input::SceneSpec, what: &str) {
        let old = self.layer().geom;
        // The selection relative to x's top-left cell: -1 is the first ring of padding.
        let held = self
            .selection
            .map(|(r, c)| (r as isize - old.pad as isize, c as isize - old.pad as isize));
        if !self.apply_spec(spec, what) {
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
                format!("x cell ({h},{w}) is gone (x is now {}x{})", g.h, g.w)
            } else {
                format!("the padding cell ({h},{w}) is gone (pad is now {})", g.pad)
            };
            if let Some(m) = &mut self.message {
                m.text.push_str(&format!("; {cell}: selection cleared"));
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
    fn grad_check(&mut self) {
        let layer = &self.scene.layer;
        let g = layer.geom;
        let pos = self.pos();
        let (what, params): (String, Vec<(String, Param)>) = match self.selection {
            Some((r, c)) if r < g.pad || c < g.pad || r >= g.pad + g.h || c >= g.pad + g.w => {
                self.error(format!(
                    "cell ({r},{c}) is padding: it is not part of x, its gradient is cropped away"
                ));
                return;
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
                let what = match self.tap {
                    Some((c, m, k)) => format!("dw[{f},{c},{m},{k}] and db[{f}]"),
                    None => format!("dw[{f},:,{},{}] and db[{f}]", g.hh / 2, g.ww / 2),
                };
                (what, list)
            }
        };
        let mut checks = Vec::new();
        // Against the scene's full backward pass, computed once when it was built.
        let grads = &self.cache.full.grads;
        for (label, param) in params {
            if let Some(check) = grad_check_with(layer, &self.scene.dout, grads, param) {
                checks.push((label, check));
            }
        }
        let worst = checks.iter().map(|(_, c)| c.rel_error).fold(0.0, f64::max);
        self.info(format!(
            "gradient check of {what}: largest rel_error {worst:.2e}"
        ));
        self.check = Some(CheckReport { what, checks });
    }
}
