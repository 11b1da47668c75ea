//! Stress scenarios for named-shm: crash, race and leak checks with verdicts.
//!
//! ```text
//! cargo run --release -p named-shm --example stress -- <scenario|all> \
//!     [--processes N] [--iterations N] [--kill-rate F] [--timeout SECS] [--seed S]
//! ```
//!
//! Scenarios: `creators`, `close-race`, `mutex`, `events`, `leaks` (`all` runs
//! each in turn). Each ends with one line
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

use named_shm::{admin, Error, SharedMemory, ShmOptions, View};
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

const USAGE: &str = "usage: stress <creators|close-race|mutex|events|leaks|all> \
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

/// Counters shared by the parent and all children of a scenario.
#[derive(Default)]
#[repr(C)]
struct Counters {
    violations: AtomicU64,
    next_id: AtomicU64,
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

/// Checks one freshly acquired handle: size, contents, identity; marks it.
fn check_held(
    c: &Counters,
    env: &Env,
    base: &str,
    shm: &SharedMemory,
    rng: &mut Rng,
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
    let idw = view.atomic_u64(0).expect("aligned, in range, writable");
    let mine = c.next_id.fetch_add(1, SeqCst) + 1;
    let (id, won) = match idw.compare_exchange(0, mine, SeqCst, SeqCst) {
        Ok(_) => (mine, true),
        Err(other) => (other, false),
    };
    // Every byte is read (a page past EOF would SIGBUS the child: reported by
    // the parent as a violation). Marks are 0 or this object's id (holders
    // write marks only after learning the id), so any other value is data
    // from a previous object: the new object was not zero-filled.
    for w in 0..MARK_WORDS {
        let v = view.atomic_u64(64 + 8 * w).expect("in range").load(SeqCst);
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
    view.atomic_u64(64 + 8 * w).expect("in range").store(id, SeqCst);
    if !name_points_to(c, env, base, id) {
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
        let held = check_held(&c, env, &base, &shm, &mut rng);
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
            let env = &*env;
            pids.push(spawn(move || {
                while cc.go.load(SeqCst) == 0 {
                    std::thread::yield_now();
                }
                if crng.chance(a.kill_rate) {
                    arm_self_kill(crng.below(3 * work));
                }
                rec.phase.store(PHASE_ACQUIRE, SeqCst);
                let shm = match SharedMemory::open_or_create(base, OBJ_SIZE) {
                    Ok(s) => s,
                    Err(e) => {
                        violation(cc, format_args!("generation {g}: open_or_create failed: {e}"));
                        return 1;
                    }
                };
                let t0 = now_ns();
                rec.phase.store(PHASE_HOLD, SeqCst);
                let Some((view, held)) = check_held(cc, env, base, &shm, &mut crng) else {
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
        while !left.is_empty() {
            if wd.expired() {
                kill_all(&left);
                parent_v += 1;
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
        let (v, objs) = check_spans(&recs, p);
        parent_v += v;
        objects += objs;
        // Every holder is gone: the object is dead. Even generations check that
        // an open says NotFound (and reclaims the orphan), odd ones that one
        // reap removes it and an open then says NotFound. Nothing may remain.
        if std::path::Path::new(&env.path_of(&base)).exists() {
            orphans += 1;
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
            let open_only = crng.below(2) == 0;
            let r = if open_only {
                ShmOptions::new().open(&base)
            } else {
                SharedMemory::open_or_create(&base, OBJ_SIZE)
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
            let Some((view, held)) = check_held(cc, env, &base, &shm, crng) else {
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
            if !name_points_to(cc, env, &base, held.id) {
                return 1;
            }
            rec.t_last.store(now_ns(), SeqCst);
            rec.phase.store(PHASE_CLOSE, SeqCst);
            drop(view);
            drop(shm);
            rec.phase.store(PHASE_DONE, SeqCst);
            cc.ops_done.fetch_add(1, SeqCst);
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

fn mutex(_a: &Args, _env: &Env) -> Verdict {
    skipped("mutex")
}

fn events(_a: &Args, _env: &Env) -> Verdict {
    skipped("events")
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
            // SAFETY-free: set before any library call and before any thread starts.
            std::env::set_var("NAMED_SHM_DIR", &r);
            (r, true)
        }
    };
    // SAFETY: geteuid has no preconditions.
    let uid = unsafe { libc::geteuid() };
    let ns_dir = format!("{root}/named-shm.u{uid}");
    Ok((Env { root, ns_dir }, ours))
}

fn main() {
    let a = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let (env, own_root) = match setup_root() {
        Ok(x) => x,
        Err(e) => {
            eprintln!("stress: {e}");
            std::process::exit(2);
        }
    };
    let all: [(&str, fn(&Args, &Env) -> Verdict); 5] = [
        ("creators", creators),
        ("close-race", close_race),
        ("mutex", mutex),
        ("events", events),
        ("leaks", leaks),
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
