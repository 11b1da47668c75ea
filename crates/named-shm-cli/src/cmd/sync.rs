//! `nshm event …`, `nshm mutex …` and `nshm sem …`: named events, mutexes
//! and semaphores.

use super::shm::{hold, note_if_gone, report_release};
use crate::cli::{EventCommand, MutexCommand, SemCommand};
use crate::exit_codes::{fail, ExitCode};
use crate::format;
use crate::input::parse_timeout;
use crate::signal;
use anyhow::Result;
use named_shm::admin::ObjectInfo;
use named_shm::{Event, Mutex, ObjectKind, Semaphore, WaitStatus};
use std::time::{Duration, Instant};

/// Waits are sliced so that Ctrl-C is noticed within this long.
const SLICE: Duration = Duration::from_millis(100);

/// The live state of an event, mutex or semaphore, for `nshm info` and
/// `nshm list`.
#[derive(Clone)]
pub enum SyncState {
    Event {
        set: bool,
        manual_reset: bool,
    },
    /// `abandoned`: the owner thread is gone (its process died holding the
    /// mutex); the next lock takes it and reports it abandoned.
    Mutex {
        owner: Option<(u32, u32)>,
        abandoned: bool,
    },
    Semaphore {
        count: i32,
        maximum: i32,
    },
}

impl SyncState {
    /// One short cell for `nshm list`'s STATE column.
    pub fn cell(&self) -> String {
        match self {
            SyncState::Event { set, manual_reset } => format!(
                "{} ({})",
                if *set { "set" } else { "unset" },
                if *manual_reset { "manual" } else { "auto" }
            ),
            SyncState::Mutex {
                owner: Some((_, tid)),
                abandoned: true,
            } => format!("abandoned (tid {tid})"),
            SyncState::Mutex {
                owner: Some((pid, _)),
                ..
            } => format!("locked (pid {pid})"),
            SyncState::Mutex { owner: None, .. } => "unlocked".into(),
            SyncState::Semaphore { count, maximum } => format!("{count}/{maximum}"),
        }
    }
}

/// Whether thread `tid` no longer runs: no `/proc/<tid>`, or an exited
/// process its parent has not reaped yet (state `Z` or `X`). Unreadable
/// counts as running.
fn thread_gone(tid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{tid}/stat")) {
        Ok(stat) => stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| matches!(state, "Z" | "X")),
        Err(e) => e.kind() == std::io::ErrorKind::NotFound,
    }
}

/// Reads the state of an event, mutex or semaphore; `None` for mappings,
/// for orphans (opening one would reclaim it) or when it cannot be opened.
/// The open is a handle of its own for that moment.
pub fn sync_state(name: &str, info: &ObjectInfo) -> Option<SyncState> {
    if info.orphan {
        return None;
    }
    match info.kind {
        ObjectKind::Event => Event::open(name).ok().map(|e| SyncState::Event {
            set: e.is_set(),
            manual_reset: e.is_manual_reset(),
        }),
        ObjectKind::Mutex => Mutex::open(name).ok().map(|m| {
            let owner = m.owner();
            SyncState::Mutex {
                owner,
                abandoned: owner.is_some_and(|(_, tid)| thread_gone(tid)),
            }
        }),
        ObjectKind::Semaphore => Semaphore::open(name).ok().map(|s| SyncState::Semaphore {
            count: s.count(),
            maximum: s.maximum(),
        }),
        _ => None,
    }
}

/// Calls `attempt` with slices of the timeout until it yields, the timeout
/// passes (`Ok(None)`) or Ctrl-C is pressed.
fn sliced<T>(
    name: &str,
    what: &str,
    timeout: Option<Duration>,
    mut attempt: impl FnMut(Duration) -> Result<Option<T>>,
) -> Result<Option<T>> {
    signal::install();
    let deadline = timeout.map(|t| Instant::now() + t);
    loop {
        let slice = match deadline {
            Some(d) => d.saturating_duration_since(Instant::now()).min(SLICE),
            None => SLICE,
        };
        if let Some(v) = attempt(slice)? {
            return Ok(Some(v));
        }
        if signal::interrupted() {
            return Err(fail(
                ExitCode::Interrupted,
                format!("interrupted while {what} `{name}`"),
            ));
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            return Ok(None);
        }
    }
}

/// Closes a new object's handle, after holding it with `--hold`, and says
/// what became of the name.
fn close_or_hold<T>(
    out: &mut impl std::io::Write,
    handle: T,
    name: &str,
    canonical: &str,
    keep: bool,
) -> Result<()> {
    if keep {
        hold(out, canonical, true)?;
        drop(handle);
        report_release(out, name, canonical)
    } else {
        drop(handle);
        note_if_gone(out, name, canonical)
    }
}

fn timed_out(what: &str, name: &str, timeout: Option<Duration>, why: &str) -> anyhow::Error {
    let t = timeout.unwrap_or_default();
    fail(
        ExitCode::Timeout,
        format!("timed out after {t:?} {what} `{name}`{why}"),
    )
}

pub fn event(c: EventCommand) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match c {
        EventCommand::Create {
            name,
            manual_reset,
            set,
            hold: keep,
        } => {
            let ev = Event::options()
                .manual_reset(manual_reset)
                .initially_set(set)
                .create(&name)?;
            let canonical = ev.name().as_str().to_owned();
            use std::io::Write;
            writeln!(
                out,
                "created {} event `{}` ({})",
                if manual_reset {
                    "manual-reset"
                } else {
                    "auto-reset"
                },
                format::escape(&canonical),
                if set { "set" } else { "not set" }
            )?;
            close_or_hold(&mut out, ev, &name, &canonical, keep)?;
        }
        EventCommand::Set { name } => {
            Event::open(&name)?.set()?;
            outln!("set event `{}`", format::escape(&name))?;
        }
        EventCommand::Reset { name } => {
            Event::open(&name)?.reset()?;
            outln!("reset event `{}`", format::escape(&name))?;
        }
        EventCommand::Pulse { name } => {
            Event::open(&name)?.pulse()?;
            outln!("pulsed event `{}`", format::escape(&name))?;
        }
        EventCommand::Wait { name, timeout } => {
            signal::install();
            let timeout = timeout.as_deref().map(parse_timeout).transpose()?;
            let ev = Event::open(&name)?;
            let got = sliced(&name, "waiting for", timeout, |slice| {
                Ok(match ev.wait(Some(slice))? {
                    WaitStatus::TimedOut => None,
                    st => Some(st),
                })
            })?;
            match got {
                Some(_) => outln!("event `{}` is set", format::escape(&name))?,
                None => return Err(timed_out("waiting for event", &name, timeout, ": it is not set")),
            }
        }
    }
    Ok(())
}

pub fn mutex(c: MutexCommand) -> Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match c {
        MutexCommand::Create {
            name,
            owned,
            hold: keep,
        } => {
            let m = Mutex::options().initial_owner(owned).create(&name)?;
            let canonical = m.name().as_str().to_owned();
            writeln!(
                out,
                "created mutex `{}`{}",
                format::escape(&canonical),
                if owned { ", locked by this process" } else { "" }
            )?;
            if keep {
                hold(&mut out, &canonical, true)?;
            }
            if owned {
                m.release()?;
            }
            drop(m);
            if keep {
                report_release(&mut out, &name, &canonical)?;
            } else {
                note_if_gone(&mut out, &name, &canonical)?;
            }
        }
        MutexCommand::Lock {
            name,
            timeout,
            hold: keep,
        } => {
            signal::install();
            let timeout = timeout.as_deref().map(parse_timeout).transpose()?;
            let m = Mutex::open(&name)?;
            let canonical = m.name().as_str().to_owned();
            let guard = sliced(&canonical, "locking", timeout, |slice| {
                Ok(m.try_lock_for(Some(slice))?)
            })?
            .ok_or_else(|| {
                let holder = m
                    .owner()
                    .map(|(pid, _)| format!(": it is locked by pid {pid}"))
                    .unwrap_or_default();
                timed_out("locking mutex", &canonical, timeout, &holder)
            })?;
            writeln!(
                out,
                "locked mutex `{}`{}",
                format::escape(&canonical),
                if guard.was_abandoned() {
                    " (abandoned: its previous owner died holding it)"
                } else {
                    ""
                }
            )?;
            if keep {
                hold(&mut out, &canonical, true)?;
            }
            drop(guard);
            writeln!(out, "released mutex `{}`", format::escape(&canonical))?;
        }
    }
    Ok(())
}

pub fn sem(c: SemCommand) -> Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match c {
        SemCommand::Create {
            name,
            initial,
            maximum,
            hold: keep,
        } => {
            let s = Semaphore::create(&name, initial, maximum)?;
            let canonical = s.name().as_str().to_owned();
            writeln!(
                out,
                "created semaphore `{}` (count {initial} of at most {maximum})",
                format::escape(&canonical)
            )?;
            close_or_hold(&mut out, s, &name, &canonical, keep)?;
        }
        SemCommand::Release { name, count } => {
            let s = Semaphore::open(&name)?;
            let previous = s.release(count)?;
            writeln!(
                out,
                "released {count} to semaphore `{}`: count {previous} -> {}",
                format::escape(s.name().as_str()),
                previous.saturating_add(count)
            )?;
        }
        SemCommand::Wait { name, timeout } => {
            signal::install();
            let timeout = timeout.as_deref().map(parse_timeout).transpose()?;
            let s = Semaphore::open(&name)?;
            let canonical = s.name().as_str().to_owned();
            let got = sliced(&canonical, "waiting for", timeout, |slice| {
                Ok(match s.wait(Some(slice))? {
                    WaitStatus::TimedOut => None,
                    st => Some(st),
                })
            })?;
            match got {
                Some(_) => writeln!(
                    out,
                    "took one from semaphore `{}` (count now {})",
                    format::escape(&canonical),
                    s.count()
                )?,
                None => {
                    return Err(timed_out(
                        "waiting for semaphore",
                        &canonical,
                        timeout,
                        ": its count stayed 0",
                    ))
                }
            }
        }
    }
    Ok(())
}
