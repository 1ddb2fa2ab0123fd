//! Work that may take longer than a frame, as data: `update` hands a [`Job`] to the
//! runtime (in [`super::Effect::Compute`]), which runs it off the terminal loop and
//! feeds the [`Done`] back as [`super::Action::Computed`]. Key scripts and tests run it
//! at once ([`super::App::apply`]). Every job has a generation of its own: the model
//! keeps only the answer to its latest request, so a newer request supersedes an older.
//!
//! The runtime runs jobs one at a time through a [`JobQueue`]: at most one runs and at
//! most one (the latest) waits, whatever the number of requests, and a superseded job
//! stops at its next checkpoint ([`Job::run_until`]), so that a storm of keys costs the
//! memory of about two scenes (the one shown and the one being built), not one per key.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::conv::{GradCheck, Layer, Param, SharedArray4, grad_check_against};
use crate::input::{Scene, SceneSpec, StackScene};

use super::model::SceneCache;
use super::stack::{StackBuilt, build_layers, build_layers_down_to};

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
    /// Build the scene of an edited spec and what it gives once: the forward pass when
    /// the flag is set (the forward phase's frame shows it), else the backward pass;
    /// the other is left for when it is first drawn (see [`SceneCache::new_until`]).
    Rebuild(SceneSpec, bool),
    /// Rebuild a stack whose layers alone were edited from `base`, the stack shown:
    /// from the first edited layer up, the layers below keeping their forward pass.
    RebuildStack {
        spec: SceneSpec,
        base: Arc<StackScene>,
        /// The layer shown (0-based).
        current: usize,
        /// No backward pass before the first answer (the screen shows none).
        forward_only: bool,
    },
    /// The second answer of a stack's rebuild: the rest of its backward pass (see
    /// `stack::backward_below`).
    BackwardBelow(super::stack::Later),
    /// Numeric against analytic gradients of these entries.
    GradCheck {
        layer: Layer,
        dout: SharedArray4,
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
    RebuiltStack(Box<SceneSpec>, Result<Box<StackBuilt>, String>),
    /// A stack's second answer (the new backward pass of the layers below an edited
    /// one, dw and db of the conv layers above the one shown), or why it failed.
    Below(Result<super::stack::Second, String>),
    /// Superseded, it stopped at a checkpoint: nothing to take.
    Stopped,
}

impl Job {
    /// Builds `spec`'s scene with the pass its phase shows before the answer:
    /// `with_forward`, the forward pass (the forward phase), else the backward pass
    /// (the backward phase); the other is computed when a frame first asks for it.
    pub(super) fn rebuild(spec: SceneSpec, with_forward: bool, what: &str) -> Job {
        Job {
            generation: next_generation(),
            what: what.to_string(),
            work: Box::new(Work::Rebuild(spec, with_forward)),
        }
    }

    /// Rebuilds the stack `base` with `spec`'s layers, which alone differ from the
    /// spec `base` was built from.
    pub(super) fn rebuild_stack(
        spec: SceneSpec,
        base: Arc<StackScene>,
        current: usize,
        forward_only: bool,
        what: &str,
    ) -> Job {
        Job {
            generation: next_generation(),
            what: what.to_string(),
            work: Box::new(Work::RebuildStack {
                spec,
                base,
                current,
                forward_only,
            }),
        }
    }

    /// The backward pass of a rebuilt stack's layers below `bottom` (its second
    /// answer).
    pub(super) fn backward_below(later: super::stack::Later, what: &str) -> Job {
        Job {
            generation: next_generation(),
            what: what.to_string(),
            work: Box::new(Work::BackwardBelow(later)),
        }
    }

    pub(super) fn grad_check(
        layer: Layer,
        dout: SharedArray4,
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
        self.run_until(&AtomicBool::new(false))
    }

    /// Does the work unless `cancel` is set before it is done: a rebuild looks at it
    /// between its stages (building the scene, the forward pass, the backward pass,
    /// the colour ranges) and gives up there, dropping what it built; the answer then
    /// says it stopped ([`Done::stopped`]), which the model drops as it drops any
    /// superseded answer.
    pub fn run_until(self, cancel: &AtomicBool) -> Done {
        let stop = || cancel.load(Ordering::Relaxed);
        let outcome = outcome(*self.work, &stop);
        Done {
            generation: self.generation,
            what: self.what,
            // Superseded while finishing: what it made would only be dropped by the
            // model, after sitting in memory beside the next job's.
            outcome: if stop() { Outcome::Stopped } else { outcome },
        }
    }
}

/// Does `work`, looking at `stop` between its stages.
fn outcome(work: Work, stop: &dyn Fn() -> bool) -> Outcome {
    if stop() {
        return Outcome::Stopped;
    }
    match work {
        Work::Rebuild(spec, _) if spec.layers.is_some() => {
            let built = spec
                .build_stack()
                .and_then(|stack| build_layers(Arc::new(stack), 0))
                .map(Box::new)
                .map_err(|err| err.root_cause().to_string());
            Outcome::RebuiltStack(Box::new(spec), built)
        }
        Work::RebuildStack {
            spec,
            base,
            current,
            forward_only,
        } => {
            let from = spec
                .layers
                .as_deref()
                .map_or(0, |specs| base.net.same_below(specs));
            // The layer shown at or above the edited one: its frame first, the layers
            // below the edited one in a second answer.
            let bottom = match (forward_only, current >= from) {
                (true, _) => None,
                (false, true) => Some(from),
                (false, false) => Some(0),
            };
            let built = spec
                .rebuild_stack(&base)
                .and_then(|stack| {
                    build_layers_down_to(Arc::new(stack), from, bottom, Some(current))
                })
                .map(Box::new)
                .map_err(|err| err.root_cause().to_string());
            Outcome::RebuiltStack(Box::new(spec), built)
        }
        Work::Rebuild(spec, with_forward) => {
            let built = match spec.build() {
                Ok(_) if stop() => return Outcome::Stopped,
                Ok(scene) => match SceneCache::new_until(&scene, stop, with_forward, !with_forward)
                {
                    Ok(None) => return Outcome::Stopped,
                    Ok(Some(cache)) => Ok(Box::new((scene, cache))),
                    Err(err) => Err(err),
                },
                Err(err) => Err(err),
            }
            // The innermost cause names the problem; the outer ones repeat the scene.
            .map_err(|err| err.root_cause().to_string());
            Outcome::Rebuilt(Box::new(spec), built)
        }
        Work::BackwardBelow(later) => Outcome::Below(
            super::stack::second_answer(&later).map_err(|err| err.root_cause().to_string()),
        ),
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
                .take_while(|_| !stop())
                .filter_map(|(label, param, analytic)| {
                    grad_check_against(&layer, &dout, param, analytic).map(|check| (label, check))
                })
                .collect();
            Outcome::Checked(checks)
        }
    }
}

impl Done {
    /// Whether the job gave up, superseded, before it was done.
    pub fn stopped(&self) -> bool {
        matches!(self.outcome, Outcome::Stopped)
    }
}

/// The jobs of one runtime, run one at a time: at most one running and at most one
/// waiting. Every job supersedes the ones asked for before it (the model keeps only
/// the answer to its latest request): queuing one drops the job waiting and tells the
/// one running to stop. Pure bookkeeping; the runtime's worker thread takes jobs from
/// it and the tests drive it directly.
#[derive(Debug, Default)]
pub struct JobQueue {
    waiting: Option<Job>,
    /// The stop flag of the job running, if one is.
    running: Option<Arc<AtomicBool>>,
    /// No job is started from now on (the runtime is going away).
    closed: bool,
}

impl JobQueue {
    pub fn new() -> JobQueue {
        JobQueue::default()
    }

    /// Queues `job` to run next, superseding every job asked for before: the one
    /// running is told to stop at its next checkpoint, the one waiting is dropped and
    /// returned (it will never answer).
    pub fn submit(&mut self, job: Job) -> Option<Job> {
        if let Some(running) = &self.running {
            running.store(true, Ordering::Relaxed);
        }
        self.waiting.replace(job)
    }

    /// The job to run now, with the flag that tells it to stop, if none is running and
    /// one is waiting; it counts as running until [`JobQueue::finished`].
    pub fn start_next(&mut self) -> Option<(Job, Arc<AtomicBool>)> {
        if self.running.is_some() || self.closed {
            return None;
        }
        let job = self.waiting.take()?;
        let stop = Arc::new(AtomicBool::new(false));
        self.running = Some(Arc::clone(&stop));
        Some((job, stop))
    }

    /// The job running has returned (answered or given up).
    pub fn finished(&mut self) {
        self.running = None;
    }

    /// Starts nothing more and tells the job running to stop; drops the one waiting.
    pub fn close(&mut self) {
        self.closed = true;
        self.waiting = None;
        if let Some(running) = &self.running {
            running.store(true, Ordering::Relaxed);
        }
    }

    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// How many jobs run (0 or 1) and how many wait (0 or 1).
    pub fn counts(&self) -> (usize, usize) {
        (
            usize::from(self.running.is_some()),
            usize::from(self.waiting.is_some()),
        )
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::InputOptions;

    fn job(n: usize) -> Job {
        let spec = SceneSpec::from_options(&InputOptions {
            preset: Some("cs231n-demo".into()),
            ..Default::default()
        })
        .expect("preset loads");
        Job::rebuild(spec, true, &format!("key {n}"))
    }

    /// A storm of keys while a rebuild runs: one runs, told to stop; one waits, the
    /// latest; every other is dropped unanswered.
    #[test]
    fn at_most_one_runs_and_one_waits_whatever_the_number_of_keys() {
        let mut queue = JobQueue::new();
        assert_eq!(queue.submit(job(0)), None);
        let (first, first_stop) = queue.start_next().expect("the first job starts");
        assert_eq!(queue.counts(), (1, 0));
        let mut dropped = 0;
        for n in 1..=1000 {
            if queue.submit(job(n)).is_some() {
                dropped += 1;
            }
            assert_eq!(queue.counts(), (1, 1), "after key {n}");
            assert!(queue.start_next().is_none(), "a second job started");
        }
        assert_eq!(dropped, 999);
        assert!(
            first_stop.load(Ordering::Relaxed),
            "the running job was not told"
        );
        assert!(first.run_until(&first_stop).stopped());
        queue.finished();

        let (last, last_stop) = queue.start_next().expect("the latest job starts");
        assert_eq!(last.what, "key 1000");
        assert_eq!(queue.counts(), (1, 0));
        let done = last.run_until(&last_stop);
        assert!(!done.stopped());
        assert!(matches!(done.outcome, Outcome::Rebuilt(_, Ok(_))));
        queue.finished();
        assert!(queue.start_next().is_none());
        assert_eq!(queue.counts(), (0, 0));
    }

    #[test]
    fn closing_stops_the_running_job_and_starts_no_other() {
        let mut queue = JobQueue::new();
        queue.submit(job(0));
        let (_, stop) = queue.start_next().expect("starts");
        queue.submit(job(1));
        queue.close();
        assert!(stop.load(Ordering::Relaxed));
        assert_eq!(queue.counts(), (1, 0));
        queue.finished();
        assert!(queue.start_next().is_none());
    }

    /// Each checkpoint of a rebuild gives up once the flag is set: stopped before it
    /// starts, and stopped at the next stage when the flag is set while it runs.
    #[test]
    fn a_stopped_rebuild_answers_nothing_to_take() {
        assert!(job(0).run_until(&AtomicBool::new(true)).stopped());
        for checkpoints in 1..=3 {
            let seen = std::cell::Cell::new(0);
            let stop = || {
                seen.set(seen.get() + 1);
                seen.get() > checkpoints
            };
            let Work::Rebuild(spec, with_forward) = *job(0).work else {
                unreachable!("a rebuild")
            };
            assert!(matches!(
                outcome(Work::Rebuild(spec, with_forward), &stop),
                Outcome::Stopped
            ));
            assert_eq!(seen.get(), checkpoints + 1);
        }
        assert!(!job(0).run().stopped());
    }
}
