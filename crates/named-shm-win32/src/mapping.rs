//! File mappings: `CreateFileMapping`, `OpenFileMapping`, `MapViewOfFile(Ex)`,
//! `UnmapViewOfFile`, `FlushViewOfFile`.
//!
//! The semantics (names, lifetime, sizes, ranges) are `named-shm`'s; this
//! module adds what only the C ABI has: access masks, protection flags, the
//! view table keyed by base address, and 64 KiB-aligned view addresses.

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

/// One mapped view.
struct ViewEntry {
    /// Where the caller sees the view.
    base: usize,
    /// Length, rounded up to whole pages.
    len: usize,
    /// `base` is a second mapping of the view's pages (moved there by
    /// `mremap`) that this entry must unmap itself.
    moved: bool,
    /// The library's view: keeps the memory alive; unmapped on drop.
    _view: Option<View>,
}

impl ViewEntry {
    /// An entry for a view the library placed where the caller sees it.
    fn library(view: View) -> ViewEntry {
        ViewEntry {
            base: view.as_ptr() as usize,
            len: round_page(view.len()),
            moved: false,
            _view: Some(view),
        }
    }
}

/// Aligned addresses given back by `UnmapViewOfFile`, tried first for the
/// next view: the kernel leaves a freed range free until another mapping
/// needs it, so the next view usually lands there in one `mmap`.
static FREE_SLOTS: Mutex<Vec<usize>> = Mutex::new(Vec::new());
/// How many freed addresses are remembered.
const MAX_FREE_SLOTS: usize = 64;

fn take_slot() -> Option<usize> {
    FREE_SLOTS.lock().unwrap_or_else(|p| p.into_inner()).pop()
}

fn give_back_slot(addr: usize) {
    let mut v = FREE_SLOTS.lock().unwrap_or_else(|p| p.into_inner());
    if v.len() < MAX_FREE_SLOTS {
        v.push(addr);
    }
}

/// A 64 KiB-aligned address with `len` free bytes at this moment: found with
/// a throw-away reservation, which is released again.
fn fresh_slot(len: usize) -> Option<usize> {
    let a = reserve_aligned(len)?;
    // SAFETY: a/len is the reservation just made; nothing uses it.
    unsafe { libc::munmap(a as *mut c_void, len) };
    Some(a)
}

impl MappingObj {
    /// The length a view at `offset` of `size` bytes (0: to the end) would
    /// have, if the range is valid.
    fn view_len(&self, offset: u64, size: usize) -> Option<usize> {
        let total = self.shm.size();
        if offset >= total {
            return None;
        }
        let len = if size == 0 { total - offset } else { size as u64 };
        (offset.checked_add(len)? <= total).then_some(len as usize)
    }
}

impl Drop for ViewEntry {
    fn drop(&mut self) {
        if self.moved {
            // SAFETY: base/len is the mapping `relocate` created for this
            // entry; nobody uses it after UnmapViewOfFile. An error would only
            // leave address space mapped.
            unsafe { libc::munmap(self.base as *mut c_void, self.len) };
        }
        // Unmap the library's view now, then offer its address to the next view.
        self._view = None;
        if self.base % ALLOCATION_GRANULARITY == 0 {
            give_back_slot(self.base);
        }
    }
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
        None => crate::names::create_unnamed(|n| opts.create(n, size)),
    };
    match result {
        Ok(shm) => {
            let created = shm.created() || name.is_none();
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
    let Some(want) = m.view_len(offset, size) else {
        // Let the library report the range error.
        return match m.shm.map_with(lib_access, offset, size) {
            Ok(_) => lasterr::fail(ERROR_INVALID_PARAMETER, ptr::null_mut()),
            Err(e) => lasterr::fail(e.win32_code(), ptr::null_mut()),
        };
    };
    let want = round_page(want);
    let entry = if !base.is_null() {
        // MapViewOfFileEx: exactly there, or ERROR_INVALID_ADDRESS (487) if
        // any of the range is in use, as on Windows.
        let Some(at) = ptr::NonNull::new(base.cast::<u8>()) else {
            return lasterr::fail(ERROR_INVALID_ADDRESS, ptr::null_mut());
        };
        match m.shm.map_at(lib_access, offset, size, at) {
            Ok(view) => ViewEntry::library(view),
            Err(e) => return lasterr::fail(e.win32_code(), ptr::null_mut()),
        }
    } else {
        // A 64 KiB-aligned address that is free: one just given back by
        // UnmapViewOfFile, or a fresh one. `map_at` never replaces a mapping,
        // so a candidate taken meanwhile by other code is merely skipped.
        let mut placed = None;
        for _ in 0..4 {
            let Some(cand) = take_slot().or_else(|| fresh_slot(want)) else {
                break;
            };
            let Some(at) = ptr::NonNull::new(cand as *mut u8) else {
                break;
            };
            match m.shm.map_at(lib_access, offset, size, at) {
                Ok(view) => {
                    placed = Some(view);
                    break;
                }
                Err(named_shm::Error::AddressInUse { .. }) => continue,
                Err(e) => return lasterr::fail(e.win32_code(), ptr::null_mut()),
            }
        }
        match placed {
            Some(view) => ViewEntry::library(view),
            None => {
                // Address space too fragmented for a candidate: map anywhere,
                // then move the pages to an aligned reservation.
                let view = match m.shm.map_with(lib_access, offset, size) {
                    Ok(v) => v,
                    Err(e) => return lasterr::fail(e.win32_code(), ptr::null_mut()),
                };
                let len = round_page(view.len());
                let src = view.as_ptr() as usize;
                let (addr, moved) = match relocate(src, len) {
                    Ok(dst) => (dst, true),
                    Err(()) => (src, false),
                };
                ViewEntry {
                    base: addr,
                    len,
                    moved,
                    _view: Some(view),
                }
            }
        }
    };
    let addr = entry.base;
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

/// Gives the pages of the mapping at `src` a second, 64 KiB-aligned address
/// (a fresh reservation, replaced atomically) and returns it.
///
/// `mremap(MREMAP_DONTUNMAP)` moves the page tables and leaves the original
/// mapping in place, so the library's `View` still owns (and later unmaps) a
/// valid mapping of the same object.
fn relocate(src: usize, len: usize) -> Result<usize, ()> {
    if src % ALLOCATION_GRANULARITY == 0 {
        return Err(()); // already aligned: keep it where it is
    }
    let dst = reserve_aligned(len).ok_or(())?;
    // SAFETY: src/len is the library view's mapping (page-rounded length);
    // dst/len is our fresh reservation, which MREMAP_FIXED replaces
    // atomically. DONTUNMAP leaves the source mapped, so the View stays valid.
    let r = unsafe {
        libc::mremap(
            src as *mut c_void,
            len,
            len,
            libc::MREMAP_MAYMOVE | libc::MREMAP_FIXED | libc::MREMAP_DONTUNMAP,
            dst as *mut c_void,
        )
    };
    if r == libc::MAP_FAILED {
        // SAFETY: dst/len is still our reservation.
        unsafe { libc::munmap(dst as *mut c_void, len) };
        return Err(());
    }
    Ok(dst)
}

/// A one-off 64 KiB-aligned reservation of `len` bytes.
fn reserve_aligned(len: usize) -> Option<usize> {
    let total = len + ALLOCATION_GRANULARITY - PAGE_SIZE;
    // SAFETY: a fresh anonymous PROT_NONE reservation aliases nothing.
    let p = unsafe {
        libc::mmap(
            ptr::null_mut(),
            total,
            libc::PROT_NONE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
            -1,
            0,
        )
    };
    if p == libc::MAP_FAILED {
        return None;
    }
    let start = p as usize;
    let aligned = start.next_multiple_of(ALLOCATION_GRANULARITY);
    // SAFETY: both ranges lie inside the reservation just made and outside
    // [aligned, aligned + len), which we keep.
    unsafe {
        if aligned > start {
            libc::munmap(p, aligned - start);
        }
        let end = aligned + len;
        if start + total > end {
            libc::munmap(end as *mut c_void, start + total - end);
        }
    }
    Some(aligned)
}

fn take_view(addr: usize) -> Option<ViewEntry> {
    let mut v = views();
    let base = v
        .range(..=addr)
        .next_back()
        .filter(|(_, e)| addr < e.base + e.len)
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
        Some((_, e)) if a < e.base + e.len => {
            // Memory-backed views have nothing to write back: msync only
            // orders the writes. Its result is irrelevant for a valid range.
            // SAFETY: base/len is a live view of this table.
            let _ = unsafe { libc::msync(e.base as *mut c_void, e.len, libc::MS_SYNC) };
            1
        }
        _ => lasterr::fail(ERROR_INVALID_PARAMETER, 0),
    }
}
