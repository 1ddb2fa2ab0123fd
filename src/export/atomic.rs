//! Atomic file writes: the bytes go to a temporary file in the target's own folder,
//! which is then renamed over the target, so a reader never sees half a file and a
//! failure leaves nothing behind.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use anyhow::Context;

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// Writes `bytes` to `path` atomically. Errors name the path and the reason.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let name = path
        .file_name()
        .with_context(|| format!("cannot write {}: not a file name", path.display()))?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if path.is_dir() {
        anyhow::bail!("cannot write {}: it is a folder", path.display());
    }
    let cannot = |err: std::io::Error| {
        anyhow::anyhow!(
            "cannot write {}: {}",
            path.display(),
            crate::files::io_reason(&err)
        )
    };
    let (tmp, mut file) = create_temp(&dir, &name.to_string_lossy()).map_err(cannot)?;
    let result = file
        .write_all(bytes)
        .and_then(|()| file.sync_all())
        .and_then(|()| {
            drop(file);
            fs::rename(&tmp, path)
        });
    if let Err(err) = result {
        let _ = fs::remove_file(&tmp);
        super::progress::set_temp_file(None);
        return Err(cannot(err));
    }
    super::progress::set_temp_file(None);
    Ok(())
}

/// A new file `.NAME.PID-N.tmp` beside the target (never an existing one). NAME is cut
/// to at most 100 bytes, so that any name the file system takes has a temporary name it
/// takes too (most allow 255 bytes).
fn create_temp(dir: &Path, name: &str) -> std::io::Result<(PathBuf, fs::File)> {
    let mut end = name.len().min(100);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    let name = &name[..end];
    loop {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let tmp = dir.join(format!(".{name}.{}-{n}.tmp", std::process::id()));
        // Ctrl-C from here on removes the temporary file (see progress::catch_interrupt).
        super::progress::set_temp_file(Some(tmp.clone()));
        match OpenOptions::new().write(true).create_new(true).open(&tmp) {
            Ok(file) => return Ok((tmp, file)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn writes_and_replaces_leaving_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        assert_eq!(entries(dir.path()), vec!["a.txt"]);
    }

    #[test]
    fn a_name_near_the_file_system_limit_is_written() {
        let dir = tempfile::tempdir().unwrap();
        // 250 bytes: legal, but too long once a temporary suffix is added to it whole.
        let name = format!("{}.txt", "é".repeat(123));
        assert_eq!(name.len(), 250);
        let path = dir.path().join(&name);
        write_atomic(&path, b"long").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"long");
        assert_eq!(entries(dir.path()), vec![name]);
    }

    #[test]
    fn a_missing_folder_fails_with_the_path_and_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nope").join("a.svg");
        let err = write_atomic(&path, b"x").unwrap_err();
        let msg = format!("{err:#}");
        assert!(msg.contains("nope/a.svg"), "{msg}");
        assert!(entries(dir.path()).is_empty());
    }

    #[test]
    fn a_folder_as_target_is_refused_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("x.svg");
        fs::create_dir(&sub).unwrap();
        assert!(write_atomic(&sub, b"x").is_err());
        assert!(sub.is_dir());
        assert_eq!(entries(dir.path()), vec!["x.svg"]);
    }
}
