//! Process-shared futexes and monotonic deadlines.
//!
//! Every futex here lives in a `MAP_SHARED` file mapping that other processes
//! map too, so no call ever passes `FUTEX_PRIVATE_FLAG` (or `FUTEX2_PRIVATE`):
//! a private futex is keyed by the address in *this* process and would never
//! see a wake-up from another one.
//!
//! Deadlines are absolute `CLOCK_MONOTONIC` times. `FUTEX_WAIT_BITSET` takes an
//! absolute timeout on `CLOCK_MONOTONIC` when `FUTEX_CLOCK_REALTIME` is not
//! given (futex(2): "If the FUTEX_CLOCK_REALTIME option bit is not set, the
//! timeout is measured against CLOCK_MONOTONIC"), so a wait interrupted by a
//! signal and restarted never stretches its timeout, and a changed wall clock
//! never shortens or lengthens it.
//!
//! # References
//! - futex(2): <https://man7.org/linux/man-pages/man2/futex.2.html>
//! - futex_waitv(2): <https://docs.kernel.org/userspace-api/futex2.html>

use crate::sys::DeadlineImp as _;
use std::io;
use std::sync::atomic::AtomicU32;
use std::time::Duration;

/// An absolute `CLOCK_MONOTONIC` time; `None` in an `Option<Deadline>` means
/// "wait forever" (`INFINITE`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Deadline(pub(crate) libc::timespec);

const NS: i64 = 1_000_000_000;

fn monotonic_now() -> libc::timespec {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid out-pointer; CLOCK_MONOTONIC always exists on Linux.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts
}

/// Seconds and nanoseconds as `i64` (`time_t` is 32 bits on some targets).
#[allow(clippy::unnecessary_cast)]
fn parts(ts: &libc::timespec) -> (i64, i64) {
    (ts.tv_sec as i64, ts.tv_nsec as i64)
}

impl crate::sys::DeadlineImp for Deadline {
    /// `now + timeout`, or `None` for no timeout. Saturates instead of overflowing.
    fn after(timeout: Option<Duration>) -> Option<Deadline> {
        let t = timeout?;
        let now = monotonic_now();
        let secs = i64::try_from(t.as_secs())
            .unwrap_or(i64::MAX / 2)
            .min(i64::MAX / 2);
        let (now_sec, now_nsec) = parts(&now);
        let mut sec = now_sec.saturating_add(secs);
        let mut nsec = now_nsec + i64::from(t.subsec_nanos());
        if nsec >= NS {
            sec = sec.saturating_add(1);
            nsec -= NS;
        }
        Some(Deadline(libc::timespec {
            tv_sec: sec as libc::time_t,
            tv_nsec: nsec as _,
        }))
    }
}

impl Deadline {
    /// Whether the deadline has passed.
    pub(crate) fn passed(&self) -> bool {
        parts(&monotonic_now()) >= parts(&self.0)
    }

    /// Seconds and nanoseconds, for ordering deadlines.
    pub(crate) fn key(&self) -> (i64, i64) {
        parts(&self.0)
    }

    /// The earlier of `self` and `now + d`.
    pub(crate) fn min_after(this: Option<Deadline>, d: Duration) -> Deadline {
        let soon = Deadline::after(Some(d)).expect("Some in, Some out");
        match this {
            Some(t) if parts(&t.0) < parts(&soon.0) => t,
            _ => soon,
        }
    }
}

/// Why a futex wait returned. Every outcome obliges the caller to re-check
/// the state word: wake-ups may be spurious, and a wake-up may coincide with
/// the timeout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Woke {
    /// Woken (or the value no longer matched, or a signal interrupted us).
    Maybe,
    /// The deadline passed.
    TimedOut,
}

const FUTEX_WAIT_BITSET: libc::c_int = 9;
const FUTEX_WAKE: libc::c_int = 1;
const FUTEX_BITSET_MATCH_ANY: u32 = 0xffff_ffff;

/// Sleeps while `*word == expected`, until woken or `deadline`.
pub(crate) fn wait(word: &AtomicU32, expected: u32, deadline: Option<&Deadline>) -> Woke {
    let ts = deadline.map_or(std::ptr::null(), |d| &d.0 as *const libc::timespec);
    // SAFETY: `word` points to a live, aligned u32 for the duration of the call;
    // `ts` is null or a valid timespec. FUTEX_WAIT_BITSET without
    // FUTEX_PRIVATE_FLAG is the shared (inode-keyed) variant, which is what a
    // futex in a MAP_SHARED file mapping needs.
    let r = unsafe {
        libc::syscall(
            libc::SYS_futex,
            word.as_ptr(),
            FUTEX_WAIT_BITSET,
            expected,
            ts,
            std::ptr::null::<u32>(),
            FUTEX_BITSET_MATCH_ANY,
        )
    };
    if r == -1 && io::Error::last_os_error().raw_os_error() == Some(libc::ETIMEDOUT) {
        return Woke::TimedOut;
    }
    // 0 (woken), EAGAIN (value changed), EINTR (signal): all mean "look again".
    Woke::Maybe
}

/// Sleeps for `d`, or until `deadline` if that comes first, whatever any
/// shared word holds: the pause of a loop whose word a peer keeps rewriting
/// (a futex wait on such a word returns at once). `TimedOut` if `deadline`
/// passed.
pub(crate) fn sleep(d: Duration, deadline: Option<&Deadline>) -> Woke {
    let until = Deadline::min_after(deadline.copied(), d);
    // SAFETY: `until.0` is a valid timespec; a null remainder is allowed with
    // TIMER_ABSTIME. EINTR just ends the pause early, which callers tolerate.
    unsafe {
        libc::clock_nanosleep(
            libc::CLOCK_MONOTONIC,
            libc::TIMER_ABSTIME,
            &until.0,
            std::ptr::null_mut(),
        )
    };
    if deadline.is_some_and(Deadline::passed) {
        Woke::TimedOut
    } else {
        Woke::Maybe
    }
}

/// Wakes up to `n` processes sleeping on `word`; returns how many woke.
pub(crate) fn wake(word: &AtomicU32, n: i32) -> usize {
    // SAFETY: `word` points to a live, aligned u32; FUTEX_WAKE only reads the
    // address as a key. Shared variant, as for `wait`.
    let r = unsafe { libc::syscall(libc::SYS_futex, word.as_ptr(), FUTEX_WAKE, n) };
    r.max(0) as usize
}

/// `struct futex_waitv` from `<linux/futex.h>`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
struct FutexWaitv {
    val: u64,
    uaddr: u64,
    flags: u32,
    reserved: u32,
}

/// A 32-bit futex; without `FUTEX2_PRIVATE` (128), so shared.
const FUTEX2_SIZE_U32: u32 = 2;
const SYS_FUTEX_WAITV: libc::c_long = 449;

/// Sleeps until any `(word, expected)` pair no longer matches or is woken,
/// or until `deadline` (absolute, `CLOCK_MONOTONIC`; `None`: no limit). Falls back to a 1 ms
/// sleep on kernels older than 5.16, which lack `futex_waitv`.
pub(crate) fn wait_any(words: &[(&AtomicU32, u32)], deadline: Option<&Deadline>) -> Woke {
    let v: Vec<FutexWaitv> = words
        .iter()
        .map(|(w, val)| FutexWaitv {
            val: u64::from(*val),
            uaddr: w.as_ptr() as usize as u64,
            flags: FUTEX2_SIZE_U32,
            reserved: 0,
        })
        .collect();
    // SAFETY: `v` holds `v.len()` valid entries whose addresses point to live,
    // aligned u32s (borrowed for the call); the timeout is a valid timespec.
    let r = unsafe {
        libc::syscall(
            SYS_FUTEX_WAITV,
            v.as_ptr(),
            v.len() as libc::c_uint,
            0 as libc::c_uint,
            deadline.map_or(std::ptr::null(), |d| &d.0 as *const libc::timespec),
            libc::CLOCK_MONOTONIC,
        )
    };
    if r >= 0 {
        return Woke::Maybe;
    }
    match io::Error::last_os_error().raw_os_error() {
        Some(libc::ETIMEDOUT) => Woke::TimedOut,
        Some(libc::ENOSYS) => {
            std::thread::sleep(Duration::from_millis(1));
            if deadline.is_some_and(Deadline::passed) {
                Woke::TimedOut
            } else {
                Woke::Maybe
            }
        }
        _ => Woke::Maybe,
    }
}

/// Whether the machine has more than one CPU online, so that spinning while
/// another process works can pay off. This counts the machine's CPUs, not
/// our affinity mask: a process pinned to one CPU still profits from
/// spinning while its peer runs on another. Asked once per process; a wrong
/// guess only costs speed.
pub(crate) fn multi_cpu() -> bool {
    use std::sync::atomic::{AtomicU8, Ordering};
    static MULTI: AtomicU8 = AtomicU8::new(0); // 0 unknown, 1 no, 2 yes
    match MULTI.load(Ordering::Relaxed) {
        0 => {
            // SAFETY: sysconf has no memory-safety preconditions.
            let multi = unsafe { libc::sysconf(libc::_SC_NPROCESSORS_ONLN) } > 1;
            MULTI.store(if multi { 2 } else { 1 }, Ordering::Relaxed);
            multi
        }
        v => v == 2,
    }
}
