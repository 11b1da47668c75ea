//! Win32 calls beyond shared memory that programs sharing memory by name
//! make: `PulseEvent`, the `Ex` waits, registered window messages and
//! broadcasts, process and thread priorities, winmm's timer calls.
//! What each does on Linux is in `docs/win32.md` ("Porting a program").

use crate::consts::*;
use crate::handles::{self, Object};
use crate::{guard, lasterr, sync, BOOL, HANDLE};
use std::cell::Cell;
use std::ffi::{c_char, c_int, CStr};
use std::sync::atomic::{AtomicU32, Ordering};

const ERROR_INVALID_WINDOW_HANDLE: u32 = 1400;
const HWND_BROADCAST: usize = 0xffff;
const TIMERR_NOERROR: u32 = 0;
const TIMERR_NOCANDO: u32 = 97;

/// `PulseEvent`: releases the threads waiting now and leaves the event
/// non-signalled (needs `EVENT_MODIFY_STATE`).
#[no_mangle]
pub extern "C" fn PulseEvent(h: HANDLE) -> BOOL {
    guard(0, || {
        let entry = match handles::get(h) {
            Ok(e) => e,
            Err(code) => return lasterr::fail(code, 0),
        };
        let Object::Event(ev) = &*entry.obj else {
            return lasterr::fail(ERROR_INVALID_HANDLE, 0);
        };
        if entry.access & EVENT_MODIFY_STATE == 0 {
            return lasterr::fail(ERROR_ACCESS_DENIED, 0);
        }
        match ev.pulse() {
            Ok(()) => 1,
            Err(e) => lasterr::fail(e.win32_code(), 0),
        }
    })
}

/// `WaitForSingleObjectEx`: `WaitForSingleObject` when `alertable` is FALSE;
/// an alertable wait fails (`ERROR_NOT_SUPPORTED`: no APCs here).
#[no_mangle]
pub extern "C" fn WaitForSingleObjectEx(h: HANDLE, ms: u32, alertable: BOOL) -> u32 {
    guard(WAIT_FAILED, || {
        if alertable != 0 {
            return lasterr::fail(ERROR_NOT_SUPPORTED, WAIT_FAILED);
        }
        sync::wait_single(h, ms)
    })
}

/// `WaitForMultipleObjectsEx`: as `WaitForSingleObjectEx`.
///
/// # Safety
/// `handles` points to `count` readable handles.
#[no_mangle]
pub unsafe extern "C" fn WaitForMultipleObjectsEx(
    count: u32,
    hs: *const HANDLE,
    wait_all: BOOL,
    ms: u32,
    alertable: BOOL,
) -> u32 {
    guard(WAIT_FAILED, || {
        if alertable != 0 {
            return lasterr::fail(ERROR_NOT_SUPPORTED, WAIT_FAILED);
        }
        // SAFETY: forwarded caller contract.
        unsafe { sync::wait_multiple(count, hs, wait_all != 0, ms) }
    })
}

/// `SleepEx`: `Sleep`, returning 0. No APC can be queued here, so an
/// alertable sleep runs its full time, as on Windows with no APC queued.
#[no_mangle]
pub extern "C" fn SleepEx(ms: u32, _alertable: BOOL) -> u32 {
    guard(0, || {
        crate::Sleep(ms);
        0
    })
}

/// The registered message id of `units` (UTF-16 code units): the same
/// for the same name (case-insensitive, ASCII and the BMP's simple case
/// folding) in every process, in 0xC000..=0xFFFF; 0 and
/// `ERROR_INVALID_PARAMETER` for an empty name.
fn register_message(units: impl Iterator<Item = u32>) -> u32 {
    // FNV-1a over the upper-cased units.
    let mut h: u32 = 0x811c_9dc5;
    let mut n = 0usize;
    for u in units {
        let up = char::from_u32(u)
            .map(|c| c.to_uppercase().next().unwrap_or(c) as u32)
            .unwrap_or(u);
        for b in up.to_le_bytes() {
            h = (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
        }
        n += 1;
    }
    if n == 0 {
        return lasterr::fail(ERROR_INVALID_PARAMETER, 0);
    }
    0xC000 + (h % 0x4000)
}

/// `RegisterWindowMessageA`.
///
/// # Safety
/// `name` is NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn RegisterWindowMessageA(name: *const c_char) -> u32 {
    guard(0, || {
        if name.is_null() {
            return lasterr::fail(ERROR_NOACCESS, 0);
        }
        // SAFETY: non-null and NUL-terminated per the contract.
        let s = unsafe { CStr::from_ptr(name) };
        let text = String::from_utf8_lossy(s.to_bytes());
        register_message(text.encode_utf16().map(u32::from))
    })
}

/// `RegisterWindowMessageW`.
///
/// # Safety
/// `name` is NULL or a NUL-terminated UTF-16 string.
#[no_mangle]
pub unsafe extern "C" fn RegisterWindowMessageW(name: *const u16) -> u32 {
    guard(0, || {
        if name.is_null() {
            return lasterr::fail(ERROR_NOACCESS, 0);
        }
        let mut len = 0usize;
        // SAFETY: NUL-terminated per the contract: every unit up to the
        // terminator is readable.
        while unsafe { *name.add(len) } != 0 {
            len += 1;
        }
        // SAFETY: `len` readable units, counted above.
        let units = unsafe { std::slice::from_raw_parts(name, len) };
        register_message(units.iter().map(|&u| u32::from(u)))
    })
}

/// A posted or notified message: a broadcast succeeds (no window here to
/// receive it); any other window handle is not a window.
fn post(hwnd: HANDLE) -> BOOL {
    if hwnd as usize == HWND_BROADCAST {
        1
    } else {
        lasterr::fail(ERROR_INVALID_WINDOW_HANDLE, 0)
    }
}

/// `PostMessageA`: see [`post`].
#[no_mangle]
pub extern "C" fn PostMessageA(hwnd: HANDLE, _msg: u32, _w: usize, _l: isize) -> BOOL {
    guard(0, || post(hwnd))
}

/// `PostMessageW`: see [`post`].
#[no_mangle]
pub extern "C" fn PostMessageW(hwnd: HANDLE, _msg: u32, _w: usize, _l: isize) -> BOOL {
    guard(0, || post(hwnd))
}

/// `SendNotifyMessageA`: see [`post`].
#[no_mangle]
pub extern "C" fn SendNotifyMessageA(hwnd: HANDLE, _msg: u32, _w: usize, _l: isize) -> BOOL {
    guard(0, || post(hwnd))
}

/// `SendNotifyMessageW`: see [`post`].
#[no_mangle]
pub extern "C" fn SendNotifyMessageW(hwnd: HANDLE, _msg: u32, _w: usize, _l: isize) -> BOOL {
    guard(0, || post(hwnd))
}

// ------------------------------------------------------------- priorities

const IDLE: u32 = 0x40;
const BELOW_NORMAL: u32 = 0x4000;
const NORMAL: u32 = 0x20;
const ABOVE_NORMAL: u32 = 0x8000;
const HIGH: u32 = 0x80;
const REALTIME: u32 = 0x100;

/// The process's priority class as last set (Windows reports the class,
/// not the nice value Linux applied).
static PRIORITY_CLASS: AtomicU32 = AtomicU32::new(NORMAL);

thread_local! {
    static THREAD_PRIORITY: Cell<c_int> = const { Cell::new(0) };
}

/// Asks for nice value `nice` for `who` (0: the calling thread, whose nice
/// value is its own on Linux). A raise Linux refuses is ignored.
fn renice(nice: c_int) {
    // SAFETY: gettid and setpriority take no pointers; the thread id is
    // the caller's own.
    unsafe {
        let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
        let _ = libc::setpriority(libc::PRIO_PROCESS, tid, nice);
    }
}

/// `SetPriorityClass` on `GetCurrentProcess()`: IDLE 19, BELOW_NORMAL 10,
/// NORMAL 0, ABOVE_NORMAL -5, HIGH -10, REALTIME -20 (of the calling
/// thread: Linux's nice value is per thread).
#[no_mangle]
pub extern "C" fn SetPriorityClass(h: HANDLE, class: u32) -> BOOL {
    guard(0, || {
        if h as isize != handles::CURRENT_PROCESS {
            return lasterr::fail(ERROR_INVALID_HANDLE, 0);
        }
        let nice = match class {
            IDLE => 19,
            BELOW_NORMAL => 10,
            NORMAL => 0,
            ABOVE_NORMAL => -5,
            HIGH => -10,
            REALTIME => -20,
            _ => return lasterr::fail(ERROR_INVALID_PARAMETER, 0),
        };
        renice(nice);
        PRIORITY_CLASS.store(class, Ordering::Relaxed);
        1
    })
}

/// `GetPriorityClass` on `GetCurrentProcess()`.
#[no_mangle]
pub extern "C" fn GetPriorityClass(h: HANDLE) -> u32 {
    guard(0, || {
        if h as isize != handles::CURRENT_PROCESS {
            return lasterr::fail(ERROR_INVALID_HANDLE, 0);
        }
        PRIORITY_CLASS.load(Ordering::Relaxed)
    })
}

/// `SetThreadPriority` on `GetCurrentThread()`: -15, -2..=2 and 15; the
/// level is remembered and, below normal, applied as a nice value.
#[no_mangle]
pub extern "C" fn SetThreadPriority(h: HANDLE, prio: c_int) -> BOOL {
    guard(0, || {
        if h as isize != handles::CURRENT_THREAD {
            return lasterr::fail(ERROR_INVALID_HANDLE, 0);
        }
        if !matches!(prio, -15 | -2..=2 | 15) {
            return lasterr::fail(ERROR_INVALID_PARAMETER, 0);
        }
        if prio < 0 {
            renice(if prio == -15 { 19 } else { -prio * 2 });
        }
        THREAD_PRIORITY.with(|p| p.set(prio));
        1
    })
}

/// `GetThreadPriority` on `GetCurrentThread()` (other handles:
/// `THREAD_PRIORITY_ERROR_RETURN`, `ERROR_INVALID_HANDLE`).
#[no_mangle]
pub extern "C" fn GetThreadPriority(h: HANDLE) -> c_int {
    guard(0x7fff_ffff, || {
        if h as isize != handles::CURRENT_THREAD {
            return lasterr::fail(ERROR_INVALID_HANDLE, 0x7fff_ffff);
        }
        THREAD_PRIORITY.with(Cell::get)
    })
}

// --------------------------------------------------------------- winmm

/// `timeGetTime`: milliseconds since boot (as `GetTickCount`).
#[no_mangle]
pub extern "C" fn timeGetTime() -> u32 {
    guard(0, || crate::GetTickCount())
}

fn period(ms: u32) -> u32 {
    if (1..=65535).contains(&ms) {
        TIMERR_NOERROR
    } else {
        TIMERR_NOCANDO
    }
}

/// `timeBeginPeriod`: Linux timers are already finer than a millisecond.
#[no_mangle]
pub extern "C" fn timeBeginPeriod(ms: u32) -> u32 {
    guard(TIMERR_NOCANDO, || period(ms))
}

/// `timeEndPeriod`: as `timeBeginPeriod`.
#[no_mangle]
pub extern "C" fn timeEndPeriod(ms: u32) -> u32 {
    guard(TIMERR_NOCANDO, || period(ms))
}
