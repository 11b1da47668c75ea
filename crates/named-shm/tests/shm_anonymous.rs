//! Unnamed objects (`create_anonymous`, Windows' NULL name): never published,
//! shared only through their handles (inherited by `fork`), freed with the
//! last handle or view in any process.

mod common;

use common::*;
use named_shm::{
    admin, wait_for_multiple, Error, Event, MultiWaitStatus, Mutex, Namespace, Semaphore, SharedMemory,
    WaitObject, WaitStatus,
};
use std::time::Duration;

const T: Duration = Duration::from_secs(30);
const ENTRY: &str = "child";

/// Child roles, run when this binary is re-executed by `spawn`.
#[test]
fn child() {
    let Some((role, _args)) = role() else { return };
    let code = match role.as_str() {
        // In a private root: make one anonymous object of each kind and
        // report what the namespace directory and `admin::list` show, while
        // they live and after they are gone.
        "list-while-alive" => {
            let shm = SharedMemory::create_anonymous(4096).expect("create_anonymous");
            let view = shm.map(0, 0).unwrap();
            view.write_at(0, b"x").unwrap();
            let ev = Event::options()
                .manual_reset(true)
                .create_anonymous()
                .expect("event");
            let m = Mutex::options()
                .initial_owner(true)
                .create_anonymous()
                .expect("mutex");
            let listed = admin::list(Namespace::Local).map(|v| v.len()).unwrap_or(0);
            say(format!(
                "alive: listed={listed} entries={}",
                ns_entries(false).len()
            ));
            drop((view, shm, ev));
            m.release().unwrap();
            drop(m);
            let listed = admin::list(Namespace::Local).map(|v| v.len()).unwrap_or(0);
            say(format!(
                "gone: listed={listed} entries={}",
                ns_entries(false).len()
            ));
            0
        }
        // Anonymous mapping, event and mutex inherited by a forked child:
        // the child writes, locks, sets; the parent sees all three.
        #[cfg(unix)]
        "fork-shares" => {
            let shm = SharedMemory::create_anonymous(4096).expect("create_anonymous");
            let view = shm.map(0, 0).unwrap();
            let ev = Event::options().create_anonymous().expect("event");
            let m = Mutex::options().create_anonymous().expect("mutex");
            // SAFETY: this process is single-purpose; the child only makes
            // library calls and ends with _exit.
            let pid = unsafe { libc::fork() };
            if pid == 0 {
                let g = m.lock().expect("lock in child");
                view.write_at(0, b"from the child").unwrap();
                ev.set().unwrap();
                // Die holding the mutex: the parent must see it abandoned.
                std::mem::forget(g);
                // SAFETY: immediate exit of the forked child.
                unsafe { libc::_exit(0) };
            }
            let waited = ev.wait(Some(T)).unwrap();
            let mut buf = [0u8; 14];
            view.read_at(0, &mut buf).unwrap();
            let mut status = 0;
            // SAFETY: pid is our child.
            unsafe { libc::waitpid(pid, &mut status, 0) };
            let lock = m.acquire(Some(T)).unwrap();
            say(format!(
                "waited={waited:?} read={} lock={lock:?}",
                String::from_utf8_lossy(&buf)
            ));
            m.release().unwrap();
            0
        }
        // The file system's free space while an anonymous 64 MiB mapping is
        // held by us and a forked child, by the child alone, and by nobody.
        #[cfg(unix)]
        "freed-with-last-handle" => {
            // What the object holds is measured on the object itself (its
            // blocks, the processes that still reference its inode), never
            // on the shared tmpfs's free space, which every other process
            // on the machine moves too.
            const SIZE: u64 = 64 << 20;
            let shm = SharedMemory::create_anonymous(SIZE).expect("create_anonymous");
            let view = shm.map(0, 0).unwrap();
            view.write_at(0, b"kept by the child").unwrap();
            let fd = unnamed_fd_under(&ns_root()).expect("the unnamed object's descriptor");
            let (dev, ino, blocks) = stat_of(&format!("/proc/self/fd/{fd}")).unwrap();
            let (r, w) = pipe();
            // SAFETY: single-purpose process; see above.
            let pid = unsafe { libc::fork() };
            if pid == 0 {
                let mut b = [0u8; 1];
                // SAFETY: r is the read end of our pipe.
                unsafe { libc::read(r, b.as_mut_ptr().cast(), 1) };
                let mut buf = [0u8; 17];
                view.read_at(0, &mut buf).unwrap();
                let ok = &buf == b"kept by the child";
                drop((view, shm));
                // SAFETY: immediate exit with the observation as the status.
                unsafe { libc::_exit(if ok { 0 } else { 1 }) };
            }
            drop((view, shm));
            let leaked = open_files_under(&ns_root());
            // The child's copy of the descriptor (same number after fork).
            let in_child = stat_of(&format!("/proc/{pid}/fd/{fd}"));
            let still_taken = in_child.is_some_and(|(d, i, b)| (d, i) == (dev, ino) && b >= SIZE);
            // SAFETY: w is the write end of our pipe.
            unsafe { libc::write(w, b"x".as_ptr().cast(), 1) };
            let mut status = 0;
            // SAFETY: pid is our child.
            unsafe { libc::waitpid(pid, &mut status, 0) };
            let child_ok = libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0;
            // tmpfs frees an unlinked file's pages with its last reference.
            let freed = !referenced_anywhere(dev, ino);
            say(format!(
                "taken={} still-taken={still_taken} child-read={child_ok} our-fds-and-maps={leaked} freed={freed}",
                blocks >= SIZE,
            ));
            0
        }
        other => panic!("unknown role {other}"),
    };
    exit_child(code);
}

/// The namespace root in use.
#[cfg(unix)]
fn ns_root() -> String {
    std::env::var("NAMED_SHM_DIR").unwrap_or_else(|_| "/dev/shm".into())
}

/// The descriptor of this process's (only) unnamed object below `root`.
#[cfg(unix)]
fn unnamed_fd_under(root: &str) -> Option<String> {
    std::fs::read_dir("/proc/self/fd").ok()?.flatten().find_map(|e| {
        let target = std::fs::read_link(e.path()).ok()?;
        let t = target.to_string_lossy();
        (t.starts_with(root) && t.ends_with("(deleted)"))
            .then(|| e.file_name().to_string_lossy().into_owned())
    })
}

/// Device, inode and allocated bytes of what `path` (a `/proc/<pid>/fd/<n>`
/// link) refers to; `None` once it is gone.
#[cfg(unix)]
fn stat_of(path: &str) -> Option<(u64, u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    let md = std::fs::metadata(path).ok()?;
    Some((md.dev(), md.ino(), md.blocks() * 512))
}

/// Whether any process still has the inode open or mapped.
#[cfg(unix)]
fn referenced_anywhere(dev: u64, ino: u64) -> bool {
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return true;
    };
    for p in procs.flatten() {
        let pid = p.file_name();
        if !pid.to_string_lossy().bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let dir = p.path();
        if let Ok(fds) = std::fs::read_dir(dir.join("fd")) {
            for f in fds.flatten() {
                if stat_of(&f.path().to_string_lossy()).is_some_and(|(d, i, _)| (d, i) == (dev, ino)) {
                    return true;
                }
            }
        }
        // A mapping names the inode in its fifth column.
        if let Ok(maps) = std::fs::read_to_string(dir.join("maps")) {
            let ino = ino.to_string();
            if maps
                .lines()
                .any(|l| l.split_whitespace().nth(4) == Some(ino.as_str()) && l.contains("(deleted)"))
            {
                return true;
            }
        }
    }
    false
}

#[cfg(unix)]
fn pipe() -> (i32, i32) {
    let mut fds = [0; 2];
    // SAFETY: fds is a valid 2-element array.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    (fds[0], fds[1])
}

/// How many descriptors and mappings of this process refer to unlinked
/// files below `root` (an unnamed object's tmpfile shows as
/// `<dir>/#<inode> (deleted)`; the namespace directory itself does not count).
#[cfg(unix)]
fn open_files_under(root: &str) -> usize {
    let fds = std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .flatten()
        .filter_map(|e| std::fs::read_link(e.path()).ok())
        .map(|p| p.to_string_lossy().into_owned())
        .filter(|p| p.starts_with(root) && p.ends_with("(deleted)"))
        .count();
    let maps = std::fs::read_to_string("/proc/self/maps")
        .unwrap()
        .lines()
        .filter(|l| l.contains(root))
        .count();
    fds + maps
}

/// A private root directory for one child, removed on drop.
struct PrivateRoot(std::path::PathBuf);

impl PrivateRoot {
    fn new(tag: &str) -> PrivateRoot {
        let base = if cfg!(unix) {
            std::path::PathBuf::from("/dev/shm")
        } else {
            std::env::temp_dir()
        };
        let p = base.join(format!("named-shm-anon-{}", unique_name(tag)));
        std::fs::create_dir(&p).unwrap();
        PrivateRoot(p)
    }
}

impl Drop for PrivateRoot {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
#[cfg_attr(windows, ignore = "Windows has no namespace directory to look at")]
fn anonymous_objects_are_never_listed_and_leave_nothing_in_the_namespace_directory() {
    let root = PrivateRoot::new("list");
    let mut p = spawn_with(ENTRY, "list-while-alive", &[], |c| {
        c.env("NAMED_SHM_DIR", &root.0);
    });
    assert_eq!(p.expect_line(T), "alive: listed=0 entries=0");
    assert_eq!(p.expect_line(T), "gone: listed=0 entries=0");
    p.success(T);
}

#[test]
#[cfg_attr(
    windows,
    ignore = "Windows has no fork(); CreateProcess inherits only handles marked inheritable"
)]
fn a_forked_child_shares_anonymous_memory_events_and_mutexes() {
    let mut p = spawn(ENTRY, "fork-shares", &[]);
    assert_eq!(
        p.expect_line(T),
        "waited=Signaled read=from the child lock=Abandoned"
    );
    p.success(T);
}

#[test]
#[cfg_attr(
    windows,
    ignore = "Windows has no fork(); CreateProcess inherits only handles marked inheritable"
)]
fn anonymous_memory_is_freed_with_the_last_handle_in_any_process() {
    let mut p = spawn(ENTRY, "freed-with-last-handle", &[]);
    assert_eq!(
        p.expect_line(T),
        "taken=true still-taken=true child-read=true our-fds-and-maps=0 freed=true"
    );
    p.success(T);
}

#[test]
fn anonymous_mappings_are_distinct_objects() {
    let a = SharedMemory::create_anonymous(4096).unwrap();
    let b = SharedMemory::create_anonymous(4096).unwrap();
    assert!(a.created() && b.created());
    assert!(a.name().is_unnamed() && b.name().is_unnamed());
    assert_eq!(a.size(), 4096);
    a.map(0, 0).unwrap().write_at(0, b"a").unwrap();
    let mut buf = [9u8; 1];
    b.map(0, 0).unwrap().read_at(0, &mut buf).unwrap();
    assert_eq!(
        buf,
        [0],
        "a new anonymous mapping is zero-filled and shares nothing"
    );
    a.map(0, 0).unwrap().read_at(0, &mut buf).unwrap();
    assert_eq!(&buf, b"a", "views of one anonymous mapping are coherent");
}

#[test]
fn an_unnamed_name_cannot_be_opened() {
    let shm = SharedMemory::create_anonymous(4096).unwrap();
    let shown = shm.name().as_str().to_owned();
    assert!(matches!(
        SharedMemory::options()
            .access(named_shm::Access::Read)
            .open(&shown),
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(Event::open(&shown), Err(Error::NotFound { .. })));
}

#[test]
fn anonymous_creation_errors_name_the_unnamed_object() {
    let e = SharedMemory::create_anonymous(0).unwrap_err();
    assert!(matches!(e, Error::InvalidSize { .. }), "{e}");
    assert_eq!(e.win32_code(), 87);
    assert!(e.to_string().contains("(unnamed)"), "{e}");
}

#[test]
fn anonymous_events_and_mutexes_behave_like_named_ones() {
    let ev = Event::options().initially_set(true).create_anonymous().unwrap();
    assert!(ev.created() && ev.name().is_unnamed() && !ev.is_manual_reset());
    assert_eq!(ev.wait(Some(Duration::ZERO)).unwrap(), WaitStatus::Signaled);
    assert_eq!(
        ev.wait(Some(Duration::ZERO)).unwrap(),
        WaitStatus::TimedOut,
        "auto-reset"
    );
    let m = Mutex::options().initial_owner(true).create_anonymous().unwrap();
    assert!(m.created());
    // Created owned: released once, then no longer ours.
    m.release().unwrap();
    assert!(matches!(m.release(), Err(Error::NotOwner { .. })));
    // Another thread of this process can take it once released.
    let taken = std::thread::scope(|sc| {
        sc.spawn(|| m.acquire(Some(Duration::ZERO)).map(|s| (s, m.release())))
            .join()
    });
    assert!(matches!(taken.unwrap(), Ok((WaitStatus::Signaled, Ok(())))));
}

#[test]
fn anonymous_semaphores_count_like_named_ones_and_are_distinct_objects() {
    let a = Semaphore::options()
        .initial(1)
        .maximum(2)
        .create_anonymous()
        .unwrap();
    let b = Semaphore::options()
        .initial(0)
        .maximum(1)
        .create_anonymous()
        .unwrap();
    assert!(a.created() && a.name().is_unnamed());
    assert_eq!((a.count(), a.maximum()), (1, 2));
    assert_eq!(a.release(1).unwrap(), 1);
    assert_eq!(a.release(1).unwrap_err().win32_code(), 298);
    // Two unnamed semaphores are two objects, also for a wait-all.
    let objs = [WaitObject::Semaphore(&a), WaitObject::Semaphore(&b)];
    b.release(1).unwrap();
    assert_eq!(
        wait_for_multiple(&objs, true, Some(Duration::ZERO)).unwrap(),
        MultiWaitStatus::Signaled(0)
    );
    assert_eq!((a.count(), b.count()), (1, 0));
    let e = Semaphore::options()
        .initial(2)
        .maximum(1)
        .create_anonymous()
        .unwrap_err();
    assert_eq!(e.win32_code(), 87, "{e}");
}
