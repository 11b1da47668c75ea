//! Named mutexes: `CreateMutexW`/`OpenMutexW`, `ReleaseMutex`, and the owner
//! Win32 does not tell, read with `NtQueryMutant`. Ownership, recursion and
//! abandonment (`WAIT_ABANDONED`) are the kernel's own.

use super::object::{self, Kind, Object};
use super::wait::{wait_handles, Deadline, Waited};
use crate::error::{ObjectKind, Result};
use crate::name::ObjectName;
use crate::sync::SyncOptions;
use crate::sys::windows::security::{MUTANT_QUERY_STATE, SYNCHRONIZE};
use crate::sys::{Disposition, Locked};
use crate::sys::{MutexImp, ObjectImp};
use std::ffi::c_void;
use std::io;
use windows_sys::Win32::Foundation::HANDLE;
use windows_sys::Win32::System::Threading::{
    CreateMutexW, GetCurrentProcessId, GetCurrentThreadId, OpenMutexW, ReleaseMutex,
};

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
    /// `ZwQueryMutant`.
    fn NtQueryMutant(h: HANDLE, class: i32, info: *mut c_void, len: u32, ret_len: *mut u32) -> i32;
}

/// One handle to a named mutex. Dropping it is `CloseHandle`, which does not
/// release a mutex the thread owns (as on Windows).
#[derive(Debug)]
pub(crate) struct SysMutex {
    object: Object,
    created: bool,
    writable: bool,
}

impl SysMutex {
    pub(super) fn raw(&self) -> HANDLE {
        self.object.raw()
    }
}

impl ObjectImp for SysMutex {
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

impl MutexImp for SysMutex {
    /// `CreateMutexW` or `OpenMutexW`. With `initial_owner`, the calling
    /// thread owns the mutex if this call created it (Windows' own rule).
    fn acquire(
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
        let got = object::acquire(name, disp, opts, &k, |sa, w| {
            // SAFETY: sa and w are valid for the call (see `object::acquire`).
            unsafe { CreateMutexW(sa, i32::from(initial_owner), w) }
        })?;
        Ok(SysMutex {
            object: got.object,
            created: got.created,
            writable: got.writable,
        })
    }

    fn writable(&self) -> bool {
        self.writable
    }

    /// The same number for every handle of this process to this mutex.
    fn id(&self) -> usize {
        self.object.id()
    }

    /// `WaitForSingleObject` on the mutex. The caller checked `writable`.
    fn lock(&self, deadline: Option<Deadline>) -> io::Result<Locked> {
        Ok(match wait_handles(&[self.raw()], false, deadline.as_ref())? {
            Waited::Object(_) => Locked::Acquired,
            Waited::Abandoned(_) => Locked::Abandoned,
            Waited::TimedOut => Locked::TimedOut,
        })
    }

    /// `ReleaseMutex`: `false` if the calling thread does not own the mutex
    /// (`ERROR_NOT_OWNER`).
    fn unlock(&self) -> bool {
        // SAFETY: the handle is an open mutex handle.
        unsafe { ReleaseMutex(self.raw()) != 0 }
    }

    /// The owner as (process id, thread id), if the mutex is held. Win32 has
    /// no such call: `NtQueryMutant(MutantOwnerInformation)` tells (Windows 10
    /// and later); where it is not implemented (Wine 8), only an owner that is
    /// the calling thread is known, and another owner reports `(0, 0)`.
    fn owner(&self) -> Option<(u32, u32)> {
        let h = self.raw();
        let mut basic = MutantBasicInformation::default();
        // SAFETY: h is an open mutex handle with MUTANT_QUERY_STATE; basic is
        // a writable MUTANT_BASIC_INFORMATION of the size passed.
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
