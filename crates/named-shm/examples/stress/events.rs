//! Scenario `events`: each set of an auto-reset event wakes exactly one
//! waiter, with waiters killed at random.

use crate::common::{violation, Counters, Env, Guarded, Rng, SideChannel, Verdict};
use crate::workers::{arm_self_kill, Pool, Watchdog};
use crate::Options;
use named_shm::{Event, WaitStatus};
use std::sync::atomic::AtomicU32;
use std::sync::atomic::Ordering::SeqCst;
use std::time::{Duration, Instant};

/// Scenario 4: an auto-reset event, `processes` waiters killed at random
/// (and replaced), and a producer that sets it once per round and waits for
/// one wake-up. A set must wake exactly one waiter: never more (checked on
/// every wake-up: wake-ups never exceed sets), and never none unless the
/// woken waiter was killed (a round without a wake-up within 1 s and without
/// the death of a waiter is a lost wake-up).
pub fn events(a: &Options, _env: &Env) -> Verdict {
    let total = if a.iterations == 0 { 20_000 } else { a.iterations };
    let p = a.processes;
    let name = format!("stress-event-{}", std::process::id());
    let ev = match Event::create(&name) {
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
    }
}
