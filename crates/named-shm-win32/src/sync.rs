//! Events, mutexes and waits: `CreateEvent`, `OpenEvent`, `SetEvent`,
//! `ResetEvent`, `CreateMutex`, `OpenMutex`, `ReleaseMutex`,
//! `WaitForSingleObject`, `WaitForMultipleObjects`.

use crate::consts::*;
use crate::handles::{self, Entry, Object};
use crate::lasterr;
use named_shm::{wait_for_multiple, Event, MultiWaitStatus, Mutex, WaitObject, WaitStatus};
use std::ffi::c_void;
use std::ptr;
use std::sync::Arc;
use std::time::Duration;

fn timeout(ms: u32) -> Option<Duration> {
    (ms != INFINITE).then(|| Duration::from_millis(u64::from(ms)))
}

fn name_or_fail(name: Result<Option<String>, u32>) -> Result<Option<String>, *mut c_void> {
    name.map(|n| n.filter(|n| !n.is_empty()))
        .map_err(|code| lasterr::fail(code, ptr::null_mut()))
}

fn publish(obj: Object, access: u32, created: bool) -> *mut c_void {
    let h = handles::insert(Entry {
        obj: Arc::new(obj),
        access,
    });
    lasterr::set(if created {
        ERROR_SUCCESS
    } else {
        ERROR_ALREADY_EXISTS
    });
    h
}

/// `CreateEventA/W` after name conversion.
pub(crate) fn create_event(manual: bool, initial: bool, name: Result<Option<String>, u32>) -> *mut c_void {
    let name = match name_or_fail(name) {
        Ok(n) => n,
        Err(h) => return h,
    };
    let mut opts = Event::options();
    opts.manual_reset(manual).initially_set(initial);
    let r = match &name {
        Some(n) => opts.open_or_create(n),
        None => opts.create_anonymous(),
    };
    match r {
        Ok(ev) => {
            let created = ev.created();
            publish(Object::Event(ev), EVENT_ALL_ACCESS, created)
        }
        Err(e) => lasterr::fail(e.win32_code(), ptr::null_mut()),
    }
}

/// `CreateMutexA/W` after name conversion.
pub(crate) fn create_mutex(initial_owner: bool, name: Result<Option<String>, u32>) -> *mut c_void {
    let name = match name_or_fail(name) {
        Ok(n) => n,
        Err(h) => return h,
    };
    let mut opts = Mutex::options();
    opts.initial_owner(initial_owner);
    let r = match &name {
        Some(n) => opts.open_or_create(n),
        None => opts.create_anonymous(),
    };
    match r {
        Ok(m) => {
            let created = m.created();
            publish(Object::Mutex(m), MUTEX_ALL_ACCESS, created)
        }
        Err(e) => lasterr::fail(e.win32_code(), ptr::null_mut()),
    }
}

/// Maps `GENERIC_*` bits for events (`mutex == false`) or mutexes.
pub(crate) fn map_generic_sync(access: u32, mutex: bool) -> u32 {
    let (read, write, all) = if mutex {
        (MUTANT_QUERY_STATE, 0, MUTEX_ALL_ACCESS)
    } else {
        (EVENT_QUERY_STATE, EVENT_MODIFY_STATE, EVENT_ALL_ACCESS)
    };
    let mut a = access & !(GENERIC_READ | GENERIC_WRITE | GENERIC_EXECUTE | GENERIC_ALL | MAXIMUM_ALLOWED);
    if access & GENERIC_READ != 0 {
        a |= STANDARD_RIGHTS_READ | read;
    }
    if access & GENERIC_WRITE != 0 {
        a |= STANDARD_RIGHTS_WRITE | write;
    }
    if access & GENERIC_EXECUTE != 0 {
        a |= STANDARD_RIGHTS_EXECUTE | SYNCHRONIZE;
    }
    if access & (GENERIC_ALL | MAXIMUM_ALLOWED) != 0 {
        a |= all;
    }
    a
}

fn open_common(access: u32, name: Result<Option<String>, u32>, mutex: bool) -> *mut c_void {
    let name = match name {
        Ok(Some(n)) => n,
        Ok(None) => return lasterr::fail(ERROR_INVALID_PARAMETER, ptr::null_mut()),
        Err(code) => return lasterr::fail(code, ptr::null_mut()),
    };
    let access = map_generic_sync(access, mutex);
    if access == 0 {
        return lasterr::fail(ERROR_ACCESS_DENIED, ptr::null_mut());
    }
    let r = if mutex {
        Mutex::open(&name).map(Object::Mutex)
    } else {
        Event::open(&name).map(Object::Event)
    };
    match r {
        Ok(obj) => handles::insert(Entry {
            obj: Arc::new(obj),
            access,
        }),
        Err(e) => lasterr::fail(e.win32_code(), ptr::null_mut()),
    }
}

/// `OpenEventA/W` after name conversion.
pub(crate) fn open_event(access: u32, name: Result<Option<String>, u32>) -> *mut c_void {
    open_common(access, name, false)
}

/// `OpenMutexA/W` after name conversion.
pub(crate) fn open_mutex(access: u32, name: Result<Option<String>, u32>) -> *mut c_void {
    open_common(access, name, true)
}

/// `SetEvent` (`set == true`) and `ResetEvent`.
pub(crate) fn set_event(h: *mut c_void, set: bool) -> i32 {
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
    match if set { ev.set() } else { ev.reset() } {
        Ok(()) => 1,
        Err(e) => lasterr::fail(e.win32_code(), 0),
    }
}

/// `ReleaseMutex`.
pub(crate) fn release_mutex(h: *mut c_void) -> i32 {
    let entry = match handles::get(h) {
        Ok(e) => e,
        Err(code) => return lasterr::fail(code, 0),
    };
    let Object::Mutex(m) = &*entry.obj else {
        return lasterr::fail(ERROR_INVALID_HANDLE, 0);
    };
    match m.release() {
        Ok(()) => 1,
        Err(e) => lasterr::fail(e.win32_code(), 0),
    }
}

/// Sleeps like a wait on an object that is never signalled (the current
/// process or thread, from the inside).
fn wait_forever_or(ms: u32) -> u32 {
    match timeout(ms) {
        Some(d) => {
            std::thread::sleep(d);
            WAIT_TIMEOUT
        }
        None => loop {
            std::thread::sleep(Duration::from_secs(3600));
        },
    }
}

/// Looks up a waitable handle: an event, mutex, semaphore or thread whose
/// handle has `SYNCHRONIZE`.
fn waitable(h: *mut c_void) -> Result<Entry, u32> {
    let entry = handles::get(h)?;
    match &*entry.obj {
        // Sections never grant SYNCHRONIZE, so the access check fails first.
        Object::Mapping(_) => Err(ERROR_ACCESS_DENIED),
        _ if entry.access & SYNCHRONIZE == 0 => Err(ERROR_ACCESS_DENIED),
        _ => Ok(entry),
    }
}

/// `WaitForSingleObject`. Success and timeout leave the last error alone.
pub(crate) fn wait_single(h: *mut c_void, ms: u32) -> u32 {
    if handles::is_pseudo(h) {
        return wait_forever_or(ms);
    }
    let entry = match waitable(h) {
        Ok(e) => e,
        Err(code) => return lasterr::fail(code, WAIT_FAILED),
    };
    let r = match &*entry.obj {
        Object::Event(ev) => ev.wait(timeout(ms)),
        Object::Mutex(m) => m.acquire(timeout(ms)),
        Object::Semaphore(s) => s.wait(timeout(ms)),
        Object::Thread(t) => t.done.wait(timeout(ms)),
        Object::Mapping(_) => return lasterr::fail(ERROR_INVALID_HANDLE, WAIT_FAILED),
    };
    match r {
        Ok(WaitStatus::Signaled) => WAIT_OBJECT_0,
        Ok(WaitStatus::Abandoned) => WAIT_ABANDONED_0,
        Ok(WaitStatus::TimedOut) => WAIT_TIMEOUT,
        Err(e) => lasterr::fail(e.win32_code(), WAIT_FAILED),
    }
}

/// `WaitForMultipleObjects`.
///
/// # Safety
/// `handles` points to `count` handles (checked for NULL and range here).
pub(crate) unsafe fn wait_multiple(count: u32, hs: *const *mut c_void, wait_all: bool, ms: u32) -> u32 {
    if count == 0 || count > MAXIMUM_WAIT_OBJECTS || hs.is_null() {
        return lasterr::fail(ERROR_INVALID_PARAMETER, WAIT_FAILED);
    }
    // SAFETY: the caller passes `count` readable handles; count <= 64.
    let hs = unsafe { std::slice::from_raw_parts(hs, count as usize) };
    let mut entries = Vec::with_capacity(hs.len());
    for &h in hs {
        if handles::is_pseudo(h) {
            // A process or thread never signals while we run inside it.
            if wait_all || hs.len() == 1 {
                return wait_forever_or(ms);
            }
            continue;
        }
        match waitable(h) {
            Ok(e) => entries.push(e),
            Err(code) => return lasterr::fail(code, WAIT_FAILED),
        }
    }
    let index: Vec<usize> = hs
        .iter()
        .enumerate()
        .filter(|(_, h)| !handles::is_pseudo(**h))
        .map(|(i, _)| i)
        .collect();
    let objs: Vec<WaitObject<'_>> = entries
        .iter()
        .map(|e| match &*e.obj {
            Object::Event(ev) => WaitObject::Event(ev),
            Object::Mutex(m) => WaitObject::Mutex(m),
            Object::Semaphore(s) => WaitObject::Semaphore(s),
            Object::Thread(t) => WaitObject::Event(&t.done),
            Object::Mapping(_) => unreachable!("waitable() rejects mappings"),
        })
        .collect();
    match wait_for_multiple(&objs, wait_all, timeout(ms)) {
        Ok(MultiWaitStatus::Signaled(i)) => WAIT_OBJECT_0 + index.get(i).copied().unwrap_or(i) as u32,
        Ok(MultiWaitStatus::Abandoned(i)) => WAIT_ABANDONED_0 + index.get(i).copied().unwrap_or(i) as u32,
        Ok(MultiWaitStatus::TimedOut) => WAIT_TIMEOUT,
        Err(e) => lasterr::fail(e.win32_code(), WAIT_FAILED),
    }
}
