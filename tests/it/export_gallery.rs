//! A gallery frame with everything the exporters treat specially: borders of every
//! ratatui kind, a half-block heatmap, shades, Braille, wide characters, modifiers,
//! named, indexed and RGB colours. The test checks every format renders it the same way
//! twice; with CONVSTEP_GALLERY=DIR set it also writes the files there to look at.

use convstep::export::{Format, RenderOptions, TimedFrame, render, write_gif};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::widgets::{Block, BorderType, Borders, Widget};

fn gallery() -> Buffer {
    let area = Rect::new(0, 0, 60, 16);
    let mut buf = Buffer::empty(area);
    let kinds = [
        (BorderType::Plain, "plain"),
        (BorderType::Rounded, "rounded"),
        (BorderType::Double, "double"),
        (BorderType::Thick, "thick"),
    ];
    for (i, (kind, name)) in kinds.into_iter().enumerate() {
        Block::new()
            .borders(Borders::ALL)
            .border_type(kind)
            .title(name)
            .border_style(Style::new().fg(Color::Indexed(39 + i as u8 * 36)))
            .render(Rect::new(i as u16 * 15, 0, 14, 5), &mut buf);
    }
    // A 16x8-pixel heatmap drawn as 16x4 half blocks: upper pixel fg, lower pixel bg.
    for y in 0..4u16 {
        for x in 0..16u16 {
            let v = |py: u16| (x * 16 + py * 8).min(255) as u8;
            buf[(1 + x, 6 + y)]
                .set_symbol("▀")
                .set_fg(Color::Rgb(v(2 * y), 40, 255 - v(2 * y)))
                .set_bg(Color::Rgb(v(2 * y + 1), 40, 255 - v(2 * y + 1)));
        }
    }
    buf.set_string(
        19,
        6,
        "░▒▓█ ▁▂▃▄▅▆▇ ▏▎▍▌▋▊▉ ▖▗▘▙▚▛▜▝▞▟",
        Style::new().fg(Color::Yellow),
    );
    buf.set_string(
        19,
        7,
        "⠁⠃⠇⡇⣇⣧⣷⣿ ┄┅┆┇ ╌╍ ╳╱╲ ╞╡╥╨╬┼╋",
        Style::new().fg(Color::LightCyan),
    );
    buf.set_string(
        19,
        8,
        "bold",
        Style::new().add_modifier(Modifier::BOLD).fg(Color::White),
    );
    buf.set_string(24, 8, "dim", Style::new().add_modifier(Modifier::DIM));
    buf.set_string(
        28,
        8,
        "reversed",
        Style::new().add_modifier(Modifier::REVERSED),
    );
    buf.set_string(
        37,
        8,
        "under",
        Style::new().add_modifier(Modifier::UNDERLINED),
    );
    buf.set_string(
        43,
        8,
        "struck",
        Style::new().add_modifier(Modifier::CROSSED_OUT),
    );
    buf.set_string(50, 8, "italic", Style::new().add_modifier(Modifier::ITALIC));
    buf.set_string(
        19,
        9,
        "卷积层 conv 步长=2 <&>",
        Style::new()
            .fg(Color::LightGreen)
            .bg(Color::Rgb(40, 20, 60)),
    );
    buf.set_string(
        1,
        11,
        "s[i,j] = Σ x[i+m, j+n] · w[m,n] + b = -0.125 + 1.000",
        Style::new().fg(Color::Rgb(255, 200, 120)),
    );
    for (i, c) in [
        Color::Black,
        Color::Red,
        Color::Green,
        Color::Yellow,
        Color::Blue,
        Color::Magenta,
        Color::Cyan,
        Color::Gray,
        Color::DarkGray,
        Color::LightRed,
        Color::LightGreen,
        Color::LightYellow,
        Color::LightBlue,
        Color::LightMagenta,
        Color::LightCyan,
        Color::White,
    ]
    .into_iter()
    .enumerate()
    {
        buf.set_string(
            1 + 3 * i as u16,
            13,
            format!("{i:>2} "),
            Style::new().bg(c).fg(Color::Black),
        );
    }
    buf.set_string(
        1,
        15,
        "status: forward  step 12/32  pad 1  stride 2",
        Style::new().add_modifier(Modifier::REVERSED),
    );
    buf
}

#[test]
fn gallery_renders_identically_twice_in_every_format() {
    let buf = gallery();
    let opts = RenderOptions::default();
    let dir = std::env::var_os("CONVSTEP_GALLERY").map(std::path::PathBuf::from);
    for format in Format::ALL {
        let a = render(&buf, format, &opts).unwrap();
        assert_eq!(a, render(&buf, format, &opts).unwrap(), "{format:?}");
        if let Some(dir) = &dir {
            std::fs::write(dir.join(format!("gallery.{}", format.extension())), &a).unwrap();
        }
    }
    if let Some(dir) = &dir {
        let mut second = buf.clone();
        second.set_string(
            1,
            15,
            "status: forward  step 13/32",
            Style::new().fg(Color::Red),
        );
        let frames = vec![
            TimedFrame {
                buffer: buf.clone(),
                delay_ms: 1000,
            },
            TimedFrame {
                buffer: second,
                delay_ms: 1000,
            },
        ];
        write_gif(frames, &dir.join("gallery.gif"), &opts).unwrap();
    }
}

mod random_frames {
    use super::*;
    use proptest::prelude::*;

    const SYMBOLS: &[&str] = &[
        " ", "a", "Z", "0", "<", "&", "\"", "─", "╭", "╬", "┼", "▀", "▄", "█", "░", "▚", "⣿", "你",
        "好", "é", "e\u{301}", "🙂", "\u{7}", "\u{200b}", "\u{fffe}", "╳", "┄",
    ];

    fn color() -> impl Strategy<Value = Color> {
        prop_oneof![
            Just(Color::Reset),
            Just(Color::LightRed),
            any::<u8>().prop_map(Color::Indexed),
            any::<(u8, u8, u8)>().prop_map(|(r, g, b)| Color::Rgb(r, g, b)),
        ]
    }

    fn frame() -> impl Strategy<Value = Buffer> {
        (1u16..12, 1u16..6).prop_flat_map(|(w, h)| {
            let n = usize::from(w) * usize::from(h);
            prop::collection::vec((0..SYMBOLS.len(), color(), color(), any::<u16>()), n).prop_map(
                move |cells| {
                    let mut buf = Buffer::empty(Rect::new(0, 0, w, h));
                    for (i, (s, fg, bg, m)) in cells.into_iter().enumerate() {
                        let (x, y) = ((i % usize::from(w)) as u16, (i / usize::from(w)) as u16);
                        let style = Style::new()
                            .fg(fg)
                            .bg(bg)
                            .add_modifier(Modifier::from_bits_truncate(m));
                        if m & 0x8000 == 0 {
                            // set_string lays wide characters out as ratatui does.
                            buf.set_string(x, y, SYMBOLS[s], style);
                        } else {
                            // A widget may also put any symbol, control characters
                            // included, straight into a cell.
                            buf[(x, y)].set_symbol(SYMBOLS[s]).set_style(style);
                        }
                    }
                    buf
                },
            )
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn any_frame_renders_in_every_format(buf in frame()) {
            let opts = RenderOptions { png_scale: 1, ..RenderOptions::default() };
            for format in Format::ALL {
                let bytes = render(&buf, format, &opts).unwrap();
                match format {
                    Format::Svg => {
                        let svg = String::from_utf8(bytes).unwrap();
                        prop_assert!(roxmltree::Document::parse(&svg).is_ok(), "{svg}");
                    }
                    Format::Txt => {
                        let txt = String::from_utf8(bytes).unwrap();
                        prop_assert_eq!(txt.lines().count(), usize::from(buf.area.height));
                    }
                    Format::Png => {
                        let img = image::load_from_memory(&bytes).unwrap();
                        prop_assert_eq!(img.width(), 9 * u32::from(buf.area.width));
                    }
                    _ => prop_assert!(!bytes.is_empty()),
                }
            }
        }
    }
}
