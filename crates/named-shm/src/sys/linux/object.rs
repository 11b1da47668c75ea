//! The life cycle of a named object: publish, open, close and reclaim.
//!
//! One file on purpose (about 1,000 lines, twice the project's usual
//! limit): create, open, close and reclaim are one protocol whose steps
//! only make sense against each other (every "why" below names another
//! step), and `tests/protocol_model.rs` checks it as one state machine with
//! mutants seeded here (`named_shm_mutant`). Splitting it would put the
//! halves of one interleaving argument in different files.
//!
//! Every handle is a descriptor with its own open file description (OFD)
//! holding a shared OFD lock on byte 0 of the object's file. The kernel drops
//! that lock when the last descriptor of the description closes, including when
//! the process dies, so the set of lock holders *is* the set of open handles.
//!
//! **Layout**: a mapping's payload starts the file and its header page ends
//! it (`unix/header.rs`), so that a Windows section named over the same file
//! (the Wine bridge) shows the payload at its offset 0; a sync object's file
//! is its header page. The lock on byte 0 counts handles whatever is stored
//! there.
//!
//! **Create**: `O_TMPFILE` in the namespace directory with the exact mode
//! (the directory's default ACL keeps the umask out; without it, `fchmod`),
//! `posix_fallocate` (commit) or `ftruncate` (reserve), header, optional
//! initialisation of the sync area, the read lock, then `linkat` (with
//! `AT_EMPTY_PATH`, or of `/proc/self/fd/N`). Nobody can open the file before
//! `linkat`, and when they can, it is complete and already held.
//!
//! **Open**: `openat(O_NOFOLLOW|O_NONBLOCK)`, `fstat` (a regular file; in
//! `Local\` ours), then `F_OFD_GETLK` asks whether any lock is held. None:
//! the object is dead (all holders closed or were killed), so it is
//! reclaimed (see below) and the name is treated as free; if it is not ours
//! to remove (another user's read-only handle was its last), it is still no
//! object: open says not found, create says the name is occupied until its
//! owner or root reclaims it. A write lock: a closer or reaper found it dead
//! and may be killed before it unlinks, so never lock it: back off and look
//! again. Read locks: handles are open. Every check that can refuse the
//! object (header, kind, size, required owner, the owner's requested mode)
//! runs now, *before* taking the read lock: an open that fails never holds
//! a lock, so it never counts as a handle (a last closer that saw its lock
//! would leave the unlink to it, and a create racing it would adopt the dead
//! object). Then take the read lock (`EAGAIN` means a closer or reaper took
//! the write lock meanwhile: back off and retry), and check that the name
//! still links the inode we hold (`fstatat`, device and inode: the closer
//! may have unlinked it between our lookup and our lock; `nlink` would not
//! do, since a hard link elsewhere keeps it positive): retry if not.
//!
//! **Modes**: the file always grants its owner read and write (requested
//! mode | 0600), so that any of the owner's handles, read-only ones
//! included, can take the write lock that ends the object; the requested
//! mode is recorded in the header and open holds the owner to it. Group and
//! other bits are the file's own, enforced by the kernel.
//!
//! **Close**: when the process has not forked since the handle was opened, the
//! handle's description is ours alone. A writable one releases its read lock,
//! then tries a write lock on the same description: that succeeds only if no
//! other handle is open anywhere, so the object is dead: unlink it while
//! holding the lock. (Only upgrading in place would let two handles closing
//! at once each fail on the other's read lock and both leave an orphan;
//! releasing first means the last to release always finds nobody.) The
//! handle that created the object, usually the last to close, first tries
//! the upgrade in place (one call when it is last) and, refused, releases
//! and tries again as above. A
//! read-only description cannot take a write lock: it releases its lock and
//! asks `F_OFD_GETLK` whether another handle still holds one; if so, that
//! handle's close will unlink; if not, it continues as after a fork. (The
//! owner can always reopen its file read-write, see **Modes**. Another
//! user's read-only handle may not: closed last, it leaves a dead file,
//! which is no object to any open and is reclaimed by its owner or root.)
//! After a fork the description may be shared with the child, whose handle
//! must keep the object alive, so the close takes the slow path: open a fresh
//! description of whatever the name points to, close the handle (dropping its
//! lock only if no other process shares it), then try a *write* lock on the
//! fresh description; if it succeeds, no handle is open anywhere: unlink.
//!
//! **Unnamed objects** (`Disposition::Anonymous`) are the same tmpfile,
//! header and read lock, never linked: nobody can open them, so there is
//! nothing to publish, reclaim or unlink. Their handles, duplicates and
//! inherited copies share the file, and the kernel frees it with the last
//! descriptor or view; the close just closes.
//!
//! **Views** map the handle's own description while it is exclusively ours:
//! the close unlocks it explicitly, so a view that outlives the handle does not
//! keep the lock. A handle that has crossed a fork maps a second, lock-free
//! description instead (`/proc/self/fd/N` reopened), because a mapping pins its
//! description and a shared description cannot be unlocked by one process.
//!
//! **Reclaim** (also used by open and `reap`): any object on which a write lock
//! succeeds has no handle; if the name still links it (same device and
//! inode: never trust `nlink`, a hard link elsewhere keeps it positive after
//! the name went to a new object), and it is a regular file and ours to
//! remove, unlink it while holding the lock. All unlinkers hold the write
//! lock, so two of them can never race, and an opener that locked the inode
//! before the unlink finds the name gone (or elsewhere) and retries. (Only
//! `admin::remove`, which unlinks live names on request, unlinks without
//! the lock: a removal racing a last close between its identity check and
//! its unlink is the one window left, and it needs the owner or root.)

use super::header::{header_offset, Header, FLAG_RESERVE, HEADER_SIZE};
use super::ns::{self, NsDir};
use super::{cvt, cvt_r};
use crate::error::{Error, ErrorName, ObjectKind, Result};
use crate::name::ObjectName;
use std::ffi::{CStr, CString};
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub(crate) use crate::sys::Disposition;

/// What to create.
pub(crate) struct Spec<'a> {
    pub kind: ObjectKind,
    /// Payload bytes after the header (page-rounded); 0 for sync objects.
    pub size: u64,
    pub flags: u32,
    /// Permission bits, applied exactly (no umask).
    pub mode: u32,
    /// Initialises the header page of a new object before it is published.
    pub init: Option<&'a InitFn<'a>>,
}

/// Writes the initial state (events, mutexes) into a new object's header page.
pub(crate) type InitFn<'a> = dyn Fn(&mut [u8]) -> Result<()> + 'a;

/// How to open.
#[derive(Debug, Clone, Copy)]
pub(crate) struct OpenSpec {
    pub kind: ObjectKind,
    pub writable: bool,
    pub require_owner: Option<u32>,
    pub timeout: Duration,
}

/// One open handle to a named object.
///
/// It owns two open file descriptions of the object's file: `fd` holds the
/// handle's lock, `map_fd` (opened on first use) is what views map. They must
/// differ: a mapping keeps its description alive, and with it any lock on it,
/// so mapping `fd` would keep the name alive as long as a view exists.
#[derive(Debug)]
pub(crate) struct Object {
    fd: Option<OwnedFd>,
    map_fd: std::sync::OnceLock<OwnedFd>,
    /// A view maps `fd` itself (see the module docs).
    views_on_fd: std::sync::atomic::AtomicBool,
    fork_gen: u64,
    /// (st_dev, st_ino), filled at open or on first request.
    identity: std::sync::OnceLock<(u64, u64)>,
    dir: Arc<NsDir>,
    file: CString,
    pub(crate) header: Header<()>,
    pub(crate) owner_uid: u32,
    pub(crate) mode: u32,
    pub(crate) created: bool,
    pub(crate) writable: bool,
    /// Never linked (`Disposition::Anonymous`): `file` is empty.
    unnamed: bool,
}

impl Object {
    pub(crate) fn raw_fd(&self) -> RawFd {
        self.fd.as_ref().expect("open until drop").as_raw_fd()
    }

    /// The file's (device, inode): tells objects and generations of a name apart.
    pub(crate) fn identity(&self) -> (u64, u64) {
        *self.identity.get_or_init(|| match fstat(self.raw_fd()) {
            Ok(st) => (st.st_dev, st.st_ino),
            Err(_) => (0, 0),
        })
    }

    /// The description to `mmap`: the handle's own while the process has not
    /// forked since it was opened (the close then unlocks it explicitly),
    /// otherwise a lock-free one: `/proc/self/fd/N` reopened with the handle's
    /// access (it names the same inode even after the name is gone).
    pub(crate) fn map_fd(&self) -> io::Result<RawFd> {
        if let Some(fd) = self.map_fd.get() {
            return Ok(fd.as_raw_fd());
        }
        if super::fork_generation() == self.fork_gen {
            // Relaxed: read back by the same handle's Drop, which has `&mut self`.
            self.views_on_fd.store(true, std::sync::atomic::Ordering::Relaxed);
            return Ok(self.raw_fd());
        }
        let path = CString::new(format!("/proc/self/fd/{}", self.raw_fd())).expect("no NUL");
        let acc = if self.writable || self.created {
            libc::O_RDWR
        } else {
            libc::O_RDONLY
        };
        // SAFETY: path is a valid C string; the descriptor is owned below.
        let fd = cvt_r(|| unsafe { libc::open(path.as_ptr(), acc | libc::O_CLOEXEC) })?;
        // SAFETY: fd was just returned by open and is owned by nobody else.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        // A concurrent caller may have won the race; its descriptor is as good as ours.
        let _ = self.map_fd.set(fd);
        Ok(self.map_fd.get().expect("set above").as_raw_fd())
    }
}

pub(crate) fn fstat(fd: RawFd) -> io::Result<libc::stat> {
    let mut st = std::mem::MaybeUninit::<libc::stat>::uninit();
    // SAFETY: `st` is a valid out-pointer; fstat initialises it on success.
    cvt(unsafe { libc::fstat(fd, st.as_mut_ptr()) })?;
    // SAFETY: fstat succeeded.
    Ok(unsafe { st.assume_init() })
}

fn lock_struct(kind: libc::c_int) -> libc::flock {
    // SAFETY: flock is plain old data; all-zero is a valid value.
    let mut fl: libc::flock = unsafe { std::mem::zeroed() };
    fl.l_type = kind as libc::c_short;
    fl.l_whence = libc::SEEK_SET as libc::c_short;
    fl.l_start = 0;
    fl.l_len = 1;
    fl
}

/// Tries an OFD lock without blocking: `Ok(false)` if another description holds
/// a conflicting lock.
pub(crate) fn try_lock(fd: RawFd, kind: libc::c_int) -> io::Result<bool> {
    let fl = lock_struct(kind);
    // SAFETY: `fl` is a valid flock with l_pid 0, as F_OFD_SETLK requires.
    match cvt_r(|| unsafe { libc::fcntl(fd, libc::F_OFD_SETLK, &fl) }) {
        Ok(_) => Ok(true),
        Err(e) if matches!(e.raw_os_error(), Some(libc::EAGAIN) | Some(libc::EACCES)) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Whether any *other* description holds a lock on the object (a handle, or a
/// closer or reaper at work).
pub(crate) fn is_held(fd: RawFd) -> io::Result<bool> {
    Ok(held_lock(fd)?.is_some())
}

/// The type of lock another description holds (`F_RDLCK`: handles are open;
/// `F_WRLCK`: a closer or reaper is at work), or `None`.
fn held_lock(fd: RawFd) -> io::Result<Option<libc::c_int>> {
    let mut fl = lock_struct(libc::F_WRLCK);
    // SAFETY: `fl` is a valid flock with l_pid 0, as F_OFD_GETLK requires.
    cvt_r(|| unsafe { libc::fcntl(fd, libc::F_OFD_GETLK, &mut fl) })?;
    Ok((fl.l_type != libc::F_UNLCK as libc::c_short).then_some(libc::c_int::from(fl.l_type)))
}

fn open_at(dir: RawFd, file: &CString, flags: libc::c_int) -> io::Result<OwnedFd> {
    let flags = flags | libc::O_NOFOLLOW | libc::O_CLOEXEC | libc::O_NONBLOCK | libc::O_NOCTTY;
    // SAFETY: dir is an open directory and file a valid C string.
    let fd = cvt_r(|| unsafe { libc::openat(dir, file.as_ptr(), flags) })?;
    // SAFETY: fd was just returned by openat and is owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// The outcome of trying to reclaim whatever sits at a name.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Reclaim {
    /// It was dead and is now unlinked.
    Reclaimed,
    /// Nothing is there (any more).
    Gone,
    /// A handle is open on it.
    Live,
    /// Not an object of ours, and not ours to remove (what it is).
    Foreign(String),
    /// A dead object (valid header, no handle) that we may not remove: it
    /// is no object, but its name cannot be taken until its owner or root
    /// reclaims it.
    Dead(String),
}

/// Reclaims the object at `file` if no handle is open on it.
pub(crate) fn reclaim(dir: &NsDir, file: &CString) -> Reclaim {
    let fd = match open_at(dir.raw(), file, libc::O_RDWR) {
        Ok(fd) => fd,
        Err(e) => {
            return match e.raw_os_error() {
                Some(libc::ENOENT) => Reclaim::Gone,
                Some(libc::ELOOP) => Reclaim::Foreign("a symbolic link".into()),
                Some(libc::EISDIR) => Reclaim::Foreign("a directory".into()),
                Some(libc::EACCES) | Some(libc::EPERM) => {
                    // Read-only to us: look, but we cannot lock or remove it.
                    match open_at(dir.raw(), file, libc::O_RDONLY) {
                        Ok(ro) => match is_held(ro.as_raw_fd()) {
                            Ok(true) => Reclaim::Live,
                            _ => match fstat(ro.as_raw_fd()) {
                                Ok(st) if st.st_mode & libc::S_IFMT == libc::S_IFREG => {
                                    not_ours(ro.as_raw_fd(), st.st_uid)
                                }
                                _ => Reclaim::Foreign("a special file".into()),
                            },
                        },
                        Err(_) => Reclaim::Foreign("an object the caller cannot open".into()),
                    }
                }
                _ => Reclaim::Foreign(format!("something that cannot be opened ({e})")),
            };
        }
    };
    match try_lock(fd.as_raw_fd(), libc::F_WRLCK) {
        Ok(true) => unlink_dead(dir, file, fd.as_raw_fd(), false),
        Ok(false) => Reclaim::Live,
        Err(e) => Reclaim::Foreign(format!("something that cannot be locked ({e})")),
    }
}

/// Second half of [`reclaim`]: `fd` is a description of the name holding the
/// write lock, so no handle is open on it and no other reclaimer can be at work.
/// The caller releases the lock after this returns. With `dry`, every check
/// is made and the unlink is not (`reap --dry-run`).
pub(crate) fn unlink_dead(dir: &NsDir, file: &CStr, fd: RawFd, dry: bool) -> Reclaim {
    let st = match fstat(fd) {
        Ok(st) => st,
        Err(e) => return Reclaim::Foreign(format!("something that cannot be examined ({e})")),
    };
    if st.st_nlink == 0 {
        return Reclaim::Gone;
    }
    if st.st_mode & libc::S_IFMT != libc::S_IFREG {
        return Reclaim::Foreign("a special file".into());
    }
    let me = dir.uid;
    let ours = st.st_uid == me || (me == 0 && has_valid_header(fd));
    if !ours {
        return not_ours(fd, st.st_uid);
    }
    // Seeded bug (scripts/mutants.sh): trust `nlink > 0` to mean "linked at
    // this name" (a hard link elsewhere keeps it positive after the name
    // was removed and given to a new object, which this would unlink).
    #[cfg(not(named_shm_mutant = "unlink_without_identity"))]
    if !name_links(dir, file, &st) {
        return Reclaim::Gone;
    }
    if dry {
        return Reclaim::Reclaimed;
    }
    // SAFETY: dir is an open directory, file a valid C string.
    match cvt(unsafe { libc::unlinkat(dir.raw(), file.as_ptr(), 0) }) {
        Ok(_) => Reclaim::Reclaimed,
        Err(e) if e.raw_os_error() == Some(libc::ENOENT) => Reclaim::Gone,
        Err(e) => Reclaim::Foreign(format!("an orphan that cannot be removed ({e})")),
    }
}

/// What a lock-free regular file of uid `uid` that we may not remove is: a
/// dead object (valid header), or something else.
fn not_ours(fd: RawFd, uid: u32) -> Reclaim {
    if !has_valid_header(fd) {
        return Reclaim::Foreign(format!("a file of uid {uid} that is no object"));
    }
    Reclaim::Dead(format!(
        "a dead object of uid {uid} (its last handle was closed by a process that may not \
         remove it; its owner or root removes it, e.g. with `nshm reap`)"
    ))
}

fn read_header_page(fd: RawFd) -> io::Result<Vec<u8>> {
    let mut buf = [0u8; HEADER_READ];
    let got = read_header_into(fd, &fstat(fd)?, &mut buf)?;
    Ok(buf[..got].to_vec())
}

/// Bytes of the header page that parsing needs: the fixed part and the name.
const HEADER_READ: usize = 64 + crate::name::MAX_NAME_LEN;

/// Reads the start of the header page of the file `st` describes: its last
/// page (`header::header_offset`). A size that cannot be an object file's
/// reads nothing, which no header parses.
fn read_header_into(fd: RawFd, st: &libc::stat, buf: &mut [u8; HEADER_READ]) -> io::Result<usize> {
    let Some(base) = header_offset(st.st_size as u64) else {
        return Ok(0);
    };
    let mut got = 0usize;
    while got < buf.len() {
        // `base` is below i64::MAX (a file size less a page), so the sum fits off_t.
        let at = base + got as u64;
        // SAFETY: the destination is the unfilled tail of `buf`.
        let n = cvt_r(|| unsafe {
            libc::pread(
                fd,
                buf[got..].as_mut_ptr().cast(),
                buf.len() - got,
                at as libc::off_t,
            )
        })?;
        if n == 0 {
            break;
        }
        got += n as usize;
    }
    Ok(got)
}

fn has_valid_header(fd: RawFd) -> bool {
    read_header_page(fd)
        .map(|b| Header::decode(&b).is_ok())
        .unwrap_or(false)
}

/// Reads and validates the header of an open object file.
pub(crate) fn read_header(fd: RawFd) -> std::result::Result<Header, &'static str> {
    let mut buf = [0u8; HEADER_READ];
    let st = fstat(fd).map_err(|_| "a file that cannot be read")?;
    let got = read_header_into(fd, &st, &mut buf).map_err(|_| "a file that cannot be read")?;
    let header = Header::decode(&buf[..got]).map_err(|e| e.describe())?;
    if HEADER_SIZE.checked_add(header.size) != Some(st.st_size as u64) {
        return Err("an object whose size does not match its header");
    }
    Ok(header)
}

enum Opened {
    Object(Object),
    /// Not live (no name, or a dead object that was reclaimed).
    Free,
    /// A dead object (no handle open) that the caller may not remove: no
    /// object for an open (not found), but its name cannot be taken until
    /// its owner or root reclaims it.
    Dead(String),
}

fn occupied(name: &ObjectName, what: impl Into<String>) -> Error {
    name.occupied(what.into())
}

/// Opens the live object at the name, reclaiming a dead one.
///
/// Every check that can refuse the object (type, owner, header, kind, size,
/// the owner's requested mode) runs *before* the handle lock is taken: an
/// open that fails never holds a lock, so it never counts as a handle. (A
/// last closer that saw such a transient lock would leave the unlink to it,
/// and a create racing it would adopt the dead object.) The only lock taken
/// and then given up is one on an inode that the name no longer links, which
/// nobody can find by name any more.
fn open_live(name: &ObjectName, dir: &Arc<NsDir>, file: &CString, spec: &OpenSpec) -> Result<Opened> {
    // Set at the first back-off: the common open never waits, nor reads the clock.
    let mut deadline = None::<Instant>;
    let mut spins = 0u32;
    let acc = if spec.writable {
        libc::O_RDWR
    } else {
        libc::O_RDONLY
    };
    let fork_gen = super::fork_generation();
    let io = |op, source| name.io(op, source);
    let mut wait = |what: &'static str, spins: &mut u32| -> Result<()> {
        if Instant::now() >= *deadline.get_or_insert_with(|| Instant::now() + spec.timeout) {
            return Err(name.timeout(what));
        }
        backoff(spins);
        Ok(())
    };
    loop {
        let fd = match open_at(dir.raw(), file, acc) {
            Ok(fd) => fd,
            Err(e) => {
                return match e.raw_os_error() {
                    Some(libc::ENOENT) => Ok(Opened::Free),
                    Some(libc::ELOOP) => Err(occupied(name, "a symbolic link")),
                    Some(libc::EISDIR) => Err(occupied(name, "a directory")),
                    Some(libc::EACCES) | Some(libc::EPERM) => {
                        // A dead object is no object: whatever its mode, the
                        // name is free (it is reclaimed if we may).
                        if let Some(free) = dead_at(dir, file) {
                            return Ok(free);
                        }
                        Err(name.denied_by(
                            format!(
                                "its permissions do not allow {} access",
                                if spec.writable { "read-write" } else { "read" }
                            ),
                            e,
                        ))
                    }
                    Some(libc::ENXIO) | Some(libc::ETXTBSY) => Err(occupied(name, "a special file")),
                    _ => Err(io("open", e)),
                };
            }
        };
        let raw = fd.as_raw_fd();
        let st = fstat(raw).map_err(|e| io("fstat", e))?;
        if st.st_mode & libc::S_IFMT != libc::S_IFREG {
            return Err(occupied(name, "a special file"));
        }
        if dir.ns == crate::Namespace::Local && st.st_uid != dir.uid {
            return Err(occupied(
                name,
                format!("an object of uid {} in a private namespace", st.st_uid),
            ));
        }
        let held = held_lock(raw).map_err(|e| io("fcntl(F_OFD_GETLK)", e))?;
        // Seeded bug (scripts/mutants.sh): never notice a dead object.
        #[cfg(named_shm_mutant = "no_getlk")]
        let held = held.or(Some(libc::F_RDLCK));
        if held == Some(libc::F_WRLCK) {
            // A closer or reaper found it dead and is unlinking it. It may be
            // killed before it does, leaving an orphan that our read lock
            // would revive: never lock it now, back off and look again.
            drop(fd);
            wait("another process holds the object's write lock", &mut spins)?;
            continue;
        }
        if held.is_none() {
            drop(fd);
            match reclaim(dir, file) {
                Reclaim::Reclaimed | Reclaim::Gone => return Ok(Opened::Free),
                Reclaim::Live => continue,
                Reclaim::Dead(what) => return Ok(Opened::Dead(what)),
                Reclaim::Foreign(what) => return Err(occupied(name, what)),
            }
        }
        // Live: check everything that could refuse it before locking.
        #[cfg(not(named_shm_mutant = "fail_after_lock"))]
        let header = check_object(name, raw, &st, spec, dir.uid)?;
        if !try_lock(raw, libc::F_RDLCK).map_err(|e| io("fcntl(F_OFD_SETLK)", e))? {
            // A closer or reaper holds the write lock for a moment.
            drop(fd);
            wait("another process holds the object's write lock", &mut spins)?;
            continue;
        }
        // Seeded bug (scripts/mutants.sh): keep a lock on an inode the name
        // no longer links.
        #[cfg(not(named_shm_mutant = "no_nlink_recheck"))]
        if !name_links(dir, file, &st) {
            // Unlinked by its last closer (or removed) between our open and
            // our lock. Nobody can find this inode by name: just close.
            drop(fd);
            continue;
        }
        // Seeded bug (scripts/mutants.sh): lock first, then refuse, dropping
        // the lock without the close protocol (a failed open hides the last
        // close from the real last closer, and the name outlives it).
        #[cfg(named_shm_mutant = "fail_after_lock")]
        let header = check_object(name, raw, &st, spec, dir.uid)?;
        let mode = header.requested_mode().unwrap_or(st.st_mode & 0o7777);
        return Ok(Opened::Object(Object {
            fd: Some(fd),
            map_fd: Default::default(),
            views_on_fd: Default::default(),
            fork_gen,
            identity: (st.st_dev, st.st_ino).into(),
            dir: dir.clone(),
            file: file.clone(),
            header,
            owner_uid: st.st_uid,
            mode,
            created: false,
            writable: spec.writable,
            unnamed: false,
        }));
    }
}

/// After an open was refused by the file's permissions: `Some(Free)` if
/// what sits at the name is a dead object (no handle open), which is
/// reclaimed when we may remove it, and is no object either way.
fn dead_at(dir: &NsDir, file: &CString) -> Option<Opened> {
    // Locks can be queried through any readable description; without read
    // permission we cannot tell, and the caller reports the permission error.
    let ro = open_at(dir.raw(), file, libc::O_RDONLY).ok()?;
    if !matches!(fstat(ro.as_raw_fd()), Ok(st) if st.st_mode & libc::S_IFMT == libc::S_IFREG) {
        return None;
    }
    match is_held(ro.as_raw_fd()) {
        Ok(false) => {
            drop(ro);
            Some(match reclaim(dir, file) {
                Reclaim::Reclaimed | Reclaim::Gone => Opened::Free,
                Reclaim::Dead(what) => Opened::Dead(what),
                Reclaim::Live | Reclaim::Foreign(_) => return None,
            })
        }
        _ => None,
    }
}

/// Whether the name still links the inode `st` describes.
fn name_links(dir: &NsDir, file: &CStr, st: &libc::stat) -> bool {
    matches!(stat_at(dir, file), Ok(n) if n.st_dev == st.st_dev && n.st_ino == st.st_ino)
}

fn stat_at(dir: &NsDir, file: &CStr) -> io::Result<libc::stat> {
    let mut st = std::mem::MaybeUninit::<libc::stat>::uninit();
    // SAFETY: dir is an open directory, file a valid C string, `st` a valid
    // out-pointer that fstatat initialises on success.
    cvt(unsafe {
        libc::fstatat(
            dir.raw(),
            file.as_ptr(),
            st.as_mut_ptr(),
            libc::AT_SYMLINK_NOFOLLOW,
        )
    })?;
    // SAFETY: fstatat succeeded.
    Ok(unsafe { st.assume_init() })
}

/// The checks that can refuse a live object, made before its lock is taken:
/// owner, header, kind, size and the owner's requested mode.
fn check_object(
    name: &ObjectName,
    raw: RawFd,
    st: &libc::stat,
    spec: &OpenSpec,
    me: u32,
) -> Result<Header<()>> {
    if let Some(want) = spec.require_owner {
        if st.st_uid != want {
            return Err(name.denied(format!(
                "it belongs to uid {}, not to the required uid {want}",
                st.st_uid
            )));
        }
    }
    if header_offset(st.st_size as u64).is_none() {
        return Err(occupied(
            name,
            format!(
                "a file truncated or resized by another process to {} bytes (an object's file is \
                 whole pages, its header page last)",
                st.st_size
            ),
        ));
    }
    let mut buf = [0u8; HEADER_READ];
    let got =
        read_header_into(raw, st, &mut buf).map_err(|_| occupied(name, "a file that cannot be read"))?;
    let header = Header::decode_expecting(&buf[..got], Some(name.base())).map_err(|e| {
        occupied(
            name,
            format!(
                "{} at the end of its {} bytes (truncated or resized by another process, or no object)",
                e.describe(),
                st.st_size
            ),
        )
    })?;
    if header.name != name.base() {
        return Err(occupied(name, "an object whose header names another object"));
    }
    let header = header.with_name(());
    if header.kind != spec.kind {
        return Err(name.wrong_type(spec.kind, header.kind));
    }
    let expect_len = HEADER_SIZE + header.size;
    if st.st_size as u64 != expect_len {
        return Err(occupied(
            name,
            format!(
                "an object truncated by another process to {} bytes (expected {expect_len})",
                st.st_size
            ),
        ));
    }
    // The file always grants its owner read and write (so that any handle of
    // the owner can end the object); the mode the owner asked for is in the
    // header, and binds the owner here as the file's mode binds everyone else.
    if st.st_uid == me && me != 0 {
        if let Some(mode) = header.requested_mode() {
            let need = if spec.writable { 0o600 } else { 0o400 };
            if mode & need != need {
                return Err(name.denied(format!(
                    "its mode {mode:04o} does not allow its owner {} access",
                    if spec.writable { "read-write" } else { "read" }
                )));
            }
        }
    }
    Ok(header)
}

fn backoff(spins: &mut u32) {
    *spins += 1;
    if *spins < 8 {
        std::thread::yield_now();
    } else {
        let us = (1u64 << (*spins - 8).min(10)).min(1000);
        std::thread::sleep(Duration::from_micros(us));
    }
}

fn now_ns() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}

/// Creates, opens, or opens-or-creates the named object.
pub(crate) fn acquire(
    name: &ObjectName,
    disp: Disposition,
    open: &OpenSpec,
    spec: &Spec<'_>,
) -> Result<Object> {
    acquire_with(name, disp, open, spec, &|_| Ok(()))
}

/// [`acquire`], calling `before_publish` with the descriptor of a new
/// object's tmpfile after its header is written and locked, just before it is
/// linked (events and mutexes: a mutex created owned is locked there, so it is
/// never visible unowned). If publishing then fails or finds the name taken,
/// the tmpfile is discarded and the caller gets an object with `created == false`
/// (or an error), and must undo what the hook did.
pub(crate) fn acquire_with(
    name: &ObjectName,
    disp: Disposition,
    open: &OpenSpec,
    spec: &Spec<'_>,
    before_publish: &dyn Fn(RawFd) -> Result<()>,
) -> Result<Object> {
    if disp == Disposition::Anonymous {
        return create_unnamed(name, open, spec, before_publish);
    }
    let file = super::file_name(name);
    let not_found = || name.not_found();
    // An open never makes a namespace directory: where none exists (a
    // `Global\` that nobody set up, which only root may make) nothing can
    // be found, as on Windows.
    let mut dir = if disp == Disposition::Open {
        ns::dir_for_open(name.namespace())?.ok_or_else(not_found)?
    } else {
        ns::dir(name.namespace())?
    };
    if disp != Disposition::Create {
        let mut opened = open_live(name, &dir, &file, open)?;
        if matches!(opened, Opened::Free) {
            // Nothing there: make sure "there" is still the namespace
            // directory (the cached descriptor is not re-checked per call).
            if let Some(d) = ns::recheck(&dir)? {
                dir = d;
                opened = open_live(name, &dir, &file, open)?;
            }
        }
        match opened {
            Opened::Object(o) => return Ok(o),
            Opened::Free | Opened::Dead(_) if disp == Disposition::Open => return Err(not_found()),
            Opened::Free => {}
            Opened::Dead(what) => return Err(occupied(name, what)),
        }
    }
    let (tmp, header) = make_tmpfile(name, &dir, spec)?;
    before_publish(tmp.as_raw_fd())?;
    let fork_gen = super::fork_generation();
    let uid = dir.uid;
    let mut rechecked = false;
    for _ in 0..10_000 {
        if link_tmpfile(tmp.as_raw_fd(), &dir, &file) == 0 {
            #[cfg(named_shm_mutant = "lock_after_link")]
            let _ = try_lock(tmp.as_raw_fd(), libc::F_RDLCK);
            return Ok(Object {
                fd: Some(tmp),
                map_fd: Default::default(),
                views_on_fd: Default::default(),
                fork_gen,
                identity: Default::default(),
                dir,
                file,
                header,
                owner_uid: uid,
                mode: spec.mode & 0o7777,
                created: true,
                writable: open.writable,
                unnamed: false,
            });
        }
        let e = io::Error::last_os_error();
        match e.raw_os_error() {
            Some(libc::EEXIST) => match open_live(name, &dir, &file, open) {
                Ok(Opened::Object(o)) => {
                    if disp == Disposition::Create {
                        return Err(name.already_exists());
                    }
                    return Ok(o);
                }
                Ok(Opened::Free) => continue,
                Ok(Opened::Dead(what)) => return Err(occupied(name, what)),
                Err(err) => return Err(err),
            },
            // The directory was removed since it was checked: publish in
            // the namespace directory as it is now (same file system).
            Some(libc::ENOENT) if !rechecked => {
                rechecked = true;
                if let Some(d) = ns::recheck(&dir)? {
                    dir = d;
                }
                continue;
            }
            Some(libc::EACCES) | Some(libc::EPERM) => {
                return Err(name.denied_by("cannot publish in the namespace directory", e))
            }
            _ => return Err(name.io("linkat", e)),
        }
    }
    Err(name.timeout("the name kept changing hands while publishing"))
}

/// An unnamed object: a tmpfile of the caller's `Local\\` directory (so it
/// is charged to the same file system and limits as named ones) with the
/// header and read lock of a named one, never linked.
fn create_unnamed(
    name: &ObjectName,
    open: &OpenSpec,
    spec: &Spec<'_>,
    before_publish: &dyn Fn(RawFd) -> Result<()>,
) -> Result<Object> {
    let dir = ns::dir(crate::Namespace::Local)?;
    let (tmp, header) = make_tmpfile(name, &dir, spec)?;
    before_publish(tmp.as_raw_fd())?;
    Ok(Object {
        fd: Some(tmp),
        map_fd: Default::default(),
        views_on_fd: Default::default(),
        fork_gen: super::fork_generation(),
        identity: Default::default(),
        owner_uid: dir.uid,
        dir,
        file: CString::default(),
        header,
        mode: spec.mode & 0o7777,
        created: true,
        writable: open.writable,
        unnamed: true,
    })
}

/// Whether `linkat(AT_EMPTY_PATH)` works here (Linux 6.10+, or with
/// `CAP_DAC_READ_SEARCH`); otherwise `/proc/self/fd/N` is linked instead.
static EMPTY_PATH_LINK: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(true);

/// Publishes the tmpfile under `file`: 0 on success, -1 with `errno` set.
fn link_tmpfile(fd: RawFd, dir: &NsDir, file: &CString) -> libc::c_int {
    use std::sync::atomic::Ordering::Relaxed;
    if EMPTY_PATH_LINK.load(Relaxed) {
        // SAFETY: "" and file are valid C strings; fd is our tmpfile, dir an open directory.
        let r = unsafe { libc::linkat(fd, c"".as_ptr(), dir.raw(), file.as_ptr(), libc::AT_EMPTY_PATH) };
        let errno = io::Error::last_os_error().raw_os_error();
        if r == 0 || !matches!(errno, Some(libc::ENOENT) | Some(libc::EPERM) | Some(libc::EINVAL)) {
            return r;
        }
        // Older kernels refuse AT_EMPTY_PATH without CAP_DAC_READ_SEARCH (ENOENT).
        // Relaxed: a hint; every thread falls back on its own if it races.
        EMPTY_PATH_LINK.store(false, Relaxed);
    }
    let proc_path = CString::new(format!("/proc/self/fd/{fd}")).expect("no NUL");
    // SAFETY: proc_path and file are valid C strings; dir is an open directory.
    unsafe {
        libc::linkat(
            libc::AT_FDCWD,
            proc_path.as_ptr(),
            dir.raw(),
            file.as_ptr(),
            libc::AT_SYMLINK_FOLLOW,
        )
    }
}

fn make_tmpfile(name: &ObjectName, dir: &NsDir, spec: &Spec<'_>) -> Result<(OwnedFd, Header<()>)> {
    let io = |op, source| name.io(op, source);
    // The file always grants its owner read and write, whatever was asked
    // for: any handle of the owner, read-only ones included, must be able to
    // take the write lock that ends the object. The requested mode goes into
    // the header, and `open` holds the owner to it (group and other bits are
    // the file's own, enforced by the kernel).
    let disk_mode = (spec.mode & 0o7777) | 0o600;
    // In a directory with the exact-modes default ACL the file gets exactly
    // this mode; elsewhere the umask may clear bits, and `fchmod` below sets it.
    let mode = disk_mode & 0o777;
    let exact = dir.exact_modes && mode == disk_mode;
    // SAFETY: dir is an open directory; "." is a valid C string.
    let fd = cvt_r(|| unsafe {
        libc::openat(
            dir.raw(),
            c".".as_ptr(),
            libc::O_TMPFILE | libc::O_RDWR | libc::O_CLOEXEC,
            if exact { mode } else { 0o600 } as libc::c_uint,
        )
    })
    .map_err(|e| match e.raw_os_error() {
        Some(libc::EACCES) | Some(libc::EPERM) => {
            name.denied_by("cannot create objects in the namespace directory", e)
        }
        Some(libc::ENOSPC) | Some(libc::ENOMEM) => name.out_of_memory(spec.size, Some(e)),
        Some(libc::EOPNOTSUPP) | Some(libc::EISDIR) => Error::Unsupported {
            what: "O_TMPFILE on the namespace file system",
        },
        _ => io("open(O_TMPFILE)", e),
    })?;
    // SAFETY: fd was just returned by openat and is owned by nobody else.
    let fd = unsafe { OwnedFd::from_raw_fd(fd) };
    let raw = fd.as_raw_fd();
    if !exact {
        // SAFETY: raw is our open file; the mode is a plain permission mask.
        cvt(unsafe { libc::fchmod(raw, disk_mode as libc::mode_t) }).map_err(|e| io("fchmod", e))?;
    }
    let total = HEADER_SIZE
        .checked_add(spec.size)
        .filter(|t| *t <= i64::MAX as u64)
        .ok_or_else(|| name.invalid_size(spec.size, "too large for a file offset"))?;
    let oom = |e: io::Error| name.out_of_memory(spec.size, Some(e));
    if spec.flags & FLAG_RESERVE == 0 {
        // SAFETY: raw is our open file; the range is non-negative and fits off_t.
        let r = unsafe { libc::posix_fallocate(raw, 0, total as libc::off_t) };
        if r != 0 {
            let e = io::Error::from_raw_os_error(r);
            return Err(match r {
                libc::ENOSPC | libc::EFBIG | libc::ENOMEM | libc::EINTR => oom(e),
                _ => io("posix_fallocate", e),
            });
        }
    } else {
        // SAFETY: raw is our open file; total fits off_t.
        cvt_r(|| unsafe { libc::ftruncate(raw, total as libc::off_t) }).map_err(|e| {
            match e.raw_os_error() {
                Some(libc::EFBIG) | Some(libc::ENOSPC) | Some(libc::EINVAL) => oom(e),
                _ => io("ftruncate", e),
            }
        })?;
    }
    let header = Header {
        kind: spec.kind,
        size: spec.size,
        creator_uid: dir.uid,
        creator_pid: super::pid(),
        created_ns: now_ns(),
        flags: spec.flags,
        mode: super::header::MODE_RECORDED | (spec.mode & 0o7777),
        name: name.base(),
    };
    // The file is zero-filled: write only the header (from a stack buffer),
    // or the whole page when `init` fills in the sync area.
    let mut small = [0u8; HEADER_READ];
    let mut full = Vec::new();
    let page: &[u8] = match spec.init {
        None => {
            header.encode(&mut small);
            &small[..64 + header.name.len()]
        }
        Some(init) => {
            full.resize(HEADER_SIZE as usize, 0);
            header.encode(&mut full);
            init(&mut full)?;
            &full
        }
    };
    // The header page is the file's last: after the payload (none for sync
    // objects), `spec.size` bytes in. `total` fits off_t, so this does too.
    let mut done = 0usize;
    while done < page.len() {
        let at = spec.size + done as u64;
        // SAFETY: the source is the unwritten tail of `page`.
        let n = cvt_r(|| unsafe {
            libc::pwrite(
                raw,
                page[done..].as_ptr().cast(),
                page.len() - done,
                at as libc::off_t,
            )
        })
        .map_err(|e| match e.raw_os_error() {
            Some(libc::ENOSPC) => oom(e),
            _ => io("pwrite", e),
        })?;
        done += n as usize;
    }
    // Seeded bug (scripts/mutants.sh): the lock is taken after `linkat` instead.
    #[cfg(not(named_shm_mutant = "lock_after_link"))]
    if !try_lock(raw, libc::F_RDLCK).map_err(|e| io("fcntl(F_OFD_SETLK)", e))? {
        return Err(io(
            "fcntl(F_OFD_SETLK)",
            io::Error::from_raw_os_error(libc::EAGAIN),
        ));
    }
    Ok((fd, header.with_name(())))
}

impl Drop for Object {
    fn drop(&mut self) {
        let Some(fd) = self.fd.take() else { return };
        if self.unnamed {
            // No name to end: the kernel frees the file with its last
            // descriptor or view, in whichever process that is.
            drop(fd);
            return;
        }
        let raw = fd.as_raw_fd();
        // Seeded bug (scripts/mutants.sh): every close unlinks, live or not.
        #[cfg(named_shm_mutant = "close_always_unlinks")]
        let try_lock = |_, _| Ok::<bool, io::Error>(true);
        let unlock = |views: bool| {
            if views {
                // A view maps this description and keeps it open after the
                // close below: drop the lock explicitly. Failure is impossible
                // for a valid description and harmless otherwise.
                let fl = lock_struct(libc::F_UNLCK);
                // SAFETY: `fl` is a valid flock with l_pid 0.
                let _ = unsafe { libc::fcntl(raw, libc::F_OFD_SETLK, &fl) };
            }
        };
        let views = self.views_on_fd.load(std::sync::atomic::Ordering::Relaxed);
        let exclusive = super::fork_generation() == self.fork_gen;
        if exclusive && (self.writable || self.created) {
            // Fast path: the description is ours alone and writable. Release
            // our read lock, then try the write lock: it succeeds only if no
            // other handle is open anywhere. (Only upgrading in place would
            // let two concurrent closers fail on each other's read lock and
            // both leave: tests/protocol_model.rs.) The creator, usually the
            // last to close, first tries the upgrade in place, which saves
            // the release when it is last; refused, it releases and retries.
            let last = self.created && matches!(try_lock(raw, libc::F_WRLCK), Ok(true));
            #[cfg(not(named_shm_mutant = "close_no_retry"))]
            if !last {
                unlock(true);
            }
            if last || matches!(try_lock(raw, libc::F_WRLCK), Ok(true)) {
                // Dead: unlink while holding the write lock. A failure leaves an
                // orphan for the next open, create or reap.
                let unlinked = matches!(
                    unlink_dead(&self.dir, &self.file, raw, false),
                    Reclaim::Reclaimed | Reclaim::Gone
                );
                // A view may keep this description (and its write lock) open
                // after the close. On an unlinked inode that is harmless: an
                // opener that finds it locked retries by name and finds nothing.
                // On a file still linked, release the lock.
                if !unlinked {
                    unlock(views);
                }
            }
            // Without the write lock we hold no lock at all any more.
            drop(fd);
            return;
        }
        if exclusive {
            // A read-only description cannot take a write lock: release ours
            // (views may keep the description open). If another handle still
            // holds the object, the last of them unlinks it; otherwise check
            // through a writable description, as below.
            unlock(true);
            if matches!(is_held(raw), Ok(true)) {
                drop(fd);
                return;
            }
        }
        // Slow path after a fork: a child may share the description.
        // Seeded bug (scripts/mutants.sh): close before opening the fresh description.
        #[cfg(named_shm_mutant = "close_without_fresh")]
        let fd = {
            drop(fd);
            None::<OwnedFd>
        };
        let fresh = open_at(self.dir.raw(), &self.file, libc::O_RDWR).ok();
        // Closing drops our read lock, unless another process shares the description.
        drop(fd);
        if let Some(fresh) = fresh {
            if matches!(try_lock(fresh.as_raw_fd(), libc::F_WRLCK), Ok(true)) {
                // No handle is open anywhere: the object is dead. Anything that
                // stops the unlink leaves an orphan for the next open, create or
                // reap, so the outcome is ignored.
                let _ = unlink_dead(&self.dir, &self.file, fresh.as_raw_fd(), false);
            }
        }
    }
}
