//! Scenario `leaks`: descriptors, mappings and namespace entries return to
//! their baseline after many create / open / map / close cycles.

use crate::common::{violation, Counters, Env, Verdict};
use crate::workers::Watchdog;
use crate::Options;
use named_shm::{Event, Mutex, SharedMemory, ShmOptions, WaitStatus};
use std::sync::atomic::Ordering::SeqCst;
use std::time::Duration;

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
pub fn leaks(a: &Options, env: &Env) -> Verdict {
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
        let other = SharedMemory::options()
            .access(named_shm::Access::Read)
            .open(&name)
            .map_err(|e| format!("open: {e}"))?;
        let rv = other.map(0, 0).map_err(|e| format!("map ro: {e}"))?;
        let mut b = [0u8; 8];
        rv.read_at(0, &mut b).map_err(|e| format!("read: {e}"))?;
        if u64::from_le_bytes(b) != i {
            return Err("a second handle read other bytes".into());
        }
        // An event and a mutex per cycle: their descriptors and mappings count too.
        let ev = Event::options()
            .initially_set(i % 2 == 0)
            .create(&format!("{name}-evt"))
            .map_err(|e| format!("event: {e}"))?;
        ev.set().map_err(|e| format!("set: {e}"))?;
        if ev.wait(Some(Duration::ZERO)).map_err(|e| format!("wait: {e}"))? != WaitStatus::Signaled {
            return Err("a set auto-reset event did not satisfy a wait".into());
        }
        let mx = Mutex::options()
            .initial_owner(i % 2 == 0)
            .create(&format!("{name}-mtx"))
            .map_err(|e| format!("mutex: {e}"))?;
        drop(mx.lock().map_err(|e| format!("lock: {e}"))?);
        if i % 2 == 0 {
            mx.release()
                .map_err(|e| format!("release of the initial ownership: {e}"))?;
        }
        drop((ev, mx));
        if i % 5 == 0 {
            // The view outlives both handles.
            drop(shm);
            drop(other);
            if SharedMemory::options()
                .access(named_shm::Access::Read)
                .open(&name)
                .is_ok()
            {
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
    }
}
