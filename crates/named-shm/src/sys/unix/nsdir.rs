//! The namespace-directory rules every Unix backend applies: when a
//! directory may be trusted as `Local\` or `Global\` for a user, and what is
//! found at a directory's name (a directory we opened without following a
//! symlink, something else, or nothing). POSIX calls only; the Linux
//! backend's `ns.rs` adds where the directories are, the fallback, ACLs and
//! taking a squatted name back.

use super::cvt;
use crate::name::Namespace;
use std::ffi::CStr;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

/// The mode a namespace directory must have.
pub(crate) fn wanted_mode(ns: Namespace) -> u32 {
    match ns {
        Namespace::Local => 0o700,
        Namespace::Global => 0o1755,
    }
}

pub(crate) fn fstat(fd: RawFd) -> io::Result<libc::stat> {
    let mut st = std::mem::MaybeUninit::<libc::stat>::uninit();
    // SAFETY: `st` is a valid out-pointer for one `stat`; fstat fully initialises it on success.
    cvt(unsafe { libc::fstat(fd, st.as_mut_ptr()) })?;
    // SAFETY: fstat returned 0, so `st` is initialised.
    Ok(unsafe { st.assume_init() })
}

/// `fstatat(dirfd, name, AT_SYMLINK_NOFOLLOW)`.
pub(crate) fn lstat_at(dirfd: RawFd, name: &CStr) -> io::Result<libc::stat> {
    let mut st = std::mem::MaybeUninit::<libc::stat>::uninit();
    // SAFETY: dirfd is open, name a valid C string, `st` a valid out-pointer.
    cvt(unsafe { libc::fstatat(dirfd, name.as_ptr(), st.as_mut_ptr(), libc::AT_SYMLINK_NOFOLLOW) })?;
    // SAFETY: fstatat returned 0, so `st` is initialised.
    Ok(unsafe { st.assume_init() })
}

/// Whether a directory's stat makes it a trusted namespace directory of
/// `ns` for `uid` (the fallback is checked as `Local`); `admin` is the
/// administrator a `Global\` directory may belong to besides root.
pub(crate) fn check(
    st: &libc::stat,
    ns: Namespace,
    uid: u32,
    admin: Option<u32>,
) -> std::result::Result<(), String> {
    if st.st_mode & libc::S_IFMT != libc::S_IFDIR {
        return Err("it is not a directory".into());
    }
    let mode = st.st_mode & 0o7777;
    match ns {
        Namespace::Local => {
            if st.st_uid != uid {
                return Err(format!(
                    "it belongs to uid {}, not to uid {uid} (squatted?)",
                    st.st_uid
                ));
            }
            if mode != 0o700 {
                return Err(format!("its mode is {mode:04o}, not 0700"));
            }
        }
        Namespace::Global => {
            if st.st_uid != 0 && Some(st.st_uid) != admin {
                return Err(format!(
                    "it belongs to uid {}, not to root (squatted?); nobody trusts it",
                    st.st_uid
                ));
            }
            if mode & 0o002 != 0 {
                return Err(format!(
                    "its mode is {mode:04o}: any user could create in it (creating in Global\\ needs a grant)"
                ));
            }
            if mode & libc::S_ISVTX == 0 {
                return Err(format!("its mode is {mode:04o}, without the sticky bit"));
            }
        }
    }
    Ok(())
}

/// What is at a namespace directory's name.
pub(crate) enum Entry {
    Absent,
    /// A directory the caller could open (not yet checked).
    Dir(OwnedFd, libc::stat),
    /// A symlink, a non-directory, or a directory the caller cannot open.
    Other(libc::stat, &'static str),
}

pub(crate) fn entry(dirfd: RawFd, name: &CStr) -> io::Result<Entry> {
    // SAFETY: dirfd is an open directory; name is a valid C string.
    let r = crate::sys::unix::cvt_r(|| unsafe {
        libc::openat(
            dirfd,
            name.as_ptr(),
            libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_RDONLY | libc::O_CLOEXEC,
        )
    });
    match r {
        Ok(fd) => {
            // SAFETY: fd was just returned by openat and is owned by nobody else.
            let fd = unsafe { OwnedFd::from_raw_fd(fd) };
            let st = fstat(fd.as_raw_fd())?;
            Ok(Entry::Dir(fd, st))
        }
        Err(e) => match e.raw_os_error() {
            Some(libc::ENOENT) => Ok(Entry::Absent),
            Some(libc::ENOTDIR) | Some(libc::ELOOP) | Some(libc::EACCES) => match lstat_at(dirfd, name) {
                Ok(st) => {
                    let what = match st.st_mode & libc::S_IFMT {
                        libc::S_IFLNK => "it is a symbolic link",
                        libc::S_IFDIR => "it is a directory the caller cannot open",
                        _ => "it is not a directory",
                    };
                    Ok(Entry::Other(st, what))
                }
                Err(e2) if e2.raw_os_error() == Some(libc::ENOENT) => Ok(Entry::Absent),
                Err(e2) => Err(e2),
            },
            _ => Err(e),
        },
    }
}

/// Why an entry is not a trusted namespace directory.
pub(crate) struct Bad {
    pub(crate) owner: u32,
    pub(crate) reason: String,
    pub(crate) dev: u64,
    pub(crate) ino: u64,
    /// A directory of the caller's own (only its mode is wrong).
    pub(crate) own_dir: bool,
}

pub(crate) enum Found {
    Absent,
    Valid(OwnedFd, libc::stat),
    Bad(Bad),
}

/// Device and inode of a stat, as the `u64`s Linux has (`st_dev` is an
/// `i32` on some Unix systems).
#[allow(clippy::unnecessary_cast, clippy::useless_conversion)]
pub(crate) fn dev_ino(st: &libc::stat) -> (u64, u64) {
    (st.st_dev as u64, u64::from(st.st_ino))
}

pub(crate) fn classify(e: Entry, ns: Namespace, uid: u32, admin: Option<u32>) -> Found {
    match e {
        Entry::Absent => Found::Absent,
        Entry::Dir(fd, st) => match check(&st, ns, uid, admin) {
            Ok(()) => Found::Valid(fd, st),
            Err(reason) => Found::Bad(Bad {
                owner: st.st_uid,
                reason,
                dev: dev_ino(&st).0,
                ino: dev_ino(&st).1,
                own_dir: st.st_uid == uid,
            }),
        },
        Entry::Other(st, what) => Found::Bad(Bad {
            owner: st.st_uid,
            reason: if st.st_uid == uid {
                what.to_owned()
            } else {
                format!("{what}, of uid {} (squatted?)", st.st_uid)
            },
            dev: dev_ino(&st).0,
            ino: dev_ino(&st).1,
            own_dir: false,
        }),
    }
}
