//! THE key table: every key, the action it sends and its help line. Handling, the `?`
//! overlay and key scripts (`parse_script`) all read this one table.

use anyhow::bail;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::action::Action;

/// One key: its script name and how the terminal reports it.
#[derive(Debug, Clone, Copy)]
pub struct Key {
    /// The name used in key scripts and shown in the help.
    pub name: &'static str,
    pub code: KeyCode,
    pub ctrl: bool,
}

const fn ch(name: &'static str, c: char) -> Key {
    Key {
        name,
        code: KeyCode::Char(c),
        ctrl: false,
    }
}

const fn named(name: &'static str, code: KeyCode) -> Key {
    Key {
        name,
        code,
        ctrl: false,
    }
}

/// One row of the table.
#[derive(Debug, Clone)]
pub struct Binding {
    pub keys: &'static [Key],
    pub action: Action,
    /// The key of its help line in the language tables (`crate::i18n`).
    pub help: &'static str,
}

const fn bind(keys: &'static [Key], action: Action, help: &'static str) -> Binding {
    Binding { keys, action, help }
}

/// The key table. n, p, r, PageUp and PageDown are left free for tours.
pub const TABLE: &[Binding] = &[
    bind(
        &[ch("l", 'l'), named("Right", KeyCode::Right)],
        Action::Next,
        "key.next",
    ),
    bind(
        &[ch("h", 'h'), named("Left", KeyCode::Left)],
        Action::Prev,
        "key.prev",
    ),
    bind(
        &[ch("j", 'j'), named("Down", KeyCode::Down)],
        Action::RowDown,
        "key.row_down",
    ),
    bind(
        &[ch("k", 'k'), named("Up", KeyCode::Up)],
        Action::RowUp,
        "key.row_up",
    ),
    bind(
        &[ch("g", 'g'), named("Home", KeyCode::Home)],
        Action::First,
        "key.first",
    ),
    bind(
        &[ch("G", 'G'), named("End", KeyCode::End)],
        Action::Last,
        "key.last",
    ),
    bind(&[ch("Space", ' ')], Action::PlayPause, "key.play"),
    bind(&[ch("[", '[')], Action::Slower, "key.slower"),
    bind(&[ch("]", ']')], Action::Faster, "key.faster"),
    bind(
        &[named("Tab", KeyCode::Tab)],
        Action::NextFilter,
        "key.next_filter",
    ),
    bind(
        &[named("S-Tab", KeyCode::BackTab)],
        Action::PrevFilter,
        "key.prev_filter",
    ),
    bind(&[ch("f", 'f')], Action::Forward, "key.forward"),
    bind(&[ch("b", 'b')], Action::Backward, "key.backward"),
    bind(
        &[ch("+", '+'), ch("=", '=')],
        Action::StrideUp,
        "key.stride_up",
    ),
    bind(&[ch("-", '-')], Action::StrideDown, "key.stride_down"),
    bind(&[ch(">", '>')], Action::PadUp, "key.pad_up"),
    bind(&[ch("<", '<')], Action::PadDown, "key.pad_down"),
    bind(&[ch("D", 'D')], Action::DilationUp, "key.dilation_up"),
    bind(&[ch("d", 'd')], Action::DilationDown, "key.dilation_down"),
    bind(&[ch("w", 'w')], Action::KernelNext, "key.kernel_next"),
    bind(&[ch("W", 'W')], Action::KernelPrev, "key.kernel_prev"),
    bind(&[ch("Z", 'Z')], Action::SizeUp, "key.size_up"),
    bind(&[ch("z", 'z')], Action::SizeDown, "key.size_down"),
    bind(&[ch("x", 'x')], Action::Select, "key.select"),
    bind(&[ch("H", 'H')], Action::SelectLeft, "key.select_left"),
    bind(&[ch("L", 'L')], Action::SelectRight, "key.select_right"),
    bind(&[ch("K", 'K')], Action::SelectUp, "key.select_up"),
    bind(&[ch("J", 'J')], Action::SelectDown, "key.select_down"),
    bind(&[ch("v", 'v')], Action::NextTap, "key.tap"),
    bind(&[ch("c", 'c')], Action::GradCheck, "key.check"),
    bind(&[ch("t", 't')], Action::ToggleTouches, "key.touches"),
    bind(&[ch("s", 's')], Action::Screenshot, "key.screenshot"),
    bind(&[ch("e", 'e')], Action::NextWrong, "cmp.key_next_wrong"),
    bind(&[ch("E", 'E')], Action::PrevWrong, "cmp.key_prev_wrong"),
    bind(&[ch("?", '?')], Action::Help, "key.help"),
    bind(&[ch("m", 'm')], Action::HelpPage, "key.help_page"),
    bind(
        &[
            ch("q", 'q'),
            named("Esc", KeyCode::Esc),
            Key {
                name: "C-c",
                code: KeyCode::Char('c'),
                ctrl: true,
            },
        ],
        Action::Quit,
        "key.quit",
    ),
];

/// The action of a key press, if the table binds it.
pub fn action_for(event: &KeyEvent) -> Option<Action> {
    let ctrl = event.modifiers.contains(KeyModifiers::CONTROL);
    TABLE.iter().find_map(|b| {
        b.keys
            .iter()
            .any(|k| k.code == event.code && k.ctrl == ctrl)
            .then(|| b.action.clone())
    })
}

/// The action of a key name ("l", "Right", "Space", "C-c", ...).
pub fn action_named(name: &str) -> Option<Action> {
    TABLE.iter().find_map(|b| {
        b.keys
            .iter()
            .any(|k| k.name == name)
            .then(|| b.action.clone())
    })
}

/// The key a key name stands for, as the terminal reports it.
pub fn key_named(name: &str) -> Option<KeyEvent> {
    TABLE
        .iter()
        .flat_map(|b| b.keys.iter())
        .find(|k| k.name == name)
        .map(|k| {
            let modifiers = if k.ctrl {
                KeyModifiers::CONTROL
            } else {
                KeyModifiers::NONE
            };
            KeyEvent::new(k.code, modifiers)
        })
}

/// A key script: key names separated by spaces, e.g. "l l l b G".
pub fn parse_script(script: &str) -> anyhow::Result<Vec<Action>> {
    let mut actions = Vec::new();
    for (index, name) in script.split_whitespace().enumerate() {
        match action_named(name) {
            Some(action) => actions.push(action),
            None => bail!(
                "unknown key {name:?} (word {}) in key script {script:?}; known keys: {}",
                index + 1,
                key_names().join(" ")
            ),
        }
    }
    Ok(actions)
}

/// A key script as the key presses it stands for ([`Action::Key`]): replayed through
/// `update`, they do what the same keys do live.
pub fn script_keys(script: &str) -> anyhow::Result<Vec<Action>> {
    parse_script(script)?;
    Ok(script
        .split_whitespace()
        .filter_map(key_named)
        .map(Action::Key)
        .collect())
}

/// Every key name the table knows, in table order.
pub fn key_names() -> Vec<&'static str> {
    TABLE
        .iter()
        .flat_map(|b| b.keys.iter().map(|k| k.name))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::crossterm::event::KeyEventKind;

    fn press(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent {
            code,
            modifiers,
            kind: KeyEventKind::Press,
            state: ratatui::crossterm::event::KeyEventState::NONE,
        }
    }

    #[test]
    fn script_names_map_to_actions() {
        let got = parse_script("l l  Right b G Space C-c").unwrap();
        use Action::*;
        assert_eq!(got, vec![Next, Next, Next, Backward, Last, PlayPause, Quit]);
    }

    #[test]
    fn unknown_key_is_a_clear_error() {
        let err = parse_script("l foo").unwrap_err().to_string();
        assert!(err.contains("unknown key \"foo\" (word 2)"), "{err}");
    }

    #[test]
    fn reserved_tour_keys_are_free() {
        for name in ["n", "p", "r", "N", "P", "R", "PageUp", "PageDown"] {
            assert!(action_named(name).is_none(), "{name} is bound");
        }
        for code in [KeyCode::PageUp, KeyCode::PageDown, KeyCode::Char('n')] {
            assert!(action_for(&press(code, KeyModifiers::NONE)).is_none());
        }
    }

    #[test]
    fn every_key_name_is_unique_and_each_key_has_one_action() {
        let names = key_names();
        let mut sorted = names.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), names.len());
    }

    #[test]
    fn ctrl_c_quits_but_plain_c_checks() {
        let c = press(KeyCode::Char('c'), KeyModifiers::NONE);
        let ctrl_c = press(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(action_for(&c), Some(Action::GradCheck));
        assert_eq!(action_for(&ctrl_c), Some(Action::Quit));
        let shift_g = press(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(action_for(&shift_g), Some(Action::Last));
    }
}
