//! What events, mutexes and semaphores share: options, wait results, and
//! `WaitForMultipleObjects`.

use crate::error::{Error, ErrorName, Result};
use crate::event::Event;
use crate::mutex::Mutex;
use crate::name::ObjectName;
use crate::semaphore::Semaphore;
use crate::shm::Access;
use crate::sys;
use crate::sys::DeadlineImp as _;
use std::time::Duration;

/// The most objects one [`wait_for_multiple`] accepts (Windows' `MAXIMUM_WAIT_OBJECTS`).
pub const MAXIMUM_WAIT_OBJECTS: usize = 64;

/// Options common to events, mutexes and semaphores (mode, owner check,
/// open timeout, the handle's access).
#[derive(Debug, Clone)]
pub(crate) struct SyncOptions {
    pub(crate) mode: u32,
    pub(crate) require_owner: Option<u32>,
    pub(crate) lock_timeout: Duration,
    /// `None`: the most the object's permissions allow.
    pub(crate) access: Option<Access>,
}

impl SyncOptions {
    /// Whether a handle the backend opened (`writable`: with the most its
    /// permissions allow) may change the object's state, given the access
    /// asked for. [`Error::PermissionDenied`] if read-write access was asked
    /// for and the permissions allow reading only (Windows:
    /// `ERROR_ACCESS_DENIED` from `Open*` with a modify right).
    pub(crate) fn may_modify(&self, name: &ObjectName, kind: &str, writable: bool) -> Result<bool> {
        match self.access {
            None => Ok(writable),
            Some(Access::Read) => Ok(false),
            Some(Access::ReadWrite) if writable => Ok(true),
            Some(Access::ReadWrite) => Err(name.denied(format!(
                "read-write access was asked for, but the {kind}'s permissions allow reading only"
            ))),
        }
    }
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            mode: 0o600,
            require_owner: None,
            lock_timeout: Duration::from_secs(10),
            access: None,
        }
    }
}

/// The result of waiting on one object: `WaitForSingleObject`'s return value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WaitStatus {
    /// The object was signalled (`WAIT_OBJECT_0`); for a mutex: it is now owned.
    Signaled,
    /// Mutexes only: now owned, but the previous owner thread or process died
    /// holding it (`WAIT_ABANDONED`). The data it guards may be inconsistent.
    Abandoned,
    /// The timeout elapsed first (`WAIT_TIMEOUT`).
    TimedOut,
}

/// One object of a [`wait_for_multiple`]: a Windows wait handle.
#[derive(Debug, Clone, Copy)]
pub enum WaitObject<'a> {
    /// An event: signalled when set (an auto-reset event is consumed).
    Event(&'a Event),
    /// A mutex: signalled when free; waiting acquires it.
    Mutex(&'a Mutex),
    /// A semaphore: signalled while its count is above 0; waiting takes one.
    Semaphore(&'a Semaphore),
}

impl<'a> From<&'a Semaphore> for WaitObject<'a> {
    fn from(s: &'a Semaphore) -> Self {
        WaitObject::Semaphore(s)
    }
}

impl<'a> From<&'a Event> for WaitObject<'a> {
    fn from(e: &'a Event) -> Self {
        WaitObject::Event(e)
    }
}

impl<'a> From<&'a Mutex> for WaitObject<'a> {
    fn from(m: &'a Mutex) -> Self {
        WaitObject::Mutex(m)
    }
}

/// The result of [`wait_for_multiple`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MultiWaitStatus {
    /// `WAIT_OBJECT_0 + i`: object `i` was signalled (the lowest such index).
    /// With `wait_all`, always `Signaled(0)`.
    Signaled(usize),
    /// `WAIT_ABANDONED_0 + i`: mutex `i` was acquired abandoned. With
    /// `wait_all`, every object was acquired and `i` is an abandoned mutex.
    Abandoned(usize),
    /// `WAIT_TIMEOUT`.
    TimedOut,
}

/// `WaitForMultipleObjects`: waits until any one (`wait_all == false`) or all
/// of the objects are signalled, or until `timeout` (`None`: `INFINITE`).
///
/// Taking works as for one object: an auto-reset event is reset, a mutex is
/// acquired (recursively, by the calling thread), a semaphore's count goes
/// down by one. With `wait_all`, nothing is
/// taken unless everything is.
///
/// ```
/// use named_shm::{wait_for_multiple, Event, MultiWaitStatus, Mutex, WaitObject};
/// use std::time::Duration;
/// let id = std::process::id();
/// let ready = Event::create(&format!("doc-multi-ev-{id}"))?;
/// let lock = Mutex::create(&format!("doc-multi-mx-{id}"))?;
/// let objs = [WaitObject::Event(&ready), WaitObject::Mutex(&lock)];
/// // The mutex is free, so it is index 1 that is signalled (and now ours).
/// assert_eq!(wait_for_multiple(&objs, false, Some(Duration::ZERO))?, MultiWaitStatus::Signaled(1));
/// lock.release()?;
/// // Wait-all needs the event too.
/// assert_eq!(wait_for_multiple(&objs, true, Some(Duration::from_millis(10)))?, MultiWaitStatus::TimedOut);
/// ready.set()?;
/// assert_eq!(wait_for_multiple(&objs, true, None)?, MultiWaitStatus::Signaled(0));
/// lock.release()?;
/// # Ok::<(), named_shm::Error>(())
/// ```
///
/// # Errors
/// [`Error::InvalidArgument`] for no objects, more than
/// [`MAXIMUM_WAIT_OBJECTS`], or the same object twice with `wait_all` (as on
/// Windows); [`Error::PermissionDenied`] for a handle that cannot take its
/// object (a read-only auto-reset event or mutex).
///
/// # Platform differences
/// On Linux, wait-all takes the objects one by one and gives them back if it
/// cannot take them all, so unlike Windows it is not atomic with respect to
/// other waiters. A wait that includes mutexes re-checks them every 10 ms to
/// notice an owner that died (a dead owner never signals a release).
#[doc(alias = "WaitForMultipleObjects")]
pub fn wait_for_multiple(
    objects: &[WaitObject<'_>],
    wait_all: bool,
    timeout: Option<Duration>,
) -> Result<MultiWaitStatus> {
    let (first_name, sys_objs) = prepare(objects, wait_all)?;
    let r = sys::wait_multiple(&sys_objs, wait_all, sys::Deadline::after(timeout))
        .map_err(|e| first_name.io("wait for multiple objects", e))?;
    Ok(match r {
        sys::Multi::Signaled(i) => MultiWaitStatus::Signaled(i),
        sys::Multi::Abandoned(i) => MultiWaitStatus::Abandoned(i),
        sys::Multi::TimedOut => MultiWaitStatus::TimedOut,
    })
}

/// What a sync handle may do, from its `may_modify` flag: [`Access::ReadWrite`]
/// (signal, release, own) or [`Access::Read`] (wait only).
pub(crate) fn access_of(may_modify: bool) -> Access {
    if may_modify {
        Access::ReadWrite
    } else {
        Access::Read
    }
}

/// The error of a sync handle that may not `what` its object (`kind`: "the
/// event", ...): opened with read access, or its file allows reading only.
pub(crate) fn denied_to(name: &ObjectName, file_writable: bool, what: &str, kind: &str) -> Error {
    let why = if file_writable {
        "it was opened with read access"
    } else {
        "its permissions allow reading only"
    };
    name.denied(format!("this handle may not {what} {kind} ({why})"))
}

/// Validates a multi-object wait as `WaitForMultipleObjects` does, and
/// returns the first object's name (for errors) and the backend's objects.
pub(crate) fn prepare<'a>(
    objects: &[WaitObject<'a>],
    wait_all: bool,
) -> Result<(String, Vec<sys::SysObject<'a>>)> {
    let first_name = objects.first().map(|o| o.name().to_owned()).unwrap_or_default();
    let invalid = |reason: &str| first_name.invalid_arg(reason.to_owned());
    if objects.is_empty() {
        return Err(invalid("no objects to wait for"));
    }
    if objects.len() > MAXIMUM_WAIT_OBJECTS {
        return Err(invalid("more than 64 objects (MAXIMUM_WAIT_OBJECTS)"));
    }
    let mut sys_objs = Vec::with_capacity(objects.len());
    for o in objects {
        sys_objs.push(match o {
            WaitObject::Event(e) => {
                e.check_can_wait()?;
                sys::SysObject::Event(e.sys())
            }
            WaitObject::Mutex(m) => {
                m.check_writable("wait for (acquire)")?;
                sys::SysObject::Mutex(m.sys())
            }
            WaitObject::Semaphore(s) => {
                s.check_can_wait()?;
                sys::SysObject::Semaphore(s.sys())
            }
        });
    }
    if wait_all {
        let mut ids: Vec<usize> = sys_objs.iter().map(|o| o.id()).collect();
        ids.sort_unstable();
        if ids.windows(2).any(|w| w[0] == w[1]) {
            return Err(invalid("the same object appears twice in a wait-all"));
        }
    }
    Ok((first_name, sys_objs))
}

impl WaitObject<'_> {
    fn name(&self) -> &str {
        match self {
            WaitObject::Event(e) => e.name().as_str(),
            WaitObject::Mutex(m) => m.name().as_str(),
            WaitObject::Semaphore(s) => s.name().as_str(),
        }
    }
}
