//! The command line: `convstep [INPUT] [options]` opens the stepper; subcommands
//! compute, render and record without a terminal, or run a guided tour. Every clap
//! struct and every command's runner lives here, one file per command; the library
//! modules below take plain values.

pub mod bench;
pub mod compare;
pub mod compute;
pub mod input;
pub mod parse;
pub mod record;
pub mod rf;
pub mod shell;
pub mod shot;
pub mod stepper;
pub mod tour;

use std::error::Error as _;
use std::ffi::OsString;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{CommandFactory, Parser, Subcommand};

pub use self::bench::BenchArgs;
pub use self::compare::CompareArgs;
pub use self::compute::ComputeArgs;
pub use self::input::InputArgs;
pub use self::parse::{shown, whole};
pub use self::record::RecordArgs;
pub use self::rf::RfArgs;
pub use self::shell::{print_completions, print_man};
pub use self::shot::{FrameArgs, ShotArgs, TourFrameArgs};
pub use self::stepper::{ExportArgs, StateArgs, StepperArgs};
pub use self::tour::TourArgs;

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
    /// Compare a student's out, dx, dw and db (an .npz) with the right ones: the wrong
    /// cells, what feeds them and the usual slip that made them.
    #[command(
        after_help = "Example (in CS231n's notebook): np.savez(\"mine.npz\", x=x, w=w, b=b, dout=dout, stride=2, pad=1, out=out, dx=dx, dw=dw, db=db)\nthen: convstep compare mine.npz"
    )]
    Compare(CompareArgs),
    /// Render one frame of the stepper to .svg, .png, .html, .txt or .ans.
    Shot(ShotArgs),
    /// Render an animation of the stepper to .gif or .cast (asciinema).
    Record(RecordArgs),
    /// Take a guided walkthrough of the convolution layer.
    Tour(TourArgs),
    /// Print the receptive field of every layer of a stack (a table or JSON).
    #[command(
        after_help = "Example: convstep rf --layers \"conv 3 p1; relu; conv 3 s2 p1; pool 2\" --input 32"
    )]
    Rf(RfArgs),
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

/// Runs the command the line asks for (the stepper when it names none).
pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        None => stepper::run(&cli.stepper),
        Some(Command::Compute(args)) => compute::run(&args),
        Some(Command::Compare(args)) => compare::run(&args),
        Some(Command::Shot(args)) => shot::run(&args),
        Some(Command::Record(args)) => record::run(&args),
        Some(Command::Tour(args)) => tour::run(&args),
        Some(Command::Rf(args)) => rf::run(&args),
        Some(Command::Completions { shell }) => print_completions(shell),
        Some(Command::Man) => print_man(),
        Some(Command::Bench(args)) => bench::run(&args),
    }
}

/// Whether the command runs full-screen (the stepper, a tour): a kill must restore the
/// terminal then. Exports and compute catch their own (they remove a partial file).
pub fn full_screen(cli: &Cli) -> bool {
    match &cli.command {
        None => true,
        Some(Command::Tour(t)) => !(t.check || t.list),
        Some(Command::Compare(c)) => c.show,
        _ => false,
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
