//! Mappings of owned mutexes are released once the mutex is released or
//! abandoned: long loops keep this process's mapping count flat. Alone in
//! its test binary, so no other test maps or unmaps meanwhile.
#![cfg(target_os = "linux")]

mod common;

use common::{unique_name, watchdog};
use named_shm::{Mutex, WaitStatus};
use std::time::Duration;

const ITERATIONS: usize = 3_000;
/// Mappings a loop may add for good (allocator arenas, caches): a constant,
/// not one per iteration.
const ALLOWED: usize = 40;

fn mappings() -> usize {
    std::fs::read_to_string("/proc/self/maps")
        .unwrap()
        .lines()
        .count()
}

#[test]
fn owned_mutexes_closed_and_released_or_abandoned_keep_the_mapping_count_flat() {
    watchdog(
        "owned_mutexes_closed_and_released_or_abandoned_keep_the_mapping_count_flat",
        Duration::from_secs(300),
        || {
            // Warm up: thread stacks, allocator arenas, the namespace directory.
            for _ in 0..50 {
                std::thread::spawn(|| {
                    drop(
                        Mutex::options()
                            .initial_owner(true)
                            .create(&unique_name("leak"))
                            .unwrap(),
                    )
                })
                .join()
                .unwrap();
            }
            let before = mappings();
            // CreateMutex(owned) + CloseHandle on a thread that then exits:
            // the exit abandons the mutex, which must unmap its page.
            for _ in 0..ITERATIONS {
                std::thread::spawn(|| {
                    let m = Mutex::options()
                        .initial_owner(true)
                        .create(&unique_name("leak"))
                        .unwrap();
                    assert!(m.created());
                    drop(m);
                })
                .join()
                .unwrap();
            }
            let after_exit = mappings();
            assert!(
                after_exit <= before + ALLOWED,
                "thread exit: {before} mappings before, {after_exit} after {ITERATIONS} iterations"
            );
            // Owned, handle closed, released through another handle, on one
            // thread; then the same with the only handle closed after release.
            let name = unique_name("leak");
            let keep = Mutex::create(&name).unwrap();
            for i in 0..ITERATIONS {
                let h = Mutex::open(&name).unwrap();
                assert_eq!(h.acquire(None).unwrap(), WaitStatus::Signaled);
                drop(h);
                keep.release().unwrap();
                let own = Mutex::options()
                    .initial_owner(true)
                    .create(&unique_name(&format!("leak{i}")))
                    .unwrap();
                own.release().unwrap();
                drop(own);
            }
            let after_release = mappings();
            assert!(
                after_release <= before + ALLOWED,
                "release: {before} mappings before, {after_release} after {ITERATIONS} iterations"
            );
            // The loop of the report: CreateMutex(name, owned) + CloseHandle on
            // one thread that never releases. Each close is the last handle,
            // so the object (and its mapping) ends, owned or not.
            let name = unique_name("leak-same");
            for _ in 0..ITERATIONS {
                let m = Mutex::options().initial_owner(true).create(&name).unwrap();
                assert!(m.created(), "the previous object died with its handle");
                drop(m);
            }
            let after_close = mappings();
            assert!(
                after_close <= before + ALLOWED,
                "owned and closed: {before} mappings before, {after_close} after {ITERATIONS} iterations"
            );
        },
    )
}
