//! The mapped header page of an event or mutex. All handles of one object in a process share one mapping
//! (a process-global cache keyed by device and inode), unmapped when the last
//! handle goes. A thread that owns a mutex keeps a reference to the mapping
//! in its private list, so a mutex owned after its handles are closed stays
//! mapped exactly until it is released or abandoned (v1 leaked such a
//! mapping for good). To keep the uncontended lock free of reference-count
//! traffic, a released entry stays in the list as *idle* while some handle
//! still uses the page; an idle entry whose handles are gone is dropped when
//! the thread next takes a mutex it has not taken lately, and a thread keeps
//! at most [`IDLE_MAX`] idle entries.

use super::super::header::{HEADER_SIZE, SYNC_OFFSET, SYNC_SIZE};
use super::super::object::{self, Disposition, Object, OpenSpec, Spec};
use crate::error::{Error, ErrorName, ObjectKind, Result};
use crate::name::ObjectName;
use crate::sync::SyncOptions;
use std::collections::HashMap;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, RawFd};
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// Marks a sync area written by this version of the code, so an object made by
/// an incompatible build is refused instead of misread.
pub(super) const LAYOUT: usize = SYNC_OFFSET + 60;

pub(super) type Key = (u64, u64, bool);

/// The header page of one event or mutex, mapped `MAP_SHARED`.
#[derive(Debug)]
pub(super) struct Page {
    pub(super) ptr: NonNull<u8>,
    pub(super) writable: bool,
}

// SAFETY: the page is a shared mapping valid from any thread; all access to
// its bytes goes through atomics or the pthread functions, which are made for
// concurrent use.
unsafe impl Send for Page {}
// SAFETY: as above.
unsafe impl Sync for Page {}

impl Page {
    pub(super) fn word(&self, off: usize) -> &AtomicU32 {
        debug_assert!(off % 4 == 0 && off >= SYNC_OFFSET && off + 4 <= SYNC_OFFSET + SYNC_SIZE);
        // SAFETY: the mapping is HEADER_SIZE bytes, page-aligned and lives as
        // long as `self`; `off` is 4-aligned and in range. Other processes
        // change these bytes, which is why they are only accessed atomically.
        unsafe { &*self.ptr.as_ptr().add(off).cast::<AtomicU32>() }
    }
}

impl Drop for Page {
    fn drop(&mut self) {
        // SAFETY: ptr/len describe the mapping this Page owns; nothing uses it
        // after drop. An munmap error would leave the mapping in place, which
        // is harmless, so it is ignored.
        unsafe {
            libc::munmap(self.ptr.as_ptr().cast(), HEADER_SIZE as usize);
        }
    }
}

pub(super) type Cache = Mutex<HashMap<Key, (Arc<Page>, usize)>>;

/// Per-process cache: every handle of the same object shares one mapping.
/// The count is the number of handles using the page.
pub(super) fn cache() -> &'static Cache {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

/// Maps the header page of the file open at `fd`.
pub(super) fn map_page(fd: RawFd, writable: bool) -> io::Result<Page> {
    let prot = if writable {
        libc::PROT_READ | libc::PROT_WRITE
    } else {
        libc::PROT_READ
    };
    // SAFETY: a fresh mapping at an address of the kernel's choosing aliases no
    // Rust object; fd is open and the file is at least HEADER_SIZE bytes.
    let ptr = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            HEADER_SIZE as usize,
            prot,
            libc::MAP_SHARED,
            fd,
            0,
        )
    };
    if ptr == libc::MAP_FAILED {
        return Err(io::Error::last_os_error());
    }
    Ok(Page {
        ptr: NonNull::new(ptr.cast()).expect("mmap never returns NULL on success"),
        writable,
    })
}

pub(super) fn attach(obj: &Object, name: &ObjectName) -> Result<(Key, Arc<Page>)> {
    let writable = obj.writable || obj.created;
    let (dev, ino) = obj.identity();
    let key = (dev, ino, writable);
    let mut map = cache().lock().unwrap_or_else(|p| p.into_inner());
    if let Some((page, n)) = map.get_mut(&key) {
        *n += 1;
        return Ok((key, page.clone()));
    }
    let page = Arc::new(map_lock_free(obj.raw_fd(), writable).map_err(|e| name.io("map the sync area", e))?);
    map.insert(key, (page.clone(), 1));
    Ok((key, page))
}

/// Drops one handle's use of the page; `true` if it was the process's last.
pub(super) fn detach(key: Key) -> bool {
    let mut map = cache().lock().unwrap_or_else(|p| p.into_inner());
    let Some((_, n)) = map.get_mut(&key) else {
        return false;
    };
    *n = n.saturating_sub(1);
    if *n > 0 {
        return false;
    }
    // A thread of ours that still owns the mutex keeps its own reference to
    // the page (`Held`) until it releases it or exits.
    map.remove(&key);
    true
}

pub(super) fn open_object(
    name: &ObjectName,
    disp: Disposition,
    kind: ObjectKind,
    opts: &SyncOptions,
    spec: &Spec<'_>,
    before_publish: &dyn Fn(RawFd) -> Result<()>,
) -> Result<Object> {
    let mut open = OpenSpec {
        kind,
        writable: true,
        require_owner: opts.require_owner,
        timeout: opts.lock_timeout,
    };
    match object::acquire_with(name, disp, &open, spec, before_publish) {
        // Like a Windows handle opened with SYNCHRONIZE but without
        // EVENT_MODIFY_STATE: it may wait (where waiting writes nothing), but
        // `set`, `reset` and `lock` fail with PermissionDenied.
        Err(Error::PermissionDenied { .. }) if disp != Disposition::Create => {
            open.writable = false;
            object::acquire_with(name, disp, &open, spec, before_publish)
        }
        other => other,
    }
}

pub(super) fn check_layout(name: &ObjectName, page: &Page, want: u32, kind: &str) -> Result<()> {
    if page.word(LAYOUT).load(Ordering::Acquire) == want {
        Ok(())
    } else {
        Err(name.occupied(format!(
            "{kind} of an incompatible layout (another version of named-shm?)"
        )))
    }
}

pub(super) fn put_u32(page: &mut [u8], off: usize, v: u32) {
    page[off..off + 4].copy_from_slice(&v.to_ne_bytes());
}

/// Maps the header page of the file open at `fd` through a description of
/// its own, `/proc/self/fd/N` reopened: a mapping of the handle's description
/// would keep the handle's lock (and so the name) alive for as long as the
/// page stays mapped, and an owned or idle mutex keeps its page mapped after
/// its handles are closed (see the module docs).
pub(super) fn map_lock_free(fd: RawFd, writable: bool) -> io::Result<Page> {
    let path = std::ffi::CString::new(format!("/proc/self/fd/{fd}")).expect("no NUL");
    let acc = if writable { libc::O_RDWR } else { libc::O_RDONLY };
    // SAFETY: path is a valid C string; the descriptor is owned below.
    let own = super::super::cvt_r(|| unsafe { libc::open(path.as_ptr(), acc | libc::O_CLOEXEC) })?;
    // SAFETY: `own` was just returned by open and is owned by nobody else.
    let own = unsafe { std::os::fd::OwnedFd::from_raw_fd(own) };
    // The mapping keeps the new description; it holds no lock.
    map_page(own.as_raw_fd(), writable)
}
