//! The platform layer. Everything that talks to the operating system lives
//! below this module; the rest of the crate is platform-independent.
//!
//! `contract.rs` is the backend contract: the traits a backend implements,
//! with what it must guarantee. This file selects the backend for the target
//! and names its types for the rest of the crate (an explicit list: nothing
//! else of a backend is visible above `sys`), and holds the plain types every
//! backend shares.

#![allow(unsafe_code)]
// The unsupported backend constructs none of the shared types.
#![cfg_attr(not(any(target_os = "linux", windows)), allow(dead_code))]

pub(crate) mod contract;
pub(crate) mod copy;
#[cfg(unix)]
mod unix;

#[cfg(target_os = "linux")]
mod linux;
#[cfg(target_os = "linux")]
type Imp = linux::Linux;

#[cfg(windows)]
mod windows;
#[cfg(windows)]
type Imp = windows::Windows;

#[cfg(not(any(target_os = "linux", windows)))]
mod unsupported;
#[cfg(not(any(target_os = "linux", windows)))]
type Imp = unsupported::Unsupported;

pub(crate) use contract::{
    AsyncWaitImp, Backend, DeadlineImp, EventImp, MutexImp, ObjectImp, SemaphoreImp, ShmImp,
};

/// A handle to a named mapping.
pub(crate) type Shm = <Imp as Backend>::Shm;
/// A handle to a named event.
pub(crate) type SysEvent = <Imp as Backend>::Event;
/// A handle to a named mutex.
pub(crate) type SysMutex = <Imp as Backend>::Mutex;
/// A handle to a named semaphore.
pub(crate) type SysSemaphore = <Imp as Backend>::Semaphore;
/// A wait's deadline.
pub(crate) type Deadline = <Imp as Backend>::Deadline;
/// The state of one pending async wait.
pub(crate) type AsyncWait = <Imp as Backend>::AsyncWait;

/// `WaitForMultipleObjects` (see [`Backend::wait_multiple`]).
pub(crate) fn wait_multiple(
    objs: &[SysObject<'_>],
    wait_all: bool,
    deadline: Option<Deadline>,
) -> std::io::Result<Multi> {
    Imp::wait_multiple(objs, wait_all, deadline)
}

/// The Win32 code for an OS error without a semantic variant (`Error::Io`).
pub(crate) fn win32_code(e: &std::io::Error) -> u32 {
    Imp::win32_code(e)
}

/// See [`Backend::out_of_handles`].
pub(crate) fn out_of_handles(e: &std::io::Error) -> Option<Option<u64>> {
    Imp::out_of_handles(e)
}

/// Listing, removing and reaping named objects (see [`Backend`]).
pub(crate) mod admin {
    use super::{Backend, Imp};
    use crate::admin::{ForeignEntry, HolderIndex, ObjectInfo, ReapReport};
    use crate::error::Result;
    use crate::name::{Namespace, ObjectName};

    pub(crate) fn list(ns: Namespace) -> Result<Vec<ObjectInfo>> {
        Imp::list(ns)
    }
    pub(crate) fn list_foreign(ns: Namespace) -> Result<Vec<ForeignEntry>> {
        Imp::list_foreign(ns)
    }
    pub(crate) fn scan(ns: Namespace) -> Result<(Vec<ObjectInfo>, Vec<ForeignEntry>)> {
        Imp::scan(ns)
    }
    pub(crate) fn info(name: &ObjectName) -> Result<ObjectInfo> {
        Imp::info(name)
    }
    pub(crate) fn holder_index() -> HolderIndex {
        Imp::holder_index()
    }
    pub(crate) fn remove(name: &ObjectName) -> Result<()> {
        Imp::remove(name)
    }
    pub(crate) fn reap(dry_run: bool) -> Result<ReapReport> {
        Imp::reap(dry_run)
    }
}

/// What a caller wants done about a name; shared by every backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Disposition {
    /// Fail with `AlreadyExists` if the name is live.
    Create,
    /// Fail with `NotFound` if the name is not live.
    Open,
    /// Open if live, create otherwise.
    OpenOrCreate,
    /// Create an object that never has a name (Windows: a NULL name): only
    /// its handles, their duplicates and inherited copies reach it, and it
    /// dies with the last of them. The name passed along is
    /// `ObjectName::unnamed()`, for messages only.
    Anonymous,
}

/// The outcome of trying to take a mutex.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Locked {
    /// Acquired.
    Acquired,
    /// Acquired; the previous owner died holding it (`WAIT_ABANDONED`).
    Abandoned,
    /// Not acquired before the deadline (or busy, for a try).
    TimedOut,
}

/// One object of a multi-object wait; each backend implements its methods.
#[derive(Debug, Clone, Copy)]
pub(crate) enum SysObject<'a> {
    Event(&'a SysEvent),
    Mutex(&'a SysMutex),
    Semaphore(&'a SysSemaphore),
}

impl SysObject<'_> {
    /// The same number for every handle of this process to the same object,
    /// to refuse an object passed twice to a wait-all.
    pub(crate) fn id(&self) -> usize {
        match self {
            SysObject::Event(e) => e.id(),
            SysObject::Mutex(m) => m.id(),
            SysObject::Semaphore(s) => s.id(),
        }
    }
}

/// The outcome of a multi-object wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Multi {
    Signaled(usize),
    Abandoned(usize),
    TimedOut,
}

/// One mapped view, owned: unmapped on drop through the backend's
/// [`Backend::unmap`]. Its fields are private to `sys` and its backends.
#[derive(Debug)]
pub(crate) struct RawView {
    ptr: std::ptr::NonNull<u8>,
    len: usize,
}

// SAFETY: RawView owns its mapping; the mapping is valid from any thread, and
// all access to the bytes goes through raw pointers or atomics.
unsafe impl Send for RawView {}
// SAFETY: as above; shared references only hand out raw pointers and copies.
unsafe impl Sync for RawView {}

impl Drop for RawView {
    fn drop(&mut self) {
        // SAFETY: ptr/len describe a view this RawView owns (made by the
        // backend's `map`), and nothing uses it after drop.
        unsafe { Imp::unmap(self.ptr, self.len) }
    }
}

impl RawView {
    /// `FlushViewOfFile`.
    pub(crate) fn flush(&self) -> std::io::Result<()> {
        Imp::flush(self.ptr, self.len)
    }

    pub(crate) fn ptr(&self) -> std::ptr::NonNull<u8> {
        self.ptr
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Gives up ownership: the mapping stays until the caller unmaps it.
    pub(crate) fn into_raw(self) -> (std::ptr::NonNull<u8>, usize) {
        let parts = (self.ptr, self.len);
        std::mem::forget(self);
        parts
    }
}

/// One view to map: what `SharedMemory` asks of a backend's `Shm::map`.
/// Offset and length are already validated against the object's size.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MapRequest {
    pub access: crate::ViewAccess,
    pub offset: u64,
    pub len: usize,
    pub prefault: bool,
    /// Ask for huge pages (`MADV_HUGEPAGE`); Windows refuses the option at
    /// acquire time and never reads this.
    #[cfg_attr(windows, allow(dead_code))]
    pub huge_pages: bool,
    /// Map exactly here if the range is free (never replacing a mapping).
    pub at: Option<std::ptr::NonNull<u8>>,
    /// Without `at`: start the view at a multiple of this many bytes (a
    /// power of two; 0 or up to a page: wherever the system puts it). Never
    /// replaces a mapping. Windows' views are always 64 KiB-aligned, so the
    /// Windows backend never reads it.
    #[cfg_attr(windows, allow(dead_code))]
    pub align: usize,
}
