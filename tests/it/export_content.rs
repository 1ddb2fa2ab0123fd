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

/// The `<pre>` of an HTML export read back: each row's spans as (text, class).
fn html_rows(html: &str) -> Vec<Vec<(String, usize)>> {
    let pre = html
        .split_once("<pre>")
        .and_then(|(_, rest)| rest.split_once("</pre>"))
        .expect("one <pre>")
        .0;
    let unescape = |s: &str| {
        s.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&amp;", "&")
    };
    pre.lines()
        .map(|line| {
            line.split("</span>")
                .filter(|part| !part.is_empty())
                .map(|part| {
                    let rest = part.strip_prefix("<span class=\"s").expect("a span");
                    let (class, text) = rest.split_once("\">").expect("a class");
                    (unescape(text), class.parse().expect("a class number"))
                })
                .collect()
        })
        .collect()
}

/// The style sheet of an HTML export: class number -> (color, background).
fn html_classes(html: &str) -> Vec<(String, String)> {
    let mut classes = Vec::new();
    for line in html.lines().filter(|l| l.starts_with(".s")) {
        let (number, css) = line[2..].split_once('{').unwrap();
        assert_eq!(number.parse::<usize>().unwrap(), classes.len());
        let value = |key: &str| {
            css.split(['{', '}', ';'])
                .find_map(|d| d.strip_prefix(key))
                .unwrap_or_else(|| panic!("{key} in {line}"))
                .to_string()
        };
        classes.push((value("color:"), value("background:")));
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
            .map(|spans| {
                let line: String = spans.iter().map(|(t, _)| t.as_str()).collect();
                format!("{}\n", line.trim_end())
            })
            .collect();
        assert_eq!(
            text, case.txt,
            "page {page} {lang}: the HTML reads as the .txt"
        );

        // Walk each row's spans cell by cell: a character of width 2 covers the next
        // cell, which the HTML (as a terminal) does not write.
        let grid: PaintedGrid = resolve(&case.frame, DEFAULT_THEME);
        assert_eq!(rows.len(), usize::from(grid.rows));
        let mut checked = 0;
        for (y, spans) in rows.iter().enumerate() {
            let mut x = 0u16;
            for (text, class) in spans {
                let (fg, bg) = &classes[*class];
                for ch in text.chars() {
                    let cell = grid.cell(x, y as u16);
                    assert_eq!(
                        (fg.as_str(), bg.as_str()),
                        (cell.fg.hex().as_str(), cell.bg.hex().as_str()),
                        "page {page} {lang}: cell ({x}, {y}) {ch:?}"
                    );
                    checked += 1;
                    x += u16::from(cell.width.max(1));
                }
            }
            assert_eq!(x, grid.cols, "page {page} {lang}: row {y} is whole");
        }
        assert!(checked > 2500, "{checked} cells checked");
        let distinct: std::collections::HashSet<_> = classes.iter().collect();
        assert!(
            distinct.len() > 10,
            "the grids' colours: {}",
            distinct.len()
        );
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
