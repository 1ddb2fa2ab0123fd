//! The command line: `convstep [INPUT] [options]` opens the stepper; subcommands
//! compute, render and record without a terminal, or run a guided tour.

use clap::{Parser, Subcommand};

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
    /// Render an animation of the stepper to .gif.
    Record(RecordArgs),
    /// Take a guided walkthrough of the convolution layer.
    Tour(TourArgs),
    /// Time the engine, the stepper and the exports on this machine (a table or JSON).
    #[command(
        after_help = "Example: convstep bench --size 256x256,1024x1024 --filters 8 --repeat 9"
    )]
    Bench(BenchArgs),
}
