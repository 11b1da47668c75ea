//! Rows (5) and (6): waking another process, and locking, through named-shm
//! events, semaphores and mutexes beside a raw futex, a spin, a pipe pair and
//! a process-shared robust `pthread_mutex_t`.
//!
//! Two-process cases fork a fresh child for every round (outside the timed
//! part), pinned to the CPU after the parent's, so that the cases of a row can
//! be interleaved without an idle partner spinning on the second CPU.

#![deny(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]

use anyhow::{bail, Result};
use clap::Parser;
use named_shm::{Event, Mutex, Semaphore, WaitStatus};
use named_shm_bench::proc::{self, Child};
use named_shm_bench::raw::{self, futex_wait, futex_wake, Map};
use named_shm_bench::{unique, Case, Common, Group, Record, Sink};
use std::hint::spin_loop;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// Rows (5) and (6) of the project benchmark.
#[derive(Parser, Debug)]
#[command(name = "bench-sync", version)]
struct Cli {
    #[command(flatten)]
    common: Common,
    /// Round trips per round for row (5).
    #[arg(long, default_value_t = 2000)]
    round_trips: u64,
    /// Lock/unlock pairs per round for row (6).
    #[arg(long, default_value_t = 200_000)]
    locks: u64,
    /// How long a spinning waiter polls before it blocks, in microseconds.
    #[arg(long, default_value_t = 50)]
    spin_us: u64,
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    let c = &cli.common;
    proc::pin(c.cpu_for(0));
    let mut sink = Sink::new(c)?;
    row5(
        c,
        &mut sink,
        c.iters(cli.round_trips, 20),
        Duration::from_micros(cli.spin_us),
    )?;
    row6(c, &mut sink, c.iters(cli.locks, 100))?;
    Ok(())
}

// Offsets of the words in the shared page, a cache line apart.
const A: usize = 0;
const B: usize = 64;
const DONE: usize = 128;
const GO: usize = 192;
const COUNT: usize = 256;
const PMUTEX: usize = 512;

/// Waits (blocking) until `w == want`.
fn futex_until(w: &AtomicU32, want: u32) {
    loop {
        let v = w.load(Ordering::Acquire);
        if v == want {
            return;
        }
        futex_wait(w, v);
    }
}

/// Spins until `w == want`; past `budget` it yields the CPU between
/// looks, so a peer that lost its CPU to another process (the machine is
/// shared) gets it back instead of waiting out our time slice.
fn spin_until(w: &AtomicU32, want: u32, budget: Duration) {
    let t = Instant::now();
    let mut k = 0u32;
    while w.load(Ordering::Acquire) != want {
        spin_loop();
        k = k.wrapping_add(1);
        if k % 64 == 0 && t.elapsed() > budget {
            std::thread::yield_now();
        }
    }
}

/// Runs one two-process round: `child` does `n` steps after `ready()`,
/// `parent` does `n` steps and is timed.
fn two_procs(
    c: &Common,
    n: u64,
    child: impl FnOnce(u64, &dyn Fn()) -> Result<()>,
    parent: impl FnOnce(u64) -> Result<()>,
) -> Result<Duration> {
    let kid = Child::spawn(c.cpu_for(1), |ready| match child(n, ready) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("child: {e:#}");
            1
        }
    })?;
    kid.ready()?;
    let t = Instant::now();
    let r = parent(n);
    let d = t.elapsed();
    let joined = kid.join();
    r?;
    joined?;
    Ok(d)
}

/// A waiter that polls the event for up to `spin`, then blocks (the same
/// budget as the raw spin's).
fn spin_then_wait(ev: &Event, spin: Duration) -> Result<()> {
    let t = Instant::now();
    let mut k = 0u32;
    while !ev.is_set() {
        spin_loop();
        k = k.wrapping_add(1);
        if k % 64 == 0 && t.elapsed() > spin {
            break;
        }
    }
    ev.wait(None)?; // takes it without a syscall when it is already set
    Ok(())
}

fn row5(c: &Common, sink: &mut Sink, n: u64, spin: Duration) -> Result<()> {
    if !c.wants_row("5") {
        return Ok(());
    }
    let page = Map::shared_anon(4096)?;
    let reset = |p: &Map| {
        for off in [A, B, DONE, GO] {
            p.word(off).store(0, Ordering::Relaxed);
        }
    };
    let ping = unique("r5-ping");
    let pong = unique("r5-pong");
    let ev_ping = Event::create(&ping)?;
    let ev_pong = Event::create(&pong)?;
    // Two semaphores (count 0, maximum 1): each side releases the other's
    // and waits on its own, so the counts strictly alternate.
    let sem_ping = unique("r5-sem-ping");
    let sem_pong = unique("r5-sem-pong");
    let s_ping = Semaphore::create(&sem_ping, 0, 1)?;
    let s_pong = Semaphore::create(&sem_pong, 0, 1)?;

    for spinning in [false, true] {
        let label = if spinning {
            "ping-pong round trip, 2 processes, spin first"
        } else {
            "ping-pong round trip, 2 processes, blocking"
        };
        let mut g = Group::new(if spinning { "5-spin" } else { "5" }, label, "ns/rtt", n);
        let p = &page;
        if spinning {
            g.add(
                c,
                Case::new("raw spin (atomics, yield after the budget)", |n| {
                    reset(p);
                    two_procs(
                        c,
                        n,
                        |n, ready| {
                            ready();
                            for i in 1..=n as u32 {
                                spin_until(p.word(A), i, spin);
                                p.word(B).store(i, Ordering::Release);
                            }
                            Ok(())
                        },
                        |n| {
                            for i in 1..=n as u32 {
                                p.word(A).store(i, Ordering::Release);
                                spin_until(p.word(B), i, spin);
                            }
                            Ok(())
                        },
                    )
                }),
            );
        } else {
            g.add(
                c,
                Case::new("raw futex", |n| {
                    reset(p);
                    two_procs(
                        c,
                        n,
                        |n, ready| {
                            ready();
                            for i in 1..=n as u32 {
                                futex_until(p.word(A), i);
                                p.word(B).store(i, Ordering::Release);
                                futex_wake(p.word(B), 1);
                            }
                            Ok(())
                        },
                        |n| {
                            for i in 1..=n as u32 {
                                p.word(A).store(i, Ordering::Release);
                                futex_wake(p.word(A), 1);
                                futex_until(p.word(B), i);
                            }
                            Ok(())
                        },
                    )
                }),
            );
            g.add(
                c,
                Case::new("pipe pair", |n| {
                    let (c_r, p_w) = proc::pipe()?;
                    let (p_r, c_w) = proc::pipe()?;
                    let d = two_procs(
                        c,
                        n,
                        |n, ready| {
                            ready();
                            for _ in 0..n {
                                if proc::get_byte(c_r)?.is_none() {
                                    bail!("pipe closed");
                                }
                                proc::put_byte(c_w, 1)?;
                            }
                            Ok(())
                        },
                        |n| {
                            for _ in 0..n {
                                proc::put_byte(p_w, 1)?;
                                if proc::get_byte(p_r)?.is_none() {
                                    bail!("pipe closed");
                                }
                            }
                            Ok(())
                        },
                    );
                    for fd in [c_r, p_w, p_r, c_w] {
                        raw::close(fd);
                    }
                    d
                }),
            );
        }
        let (ping, pong, ev_ping, ev_pong) = (&ping, &pong, &ev_ping, &ev_pong);
        // How each side waits for the other's set.
        type Waiter = fn(&Event, Duration) -> Result<()>;
        let waiters: &[(&str, Waiter)] = if spinning {
            &[
                ("named-shm Event::wait_spin (auto-reset)", |e, spin| {
                    e.wait_spin(spin, None)?;
                    Ok(())
                }),
                (
                    "named-shm Event (caller spins on is_set, then wait)",
                    spin_then_wait,
                ),
            ]
        } else {
            &[("named-shm Event (auto-reset)", |e, _| {
                e.wait(None)?;
                Ok(())
            })]
        };
        for &(label, wait) in waiters {
            g.add(
                c,
                Case::new(label, move |n| {
                    two_procs(
                        c,
                        n,
                        |n, ready| {
                            let a = Event::open(ping)?;
                            let b = Event::open(pong)?;
                            ready();
                            for _ in 0..n {
                                wait(&a, spin)?;
                                b.set()?;
                            }
                            Ok(())
                        },
                        |n| {
                            for _ in 0..n {
                                ev_ping.set()?;
                                wait(ev_pong, spin)?;
                            }
                            Ok(())
                        },
                    )
                }),
            );
        }
        if !spinning {
            let (sem_ping, sem_pong, s_ping, s_pong) = (&sem_ping, &sem_pong, &s_ping, &s_pong);
            g.add(
                c,
                Case::new(SEMAPHORE, move |n| {
                    two_procs(
                        c,
                        n,
                        |n, ready| {
                            let a = Semaphore::open(sem_ping)?;
                            let b = Semaphore::open(sem_pong)?;
                            ready();
                            for _ in 0..n {
                                sem_take(&a)?;
                                b.release(1)?;
                            }
                            Ok(())
                        },
                        |n| {
                            for _ in 0..n {
                                s_ping.release(1)?;
                                sem_take(s_pong)?;
                            }
                            Ok(())
                        },
                    )
                }),
            );
        }
        let recs = g.run(c, sink)?;
        if !spinning {
            print_ratio(&recs, "named-shm Event (auto-reset)", "raw futex", 1.1);
            print_ratio(&recs, SEMAPHORE, "raw futex", 1.1);
        }
    }
    Ok(())
}

/// The semaphore case of row (5).
const SEMAPHORE: &str = "named-shm Semaphore (release / wait)";

/// Takes one count of `s`, waiting without a timeout.
fn sem_take(s: &Semaphore) -> Result<()> {
    match s.wait(None)? {
        WaitStatus::Signaled => Ok(()),
        other => bail!("semaphore wait without a timeout returned {other:?}"),
    }
}

/// Prints `imp ÷ floor` of one group's records beside its goal.
fn print_ratio(recs: &[Record], imp: &str, floor: &str, goal: f64) {
    let median = |i: &str| recs.iter().find(|r| r.imp == i).map(|r| r.median);
    if let (Some(a), Some(b)) = (median(imp), median(floor)) {
        let x = a / b;
        eprintln!(
            "  ratio {imp} ÷ {floor}: {x:.2}× (goal ≤ {goal}×: {})",
            if x <= goal { "met" } else { "not met" }
        );
    }
}

/// A process-shared robust `pthread_mutex_t` at `PMUTEX` in a shared page.
fn init_pthread_mutex(page: &Map, recursive: bool) -> Result<*mut libc::pthread_mutex_t> {
    let m = page.ptr().wrapping_add(PMUTEX).cast::<libc::pthread_mutex_t>();
    let mut attr = std::mem::MaybeUninit::<libc::pthread_mutexattr_t>::uninit();
    let check = |r: libc::c_int, what: &str| {
        if r == 0 {
            Ok(())
        } else {
            Err(anyhow::anyhow!(
                "{what}: {}",
                std::io::Error::from_raw_os_error(r)
            ))
        }
    };
    // SAFETY: attr is initialised first and destroyed last; m points at
    // suitably aligned, writable shared memory owned by this benchmark.
    unsafe {
        check(libc::pthread_mutexattr_init(attr.as_mut_ptr()), "mutexattr_init")?;
        check(
            libc::pthread_mutexattr_setpshared(attr.as_mut_ptr(), libc::PTHREAD_PROCESS_SHARED),
            "setpshared",
        )?;
        check(
            libc::pthread_mutexattr_setrobust(attr.as_mut_ptr(), libc::PTHREAD_MUTEX_ROBUST),
            "setrobust",
        )?;
        if recursive {
            check(
                libc::pthread_mutexattr_settype(attr.as_mut_ptr(), libc::PTHREAD_MUTEX_RECURSIVE),
                "settype",
            )?;
        }
        check(libc::pthread_mutex_init(m, attr.as_ptr()), "mutex_init")?;
        libc::pthread_mutexattr_destroy(attr.as_mut_ptr());
    }
    Ok(m)
}

/// One lock + increment + unlock of the pthread mutex.
fn pthread_step(m: *mut libc::pthread_mutex_t, count: *mut u64) -> Result<()> {
    // SAFETY: m is an initialised robust pshared mutex in a live shared
    // mapping; count is in the same mapping and only touched under the lock.
    unsafe {
        let r = libc::pthread_mutex_lock(m);
        if r != 0 {
            bail!("pthread_mutex_lock: {r}");
        }
        count.write_volatile(count.read_volatile() + 1);
        libc::pthread_mutex_unlock(m);
    }
    Ok(())
}

fn row6(c: &Common, sink: &mut Sink, n: u64) -> Result<()> {
    if !c.wants_row("6") {
        return Ok(());
    }
    let page = Map::shared_anon(4096)?;
    let pm = init_pthread_mutex(&page, false)?;
    let page_rec = Map::shared_anon(4096)?;
    let pm_rec = init_pthread_mutex(&page_rec, true)?;
    let count = page.ptr().wrapping_add(COUNT).cast::<u64>();
    let mname = unique("r6-mutex");
    let nm = Mutex::create(&mname)?;

    let mut g = Group::new("6", "lock+unlock, uncontended", "ns/pair", n);
    g.add(
        c,
        Case::new("robust pthread_mutex", |n| {
            let t = Instant::now();
            for _ in 0..n {
                pthread_step(pm, count)?;
            }
            Ok(t.elapsed())
        }),
    );
    g.add(
        c,
        Case::new("robust recursive pthread_mutex", |n| {
            let t = Instant::now();
            for _ in 0..n {
                pthread_step(pm_rec, count)?;
            }
            Ok(t.elapsed())
        }),
    );
    g.add(
        c,
        Case::new("named-shm Mutex", |n| {
            let t = Instant::now();
            for _ in 0..n {
                let guard = nm.lock()?;
                // SAFETY: count is in our shared page, touched only under a lock.
                unsafe { count.write_volatile(count.read_volatile() + 1) };
                drop(guard);
            }
            Ok(t.elapsed())
        }),
    );
    g.add(
        c,
        Case::new("named-shm Mutex acquire()+release()", |n| {
            let t = Instant::now();
            for _ in 0..n {
                nm.acquire(None)?;
                // SAFETY: count is in our shared page, touched only under a lock.
                unsafe { count.write_volatile(count.read_volatile() + 1) };
                nm.release()?;
            }
            Ok(t.elapsed())
        }),
    );
    g.run(c, sink)?;

    // Contended: two processes, each doing n/2 lock+increment+unlock; the
    // figure is wall time per pair, and the count must come out exact.
    let half = (n / 2).max(1);
    let errors = std::cell::Cell::new(0u64);
    let contended = |c: &Common,
                     step: &dyn Fn() -> Result<()>,
                     child_setup: &dyn Fn() -> Result<Box<dyn Fn() -> Result<()>>>|
     -> Result<Duration> {
        // SAFETY: count is in our shared page; no other process runs now.
        unsafe { count.write(0) };
        page.word(GO).store(0, Ordering::Relaxed);
        page.word(DONE).store(0, Ordering::Relaxed);
        let kid = Child::spawn(c.cpu_for(1), |ready| {
            let run = || -> Result<()> {
                let step = child_setup()?;
                ready();
                spin_until(page.word(GO), 1, Duration::from_micros(50));
                for _ in 0..half {
                    step()?;
                }
                page.word(DONE).store(1, Ordering::Release);
                futex_wake(page.word(DONE), 1);
                Ok(())
            };
            match run() {
                Ok(()) => 0,
                Err(e) => {
                    eprintln!("child: {e:#}");
                    1
                }
            }
        })?;
        kid.ready()?;
        let t = Instant::now();
        page.word(GO).store(1, Ordering::Release);
        let mut r = Ok(());
        for _ in 0..half {
            if let Err(e) = step() {
                r = Err(e);
                break;
            }
        }
        futex_until(page.word(DONE), 1);
        let d = t.elapsed();
        kid.join()?;
        r?;
        // SAFETY: the child has exited; nobody else touches count.
        let got = unsafe { count.read() };
        if got != 2 * half {
            errors.set(errors.get() + (2 * half).abs_diff(got));
        }
        Ok(d)
    };
    let mut g = Group::new(
        "6-contended",
        "lock+unlock, 2 processes contending",
        "ns/pair",
        2 * half,
    );
    g.add(
        c,
        Case::new("robust pthread_mutex", |_| {
            contended(c, &|| pthread_step(pm, count), &|| {
                Ok(Box::new(move || pthread_step(pm, count)))
            })
        }),
    );
    g.add(
        c,
        Case::new("named-shm Mutex", |_| {
            let step = || -> Result<()> {
                let guard = nm.lock()?;
                // SAFETY: count is in our shared page, touched only under the lock.
                unsafe { count.write_volatile(count.read_volatile() + 1) };
                drop(guard);
                Ok(())
            };
            contended(c, &step, &|| {
                let m = Mutex::open(&mname)?;
                Ok(Box::new(move || {
                    let guard = m.lock()?;
                    // SAFETY: as above.
                    unsafe { count.write_volatile(count.read_volatile() + 1) };
                    drop(guard);
                    Ok(())
                }))
            })
        }),
    );
    let recs = g.run(c, sink)?;
    if errors.get() > 0 {
        bail!(
            "mutual exclusion failed: {} lost increments ({} records)",
            errors.get(),
            recs.len()
        );
    }
    Ok(())
}
