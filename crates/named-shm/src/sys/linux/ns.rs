//! Namespace directories, and which of them a process may trust.
//!
//! (Over 500 lines because the squat handling below — fallback, take-back,
//! move-aside — is one argument about who may deny whom; the generic trust
//! rules are in `sys/unix/nsdir.rs`.)
//!
//! `<root>` is `/dev/shm`, or `$NAMED_SHM_DIR` when set (read once per
//! process; tests use it to run on a private tmpfs).
//!
//! # `Local\`: `<root>/named-shm.u<euid>`, or the fallback
//!
//! A user's `Local\` directory is a directory owned by the user, mode 0700,
//! not a symlink. `/dev/shm` is sticky and world-writable, so any user can
//! `mkdir /dev/shm/named-shm.u<victim>` before the victim's first use, and
//! the victim can neither use nor remove it. So that no other user can deny
//! a user's namespace, every process of the user applies one deterministic
//! rule, which depends only on the file system (never on an environment
//! variable such as `XDG_RUNTIME_DIR`, which a login shell, a systemd
//! service, a cron job or a container see differently):
//!
//! - (a) the primary `<root>/named-shm.u<uid>`, if it is ours;
//! - (b) else the fallback `/run/user/<uid>/named-shm`, if it is ours. logind
//!   makes `/run/user/<uid>` (owned by the user, 0700, tmpfs): only the user
//!   and root can create in it. The base must be owned by the user, writable
//!   by nobody else and on tmpfs (`fstatfs`, `TMPFS_MAGIC`: no disk
//!   writeback); the fallback must be ours and on tmpfs;
//! - (c) else, if nothing is at the primary's name, create the primary;
//! - (d) else (the primary is squatted: a foreign owner, a symlink, a file,
//!   or a directory with another mode) create the fallback;
//! - (e) if there is no usable base, `Error::UnsafeNamespace` naming the
//!   squatting uid and the one command that fixes it
//!   (`as root: mv /dev/shm/named-shm.u1000 /dev/shm/named-shm.u1000.squatted`).
//!
//! (a) before (b): a process that fell back and one started after root
//! removed the squat agree (the second finds no primary, then the fallback).
//! (c) and (d) run under an exclusive `flock` of the base (which only the
//! user and root can open), after (a) and (b) are evaluated again: two
//! processes of the user racing root's removal of a squat cannot end in
//! different directories. Without a base there is no fallback, so nothing to
//! disagree on. Both directories can exist only if root makes a primary for
//! the user while the fallback is in use; (a) then wins for new processes,
//! and processes that cached the fallback move when a call through it finds
//! nothing (see [`recheck`]), as after any removal.
//!
//! Root never falls back: if its primary is squatted it renames the entry
//! aside (`<name>.squatted-by-<uid>-<secs>-<pid>`, untouched and still
//! inspectable) and makes its own. The entry renamed is checked to be the
//! one examined (device, inode); if it turns out to be a valid directory
//! (another root process's, made meanwhile) it is put back.
//!
//! With `$NAMED_SHM_DIR` set, the fallback is `/run/user/<uid>/named-shm.r<h>`
//! (`h`: FNV-1a of the root path), so each private root keeps its own; and
//! `$NAMED_SHM_RUNTIME_DIR` (test-only, read only when `$NAMED_SHM_DIR` is
//! set, so it cannot split a user's processes in normal use) replaces
//! `/run/user` as the base's parent: tests make `<it>/<uid>` themselves
//! where `/run/user` is missing or not tmpfs.
//!
//! # `Global\`: `<root>/named-shm.global`, created only with a grant
//!
//! Windows lets a process create a `Global\` object outside session 0 only
//! with `SeCreateGlobalPrivilege`; opening an existing one needs only its
//! security descriptor. Here the grant is the permission to create in the
//! global directory, which the kernel enforces: the directory is owned by
//! root, sticky, and group-writable for the granted group (`nshm
//! setup-global` makes it `root:named-shm 1775`; `dist/tmpfiles.d` has the
//! same line for boot). Others may open and list but not create. Root
//! always may create; a process without the grant gets
//! `Error::PermissionDenied` (`ERROR_ACCESS_DENIED`, 5) whose message says
//! how an administrator grants it and that `Local\` needs no grant.
//!
//! A global directory is trusted only if it is a directory owned by root,
//! sticky, and not writable by others (so 1755, 1775, 1770, ...). Anything
//! else is trusted by nobody: other users get `Error::UnsafeNamespace`
//! telling them to have root run `nshm setup-global`; root renames it aside
//! and makes its own. When root (not `nshm setup-global`) makes it, it is
//! `root:root 1755`: only root creates until an administrator grants a
//! group. Only root makes it: a user who finds no global directory gets
//! the grant error on create; an open finds nothing (not found), as no
//! `Global\` object can exist then.
//!
//! A private `$NAMED_SHM_DIR` that is not world-writable and is owned by uid
//! `U` is `U`'s own: `U` counts as its administrator (a global directory
//! owned by `U` is trusted, and `U` may make it and create in it). `/dev/shm`
//! is root's and 1777, so this changes nothing there.
//!
//! # Caching
//!
//! Each directory is opened with `O_DIRECTORY|O_NOFOLLOW`, checked (type,
//! owner, mode) and its descriptor cached. Creating and opening objects use
//! the cached descriptor as it is and re-check it (one `fstat`) only when a
//! call through it finds nothing: a directory that was removed (or moved
//! aside, or loosened) is then noticed (a removed directory holds no names
//! and takes no new ones, so every call through it ends there) and the rule
//! above is applied anew. Only its owner (the user, or root) can re-own or
//! loosen a checked directory, so that needs no check per call; the admin
//! functions (list, remove, reap) re-check it on every use.

use super::super::unix::nsdir::{check, classify, entry, fstat, lstat_at, wanted_mode, Bad, Entry, Found};
use super::{cvt, cvt_r, euid};
use crate::error::{Error, ErrorName, Result};
use crate::name::Namespace;
use std::ffi::{CStr, CString};
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

/// Whether the root is not the default `/dev/shm`.
fn private_root() -> bool {
    root() != "/dev/shm"
}

/// The administrator of a private root: its owner, if it is not root and the
/// root is not world-writable (see the module docs).
fn root_admin() -> Option<u32> {
    static ADMIN: OnceLock<Option<u32>> = OnceLock::new();
    *ADMIN.get_or_init(|| {
        if !private_root() {
            return None;
        }
        let md = std::fs::metadata(root()).ok()?;
        let (uid, mode) = (
            std::os::unix::fs::MetadataExt::uid(&md),
            std::os::unix::fs::MetadataExt::mode(&md),
        );
        (uid != 0 && mode & 0o002 == 0).then_some(uid)
    })
}

/// Whether `uid` may make (and take back) the global directory.
fn administers(uid: u32) -> bool {
    uid == 0 || root_admin() == Some(uid)
}

/// The directory name of a namespace for the given user.
pub(crate) fn dir_name(ns: Namespace, uid: u32) -> String {
    match ns {
        Namespace::Local => format!("named-shm.u{uid}"),
        Namespace::Global => "named-shm.global".to_owned(),
    }
}

/// The fallback's name in the base: `named-shm`, or `named-shm.r<hash>`
/// for a private root.
fn fallback_name() -> String {
    if !private_root() {
        return "named-shm".to_owned();
    }
    // FNV-1a, 64 bits: stable across processes and builds.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in root().bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("named-shm.r{h:016x}")
}

/// The fallback base's path: `/run/user/<uid>`, or
/// `$NAMED_SHM_RUNTIME_DIR/<uid>` (test-only; honoured with `$NAMED_SHM_DIR` only).
fn base_path(uid: u32) -> String {
    static PARENT: OnceLock<String> = OnceLock::new();
    let parent = PARENT.get_or_init(|| match std::env::var("NAMED_SHM_RUNTIME_DIR") {
        Ok(s) if !s.is_empty() && private_root() => s,
        _ => "/run/user".to_owned(),
    });
    format!("{parent}/{uid}")
}

const TMPFS_MAGIC: i64 = 0x0102_1994;

fn on_tmpfs(fd: RawFd) -> bool {
    let mut s = std::mem::MaybeUninit::<libc::statfs>::uninit();
    // SAFETY: `s` is a valid out-pointer for one `statfs`; fd is open.
    if unsafe { libc::fstatfs(fd, s.as_mut_ptr()) } != 0 {
        return false;
    }
    // SAFETY: fstatfs returned 0, so `s` is initialised.
    let s = unsafe { s.assume_init() };
    // f_type's type differs between targets.
    #[allow(clippy::unnecessary_cast)]
    let f_type = s.f_type as i64;
    f_type == TMPFS_MAGIC
}

type Cache = Vec<(u32, Namespace, Arc<NsDir>)>;
static CACHE: Mutex<Cache> = Mutex::new(Vec::new());

/// The namespace directory, created if missing. A cached descriptor is
/// returned without a re-check: see [`recheck`].
pub(crate) fn dir(ns: Namespace) -> Result<Arc<NsDir>> {
    lookup(ns, true, false).map(|d| d.expect("created"))
}

/// The namespace directory as [`dir`] gives it (a cached descriptor without
/// a re-check), or `None` if it does not exist: never creates it (opens).
pub(crate) fn dir_for_open(ns: Namespace) -> Result<Option<Arc<NsDir>>> {
    lookup(ns, false, false)
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
    // Every create and open comes here first: the place to raise the
    // descriptor limit once (see `nofile.rs`).
    super::nofile::raise_once();
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

fn still_valid(d: &NsDir) -> bool {
    match fstat(d.raw()) {
        Ok(st) => {
            st.st_nlink > 0
                && st.st_dev == d.dev
                && st.st_ino == d.ino
                && check(&st, d.ns, d.uid, root_admin()).is_ok()
        }
        Err(_) => false,
    }
}

fn finish(fd: OwnedFd, st: &libc::stat, path: String, ns: Namespace, uid: u32) -> NsDir {
    let exact_modes = exact_modes(fd.as_raw_fd(), st.st_uid == uid);
    NsDir {
        fd,
        path,
        ns,
        uid,
        dev: st.st_dev,
        ino: st.st_ino,
        exact_modes,
    }
}

fn io_err(path: &str, op: &'static str, source: io::Error) -> Error {
    path.io(op, source)
}

/// `mkdir` (an existing entry is fine), then what is there: a directory
/// this call made gets its mode set exactly (mkdir's is masked by the umask).
fn make(dirfd: RawFd, name: &CStr, path: &str, ns: Namespace, uid: u32) -> Result<Found> {
    // SAFETY: dirfd is an open directory; name is a valid C string.
    let r = unsafe { libc::mkdirat(dirfd, name.as_ptr(), 0o700) };
    let created = r == 0;
    if !created {
        let e = io::Error::last_os_error();
        match e.raw_os_error() {
            Some(libc::EEXIST) => {}
            Some(libc::EACCES) | Some(libc::EPERM) => {
                return Err(path.denied_by("cannot create the namespace directory", e))
            }
            _ => return Err(io_err(path, "mkdir", e)),
        }
    }
    let e = entry(dirfd, name).map_err(|e| io_err(path, "open", e))?;
    let e = match e {
        Entry::Dir(fd, st) if created && st.st_uid == uid && st.st_mode & 0o7777 != wanted_mode(ns) => {
            // SAFETY: fd is an open directory we own.
            cvt(unsafe { libc::fchmod(fd.as_raw_fd(), wanted_mode(ns) as libc::mode_t) })
                .map_err(|e| io_err(path, "fchmod", e))?;
            let st = fstat(fd.as_raw_fd()).map_err(|e| io_err(path, "fstat", e))?;
            Entry::Dir(fd, st)
        }
        e => e,
    };
    Ok(classify(e, ns, uid, root_admin()))
}

fn open_dir(ns: Namespace, uid: u32, create: bool) -> Result<Option<NsDir>> {
    let root = root();
    let c_root =
        CString::new(root).map_err(|_| root.unsafe_namespace("the root path contains a NUL byte"))?;
    // SAFETY: c_root is a valid C string; the returned fd is checked and owned below.
    let root_fd = cvt_r(|| unsafe {
        libc::open(
            c_root.as_ptr(),
            libc::O_DIRECTORY | libc::O_RDONLY | libc::O_CLOEXEC | libc::O_PATH,
        )
    })
    .map_err(|e| io_err(root, "open of the root directory", e))?;
    // SAFETY: root_fd was just returned by open and is owned by nobody else.
    let root_fd = unsafe { OwnedFd::from_raw_fd(root_fd) };
    let name = dir_name(ns, uid);
    let path = format!("{root}/{name}");
    let c_name = CString::new(name).expect("no NUL in a generated name");
    let rfd = root_fd.as_raw_fd();
    let found = classify(
        entry(rfd, &c_name).map_err(|e| io_err(&path, "open", e))?,
        ns,
        uid,
        root_admin(),
    );
    let bad = match found {
        Found::Valid(fd, st) => return Ok(Some(finish(fd, &st, path, ns, uid))),
        Found::Absent => None,
        Found::Bad(b) => Some(b),
    };
    match ns {
        Namespace::Global if administers(uid) => take_back(rfd, &c_name, path, ns, uid, bad, create),
        Namespace::Global => match bad {
            None if !create => Ok(None),
            None => Err(path.denied(format!(
                "`Global\\` is not set up on this machine (no global directory), and only root creates it{}",
                crate::error::GLOBAL_GRANT_HINT
            ))),
            Some(b) => {
                Err(path.unsafe_namespace(format!("{}; fix: as root, run `nshm setup-global`", b.reason)))
            }
        },
        Namespace::Local if uid == 0 => take_back(rfd, &c_name, path, ns, uid, bad, create),
        Namespace::Local => open_local(rfd, &c_name, path, uid, bad, create),
    }
}

/// The fallback base, checked; or why there is none.
struct Base {
    fd: OwnedFd,
    path: String,
}

fn base(uid: u32) -> std::result::Result<Base, String> {
    let path = base_path(uid);
    let c = CString::new(path.clone()).map_err(|_| format!("{path} contains a NUL byte"))?;
    // SAFETY: c is a valid C string; the returned fd is owned below.
    let fd = cvt_r(|| unsafe {
        libc::open(
            c.as_ptr(),
            libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_RDONLY | libc::O_CLOEXEC,
        )
    })
    .map_err(|e| format!("{path}: {e}"))?;
    // SAFETY: fd was just returned by open and is owned by nobody else.
    let fd = unsafe { OwnedFd::from_raw_fd(fd) };
    let st = fstat(fd.as_raw_fd()).map_err(|e| format!("{path}: {e}"))?;
    if st.st_uid != uid {
        return Err(format!("{path} belongs to uid {}", st.st_uid));
    }
    if st.st_mode & 0o022 != 0 {
        return Err(format!("{path} is writable by other users"));
    }
    if !on_tmpfs(fd.as_raw_fd()) {
        return Err(format!("{path} is not on tmpfs"));
    }
    Ok(Base { fd, path })
}

/// The fallback in `base`, if it exists and is ours (on tmpfs, 0700).
fn fallback_if_valid(base: &Base, uid: u32) -> Result<Option<NsDir>> {
    let name = fallback_name();
    let path = format!("{}/{name}", base.path);
    let c_name = CString::new(name).expect("no NUL in a generated name");
    match classify(
        entry(base.fd.as_raw_fd(), &c_name).map_err(|e| io_err(&path, "open", e))?,
        Namespace::Local,
        uid,
        root_admin(),
    ) {
        Found::Valid(fd, st) if on_tmpfs(fd.as_raw_fd()) => {
            Ok(Some(finish(fd, &st, path, Namespace::Local, uid)))
        }
        _ => Ok(None),
    }
}

/// Rules (b) to (e) of the module docs for a user other than root.
fn open_local(
    rfd: RawFd,
    c_name: &CStr,
    path: String,
    uid: u32,
    bad: Option<Bad>,
    create: bool,
) -> Result<Option<NsDir>> {
    let base = base(uid);
    if let Ok(b) = &base {
        if let Some(d) = fallback_if_valid(b, uid)? {
            return Ok(Some(d));
        }
    }
    if !create {
        return match bad {
            None => Ok(None),
            Some(b) => Err(squatted(&path, uid, &b, base.err())),
        };
    }
    // Serialise (c) and (d) among the user's processes, and look again.
    if let Ok(b) = &base {
        // SAFETY: b.fd is an open directory; the lock goes with the descriptor.
        let _ = cvt_r(|| unsafe { libc::flock(b.fd.as_raw_fd(), libc::LOCK_EX) });
    }
    let mut bad = match classify(
        entry(rfd, c_name).map_err(|e| io_err(&path, "open", e))?,
        Namespace::Local,
        uid,
        root_admin(),
    ) {
        Found::Valid(fd, st) => return Ok(Some(finish(fd, &st, path, Namespace::Local, uid))),
        Found::Absent => None,
        Found::Bad(b) => Some(b),
    };
    if let Ok(b) = &base {
        if let Some(d) = fallback_if_valid(b, uid)? {
            return Ok(Some(d));
        }
    }
    if bad.is_none() {
        // (c): nobody is at the primary's name.
        match make(rfd, c_name, &path, Namespace::Local, uid)? {
            Found::Valid(fd, st) => return Ok(Some(finish(fd, &st, path, Namespace::Local, uid))),
            Found::Absent => return Err(path.unsafe_namespace("it vanished right after it was made")),
            // Squatted between the look and the mkdir.
            Found::Bad(b) => bad = Some(b),
        }
    }
    let bad = bad.expect("squatted");
    // (d): the fallback.
    let b = match base {
        Ok(b) => b,
        Err(why) => return Err(squatted(&path, uid, &bad, Some(why))),
    };
    let name = fallback_name();
    let fpath = format!("{}/{name}", b.path);
    let c_fname = CString::new(name).expect("no NUL in a generated name");
    match make(b.fd.as_raw_fd(), &c_fname, &fpath, Namespace::Local, uid)? {
        Found::Valid(fd, st) if on_tmpfs(fd.as_raw_fd()) => {
            Ok(Some(finish(fd, &st, fpath, Namespace::Local, uid)))
        }
        Found::Valid(..) => Err(fpath.unsafe_namespace("the fallback is not on tmpfs")),
        Found::Absent => Err(fpath.unsafe_namespace("it vanished right after it was made")),
        Found::Bad(fb) => Err(fpath.unsafe_namespace(format!(
            "the primary {path} is unusable ({}) and so is this fallback: {}",
            bad.reason, fb.reason
        ))),
    }
}

/// (e): the primary is unusable and there is no fallback.
fn squatted(path: &str, uid: u32, bad: &Bad, why: Option<String>) -> Error {
    let fix = if bad.owner != uid {
        format!("as root: mv {path} {path}.squatted")
    } else if bad.own_dir {
        format!("chmod 0700 {path}")
    } else {
        format!("rm {path}")
    };
    let why = why.map(|w| format!(" ({w})")).unwrap_or_default();
    path.to_owned()
        .unsafe_namespace(format!("{}; no safe fallback{why}; fix: {fix}", bad.reason))
}

/// Root (or a private root's administrator, for `Global\`): an unusable
/// entry at the name is renamed aside and a trusted directory made.
fn take_back(
    rfd: RawFd,
    c_name: &CStr,
    path: String,
    ns: Namespace,
    uid: u32,
    mut bad: Option<Bad>,
    create: bool,
) -> Result<Option<NsDir>> {
    if !create {
        return match bad {
            None => Ok(None),
            Some(b) => Err(path.unsafe_namespace(format!(
                "{}; it is moved aside at the next create or open",
                b.reason
            ))),
        };
    }
    for _ in 0..4 {
        if let Some(b) = bad.take() {
            move_aside(rfd, c_name, &path, &b, ns, uid)?;
        }
        match make(rfd, c_name, &path, ns, uid)? {
            Found::Valid(fd, st) => return Ok(Some(finish(fd, &st, path, ns, uid))),
            Found::Absent => {}
            Found::Bad(b) => bad = Some(b),
        }
    }
    Err(path.unsafe_namespace("it kept being replaced while it was moved aside"))
}

fn move_aside(rfd: RawFd, c_name: &CStr, path: &str, bad: &Bad, ns: Namespace, uid: u32) -> Result<()> {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let name = c_name.to_string_lossy();
    let aside = if bad.owner != uid {
        format!("{name}.squatted-by-{}-{secs}-{}", bad.owner, super::pid())
    } else {
        format!("{name}.unsafe-{secs}-{}", super::pid())
    };
    let c_aside = CString::new(aside).expect("no NUL in a generated name");
    // SAFETY: rfd is an open directory; both names are valid C strings.
    let r = unsafe { libc::renameat(rfd, c_name.as_ptr(), rfd, c_aside.as_ptr()) };
    if r != 0 {
        let e = io::Error::last_os_error();
        return match e.raw_os_error() {
            Some(libc::ENOENT) => Ok(()),
            _ => Err(path
                .to_owned()
                .unsafe_namespace(format!("{}; moving it aside failed: {e}", bad.reason))),
        };
    }
    // Renamed by name: if what moved is not what was examined but a trusted
    // directory (another process of ours made it meanwhile), put it back.
    if let Ok(st) = lstat_at(rfd, &c_aside) {
        if (st.st_dev, st.st_ino) != (bad.dev, bad.ino) && check(&st, ns, uid, root_admin()).is_ok() {
            // SAFETY: rfd is an open directory; both names are valid C strings.
            unsafe {
                libc::renameat2(
                    rfd,
                    c_aside.as_ptr(),
                    rfd,
                    c_name.as_ptr(),
                    libc::RENAME_NOREPLACE,
                );
            }
        }
    }
    Ok(())
}
