//! Named kernel presets, one filter each. A 2-D preset spans the C channels as the same
//! kernel on every channel divided by C, so it acts on the channel mean (identity gives
//! the mean of the channels; on one channel it is the kernel itself).

use std::sync::{Arc, Mutex, PoisonError};

use anyhow::{Result, bail};
use ndarray::{ArcArray1, Array2, Array4, array};

use crate::conv::SharedArray4;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

/// A preset or canonical figure with a one-line description, for help texts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PresetInfo {
    pub name: &'static str,
    pub description: &'static str,
}

/// The largest `--kernel-size`.
pub const MAX_KERNEL_SIZE: usize = 31;
/// The most filters `--filters` makes.
pub const MAX_FILTERS: usize = 64;

/// The named kernels `--kernel` accepts.
pub fn kernel_presets() -> &'static [PresetInfo] {
    &[
        PresetInfo {
            name: "identity",
            description: "1 at the centre: copies the input (the channel mean)",
        },
        PresetInfo {
            name: "box",
            description: "box blur: every tap 1/K^2 (K = --kernel-size, default 3)",
        },
        PresetInfo {
            name: "gaussian",
            description: "Gaussian blur: binomial taps, e.g. [1,2,1]x[1,2,1]/16 (K = --kernel-size)",
        },
        PresetInfo {
            name: "sharpen",
            description: "sharpen: [[0,-1,0],[-1,5,-1],[0,-1,0]]",
        },
        PresetInfo {
            name: "sobel-x",
            description: "Sobel x (vertical edges): [[-1,0,1],[-2,0,2],[-1,0,1]]",
        },
        PresetInfo {
            name: "sobel-y",
            description: "Sobel y (horizontal edges): [[-1,-2,-1],[0,0,0],[1,2,1]]",
        },
        PresetInfo {
            name: "laplacian",
            description: "Laplacian: [[0,1,0],[1,-4,1],[0,1,0]]",
        },
        PresetInfo {
            name: "emboss",
            description: "emboss: [[-2,-1,0],[-1,1,1],[0,1,2]]",
        },
        PresetInfo {
            name: "random",
            description: "--filters kernels (default 1) of --kernel-size, uniform in [-1,1) per channel, seeded by --seed (ChaCha8)",
        },
    ]
}

/// Options the sized and random presets read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KernelOpts {
    pub size: usize,
    pub filters: usize,
    pub seed: u64,
}

impl Default for KernelOpts {
    fn default() -> Self {
        KernelOpts {
            size: 3,
            filters: 1,
            seed: 0,
        }
    }
}

/// The 2-D taps of a named preset (not `random`).
fn taps(name: &str, k: usize) -> Option<Array2<f64>> {
    Some(match name {
        "identity" => {
            let mut t = Array2::zeros((k, k));
            t[[k / 2, k / 2]] = 1.0;
            t
        }
        "box" => Array2::from_elem((k, k), 1.0 / (k * k) as f64),
        "gaussian" => {
            let row = binomial(k);
            let total: f64 = row.iter().sum::<f64>().powi(2);
            Array2::from_shape_fn((k, k), |(m, n)| row[m] * row[n] / total)
        }
        "sharpen" => array![[0., -1., 0.], [-1., 5., -1.], [0., -1., 0.]],
        "sobel-x" => array![[-1., 0., 1.], [-2., 0., 2.], [-1., 0., 1.]],
        "sobel-y" => array![[-1., -2., -1.], [0., 0., 0.], [1., 2., 1.]],
        "laplacian" => array![[0., 1., 0.], [1., -4., 1.], [0., 1., 0.]],
        "emboss" => array![[-2., -1., 0.], [-1., 1., 1.], [0., 1., 2.]],
        _ => return None,
    })
}

/// Row k-1 of Pascal's triangle.
fn binomial(k: usize) -> Vec<f64> {
    let mut row = vec![1.0];
    for _ in 1..k {
        let mut next = vec![1.0; row.len() + 1];
        for i in 1..row.len() {
            next[i] = row[i - 1] + row[i];
        }
        row = next;
    }
    row
}

/// A list of named kernels for `c` channels: w (F, C, K, K) and one name per filter.
pub fn named_kernels(
    names: &[String],
    c: usize,
    opts: KernelOpts,
) -> Result<(Array4<f64>, Vec<String>)> {
    check_opts(opts)?;
    let mut filters: Vec<Array4<f64>> = Vec::new();
    let mut labels = Vec::new();
    for name in names {
        if name == "random" {
            filters.push(random_kernels(c, opts));
            labels.extend((0..opts.filters).map(|f| {
                if opts.filters == 1 {
                    "random".to_string()
                } else {
                    format!("random[{f}]")
                }
            }));
            continue;
        }
        let Some(t) = taps(name, opts.size) else {
            let known: Vec<&str> = kernel_presets().iter().map(|p| p.name).collect();
            bail!(
                "unknown kernel '{name}' (known: {}; or a .npy of shape (F,C,HH,WW))",
                known.join(", ")
            );
        };
        let (kh, kw) = t.dim();
        filters.push(Array4::from_shape_fn((1, c, kh, kw), |(_, _, m, k)| {
            t[[m, k]] / c as f64
        }));
        labels.push(name.clone());
    }
    let Some(first) = filters.first() else {
        bail!("--kernel is empty: name at least one kernel");
    };
    let (_, _, kh, kw) = first.dim();
    for (w, name) in filters.iter().zip(names) {
        let (_, _, h, ww) = w.dim();
        if (h, ww) != (kh, kw) {
            bail!(
                "the kernels in one list must have one size: '{}' is {kh}x{kw} but '{name}' is {h}x{ww} (--kernel-size sets identity, box, gaussian and random)",
                names[0]
            );
        }
    }
    let views: Vec<_> = filters.iter().map(|w| w.view()).collect();
    let w = ndarray::concatenate(ndarray::Axis(0), &views)?;
    Ok((w, labels))
}

fn check_opts(opts: KernelOpts) -> Result<()> {
    if !(1..=MAX_KERNEL_SIZE).contains(&opts.size) {
        bail!(
            "--kernel-size must be from 1 to {MAX_KERNEL_SIZE} (got {})",
            opts.size
        );
    }
    if !(1..=MAX_FILTERS).contains(&opts.filters) {
        bail!(
            "--filters must be from 1 to {MAX_FILTERS} (got {})",
            opts.filters
        );
    }
    Ok(())
}

/// `--filters` kernels (F, C, K, K), uniform in [-1, 1), from ChaCha8 seeded by --seed
/// (the same numbers on every platform).
fn random_kernels(c: usize, opts: KernelOpts) -> Array4<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);
    Array4::from_shape_simple_fn((opts.filters, c, opts.size, opts.size), || {
        rng.random_range(-1.0..1.0)
    })
}

/// A seeded random dout of `shape`: standard normal (mean 0, standard deviation 1), as
/// CS231n's tests draw theirs with `np.random.randn`. Box–Muller on a ChaCha8 stream
/// seeded by --seed (a different stream from the random kernels'), so the same
/// numbers on every platform; |dout| < 8.6 always (u1 >= 2^-53). Entry i (in standard
/// layout) is the i-th draw of the stream, so a smaller shape's dout is a prefix of a
/// larger one's ([`NormalStream`] keeps it for a stepper that changes shapes).
pub fn random_dout(shape: (usize, usize, usize, usize), seed: u64) -> Array4<f64> {
    let mut numbers = vec![0.0; shape.0 * shape.1 * shape.2 * shape.3];
    normals(seed, 0, &mut numbers);
    Array4::from_shape_vec(shape, numbers).expect("as many numbers as the shape holds")
}

/// Draws a chunk computes with one seek of the generator.
const NORMAL_CHUNK: usize = 1 << 14;

/// Fills `out` with draws `start..start + out.len()` of seed's standard normal stream,
/// chunks in parallel: draw i reads the four 32-bit words 4i..4i+4 of ChaCha8 stream 1
/// (two u64 for u1 and u2), so each chunk seeks to its own first word and the numbers
/// are those of one sequential pass, bit for bit.
fn normals(seed: u64, start: usize, out: &mut [f64]) {
    out.par_chunks_mut(NORMAL_CHUNK)
        .enumerate()
        .for_each(|(chunk, out)| {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            rng.set_stream(1);
            rng.set_word_pos(4 * (start + chunk * NORMAL_CHUNK) as u128);
            for v in out {
                // u1 in (0, 1] keeps the logarithm finite.
                let u1 = 1.0 - rng.random::<f64>();
                let u2 = rng.random::<f64>();
                *v = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
            }
        });
}

/// The random dout's draws, kept across the shapes a stepper's parameter changes give:
/// each dout is a prefix of one stream (see [`random_dout`]), so the draws are made once,
/// up to the largest output seen, and a dout of any shape is a view of their prefix,
/// shared, not copied (67 MB for a 1024x1024 layer of 8 filters). Clones share the
/// draws (a stepper clones its spec to edit it).
#[derive(Clone)]
pub struct NormalStream {
    seed: u64,
    draws: Arc<Mutex<ArcArray1<f64>>>,
}

impl std::fmt::Debug for NormalStream {
    /// The seed and how many draws are kept, not the draws.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let drawn = self.draws.lock().map_or(0, |d| d.len());
        f.debug_struct("NormalStream")
            .field("seed", &self.seed)
            .field("drawn", &drawn)
            .finish()
    }
}

impl NormalStream {
    pub fn new(seed: u64) -> NormalStream {
        NormalStream {
            seed,
            draws: Arc::new(Mutex::new(ArcArray1::zeros(0))),
        }
    }

    /// `random_dout(shape, seed)`, drawing only what no earlier call drew, as a view of
    /// the draws' prefix. More draws than kept make a new buffer (the old draws
    /// copied, then the rest drawn); douts given out before keep the old one.
    pub fn dout(&self, shape: (usize, usize, usize, usize)) -> SharedArray4 {
        let len = shape.0 * shape.1 * shape.2 * shape.3;
        let mut draws = self.draws.lock().unwrap_or_else(PoisonError::into_inner);
        let have = draws.len();
        if have < len {
            let mut more = Vec::with_capacity(len);
            more.extend(draws.iter().copied());
            more.resize(len, 0.0);
            normals(self.seed, have, &mut more[have..]);
            *draws = ArcArray1::from(more);
        }
        draws
            .clone()
            .slice_move(ndarray::s![..len])
            .into_shape_with_order(shape)
            .expect("a prefix of len draws holds the shape")
    }
}
