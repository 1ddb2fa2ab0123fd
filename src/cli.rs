//! The command line: `convstep [INPUT] [options]` opens the stepper; subcommands
//! compute, render and record without a terminal, or run a guided tour.

use std::error::Error as _;
use std::ffi::OsString;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{CommandFactory, Parser, Subcommand};

use crate::app::StepperArgs;
use crate::bench::BenchArgs;
use crate::compute::ComputeArgs;
use crate::export::{RecordArgs, ShotArgs};
use crate::tour::TourArgs;

#[derive(Debug, Parser)]
#[command(
    name = "convstep",
    version,
    about = "Step through a convolution layer, forward and backward, one window at a time",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    /// The language of everything convstep says: the stepper, the tour, messages and
    /// errors (default: from LC_ALL / LC_MESSAGES / LANG; zh* gives zh).
    #[arg(long, value_enum, global = true)]
    pub lang: Option<crate::i18n::Lang>,
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub stepper: StepperArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Compute out, dx, dw and db and write them into an .npz (no terminal needed).
    #[command(
        after_help = "Example: convstep compute x.npy --kernel w.npy --bias b.npy --dout dout.npy --stride 2 --pad 1 -o got.npz"
    )]
    Compute(ComputeArgs),
    /// Render one frame of the stepper to .svg, .png, .html, .txt or .ans.
    Shot(ShotArgs),
    /// Render an animation of the stepper to .gif or .cast (asciinema).
    Record(RecordArgs),
    /// Take a guided walkthrough of the convolution layer.
    Tour(TourArgs),
    /// Time the engine, the stepper and the exports on this machine (a table or JSON).
    #[command(
        after_help = "Example: convstep bench --size 256x256,1024x1024 --filters 8 --repeat 9"
    )]
    Bench(BenchArgs),
    /// Print a shell completion script (e.g. `convstep completions bash > ~/.local/share/bash-completion/completions/convstep`).
    Completions {
        /// The shell to complete in.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page, in roff (e.g. `convstep man > convstep.1; man ./convstep.1`).
    Man,
}

/// Prints what `completions` or `man` makes to stdout; a reader that stops early
/// (`| head`) is no error.
pub fn print_completions(shell: clap_complete::Shell) -> anyhow::Result<()> {
    let mut out = Vec::new();
    clap_complete::generate(
        shell,
        &mut <Cli as clap::CommandFactory>::command(),
        "convstep",
        &mut out,
    );
    print_bytes(&out)
}

pub fn print_man() -> anyhow::Result<()> {
    let mut out = Vec::new();
    clap_mangen::Man::new(<Cli as clap::CommandFactory>::command()).render(&mut out)?;
    print_bytes(&out)
}

fn print_bytes(bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(anyhow::anyhow!("cannot write to standard output: {e}"))
        }
        _ => Ok(()),
    }
}

/// Parses the process's arguments. `--help` and `--version` print as clap prints them
/// (exit 0); every other argument error is one line `convstep: error: ...` and exit
/// status 2, as errors after parsing are.
pub fn parse_or_exit() -> Cli {
    let argv = lang_after_subcommand(std::env::args_os().collect());
    match Cli::try_parse_from(&argv) {
        Ok(cli) => cli,
        Err(err) if prints_normally(err.kind()) => err.exit(),
        Err(err) => {
            let lang =
                crate::i18n::Lang::from_args(&argv).unwrap_or_else(crate::i18n::Lang::from_env);
            eprintln!("convstep: error: {}", lang.error(&error_line(&err, &argv)));
            std::process::exit(2)
        }
    }
}

/// `convstep --lang zh tour ...` as `convstep tour --lang zh ...`: the stepper's
/// options conflict with subcommands, and clap counts a global option given before
/// the subcommand as one of them.
fn lang_after_subcommand(mut argv: Vec<OsString>) -> Vec<OsString> {
    let taken = match argv.get(1).and_then(|a| a.to_str()) {
        Some("--lang") => 2,
        Some(a) if a.starts_with("--lang=") => 1,
        _ => return argv,
    };
    let at = 1 + taken;
    let is_subcommand = argv.get(at).and_then(|a| a.to_str()).is_some_and(|name| {
        Cli::command()
            .get_subcommands()
            .any(|s| s.get_name() == name)
    });
    if is_subcommand {
        let lang: Vec<OsString> = argv.drain(1..at).collect();
        argv.splice(2..2, lang);
    }
    argv
}

/// Help and version output, which are not errors.
fn prints_normally(kind: ErrorKind) -> bool {
    matches!(
        kind,
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    )
}

/// The subcommand of `argv` (the first argument naming one), for messages.
fn subcommand(argv: &[OsString]) -> Option<String> {
    let names: Vec<String> = Cli::command()
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    argv.iter()
        .skip(1)
        .filter_map(|a| a.to_str())
        .find(|a| names.iter().any(|n| n == a))
        .map(str::to_string)
}

/// A clap context value as text.
fn context(err: &clap::Error, kind: ContextKind) -> Option<String> {
    match err.get(kind)? {
        ContextValue::String(s) => Some(s.clone()),
        ContextValue::Strings(v) => Some(v.join(", ")),
        ContextValue::StyledStr(s) => Some(s.to_string()),
        ContextValue::StyledStrs(v) => Some(
            v.iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
                .join(", "),
        ),
        ContextValue::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// `--pad <PAD>` -> `--pad`, `[INPUT]` -> `INPUT`.
fn arg_name(spec: &str) -> String {
    let first = spec.split_whitespace().next().unwrap_or(spec);
    first
        .trim_matches(|c| c == '[' || c == ']' || c == '<' || c == '>')
        .to_string()
}

/// At most 24 characters of a value the user typed, so that a pasted 309-digit
/// number or a page of text does not become the message.
pub fn shown(value: &str) -> String {
    let mut chars = value.chars();
    let head: String = chars.by_ref().take(24).collect();
    if chars.next().is_some() {
        format!("{head}…")
    } else {
        head
    }
}

/// One line for a clap error: what is wrong and what is allowed.
pub fn error_line(err: &clap::Error, argv: &[OsString]) -> String {
    let sub = subcommand(argv);
    let arg = context(err, ContextKind::InvalidArg).map(|a| arg_name(&a));
    let value = context(err, ContextKind::InvalidValue);
    let line = match err.kind() {
        // Our value parsers' messages already say the option, the range and the value.
        ErrorKind::ValueValidation => err.source().map(|s| s.to_string()),
        ErrorKind::InvalidValue => match (&arg, &value) {
            (Some(arg), Some(value)) if value.is_empty() => Some(match arg.as_str() {
                "INPUT" => "the INPUT file name is empty: name an image or a .npy file".into(),
                arg => format!("{arg} needs a value"),
            }),
            (Some(arg), Some(value)) => {
                let valid = err
                    .get(ContextKind::ValidValue)
                    .and_then(|v| match v {
                        ContextValue::Strings(v) => Some(v.clone()),
                        _ => None,
                    })
                    .unwrap_or_default();
                Some(match valid.len() {
                    0 => format!("{arg} does not take '{}'", shown(value)),
                    1 => format!("{arg} must be {} (got '{}')", valid[0], shown(value)),
                    n => format!(
                        "{arg} must be {} or {} (got '{}')",
                        valid[..n - 1].join(", "),
                        valid[n - 1],
                        shown(value)
                    ),
                })
            }
            _ => None,
        },
        ErrorKind::MissingRequiredArgument => {
            let missing = context(err, ContextKind::InvalidArg).unwrap_or_default();
            Some(match (sub.as_deref(), missing.contains("--output")) {
                (Some("compute"), true) => {
                    "compute needs -o FILE: the .npz to write out, dx, dw and db into".to_string()
                }
                (Some("shot"), true) => {
                    "shot needs -o FILE: the frame to write (.svg, .png, .html, .txt or .ans)"
                        .to_string()
                }
                (Some("record"), true) => "record needs -o FILE: the .gif to write".to_string(),
                (Some(sub), true) => format!("{sub} needs -o FILE"),
                (Some(sub), false) => format!("{sub} needs {}", one_line(&missing)),
                (None, _) => format!("missing {}", one_line(&missing)),
            })
        }
        ErrorKind::UnknownArgument => context(err, ContextKind::InvalidArg).map(|v| {
            let v = shown(&v);
            let known = match (&sub, v.starts_with('-')) {
                (Some(sub), true) => format!("convstep {sub} has no option '{v}'"),
                (None, true) => format!("convstep has no option '{v}'"),
                (Some(sub), false) => format!(
                    "unexpected extra argument '{v}': convstep {sub} takes one file at most"
                ),
                (None, false) => {
                    format!(
                        "unexpected extra argument '{v}': convstep takes one INPUT file at most"
                    )
                }
            };
            match context(err, ContextKind::SuggestedArg) {
                Some(s) => format!("{known}; did you mean '{}'?", arg_name(&s)),
                None => format!("{known} (see convstep{} --help)", sub_suffix(&sub)),
            }
        }),
        ErrorKind::InvalidSubcommand => value.as_deref().map(|v| {
            format!(
                "unknown command '{}': use compute, shot, record or tour, or give an INPUT file",
                shown(v)
            )
        }),
        ErrorKind::ArgumentConflict => {
            let prior = context(err, ContextKind::PriorArg).map(|p| arg_name(&p));
            let arg = arg.or_else(|| context(err, ContextKind::InvalidSubcommand));
            match (&arg, prior) {
                (Some(a), Some(p)) if p == "INPUT" => Some(format!(
                    "unexpected extra argument '{}': convstep takes one INPUT file at most",
                    shown(a)
                )),
                (Some(a), Some(p)) if *a != p => Some(format!("{a} cannot be used with {p}")),
                (Some(a), _) => Some(format!("{a} is given twice: give it once")),
                _ => None,
            }
        }
        _ => None,
    };
    line.unwrap_or_else(|| fallback(err))
}

fn sub_suffix(sub: &Option<String>) -> String {
    sub.as_ref().map(|s| format!(" {s}")).unwrap_or_default()
}

/// Clap's own message, its first paragraph on one line, without usage and tips.
fn fallback(err: &clap::Error) -> String {
    let text = err.render().to_string();
    let para: Vec<&str> = text
        .lines()
        .take_while(|l| !l.trim().is_empty())
        .map(str::trim)
        .collect();
    let joined = para.join(" ");
    joined
        .strip_prefix("error: ")
        .unwrap_or(&joined)
        .to_string()
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A value parser for a whole number of type `T` in `lo..=hi`, whose error says the
/// option, the true range and the value given: `--pad must be >= 0 (got -1)`.
/// `hi` at `T`'s maximum means no upper bound beyond the type's.
pub fn whole<T>(
    name: &'static str,
    lo: u64,
    hi: u64,
) -> impl Fn(&str) -> Result<T, String> + Clone + Send + Sync + 'static
where
    T: TryFrom<u64> + Send + Sync + Clone + 'static,
{
    move |text: &str| {
        let s = text.trim();
        let range = if hi == u64::MAX || T::try_from(hi.saturating_add(1)).is_err() {
            format!(">= {lo}")
        } else {
            format!("in {lo}..={hi}")
        };
        let digits = s.strip_prefix('+').unwrap_or(s);
        let (negative, digits) = match digits.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, digits),
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!(
                "{name} must be a whole number {range} (got '{}')",
                shown(text)
            ));
        }
        let zero = digits.bytes().all(|b| b == b'0');
        let parsed = if negative && !zero {
            None
        } else {
            digits.parse::<u64>().ok()
        };
        match parsed {
            Some(n) if (lo..=hi).contains(&n) => {
                T::try_from(n).map_err(|_| format!("{name} must be {range} (got {})", shown(text)))
            }
            Some(_) => Err(format!("{name} must be {range} (got {})", shown(s))),
            None if negative => Err(format!("{name} must be {range} (got {})", shown(s))),
            None if range.starts_with("in") => {
                Err(format!("{name} must be {range} (got {})", shown(s)))
            }
            None => Err(format!(
                "{name} must be {range} and at most {hi} (got {})",
                shown(s)
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_numbers_say_the_true_range() {
        let pad = whole::<usize>("--pad", 0, usize::MAX as u64);
        assert_eq!(pad("3"), Ok(3));
        assert_eq!(pad("-0"), Ok(0));
        assert_eq!(pad("-1").unwrap_err(), "--pad must be >= 0 (got -1)");
        assert_eq!(
            pad("x").unwrap_err(),
            "--pad must be a whole number >= 0 (got 'x')"
        );
        let stride = whole::<usize>("--stride", 1, usize::MAX as u64);
        assert_eq!(
            stride("18446744073709551616").unwrap_err(),
            "--stride must be >= 1 and at most 18446744073709551615 (got 18446744073709551616)"
        );
        assert_eq!(stride("0").unwrap_err(), "--stride must be >= 1 (got 0)");
        let long = "9".repeat(309);
        let err = stride(&long).unwrap_err();
        assert!(err.len() < 120, "{err}");
        let cols = whole::<u16>("--cols", 1, 1000);
        assert_eq!(
            cols("65536").unwrap_err(),
            "--cols must be in 1..=1000 (got 65536)"
        );
        assert_eq!(cols("1000"), Ok(1000));
        let seed = whole::<u64>("--seed", 0, u64::MAX);
        assert_eq!(seed("-1").unwrap_err(), "--seed must be >= 0 (got -1)");
        assert_eq!(seed("18446744073709551615"), Ok(u64::MAX));
    }
}
