//! File mappings: `CreateFileMapping`, `OpenFileMapping`, `MapViewOfFile(Ex)`,
//! `UnmapViewOfFile`, `FlushViewOfFile`.
//!
//! The semantics (names, lifetime, sizes, ranges, view placement at 64 KiB
//! multiples) are `named-shm`'s, and so is every range error; this module
//! adds what only the C ABI has: access masks, page protections, `SEC_*`
//! flags, and the view table keyed by base address.

use crate::consts::*;
use crate::handles::{self, Entry, Object};
use crate::lasterr;
use named_shm::{Access, SharedMemory, ShmOptions, View, ViewAccess};
use std::collections::BTreeMap;
use std::ffi::c_void;
use std::ptr;
use std::sync::{Arc, Mutex, MutexGuard};

/// A file mapping behind a handle.
pub(crate) struct MappingObj {
    pub shm: SharedMemory,
    /// The page protection the section was created with, when this process
    /// created it (other processes' sections are assumed to allow any view
    /// their handle's access allows).
    pub section_prot: Option<u32>,
}

/// One mapped view: the library's `View` keeps the memory alive and is
/// unmapped on drop.
struct ViewEntry {
    /// Length, rounded up to whole pages.
    len: usize,
    _view: View,
}

static VIEWS: Mutex<BTreeMap<usize, ViewEntry>> = Mutex::new(BTreeMap::new());

fn views() -> MutexGuard<'static, BTreeMap<usize, ViewEntry>> {
    // Every update is a single insert or remove: a poisoned map is consistent.
    VIEWS.lock().unwrap_or_else(|p| p.into_inner())
}

fn round_page(n: usize) -> usize {
    n.div_ceil(PAGE_SIZE) * PAGE_SIZE
}

/// The handle access `CreateFileMapping` grants for a page protection, or
/// `None` for a protection it rejects (87).
fn access_for_protection(prot: u32) -> Option<u32> {
    let base = STANDARD_RIGHTS_REQUIRED | SECTION_QUERY | SECTION_MAP_READ;
    match prot {
        PAGE_READONLY | PAGE_WRITECOPY => Some(base),
        PAGE_READWRITE => Some(base | SECTION_MAP_WRITE),
        PAGE_EXECUTE_READ | PAGE_EXECUTE_WRITECOPY => Some(base | SECTION_MAP_EXECUTE),
        PAGE_EXECUTE_READWRITE => Some(base | SECTION_MAP_WRITE | SECTION_MAP_EXECUTE),
        _ => None,
    }
}

/// Validates the `SEC_*` bits of a page-file-backed section (§2 of
/// win32-semantics.md). Returns whether memory is committed.
fn check_sec(sec: u32) -> Result<bool, u32> {
    match sec {
        0 | SEC_COMMIT => Ok(true),
        SEC_RESERVE => Ok(false),
        s if s == SEC_COMMIT | SEC_NOCACHE || s == SEC_COMMIT | SEC_WRITECOMBINE => Ok(true),
        s if s == SEC_RESERVE | SEC_NOCACHE || s == SEC_RESERVE | SEC_WRITECOMBINE => Ok(false),
        SEC_IMAGE => Err(ERROR_BAD_EXE_FORMAT),
        s if s == SEC_COMMIT | SEC_LARGE_PAGES => Err(ERROR_PRIVILEGE_NOT_HELD),
        _ => Err(ERROR_INVALID_PARAMETER),
    }
}

/// `CreateFileMappingA/W` after name conversion.
pub(crate) fn create(
    hfile: *mut c_void,
    protect: u32,
    size_high: u32,
    size_low: u32,
    name: Result<Option<String>, u32>,
) -> *mut c_void {
    let sec = protect & SEC_MASK;
    let prot = protect & !SEC_MASK;
    let Some(access) = access_for_protection(prot) else {
        return lasterr::fail(ERROR_INVALID_PARAMETER, ptr::null_mut());
    };
    if hfile as isize != -1 {
        // Only page-file-backed sections exist here: any other "file" handle
        // is not a file handle of this process.
        return lasterr::fail(ERROR_INVALID_HANDLE, ptr::null_mut());
    }
    let size = (u64::from(size_high) << 32) | u64::from(size_low);
    if size == 0 {
        return lasterr::fail(ERROR_INVALID_PARAMETER, ptr::null_mut());
    }
    let commit = match check_sec(sec) {
        Ok(c) => c,
        Err(code) => return lasterr::fail(code, ptr::null_mut()),
    };
    let name = match name {
        Ok(n) => n.filter(|n| !n.is_empty()),
        Err(code) => return lasterr::fail(code, ptr::null_mut()),
    };
    let mut opts = ShmOptions::new();
    opts.commit(commit).access(if access & SECTION_MAP_WRITE != 0 {
        Access::ReadWrite
    } else {
        Access::Read
    });
    let result = match &name {
        Some(n) => opts.open_or_create(n, size),
        None => opts.create_anonymous(size),
    };
    match result {
        Ok(shm) => {
            let created = shm.created();
            let obj = MappingObj {
                shm,
                section_prot: created.then_some(prot),
            };
            let h = handles::insert(Entry {
                obj: Arc::new(Object::Mapping(obj)),
                access,
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

/// Maps `GENERIC_*` bits of a section access mask to specific rights.
pub(crate) fn map_generic_section(access: u32) -> u32 {
    let mut a = access & !(GENERIC_READ | GENERIC_WRITE | GENERIC_EXECUTE | GENERIC_ALL | MAXIMUM_ALLOWED);
    if access & GENERIC_READ != 0 {
        a |= STANDARD_RIGHTS_READ | SECTION_QUERY | SECTION_MAP_READ;
    }
    if access & GENERIC_WRITE != 0 {
        a |= STANDARD_RIGHTS_WRITE | SECTION_MAP_WRITE;
    }
    if access & GENERIC_EXECUTE != 0 {
        a |= STANDARD_RIGHTS_EXECUTE | SECTION_MAP_EXECUTE;
    }
    if access & (GENERIC_ALL | MAXIMUM_ALLOWED) != 0 {
        a |= SECTION_ALL_ACCESS;
    }
    a
}

/// `OpenFileMappingA/W` after name conversion.
pub(crate) fn open(access: u32, name: Result<Option<String>, u32>) -> *mut c_void {
    let name = match name {
        Ok(Some(n)) => n,
        Ok(None) => return lasterr::fail(ERROR_INVALID_PARAMETER, ptr::null_mut()),
        Err(code) => return lasterr::fail(code, ptr::null_mut()),
    };
    // FILE_MAP_COPY alone means FILE_MAP_READ.
    let access = if access == FILE_MAP_COPY {
        FILE_MAP_READ
    } else {
        map_generic_section(access)
    };
    if access == 0 {
        return lasterr::fail(ERROR_ACCESS_DENIED, ptr::null_mut());
    }
    let lib_access = if access & SECTION_MAP_WRITE != 0 {
        Access::ReadWrite
    } else {
        Access::Read
    };
    match ShmOptions::new().access(lib_access).open(&name) {
        Ok(shm) => handles::insert(Entry {
            obj: Arc::new(Object::Mapping(MappingObj {
                shm,
                section_prot: None,
            })),
            access,
        }),
        Err(e) => lasterr::fail(e.win32_code(), ptr::null_mut()),
    }
}

/// The protection of a view for `dwDesiredAccess` (§4 of win32-semantics.md).
fn view_protection(access: u32) -> u32 {
    let prot = if access & FILE_MAP_WRITE != 0 {
        PAGE_READWRITE
    } else if access & FILE_MAP_READ != 0 {
        PAGE_READONLY
    } else if access & FILE_MAP_COPY != 0 {
        PAGE_WRITECOPY
    } else {
        PAGE_NOACCESS
    };
    // FILE_MAP_EXECUTE alone stays PAGE_NOACCESS (§4's table).
    if access & FILE_MAP_EXECUTE != 0 && prot != PAGE_NOACCESS {
        prot << 4
    } else {
        prot
    }
}

/// `MapViewOfFileEx`.
pub(crate) fn map_view(
    h: *mut c_void,
    access: u32,
    off_high: u32,
    off_low: u32,
    size: usize,
    base: *mut c_void,
) -> *mut c_void {
    let offset = (u64::from(off_high) << 32) | u64::from(off_low);
    // NT rejects a misaligned offset or base before it looks at the handle
    // (a bogus handle with offset 1 is 1132, not 6). The base is the C ABI's
    // own argument; for a valid handle the library's range check gives the
    // offset the same answer, and decides every other range error.
    let mask = (ALLOCATION_GRANULARITY - 1) as u64;
    if offset & mask != 0 || (base as u64) & mask != 0 {
        return lasterr::fail(ERROR_MAPPED_ALIGNMENT, ptr::null_mut());
    }
    let entry = match handles::get(h) {
        Ok(e) => e,
        Err(code) => return lasterr::fail(code, ptr::null_mut()),
    };
    let Object::Mapping(m) = &*entry.obj else {
        return lasterr::fail(ERROR_INVALID_HANDLE, ptr::null_mut());
    };
    let prot = view_protection(access);
    let write = matches!(prot, PAGE_READWRITE | PAGE_EXECUTE_READWRITE);
    let exec = prot >= PAGE_EXECUTE;
    let need = if write {
        SECTION_MAP_WRITE
    } else {
        SECTION_MAP_READ
    } | if exec { SECTION_MAP_EXECUTE } else { 0 };
    if entry.access & need != need {
        return lasterr::fail(ERROR_ACCESS_DENIED, ptr::null_mut());
    }
    // The library records a read-only section in the object itself, so this
    // holds for sections created by other processes too.
    if write && !m.shm.section_writable() {
        return lasterr::fail(ERROR_INVALID_PARAMETER, ptr::null_mut());
    }
    if let Some(sp) = m.section_prot {
        let section_writable = matches!(sp, PAGE_READWRITE | PAGE_EXECUTE_READWRITE);
        let section_exec = sp >= PAGE_EXECUTE;
        if (write && !section_writable) || (exec && !section_exec) {
            return lasterr::fail(ERROR_INVALID_PARAMETER, ptr::null_mut());
        }
    }
    let lib_access = match prot & 0x0F | (prot >> 4) {
        p if p == PAGE_READWRITE => ViewAccess::ReadWrite,
        p if p == PAGE_WRITECOPY => ViewAccess::CopyOnWrite,
        _ => ViewAccess::Read,
    };
    let view = match ptr::NonNull::new(base.cast::<u8>()) {
        // MapViewOfFileEx: exactly there, or ERROR_INVALID_ADDRESS (487) if
        // any of the range is in use, as on Windows.
        Some(at) => m.shm.map_at(lib_access, offset, size, at),
        // Anywhere free, at a multiple of 64 KiB, as on Windows.
        None => m
            .shm
            .map_options()
            .access(lib_access)
            .offset(offset)
            .len(size)
            .aligned(true)
            .map(),
    };
    let view = match view {
        Ok(v) => v,
        Err(e) => return lasterr::fail(e.win32_code(), ptr::null_mut()),
    };
    let addr = view.as_ptr() as usize;
    let entry = ViewEntry {
        len: round_page(view.len()),
        _view: view,
    };
    let len = entry.len;
    let native_prot = match prot {
        PAGE_NOACCESS => Some(libc::PROT_NONE),
        PAGE_EXECUTE_READ => Some(libc::PROT_READ | libc::PROT_EXEC),
        PAGE_EXECUTE_READWRITE | PAGE_EXECUTE_WRITECOPY => {
            Some(libc::PROT_READ | libc::PROT_WRITE | libc::PROT_EXEC)
        }
        _ => None,
    };
    if let Some(p) = native_prot {
        // SAFETY: addr/len is the view just mapped for this call; changing its
        // protection affects no other Rust object.
        if unsafe { libc::mprotect(addr as *mut c_void, len, p) } != 0 {
            drop(entry);
            return lasterr::fail(ERROR_ACCESS_DENIED, ptr::null_mut());
        }
    }
    if let Some(stale) = views().insert(addr, entry) {
        // Only possible if the program unmapped a view behind our back and
        // the kernel reused the address: unmapping anything for the stale
        // entry could hit live memory, so it is leaked instead.
        std::mem::forget(stale);
    }
    addr as *mut c_void
}

fn take_view(addr: usize) -> Option<ViewEntry> {
    let mut v = views();
    let base = v
        .range(..=addr)
        .next_back()
        .filter(|(b, e)| addr < *b + e.len)
        .map(|(b, _)| *b)?;
    v.remove(&base)
}

/// `UnmapViewOfFile`: any address inside a view unmaps the whole view.
pub(crate) fn unmap_view(addr: *const c_void) -> i32 {
    match take_view(addr as usize) {
        Some(entry) => {
            drop(entry);
            1
        }
        None => lasterr::fail(ERROR_INVALID_ADDRESS, 0),
    }
}

/// `FlushViewOfFile`: memory-backed sections have nothing to write back; the
/// address must still lie inside a view.
pub(crate) fn flush_view(addr: *const c_void) -> i32 {
    let a = addr as usize;
    let v = views();
    match v.range(..=a).next_back() {
        Some((&b, e)) if a < b + e.len => {
            // Memory-backed views have nothing to write back: msync only
            // orders the writes. Its result is irrelevant for a valid range.
            // SAFETY: b/len is a live view of this table.
            let _ = unsafe { libc::msync(b as *mut c_void, e.len, libc::MS_SYNC) };
            1
        }
        _ => lasterr::fail(ERROR_INVALID_PARAMETER, 0),
    }
}
