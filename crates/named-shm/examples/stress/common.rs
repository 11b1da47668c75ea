//! What every scenario shares: the options, the seeded random numbers, the
//! clock, the side channel (anonymous shared memory the checkers use,
//! independent of the library), the counters and records children write,
//! and the verdict line.

use crate::workers::WATCHDOG_FIRED;
use std::sync::atomic::Ordering::SeqCst;
use std::sync::atomic::{AtomicU32, AtomicU64};

/// xorshift64*: small, seedable, good enough to pick delays and victims.
#[derive(Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p && p > 0.0
    }
}

pub fn now_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: ts is a valid out-pointer; CLOCK_MONOTONIC always exists.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// An anonymous shared mapping of `n` zeroed `T`s, inherited by forked
/// children: the side channel the checkers use (independent of the library).
pub struct SideChannel<T> {
    pub ptr: *mut T,
    pub n: usize,
}

impl<T> SideChannel<T> {
    /// # Safety
    /// `T` must be valid when all-zero and safe to share between processes
    /// (atomics only).
    pub unsafe fn new(n: usize) -> SideChannel<T> {
        let bytes = (n * std::mem::size_of::<T>()).max(1);
        // SAFETY: an anonymous mapping at an address of the kernel's choosing
        // aliases nothing; it is zero-filled.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                bytes,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        assert!(p != libc::MAP_FAILED, "mmap of the side channel failed");
        SideChannel { ptr: p.cast(), n }
    }
}

impl<T> std::ops::Index<usize> for SideChannel<T> {
    type Output = T;
    fn index(&self, i: usize) -> &T {
        assert!(i < self.n);
        // SAFETY: i is in bounds; the memory is zero-initialised, valid for T
        // (the caller of `new` promised), and lives until drop.
        unsafe { &*self.ptr.add(i) }
    }
}

impl<T> Drop for SideChannel<T> {
    fn drop(&mut self) {
        // SAFETY: ptr/len describe our mapping; nothing borrows it any more.
        // An error would only leak the mapping, so it is ignored.
        unsafe { libc::munmap(self.ptr.cast(), (self.n * std::mem::size_of::<T>()).max(1)) };
    }
}

/// Birth times of object ids, indexed by id (entry 0 is the id counter):
/// one anonymous shared mapping for the whole run, made before any fork.
pub static BIRTHS: std::sync::OnceLock<BirthTable> = std::sync::OnceLock::new();
pub const MAX_IDS: usize = 1 << 22;

pub struct BirthTable(SideChannel<AtomicU64>);
// SAFETY: the table holds only atomics and is never unmapped while in use.
unsafe impl Sync for BirthTable {}
// SAFETY: as above.
unsafe impl Send for BirthTable {}

pub fn births() -> &'static [AtomicU64] {
    let t = BIRTHS.get_or_init(|| {
        // SAFETY: atomics only; all-zero is valid.
        BirthTable(unsafe { SideChannel::new(MAX_IDS) })
    });
    // SAFETY: the mapping holds MAX_IDS zero-initialised atomics for the
    // whole life of the process (the static is never dropped).
    unsafe { std::slice::from_raw_parts(t.0.ptr, t.0.n) }
}

/// Counters shared by the parent and all children of a scenario.
#[derive(Default)]
#[repr(C)]
pub struct Counters {
    pub violations: AtomicU64,
    pub next_record: AtomicU64,
    pub next_op: AtomicU64,
    pub ops_done: AtomicU64,
    pub not_found: AtomicU64,
    pub created: AtomicU64,
    pub go: AtomicU32,
    pub extra: [AtomicU64; 8],
}

/// One holding of one object.
#[derive(Default)]
#[repr(C)]
pub struct Record {
    pub id: AtomicU64,
    pub t_open: AtomicU64,
    pub t_last: AtomicU64,
    pub created: AtomicU32,
    pub phase: AtomicU32,
}

pub const PHASE_ACQUIRE: u32 = 1;
pub const PHASE_HOLD: u32 = 2;
pub const PHASE_CLOSE: u32 = 3;
pub const PHASE_DONE: u32 = 4;

pub fn violation(c: &Counters, msg: std::fmt::Arguments<'_>) {
    c.violations.fetch_add(1, SeqCst);
    eprintln!("VIOLATION [pid {}]: {msg}", std::process::id());
}

/// The outcome of one scenario, printed as its `VERDICT` line.
pub struct Verdict {
    pub scenario: &'static str,
    pub iterations: u64,
    pub processes: usize,
    pub kills: u64,
    pub violations: u64,
    pub leaks: u64,
    pub extra: String,
}

impl Verdict {
    pub fn print(&self) -> bool {
        let ok = self.violations == 0 && self.leaks == 0;
        if WATCHDOG_FIRED.load(SeqCst) {
            println!(
                "WATCHDOG: scenario {} ran out of time (counted as a violation)",
                self.scenario
            );
            WATCHDOG_FIRED.store(false, SeqCst);
        }
        println!(
            "VERDICT scenario={} iterations={} processes={} kills={} violations={} leaks={}{}{} {}",
            self.scenario,
            self.iterations,
            self.processes,
            self.kills,
            self.violations,
            self.leaks,
            if self.extra.is_empty() { "" } else { " " },
            self.extra,
            if ok { "PASS" } else { "FAIL" }
        );
        ok
    }
}

/// Where the objects of this run live: the private root and the namespace
/// directory of this user inside it.
pub struct Env {
    pub root: String,
    pub ns_dir: String,
}

impl Env {
    pub fn path_of(&self, base: &str) -> String {
        format!("{}/{}", self.ns_dir, base)
    }
    /// Entries of the namespace directory (file names).
    pub fn entries(&self) -> Vec<String> {
        match std::fs::read_dir(&self.ns_dir) {
            Ok(rd) => rd
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect(),
            Err(_) => Vec::new(),
        }
    }
}

/// State guarded by the named mutex (in the side channel) and the tallies of
/// the mutex and event scenarios.
#[derive(Default)]
#[repr(C)]
pub struct Guarded {
    /// 1 while an owner is inside the critical section.
    pub inside: AtomicU64,
    /// pid of the owner inside, 0 otherwise.
    pub holder: AtomicU64,
    /// Incremented in two steps under the lock: `a == b` outside it.
    pub a: AtomicU64,
    pub b: AtomicU64,
    pub abandoned: AtomicU64,
    pub abandoned_with_holder: AtomicU64,
    pub acquisitions: AtomicU64,
    pub issued: AtomicU64,
    pub consumed: AtomicU64,
    pub stop: AtomicU64,
}
