//! Waiting: deadlines, `WaitForSingleObject`/`WaitForMultipleObjects`, and
//! the multi-object wait. Wait-all is atomic, as Windows makes it.

use crate::sys::windows::{last_error, os_error};
use crate::sys::{Multi, SysObject};
use std::io;
use std::time::{Duration, Instant};
use windows_sys::Win32::Foundation::{HANDLE, WAIT_ABANDONED_0, WAIT_FAILED, WAIT_OBJECT_0, WAIT_TIMEOUT};
use windows_sys::Win32::System::Threading::{WaitForMultipleObjects, WaitForSingleObject, INFINITE};

/// An absolute point on the monotonic clock; `None` in an `Option<Deadline>`
/// is `INFINITE`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Deadline(Instant);

impl crate::sys::DeadlineImp for Deadline {
    /// `now + timeout`, or `None` for no timeout (saturating: a timeout too
    /// large for the clock is as good as none).
    fn after(timeout: Option<Duration>) -> Option<Deadline> {
        Instant::now().checked_add(timeout?).map(Deadline)
    }
}

impl Deadline {
    /// Now: a zero timeout.
    pub(super) fn now() -> Deadline {
        Deadline(Instant::now())
    }

    pub(super) fn at_instant(t: Instant) -> Deadline {
        Deadline(t)
    }

    pub(super) fn at(self) -> Instant {
        self.0
    }

    /// The timeout argument of a `WaitFor*` call: the milliseconds left,
    /// rounded up so that a wait never ends before the deadline, and kept
    /// below `INFINITE`.
    fn millis(d: Option<&Deadline>) -> u32 {
        let Some(d) = d else { return INFINITE };
        let left = d.0.saturating_duration_since(Instant::now());
        let ms = left.as_nanos().div_ceil(1_000_000);
        ms.min(u128::from(INFINITE - 1)) as u32
    }

    fn passed(d: Option<&Deadline>) -> bool {
        d.is_some_and(|d| Instant::now() >= d.0)
    }
}

/// A `WaitFor*` result.
pub(super) enum Waited {
    Object(usize),
    Abandoned(usize),
    TimedOut,
}

/// `WaitForMultipleObjects` (or `WaitForSingleObject` for one handle) until
/// `deadline`, retrying timeouts the millisecond rounding ended early.
pub(super) fn wait_handles(
    handles: &[HANDLE],
    wait_all: bool,
    deadline: Option<&Deadline>,
) -> io::Result<Waited> {
    let n = handles.len() as u32;
    loop {
        let ms = Deadline::millis(deadline);
        // SAFETY: every handle is open for the duration of the call (borrowed
        // from live objects), and n is their number (1..=64, checked by the caller).
        let r = unsafe {
            if n == 1 {
                WaitForSingleObject(handles[0], ms)
            } else {
                WaitForMultipleObjects(n, handles.as_ptr(), i32::from(wait_all), ms)
            }
        };
        match r {
            WAIT_TIMEOUT if deadline.is_some() && !Deadline::passed(deadline) => continue,
            WAIT_TIMEOUT => return Ok(Waited::TimedOut),
            WAIT_FAILED => return Err(os_error(last_error())),
            r if (WAIT_OBJECT_0..WAIT_OBJECT_0 + n).contains(&r) => {
                return Ok(Waited::Object((r - WAIT_OBJECT_0) as usize))
            }
            r if (WAIT_ABANDONED_0..WAIT_ABANDONED_0 + n).contains(&r) => {
                return Ok(Waited::Abandoned((r - WAIT_ABANDONED_0) as usize))
            }
            r => return Err(io::Error::other(format!("unexpected wait result {r:#x}"))),
        }
    }
}

impl SysObject<'_> {
    fn handle(&self) -> HANDLE {
        match self {
            SysObject::Event(e) => e.raw(),
            SysObject::Mutex(m) => m.raw(),
            SysObject::Semaphore(s) => s.raw(),
        }
    }
}

/// `WaitForMultipleObjects`. The caller validated the list (1..=64 objects,
/// no object twice for wait-all). Wait-any may name one object twice, as on
/// Windows: the lowest index wins.
pub(crate) fn wait_multiple(
    objs: &[SysObject<'_>],
    wait_all: bool,
    deadline: Option<Deadline>,
) -> io::Result<Multi> {
    let handles: Vec<HANDLE> = objs.iter().map(SysObject::handle).collect();
    Ok(match wait_handles(&handles, wait_all, deadline.as_ref())? {
        Waited::Object(i) => Multi::Signaled(i),
        Waited::Abandoned(i) => Multi::Abandoned(i),
        Waited::TimedOut => Multi::TimedOut,
    })
}
