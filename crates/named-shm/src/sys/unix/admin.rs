//! Listing, removing and reaping named objects (the Linux side of `crate::admin`).

use super::header::Header;
use super::ns::{self, NsDir};
use super::object::{self, fstat, is_held, Reclaim};
use crate::admin::{Holder, ObjectInfo, ReapReport};
use crate::error::{Error, Result};
use crate::name::{decode_file_name, Namespace, ObjectName};
use std::ffi::{CStr, CString};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::path::PathBuf;
use std::time::{Duration, UNIX_EPOCH};

/// Every entry of a namespace directory, as file names.
fn entries(dir: &NsDir) -> Result<Vec<CString>> {
    let io = |op, source| Error::Io {
        name: dir.path.clone(),
        op,
        source,
    };
    let dot = CString::new(".").expect("no NUL");
    // SAFETY: dir is an open directory; the new descriptor is owned below.
    let fd = super::cvt_r(|| unsafe {
        libc::openat(
            dir.raw(),
            dot.as_ptr(),
            libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC,
        )
    })
    .map_err(|e| io("open", e))?;
    // SAFETY: fdopendir takes ownership of fd on success.
    let dp = unsafe { libc::fdopendir(fd) };
    if dp.is_null() {
        let e = std::io::Error::last_os_error();
        // SAFETY: fdopendir failed, so fd is still ours to close.
        unsafe { libc::close(fd) };
        return Err(io("fdopendir", e));
    }
    let mut out = Vec::new();
    loop {
        // SAFETY: dp is a valid DIR stream until closedir below.
        let ent = unsafe { libc::readdir(dp) };
        if ent.is_null() {
            break;
        }
        // SAFETY: readdir returned a valid dirent whose d_name is NUL-terminated.
        let name = unsafe { CStr::from_ptr((*ent).d_name.as_ptr()) };
        if name.to_bytes() == b"." || name.to_bytes() == b".." {
            continue;
        }
        out.push(name.to_owned());
    }
    // SAFETY: dp is valid and not used afterwards; closedir also closes fd.
    unsafe { libc::closedir(dp) };
    out.sort();
    Ok(out)
}

fn open_ro(dir: &NsDir, file: &CStr) -> Option<OwnedFd> {
    // SAFETY: dir is open, file a valid C string; the descriptor is owned below.
    let fd = unsafe {
        libc::openat(
            dir.raw(),
            file.as_ptr(),
            libc::O_RDONLY | libc::O_NOFOLLOW | libc::O_CLOEXEC | libc::O_NONBLOCK | libc::O_NOCTTY,
        )
    };
    // SAFETY: a non-negative fd was just returned by openat and is ours.
    (fd >= 0).then(|| unsafe { OwnedFd::from_raw_fd(fd) })
}

/// OFD locks per inode (one per open handle), read once from `/proc/locks`.
struct LockTable(std::collections::HashMap<String, usize>);

impl LockTable {
    fn read() -> LockTable {
        let mut map = std::collections::HashMap::new();
        if let Ok(text) = std::fs::read_to_string("/proc/locks") {
            for l in text.lines().filter(|l| l.contains("OFDLCK")) {
                // `1: OFDLCK ADVISORY READ -1 00:1a:12345 0 0`: the 6th field.
                if let Some(id) = l.split_whitespace().nth(5) {
                    *map.entry(id.to_owned()).or_insert(0) += 1;
                }
            }
        }
        LockTable(map)
    }

    fn count(&self, dev: u64, ino: u64) -> usize {
        let key = format!("{:02x}:{:02x}:{ino}", libc::major(dev), libc::minor(dev));
        self.0.get(&key).copied().unwrap_or(0)
    }
}

/// Describes one directory entry, or `None` for entries that are not objects
/// of ours (they are still reported by `reap` as foreign).
fn describe(dir: &NsDir, file: &CStr, locks: Option<&LockTable>) -> Option<ObjectInfo> {
    let fd = open_ro(dir, file)?;
    let raw: RawFd = fd.as_raw_fd();
    let st = fstat(raw).ok()?;
    if st.st_mode & libc::S_IFMT != libc::S_IFREG {
        return None;
    }
    let header: Header = object::read_header(raw).ok()?;
    let base = match decode_file_name(file.to_str().ok()?) {
        Some(b) => b,
        None => header.name.clone(),
    };
    if base != header.name {
        return None;
    }
    let held = is_held(raw).unwrap_or(false);
    // Without a lock table (remove, reap): only whether the object is held.
    let holders = locks.map_or(1, |t| t.count(st.st_dev, st.st_ino));
    Some(ObjectInfo {
        name: format!("{}\\{}", dir.ns.as_str(), base),
        namespace: dir.ns,
        kind: header.kind,
        size: header.size,
        owner_uid: st.st_uid,
        mode: st.st_mode & 0o7777,
        holders: if held { holders.max(1) } else { 0 },
        orphan: !held,
        creator_pid: header.creator_pid,
        created: UNIX_EPOCH + Duration::from_nanos(header.created_ns),
        path: PathBuf::from(format!("{}/{}", dir.path, file.to_string_lossy())),
        committed: header.flags & super::header::FLAG_RESERVE == 0,
        inode: st.st_ino,
    })
}

pub(crate) fn list(ns: Namespace) -> Result<Vec<ObjectInfo>> {
    let Some(dir) = ns::dir_if_exists(ns)? else {
        return Ok(Vec::new());
    };
    let locks = LockTable::read();
    Ok(entries(&dir)?
        .iter()
        .filter_map(|f| describe(&dir, f, Some(&locks)))
        .collect())
}

pub(crate) fn info(name: &ObjectName) -> Result<ObjectInfo> {
    let not_found = || Error::NotFound {
        name: name.as_str().to_owned(),
    };
    let dir = ns::dir_if_exists(name.namespace())?.ok_or_else(not_found)?;
    let file = super::file_name(name);
    match describe(&dir, &file, Some(&LockTable::read())) {
        Some(i) if !i.orphan => Ok(i),
        Some(_) => Err(not_found()),
        None => {
            if open_ro(&dir, &file).is_some() {
                Err(Error::NameOccupied {
                    name: name.as_str().to_owned(),
                    what: "something that is not a named object".into(),
                })
            } else if let Some(e) = unreadable(&dir, &file, name) {
                Err(e)
            } else {
                Err(not_found())
            }
        }
    }
}

/// `PermissionDenied` when an entry exists at the name but the caller may not
/// open it (so it can be neither described nor checked before removal).
fn unreadable(dir: &NsDir, file: &CStr, name: &ObjectName) -> Option<Error> {
    let path = std::path::Path::new(&dir.path).join(file.to_str().ok()?);
    match std::fs::symlink_metadata(&path) {
        Ok(_) => Some(Error::PermissionDenied {
            name: name.as_str().to_owned(),
            reason: "its permissions do not allow read access".into(),
            source: None,
        }),
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => Some(Error::PermissionDenied {
            name: name.as_str().to_owned(),
            reason: "the namespace directory cannot be searched".into(),
            source: Some(e),
        }),
        Err(_) => None,
    }
}

pub(crate) fn remove(name: &ObjectName) -> Result<()> {
    let dir = ns::dir_if_exists(name.namespace())?.ok_or_else(|| Error::NotFound {
        name: name.as_str().to_owned(),
    })?;
    let file = super::file_name(name);
    if describe(&dir, &file, None).is_none() {
        return Err(match open_ro(&dir, &file) {
            Some(_) => Error::NameOccupied {
                name: name.as_str().to_owned(),
                what: "something that is not a named object".into(),
            },
            None => unreadable(&dir, &file, name).unwrap_or_else(|| Error::NotFound {
                name: name.as_str().to_owned(),
            }),
        });
    }
    // SAFETY: dir is open; file is a valid C string.
    super::cvt(unsafe { libc::unlinkat(dir.raw(), file.as_ptr(), 0) })
        .map(drop)
        .map_err(|e| match e.raw_os_error() {
            Some(libc::ENOENT) => Error::NotFound {
                name: name.as_str().to_owned(),
            },
            Some(libc::EACCES) | Some(libc::EPERM) => Error::PermissionDenied {
                name: name.as_str().to_owned(),
                reason: "only its owner (or root) can remove it".into(),
                source: Some(e),
            },
            _ => Error::Io {
                name: name.as_str().to_owned(),
                op: "unlink",
                source: e,
            },
        })
}

pub(crate) fn reap(dry_run: bool) -> Result<ReapReport> {
    let mut report = ReapReport::default();
    for ns in [Namespace::Local, Namespace::Global] {
        let Some(dir) = ns::dir_if_exists(ns)? else {
            continue;
        };
        for file in entries(&dir)? {
            let label = match decode_file_name(&file.to_string_lossy()) {
                Some(base) => format!("{}\\{}", ns.as_str(), base),
                None => match describe(&dir, &file, None) {
                    Some(i) => i.name,
                    None => format!("{}/{}", dir.path, file.to_string_lossy()),
                },
            };
            let Some(fd) = open_ro(&dir, &file) else {
                report.skipped.push((label, "cannot be opened".into()));
                continue;
            };
            if is_held(fd.as_raw_fd()).unwrap_or(true) {
                report.live += 1;
                continue;
            }
            drop(fd);
            if dry_run {
                report.reclaimed.push(label);
                continue;
            }
            match object::reclaim(&dir, &file) {
                Reclaim::Reclaimed => report.reclaimed.push(label),
                Reclaim::Live => report.live += 1,
                Reclaim::Gone => {}
                Reclaim::Foreign(what) | Reclaim::Dead(what) => report.skipped.push((label, what)),
            }
        }
    }
    Ok(report)
}

/// The processes holding open handles to the object, found through the OFD
/// lock lines of `/proc/<pid>/fdinfo/<fd>` (one per handle; a view holds no
/// lock, and a handle's second, lock-free description is not counted).
/// Processes whose descriptors the caller may not inspect are skipped.
pub(crate) fn holders(info: &ObjectInfo) -> Vec<Holder> {
    // The namespace directory lives on the same file system as the object,
    // and stays when the object's name is gone.
    let dev = match info.path.parent().map(std::fs::metadata) {
        Some(Ok(m)) => std::os::unix::fs::MetadataExt::dev(&m),
        _ => return Vec::new(),
    };
    let want = format!("{:02x}:{:02x}:{}", libc::major(dev), libc::minor(dev), info.inode);
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for p in procs.flatten() {
        let Some(pid) = p.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        let Ok(fds) = std::fs::read_dir(p.path().join("fdinfo")) else {
            continue;
        };
        let handles = fds
            .flatten()
            .filter(|fd| {
                std::fs::read_to_string(fd.path()).is_ok_and(|text| {
                    text.lines().any(|l| {
                        l.starts_with("lock:")
                            && l.contains("OFDLCK")
                            && l.split_whitespace().any(|f| f == want)
                    })
                })
            })
            .count();
        if handles == 0 {
            continue;
        }
        let command = std::fs::read_to_string(p.path().join("comm"))
            .map(|c| c.trim_end().to_owned())
            .unwrap_or_default();
        out.push(Holder {
            pid,
            command,
            handles,
        });
    }
    out.sort_by_key(|h| h.pid);
    out
}
