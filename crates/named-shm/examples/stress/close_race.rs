//! Scenario `close-race`: opens racing the last close of one name.

use crate::common::{
    now_ns, violation, Counters, Env, Record, Rng, SideChannel, Verdict, PHASE_ACQUIRE, PHASE_CLOSE,
    PHASE_DONE, PHASE_HOLD,
};
use crate::objects::{calibrate, check_held, check_spans, expect_not_found, name_points_to, OBJ_SIZE};
use crate::workers::{arm_self_kill, classify, kill_all, spawn, try_wait, Exit, Watchdog};
use crate::Options;
use named_shm::{admin, Error, SharedMemory, ShmOptions};
use std::sync::atomic::Ordering::SeqCst;
use std::time::Duration;

/// Scenario 2: `processes` workers loop over open / open_or_create, check,
/// hold briefly and close one name, so opens race the last close all the
/// time; each operation is killed at a random moment with probability
/// `kill_rate` (the worker is replaced).
pub fn close_race(a: &Options, env: &Env) -> Verdict {
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
    }
}
