//! How the terminal can show colour: truecolor, the xterm 256-colour palette, or none
//! (NO_COLOR), and that palette itself ([`xterm`]). A leaf that the model, the view,
//! the exports, the runtime and the commands all use.

pub mod xterm;

/// How the terminal can show colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ColorMode {
    /// 24-bit colour.
    #[default]
    TrueColor,
    /// The xterm 256-colour palette.
    Ansi256,
    /// NO_COLOR: characters only.
    None,
}

impl ColorMode {
    /// NO_COLOR (set and non-empty) wins; COLORTERM=truecolor|24bit gives truecolor;
    /// anything else the 256-colour palette.
    pub fn from_env() -> ColorMode {
        Self::from_vars(
            std::env::var("NO_COLOR").ok().as_deref(),
            std::env::var("COLORTERM").ok().as_deref(),
        )
    }

    /// The colours of exports (shot, record, bench's frames): NO_COLOR asks for
    /// characters only, in exports too; otherwise full colour whatever the terminal.
    pub fn for_exports() -> ColorMode {
        if Self::from_env() == ColorMode::None {
            ColorMode::None
        } else {
            ColorMode::TrueColor
        }
    }

    pub fn from_vars(no_color: Option<&str>, colorterm: Option<&str>) -> ColorMode {
        if no_color.is_some_and(|v| !v.is_empty()) {
            return ColorMode::None;
        }
        match colorterm.map(str::to_ascii_lowercase).as_deref() {
            Some("truecolor") | Some("24bit") => ColorMode::TrueColor,
            _ => ColorMode::Ansi256,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_wins_and_colorterm_picks_truecolor() {
        assert_eq!(
            ColorMode::from_vars(Some("1"), Some("truecolor")),
            ColorMode::None
        );
        assert_eq!(
            ColorMode::from_vars(Some(""), Some("truecolor")),
            ColorMode::TrueColor
        );
        assert_eq!(
            ColorMode::from_vars(None, Some("24bit")),
            ColorMode::TrueColor
        );
        assert_eq!(ColorMode::from_vars(None, None), ColorMode::Ansi256);
    }
}
