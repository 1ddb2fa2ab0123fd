//! The convstep binary: parses the command line, dispatches to the command, and
//! reports any error as one line, with exit status 2.

use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = convstep::cmd::parse_or_exit();
    convstep::i18n::Lang::choose(cli.lang.unwrap_or_else(convstep::i18n::Lang::from_env));
    // Full screen (the stepper, a tour): a kill restores the terminal before the signal
    // ends the program. Exports and compute catch their own (they remove a partial file).
    if convstep::cmd::full_screen(&cli)
        && let Err(err) = convstep::runtime::restore_on_signals()
    {
        eprintln!("convstep: warning: cannot watch for signals: {err}");
    }
    match convstep::cmd::run(cli) {
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
