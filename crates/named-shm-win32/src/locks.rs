//! In-process synchronisation: `CRITICAL_SECTION`, `SRWLOCK`,
//! `CONDITION_VARIABLE`, `INIT_ONCE`, on futexes.
//!
//! The structures have Windows' sizes (the critical section 40 bytes, the
//! others one pointer) and zero-initialised `SRWLOCK_INIT`,
//! `CONDITION_VARIABLE_INIT` and `INIT_ONCE_STATIC_INIT`. The futex word is
//! the low 32 bits of the first word of the lock (little-endian). They are
//! private to a process, as on Windows (futexes with `FUTEX_PRIVATE_FLAG`).
//!
//! - A critical section is recursive: its owner (kernel thread id in
//!   `OwningThread`) may enter again; each enter needs a leave.
//!   `LockCount` is the futex word: 0 free, 1 held, 2 held with waiters
//!   (Windows' encoding differs; programs do not read it).
//! - An SRW lock's word: bits 0..29 the readers, bit 30 a writer, bit 31
//!   waiters present (releases wake all waiters, who race again).
//! - A condition variable's word is a sequence number: a sleeper notes it,
//!   releases its lock and sleeps while it is unchanged; a wake bumps it.
//! - An `INIT_ONCE` word: low two bits 0 uninitialised, 1 running, 2 done;
//!   the rest is the callback's context (its two low bits are reserved, as
//!   on Windows).

use crate::consts::*;
use crate::lasterr;
use std::ffi::c_void;
use std::ptr;
use std::sync::atomic::{AtomicI32, AtomicU32, AtomicUsize, Ordering::SeqCst};

/// `ERROR_TIMEOUT`: a condition-variable sleep timed out.
const ERROR_TIMEOUT: u32 = 1460;

/// Windows' `RTL_CRITICAL_SECTION` (x64 layout).
#[repr(C)]
pub struct CriticalSection {
    debug_info: *mut c_void,
    lock_count: i32,
    recursion_count: i32,
    owning_thread: usize,
    lock_semaphore: *mut c_void,
    spin_count: usize,
}

fn futex(word: *const u32, op: i32, val: u32, timeout: Option<&libc::timespec>) -> i64 {
    let ts = timeout.map_or(ptr::null(), |t| t as *const libc::timespec);
    // SAFETY: `word` points to a live, aligned 32-bit word (the lock the
    // caller passed); the kernel only compares and sleeps on it.
    unsafe { libc::syscall(libc::SYS_futex, word, op | libc::FUTEX_PRIVATE_FLAG, val, ts) }
}

fn futex_wait(word: &AtomicU32, val: u32, timeout: Option<&libc::timespec>) -> bool {
    // Returns false on timeout.
    let r = futex(word.as_ptr(), libc::FUTEX_WAIT, val, timeout);
    !(r == -1 && std::io::Error::last_os_error().raw_os_error() == Some(libc::ETIMEDOUT))
}

fn futex_wake(word: &AtomicU32, n: u32) {
    futex(word.as_ptr(), libc::FUTEX_WAKE, n, None);
}

fn tid() -> usize {
    thread_local! { static TID: usize = {
        // SAFETY: gettid has no preconditions.
        unsafe { libc::gettid() as usize }
    } }
    TID.with(|t| *t)
}

// -------------------------------------------------------- critical sections

/// The fields of a live critical section, as atomics.
struct Cs<'a> {
    word: &'a AtomicU32,
    recursion: &'a AtomicI32,
    owner: &'a AtomicUsize,
}

/// # Safety
/// `cs` is non-null, aligned and points to a `CRITICAL_SECTION` that lives
/// for `'a` and is only accessed through these functions.
unsafe fn cs<'a>(cs: *mut CriticalSection) -> Cs<'a> {
    // SAFETY: per the contract; the fields are aligned for their atomics.
    unsafe {
        Cs {
            word: AtomicU32::from_ptr(ptr::addr_of_mut!((*cs).lock_count).cast()),
            recursion: AtomicI32::from_ptr(ptr::addr_of_mut!((*cs).recursion_count)),
            owner: AtomicUsize::from_ptr(ptr::addr_of_mut!((*cs).owning_thread)),
        }
    }
}

/// `InitializeCriticalSection(AndSpinCount)`.
///
/// # Safety
/// `p` is NULL or points to writable storage for a `CRITICAL_SECTION`.
pub(crate) unsafe fn cs_init(p: *mut CriticalSection, spin: u32) {
    if p.is_null() {
        return;
    }
    // SAFETY: writable per the contract.
    unsafe {
        p.write(CriticalSection {
            debug_info: ptr::null_mut(),
            lock_count: 0,
            recursion_count: 0,
            owning_thread: 0,
            lock_semaphore: ptr::null_mut(),
            spin_count: spin as usize,
        })
    };
}

/// `EnterCriticalSection` (`try_only`: `TryEnterCriticalSection`).
///
/// # Safety
/// `p` points to an initialised `CRITICAL_SECTION`.
pub(crate) unsafe fn cs_enter(p: *mut CriticalSection, try_only: bool) -> bool {
    // SAFETY: per the contract.
    let c = unsafe { cs(p) };
    let me = tid();
    if c.owner.load(SeqCst) == me {
        c.recursion.fetch_add(1, SeqCst);
        return true;
    }
    if c.word.compare_exchange(0, 1, SeqCst, SeqCst).is_err() {
        if try_only {
            return false;
        }
        // The classic three-state futex mutex.
        while c.word.swap(2, SeqCst) != 0 {
            futex_wait(c.word, 2, None);
        }
    }
    c.owner.store(me, SeqCst);
    c.recursion.store(1, SeqCst);
    true
}

/// `LeaveCriticalSection`: by a thread that does not own it, nothing.
///
/// # Safety
/// `p` points to an initialised `CRITICAL_SECTION`.
pub(crate) unsafe fn cs_leave(p: *mut CriticalSection) {
    // SAFETY: per the contract.
    let c = unsafe { cs(p) };
    if c.owner.load(SeqCst) != tid() {
        return;
    }
    if c.recursion.fetch_sub(1, SeqCst) > 1 {
        return;
    }
    c.owner.store(0, SeqCst);
    if c.word.swap(0, SeqCst) == 2 {
        futex_wake(c.word, 1);
    }
}

// ---------------------------------------------------------------- SRW locks

const READERS: u32 = 0x3FFF_FFFF;
const WRITER: u32 = 0x4000_0000;
const WAITERS: u32 = 0x8000_0000;

/// # Safety
/// `p` is non-null, aligned, and lives for `'a`.
unsafe fn word<'a>(p: *mut c_void) -> &'a AtomicU32 {
    // SAFETY: per the contract (a pointer-sized, pointer-aligned object).
    unsafe { AtomicU32::from_ptr(p.cast()) }
}

/// `AcquireSRWLockExclusive` / `AcquireSRWLockShared` (and the `TryAcquire`
/// forms with `try_only`).
///
/// # Safety
/// `p` points to an `SRWLOCK`.
pub(crate) unsafe fn srw_acquire(p: *mut c_void, exclusive: bool, try_only: bool) -> bool {
    // SAFETY: per the contract.
    let w = unsafe { word(p) };
    loop {
        let s = w.load(SeqCst);
        let free = if exclusive {
            s & (WRITER | READERS) == 0
        } else {
            s & WRITER == 0 && s & READERS < READERS
        };
        if free {
            let new = if exclusive { s | WRITER } else { s + 1 };
            if w.compare_exchange(s, new, SeqCst, SeqCst).is_ok() {
                return true;
            }
            continue;
        }
        if try_only {
            return false;
        }
        if s & WAITERS == 0 && w.compare_exchange(s, s | WAITERS, SeqCst, SeqCst).is_err() {
            continue;
        }
        futex_wait(w, s | WAITERS, None);
    }
}

/// `ReleaseSRWLockExclusive` / `ReleaseSRWLockShared`.
///
/// # Safety
/// `p` points to an `SRWLOCK` the caller holds in that mode.
pub(crate) unsafe fn srw_release(p: *mut c_void, exclusive: bool) {
    // SAFETY: per the contract.
    let w = unsafe { word(p) };
    if exclusive {
        if w.fetch_and(!(WRITER | WAITERS), SeqCst) & WAITERS != 0 {
            futex_wake(w, i32::MAX as u32);
        }
        return;
    }
    let s = w.fetch_sub(1, SeqCst);
    if s & READERS == 1 && s & WAITERS != 0 {
        // The last reader: hand the lock to the waiters.
        w.fetch_and(!WAITERS, SeqCst);
        futex_wake(w, i32::MAX as u32);
    }
}

// ------------------------------------------------------ condition variables

fn timespec(ms: u32) -> Option<libc::timespec> {
    (ms != INFINITE).then(|| libc::timespec {
        tv_sec: (ms / 1000) as libc::time_t,
        tv_nsec: ((ms % 1000) * 1_000_000) as libc::c_long,
    })
}

/// `SleepConditionVariableCS/SRW`'s wait: `release` the lock, sleep until
/// woken or `ms`, `reacquire`. FALSE with `ERROR_TIMEOUT` (1460) on timeout.
///
/// # Safety
/// `cv` points to a `CONDITION_VARIABLE`.
pub(crate) unsafe fn cv_sleep(
    cv: *mut c_void,
    ms: u32,
    release: impl FnOnce(),
    reacquire: impl FnOnce(),
) -> i32 {
    // SAFETY: per the contract.
    let w = unsafe { word(cv) };
    let seq = w.load(SeqCst);
    release();
    let ts = timespec(ms);
    let woke = futex_wait(w, seq, ts.as_ref());
    reacquire();
    if woke {
        1
    } else {
        lasterr::fail(ERROR_TIMEOUT, 0)
    }
}

/// `WakeConditionVariable` (`all == false`) / `WakeAllConditionVariable`.
///
/// # Safety
/// `cv` points to a `CONDITION_VARIABLE`.
pub(crate) unsafe fn cv_wake(cv: *mut c_void, all: bool) {
    // SAFETY: per the contract.
    let w = unsafe { word(cv) };
    w.fetch_add(1, SeqCst);
    futex_wake(w, if all { i32::MAX as u32 } else { 1 });
}

// ---------------------------------------------------------------- InitOnce

/// `BOOL CALLBACK InitOnceCallback(PINIT_ONCE, PVOID, PVOID *)`.
pub type InitOnceFn = unsafe extern "C-unwind" fn(*mut c_void, *mut c_void, *mut *mut c_void) -> i32;

/// `InitOnceExecuteOnce`.
///
/// # Safety
/// `once` points to an `INIT_ONCE`; `f` is a valid callback; `ctx` is NULL
/// or writable.
pub(crate) unsafe fn init_once(
    once: *mut c_void,
    f: Option<InitOnceFn>,
    param: *mut c_void,
    ctx: *mut *mut c_void,
) -> i32 {
    // SAFETY: an INIT_ONCE is one pointer-sized, pointer-aligned word.
    let full = unsafe { AtomicUsize::from_ptr(once.cast()) };
    // SAFETY: the low half of that word.
    let low = unsafe { word(once) };
    loop {
        let s = full.load(SeqCst);
        match s & 3 {
            2 => {
                if !ctx.is_null() {
                    // SAFETY: non-null and writable per the contract.
                    unsafe { ctx.write((s & !3) as *mut c_void) };
                }
                return 1;
            }
            1 => {
                futex_wait(low, s as u32, None);
            }
            _ => {
                if full.compare_exchange(s, 1, SeqCst, SeqCst).is_err() {
                    continue;
                }
                let Some(f) = f else {
                    full.store(0, SeqCst);
                    futex_wake(low, i32::MAX as u32);
                    return lasterr::fail(ERROR_INVALID_PARAMETER, 0);
                };
                let mut c: *mut c_void = ptr::null_mut();
                // SAFETY: the caller's callback, called as Windows does.
                let ok = unsafe { f(once, param, &mut c) };
                if ok != 0 {
                    full.store((c as usize & !3) | 2, SeqCst);
                } else {
                    full.store(0, SeqCst);
                }
                futex_wake(low, i32::MAX as u32);
                if ok == 0 {
                    return 0;
                }
                if !ctx.is_null() {
                    // SAFETY: non-null and writable per the contract.
                    unsafe { ctx.write((c as usize & !3) as *mut c_void) };
                }
                return 1;
            }
        }
    }
}
