//! The Win32 C ABI for named shared memory, events and mutexes, on top of
//! [`named_shm`].
//!
//! Windows C and C++ programs that share memory by name
//! (`CreateFileMapping`, `OpenFileMapping`, `MapViewOfFile`, events, mutexes,
//! `WaitForSingleObject`, …) compile unchanged with gcc/g++ against the
//! headers in `include/` and link with this library (`scripts/wincc` does
//! both). Every call returns what Windows returns and sets the same
//! `GetLastError` code (see `docs/win32.md` for the few differences).
//!
//! The semantics are `named-shm`'s; this crate adds only what the C ABI needs:
//! - a process-global handle table (values that look like Windows handles:
//!   multiples of 4 from 4, the two low bits ignored on lookup),
//! - the calling thread's last error,
//! - access masks of handles and protections of views,
//! - views tracked by base address (any address inside a view unmaps it).
//!
//! Views start at 64 KiB multiples as on Windows
//! ([`named_shm::MapOptions::aligned`]); unnamed objects (NULL name) are the
//! library's anonymous ones ([`named_shm::SharedMemory::create_anonymous`]
//! and the event and mutex equivalents): never published, they live exactly
//! as long as their handles and nobody else can open them.
//!
//! No panic crosses the C boundary: every exported function runs its body
//! under [`std::panic::catch_unwind`] (the private `guard`) and reports
//! `ERROR_INTERNAL_ERROR`; `tests/exports.rs` checks that none is missed.

#![deny(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]
#![allow(non_snake_case)]

pub mod compat;
pub mod consts;
mod handles;
mod lasterr;
mod mapping;
mod misc;
mod names;
mod sync;
// Semaphores, threads and the companions programs use with them.
mod companions;
mod locks;
mod semaphore;
mod thread;

use consts::*;
use std::ffi::{c_char, c_int, c_void};
use std::panic::{catch_unwind, AssertUnwindSafe};

pub use misc::SystemInfo;

/// Win32 `HANDLE`.
pub type HANDLE = *mut c_void;
/// Win32 `BOOL`.
pub type BOOL = c_int;

/// Runs `f`, turning a panic into `fail` with `ERROR_INTERNAL_ERROR`.
fn guard<T>(fail: T, f: impl FnOnce() -> T) -> T {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(v) => v,
        Err(_) => lasterr::fail(ERROR_INTERNAL_ERROR, fail),
    }
}

fn null() -> HANDLE {
    std::ptr::null_mut()
}

// ---------------------------------------------------------------- last error

/// `GetLastError`: the calling thread's last-error code.
#[no_mangle]
pub extern "C" fn GetLastError() -> u32 {
    guard(ERROR_INTERNAL_ERROR, lasterr::get)
}

/// `SetLastError`: sets the calling thread's last-error code.
#[no_mangle]
pub extern "C" fn SetLastError(code: u32) {
    guard((), || lasterr::set(code))
}

// ------------------------------------------------------------- file mappings

/// `CreateFileMappingA`: creates or opens a named (or unnamed) page-file-backed
/// section. Only `hFile == INVALID_HANDLE_VALUE` is supported (other handles: 6).
///
/// # Safety
/// `name` is NULL or a NUL-terminated string; `sa` is ignored.
#[no_mangle]
pub unsafe extern "C" fn CreateFileMappingA(
    hfile: HANDLE,
    _sa: *mut c_void,
    protect: u32,
    size_high: u32,
    size_low: u32,
    name: *const c_char,
) -> HANDLE {
    guard(null(), || {
        // SAFETY: forwarded caller contract.
        let name = unsafe { names::from_a(name) };
        mapping::create(hfile, protect, size_high, size_low, name)
    })
}

/// `CreateFileMappingW`: as [`CreateFileMappingA`] with a UTF-16 name.
///
/// # Safety
/// `name` is NULL or a NUL-terminated UTF-16 string; `sa` is ignored.
#[no_mangle]
pub unsafe extern "C" fn CreateFileMappingW(
    hfile: HANDLE,
    _sa: *mut c_void,
    protect: u32,
    size_high: u32,
    size_low: u32,
    name: *const u16,
) -> HANDLE {
    guard(null(), || {
        // SAFETY: forwarded caller contract.
        let name = unsafe { names::from_w(name) };
        mapping::create(hfile, protect, size_high, size_low, name)
    })
}

/// `OpenFileMappingA`: opens a named section with the given `FILE_MAP_*` access.
///
/// # Safety
/// `name` is NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn OpenFileMappingA(access: u32, _inherit: BOOL, name: *const c_char) -> HANDLE {
    guard(null(), || {
        // SAFETY: forwarded caller contract.
        let name = unsafe { names::from_a(name) };
        mapping::open(access, name)
    })
}

/// `OpenFileMappingW`: as [`OpenFileMappingA`] with a UTF-16 name.
///
/// # Safety
/// `name` is NULL or a NUL-terminated UTF-16 string.
#[no_mangle]
pub unsafe extern "C" fn OpenFileMappingW(access: u32, _inherit: BOOL, name: *const u16) -> HANDLE {
    guard(null(), || {
        // SAFETY: forwarded caller contract.
        let name = unsafe { names::from_w(name) };
        mapping::open(access, name)
    })
}

/// `MapViewOfFile`: maps a view at a 64 KiB-aligned address.
#[no_mangle]
pub extern "C" fn MapViewOfFile(
    h: HANDLE,
    access: u32,
    off_high: u32,
    off_low: u32,
    size: usize,
) -> *mut c_void {
    guard(null(), || {
        mapping::map_view(h, access, off_high, off_low, size, null())
    })
}

/// `MapViewOfFileEx`: as [`MapViewOfFile`], at `base` when it is not NULL
/// (64 KiB-aligned, else 1132; in use, 487).
#[no_mangle]
pub extern "C" fn MapViewOfFileEx(
    h: HANDLE,
    access: u32,
    off_high: u32,
    off_low: u32,
    size: usize,
    base: *mut c_void,
) -> *mut c_void {
    guard(null(), || {
        mapping::map_view(h, access, off_high, off_low, size, base)
    })
}

/// `UnmapViewOfFile`: unmaps the whole view containing `addr` (else FALSE, 487).
#[no_mangle]
pub extern "C" fn UnmapViewOfFile(addr: *const c_void) -> BOOL {
    guard(0, || mapping::unmap_view(addr))
}

/// `FlushViewOfFile`: succeeds for any address inside a view (else FALSE, 87 as Wine).
#[no_mangle]
pub extern "C" fn FlushViewOfFile(addr: *const c_void, _len: usize) -> BOOL {
    guard(0, || mapping::flush_view(addr))
}

// ------------------------------------------------------------------ handles

/// `CloseHandle`: closes a handle; the object (and its name) dies with its
/// last handle in any process. Invalid or closed handles: FALSE, 6.
#[no_mangle]
pub extern "C" fn CloseHandle(h: HANDLE) -> BOOL {
    guard(0, || {
        if handles::is_pseudo(h) {
            return 1;
        }
        match handles::remove(h) {
            Ok(entry) => {
                drop(entry);
                1
            }
            Err(code) => lasterr::fail(code, 0),
        }
    })
}

/// `DuplicateHandle`, within the current process only (both process handles
/// must be `GetCurrentProcess()`; otherwise FALSE, 6).
///
/// # Safety
/// `target` is NULL or points to writable storage for a `HANDLE`.
#[no_mangle]
pub unsafe extern "C" fn DuplicateHandle(
    src_process: HANDLE,
    src: HANDLE,
    dst_process: HANDLE,
    target: *mut HANDLE,
    access: u32,
    _inherit: BOOL,
    options: u32,
) -> BOOL {
    guard(0, || {
        let me = handles::CURRENT_PROCESS;
        if src_process as isize != me || dst_process as isize != me {
            return lasterr::fail(ERROR_INVALID_HANDLE, 0);
        }
        let entry = match handles::get(src) {
            Ok(e) => e,
            // The current thread's pseudo-handle becomes a real thread handle.
            Err(_) if src as isize == handles::CURRENT_THREAD => match thread::current_object() {
                Ok(obj) => handles::Entry {
                    obj,
                    access: thread::THREAD_ALL_ACCESS,
                },
                Err(code) => return lasterr::fail(code, 0),
            },
            Err(code) => return lasterr::fail(code, 0),
        };
        if options & DUPLICATE_CLOSE_SOURCE != 0 {
            let _ = handles::remove(src);
        }
        if target.is_null() {
            return 1;
        }
        let access = if options & DUPLICATE_SAME_ACCESS != 0 {
            entry.access
        } else {
            match &*entry.obj {
                handles::Object::Mapping(_) => mapping::map_generic_section(access),
                handles::Object::Event(_) => sync::map_generic_sync(access, false),
                handles::Object::Mutex(_) => sync::map_generic_sync(access, true),
                handles::Object::Semaphore(_) => semaphore::map_generic(access),
                handles::Object::Thread(_) => thread::map_generic(access),
            }
        };
        let h = handles::insert(handles::Entry {
            obj: entry.obj,
            access,
        });
        // SAFETY: target is non-null and writable per the contract.
        unsafe { *target = h };
        1
    })
}

/// `GetCurrentProcess`: the pseudo-handle `(HANDLE)-1`.
#[no_mangle]
pub extern "C" fn GetCurrentProcess() -> HANDLE {
    guard(handles::CURRENT_PROCESS as HANDLE, || {
        handles::CURRENT_PROCESS as HANDLE
    })
}

/// `GetCurrentThread`: the pseudo-handle `(HANDLE)-2`.
#[no_mangle]
pub extern "C" fn GetCurrentThread() -> HANDLE {
    guard(handles::CURRENT_THREAD as HANDLE, || {
        handles::CURRENT_THREAD as HANDLE
    })
}

// ------------------------------------------------------------ events, mutexes

/// `CreateEventA`: creates or opens a named (or unnamed) event.
///
/// # Safety
/// `name` is NULL or a NUL-terminated string; `sa` is ignored.
#[no_mangle]
pub unsafe extern "C" fn CreateEventA(
    _sa: *mut c_void,
    manual: BOOL,
    initial: BOOL,
    name: *const c_char,
) -> HANDLE {
    guard(null(), || {
        // SAFETY: forwarded caller contract.
        let name = unsafe { names::from_a(name) };
        sync::create_event(manual != 0, initial != 0, name)
    })
}

/// `CreateEventW`: as [`CreateEventA`] with a UTF-16 name.
///
/// # Safety
/// `name` is NULL or a NUL-terminated UTF-16 string; `sa` is ignored.
#[no_mangle]
pub unsafe extern "C" fn CreateEventW(
    _sa: *mut c_void,
    manual: BOOL,
    initial: BOOL,
    name: *const u16,
) -> HANDLE {
    guard(null(), || {
        // SAFETY: forwarded caller contract.
        let name = unsafe { names::from_w(name) };
        sync::create_event(manual != 0, initial != 0, name)
    })
}

/// `OpenEventA`: opens a named event with the given access.
///
/// # Safety
/// `name` is NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn OpenEventA(access: u32, _inherit: BOOL, name: *const c_char) -> HANDLE {
    guard(null(), || {
        // SAFETY: forwarded caller contract.
        let name = unsafe { names::from_a(name) };
        sync::open_event(access, name)
    })
}

/// `OpenEventW`: as [`OpenEventA`] with a UTF-16 name.
///
/// # Safety
/// `name` is NULL or a NUL-terminated UTF-16 string.
#[no_mangle]
pub unsafe extern "C" fn OpenEventW(access: u32, _inherit: BOOL, name: *const u16) -> HANDLE {
    guard(null(), || {
        // SAFETY: forwarded caller contract.
        let name = unsafe { names::from_w(name) };
        sync::open_event(access, name)
    })
}

/// `SetEvent`: signals an event (needs `EVENT_MODIFY_STATE`).
#[no_mangle]
pub extern "C" fn SetEvent(h: HANDLE) -> BOOL {
    guard(0, || sync::set_event(h, true))
}

/// `ResetEvent`: unsignals an event (needs `EVENT_MODIFY_STATE`).
#[no_mangle]
pub extern "C" fn ResetEvent(h: HANDLE) -> BOOL {
    guard(0, || sync::set_event(h, false))
}

/// `CreateMutexA`: creates or opens a named (or unnamed) mutex; the caller
/// owns it initially only if it asked to and created it.
///
/// # Safety
/// `name` is NULL or a NUL-terminated string; `sa` is ignored.
#[no_mangle]
pub unsafe extern "C" fn CreateMutexA(_sa: *mut c_void, initial_owner: BOOL, name: *const c_char) -> HANDLE {
    guard(null(), || {
        // SAFETY: forwarded caller contract.
        let name = unsafe { names::from_a(name) };
        sync::create_mutex(initial_owner != 0, name)
    })
}

/// `CreateMutexW`: as [`CreateMutexA`] with a UTF-16 name.
///
/// # Safety
/// `name` is NULL or a NUL-terminated UTF-16 string; `sa` is ignored.
#[no_mangle]
pub unsafe extern "C" fn CreateMutexW(_sa: *mut c_void, initial_owner: BOOL, name: *const u16) -> HANDLE {
    guard(null(), || {
        // SAFETY: forwarded caller contract.
        let name = unsafe { names::from_w(name) };
        sync::create_mutex(initial_owner != 0, name)
    })
}

/// `OpenMutexA`: opens a named mutex with the given access.
///
/// # Safety
/// `name` is NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn OpenMutexA(access: u32, _inherit: BOOL, name: *const c_char) -> HANDLE {
    guard(null(), || {
        // SAFETY: forwarded caller contract.
        let name = unsafe { names::from_a(name) };
        sync::open_mutex(access, name)
    })
}

/// `OpenMutexW`: as [`OpenMutexA`] with a UTF-16 name.
///
/// # Safety
/// `name` is NULL or a NUL-terminated UTF-16 string.
#[no_mangle]
pub unsafe extern "C" fn OpenMutexW(access: u32, _inherit: BOOL, name: *const u16) -> HANDLE {
    guard(null(), || {
        // SAFETY: forwarded caller contract.
        let name = unsafe { names::from_w(name) };
        sync::open_mutex(access, name)
    })
}

/// `ReleaseMutex`: releases one level of ownership (not the owner: FALSE, 288).
#[no_mangle]
pub extern "C" fn ReleaseMutex(h: HANDLE) -> BOOL {
    guard(0, || sync::release_mutex(h))
}

/// `WaitForSingleObject`: `WAIT_OBJECT_0`, `WAIT_ABANDONED`, `WAIT_TIMEOUT`
/// or `WAIT_FAILED` (bogus handle: 6; no `SYNCHRONIZE`: 5).
#[no_mangle]
pub extern "C" fn WaitForSingleObject(h: HANDLE, ms: u32) -> u32 {
    guard(WAIT_FAILED, || sync::wait_single(h, ms))
}

/// `WaitForMultipleObjects` on 1 to 64 events and mutexes.
///
/// # Safety
/// `handles` points to `count` readable handles.
#[no_mangle]
pub unsafe extern "C" fn WaitForMultipleObjects(
    count: u32,
    handles: *const HANDLE,
    wait_all: BOOL,
    ms: u32,
) -> u32 {
    // SAFETY: forwarded caller contract.
    guard(WAIT_FAILED, || unsafe {
        sync::wait_multiple(count, handles, wait_all != 0, ms)
    })
}

// -------------------------------------------------------------------- misc

/// `GetSystemInfo`: page size 4 KiB, allocation granularity 64 KiB.
///
/// # Safety
/// `info` is NULL (ignored) or points to a writable `SYSTEM_INFO`.
#[no_mangle]
pub unsafe extern "C" fn GetSystemInfo(info: *mut SystemInfo) {
    guard((), || {
        if !info.is_null() {
            // SAFETY: non-null and writable per the contract.
            unsafe { info.write(misc::system_info()) };
        }
    })
}

/// `Sleep`: suspends the thread for `ms` milliseconds (`INFINITE`: forever).
#[no_mangle]
pub extern "C" fn Sleep(ms: u32) {
    guard((), || {
        if ms == INFINITE {
            loop {
                std::thread::sleep(std::time::Duration::from_secs(3600));
            }
        }
        if ms == 0 {
            // Sleep(0) gives up the rest of the time slice.
            std::thread::yield_now();
        }
        std::thread::sleep(std::time::Duration::from_millis(u64::from(ms)))
    })
}

/// `GetCurrentProcessId`.
#[no_mangle]
pub extern "C" fn GetCurrentProcessId() -> u32 {
    guard(0, std::process::id)
}

/// `GetCurrentThreadId`: the kernel thread id.
#[no_mangle]
pub extern "C" fn GetCurrentThreadId() -> u32 {
    // SAFETY: gettid has no preconditions.
    guard(0, || unsafe { libc::gettid() as u32 })
}

/// `ExitProcess`: runs `atexit` handlers, flushes C streams and exits. Mutexes
/// the process owns become abandoned.
#[no_mangle]
pub extern "C" fn ExitProcess(code: u32) -> ! {
    // SAFETY: exit may be called from any thread; the process ends here.
    guard((), || unsafe { libc::exit(code as c_int) });
    // Only if an exit handler panicked: end without running the others.
    // SAFETY: _exit has no preconditions; the process ends here.
    unsafe { libc::_exit(code as c_int) }
}

/// `GetTickCount`: milliseconds since boot (wraps after 49.7 days).
#[no_mangle]
pub extern "C" fn GetTickCount() -> u32 {
    guard(0, || (monotonic_ns() / 1_000_000) as u32)
}

fn monotonic_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: ts is a valid out-pointer.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// `QueryPerformanceCounter`: nanoseconds of the monotonic clock.
///
/// # Safety
/// `out` is NULL or points to a writable 64-bit integer.
#[no_mangle]
pub unsafe extern "C" fn QueryPerformanceCounter(out: *mut i64) -> BOOL {
    guard(0, || {
        if out.is_null() {
            return lasterr::fail(ERROR_NOACCESS, 0);
        }
        // SAFETY: non-null and writable per the contract.
        unsafe { *out = monotonic_ns() as i64 };
        1
    })
}

/// `QueryPerformanceFrequency`: 10^9 (the counter counts nanoseconds).
///
/// # Safety
/// `out` is NULL or points to a writable 64-bit integer.
#[no_mangle]
pub unsafe extern "C" fn QueryPerformanceFrequency(out: *mut i64) -> BOOL {
    guard(0, || {
        if out.is_null() {
            return lasterr::fail(ERROR_NOACCESS, 0);
        }
        // SAFETY: non-null and writable per the contract.
        unsafe { *out = 1_000_000_000 };
        1
    })
}

/// `lstrlenA`: length in bytes; NULL gives 0.
///
/// # Safety
/// `s` is NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn lstrlenA(s: *const c_char) -> c_int {
    guard(0, || {
        if s.is_null() {
            return 0;
        }
        // SAFETY: non-null and NUL-terminated per the contract.
        unsafe { libc::strlen(s) as c_int }
    })
}

/// `lstrlenW`: length in UTF-16 code units; NULL gives 0.
///
/// # Safety
/// `s` is NULL or a NUL-terminated UTF-16 string.
#[no_mangle]
pub unsafe extern "C" fn lstrlenW(s: *const u16) -> c_int {
    guard(0, || {
        if s.is_null() {
            return 0;
        }
        // SAFETY: non-null and NUL-terminated per the contract.
        unsafe { names::wide_len(s) as c_int }
    })
}

fn message_box_result(kind: u32) -> c_int {
    // The first button of each MB_* button set.
    match kind & 0xF {
        2 => 3,     // MB_ABORTRETRYIGNORE: IDABORT
        3 | 4 => 6, // MB_YESNOCANCEL, MB_YESNO: IDYES
        5 => 4,     // MB_RETRYCANCEL: IDRETRY
        6 => 2,     // MB_CANCELTRYCONTINUE: IDCANCEL
        _ => 1,     // MB_OK, MB_OKCANCEL: IDOK
    }
}

/// `MessageBoxA`: without a display, prints `caption: text` on one line to
/// standard output and returns `IDOK` (the first button).
///
/// # Safety
/// `text` and `caption` are NULL or NUL-terminated strings.
#[no_mangle]
pub unsafe extern "C" fn MessageBoxA(
    _hwnd: HANDLE,
    text: *const c_char,
    caption: *const c_char,
    kind: u32,
) -> c_int {
    guard(0, || {
        let s = |p: *const c_char| {
            (!p.is_null()).then(|| {
                // SAFETY: non-null and NUL-terminated per the contract.
                unsafe { std::ffi::CStr::from_ptr(p) }
                    .to_string_lossy()
                    .into_owned()
            })
        };
        misc::message_box(
            &s(text).unwrap_or_default(),
            &s(caption).unwrap_or_else(|| "Error".into()),
        );
        message_box_result(kind)
    })
}

/// `MessageBoxW`: as [`MessageBoxA`] with UTF-16 strings.
///
/// # Safety
/// `text` and `caption` are NULL or NUL-terminated UTF-16 strings.
#[no_mangle]
pub unsafe extern "C" fn MessageBoxW(
    _hwnd: HANDLE,
    text: *const u16,
    caption: *const u16,
    kind: u32,
) -> c_int {
    guard(0, || {
        let s = |p: *const u16| {
            if p.is_null() {
                return None;
            }
            // SAFETY: non-null and NUL-terminated per the contract.
            let units = unsafe { std::slice::from_raw_parts(p, names::wide_len(p)) };
            Some(String::from_utf16_lossy(units))
        };
        misc::message_box(
            &s(text).unwrap_or_default(),
            &s(caption).unwrap_or_else(|| "Error".into()),
        );
        message_box_result(kind)
    })
}

/// `_getch`: one key from a terminal without echo; one byte from a pipe or
/// file; -1 at once at end of input.
#[no_mangle]
pub extern "C" fn _getch() -> c_int {
    guard(-1, || misc::getch(false))
}

/// `_getche`: as [`_getch`], echoing the key.
#[no_mangle]
pub extern "C" fn _getche() -> c_int {
    guard(-1, || misc::getch(true))
}

/// `_kbhit`: non-zero when input is waiting.
#[no_mangle]
pub extern "C" fn _kbhit() -> c_int {
    guard(0, misc::kbhit)
}

/// For the `wmain` shim `scripts/wincc` generates: `argv` as UTF-16 strings,
/// NULL-terminated, alive until exit.
///
/// # Safety
/// `argv` holds `argc` valid C strings.
#[no_mangle]
pub unsafe extern "C" fn named_shm_win32_wide_argv(argc: c_int, argv: *const *const c_char) -> *mut *mut u16 {
    // SAFETY: forwarded caller contract.
    guard(std::ptr::null_mut(), || unsafe { misc::wide_argv(argc, argv) })
}
