//! Named mappings: an [`Object`] of kind `Mapping` and its views (`mmap`).

use super::header::{FLAG_READONLY, FLAG_RESERVE};
use super::object::{self, Disposition, Object, OpenSpec, Spec};
use crate::error::{Error, ErrorName, ObjectKind, Result};
use crate::name::ObjectName;
use crate::shm::{Access, ShmOptions, ViewAccess};
use crate::sys::RawView;
use crate::sys::{ObjectImp, ShmImp};
use std::io;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicUsize, Ordering};

/// One handle to a named mapping.
#[derive(Debug)]
pub(crate) struct Shm {
    obj: Object,
}

impl ObjectImp for Shm {
    fn owner_uid(&self) -> u32 {
        self.obj.owner_uid
    }

    fn mode(&self) -> u32 {
        self.obj.mode
    }

    fn created(&self) -> bool {
        self.obj.created
    }
}

impl ShmImp for Shm {
    fn acquire(name: &ObjectName, disp: Disposition, size: u64, opts: &ShmOptions) -> Result<Shm> {
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
            init: None,
        };
        if opts.huge_pages {
            huge_pages_offered()?;
        }
        let obj = object::acquire(name, disp, &open, &spec)?;
        Ok(Shm { obj })
    }

    fn size(&self) -> u64 {
        self.obj.header.size
    }

    fn committed(&self) -> bool {
        self.obj.header.flags & FLAG_RESERVE == 0
    }

    fn section_writable(&self) -> bool {
        self.obj.header.flags & FLAG_READONLY == 0
    }

    /// Maps `len` bytes at `offset` (both already validated against the size).
    fn map(&self, name: &ObjectName, req: &crate::sys::MapRequest) -> Result<RawView> {
        let crate::sys::MapRequest {
            access,
            offset,
            len,
            prefault,
            huge_pages,
            at,
            align,
        } = *req;
        let (prot, mut flags) = match access {
            ViewAccess::Read => (libc::PROT_READ, libc::MAP_SHARED),
            ViewAccess::ReadWrite => (libc::PROT_READ | libc::PROT_WRITE, libc::MAP_SHARED),
            ViewAccess::CopyOnWrite => (libc::PROT_READ | libc::PROT_WRITE, libc::MAP_PRIVATE),
        };
        // The payload starts the file (its header page follows it): a view
        // at `offset` maps file offset `offset`, and a page-rounded size
        // keeps every view clear of the header.
        let file_off = offset;
        let fd = self.obj.map_fd().map_err(|e| name.io("reopen for mapping", e))?;
        if at.is_none() && align > page_size() {
            // Where the last aligned view was, if that range is still free:
            // one `mmap`, as for any view (tried, never forced).
            let freed = FREED_ALIGNED.swap(0, Ordering::Relaxed);
            if let Some(hint) = NonNull::new(freed as *mut u8).filter(|_| freed % align == 0) {
                let req = crate::sys::MapRequest {
                    at: Some(hint),
                    align: 0,
                    ..*req
                };
                match self.map(name, &req) {
                    Err(Error::AddressInUse { .. }) => {}
                    other => return other,
                }
            }
        }
        // Otherwise an aligned view goes into a range reserved for it now.
        let slot = match at {
            None if align > page_size() => Some(Reservation::aligned(name, len, align)?),
            _ => None,
        };
        let hint = match (at, &slot) {
            (Some(p), _) => {
                // Never replaces an existing mapping: fails with EEXIST instead.
                flags |= libc::MAP_FIXED_NOREPLACE;
                p.as_ptr().cast()
            }
            (None, Some(r)) => {
                // Replaces exactly our own reservation, nothing else.
                flags |= libc::MAP_FIXED;
                r.addr.cast()
            }
            (None, None) => std::ptr::null_mut(),
        };
        let in_use = || name.address_in_use(hint as usize);
        // SAFETY: the new mapping lands only on free address space (at the
        // kernel's choice, at `at` with MAP_FIXED_NOREPLACE), or exactly on
        // the reservation `slot` made for it (MAP_FIXED, `len` rounded up to
        // pages is the reservation's length), which nothing else uses; so it
        // cannot alias any Rust object. fd is open and the range lies inside
        // the file.
        let ptr = unsafe { libc::mmap(hint, len, prot, flags, fd, file_off as libc::off_t) };
        if ptr == libc::MAP_FAILED {
            drop(slot);
            let e = io::Error::last_os_error();
            return Err(match e.raw_os_error() {
                Some(libc::EEXIST) if at.is_some() => in_use(),
                Some(libc::ENOMEM) => name.out_of_memory(len as u64, Some(e)),
                Some(libc::EACCES) | Some(libc::EPERM) => {
                    name.denied_by("the handle does not allow this view", e)
                }
                _ => name.io("mmap", e),
            });
        }
        if let Some(r) = slot {
            // The view took the reservation's place: nothing left to release.
            std::mem::forget(r);
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
        if huge_pages {
            // SAFETY: the range is exactly the mapping we just created. The
            // advice is only a hint; with shmem_enabled = always/within_size
            // the kernel uses huge pages anyway, so a failure is ignored.
            let _ = unsafe { libc::madvise(ptr, len, libc::MADV_HUGEPAGE) };
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
                    return Err(name.out_of_memory(len as u64, Some(e)));
                }
            }
        }
        Ok(view)
    }
}

/// The start of the last view this process unmapped that began at a 64 KiB
/// multiple (0: none). The kernel leaves a freed range free until another
/// mapping needs it, so the next aligned view usually fits there
/// (`MAP_FIXED_NOREPLACE`, which fails rather than replace a mapping that
/// took the range meanwhile; then the view is placed in a fresh reservation).
static FREED_ALIGNED: AtomicUsize = AtomicUsize::new(0);

/// Called after a view is unmapped (`Backend::unmap`): an aligned address
/// becomes the hint for the next aligned view.
pub(super) fn unmapped(ptr: NonNull<u8>) {
    let addr = ptr.as_ptr() as usize;
    if addr % crate::ALLOCATION_GRANULARITY as usize == 0 {
        // Relaxed: only a hint; `map` checks that the range is free.
        FREED_ALIGNED.store(addr, Ordering::Relaxed);
    }
}

/// The system's page size (4 KiB on x86-64; 16 or 64 KiB on some arm64 kernels).
fn page_size() -> usize {
    // SAFETY: sysconf has no preconditions.
    let n = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    usize::try_from(n).unwrap_or(4096)
}

/// Free address space held for one view: an anonymous `PROT_NONE` mapping
/// that nothing else uses, released on drop unless a view replaced it.
struct Reservation {
    addr: *mut libc::c_void,
    len: usize,
}

impl Reservation {
    /// `len` bytes (rounded up to pages) starting at a multiple of `align`
    /// (a power of two): one reservation of `len + align`, whose unaligned
    /// head and surplus tail are given back at once.
    fn aligned(name: &ObjectName, len: usize, align: usize) -> Result<Reservation> {
        let page = page_size();
        let oom = |e: Option<io::Error>| Error::OutOfMemory {
            name: name.as_str().to_owned(),
            size: len as u64,
            source: e,
        };
        let rlen = len.checked_next_multiple_of(page).ok_or_else(|| oom(None))?;
        let total = rlen.checked_add(align).ok_or_else(|| oom(None))?;
        // SAFETY: a fresh anonymous PROT_NONE mapping on free address space
        // (the kernel's choice) aliases nothing.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                total,
                libc::PROT_NONE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        if p == libc::MAP_FAILED {
            return Err(oom(Some(io::Error::last_os_error())));
        }
        let start = p as usize;
        let aligned = start.next_multiple_of(align);
        let end = aligned + rlen;
        // SAFETY: both ranges lie inside the reservation just made (mmap
        // returns a page-aligned start and `aligned - start < align`), outside
        // [aligned, end), which is kept; nothing else uses them.
        unsafe {
            if aligned > start {
                libc::munmap(p, aligned - start);
            }
            if start + total > end {
                libc::munmap(end as *mut libc::c_void, start + total - end);
            }
        }
        Ok(Reservation {
            addr: aligned as *mut libc::c_void,
            len: rlen,
        })
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        // SAFETY: addr/len is our own reservation, which nothing maps or uses.
        // An error would only leave address space reserved.
        unsafe { libc::munmap(self.addr, self.len) };
    }
}

/// Whether the file system holding the namespaces gives shared memory huge
/// pages. On a tmpfs that is its `huge=` mount option (`always`,
/// `within_size` or `advise`, the latter honouring `MADV_HUGEPAGE`), unless
/// `/sys/kernel/mm/transparent_hugepage/shmem_enabled` says `deny` (off
/// everywhere) or `force` (on everywhere).
fn huge_pages_offered() -> Result<()> {
    let global =
        std::fs::read_to_string("/sys/kernel/mm/transparent_hugepage/shmem_enabled").unwrap_or_default();
    let active = global
        .split_whitespace()
        .find(|w| w.starts_with('['))
        .unwrap_or("");
    match active {
        "[force]" => return Ok(()),
        "[deny]" => {
            return Err(Error::Unsupported {
                what: "huge pages for shared memory (transparent_hugepage/shmem_enabled is deny)",
            })
        }
        _ => {}
    }
    let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    match mount_huge_option(&mountinfo, super::ns::root()) {
        Some("always") | Some("within_size") | Some("advise") => Ok(()),
        _ => Err(Error::Unsupported {
            what: "huge pages for shared memory (the namespace root's tmpfs is not mounted with huge=always, within_size or advise)",
        }),
    }
}

/// The `huge=` super option of the mount that holds `path` (the longest
/// mount point that is a prefix of it; the last such line wins, as later
/// mounts hide earlier ones).
fn mount_huge_option<'a>(mountinfo: &'a str, path: &str) -> Option<&'a str> {
    let mut best: Option<(usize, Option<&'a str>)> = None;
    for line in mountinfo.lines() {
        let mut fields = line.split(' ');
        let Some(mount_point) = fields.nth(4) else {
            continue;
        };
        let covers = path == mount_point
            || mount_point == "/"
            || path
                .strip_prefix(mount_point)
                .is_some_and(|rest| rest.starts_with('/'));
        if !covers {
            continue;
        }
        let super_opts = line
            .split(" - ")
            .nth(1)
            .and_then(|t| t.split(' ').nth(2))
            .unwrap_or("");
        let huge = super_opts.split(',').find_map(|o| o.strip_prefix("huge="));
        if best.map_or(true, |(len, _)| mount_point.len() >= len) {
            best = Some((mount_point.len(), huge));
        }
    }
    best.and_then(|(_, h)| h)
}

const MADV_POPULATE_READ: libc::c_int = 22;
const MADV_POPULATE_WRITE: libc::c_int = 23;

#[cfg(test)]
mod tests {
    use super::mount_huge_option;

    #[test]
    fn the_covering_mounts_huge_option_is_found() {
        let info = "25 24 0:23 / /dev/shm rw,relatime - tmpfs tmpfs rw,size=100k\n\
                    30 25 0:27 / /dev/shm rw,relatime - tmpfs tmpfs rw,size=100k,huge=always\n\
                    31 25 0:28 / /dev/shm/x rw - tmpfs tmpfs rw,huge=advise\n";
        assert_eq!(mount_huge_option(info, "/dev/shm"), Some("always"));
        assert_eq!(mount_huge_option(info, "/dev/shm/x"), Some("advise"));
        assert_eq!(mount_huge_option(info, "/dev/shmx"), None);
        assert_eq!(mount_huge_option(info, "/tmp"), None);
    }
}
