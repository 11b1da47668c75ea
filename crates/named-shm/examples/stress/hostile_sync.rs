//! Scenario `hostile-sync`: waits and locks on events and a mutex whose
//! shared words the parent scribbles over never crash, fail or overstay.

use crate::common::{
    violation, Counters, Env, Guarded, Rng, SideChannel, Verdict, PHASE_ACQUIRE, PHASE_CLOSE, PHASE_HOLD,
};
use crate::workers::{arm_self_kill, Pool, Watchdog};
use crate::Options;
use named_shm::{Error, Event, Mutex, WaitStatus};
use std::os::unix::fs::FileExt;
use std::sync::atomic::AtomicU32;
use std::sync::atomic::Ordering::SeqCst;
use std::time::{Duration, Instant};

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
pub fn hostile_sync(a: &Options, env: &Env) -> Verdict {
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
        }
    };
    let (mx, evm, eva) = match (
        Mutex::create(&names[0]),
        Event::options().manual_reset(true).create(&names[1]),
        Event::create(&names[2]),
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
    }
}
