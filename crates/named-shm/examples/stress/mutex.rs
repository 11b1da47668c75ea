//! Scenario `mutex`: owners killed inside a named mutex are reported as
//! abandoned, exactly once.

use crate::common::{now_ns, violation, Counters, Env, Guarded, Rng, SideChannel, Verdict};
use crate::workers::{arm_self_kill, Pool, Watchdog};
use crate::Options;
use named_shm::{Mutex, WaitStatus};
use std::sync::atomic::AtomicU32;
use std::sync::atomic::Ordering::SeqCst;
use std::time::Duration;

/// Scenario 3: workers lock a named mutex, update a two-word counter in two
/// steps, and unlock; each operation is killed at a random moment with
/// probability `kill_rate`. Every death of an owner must be reported as
/// abandoned exactly once (bounded by the owners certainly and possibly
/// dead inside), a normal acquisition must never find the previous owner's
/// marks or a torn counter, and no lock may hang.
pub fn mutex(a: &Options, _env: &Env) -> Verdict {
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
        }
    };
    let m = match Mutex::create(&name) {
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
    }
}
