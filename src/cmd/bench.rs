//! `convstep bench`: times the engine, the stepper and the exports on this machine.

use clap::Args;

use crate::bench::BenchOptions;

#[derive(Debug, Clone, Args)]
pub struct BenchArgs {
    /// Input sizes HxW to time, comma-separated (default 128x128,256x256,1024x1024).
    #[arg(long, value_delimiter = ',')]
    pub size: Vec<String>,
    /// Filters F of the layer (1..=64).
    #[arg(long, default_value_t = 8, allow_negative_numbers = true, value_parser = super::whole::<usize>("--filters", 1, crate::input::kernels::MAX_FILTERS as u64))]
    pub filters: usize,
    /// Kernel side K (1..=31); the padding is K/2, so the output keeps the input's size.
    #[arg(long, default_value_t = 3, allow_negative_numbers = true, value_parser = super::whole::<usize>("--kernel-size", 1, crate::input::kernels::MAX_KERNEL_SIZE as u64))]
    pub kernel_size: usize,
    /// Runs per figure (1..=1000); the table shows the median (default 7; 1 with --quick).
    #[arg(long, allow_negative_numbers = true, value_parser = super::whole::<usize>("--repeat", 1, crate::bench::MAX_REPEAT as u64))]
    pub repeat: Option<usize>,
    /// Print one JSON object per workload (a JSON array) instead of the table.
    #[arg(long)]
    pub json: bool,
    /// A smoke run: small sizes, one run each.
    #[arg(long)]
    pub quick: bool,
}

impl BenchArgs {
    /// The options as plain values.
    pub fn options(&self) -> BenchOptions {
        BenchOptions {
            size: self.size.clone(),
            filters: self.filters,
            kernel_size: self.kernel_size,
            repeat: self.repeat,
            json: self.json,
            quick: self.quick,
        }
    }
}

pub fn run(args: &BenchArgs) -> anyhow::Result<()> {
    crate::bench::run(&args.options())
}
