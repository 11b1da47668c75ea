//! The platform layer. Everything that talks to the operating system lives
//! below this module; the rest of the crate is platform-independent.
//!
//! Each backend exports the same items:
//! - `Shm` (a handle to a named mapping) and `RawView` (one mapped view);
//! - `admin` (listing, removing and reaping named objects).

#![allow(unsafe_code)]

pub(crate) mod copy;
#[cfg(target_os = "linux")]
mod linux;
#[cfg(unix)]
mod unix;
#[cfg(target_os = "linux")]
pub(crate) use linux::*;

#[cfg(windows)]
mod windows;
#[cfg(windows)]
pub(crate) use windows::*;

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
}

/// The outcome of a multi-object wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Multi {
    Signaled(usize),
    Abandoned(usize),
    TimedOut,
}

/// One mapped view, owned: each backend unmaps it on drop and implements
/// `flush`. Its fields are private to `sys` and its backends.
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

impl RawView {
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

#[cfg(not(any(unix, windows)))]
compile_error!("named-shm supports Linux and Windows");
