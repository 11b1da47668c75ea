//! Linux backend: named objects are files in a per-namespace directory on
//! tmpfs, published atomically with `O_TMPFILE` + `linkat`, with one OFD read
//! lock per open handle serving as the handle count (see `object.rs`).

pub(crate) mod admin;
pub(crate) mod futex;
pub(crate) mod nofile;
pub(crate) mod ns;
pub(crate) mod object;
pub(crate) mod shm;
pub(crate) mod sync;

pub(crate) use super::unix::filename::file_name;
pub(crate) use super::unix::{cvt, cvt_r, euid, fork_generation, header, pid};

use crate::admin::{ForeignEntry, HolderIndex, ObjectInfo, ReapReport};
use crate::error::Result;
use crate::name::{Namespace, ObjectName};
use crate::sys::{Backend, Multi, SysObject};
use std::io;
use std::ptr::NonNull;

/// The Linux backend (see `sys/contract.rs`).
pub(crate) struct Linux;

impl Backend for Linux {
    type Shm = shm::Shm;
    type Event = sync::SysEvent;
    type Mutex = sync::SysMutex;
    type Semaphore = sync::SysSemaphore;
    type Deadline = futex::Deadline;
    type AsyncWait = sync::AsyncWait;

    fn wait_multiple(
        objs: &[SysObject<'_>],
        wait_all: bool,
        deadline: Option<futex::Deadline>,
    ) -> io::Result<Multi> {
        sync::wait_multiple(objs, wait_all, deadline)
    }

    unsafe fn unmap(ptr: NonNull<u8>, len: usize) {
        // SAFETY: the caller passes exactly one mapping of ours that nobody
        // uses any more. munmap of a valid mapping cannot fail; an error
        // would leave the mapping in place, which is harmless.
        unsafe { libc::munmap(ptr.as_ptr().cast(), len) };
        shm::unmapped(ptr);
    }

    /// `msync(MS_SYNC)`: on tmpfs there is no backing store, so this only
    /// orders the writes; it exists for parity with `FlushViewOfFile`.
    fn flush(ptr: NonNull<u8>, len: usize) -> io::Result<()> {
        // SAFETY: the range is exactly one mapping of ours.
        cvt(unsafe { libc::msync(ptr.as_ptr().cast(), len, libc::MS_SYNC) }).map(drop)
    }

    /// `ERROR_NOT_ENOUGH_MEMORY` (8) for `ENOMEM`, else `ERROR_GEN_FAILURE` (31).
    fn win32_code(e: &io::Error) -> u32 {
        match e.raw_os_error() {
            Some(libc::ENOMEM) => 8,
            _ => 31,
        }
    }

    fn out_of_handles(e: &io::Error) -> Option<Option<u64>> {
        match e.raw_os_error() {
            Some(libc::EMFILE) => Some(Some(nofile::soft_limit())),
            Some(libc::ENFILE) => Some(None),
            _ => None,
        }
    }

    fn list(ns: Namespace) -> Result<Vec<ObjectInfo>> {
        admin::list(ns)
    }
    fn list_foreign(ns: Namespace) -> Result<Vec<ForeignEntry>> {
        admin::list_foreign(ns)
    }
    fn scan(ns: Namespace) -> Result<(Vec<ObjectInfo>, Vec<ForeignEntry>)> {
        admin::scan(ns)
    }
    fn info(name: &ObjectName) -> Result<ObjectInfo> {
        admin::info(name)
    }
    fn holder_index() -> HolderIndex {
        admin::holder_index()
    }
    fn remove(name: &ObjectName) -> Result<()> {
        admin::remove(name)
    }
    fn reap(dry_run: bool) -> Result<ReapReport> {
        admin::reap(dry_run)
    }
}
