//! The convstep binary: parses the command line, dispatches to the command, and
//! reports any error as one line, with exit status 2.

use std::process::ExitCode;

fn main() -> ExitCode {
    keep_freed_memory();
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

/// glibc gives every block over 128 KiB its own mapping and unmaps it when freed, so
/// every fresh array of a rebuild (8.6 MB a map stack of the photo at full size, 67 MB
/// at 1024x1024) cost page faults and the kernel's zeroing of each page, again at every
/// key. Every block comes from the heap instead, and freed memory is kept for the next
/// rebuild, which makes the same arrays again (the peak is held, not grown).
/// `convstep bench`'s stack engine row: 64-71 ms forward before, 16-22 ms after
/// (docs/benchmarks.md).
fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets allocator parameters; called before any thread starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_MAX, 0);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 1 << 30);
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}
