//! Files the user names: the system's reason for a failure in words, and outputs that
//! must be regular files. A leaf that input (reading) and export (writing) both use.

use std::path::Path;

use anyhow::{Result, bail};

/// Refuses an output path that exists and is not a regular file (a pipe, socket or
/// device): outputs are written to a temporary file and renamed into place, which
/// would silently replace the pipe or device by a file, and writing into a pipe
/// instead could block forever with no reader.
pub fn check_output_target(path: &Path) -> Result<()> {
    let Ok(meta) = std::fs::metadata(path) else {
        return Ok(());
    };
    if !meta.is_file() && !meta.is_dir() {
        bail!(
            "cannot write {}: it exists and is not a regular file (a pipe, socket or device), which writing would replace by a file; name a regular file",
            path.display()
        );
    }
    Ok(())
}

/// The OS's reason without Rust's "(os error 2)" suffix.
pub fn io_reason(err: &std::io::Error) -> String {
    let text = err.to_string();
    match text.find(" (os error") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}
