//! The command line: `convstep [INPUT] [options]` opens the stepper; subcommands
//! compute, render and record without a terminal, or run a guided tour.

use clap::{Parser, Subcommand};

use crate::app::StepperArgs;
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
