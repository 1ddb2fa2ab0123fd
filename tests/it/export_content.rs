//! The HTML and ANSI exports hold the frame, not merely some bytes: the HTML's text,
//! read in order, is the `.txt` of the same shot and every cell has the frame's
//! colours; the `.ans`, replayed into a virtual terminal (vt100) as `cat` would show
//! it, has the `.txt`'s cells and the colours the frame sends. On a walkthrough page
//! in English and in Chinese (wide characters), beside the stepper's colour grids.

use std::path::Path;

use assert_cmd::Command;
use convstep::export::grid::{DEFAULT_THEME, PaintedGrid, resolve};
use convstep::tour::{self, Lang};
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};

const COLS: u16 = 100;
const ROWS: u16 = 30;

/// `shot --tour --page PAGE --lang LANG` at 100x30 into `dir/name`; the file's text.
fn shot(dir: &Path, name: &str, page: usize, lang: &str) -> String {
    let out = dir.join(name);
    Command::cargo_bin("convstep")
        .unwrap()
        .env_remove("NO_COLOR")
        .env("COLORTERM", "truecolor")
        .args([
            "shot",
            "--tour",
            "--page",
            &page.to_string(),
            "--lang",
            lang,
        ])
        .args([
            "--cols",
            &COLS.to_string(),
            "--rows",
            &ROWS.to_string(),
            "-o",
        ])
        .arg(&out)
        .assert()
        .success();
    std::fs::read_to_string(out).unwrap()
}

/// A page checked: the frame the library draws for it and its `.txt` shot.
struct Case {
    page: usize,
    lang: &'static str,
    frame: Buffer,
    txt: String,
}

impl Case {
    /// The page shot as `ext` (`html`, `ans`).
    fn export(&self, dir: &Path, ext: &str) -> String {
        shot(dir, &format!("{}.{ext}", self.lang), self.page, self.lang)
    }
}

/// The pages checked: one in English, one in Chinese.
fn cases(dir: &Path) -> Vec<Case> {
    [(2, "en", Lang::En), (5, "zh", Lang::Zh)]
        .into_iter()
        .map(|(page, name, lang)| Case {
            page,
            lang: name,
            frame: tour::shot_frame(None, page, Some(lang), None, COLS, ROWS).unwrap(),
            txt: shot(dir, &format!("{name}.txt"), page, name),
        })
        .collect()
}

/// One run of an HTML export's text layer: its text (inner boxes unwrapped), its
/// class number and its width in px.
struct Run {
    text: String,
    class: usize,
    width_px: u32,
}

/// The text layer (`<div class="t">`) of an HTML export read back, row by row.
fn html_rows(html: &str) -> Vec<Vec<Run>> {
    let layer = html
        .split_once("<div class=\"t\">\n")
        .and_then(|(_, rest)| rest.split_once("</div>\n</div>\n</body>"))
        .expect("one text layer")
        .0;
    let unescape = |s: &str| {
        s.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&amp;", "&")
    };
    // A wide or non-ASCII character sits in a box of its own: its text is the cell's.
    let unwrap_boxes = |s: &str| {
        s.replace("<span class=\"c1\">", "")
            .replace("<span class=\"c2\">", "")
            .replace("</span>", "")
    };
    layer
        .lines()
        .map(|line| {
            let row = line
                .strip_prefix("<div>")
                .and_then(|l| l.strip_suffix("</div>"))
                .expect("a row");
            if row == "<br>" {
                return Vec::new();
            }
            row.split("<span class=\"s")
                .filter(|part| !part.is_empty())
                .map(|part| {
                    let (class, rest) = part.split_once("\" style=\"width:").expect("a class");
                    let (width, body) = rest.split_once("px\">").expect("a width");
                    let body = body.strip_suffix("</span>").expect("a closed run");
                    Run {
                        text: unescape(&unwrap_boxes(body)),
                        class: class.parse().expect("a class number"),
                        width_px: width.parse().expect("a width in px"),
                    }
                })
                .collect()
        })
        .collect()
}

/// The style sheet of an HTML export: class number -> its text colour
/// (`transparent` for characters the SVG layer draws).
fn html_classes(html: &str) -> Vec<String> {
    let mut classes = Vec::new();
    for line in html.lines().filter(|l| l.starts_with(".s")) {
        let (number, css) = line[2..].split_once('{').unwrap();
        assert_eq!(number.parse::<usize>().unwrap(), classes.len());
        let color = css
            .split(['{', '}', ';'])
            .find_map(|d| d.strip_prefix("color:"))
            .unwrap_or_else(|| panic!("color in {line}"));
        classes.push(color.to_string());
    }
    classes
}

#[test]
fn the_html_holds_the_frames_text_in_order_and_every_cells_colours() {
    let dir = tempfile::tempdir().unwrap();
    for case in cases(dir.path()) {
        let (page, lang) = (case.page, case.lang);
        let html = case.export(dir.path(), "html");
        let rows = html_rows(&html);
        let classes = html_classes(&html);
        let text: String = rows
            .iter()
            .map(|runs| {
                let line: String = runs.iter().map(|r| r.text.as_str()).collect();
                format!("{}\n", line.trim_end())
            })
            .collect();
        assert_eq!(
            text, case.txt,
            "page {page} {lang}: the HTML reads as the .txt"
        );

        // Walk each row's runs cell by cell: a character of width 2 covers the next
        // cell, which the HTML (as a terminal) does not write. Every run is as wide as
        // its cells (9 px each); every character shown as text has its cell's colour.
        let grid: PaintedGrid = resolve(&case.frame, DEFAULT_THEME);
        assert_eq!(rows.len(), usize::from(grid.rows));
        let mut checked = 0;
        for (y, runs) in rows.iter().enumerate() {
            let mut x = 0u16;
            for run in runs {
                let start = x;
                let color = &classes[run.class];
                for ch in run.text.chars() {
                    let cell = grid.cell(x, y as u16);
                    if !ch.is_whitespace() && color != "transparent" {
                        assert_eq!(
                            color.as_str(),
                            cell.fg.hex().as_str(),
                            "page {page} {lang}: cell ({x}, {y}) {ch:?}"
                        );
                        checked += 1;
                    }
                    x += u16::from(cell.width.max(1));
                }
                assert_eq!(
                    run.width_px,
                    u32::from(x - start) * 9,
                    "page {page} {lang}: row {y}'s run at column {start}"
                );
            }
            assert!(x <= grid.cols, "page {page} {lang}: row {y} fits");
        }
        assert!(checked > 400, "{checked} text cells checked");
        // Backgrounds live in the SVG layer: every background colour of the frame is
        // painted there.
        let svg = html
            .split_once("<svg")
            .and_then(|(_, rest)| rest.split_once("</svg>"))
            .expect("one SVG layer")
            .0;
        let backgrounds: std::collections::BTreeSet<String> = grid
            .cells
            .iter()
            .map(|c| c.bg.hex())
            .filter(|bg| *bg != grid.theme.bg.hex())
            .collect();
        assert!(backgrounds.len() > 3, "the grids' colours: {backgrounds:?}");
        for bg in &backgrounds {
            assert!(
                svg.contains(bg.as_str()),
                "page {page} {lang}: {bg} painted"
            );
        }
    }
}

/// What a terminal shows after `cat` of an `.ans`: the tty turns each `\n` into
/// `\r\n`; one row more than the frame, since the last newline moves below it.
fn replay_ans(ans: &str) -> vt100::Parser {
    let mut vt = vt100::Parser::new(ROWS + 1, COLS, 0);
    vt.process(ans.replace('\n', "\r\n").as_bytes());
    vt
}

#[test]
fn the_ans_replayed_in_a_terminal_shows_the_txt_and_the_frames_colours() {
    let dir = tempfile::tempdir().unwrap();
    for case in cases(dir.path()) {
        let (page, lang) = (case.page, case.lang);
        let ans = case.export(dir.path(), "ans");
        let vt = replay_ans(&ans);
        let screen = vt.screen();
        let shown: String = screen
            .rows(0, COLS)
            .take(usize::from(ROWS))
            .map(|row| format!("{}\n", row.trim_end()))
            .collect();
        assert_eq!(
            shown, case.txt,
            "page {page} {lang}: the replayed .ans is the .txt"
        );
        assert_eq!(screen.cursor_position(), (ROWS, 0), "ends below the frame");

        let same = |c: Color, v: vt100::Color| match (c, v) {
            (Color::Reset, vt100::Color::Default) => true,
            (Color::Rgb(r, g, b), vt100::Color::Rgb(r2, g2, b2)) => (r, g, b) == (r2, g2, b2),
            (Color::Indexed(i), vt100::Color::Idx(j)) => i == j,
            _ => false,
        };
        let mut rgb = 0;
        for y in 0..ROWS {
            for x in 0..COLS {
                let cell = &case.frame[(x, y)];
                let v = screen.cell(y, x).expect("a cell");
                if v.is_wide_continuation() {
                    continue;
                }
                assert_eq!(
                    v.contents(),
                    cell.symbol(),
                    "page {page} {lang}: ({x}, {y})"
                );
                assert!(
                    same(cell.fg, v.fgcolor()) && same(cell.bg, v.bgcolor()),
                    "page {page} {lang}: ({x}, {y}) {:?}: frame {:?} on {:?}, terminal {:?} on {:?}",
                    cell.symbol(),
                    cell.fg,
                    cell.bg,
                    v.fgcolor(),
                    v.bgcolor()
                );
                // vt100 keeps one intensity, the last of bold (1) and dim (2) sent;
                // the export sends both in that order, so dim wins where both are set.
                let m = cell.modifier;
                let intensity = if m.contains(Modifier::DIM) {
                    (false, true)
                } else {
                    (m.contains(Modifier::BOLD), false)
                };
                assert_eq!(
                    ((v.bold(), v.dim()), v.italic(), v.underline(), v.inverse()),
                    (
                        intensity,
                        m.contains(Modifier::ITALIC),
                        m.contains(Modifier::UNDERLINED),
                        m.contains(Modifier::REVERSED)
                    ),
                    "page {page} {lang}: modifiers at ({x}, {y})"
                );
                rgb += usize::from(matches!(v.bgcolor(), vt100::Color::Rgb(..)));
            }
        }
        assert!(
            rgb > 300,
            "page {page} {lang}: {rgb} cells on RGB backgrounds"
        );
    }
}
