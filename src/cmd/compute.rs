//! `convstep compute`: out, dx, dw and db into an .npz, for scripts and homework checks.

use std::io::Cursor;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;
use ndarray_npy::NpzWriter;

use super::InputArgs;
use crate::conv::{backward, forward};
use crate::export::atomic::write_atomic;
use crate::export::check_output_folder;
use crate::input::{SceneSpec, shape_text};

#[derive(Debug, Clone, Args)]
pub struct ComputeArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Where to write the .npz (out, dx, dw, db; float64). With --layers: x, out (the
    /// last layer's), dx, and per layer l (1-based) out{l} and, for conv layers, w{l},
    /// b{l}, dw{l}, db{l}.
    #[arg(short, long)]
    pub output: PathBuf,
}

pub fn run(args: &ComputeArgs) -> Result<()> {
    let path = &args.output;
    // Checked first: `-o o.png` would otherwise be an .npz archive named o.png.
    let is_npz = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("npz"));
    if !is_npz {
        anyhow::bail!(
            "cannot write {}: compute writes an .npz archive (out, dx, dw, db); name the file *.npz",
            path.display()
        );
    }
    // A missing folder shows before the work, not after it.
    check_output_folder(path)?;
    crate::files::check_not_an_input(path, &args.input.files())?;
    crate::export::progress::catch_interrupt();
    let spec = SceneSpec::from_args(&args.input)?;
    if spec.layers.is_some() {
        return run_stack(&spec, path);
    }
    let scene = spec.build()?;
    // Progress on stderr when it is a terminal: which pass is running, for layers
    // large enough that the wait is felt.
    let mut progress = crate::export::progress::Progress::stderr();
    let x = scene.layer.x.shape();
    progress.show_now(&format!(
        "convstep: computing the forward pass of x {}",
        shape_text(x)
    ));
    let out = forward(&scene.layer);
    progress.show_now(&format!(
        "convstep: computing the backward pass of x {}",
        shape_text(x)
    ));
    let grads = backward(&scene.layer, &scene.dout)?;
    progress.show_now(&format!("convstep: writing {}", path.display()));
    let npz = (|| -> Result<Vec<u8>> {
        let mut npz = NpzWriter::new(Cursor::new(Vec::new()));
        npz.add_array("out", &out)?;
        npz.add_array("dx", &grads.dx)?;
        npz.add_array("dw", &grads.dw)?;
        npz.add_array("db", &grads.db)?;
        Ok(npz.finish()?.into_inner())
    })()
    .with_context(|| format!("cannot write {}", path.display()))?;
    write_atomic(path, &npz)?;
    drop(progress);
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

/// `compute --layers`: the whole stack's forward and backward passes, every layer's
/// arrays in one .npz.
fn run_stack(spec: &SceneSpec, path: &std::path::Path) -> Result<()> {
    let mut progress = crate::export::progress::Progress::stderr();
    progress.show_now("convstep: computing the stack's forward pass");
    let stack = spec.build_stack()?;
    progress.show_now("convstep: computing the stack's backward pass");
    let grads = stack.backward()?;
    progress.show_now(&format!("convstep: writing {}", path.display()));
    let net = &stack.net;
    let npz = (|| -> Result<Vec<u8>> {
        let mut npz = NpzWriter::new(Cursor::new(Vec::new()));
        npz.add_array("x", net.x())?;
        npz.add_array("out", net.out())?;
        npz.add_array("dx", grads.dx())?;
        for (k, (out, layer)) in net.outs.iter().zip(&net.layers).enumerate() {
            let l = k + 1;
            npz.add_array(format!("out{l}"), out)?;
            if let (Some(conv), Some(g)) = (layer.as_conv(), grads.grads[k].conv()) {
                npz.add_array(format!("w{l}"), &conv.w)?;
                npz.add_array(format!("b{l}"), &conv.b)?;
                npz.add_array(format!("dw{l}"), &g.dw)?;
                npz.add_array(format!("db{l}"), &g.db)?;
            }
        }
        Ok(npz.finish()?.into_inner())
    })()
    .with_context(|| format!("cannot write {}", path.display()))?;
    write_atomic(path, &npz)?;
    drop(progress);
    let shapes: Vec<String> = net.outs.iter().map(|o| shape_text(o.shape())).collect();
    println!(
        "wrote {}: x {} -> {}; dx {}",
        path.display(),
        shape_text(net.x().shape()),
        shapes.join(" -> "),
        shape_text(grads.dx().shape())
    );
    Ok(())
}
