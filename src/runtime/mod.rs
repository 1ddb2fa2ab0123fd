//! The runtime: the terminal session and event loop shared by the stepper and the
//! tour. It performs what the model asks for (saving a screenshot) and draws.
//!
//! - Input is read on a thread of its own ([`input::Reader`]): bytes are decoded as they
//!   arrive, with an escape timeout, so that a stray fragment of an escape sequence
//!   never leaves the program deaf.
//! - The loop applies every pending input (keys, clicks, resizes, play ticks that fell
//!   due) before it draws once: a burst of keys costs one frame, not one per key, and
//!   no frame is drawn that is already stale.
//! - The terminal is restored on return, on error, on panic, and on SIGTERM, SIGHUP,
//!   SIGINT and SIGQUIT ([`restore_on_signals`]), after which the signal takes its
//!   course (status 143, 129, 130, 131 in a shell).
//!
//! [`Session`] is the loop's state, generic over ratatui's backend, so that tests drive
//! the very code the terminal runs with a `TestBackend`.

pub mod input;

use std::io::{IsTerminal, stdout};
use std::path::Path;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use anyhow::bail;
use ratatui::Terminal;
use ratatui::backend::{Backend, CrosstermBackend};
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{
    DisableMouseCapture, EnableMouseCapture, Event, KeyEvent, KeyEventKind, MouseButton,
    MouseEventKind,
};
use ratatui::crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::crossterm::{cursor, execute};
use ratatui::layout::Rect;

use crate::app::{Action, App, Done, Effect, Job, JobQueue};
use crate::export::ScreenshotOptions;
use crate::palette::ColorMode;
use crate::ui;

/// What runs full-screen: the stepper alone, or the stepper inside a walkthrough.
pub trait Screen {
    /// The stepper being driven.
    fn app(&self) -> &App;
    /// Uses these colours from now on.
    fn set_color(&mut self, color: ColorMode);
    /// Draws the whole screen.
    fn render(&self, area: Rect, buf: &mut Buffer);
    /// A key press; what the runtime is to do about it, if anything.
    fn key(&mut self, key: KeyEvent) -> Option<Effect>;
    /// An action for the stepper: a click, a play tick, the answer to an effect.
    fn update(&mut self, action: Action) -> Option<Effect>;
    /// Where the stepper is drawn within the screen, for mouse clicks.
    fn stepper_area(&self, area: Rect) -> Rect {
        area
    }
}

impl Screen for App {
    fn app(&self) -> &App {
        self
    }

    fn set_color(&mut self, color: ColorMode) {
        self.color = color;
    }

    fn render(&self, area: Rect, buf: &mut Buffer) {
        ui::render(self, area, buf);
    }

    fn key(&mut self, key: KeyEvent) -> Option<Effect> {
        App::update(self, Action::Key(key))
    }

    fn update(&mut self, action: Action) -> Option<Effect> {
        App::update(self, action)
    }
}

/// Runs `screen` full-screen until the user quits; `needs_terminal` is the error when
/// stdin or stdout is not a terminal.
pub fn run_full_screen(
    screen: &mut impl Screen,
    export: &ScreenshotOptions,
    needs_terminal: &str,
) -> anyhow::Result<()> {
    if !std::io::stdin().is_terminal() || !stdout().is_terminal() {
        bail!("{needs_terminal}");
    }
    screen.set_color(ColorMode::from_env());
    let full_screen = FullScreen::enter()?;
    let reader = input::Reader::start()?;
    let terminal = Terminal::new(CrosstermBackend::new(stdout()))?;
    let mut session = Session::new(terminal, screen, export);
    session.compute_in_background();
    let result = event_loop(&mut session, &reader.events);
    // Stop reading first: keys typed after quitting are the shell's.
    drop(reader);
    drop(session);
    drop(full_screen);
    result
}

/// How often the loop looks for a finished computation while one is under way.
const JOB_POLL: Duration = Duration::from_millis(15);

/// Computations run off the loop on one thread of their own, one at a time, through a
/// [`JobQueue`]: a newer one supersedes the one waiting and stops the one running at its
/// next checkpoint, so that a storm of keys never runs more than one rebuild (nor holds
/// more than about two scenes) at once.
struct Worker {
    queue: Arc<(Mutex<JobQueue>, Condvar)>,
    answers: Sender<Done>,
    inbox: Receiver<Done>,
    /// Jobs queued whose answer (or word that they stopped) has not come back: each
    /// job taken from the queue answers once; a job dropped from it never does.
    outstanding: usize,
    /// Whether the thread is running (started at the first job).
    thread: bool,
}

impl Worker {
    fn new() -> Worker {
        let (answers, inbox) = channel();
        Worker {
            queue: Arc::new((Mutex::new(JobQueue::new()), Condvar::new())),
            answers,
            inbox,
            outstanding: 0,
            thread: false,
        }
    }

    /// Queues `job` (see [`JobQueue::submit`]); gives it back if the thread that runs
    /// jobs cannot start.
    fn start(&mut self, job: Job) -> Result<(), Job> {
        if !self.thread {
            let queue = Arc::clone(&self.queue);
            let answers = self.answers.clone();
            let spawned = std::thread::Builder::new()
                .name("convstep-compute".into())
                .spawn(move || work(&queue, &answers));
            if spawned.is_err() {
                return Err(job);
            }
            self.thread = true;
        }
        let (lock, ready) = &*self.queue;
        let mut queue = lock.lock().unwrap_or_else(|e| e.into_inner());
        self.outstanding += 1;
        if queue.submit(job).is_some() {
            self.outstanding -= 1;
        }
        ready.notify_one();
        Ok(())
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        let (lock, ready) = &*self.queue;
        lock.lock().unwrap_or_else(|e| e.into_inner()).close();
        ready.notify_one();
    }
}

/// The compute thread: runs the queue's jobs one after the other and sends each answer,
/// until the queue is closed.
fn work(queue: &(Mutex<JobQueue>, Condvar), answers: &Sender<Done>) {
    let (lock, ready) = queue;
    loop {
        let next = {
            let mut queue = lock.lock().unwrap_or_else(|e| e.into_inner());
            loop {
                if queue.is_closed() {
                    return;
                }
                if let Some(next) = queue.start_next() {
                    break next;
                }
                queue = ready.wait(queue).unwrap_or_else(|e| e.into_inner());
            }
        };
        let (job, stop) = next;
        let done = job.run_until(&stop);
        // The loop may have quit meanwhile: nobody to answer is no error.
        let _ = answers.send(done);
        lock.lock().unwrap_or_else(|e| e.into_inner()).finished();
    }
}

/// Waits for input, applies all of it, draws once; until the screen asks to quit or
/// the terminal goes away.
fn event_loop<S: Screen, B: Backend>(
    session: &mut Session<'_, S, B>,
    events: &std::sync::mpsc::Receiver<Vec<Event>>,
) -> anyhow::Result<()>
where
    B::Error: Send + Sync + 'static,
{
    use std::sync::mpsc::{RecvTimeoutError, TryRecvError};
    session.draw()?;
    loop {
        // While a computation runs, look for its answer now and then.
        let due = match (session.next_tick(), session.busy()) {
            (due, false) => due,
            (due, true) => {
                let poll = Instant::now() + JOB_POLL;
                Some(due.map_or(poll, |due| due.min(poll)))
            }
        };
        let first = match due {
            Some(due) => match events.recv_timeout(due.saturating_duration_since(Instant::now())) {
                Ok(batch) => batch,
                Err(RecvTimeoutError::Timeout) => Vec::new(),
                Err(RecvTimeoutError::Disconnected) => return Ok(()),
            },
            None => match events.recv() {
                Ok(batch) => batch,
                Err(_) => return Ok(()),
            },
        };
        if session.apply_all(&first) {
            return Ok(());
        }
        // Everything that came meanwhile, and a tick that fell due, before one frame.
        loop {
            match events.try_recv() {
                Ok(batch) => {
                    if session.apply_all(&batch) {
                        return Ok(());
                    }
                }
                Err(TryRecvError::Empty) => {
                    let (answered, quit) = session.take_answers();
                    if quit {
                        return Ok(());
                    }
                    if !answered && !session.tick_if_due(Instant::now()) {
                        break;
                    }
                }
                Err(TryRecvError::Disconnected) => return Ok(()),
            }
        }
        session.draw()?;
    }
}

/// The loop's state: the terminal, the screen it shows, and the play timer.
pub struct Session<'a, S: Screen, B: Backend> {
    terminal: Terminal<B>,
    screen: &'a mut S,
    export: &'a ScreenshotOptions,
    /// The area of the last frame drawn: mouse reports point into it.
    area: Rect,
    /// When the next play tick is due, while playing.
    next_tick: Option<Instant>,
    /// The terminal was resized since the last frame: redraw every cell.
    resized: bool,
    /// Where computations run: None runs them at once, inside `apply` (tests, so that
    /// a frame never depends on timing); the terminal runs them off the loop.
    worker: Option<Worker>,
}

impl<'a, S: Screen, B: Backend> Session<'a, S, B> {
    pub fn new(terminal: Terminal<B>, screen: &'a mut S, export: &'a ScreenshotOptions) -> Self {
        let area = terminal
            .size()
            .map(|s| Rect::new(0, 0, s.width, s.height))
            .unwrap_or_default();
        let mut session = Session {
            terminal,
            screen,
            export,
            area,
            next_tick: None,
            resized: false,
            worker: None,
        };
        session.schedule(Instant::now());
        session
    }

    /// Runs computations on threads of their own from now on, so that keys and
    /// drawing go on meanwhile (the terminal loop does).
    pub fn compute_in_background(&mut self) {
        self.worker = Some(Worker::new());
    }

    /// Whether a computation started off the loop has not answered yet.
    pub fn busy(&self) -> bool {
        self.worker.as_ref().is_some_and(|w| w.outstanding > 0)
    }

    /// Feeds the answers of finished computations to the screen: whether there was
    /// one, and whether the screen then asks to quit.
    pub fn take_answers(&mut self) -> (bool, bool) {
        let mut answered = false;
        while let Some(done) = self.worker.as_mut().and_then(|w| w.inbox.try_recv().ok()) {
            if let Some(w) = self.worker.as_mut() {
                w.outstanding = w.outstanding.saturating_sub(1);
            }
            if done.stopped() {
                continue;
            }
            answered = true;
            let effect = self.screen.update(Action::Computed(Box::new(done)));
            if self.perform(effect) {
                return (true, true);
            }
        }
        if answered {
            self.schedule(Instant::now());
        }
        (answered, false)
    }

    pub fn screen(&self) -> &S {
        self.screen
    }

    pub fn terminal(&self) -> &Terminal<B> {
        &self.terminal
    }

    pub fn terminal_mut(&mut self) -> &mut Terminal<B> {
        &mut self.terminal
    }

    /// Applies one input: a key press, a left click (on what the last frame showed), a
    /// resize (the next frame is drawn whole, at the new size). True when the screen
    /// asks to quit.
    pub fn apply(&mut self, event: &Event) -> bool {
        let effect = match event {
            Event::Key(key) if key.kind == KeyEventKind::Press => self.screen.key(*key),
            Event::Mouse(mouse) if mouse.kind == MouseEventKind::Down(MouseButton::Left) => {
                let stepper = self.screen.stepper_area(self.area);
                ui::hit_test(self.screen.app(), stepper, mouse.column, mouse.row)
                    .and_then(|action| self.screen.update(action))
            }
            // The size at the next frame may be the last frame's again (resized away and
            // back), yet the terminal has reflowed or cut what it showed: ratatui's diff
            // against the last frame would leave that on the screen.
            Event::Resize(..) => {
                self.resized = true;
                None
            }
            _ => None,
        };
        let quit = self.perform(effect);
        self.schedule(Instant::now());
        quit
    }

    /// Applies inputs in order until one asks to quit; true if one did.
    pub fn apply_all(&mut self, events: &[Event]) -> bool {
        events.iter().any(|event| self.apply(event))
    }

    /// When the next play tick is due, if playing.
    pub fn next_tick(&self) -> Option<Instant> {
        self.next_tick
    }

    /// Applies a play tick if one is due at `now`; true if it did.
    pub fn tick_if_due(&mut self, now: Instant) -> bool {
        if self.next_tick.is_none_or(|due| now < due) {
            return false;
        }
        self.tick(now);
        true
    }

    /// Applies one play tick now (tests call it directly).
    pub fn tick(&mut self, now: Instant) {
        let effect = self.screen.update(Action::Tick);
        self.next_tick = None;
        self.perform(effect);
        self.schedule(now);
    }

    /// Draws the current state, the only place that does.
    pub fn draw(&mut self) -> Result<(), B::Error> {
        if std::mem::take(&mut self.resized) {
            // Not `Terminal::clear`: it asks the terminal where the cursor is, and the
            // answer would come to the input thread, not to it.
            let size = self.terminal.size()?;
            self.terminal
                .resize(Rect::new(0, 0, size.width, size.height))?;
        }
        let screen = &*self.screen;
        let frame = self
            .terminal
            .draw(|f| screen.render(f.area(), f.buffer_mut()))?;
        self.area = frame.area;
        Ok(())
    }

    /// Performs what an update asked for and feeds the outcome back as an action,
    /// until nothing is left to do; true when the screen asks to quit.
    fn perform(&mut self, mut effect: Option<Effect>) -> bool {
        while let Some(next) = effect.take() {
            match next {
                Effect::Quit => return true,
                Effect::Screenshot { label } => {
                    let answer = self.screenshot(&label);
                    effect = self.screen.update(answer);
                }
                Effect::Compute(job) => {
                    let job = match self.worker.as_mut() {
                        Some(worker) => match worker.start(job) {
                            Ok(()) => continue,
                            Err(job) => job,
                        },
                        None => job,
                    };
                    effect = self.screen.update(Action::Computed(Box::new(job.run())));
                }
            }
        }
        false
    }

    /// Saves the frame this state shows at the terminal's size (what the next draw
    /// puts on the screen, whatever else is still pending), named after `label`.
    fn screenshot(&self, label: &str) -> Action {
        let area = self
            .terminal
            .size()
            .map(|s| Rect::new(0, 0, s.width, s.height))
            .unwrap_or(self.area);
        let mut buffer = Buffer::empty(area);
        self.screen.render(area, &mut buffer);
        let dir = self.export.export_dir.as_deref().unwrap_or(Path::new("."));
        match crate::export::save_screenshot_named(&buffer, self.export, dir, label) {
            Ok(paths) => Action::Saved(paths),
            Err(err) => {
                let causes: Vec<String> = err.chain().map(|c| c.to_string()).collect();
                Action::SaveFailed(causes.join(": "))
            }
        }
    }

    /// While playing, a tick is due one tick length after the last one (or after play
    /// started); otherwise none is.
    fn schedule(&mut self, now: Instant) {
        let app = self.screen.app();
        self.next_tick = match (app.playing, self.next_tick) {
            (false, _) => None,
            (true, Some(due)) => Some(due),
            (true, None) => Some(now + Duration::from_millis(app.tick_ms())),
        };
    }
}

/// Whether the terminal is in full-screen mode now; the lock is held while entering
/// and restoring, so that a signal never exits halfway through either.
static FULL_SCREEN: Mutex<bool> = Mutex::new(false);

/// Raw mode, the alternate screen and mouse reports, for as long as it lives.
struct FullScreen;

impl FullScreen {
    fn enter() -> std::io::Result<FullScreen> {
        static PANIC_HOOK: std::sync::Once = std::sync::Once::new();
        PANIC_HOOK.call_once(|| {
            let previous = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                // The message goes to the restored screen, where it stays readable.
                restore();
                previous(info);
            }));
        });
        let out = stdout().lock();
        let mut active = FULL_SCREEN.lock().unwrap_or_else(|e| e.into_inner());
        *active = true;
        let entered = enable_raw_mode()
            .and_then(|()| execute!(stdout(), EnterAlternateScreen, EnableMouseCapture));
        drop(active);
        drop(out);
        // Dropped on an error, it restores what was entered.
        let full_screen = FullScreen;
        entered?;
        Ok(full_screen)
    }
}

impl Drop for FullScreen {
    fn drop(&mut self) {
        restore();
    }
}

/// Leaves full-screen mode if the terminal is in it: mouse reports off, the cursor
/// shown, the main screen back, raw mode off. Safe from any thread, any number of
/// times.
pub fn restore() {
    // stdout first, then the flag, everywhere: the order that cannot deadlock.
    let out = stdout().lock();
    let mut active = FULL_SCREEN.lock().unwrap_or_else(|e| e.into_inner());
    if *active {
        let _ = execute!(
            stdout(),
            DisableMouseCapture,
            cursor::Show,
            LeaveAlternateScreen
        );
        let _ = disable_raw_mode();
        *active = false;
    }
    drop(active);
    drop(out);
}

/// On SIGTERM, SIGHUP, SIGINT or SIGQUIT: restores the terminal if the program is
/// full-screen, then lets the signal do what it does by default (the exit status is
/// 128 + its number). Called once, at start.
#[cfg(unix)]
pub fn restore_on_signals() -> std::io::Result<()> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGTERM, SIGHUP, SIGINT, SIGQUIT])?;
    std::thread::Builder::new()
        .name("convstep-signals".into())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                // Held to the end: the loop cannot write a frame over the restored
                // screen, whatever it was doing.
                let _out = stdout().lock();
                restore();
                let _ = signal_hook::low_level::emulate_default_handler(signal);
                std::process::exit(128 + signal);
            }
        })?;
    Ok(())
}

#[cfg(not(unix))]
pub fn restore_on_signals() -> std::io::Result<()> {
    Ok(())
}
