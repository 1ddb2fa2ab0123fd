//! Atomic file writes: the bytes go to a temporary file in the target's own folder,
//! which is then renamed over the target, so a reader never sees half a file and a
//! failure leaves nothing behind.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use tempfile::NamedTempFile;

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
    let written = create_temp(&dir, &name.to_string_lossy())
        .and_then(|tmp| write_and_persist(tmp, bytes, path));
    // The temporary file is renamed or, on any error, already removed (dropped).
    super::progress::set_temp_file(None);
    written.map_err(cannot)
}

/// Fills `tmp`, flushes it to disk and renames it over `path`; on an error `tmp` is
/// dropped here, which removes it.
fn write_and_persist(mut tmp: NamedTempFile, bytes: &[u8], path: &Path) -> std::io::Result<()> {
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map(drop).map_err(|e| e.error)
}

/// A new file `.NAME.XXXXXX.tmp` beside the target (never an existing one), created
/// with the permissions any new file gets (not tempfile's private 0600, which the
/// rename would hand on to the output). NAME is cut to at most 100 bytes, so that any
/// name the file system takes has a temporary name it takes too (most allow 255 bytes).
fn create_temp(dir: &Path, name: &str) -> std::io::Result<NamedTempFile> {
    let mut end = name.len().min(100);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    tempfile::Builder::new()
        .prefix(&format!(".{}.", &name[..end]))
        .suffix(".tmp")
        .make_in(dir, |tmp| -> std::io::Result<File> {
            // Ctrl-C from here on removes the temporary file (see progress::catch_interrupt).
            super::progress::set_temp_file(Some(tmp.to_path_buf()));
            OpenOptions::new().write(true).create_new(true).open(tmp)
        })
}

#[cfg(test)]
mod tests {
    use std::fs;

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

    #[cfg(unix)]
    #[test]
    fn an_output_gets_the_permissions_of_any_new_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let (atomic, plain) = (dir.path().join("a.png"), dir.path().join("b.png"));
        write_atomic(&atomic, b"x").unwrap();
        fs::write(&plain, b"x").unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&atomic), mode(&plain));
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
