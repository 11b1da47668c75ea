//! Stress scenarios for named-shm: crash, race and leak checks with verdicts.
//!
//! ```text
//! cargo run --release -p named-shm --example stress -- <scenario|all> \
//!     [--processes N] [--iterations N] [--kill-rate F] [--timeout SECS] [--seed S]
//! ```
//!
//! Scenarios: `creators`, `close-race`, `mutex`, `events`, `leaks`,
//! `hostile-sync` (`all` runs each in turn). Each ends with one line
//! `VERDICT scenario=… iterations=… processes=… kills=… violations=… leaks=… PASS|FAIL`
//! and the process exits non-zero if any scenario failed.
//!
//! Workers are forked children. A child chosen for death arms a POSIX timer
//! that delivers `SIGKILL` to itself after a random delay (calibrated to the
//! length of one operation), so kills land at every step of create, open,
//! use and close. Every scenario runs under a watchdog (`--timeout`): the
//! parent kills its children and fails the scenario when time is up, and an
//! `alarm` ends the parent itself if it ever blocks.
//!
//! Objects live under a private root (`NAMED_SHM_DIR`, default
//! `/dev/shm/named-shm-stress.<pid>`), so leak counts see only this run.
//!
//! # How the race checker works
//! Every object gets a unique id the first time any holder touches it: a
//! compare-and-swap from 0 on the first payload word. The winner checks the
//! whole payload is zero (a reused or half-initialised object is not). Every
//! holder then records `(id, t_open, t_last)` in a side channel (an anonymous
//! shared mapping, independent of the library), where both times are
//! `CLOCK_MONOTONIC` readings taken while it certainly held the object, and
//! reads the file the name currently points to (a plain `open`, no lock) to
//! check it is still the object it holds. Because a name links at most one
//! object at a time, and a held object must stay linked, the spans
//! `[min t_open, max t_last]` of different ids must be disjoint; an overlap is
//! a split brain (a dead object opened, or a live one unlinked). Each id must
//! also have at most one creator.

#![allow(unsafe_code)]

use named_shm::{admin, Error, Event, Mutex, SharedMemory, ShmOptions, View, WaitStatus};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::os::unix::fs::FileExt;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering::SeqCst};
use std::time::{Duration, Instant};

// ---------------------------------------------------------------- arguments

#[derive(Debug, Clone)]
struct Args {
    scenario: String,
    processes: usize,
    iterations: u64,
    kill_rate: f64,
    timeout: u64,
    seed: u64,
}

const USAGE: &str = "usage: stress <creators|close-race|failed-open|mutex|events|leaks|hostile-sync|all> \
[--processes N] [--iterations N] [--kill-rate F (0..1)] [--timeout SECS] [--seed S]";

fn parse_args() -> Result<Args, String> {
    let mut it = std::env::args().skip(1);
    let mut a = Args {
        scenario: String::new(),
        processes: 8,
        iterations: 0,
        kill_rate: 0.1,
        timeout: 300,
        seed: 0,
    };
    while let Some(arg) = it.next() {
        let mut val = |flag: &str| it.next().ok_or_else(|| format!("{flag} needs a value\n{USAGE}"));
        match arg.as_str() {
            "--processes" | "-p" => a.processes = num(&val(&arg)?)?,
            "--iterations" | "-n" => a.iterations = num(&val(&arg)?)?,
            "--kill-rate" | "-k" => {
                let v = val(&arg)?;
                a.kill_rate = v.parse().map_err(|_| format!("bad kill rate `{v}`"))?;
                if !(0.0..=1.0).contains(&a.kill_rate) {
                    return Err(format!("kill rate {v} is not in 0..1"));
                }
            }
            "--timeout" | "-t" => a.timeout = num(&val(&arg)?)?,
            "--seed" => a.seed = num(&val(&arg)?)?,
            "--help" | "-h" => return Err(USAGE.into()),
            s if s.starts_with('-') => return Err(format!("unknown option `{s}`\n{USAGE}")),
            s if a.scenario.is_empty() => a.scenario = s.to_owned(),
            s => return Err(format!("unexpected argument `{s}`\n{USAGE}")),
        }
    }
    if a.scenario.is_empty() {
        return Err(USAGE.into());
    }
    if a.processes == 0 {
        return Err("--processes must be at least 1".into());
    }
    if a.seed == 0 {
        a.seed = now_ns() ^ (u64::from(std::process::id()) << 32);
    }
    Ok(a)
}

fn num<T: std::str::FromStr>(s: &str) -> Result<T, String> {
    s.replace('_', "")
        .parse()
        .map_err(|_| format!("bad number `{s}`"))
}

// ---------------------------------------------------------------- utilities

/// xorshift64*: small, seedable, good enough to pick delays and victims.
#[derive(Clone)]
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }
    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p && p > 0.0
    }
}

fn now_ns() -> u64 {
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
struct SideChannel<T> {
    ptr: *mut T,
    n: usize,
}

impl<T> SideChannel<T> {
    /// # Safety
    /// `T` must be valid when all-zero and safe to share between processes
    /// (atomics only).
    unsafe fn new(n: usize) -> SideChannel<T> {
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
static BIRTHS: std::sync::OnceLock<BirthTable> = std::sync::OnceLock::new();
const MAX_IDS: usize = 1 << 22;

struct BirthTable(SideChannel<AtomicU64>);
// SAFETY: the table holds only atomics and is never unmapped while in use.
unsafe impl Sync for BirthTable {}
// SAFETY: as above.
unsafe impl Send for BirthTable {}

fn births() -> &'static [AtomicU64] {
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
struct Counters {
    violations: AtomicU64,
    next_record: AtomicU64,
    next_op: AtomicU64,
    ops_done: AtomicU64,
    not_found: AtomicU64,
    created: AtomicU64,
    go: AtomicU32,
    extra: [AtomicU64; 8],
}

/// One holding of one object.
#[derive(Default)]
#[repr(C)]
struct Record {
    id: AtomicU64,
    t_open: AtomicU64,
    t_last: AtomicU64,
    created: AtomicU32,
    phase: AtomicU32,
}

const PHASE_ACQUIRE: u32 = 1;
const PHASE_HOLD: u32 = 2;
const PHASE_CLOSE: u32 = 3;
const PHASE_DONE: u32 = 4;

fn violation(c: &Counters, msg: std::fmt::Arguments<'_>) {
    c.violations.fetch_add(1, SeqCst);
    eprintln!("VIOLATION [pid {}]: {msg}", std::process::id());
}

/// Arms a POSIX timer that sends `SIGKILL` to this process after `delay_ns`:
/// an unannounced `kill -9` at an arbitrary instruction.
fn arm_self_kill(delay_ns: u64) {
    // SAFETY: sigevent is plain old data; all-zero is valid.
    let mut sev: libc::sigevent = unsafe { std::mem::zeroed() };
    sev.sigev_notify = libc::SIGEV_SIGNAL;
    sev.sigev_signo = libc::SIGKILL;
    let mut timer: libc::timer_t = std::ptr::null_mut();
    // SAFETY: sev and timer are valid pointers for the call.
    if unsafe { libc::timer_create(libc::CLOCK_MONOTONIC, &mut sev, &mut timer) } != 0 {
        // SAFETY: plain kill of ourselves; the fallback when timers are unavailable.
        unsafe { libc::kill(libc::getpid(), libc::SIGKILL) };
    }
    let delay = delay_ns.max(1);
    let its = libc::itimerspec {
        it_interval: libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        },
        it_value: libc::timespec {
            tv_sec: (delay / 1_000_000_000) as libc::time_t,
            tv_nsec: (delay % 1_000_000_000) as libc::c_long,
        },
    };
    // SAFETY: timer was created above; its is a valid itimerspec.
    unsafe { libc::timer_settime(timer, 0, &its, std::ptr::null_mut()) };
}

/// Forks a child that runs `f` and exits with its code; the child dies with
/// the parent (`PR_SET_PDEATHSIG`) so a dead parent never leaves workers.
fn spawn(f: impl FnOnce() -> i32) -> libc::pid_t {
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    // SAFETY: getpid has no preconditions.
    let parent = unsafe { libc::getpid() };
    // SAFETY: the stress program is single-threaded when it forks, so the
    // child's copy of every lock and allocator is consistent.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed: {}", std::io::Error::last_os_error());
    if pid == 0 {
        // SAFETY: prctl with PR_SET_PDEATHSIG takes a signal number.
        unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) };
        // SAFETY: getppid has no preconditions.
        if unsafe { libc::getppid() } != parent {
            // SAFETY: _exit ends the process without running the parent's destructors.
            unsafe { libc::_exit(2) };
        }
        let code = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or(101);
        let _ = std::io::stdout().flush();
        let _ = std::io::stderr().flush();
        // SAFETY: as above; the child's own handles were dropped inside `f`.
        unsafe { libc::_exit(code) };
    }
    pid
}

/// How a child ended.
enum Exit {
    Ok,
    Killed,
    Bad(String),
}

fn classify(status: libc::c_int) -> Exit {
    if libc::WIFEXITED(status) {
        match libc::WEXITSTATUS(status) {
            0 => Exit::Ok,
            c => Exit::Bad(format!("exit code {c}")),
        }
    } else if libc::WIFSIGNALED(status) {
        match libc::WTERMSIG(status) {
            libc::SIGKILL => Exit::Killed,
            s => Exit::Bad(format!("killed by signal {s}")),
        }
    } else {
        Exit::Bad(format!("status {status:#x}"))
    }
}

/// Reaps any exited child without blocking: `Some((pid, status))`.
fn try_wait() -> Option<(libc::pid_t, libc::c_int)> {
    let mut status = 0;
    // SAFETY: status is a valid out-pointer.
    let pid = unsafe { libc::waitpid(-1, &mut status, libc::WNOHANG) };
    (pid > 0).then_some((pid, status))
}

fn kill_all(pids: &[libc::pid_t]) {
    for &p in pids {
        // SAFETY: p is a child of ours that has not been waited for.
        unsafe { libc::kill(p, libc::SIGKILL) };
    }
    for &p in pids {
        let mut st = 0;
        // SAFETY: status is a valid out-pointer.
        unsafe { libc::waitpid(p, &mut st, 0) };
    }
}

static WATCHDOG_FIRED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// The watchdog of one scenario.
struct Watchdog {
    deadline: Instant,
    fired: bool,
}

impl Watchdog {
    fn new(secs: u64) -> Watchdog {
        // Last resort if the parent itself blocks: SIGALRM ends it (exit 142).
        // SAFETY: alarm has no preconditions.
        unsafe { libc::alarm((secs + 60) as libc::c_uint) };
        Watchdog {
            deadline: Instant::now() + Duration::from_secs(secs),
            fired: false,
        }
    }
    fn expired(&mut self) -> bool {
        if !self.fired && Instant::now() >= self.deadline {
            self.fired = true;
            WATCHDOG_FIRED.store(true, SeqCst);
            eprintln!("WATCHDOG: time is up; killing the workers");
        }
        self.fired
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        // SAFETY: alarm(0) cancels a pending alarm.
        unsafe { libc::alarm(0) };
    }
}

// --------------------------------------------------------------- the objects

/// Payload size of the objects the race scenarios use: two pages.
const OBJ_SIZE: u64 = 8192;
/// Words after the id word that holders mark with their object's id.
const MARK_WORDS: usize = (OBJ_SIZE as usize - 64) / 8;

struct Env {
    root: String,
    ns_dir: String,
}

impl Env {
    fn path_of(&self, base: &str) -> String {
        format!("{}/{}", self.ns_dir, base)
    }
    /// Entries of the namespace directory (file names).
    fn entries(&self) -> Vec<String> {
        match std::fs::read_dir(&self.ns_dir) {
            Ok(rd) => rd
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect(),
            Err(_) => Vec::new(),
        }
    }
}

/// What a holder found in the object it holds.
struct Held {
    id: u64,
    won: bool,
}

/// Loads the aligned word at `off` of a view: atomically when the view is
/// writable; with one aligned volatile load (a single instruction on the
/// 64-bit targets we run on) when it is read-only.
fn load(view: &View, off: usize) -> u64 {
    if let Ok(a) = view.atomic_u64(off) {
        return a.load(SeqCst);
    }
    assert!(off % 8 == 0 && off + 8 <= view.len());
    // SAFETY: in bounds and 8-aligned (mappings are page-aligned); the mapping
    // lives as long as `view`; a volatile read of shared memory is how a
    // read-only observer looks at words other processes write atomically.
    unsafe { std::ptr::read_volatile(view.as_ptr().add(off).cast::<u64>()) }
}

/// Checks one freshly acquired handle: size, contents, identity; marks it.
/// A read-only handle cannot stamp or mark: it learns the id only if a
/// writer stamped it already (`Held::id == 0` otherwise) and checks the rest.
fn check_held(
    c: &Counters,
    env: &Env,
    base: &str,
    shm: &SharedMemory,
    rng: &mut Rng,
    t_start: u64,
) -> Option<(View, Held)> {
    if shm.size() != OBJ_SIZE {
        violation(
            c,
            format_args!("`{base}` opened at size {} instead of {OBJ_SIZE}", shm.size()),
        );
        return None;
    }
    let view = match shm.map(0, 0) {
        Ok(v) => v,
        Err(e) => {
            violation(c, format_args!("map of `{base}` failed: {e}"));
            return None;
        }
    };
    if view.len() as u64 != OBJ_SIZE {
        violation(c, format_args!("view of `{base}` is {} bytes", view.len()));
        return None;
    }
    let (mut id, won) = match view.atomic_u64(0) {
        Ok(idw) => {
            let mine = births()[0].fetch_add(1, SeqCst) + 1;
            match idw.compare_exchange(0, mine, SeqCst, SeqCst) {
                Ok(_) => {
                    if let Some(b) = births().get(mine as usize) {
                        b.store(now_ns(), SeqCst);
                    }
                    (mine, true)
                }
                Err(other) => (other, false),
            }
        }
        Err(_) => (load(&view, 0), false),
    };
    // A creator's object was published after `t_start`, so its id cannot
    // have been stamped before: an older id is a previous object's data.
    if shm.created() && !won {
        let born = births().get(id as usize).map_or(0, |b| b.load(SeqCst));
        if born != 0 && born < t_start {
            violation(
                c,
                format_args!("`{base}` was created holding id {id:#x}, stamped before the create began"),
            );
            return None;
        }
    }
    // Every byte is read (a page past EOF would SIGBUS the child: reported by
    // the parent as a violation). Marks are 0 or this object's id (holders
    // write marks only after learning the id), so any other value is data
    // from a previous object: the new object was not zero-filled.
    for w in 0..MARK_WORDS {
        let v = load(&view, 64 + 8 * w);
        if v != 0 && v != id && id == 0 && load(&view, 0) == v {
            // A read-only holder that came before the stamp: learn it now.
            id = v;
            continue;
        }
        if v != 0 && v != id {
            violation(
                c,
                format_args!("`{base}` word {w} holds {v:#x}: stale data in object {id:#x} (won={won})"),
            );
            return None;
        }
    }
    let mut pad = [0u8; 56];
    view.read_at(8, &mut pad).expect("in range");
    if pad.iter().any(|b| *b != 0) {
        violation(c, format_args!("`{base}` bytes 8..64 are not zero"));
        return None;
    }
    let w = rng.below(MARK_WORDS as u64) as usize;
    if let Ok(a) = view.atomic_u64(64 + 8 * w) {
        a.store(id, SeqCst);
    }
    if id != 0 && !name_points_to(c, env, base, id) {
        return None;
    }
    Some((view, Held { id, won }))
}

/// Reads the object the name links now (plain `open`, no lock taken) and
/// checks it is object `id`, which the caller holds.
fn name_points_to(c: &Counters, env: &Env, base: &str, id: u64) -> bool {
    let path = env.path_of(base);
    let f = match std::fs::File::open(&path) {
        Ok(f) => f,
        Err(e) => {
            violation(
                c,
                format_args!("held object {id:#x} of `{base}` was unlinked: open of the name: {e}"),
            );
            return false;
        }
    };
    let mut b = [0u8; 8];
    if let Err(e) = f.read_exact_at(&mut b, 4096) {
        violation(c, format_args!("name `{base}` links a short file: {e}"));
        return false;
    }
    let now = u64::from_le_bytes(b);
    if now != id {
        violation(
            c,
            format_args!(
                "held object {id:#x} of `{base}` is not what the name links ({now:#x}): split brain"
            ),
        );
        return false;
    }
    true
}

/// Checks the spans of all recorded holdings: disjoint across ids, at most
/// one creator per id. Returns (violations, objects).
fn check_spans(recs: &SideChannel<Record>, n: usize) -> (u64, usize) {
    let mut spans: HashMap<u64, (u64, u64, u32)> = HashMap::new();
    for i in 0..n {
        let r = &recs[i];
        let id = r.id.load(SeqCst);
        let (t0, t1) = (r.t_open.load(SeqCst), r.t_last.load(SeqCst));
        if id == 0 || t0 == 0 {
            continue;
        }
        let t1 = t1.max(t0);
        let e = spans.entry(id).or_insert((t0, t1, 0));
        e.0 = e.0.min(t0);
        e.1 = e.1.max(t1);
        e.2 += r.created.load(SeqCst);
    }
    let mut v = 0;
    let mut list: Vec<(u64, u64, u64, u32)> = spans.iter().map(|(id, s)| (s.0, s.1, *id, s.2)).collect();
    list.sort();
    for w in list.windows(2) {
        if w[1].0 <= w[0].1 {
            v += 1;
            eprintln!(
                "VIOLATION: objects {:#x} [{}..{}] and {:#x} [{}..{}] were held at the same time",
                w[0].2, w[0].0, w[0].1, w[1].2, w[1].0, w[1].1
            );
        }
    }
    for (id, s) in &spans {
        if s.2 > 1 {
            v += 1;
            eprintln!("VIOLATION: object {id:#x} has {} creators", s.2);
        }
    }
    (v, spans.len())
}

/// With every holder gone, an open must fail with NotFound: 0 or 1 violation.
fn expect_not_found(base: &str, g: u64) -> u64 {
    match SharedMemory::open(base, named_shm::Access::Read) {
        Err(Error::NotFound { .. }) => 0,
        Ok(_) => {
            eprintln!("VIOLATION: generation {g}: a dead object was opened after its last holder died");
            1
        }
        Err(e) => {
            eprintln!("VIOLATION: generation {g}: open after the last holder died: {e}");
            1
        }
    }
}

/// Time of one open_or_create + check + close, to calibrate kill delays.
fn calibrate(env: &Env) -> u64 {
    let base = format!("calib-{}", std::process::id());
    let c = Counters::default();
    let mut rng = Rng::new(1);
    let mut best = u64::MAX;
    for _ in 0..20 {
        let t = now_ns();
        let shm = SharedMemory::open_or_create(&base, OBJ_SIZE).expect("calibration create");
        let held = check_held(&c, env, &base, &shm, &mut rng, t);
        drop(held);
        drop(shm);
        best = best.min(now_ns() - t);
    }
    best
}

// ---------------------------------------------------------------- verdicts

struct Verdict {
    scenario: &'static str,
    iterations: u64,
    processes: usize,
    kills: u64,
    violations: u64,
    leaks: u64,
    extra: String,
    skipped: Option<&'static str>,
}

impl Verdict {
    fn print(&self) -> bool {
        if let Some(why) = self.skipped {
            println!("VERDICT scenario={} SKIPPED ({why})", self.scenario);
            return true;
        }
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

// ------------------------------------------------------- scenario: creators

/// Scenario 1: each generation, `processes` children race `open_or_create`
/// on one fresh name; each is killed at a random moment with probability
/// `kill_rate`. After all are gone, one `admin::reap` must leave nothing.
fn creators(a: &Args, env: &Env) -> Verdict {
    let gens = if a.iterations == 0 { 2000 } else { a.iterations };
    let p = a.processes;
    let base = format!("creators-{}", std::process::id());
    let work = calibrate(env);
    // SAFETY: Counters and Record are atomics only; all-zero is valid.
    let c: SideChannel<Counters> = unsafe { SideChannel::new(1) };
    // SAFETY: as above.
    let recs: SideChannel<Record> = unsafe { SideChannel::new(p) };
    let mut rng = Rng::new(a.seed);
    let mut wd = Watchdog::new(a.timeout);
    let (mut kills, mut parent_v, mut leaks, mut orphans, mut objects) = (0u64, 0u64, 0u64, 0u64, 0usize);
    let mut kill_phase = [0u64; 5];
    let mut done_gens = 0;
    for g in 0..gens {
        if wd.expired() {
            parent_v += 1;
            break;
        }
        for i in 0..p {
            let r = &recs[i];
            r.id.store(0, SeqCst);
            r.t_open.store(0, SeqCst);
            r.t_last.store(0, SeqCst);
            r.created.store(0, SeqCst);
            r.phase.store(0, SeqCst);
        }
        c[0].go.store(0, SeqCst);
        let mut pids = Vec::with_capacity(p);
        for i in 0..p {
            let mut crng = Rng::new(rng.next());
            let (cc, rec) = (&c[0], &recs[i]);
            let base = base.as_str();
            pids.push(spawn(move || {
                while cc.go.load(SeqCst) == 0 {
                    std::thread::yield_now();
                }
                if crng.chance(a.kill_rate) {
                    arm_self_kill(crng.below(3 * work));
                }
                rec.phase.store(PHASE_ACQUIRE, SeqCst);
                let t_start = now_ns();
                let shm = match SharedMemory::open_or_create(base, OBJ_SIZE) {
                    Ok(s) => s,
                    Err(e) => {
                        violation(cc, format_args!("generation {g}: open_or_create failed: {e}"));
                        return 1;
                    }
                };
                let t0 = now_ns();
                rec.phase.store(PHASE_HOLD, SeqCst);
                let Some((view, held)) = check_held(cc, env, base, &shm, &mut crng, t_start) else {
                    return 1;
                };
                rec.created.store(u32::from(shm.created()), SeqCst);
                rec.id.store(held.id, SeqCst);
                rec.t_open.store(t0, SeqCst);
                if shm.created() {
                    cc.created.fetch_add(1, SeqCst);
                }
                let _ = held.won;
                let spin = now_ns() + crng.below(work);
                while now_ns() < spin {
                    std::hint::spin_loop();
                }
                rec.t_last.store(now_ns(), SeqCst);
                rec.phase.store(PHASE_CLOSE, SeqCst);
                drop(view);
                drop(shm);
                rec.phase.store(PHASE_DONE, SeqCst);
                0
            }));
        }
        c[0].go.store(1, SeqCst);
        let mut left = pids.clone();
        let mut gen_kills = 0;
        while !left.is_empty() {
            if wd.expired() {
                kill_all(&left);
                left.clear();
                break;
            }
            match try_wait() {
                Some((pid, st)) => {
                    let i = pids.iter().position(|x| *x == pid).expect("our child");
                    left.retain(|x| *x != pid);
                    match classify(st) {
                        Exit::Ok => {}
                        Exit::Killed => {
                            kills += 1;
                            gen_kills += 1;
                            kill_phase[recs[i].phase.load(SeqCst).min(4) as usize] += 1;
                        }
                        Exit::Bad(why) => {
                            if !why.contains("exit code 1") {
                                parent_v += 1;
                            }
                            eprintln!("generation {g}: child {pid}: {why}");
                        }
                    }
                }
                None => std::thread::sleep(Duration::from_micros(50)),
            }
        }
        if wd.fired {
            // Workers were killed by the watchdog, not by the test: clean up
            // and stop (the watchdog itself fails the scenario).
            parent_v += 1;
            let _ = admin::reap();
            break;
        }
        let (v, objs) = check_spans(&recs, p);
        parent_v += v;
        objects += objs;
        // Every holder is gone: the object is dead. Even generations check that
        // an open says NotFound (and reclaims the orphan), odd ones that one
        // reap removes it and an open then says NotFound. Nothing may remain.
        if std::path::Path::new(&env.path_of(&base)).exists() {
            orphans += 1;
            if gen_kills == 0 {
                // Nobody was killed: the last close must have removed the name.
                leaks += 1;
                eprintln!("LEAK: generation {g}: `{base}` outlived its last handle, and nobody was killed");
            }
        }
        if g % 2 == 1 {
            if let Err(e) = admin::reap() {
                eprintln!("generation {g}: reap failed: {e}");
                parent_v += 1;
            }
        }
        parent_v += expect_not_found(&base, g);
        if std::path::Path::new(&env.path_of(&base)).exists() {
            leaks += 1;
            eprintln!("LEAK: generation {g}: `{base}` still exists after the last holder and a reap");
            let _ = std::fs::remove_file(env.path_of(&base));
        }
        done_gens = g + 1;
    }
    let violations = parent_v + c[0].violations.load(SeqCst);
    Verdict {
        scenario: "creators",
        iterations: done_gens,
        processes: p,
        kills,
        violations,
        leaks,
        extra: format!(
            "objects={objects} creations={} orphans_reaped={orphans} kills_acquire={} kills_hold={} kills_close={} kills_before={} kill_window_ns={}",
            c[0].created.load(SeqCst),
            kill_phase[1],
            kill_phase[2],
            kill_phase[3],
            kill_phase[0],
            3 * work
        ),
        skipped: None,
    }
}

// ----------------------------------------------------- scenario: close-race

/// Scenario 2: `processes` workers loop over open / open_or_create, check,
/// hold briefly and close one name, so opens race the last close all the
/// time; each operation is killed at a random moment with probability
/// `kill_rate` (the worker is replaced).
fn close_race(a: &Args, env: &Env) -> Verdict {
    let total = if a.iterations == 0 { 100_000 } else { a.iterations };
    let p = a.processes;
    let base = format!("race-{}", std::process::id());
    let work = calibrate(env);
    // SAFETY: atomics only; all-zero is valid.
    let c: SideChannel<Counters> = unsafe { SideChannel::new(1) };
    // SAFETY: as above.
    let recs: SideChannel<Record> = unsafe { SideChannel::new(total as usize + 1) };
    let mut rng = Rng::new(a.seed);
    let mut wd = Watchdog::new(a.timeout);
    let (mut kills, mut parent_v) = (0u64, 0u64);
    let mut kill_phase = [0u64; 5];
    let worker = |crng: &mut Rng| -> i32 {
        let cc = &c[0];
        loop {
            let op = cc.next_op.fetch_add(1, SeqCst);
            if op >= total {
                return 0;
            }
            let rec = &recs[op as usize];
            if crng.chance(a.kill_rate) {
                arm_self_kill(crng.below(3 * work));
            }
            rec.phase.store(PHASE_ACQUIRE, SeqCst);
            // Open read-write, open read-only (its close takes the slow path:
            // fresh description, close, write lock) or open-or-create.
            let kind = crng.below(3);
            let open_only = kind < 2;
            let t_start = now_ns();
            let r = match kind {
                0 => ShmOptions::new().open(&base),
                1 => ShmOptions::new().access(named_shm::Access::Read).open(&base),
                _ => SharedMemory::open_or_create(&base, OBJ_SIZE),
            };
            let shm = match r {
                Ok(s) => s,
                Err(Error::NotFound { .. }) if open_only => {
                    cc.not_found.fetch_add(1, SeqCst);
                    rec.phase.store(PHASE_DONE, SeqCst);
                    cc.ops_done.fetch_add(1, SeqCst);
                    continue;
                }
                Err(e) => {
                    violation(cc, format_args!("op {op}: acquire failed: {e}"));
                    return 1;
                }
            };
            let t0 = now_ns();
            rec.phase.store(PHASE_HOLD, SeqCst);
            let Some((view, held)) = check_held(cc, env, &base, &shm, crng, t_start) else {
                return 1;
            };
            rec.created.store(u32::from(shm.created()), SeqCst);
            rec.id.store(held.id, SeqCst);
            rec.t_open.store(t0, SeqCst);
            if shm.created() {
                cc.created.fetch_add(1, SeqCst);
            }
            let spin = now_ns() + crng.below(work / 2);
            while now_ns() < spin {
                std::hint::spin_loop();
            }
            if held.id != 0 && !name_points_to(cc, env, &base, held.id) {
                return 1;
            }
            rec.t_last.store(now_ns(), SeqCst);
            rec.phase.store(PHASE_CLOSE, SeqCst);
            drop(view);
            drop(shm);
            rec.phase.store(PHASE_DONE, SeqCst);
            cc.ops_done.fetch_add(1, SeqCst);
            // Pause so that about one worker holds the name at a time: the
            // last close then races the next open on most operations.
            std::thread::sleep(Duration::from_nanos(crng.below(p as u64 * work / 2)));
        }
    };
    let mut live: Vec<libc::pid_t> = Vec::new();
    for _ in 0..p {
        let mut crng = Rng::new(rng.next());
        live.push(spawn(|| worker(&mut crng)));
    }
    while !live.is_empty() {
        if wd.expired() {
            kill_all(&live);
            parent_v += 1;
            break;
        }
        match try_wait() {
            Some((pid, st)) => {
                live.retain(|x| *x != pid);
                match classify(st) {
                    Exit::Ok => {}
                    Exit::Killed => {
                        kills += 1;
                        // Replace the worker while operations remain.
                        if c[0].next_op.load(SeqCst) < total {
                            let mut crng = Rng::new(rng.next());
                            live.push(spawn(|| worker(&mut crng)));
                        }
                    }
                    Exit::Bad(why) => {
                        if !why.contains("exit code 1") {
                            parent_v += 1;
                        }
                        eprintln!("worker {pid}: {why}");
                    }
                }
            }
            None => std::thread::sleep(Duration::from_micros(200)),
        }
    }
    let claimed = c[0].next_op.load(SeqCst).min(total) as usize;
    for i in 0..claimed {
        let ph = recs[i].phase.load(SeqCst);
        if ph != PHASE_DONE {
            kill_phase[ph.min(4) as usize] += 1;
        }
    }
    let (v, objects) = check_spans(&recs, claimed);
    parent_v += v;
    let orphan = std::path::Path::new(&env.path_of(&base)).exists();
    let mut leaks = 0;
    if let Err(e) = admin::reap() {
        eprintln!("reap failed: {e}");
        parent_v += 1;
    }
    parent_v += expect_not_found(&base, total);
    if std::path::Path::new(&env.path_of(&base)).exists() {
        leaks += 1;
        eprintln!("LEAK: `{base}` still exists after the last worker and a reap");
        let _ = std::fs::remove_file(env.path_of(&base));
    }
    Verdict {
        scenario: "close-race",
        iterations: claimed as u64,
        processes: p,
        kills,
        violations: parent_v + c[0].violations.load(SeqCst),
        leaks,
        extra: format!(
            "completed={} objects={objects} creations={} not_found={} orphan_at_end={} kills_acquire={} kills_hold={} kills_close={}",
            c[0].ops_done.load(SeqCst),
            c[0].created.load(SeqCst),
            c[0].not_found.load(SeqCst),
            u8::from(orphan),
            kill_phase[1],
            kill_phase[2],
            kill_phase[3]
        ),
        skipped: None,
    }
}

// ---------------------------------------------------- scenario: failed-open

/// Scenario: one creator loops open_or_create / stamp / close on a name
/// while `processes - 1` peers loop opens of the same name as an event and
/// as a mutex (always refused: WrongType, or NotFound between cycles), each
/// peer killed at a random moment with probability `kill_rate` per 1,000
/// opens (and replaced). Only the creator ever holds the object, so every
/// open_or_create must create: one that returns an existing object got a
/// dead one back (a stale recreation, counted as a violation).
fn failed_open(a: &Args, _env: &Env) -> Verdict {
    let total = if a.iterations == 0 { 20_000 } else { a.iterations };
    let p = a.processes.max(2);
    let base = format!("failopen-{}", std::process::id());
    // SAFETY: atomics only; all-zero is valid.
    let c: SideChannel<Counters> = unsafe { SideChannel::new(1) };
    let mut rng = Rng::new(a.seed);
    let mut wd = Watchdog::new(a.timeout);
    let (mut kills, mut parent_v) = (0u64, 0u64);
    let peer = |crng: &mut Rng| -> i32 {
        let cc = &c[0];
        let mut n = 0u64;
        while cc.go.load(SeqCst) == 0 {
            if n % 1000 == 0 && crng.chance(a.kill_rate) {
                arm_self_kill(crng.below(2_000_000));
            }
            let r = if n % 2 == 0 {
                named_shm::Event::open(&base).map(drop)
            } else {
                named_shm::Mutex::open(&base).map(drop)
            };
            match r {
                Err(Error::WrongType { .. }) | Err(Error::NotFound { .. }) => {}
                other => {
                    violation(cc, format_args!("a peer's open gave {other:?}"));
                    return 1;
                }
            }
            cc.extra[0].fetch_add(1, SeqCst);
            n += 1;
        }
        0
    };
    let mut live: Vec<libc::pid_t> = Vec::new();
    for _ in 1..p {
        let mut crng = Rng::new(rng.next());
        live.push(spawn(|| peer(&mut crng)));
    }
    let creator = spawn(|| {
        let cc = &c[0];
        for g in 1..=total {
            let shm = match SharedMemory::open_or_create(&base, OBJ_SIZE) {
                Ok(s) => s,
                Err(e) => {
                    violation(cc, format_args!("cycle {g}: open_or_create failed: {e}"));
                    return 1;
                }
            };
            let Ok(view) = shm.map(0, 0) else {
                violation(cc, format_args!("cycle {g}: map failed"));
                return 1;
            };
            let Ok(word) = view.atomic_u64(0) else { return 1 };
            if !shm.created() {
                violation(
                    cc,
                    format_args!(
                        "cycle {g}: open_or_create returned the dead generation {}",
                        word.load(SeqCst)
                    ),
                );
            }
            word.store(g, SeqCst);
            drop(view);
            drop(shm);
            cc.ops_done.fetch_add(1, SeqCst);
        }
        cc.go.store(1, SeqCst);
        0
    });
    let mut creator_live = true;
    while creator_live || !live.is_empty() {
        if wd.expired() {
            c[0].go.store(1, SeqCst);
            kill_all(&live);
            if creator_live {
                kill_all(&[creator]);
            }
            parent_v += 1;
            break;
        }
        match try_wait() {
            Some((pid, st)) if pid == creator => {
                creator_live = false;
                c[0].go.store(1, SeqCst);
                if !matches!(classify(st), Exit::Ok) {
                    parent_v += 1;
                    eprintln!("creator {pid} failed");
                }
            }
            Some((pid, st)) => {
                live.retain(|x| *x != pid);
                match classify(st) {
                    Exit::Ok => {}
                    Exit::Killed => {
                        kills += 1;
                        if c[0].go.load(SeqCst) == 0 {
                            let mut crng = Rng::new(rng.next());
                            live.push(spawn(|| peer(&mut crng)));
                        }
                    }
                    Exit::Bad(why) => {
                        if !why.contains("exit code 1") {
                            parent_v += 1;
                        }
                        eprintln!("peer {pid}: {why}");
                    }
                }
            }
            None => std::thread::sleep(Duration::from_micros(500)),
        }
    }
    parent_v += expect_not_found(&base, total);
    Verdict {
        scenario: "failed-open",
        iterations: c[0].ops_done.load(SeqCst),
        processes: p,
        kills,
        violations: parent_v + c[0].violations.load(SeqCst),
        leaks: 0,
        extra: format!("refused_opens={}", c[0].extra[0].load(SeqCst)),
        skipped: None,
    }
}

// ---------------------------------------------------------- scenario: leaks

fn fd_count() -> usize {
    std::fs::read_dir("/proc/self/fd").map(|d| d.count()).unwrap_or(0)
}

fn map_count() -> usize {
    std::fs::read_to_string("/proc/self/maps")
        .map(|s| s.lines().count())
        .unwrap_or(0)
}

/// Scenario 5: create / open / map / write / read / close cycles in one
/// process; descriptors, mappings and namespace entries must return to their
/// baseline.
fn leaks(a: &Args, env: &Env) -> Verdict {
    let total = if a.iterations == 0 { 100_000 } else { a.iterations };
    let mut wd = Watchdog::new(a.timeout);
    let c = Counters::default();
    let base = |i: u64| format!("leak-{}-{}", std::process::id(), i % 7);
    let cycle = |i: u64| -> Result<(), String> {
        let name = base(i);
        let size = 4096 * (1 + i % 20);
        let shm = ShmOptions::new()
            .commit(i % 3 != 0)
            .create(&name, size)
            .map_err(|e| format!("create: {e}"))?;
        let v = shm.map(0, 0).map_err(|e| format!("map: {e}"))?;
        v.write_at(0, &i.to_le_bytes())
            .map_err(|e| format!("write: {e}"))?;
        let other = SharedMemory::open(&name, named_shm::Access::Read).map_err(|e| format!("open: {e}"))?;
        let rv = other.map(0, 0).map_err(|e| format!("map ro: {e}"))?;
        let mut b = [0u8; 8];
        rv.read_at(0, &mut b).map_err(|e| format!("read: {e}"))?;
        if u64::from_le_bytes(b) != i {
            return Err("a second handle read other bytes".into());
        }
        // An event and a mutex per cycle: their descriptors and mappings count too.
        let ev =
            Event::create(&format!("{name}-evt"), false, i % 2 == 0).map_err(|e| format!("event: {e}"))?;
        ev.set().map_err(|e| format!("set: {e}"))?;
        if ev.wait(Some(Duration::ZERO)).map_err(|e| format!("wait: {e}"))? != WaitStatus::Signaled {
            return Err("a set auto-reset event did not satisfy a wait".into());
        }
        let mx = Mutex::create(&format!("{name}-mtx"), i % 2 == 0).map_err(|e| format!("mutex: {e}"))?;
        drop(mx.lock().map_err(|e| format!("lock: {e}"))?);
        if i % 2 == 0 {
            mx.release()
                .map_err(|e| format!("release of the initial ownership: {e}"))?;
        }
        drop((ev, mx));
        if i % 5 == 0 {
            // The view outlives both handles.
            drop(shm);
            drop(other);
            if SharedMemory::open(&name, named_shm::Access::Read).is_ok() {
                return Err("the name outlived its last handle".into());
            }
            rv.read_at(0, &mut b)
                .map_err(|e| format!("read after close: {e}"))?;
        } else {
            drop(v);
            drop(other);
        }
        Ok(())
    };
    for i in 0..100 {
        if let Err(e) = cycle(i) {
            violation(&c, format_args!("warm-up cycle {i}: {e}"));
        }
    }
    let (fd0, map0, ent0) = (fd_count(), map_count(), env.entries().len());
    let (mut fd_max, mut map_max) = (fd0, map0);
    let mut done = 0;
    for i in 0..total {
        if wd.expired() {
            c.violations.fetch_add(1, SeqCst);
            break;
        }
        if let Err(e) = cycle(i) {
            violation(&c, format_args!("cycle {i}: {e}"));
            if c.violations.load(SeqCst) > 10 {
                break;
            }
        }
        if i % 1000 == 0 {
            fd_max = fd_max.max(fd_count());
            map_max = map_max.max(map_count());
        }
        done = i + 1;
    }
    let (fd1, map1, ent1) = (fd_count(), map_count(), env.entries().len());
    let leaks = (fd1.saturating_sub(fd0) + map1.saturating_sub(map0) + ent1.saturating_sub(ent0)) as u64;
    if leaks > 0 {
        eprintln!("LEAK: fds {fd0}->{fd1}, mappings {map0}->{map1}, entries {ent0}->{ent1}");
    }
    Verdict {
        scenario: "leaks",
        iterations: done,
        processes: 1,
        kills: 0,
        violations: c.violations.load(SeqCst),
        leaks,
        extra: format!(
            "fds={fd0}->{fd1} (max {fd_max}) maps={map0}->{map1} (max {map_max}) entries={ent0}->{ent1}"
        ),
        skipped: None,
    }
}

// ------------------------------------------------ scenarios: mutex, events

/// State guarded by the named mutex (in the side channel) and the tallies of
/// the mutex and event scenarios.
#[derive(Default)]
#[repr(C)]
struct Guarded {
    /// 1 while an owner is inside the critical section.
    inside: AtomicU64,
    /// pid of the owner inside, 0 otherwise.
    holder: AtomicU64,
    /// Incremented in two steps under the lock: `a == b` outside it.
    a: AtomicU64,
    b: AtomicU64,
    abandoned: AtomicU64,
    abandoned_with_holder: AtomicU64,
    acquisitions: AtomicU64,
    issued: AtomicU64,
    consumed: AtomicU64,
    stop: AtomicU64,
}

/// A pool of forked workers, each with a phase slot the parent reads when it dies.
struct Pool<'a> {
    live: Vec<(libc::pid_t, usize)>,
    next_slot: usize,
    slots: &'a SideChannel<AtomicU32>,
    kills: u64,
    /// Kills by the phase the victim was in.
    killed_in: [u64; 5],
    bad: u64,
}

impl<'a> Pool<'a> {
    fn new(slots: &'a SideChannel<AtomicU32>) -> Pool<'a> {
        Pool {
            live: Vec::new(),
            next_slot: 0,
            slots,
            kills: 0,
            killed_in: [0; 5],
            bad: 0,
        }
    }
    fn spawn(&mut self, f: impl FnOnce(&'a AtomicU32) -> i32) {
        let slot = self.next_slot % self.slots.n;
        self.next_slot += 1;
        let slots: &'a SideChannel<AtomicU32> = self.slots;
        let s = &slots[slot];
        s.store(0, SeqCst);
        let pid = spawn(move || f(s));
        self.live.push((pid, slot));
    }
    /// Reaps one exited worker, if any: `Some(true)` if it was killed.
    fn reap(&mut self) -> Option<bool> {
        let (pid, st) = try_wait()?;
        let i = self.live.iter().position(|(p, _)| *p == pid)?;
        let (_, slot) = self.live.swap_remove(i);
        Some(match classify(st) {
            Exit::Ok => false,
            Exit::Killed => {
                self.kills += 1;
                self.killed_in[self.slots[slot].load(SeqCst).min(4) as usize] += 1;
                true
            }
            Exit::Bad(why) => {
                if !why.contains("exit code 1") {
                    self.bad += 1;
                }
                eprintln!("worker {pid}: {why}");
                false
            }
        })
    }
    fn kill_all(&mut self) {
        let pids: Vec<_> = self.live.iter().map(|(p, _)| *p).collect();
        kill_all(&pids);
        self.live.clear();
    }
}

/// Scenario 3: workers lock a named mutex, update a two-word counter in two
/// steps, and unlock; each operation is killed at a random moment with
/// probability `kill_rate`. Every death of an owner must be reported as
/// abandoned exactly once (bounded by the owners certainly and possibly
/// dead inside), a normal acquisition must never find the previous owner's
/// marks or a torn counter, and no lock may hang.
fn mutex(a: &Args, _env: &Env) -> Verdict {
    let total = if a.iterations == 0 { 20_000 } else { a.iterations };
    let p = a.processes;
    let name = format!("stress-mutex-{}", std::process::id());
    let fail = |why: String| {
        eprintln!("VIOLATION: {why}");
        Verdict {
            scenario: "mutex",
            iterations: 0,
            processes: p,
            kills: 0,
            violations: 1,
            leaks: 0,
            extra: String::new(),
            skipped: None,
        }
    };
    let m = match Mutex::create(&name, false) {
        Ok(m) => m,
        Err(e) => return fail(format!("create: {e}")),
    };
    let t = now_ns();
    for _ in 0..200 {
        let _ = m.acquire(None);
        let _ = m.release();
    }
    // One operation: lock, up to 20 µs inside, unlock.
    let work = (now_ns() - t) / 200 + 20_000;
    // SAFETY: atomics only; all-zero is valid.
    let c: SideChannel<Counters> = unsafe { SideChannel::new(1) };
    // SAFETY: as above.
    let g: SideChannel<Guarded> = unsafe { SideChannel::new(1) };
    // SAFETY: as above.
    let slots: SideChannel<AtomicU32> = unsafe { SideChannel::new(4096) };
    let mut rng = Rng::new(a.seed);
    let mut wd = Watchdog::new(a.timeout);
    let mut parent_v = 0;
    let worker = |slot: &AtomicU32, mut crng: Rng| -> i32 {
        let (cc, g) = (&c[0], &g[0]);
        let me = u64::from(std::process::id());
        let m = match Mutex::open(&name) {
            Ok(m) => m,
            Err(e) => {
                violation(cc, format_args!("open of the mutex failed: {e}"));
                return 1;
            }
        };
        loop {
            if cc.next_op.fetch_add(1, SeqCst) >= total {
                return 0;
            }
            if crng.chance(a.kill_rate) {
                arm_self_kill(crng.below(3 * work));
            }
            slot.store(1, SeqCst);
            let abandoned = match m.acquire(Some(Duration::from_secs(20))) {
                Ok(WaitStatus::Signaled) => false,
                Ok(WaitStatus::Abandoned) => {
                    // Recorded first thing: a kill before this line (phase 1)
                    // loses the report, and the bounds below allow for it.
                    g.abandoned.fetch_add(1, SeqCst);
                    true
                }
                Ok(WaitStatus::TimedOut) => {
                    violation(cc, format_args!("lock not acquired within 20 s"));
                    return 1;
                }
                Err(e) => {
                    violation(cc, format_args!("lock failed: {e}"));
                    return 1;
                }
            };
            slot.store(2, SeqCst);
            let was_inside = g.inside.swap(1, SeqCst);
            let holder = g.holder.load(SeqCst);
            if abandoned {
                if holder != 0 {
                    g.abandoned_with_holder.fetch_add(1, SeqCst);
                }
                // Repair what the dead owner left half-done.
                g.b.store(g.a.load(SeqCst), SeqCst);
            } else if was_inside != 0 || holder != 0 {
                violation(
                    cc,
                    format_args!(
                        "normal acquire found the critical section occupied (inside={was_inside}, holder pid {holder}): \
                         two owners, or an owner's death not reported as abandoned"
                    ),
                );
                return 1;
            }
            let (va, vb) = (g.a.load(SeqCst), g.b.load(SeqCst));
            if va != vb {
                violation(cc, format_args!("guarded counter torn: a={va} b={vb}"));
                return 1;
            }
            g.holder.store(me, SeqCst);
            g.a.fetch_add(1, SeqCst);
            let spin = now_ns() + crng.below(20_000);
            while now_ns() < spin {
                std::hint::spin_loop();
            }
            g.b.fetch_add(1, SeqCst);
            g.acquisitions.fetch_add(1, SeqCst);
            g.holder.store(0, SeqCst);
            g.inside.store(0, SeqCst);
            slot.store(3, SeqCst);
            if let Err(e) = m.release() {
                violation(cc, format_args!("release failed: {e}"));
                return 1;
            }
            slot.store(4, SeqCst);
        }
    };
    let mut pool = Pool::new(&slots);
    for _ in 0..p {
        let crng = Rng::new(rng.next());
        pool.spawn(|s| worker(s, crng));
    }
    while !pool.live.is_empty() {
        if wd.expired() {
            pool.kill_all();
            parent_v += 1;
            break;
        }
        match pool.reap() {
            Some(true) if c[0].next_op.load(SeqCst) < total => {
                let crng = Rng::new(rng.next());
                pool.spawn(|s| worker(s, crng));
            }
            Some(_) => {}
            None => std::thread::sleep(Duration::from_micros(200)),
        }
    }
    // The last owner may have died too: the parent's own lock tells.
    match m.acquire(Some(Duration::from_secs(20))) {
        Ok(WaitStatus::Abandoned) => {
            g[0].abandoned.fetch_add(1, SeqCst);
            if g[0].holder.load(SeqCst) != 0 {
                g[0].abandoned_with_holder.fetch_add(1, SeqCst);
            }
            g[0].b.store(g[0].a.load(SeqCst), SeqCst);
            let _ = m.release();
        }
        Ok(WaitStatus::Signaled) => {
            if g[0].inside.load(SeqCst) != 0 {
                eprintln!("VIOLATION: final lock found the section occupied without an abandoned report");
                parent_v += 1;
            }
            let _ = m.release();
        }
        other => {
            eprintln!("VIOLATION: final lock: {other:?}");
            parent_v += 1;
        }
    }
    // Each owner's death makes exactly one acquisition return Abandoned; the
    // acquirer records it unless killed first (then in phase 1, and itself a
    // dead owner whose death the next acquirer reports). Owners certainly
    // died in phase 2; those killed in phase 1 or 3 may have owned it.
    // The exact per-death check is the marks check in the workers.
    let abandoned = g[0].abandoned.load(SeqCst);
    let sure = pool.killed_in[2];
    let maybe = pool.killed_in[1] + pool.killed_in[3];
    if abandoned + pool.killed_in[1] < sure || abandoned > sure + maybe {
        eprintln!(
            "VIOLATION: {abandoned} abandoned reports for {sure} owners killed inside and {maybe} killed while locking or unlocking"
        );
        parent_v += 1;
    }
    drop(m);
    let leaks = u64::from(Mutex::open(&name).is_ok());
    Verdict {
        scenario: "mutex",
        iterations: c[0].next_op.load(SeqCst).min(total),
        processes: p,
        kills: pool.kills,
        violations: parent_v + pool.bad + c[0].violations.load(SeqCst),
        leaks,
        extra: format!(
            "acquisitions={} abandoned={abandoned} owner_deaths_certain={sure} owner_deaths_possible={maybe} abandoned_with_marks={} kills_idle={}",
            g[0].acquisitions.load(SeqCst),
            g[0].abandoned_with_holder.load(SeqCst),
            pool.killed_in[0] + pool.killed_in[4],
        ),
        skipped: None,
    }
}

/// Scenario 4: an auto-reset event, `processes` waiters killed at random
/// (and replaced), and a producer that sets it once per round and waits for
/// one wake-up. A set must wake exactly one waiter: never more (checked on
/// every wake-up: wake-ups never exceed sets), and never none unless the
/// woken waiter was killed (a round without a wake-up within 1 s and without
/// the death of a waiter is a lost wake-up).
fn events(a: &Args, _env: &Env) -> Verdict {
    let total = if a.iterations == 0 { 20_000 } else { a.iterations };
    let p = a.processes;
    let name = format!("stress-event-{}", std::process::id());
    let ev = match Event::create(&name, false, false) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("VIOLATION: create: {e}");
            return Verdict {
                scenario: "events",
                iterations: 0,
                processes: p,
                kills: 0,
                violations: 1,
                leaks: 0,
                extra: String::new(),
                skipped: None,
            };
        }
    };
    // SAFETY: atomics only; all-zero is valid.
    let c: SideChannel<Counters> = unsafe { SideChannel::new(1) };
    // SAFETY: as above.
    let g: SideChannel<Guarded> = unsafe { SideChannel::new(1) };
    // SAFETY: as above.
    let slots: SideChannel<AtomicU32> = unsafe { SideChannel::new(4096) };
    let mut rng = Rng::new(a.seed);
    let mut wd = Watchdog::new(a.timeout);
    let mut parent_v = 0;
    let (mut lost_to_kills, mut lost) = (0u64, 0u64);
    let worker = |slot: &AtomicU32, mut crng: Rng| -> i32 {
        let (cc, g) = (&c[0], &g[0]);
        let e = match Event::open(&name) {
            Ok(e) => e,
            Err(e) => {
                violation(cc, format_args!("open of the event failed: {e}"));
                return 1;
            }
        };
        while g.stop.load(SeqCst) == 0 {
            if crng.chance(a.kill_rate) {
                arm_self_kill(crng.below(400_000));
            }
            slot.store(1, SeqCst);
            match e.wait(Some(Duration::from_millis(50))) {
                Ok(WaitStatus::Signaled) => {
                    slot.store(2, SeqCst);
                    let n = g.consumed.fetch_add(1, SeqCst) + 1;
                    let sets = g.issued.load(SeqCst);
                    if n > sets {
                        violation(
                            cc,
                            format_args!("{n} wake-ups for {sets} sets of an auto-reset event"),
                        );
                        return 1;
                    }
                }
                Ok(WaitStatus::TimedOut) => {}
                other => {
                    violation(cc, format_args!("wait: {other:?}"));
                    return 1;
                }
            }
            slot.store(3, SeqCst);
        }
        0
    };
    let mut pool = Pool::new(&slots);
    for _ in 0..p {
        let crng = Rng::new(rng.next());
        pool.spawn(|s| worker(s, crng));
    }
    let mut rounds = 0;
    'rounds: for _ in 0..total {
        let before = g[0].consumed.load(SeqCst);
        let waiter_deaths = pool.killed_in[1] + pool.killed_in[2];
        g[0].issued.fetch_add(1, SeqCst);
        if let Err(e) = ev.set() {
            eprintln!("VIOLATION: set: {e}");
            parent_v += 1;
            break;
        }
        rounds += 1;
        let t = Instant::now();
        while g[0].consumed.load(SeqCst) == before {
            if wd.expired() {
                parent_v += 1;
                break 'rounds;
            }
            if let Some(true) = pool.reap() {
                let crng = Rng::new(rng.next());
                pool.spawn(|s| worker(s, crng));
            }
            if t.elapsed() > Duration::from_secs(1) {
                // Still set with waiters blocked for a second: nobody was woken.
                // Consumed without a wake-up report: only a killed waiter may do that.
                if ev.wait(Some(Duration::ZERO)).ok() == Some(WaitStatus::Signaled) {
                    lost += 1;
                    eprintln!("VIOLATION: set #{rounds} stayed set for 1 s while waiters were blocked");
                } else if pool.killed_in[1] + pool.killed_in[2] > waiter_deaths {
                    lost_to_kills += 1;
                } else {
                    lost += 1;
                    eprintln!("VIOLATION: set #{rounds} woke nobody within 1 s, and no waiter died");
                }
                break;
            }
            std::thread::sleep(Duration::from_micros(20));
        }
        if c[0].violations.load(SeqCst) > 0 {
            break;
        }
    }
    g[0].stop.store(1, SeqCst);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !pool.live.is_empty() {
        if pool.reap().is_none() {
            if Instant::now() > deadline {
                pool.kill_all();
                parent_v += 1;
                break;
            }
            std::thread::sleep(Duration::from_micros(500));
        }
    }
    let (sets, woken) = (g[0].issued.load(SeqCst), g[0].consumed.load(SeqCst));
    if woken > sets {
        parent_v += 1;
    }
    drop(ev);
    let leaks = u64::from(Event::open(&name).is_ok());
    Verdict {
        scenario: "events",
        iterations: rounds,
        processes: p,
        kills: pool.kills,
        violations: parent_v + lost + pool.bad + c[0].violations.load(SeqCst),
        leaks,
        extra: format!(
            "sets={sets} wakeups={woken} lost_to_killed_waiters={lost_to_kills} kills_waiting={} kills_woken={}",
            pool.killed_in[1], pool.killed_in[2]
        ),
        skipped: None,
    }
}

// ------------------------------------------------- scenario: hostile-sync

/// Offset of the sync area in an object's header page, and of its layout
/// word (left alone so that opens keep working).
const SYNC_AREA: u64 = 2048;
const SYNC_LAYOUT: u64 = SYNC_AREA + 60;
/// How far past its timeout a wait may return on a loaded machine.
const OVERSTAY_SLACK: Duration = Duration::from_secs(2);

/// Scenario 6: the parent scribbles random bytes (and live TIDs, pointer-like
/// values, extreme words) over the sync areas of a mutex and two events
/// (manual and auto-reset) while `processes` workers lock, release, wait
/// (single and multiple), spin-wait, set and reset them with short
/// timeouts; each operation is killed at a random moment with probability
/// `kill_rate`. A violation is any crash or error, or a wait that returns
/// more than 2 s after its timeout; no worker may hang.
fn hostile_sync(a: &Args, env: &Env) -> Verdict {
    let total = if a.iterations == 0 { 20_000 } else { a.iterations };
    let p = a.processes;
    let pid = std::process::id();
    let names = [
        format!("stress-hostile-mx-{pid}"),
        format!("stress-hostile-evm-{pid}"),
        format!("stress-hostile-eva-{pid}"),
    ];
    let fail = |what: String| {
        eprintln!("VIOLATION: {what}");
        Verdict {
            scenario: "hostile-sync",
            iterations: 0,
            processes: p,
            kills: 0,
            violations: 1,
            leaks: 0,
            extra: String::new(),
            skipped: None,
        }
    };
    let (mx, evm, eva) = match (
        Mutex::create(&names[0], false),
        Event::create(&names[1], true, false),
        Event::create(&names[2], false, false),
    ) {
        (Ok(m), Ok(e1), Ok(e2)) => (m, e1, e2),
        _ => return fail("create of the sync objects failed".into()),
    };
    let mut files = Vec::new();
    for n in &names {
        match std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(env.path_of(n))
        {
            Ok(f) => files.push(f),
            Err(e) => return fail(format!("open {}: {e}", env.path_of(n))),
        }
    }
    // SAFETY: atomics only; all-zero is valid.
    let c: SideChannel<Counters> = unsafe { SideChannel::new(1) };
    // SAFETY: as above.
    let g: SideChannel<Guarded> = unsafe { SideChannel::new(1) };
    // SAFETY: as above.
    let slots: SideChannel<AtomicU32> = unsafe { SideChannel::new(4096) };
    let mut rng = Rng::new(a.seed);
    let mut wd = Watchdog::new(a.timeout);
    let mut parent_v = 0;
    let worker = |slot: &AtomicU32, mut crng: Rng| -> i32 {
        let (cc, g) = (&c[0], &g[0]);
        let (m, e1, e2) = match (
            Mutex::open(&names[0]),
            Event::open(&names[1]),
            Event::open(&names[2]),
        ) {
            (Ok(m), Ok(e1), Ok(e2)) => (m, e1, e2),
            // The layout word is never scribbled, so opens must work.
            _ => {
                violation(cc, format_args!("open of a scribbled object failed"));
                return 1;
            }
        };
        while g.stop.load(SeqCst) == 0 {
            if crng.chance(a.kill_rate) {
                arm_self_kill(crng.below(2_000_000));
            }
            let t = Duration::from_micros(crng.below(10_000));
            slot.store(PHASE_ACQUIRE, SeqCst);
            let start = Instant::now();
            let op = crng.below(7);
            let r: Result<(), Error> = (|| {
                match op {
                    0 => {
                        let st = m.acquire(Some(t))?;
                        if st == WaitStatus::Abandoned {
                            g.abandoned.fetch_add(1, SeqCst);
                        }
                        if st != WaitStatus::TimedOut {
                            slot.store(PHASE_HOLD, SeqCst);
                            g.acquisitions.fetch_add(1, SeqCst);
                            m.release()?;
                        }
                    }
                    1 => {
                        e1.wait(Some(t))?;
                    }
                    2 => {
                        e2.wait(Some(t))?;
                    }
                    3 => {
                        e2.wait_spin(Duration::from_micros(crng.below(100)), Some(t))?;
                    }
                    4 => {
                        let objs = [
                            named_shm::WaitObject::Mutex(&m),
                            named_shm::WaitObject::Event(&e2),
                            named_shm::WaitObject::Event(&e1),
                        ];
                        let all = crng.chance(0.3);
                        match named_shm::wait_for_multiple(&objs, all, Some(t))? {
                            named_shm::MultiWaitStatus::TimedOut => {}
                            st => {
                                if all
                                    || matches!(
                                        st,
                                        named_shm::MultiWaitStatus::Signaled(0)
                                            | named_shm::MultiWaitStatus::Abandoned(0)
                                    )
                                {
                                    m.release()?;
                                }
                            }
                        }
                    }
                    5 => {
                        e1.set()?;
                        e2.set()?;
                    }
                    _ => {
                        e1.reset()?;
                        e2.reset()?;
                    }
                }
                Ok(())
            })();
            slot.store(PHASE_CLOSE, SeqCst);
            let took = start.elapsed();
            if let Err(e) = r {
                violation(cc, format_args!("operation {op}: {e}"));
                return 1;
            }
            let over = took.saturating_sub(t);
            cc.extra[0].fetch_max(over.as_micros() as u64, SeqCst);
            if over > OVERSTAY_SLACK {
                violation(
                    cc,
                    format_args!("operation {op} took {took:?} with a timeout of {t:?}"),
                );
                return 1;
            }
            cc.ops_done.fetch_add(1, SeqCst);
        }
        0
    };
    let mut pool = Pool::new(&slots);
    for _ in 0..p {
        let crng = Rng::new(rng.next());
        pool.spawn(|s| worker(s, crng));
    }
    let mut rounds = 0;
    let mut area = [0u8; 256];
    for _ in 0..total {
        if wd.expired() {
            parent_v += 1;
            break;
        }
        // One scribble of one object's sync area.
        match rng.below(4) {
            0 => area.iter_mut().for_each(|b| *b = rng.next() as u8),
            1 => {
                // Live TIDs (a worker's, or ours) with random flag bits.
                let live = pool.live.get(rng.below(pool.live.len().max(1) as u64) as usize);
                let tid = live.map_or(pid, |(p, _)| *p as u32);
                for w in area.chunks_mut(4) {
                    let flags = (rng.next() as u32) & 0xc000_0000;
                    w.copy_from_slice(&(tid | flags).to_ne_bytes());
                }
            }
            2 => {
                // Pointer-like values (a glibc robust list's prev/next).
                for w in area.chunks_mut(8) {
                    w.copy_from_slice(&(0x4141_4141_4141_4140u64 ^ (rng.next() & 0xff0)).to_ne_bytes());
                }
            }
            _ => {
                let vals = [
                    u32::MAX,
                    0,
                    0x8000_0000,
                    0x7fff_ffff,
                    0xffff_fffe,
                    0x4000_0000,
                    0x7fff << 1,
                ];
                for w in area.chunks_mut(4) {
                    let v = vals[rng.below(vals.len() as u64) as usize];
                    w.copy_from_slice(&v.to_ne_bytes());
                }
            }
        }
        let f = &files[rng.below(files.len() as u64) as usize];
        let len = 4 * (1 + rng.below(15)) as usize;
        let r = f
            .write_all_at(&area[..len.min(60)], SYNC_AREA)
            .and_then(|()| f.write_all_at(&area[64..64 + len], SYNC_LAYOUT + 4));
        if let Err(e) = r {
            eprintln!("VIOLATION: pwrite: {e}");
            parent_v += 1;
            break;
        }
        rounds += 1;
        while let Some(killed) = pool.reap() {
            if killed {
                let crng = Rng::new(rng.next());
                pool.spawn(|s| worker(s, crng));
            }
        }
        if c[0].violations.load(SeqCst) > 0 || pool.bad > 0 {
            break;
        }
        std::thread::sleep(Duration::from_micros(rng.below(300)));
    }
    g[0].stop.store(1, SeqCst);
    // Every worker must notice `stop` within its last timeout (+ slack).
    let deadline = Instant::now() + Duration::from_secs(10);
    while !pool.live.is_empty() {
        if pool.reap().is_none() {
            if Instant::now() > deadline {
                eprintln!(
                    "VIOLATION: {} workers still running 10 s after stop",
                    pool.live.len()
                );
                pool.kill_all();
                parent_v += 1;
                break;
            }
            std::thread::sleep(Duration::from_micros(500));
        }
    }
    drop(files);
    drop((mx, evm, eva));
    let leaks = names
        .iter()
        .filter(|n| std::path::Path::new(&env.path_of(n)).exists())
        .count() as u64;
    Verdict {
        scenario: "hostile-sync",
        iterations: rounds,
        processes: p,
        kills: pool.kills,
        violations: parent_v + pool.bad + c[0].violations.load(SeqCst),
        leaks,
        extra: format!(
            "operations={} acquisitions={} abandoned={} max_overrun_us={}",
            c[0].ops_done.load(SeqCst),
            g[0].acquisitions.load(SeqCst),
            g[0].abandoned.load(SeqCst),
            c[0].extra[0].load(SeqCst)
        ),
        skipped: None,
    }
}

#[allow(dead_code)]
fn skipped(scenario: &'static str) -> Verdict {
    Verdict {
        scenario,
        iterations: 0,
        processes: 0,
        kills: 0,
        violations: 0,
        leaks: 0,
        extra: String::new(),
        skipped: Some("events/mutexes not available"),
    }
}

// --------------------------------------------------------------------- main

fn setup_root() -> Result<(Env, bool), String> {
    let (root, ours) = match std::env::var("NAMED_SHM_DIR") {
        Ok(r) if !r.is_empty() => (r, false),
        _ => {
            let r = format!("/dev/shm/named-shm-stress.{}", std::process::id());
            std::fs::create_dir(&r).map_err(|e| format!("mkdir {r}: {e}"))?;
            // Set before any library call and before any thread starts.
            std::env::set_var("NAMED_SHM_DIR", &r);
            (r, true)
        }
    };
    // SAFETY: geteuid has no preconditions.
    let uid = unsafe { libc::geteuid() };
    let ns_dir = format!("{root}/named-shm.u{uid}");
    Ok((Env { root, ns_dir }, ours))
}

pub fn main() {
    let a = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    // The id table must exist before the first fork.
    births();
    let (env, own_root) = match setup_root() {
        Ok(x) => x,
        Err(e) => {
            eprintln!("stress: {e}");
            std::process::exit(2);
        }
    };
    type Scenario = fn(&Args, &Env) -> Verdict;
    let all: [(&str, Scenario); 7] = [
        ("creators", creators),
        ("close-race", close_race),
        ("failed-open", failed_open),
        ("mutex", mutex),
        ("events", events),
        ("leaks", leaks),
        ("hostile-sync", hostile_sync),
    ];
    let chosen: Vec<_> = all
        .iter()
        .filter(|(n, _)| a.scenario == "all" || a.scenario == *n)
        .collect();
    if chosen.is_empty() {
        eprintln!("unknown scenario `{}`\n{USAGE}", a.scenario);
        std::process::exit(2);
    }
    let mut ok = true;
    let mut summary = String::new();
    for (name, f) in chosen {
        let t = Instant::now();
        println!(
            "stress: {name}: processes={} iterations={} kill_rate={} seed={} root={}",
            a.processes,
            if a.iterations == 0 {
                "default".to_string()
            } else {
                a.iterations.to_string()
            },
            a.kill_rate,
            a.seed,
            env.root
        );
        let v = f(&a, &env);
        ok &= v.print();
        let _ = writeln!(summary, "{name}: {:.1}s", t.elapsed().as_secs_f64());
    }
    print!("{summary}");
    if own_root {
        let _ = std::fs::remove_dir(&env.ns_dir);
        let _ = std::fs::remove_dir(format!("{}/named-shm.global", env.root));
        if let Err(e) = std::fs::remove_dir(&env.root) {
            eprintln!("LEAK: cannot remove {}: {e}", env.root);
            ok = false;
        }
    }
    std::process::exit(if ok { 0 } else { 1 });
}
