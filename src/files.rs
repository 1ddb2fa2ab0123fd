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

/// Refuses an output that is the same file as one of `inputs` (the files the command
/// reads): writing it would replace what it was made from. Files are compared, not
/// names: a hard link, a symbolic link or `./in.png` for `in.png` is the same file
/// (device and inode on Unix; the canonical path elsewhere). An output that does not
/// exist yet, or an input that is not a file (a kernel name), is no clash.
pub fn check_not_an_input(output: &Path, inputs: &[&Path]) -> Result<()> {
    let Ok(out) = std::fs::metadata(output) else {
        return Ok(());
    };
    for input in inputs {
        let Ok(meta) = std::fs::metadata(input) else {
            continue;
        };
        if same_file(output, &out, input, &meta) {
            bail!(
                "cannot write {}: it is the input {} (the same file), which writing would replace; name another output",
                output.display(),
                input.display()
            );
        }
    }
    Ok(())
}

#[cfg(unix)]
fn same_file(_: &Path, a: &std::fs::Metadata, _: &Path, b: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_file(a: &Path, _: &std::fs::Metadata, b: &Path, _: &std::fs::Metadata) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// The OS's reason without Rust's "(os error 2)" suffix.
pub fn io_reason(err: &std::io::Error) -> String {
    let text = err.to_string();
    match text.find(" (os error") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_output_that_is_an_input_is_refused_whatever_its_name() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.png");
        std::fs::write(&input, b"photo").unwrap();
        let other = dir.path().join("out.png");
        std::fs::write(&other, b"old frame").unwrap();
        let dotted = dir.path().join(".").join("in.png");
        let hard = dir.path().join("hard.png");
        std::fs::hard_link(&input, &hard).unwrap();
        let mut same = vec![input.clone(), dotted, hard];
        #[cfg(unix)]
        {
            let soft = dir.path().join("soft.png");
            std::os::unix::fs::symlink(&input, &soft).unwrap();
            same.push(soft);
        }
        for output in &same {
            let err = check_not_an_input(output, &[Path::new("box"), &input]).unwrap_err();
            assert!(err.to_string().contains("is the input"), "{err}");
        }
        check_not_an_input(&other, &[&input]).unwrap();
        check_not_an_input(&dir.path().join("new.png"), &[&input]).unwrap();
        assert_eq!(std::fs::read(&input).unwrap(), b"photo");
    }
}
