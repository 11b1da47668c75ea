//! Semaphores: `CreateSemaphore(Ex)A/W`, `OpenSemaphoreA/W`,
//! `ReleaseSemaphore`; waits go through `sync.rs`.
//!
//! The rules are the library's (`named_shm::Semaphore`): a maximum of at
//! least 1, an initial count between 0 and the maximum (else 87), a release
//! count of at least 1 (else 87), a release past the maximum fails with 298
//! and changes nothing. One namespace with mappings, events and mutexes: a
//! name of another kind fails with 6.

use crate::consts::*;
use crate::handles::{self, Entry, Object};
use crate::lasterr;
use named_shm::Semaphore;
use std::ffi::c_void;
use std::ptr;
use std::sync::Arc;

/// `SEMAPHORE_MODIFY_STATE`: the right `ReleaseSemaphore` needs.
pub const SEMAPHORE_MODIFY_STATE: u32 = 0x2;
/// `SEMAPHORE_ALL_ACCESS`.
pub const SEMAPHORE_ALL_ACCESS: u32 = 0x1F0003;

/// Maps `GENERIC_*` bits of a semaphore access mask.
pub(crate) fn map_generic(access: u32) -> u32 {
    let mut a = access & !(GENERIC_READ | GENERIC_WRITE | GENERIC_EXECUTE | GENERIC_ALL | MAXIMUM_ALLOWED);
    if access & GENERIC_READ != 0 {
        a |= STANDARD_RIGHTS_READ | 0x1;
    }
    if access & GENERIC_WRITE != 0 {
        a |= STANDARD_RIGHTS_WRITE | SEMAPHORE_MODIFY_STATE;
    }
    if access & GENERIC_EXECUTE != 0 {
        a |= STANDARD_RIGHTS_EXECUTE | SYNCHRONIZE;
    }
    if access & (GENERIC_ALL | MAXIMUM_ALLOWED) != 0 {
        a |= SEMAPHORE_ALL_ACCESS;
    }
    a
}

/// `CreateSemaphoreA/W` and `CreateSemaphoreExA/W` after name conversion.
pub(crate) fn create(
    initial: i32,
    maximum: i32,
    name: Result<Option<String>, u32>,
    access: u32,
) -> *mut c_void {
    // Windows checks the counts before the name.
    if maximum <= 0 || initial < 0 || initial > maximum {
        return lasterr::fail(ERROR_INVALID_PARAMETER, ptr::null_mut());
    }
    let name = match name {
        Ok(n) => n.filter(|n| !n.is_empty()),
        Err(code) => return lasterr::fail(code, ptr::null_mut()),
    };
    let mut opts = Semaphore::options();
    opts.initial(initial).maximum(maximum);
    let r = match &name {
        Some(n) => opts.open_or_create(n),
        None => opts.create_anonymous(),
    };
    match r {
        Ok(s) => {
            let created = s.created();
            let h = handles::insert(Entry {
                obj: Arc::new(Object::Semaphore(s)),
                access: map_generic(access),
            });
            lasterr::set(if created {
                ERROR_SUCCESS
            } else {
                ERROR_ALREADY_EXISTS
            });
            h
        }
        Err(e) => lasterr::fail(e.win32_code(), ptr::null_mut()),
    }
}

/// `OpenSemaphoreA/W` after name conversion.
pub(crate) fn open(access: u32, name: Result<Option<String>, u32>) -> *mut c_void {
    let name = match name {
        Ok(Some(n)) => n,
        Ok(None) => return lasterr::fail(ERROR_INVALID_PARAMETER, ptr::null_mut()),
        Err(code) => return lasterr::fail(code, ptr::null_mut()),
    };
    let access = map_generic(access);
    if access == 0 {
        return lasterr::fail(ERROR_ACCESS_DENIED, ptr::null_mut());
    }
    match Semaphore::open(&name) {
        Ok(s) => handles::insert(Entry {
            obj: Arc::new(Object::Semaphore(s)),
            access,
        }),
        Err(e) => lasterr::fail(e.win32_code(), ptr::null_mut()),
    }
}

/// `ReleaseSemaphore`: on failure `*prev` is left untouched.
///
/// # Safety
/// `prev` is NULL or points to a writable `LONG`.
pub(crate) unsafe fn release(h: *mut c_void, count: i32, prev: *mut i32) -> i32 {
    let entry = match handles::get(h) {
        Ok(e) => e,
        Err(code) => return lasterr::fail(code, 0),
    };
    let Object::Semaphore(s) = &*entry.obj else {
        return lasterr::fail(ERROR_INVALID_HANDLE, 0);
    };
    if entry.access & SEMAPHORE_MODIFY_STATE == 0 {
        return lasterr::fail(ERROR_ACCESS_DENIED, 0);
    }
    match s.release(count) {
        Ok(p) => {
            if !prev.is_null() {
                // SAFETY: non-null and writable per the contract.
                unsafe { prev.write(p) };
            }
            1
        }
        Err(e) => lasterr::fail(e.win32_code(), 0),
    }
}
