//! `nshm create`, `read`, `write` and `rm`: named mappings.

use crate::cli::{CreateArgs, ReadArgs, RmArgs, WriteArgs};
use crate::exit_codes::{fail, invalid, ExitCode};
use crate::format::{self, HexDump};
use crate::input::{parse_mode, parse_size, Data, Source};
use crate::signal::{self, Release};
use anyhow::{Context, Result};
use named_shm::{admin, Access, SharedMemory, ShmOptions, View};
use std::io::{IsTerminal, Read, Write};

/// Bytes copied per step when reading or writing large ranges.
const CHUNK: usize = 1 << 20;
/// Inputs at least this large show progress on a terminal.
const PROGRESS_MIN: u64 = 16 << 20;

pub fn create(a: CreateArgs) -> Result<()> {
    let size = parse_size("--size", &a.size)?;
    let mut opts = ShmOptions::new();
    if let Some(m) = &a.mode {
        opts.mode(parse_mode(m)?);
    }
    let from_stdin = a.file.as_deref() == Some(std::path::Path::new("-"));
    let source = match (a.text, a.file) {
        (Some(t), _) => Source::Text(t),
        (None, Some(f)) => Source::File(f),
        // With --hold, standard input is what releases the handle.
        (None, None) if !a.hold && !std::io::stdin().is_terminal() => Source::Stdin,
        (None, None) => Source::None,
    };
    // At most what fits in the mapping (whole pages) plus one byte is read.
    let fits = size
        .checked_next_multiple_of(named_shm::PAGE_SIZE)
        .unwrap_or(u64::MAX);
    let data = source.open(fits)?;
    // Validate before creating: data that cannot fit fails with nothing made.
    if let Some(data) = &data {
        if size > 0 {
            check_fits(&a.name, fits, 0, data)?;
        }
    }
    let shm = opts.create(&a.name, size)?;
    let name = shm.name().as_str().to_owned();
    let shown = format::escape(&name);
    let mut line = format!(
        "created mapping `{shown}` ({})",
        if shm.size() == size {
            format::human_size(size)
        } else {
            format!("{} bytes, rounded up to {}", size, format::human_size(shm.size()))
        }
    );
    if let Some(data) = data {
        check_fits(&name, shm.size(), 0, &data)?;
        let len = data.len();
        let view = shm.map(0, 0)?;
        write_data(&view, 0, data, &name)?;
        line.push_str(&format!(", wrote {len} byte{}", if len == 1 { "" } else { "s" }));
    }
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}")?;
    if a.hold {
        hold(&mut out, &name, !from_stdin)?;
        drop(shm);
        report_release(&mut out, &a.name, &name)?;
    } else {
        drop(shm);
        note_if_gone(&mut out, &a.name, &name)?;
    }
    Ok(())
}

/// After closing the only handle of a new object without `--hold`.
pub fn note_if_gone(out: &mut impl Write, given: &str, name: &str) -> Result<()> {
    let name = format::escape(name);
    if admin::info(given).is_err() {
        writeln!(
            out,
            "note: `{name}` is gone again: a name dies with its last handle (use --hold to keep it)"
        )?;
    }
    Ok(())
}

/// Tells the user how to release, then waits for it. Standard input at its
/// end does not release (see [`signal::wait_for_release`]): it says so.
pub fn hold(out: &mut impl Write, name: &str, use_stdin: bool) -> Result<Release> {
    // Before saying so: from then on Ctrl-C must release, not kill.
    signal::install();
    let name = format::escape(name);
    let pid = std::process::id();
    const SIGNALS: &str = "SIGINT (Ctrl-C), SIGTERM or SIGHUP";
    let until = if !use_stdin {
        format!("until {SIGNALS}")
    } else if std::io::stdin().is_terminal() {
        "until you press Enter or Ctrl-C".to_owned()
    } else {
        format!("until a line arrives on standard input, or {SIGNALS}")
    };
    writeln!(out, "holding `{name}` (pid {pid}): it stays alive {until}")?;
    out.flush()?;
    let mut noted = Ok(());
    let release = signal::wait_for_release(use_stdin, || {
        noted = writeln!(
            out,
            "standard input is at its end: holding `{name}` until {SIGNALS} (kill {pid})"
        )
        .and_then(|()| out.flush());
    });
    noted?;
    if release == Release::Signal && std::io::stdout().is_terminal() {
        // The terminal echoed `^C` where the next line would start: erase it,
        // so that what follows begins a clean line.
        write!(out, "\r\x1b[K")?;
    }
    Ok(release)
}

/// After closing a held handle: says whether the name died with it.
pub fn report_release(out: &mut impl Write, given: &str, name: &str) -> Result<()> {
    let name = format::escape(name);
    match admin::info(given) {
        Ok(i) => writeln!(
            out,
            "released `{name}`; still alive: {} other handle{} open",
            i.holders,
            if i.holders == 1 { "" } else { "s" }
        )?,
        Err(_) => writeln!(out, "released `{name}`; the name is gone")?,
    }
    Ok(())
}

/// Fails with [`ExitCode::InvalidInput`] unless `data` fits at `offset`.
fn check_fits(name: &str, size: u64, offset: u64, data: &Data) -> Result<()> {
    let len = data.len();
    let name = format::escape(name);
    if offset > size || (offset == size && len > 0) {
        return Err(invalid(format!(
            "offset {offset} is past the end of `{name}` ({size} bytes)"
        )));
    }
    if let Data::TooLong { what } = data {
        return Err(invalid(format!(
            "{what} holds more than the {} bytes at offset {offset} that fit in `{name}` ({size} bytes): \
             it does not fit, nothing was written",
            size - offset
        )));
    }
    if len > size - offset {
        return Err(invalid(format!(
            "{len} bytes at offset {offset} do not fit in `{name}` ({size} bytes)"
        )));
    }
    Ok(())
}

/// Copies `data` into the view at `offset`, showing progress for large input
/// on a terminal. The caller has checked that it fits.
fn write_data(view: &View, offset: u64, data: Data, name: &str) -> Result<()> {
    let name = &*format::escape(name);
    let total = data.len();
    let progress = total >= PROGRESS_MIN && std::io::stderr().is_terminal();
    if progress {
        signal::install();
    }
    let at = |n: u64| usize::try_from(offset + n).map_err(|_| invalid("offset too large"));
    match data {
        Data::Bytes(b) => {
            for (i, chunk) in b.chunks(CHUNK).enumerate() {
                let done = (i * CHUNK) as u64;
                view.write_at(at(done)?, chunk)?;
                step(progress, name, done + chunk.len() as u64, total)?;
            }
        }
        Data::TooLong { what } => return Err(invalid(format!("{what} does not fit in `{name}`"))),
        Data::File { mut file, len, path } => {
            let mut buf = vec![0u8; CHUNK];
            let mut done = 0u64;
            while done < len {
                let want = (len - done).min(CHUNK as u64) as usize;
                let n = file
                    .read(&mut buf[..want])
                    .with_context(|| format!("cannot read input file {}", path.display()))?;
                if n == 0 {
                    break; // the file shrank while we read it
                }
                view.write_at(at(done)?, &buf[..n])?;
                done += n as u64;
                step(progress, name, done, total)?;
            }
        }
    }
    if progress {
        eprint!("\r\x1b[K");
    }
    Ok(())
}

fn step(progress: bool, name: &str, done: u64, total: u64) -> Result<()> {
    if !progress {
        return Ok(());
    }
    if signal::interrupted() {
        eprintln!();
        return Err(fail(
            ExitCode::Interrupted,
            format!("interrupted after writing {done} of {total} bytes to `{name}`"),
        ));
    }
    eprint!(
        "\r\x1b[Kwriting `{name}`: {:3}% ({} of {})",
        done * 100 / total.max(1),
        format::human_size(done),
        format::human_size(total)
    );
    Ok(())
}

pub fn read(a: ReadArgs) -> Result<()> {
    let shm = SharedMemory::options().access(Access::Read).open(&a.name)?;
    let name = format::escape(shm.name().as_str()).into_owned();
    let size = shm.size();
    let offset = parse_size("--offset", &a.offset)?;
    if offset >= size {
        return Err(invalid(format!(
            "offset {offset} is past the end of `{name}` ({size} bytes)"
        )));
    }
    let len = match &a.len {
        Some(l) => {
            let len = parse_size("--len", l)?;
            if len > size - offset {
                return Err(invalid(format!(
                    "--len {len} at offset {offset} runs past the end of `{name}` ({size} bytes)"
                )));
            }
            len
        }
        None => size - offset,
    };
    let view = shm.map(0, 0)?;
    let mut out = std::io::stdout().lock();
    let mut buf = vec![0u8; CHUNK.min(len as usize)];
    let mut done = 0u64;
    let mut hex = HexDump::default();
    let mut text = Vec::new();
    while done < len {
        let n = (len - done).min(CHUNK as u64) as usize;
        let start = usize::try_from(offset + done).map_err(|_| invalid("offset too large"))?;
        view.read_at(start, &mut buf[..n])?;
        let chunk = &buf[..n];
        if a.raw {
            out.write_all(chunk)?;
        } else if a.hex {
            out.write_all(hex.push(chunk, offset + done).as_bytes())?;
        } else if a.len.is_none() {
            // Text up to the first NUL byte.
            match chunk.iter().position(|&b| b == 0) {
                Some(nul) => {
                    text.extend_from_slice(&chunk[..nul]);
                    break;
                }
                None => text.extend_from_slice(chunk),
            }
        } else {
            text.extend_from_slice(chunk);
        }
        done += n as u64;
    }
    if a.hex {
        out.write_all(hex.finish(offset + len).as_bytes())?;
    } else if !a.raw {
        let s = String::from_utf8_lossy(&text);
        out.write_all(s.as_bytes())?;
        if !s.ends_with('\n') {
            out.write_all(b"\n")?;
        }
    }
    out.flush()?;
    Ok(())
}

pub fn write(a: WriteArgs) -> Result<()> {
    let shm = SharedMemory::open(&a.name)?;
    let name = shm.name().as_str().to_owned();
    let offset = parse_size("--offset", &a.offset)?;
    let source = match (a.text, a.file) {
        (Some(t), _) => Source::Text(t),
        (None, Some(f)) => Source::File(f),
        (None, None) => Source::Stdin,
    };
    // At most what fits after the offset plus one byte is read.
    let data = source
        .open(shm.size().saturating_sub(offset))?
        .expect("every write source has data");
    check_fits(&name, shm.size(), offset, &data)?;
    let len = data.len();
    let view = shm.map(0, 0)?;
    write_data(&view, offset, data, &name)?;
    outln!(
        "wrote {len} byte{} to `{}` at offset {offset}",
        if len == 1 { "" } else { "s" },
        format::escape(&name)
    )?;
    Ok(())
}

pub fn rm(a: RmArgs) -> Result<()> {
    let given = format::escape(&a.name);
    if !a.yes {
        let what = match admin::info(&a.name) {
            Ok(i) => format!(
                "{} `{}`, {} handle{} open",
                i.kind,
                format::escape(&i.name),
                i.holders,
                if i.holders == 1 { "" } else { "s" }
            ),
            Err(named_shm::Error::NotFound { .. }) => {
                // Maybe an orphan: `remove` knows; otherwise it reports not found.
                format!("`{given}`")
            }
            Err(e) => return Err(e.into()),
        };
        eprint!("remove {what}? Holders keep their memory, the name is freed. [y/N] ");
        let mut answer = String::new();
        std::io::stdin()
            .read_line(&mut answer)
            .context("reading the answer")?;
        if !matches!(answer.trim(), "y" | "Y" | "yes" | "Yes") {
            if !std::io::stdin().is_terminal() {
                eprintln!();
            }
            return Err(fail(
                ExitCode::Failure,
                format!("`{given}` not removed: not confirmed (--yes skips the question)"),
            ));
        }
    }
    admin::remove(&a.name)?;
    outln!("removed `{given}`")?;
    Ok(())
}
