//! Scenario `failed-open`: refused opens racing a creator's close.

use crate::common::{violation, Counters, Env, Rng, SideChannel, Verdict};
use crate::objects::{expect_not_found, OBJ_SIZE};
use crate::workers::{arm_self_kill, classify, kill_all, spawn, try_wait, Exit, Watchdog};
use crate::Options;
use named_shm::{Error, SharedMemory};
use std::sync::atomic::Ordering::SeqCst;
use std::time::Duration;

/// Scenario: one creator loops open_or_create / stamp / close on a name
/// while `processes - 1` peers loop opens of the same name as an event and
/// as a mutex (always refused: WrongType, or NotFound between cycles), each
/// peer killed at a random moment with probability `kill_rate` per 1,000
/// opens (and replaced). Only the creator ever holds the object, so every
/// open_or_create must create: one that returns an existing object got a
/// dead one back (a stale recreation, counted as a violation).
pub fn failed_open(a: &Options, _env: &Env) -> Verdict {
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
    }
}
