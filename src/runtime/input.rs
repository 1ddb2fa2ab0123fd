//! Terminal input bytes to events (keys, mouse reports), with an escape timeout.
//!
//! crossterm's reader keeps an unfinished escape sequence until a byte ends it, so a
//! stray `ESC [ ?` left every key after it, `q` and `C-c` included, inside the
//! sequence. This decoder frames sequences by ECMA-48's rules (parameter and
//! intermediate bytes, then one final byte) and gives up on a fragment in two ways:
//! - a control byte (`C-c`, `Esc`, Enter, ...) can never be part of a sequence a
//!   terminal sends: it ends the fragment, which is dropped, and counts as itself;
//! - a fragment not finished within [`FRAGMENT_TIMEOUT`] of its first byte is dropped,
//!   as terminals and editors do with their own escape timeouts; a lone `ESC` that
//!   nothing follows in that time is the Esc key.
//!
//! Decoding is a pure function of the bytes and the times they arrived, tested below;
//! [`Reader`] feeds it from the terminal on a thread of its own, so that bytes are
//! timed as they arrive even while the program is busy.

use std::time::{Duration, Instant};

use ratatui::crossterm::event::{
    Event, KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};

/// How long an escape sequence may take to arrive whole: neovim's and libtermkey's
/// 50 ms. A terminal writes a key's sequence at once, so its bytes come within
/// microseconds (or one network packet); a lone Esc is reported this long after it.
pub const FRAGMENT_TIMEOUT: Duration = Duration::from_millis(50);

/// The longest sequence kept: a mouse report is at most 20 bytes. Longer ones are
/// dropped whole.
const MAX_SEQUENCE: usize = 64;

const ESC: u8 = 0x1b;

/// Bytes in, events out. See the module's documentation.
#[derive(Debug, Default)]
pub struct Decoder {
    /// The unfinished sequence or UTF-8 character, from its first byte.
    pending: Vec<u8>,
    /// When `pending`'s first byte arrived.
    since: Option<Instant>,
}

impl Decoder {
    pub fn new() -> Decoder {
        Decoder::default()
    }

    /// When the unfinished fragment, if any, expires.
    pub fn deadline(&self) -> Option<Instant> {
        self.since.map(|t| t + FRAGMENT_TIMEOUT)
    }

    /// Decodes `bytes`, which arrived at `now`, into `out`.
    pub fn feed(&mut self, bytes: &[u8], now: Instant, out: &mut Vec<Event>) {
        self.expire(now, out);
        for &byte in bytes {
            self.push(byte, now, out);
        }
    }

    /// Ends a fragment that has waited past its deadline: a lone ESC is the Esc key,
    /// anything else is dropped.
    pub fn expire(&mut self, now: Instant, out: &mut Vec<Event>) {
        if self.deadline().is_some_and(|d| now >= d) {
            if self.pending == [ESC] {
                out.push(key(KeyCode::Esc, KeyModifiers::NONE));
            }
            self.clear();
        }
    }

    fn clear(&mut self) {
        self.pending.clear();
        self.since = None;
    }

    fn start(&mut self, byte: u8, now: Instant) {
        self.pending.clear();
        self.pending.push(byte);
        self.since = Some(now);
    }

    fn push(&mut self, byte: u8, now: Instant, out: &mut Vec<Event>) {
        let Some(&first) = self.pending.first() else {
            return self.ground(byte, now, out);
        };
        if first != ESC {
            return self.utf8(byte, now, out, KeyModifiers::NONE);
        }
        match self.pending.get(1).copied() {
            None => self.after_esc(byte, now, out),
            Some(b'[' | b'O') => self.sequence(byte, now, out),
            // ESC then a UTF-8 lead byte: Alt and a character.
            Some(_) => self.utf8(byte, now, out, KeyModifiers::ALT),
        }
    }

    /// A byte outside any sequence.
    fn ground(&mut self, byte: u8, now: Instant, out: &mut Vec<Event>) {
        match byte {
            ESC => self.start(byte, now),
            0xc2..=0xf4 => self.start(byte, now),
            // A stray continuation byte or one that never starts UTF-8.
            0x80..=0xff => {}
            _ => out.push(single_byte(byte, KeyModifiers::NONE)),
        }
    }

    /// The byte after a lone ESC.
    fn after_esc(&mut self, byte: u8, now: Instant, out: &mut Vec<Event>) {
        match byte {
            b'[' | b'O' => self.pending.push(byte),
            // Esc twice: the first is the key, the second may start a sequence.
            ESC => {
                out.push(key(KeyCode::Esc, KeyModifiers::NONE));
                self.start(ESC, now);
            }
            0xc2..=0xf4 => self.pending.push(byte),
            0x80..=0xff => {
                out.push(key(KeyCode::Esc, KeyModifiers::NONE));
                self.clear();
            }
            // ESC x is Alt+x, as terminals send it (and crossterm reads it).
            _ => {
                out.push(single_byte(byte, KeyModifiers::ALT));
                self.clear();
            }
        }
    }

    /// A byte of a CSI (`ESC [`) or SS3 (`ESC O`) sequence.
    fn sequence(&mut self, byte: u8, now: Instant, out: &mut Vec<Event>) {
        let x10_mouse = self.pending.starts_with(b"\x1b[M") && self.pending.len() < 6;
        match byte {
            // X10 mouse reports carry three raw bytes after `ESC [ M`.
            _ if x10_mouse => {
                self.pending.push(byte);
                if self.pending.len() == 6 {
                    out.extend(x10_mouse_event(&self.pending[3..]));
                    self.clear();
                }
            }
            // Parameter and intermediate bytes.
            0x20..=0x3f => {
                self.pending.push(byte);
                if self.pending.len() > MAX_SEQUENCE {
                    self.clear();
                }
            }
            // The final byte.
            0x40..=0x7e => {
                self.pending.push(byte);
                let event = if self.pending[1] == b'[' {
                    csi_event(&self.pending[2..])
                } else {
                    ss3_event(&self.pending[2..])
                };
                // `ESC [ M` starts an X10 mouse report: three more bytes follow.
                if self.pending != b"\x1b[M" {
                    out.extend(event);
                    self.clear();
                }
            }
            // A control byte, DEL or a non-ASCII byte cannot continue a sequence: the
            // fragment is dropped and the byte read as itself.
            _ => {
                self.clear();
                self.ground(byte, now, out);
            }
        }
    }

    /// A byte of a UTF-8 character (after ESC for Alt+character).
    fn utf8(&mut self, byte: u8, now: Instant, out: &mut Vec<Event>, modifiers: KeyModifiers) {
        if byte & 0xc0 != 0x80 {
            // Not a continuation: the character is cut; drop it and read the byte.
            self.clear();
            return self.ground(byte, now, out);
        }
        self.pending.push(byte);
        let start = usize::from(self.pending[0] == ESC);
        let bytes = &self.pending[start..];
        let needed = match bytes[0] {
            0xc2..=0xdf => 2,
            0xe0..=0xef => 3,
            _ => 4,
        };
        if bytes.len() < needed {
            return;
        }
        if let Some(c) = std::str::from_utf8(bytes)
            .ok()
            .and_then(|s| s.chars().next())
        {
            out.push(char_key(c, modifiers));
        }
        self.clear();
    }
}

fn key(code: KeyCode, modifiers: KeyModifiers) -> Event {
    Event::Key(KeyEvent::new(code, modifiers))
}

/// A character key; capitals carry Shift, as crossterm reports them.
fn char_key(c: char, modifiers: KeyModifiers) -> Event {
    let shift = if c.is_uppercase() {
        KeyModifiers::SHIFT
    } else {
        KeyModifiers::NONE
    };
    key(KeyCode::Char(c), modifiers | shift)
}

/// One ASCII byte as a key: printable characters, Enter, Tab, Backspace, C-letters.
fn single_byte(byte: u8, modifiers: KeyModifiers) -> Event {
    let ctrl = modifiers | KeyModifiers::CONTROL;
    match byte {
        b'\r' => key(KeyCode::Enter, modifiers),
        b'\t' => key(KeyCode::Tab, modifiers),
        0x7f => key(KeyCode::Backspace, modifiers),
        0 => key(KeyCode::Char(' '), ctrl),
        0x01..=0x1a => key(KeyCode::Char((byte - 1 + b'a') as char), ctrl),
        ESC => key(KeyCode::Esc, modifiers),
        0x1c..=0x1f => key(KeyCode::Char((byte - 0x1c + b'4') as char), ctrl),
        _ => char_key(byte as char, modifiers),
    }
}

/// The numbers of a sequence's parameters, `1;5` → [1, 5]; an empty one is 0.
/// Sub-parameters (`5:1`) keep their first number.
fn params(bytes: &[u8]) -> Vec<u16> {
    bytes
        .split(|&b| b == b';')
        .map(|p| {
            p.iter()
                .take_while(|b| b.is_ascii_digit())
                .fold(0u16, |n, &d| {
                    n.saturating_mul(10).saturating_add(u16::from(d - b'0'))
                })
        })
        .collect()
}

/// The modifiers of xterm's `1 + bits` parameter.
fn modifiers(param: Option<u16>) -> KeyModifiers {
    modifier_bits(param.unwrap_or(1).saturating_sub(1))
}

/// Shift, Alt and Control from bits 1, 2 and 4, as both key and mouse reports count them.
fn modifier_bits(bits: u16) -> KeyModifiers {
    let mut m = KeyModifiers::NONE;
    for (bit, flag) in [
        (1, KeyModifiers::SHIFT),
        (2, KeyModifiers::ALT),
        (4, KeyModifiers::CONTROL),
    ] {
        if bits & bit != 0 {
            m |= flag;
        }
    }
    m
}

/// A whole CSI sequence, `body` being what follows `ESC [`.
fn csi_event(body: &[u8]) -> Option<Event> {
    let (&last, rest) = body.split_last()?;
    if let Some(sgr) = rest.strip_prefix(b"<") {
        return sgr_mouse_event(sgr, last);
    }
    // Private (`?`, `>`, `=`) and intermediate bytes mark reports that are not keys.
    if rest.iter().any(|b| matches!(b, b'<'..=b'?' | 0x20..=0x2f)) {
        return None;
    }
    let p = params(rest);
    let first = p.first().copied().unwrap_or(0);
    let mods = modifiers(p.get(1).copied());
    let code = match last {
        b'A' => KeyCode::Up,
        b'B' => KeyCode::Down,
        b'C' => KeyCode::Right,
        b'D' => KeyCode::Left,
        b'H' => KeyCode::Home,
        b'F' => KeyCode::End,
        b'P' => KeyCode::F(1),
        b'Q' => KeyCode::F(2),
        b'R' if !rest.is_empty() && first == 1 => KeyCode::F(3),
        b'S' => KeyCode::F(4),
        b'Z' => return Some(key(KeyCode::BackTab, KeyModifiers::SHIFT | mods)),
        // urxvt's mouse reports: `ESC [ Cb ; Cx ; Cy M`.
        b'M' if p.len() == 3 => {
            return mouse_event(p[0].checked_sub(32)?, p[1], p[2], true);
        }
        b'~' => match first {
            1 | 7 => KeyCode::Home,
            2 => KeyCode::Insert,
            3 => KeyCode::Delete,
            4 | 8 => KeyCode::End,
            5 => KeyCode::PageUp,
            6 => KeyCode::PageDown,
            11..=15 => KeyCode::F((first - 10) as u8),
            17..=21 => KeyCode::F((first - 11) as u8),
            23..=24 => KeyCode::F((first - 12) as u8),
            _ => return None,
        },
        // The fixterms / kitty form `ESC [ codepoint ; modifiers u`.
        b'u' => match first {
            9 => KeyCode::Tab,
            13 => KeyCode::Enter,
            27 => KeyCode::Esc,
            127 => KeyCode::Backspace,
            n => KeyCode::Char(char::from_u32(u32::from(n)).filter(|c| !c.is_control())?),
        },
        _ => return None,
    };
    Some(key(code, mods))
}

/// A whole SS3 sequence, `body` being what follows `ESC O`.
fn ss3_event(body: &[u8]) -> Option<Event> {
    let (&last, rest) = body.split_last()?;
    let mods = modifiers(params(rest).last().copied().filter(|&m| m > 0));
    let code = match last {
        b'A' => KeyCode::Up,
        b'B' => KeyCode::Down,
        b'C' => KeyCode::Right,
        b'D' => KeyCode::Left,
        b'H' => KeyCode::Home,
        b'F' => KeyCode::End,
        b'P'..=b'S' => KeyCode::F(1 + last - b'P'),
        _ => return None,
    };
    Some(key(code, mods))
}

/// SGR mouse report `ESC [ < Cb ; Cx ; Cy M` (press) or `m` (release).
fn sgr_mouse_event(body: &[u8], last: u8) -> Option<Event> {
    let p = params(body);
    let [cb, cx, cy] = p[..] else {
        return None;
    };
    match last {
        b'M' => mouse_event(cb, cx, cy, true),
        b'm' => mouse_event(cb, cx, cy, false),
        _ => None,
    }
}

/// X10 mouse report: three bytes, each offset by 32.
fn x10_mouse_event(bytes: &[u8]) -> Option<Event> {
    let [cb, cx, cy] = bytes else {
        return None;
    };
    let cb = u16::from(cb.checked_sub(32)?);
    let (cx, cy) = (
        u16::from(cx.saturating_sub(32)),
        u16::from(cy.saturating_sub(32)),
    );
    mouse_event(cb, cx, cy, cb & 3 != 3)
}

/// A mouse report: button code `cb` (xterm's bits), 1-based column and row.
fn mouse_event(cb: u16, cx: u16, cy: u16, press: bool) -> Option<Event> {
    let button = match cb & 3 {
        0 => Some(MouseButton::Left),
        1 => Some(MouseButton::Middle),
        2 => Some(MouseButton::Right),
        _ => None,
    };
    let kind = if cb & 64 != 0 {
        match cb & 3 {
            0 => MouseEventKind::ScrollUp,
            1 => MouseEventKind::ScrollDown,
            2 => MouseEventKind::ScrollLeft,
            _ => MouseEventKind::ScrollRight,
        }
    } else if cb & 32 != 0 {
        match button {
            Some(b) => MouseEventKind::Drag(b),
            None => MouseEventKind::Moved,
        }
    } else {
        match (button, press) {
            (Some(b), true) => MouseEventKind::Down(b),
            (Some(b), false) => MouseEventKind::Up(b),
            // X10 and urxvt report a release without its button.
            (None, _) => MouseEventKind::Up(MouseButton::Left),
        }
    };
    // The mouse report keeps the same three bits two places higher.
    let modifiers = modifier_bits((cb >> 2) & 7);
    Some(Event::Mouse(MouseEvent {
        kind,
        column: cx.saturating_sub(1),
        row: cy.saturating_sub(1),
        modifiers,
    }))
}

#[cfg(unix)]
pub use reader::Reader;

#[cfg(not(unix))]
pub use console::Reader;

#[cfg(not(unix))]
mod console {
    //! Elsewhere (Windows) the console reports keys, not bytes: there is no escape
    //! sequence to time out, and crossterm's reader serves as it is.

    use std::io;
    use std::sync::mpsc::{self, Receiver};

    use ratatui::crossterm::event::{self, Event};

    pub struct Reader {
        pub events: Receiver<Vec<Event>>,
    }

    impl Reader {
        pub fn start() -> io::Result<Reader> {
            let (tx, events) = mpsc::channel();
            std::thread::Builder::new()
                .name("convstep-input".into())
                .spawn(move || {
                    while let Ok(event) = event::read() {
                        if tx.send(vec![event]).is_err() {
                            break;
                        }
                    }
                })?;
            Ok(Reader { events })
        }
    }
}

#[cfg(unix)]
mod reader {
    //! The terminal's bytes, read on a thread of their own and decoded as they come.

    use std::io;
    use std::os::fd::{AsFd, BorrowedFd};
    use std::os::unix::net::UnixStream;
    use std::sync::mpsc::{self, Receiver, Sender};
    use std::thread::JoinHandle;
    use std::time::Instant;

    use ratatui::crossterm::event::Event;
    use rustix::event::{PollFd, PollFlags, Timespec, poll};

    use super::Decoder;

    /// The input thread: events arrive on `events`, those of one read together (so a
    /// burst is seen whole). Dropping it stops the thread.
    pub struct Reader {
        pub events: Receiver<Vec<Event>>,
        stop: UnixStream,
        thread: Option<JoinHandle<()>>,
        winch: signal_hook::SigId,
    }

    impl Reader {
        /// Starts reading stdin (a terminal in raw mode) and watching for resizes.
        pub fn start() -> io::Result<Reader> {
            let (stop, stop_rx) = UnixStream::pair()?;
            let (winch_rx, winch_tx) = UnixStream::pair()?;
            winch_rx.set_nonblocking(true)?;
            let winch =
                signal_hook::low_level::pipe::register(signal_hook::consts::SIGWINCH, winch_tx)?;
            let (tx, events) = mpsc::channel();
            let thread = std::thread::Builder::new()
                .name("convstep-input".into())
                .spawn(move || {
                    let stdin = io::stdin();
                    // Errors end the thread; the loop sees the channel close.
                    let _ = read_loop(stdin.as_fd(), &winch_rx, &stop_rx, &tx);
                });
            let thread = match thread {
                Ok(t) => t,
                Err(err) => {
                    signal_hook::low_level::unregister(winch);
                    return Err(err);
                }
            };
            Ok(Reader {
                events,
                stop,
                thread: Some(thread),
                winch,
            })
        }
    }

    impl Drop for Reader {
        fn drop(&mut self) {
            use std::io::Write;
            let _ = (&self.stop).write_all(&[1]);
            if let Some(thread) = self.thread.take() {
                let _ = thread.join();
            }
            signal_hook::low_level::unregister(self.winch);
        }
    }

    fn read_loop(
        tty: BorrowedFd<'_>,
        winch: &UnixStream,
        stop: &UnixStream,
        tx: &Sender<Vec<Event>>,
    ) -> io::Result<()> {
        let mut decoder = Decoder::new();
        let mut buf = [0u8; 1024];
        let mut events = Vec::new();
        loop {
            let timeout = decoder
                .deadline()
                .map(|d| d.saturating_duration_since(Instant::now()))
                .map(|d| Timespec::try_from(d).unwrap_or_default());
            let mut fds = [
                PollFd::new(&tty, PollFlags::IN),
                PollFd::new(winch, PollFlags::IN),
                PollFd::new(stop, PollFlags::IN),
            ];
            match poll(&mut fds, timeout.as_ref()) {
                Ok(_) => {}
                Err(rustix::io::Errno::INTR) => continue,
                Err(err) => return Err(err.into()),
            }
            let ready = |fd: &PollFd<'_>| !fd.revents().is_empty();
            let (tty_ready, winch_ready, stop_ready) =
                (ready(&fds[0]), ready(&fds[1]), ready(&fds[2]));
            if stop_ready {
                return Ok(());
            }
            let now = Instant::now();
            if winch_ready {
                let mut sink = [0u8; 64];
                while matches!(rustix::io::read(winch, &mut sink), Ok(n) if n > 0) {}
                // The loop redraws at the size it finds; this only wakes it.
                let (cols, rows) = ratatui::crossterm::terminal::size().unwrap_or_default();
                events.push(Event::Resize(cols, rows));
            }
            if tty_ready {
                match rustix::io::read(tty, &mut buf) {
                    // The terminal is gone (hung up).
                    Ok(0) => return Ok(()),
                    Ok(n) => decoder.feed(&buf[..n], now, &mut events),
                    Err(rustix::io::Errno::INTR | rustix::io::Errno::AGAIN) => {}
                    Err(err) => return Err(err.into()),
                }
            } else {
                decoder.expire(now, &mut events);
            }
            if !events.is_empty() && tx.send(std::mem::take(&mut events)).is_err() {
                return Ok(());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ms: u64) -> Instant {
        thread_local!(static T0: Instant = Instant::now());
        T0.with(|t| *t + Duration::from_millis(ms))
    }

    /// Feeds `(ms, bytes)` chunks, expiring as a reader would at the end (`end_ms`).
    fn decode(chunks: &[(u64, &[u8])], end_ms: u64) -> Vec<Event> {
        let mut d = Decoder::new();
        let mut out = Vec::new();
        for (ms, bytes) in chunks {
            d.feed(bytes, at(*ms), &mut out);
        }
        d.expire(at(end_ms), &mut out);
        out
    }

    fn k(c: char) -> Event {
        char_key(c, KeyModifiers::NONE)
    }

    fn code(code: KeyCode) -> Event {
        key(code, KeyModifiers::NONE)
    }

    fn ctrl(c: char) -> Event {
        key(KeyCode::Char(c), KeyModifiers::CONTROL)
    }

    #[test]
    fn plain_keys_controls_and_utf8() {
        let got = decode(&[(0, b"lq G\t\r\x7f\x03")], 0);
        let want = vec![
            k('l'),
            k('q'),
            k(' '),
            key(KeyCode::Char('G'), KeyModifiers::SHIFT),
            code(KeyCode::Tab),
            code(KeyCode::Enter),
            code(KeyCode::Backspace),
            ctrl('c'),
        ];
        assert_eq!(got, want);
        // A character split over two reads is one key.
        assert_eq!(
            decode(&[(0, b"\xc3"), (1, b"\xa9x")], 1),
            vec![k('é'), k('x')]
        );
        // A cut one is dropped and the next byte read as itself.
        assert_eq!(decode(&[(0, b"\xe2\x82q")], 1), vec![k('q')]);
        assert_eq!(decode(&[(0, b"\xff\x80q")], 1), vec![k('q')]);
    }

    #[test]
    fn cursor_and_editing_keys_in_their_usual_forms() {
        let cases: &[(&[u8], KeyCode)] = &[
            (b"\x1b[A", KeyCode::Up),
            (b"\x1b[B", KeyCode::Down),
            (b"\x1b[C", KeyCode::Right),
            (b"\x1b[D", KeyCode::Left),
            (b"\x1bOA", KeyCode::Up),
            (b"\x1bOD", KeyCode::Left),
            (b"\x1b[H", KeyCode::Home),
            (b"\x1b[F", KeyCode::End),
            (b"\x1bOH", KeyCode::Home),
            (b"\x1b[1~", KeyCode::Home),
            (b"\x1b[7~", KeyCode::Home),
            (b"\x1b[4~", KeyCode::End),
            (b"\x1b[8~", KeyCode::End),
            (b"\x1b[5~", KeyCode::PageUp),
            (b"\x1b[6~", KeyCode::PageDown),
            (b"\x1b[3~", KeyCode::Delete),
            (b"\x1bOP", KeyCode::F(1)),
            (b"\x1b[15~", KeyCode::F(5)),
            (b"\x1b[24~", KeyCode::F(12)),
        ];
        for (bytes, want) in cases {
            assert_eq!(decode(&[(0, bytes)], 0), vec![code(*want)], "{bytes:?}");
        }
        assert_eq!(
            decode(&[(0, b"\x1b[Z")], 0),
            vec![key(KeyCode::BackTab, KeyModifiers::SHIFT)]
        );
        assert_eq!(
            decode(&[(0, b"\x1b[1;5C")], 0),
            vec![key(KeyCode::Right, KeyModifiers::CONTROL)]
        );
        assert_eq!(
            decode(&[(0, b"\x1b[99;5u")], 0),
            vec![key(KeyCode::Char('c'), KeyModifiers::CONTROL)]
        );
        // Alt+x is ESC x.
        assert_eq!(
            decode(&[(0, b"\x1bx")], 0),
            vec![key(KeyCode::Char('x'), KeyModifiers::ALT)]
        );
    }

    #[test]
    fn a_sequence_split_over_reads_within_the_timeout_is_one_key() {
        let got = decode(&[(0, b"\x1b"), (10, b"["), (20, b"5~")], 20);
        assert_eq!(got, vec![code(KeyCode::PageUp)]);
    }

    #[test]
    fn a_lone_esc_is_the_esc_key_once_nothing_follows() {
        // Not yet: it may start a sequence.
        assert_eq!(decode(&[(0, b"\x1b")], 49), vec![]);
        assert_eq!(decode(&[(0, b"\x1b")], 50), vec![code(KeyCode::Esc)]);
        // A key after the timeout: Esc, then the key (not Alt+key).
        assert_eq!(
            decode(&[(0, b"\x1b"), (60, b"q")], 60),
            vec![code(KeyCode::Esc), k('q')]
        );
        // Esc Esc: two keys.
        assert_eq!(
            decode(&[(0, b"\x1b\x1b")], 100),
            vec![code(KeyCode::Esc), code(KeyCode::Esc)]
        );
    }

    /// The fragments of the issue: each used to swallow every key after it.
    const FRAGMENTS: [&[u8]; 6] = [
        b"\x1b[?",
        b"\x1b[<",
        b"\x1b[<0;12",
        b"\x1b[200~",
        b"\x1b[1;",
        b"\x1bO",
    ];

    #[test]
    fn a_stray_fragment_is_dropped_after_the_timeout_and_q_counts() {
        for fragment in FRAGMENTS {
            let fragment_done = decode(&[(0, fragment)], 0).len();
            let got = decode(&[(0, fragment), (60, b"q")], 60);
            let last = got.last();
            assert_eq!(last, Some(&k('q')), "{fragment:?}: {got:?}");
            // `ESC [ 200~` is a whole (unknown) sequence: nothing else comes out.
            assert_eq!(got.len(), fragment_done + 1, "{fragment:?}: {got:?}");
        }
    }

    #[test]
    fn esc_and_ctrl_c_end_a_fragment_at_once() {
        for fragment in FRAGMENTS {
            // C-c at once, whatever the time.
            let got = decode(&[(0, fragment), (1, b"\x03")], 1);
            assert_eq!(got.last(), Some(&ctrl('c')), "{fragment:?}: {got:?}");
            // Esc starts anew, and is the Esc key when nothing follows.
            let got = decode(&[(0, fragment), (1, b"\x1b")], 60);
            assert_eq!(
                got.last(),
                Some(&code(KeyCode::Esc)),
                "{fragment:?}: {got:?}"
            );
        }
        // Within one read too: the fragment, then C-c.
        assert_eq!(decode(&[(0, b"\x1b[?\x03")], 0), vec![ctrl('c')]);
    }

    #[test]
    fn a_key_inside_the_timeout_ends_the_sequence_as_a_terminal_would() {
        // `q` is a final byte: `ESC [ ? q` is one (unknown) sequence, then keys count.
        assert_eq!(
            decode(&[(0, b"\x1b[?"), (10, b"q"), (20, b"l")], 20),
            vec![k('l')]
        );
    }

    #[test]
    fn an_endless_sequence_is_cut_at_its_maximum_length() {
        let mut long = b"\x1b[".to_vec();
        long.extend(std::iter::repeat_n(b'1', 200));
        long.push(b'q');
        // The first 62 parameter bytes are kept, the 63rd cuts the sequence: what
        // follows is read as keys (harmless ones), and q quits as ever.
        let mut want = vec![k('1'); 200 - 63];
        want.push(k('q'));
        assert_eq!(decode(&[(0, &long)], 0), want);
    }

    #[test]
    fn mouse_reports_in_sgr_x10_and_urxvt_form() {
        let down = |column, row| {
            Event::Mouse(MouseEvent {
                kind: MouseEventKind::Down(MouseButton::Left),
                column,
                row,
                modifiers: KeyModifiers::NONE,
            })
        };
        let up = |column, row| {
            Event::Mouse(MouseEvent {
                kind: MouseEventKind::Up(MouseButton::Left),
                column,
                row,
                modifiers: KeyModifiers::NONE,
            })
        };
        assert_eq!(
            decode(&[(0, b"\x1b[<0;12;5M\x1b[<0;12;5m")], 0),
            vec![down(11, 4), up(11, 4)]
        );
        assert_eq!(decode(&[(0, b"\x1b[M ,%")], 0), vec![down(11, 4)]);
        assert_eq!(decode(&[(0, b"\x1b[32;12;5M")], 0), vec![down(11, 4)]);
        let wheel = decode(&[(0, b"\x1b[<65;1;1M")], 0);
        assert!(
            matches!(&wheel[..], [Event::Mouse(m)] if m.kind == MouseEventKind::ScrollDown),
            "{wheel:?}"
        );
        // Shift (4) and Control (16) held during a click, Alt (8) during a wheel turn.
        let held = decode(&[(0, b"\x1b[<20;12;5M\x1b[<73;1;1M")], 0);
        let mods: Vec<_> = held
            .iter()
            .map(|e| match e {
                Event::Mouse(m) => m.modifiers,
                _ => KeyModifiers::NONE,
            })
            .collect();
        assert_eq!(
            mods,
            [
                KeyModifiers::SHIFT | KeyModifiers::CONTROL,
                KeyModifiers::ALT
            ]
        );
        // A report cut short by the timeout is dropped; the key after it counts.
        assert_eq!(decode(&[(0, b"\x1b[<0;12"), (70, b"l")], 70), vec![k('l')]);
    }

    #[test]
    fn unknown_and_private_sequences_are_ignored_whole() {
        for seq in [
            &b"\x1b[?1;2c"[..],
            b"\x1b[>0;1q",
            b"\x1b[ q",
            b"\x1b[99~",
            b"\x1b[201~",
        ] {
            let mut bytes = seq.to_vec();
            bytes.push(b'l');
            assert_eq!(decode(&[(0, &bytes)], 0), vec![k('l')], "{seq:?}");
        }
    }

    #[test]
    fn any_bytes_at_any_times_decode_without_panic_and_leave_nothing_pending_for_long() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(10);
        for _ in 0..2000 {
            let mut d = Decoder::new();
            let mut out = Vec::new();
            let mut ms = 0;
            for _ in 0..rng.random_range(1..20) {
                let len = rng.random_range(0..12);
                let bytes: Vec<u8> = (0..len)
                    .map(|_| match rng.random_range(0..4) {
                        0 => 0x1b,
                        1 => b"[O<?;0123456789Mm~uABCDHF"[rng.random_range(0..25)],
                        _ => rng.random(),
                    })
                    .collect();
                ms += rng.random_range(0..80);
                d.feed(&bytes, at(ms), &mut out);
            }
            d.expire(at(ms + 50), &mut out);
            assert!(d.pending.is_empty() && d.deadline().is_none());
            // And after all of it, q is q.
            out.clear();
            d.feed(b"q", at(ms + 60), &mut out);
            assert_eq!(out, vec![k('q')]);
        }
    }
}
