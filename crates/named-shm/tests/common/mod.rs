//! The harness of the integration tests, one convention for every test file.
//!
//! A test that needs other processes re-runs its own test binary in a *role*:
//! [`spawn`]`(entry, role, args)` starts the binary with only the test `entry`
//! selected, `NAMED_SHM_TEST_ROLE` set to the role and `NAMED_SHM_TEST_ARGS`
//! to the positional arguments. The entry test starts with
//! `if let Some((role, args)) = role() { … }`, plays the role and ends with
//! [`exit_child`]. A child talks to its parent with [`say`] (lines the
//! parent reads with [`Proc::expect_line`]) and [`wait_parent`] (lines the
//! parent sends with [`Proc::send`]), or through shared [`Counters`] and its
//! exit code ([`code`]). Every wait is bounded: [`Proc::wait`] kills a child
//! that outlives its timeout, [`watchdog`] aborts a test that hangs, and a
//! [`Proc`] dropped while its child runs kills it.
//!
//! - `child.rs`: roles, spawning, the child's end of the conversation.
//! - `exit.rs`: how a child ends.
//! - `names.rs`: unique object names.
//! - `ns.rs`: what the namespace directories hold.
//! - `wait.rs`: watchdogs and polling.
//! - `counters.rs`: counters in a named mapping, shared with children.
//! - this file: users and privileges, skipping.
#![allow(dead_code, unused_imports)] // every test binary uses a part

mod child;
mod counters;
mod exit;
mod names;
mod ns;
mod wait;

pub use child::{code, role, say, spawn, spawn_with, wait_parent, Proc, CHILD_LIMIT};
pub use counters::Counters;
pub use exit::exit_child;
pub use names::unique_name;
pub use ns::{leftovers, ns_entries, ns_has, soon_not_found};
pub use wait::{wait_until, watchdog};

use std::time::Duration;

/// The usual bound on one exchange with a child (a message, an exit).
pub const T: Duration = Duration::from_secs(30);

pub fn is_root() -> bool {
    cfg!(unix) && euid() == 0
}

/// The effective uid.
#[cfg(unix)]
pub fn euid() -> u32 {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() }
}

/// The effective uid: 0 on Windows, which has no uids.
#[cfg(not(unix))]
pub fn euid() -> u32 {
    0
}

/// The calling thread's id (`gettid`).
#[cfg(unix)]
pub fn thread_id() -> u32 {
    // SAFETY: gettid has no preconditions.
    unsafe { libc::gettid() as u32 }
}

/// The calling thread's id (`GetCurrentThreadId`).
#[cfg(windows)]
pub fn thread_id() -> u32 {
    #[link(name = "kernel32")]
    extern "system" {
        fn GetCurrentThreadId() -> u32;
    }
    // SAFETY: GetCurrentThreadId has no preconditions.
    unsafe { GetCurrentThreadId() }
}

/// In a child running as root: become `nobody` (uid/gid 65534) for good.
#[cfg(unix)]
pub fn become_nobody() {
    // SAFETY: plain credential syscalls in a single-purpose child process.
    unsafe {
        assert_eq!(libc::setgroups(0, std::ptr::null()), 0, "setgroups");
        assert_eq!(libc::setgid(65534), 0, "setgid");
        assert_eq!(libc::setuid(65534), 0, "setuid");
    }
}

/// Prints why a test is skipped (never silently): straight to the standard
/// error, past the test harness's capture, so the line shows in the run.
/// Tests that need root are `#[ignore = "needs root…"]` as well, which the
/// summary shows; this covers what only the run can tell (a tool, a mount).
pub fn skip(why: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "SKIPPED: {why}");
}

/// Whether this user may create in `Global\` (root, or the grant that
/// `nshm setup-global` gives); prints why a test is skipped when not.
pub fn can_create_global() -> bool {
    let probe = format!("Global\\{}", unique_name("probe"));
    match named_shm::SharedMemory::create(&probe, 4096) {
        Err(named_shm::Error::PermissionDenied { .. }) => {
            skip("creating Global\\ objects needs root or the grant (sudo nshm setup-global)");
            false
        }
        _ => true,
    }
}
