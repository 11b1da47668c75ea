//! Human-readable output: sizes, ages, dates, owners, modes, hex dumps,
//! aligned tables, and the escaping of untrusted text.
//!
//! Names, paths, command names and error messages may hold any character
//! another user chose (a `Global\` name can be made by anyone). Every piece
//! of such text in human-readable output goes through [`escape`] (or
//! [`escape_os`]), so that no control sequence reaches the terminal; JSON
//! output keeps the exact text, escaped as JSON.

use std::borrow::Cow;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Whether `c` must not reach a terminal as itself: C0 and C1 controls, DEL,
/// and the invisible format characters (bidirectional overrides, embeddings
/// and isolates, zero-width characters, line and paragraph separators, tags)
/// that can make text read differently from what it is.
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{ad}'
                | '\u{600}'..='\u{605}'
                | '\u{61c}'
                | '\u{6dd}'
                | '\u{70f}'
                | '\u{890}'..='\u{891}'
                | '\u{8e2}'
                | '\u{180e}'
                | '\u{200b}'..='\u{200f}'
                | '\u{2028}'..='\u{202e}'
                | '\u{2060}'..='\u{206f}'
                | '\u{feff}'
                | '\u{fff9}'..='\u{fffb}'
                | '\u{110bd}'
                | '\u{110cd}'
                | '\u{13430}'..='\u{1343f}'
                | '\u{1bca0}'..='\u{1bca3}'
                | '\u{1d173}'..='\u{1d17a}'
                | '\u{e0000}'..='\u{e007f}'
        )
}

/// Untrusted text made safe to print, like `ls` and `systemctl` do: `\t`,
/// `\n`, `\r`, `\xNN` for the other C0 controls and DEL, `\u{NNNN}` for C1
/// controls and invisible format characters (`\u{202e}`). Everything else,
/// non-ASCII letters included, is kept. Object names cannot hold a backslash
/// after their prefix, so an escaped name stays unambiguous.
pub fn escape(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        push_escaped(&mut out, c);
    }
    Cow::Owned(out)
}

fn push_escaped(out: &mut String, c: char) {
    use std::fmt::Write as _;
    match c {
        '\t' => out.push_str("\\t"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        c if (c as u32) < 0x20 || c == '\u{7f}' => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c if is_unsafe(c) => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
        c => out.push(c),
    }
}

/// [`escape`] for file names and paths, which may not be UTF-8: bytes that
/// are not are shown as `\xNN`.
pub fn escape_os(s: &std::ffi::OsStr) -> String {
    let bytes = s.as_encoded_bytes();
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        out.push_str(&escape(chunk.valid()));
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

/// `4096` → `4.0 KiB`; exact below 1 KiB (`256 B`).
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if value.fract() == 0.0 {
        format!("{value:.0} {}", UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// A size in the listing: human-readable, or exact with `--bytes`.
pub fn size(bytes: u64, exact: bool) -> String {
    if exact {
        bytes.to_string()
    } else {
        human_size(bytes)
    }
}

/// Time since `t`, compactly: `42s`, `5m`, `3h`, `2d`.
pub fn age(t: SystemTime) -> String {
    let d = SystemTime::now().duration_since(t).unwrap_or(Duration::ZERO);
    let s = d.as_secs();
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m", s / 60),
        3600..=86_399 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86_400),
    }
}

/// Seconds since the Unix epoch, for JSON.
pub fn unix_secs(t: SystemTime) -> f64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// `2026-11-26 15:04:57 UTC`.
pub fn utc(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil-from-days (Howard Hinnant's algorithm), proleptic Gregorian.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The user name of a uid, from `/etc/passwd`, or the number.
pub fn user_name(uid: u32) -> String {
    // Cached: `nshm list` asks once per object; /etc/passwd is read once per uid.
    static NAMES: std::sync::Mutex<Option<std::collections::HashMap<u32, String>>> =
        std::sync::Mutex::new(None);
    let mut names = NAMES.lock().unwrap_or_else(|e| e.into_inner());
    names
        .get_or_insert_with(Default::default)
        .entry(uid)
        .or_insert_with(|| look_up_user(uid))
        .clone()
}

fn look_up_user(uid: u32) -> String {
    let found = std::fs::read_to_string("/etc/passwd").ok().and_then(|text| {
        text.lines().find_map(|line| {
            let mut f = line.split(':');
            let name = f.next()?;
            let _pw = f.next()?;
            (f.next()?.parse::<u32>().ok()? == uid).then(|| name.to_owned())
        })
    });
    found.unwrap_or_else(|| uid.to_string())
}

/// `0600`.
pub fn mode(mode: u32) -> String {
    format!("{:04o}", mode & 0o7777)
}

/// `rw-------`.
pub fn mode_symbolic(mode: u32) -> String {
    let mut s = String::with_capacity(9);
    for shift in [6, 3, 0] {
        let bits = (mode >> shift) & 7;
        s.push(if bits & 4 != 0 { 'r' } else { '-' });
        s.push(if bits & 2 != 0 { 'w' } else { '-' });
        s.push(if bits & 1 != 0 { 'x' } else { '-' });
    }
    s
}

/// A `hexdump -C`-style dump, fed in pieces (each a multiple of 16 bytes but
/// the last). Runs of identical lines are shown once, followed by `*`.
#[derive(Debug, Default)]
pub struct HexDump {
    prev: Option<Vec<u8>>,
    starred: bool,
}

impl HexDump {
    /// Dumps `data`, which starts at `base` in the object.
    pub fn push(&mut self, data: &[u8], base: u64) -> String {
        let mut out = String::new();
        for (i, chunk) in data.chunks(16).enumerate() {
            let offset = base + (i * 16) as u64;
            if self.prev.as_deref() == Some(chunk) && chunk.len() == 16 {
                if !self.starred {
                    out.push_str("*\n");
                    self.starred = true;
                }
                continue;
            }
            self.starred = false;
            self.prev = Some(chunk.to_vec());
            out.push_str(&format!("{offset:08x} "));
            for j in 0..16 {
                if j == 8 {
                    out.push(' ');
                }
                match chunk.get(j) {
                    Some(b) => out.push_str(&format!(" {b:02x}")),
                    None => out.push_str("   "),
                }
            }
            out.push_str("  |");
            for &b in chunk {
                out.push(if b.is_ascii_graphic() || b == b' ' {
                    b as char
                } else {
                    '.'
                });
            }
            out.push_str("|\n");
        }
        out
    }

    /// The closing line: the offset just past the dump.
    pub fn finish(&self, end: u64) -> String {
        format!("{end:08x}\n")
    }
}

/// Prints rows as left-aligned columns separated by two spaces; columns whose
/// index is in `right` are right-aligned.
pub fn table(header: &[&str], rows: &[Vec<String>], right: &[usize]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut s = String::new();
        let last = cells.len() - 1;
        for (i, cell) in cells.into_iter().enumerate() {
            let pad = widths[i] - cell.chars().count();
            if right.contains(&i) {
                s.push_str(&" ".repeat(pad));
                s.push_str(cell);
            } else {
                s.push_str(cell);
                if i != last {
                    s.push_str(&" ".repeat(pad));
                }
            }
            if i != last {
                s.push_str("  ");
            }
        }
        s.push('\n');
        s
    };
    let mut out = line(header.to_vec());
    for row in rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_human_readable() {
        assert_eq!(human_size(256), "256 B");
        assert_eq!(human_size(4096), "4 KiB");
        assert_eq!(human_size(1536), "1.5 KiB");
        assert_eq!(human_size(2 << 30), "2 GiB");
    }

    #[test]
    fn dates_are_utc() {
        assert_eq!(utc(UNIX_EPOCH), "1970-01-01 00:00:00 UTC");
        assert_eq!(
            utc(UNIX_EPOCH + Duration::from_secs(1_795_705_497)),
            "2026-11-26 15:04:57 UTC"
        );
    }

    #[test]
    fn hex_dump_collapses_repeats() {
        let mut data = b"Message".to_vec();
        data.resize(64, 0);
        let mut h = HexDump::default();
        let mut dump = h.push(&data[..32], 0);
        dump += &h.push(&data[32..], 32);
        dump += &h.finish(64);
        assert!(dump.starts_with("00000000  4d 65 73 73 61 67 65 00"));
        assert!(dump.contains("|Message.........|"));
        assert!(dump.contains("*\n"));
        assert!(dump.ends_with("00000040\n"));
    }

    #[test]
    fn untrusted_text_is_escaped_for_the_terminal() {
        assert_eq!(escape("Global\\plain-é"), "Global\\plain-é");
        assert!(matches!(escape("plain"), Cow::Borrowed(_)));
        assert_eq!(
            escape("a\x1b]0;owned\x07\r\x1b[2K\t\n\x7f"),
            "a\\x1b]0;owned\\x07\\r\\x1b[2K\\t\\n\\x7f"
        );
        assert_eq!(escape("\u{9b}31m"), "\\u{9b}31m");
        assert_eq!(escape("abc\u{202e}fed"), "abc\\u{202e}fed");
        assert_eq!(
            escape("x\u{2066}\u{200b}\u{feff}"),
            "x\\u{2066}\\u{200b}\\u{feff}"
        );
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt;
            assert_eq!(
                escape_os(std::ffi::OsStr::from_bytes(b"%h\x9b\xff\x1bz")),
                "%h\\x9b\\xff\\x1bz"
            );
        }
        // Escaping is idempotent: text escaped twice (a name inside an error
        // message) reads the same.
        let once = escape("\x1b[2K\u{202e}").into_owned();
        assert_eq!(escape(&once), once);
        // Nothing unsafe survives any character.
        for c in (0..0x11_0000).filter_map(char::from_u32) {
            let e = escape(c.encode_utf8(&mut [0; 4])).into_owned();
            assert!(!e.chars().any(is_unsafe), "{c:?} -> {e:?}");
        }
    }

    #[test]
    fn modes_render_both_ways() {
        assert_eq!(mode(0o600), "0600");
        assert_eq!(mode_symbolic(0o640), "rw-r-----");
    }
}
