//! Progress of long work on stderr, only when stderr is a terminal (nothing in pipes,
//! logs and tests), and Ctrl-C that leaves no partial file.
//!
//! Every output is written by [`super::atomic::write_atomic`], so until the final
//! rename only a temporary file exists; [`catch_interrupt`] makes Ctrl-C remove that
//! file, clear the progress line and exit with status 130, as a shell expects.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The temporary file being written, if any: what Ctrl-C must remove.
static TEMP_FILE: Mutex<Option<PathBuf>> = Mutex::new(None);

/// Whether a progress line may be on screen (cleared on Ctrl-C).
static LINE_SHOWN: Mutex<bool> = Mutex::new(false);

/// Catches Ctrl-C (SIGINT) and SIGTERM for the rest of the run: a thread removes the
/// temporary file being written, clears the progress line and exits with 130.
/// Calling it again does nothing.
pub fn catch_interrupt() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        use signal_hook::consts::{SIGINT, SIGTERM};
        let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) else {
            return;
        };
        std::thread::spawn(move || {
            if let Some(signal) = signals.forever().next() {
                if let Some(tmp) = TEMP_FILE.lock().map(|t| t.clone()).unwrap_or(None) {
                    let _ = std::fs::remove_file(tmp);
                }
                if LINE_SHOWN.lock().map(|s| *s).unwrap_or(false) {
                    let _ = write!(std::io::stderr(), "\r\x1b[K");
                }
                std::process::exit(128 + signal);
            }
        });
    });
}

/// Registers (or with `None`, forgets) the temporary file being written.
pub fn set_temp_file(path: Option<PathBuf>) {
    if let Ok(mut t) = TEMP_FILE.lock() {
        *t = path;
    }
}

/// A line on stderr that says how far long work has got, redrawn at most ten times a
/// second and erased when dropped. Silent unless stderr is a terminal.
pub struct Progress {
    out: Option<Box<dyn Write>>,
    last: Option<Instant>,
}

impl Progress {
    /// A progress line on stderr if stderr is a terminal, else a silent one.
    pub fn stderr() -> Progress {
        let out: Option<Box<dyn Write>> = if std::io::stderr().is_terminal() {
            Some(Box::new(std::io::stderr()))
        } else {
            None
        };
        Progress { out, last: None }
    }

    /// A progress line into `out`, whatever it is (for tests).
    pub fn to(out: Box<dyn Write>) -> Progress {
        Progress {
            out: Some(out),
            last: None,
        }
    }

    /// Shows `text` (one line, no newline), unless a line was drawn less than 100 ms ago.
    pub fn show(&mut self, text: &str) {
        let Some(out) = self.out.as_mut() else {
            return;
        };
        if self
            .last
            .is_some_and(|t| t.elapsed() < Duration::from_millis(100))
        {
            return;
        }
        self.last = Some(Instant::now());
        let _ = write!(out, "\r\x1b[K{text}");
        let _ = out.flush();
        if let Ok(mut s) = LINE_SHOWN.lock() {
            *s = true;
        }
    }

    /// Shows `text` now, however recently a line was drawn.
    pub fn show_now(&mut self, text: &str) {
        self.last = None;
        self.show(text);
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(out) = self.out.as_mut()
            && self.last.is_some()
        {
            let _ = write!(out, "\r\x1b[K");
            let _ = out.flush();
            if let Ok(mut s) = LINE_SHOWN.lock() {
                *s = false;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex as StdMutex};

    #[derive(Clone, Default)]
    struct Shared(Arc<StdMutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn lines_are_redrawn_at_most_ten_times_a_second_and_erased_at_the_end() {
        let sink = Shared::default();
        {
            let mut p = Progress::to(Box::new(sink.clone()));
            p.show("frame 1/3");
            p.show("frame 2/3");
            p.show_now("frame 3/3");
        }
        let text = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        assert_eq!(text, "\r\x1b[Kframe 1/3\r\x1b[Kframe 3/3\r\x1b[K");
    }

    #[test]
    fn a_progress_that_showed_nothing_erases_nothing() {
        let sink = Shared::default();
        drop(Progress::to(Box::new(sink.clone())));
        assert!(sink.0.lock().unwrap().is_empty());
    }
}
