//! Helpers for the event and mutex tests: unique names, child processes that
//! re-run one test of the same binary in a role, and a watchdog so that no
//! test can hang CI.
#![allow(dead_code)]

use named_shm::{SharedMemory, View};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The variable that tells a re-executed test binary which role to play.
pub const ROLE_VAR: &str = "NAMED_SHM_SYNC_ROLE";

/// A name no other test (or test run) uses.
pub fn unique_name(tag: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "t-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// The role this process was started in, if it is a child.
pub fn role() -> Option<String> {
    std::env::var(ROLE_VAR).ok()
}

/// A required environment variable of a child.
pub fn arg(name: &str) -> String {
    std::env::var(format!("NSHM_ARG_{name}")).unwrap_or_else(|_| panic!("child argument {name} missing"))
}

/// Starts this test binary again, running only `test` (exactly), in `role`,
/// with `NSHM_ARG_<k>=<v>` for each argument.
pub fn spawn(test: &str, role: &str, args: &[(&str, &str)]) -> ChildGuard {
    let mut cmd = Command::new(std::env::current_exe().expect("current_exe"));
    cmd.args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env(ROLE_VAR, role)
        .stdin(Stdio::null())
        .stdout(Stdio::null());
    for (k, v) in args {
        cmd.env(format!("NSHM_ARG_{k}"), v);
    }
    ChildGuard(Some(cmd.spawn().expect("spawn child")))
}

/// A child process that is killed if the test ends without waiting for it.
pub struct ChildGuard(pub Option<Child>);

impl ChildGuard {
    pub fn pid(&self) -> u32 {
        self.0.as_ref().expect("running").id()
    }

    /// `kill -9`, then reap it.
    pub fn kill9(&mut self) {
        if let Some(mut c) = self.0.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Waits for the child (bounded by the test's watchdog) and returns its
    /// exit code (`None`: killed by a signal).
    pub fn wait_code(&mut self) -> Option<i32> {
        let mut c = self.0.take().expect("running");
        c.wait().expect("wait").code()
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// Runs `f`, aborting the whole process (and so failing the test, and any
/// test sharing the process) if it takes longer than `limit`. A hang guard,
/// not a timing assertion: limits are generous.
pub fn watchdog<T>(what: &str, limit: Duration, f: impl FnOnce() -> T) -> T {
    let (tx, rx) = mpsc::channel::<()>();
    let what = what.to_owned();
    let dog = std::thread::spawn(move || {
        if let Err(mpsc::RecvTimeoutError::Timeout) = rx.recv_timeout(limit) {
            eprintln!("watchdog: `{what}` still running after {limit:?}; aborting");
            std::process::abort();
        }
    });
    let r = f();
    drop(tx);
    let _ = dog.join();
    r
}

/// Waits (polling) until `cond` holds; the watchdog bounds it.
pub fn wait_until(mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        std::thread::sleep(if start.elapsed() < Duration::from_millis(50) {
            Duration::from_micros(200)
        } else {
            Duration::from_millis(2)
        });
    }
}

/// A small named mapping of counters shared by the parent and its children.
pub struct Counters {
    pub shm: SharedMemory,
    pub view: View,
}

impl Counters {
    pub fn create(name: &str) -> Counters {
        let shm = SharedMemory::create(name, 4096).expect("create counters");
        let view = shm.map(0, 0).expect("map counters");
        Counters { shm, view }
    }

    pub fn open(name: &str) -> Counters {
        let shm = SharedMemory::open(name, named_shm::Access::ReadWrite).expect("open counters");
        let view = shm.map(0, 0).expect("map counters");
        Counters { shm, view }
    }

    pub fn at(&self, i: usize) -> &AtomicU64 {
        self.view.atomic_u64(i * 8).expect("in range")
    }

    pub fn get(&self, i: usize) -> u64 {
        self.at(i).load(Ordering::SeqCst)
    }

    pub fn inc(&self, i: usize) -> u64 {
        self.at(i).fetch_add(1, Ordering::SeqCst) + 1
    }
}

/// Exit codes children use to report a wait's outcome.
pub mod code {
    pub const SIGNALED: i32 = 10;
    pub const ABANDONED: i32 = 11;
    pub const TIMED_OUT: i32 = 12;
    pub const NOT_OWNER: i32 = 13;
}

/// Ends a child: exit without running the rest of the test harness.
pub fn exit(code: i32) -> ! {
    exit_impl::exit_child(code)
}

#[path = "../common/exit.rs"]
mod exit_impl;

/// The entries left in this user's Local namespace directory whose name
/// contains `needle`.
pub fn leftovers(needle: &str) -> Vec<String> {
    let root = std::env::var("NAMED_SHM_DIR").unwrap_or_else(|_| "/dev/shm".into());
    let uid = euid();
    let dir = format!("{root}/named-shm.u{uid}");
    std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.contains(needle))
                .collect()
        })
        .unwrap_or_default()
}

/// The effective uid.
#[cfg(unix)]
pub fn euid() -> u32 {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() }
}

/// The effective uid: 0 on Windows, which has no uids.
#[cfg(not(unix))]
pub fn euid() -> u32 {
    0
}

/// The calling thread's id (`gettid`).
#[cfg(unix)]
pub fn thread_id() -> u32 {
    // SAFETY: gettid has no preconditions.
    unsafe { libc::gettid() as u32 }
}

/// The calling thread's id (`GetCurrentThreadId`).
#[cfg(windows)]
pub fn thread_id() -> u32 {
    #[link(name = "kernel32")]
    extern "system" {
        fn GetCurrentThreadId() -> u32;
    }
    // SAFETY: GetCurrentThreadId has no preconditions.
    unsafe { GetCurrentThreadId() }
}

/// Whether `open` fails with `NotFound`, allowing a moment for it to become
/// true: a sibling test spawning a child shares this process's descriptors
/// between its fork and exec, which can keep a closed name alive for that
/// instant (the next open after it reclaims the name).
pub fn soon_not_found<T>(mut open: impl FnMut() -> named_shm::Result<T>) -> bool {
    let start = Instant::now();
    loop {
        match open() {
            Err(named_shm::Error::NotFound { .. }) => return true,
            _ if start.elapsed() < Duration::from_secs(5) => std::thread::sleep(Duration::from_millis(1)),
            _ => return false,
        }
    }
}
