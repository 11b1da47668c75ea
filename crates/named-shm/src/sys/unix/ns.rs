//! Namespace directories.
//!
//! - `Local\`: `<root>/named-shm.u<euid>`, mode 0700, owned by the user.
//! - `Global\`: `<root>/named-shm.global`, mode 1777 (sticky, like `/tmp`),
//!   owned by root or by the calling user.
//!
//! `<root>` is `/dev/shm`, or `$NAMED_SHM_DIR` when set (read once per process;
//! tests use it to run on a small tmpfs). Each directory is opened with
//! `O_DIRECTORY|O_NOFOLLOW`, checked (type, owner, mode) and its descriptor
//! cached. Creating and opening objects use the cached descriptor as it is
//! and re-check it (one `fstat`) only when a call through it finds nothing:
//! a directory that was removed is then noticed (a removed directory holds
//! no names and takes no new ones, so every call through it ends there) and
//! opened anew. Only its owner (the user, or root) can re-own or loosen a
//! checked directory, so that needs no check per call; the admin functions
//! (list, remove, reap) re-check it on every use.

use super::{cvt, cvt_r, euid};
use crate::error::{Error, Result};
use crate::name::Namespace;
use std::ffi::CString;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::{Arc, Mutex, OnceLock};

/// An open, checked namespace directory.
#[derive(Debug)]
pub(crate) struct NsDir {
    fd: OwnedFd,
    pub(crate) path: String,
    pub(crate) ns: Namespace,
    pub(crate) uid: u32,
    dev: u64,
    ino: u64,
    /// The directory carries [`EXACT_MODES_ACL`] as its default ACL: files
    /// created in it get exactly the mode passed to `open`, whatever the
    /// umask, so no `fchmod` is needed.
    pub(crate) exact_modes: bool,
}

/// The default ACL `u::rwx,g::rwx,o::rwx` in the kernel's xattr format
/// (version 2; tag, permissions, id per entry). In a directory with a
/// default ACL the kernel does not apply the umask (POSIX.1e): a new file's
/// permissions are the mode passed to `open` masked by the ACL's entries,
/// which this one leaves whole; and a file whose inherited ACL is equivalent
/// to its mode stores none.
const EXACT_MODES_ACL: [u8; 28] = {
    let mut a = [0u8; 28];
    a[0] = 2; // version
    let tags: [u8; 3] = [0x01, 0x04, 0x20]; // ACL_USER_OBJ, ACL_GROUP_OBJ, ACL_OTHER
    let mut i = 0;
    while i < 3 {
        let o = 4 + 8 * i;
        a[o] = tags[i];
        a[o + 2] = 7; // rwx
        a[o + 4] = 0xff; // id: ACL_UNDEFINED_ID
        a[o + 5] = 0xff;
        a[o + 6] = 0xff;
        a[o + 7] = 0xff;
        i += 1;
    }
    a
};

/// Whether `fd` (a checked namespace directory) carries [`EXACT_MODES_ACL`];
/// if it carries no default ACL and `ours`, sets it. Best effort: a file
/// system without ACLs, or any other answer, means `false` (and an `fchmod`
/// per object).
fn exact_modes(fd: RawFd, ours: bool) -> bool {
    let name = c"system.posix_acl_default";
    let mut buf = [0u8; 64];
    // SAFETY: name is a valid C string; buf is writable for its length.
    let n = unsafe { libc::fgetxattr(fd, name.as_ptr(), buf.as_mut_ptr().cast(), buf.len()) };
    if n >= 0 {
        return buf.get(..n as usize) == Some(&EXACT_MODES_ACL[..]);
    }
    if !ours || io::Error::last_os_error().raw_os_error() != Some(libc::ENODATA) {
        return false;
    }
    // SAFETY: name is a valid C string; the value is EXACT_MODES_ACL's bytes.
    let r = unsafe {
        libc::fsetxattr(
            fd,
            name.as_ptr(),
            EXACT_MODES_ACL.as_ptr().cast(),
            EXACT_MODES_ACL.len(),
            0,
        )
    };
    r == 0
}

impl NsDir {
    pub(crate) fn raw(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

/// The directory that holds the namespace directories.
pub(crate) fn root() -> &'static str {
    static ROOT: OnceLock<String> = OnceLock::new();
    ROOT.get_or_init(|| match std::env::var("NAMED_SHM_DIR") {
        Ok(s) if !s.is_empty() => s,
        _ => "/dev/shm".to_owned(),
    })
}

/// The directory name of a namespace for the given user.
pub(crate) fn dir_name(ns: Namespace, uid: u32) -> String {
    match ns {
        Namespace::Local => format!("named-shm.u{uid}"),
        Namespace::Global => "named-shm.global".to_owned(),
    }
}

fn wanted_mode(ns: Namespace) -> u32 {
    match ns {
        Namespace::Local => 0o700,
        Namespace::Global => 0o1777,
    }
}

type Cache = Vec<(u32, Namespace, Arc<NsDir>)>;
static CACHE: Mutex<Cache> = Mutex::new(Vec::new());

/// The namespace directory, created if missing. A cached descriptor is
/// returned without a re-check: see [`recheck`].
pub(crate) fn dir(ns: Namespace) -> Result<Arc<NsDir>> {
    lookup(ns, true, false).map(|d| d.expect("created"))
}

/// The namespace directory, or `None` if it does not exist yet; re-checked.
pub(crate) fn dir_if_exists(ns: Namespace) -> Result<Option<Arc<NsDir>>> {
    lookup(ns, false, true)
}

/// After a call through `d` found nothing (no such name, or `ENOENT` from a
/// link): `None` if `d` is still the valid namespace directory, so the result
/// stands; otherwise the directory as it is now (re-created if it was
/// removed), through which the caller tries again.
pub(crate) fn recheck(d: &Arc<NsDir>) -> Result<Option<Arc<NsDir>>> {
    if still_valid(d) {
        return Ok(None);
    }
    lookup(d.ns, true, true)
}

fn lookup(ns: Namespace, create: bool, recheck: bool) -> Result<Option<Arc<NsDir>>> {
    let uid = euid();
    let mut cache = CACHE.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(pos) = cache.iter().position(|(u, n, _)| *u == uid && *n == ns) {
        let d = cache[pos].2.clone();
        if !recheck || still_valid(&d) {
            return Ok(Some(d));
        }
        cache.swap_remove(pos);
    }
    let d = match open_dir(ns, uid, create)? {
        Some(d) => Arc::new(d),
        None => return Ok(None),
    };
    cache.push((uid, ns, d.clone()));
    Ok(Some(d))
}

fn fstat(fd: RawFd) -> io::Result<libc::stat> {
    let mut st = std::mem::MaybeUninit::<libc::stat>::uninit();
    // SAFETY: `st` is a valid out-pointer for one `stat`; fstat fully initialises it on success.
    cvt(unsafe { libc::fstat(fd, st.as_mut_ptr()) })?;
    // SAFETY: fstat returned 0, so `st` is initialised.
    Ok(unsafe { st.assume_init() })
}

fn still_valid(d: &NsDir) -> bool {
    match fstat(d.raw()) {
        Ok(st) => {
            st.st_nlink > 0 && st.st_dev == d.dev && st.st_ino == d.ino && check(&st, d.ns, d.uid).is_ok()
        }
        Err(_) => false,
    }
}

fn check(st: &libc::stat, ns: Namespace, uid: u32) -> std::result::Result<(), String> {
    if st.st_mode & libc::S_IFMT != libc::S_IFDIR {
        return Err("it is not a directory".into());
    }
    let mode = st.st_mode & 0o7777;
    match ns {
        Namespace::Local => {
            if st.st_uid != uid {
                return Err(format!("it belongs to uid {}, not to uid {uid}", st.st_uid));
            }
            if mode != 0o700 {
                return Err(format!("its mode is {mode:04o}, not 0700"));
            }
        }
        Namespace::Global => {
            if st.st_uid != 0 && st.st_uid != uid {
                return Err(format!(
                    "it belongs to uid {}, which is neither root nor the caller (squatted?)",
                    st.st_uid
                ));
            }
            if mode != 0o1777 {
                return Err(format!("its mode is {mode:04o}, not 1777"));
            }
        }
    }
    Ok(())
}

fn open_dir(ns: Namespace, uid: u32, create: bool) -> Result<Option<NsDir>> {
    let root = root();
    let name = dir_name(ns, uid);
    let path = format!("{root}/{name}");
    let io_err = |op, source| Error::Io {
        name: path.clone(),
        op,
        source,
    };
    let c_root = CString::new(root).map_err(|_| Error::UnsafeNamespace {
        path: root.to_owned(),
        reason: "the root path contains a NUL byte".into(),
    })?;
    let c_name = CString::new(name.clone()).expect("no NUL in a generated name");
    // SAFETY: c_root is a valid C string; the returned fd is checked and owned below.
    let root_fd = cvt_r(|| unsafe {
        libc::open(
            c_root.as_ptr(),
            libc::O_DIRECTORY | libc::O_RDONLY | libc::O_CLOEXEC | libc::O_PATH,
        )
    })
    .map_err(|e| io_err("open of the root directory", e))?;
    // SAFETY: root_fd was just returned by open and is owned by nobody else.
    let root_fd = unsafe { OwnedFd::from_raw_fd(root_fd) };

    let mut created = false;
    if create {
        // SAFETY: root_fd is an open directory; c_name is a valid C string.
        let r = unsafe { libc::mkdirat(root_fd.as_raw_fd(), c_name.as_ptr(), 0o700) };
        if r == 0 {
            created = true;
        } else {
            let e = io::Error::last_os_error();
            if e.raw_os_error() != Some(libc::EEXIST) {
                return Err(match e.raw_os_error() {
                    Some(libc::EACCES) | Some(libc::EPERM) => Error::PermissionDenied {
                        name: path.clone(),
                        reason: "cannot create the namespace directory".into(),
                        source: Some(e),
                    },
                    _ => io_err("mkdir", e),
                });
            }
        }
    }
    // SAFETY: root_fd is an open directory; c_name is a valid C string.
    let fd = cvt_r(|| unsafe {
        libc::openat(
            root_fd.as_raw_fd(),
            c_name.as_ptr(),
            libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_RDONLY | libc::O_CLOEXEC,
        )
    });
    let fd = match fd {
        Ok(fd) => fd,
        Err(e) => {
            return match e.raw_os_error() {
                Some(libc::ENOENT) if !create => Ok(None),
                Some(libc::ENOTDIR) | Some(libc::ELOOP) => Err(Error::UnsafeNamespace {
                    path,
                    reason: "a symlink or a non-directory is in its place".into(),
                }),
                Some(libc::EACCES) => Err(Error::UnsafeNamespace {
                    path,
                    reason: "it cannot be opened by the caller (foreign owner?)".into(),
                }),
                _ => Err(io_err("open", e)),
            }
        }
    };
    // SAFETY: fd was just returned by openat and is owned by nobody else.
    let fd = unsafe { OwnedFd::from_raw_fd(fd) };
    let mut st = fstat(fd.as_raw_fd()).map_err(|e| io_err("fstat", e))?;
    if created && st.st_uid == uid && st.st_mode & 0o7777 != wanted_mode(ns) {
        // mkdir's mode was masked by the umask: set it exactly.
        // SAFETY: fd is an open directory we own.
        cvt(unsafe { libc::fchmod(fd.as_raw_fd(), wanted_mode(ns) as libc::mode_t) })
            .map_err(|e| io_err("fchmod", e))?;
        st = fstat(fd.as_raw_fd()).map_err(|e| io_err("fstat", e))?;
    }
    check(&st, ns, uid).map_err(|reason| Error::UnsafeNamespace {
        path: path.clone(),
        reason,
    })?;
    let exact_modes = exact_modes(fd.as_raw_fd(), st.st_uid == uid);
    Ok(Some(NsDir {
        fd,
        path,
        ns,
        uid,
        dev: st.st_dev,
        ino: st.st_ino,
        exact_modes,
    }))
}
