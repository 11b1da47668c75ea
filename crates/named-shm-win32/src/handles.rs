//! The process-global handle table.
//!
//! Handle values look like Windows handles: small multiples of 4 starting at
//! 4, never NULL or `INVALID_HANDLE_VALUE`, reused after `CloseHandle`. As on
//! Windows, the two low bits of a value are ignored on lookup. `-1` and `-2`
//! are the pseudo-handles of the current process and thread.
//!
//! An entry holds an `Arc` of the object and the access granted to that
//! handle. `DuplicateHandle` adds an entry sharing the `Arc`, so the named
//! object (and its name) lives until the last duplicate is closed.

use crate::consts::ERROR_INVALID_HANDLE;
use std::ffi::c_void;
use std::sync::{Arc, Mutex, MutexGuard};

/// A kernel object a handle can refer to.
pub(crate) enum Object {
    /// A file mapping (section).
    Mapping(crate::mapping::MappingObj),
    /// An event.
    Event(named_shm::Event),
    /// A mutex.
    Mutex(named_shm::Mutex),
    /// A semaphore.
    Semaphore(named_shm::Semaphore),
    /// A thread (of this process).
    Thread(crate::thread::ThreadObj),
}

/// One slot of the table.
#[derive(Clone)]
pub(crate) struct Entry {
    pub obj: Arc<Object>,
    /// The handle's granted access mask.
    pub access: u32,
}

#[derive(Default)]
struct Table {
    slots: Vec<Option<Entry>>,
    free: Vec<usize>,
}

static TABLE: Mutex<Table> = Mutex::new(Table {
    slots: Vec::new(),
    free: Vec::new(),
});

fn table() -> MutexGuard<'static, Table> {
    // A panic while the lock is held cannot leave the table inconsistent
    // (every update is a single assignment), so a poisoned lock is usable.
    TABLE.lock().unwrap_or_else(|p| p.into_inner())
}

/// The pseudo-handle `GetCurrentProcess()` returns.
pub(crate) const CURRENT_PROCESS: isize = -1;
/// The pseudo-handle `GetCurrentThread()` returns.
pub(crate) const CURRENT_THREAD: isize = -2;

/// Whether `h` is the current-process or current-thread pseudo-handle.
pub(crate) fn is_pseudo(h: *mut c_void) -> bool {
    let v = h as isize;
    v == CURRENT_PROCESS || v == CURRENT_THREAD
}

fn index_of(h: *mut c_void) -> Option<usize> {
    let v = (h as usize) & !3;
    if v == 0 || (h as isize) < 0 {
        return None;
    }
    Some(v / 4 - 1)
}

/// Closes every handle when the process exits (`exit`, `ExitProcess`,
/// returning from `main`), as Windows does, so names die at once instead of
/// lingering as orphans until the library reclaims them. A killed process
/// still leaves orphans; `named-shm` reclaims those on the next open or reap.
extern "C" fn close_all_at_exit() {
    let _ = std::panic::catch_unwind(|| {
        let slots = std::mem::take(&mut table().slots);
        drop(slots);
    });
}

/// Adds an entry and returns its handle value.
pub(crate) fn insert(entry: Entry) -> *mut c_void {
    static AT_EXIT: std::sync::Once = std::sync::Once::new();
    AT_EXIT.call_once(|| {
        // SAFETY: registers a plain extern "C" function with no arguments;
        // it only drops the table's entries.
        unsafe { libc::atexit(close_all_at_exit) };
    });
    let mut t = table();
    // Reuse the lowest freed slot first, as Windows tends to.
    let idx = if let Some(pos) = t.free.iter().enumerate().min_by_key(|(_, i)| **i).map(|(p, _)| p) {
        let idx = t.free.swap_remove(pos);
        t.slots[idx] = Some(entry);
        idx
    } else {
        t.slots.push(Some(entry));
        t.slots.len() - 1
    };
    ((idx + 1) * 4) as *mut c_void
}

/// The entry behind `h`, or `Err(ERROR_INVALID_HANDLE)`.
pub(crate) fn get(h: *mut c_void) -> Result<Entry, u32> {
    let idx = index_of(h).ok_or(ERROR_INVALID_HANDLE)?;
    table()
        .slots
        .get(idx)
        .and_then(|s| s.clone())
        .ok_or(ERROR_INVALID_HANDLE)
}

/// Removes the entry behind `h` and returns it, so the caller drops it (and
/// possibly the object) outside the table lock.
pub(crate) fn remove(h: *mut c_void) -> Result<Entry, u32> {
    let idx = index_of(h).ok_or(ERROR_INVALID_HANDLE)?;
    let mut t = table();
    let e = t
        .slots
        .get_mut(idx)
        .and_then(Option::take)
        .ok_or(ERROR_INVALID_HANDLE)?;
    t.free.push(idx);
    Ok(e)
}
