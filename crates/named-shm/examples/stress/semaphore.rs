//! Scenario `semaphore`: N releases are taken by exactly N waits, with
//! waiters killed at random, and no count is ever stranded.

use crate::common::{violation, Counters, Env, Guarded, Rng, SideChannel, Verdict};
use crate::workers::{arm_self_kill, Pool, Watchdog};
use crate::Options;
use named_shm::{Semaphore, WaitStatus};
use std::sync::atomic::AtomicU32;
use std::sync::atomic::Ordering::SeqCst;
use std::time::{Duration, Instant};

/// A semaphore (maximum 1,000,000), `processes` waiters killed at random
/// (and replaced), and a producer that releases 1 to 3 counts per round and
/// waits until as many takes are reported. Takes never exceed releases
/// (checked on every take); a round whose counts are not all taken within
/// 1 s is a violation if a count is still there while waiters sleep (a
/// count stranded: the design wakes every sleeper, so a woken waiter that is
/// killed cannot keep a count from the others), and is put down to a killed
/// waiter only if a waiter died during the round and the count is gone.
pub fn semaphore(a: &Options, _env: &Env) -> Verdict {
    let total = if a.iterations == 0 { 20_000 } else { a.iterations };
    let p = a.processes;
    let name = format!("stress-semaphore-{}", std::process::id());
    let fail = |what: String| {
        eprintln!("VIOLATION: {what}");
        Verdict {
            scenario: "semaphore",
            iterations: 0,
            processes: p,
            kills: 0,
            violations: 1,
            leaks: 0,
            extra: String::new(),
        }
    };
    let sem = match Semaphore::create(&name, 0, 1_000_000) {
        Ok(s) => s,
        Err(e) => return fail(format!("create: {e}")),
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
    let (mut lost_to_kills, mut stranded) = (0u64, 0u64);
    let worker = |slot: &AtomicU32, mut crng: Rng| -> i32 {
        let (cc, g) = (&c[0], &g[0]);
        let s = match Semaphore::open(&name) {
            Ok(s) => s,
            Err(e) => {
                violation(cc, format_args!("open of the semaphore failed: {e}"));
                return 1;
            }
        };
        while g.stop.load(SeqCst) == 0 {
            if crng.chance(a.kill_rate) {
                arm_self_kill(crng.below(400_000));
            }
            slot.store(1, SeqCst);
            // A long wait: a count stranded by a lost wake-up would stay
            // for that long, past the producer's 1 s check.
            match s.wait(Some(Duration::from_secs(5))) {
                Ok(WaitStatus::Signaled) => {
                    let n = g.consumed.fetch_add(1, SeqCst) + 1;
                    slot.store(2, SeqCst);
                    let released = g.issued.load(SeqCst);
                    if n > released {
                        violation(cc, format_args!("{n} takes for {released} released counts"));
                        return 1;
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    violation(cc, format_args!("wait: {e}"));
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
        let k = 1 + rng.below(3);
        let before = g[0].consumed.load(SeqCst);
        let deaths = pool.killed_in[1] + pool.killed_in[2];
        g[0].issued.fetch_add(k, SeqCst);
        match sem.release(k as i32) {
            Ok(_) => {}
            Err(e) => {
                eprintln!("VIOLATION: release: {e}");
                parent_v += 1;
                break;
            }
        }
        rounds += 1;
        let t = Instant::now();
        while g[0].consumed.load(SeqCst) < before + k {
            if wd.expired() {
                parent_v += 1;
                break 'rounds;
            }
            if let Some(true) = pool.reap() {
                let crng = Rng::new(rng.next());
                pool.spawn(|s| worker(s, crng));
            }
            if t.elapsed() > Duration::from_secs(1) {
                let left = sem.count();
                if left > 0 {
                    stranded += 1;
                    eprintln!("VIOLATION: round #{rounds}: {left} count(s) left for 1 s while waiters slept");
                    // Take them back so that the next round starts clean.
                    for _ in 0..left {
                        let _ = sem.wait(Some(Duration::ZERO));
                    }
                    g[0].issued.fetch_sub(left as u64, SeqCst);
                } else if pool.killed_in[1] + pool.killed_in[2] > deaths {
                    // Taken by a waiter that died before it could report.
                    lost_to_kills += 1;
                    let missing = before + k - g[0].consumed.load(SeqCst);
                    g[0].consumed.fetch_add(missing, SeqCst);
                } else {
                    stranded += 1;
                    eprintln!("VIOLATION: round #{rounds}: counts vanished and no waiter died");
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
    // The waiters sleep up to 5 s: end them (a killed waiter takes nothing).
    pool.kill_all();
    let (released, taken) = (g[0].issued.load(SeqCst), g[0].consumed.load(SeqCst));
    // Every count is taken or still there: nothing duplicated, nothing lost.
    let left = sem.count() as u64;
    if taken + left != released && lost_to_kills == 0 {
        eprintln!("VIOLATION: {released} released, {taken} taken, {left} left");
        parent_v += 1;
    }
    drop(sem);
    let leaks = u64::from(Semaphore::open(&name).is_ok());
    Verdict {
        scenario: "semaphore",
        iterations: rounds,
        processes: p,
        kills: pool.kills,
        violations: parent_v + stranded + pool.bad + c[0].violations.load(SeqCst),
        leaks,
        extra: format!(
            "released={released} taken={taken} lost_to_killed_takers={lost_to_kills} kills_waiting={} kills_after_take={}",
            pool.killed_in[1], pool.killed_in[2]
        ),
    }
}
