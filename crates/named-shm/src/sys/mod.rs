//! The platform layer. Everything that talks to the operating system lives
//! below this module; the rest of the crate is platform-independent.
//!
//! Each backend exports the same items:
//! - `Shm` (a handle to a named mapping) and `RawView` (one mapped view);
//! - `admin` (listing, removing and reaping named objects).

#![allow(unsafe_code)]

#[cfg(unix)]
mod unix;
#[cfg(unix)]
pub(crate) use unix::*;

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
}

#[cfg(not(any(unix, windows)))]
compile_error!("named-shm supports Linux and Windows");
