//! Named mappings: an [`Object`] of kind `Mapping` and its views (`mmap`).

use super::cvt;
use super::header::{FLAG_READONLY, FLAG_RESERVE, HEADER_SIZE};
use super::object::{self, Disposition, Object, OpenSpec, Spec};
use crate::error::{Error, ObjectKind, Result};
use crate::name::ObjectName;
use crate::shm::{Access, ShmOptions, ViewAccess};
use std::io;
use std::ptr::NonNull;

/// One handle to a named mapping.
#[derive(Debug)]
pub(crate) struct Shm {
    obj: Object,
}

impl Shm {
    pub(crate) fn acquire(name: &ObjectName, disp: Disposition, size: u64, opts: &ShmOptions) -> Result<Shm> {
        let open = OpenSpec {
            kind: ObjectKind::Mapping,
            writable: opts.access == Access::ReadWrite,
            require_owner: opts.require_owner,
            timeout: opts.lock_timeout,
        };
        let spec = Spec {
            kind: ObjectKind::Mapping,
            size,
            flags: if opts.commit { 0 } else { FLAG_RESERVE }
                | if opts.access == Access::Read {
                    FLAG_READONLY
                } else {
                    0
                },
            mode: opts.mode,
            commit: opts.commit,
            init: None,
        };
        let obj = object::acquire(name, disp, &open, Some(&spec))?;
        Ok(Shm { obj })
    }

    pub(crate) fn size(&self) -> u64 {
        self.obj.header.size
    }

    pub(crate) fn owner_uid(&self) -> u32 {
        self.obj.owner_uid
    }

    pub(crate) fn mode(&self) -> u32 {
        self.obj.mode
    }

    pub(crate) fn created(&self) -> bool {
        self.obj.created
    }

    pub(crate) fn committed(&self) -> bool {
        self.obj.header.flags & FLAG_RESERVE == 0
    }

    pub(crate) fn section_writable(&self) -> bool {
        self.obj.header.flags & FLAG_READONLY == 0
    }

    /// Maps `len` bytes at `offset` (both already validated against the size).
    pub(crate) fn map(
        &self,
        name: &ObjectName,
        access: ViewAccess,
        offset: u64,
        len: usize,
        prefault: bool,
        at: Option<NonNull<u8>>,
    ) -> Result<RawView> {
        let (prot, mut flags) = match access {
            ViewAccess::Read => (libc::PROT_READ, libc::MAP_SHARED),
            ViewAccess::ReadWrite => (libc::PROT_READ | libc::PROT_WRITE, libc::MAP_SHARED),
            ViewAccess::CopyOnWrite => (libc::PROT_READ | libc::PROT_WRITE, libc::MAP_PRIVATE),
        };
        let file_off = HEADER_SIZE + offset;
        let fd = self.obj.map_fd().map_err(|e| Error::Io {
            name: name.as_str().to_owned(),
            op: "reopen for mapping",
            source: e,
        })?;
        let hint = match at {
            Some(p) => {
                // Never replaces an existing mapping: fails with EEXIST instead.
                flags |= libc::MAP_FIXED_NOREPLACE;
                p.as_ptr().cast()
            }
            None => std::ptr::null_mut(),
        };
        let in_use = || Error::AddressInUse {
            name: name.as_str().to_owned(),
            addr: hint as usize,
        };
        // SAFETY: the new mapping lands only on free address space (at the
        // kernel's choice, or at `at` with MAP_FIXED_NOREPLACE), so it cannot
        // alias any Rust object; fd is open and the range lies inside the file.
        let ptr = unsafe { libc::mmap(hint, len, prot, flags, fd, file_off as libc::off_t) };
        if ptr == libc::MAP_FAILED {
            let e = io::Error::last_os_error();
            return Err(match e.raw_os_error() {
                Some(libc::EEXIST) if at.is_some() => in_use(),
                Some(libc::ENOMEM) => Error::OutOfMemory {
                    name: name.as_str().to_owned(),
                    size: len as u64,
                    source: Some(e),
                },
                Some(libc::EACCES) | Some(libc::EPERM) => Error::PermissionDenied {
                    name: name.as_str().to_owned(),
                    reason: "the handle does not allow this view".into(),
                    source: Some(e),
                },
                _ => Error::Io {
                    name: name.as_str().to_owned(),
                    op: "mmap",
                    source: e,
                },
            });
        }
        let view = RawView {
            ptr: NonNull::new(ptr.cast()).expect("mmap never returns NULL on success"),
            len,
        };
        if at.is_some() && ptr != hint {
            // A kernel older than 4.17 took MAP_FIXED_NOREPLACE as a hint.
            drop(view);
            return Err(in_use());
        }
        if prefault {
            let advice = match access {
                ViewAccess::Read => MADV_POPULATE_READ,
                _ => MADV_POPULATE_WRITE,
            };
            // SAFETY: the range is exactly the mapping we just created.
            let r = unsafe { libc::madvise(ptr, len, advice) };
            if r != 0 {
                let e = io::Error::last_os_error();
                // EINVAL: a kernel older than 5.14; prefaulting is only a hint there.
                if e.raw_os_error() != Some(libc::EINVAL) {
                    return Err(Error::OutOfMemory {
                        name: name.as_str().to_owned(),
                        size: len as u64,
                        source: Some(e),
                    });
                }
            }
        }
        Ok(view)
    }
}

const MADV_POPULATE_READ: libc::c_int = 22;
const MADV_POPULATE_WRITE: libc::c_int = 23;

/// One mapped view; unmapped on drop.
#[derive(Debug)]
pub(crate) struct RawView {
    ptr: NonNull<u8>,
    len: usize,
}

// SAFETY: RawView owns its mapping; the mapping is valid from any thread, and
// all access to the bytes goes through raw pointers or atomics.
unsafe impl Send for RawView {}
// SAFETY: as above; shared references only hand out raw pointers and copies.
unsafe impl Sync for RawView {}

impl RawView {
    pub(crate) fn ptr(&self) -> NonNull<u8> {
        self.ptr
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Gives up ownership: the mapping stays until the caller unmaps it.
    pub(crate) fn into_raw(self) -> (NonNull<u8>, usize) {
        let parts = (self.ptr, self.len);
        std::mem::forget(self);
        parts
    }

    /// `msync(MS_SYNC)`: on tmpfs there is no backing store, so this only
    /// orders the writes; it exists for parity with `FlushViewOfFile`.
    pub(crate) fn flush(&self) -> io::Result<()> {
        // SAFETY: the range is exactly our mapping.
        cvt(unsafe { libc::msync(self.ptr.as_ptr().cast(), self.len, libc::MS_SYNC) }).map(drop)
    }
}

impl Drop for RawView {
    fn drop(&mut self) {
        // SAFETY: ptr/len describe a mapping we own and nobody uses after drop.
        // munmap of a valid mapping cannot fail; an error would leave the
        // mapping in place, which is harmless, so it is ignored.
        unsafe {
            libc::munmap(self.ptr.as_ptr().cast(), self.len);
        }
    }
}
