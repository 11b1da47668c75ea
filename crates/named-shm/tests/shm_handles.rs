//! As many handles as the system allows: the descriptor limit is raised on
//! first use, and running out is a clear error naming the limit. Each case
//! runs in a child process, which sets its own limits first.
#![cfg(target_os = "linux")]

mod common;

use common::{exit_child, role, spawn, unique_name, watchdog};
use named_shm::{code, Access, Error, SharedMemory};
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(120);

fn set_nofile(soft: u64, hard: u64) {
    let lim = libc::rlimit {
        rlim_cur: soft,
        rlim_max: hard,
    };
    // SAFETY: `lim` is a valid rlimit; lowering limits needs no privilege.
    assert_eq!(
        unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lim) },
        0,
        "setrlimit"
    );
}

fn nofile() -> (u64, u64) {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `lim` is a valid out-pointer.
    assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) }, 0);
    (lim.rlim_cur, lim.rlim_max)
}

/// The roles; `args[0]` is the object's name.
fn child(role: &str, args: &[String]) -> ! {
    let name = &args[0];
    match role {
        // Soft 256, hard 4096: the first create raises the soft limit, and
        // 3000 handles to one object fit.
        "raise" => {
            set_nofile(256, 4096);
            let first = SharedMemory::create(name, 4096).expect("create");
            if nofile() != (4096, 4096) {
                exit_child(2);
            }
            let mut more = Vec::new();
            for _ in 0..3000 {
                match SharedMemory::options().access(Access::Read).open(name) {
                    Ok(h) => more.push(h),
                    Err(_) => exit_child(3),
                }
            }
            drop((first, more));
            exit_child(0)
        }
        // The opt-out keeps the soft limit.
        "keep" => {
            set_nofile(256, 4096);
            let _h = SharedMemory::create(name, 4096).expect("create");
            exit_child(if nofile() == (256, 4096) { 0 } else { 2 })
        }
        // Limit 64 (soft = hard): handles run out with OutOfHandles(64),
        // 1450, and a message that names the limit; closing some makes room.
        "exhaust" => {
            set_nofile(64, 64);
            let first = SharedMemory::create(name, 4096).expect("create");
            let mut held = Vec::new();
            let err = loop {
                match SharedMemory::options().access(Access::Read).open(name) {
                    Ok(h) => held.push(h),
                    Err(e) => break e,
                }
                if held.len() > 1000 {
                    exit_child(2);
                }
            };
            if !matches!(err, Error::OutOfHandles { limit: Some(64), .. }) {
                eprintln!("unexpected error: {err:?}");
                exit_child(3);
            }
            let msg = err.to_string();
            if err.win32_code() != code::ERROR_NO_SYSTEM_RESOURCES
                || !msg.contains("64")
                || !msg.contains("RLIMIT_NOFILE")
            {
                eprintln!("unexpected message or code: {msg} ({})", err.win32_code());
                exit_child(4);
            }
            held.truncate(held.len() - 4);
            if SharedMemory::options().access(Access::Read).open(name).is_err() {
                exit_child(5);
            }
            drop((first, held));
            exit_child(0)
        }
        other => panic!("unknown role {other}"),
    }
}

fn run(test: &str, role: &str) -> Option<i32> {
    let name = unique_name("nofile");
    spawn(test, role, &[&name]).wait_code()
}

#[test]
fn the_first_object_raises_the_soft_descriptor_limit_to_the_hard_one() {
    const T: &str = "the_first_object_raises_the_soft_descriptor_limit_to_the_hard_one";
    if let Some((r, args)) = role() {
        std::env::remove_var("NAMED_SHM_KEEP_NOFILE");
        child(&r, &args)
    }
    if nofile().1 < 4096 {
        common::skip("the hard descriptor limit is below 4096");
        return;
    }
    watchdog(T, LIMIT, || assert_eq!(run(T, "raise"), Some(0)));
}

#[test]
fn named_shm_keep_nofile_keeps_the_soft_limit() {
    const T: &str = "named_shm_keep_nofile_keeps_the_soft_limit";
    if let Some((r, args)) = role() {
        std::env::set_var("NAMED_SHM_KEEP_NOFILE", "1");
        child(&r, &args)
    }
    if nofile().1 < 4096 {
        common::skip("the hard descriptor limit is below 4096");
        return;
    }
    watchdog(T, LIMIT, || assert_eq!(run(T, "keep"), Some(0)));
}

#[test]
fn running_out_of_descriptors_is_out_of_handles_naming_the_limit() {
    const T: &str = "running_out_of_descriptors_is_out_of_handles_naming_the_limit";
    if let Some((r, args)) = role() {
        child(&r, &args)
    }
    watchdog(T, LIMIT, || assert_eq!(run(T, "exhaust"), Some(0)));
}
