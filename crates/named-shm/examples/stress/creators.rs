//! Scenario `creators`: racing creators killed at random, then one reap.

use crate::common::{
    now_ns, violation, Counters, Env, Record, Rng, SideChannel, Verdict, PHASE_ACQUIRE, PHASE_CLOSE,
    PHASE_DONE, PHASE_HOLD,
};
use crate::objects::{calibrate, check_held, check_spans, expect_not_found, OBJ_SIZE};
use crate::workers::{arm_self_kill, classify, kill_all, spawn, try_wait, Exit, Watchdog};
use crate::Options;
use named_shm::{admin, SharedMemory};
use std::sync::atomic::Ordering::SeqCst;
use std::time::Duration;

/// Scenario 1: each generation, `processes` children race `open_or_create`
/// on one fresh name; each is killed at a random moment with probability
/// `kill_rate`. After all are gone, one `admin::reap` must leave nothing.
pub fn creators(a: &Options, env: &Env) -> Verdict {
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
    }
}
