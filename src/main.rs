//! The convstep binary: parses the command line and reports any error as one line,
//! with exit status 2.

use std::process::ExitCode;

use convstep::cli::Command;

fn main() -> ExitCode {
    let cli = convstep::cli::parse_or_exit();
    convstep::i18n::Lang::choose(cli.lang.unwrap_or_else(convstep::i18n::Lang::from_env));
    // Full screen (the stepper, a tour): a kill restores the terminal before the signal
    // ends the program. Exports and compute catch their own (they remove a partial file).
    let full_screen = match &cli.command {
        None => true,
        Some(Command::Tour(t)) => !(t.check || t.list),
        _ => false,
    };
    if full_screen && let Err(err) = convstep::app::terminal::restore_on_signals() {
        eprintln!("convstep: warning: cannot watch for signals: {err}");
    }
    let result = match cli.command {
        None => convstep::app::run(&cli.stepper),
        Some(Command::Compute(args)) => convstep::compute::run(&args),
        Some(Command::Shot(args)) => convstep::export::run_shot(&args),
        Some(Command::Record(args)) => convstep::export::run_record(&args),
        Some(Command::Tour(args)) => convstep::tour::run(&args),
        Some(Command::Completions { shell }) => convstep::cli::print_completions(shell),
        Some(Command::Man) => convstep::cli::print_man(),
        Some(Command::Bench(args)) => convstep::bench::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // One line: the error and its causes, outermost first, in the chosen
            // language where a template knows the message.
            let causes: Vec<String> = err.chain().map(|c| c.to_string()).collect();
            let line = convstep::i18n::Lang::chosen().error_line(&causes);
            eprintln!("convstep: error: {line}");
            ExitCode::from(2)
        }
    }
}
