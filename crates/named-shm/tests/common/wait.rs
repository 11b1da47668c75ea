//! Bounded waiting: a watchdog over a whole test body, and polling.

use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Runs `f`, aborting the whole process (and so failing the test, and any
/// test sharing the process) if it takes longer than `limit`. A hang guard,
/// not a timing assertion: limits are generous.
pub fn watchdog<T>(what: &str, limit: Duration, f: impl FnOnce() -> T) -> T {
    let (tx, rx) = mpsc::channel::<()>();
    let what = what.to_owned();
    let dog = std::thread::spawn(move || {
        if let Err(mpsc::RecvTimeoutError::Timeout) = rx.recv_timeout(limit) {
            eprintln!("watchdog: `{what}` still running after {limit:?}; aborting");
            std::process::abort();
        }
    });
    let r = f();
    drop(tx);
    let _ = dog.join();
    r
}

/// Waits (polling) until `cond` holds; a [`watchdog`] bounds it.
pub fn wait_until(mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        std::thread::sleep(if start.elapsed() < Duration::from_millis(50) {
            Duration::from_micros(200)
        } else {
            Duration::from_millis(2)
        });
    }
}
