//! A tmux server of a test's own, to drive the real binary in a real terminal:
//! send keys, read the screen, wait for it to show something. Shared by the stepper's,
//! the tour's and the export's tmux tests.

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
    /// tests apart. None when tmux is not installed: the test is skipped with a loud
    /// line on stderr, or fails when the environment variable CI is set (.ci/run
    /// installs tmux, so a skip there would hide a test that never ran).
    pub fn start(name: &str, cols: u16, rows: u16, command: &str) -> Option<Tmux> {
        if Command::new("tmux").arg("-V").output().is_err() {
            let ci = std::env::var("CI").ok();
            match when_missing(name, ci.as_deref()) {
                Ok(skipped) => eprintln!("{skipped}"),
                Err(failed) => panic!("{failed}"),
            }
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

    /// A left click at 0-based (x, y), as the terminal reports it (SGR mouse mode).
    pub fn click(&self, x: u16, y: u16) {
        let press = format!("\x1b[<0;{};{}M", x + 1, y + 1);
        let release = format!("\x1b[<0;{};{}m", x + 1, y + 1);
        self.run(&["send-keys", "-t", "t", "-l", &press]);
        self.run(&["send-keys", "-t", "t", "-l", &release]);
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

/// What a tmux test does without tmux: Ok(the loud line of a skip) on a developer's
/// machine, Err(why it fails) when `ci` (the value of CI) says this is CI.
fn when_missing(name: &str, ci: Option<&str>) -> Result<String, String> {
    let on_ci = ci.is_some_and(|v| !matches!(v.trim(), "" | "0" | "false"));
    if on_ci {
        return Err(format!(
            "tmux is not installed but CI is set: the tmux test {name} must run there (.ci/run installs tmux)"
        ));
    }
    Ok(format!(
        "\n*** SKIPPED {name}: tmux is not installed, so this tmux test did not run; install tmux (.ci/run does) ***\n"
    ))
}

#[test]
fn without_tmux_a_test_skips_loudly_and_fails_on_ci() {
    let skipped = when_missing("walk", None).unwrap();
    assert!(skipped.contains("SKIPPED walk"), "{skipped}");
    assert!(when_missing("walk", Some("")).is_ok());
    assert!(when_missing("walk", Some("false")).is_ok());
    for ci in ["true", "1", "yes"] {
        let failed = when_missing("walk", Some(ci)).unwrap_err();
        assert!(failed.contains("CI is set"), "{failed}");
    }
}
