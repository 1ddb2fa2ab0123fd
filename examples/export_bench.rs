//! Times every export of a worst-case 120x40 frame (every cell different) and a
//! 10-frame GIF: `cargo run --release --example export_bench`. Timings are printed,
//! never asserted.

use convstep::export::{Format, RenderOptions, TimedFrame, render};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
fn main() {
    let mut buf = Buffer::empty(Rect::new(0, 0, 120, 40));
    for y in 0..40u16 {
        let s: String = (0..120)
            .map(|x| {
                if (x + y) % 7 == 0 {
                    '▀'
                } else {
                    char::from(b'a' + ((x * 3 + y) % 26) as u8)
                }
            })
            .collect();
        buf.set_string(
            0,
            y,
            s,
            Style::new()
                .fg(Color::Rgb((y * 6) as u8, 100, 200))
                .bg(Color::Rgb(10, (y * 5) as u8, 30)),
        );
    }
    let opts = RenderOptions::default();
    for f in Format::ALL {
        let t = std::time::Instant::now();
        let b = render(&buf, f, &opts).unwrap();
        println!("{f:?} {} bytes {:?}", b.len(), t.elapsed());
    }
    let grid = convstep::export::grid::resolve(&buf, convstep::export::DEFAULT_THEME);
    let mut r =
        convstep::export::raster::Rasterizer::new(2, convstep::export::raster::Edges::Stepped)
            .unwrap();
    let t = std::time::Instant::now();
    let c = r.draw(&grid).unwrap();
    println!("draw {:?}", t.elapsed());
    let t = std::time::Instant::now();
    let c2 = r.draw(&grid).unwrap();
    println!("draw again {:?} {}", t.elapsed(), c == c2);
    let frames: Vec<TimedFrame> = (0..10)
        .map(|i| {
            let mut b = buf.clone();
            b.set_string(0, 0, format!("frame {i}"), Style::new());
            TimedFrame {
                buffer: b,
                delay_ms: 1000,
            }
        })
        .collect();
    let t = std::time::Instant::now();
    let g = convstep::export::gif::to_gif(frames, convstep::export::DEFAULT_THEME, 2).unwrap();
    println!("gif 10 frames {} bytes {:?}", g.len(), t.elapsed());
}
