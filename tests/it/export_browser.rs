//! The HTML export in a real browser: every frame below is exported with `shot` as
//! .html, .png (scale 1, 9 x 18 px cells) and .txt, the HTML pages are shown together in
//! one headless Chromium (one launch: a page of iframes, screenshot and DOM dump at
//! once) and the screenshot is compared with the PNGs cell by cell:
//!
//! - blank cells and cells drawn as rectangles (blocks, Braille, straight box drawing)
//!   pixel by pixel: same grid, same colours, no seam between heatmap cells;
//! - text cells (glyph shapes differ between Chromium's fonts and the bundled ones) by
//!   their background, their ink colour and where the ink sits;
//! - in the DOM: every character's left edge on its column (x = col * 9) and every row's
//!   top on its row (y = row * 18), and the page's selected text equal to the `.txt`.
//!
//! Chromium is /usr/bin/chromium (Debian's package, which .ci/run installs), or the
//! browser `CONVSTEP_CHROMIUM` names. Without one the test fails when `CI` is set and
//! otherwise says loudly that it was skipped. `CONVSTEP_KEEP_BROWSER_SHOTS=DIR` keeps
//! each frame's PNG beside the browser's picture of it, to look at.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use image::RgbImage;
use unicode_width::UnicodeWidthChar;

/// The languages every frame is drawn in, with the locale that asks for each (the
/// program's language comes from `--lang`, else the locale; the tour's narration speaks
/// both today, the stepper's labels once they are translated). A third language is one
/// more entry.
const LANGS: &[(&str, &str)] = &[("en", "en_US.UTF-8"), ("zh", "zh_CN.UTF-8")];

/// Terminal sizes, in cells.
const SIZES: &[(u16, u16)] = &[(80, 24), (120, 40)];

/// What is drawn: the arguments of a forward and of a backward frame.
struct Scene {
    name: &'static str,
    forward: &'static [&'static str],
    backward: &'static [&'static str],
}

const SCENES: &[Scene] = &[
    Scene {
        name: "photo",
        forward: &[],
        backward: &["--phase", "backward", "--step", "7"],
    },
    Scene {
        name: "cs231n-demo",
        forward: &["--preset", "cs231n-demo", "--step", "5"],
        backward: &[
            "--preset",
            "cs231n-demo",
            "--phase",
            "backward",
            "--step",
            "7",
        ],
    },
    // Walkthrough pages: narration in the frame's language (Chinese: wide characters).
    Scene {
        name: "tour",
        forward: &["--tour", "--page", "2"],
        backward: &["--tour", "--page", "20"],
    },
];

/// Largest difference of one colour channel allowed where both draw the same rectangle
/// (the SVG's and the rasterizer's rounding of a shade's opacity may differ by one).
const FILL_TOLERANCE: u8 = 2;
/// Text: largest channel difference of the background, and of the ink's colour (the
/// most inked pixel; hinting makes Chromium's stems a little crisper or fainter).
const TEXT_BG_TOLERANCE: u8 = 2;
const INK_TOLERANCE: u8 = 80;
/// Text: how far the centre of the ink may move between the two renderings, in pixels.
const INK_SHIFT: f32 = 1.6;
/// DOM: how far a character's left edge or a row's top may be from its cell, in pixels.
const DOM_TOLERANCE: f64 = 0.1;

/// One exported frame and where the composite page shows it.
struct Frame {
    name: String,
    cols: u16,
    rows: u16,
    x: u32,
    y: u32,
    png: RgbImage,
    txt: String,
}

/// The browser: `CONVSTEP_CHROMIUM` when set (another Chromium or Chrome), else
/// Debian's or Ubuntu's.
fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("CONVSTEP_CHROMIUM") {
        return Some(PathBuf::from(path)).filter(|p| p.exists());
    }
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

fn shot(dir: &Path, file: &str, locale: &str, args: &[&str]) -> PathBuf {
    let out = dir.join(file);
    Command::cargo_bin("convstep")
        .unwrap()
        .env_remove("NO_COLOR")
        .env_remove("LC_MESSAGES")
        .env("LC_ALL", locale)
        .env("LANG", locale)
        .env("COLORTERM", "truecolor")
        .arg("shot")
        .args(args)
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    out
}

/// Exports every frame and places them in columns of at most `MAX_H` pixels.
fn export_frames(dir: &Path) -> Vec<Frame> {
    const MAX_H: u32 = 4400;
    let mut frames = Vec::new();
    let (mut x, mut y, mut column_w) = (0, 0, 0);
    for &(cols, rows) in SIZES {
        for &(lang, locale) in LANGS {
            for scene in SCENES {
                for (phase, extra) in [("forward", scene.forward), ("backward", scene.backward)] {
                    let name = format!("{}-{phase}-{lang}-{cols}x{rows}", scene.name);
                    let (c, r) = (cols.to_string(), rows.to_string());
                    let mut args = vec!["--cols", c.as_str(), "--rows", &r];
                    args.extend_from_slice(extra);
                    shot(dir, &format!("{name}.html"), locale, &args);
                    let txt = shot(dir, &format!("{name}.txt"), locale, &args);
                    args.extend_from_slice(&["--png-scale", "1"]);
                    let png = shot(dir, &format!("{name}.png"), locale, &args);
                    let png = image::open(png).unwrap().to_rgb8();
                    let (w, h) = (u32::from(cols) * 9, u32::from(rows) * 18);
                    assert_eq!(png.dimensions(), (w, h), "{name}");
                    if y > 0 && y + h > MAX_H {
                        (x, y, column_w) = (x + column_w, 0, 0);
                    }
                    frames.push(Frame {
                        name,
                        cols,
                        rows,
                        x,
                        y,
                        png,
                        txt: std::fs::read_to_string(txt).unwrap(),
                    });
                    y += h;
                    column_w = column_w.max(w);
                }
            }
        }
    }
    frames
}

/// Measures each frame's text layer in its iframe once everything has loaded: the
/// largest distance of a character's or a row's edge from its cell, and the text a
/// reader selecting the whole page copies. The results go into a `<meta>` for the DOM
/// dump, as "copied-text-percent-encoded largest-error rows" per frame.
const PROBE: &str = r#"
addEventListener('load', () => {
  const out = [];
  for (const f of document.querySelectorAll('iframe')) {
    const d = f.contentDocument, w = f.contentWindow;
    const s = w.getSelection();
    s.selectAllChildren(d.body);
    const text = s.toString();
    s.removeAllRanges();
    let err = 0;
    const off = (v, want) => { err = Math.max(err, Math.abs(v - want)); };
    const rows = d.querySelectorAll('.t > div');
    rows.forEach((row, y) => {
      off(row.getBoundingClientRect().top, y * 18);
      let col = 0;
      for (const run of row.children) {
        off(run.getBoundingClientRect().left, col * 9);
        for (const n of run.childNodes) {
          if (n.nodeType === Node.TEXT_NODE) {
            let i = 0;
            for (const ch of n.data) {
              const r = d.createRange();
              r.setStart(n, i);
              r.setEnd(n, i + ch.length);
              off(r.getBoundingClientRect().left, col * 9);
              i += ch.length;
              col += 1;
            }
          } else {
            off(n.getBoundingClientRect().left, col * 9);
            col += n.classList.contains('c2') ? 2 : 1;
          }
        }
      }
    });
    out.push(encodeURIComponent(text) + ' ' + err.toFixed(4) + ' ' + rows.length);
  }
  document.getElementById('probe').setAttribute('content', out.join(' '));
});
"#;

fn composite_page(frames: &[Frame]) -> String {
    let mut page = String::from(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\
         <meta id=\"probe\" content=\"\"><style>body{margin:0;background:#ff00ff}\
         iframe{position:absolute;border:0;display:block}</style></head><body>\n",
    );
    for f in frames {
        let _ = writeln!(
            page,
            "<iframe src=\"{}.html\" scrolling=\"no\" \
             style=\"left:{}px;top:{}px;width:{}px;height:{}px\"></iframe>",
            f.name,
            f.x,
            f.y,
            u32::from(f.cols) * 9,
            u32::from(f.rows) * 18
        );
    }
    let _ = write!(page, "<script>{PROBE}</script>\n</body></html>\n");
    page
}

/// Runs Chromium once on the composite page: the screenshot and the DOM after `load`.
fn render(chromium: &Path, dir: &Path, page: &Path, w: u32, h: u32) -> (RgbImage, String) {
    let shot = dir.join("chromium.png");
    let profile = tempfile::tempdir().unwrap();
    let mut child = StdCommand::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--force-device-scale-factor=1",
            // The probe reads the frames' documents, which are files beside the page.
            "--allow-file-access-from-files",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("--window-size={w},{h}"))
        .arg(format!("file://{}", page.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromium starts");
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut s).unwrap();
        s
    });
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "chromium failed: {status}");
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium took more than 2 minutes");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let dom = reader.join().unwrap();
    let img = image::open(&shot)
        .expect("chromium wrote its screenshot")
        .to_rgb8();
    assert_eq!(img.dimensions(), (w, h));
    (img, dom)
}

/// What the probe measured for each frame.
struct Probe {
    copied: String,
    /// The largest distance of an edge from its cell, in pixels.
    off: f64,
    /// Rows of text found.
    rows: usize,
}

fn probe_results(dom: &str) -> Vec<Probe> {
    let start = dom
        .find("id=\"probe\" content=\"")
        .expect("the probe's meta in the DOM")
        + "id=\"probe\" content=\"".len();
    let content = &dom[start..start + dom[start..].find('"').unwrap()];
    let fields: Vec<&str> = content.split(' ').collect();
    fields
        .chunks(3)
        .map(|p| Probe {
            copied: percent_decode(p[0]),
            off: p[1].parse().unwrap(),
            rows: p[2].parse().unwrap(),
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    let mut bytes = Vec::new();
    let mut it = s.bytes();
    while let Some(b) = it.next() {
        if b == b'%' {
            let hex = [it.next().unwrap(), it.next().unwrap()];
            let hex = std::str::from_utf8(&hex).unwrap();
            bytes.push(u8::from_str_radix(hex, 16).unwrap());
        } else {
            bytes.push(b);
        }
    }
    String::from_utf8(bytes).unwrap()
}

/// How a cell is compared.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    /// Nothing but the background: every pixel.
    Blank,
    /// Drawn as rectangles by both: every pixel.
    Fill,
    /// An ASCII glyph: background, ink colour and where the ink sits. Both draw it
    /// from DejaVu Sans Mono here, with different hinting.
    Ascii,
    /// Any other glyph, `width` cells wide, or a curved or slanted stroke: background and
    /// whether there is ink (the browser's font may be another one: a CJK font puts
    /// fullwidth punctuation elsewhere in its box; without one Chromium draws boxes).
    Other(u8),
    /// The second cell of a wide character (compared with the first).
    Covered,
}

/// The cells of a frame from its `.txt`: one kind per cell, row by row.
fn kinds(txt: &str, cols: u16, rows: u16) -> Vec<Kind> {
    let mut out = vec![Kind::Blank; usize::from(cols) * usize::from(rows)];
    for (y, line) in txt.lines().enumerate().take(usize::from(rows)) {
        let mut x = 0usize;
        for c in line.chars() {
            let w = c.width().unwrap_or(0).clamp(1, 2);
            if x >= usize::from(cols) {
                break;
            }
            let i = y * usize::from(cols) + x;
            out[i] = match u32::from(c) {
                0x20 => Kind::Blank,
                // Box drawing's arcs and diagonals are antialiased strokes.
                0x256d..=0x2573 => Kind::Other(1),
                0x2500..=0x259f | 0x2801..=0x28ff => Kind::Fill,
                0x21..=0x7e => Kind::Ascii,
                _ => Kind::Other(w as u8),
            };
            if w == 2 && x + 1 < usize::from(cols) {
                out[i + 1] = Kind::Covered;
            }
            x += w;
        }
    }
    out
}

fn channel_diff(a: &[u8], b: &[u8]) -> u8 {
    a[0].abs_diff(b[0])
        .max(a[1].abs_diff(b[1]))
        .max(a[2].abs_diff(b[2]))
}

/// The 9 pixels of one cell's row `y` from `x`, as RGB bytes.
fn row_of(img: &RgbImage, x: u32, y: u32) -> &[u8] {
    let start = (y as usize * img.width() as usize + x as usize) * 3;
    &img.as_raw()[start..start + 27]
}

/// The most inked pixel's colour and the centre of the ink, in a cell's pixels.
type Ink = ([u8; 3], f32, f32);

/// A region's background (the colour of most of its four corners, which glyphs leave
/// alone), its most inked pixel (farthest from that background) and the centre of its
/// ink (pixels weighted by their distance from the background); no ink when nothing
/// but faint antialiasing differs from the background.
fn ink_of(img: &RgbImage, x0: u32, y0: u32, w: u32, h: u32) -> ([u8; 3], Option<Ink>) {
    let corners = [(0, 0), (w - 1, 0), (0, h - 1), (w - 1, h - 1)]
        .map(|(dx, dy)| img.get_pixel(x0 + dx, y0 + dy).0);
    let bg = *corners
        .iter()
        .max_by_key(|&c| (corners.iter().filter(|&o| o == c).count(), *c == corners[0]))
        .unwrap();
    let (mut best, mut best_d) = (bg, 0u32);
    let (mut sx, mut sy, mut sw) = (0.0f32, 0.0f32, 0.0f32);
    let raw = img.as_raw();
    let stride = img.width() as usize * 3;
    for dy in 0..h {
        let start = (y0 + dy) as usize * stride + x0 as usize * 3;
        for (dx, p) in raw[start..start + w as usize * 3]
            .chunks_exact(3)
            .enumerate()
        {
            let d = u32::from(p[0].abs_diff(bg[0]))
                + u32::from(p[1].abs_diff(bg[1]))
                + u32::from(p[2].abs_diff(bg[2]));
            if d > best_d {
                (best, best_d) = ([p[0], p[1], p[2]], d);
            }
            let wgt = d as f32;
            sx += wgt * dx as f32;
            sy += wgt * dy as f32;
            sw += wgt;
        }
    }
    if best_d < 24 {
        return (bg, None);
    }
    (bg, Some((best, sx / sw, sy / sw)))
}

/// The largest differences found in a frame, and its first failures.
#[derive(Default)]
struct Report {
    fill: u8,
    text_bg: u8,
    ink: u8,
    shift: f32,
    ink_cells: usize,
    other_cells: usize,
    failures: Vec<String>,
}

fn compare(frame: &Frame, shot: &RgbImage) -> Report {
    let mut r = Report::default();
    let kinds = kinds(&frame.txt, frame.cols, frame.rows);
    let fail = |r: &mut Report, msg: String| {
        if r.failures.len() < 8 {
            r.failures.push(msg);
        }
    };
    for y in 0..u32::from(frame.rows) {
        for x in 0..u32::from(frame.cols) {
            let kind = kinds[(y * u32::from(frame.cols) + x) as usize];
            let (px, py) = (x * 9, y * 18);
            match kind {
                Kind::Covered => {}
                Kind::Blank | Kind::Fill => {
                    for dy in 0..18 {
                        let want = row_of(&frame.png, px, py + dy);
                        let got = row_of(shot, frame.x + px, frame.y + py + dy);
                        for (dx, (want, got)) in
                            want.chunks_exact(3).zip(got.chunks_exact(3)).enumerate()
                        {
                            let d = channel_diff(want, got);
                            r.fill = r.fill.max(d);
                            if d > FILL_TOLERANCE {
                                fail(
                                    &mut r,
                                    format!(
                                        "cell ({x},{y}) {kind:?} pixel ({dx},{dy}): png {want:?}, browser {got:?}"
                                    ),
                                );
                            }
                        }
                    }
                }
                Kind::Ascii | Kind::Other(_) => {
                    let cells = if let Kind::Other(w) = kind { w } else { 1 };
                    let w = (u32::from(cells) * 9).min((u32::from(frame.cols) - x) * 9);
                    let (bg_a, ink_a) = ink_of(&frame.png, px, py, w, 18);
                    let (bg_b, ink_b) = ink_of(shot, frame.x + px, frame.y + py, w, 18);
                    let d = channel_diff(&bg_a, &bg_b);
                    r.text_bg = r.text_bg.max(d);
                    if d > TEXT_BG_TOLERANCE {
                        fail(
                            &mut r,
                            format!("cell ({x},{y}): background png {bg_a:?}, browser {bg_b:?}"),
                        );
                    }
                    match (ink_a, ink_b) {
                        (Some(_), Some(_)) if kind != Kind::Ascii => r.other_cells += 1,
                        (Some((ia, xa, ya)), Some((ib, xb, yb))) => {
                            r.ink_cells += 1;
                            let d = channel_diff(&ia, &ib);
                            r.ink = r.ink.max(d);
                            let shift = (xa - xb).abs().max((ya - yb).abs());
                            r.shift = r.shift.max(shift);
                            if d > INK_TOLERANCE || shift > INK_SHIFT {
                                fail(
                                    &mut r,
                                    format!(
                                        "cell ({x},{y}): ink png {ia:?} at ({xa:.1},{ya:.1}), browser {ib:?} at ({xb:.1},{yb:.1})"
                                    ),
                                );
                            }
                        }
                        (None, None) => {}
                        (a, b) => fail(
                            &mut r,
                            format!(
                                "cell ({x},{y}): ink in png {}, in browser {}",
                                a.is_some(),
                                b.is_some()
                            ),
                        ),
                    }
                }
            }
        }
    }
    r
}

#[test]
fn html_in_chromium_matches_the_png_cell_by_cell() {
    let Some(chromium) = chromium() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but Chromium is missing: .ci/run installs it (apt-get install chromium)"
        );
        eprintln!(
            "\n==================================================================\n\
             SKIPPED export_browser: no Chromium (/usr/bin/chromium or CONVSTEP_CHROMIUM),\n\
             so the HTML export was not checked in a browser (apt-get install chromium)\n\
             ==================================================================\n"
        );
        return;
    };
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let frames = export_frames(dir.path());
    let exported = started.elapsed();
    let page = dir.path().join("all.html");
    std::fs::write(&page, composite_page(&frames)).unwrap();
    let w = frames
        .iter()
        .map(|f| f.x + u32::from(f.cols) * 9)
        .max()
        .unwrap();
    let h = frames
        .iter()
        .map(|f| f.y + u32::from(f.rows) * 18)
        .max()
        .unwrap();
    let (shot, dom) = render(&chromium, dir.path(), &page, w, h);
    let rendered = started.elapsed() - exported;
    if let Some(keep) = std::env::var_os("CONVSTEP_KEEP_BROWSER_SHOTS") {
        // For a person to look at: the browser's picture beside the PNGs.
        let keep = PathBuf::from(keep);
        std::fs::create_dir_all(&keep).unwrap();
        shot.save(keep.join("chromium.png")).unwrap();
        for f in &frames {
            let (w, h) = f.png.dimensions();
            let seen = image::imageops::crop_imm(&shot, f.x, f.y, w, h).to_image();
            seen.save(keep.join(format!("{}.chromium.png", f.name)))
                .unwrap();
            f.png.save(keep.join(format!("{}.png", f.name))).unwrap();
        }
    }
    let probes = probe_results(&dom);
    assert_eq!(probes.len(), frames.len(), "one probe per frame");
    let mut failures = Vec::new();
    eprintln!("frame: worst fill / text bg / ink channel diff, ink shift px, DOM edge error px");
    for (f, probe) in frames.iter().zip(&probes) {
        let r = compare(f, &shot);
        eprintln!(
            "{:34} fill {:2}  text bg {:2}  ink {:3}  shift {:.2}  ({} ASCII, {} other inked cells)  dom {:.4}",
            f.name, r.fill, r.text_bg, r.ink, r.shift, r.ink_cells, r.other_cells, probe.off
        );
        for msg in r.failures {
            failures.push(format!("{}: {msg}", f.name));
        }
        if probe.rows != usize::from(f.rows) {
            failures.push(format!(
                "{}: {} rows of text in the page",
                f.name, probe.rows
            ));
        }
        if probe.off > DOM_TOLERANCE {
            failures.push(format!(
                "{}: a character or row is {} px off its cell",
                f.name, probe.off
            ));
        }
        let copied = &probe.copied;
        if copied.trim_end_matches('\n') != f.txt.trim_end_matches('\n') {
            failures.push(format!(
                "{}: the copied text differs from the .txt:\n{copied}\n---\n{}",
                f.name, f.txt
            ));
        }
    }
    eprintln!(
        "{} frames: exported in {:.1} s, one Chromium run in {:.1} s, compared in {:.1} s",
        frames.len(),
        exported.as_secs_f32(),
        rendered.as_secs_f32(),
        (started.elapsed() - exported - rendered).as_secs_f32()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The lesson player (`record -o lesson.html`): a 300-step recording of the bundled
/// photo at 120x40 and the bundled tour, checked in one Chromium run (reduced motion
/// forced, so nothing plays by itself while the probe drives the pages):
///
/// - both files under [`PLAYER_MAX_BYTES`], each opened (in its own frame, one after
///   the other) in under [`PLAYER_MAX_LOAD_MS`] by the browser's own clock;
/// - keys pressed (→ l h j k End ← Home Space; n and l in the tour) show the frame that
///   `shot` draws for that step: the shown text (`innerText`) equals its `.txt`, right
///   after the key, before the next animation frame; the address follows (`#K`);
/// - `#150` and the tour's `#p3` open those frames, a change of `#` follows;
/// - each key's time (key to laid-out text) is measured: one step (the fastest of five,
///   so that a machine busy with other tests does not fail it) must fit in one
///   animation frame, [`PLAYER_MAX_STEP_MS`].
const PLAYER_MAX_BYTES: u64 = 2 * 1024 * 1024;
const PLAYER_MAX_LOAD_MS: f64 = 1000.0;
const PLAYER_MAX_STEP_MS: f64 = 1000.0 / 60.0;

/// Drives the players in their frames, one after the other, and writes what it saw
/// into the `<meta id="probe">` as JSON (percent-encoded).
const PLAYER_PROBE: &str = r#"
const results = { lesson: [], tour: [], loads: {} };
// The shown text row by row (an empty row is a `<br>`, which innerText would count twice).
const rows = (w) => [...w.document.getElementById('cs-rows').children].map((r) => r.innerText.replace(/\n$/, '')).join('\n');
function open(name, src) {
  return new Promise((done) => {
    const f = document.createElement('iframe');
    f.style.cssText = 'width:1280px;height:800px;border:0';
    f.addEventListener('load', () => {
      const w = f.contentWindow;
      const nav = w.performance.getEntriesByType('navigation')[0];
      results.loads[name] = nav.loadEventEnd;
      done(w);
    });
    f.src = src;
    document.body.appendChild(f);
  });
}
function press(w, key, into) {
  const t0 = performance.now();
  w.document.dispatchEvent(new w.KeyboardEvent('keydown', { key, bubbles: true, cancelable: true }));
  const text = rows(w);
  const ms = performance.now() - t0;
  const el = w.document.documentElement;
  into.push({ key, frame: Number(el.dataset.frame), hash: w.location.hash, text, ms, playing: el.dataset.playing });
}
function hashTo(w, hash) {
  return new Promise((done) => {
    w.addEventListener('hashchange', () => done(), { once: true });
    w.location.hash = hash;
  });
}
(async () => {
  const a = await open('lesson', 'lesson.html');
  const el = a.document.documentElement;
  results.lesson.push({ key: 'open', frame: Number(el.dataset.frame), hash: a.location.hash, text: rows(a), ms: 0, playing: el.dataset.playing });
  for (const key of ['ArrowRight', 'l', 'h', 'j', 'k', 'End', 'ArrowLeft', 'ArrowRight', 'Home', ' ', ' ']) press(a, key, results.lesson);
  const b = await open('linked', 'lesson.html#150');
  results.lesson.push({ key: '#150', frame: Number(b.document.documentElement.dataset.frame), hash: b.location.hash, text: rows(b), ms: 0 });
  await hashTo(b, '#34');
  results.lesson.push({ key: '#34', frame: Number(b.document.documentElement.dataset.frame), hash: b.location.hash, text: rows(b), ms: 0 });
  const c = await open('tour', 'tour.html#p3');
  const shown = () => [...c.document.querySelectorAll('.cs-page')].filter((s) => !s.hidden).map((s) => s.dataset.page).join(',');
  results.tour.push({ key: '#p3', frame: Number(c.document.documentElement.dataset.frame), hash: c.location.hash, text: rows(c), page: shown() });
  for (const key of ['n', 'l']) {
    press(c, key, results.tour);
    results.tour[results.tour.length - 1].page = shown();
  }
  document.getElementById('probe').setAttribute('content', encodeURIComponent(JSON.stringify(results)));
})();
"#;

fn record(dir: &Path, file: &str, args: &[&str]) -> PathBuf {
    let out = dir.join(file);
    Command::cargo_bin("convstep")
        .unwrap()
        .env_remove("NO_COLOR")
        .env("LC_ALL", "en_US.UTF-8")
        .env("COLORTERM", "truecolor")
        .arg("record")
        .args(args)
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    out
}

fn shot_txt(dir: &Path, name: &str, args: &[&str]) -> String {
    let path = shot(dir, &format!("{name}.txt"), "en_US.UTF-8", args);
    std::fs::read_to_string(path).unwrap()
}

/// Text as `.txt` has it: each line without the blanks at its end, no empty lines at
/// the end.
fn lines_of(text: &str) -> String {
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    lines.join("\n").trim_end_matches('\n').to_string()
}

#[test]
fn lesson_player_in_chromium_steps_links_and_stays_small() {
    let Some(chromium) = chromium() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but Chromium is missing: .ci/run installs it (apt-get install chromium)"
        );
        eprintln!("\nSKIPPED lesson player in Chromium: no Chromium (apt-get install chromium)\n");
        return;
    };
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let lesson = record(d, "lesson.html", &["--steps", "1..300"]);
    let tour = record(d, "tour.html", &["--tour"]);
    let recorded = started.elapsed();
    let mut failures = Vec::new();
    for path in [&lesson, &tour] {
        let bytes = std::fs::metadata(path).unwrap().len();
        eprintln!("{}: {bytes} bytes", path.display());
        if bytes > PLAYER_MAX_BYTES {
            failures.push(format!(
                "{} is {bytes} bytes, more than 2 MB",
                path.display()
            ));
        }
    }
    // What `shot` draws for the steps the keys reach.
    let step = |k: usize| shot_txt(d, &format!("step{k}"), &["--step", &k.to_string()]);
    let (s1, s2, s3, s34, s150, s299, s300) = (
        step(1),
        step(2),
        step(3),
        step(34),
        step(150),
        step(299),
        step(300),
    );
    let page = |k: &str, keys: &[&str]| {
        let mut args = vec!["--tour", "--page", k];
        args.extend_from_slice(keys);
        shot_txt(d, &format!("page{k}{}", keys.len()), &args)
    };
    let (p3, p4, p4l) = (page("3", &[]), page("4", &[]), page("4", &["--keys", "l"]));
    let page = d.join("probe.html");
    std::fs::write(
        &page,
        format!(
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><meta id=\"probe\" content=\"\">\
             </head><body><script>{PLAYER_PROBE}</script></body></html>\n"
        ),
    )
    .unwrap();
    let exported = started.elapsed();
    let profile = tempfile::tempdir().unwrap();
    let output = StdCommand::new(&chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--allow-file-access-from-files",
            "--force-prefers-reduced-motion",
            "--virtual-time-budget=30000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("file://{}", page.display()))
        .stderr(Stdio::null())
        .output()
        .expect("chromium starts");
    assert!(
        output.status.success(),
        "chromium failed: {}",
        output.status
    );
    let dom = String::from_utf8_lossy(&output.stdout);
    let start = dom
        .find("id=\"probe\" content=\"")
        .expect("the probe's meta")
        + 20;
    let content = &dom[start..start + dom[start..].find('"').unwrap()];
    assert!(!content.is_empty(), "the probe did not finish");
    let seen: serde_json::Value = serde_json::from_str(&percent_decode(content)).unwrap();
    eprintln!(
        "recorded in {:.1} s, shots in {:.1} s, one Chromium run in {:.1} s",
        recorded.as_secs_f32(),
        (exported - recorded).as_secs_f32(),
        (started.elapsed() - exported).as_secs_f32()
    );
    // The fastest of the two opens of the lesson, so that a machine busy with other
    // tests does not fail it; the tour's one.
    let loads = &seen["loads"];
    let ms = |name: &str| loads[name].as_f64().unwrap();
    eprintln!(
        "opened in {:.0} and {:.0} ms (lesson), {:.0} ms (tour)",
        ms("lesson"),
        ms("linked"),
        ms("tour")
    );
    for (name, ms) in [
        ("lesson", ms("lesson").min(ms("linked"))),
        ("tour", ms("tour")),
    ] {
        if ms > PLAYER_MAX_LOAD_MS {
            failures.push(format!("{name} took {ms:.0} ms to open"));
        }
    }
    // Each entry: what was done, and the step (frame) and text that must show.
    let lesson_want: [(&str, usize, &str); 14] = [
        ("open", 1, &s1),
        ("ArrowRight", 2, &s2),
        ("l", 3, &s3),
        ("h", 2, &s2),
        ("j", 34, &s34),
        ("k", 2, &s2),
        ("End", 300, &s300),
        ("ArrowLeft", 299, &s299),
        ("ArrowRight", 300, &s300),
        ("Home", 1, &s1),
        (" ", 1, &s1),
        (" ", 1, &s1),
        ("#150", 150, &s150),
        ("#34", 34, &s34),
    ];
    let mut check = |what: &str, got: &serde_json::Value, want: &[(&str, usize, &str)]| {
        let got = got.as_array().unwrap();
        assert_eq!(got.len(), want.len(), "{what}: {got:?}");
        for (g, (key, frame, text)) in got.iter().zip(want) {
            assert_eq!(g["key"], *key);
            let shown = g["frame"].as_u64().unwrap() as usize;
            let hash = g["hash"].as_str().unwrap();
            if shown != *frame || hash != format!("#{frame}") {
                failures.push(format!(
                    "{what} {key:?}: frame {shown} at {hash}, not {frame}"
                ));
            }
            if lines_of(g["text"].as_str().unwrap()) != lines_of(text) {
                failures.push(format!(
                    "{what} {key:?}: the shown text differs from shot's .txt:\n{}\n---\n{text}",
                    g["text"].as_str().unwrap()
                ));
            }
        }
    };
    check("lesson", &seen["lesson"], &lesson_want);
    let tour_pages = seen["tour"].as_array().unwrap();
    let p3_frame = tour_pages[0]["frame"].as_u64().unwrap() as usize;
    let p4_frame = tour_pages[1]["frame"].as_u64().unwrap() as usize;
    check(
        "tour",
        &seen["tour"],
        &[
            ("#p3", p3_frame, &p3),
            ("n", p4_frame, &p4),
            ("l", p4_frame + 1, &p4l),
        ],
    );
    for (g, page) in tour_pages.iter().zip(["2", "3", "3"]) {
        if g["page"] != page {
            failures.push(format!(
                "tour {}: narration of page {} shown",
                g["key"], g["page"]
            ));
        }
    }
    // Space plays and pauses; reduced motion kept the page from playing on its own.
    let playing: Vec<&str> = seen["lesson"].as_array().unwrap()[..13]
        .iter()
        .map(|g| g["playing"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(&playing[9..12], ["no", "yes", "no"], "{playing:?}");
    assert!(
        playing[0] == "no",
        "played by itself despite reduced motion"
    );
    // One step (→ l h ← →, each a new frame): the fastest of them, so that a machine
    // busy with other tests does not fail it, must fit in one animation frame.
    let entries = seen["lesson"].as_array().unwrap();
    let ms: Vec<f64> = entries[1..12]
        .iter()
        .map(|g| g["ms"].as_f64().unwrap())
        .collect();
    let step = [1, 2, 3, 7, 8]
        .map(|k| entries[k]["ms"].as_f64().unwrap())
        .into_iter()
        .fold(f64::INFINITY, f64::min);
    eprintln!("a key to its frame laid out: one step {step:.1} ms; every key {ms:.1?}");
    if step > PLAYER_MAX_STEP_MS {
        failures.push(format!(
            "a step takes {step:.1} ms, more than one animation frame"
        ));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
