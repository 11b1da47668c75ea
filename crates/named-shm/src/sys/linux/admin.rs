//! Listing, removing and reaping named objects (the Linux side of `crate::admin`).

use super::super::unix::filename::{decode_file_name, encode_file_name};
use super::header::Header;
use super::ns::{self, NsDir};
use super::object::{self, fstat, is_held};
use crate::admin::{ForeignEntry, Holder, HolderIndex, ObjectInfo, ReapReport};
use crate::error::{Error, ErrorName, Result};
use crate::name::{Namespace, ObjectName};
use std::ffi::{CStr, CString};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::path::PathBuf;
use std::time::{Duration, UNIX_EPOCH};

/// Every entry of a namespace directory, as file names.
fn entries(dir: &NsDir) -> Result<Vec<CString>> {
    let io = |op, source| dir.path.io(op, source);
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
            for l in text.lines().filter(|l| counts_as_handle(l)) {
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

/// Whether a lock line of `/proc/locks` or of an fdinfo file stands for a
/// handle: an OFD lock (every handle of the library holds one), or a POSIX
/// read lock on byte 0 alone, which is what a Windows program's shared
/// `LockFileEx` on the handle byte becomes under Wine (held by the
/// wineserver for the whole prefix: `nshm wine`).
fn counts_as_handle(line: &str) -> bool {
    if line.contains("OFDLCK") {
        return true;
    }
    // `1: POSIX  ADVISORY  READ 4242 00:1a:12345 0 0`: start and end byte 0.
    let f: Vec<&str> = line.split_whitespace().collect();
    f.len() >= 4 && f.contains(&"POSIX") && f.contains(&"READ") && f[f.len() - 2..] == ["0", "0"]
}

/// Why an entry of a namespace directory is not a named object.
struct NotObject {
    reason: String,
    owner_uid: Option<u32>,
}

impl NotObject {
    fn new(reason: impl Into<String>, owner_uid: Option<u32>) -> NotObject {
        NotObject {
            reason: reason.into(),
            owner_uid,
        }
    }
}

/// The checks that make the open file `fd`, found at `file`, a named object:
/// a regular file with a valid header whose name encodes to exactly `file`
/// (hash included), so that a planted file can never pass for another name.
/// Shared by listing, `info`, `remove` and `reap` (dry or not).
fn check_object(fd: RawFd, st: &libc::stat, file: &CStr) -> std::result::Result<Header, NotObject> {
    let uid = Some(st.st_uid);
    match st.st_mode & libc::S_IFMT {
        libc::S_IFREG => {}
        libc::S_IFDIR => return Err(NotObject::new("a directory", uid)),
        libc::S_IFLNK => return Err(NotObject::new("a symbolic link", uid)),
        _ => return Err(NotObject::new("a special file", uid)),
    }
    let header: Header = object::read_header(fd).map_err(|why| NotObject::new(why, uid))?;
    // Our encodings are ASCII: any other file name is nobody's encoding.
    let exact = file.to_str().is_ok_and(|f| match decode_file_name(f) {
        // A readable file name decodes to exactly one name.
        Some(base) => base == header.name,
        // A hashed one (`%h` + SHA-256) must be the hash of the header's name.
        None => encode_file_name(&header.name) == f,
    });
    if !exact {
        return Err(NotObject::new("a file whose header names another object", uid));
    }
    Ok(header)
}

/// Why an entry that cannot be opened read-only is not an object we can see.
fn unopenable(dir: &NsDir, file: &CStr) -> NotObject {
    // SAFETY: stat is plain old data; fstatat fills it on success.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: dir is open, file a valid C string, st a valid out-pointer.
    let r = unsafe { libc::fstatat(dir.raw(), file.as_ptr(), &mut st, libc::AT_SYMLINK_NOFOLLOW) };
    if r != 0 {
        let e = std::io::Error::last_os_error();
        return NotObject::new(format!("something that cannot be examined ({e})"), None);
    }
    let uid = Some(st.st_uid);
    match st.st_mode & libc::S_IFMT {
        libc::S_IFLNK => NotObject::new("a symbolic link", uid),
        libc::S_IFDIR => NotObject::new("a directory", uid),
        libc::S_IFREG => NotObject::new("an object the caller cannot open", uid),
        _ => NotObject::new("a special file", uid),
    }
}

/// Describes one directory entry: the object, or why it is not one (then it
/// is listed as a foreign entry, by file name, and never under a name).
fn examine(
    dir: &NsDir,
    file: &CStr,
    locks: Option<&LockTable>,
) -> std::result::Result<ObjectInfo, NotObject> {
    let fd = open_ro(dir, file).ok_or_else(|| unopenable(dir, file))?;
    let raw: RawFd = fd.as_raw_fd();
    let st =
        fstat(raw).map_err(|e| NotObject::new(format!("something that cannot be examined ({e})"), None))?;
    let header = check_object(raw, &st, file)?;
    let held = is_held(raw).unwrap_or(false);
    // Without a lock table (remove, reap): only whether the object is held.
    let holders = locks.map_or(1, |t| t.count(st.st_dev, st.st_ino));
    Ok(ObjectInfo {
        name: format!("{}\\{}", dir.ns.as_str(), header.name),
        namespace: dir.ns,
        kind: header.kind,
        size: header.size,
        owner_uid: st.st_uid,
        // The mode the creator asked for (the file adds owner read-write:
        // see object.rs, "Modes").
        mode: header.requested_mode().unwrap_or(st.st_mode & 0o7777),
        holders: if held { holders.max(1) } else { 0 },
        orphan: !held,
        creator_pid: header.creator_pid,
        created: UNIX_EPOCH + Duration::from_nanos(header.created_ns),
        path: entry_path(dir, file),
        committed: header.flags & super::header::FLAG_RESERVE == 0,
        inode: st.st_ino,
        device: st.st_dev,
    })
}

/// Describes one directory entry, or `None` for entries that are not objects.
fn describe(dir: &NsDir, file: &CStr, locks: Option<&LockTable>) -> Option<ObjectInfo> {
    examine(dir, file, locks).ok()
}

/// The full path of an entry (its file name's bytes, exactly).
fn entry_path(dir: &NsDir, file: &CStr) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    PathBuf::from(&dir.path).join(std::ffi::OsStr::from_bytes(file.to_bytes()))
}

pub(crate) fn list(ns: Namespace) -> Result<Vec<ObjectInfo>> {
    Ok(scan(ns)?.0)
}

/// The entries of a namespace directory that are not named objects.
pub(crate) fn list_foreign(ns: Namespace) -> Result<Vec<ForeignEntry>> {
    Ok(scan(ns)?.1)
}

/// One pass over a namespace directory: its objects, and everything else.
pub(crate) fn scan(ns: Namespace) -> Result<(Vec<ObjectInfo>, Vec<ForeignEntry>)> {
    let Some(dir) = ns::dir_if_exists(ns)? else {
        return Ok((Vec::new(), Vec::new()));
    };
    let locks = LockTable::read();
    let (mut objects, mut foreign) = (Vec::new(), Vec::new());
    for f in entries(&dir)? {
        match examine(&dir, &f, Some(&locks)) {
            Ok(info) => objects.push(info),
            Err(not) => foreign.push(foreign_entry(&dir, &f, not)),
        }
    }
    Ok((objects, foreign))
}

fn foreign_entry(dir: &NsDir, file: &CStr, not: NotObject) -> ForeignEntry {
    use std::os::unix::ffi::OsStrExt;
    ForeignEntry {
        namespace: dir.ns,
        file_name: std::ffi::OsStr::from_bytes(file.to_bytes()).to_owned(),
        path: entry_path(dir, file),
        owner_uid: not.owner_uid,
        reason: not.reason,
    }
}

pub(crate) fn info(name: &ObjectName) -> Result<ObjectInfo> {
    let not_found = || name.not_found();
    let dir = ns::dir_if_exists(name.namespace())?.ok_or_else(not_found)?;
    let file = super::file_name(name);
    match describe(&dir, &file, Some(&LockTable::read())) {
        Some(i) if !i.orphan => Ok(i),
        Some(_) => Err(not_found()),
        None => {
            if open_ro(&dir, &file).is_some() {
                Err(name.occupied("something that is not a named object"))
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
        Ok(_) => Some(name.denied("its permissions do not allow read access")),
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
            Some(name.denied_by("the namespace directory cannot be searched", e))
        }
        Err(_) => None,
    }
}

pub(crate) fn remove(name: &ObjectName) -> Result<()> {
    let dir = ns::dir_if_exists(name.namespace())?.ok_or_else(|| name.not_found())?;
    let file = super::file_name(name);
    if describe(&dir, &file, None).is_none() {
        return Err(match open_ro(&dir, &file) {
            Some(_) => name.occupied("something that is not a named object"),
            None => unreadable(&dir, &file, name).unwrap_or_else(|| name.not_found()),
        });
    }
    // SAFETY: dir is open; file is a valid C string.
    super::cvt(unsafe { libc::unlinkat(dir.raw(), file.as_ptr(), 0) })
        .map(drop)
        .map_err(|e| match e.raw_os_error() {
            Some(libc::ENOENT) => name.not_found(),
            Some(libc::EACCES) | Some(libc::EPERM) => {
                name.denied_by("only its owner (or root) can remove it", e)
            }
            _ => name.io("unlink", e),
        })
}

/// What reaping one entry did (or, in a dry run, would do).
enum Reaped {
    Reclaimed,
    Live,
    Gone,
    Skipped(String),
}

pub(crate) fn reap(dry_run: bool) -> Result<ReapReport> {
    let mut report = ReapReport::default();
    for ns in [Namespace::Local, Namespace::Global] {
        let Some(dir) = ns::dir_if_exists(ns)? else {
            continue;
        };
        for file in entries(&dir)? {
            let (label, outcome) = reap_entry(&dir, &file, dry_run);
            match outcome {
                Reaped::Reclaimed => report.reclaimed.push(label),
                Reaped::Live => report.live += 1,
                Reaped::Gone => {}
                Reaped::Skipped(why) => report.skipped.push((label, why)),
            }
        }
    }
    Ok(report)
}

/// Reaps one entry: the one code path of `reap` and `reap --dry-run`, which
/// makes exactly the same checks (object, lock, owner) and differs only in
/// skipping the final unlink. Returns the entry's label, its object name only
/// when it passed [`check_object`] (else its path), and the outcome.
fn reap_entry(dir: &NsDir, file: &CStr, dry_run: bool) -> (String, Reaped) {
    let mut label = entry_path(dir, file).to_string_lossy().into_owned();
    let open = |acc| {
        // SAFETY: dir is open, file a valid C string; the descriptor is owned below.
        let fd = unsafe {
            libc::openat(
                dir.raw(),
                file.as_ptr(),
                acc | libc::O_NOFOLLOW | libc::O_CLOEXEC | libc::O_NONBLOCK | libc::O_NOCTTY,
            )
        };
        if fd < 0 {
            Err(std::io::Error::last_os_error())
        } else {
            // SAFETY: a non-negative fd was just returned by openat and is ours.
            Ok(unsafe { OwnedFd::from_raw_fd(fd) })
        }
    };
    let errno_outcome = |e: &std::io::Error| match e.raw_os_error() {
        Some(libc::ENOENT) => Reaped::Gone,
        Some(libc::ELOOP) => Reaped::Skipped("a symbolic link".into()),
        Some(libc::EISDIR) => Reaped::Skipped("a directory".into()),
        _ => Reaped::Skipped(format!("something that cannot be opened ({e})")),
    };
    // Read-write to lock and remove it; read-only lets us look, no more.
    let (fd, writable) = match open(libc::O_RDWR) {
        Ok(fd) => (fd, true),
        Err(e) if matches!(e.raw_os_error(), Some(libc::EACCES) | Some(libc::EPERM)) => {
            match open(libc::O_RDONLY) {
                Ok(fd) => (fd, false),
                Err(_) => return (label, Reaped::Skipped("an object the caller cannot open".into())),
            }
        }
        Err(e) => return (label, errno_outcome(&e)),
    };
    let raw = fd.as_raw_fd();
    let st = match fstat(raw) {
        Ok(st) => st,
        Err(e) => {
            return (
                label,
                Reaped::Skipped(format!("something that cannot be examined ({e})")),
            )
        }
    };
    match check_object(raw, &st, file) {
        Ok(header) => label = format!("{}\\{}", dir.ns.as_str(), header.name),
        Err(not) => return (label, Reaped::Skipped(not.reason)),
    }
    if !writable {
        return match is_held(raw) {
            Ok(true) => (label, Reaped::Live),
            _ => (
                label,
                Reaped::Skipped(format!("an orphaned object of uid {}", st.st_uid)),
            ),
        };
    }
    // The write lock: no handle is open, and no other reclaimer is at work.
    // A dry run takes it too (for an instant), so that it decides alike.
    match object::try_lock(raw, libc::F_WRLCK) {
        Ok(true) => {}
        Ok(false) => return (label, Reaped::Live),
        Err(e) => {
            return (
                label,
                Reaped::Skipped(format!("something that cannot be locked ({e})")),
            )
        }
    }
    // Examined again under the lock (the name may have been removed or given
    // to another object meanwhile) and unlinked by the one code path that
    // every unlinker shares; a dry run makes the same checks and stops short
    // of the unlink.
    let outcome = match object::unlink_dead(dir, file, raw, dry_run) {
        object::Reclaim::Reclaimed => Reaped::Reclaimed,
        object::Reclaim::Gone => Reaped::Gone,
        object::Reclaim::Live => Reaped::Live,
        object::Reclaim::Foreign(why) | object::Reclaim::Dead(why) => Reaped::Skipped(why),
    };
    // The lock goes with `fd`, after the unlink.
    drop(fd);
    (label, outcome)
}

/// Who holds which object: one pass over `/proc/<pid>/fdinfo/<fd>`, where
/// each open handle shows as one OFD lock line (a Wine prefix bridged by
/// `nshm wine` as its wineserver's POSIX read lock on byte 0; a view holds no lock, and a
/// handle's second, lock-free description is not counted), indexed by the
/// locked file's device and inode. Processes whose descriptors the caller
/// may not inspect are skipped and counted, never retried.
pub(crate) fn holder_index() -> HolderIndex {
    use std::collections::HashMap;
    let mut index = HolderIndex::default();
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return index;
    };
    let mut by_object: HashMap<(u64, u64), Vec<Holder>> = HashMap::new();
    for p in procs.flatten() {
        let Some(pid) = p.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        let Ok(fds) = std::fs::read_dir(p.path().join("fdinfo")) else {
            // Gone meanwhile, or another user's.
            if p.path().exists() {
                index.unreadable += 1;
            }
            continue;
        };
        let mut mine: HashMap<(u64, u64), usize> = HashMap::new();
        // A POSIX lock belongs to the process, and shows under each of its
        // descriptors of the file (a wineserver has several): count it once.
        let mut posix_seen = std::collections::HashSet::new();
        for fd in fds.flatten() {
            let Ok(text) = std::fs::read_to_string(fd.path()) else {
                continue;
            };
            for l in text
                .lines()
                .filter(|l| l.starts_with("lock:") && counts_as_handle(l))
            {
                if let Some(id) = l.split_whitespace().find_map(parse_lock_id) {
                    if l.contains("POSIX") && !posix_seen.insert(id) {
                        continue;
                    }
                    *mine.entry(id).or_insert(0) += 1;
                }
            }
        }
        if mine.is_empty() {
            continue;
        }
        let command = std::fs::read_to_string(p.path().join("comm"))
            .map(|c| c.trim_end().to_owned())
            .unwrap_or_default();
        for (id, handles) in mine {
            by_object.entry(id).or_default().push(Holder {
                pid,
                command: command.clone(),
                handles,
            });
        }
    }
    for v in by_object.values_mut() {
        v.sort_by_key(|h| h.pid);
    }
    index.by_object = by_object;
    index
}

/// A lock line's `MAJOR:MINOR:INODE` field (hex, hex, decimal) as the
/// locked file's device and inode.
fn parse_lock_id(field: &str) -> Option<(u64, u64)> {
    let mut it = field.split(':');
    let (maj, min, ino) = (it.next()?, it.next()?, it.next()?);
    if it.next().is_some() {
        return None;
    }
    let maj = u32::from_str_radix(maj, 16).ok()?;
    let min = u32::from_str_radix(min, 16).ok()?;
    Some((libc::makedev(maj, min), ino.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::counts_as_handle;

    #[test]
    fn ofd_locks_and_a_wine_prefix_byte_0_read_lock_count_as_handles() {
        assert!(counts_as_handle("1: OFDLCK ADVISORY  READ -1 00:1b:2887802 0 0"));
        assert!(counts_as_handle(
            "lock:\t1: POSIX  ADVISORY  READ 13574 00:1b:2887359 0 0"
        ));
        // Other POSIX locks are not handles: write locks, other ranges.
        assert!(!counts_as_handle(
            "2: POSIX  ADVISORY  WRITE 13574 00:1b:2887359 0 0"
        ));
        assert!(!counts_as_handle(
            "3: POSIX  ADVISORY  READ 13574 00:1b:2887359 0 9"
        ));
        assert!(!counts_as_handle(
            "4: FLOCK  ADVISORY  WRITE 99 00:1b:2887359 0 EOF"
        ));
    }
}
