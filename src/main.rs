//! The convstep binary: parses the command line and reports any error as one line,
//! with exit status 2.

use std::process::ExitCode;

use clap::Parser;
use convstep::cli::{Cli, Command};

fn main() -> ExitCode {
    // A kill restores the terminal before the signal ends the program.
    if let Err(err) = convstep::app::terminal::restore_on_signals() {
        eprintln!("convstep: warning: cannot watch for signals: {err}");
    }
    let cli = Cli::parse();
    let result = match cli.command {
        None => convstep::app::run(&cli.stepper),
        Some(Command::Compute(args)) => convstep::compute::run(&args),
        Some(Command::Shot(args)) => convstep::export::run_shot(&args),
        Some(Command::Record(args)) => convstep::export::run_record(&args),
        Some(Command::Tour(args)) => convstep::tour::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // One line: the error and its causes, outermost first.
            let causes: Vec<String> = err.chain().map(|c| c.to_string()).collect();
            eprintln!("convstep: error: {}", causes.join(": "));
            ExitCode::from(2)
        }
    }
}
