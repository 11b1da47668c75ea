//! Namespace directories.
//!
//! - `Local\`: `<root>/named-shm.u<euid>`, mode 0700, owned by the user.
//! - `Global\`: `<root>/named-shm.global`, mode 1777 (sticky, like `/tmp`),
//!   owned by root or by the calling user.
//!
//! `<root>` is `/dev/shm`, or `$NAMED_SHM_DIR` when set (read once per process;
//! tests use it to run on a small tmpfs). Each directory is opened with
//! `O_DIRECTORY|O_NOFOLLOW`, checked (type, owner, mode) and its descriptor
//! cached; every use re-checks it with one `fstat`, so a directory that was
//! removed, re-owned or loosened is noticed and opened anew (or refused).

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

/// The namespace directory, created if missing.
pub(crate) fn dir(ns: Namespace) -> Result<Arc<NsDir>> {
    lookup(ns, true).map(|d| d.expect("created"))
}

/// The namespace directory, or `None` if it does not exist yet.
pub(crate) fn dir_if_exists(ns: Namespace) -> Result<Option<Arc<NsDir>>> {
    lookup(ns, false)
}

fn lookup(ns: Namespace, create: bool) -> Result<Option<Arc<NsDir>>> {
    let uid = euid();
    let mut cache = CACHE.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(pos) = cache.iter().position(|(u, n, _)| *u == uid && *n == ns) {
        let d = cache[pos].2.clone();
        if still_valid(&d) {
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
    Ok(Some(NsDir {
        fd,
        path,
        ns,
        uid,
        dev: st.st_dev,
        ino: st.st_ino,
    }))
}
