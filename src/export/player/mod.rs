//! A lesson in one HTML file: every frame of a recording (or of a whole walkthrough)
//! in a page that steps through them in any browser, with nothing to install and
//! nothing fetched (no script, font or image from elsewhere).
//!
//! Each frame is drawn exactly as the `.html` export draws it (the same SVG geometry
//! under the same selectable text, [`super::html`]), and stored as its difference from
//! the frame before ([`encode`]); the page's script (`script.js`) applies the
//! differences to the elements shown, so a step touches only what changed.

pub mod encode;

use std::fmt::Write as _;

use ratatui::buffer::Buffer;
use unicode_width::UnicodeWidthChar;

use self::encode::{Encoded, Encoder, FrameLines, stored_lines};
use super::grid::{Srgb, Theme, resolve};
use super::html::{Inks, frame_css, text_rows};
use super::raster::{CELL_H, CELL_W};
use super::svg::{escape_into, geometry_parts};
use crate::i18n::Lang;
use crate::tr;

const SCRIPT: &str = include_str!("script.js");
const STYLE: &str = include_str!("style.css");

/// What the page says around its frames.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Lesson {
    /// The page's title and heading.
    pub title: String,
    /// The language of the page's own words (buttons, keys, contents).
    pub lang: Lang,
    /// What `Color::Reset` stands for in the frames; the page takes its colours.
    pub theme: Theme,
    /// Milliseconds a frame shows when playing.
    pub delay_ms: u32,
    /// Frames that `j` and `k` move by: one output row of a recording of steps (1 for
    /// a key script).
    pub row: usize,
    /// A walkthrough's pages, in order, covering every frame; empty for a recording.
    pub pages: Vec<Page>,
}

/// One page of a walkthrough in the player: its narration and its frames.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// The name of the lesson the page belongs to.
    pub lesson: String,
    pub narration: String,
    /// How many frames (steps of its scene) the page has, from the frame after the
    /// previous page's last.
    pub frames: usize,
    /// One output row of the page's scene, in frames.
    pub row: usize,
}

/// The page of `frames`, all of one size, each drawn with `lesson.theme`.
pub fn to_player<I>(frames: I, lesson: &Lesson) -> anyhow::Result<String>
where
    I: Iterator<Item = anyhow::Result<Buffer>>,
{
    let mut encoder = Encoder::default();
    let mut inks = Inks::default();
    let mut size = None;
    for buffer in frames {
        let grid = resolve(&buffer?, lesson.theme);
        if *size.get_or_insert((grid.cols, grid.rows)) != (grid.cols, grid.rows) {
            anyhow::bail!("the frames of a player must all be of one size");
        }
        let geometry = geometry_parts(&grid);
        let frame: FrameLines = [
            geometry.blocks,
            geometry.strokes,
            text_rows(&grid, &mut inks),
        ];
        encoder.push(frame);
    }
    let Some((cols, rows)) = size else {
        anyhow::bail!("a player needs at least one frame");
    };
    let encoded = encoder.finish();
    let pages: usize = lesson.pages.iter().map(|p| p.frames).sum();
    if !lesson.pages.is_empty() && pages != encoded.edits.len() {
        anyhow::bail!(
            "the pages hold {pages} frames, the recording {}",
            encoded.edits.len()
        );
    }
    Ok(page(lesson, cols, rows, &inks, &encoded))
}

fn page(lesson: &Lesson, cols: u16, rows: u16, inks: &Inks, encoded: &Encoded) -> String {
    let lang = lesson.lang;
    let (width, height) = (u32::from(cols) * CELL_W, u32::from(rows) * CELL_H);
    let frames = encoded.edits.len();
    let mut out = String::with_capacity(64 * 1024);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"color-scheme\" content=\"{}\">\n<meta name=\"generator\" content=\"convstep\">\n\
         <title>{}</title>\n<style>\n{}\n{STYLE}{}\n{}</style>\n</head>\n<body>\n<div class=\"cs\">\n\
         <h1>{}</h1>\n",
        html_lang(lang),
        scheme(lesson.theme),
        escaped(&lesson.title),
        colours(lesson.theme, width),
        frame_css(cols, rows, lesson.theme),
        inks.css(),
        escaped(&lesson.title),
    );
    if !lesson.pages.is_empty() {
        out.push_str("<p class=\"cs-where\" id=\"cs-where\"></p>\n");
        contents(&mut out, lesson);
    }
    out.push_str("<div class=\"cs-controls\">\n");
    let buttons = [
        ("first", "⇤", tr!(lang, "player.first")),
        ("prev", "←", tr!(lang, "player.prev")),
        ("play", "▶", tr!(lang, "player.play")),
        ("next", "→", tr!(lang, "player.next")),
        ("last", "⇥", tr!(lang, "player.last")),
    ];
    for (act, symbol, label) in buttons {
        let id = if act == "play" { " id=\"cs-play\"" } else { "" };
        let _ = writeln!(
            out,
            "<button type=\"button\" data-act=\"{act}\"{id} title=\"{0}\" aria-label=\"{0}\">{symbol}</button>",
            escaped(label)
        );
    }
    let _ = write!(
        out,
        "<input type=\"range\" id=\"cs-slider\" min=\"1\" max=\"{frames}\" value=\"1\" aria-label=\"{}\">\n\
         <span id=\"cs-pos\"></span>\n</div>\n\
         <div id=\"cs-stage\"><div class=\"f\" id=\"cs-frame\">\
         <svg width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" aria-hidden=\"true\">\
         <g shape-rendering=\"crispEdges\" id=\"cs-blocks\"></g><g id=\"cs-strokes\"></g></svg>\
         <div class=\"t\" id=\"cs-rows\"></div></div></div>\n<p class=\"cs-keys\">{}</p>\n",
        escaped(tr!(lang, "player.slider")),
        keys_help(lang, !lesson.pages.is_empty())
    );
    narration(&mut out, lesson);
    let _ = write!(
        out,
        "<noscript><p>{}</p></noscript>\n</div>\n\
         <script type=\"application/json\" id=\"cs-meta\">{}</script>\n\
         <script type=\"text/plain\" id=\"cs-lines\">{}</script>\n\
         <script type=\"text/plain\" id=\"cs-edits\">{}</script>\n\
         <script>\n{SCRIPT}</script>\n</body>\n</html>\n",
        escaped(tr!(lang, "player.noscript")),
        meta(lesson, width, height),
        stored_lines(encoded),
        edits(encoded)
    );
    out
}

/// `en`, or `zh-Hans` so that browsers pick simplified Chinese glyph forms.
fn html_lang(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "en",
        Lang::Zh => "zh-Hans",
    }
}

fn is_dark(theme: Theme) -> bool {
    let Srgb(r, g, b) = theme.bg;
    // Rec. 601 luma, as the gray input uses.
    299 * u32::from(r) + 587 * u32::from(g) + 114 * u32::from(b) < 128_000
}

/// The page follows the frames' own colours, dark or light, whatever the system's.
fn scheme(theme: Theme) -> &'static str {
    if is_dark(theme) { "dark" } else { "light" }
}

/// The page's colours, from the frames' foreground and background.
fn colours(theme: Theme, width: u32) -> String {
    let (fg, bg) = (theme.fg, theme.bg);
    let accent = if is_dark(theme) {
        Srgb(0xf0, 0xc6, 0x74)
    } else {
        Srgb(0x8a, 0x5a, 0x00)
    };
    format!(
        ":root{{color-scheme:{};--bg:{};--fg:{};--dim:{};--line:{};--hover:{};--accent:{};--w:{width}px}}",
        scheme(theme),
        bg.hex(),
        fg.hex(),
        fg.over(bg, 175).hex(),
        fg.over(bg, 90).hex(),
        fg.over(bg, 30).hex(),
        accent.hex(),
    )
}

fn escaped(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    escape_into(&mut out, s);
    out
}

fn keys_help(lang: Lang, tour: bool) -> String {
    let mut out = escaped(tr!(lang, "player.keys"));
    if tour {
        out.push_str(" · ");
        out.push_str(&escaped(tr!(lang, "player.page_keys")));
    }
    out
}

/// The contents: each lesson with its pages, each a link to the page's first frame.
fn contents(out: &mut String, lesson: &Lesson) {
    let lang = lesson.lang;
    let _ = write!(
        out,
        "<details class=\"cs-toc\" id=\"cs-toc\"><summary>{}</summary>\n<ol>\n",
        escaped(&tr!(lang, "player.contents", pages = lesson.pages.len()))
    );
    let mut first = 0;
    for (k, page) in lesson.pages.iter().enumerate() {
        let starts = k == 0 || lesson.pages[k - 1].lesson != page.lesson;
        if starts {
            if k > 0 {
                out.push_str("</ol></li>\n");
            }
            let _ = writeln!(out, "<li>{}<ol>", escaped(&page.lesson));
        }
        let _ = writeln!(
            out,
            "<li><a href=\"#{}\" data-page=\"{k}\">{}</a> {}</li>",
            first + 1,
            escaped(&tr!(lang, "player.page", p = k + 1)),
            escaped(&first_words(&page.narration, 60))
        );
        first += page.frames;
    }
    if !lesson.pages.is_empty() {
        out.push_str("</ol></li>\n");
    }
    out.push_str("</ol></details>\n");
}

/// At most `width` columns of the first line of `text`, with `…` if cut.
fn first_words(text: &str, width: usize) -> String {
    let line = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    let mut out = String::new();
    let mut used = 0;
    for c in line.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > width.saturating_sub(1) {
            out.push('…');
            return out;
        }
        used += w;
        out.push(c);
    }
    out
}

/// Each page's narration, the lesson's name above it; the script shows the current one.
fn narration(out: &mut String, lesson: &Lesson) {
    for (k, page) in lesson.pages.iter().enumerate() {
        let _ = writeln!(
            out,
            "<section class=\"cs-page\" data-page=\"{k}\"{}><h2>{}</h2><p>{}</p></section>",
            if k == 0 { "" } else { " hidden" },
            escaped(&page.lesson),
            escaped_text(&page.narration)
        );
    }
}

/// Text with its line breaks kept (`escape_into` makes them spaces, as a cell needs).
fn escaped_text(s: &str) -> String {
    s.trim()
        .split('\n')
        .map(escaped)
        .collect::<Vec<_>>()
        .join("\n")
}

/// What the script needs besides the frames, as JSON.
fn meta(lesson: &Lesson, width: u32, height: u32) -> String {
    let lang = lesson.lang;
    let mut pages = Vec::new();
    let mut first = 0;
    for page in &lesson.pages {
        pages.push(format!(
            "{{\"first\":{first},\"count\":{},\"row\":{},\"lesson\":{}}}",
            page.frames,
            page.row,
            json(&page.lesson)
        ));
        first += page.frames;
    }
    let labels = [
        ("play", tr!(lang, "player.play")),
        ("pause", tr!(lang, "player.pause")),
        ("position", tr!(lang, "player.position")),
        ("page", tr!(lang, "player.where")),
    ]
    .map(|(k, v)| format!("\"{k}\":{}", json(v)))
    .join(",");
    format!(
        "{{\"width\":{width},\"height\":{height},\"delay\":{},\"row\":{},\"pages\":[{}],\"labels\":{{{labels}}}}}",
        lesson.delay_ms,
        lesson.row,
        pages.join(",")
    )
}

/// A JSON string, safe inside a `<script>` (no `<` at all).
fn json(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '<' => out.push_str("\\u003c"),
            c if (c as u32) < 0x20 || c == '\u{2028}' || c == '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// One line a frame, its lists' edit scripts separated by `;`, numbers by `,`.
fn edits(encoded: &Encoded) -> String {
    let mut out = String::new();
    for (k, frame) in encoded.edits.iter().enumerate() {
        if k > 0 {
            out.push('\n');
        }
        for (part, ops) in frame.iter().enumerate() {
            if part > 0 {
                out.push(';');
            }
            for (i, n) in ops.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                let _ = write!(out, "{n}");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::encode::{decode, read_lines};
    use super::*;
    use crate::export::grid::DEFAULT_THEME;
    use crate::export::html::to_html;
    use ratatui::layout::Rect;
    use ratatui::style::{Color, Style};

    fn lesson() -> Lesson {
        Lesson {
            title: "a <test>".into(),
            lang: Lang::En,
            theme: DEFAULT_THEME,
            delay_ms: 500,
            row: 3,
            pages: Vec::new(),
        }
    }

    /// A frame with text, CJK, blocks, an arc and colours.
    fn frame(k: u16) -> Buffer {
        let mut buf = Buffer::empty(Rect::new(0, 0, 12, 3));
        buf.set_string(
            0,
            0,
            format!("step {k} 你好"),
            Style::new().fg(Color::Rgb(200, 10, 10)),
        );
        buf.set_string(
            k % 6,
            1,
            "▀▄█",
            Style::new().fg(Color::Indexed(33)).bg(Color::Rgb(1, 2, 3)),
        );
        buf.set_string(0, 2, "╭─╮ x<y", Style::new());
        buf
    }

    fn script<'a>(page: &'a str, id: &str) -> &'a str {
        let open = format!("id=\"{id}\">");
        let start = page.find(&open).unwrap() + open.len();
        &page[start..start + page[start..].find("</script>").unwrap()]
    }

    /// The frames as the page holds them, decoded as the page decodes them.
    fn frames_of(page: &str) -> Vec<FrameLines> {
        let edits = script(page, "cs-edits")
            .split('\n')
            .map(|f| {
                let parts: Vec<Vec<u32>> = f
                    .split(';')
                    .map(|p| {
                        p.split(',')
                            .filter(|n| !n.is_empty())
                            .map(|n| n.parse().unwrap())
                            .collect()
                    })
                    .collect();
                [parts[0].clone(), parts[1].clone(), parts[2].clone()]
            })
            .collect();
        let lines = read_lines(script(page, "cs-lines")).unwrap();
        let bases = vec![None; lines.len()];
        decode(&Encoded {
            lines,
            bases,
            edits,
        })
        .unwrap()
    }

    #[test]
    fn each_frame_is_the_html_exports_own_elements() {
        let frames: Vec<Buffer> = (0..4).map(frame).collect();
        let page = to_player(frames.iter().cloned().map(Ok), &lesson()).unwrap();
        let decoded = frames_of(&page);
        assert_eq!(decoded.len(), 4);
        for (buf, got) in frames.iter().zip(&decoded) {
            let html = to_html(&resolve(buf, DEFAULT_THEME));
            // The export's elements, one a line: rectangles inside the crisp <g>,
            // strokes after it, rows inside the text layer.
            let svg =
                &html[html.find("crispEdges\">\n").unwrap() + 13..html.find("</svg>").unwrap()];
            let (blocks, strokes) = svg.split_once("</g>\n").unwrap();
            let rows = &html[html.find("<div class=\"t\">\n").unwrap() + 16..];
            let rows: Vec<&str> = rows
                .lines()
                .take_while(|l| l.starts_with("<div>"))
                .collect();
            assert_eq!(got[0], blocks.lines().collect::<Vec<_>>());
            assert_eq!(got[1], strokes.lines().collect::<Vec<_>>());
            // Class numbers are the whole page's: the same inks, so the same styles.
            let classes = |s: &str| s.split("class=\"s").count();
            assert_eq!(got[2].len(), rows.len());
            for (a, b) in got[2].iter().zip(&rows) {
                assert_eq!(classes(a), classes(b));
                assert_eq!(
                    a.replace(|c: char| c.is_ascii_digit(), ""),
                    b.replace(|c: char| c.is_ascii_digit(), "")
                );
            }
        }
        assert!(!decoded[1][1].is_empty(), "the arc is a stroke");
    }

    #[test]
    fn the_page_fetches_nothing_and_says_what_it_holds() {
        let frames = (0..3).map(frame).map(Ok);
        let page = to_player(frames, &lesson()).unwrap();
        for outside in [
            "src=", "http:", "https:", "url(", "@import", "<link", "<img",
        ] {
            assert!(!page.contains(outside), "{outside}");
        }
        assert!(page.contains("<title>a &lt;test&gt;</title>"));
        assert!(page.contains("max=\"3\""));
        assert!(page.contains("\"delay\":500,\"row\":3,\"pages\":[]"));
        assert!(page.contains("<meta name=\"color-scheme\" content=\"dark\">"));
        // The same frames, the same bytes.
        assert_eq!(
            page,
            to_player((0..3).map(frame).map(Ok), &lesson()).unwrap()
        );
    }

    #[test]
    fn a_walkthrough_has_contents_and_narration_and_its_pages_add_up() {
        let page = |lesson: &str, frames| Page {
            lesson: lesson.into(),
            narration: format!("About {lesson}.\nA second line."),
            frames,
            row: 2,
        };
        let tour = Lesson {
            pages: vec![page("intro", 2), page("intro", 1), page("stride", 1)],
            ..lesson()
        };
        let html = to_player((0..4).map(frame).map(Ok), &tour).unwrap();
        assert!(html.contains("<li><a href=\"#3\" data-page=\"1\">Page 2</a> About intro.</li>"));
        assert!(html.contains("<li>stride<ol>\n<li><a href=\"#4\" data-page=\"2\">"));
        assert!(html.contains("<p>About stride.\nA second line.</p>"));
        assert!(html.contains("{\"first\":3,\"count\":1,\"row\":2,\"lesson\":\"stride\"}"));
        let short = Lesson {
            pages: vec![page("intro", 2)],
            ..lesson()
        };
        let err = to_player((0..4).map(frame).map(Ok), &short).unwrap_err();
        assert!(err.to_string().contains("2 frames"), "{err}");
        let mixed = [frame(0), Buffer::empty(Rect::new(0, 0, 3, 3))];
        assert!(to_player(mixed.into_iter().map(Ok), &lesson()).is_err());
    }

    #[test]
    fn json_strings_cannot_close_the_script() {
        assert_eq!(
            json("a\"b\\</script>\n"),
            "\"a\\\"b\\\\\\u003c/script>\\u000a\""
        );
    }
}
