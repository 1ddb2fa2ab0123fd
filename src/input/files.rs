//! Reading a named input file whole, with errors that say which file and why.

use std::path::Path;

use anyhow::{Result, bail};

use crate::files::io_reason;

/// The largest input file convstep reads (256 MiB).
pub const MAX_FILE_BYTES: u64 = 256 << 20;

/// The bytes of `path`; a missing file, a directory, an empty or oversized file give
/// one error naming the file.
pub(crate) fn read_file(path: &Path) -> Result<Vec<u8>> {
    let name = path.display();
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(err) => bail!("'{name}': cannot read it: {}", io_reason(&err)),
    };
    if meta.is_dir() {
        bail!("'{name}' is a directory, not a file");
    }
    // A pipe would block until something writes to it, a device may never end.
    if !meta.is_file() {
        bail!("'{name}' is not a regular file (a pipe, socket or device): save it to a file first");
    }
    if meta.len() == 0 {
        if is_kernel_file(path) {
            bail!(
                "'{name}' is a kernel file (/proc, /sys) whose size is not known in advance, not an image or a .npy file"
            );
        }
        bail!("'{name}' is empty (0 bytes): give an image or a .npy file");
    }
    if meta.len() > MAX_FILE_BYTES {
        bail!(
            "'{name}' is too large ({} bytes; at most {MAX_FILE_BYTES})",
            meta.len()
        );
    }
    match std::fs::read(path) {
        Ok(bytes) if bytes.is_empty() => bail!("'{name}' is empty"),
        Ok(bytes) => Ok(bytes),
        Err(err) => bail!("'{name}': cannot read it: {}", io_reason(&err)),
    }
}

/// Files of /proc and /sys report a size of 0 whatever they hold.
fn is_kernel_file(path: &Path) -> bool {
    let real = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    real.starts_with("/proc") || real.starts_with("/sys")
}
