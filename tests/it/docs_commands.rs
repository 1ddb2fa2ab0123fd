//! Every command in README.md and docs/*.md runs as written, with the binary `cargo test`
//! built, so an example that stops working fails here. The convention (docs/development.md):
//! ```` ```sh ```` blocks are commands to run, one a line, each `convstep ...` or
//! `cargo run --release -- ...` (the set-up lines `cargo run --release`, `cargo test` and
//! `cargo install --path .` are only checked present in README.md); ```` ```console ````
//! blocks are transcripts whose `$ ` lines run and must print the lines after them; every
//! other block is shown, not run. Commands run through `sh` in a temporary folder that
//! holds the files the examples name; full-screen ones run in tmux and are quit with `q`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ndarray::{Array1, Array4};
use ndarray_npy::write_npy;

use crate::tmux_support::Tmux;

/// The lines that set up a fresh machine: CI and users rely on them being in the README.
const SETUP: [&str; 3] = [
    "cargo run --release",
    "cargo test",
    "cargo install --path .",
];

/// Subcommands that print or write and exit; anything else after `convstep` is the stepper.
const HEADLESS: [&str; 9] = [
    "compute",
    "rf",
    "compare",
    "shot",
    "record",
    "bench",
    "completions",
    "man",
    "help",
];

/// How many full-screen commands run at once, each in a tmux of its own.
const SIDE_BY_SIDE: usize = 3;

/// How long one headless command may take before the test gives up on it.
const PATIENCE: Duration = Duration::from_secs(120);

/// One command found in a document.
#[derive(Debug, Clone)]
struct DocCommand {
    /// `README.md:42`, for messages.
    place: String,
    /// The command as `sh` runs it (`cargo run --release -- ` already made `convstep `).
    line: String,
    /// For a transcript, the lines it must print; None for a command that must succeed.
    expected: Option<Vec<String>>,
}

/// What the documents hold: commands to run, set-up lines seen, lines of a ```sh block
/// that are neither.
#[derive(Debug, Default)]
struct Found {
    commands: Vec<DocCommand>,
    setup: Vec<String>,
    strays: Vec<String>,
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// README.md and docs/*.md, sorted, as (name relative to the repository, text).
fn documents() -> Vec<(String, String)> {
    let mut names = vec!["README.md".to_string()];
    let mut docs: Vec<String> = std::fs::read_dir(repo().join("docs"))
        .expect("docs/ exists")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".md"))
        .map(|n| format!("docs/{n}"))
        .collect();
    docs.sort();
    names.extend(docs);
    names
        .into_iter()
        .map(|n| {
            let text = std::fs::read_to_string(repo().join(&n)).unwrap();
            (n, text)
        })
        .collect()
}

/// The commands of one document, by the convention above.
fn scan(name: &str, text: &str, found: &mut Found) {
    let mut fence: Option<String> = None;
    let mut pending = String::new();
    let mut pending_at = 0;
    for (index, raw) in text.lines().enumerate() {
        let number = index + 1;
        let trimmed = raw.trim_start();
        if let Some(info) = trimmed.strip_prefix("```") {
            fence = match fence {
                None => Some(info.trim().to_string()),
                Some(_) => None,
            };
            continue;
        }
        match fence.as_deref() {
            Some("sh") => {
                if pending.is_empty() {
                    pending_at = number;
                }
                if let Some(head) = raw.trim_end().strip_suffix('\\') {
                    pending.push_str(head);
                    pending.push(' ');
                    continue;
                }
                pending.push_str(raw);
                let line = std::mem::take(&mut pending).trim().to_string();
                let place = format!("{name}:{pending_at}");
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                if SETUP.contains(&line.as_str()) {
                    found.setup.push(format!("{name}:{line}"));
                } else if let Some(rest) = line.strip_prefix("cargo run --release -- ") {
                    let line = format!("convstep {rest}");
                    found.commands.push(DocCommand {
                        place,
                        line,
                        expected: None,
                    });
                } else if line == "convstep" || line.starts_with("convstep ") {
                    found.commands.push(DocCommand {
                        place,
                        line,
                        expected: None,
                    });
                } else {
                    found.strays.push(format!("{place}: {line}"));
                }
            }
            Some("console") => {
                if let Some(line) = raw.strip_prefix("$ ") {
                    found.commands.push(DocCommand {
                        place: format!("{name}:{number}"),
                        line: line.trim().to_string(),
                        expected: Some(Vec::new()),
                    });
                } else if let Some(DocCommand {
                    expected: Some(lines),
                    ..
                }) = found.commands.last_mut()
                {
                    lines.push(raw.to_string());
                }
            }
            Some(_) => {}
            // A command in an indented block would escape the test: fence it.
            None if raw.starts_with("    ") && raw.trim_start().starts_with("convstep") => {
                found.strays.push(format!(
                    "{name}:{number}: {} (indented, not fenced)",
                    raw.trim()
                ));
            }
            None => {}
        }
    }
}

fn find_all() -> Found {
    let mut found = Found::default();
    for (name, text) in documents() {
        scan(&name, &text, &mut found);
    }
    found
}

/// The words of a command as `sh` would split them (quotes, no expansions), up to a
/// comment.
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word: Option<String> = None;
    let mut quote: Option<char> = None;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.get_or_insert_with(String::new).push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                word.get_or_insert_with(String::new);
            }
            (None, c) if c.is_whitespace() => out.extend(word.take()),
            (None, '#') if word.is_none() => break,
            (None, c) => word.get_or_insert_with(String::new).push(c),
        }
    }
    out.extend(word);
    out
}

/// Whether the command takes the whole terminal: the stepper, or a tour that is not
/// only checked or listed.
fn full_screen(words: &[String]) -> bool {
    let has = |flag: &str| words.iter().any(|w| w == flag);
    if ["--help", "-h", "--version", "-V"].iter().any(|f| has(f)) {
        return false;
    }
    match words.get(1).map(String::as_str) {
        Some("tour") => !has("--check") && !has("--list"),
        Some("compare") => has("--show"),
        Some(sub) => !HEADLESS.contains(&sub),
        None => true,
    }
}

/// The files a command says it writes: after `-o`/`--output`, and after `>`.
fn outputs(words: &[String], home: &Path) -> Vec<PathBuf> {
    words
        .windows(2)
        .filter(|pair| ["-o", "--output", ">"].contains(&pair[0].as_str()))
        .map(|pair| match pair[1].strip_prefix("~/") {
            Some(rest) => home.join(rest),
            None => PathBuf::from(&pair[1]),
        })
        .collect()
}

/// A temporary folder with every file the examples name, and `convstep` on a PATH of
/// its own.
struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    fn new() -> Sandbox {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let bin = root.join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        std::os::unix::fs::symlink(
            assert_cmd::cargo::cargo_bin("convstep"),
            bin.join("convstep"),
        )
        .unwrap();
        for folder in [
            "docs",
            "assets/tours",
            "home/.local/share/bash-completion/completions",
            "home/.zfunc",
            "home/.config/fish/completions",
        ] {
            std::fs::create_dir_all(root.join(folder)).unwrap();
        }
        for file in [
            "assets/chelsea.png",
            "assets/tours/convolution.toml",
            "assets/tours/conv-arithmetic.toml",
        ] {
            std::fs::copy(repo().join(file), root.join(file)).unwrap();
        }
        image::open(repo().join("assets/chelsea.png"))
            .unwrap()
            .to_rgb8()
            .save(root.join("photo.jpg"))
            .unwrap();
        std::fs::write(root.join("cat.txt.png"), "not a picture\n").unwrap();
        // A homework layer: x (2,3,7,7), w (4,3,3,3), b (4,), and the dout of stride 2,
        // pad 1: (7 + 2 - 3) / 2 + 1 = 4.
        let value = |i: usize| ((i * 7919) % 23) as f64 / 11.0 - 1.0;
        let x = Array4::from_shape_fn((2, 3, 7, 7), |(n, c, h, w)| {
            value(((n * 3 + c) * 7 + h) * 7 + w)
        });
        let w = Array4::from_shape_fn((4, 3, 3, 3), |(f, c, h, w)| {
            value(((f * 3 + c) * 3 + h) * 3 + w + 5)
        });
        let b = Array1::from_shape_fn(4, |f| value(f + 11));
        let dout = Array4::from_shape_fn((2, 4, 4, 4), |(n, f, h, w)| {
            value(((n * 4 + f) * 4 + h) * 4 + w + 17)
        });
        write_npy(root.join("x.npy"), &x).unwrap();
        write_npy(root.join("w.npy"), &w).unwrap();
        write_npy(root.join("b.npy"), &b).unwrap();
        write_npy(root.join("dout.npy"), &dout).unwrap();
        // The walkthrough example of docs/tours.md, and the same with a field misspelt.
        let tours = std::fs::read_to_string(repo().join("docs/tours.md")).unwrap();
        let example = tours
            .split("```toml\n")
            .nth(1)
            .and_then(|rest| rest.split("```").next())
            .expect("docs/tours.md has a ```toml example");
        std::fs::write(root.join("mine.toml"), example).unwrap();
        let bad = example.replace("kernel = \"sobel-x\"", "colour = \"red\"");
        assert_ne!(
            bad, example,
            "the tour example has the line bad.toml changes"
        );
        std::fs::write(root.join("bad.toml"), bad).unwrap();
        Sandbox { dir }
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn home(&self) -> PathBuf {
        self.root().join("home")
    }

    /// The environment every command gets: our `convstep` first on PATH, a home of its
    /// own, English from the locale.
    fn path(&self) -> String {
        format!(
            "{}:{}",
            self.root().join("bin").display(),
            std::env::var("PATH").unwrap_or_default()
        )
    }

    fn shell(&self, script: &str) -> Command {
        let mut sh = Command::new("sh");
        sh.arg("-c")
            .arg(script)
            .current_dir(self.root())
            .env("PATH", self.path())
            .env("HOME", self.home())
            .env("LANG", "C.UTF-8")
            .env_remove("LC_ALL")
            .env_remove("LC_MESSAGES")
            .env_remove("SOURCE_DATE_EPOCH")
            .stdin(Stdio::null());
        sh
    }
}

/// Runs a headless command; returns its status and its stdout then stderr.
fn run_headless(sandbox: &Sandbox, command: &DocCommand) -> Result<(i32, String), String> {
    let mut child = sandbox
        .shell(&command.line)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start sh: {e}"))?;
    let start = Instant::now();
    while child.try_wait().map_err(|e| e.to_string())?.is_none() {
        if start.elapsed() > PATIENCE {
            let _ = child.kill();
            return Err(format!("still running after {PATIENCE:?}"));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Ok((out.status.code().unwrap_or(-1), text))
}

/// Runs a full-screen command in tmux at 120x40: waits for its first frame, drawn
/// whole, presses `q` and returns its exit status.
fn run_full_screen(sandbox: &Sandbox, command: &DocCommand, index: usize) -> Result<i32, String> {
    let script = sandbox.root().join(format!("command-{index}.sh"));
    std::fs::write(&script, format!("{}\n", command.line)).unwrap();
    let line = format!(
        "cd '{}' && env -u LC_ALL -u LC_MESSAGES -u SOURCE_DATE_EPOCH PATH='{}' HOME='{}' LANG=C.UTF-8 \
         sh '{}'; echo DOCS-EXIT-$?; sleep 60",
        sandbox.root().display(),
        sandbox.path(),
        sandbox.home().display(),
        script.display()
    );
    let Some(t) = Tmux::start(&format!("docs{index}"), 120, 40, &line) else {
        return Ok(0);
    };
    let mut last = String::new();
    let screen = t.wait_until("the first frame, drawn whole, or an exit", |now| {
        if now.contains("DOCS-EXIT-") {
            return true;
        }
        let steady = !now.trim().is_empty() && now == last;
        last = now.to_string();
        std::thread::sleep(Duration::from_millis(100));
        steady && t.display("#{alternate_on}") == "1"
    });
    if screen.contains("DOCS-EXIT-") {
        return Err(format!("it exited before it was quit:\n{screen}"));
    }
    t.keys(&["q"]);
    let screen = t.wait_for("DOCS-EXIT-");
    let status = screen
        .split("DOCS-EXIT-")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| format!("no exit status on the screen:\n{screen}"))?;
    Ok(status)
}

/// Whether the output holds the expected lines: equal, or, for an expected line ending
/// in `...`, starting the same.
fn matches(expected: &[String], got: &str) -> bool {
    let got: Vec<&str> = got.lines().collect();
    got.len() == expected.len()
        && expected
            .iter()
            .zip(&got)
            .all(|(want, got)| match want.strip_suffix("...") {
                Some(head) => got.starts_with(head.trim_end()),
                None => got == want,
            })
}

/// Runs one command and says what went wrong, if anything.
fn check(sandbox: &Sandbox, command: &DocCommand, index: usize) -> Result<(), String> {
    let words = words(&command.line);
    if full_screen(&words) {
        let status = run_full_screen(sandbox, command, index)?;
        return match status {
            0 => Ok(()),
            code => Err(format!("exit status {code}, not 0")),
        };
    }
    let (status, text) = run_headless(sandbox, command)?;
    if let Some(expected) = &command.expected {
        let want = if expected.iter().any(|l| l.starts_with("convstep: error:")) {
            2
        } else {
            0
        };
        if status != want || !matches(expected, &text) {
            return Err(format!(
                "exit status {status} (documented {want}); it printed:\n{text}\nthe document says:\n{}",
                expected.join("\n")
            ));
        }
        return Ok(());
    }
    if status != 0 {
        return Err(format!("exit status {status}, not 0; it printed:\n{text}"));
    }
    for path in outputs(&words, &sandbox.home()) {
        let path = sandbox.root().join(path);
        let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        if size == 0 {
            return Err(format!("{} is missing or empty", path.display()));
        }
    }
    Ok(())
}

#[test]
fn every_command_in_the_readme_and_docs_runs_as_written() {
    let found = find_all();
    assert!(
        found.strays.is_empty(),
        "lines in ```sh blocks that are neither `convstep ...` nor `cargo run --release -- ...` \
         (show them in a ```text block, or make them commands):\n{}",
        found.strays.join("\n")
    );
    for line in SETUP {
        assert!(
            found
                .setup
                .iter()
                .any(|s| s == &format!("README.md:{line}")),
            "README.md lost the set-up line `{line}` in a ```sh block"
        );
    }
    assert!(found.commands.len() >= 30, "{:?}", found.commands);

    let sandbox = Sandbox::new();
    let start = Instant::now();
    let timed = |index: usize, command: &DocCommand| {
        let begun = Instant::now();
        let result = check(&sandbox, command, index);
        if std::env::var_os("CONVSTEP_DOCS_TIMES").is_some() {
            eprintln!("{:6.2} s  {}", begun.elapsed().as_secs_f64(), command.line);
        }
        result
            .err()
            .map(|why| format!("{}: `{}`: {why}", command.place, command.line))
    };
    // Full-screen commands mostly wait for tmux, so they run side by side, each on a tmux
    // server of its own, while the others run one after another.
    let (screens, others): (Vec<_>, Vec<_>) = found
        .commands
        .iter()
        .enumerate()
        .partition(|(_, command)| full_screen(&words(&command.line)));
    // A few at a time: each start builds a layer, and CI has two cores to share.
    let screens = std::sync::Mutex::new(screens.into_iter());
    let next = || screens.lock().unwrap().next();
    let failures: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..SIDE_BY_SIDE)
            .map(|_| {
                scope.spawn(|| {
                    let mut failures = Vec::new();
                    while let Some((index, command)) = next() {
                        failures.extend(timed(index, command));
                    }
                    failures
                })
            })
            .collect();
        let mut failures: Vec<String> = others
            .iter()
            .filter_map(|&(index, command)| timed(index, command))
            .collect();
        for handle in handles {
            failures.extend(handle.join().unwrap());
        }
        failures
    });
    eprintln!(
        "ran {} commands from the docs in {:.1} s",
        found.commands.len(),
        start.elapsed().as_secs_f64()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The key table of docs/stepper.md names the keys the binary knows, in its order.
#[test]
fn the_key_table_in_the_docs_is_the_binarys() {
    let out = assert_cmd::Command::cargo_bin("convstep")
        .unwrap()
        .args(["shot", "--preset", "cs231n-demo", "--keys", "no-such-key"])
        .args(["-o", "never-written.txt"])
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8(out).unwrap();
    let known: Vec<&str> = err
        .split("known keys: ")
        .nth(1)
        .expect("the error lists the known keys")
        .split_whitespace()
        .collect();
    let doc = std::fs::read_to_string(repo().join("docs/stepper.md")).unwrap();
    let table = doc
        .split("| keys | action |")
        .nth(1)
        .expect("docs/stepper.md has the key table");
    let documented: Vec<String> = table
        .lines()
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .flat_map(|row| {
            let first = row.split(" | ").next().unwrap_or("");
            first
                .split('`')
                .skip(1)
                .step_by(2)
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(
        documented, known,
        "docs/stepper.md's keys against the binary's"
    );
}

#[test]
fn the_scanner_follows_the_convention() {
    let text = "x\n    convstep indented\n```sh\nconvstep shot -o a.png  # a comment\ncargo run --release -- --preset \\\n  cs231n-demo\ncargo test\nls\n```\n```text\nconvstep never run\n```\n```console\n$ convstep tour --check a.toml\na.toml: ok\n```\n";
    let mut found = Found::default();
    scan("t.md", text, &mut found);
    let lines: Vec<&str> = found.commands.iter().map(|c| c.line.as_str()).collect();
    assert_eq!(
        lines,
        [
            "convstep shot -o a.png  # a comment",
            "convstep --preset    cs231n-demo",
            "convstep tour --check a.toml"
        ]
    );
    assert_eq!(found.commands[2].expected, Some(vec!["a.toml: ok".into()]));
    assert_eq!(found.setup, ["t.md:cargo test"]);
    assert_eq!(
        found.strays,
        [
            "t.md:2: convstep indented (indented, not fenced)",
            "t.md:8: ls"
        ]
    );
    assert_eq!(
        words("convstep shot --keys \"l l\" -o a.png # note"),
        ["convstep", "shot", "--keys", "l l", "-o", "a.png"]
    );
    assert!(full_screen(&words("convstep --preset cs231n-demo")));
    assert!(full_screen(&words("convstep tour --lang zh")));
    assert!(!full_screen(&words("convstep tour --check mine.toml")));
    assert!(!full_screen(&words("convstep compute -o a.npz")));
    assert!(!full_screen(&words("convstep rf --net vgg16")));
}

/// GitHub's anchor of a heading: lower case, punctuation dropped, spaces as dashes.
fn anchor(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-' || *c == '_')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// Every relative link and picture of README.md and docs/*.md leads to a file that
/// exists, and to a heading of it when it names one.
#[test]
fn every_link_in_the_docs_leads_somewhere() {
    let docs = documents();
    let mut broken = Vec::new();
    for (name, text) in &docs {
        let folder = Path::new(name).parent().unwrap_or(Path::new(""));
        for piece in text.split("](").skip(1) {
            let Some(target) = piece.split(')').next() else {
                continue;
            };
            if target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            let (file, hash) = match target.split_once('#') {
                Some((file, hash)) => (file, Some(hash)),
                None => (target, None),
            };
            let path = if file.is_empty() {
                PathBuf::from(name)
            } else {
                folder.join(file)
            };
            let Ok(linked) = std::fs::read_to_string(repo().join(&path)).or_else(|e| {
                // A picture: it exists, it is not text.
                if repo().join(&path).is_file() {
                    Ok(String::new())
                } else {
                    Err(e)
                }
            }) else {
                broken.push(format!("{name}: ({target}): no file {}", path.display()));
                continue;
            };
            if let Some(hash) = hash {
                let found = linked
                    .lines()
                    .filter_map(|l| l.strip_prefix('#'))
                    .map(|l| anchor(l.trim_start_matches('#')))
                    .any(|a| a == hash);
                if !found {
                    broken.push(format!("{name}: ({target}): no heading #{hash}"));
                }
            }
        }
    }
    assert!(broken.is_empty(), "{}", broken.join("\n"));
    assert_eq!(
        anchor("Completions and the manual page"),
        "completions-and-the-manual-page"
    );
    assert_eq!(
        anchor("Kernels, bias, dout and geometry"),
        "kernels-bias-dout-and-geometry"
    );
}
