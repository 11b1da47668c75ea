//! Named events and mutexes: `CreateEventW`/`OpenEventW`/`SetEvent`/
//! `ResetEvent`, `CreateMutexW`/`OpenMutexW`/`ReleaseMutex`, and
//! `WaitForSingleObject`/`WaitForMultipleObjects`.
//!
//! The kernel objects are the semantics, so this is a thin layer: ownership,
//! recursion, abandonment (`WAIT_ABANDONED`) and atomic wait-all are
//! Windows' own. Two things Win32 does not offer are read with the native
//! calls: an event's type and state (`NtQueryEvent`), and whether the caller
//! owns a mutex (`NtQueryMutant`).

use super::security::{self, Security};
use super::{last_error, name_error, os_error, owned, wide, ERROR_ACCESS_DENIED, ERROR_ALREADY_EXISTS};
use crate::error::{Error, ObjectKind, Result};
use crate::name::ObjectName;
use crate::sync::SyncOptions;
use crate::sys::Disposition;
use std::ffi::c_void;
use std::io;
use std::os::windows::io::{AsRawHandle, OwnedHandle};
use std::time::{Duration, Instant};
use windows_sys::Win32::Foundation::{HANDLE, WAIT_ABANDONED_0, WAIT_FAILED, WAIT_OBJECT_0, WAIT_TIMEOUT};
use windows_sys::Win32::System::Threading::{
    CreateEventW, CreateMutexW, GetCurrentProcessId, GetCurrentThreadId, OpenEventW, OpenMutexW,
    ReleaseMutex, ResetEvent, SetEvent, WaitForMultipleObjects, WaitForSingleObject, INFINITE,
};

const READ_CONTROL: u32 = 0x0002_0000;
const SYNCHRONIZE: u32 = 0x0010_0000;
const EVENT_QUERY_STATE: u32 = 0x1;
const EVENT_MODIFY_STATE: u32 = 0x2;
const MUTANT_QUERY_STATE: u32 = 0x1;

/// `EVENT_BASIC_INFORMATION` (ntddk.h): `EventType` is `NotificationEvent`
/// (0, manual reset) or `SynchronizationEvent` (1, auto reset).
#[repr(C)]
#[derive(Default)]
struct EventBasicInformation {
    event_type: i32,
    event_state: i32,
}

/// `MUTANT_BASIC_INFORMATION` (ntddk.h).
#[repr(C)]
#[derive(Default)]
struct MutantBasicInformation {
    current_count: i32,
    owned_by_caller: u8,
    abandoned_state: u8,
}

/// `MUTANT_INFORMATION_CLASS`.
const MUTANT_BASIC_INFORMATION: i32 = 0;
const MUTANT_OWNER_INFORMATION: i32 = 1;

#[link(name = "ntdll")]
extern "system" {
    /// `ZwQueryEvent` in the WDK; class 0 is `EventBasicInformation`.
    fn NtQueryEvent(h: HANDLE, class: i32, info: *mut c_void, len: u32, ret_len: *mut u32) -> i32;
    /// `ZwQueryMutant`.
    fn NtQueryMutant(h: HANDLE, class: i32, info: *mut c_void, len: u32, ret_len: *mut u32) -> i32;
}

/// An absolute point on the monotonic clock; `None` in an `Option<Deadline>`
/// is `INFINITE`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Deadline(Instant);

impl Deadline {
    /// `now + timeout`, or `None` for no timeout (saturating: a timeout too
    /// large for the clock is as good as none).
    pub(crate) fn after(timeout: Option<Duration>) -> Option<Deadline> {
        Instant::now().checked_add(timeout?).map(Deadline)
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
enum Waited {
    Object(usize),
    Abandoned(usize),
    TimedOut,
}

/// `WaitForMultipleObjects` (or `WaitForSingleObject` for one handle) until
/// `deadline`, retrying timeouts the millisecond rounding ended early.
fn wait_handles(handles: &[HANDLE], wait_all: bool, deadline: Option<&Deadline>) -> io::Result<Waited> {
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

/// How to make and open one kind of synchronization object.
struct Kind {
    kind: ObjectKind,
    /// Full access for opening; the fallback without the modify right.
    access: u32,
    read_only_access: u32,
    open: unsafe extern "system" fn(u32, i32, *const u16) -> HANDLE,
    open_op: &'static str,
    create_op: &'static str,
}

/// Creates (with `create`, which calls `Create*W`) or opens a named object:
/// `(handle, created, writable)`.
fn acquire(
    name: &ObjectName,
    disp: Disposition,
    opts: &SyncOptions,
    k: &Kind,
    create: impl Fn(*const windows_sys::Win32::Security::SECURITY_ATTRIBUTES, *const u16) -> HANDLE,
) -> Result<(OwnedHandle, bool, bool)> {
    let w = wide(name);
    let open = |access: u32| {
        let access = access
            | if opts.require_owner.is_some() {
                READ_CONTROL
            } else {
                0
            };
        // SAFETY: w is NUL-terminated UTF-16 and outlives the call.
        let h = unsafe { (k.open)(access, 0, w.as_ptr()) };
        owned(h).ok_or_else(last_error)
    };
    // Like Linux: a handle the DACL refuses the modify right gets a read-only
    // handle instead (it may wait, but not set, reset or lock).
    let open_any = || match open(k.access) {
        Ok(h) => Ok((h, false, true)),
        Err(ERROR_ACCESS_DENIED) => open(k.read_only_access)
            .map(|h| (h, false, false))
            .map_err(|code| name_error(name, k.kind, code, k.open_op, 0)),
        Err(code) => Err(name_error(name, k.kind, code, k.open_op, 0)),
    };
    let got = match disp {
        Disposition::Open => open_any()?,
        Disposition::Create | Disposition::OpenOrCreate | Disposition::Anonymous => {
            let sec = Security::new(k.kind, opts.mode).map_err(|source| Error::Io {
                name: name.as_str().to_owned(),
                op: "building the security descriptor",
                source,
            })?;
            // An unnamed object: a NULL name.
            let name_ptr = if disp == Disposition::Anonymous {
                std::ptr::null()
            } else {
                w.as_ptr()
            };
            let h = create(sec.attrs(), name_ptr);
            let code = last_error();
            match owned(h) {
                Some(_) if code == ERROR_ALREADY_EXISTS && disp == Disposition::Create => {
                    return Err(Error::AlreadyExists {
                        name: name.as_str().to_owned(),
                    })
                }
                Some(h) => (h, code != ERROR_ALREADY_EXISTS, true),
                // An unnamed object has no name to be refused for.
                None if disp == Disposition::Anonymous => {
                    return Err(name_error(name, k.kind, code, k.create_op, 0))
                }
                // The name exists but its DACL refuses what `Create*W` asks
                // for: an exclusive create is "already exists"; open-or-create
                // opens it with the access the DACL allows.
                None if code == ERROR_ACCESS_DENIED => match (disp, open_any()) {
                    (Disposition::Create, Ok(_)) => {
                        return Err(Error::AlreadyExists {
                            name: name.as_str().to_owned(),
                        })
                    }
                    (Disposition::Create, Err(Error::PermissionDenied { .. })) => {
                        return Err(Error::AlreadyExists {
                            name: name.as_str().to_owned(),
                        })
                    }
                    (_, Ok(got)) => got,
                    (_, Err(Error::NotFound { .. })) => {
                        return Err(name_error(name, k.kind, code, k.create_op, 0))
                    }
                    (_, Err(e)) => return Err(e),
                },
                None => return Err(name_error(name, k.kind, code, k.create_op, 0)),
            }
        }
    };
    if !got.1 && opts.require_owner.is_some() {
        let mine = security::owned_by_caller(got.0.as_raw_handle()).map_err(|source| Error::Io {
            name: name.as_str().to_owned(),
            op: "GetSecurityInfo",
            source,
        })?;
        if !mine {
            return Err(Error::PermissionDenied {
                name: name.as_str().to_owned(),
                reason: format!("the {} belongs to another user (require_owner)", k.kind),
                source: None,
            });
        }
    }
    Ok(got)
}

// ---------------------------------------------------------------------------
// Events.

/// One handle to a named event. Dropping it is `CloseHandle`.
#[derive(Debug)]
pub(crate) struct SysEvent {
    handle: OwnedHandle,
    manual: bool,
    created: bool,
    writable: bool,
}

impl SysEvent {
    pub(crate) fn acquire(
        name: &ObjectName,
        disp: Disposition,
        manual_reset: bool,
        initially_set: bool,
        opts: &SyncOptions,
    ) -> Result<SysEvent> {
        let k = Kind {
            kind: ObjectKind::Event,
            access: SYNCHRONIZE | EVENT_QUERY_STATE | EVENT_MODIFY_STATE,
            read_only_access: SYNCHRONIZE | EVENT_QUERY_STATE,
            open: OpenEventW,
            open_op: "OpenEventW",
            create_op: "CreateEventW",
        };
        let (handle, created, writable) = acquire(name, disp, opts, &k, |sa, w| {
            // SAFETY: sa and w are valid for the call (see `acquire`).
            unsafe { CreateEventW(sa, i32::from(manual_reset), i32::from(initially_set), w) }
        })?;
        // An existing event keeps its type: ask the kernel.
        let manual = if created {
            manual_reset
        } else {
            query_event(&handle)
                .map_err(|source| Error::Io {
                    name: name.as_str().to_owned(),
                    op: "NtQueryEvent",
                    source,
                })?
                .event_type
                == 0
        };
        Ok(SysEvent {
            handle,
            manual,
            created,
            writable,
        })
    }

    pub(crate) fn writable(&self) -> bool {
        self.writable
    }

    pub(crate) fn manual_reset(&self) -> bool {
        self.manual
    }

    pub(crate) fn created(&self) -> bool {
        self.created
    }

    /// Always 0: Windows objects have an owner SID, not a uid.
    pub(crate) fn owner_uid(&self) -> u32 {
        0
    }

    /// Always 0: Windows objects have a DACL, not permission bits.
    pub(crate) fn mode(&self) -> u32 {
        0
    }

    /// The state, without consuming an auto-reset event (`NtQueryEvent`).
    pub(crate) fn is_set(&self) -> bool {
        query_event(&self.handle).is_ok_and(|i| i.event_state != 0)
    }

    /// `SetEvent`. The caller checked `writable`.
    pub(crate) fn set(&self) {
        // SAFETY: the handle is an open event handle with EVENT_MODIFY_STATE.
        let ok = unsafe { SetEvent(self.handle.as_raw_handle()) };
        debug_assert!(ok != 0, "SetEvent: {}", os_error(last_error()));
    }

    /// `ResetEvent`. The caller checked `writable`.
    pub(crate) fn reset(&self) {
        // SAFETY: as in `set`.
        let ok = unsafe { ResetEvent(self.handle.as_raw_handle()) };
        debug_assert!(ok != 0, "ResetEvent: {}", os_error(last_error()));
    }

    /// [`wait`](Self::wait) after polling for up to `spin` (never past
    /// `deadline`). Windows has no user-space event state, so each look is a
    /// zero-timeout `WaitForSingleObject`: cheaper than a sleep and a wake-up
    /// when the peer answers within the budget, never faster than that.
    pub(crate) fn wait_spin(&self, spin: Duration, deadline: Option<Deadline>) -> bool {
        if let Some(stop) = Instant::now().checked_add(spin) {
            let stop = match deadline {
                Some(d) if d.0 < stop => d.0,
                _ => stop,
            };
            while Instant::now() < stop {
                if self.wait(Some(Deadline(Instant::now()))) {
                    return true;
                }
                std::hint::spin_loop();
            }
        }
        self.wait(deadline)
    }

    /// `WaitForSingleObject`: `true` if signalled, `false` on timeout.
    pub(crate) fn wait(&self, deadline: Option<Deadline>) -> bool {
        match wait_handles(&[self.handle.as_raw_handle()], false, deadline.as_ref()) {
            Ok(Waited::Object(_)) | Ok(Waited::Abandoned(_)) => true,
            Ok(Waited::TimedOut) => false,
            // Only a handle without SYNCHRONIZE fails, and ours all have it.
            Err(e) => panic!("WaitForSingleObject on an event failed: {e}"),
        }
    }
}

fn query_event(h: &OwnedHandle) -> io::Result<EventBasicInformation> {
    let mut info = EventBasicInformation::default();
    // SAFETY: info is a writable EVENT_BASIC_INFORMATION of the size passed.
    let status = unsafe {
        NtQueryEvent(
            h.as_raw_handle(),
            0,
            (&mut info as *mut EventBasicInformation).cast(),
            std::mem::size_of::<EventBasicInformation>() as u32,
            std::ptr::null_mut(),
        )
    };
    if status < 0 {
        return Err(io::Error::other(format!("NtQueryEvent: NTSTATUS {status:#x}")));
    }
    Ok(info)
}

// ---------------------------------------------------------------------------
// Mutexes.

pub(crate) use crate::sys::Locked;

/// One handle to a named mutex. Dropping it is `CloseHandle`, which does not
/// release a mutex the thread owns (as on Windows).
#[derive(Debug)]
pub(crate) struct SysMutex {
    handle: OwnedHandle,
    created: bool,
    writable: bool,
}

impl SysMutex {
    /// `CreateMutexW` or `OpenMutexW`. With `initial_owner`, the calling
    /// thread owns the mutex if this call created it (Windows' own rule).
    pub(crate) fn acquire(
        name: &ObjectName,
        disp: Disposition,
        opts: &SyncOptions,
        initial_owner: bool,
    ) -> Result<SysMutex> {
        let k = Kind {
            kind: ObjectKind::Mutex,
            access: SYNCHRONIZE | MUTANT_QUERY_STATE,
            read_only_access: MUTANT_QUERY_STATE,
            open: OpenMutexW,
            open_op: "OpenMutexW",
            create_op: "CreateMutexW",
        };
        let (handle, created, writable) = acquire(name, disp, opts, &k, |sa, w| {
            // SAFETY: sa and w are valid for the call (see `acquire`).
            unsafe { CreateMutexW(sa, i32::from(initial_owner), w) }
        })?;
        Ok(SysMutex {
            handle,
            created,
            writable,
        })
    }

    pub(crate) fn writable(&self) -> bool {
        self.writable
    }

    pub(crate) fn created(&self) -> bool {
        self.created
    }

    /// Always 0: Windows objects have an owner SID, not a uid.
    pub(crate) fn owner_uid(&self) -> u32 {
        0
    }

    /// Always 0: Windows objects have a DACL, not permission bits.
    pub(crate) fn mode(&self) -> u32 {
        0
    }

    /// `WaitForSingleObject` on the mutex. The caller checked `writable`.
    pub(crate) fn lock(&self, deadline: Option<Deadline>) -> io::Result<Locked> {
        Ok(
            match wait_handles(&[self.handle.as_raw_handle()], false, deadline.as_ref())? {
                Waited::Object(_) => Locked::Acquired,
                Waited::Abandoned(_) => Locked::Abandoned,
                Waited::TimedOut => Locked::TimedOut,
            },
        )
    }

    /// `ReleaseMutex`: `false` if the calling thread does not own the mutex
    /// (`ERROR_NOT_OWNER`).
    pub(crate) fn unlock(&self) -> bool {
        // SAFETY: the handle is an open mutex handle.
        unsafe { ReleaseMutex(self.handle.as_raw_handle()) != 0 }
    }

    /// The owner as (process id, thread id), if the mutex is held. Win32 has
    /// no such call: `NtQueryMutant(MutantOwnerInformation)` tells (Windows 10
    /// and later); where it is not implemented (Wine 8), only an owner that is
    /// the calling thread is known, and another owner reports `(0, 0)`.
    pub(crate) fn owner(&self) -> Option<(u32, u32)> {
        let h = self.handle.as_raw_handle();
        let mut basic = MutantBasicInformation::default();
        // SAFETY: basic is a writable MUTANT_BASIC_INFORMATION of the size passed.
        let status = unsafe {
            NtQueryMutant(
                h,
                MUTANT_BASIC_INFORMATION,
                (&mut basic as *mut MutantBasicInformation).cast(),
                std::mem::size_of::<MutantBasicInformation>() as u32,
                std::ptr::null_mut(),
            )
        };
        if status < 0 || basic.current_count > 0 {
            return None;
        }
        // CLIENT_ID: UniqueProcess and UniqueThread, handle-sized ids.
        let mut cid = [0usize; 2];
        // SAFETY: cid is a writable CLIENT_ID of the size passed.
        let status = unsafe {
            NtQueryMutant(
                h,
                MUTANT_OWNER_INFORMATION,
                cid.as_mut_ptr().cast(),
                std::mem::size_of_val(&cid) as u32,
                std::ptr::null_mut(),
            )
        };
        if status >= 0 && cid[0] != 0 {
            return Some((cid[0] as u32, cid[1] as u32));
        }
        if basic.owned_by_caller != 0 {
            // SAFETY: both calls only read the calling thread's identity.
            Some(unsafe { (GetCurrentProcessId(), GetCurrentThreadId()) })
        } else {
            Some((0, 0))
        }
    }
}

// ---------------------------------------------------------------------------
// Waiting on several objects.

pub(crate) use crate::sys::{Multi, SysObject};

impl SysObject<'_> {
    fn handle(&self) -> HANDLE {
        match self {
            SysObject::Event(e) => e.handle.as_raw_handle(),
            SysObject::Mutex(m) => m.handle.as_raw_handle(),
        }
    }

    /// Identifies the handle, to detect the same object passed twice. (Two
    /// handles of one object differ; `WaitForMultipleObjects` itself refuses
    /// those in a wait-all, with `ERROR_INVALID_PARAMETER`.)
    pub(crate) fn page_id(&self) -> usize {
        self.handle() as usize
    }
}

/// `WaitForMultipleObjects`. The caller validated the list (1..=64 objects,
/// no handle twice for wait-all). Wait-all is atomic, as Windows makes it.
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
