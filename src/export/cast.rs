//! asciicast v2 (`.cast`) of a sequence of frames, for `asciinema play` and
//! asciinema's web player: a JSON header line, then one `[time, "o", text]` line per
//! frame with the escape codes that turn the previous frame into this one (only the
//! rows that changed), each at the time `record` shows it.

use std::fmt::Write as _;

use ratatui::buffer::Buffer;

use super::gif::{MAX_FRAMES, TimedFrame};
use super::text::ans_row;

/// Encodes the frames `make` yields (one pass, one frame in memory at a time).
/// `timestamp` is the header's Unix time of the recording.
pub fn to_cast<I>(frames: I, timestamp: u64) -> anyhow::Result<Vec<u8>>
where
    I: Iterator<Item = anyhow::Result<TimedFrame>>,
{
    let mut out = String::new();
    let mut previous: Option<Buffer> = None;
    let mut time_ms: u64 = 0;
    let mut count = 0usize;
    for frame in frames {
        let frame = frame?;
        let area = frame.buffer.area;
        let mut text = String::new();
        match &previous {
            None => {
                if area.width == 0 || area.height == 0 {
                    anyhow::bail!("cannot record an empty frame");
                }
                let _ = writeln!(
                    out,
                    "{{\"version\": 2, \"width\": {}, \"height\": {}, \"timestamp\": {timestamp}, \"env\": {{\"TERM\": \"xterm-256color\"}}}}",
                    area.width, area.height
                );
                // Hide the cursor and clear the screen, then draw every row.
                text.push_str("\x1b[?25l\x1b[0m\x1b[H\x1b[2J");
                for y in 0..area.height {
                    push_row(&mut text, &frame.buffer, y);
                }
            }
            Some(prev) => {
                if prev.area != area {
                    anyhow::bail!("all frames of an animation must have the same size");
                }
                for y in 0..area.height {
                    let row = |b: &Buffer| {
                        (0..area.width)
                            .map(|x| b[(area.x + x, area.y + y)].clone())
                            .collect::<Vec<_>>()
                    };
                    if row(prev) != row(&frame.buffer) {
                        push_row(&mut text, &frame.buffer, y);
                    }
                }
            }
        }
        count += 1;
        if count > MAX_FRAMES {
            anyhow::bail!("an animation may have at most {MAX_FRAMES} frames");
        }
        if !text.is_empty() {
            event(&mut out, time_ms, &text);
        }
        time_ms += u64::from(frame.delay_ms);
        previous = Some(frame.buffer);
    }
    if previous.is_none() {
        anyhow::bail!("an animation needs at least one frame");
    }
    // The last frame shows for its delay too; then the cursor comes back.
    event(&mut out, time_ms, "\x1b[0m\x1b[?25h");
    Ok(out.into_bytes())
}

/// Row `y` of `buf`, placed with a cursor move, its style reset at the end.
fn push_row(text: &mut String, buf: &Buffer, y: u16) {
    let _ = write!(text, "\x1b[{};1H", y + 1);
    text.push_str(&ans_row(buf, y));
    text.push_str("\x1b[0m");
}

fn event(out: &mut String, time_ms: u64, text: &str) {
    let _ = write!(out, "[{}.{:03}, \"o\", ", time_ms / 1000, time_ms % 1000);
    json_string(out, text);
    out.push_str("]\n");
}

/// `text` as a JSON string literal.
fn json_string(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(lines: [&str; 2], delay_ms: u32) -> anyhow::Result<TimedFrame> {
        Ok(TimedFrame {
            buffer: Buffer::with_lines(lines),
            delay_ms,
        })
    }

    #[test]
    fn header_then_events_at_their_times_with_changed_rows_only() {
        let frames = vec![
            frame(["ab", "cd"], 1000),
            frame(["ab", "cd"], 500),
            frame(["ab", "c\""], 250),
        ];
        let cast = String::from_utf8(to_cast(frames.into_iter(), 42).unwrap()).unwrap();
        let lines: Vec<&str> = cast.lines().collect();
        assert_eq!(
            lines[0],
            "{\"version\": 2, \"width\": 2, \"height\": 2, \"timestamp\": 42, \"env\": {\"TERM\": \"xterm-256color\"}}"
        );
        assert_eq!(lines.len(), 4, "{cast}");
        assert!(lines[1].starts_with("[0.000, \"o\", \"\\u001b[?25l"));
        assert!(lines[1].contains("\\u001b[1;1H") && lines[1].contains("\\u001b[2;1H"));
        // The repeated frame adds nothing; the third redraws row 2 only, at 1.5 s.
        assert!(
            lines[2].starts_with("[1.500, \"o\", \"\\u001b[2;1H"),
            "{}",
            lines[2]
        );
        assert!(!lines[2].contains("[1;1H") && lines[2].contains("c\\\""));
        assert_eq!(lines[3], "[1.750, \"o\", \"\\u001b[0m\\u001b[?25h\"]");
    }

    #[test]
    fn no_frames_or_mixed_sizes_are_errors() {
        assert!(to_cast(std::iter::empty(), 0).is_err());
        let mixed = vec![
            frame(["ab", "cd"], 10),
            Ok(TimedFrame {
                buffer: Buffer::with_lines(["abc"]),
                delay_ms: 10,
            }),
        ];
        assert!(to_cast(mixed.into_iter(), 0).is_err());
    }

    #[test]
    fn control_characters_are_escaped() {
        let mut s = String::new();
        json_string(&mut s, "a\u{1b}\u{7f}\t\\é");
        assert_eq!(s, "\"a\\u001b\\u007f\\t\\\\é\"");
    }
}
