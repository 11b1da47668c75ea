//! The C exports for semaphores, threads and in-process locks (their
//! implementations: `semaphore.rs`, `thread.rs`, `locks.rs`; declarations:
//! `include/named_shm/{semaphore,thread,critsec}.h`).

use crate::consts::*;
use crate::locks::{self, CriticalSection, InitOnceFn};
use crate::thread::{self, ThreadProc};
use crate::{guard, lasterr, names, null, semaphore, BOOL, HANDLE};
use std::ffi::{c_char, c_void};

// --------------------------------------------------------------- semaphores

/// `CreateSemaphoreA`: creates or opens a named (or unnamed) semaphore.
///
/// # Safety
/// `name` is NULL or a NUL-terminated string; `sa` is ignored.
#[no_mangle]
pub unsafe extern "C" fn CreateSemaphoreA(
    _sa: *mut c_void,
    initial: i32,
    maximum: i32,
    name: *const c_char,
) -> HANDLE {
    guard(null(), || {
        // SAFETY: forwarded caller contract.
        let name = unsafe { names::from_a(name) };
        semaphore::create(initial, maximum, name, semaphore::SEMAPHORE_ALL_ACCESS)
    })
}

/// `CreateSemaphoreW`: as [`CreateSemaphoreA`] with a UTF-16 name.
///
/// # Safety
/// `name` is NULL or a NUL-terminated UTF-16 string; `sa` is ignored.
#[no_mangle]
pub unsafe extern "C" fn CreateSemaphoreW(
    _sa: *mut c_void,
    initial: i32,
    maximum: i32,
    name: *const u16,
) -> HANDLE {
    guard(null(), || {
        // SAFETY: forwarded caller contract.
        let name = unsafe { names::from_w(name) };
        semaphore::create(initial, maximum, name, semaphore::SEMAPHORE_ALL_ACCESS)
    })
}

/// `CreateSemaphoreExA`: `flags` must be 0 (else 87); the handle gets `access`.
///
/// # Safety
/// `name` is NULL or a NUL-terminated string; `sa` is ignored.
#[no_mangle]
pub unsafe extern "C" fn CreateSemaphoreExA(
    _sa: *mut c_void,
    initial: i32,
    maximum: i32,
    name: *const c_char,
    flags: u32,
    access: u32,
) -> HANDLE {
    guard(null(), || {
        if flags != 0 {
            return lasterr::fail(ERROR_INVALID_PARAMETER, null());
        }
        // SAFETY: forwarded caller contract.
        let name = unsafe { names::from_a(name) };
        semaphore::create(initial, maximum, name, access)
    })
}

/// `CreateSemaphoreExW`: as [`CreateSemaphoreExA`] with a UTF-16 name.
///
/// # Safety
/// `name` is NULL or a NUL-terminated UTF-16 string; `sa` is ignored.
#[no_mangle]
pub unsafe extern "C" fn CreateSemaphoreExW(
    _sa: *mut c_void,
    initial: i32,
    maximum: i32,
    name: *const u16,
    flags: u32,
    access: u32,
) -> HANDLE {
    guard(null(), || {
        if flags != 0 {
            return lasterr::fail(ERROR_INVALID_PARAMETER, null());
        }
        // SAFETY: forwarded caller contract.
        let name = unsafe { names::from_w(name) };
        semaphore::create(initial, maximum, name, access)
    })
}

/// `OpenSemaphoreA`: opens a named semaphore with `access`.
///
/// # Safety
/// `name` is NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn OpenSemaphoreA(access: u32, _inherit: BOOL, name: *const c_char) -> HANDLE {
    guard(null(), || {
        // SAFETY: forwarded caller contract.
        let name = unsafe { names::from_a(name) };
        semaphore::open(access, name)
    })
}

/// `OpenSemaphoreW`: as [`OpenSemaphoreA`] with a UTF-16 name.
///
/// # Safety
/// `name` is NULL or a NUL-terminated UTF-16 string.
#[no_mangle]
pub unsafe extern "C" fn OpenSemaphoreW(access: u32, _inherit: BOOL, name: *const u16) -> HANDLE {
    guard(null(), || {
        // SAFETY: forwarded caller contract.
        let name = unsafe { names::from_w(name) };
        semaphore::open(access, name)
    })
}

/// `ReleaseSemaphore`: adds `count`, writes the previous count to `prev`.
///
/// # Safety
/// `prev` is NULL or points to a writable `LONG`.
#[no_mangle]
pub unsafe extern "C" fn ReleaseSemaphore(h: HANDLE, count: i32, prev: *mut i32) -> BOOL {
    // SAFETY: forwarded caller contract.
    guard(0, || unsafe { semaphore::release(h, count, prev) })
}

// ------------------------------------------------------------------ threads

/// `CreateThread`: starts `start(param)` on a new thread.
///
/// # Safety
/// `start` is a valid thread procedure; `tid` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn CreateThread(
    _sa: *mut c_void,
    stack: usize,
    start: Option<ThreadProc>,
    param: *mut c_void,
    flags: u32,
    tid: *mut u32,
) -> HANDLE {
    // SAFETY: forwarded caller contract.
    guard(null(), || unsafe {
        thread::create(stack, start, param, flags, tid)
    })
}

/// `ExitThread`: ends the calling thread with `code`.
#[no_mangle]
pub extern "C-unwind" fn ExitThread(code: u32) -> ! {
    guard((), || thread::exit_bookkeeping(code));
    thread::exit_now()
}

/// `GetExitCodeThread`: `STILL_ACTIVE` (259) while the thread runs.
///
/// # Safety
/// `out` is NULL or points to a writable `DWORD`.
#[no_mangle]
pub unsafe extern "C" fn GetExitCodeThread(h: HANDLE, out: *mut u32) -> BOOL {
    // SAFETY: forwarded caller contract.
    guard(0, || unsafe { thread::exit_code(h, out) })
}

/// `GetThreadId`.
#[no_mangle]
pub extern "C" fn GetThreadId(h: HANDLE) -> u32 {
    guard(0, || thread::thread_id(h))
}

/// `SwitchToThread`: yields; TRUE (Linux does not say whether another
/// thread ran).
#[no_mangle]
pub extern "C" fn SwitchToThread() -> BOOL {
    guard(0, || {
        std::thread::yield_now();
        1
    })
}

// --------------------------------------------------------- critical sections

/// `InitializeCriticalSection`.
///
/// # Safety
/// `cs` points to writable storage for a `CRITICAL_SECTION`.
#[no_mangle]
pub unsafe extern "C" fn InitializeCriticalSection(cs: *mut CriticalSection) {
    // SAFETY: forwarded caller contract.
    guard((), || unsafe { locks::cs_init(cs, 0) })
}

/// `InitializeCriticalSectionAndSpinCount`: always TRUE.
///
/// # Safety
/// `cs` points to writable storage for a `CRITICAL_SECTION`.
#[no_mangle]
pub unsafe extern "C" fn InitializeCriticalSectionAndSpinCount(cs: *mut CriticalSection, spin: u32) -> BOOL {
    guard(0, || {
        // SAFETY: forwarded caller contract.
        unsafe { locks::cs_init(cs, spin) };
        1
    })
}

/// `InitializeCriticalSectionEx`: always TRUE.
///
/// # Safety
/// `cs` points to writable storage for a `CRITICAL_SECTION`.
#[no_mangle]
pub unsafe extern "C" fn InitializeCriticalSectionEx(
    cs: *mut CriticalSection,
    spin: u32,
    _flags: u32,
) -> BOOL {
    guard(0, || {
        // SAFETY: forwarded caller contract.
        unsafe { locks::cs_init(cs, spin) };
        1
    })
}

/// `EnterCriticalSection`: recursive for its owner.
///
/// # Safety
/// `cs` points to an initialised `CRITICAL_SECTION`.
#[no_mangle]
pub unsafe extern "C" fn EnterCriticalSection(cs: *mut CriticalSection) {
    guard((), || {
        // SAFETY: forwarded caller contract.
        unsafe { locks::cs_enter(cs, false) };
    })
}

/// `TryEnterCriticalSection`.
///
/// # Safety
/// `cs` points to an initialised `CRITICAL_SECTION`.
#[no_mangle]
pub unsafe extern "C" fn TryEnterCriticalSection(cs: *mut CriticalSection) -> BOOL {
    // SAFETY: forwarded caller contract.
    guard(0, || BOOL::from(unsafe { locks::cs_enter(cs, true) }))
}

/// `LeaveCriticalSection`.
///
/// # Safety
/// `cs` points to an initialised `CRITICAL_SECTION`.
#[no_mangle]
pub unsafe extern "C" fn LeaveCriticalSection(cs: *mut CriticalSection) {
    // SAFETY: forwarded caller contract.
    guard((), || unsafe { locks::cs_leave(cs) })
}

/// `DeleteCriticalSection`: nothing to free.
#[no_mangle]
pub extern "C" fn DeleteCriticalSection(_cs: *mut CriticalSection) {
    guard((), || ())
}

// ------------------------------------------------------------ SRW locks

/// `InitializeSRWLock`.
///
/// # Safety
/// `l` points to a writable `SRWLOCK`.
#[no_mangle]
pub unsafe extern "C" fn InitializeSRWLock(l: *mut *mut c_void) {
    // SAFETY: writable per the contract.
    guard((), || unsafe { l.write(std::ptr::null_mut()) })
}

/// `AcquireSRWLockExclusive`.
///
/// # Safety
/// `l` points to an `SRWLOCK`.
#[no_mangle]
pub unsafe extern "C" fn AcquireSRWLockExclusive(l: *mut c_void) {
    guard((), || {
        // SAFETY: forwarded caller contract.
        unsafe { locks::srw_acquire(l, true, false) };
    })
}

/// `AcquireSRWLockShared`.
///
/// # Safety
/// `l` points to an `SRWLOCK`.
#[no_mangle]
pub unsafe extern "C" fn AcquireSRWLockShared(l: *mut c_void) {
    guard((), || {
        // SAFETY: forwarded caller contract.
        unsafe { locks::srw_acquire(l, false, false) };
    })
}

/// `TryAcquireSRWLockExclusive`.
///
/// # Safety
/// `l` points to an `SRWLOCK`.
#[no_mangle]
pub unsafe extern "C" fn TryAcquireSRWLockExclusive(l: *mut c_void) -> u8 {
    // SAFETY: forwarded caller contract.
    guard(0, || u8::from(unsafe { locks::srw_acquire(l, true, true) }))
}

/// `TryAcquireSRWLockShared`.
///
/// # Safety
/// `l` points to an `SRWLOCK`.
#[no_mangle]
pub unsafe extern "C" fn TryAcquireSRWLockShared(l: *mut c_void) -> u8 {
    // SAFETY: forwarded caller contract.
    guard(0, || u8::from(unsafe { locks::srw_acquire(l, false, true) }))
}

/// `ReleaseSRWLockExclusive`.
///
/// # Safety
/// `l` points to an `SRWLOCK` held exclusively by the caller.
#[no_mangle]
pub unsafe extern "C" fn ReleaseSRWLockExclusive(l: *mut c_void) {
    // SAFETY: forwarded caller contract.
    guard((), || unsafe { locks::srw_release(l, true) })
}

/// `ReleaseSRWLockShared`.
///
/// # Safety
/// `l` points to an `SRWLOCK` held shared by the caller.
#[no_mangle]
pub unsafe extern "C" fn ReleaseSRWLockShared(l: *mut c_void) {
    // SAFETY: forwarded caller contract.
    guard((), || unsafe { locks::srw_release(l, false) })
}

// ------------------------------------------------------ condition variables

/// `InitializeConditionVariable`.
///
/// # Safety
/// `cv` points to a writable `CONDITION_VARIABLE`.
#[no_mangle]
pub unsafe extern "C" fn InitializeConditionVariable(cv: *mut *mut c_void) {
    // SAFETY: writable per the contract.
    guard((), || unsafe { cv.write(std::ptr::null_mut()) })
}

/// `SleepConditionVariableCS`: FALSE with 1460 on timeout.
///
/// # Safety
/// `cv` points to a `CONDITION_VARIABLE`; `cs` to a critical section the
/// caller owns.
#[no_mangle]
pub unsafe extern "C" fn SleepConditionVariableCS(
    cv: *mut c_void,
    cs: *mut CriticalSection,
    ms: u32,
) -> BOOL {
    guard(0, || {
        // SAFETY: forwarded caller contract (each closure runs once, on the
        // caller's critical section).
        unsafe {
            locks::cv_sleep(
                cv,
                ms,
                || locks::cs_leave(cs),
                || {
                    locks::cs_enter(cs, false);
                },
            )
        }
    })
}

/// `CONDITION_VARIABLE_LOCKMODE_SHARED`.
const LOCKMODE_SHARED: u32 = 1;

/// `SleepConditionVariableSRW`: FALSE with 1460 on timeout.
///
/// # Safety
/// `cv` points to a `CONDITION_VARIABLE`; `l` to an SRW lock the caller
/// holds (shared if `flags` says so).
#[no_mangle]
pub unsafe extern "C" fn SleepConditionVariableSRW(
    cv: *mut c_void,
    l: *mut c_void,
    ms: u32,
    flags: u32,
) -> BOOL {
    guard(0, || {
        let exclusive = flags & LOCKMODE_SHARED == 0;
        // SAFETY: forwarded caller contract.
        unsafe {
            locks::cv_sleep(
                cv,
                ms,
                || locks::srw_release(l, exclusive),
                || {
                    locks::srw_acquire(l, exclusive, false);
                },
            )
        }
    })
}

/// `WakeConditionVariable`.
///
/// # Safety
/// `cv` points to a `CONDITION_VARIABLE`.
#[no_mangle]
pub unsafe extern "C" fn WakeConditionVariable(cv: *mut c_void) {
    // SAFETY: forwarded caller contract.
    guard((), || unsafe { locks::cv_wake(cv, false) })
}

/// `WakeAllConditionVariable`.
///
/// # Safety
/// `cv` points to a `CONDITION_VARIABLE`.
#[no_mangle]
pub unsafe extern "C" fn WakeAllConditionVariable(cv: *mut c_void) {
    // SAFETY: forwarded caller contract.
    guard((), || unsafe { locks::cv_wake(cv, true) })
}

/// `InitOnceInitialize`.
///
/// # Safety
/// `once` points to a writable `INIT_ONCE`.
#[no_mangle]
pub unsafe extern "C" fn InitOnceInitialize(once: *mut *mut c_void) {
    // SAFETY: writable per the contract.
    guard((), || unsafe { once.write(std::ptr::null_mut()) })
}

/// `InitOnceExecuteOnce`: runs `f` once; concurrent callers wait for it.
/// A callback returning FALSE leaves the object uninitialised and the call
/// returns FALSE.
///
/// # Safety
/// `once` points to an `INIT_ONCE`; `f` is a valid callback; `ctx` is NULL
/// or writable.
#[no_mangle]
pub unsafe extern "C" fn InitOnceExecuteOnce(
    once: *mut c_void,
    f: Option<InitOnceFn>,
    param: *mut c_void,
    ctx: *mut *mut c_void,
) -> BOOL {
    // SAFETY: forwarded caller contract.
    guard(0, || unsafe { locks::init_once(once, f, param, ctx) })
}
