//! Threads: `CreateThread`, `ExitThread`, `GetExitCodeThread`, waits on
//! thread handles, `GetCurrentThread` duplicated into a real handle.
//!
//! A thread is a detached pthread. Its object holds the exit code
//! (`STILL_ACTIVE`, 259, while it runs) and an unnamed manual-reset event
//! of the library that is set when the thread ends, so a thread handle is
//! waited on like any other object (`WaitForMultipleObjects` mixes threads
//! with events, mutexes and semaphores). The object lives as long as its
//! handles and the running thread.
//!
//! `ExitThread` records the exit code, signals, and ends the thread with
//! `pthread_exit` (a forced unwind: C++ destructors on the thread's stack
//! run, as with Windows' `ExitThread` they do not; see `docs/win32.md`).
//! The trampoline and `ExitThread` are `extern "C-unwind"` and hold no value
//! with a destructor while user code runs, so the unwind crosses no Rust
//! frame that needs cleanup.

use crate::consts::*;
use crate::handles::{self, Entry, Object};
use crate::lasterr;
use named_shm::Event;
use std::cell::RefCell;
use std::ffi::{c_int, c_void};
use std::ptr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Condvar, Mutex};

/// `STILL_ACTIVE`: the exit code of a running thread.
pub const STILL_ACTIVE: u32 = 259;
/// `THREAD_ALL_ACCESS`.
pub const THREAD_ALL_ACCESS: u32 = 0x1F_FFFF;
/// `CREATE_SUSPENDED` (not supported: no `ResumeThread`).
pub const CREATE_SUSPENDED: u32 = 0x4;

/// A thread's kernel object.
pub(crate) struct ThreadObj {
    /// Set (manual reset) when the thread ends.
    pub done: Event,
    exit: AtomicU32,
    tid: AtomicU32,
}

impl ThreadObj {
    fn new() -> Result<ThreadObj, u32> {
        let done = Event::options()
            .manual_reset(true)
            .create_anonymous()
            .map_err(|e| e.win32_code())?;
        Ok(ThreadObj {
            done,
            exit: AtomicU32::new(STILL_ACTIVE),
            tid: AtomicU32::new(0),
        })
    }

    /// The exit code: `STILL_ACTIVE` while the thread runs.
    pub fn exit_code(&self) -> u32 {
        self.exit.load(Ordering::SeqCst)
    }

    fn finish(&self, code: u32) {
        self.exit.store(code, Ordering::SeqCst);
        // Setting an unnamed event of our own cannot fail but for a broken
        // descriptor; waiters would then time out, never see a wrong state.
        let _ = self.done.set();
    }
}

thread_local! {
    /// The object of the calling thread, if it was made by `CreateThread`
    /// or named by a duplicated `GetCurrentThread()`.
    static CURRENT: RefCell<Option<Arc<Object>>> = const { RefCell::new(None) };
}

/// The Windows thread procedure: `DWORD WINAPI f(LPVOID)`.
pub type ThreadProc = unsafe extern "C-unwind" fn(*mut c_void) -> u32;

struct Start {
    proc_: ThreadProc,
    param: *mut c_void,
    obj: Arc<Object>,
    started: Arc<(Mutex<bool>, Condvar)>,
}

extern "C-unwind" {
    fn pthread_create(
        thread: *mut libc::pthread_t,
        attr: *const libc::pthread_attr_t,
        start: extern "C-unwind" fn(*mut c_void) -> *mut c_void,
        arg: *mut c_void,
    ) -> c_int;
    fn pthread_exit(value: *mut c_void) -> !;
}

fn gettid() -> u32 {
    // SAFETY: gettid has no preconditions.
    unsafe { libc::gettid() as u32 }
}

fn thread_of(obj: &Object) -> Option<&ThreadObj> {
    match obj {
        Object::Thread(t) => Some(t),
        _ => None,
    }
}

/// Ends the calling thread's object with `code` (if it has one).
fn finish_current(code: u32) {
    if let Some(obj) = CURRENT.with(|c| c.borrow_mut().take()) {
        if let Some(t) = thread_of(&obj) {
            t.finish(code);
        }
    }
}

extern "C-unwind" fn trampoline(arg: *mut c_void) -> *mut c_void {
    // SAFETY: `arg` is the Box<Start> leaked by `create` for this thread.
    let start = unsafe { Box::from_raw(arg.cast::<Start>()) };
    let (proc_, param) = (start.proc_, start.param);
    if let Some(t) = thread_of(&start.obj) {
        t.tid.store(gettid(), Ordering::SeqCst);
    }
    let obj = Arc::clone(&start.obj);
    CURRENT.with(|c| *c.borrow_mut() = Some(obj));
    {
        let (lock, cv) = &*start.started;
        *lock.lock().unwrap_or_else(|p| p.into_inner()) = true;
        cv.notify_all();
    }
    drop(start);
    // Nothing with a destructor lives in this frame from here on, so an
    // `ExitThread` (forced unwind) may cross it.
    // SAFETY: the caller of CreateThread passed a valid thread procedure.
    let code = unsafe { proc_(param) };
    finish_current(code);
    ptr::null_mut()
}

/// `CreateThread`. `stack` 0 means the default size.
///
/// # Safety
/// `proc_` is a valid thread procedure; `tid_out` is NULL or writable.
pub(crate) unsafe fn create(
    stack: usize,
    proc_: Option<ThreadProc>,
    param: *mut c_void,
    flags: u32,
    tid_out: *mut u32,
) -> *mut c_void {
    let Some(proc_) = proc_ else {
        return lasterr::fail(ERROR_INVALID_PARAMETER, ptr::null_mut());
    };
    if flags & CREATE_SUSPENDED != 0 {
        return lasterr::fail(ERROR_NOT_SUPPORTED, ptr::null_mut());
    }
    let obj = match ThreadObj::new() {
        Ok(t) => Arc::new(Object::Thread(t)),
        Err(code) => return lasterr::fail(code, ptr::null_mut()),
    };
    let started = Arc::new((Mutex::new(false), Condvar::new()));
    let start = Box::into_raw(Box::new(Start {
        proc_,
        param,
        obj: Arc::clone(&obj),
        started: Arc::clone(&started),
    }));
    // SAFETY: a zeroed attr is initialised by pthread_attr_init before use.
    let mut attr: libc::pthread_attr_t = unsafe { std::mem::zeroed() };
    // SAFETY: attr is writable; it is destroyed below.
    unsafe { libc::pthread_attr_init(&mut attr) };
    // SAFETY: attr was initialised above.
    unsafe { libc::pthread_attr_setdetachstate(&mut attr, libc::PTHREAD_CREATE_DETACHED) };
    if stack != 0 {
        let size = stack.max(libc::PTHREAD_STACK_MIN).div_ceil(PAGE_SIZE) * PAGE_SIZE;
        // SAFETY: attr was initialised above; a page-multiple size >= the minimum.
        unsafe { libc::pthread_attr_setstacksize(&mut attr, size) };
    }
    // SAFETY: an uninitialised pthread_t is written by pthread_create.
    let mut th: libc::pthread_t = unsafe { std::mem::zeroed() };
    // SAFETY: attr is initialised; `start` is a leaked Box the trampoline takes back.
    let rc = unsafe { pthread_create(&mut th, &attr, trampoline, start.cast()) };
    // SAFETY: attr was initialised above.
    unsafe { libc::pthread_attr_destroy(&mut attr) };
    if rc != 0 {
        // SAFETY: the thread was not created, so the Box is still ours.
        drop(unsafe { Box::from_raw(start) });
        let code = if rc == libc::EAGAIN {
            ERROR_NOT_ENOUGH_MEMORY
        } else {
            ERROR_INVALID_PARAMETER
        };
        return lasterr::fail(code, ptr::null_mut());
    }
    {
        let (lock, cv) = &*started;
        let mut s = lock.lock().unwrap_or_else(|p| p.into_inner());
        while !*s {
            s = cv.wait(s).unwrap_or_else(|p| p.into_inner());
        }
    }
    let tid = thread_of(&obj).map_or(0, |t| t.tid.load(Ordering::SeqCst));
    if !tid_out.is_null() {
        // SAFETY: non-null and writable per the contract.
        unsafe { tid_out.write(tid) };
    }
    handles::insert(Entry {
        obj,
        access: THREAD_ALL_ACCESS,
    })
}

/// `ExitThread`'s bookkeeping: the exit code, the signal.
pub(crate) fn exit_bookkeeping(code: u32) {
    finish_current(code);
}

/// Ends the calling thread (after `exit_bookkeeping`).
pub(crate) fn exit_now() -> ! {
    // SAFETY: ends the calling thread; the frames above are C frames and
    // `extern "C-unwind"` frames holding nothing with a destructor.
    unsafe { pthread_exit(ptr::null_mut()) }
}

/// The calling thread's object, made on first use for threads not started
/// by `CreateThread` (the main thread: never signalled while the process
/// runs).
pub(crate) fn current_object() -> Result<Arc<Object>, u32> {
    if let Some(o) = CURRENT.with(|c| c.borrow().clone()) {
        return Ok(o);
    }
    let t = ThreadObj::new()?;
    t.tid.store(gettid(), Ordering::SeqCst);
    let o = Arc::new(Object::Thread(t));
    CURRENT.with(|c| *c.borrow_mut() = Some(Arc::clone(&o)));
    Ok(o)
}

/// `GetExitCodeThread`.
///
/// # Safety
/// `out` is NULL or writable.
pub(crate) unsafe fn exit_code(h: *mut c_void, out: *mut u32) -> i32 {
    let code = if h as isize == handles::CURRENT_THREAD {
        STILL_ACTIVE
    } else {
        let entry = match handles::get(h) {
            Ok(e) => e,
            Err(code) => return lasterr::fail(code, 0),
        };
        match thread_of(&entry.obj) {
            Some(t) => t.exit_code(),
            None => return lasterr::fail(ERROR_INVALID_HANDLE, 0),
        }
    };
    if out.is_null() {
        return lasterr::fail(ERROR_NOACCESS, 0);
    }
    // SAFETY: non-null and writable per the contract.
    unsafe { out.write(code) };
    1
}

/// `GetThreadId`.
pub(crate) fn thread_id(h: *mut c_void) -> u32 {
    if h as isize == handles::CURRENT_THREAD {
        return gettid();
    }
    match handles::get(h) {
        Ok(e) => match thread_of(&e.obj) {
            Some(t) => t.tid.load(Ordering::SeqCst),
            None => lasterr::fail(ERROR_INVALID_HANDLE, 0),
        },
        Err(code) => lasterr::fail(code, 0),
    }
}

/// Maps `GENERIC_*` bits of a thread access mask.
pub(crate) fn map_generic(access: u32) -> u32 {
    let mut a = access & !(GENERIC_READ | GENERIC_WRITE | GENERIC_EXECUTE | GENERIC_ALL | MAXIMUM_ALLOWED);
    if access & (GENERIC_READ | GENERIC_EXECUTE) != 0 {
        a |= STANDARD_RIGHTS_READ | SYNCHRONIZE;
    }
    if access & GENERIC_WRITE != 0 {
        a |= STANDARD_RIGHTS_WRITE;
    }
    if access & (GENERIC_ALL | MAXIMUM_ALLOWED) != 0 {
        a |= THREAD_ALL_ACCESS;
    }
    a
}
