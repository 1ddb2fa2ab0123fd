//! Every export is a rendering of the same ratatui `Buffer` the screen shows: plain
//! text, ANSI codes, SVG, HTML and PNG of one frame, and GIF of many; written
//! atomically, byte-identical for the same arguments.

pub mod atomic;
pub mod canvas;
pub mod cast;
pub mod gif;
pub mod glyphs;
pub mod grid;
pub mod html;
pub mod player;
pub mod png;
pub mod progress;
pub mod raster;
pub mod shapes;
pub mod strokes;
pub mod svg;
pub mod text;

use std::path::{Path, PathBuf};

use anyhow::Context;
use ratatui::buffer::Buffer;

pub use self::gif::TimedFrame;
pub use self::grid::{DEFAULT_THEME, Theme};

/// The scale PNG and GIF are drawn at unless told otherwise: 2x, since 1x looks
/// blurry once a slide or a browser enlarges it.
pub const DEFAULT_PNG_SCALE: u32 = 2;

/// A still format, chosen by file extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Svg,
    Png,
    Html,
    Txt,
    Ans,
}

impl Format {
    pub const ALL: [Format; 5] = [
        Format::Svg,
        Format::Png,
        Format::Html,
        Format::Txt,
        Format::Ans,
    ];

    pub fn extension(self) -> &'static str {
        match self {
            Format::Svg => "svg",
            Format::Png => "png",
            Format::Html => "html",
            Format::Txt => "txt",
            Format::Ans => "ans",
        }
    }

    /// The format named by an extension or a `--export-format` entry (case-insensitive;
    /// `htm` is `html`).
    pub fn from_name(name: &str) -> Option<Format> {
        let name = name.trim().to_ascii_lowercase();
        let name = if name == "htm" { "html" } else { name.as_str() };
        Format::ALL.into_iter().find(|f| f.extension() == name)
    }

    /// The format of an output file, from its extension.
    pub fn from_path(path: &Path) -> anyhow::Result<Format> {
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().into_owned())
            .unwrap_or_default();
        Format::from_name(&ext).with_context(|| {
            format!(
                "cannot tell the format of {}: the extension must be one of .svg .png .html .txt .ans",
                path.display()
            )
        })
    }
}

/// How frames are drawn into pictures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RenderOptions {
    /// PNG and GIF pixels per cell: 9 x 18 times this.
    pub png_scale: u32,
    /// What `Color::Reset` stands for.
    pub theme: Theme,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            png_scale: DEFAULT_PNG_SCALE,
            theme: DEFAULT_THEME,
        }
    }
}

/// The bytes of one frame in one format.
pub fn render(buf: &Buffer, format: Format, opts: &RenderOptions) -> anyhow::Result<Vec<u8>> {
    Ok(match format {
        Format::Txt => text::to_txt(buf).into_bytes(),
        Format::Ans => text::to_ans(buf).into_bytes(),
        Format::Svg => svg::to_svg(&grid::resolve(buf, opts.theme)).into_bytes(),
        Format::Html => html::to_html(&grid::resolve(buf, opts.theme)).into_bytes(),
        Format::Png => png::to_png(&grid::resolve(buf, opts.theme), opts.png_scale)?,
    })
}

/// Writes an animation to `path`, which must end in `.gif`, atomically.
pub fn write_gif(frames: Vec<TimedFrame>, path: &Path, opts: &RenderOptions) -> anyhow::Result<()> {
    check_gif_path(path)?;
    let bytes = gif::to_gif(frames, opts.theme, opts.png_scale)?;
    atomic::write_atomic(path, &bytes)
}

/// Fails early, before any drawing or computing, when the output's folder does not
/// exist or the output names a folder.
pub fn check_output_folder(path: &Path) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        anyhow::bail!(
            "cannot write {}: no such folder {}",
            path.display(),
            dir.display()
        );
    }
    if path.is_dir() {
        anyhow::bail!("cannot write {}: it is a folder", path.display());
    }
    crate::files::check_output_target(path)
}

fn check_gif_path(path: &Path) -> anyhow::Result<()> {
    let is_gif = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gif"));
    if !is_gif {
        anyhow::bail!(
            "cannot write {}: record writes .gif files only",
            path.display()
        );
    }
    Ok(())
}

/// Where and how the stepper's `s` key saves the current frame (`--export-format`,
/// `--export-dir`, `--png-scale`), checked when a screenshot is taken.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScreenshotOptions {
    /// Formats to save, comma-separated: svg, png, html, txt, ans (default: svg,png).
    pub export_format: Option<String>,
    /// Folder to save into (default: the folder the caller gives).
    pub export_dir: Option<PathBuf>,
    /// Pixels per cell of saved PNGs, as a multiple of 9x18 (default 2; 1..=8).
    pub png_scale: Option<u32>,
}

impl ScreenshotOptions {
    /// The formats to save, in the order given, without repeats.
    pub fn formats(&self) -> anyhow::Result<Vec<Format>> {
        let spec = self.export_format.as_deref().unwrap_or("svg,png");
        let mut formats = Vec::new();
        for name in spec.split(',').filter(|s| !s.trim().is_empty()) {
            let f = Format::from_name(name).with_context(|| {
                format!("unknown --export-format {name:?}: use svg, png, html, txt or ans")
            })?;
            if !formats.contains(&f) {
                formats.push(f);
            }
        }
        if formats.is_empty() {
            anyhow::bail!("--export-format names no format: use svg, png, html, txt or ans");
        }
        Ok(formats)
    }

    pub fn render_options(&self) -> anyhow::Result<RenderOptions> {
        let png_scale = self.png_scale.unwrap_or(DEFAULT_PNG_SCALE);
        check_scale(png_scale)?;
        Ok(RenderOptions {
            png_scale,
            ..RenderOptions::default()
        })
    }
}

pub fn check_scale(scale: u32) -> anyhow::Result<()> {
    if !(1..=raster::MAX_SCALE).contains(&scale) {
        anyhow::bail!(
            "--png-scale must be between 1 and {}, not {scale}",
            raster::MAX_SCALE
        );
    }
    Ok(())
}

/// Saves one frame as the stepper's `s` key does; returns the files written.
///
/// Files go into `--export-dir`, else `dir`, named `convstep-NNN.EXT` with the first
/// number for which none of the requested files exists yet: a screenshot never
/// overwrites another.
pub fn save_screenshot(
    buffer: &Buffer,
    args: &ScreenshotOptions,
    dir: &Path,
) -> anyhow::Result<Vec<PathBuf>> {
    save_screenshot_named(buffer, args, dir, "")
}

/// As [`save_screenshot`], with a label in the name (`convstep-LABEL-NNN.EXT`), such
/// as `forward-step12`; characters other than letters, digits, `-` and `_` become `_`.
pub fn save_screenshot_named(
    buffer: &Buffer,
    args: &ScreenshotOptions,
    dir: &Path,
    label: &str,
) -> anyhow::Result<Vec<PathBuf>> {
    let formats = args.formats()?;
    let opts = args.render_options()?;
    let dir = args.export_dir.as_deref().unwrap_or(dir);
    // Full paths, so the message names exactly where the files went.
    let dir = &std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
    if !dir.is_dir() {
        anyhow::bail!(
            "cannot save a screenshot into {}: no such folder",
            dir.display()
        );
    }
    let label: String = label
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let prefix = if label.is_empty() {
        "convstep".to_string()
    } else {
        format!("convstep-{label}")
    };
    let stem = (1..=99_999)
        .map(|n| format!("{prefix}-{n:03}"))
        .find(|stem| {
            formats
                .iter()
                .all(|f| !dir.join(format!("{stem}.{}", f.extension())).exists())
        })
        .with_context(|| format!("{} holds too many screenshots already", dir.display()))?;
    let mut written = Vec::new();
    for format in formats {
        let path = dir.join(format!("{stem}.{}", format.extension()));
        let bytes = render(buffer, format, &opts)?;
        atomic::write_atomic(&path, &bytes)?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_follow_the_extension() {
        assert_eq!(
            Format::from_path(Path::new("a/b.SVG")).unwrap(),
            Format::Svg
        );
        assert_eq!(Format::from_path(Path::new("x.htm")).unwrap(), Format::Html);
        assert!(Format::from_path(Path::new("x.jpg")).is_err());
        assert!(Format::from_path(Path::new("noext")).is_err());
    }

    #[test]
    fn export_formats_parse_and_reject_unknown_names() {
        let args = |s: &str| ScreenshotOptions {
            export_format: Some(s.into()),
            ..ScreenshotOptions::default()
        };
        assert_eq!(
            args("png, txt,png").formats().unwrap(),
            vec![Format::Png, Format::Txt]
        );
        assert!(args("svg,jpeg").formats().is_err());
        assert!(args(",").formats().is_err());
        assert_eq!(
            ScreenshotOptions::default().formats().unwrap(),
            vec![Format::Svg, Format::Png]
        );
    }

    #[test]
    fn screenshots_never_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let buf = Buffer::with_lines(["hi"]);
        let args = ScreenshotOptions {
            export_format: Some("txt,svg".into()),
            ..ScreenshotOptions::default()
        };
        let first = save_screenshot(&buf, &args, dir.path()).unwrap();
        let second = save_screenshot(&buf, &args, dir.path()).unwrap();
        assert_eq!(
            first,
            vec![
                dir.path().join("convstep-001.txt"),
                dir.path().join("convstep-001.svg")
            ]
        );
        assert_eq!(second[0], dir.path().join("convstep-002.txt"));
        let named = save_screenshot_named(&buf, &args, dir.path(), "forward step 3").unwrap();
        assert_eq!(named[0], dir.path().join("convstep-forward_step_3-001.txt"));
        assert_eq!(std::fs::read_to_string(&first[0]).unwrap(), "hi\n");
    }

    #[test]
    fn screenshots_name_their_files_by_full_path() {
        // A folder given relative to the current one (the crate's, under cargo test).
        std::fs::create_dir_all("target").unwrap();
        let dir = tempfile::tempdir_in("target").unwrap();
        let name = dir.path().file_name().unwrap();
        let relative = Path::new("target").join(name);
        let args = ScreenshotOptions {
            export_format: Some("txt".into()),
            export_dir: Some(relative.clone()),
            ..ScreenshotOptions::default()
        };
        let got = save_screenshot(&Buffer::with_lines(["hi"]), &args, Path::new(".")).unwrap();
        let cwd = std::env::current_dir().unwrap();
        assert_eq!(got, vec![cwd.join(&relative).join("convstep-001.txt")]);
        assert!(got[0].is_absolute() && got[0].is_file());
    }

    #[test]
    fn export_dir_wins_over_the_default_folder_and_must_exist() {
        let dir = tempfile::tempdir().unwrap();
        let buf = Buffer::with_lines(["hi"]);
        let args = ScreenshotOptions {
            export_format: Some("txt".into()),
            export_dir: Some(dir.path().join("missing")),
            ..ScreenshotOptions::default()
        };
        let err = save_screenshot(&buf, &args, dir.path()).unwrap_err();
        assert!(err.to_string().contains("missing"), "{err}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn same_frame_same_bytes_in_every_format() {
        let buf = Buffer::with_lines(["╭─╮ ▀▄ ab", "╰─╯ ░▒ 你"]);
        let opts = RenderOptions {
            png_scale: 1,
            ..RenderOptions::default()
        };
        for f in Format::ALL {
            assert_eq!(
                render(&buf, f, &opts).unwrap(),
                render(&buf, f, &opts).unwrap(),
                "{f:?}"
            );
        }
    }
}
