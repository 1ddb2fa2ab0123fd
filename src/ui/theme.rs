//! Colours: the channel and diverging scales, truecolor with a 256-colour fallback,
//! and a no-colour mode in which marks are told apart by characters alone.

use ratatui::style::{Color, Modifier, Style};

pub use crate::palette::ColorMode;

/// An RGB triple, converted to the terminal's colour at the last moment.
pub type Rgb = (u8, u8, u8);

pub const PAD: Rgb = (88, 88, 96);
/// Not computed yet: a checker of two dim greys, lighter than any terminal's dark
/// background and darker than every colour of the scales, so a map's extent shows.
pub const EMPTY: Rgb = (58, 58, 68);
pub const EMPTY_ALT: Rgb = (44, 44, 52);
/// The marks' colours: each off every scale (no value's colour can be taken for a
/// mark), used in full, never mixed into a value's colour.
pub const UNREACHED: Rgb = (255, 80, 80);
pub const WINDOW: Rgb = (255, 0, 255);
pub const PREV: Rgb = (255, 140, 0);
pub const DETAIL: Rgb = (0, 200, 255);
pub const CURRENT: Rgb = (255, 215, 0);
pub const SELECTED: Rgb = (0, 255, 200);
pub const ACCENT: Rgb = (120, 200, 255);

/// The colour `t` of the way from `a` to `b` (t clamped to [0, 1]), rounded: the one
/// interpolation of the scales and the grid's marks.
pub fn lerp(a: Rgb, b: Rgb, t: f64) -> Rgb {
    let t = t.clamp(0.0, 1.0);
    // Every mix lies in [0, 255], so adding a half and truncating rounds it as
    // `f64::round` does, without the library call that cost a quarter of a frame of
    // shrunk maps (a map of the photo at full size is 135,000 cells a frame).
    let mix = |x: u8, y: u8| (x as f64 + (y as f64 - x as f64) * t + 0.5) as u8;
    (mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// The colour of a channel at full intensity.
pub fn channel_hue(name: &str) -> Rgb {
    match name {
        "R" | "r" | "red" => (255, 60, 60),
        "G" | "g" | "green" => (60, 230, 60),
        "B" | "b" | "blue" => (80, 120, 255),
        _ => (235, 235, 235),
    }
}

/// A channel's value t in [0, 1] as black-to-hue.
pub fn channel_scale(hue: Rgb, t: f64) -> Rgb {
    lerp((8, 8, 8), hue, t)
}

/// Signed t in [-1, 1]: blue for negative, near-white for 0, red for positive (RdBu).
pub fn diverging(t: f64) -> Rgb {
    let t = if t.is_finite() {
        t.clamp(-1.0, 1.0)
    } else {
        0.0
    };
    const NEG: Rgb = (33, 102, 172);
    const MID: Rgb = (235, 235, 235);
    const POS: Rgb = (178, 24, 43);
    if t < 0.0 {
        lerp(MID, NEG, -t)
    } else {
        lerp(MID, POS, t)
    }
}

/// A count scale (touches): dark to yellow.
pub fn count_scale(t: f64) -> Rgb {
    lerp((20, 20, 40), (250, 220, 80), t)
}

/// Black or white text, whichever reads on `bg`.
pub fn contrast(bg: Rgb) -> Rgb {
    let lum = 0.299 * bg.0 as f64 + 0.587 * bg.1 as f64 + 0.114 * bg.2 as f64;
    if lum > 140.0 {
        (0, 0, 0)
    } else {
        (255, 255, 255)
    }
}

/// Nearest colour of the xterm 256 palette (its 6x6x6 cube or its grey ramp).
pub fn to_ansi256(c: Rgb) -> u8 {
    crate::palette::xterm::nearest(c)
}

impl ColorMode {
    /// The terminal colour for `c`, or None without colour.
    pub fn color(self, c: Rgb) -> Option<Color> {
        match self {
            ColorMode::TrueColor => Some(Color::Rgb(c.0, c.1, c.2)),
            ColorMode::Ansi256 => Some(Color::Indexed(to_ansi256(c))),
            ColorMode::None => None,
        }
    }

    pub fn fg(self, c: Rgb) -> Style {
        match self.color(c) {
            Some(col) => Style::new().fg(col),
            None => Style::new(),
        }
    }

    /// Background `bg` with readable text on it.
    pub fn on(self, bg: Rgb) -> Style {
        match (self.color(bg), self.color(contrast(bg))) {
            (Some(b), Some(f)) => Style::new().bg(b).fg(f),
            _ => Style::new(),
        }
    }

    pub fn has_color(self) -> bool {
        self != ColorMode::None
    }
}

pub fn bold() -> Style {
    Style::new().add_modifier(Modifier::BOLD)
}

pub fn dim() -> Style {
    Style::new().add_modifier(Modifier::DIM)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ansi256_maps_primaries_and_greys() {
        assert_eq!(to_ansi256((255, 0, 0)), 196);
        assert_eq!(to_ansi256((0, 0, 0)), 16);
        assert_eq!(to_ansi256((128, 128, 128)), 244);
    }

    #[test]
    fn diverging_is_blue_below_and_red_above_zero() {
        let neg = diverging(-1.0);
        let pos = diverging(1.0);
        assert!(neg.2 > neg.0);
        assert!(pos.0 > pos.2);
        assert_eq!(diverging(f64::NAN), diverging(0.0));
    }
}
