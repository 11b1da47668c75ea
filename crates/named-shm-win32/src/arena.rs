//! A process-wide reservation of address space from which 64 KiB-aligned
//! view addresses are carved (Windows places every view at a multiple of
//! its allocation granularity).
//!
//! Views are first mapped by `named-shm` wherever the kernel likes, then
//! moved into a slot of the arena with `mremap`. Reserving once and reusing
//! slots avoids an `mmap` and two `munmap`s per view (carving an aligned
//! hole out of a fresh reservation), which dominated the cost of a
//! map/unmap cycle. Unmapping a view puts a `PROT_NONE` reservation back
//! over its slot (`mmap(MAP_FIXED)`), so the range is never free for other
//! code to take while the arena owns it.

use crate::consts::ALLOCATION_GRANULARITY;
use std::collections::BTreeMap;
use std::ffi::c_void;
use std::sync::{Mutex, MutexGuard};

/// Address space reserved (never committed: `PROT_NONE`, `MAP_NORESERVE`).
const ARENA_SIZE: usize = 64 << 30;
/// Views larger than this are placed outside the arena.
pub(crate) const MAX_SLOT: usize = 1 << 30;

struct Arena {
    start: usize,
    end: usize,
    /// Free ranges: start -> length, coalesced.
    free: BTreeMap<usize, usize>,
}

static ARENA: Mutex<Option<Option<Arena>>> = Mutex::new(None);

fn arena() -> MutexGuard<'static, Option<Option<Arena>>> {
    // Every update leaves the map consistent; a poisoned lock is usable.
    ARENA.lock().unwrap_or_else(|p| p.into_inner())
}

fn reserve_flags() -> i32 {
    libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE
}

fn init() -> Option<Arena> {
    let total = ARENA_SIZE + ALLOCATION_GRANULARITY;
    // SAFETY: a fresh anonymous PROT_NONE reservation aliases nothing.
    let p = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            total,
            libc::PROT_NONE,
            reserve_flags(),
            -1,
            0,
        )
    };
    if p == libc::MAP_FAILED {
        return None; // e.g. a tight `ulimit -v`: views fall back to one-off reservations
    }
    let start = (p as usize).next_multiple_of(ALLOCATION_GRANULARITY);
    let mut free = BTreeMap::new();
    free.insert(start, ARENA_SIZE);
    Some(Arena {
        start,
        end: start + ARENA_SIZE,
        free,
    })
}

fn slot_len(len: usize) -> usize {
    len.next_multiple_of(ALLOCATION_GRANULARITY)
}

/// A free, 64 KiB-aligned slot for `len` bytes, or `None` (arena full,
/// unavailable, or the view too large).
pub(crate) fn alloc(len: usize) -> Option<usize> {
    let need = slot_len(len);
    if need > MAX_SLOT {
        return None;
    }
    let mut g = arena();
    let a = g.get_or_insert_with(init).as_mut()?;
    let (&start, &flen) = a.free.iter().find(|(_, l)| **l >= need)?;
    a.free.remove(&start);
    if flen > need {
        a.free.insert(start + need, flen - need);
    }
    Some(start)
}

/// Whether `addr` lies inside the arena.
pub(crate) fn contains(addr: usize) -> bool {
    matches!(&*arena(), Some(Some(a)) if a.start <= addr && addr < a.end)
}

/// Takes exactly `[base, base + len)` out of the free list, if all of it is free.
pub(crate) fn alloc_at(base: usize, len: usize) -> Option<usize> {
    let need = slot_len(len);
    let mut g = arena();
    let a = g.as_mut()?.as_mut()?;
    let (&start, &flen) = a.free.range(..=base).next_back()?;
    if base + need > start + flen {
        return None;
    }
    a.free.remove(&start);
    if base > start {
        a.free.insert(start, base - start);
    }
    if start + flen > base + need {
        a.free.insert(base + need, start + flen - base - need);
    }
    Some(base)
}

/// Returns a slot: puts the `PROT_NONE` reservation back over it (replacing
/// whatever view was there) and marks it free.
pub(crate) fn release(addr: usize, len: usize) {
    let len = slot_len(len);
    // SAFETY: [addr, addr + len) is a slot of the arena owned by the caller's
    // view, which nobody uses any more; MAP_FIXED replaces exactly that range.
    let p = unsafe {
        libc::mmap(
            addr as *mut c_void,
            len,
            libc::PROT_NONE,
            reserve_flags() | libc::MAP_FIXED,
            -1,
            0,
        )
    };
    if p == libc::MAP_FAILED {
        // The range could not be re-reserved; never hand it out again.
        // SAFETY: as above; unmapping our own slot affects nothing else.
        unsafe { libc::munmap(addr as *mut c_void, len) };
        return;
    }
    let mut g = arena();
    let Some(Some(a)) = g.as_mut() else { return };
    let (mut start, mut l) = (addr, len);
    if let Some((&ps, &pl)) = a.free.range(..addr).next_back() {
        if ps + pl == addr {
            a.free.remove(&ps);
            start = ps;
            l += pl;
        }
    }
    if let Some(nl) = a.free.remove(&(addr + len)) {
        l += nl;
    }
    a.free.insert(start, l);
}
