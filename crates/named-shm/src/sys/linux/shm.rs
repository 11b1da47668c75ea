//! Named mappings: an [`Object`] of kind `Mapping` and its views (`mmap`).

use super::header::{FLAG_READONLY, FLAG_RESERVE, HEADER_SIZE};
use super::object::{self, Disposition, Object, OpenSpec, Spec};
use crate::error::{Error, ErrorName, ObjectKind, Result};
use crate::name::ObjectName;
use crate::shm::{Access, ShmOptions, ViewAccess};
use crate::sys::RawView;
use crate::sys::{ObjectImp, ShmImp};
use std::io;
use std::ptr::NonNull;

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
            commit: opts.commit,
            init: None,
        };
        if opts.huge_pages {
            huge_pages_offered()?;
        }
        let obj = object::acquire(name, disp, &open, Some(&spec))?;
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
        } = *req;
        let (prot, mut flags) = match access {
            ViewAccess::Read => (libc::PROT_READ, libc::MAP_SHARED),
            ViewAccess::ReadWrite => (libc::PROT_READ | libc::PROT_WRITE, libc::MAP_SHARED),
            ViewAccess::CopyOnWrite => (libc::PROT_READ | libc::PROT_WRITE, libc::MAP_PRIVATE),
        };
        let file_off = HEADER_SIZE + offset;
        let fd = self.obj.map_fd().map_err(|e| name.io("reopen for mapping", e))?;
        let hint = match at {
            Some(p) => {
                // Never replaces an existing mapping: fails with EEXIST instead.
                flags |= libc::MAP_FIXED_NOREPLACE;
                p.as_ptr().cast()
            }
            None => std::ptr::null_mut(),
        };
        let in_use = || name.address_in_use(hint as usize);
        // SAFETY: the new mapping lands only on free address space (at the
        // kernel's choice, or at `at` with MAP_FIXED_NOREPLACE), so it cannot
        // alias any Rust object; fd is open and the range lies inside the file.
        let ptr = unsafe { libc::mmap(hint, len, prot, flags, fd, file_off as libc::off_t) };
        if ptr == libc::MAP_FAILED {
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
