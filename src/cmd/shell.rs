//! `convstep completions SHELL` and `convstep man`: the command line described for
//! shells and for man(1), made by clap from the same definitions that parse it.

use super::Cli;

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
