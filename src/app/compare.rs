//! The stepper showing a student's arrays (`convstep compare --show`): the comparison
//! on the model, and the jumps from one wrong cell to the next (`e` / `E`).

use crate::conv::compare::{Comparison, Stop};
use crate::conv::slips::Grad;
use crate::tr;

use super::{App, Phase};

impl App {
    /// Shows `cmp` on this layer, at its first wrong cell (or, when only shapes
    /// differ, in the phase of the first wrong array, saying so).
    pub fn open_comparison(&mut self, cmp: Comparison) {
        let first = cmp.first_wrong().map(|d| d.grad);
        let has_stops = !cmp.stops.is_empty();
        self.compare = Some(cmp);
        if has_stops {
            self.go_to_wrong(0);
        } else if let Some(grad) = first {
            self.phase = phase_of(grad);
            self.refresh();
            self.info(tr!(self.lang, "cmp.msg_shape", name = grad.name()));
        } else {
            self.info(tr!(self.lang, "cmp.msg_right").to_string());
        }
    }

    /// Moves `delta` wrong cells on (wrapping around).
    pub(super) fn jump_wrong(&mut self, delta: isize) {
        let Some(cmp) = &self.compare else {
            self.error(tr!(self.lang, "cmp.msg_none").to_string());
            return;
        };
        let len = cmp.stops.len();
        if len == 0 {
            self.error(tr!(self.lang, "cmp.msg_no_wrong").to_string());
            return;
        }
        let at = (cmp.at as isize + delta).rem_euclid(len as isize) as usize;
        self.go_to_wrong(at);
    }

    /// Shows wrong cell `at`: its phase, the step that finishes it, and the cell
    /// itself selected (dx: the input cell; dw: the kernel entry).
    fn go_to_wrong(&mut self, at: usize) {
        let Some(cmp) = &mut self.compare else { return };
        let Some(stop) = cmp.stops.get(at).cloned() else {
            return;
        };
        cmp.at = at;
        let total = cmp.stops.len();
        let Stop { grad, index, step } = stop;
        let g = self.layer().geom;
        self.phase = phase_of(grad);
        self.step = step.clamp(1, g.total_steps());
        match (grad, index.as_slice()) {
            (Grad::Dx, &[_, _, h, w]) => self.selection = Some((h + g.pad, w + g.pad)),
            (Grad::Dw, &[_, c, m, k]) => {
                self.selection = None;
                self.tap = Some((c, m, k));
            }
            _ => self.selection = None,
        }
        self.refresh();
        let ix: Vec<String> = index.iter().map(usize::to_string).collect();
        let cell = format!("{}[{}]", grad.name(), ix.join(","));
        self.info(tr!(
            self.lang,
            "cmp.msg_at",
            k = at + 1,
            total = total,
            cell = cell
        ));
    }
}

fn phase_of(grad: Grad) -> Phase {
    match grad {
        Grad::Out => Phase::Forward,
        _ => Phase::Backward,
    }
}
