//! Forked workers and how they die: the self-armed `SIGKILL` timer, fork
//! with `PR_SET_PDEATHSIG`, reaping and classifying exits, the watchdog, and
//! the worker pool of the sync scenarios.

use crate::common::SideChannel;
use std::io::Write as _;
use std::sync::atomic::AtomicU32;
use std::sync::atomic::Ordering::SeqCst;
use std::time::{Duration, Instant};

/// Arms a POSIX timer that sends `SIGKILL` to this process after `delay_ns`:
/// an unannounced `kill -9` at an arbitrary instruction.
pub fn arm_self_kill(delay_ns: u64) {
    // SAFETY: sigevent is plain old data; all-zero is valid.
    let mut sev: libc::sigevent = unsafe { std::mem::zeroed() };
    sev.sigev_notify = libc::SIGEV_SIGNAL;
    sev.sigev_signo = libc::SIGKILL;
    let mut timer: libc::timer_t = std::ptr::null_mut();
    // SAFETY: sev and timer are valid pointers for the call.
    if unsafe { libc::timer_create(libc::CLOCK_MONOTONIC, &mut sev, &mut timer) } != 0 {
        // SAFETY: plain kill of ourselves; the fallback when timers are unavailable.
        unsafe { libc::kill(libc::getpid(), libc::SIGKILL) };
    }
    let delay = delay_ns.max(1);
    let its = libc::itimerspec {
        it_interval: libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        },
        it_value: libc::timespec {
            tv_sec: (delay / 1_000_000_000) as libc::time_t,
            tv_nsec: (delay % 1_000_000_000) as libc::c_long,
        },
    };
    // SAFETY: timer was created above; its is a valid itimerspec.
    unsafe { libc::timer_settime(timer, 0, &its, std::ptr::null_mut()) };
}

/// Forks a child that runs `f` and exits with its code; the child dies with
/// the parent (`PR_SET_PDEATHSIG`) so a dead parent never leaves workers.
pub fn spawn(f: impl FnOnce() -> i32) -> libc::pid_t {
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    // SAFETY: getpid has no preconditions.
    let parent = unsafe { libc::getpid() };
    // SAFETY: the stress program is single-threaded when it forks, so the
    // child's copy of every lock and allocator is consistent.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed: {}", std::io::Error::last_os_error());
    if pid == 0 {
        // SAFETY: prctl with PR_SET_PDEATHSIG takes a signal number.
        unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) };
        // SAFETY: getppid has no preconditions.
        if unsafe { libc::getppid() } != parent {
            // SAFETY: _exit ends the process without running the parent's destructors.
            unsafe { libc::_exit(2) };
        }
        let code = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or(101);
        let _ = std::io::stdout().flush();
        let _ = std::io::stderr().flush();
        // SAFETY: as above; the child's own handles were dropped inside `f`.
        unsafe { libc::_exit(code) };
    }
    pid
}

/// How a child ended.
pub enum Exit {
    Ok,
    Killed,
    Bad(String),
}

pub fn classify(status: libc::c_int) -> Exit {
    if libc::WIFEXITED(status) {
        match libc::WEXITSTATUS(status) {
            0 => Exit::Ok,
            c => Exit::Bad(format!("exit code {c}")),
        }
    } else if libc::WIFSIGNALED(status) {
        match libc::WTERMSIG(status) {
            libc::SIGKILL => Exit::Killed,
            s => Exit::Bad(format!("killed by signal {s}")),
        }
    } else {
        Exit::Bad(format!("status {status:#x}"))
    }
}

/// Reaps any exited child without blocking: `Some((pid, status))`.
pub fn try_wait() -> Option<(libc::pid_t, libc::c_int)> {
    let mut status = 0;
    // SAFETY: status is a valid out-pointer.
    let pid = unsafe { libc::waitpid(-1, &mut status, libc::WNOHANG) };
    (pid > 0).then_some((pid, status))
}

pub fn kill_all(pids: &[libc::pid_t]) {
    for &p in pids {
        // SAFETY: p is a child of ours that has not been waited for.
        unsafe { libc::kill(p, libc::SIGKILL) };
    }
    for &p in pids {
        let mut st = 0;
        // SAFETY: status is a valid out-pointer.
        unsafe { libc::waitpid(p, &mut st, 0) };
    }
}

pub static WATCHDOG_FIRED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// The watchdog of one scenario.
pub struct Watchdog {
    pub deadline: Instant,
    pub fired: bool,
}

impl Watchdog {
    pub fn new(secs: u64) -> Watchdog {
        // Last resort if the parent itself blocks: SIGALRM ends it (exit 142).
        // SAFETY: alarm has no preconditions.
        unsafe { libc::alarm((secs + 60) as libc::c_uint) };
        Watchdog {
            deadline: Instant::now() + Duration::from_secs(secs),
            fired: false,
        }
    }
    pub fn expired(&mut self) -> bool {
        if !self.fired && Instant::now() >= self.deadline {
            self.fired = true;
            WATCHDOG_FIRED.store(true, SeqCst);
            eprintln!("WATCHDOG: time is up; killing the workers");
        }
        self.fired
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        // SAFETY: alarm(0) cancels a pending alarm.
        unsafe { libc::alarm(0) };
    }
}

/// A pool of forked workers, each with a phase slot the parent reads when it dies.
pub struct Pool<'a> {
    pub live: Vec<(libc::pid_t, usize)>,
    pub next_slot: usize,
    pub slots: &'a SideChannel<AtomicU32>,
    pub kills: u64,
    /// Kills by the phase the victim was in.
    pub killed_in: [u64; 5],
    pub bad: u64,
}

impl<'a> Pool<'a> {
    pub fn new(slots: &'a SideChannel<AtomicU32>) -> Pool<'a> {
        Pool {
            live: Vec::new(),
            next_slot: 0,
            slots,
            kills: 0,
            killed_in: [0; 5],
            bad: 0,
        }
    }
    pub fn spawn(&mut self, f: impl FnOnce(&'a AtomicU32) -> i32) {
        let slot = self.next_slot % self.slots.n;
        self.next_slot += 1;
        let slots: &'a SideChannel<AtomicU32> = self.slots;
        let s = &slots[slot];
        s.store(0, SeqCst);
        let pid = spawn(move || f(s));
        self.live.push((pid, slot));
    }
    /// Reaps one exited worker, if any: `Some(true)` if it was killed.
    pub fn reap(&mut self) -> Option<bool> {
        let (pid, st) = try_wait()?;
        let i = self.live.iter().position(|(p, _)| *p == pid)?;
        let (_, slot) = self.live.swap_remove(i);
        Some(match classify(st) {
            Exit::Ok => false,
            Exit::Killed => {
                self.kills += 1;
                self.killed_in[self.slots[slot].load(SeqCst).min(4) as usize] += 1;
                true
            }
            Exit::Bad(why) => {
                if !why.contains("exit code 1") {
                    self.bad += 1;
                }
                eprintln!("worker {pid}: {why}");
                false
            }
        })
    }
    pub fn kill_all(&mut self) {
        let pids: Vec<_> = self.live.iter().map(|(p, _)| *p).collect();
        kill_all(&pids);
        self.live.clear();
    }
}
