//! Where the numbers come from: images, .npy arrays, kernel presets and the canonical
//! figures, turned into a [`Scene`] (a checked layer plus its dout and labels).

pub mod args;
mod arrays;
mod files;
pub use crate::files::{check_output_target, io_reason};
pub(crate) use files::read_file;
pub mod kernels;
pub mod layers;
mod npy;
pub mod picture;
pub mod presets;

pub use args::{InputOptions, Scale};
pub use arrays::Arrays;
pub use kernels::{KernelOpts, PresetInfo, kernel_presets};
pub use layers::{LayersError, parse_layers};
pub use npy::{MAX_ARRAY_ELEMENTS, shape_text};
pub use picture::{MAX_PIXELS, MAX_SIDE, Size};
pub use presets::presets;

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result, anyhow, bail};
use ndarray::{Array1, Array4};

use crate::conv::{ConvParams, Layer, LayerSpec, Net, NetInit, SharedArray4, StackGrads};
use picture::Picture;

/// What the stepper and `compute` work on: the layer, dout, and names for the screen.
#[derive(Debug, Clone, PartialEq)]
pub struct Scene {
    pub layer: Layer,
    /// Shared, not copied: a random dout is a view of the stream's draws
    /// ([`kernels::NormalStream`]), so that a parameter change makes no 67 MB copy.
    pub dout: SharedArray4,
    pub labels: Labels,
}

/// Names shown beside the numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct Labels {
    /// Where x came from: a file name, `bundled chelsea.png`, or `preset cs231n-demo`.
    pub source: String,
    /// One name per filter (`sobel-x`, `w.npy[0]`, ...).
    pub kernels: Vec<String>,
    /// One name per channel (`R`, `G`, `B`; `gray`; `c0`, `c1`, ... for arrays).
    pub channels: Vec<String>,
    /// Unit or raw for images; raw (numbers as they are) for arrays and fixed presets.
    pub scale: Scale,
}

/// The default working size of images: the longest side in pixels. At 32 the bundled
/// cat is recognisable in the overview at 80x24 while a row of windows is 32 steps.
pub const DEFAULT_SIZE: u32 = 32;
/// The working size of CS231n's image demo preset (its published 11x16 output).
pub const PRESET_IMAGE_SIZE: u32 = 16;
/// The working sizes the stepper's size keys step through (then `full`).
pub const SIZE_STEPS: [u32; 7] = [8, 12, 16, 24, 32, 48, 64];
/// The default kernel list.
pub const DEFAULT_KERNEL: &str = "sobel-x,sobel-y";

/// Where x comes from.
#[derive(Debug, Clone)]
enum Source {
    Image {
        /// Shared by the spec's clones (a stepper clones its spec to edit it), as is x.
        picture: Arc<Picture>,
        gray: bool,
        scale: Scale,
        size: Size,
        /// x at the current size, made when the size changes rather than per build,
        /// and shared with the layers built on it.
        x: SharedArray4,
    },
    /// A .npy array or a preset's fixed input, used as it is (shared likewise).
    Array(SharedArray4),
}

/// One choice of kernel.
#[derive(Debug, Clone)]
enum KernelChoice {
    /// Named presets, one filter each (random: --filters).
    Named(Vec<String>),
    /// A fixed w: from a .npy or a canonical figure.
    Fixed {
        label: String,
        w: Array4<f64>,
        filters: Vec<String>,
    },
}

impl KernelChoice {
    fn label(&self) -> String {
        match self {
            KernelChoice::Named(names) => names.join(","),
            KernelChoice::Fixed { label, .. } => label.clone(),
        }
    }
}

/// The upstream gradient.
#[derive(Debug, Clone)]
enum Dout {
    Ones,
    Random(kernels::NormalStream),
    Array { name: String, dout: SharedArray4 },
}

/// The resolved inputs (files already read), which the stepper edits live (kernel,
/// stride, pad, dilation, working size) and rebuilds into a [`Scene`] at once.
#[derive(Debug, Clone)]
pub struct SceneSpec {
    /// stride, pad, dilation: the stepper edits these directly and rebuilds.
    pub params: ConvParams,
    source: Source,
    source_label: String,
    /// The user's (or the preset's) kernel first, then each named preset alone.
    kernels: Vec<KernelChoice>,
    kernel_index: usize,
    kernel_opts: KernelOpts,
    /// Biases given by --bias or the preset; None: zeros.
    bias: Option<Vec<f64>>,
    dout: Dout,
    /// The stack of `--layers`, None for the single layer. The stepper may edit it
    /// directly and rebuild, as it does `params`.
    pub layers: Option<Vec<LayerSpec>>,
    /// Whether the kernel was chosen (--kernel, a w array, a preset's): then the first
    /// conv layer of a stack takes it, else its weights are seeded as the others'.
    kernel_given: bool,
    seed: u64,
    /// A `-transposed` preset: the stepper opens it in the transposed view.
    pub opens_transposed: bool,
}

/// A stack of layers built from the input options: the net (its forward pass done),
/// the last layer's dout and the input's names.
#[derive(Debug, Clone, PartialEq)]
pub struct StackScene {
    pub net: Net,
    /// The gradient of the last layer's output (`--dout`).
    pub dout: SharedArray4,
    pub labels: Labels,
}

impl StackScene {
    /// The backward pass of the whole stack from [`StackScene::dout`].
    pub fn backward(&self) -> Result<StackGrads> {
        Ok(self.net.backward(&self.dout)?)
    }

    /// Conv layer `l` of the stack as a single-layer [`Scene`], `dout` the one the
    /// stack's backward pass gives it ([`StackScene::backward`]'s `douts[l]`); None
    /// when layer l is not a conv layer.
    pub fn conv_scene(&self, l: usize, dout: Array4<f64>) -> Option<Scene> {
        // x is shared with the stack, not copied.
        let layer = self.net.layers.get(l)?.as_conv()?.clone();
        let channels = if l == 0 {
            self.labels.channels.clone()
        } else {
            (0..layer.geom.c).map(|c| format!("c{c}")).collect()
        };
        let first_conv = self.net.layers.iter().position(|x| x.as_conv().is_some());
        let kernels = if first_conv == Some(l) && self.labels.kernels.len() == layer.geom.f {
            self.labels.kernels.clone()
        } else {
            (0..layer.geom.f).map(|f| format!("he[{f}]")).collect()
        };
        Some(Scene {
            dout: dout.into_shared(),
            labels: Labels {
                source: self.labels.source.clone(),
                kernels,
                channels,
                scale: if l == 0 {
                    self.labels.scale
                } else {
                    Scale::Raw
                },
            },
            layer,
        })
    }
}

fn is_npy_path(text: &str) -> bool {
    text.to_ascii_lowercase().ends_with(".npy")
}

impl SceneSpec {
    /// Reads every file the options name. Errors name the file and the reason.
    pub fn from_options(args: &InputOptions) -> Result<SceneSpec> {
        Self::resolve(args, Arrays::default())
    }

    /// The arguments, with each array given standing for the option it replaces.
    fn resolve(args: &InputOptions, arrays: Arrays) -> Result<SceneSpec> {
        arrays.check_against(args)?;
        let Arrays {
            x: x_array,
            x_label,
            w: w_array,
            b: b_array,
            dout: dout_array,
        } = arrays;
        let figure = args
            .preset
            .as_deref()
            .map(|name| presets::figure(&name.trim().to_ascii_lowercase()))
            .transpose()?;
        let preset_name = args
            .preset
            .as_deref()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        let (source, source_label) = match (x_array, figure.as_ref().and_then(|f| f.x.clone())) {
            (Some(x), _) => arrays::x_source(args, x, x_label)?,
            (None, Some(x)) => {
                let preset_only = |what: &str| {
                    anyhow!(
                        "{what} does not apply to preset '{preset_name}': its input is a fixed array (only cs231n-image takes an image)"
                    )
                };
                if args.input.is_some() {
                    return Err(preset_only("an INPUT file"));
                }
                reject_image_options(args).map_err(|e| preset_only(&e))?;
                (
                    Source::Array(x.into_shared()),
                    format!("preset {preset_name}"),
                )
            }
            (None, None) => load_source(args, figure.as_ref().map(|f| f.scale))?,
        };
        if figure.is_some() && matches!(source, Source::Image { gray: true, .. }) {
            bail!("--gray does not apply to preset '{preset_name}': its filters read R, G and B");
        }
        let kernel_opts = KernelOpts {
            size: args.kernel_size.unwrap_or(3),
            filters: args.filters.unwrap_or(1),
            seed: args.seed.unwrap_or(0),
        };
        let w_given = w_array.is_some();
        let original = match (w_array, &args.kernel, &figure) {
            (Some(w), _, _) => arrays::kernel(w),
            (None, Some(text), _) => parse_kernel(text)?,
            // Named by its filters, as the panels and the status name them: one
            // kernel, one name in a frame (conv-arithmetic, not also the preset's name).
            (None, None, Some(f)) => KernelChoice::Fixed {
                label: f.kernel_labels.join(","),
                w: f.w.clone(),
                filters: f.kernel_labels.clone(),
            },
            (None, None, None) => parse_kernel(DEFAULT_KERNEL)?,
        };
        let original_label = original.label();
        let mut kernels = vec![original];
        kernels.extend(
            kernel_presets()
                .iter()
                .filter(|p| p.name != original_label)
                .map(|p| KernelChoice::Named(vec![p.name.to_string()])),
        );
        let bias = match (b_array, &args.bias, &figure) {
            (Some(b), _, _) => Some(b.to_vec()),
            (None, Some(text), _) => Some(parse_bias(text)?),
            (None, None, Some(f)) => Some(f.b.clone()),
            (None, None, None) => None,
        };
        let dout = match dout_array {
            Some(dout) => Dout::Array {
                name: "array".into(),
                dout: dout.into_shared(),
            },
            None => parse_dout(args.dout.as_deref(), args.seed.unwrap_or(0))?,
        };
        let defaults = figure.as_ref().map(|f| f.params).unwrap_or(ConvParams {
            stride: 1,
            pad: 1,
            dilation: 1,
        });
        let params = ConvParams {
            stride: args.stride.unwrap_or(defaults.stride),
            pad: args.pad.unwrap_or(defaults.pad),
            dilation: args.dilation.unwrap_or(defaults.dilation),
        };
        let layers = args.layers.as_deref().map(parse_layers).transpose()?;
        if layers.is_some() {
            let given = [
                ("--stride", args.stride.is_some()),
                ("--pad", args.pad.is_some()),
                ("--dilation", args.dilation.is_some()),
            ];
            if let Some((option, _)) = given.iter().find(|(_, given)| *given) {
                bail!(
                    "{option} does not apply with --layers: each conv item has its own (conv K sS pP dD)"
                );
            }
        }
        let first_k = layers.iter().flatten().find_map(|s| match s {
            LayerSpec::Conv(c) => Some(c.kernel),
            _ => None,
        });
        if let (Some(k), Some(size)) = (first_k, args.kernel_size)
            && k != size
        {
            bail!(
                "--kernel-size {size} does not match the first conv layer's K ({k}): with --layers the SPEC sets it"
            );
        }
        let kernel_given = w_given || args.kernel.is_some() || figure.is_some();
        let spec = SceneSpec {
            params,
            source,
            source_label,
            kernels,
            kernel_index: 0,
            kernel_opts,
            bias,
            dout,
            layers,
            kernel_given,
            seed: args.seed.unwrap_or(0),
            opens_transposed: figure.as_ref().is_some_and(|f| f.transposed),
        };
        // Every problem with the arguments shows now, not at the first key press.
        match spec.layers {
            Some(_) => drop(spec.build_stack()?),
            None => drop(spec.build()?),
        }
        Ok(spec)
    }

    /// Moves the kernel choice `delta` places through the list (the original choice
    /// first, then every named preset alone); wraps around.
    pub fn cycle_kernel(&mut self, delta: isize) {
        let len = self.kernels.len() as isize;
        let step = delta.rem_euclid(len) as usize;
        self.kernel_index = (self.kernel_index + step) % self.kernels.len();
    }

    /// Grows or shrinks the working size (longest side, images only) by `delta` steps
    /// of 8, 12, 16, 24, 32, 48, 64, full, skipping sizes that give the same pixels.
    /// Returns false when there is nothing to resize (arrays, presets) or at a limit.
    pub fn change_size(&mut self, delta: isize) -> bool {
        let Source::Image {
            picture,
            size,
            gray,
            scale,
            x,
        } = &mut self.source
        else {
            return false;
        };
        let long = |s: Size| {
            let (w, h) = picture.dims_at(s);
            w.max(h)
        };
        let mut ladder: Vec<Size> = SIZE_STEPS.iter().map(|&n| Size::Longest(n)).collect();
        ladder.push(Size::Full);
        // A size whose x would be too large is not a step on the ladder.
        ladder.retain(|&s| picture.check_size(s, *gray).is_ok());
        let mut changed = false;
        for _ in 0..delta.unsigned_abs() {
            let now = long(*size);
            let next = if delta > 0 {
                ladder.iter().copied().find(|&s| long(s) > now)
            } else {
                ladder.iter().rev().copied().find(|&s| long(s) < now)
            };
            match next {
                Some(s) => {
                    *size = s;
                    changed = true;
                }
                None => break,
            }
        }
        if changed {
            *x = picture.to_x(*size, *gray, *scale).into_shared();
        }
        changed
    }

    /// A short name of the current kernel choice, for the status line.
    pub fn kernel_label(&self) -> String {
        self.kernels[self.kernel_index].label()
    }

    /// The working size of an image (`16`, `full`); None for arrays and fixed presets.
    pub fn size_label(&self) -> Option<String> {
        match &self.source {
            Source::Image { size, .. } => Some(size.label()),
            Source::Array(_) => None,
        }
    }

    /// Where x comes from (as in [`Labels::source`]).
    pub fn source_label(&self) -> &str {
        &self.source_label
    }

    /// The layer's geometry for the current choices, without building its arrays
    /// (for counting its steps before any large allocation).
    pub fn geometry(&self) -> Result<crate::conv::Geometry> {
        let x = match &self.source {
            Source::Image { x, .. } => x.dim(),
            Source::Array(x) => x.dim(),
        };
        let w = match &self.kernels[self.kernel_index] {
            KernelChoice::Named(names) => kernels::named_kernels(names, x.1, self.kernel_opts)?
                .0
                .dim(),
            KernelChoice::Fixed { w, .. } => w.dim(),
        };
        Ok(crate::conv::Geometry::new(x, w, w.0, self.params)?)
    }

    /// x with its channels' names and its scale.
    fn input_x(&self) -> (SharedArray4, Vec<String>, Scale) {
        match &self.source {
            Source::Image { gray, scale, x, .. } => {
                let channels = if *gray {
                    vec!["gray".to_string()]
                } else {
                    vec!["R".into(), "G".into(), "B".into()]
                };
                (x.clone(), channels, *scale)
            }
            Source::Array(x) => {
                let channels = (0..x.dim().1).map(|c| format!("c{c}")).collect();
                (x.clone(), channels, Scale::Raw)
            }
        }
    }

    /// The kernel choice's w (for x of `c` channels, named kernels of side `size`),
    /// its filters' names and its biases.
    fn kernel_w_b(&self, c: usize, size: usize) -> Result<(Array4<f64>, Vec<String>, Array1<f64>)> {
        let choice = &self.kernels[self.kernel_index];
        let opts = KernelOpts {
            size,
            ..self.kernel_opts
        };
        let (w, kernel_names) = match choice {
            KernelChoice::Named(names) => kernels::named_kernels(names, c, opts)?,
            KernelChoice::Fixed { w, filters, .. } => (w.clone(), filters.clone()),
        };
        let f = w.dim().0;
        let b = match &self.bias {
            Some(b) if b.len() == f => Array1::from(b.clone()),
            Some(b) if self.kernel_index == 0 => bail!(
                "--bias has {} number{} but the kernel '{}' has {f} filter{}: give one bias per filter",
                b.len(),
                if b.len() == 1 { "" } else { "s" },
                choice.label(),
                if f == 1 { "" } else { "s" },
            ),
            _ => Array1::zeros(f),
        };
        Ok((w, kernel_names, b))
    }

    /// The dout of an output of `out_dim`: ones, the seeded random one, or the array
    /// given (which must have that shape).
    fn dout_for(&self, out_dim: (usize, usize, usize, usize)) -> Result<SharedArray4> {
        Ok(match &self.dout {
            Dout::Ones => Array4::ones(out_dim).into_shared(),
            Dout::Random(stream) => stream.dout(out_dim),
            Dout::Array { name, dout } => {
                if dout.dim() != out_dim {
                    bail!(
                        "'{name}' (dout) has shape {} but the output has shape {}",
                        shape_text(dout.shape()),
                        shape_text(&[out_dim.0, out_dim.1, out_dim.2, out_dim.3])
                    );
                }
                dout.clone()
            }
        })
    }

    /// Builds the layer for the current choices. With `--layers`: the stack's first
    /// conv layer, its dout the one the stack's backward pass gives it.
    pub fn build(&self) -> Result<Scene> {
        if self.layers.is_some() {
            let stack = self.build_stack()?;
            let grads = stack.backward()?;
            let first = stack.net.layers.iter().position(|l| l.as_conv().is_some());
            return first
                .and_then(|l| stack.conv_scene(l, grads.douts[l].clone()))
                .ok_or_else(|| anyhow!("--layers has no conv layer"));
        }
        let (x, channels, scale) = self.input_x();
        let c = x.dim().1;
        let (w, kernel_names, b) = self.kernel_w_b(c, self.kernel_opts.size)?;
        let describe = || {
            let p = self.params;
            format!(
                "x {} from {} with kernel '{}' {}, stride {}, pad {}, dilation {}",
                shape_text(x.shape()),
                self.source_label,
                self.kernel_label(),
                shape_text(w.shape()),
                p.stride,
                p.pad,
                p.dilation
            )
        };
        let context = describe();
        let layer = Layer::new(x, w, b, self.params).context(context)?;
        let dout = self.dout_for(layer.geom.out_dim())?;
        Ok(Scene {
            layer,
            dout,
            labels: Labels {
                source: self.source_label.clone(),
                kernels: kernel_names,
                channels,
                scale,
            },
        })
    }

    /// The stack of `--layers` rebuilt from `base`, the stack of this spec before its
    /// layers were edited (nothing else may differ): the layers below the first
    /// edited one shared, not recomputed ([`Net::with_specs`]); dout the same where
    /// the output keeps its shape. The same stack [`SceneSpec::build_stack`] builds.
    pub fn rebuild_stack(&self, base: &StackScene) -> Result<StackScene> {
        let Some(specs) = &self.layers else {
            bail!("no --layers to build a stack from");
        };
        let net = base.net.with_specs(specs)?;
        let dim = net.out().dim();
        let dout = if dim == base.dout.dim() {
            base.dout.clone()
        } else {
            self.dout_for(dim)?
        };
        Ok(StackScene {
            net,
            dout,
            labels: base.labels.clone(),
        })
    }

    /// Builds the stack of `--layers` (an error when there is none): x as for one
    /// layer; the first conv layer takes the chosen kernel (named kernels at its K) and
    /// --bias where they were given, every other weight He-scaled random from --seed.
    pub fn build_stack(&self) -> Result<StackScene> {
        let Some(specs) = &self.layers else {
            bail!("no --layers to build a stack from");
        };
        let (x, channels, scale) = self.input_x();
        let c = x.dim().1;
        let first_k = specs.iter().find_map(|s| match s {
            LayerSpec::Conv(conv) => Some(conv.kernel),
            _ => None,
        });
        let mut init = NetInit {
            seed: self.seed,
            ..NetInit::default()
        };
        let mut kernels = Vec::new();
        if let Some(k) = first_k {
            if self.kernel_given {
                let (w, names, b) = self.kernel_w_b(c, k)?;
                init.first_w = Some(w);
                init.first_b = Some(b);
                kernels = names;
            } else if let Some(b) = &self.bias {
                init.first_b = Some(Array1::from(b.clone()));
            }
        }
        let net = Net::new(x, specs, init)?;
        let dout = self.dout_for(net.out().dim())?;
        Ok(StackScene {
            net,
            dout,
            labels: Labels {
                source: self.source_label.clone(),
                kernels,
                channels,
                scale,
            },
        })
    }
}

/// Options that only make sense for images, if any is given: its name.
fn reject_image_options(args: &InputOptions) -> std::result::Result<(), String> {
    if args.gray {
        return Err("--gray".into());
    }
    if args.scale.is_some() {
        return Err("--scale".into());
    }
    if args.size.is_some() {
        return Err("--size".into());
    }
    Ok(())
}

/// The image or array named by INPUT, or the bundled image.
fn load_source(args: &InputOptions, preset_scale: Option<Scale>) -> Result<(Source, String)> {
    let image_source = |picture: Picture| -> Result<Source> {
        let size = match &args.size {
            Some(text) => Size::parse(text)?,
            None if preset_scale.is_some() => Size::Longest(PRESET_IMAGE_SIZE),
            None => Size::Longest(DEFAULT_SIZE),
        };
        let (gray, scale) = (args.gray, args.scale.or(preset_scale).unwrap_or_default());
        picture.check_size(size, gray)?;
        Ok(Source::Image {
            x: picture.to_x(size, gray, scale).into_shared(),
            picture: Arc::new(picture),
            gray,
            scale,
            size,
        })
    };
    let Some(path) = &args.input else {
        return Ok((
            image_source(Picture::bundled()?)?,
            picture::BUNDLED_NAME.to_string(),
        ));
    };
    let label = path.display().to_string();
    if looks_like_npy(path) {
        if preset_scale.is_some() {
            bail!("'{label}': preset cs231n-image needs an image, not a .npy array");
        }
        if let Err(option) = reject_image_options(args) {
            bail!("{option} applies to images only; '{label}' is a .npy array, used as it is");
        }
        return Ok((Source::Array(npy::read_x(path)?.into_shared()), label));
    }
    let source = image_source(Picture::open(path)?).with_context(|| format!("'{label}'"))?;
    Ok((source, label))
}

/// A .npy by its extension or, failing that, by its magic string.
fn looks_like_npy(path: &Path) -> bool {
    if is_npy_path(&path.to_string_lossy()) {
        return true;
    }
    use std::io::Read;
    // Opening a pipe blocks until a writer comes; read_file refuses such files.
    if !std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
        return false;
    }
    let mut head = [0u8; 6];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .map(|_| npy::is_npy(&head))
        .unwrap_or(false)
}

fn parse_kernel(text: &str) -> Result<KernelChoice> {
    let text = text.trim();
    if is_npy_path(text) {
        let path = Path::new(text);
        let w = npy::read_4d(path, "w of shape (F,C,HH,WW)")?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| text.to_string());
        let filters = (0..w.dim().0).map(|f| format!("{name}[{f}]")).collect();
        return Ok(KernelChoice::Fixed {
            label: name,
            w,
            filters,
        });
    }
    let names: Vec<String> = text
        .split(',')
        .map(|n| n.trim().to_ascii_lowercase())
        .collect();
    if names.iter().any(String::is_empty) {
        bail!("--kernel '{text}' has an empty name: separate kernel names by single commas");
    }
    Ok(KernelChoice::Named(names))
}

fn parse_bias(text: &str) -> Result<Vec<f64>> {
    let text = text.trim();
    if is_npy_path(text) {
        return Ok(npy::read_1d(Path::new(text), "b of shape (F,)")?.to_vec());
    }
    text.split(',')
        .map(|v| {
            let v = v.trim();
            match v.parse::<f64>() {
                Ok(b) if b.is_finite() => Ok(b),
                Ok(_) => bail!("--bias: '{v}' is not a finite number (a .npy of shape (F,) may hold NaN or inf)"),
                Err(_) => bail!("--bias: '{v}' is not a number (give comma-separated numbers or a .npy of shape (F,))"),
            }
        })
        .collect()
}

fn parse_dout(text: Option<&str>, seed: u64) -> Result<Dout> {
    let Some(text) = text.map(str::trim) else {
        return Ok(Dout::Random(kernels::NormalStream::new(seed)));
    };
    if text.eq_ignore_ascii_case("ones") {
        return Ok(Dout::Ones);
    }
    if text.eq_ignore_ascii_case("random") {
        return Ok(Dout::Random(kernels::NormalStream::new(seed)));
    }
    if is_npy_path(text) {
        let dout = npy::read_4d(Path::new(text), "dout of shape (N,F,H',W')")?;
        return Ok(Dout::Array {
            name: text.to_string(),
            dout: dout.into_shared(),
        });
    }
    bail!("--dout must be ones, random or a .npy of the output's shape (got '{text}')")
}

#[cfg(test)]
mod tests;
