//! Work that may take longer than a frame, as data: `update` hands a [`Job`] to the
//! runtime (in [`super::Effect::Compute`]), which runs it off the terminal loop and
//! feeds the [`Done`] back as [`super::Action::Computed`]. Key scripts and tests run it
//! at once ([`super::App::apply`]). Every job has a generation of its own: the model
//! keeps only the answer to its latest request, so a newer request supersedes an older.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

use ndarray::Array4;

use crate::conv::{GradCheck, Layer, Param, grad_check_against};
use crate::input::{Scene, SceneSpec};

use super::model::SceneCache;
use super::stack::{Built, from_stack};

/// Generations are unique across every model of the process (a tour builds a new one
/// per page), so that an answer can never be taken for another's.
static GENERATION: AtomicU64 = AtomicU64::new(1);

fn next_generation() -> u64 {
    GENERATION.fetch_add(1, Ordering::Relaxed)
}

/// A recomputation the model asks for.
#[derive(Clone)]
pub struct Job {
    pub generation: u64,
    /// What is computed, for the status line: `stride 2`, `kernel box`.
    pub what: String,
    work: Box<Work>,
}

#[derive(Clone)]
enum Work {
    /// Build the scene of an edited spec and what it gives once (forward and backward).
    Rebuild(SceneSpec),
    /// Numeric against analytic gradients of these entries.
    GradCheck {
        layer: Layer,
        dout: Array4<f64>,
        params: Vec<(String, Param, f64)>,
    },
}

/// A job's answer.
#[derive(Clone)]
pub struct Done {
    pub generation: u64,
    pub what: String,
    pub(super) outcome: Outcome,
}

#[derive(Clone)]
pub(super) enum Outcome {
    /// The edited spec and its scene, or the innermost cause of its refusal.
    Rebuilt(Box<SceneSpec>, Result<Box<(Scene, SceneCache)>, String>),
    /// The checks made, or why the check failed.
    Checked(Vec<(String, GradCheck)>),
    /// A stack's edited spec and its layers, or the innermost cause of its refusal.
    RebuiltStack(Box<SceneSpec>, Result<Vec<Built>, String>),
}

impl Job {
    pub(super) fn rebuild(spec: SceneSpec, what: &str) -> Job {
        Job {
            generation: next_generation(),
            what: what.to_string(),
            work: Box::new(Work::Rebuild(spec)),
        }
    }

    pub(super) fn grad_check(
        layer: Layer,
        dout: Array4<f64>,
        what: &str,
        params: Vec<(String, Param, f64)>,
    ) -> Job {
        Job {
            generation: next_generation(),
            what: what.to_string(),
            work: Box::new(Work::GradCheck {
                layer,
                dout,
                params,
            }),
        }
    }

    /// Does the work (on whichever thread calls it). Never panics.
    pub fn run(self) -> Done {
        let outcome = match *self.work {
            Work::Rebuild(spec) if spec.layers.is_some() => {
                let built = spec
                    .build_stack()
                    .and_then(|stack| from_stack(&stack))
                    .map_err(|err| err.root_cause().to_string());
                Outcome::RebuiltStack(Box::new(spec), built)
            }
            Work::Rebuild(spec) => {
                let built = spec
                    .build()
                    .and_then(|scene| SceneCache::new(&scene).map(|cache| (scene, cache)))
                    .map(Box::new)
                    // The innermost cause names the problem; the outer ones repeat the scene.
                    .map_err(|err| err.root_cause().to_string());
                Outcome::Rebuilt(Box::new(spec), built)
            }
            Work::GradCheck {
                layer,
                dout,
                params,
            } => {
                // The analytic side was read from the scene's full backward pass; the
                // numeric side is a centred difference of the loss terms each entry
                // changes.
                let checks = params
                    .into_iter()
                    .filter_map(|(label, param, analytic)| {
                        grad_check_against(&layer, &dout, param, analytic)
                            .map(|check| (label, check))
                    })
                    .collect();
                Outcome::Checked(checks)
            }
        };
        Done {
            generation: self.generation,
            what: self.what,
            outcome,
        }
    }
}

// A job and its answer are known by their generation, which no two share: comparing
// or printing the arrays they carry would say nothing more.
impl PartialEq for Job {
    fn eq(&self, other: &Job) -> bool {
        self.generation == other.generation
    }
}

impl Eq for Job {}

impl fmt::Debug for Job {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Job #{} ({})", self.generation, self.what)
    }
}

impl PartialEq for Done {
    fn eq(&self, other: &Done) -> bool {
        self.generation == other.generation
    }
}

impl Eq for Done {}

impl fmt::Debug for Done {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Done #{} ({})", self.generation, self.what)
    }
}
