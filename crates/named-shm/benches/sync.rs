//! Events and mutexes against their raw floors, side by side in one run:
//!
//! - round trip between two processes: named auto-reset [`Event`] ping-pong,
//!   raw process-shared futex ping-pong, pipe ping-pong;
//! - uncontended lock/unlock: named [`Mutex`] (guard, and raw
//!   acquire/release) against a raw robust, process-shared pthread mutex.
//!
//! `cargo bench --bench sync` runs the full size (median and spread over
//! repeated runs, interleaved so the noisy machine hits all contenders alike);
//! `cargo bench --bench sync -- --test` (or `--quick`, or `cargo test
//! --benches`) runs each once, small, in a second or two, so CI keeps it
//! compiling and working.
//!
//! The parent is pinned to CPU 0 and the child to CPU 1 when there are two.

use named_shm::{Event, Mutex, SharedMemory, WaitStatus};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Instant;

const ROLE: &str = "NSHM_BENCH_ROLE";

struct Size {
    runs: usize,
    round_trips: u64,
    lock_iters: u64,
}

pub fn main() {
    if let Ok(role) = std::env::var(ROLE) {
        child(&role);
        return;
    }
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing:
    // only a real `cargo bench` without `--test`/`--quick` runs the full size.
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--test" || a == "--quick") || !args.iter().any(|a| a == "--bench");
    let size = if quick {
        Size {
            runs: 1,
            round_trips: 300,
            lock_iters: 20_000,
        }
    } else {
        Size {
            runs: 11,
            round_trips: 20_000,
            lock_iters: 2_000_000,
        }
    };
    let two_cpus = std::thread::available_parallelism().map_or(1, |n| n.get()) >= 2;
    if two_cpus {
        pin(0);
    }

    let mut ev = Vec::new();
    let mut fx = Vec::new();
    let mut pp = Vec::new();
    let mut ev_ratio = Vec::new();
    for _ in 0..size.runs {
        let e = ping_pong("event", size.round_trips);
        let f = ping_pong("futex", size.round_trips);
        let p = ping_pong("pipe", size.round_trips);
        ev_ratio.push(e / f);
        ev.push(e);
        fx.push(f);
        pp.push(p);
    }
    let mut mx_guard = Vec::new();
    let mut mx_raw = Vec::new();
    let mut pt = Vec::new();
    let mut pt_rec = Vec::new();
    let mut mx_ratio = Vec::new();
    for _ in 0..size.runs {
        let g = named_mutex(size.lock_iters, true);
        let r = named_mutex(size.lock_iters, false);
        let p = raw_pthread(size.lock_iters, false);
        let pr = raw_pthread(size.lock_iters, true);
        mx_ratio.push(g / p);
        mx_guard.push(g);
        mx_raw.push(r);
        pt.push(p);
        pt_rec.push(pr);
    }

    println!(
        "named-shm sync benchmarks: {} run(s); {} round trips, {} lock/unlock pairs per run; pinned: {}",
        size.runs, size.round_trips, size.lock_iters, two_cpus
    );
    println!("{:<52} {:>10} {:>22}", "what", "median", "spread (min..max)");
    row(
        "event ping-pong round trip (named auto-reset events)",
        &ev,
        "µs",
        1e6,
    );
    row("raw futex ping-pong round trip (shared futex)", &fx, "µs", 1e6);
    row("pipe ping-pong round trip", &pp, "µs", 1e6);
    row("Mutex lock()+drop(guard), uncontended", &mx_guard, "ns", 1e9);
    row("Mutex acquire()+release(), uncontended", &mx_raw, "ns", 1e9);
    row("raw robust pshared pthread mutex lock+unlock", &pt, "ns", 1e9);
    row("raw robust pshared recursive pthread mutex", &pt_rec, "ns", 1e9);
    if cfg!(debug_assertions) {
        println!("(unoptimised build: the ratios below mean nothing; use `cargo bench`)");
    }
    println!(
        "ratio event/futex RTT: median of per-run ratios {:.3} (target <= 1.15); of medians {:.3}",
        median(&ev_ratio),
        median(&ev) / median(&fx)
    );
    println!(
        "ratio Mutex/raw robust pthread lock+unlock: median of per-run ratios {:.3} (target <= 1.5); of medians {:.3}",
        median(&mx_ratio),
        median(&mx_guard) / median(&pt)
    );
}

fn row(what: &str, xs: &[f64], unit: &str, scale: f64) {
    let (lo, hi) = xs
        .iter()
        .fold((f64::MAX, f64::MIN), |(lo, hi), x| (lo.min(*x), hi.max(*x)));
    println!(
        "{what:<52} {:>7.3} {unit} {:>9.3}..{:<9.3} {unit}",
        median(xs) * scale,
        lo * scale,
        hi * scale
    );
}

fn median(xs: &[f64]) -> f64 {
    let mut v = xs.to_vec();
    v.sort_by(|a, b| a.partial_cmp(b).expect("no NaN"));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn pin(cpu: usize) {
    // SAFETY: cpu_set_t is plain data; CPU_SET writes inside it;
    // sched_setaffinity reads it. Failure (e.g. a restricted cpuset) only
    // leaves the process unpinned.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut set);
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set);
    }
}

fn unique(tag: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "bench-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

// ---------------------------------------------------------------------------
// Round trips. Each run spawns a fresh child, warms up, then times `n` round
// trips; returns seconds per round trip.

const WARMUP: u64 = 200;

fn spawn(role: &str, env: &[(&str, String)]) -> std::process::Child {
    let mut cmd = Command::new(std::env::current_exe().expect("current_exe"));
    cmd.env(ROLE, role).stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.spawn().expect("spawn child")
}

fn ping_pong(kind: &str, n: u64) -> f64 {
    let total = n + WARMUP;
    match kind {
        "event" => {
            let (a, b) = (unique("ping"), unique("pong"));
            let ping = Event::create(&a, false, false).unwrap();
            let pong = Event::create(&b, false, false).unwrap();
            let mut kid = spawn("event", &[("PING", a), ("PONG", b), ("N", total.to_string())]);
            let mut start = Instant::now();
            for i in 0..total {
                if i == WARMUP {
                    start = Instant::now();
                }
                ping.set().unwrap();
                assert_eq!(pong.wait(None).unwrap(), WaitStatus::Signaled);
            }
            let t = start.elapsed();
            assert!(kid.wait().unwrap().success());
            t.as_secs_f64() / n as f64
        }
        "futex" => {
            let name = unique("futex");
            let shm = SharedMemory::create(&name, 4096).unwrap();
            let view = shm.map(0, 0).unwrap();
            let word = view.atomic_u32(0).unwrap();
            let mut kid = spawn("futex", &[("SHM", name), ("N", total.to_string())]);
            let mut start = Instant::now();
            for i in 0..total {
                if i == WARMUP {
                    start = Instant::now();
                }
                // 0: parent's turn to ping; 1: child's turn to pong.
                word.store(1, Ordering::SeqCst);
                futex_wake(word);
                while word.load(Ordering::SeqCst) == 1 {
                    futex_wait(word, 1);
                }
            }
            let t = start.elapsed();
            assert!(kid.wait().unwrap().success());
            t.as_secs_f64() / n as f64
        }
        _ => {
            let (p2c, c2p) = (pipe(), pipe());
            let mut kid = spawn(
                "pipe",
                &[
                    ("RD", p2c.0.to_string()),
                    ("WR", c2p.1.to_string()),
                    ("N", total.to_string()),
                ],
            );
            let mut start = Instant::now();
            let mut b = [0u8; 1];
            for i in 0..total {
                if i == WARMUP {
                    start = Instant::now();
                }
                write1(p2c.1, &b);
                read1(c2p.0, &mut b);
            }
            let t = start.elapsed();
            assert!(kid.wait().unwrap().success());
            for fd in [p2c.0, p2c.1, c2p.0, c2p.1] {
                // SAFETY: closing pipe ends we created and no longer use.
                unsafe { libc::close(fd) };
            }
            t.as_secs_f64() / n as f64
        }
    }
}

fn child(role: &str) {
    if std::thread::available_parallelism().map_or(1, |n| n.get()) >= 2 {
        pin(1);
    }
    let var = |k: &str| std::env::var(k).unwrap();
    let n: u64 = var("N").parse().unwrap();
    match role {
        "event" => {
            let ping = Event::open(&var("PING")).unwrap();
            let pong = Event::open(&var("PONG")).unwrap();
            for _ in 0..n {
                assert_eq!(ping.wait(None).unwrap(), WaitStatus::Signaled);
                pong.set().unwrap();
            }
        }
        "futex" => {
            let shm = SharedMemory::open(&var("SHM"), named_shm::Access::ReadWrite).unwrap();
            let view = shm.map(0, 0).unwrap();
            let word = view.atomic_u32(0).unwrap();
            for _ in 0..n {
                while word.load(Ordering::SeqCst) == 0 {
                    futex_wait(word, 0);
                }
                word.store(0, Ordering::SeqCst);
                futex_wake(word);
            }
        }
        _ => {
            let (rd, wr): (i32, i32) = (var("RD").parse().unwrap(), var("WR").parse().unwrap());
            let mut b = [0u8; 1];
            for _ in 0..n {
                read1(rd, &mut b);
                write1(wr, &b);
            }
        }
    }
}

fn futex_wait(word: &AtomicU32, val: u32) {
    // SAFETY: a shared (no FUTEX_PRIVATE_FLAG) FUTEX_WAIT on a live, aligned
    // u32 in a MAP_SHARED mapping, without timeout.
    unsafe {
        libc::syscall(
            libc::SYS_futex,
            word.as_ptr(),
            libc::FUTEX_WAIT,
            val,
            std::ptr::null::<libc::timespec>(),
        )
    };
}

fn futex_wake(word: &AtomicU32) {
    // SAFETY: a shared FUTEX_WAKE of one waiter on a live, aligned u32.
    unsafe { libc::syscall(libc::SYS_futex, word.as_ptr(), libc::FUTEX_WAKE, 1) };
}

fn pipe() -> (i32, i32) {
    let mut fds = [0; 2];
    // SAFETY: fds is a valid out-array of two ints. Not CLOEXEC: the child inherits them.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    (fds[0], fds[1])
}

fn write1(fd: i32, b: &[u8; 1]) {
    // SAFETY: one byte from a valid buffer to an open pipe.
    assert_eq!(unsafe { libc::write(fd, b.as_ptr().cast(), 1) }, 1);
}

fn read1(fd: i32, b: &mut [u8; 1]) {
    // SAFETY: one byte into a valid buffer from an open pipe.
    assert_eq!(unsafe { libc::read(fd, b.as_mut_ptr().cast(), 1) }, 1);
}

// ---------------------------------------------------------------------------
// Uncontended lock/unlock; seconds per pair.

fn named_mutex(n: u64, guard: bool) -> f64 {
    let m = Mutex::create(&unique("mx"), false).unwrap();
    let start = Instant::now();
    if guard {
        for _ in 0..n {
            drop(std::hint::black_box(m.lock().unwrap()));
        }
    } else {
        for _ in 0..n {
            std::hint::black_box(m.acquire(None).unwrap());
            m.release().unwrap();
        }
    }
    start.elapsed().as_secs_f64() / n as f64
}

fn raw_pthread(n: u64, recursive: bool) -> f64 {
    // SAFETY: an anonymous shared mapping of one page, initialised as a
    // robust process-shared mutex before use and unmapped after.
    unsafe {
        let p = libc::mmap(
            std::ptr::null_mut(),
            4096,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_SHARED | libc::MAP_ANONYMOUS,
            -1,
            0,
        );
        assert_ne!(p, libc::MAP_FAILED);
        let m = p.cast::<libc::pthread_mutex_t>();
        let mut attr: libc::pthread_mutexattr_t = std::mem::zeroed();
        libc::pthread_mutexattr_init(&mut attr);
        libc::pthread_mutexattr_setpshared(&mut attr, libc::PTHREAD_PROCESS_SHARED);
        libc::pthread_mutexattr_setrobust(&mut attr, libc::PTHREAD_MUTEX_ROBUST);
        if recursive {
            libc::pthread_mutexattr_settype(&mut attr, libc::PTHREAD_MUTEX_RECURSIVE);
        }
        assert_eq!(libc::pthread_mutex_init(m, &attr), 0);
        let start = Instant::now();
        for _ in 0..n {
            assert_eq!(libc::pthread_mutex_lock(std::hint::black_box(m)), 0);
            assert_eq!(libc::pthread_mutex_unlock(m), 0);
        }
        let t = start.elapsed();
        libc::pthread_mutex_destroy(m);
        libc::munmap(p, 4096);
        t.as_secs_f64() / n as f64
    }
}
