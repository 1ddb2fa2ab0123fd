//! `convstep compute`: out, dx, dw and db into an .npz, for scripts and homework checks.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use clap::Args;
use ndarray_npy::NpzWriter;

use crate::conv::{backward, forward};
use crate::input::{InputArgs, SceneSpec, shape_text};

#[derive(Debug, Clone, Args)]
pub struct ComputeArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Where to write the .npz (out, dx, dw, db; float64).
    #[arg(short, long)]
    pub output: PathBuf,
}

pub fn run(args: &ComputeArgs) -> Result<()> {
    let spec = SceneSpec::from_args(&args.input)?;
    let scene = spec.build()?;
    let out = forward(&scene.layer);
    let grads = backward(&scene.layer, &scene.dout)?;
    let path = &args.output;
    write_atomic(path, |file| {
        let mut npz = NpzWriter::new(file);
        npz.add_array("out", &out)?;
        npz.add_array("dx", &grads.dx)?;
        npz.add_array("dw", &grads.dw)?;
        npz.add_array("db", &grads.db)?;
        let mut file = npz.finish()?;
        file.flush()?;
        Ok(())
    })
    .with_context(|| format!("cannot write '{}'", path.display()))?;
    println!(
        "wrote {}: out {}, dx {}, dw {}, db {}",
        path.display(),
        shape_text(out.shape()),
        shape_text(grads.dx.shape()),
        shape_text(grads.dw.shape()),
        shape_text(grads.db.shape())
    );
    Ok(())
}

/// Writes `path` through a temporary file in the same folder renamed into place, so a
/// failed write leaves neither a partial file nor the temporary one.
pub fn write_atomic(path: &Path, fill: impl FnOnce(BufWriter<&File>) -> Result<()>) -> Result<()> {
    if path.is_dir() {
        bail!("it is a directory");
    }
    let name = path
        .file_name()
        .ok_or_else(|| anyhow!("it names no file"))?
        .to_string_lossy()
        .into_owned();
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut tmp = None;
    for attempt in 0..100u32 {
        let candidate = dir.join(format!(".{name}.{}.{attempt}.tmp", std::process::id()));
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&candidate)
        {
            Ok(file) => {
                tmp = Some((candidate, file));
                break;
            }
            Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(err) => bail!(
                "cannot create a file in '{}': {}",
                dir.display(),
                crate::input::io_reason(&err)
            ),
        }
    }
    let (tmp_path, file) =
        tmp.ok_or_else(|| anyhow!("no free temporary name in '{}'", dir.display()))?;
    let result = fill(BufWriter::new(&file))
        .and_then(|()| file.sync_all().map_err(Into::into))
        .and_then(|()| std::fs::rename(&tmp_path, path).map_err(Into::into));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp_path);
    }
    result
}
