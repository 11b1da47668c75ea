//! Named events: `CreateEventW`/`OpenEventW`, `SetEvent`/`ResetEvent`, and
//! the type and state Win32 does not tell, read with `NtQueryEvent`.

use super::object::{self, Kind, Object};
use super::wait::{wait_handles, Deadline, Waited};
use crate::error::{ErrorName, ObjectKind, Result};
use crate::name::ObjectName;
use crate::sync::SyncOptions;
use crate::sys::windows::security::{EVENT_MODIFY_STATE, EVENT_QUERY_STATE, SYNCHRONIZE};
use crate::sys::windows::{last_error, os_error};
use crate::sys::Disposition;
use crate::sys::{EventImp, ObjectImp};
use std::ffi::c_void;
use std::io;
use std::time::{Duration, Instant};
use windows_sys::Win32::Foundation::HANDLE;
use windows_sys::Win32::System::Threading::{CreateEventW, OpenEventW, PulseEvent, ResetEvent, SetEvent};

/// `EVENT_BASIC_INFORMATION` (ntddk.h): `EventType` is `NotificationEvent`
/// (0, manual reset) or `SynchronizationEvent` (1, auto reset).
#[repr(C)]
#[derive(Default)]
struct EventBasicInformation {
    event_type: i32,
    event_state: i32,
}

#[link(name = "ntdll")]
extern "system" {
    /// `ZwQueryEvent` in the WDK; class 0 is `EventBasicInformation`.
    fn NtQueryEvent(h: HANDLE, class: i32, info: *mut c_void, len: u32, ret_len: *mut u32) -> i32;
}

/// One handle to a named event. Dropping it is `CloseHandle`.
#[derive(Debug)]
pub(crate) struct SysEvent {
    object: Object,
    manual: bool,
    created: bool,
    writable: bool,
}

impl SysEvent {
    pub(super) fn raw(&self) -> HANDLE {
        self.object.raw()
    }
}

impl ObjectImp for SysEvent {
    fn created(&self) -> bool {
        self.created
    }

    /// Always 0: Windows objects have an owner SID, not a uid.
    fn owner_uid(&self) -> u32 {
        0
    }

    /// Always 0: Windows objects have a DACL, not permission bits.
    fn mode(&self) -> u32 {
        0
    }
}

impl EventImp for SysEvent {
    fn acquire(
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
        let got = object::acquire(name, disp, opts, &k, |sa, w| {
            // SAFETY: sa and w are valid for the call (see `object::acquire`).
            unsafe { CreateEventW(sa, i32::from(manual_reset), i32::from(initially_set), w) }
        })?;
        // An existing event keeps its type: ask the kernel.
        let manual = if got.created {
            manual_reset
        } else {
            query_event(got.object.raw())
                .map_err(|source| name.io("NtQueryEvent", source))?
                .event_type
                == 0
        };
        Ok(SysEvent {
            object: got.object,
            manual,
            created: got.created,
            writable: got.writable,
        })
    }

    fn writable(&self) -> bool {
        self.writable
    }

    fn manual_reset(&self) -> bool {
        self.manual
    }

    /// The same number for every handle of this process to this event.
    fn id(&self) -> usize {
        self.object.id()
    }

    /// The state, without consuming an auto-reset event (`NtQueryEvent`).
    fn is_set(&self) -> bool {
        query_event(self.raw()).is_ok_and(|i| i.event_state != 0)
    }

    /// `SetEvent`. The caller checked `writable`.
    fn set(&self) {
        // SAFETY: the handle is an open event handle with EVENT_MODIFY_STATE.
        let ok = unsafe { SetEvent(self.raw()) };
        debug_assert!(ok != 0, "SetEvent: {}", os_error(last_error()));
    }

    /// `ResetEvent`. The caller checked `writable`.
    fn reset(&self) {
        // SAFETY: as in `set`.
        let ok = unsafe { ResetEvent(self.raw()) };
        debug_assert!(ok != 0, "ResetEvent: {}", os_error(last_error()));
    }

    /// `PulseEvent`. The caller checked `writable`.
    fn pulse(&self) {
        // SAFETY: as in `set`.
        let ok = unsafe { PulseEvent(self.raw()) };
        debug_assert!(ok != 0, "PulseEvent: {}", os_error(last_error()));
    }

    /// [`wait`](Self::wait) after polling for up to `spin` (never past
    /// `deadline`). Windows has no user-space event state, so each look is a
    /// zero-timeout `WaitForSingleObject`: cheaper than a sleep and a wake-up
    /// when the peer answers within the budget, never faster than that.
    fn wait_spin(&self, spin: Duration, deadline: Option<Deadline>) -> bool {
        if let Some(stop) = Instant::now().checked_add(spin) {
            let stop = deadline.map_or(stop, |d| d.at().min(stop));
            while Instant::now() < stop {
                if self.wait(Some(Deadline::now())) {
                    return true;
                }
                std::hint::spin_loop();
            }
        }
        self.wait(deadline)
    }

    /// `WaitForSingleObject`: `true` if signalled, `false` on timeout.
    fn wait(&self, deadline: Option<Deadline>) -> bool {
        match wait_handles(&[self.raw()], false, deadline.as_ref()) {
            Ok(Waited::Object(_)) | Ok(Waited::Abandoned(_)) => true,
            Ok(Waited::TimedOut) => false,
            // Only a handle without SYNCHRONIZE fails, and ours all have it.
            Err(e) => panic!("WaitForSingleObject on an event failed: {e}"),
        }
    }
}

fn query_event(h: HANDLE) -> io::Result<EventBasicInformation> {
    let mut info = EventBasicInformation::default();
    // SAFETY: h is an open event handle with EVENT_QUERY_STATE; info is a
    // writable EVENT_BASIC_INFORMATION of the size passed.
    let status = unsafe {
        NtQueryEvent(
            h,
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
