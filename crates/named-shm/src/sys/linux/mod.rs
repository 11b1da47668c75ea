//! Linux backend: named objects are files in a per-namespace directory on
//! tmpfs, published atomically with `O_TMPFILE` + `linkat`, with one OFD read
//! lock per open handle serving as the handle count (see `object.rs`).

pub(crate) mod admin;
pub(crate) mod futex;
pub(crate) mod ns;
pub(crate) mod object;
pub(crate) mod shm;
pub(crate) mod sync;

pub(crate) use super::unix::filename::file_name;
pub(crate) use super::unix::{cvt, cvt_r, euid, fork_generation, header, pid};
pub(crate) use shm::Shm;
pub(crate) use sync::{wait_multiple, Deadline, SysEvent, SysMutex};

/// The Win32 code for an OS error without a semantic variant (`Error::Io`):
/// `ERROR_NOT_ENOUGH_MEMORY` (8) for `ENOMEM`, else `ERROR_GEN_FAILURE` (31).
pub(crate) fn win32_code(e: &std::io::Error) -> u32 {
    match e.raw_os_error() {
        Some(libc::ENOMEM) => 8,
        _ => 31,
    }
}
