//! A tmux server of a test's own, to drive the real binary in a real terminal:
//! send keys, read the screen, wait for it to show something. Shared by the stepper's,
//! the tour's and the export's tmux tests.
// Each test binary uses a different part of this module.
#![allow(dead_code)]

use std::process::Command;
use std::thread::sleep;
use std::time::{Duration, Instant};

/// How long a screen may take to show what a test waits for.
const PATIENCE: Duration = Duration::from_secs(30);

pub struct Tmux {
    socket: String,
}

impl Tmux {
    /// Starts `command` in a `cols` x `rows` terminal (session `t`); `name` keeps parallel
    /// tests apart. None, with a note, when tmux is not installed (.ci/run installs it).
    pub fn start(name: &str, cols: u16, rows: u16, command: &str) -> Option<Tmux> {
        if Command::new("tmux").arg("-V").output().is_err() {
            eprintln!("note: tmux is not installed; skipping the tmux test {name}");
            return None;
        }
        let tmux = Tmux {
            socket: format!("convstep-test-{}-{name}", std::process::id()),
        };
        let (cols, rows) = (cols.to_string(), rows.to_string());
        tmux.run(&[
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            "t",
            "-x",
            &cols,
            "-y",
            &rows,
            command,
        ]);
        Some(tmux)
    }

    /// Runs one tmux command on this server and returns what it printed.
    pub fn run(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .env_remove("TMUX")
            .output()
            .expect("tmux runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Types keys (tmux key names: `l`, `Space`, `PageDown`, `C-c`, ...), one at a time.
    pub fn keys(&self, keys: &[&str]) {
        for key in keys {
            self.run(&["send-keys", "-t", "t", key]);
        }
    }

    /// The screen as text, as `capture-pane -p` gives it.
    pub fn screen(&self) -> String {
        self.run(&["capture-pane", "-p", "-t", "t"])
    }

    /// Waits until the screen shows `text` (the program redraws after each key).
    pub fn wait_for(&self, text: &str) -> String {
        self.wait_until(&format!("showing {text:?}"), |s| s.contains(text))
    }

    /// Waits until the screen shows every one of `texts`.
    pub fn wait_for_all(&self, texts: &[&str]) -> String {
        self.wait_until(&format!("showing {texts:?}"), |s| {
            texts.iter().all(|t| s.contains(t))
        })
    }

    /// Waits until the screen shows `text` and two captures 100 ms apart agree, so the
    /// whole frame has been drawn.
    pub fn wait_steady(&self, text: &str) -> String {
        let mut last = String::new();
        self.wait_until(&format!("showing {text:?} and steady"), |now| {
            let steady = now.contains(text) && now == last;
            last = now.to_string();
            if !steady {
                sleep(Duration::from_millis(50));
            }
            steady
        })
    }

    /// Waits until `done` holds for the screen; panics with the screen if it never does.
    pub fn wait_until(&self, what: &str, done: impl FnMut(&str) -> bool) -> String {
        self.wait_until_within(PATIENCE, what, done)
    }

    /// As [`Tmux::wait_until`], with a patience of its own.
    pub fn wait_until_within(
        &self,
        patience: Duration,
        what: &str,
        mut done: impl FnMut(&str) -> bool,
    ) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if done(&screen) {
                return screen;
            }
            if start.elapsed() > patience {
                panic!("the screen never ended up {what}; it shows:\n{screen}");
            }
            sleep(Duration::from_millis(50));
        }
    }

    /// Types `bytes` as they are, with no key names (`send-keys -l`).
    pub fn type_bytes(&self, bytes: &str) {
        self.run(&["send-keys", "-t", "t", "-l", bytes]);
    }

    /// The process id of the pane's child named `name` (the program its shell runs),
    /// from /proc; None until it has started.
    pub fn child_pid(&self, name: &str) -> Option<u32> {
        let shell: u32 = self.display("#{pane_pid}").parse().ok()?;
        std::fs::read_dir("/proc")
            .ok()?
            .flatten()
            .find_map(|entry| {
                let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
                let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
                // pid (comm) state ppid ...: comm may hold spaces, so read after the last ')'.
                let (head, tail) = stat.rsplit_once(')')?;
                let comm = head.split_once('(')?.1;
                let ppid: u32 = tail.split_whitespace().nth(1)?.parse().ok()?;
                (ppid == shell && comm == name).then_some(pid)
            })
    }

    /// A tmux format of the pane (`#{alternate_on}`, `#{cursor_x}`, ...).
    pub fn display(&self, format: &str) -> String {
        self.run(&["display-message", "-p", "-t", "t", format])
            .trim()
            .to_string()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .output();
    }
}
