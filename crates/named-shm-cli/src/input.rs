//! Parsing of sizes, offsets, timeouts and modes, and reading the data that
//! `create` and `write` put into a mapping.
//!
//! These are parsed here rather than by clap so that a bad value is an
//! invalid-input error (exit code 6) naming the option, not a usage error.

use crate::exit_codes::invalid;
use anyhow::{Context, Result};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Parses a byte count: `4096`, `0x1000`, `64K`, `1M`, `2G`, `1T` (binary
/// multiples; `KiB`, `KB`, `k` are accepted as the same).
pub fn parse_size(option: &str, text: &str) -> Result<u64> {
    let bad = |why: &str| invalid(format!("invalid {option} `{text}`: {why}"));
    let t = text.trim();
    if t.is_empty() {
        return Err(bad("empty"));
    }
    if let Some(hex) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        return u64::from_str_radix(hex, 16).map_err(|_| bad("not a hexadecimal number"));
    }
    let digits_end = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, suffix) = t.split_at(digits_end);
    if digits.is_empty() {
        return Err(bad("expected a number such as 4096, 64K, 1M or 2G"));
    }
    let shift = match suffix.to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        "t" | "tb" | "tib" => 40,
        _ => return Err(bad("unknown unit (use K, M, G or T)")),
    };
    let n: u64 = digits.parse().map_err(|_| bad("too large"))?;
    n.checked_mul(1u64 << shift).ok_or_else(|| bad("too large"))
}

/// Parses a timeout: `500ms`, `2s`, `1.5s`, `1m`, or a plain number of seconds.
pub fn parse_timeout(text: &str) -> Result<Duration> {
    let bad = |why: &str| invalid(format!("invalid --timeout `{text}`: {why}"));
    let t = text.trim();
    let num_end = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(num_end);
    let value: f64 = num
        .parse()
        .map_err(|_| bad("expected a duration such as 500ms, 2s or 1m"))?;
    let secs = match unit {
        "ms" => value / 1000.0,
        "" | "s" => value,
        "m" | "min" => value * 60.0,
        "h" => value * 3600.0,
        _ => return Err(bad("unknown unit (use ms, s, m or h)")),
    };
    Duration::try_from_secs_f64(secs).map_err(|_| bad("out of range"))
}

/// Parses permission bits in octal: `600`, `0644`, `0o640`.
pub fn parse_mode(text: &str) -> Result<u32> {
    let t = text.trim_start_matches("0o");
    match u32::from_str_radix(t, 8) {
        Ok(m) if m <= 0o777 => Ok(m),
        _ => Err(invalid(format!(
            "invalid --mode `{text}`: expected octal permission bits such as 600 or 0644"
        ))),
    }
}

/// Where the bytes to store come from.
#[derive(Debug)]
pub enum Source {
    /// Nothing: leave the memory as it is.
    None,
    /// The given text.
    Text(String),
    /// A file, read in chunks.
    File(PathBuf),
    /// Standard input, read to its end (or until more than fits).
    Stdin,
}

/// The data of a source, with its length known before anything is written.
pub enum Data {
    Bytes(Vec<u8>),
    File {
        file: std::fs::File,
        len: u64,
        path: PathBuf,
    },
    /// A stream (standard input, a pipe, a device) that held more than the
    /// limit: only the limit plus one byte was read, and nothing will be written.
    TooLong {
        what: String,
    },
}

impl Data {
    /// The length to write; for [`Data::TooLong`], more than the limit.
    pub fn len(&self) -> u64 {
        match self {
            Data::Bytes(b) => b.len() as u64,
            Data::File { len, .. } => *len,
            Data::TooLong { .. } => u64::MAX,
        }
    }
}

/// Reads at most `limit` bytes of a stream, plus one to learn that there are
/// more: memory stays bounded whatever the stream holds (`/dev/zero`, an
/// endless pipe).
fn read_bounded(r: impl Read, limit: u64, what: &str) -> Result<Data> {
    let mut buf = Vec::new();
    r.take(limit.saturating_add(1))
        .read_to_end(&mut buf)
        .with_context(|| format!("cannot read {what}"))?;
    Ok(if buf.len() as u64 > limit {
        Data::TooLong {
            what: what.to_owned(),
        }
    } else {
        Data::Bytes(buf)
    })
}

impl Source {
    /// Opens the source and learns its length. Streams are read now, but
    /// never more than `limit` bytes (what fits in the mapping) plus one: a
    /// longer one gives [`Data::TooLong`].
    pub fn open(self, limit: u64) -> Result<Option<Data>> {
        Ok(match self {
            Source::None => None,
            Source::Text(t) => Some(Data::Bytes(t.into_bytes())),
            Source::Stdin => Some(read_bounded(std::io::stdin().lock(), limit, "standard input")?),
            Source::File(p) if p == Path::new("-") => Source::Stdin.open(limit)?,
            Source::File(path) => {
                let file = std::fs::File::open(&path)
                    .with_context(|| format!("cannot open input file {}", path.display()))?;
                let meta = file
                    .metadata()
                    .with_context(|| format!("cannot read input file {}", path.display()))?;
                if !meta.is_file() {
                    // A pipe or device: its length is only known once read.
                    let what = format!("input file {}", path.display());
                    Some(read_bounded(file, limit, &what)?)
                } else {
                    Some(Data::File {
                        file,
                        len: meta.len(),
                        path,
                    })
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_accept_binary_suffixes() {
        assert_eq!(parse_size("--size", "4096").unwrap(), 4096);
        assert_eq!(parse_size("--size", "64K").unwrap(), 65536);
        assert_eq!(parse_size("--size", "1M").unwrap(), 1 << 20);
        assert_eq!(parse_size("--size", "2G").unwrap(), 2 << 30);
        assert_eq!(parse_size("--size", "4kib").unwrap(), 4096);
        assert_eq!(parse_size("--size", "0x1000").unwrap(), 4096);
        for bad in [
            "",
            "K",
            "12Q",
            "-1",
            "1.5M",
            "99999999999999999999",
            "17179869184G",
        ] {
            assert!(parse_size("--size", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn timeouts_accept_units() {
        assert_eq!(parse_timeout("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_timeout("2").unwrap(), Duration::from_secs(2));
        assert_eq!(parse_timeout("1.5s").unwrap(), Duration::from_millis(1500));
        assert_eq!(parse_timeout("1m").unwrap(), Duration::from_secs(60));
        assert!(parse_timeout("soon").is_err());
        assert!(parse_timeout("2d").is_err());
    }

    #[test]
    fn streams_are_read_up_to_the_limit_plus_one_byte() {
        let endless = std::io::repeat(7);
        match read_bounded(endless, 4096, "test").unwrap() {
            Data::TooLong { what } => assert_eq!(what, "test"),
            _ => panic!("an endless stream fits nowhere"),
        }
        match read_bounded(&[1u8, 2, 3][..], 3, "test").unwrap() {
            Data::Bytes(b) => assert_eq!(b, [1, 2, 3]),
            _ => panic!("exactly the limit fits"),
        }
        assert!(matches!(
            read_bounded(&[1u8, 2, 3, 4][..], 3, "test").unwrap(),
            Data::TooLong { .. }
        ));
    }

    #[test]
    fn modes_are_octal() {
        assert_eq!(parse_mode("600").unwrap(), 0o600);
        assert_eq!(parse_mode("0644").unwrap(), 0o644);
        assert!(parse_mode("999").is_err());
        assert!(parse_mode("1777").is_err());
    }
}
