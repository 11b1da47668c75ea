//! Named semaphores: `CreateSemaphoreW`, `OpenSemaphoreW`,
//! `ReleaseSemaphore`; the count and maximum read with `NtQuerySemaphore`.

use super::object::{self, Kind, Object};
use super::wait::{wait_handles, Deadline, Waited};
use crate::error::{ErrorName, ObjectKind, Result};
use crate::name::ObjectName;
use crate::sync::SyncOptions;
use crate::sys::windows::security::{SEMAPHORE_MODIFY_STATE, SEMAPHORE_QUERY_STATE, SYNCHRONIZE};
use crate::sys::windows::{last_error, os_error, ERROR_TOO_MANY_POSTS};
use crate::sys::Disposition;
use crate::sys::{ObjectImp, SemaphoreImp};
use std::ffi::c_void;
use std::io;
use windows_sys::Win32::Foundation::HANDLE;
use windows_sys::Win32::System::Threading::{CreateSemaphoreW, OpenSemaphoreW, ReleaseSemaphore};

/// `SEMAPHORE_BASIC_INFORMATION` (ntddk.h).
#[repr(C)]
#[derive(Default)]
struct SemaphoreBasicInformation {
    current_count: i32,
    maximum_count: i32,
}

#[link(name = "ntdll")]
extern "system" {
    /// `ZwQuerySemaphore` in the WDK; class 0 is `SemaphoreBasicInformation`.
    fn NtQuerySemaphore(h: HANDLE, class: i32, info: *mut c_void, len: u32, ret_len: *mut u32) -> i32;
}

/// One handle to a named semaphore. Dropping it is `CloseHandle`.
#[derive(Debug)]
pub(crate) struct SysSemaphore {
    object: Object,
    maximum: u32,
    created: bool,
    writable: bool,
}

impl SysSemaphore {
    pub(super) fn raw(&self) -> HANDLE {
        self.object.raw()
    }

    fn query(&self) -> io::Result<SemaphoreBasicInformation> {
        query(self.raw())
    }
}

fn query(h: HANDLE) -> io::Result<SemaphoreBasicInformation> {
    let mut info = SemaphoreBasicInformation::default();
    // SAFETY: h is an open semaphore handle with SEMAPHORE_QUERY_STATE;
    // info is a writable SEMAPHORE_BASIC_INFORMATION of the size passed.
    let status = unsafe {
        NtQuerySemaphore(
            h,
            0,
            (&mut info as *mut SemaphoreBasicInformation).cast(),
            std::mem::size_of::<SemaphoreBasicInformation>() as u32,
            std::ptr::null_mut(),
        )
    };
    if status < 0 {
        return Err(io::Error::other(format!(
            "NtQuerySemaphore failed with status {status:#x}"
        )));
    }
    Ok(info)
}

impl ObjectImp for SysSemaphore {
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

impl SemaphoreImp for SysSemaphore {
    fn acquire(
        name: &ObjectName,
        disp: Disposition,
        initial: u32,
        maximum: u32,
        opts: &SyncOptions,
    ) -> Result<Self> {
        let k = Kind {
            kind: ObjectKind::Semaphore,
            access: SYNCHRONIZE | SEMAPHORE_QUERY_STATE | SEMAPHORE_MODIFY_STATE,
            read_only_access: SYNCHRONIZE | SEMAPHORE_QUERY_STATE,
            open: OpenSemaphoreW,
            open_op: "OpenSemaphoreW",
            create_op: "CreateSemaphoreW",
        };
        let got = object::acquire(name, disp, opts, &k, |sa, w| {
            // SAFETY: sa and w are valid for the call (see `object::acquire`);
            // the counts were validated (1..=i32::MAX).
            unsafe { CreateSemaphoreW(sa, initial as i32, maximum as i32, w) }
        })?;
        // An existing semaphore keeps its maximum: ask the kernel.
        let maximum = if got.created {
            maximum
        } else {
            let max = query(got.object.raw())
                .map_err(|e| name.io("query the semaphore", e))?
                .maximum_count;
            u32::try_from(max).unwrap_or(1)
        };
        Ok(SysSemaphore {
            object: got.object,
            maximum,
            created: got.created,
            writable: got.writable,
        })
    }

    fn writable(&self) -> bool {
        self.writable
    }

    /// `SYNCHRONIZE` is all a wait needs on Windows: every handle has it.
    fn may_wait(&self) -> bool {
        true
    }

    fn maximum(&self) -> u32 {
        self.maximum
    }

    fn count(&self) -> u32 {
        self.query()
            .map_or(0, |i| u32::try_from(i.current_count).unwrap_or(0))
    }

    fn release(&self, n: u32) -> io::Result<Option<u32>> {
        let mut prev = 0i32;
        // SAFETY: the handle is open with SEMAPHORE_MODIFY_STATE (the caller
        // checked `writable`); prev is a writable LONG.
        if unsafe { ReleaseSemaphore(self.raw(), n as i32, &mut prev) } != 0 {
            return Ok(Some(u32::try_from(prev).unwrap_or(0)));
        }
        match last_error() {
            ERROR_TOO_MANY_POSTS => Ok(None),
            code => Err(os_error(code)),
        }
    }

    fn wait(&self, deadline: Option<Deadline>) -> bool {
        matches!(
            wait_handles(&[self.raw()], false, deadline.as_ref()),
            Ok(Waited::Object(_))
        )
    }

    /// The same number for every handle of this process to this semaphore.
    fn id(&self) -> usize {
        self.object.id()
    }
}
