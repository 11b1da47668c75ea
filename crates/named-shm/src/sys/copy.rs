//! Copies in and out of mapped memory that other threads and processes may
//! access at the same time: the one place the crate moves bulk bytes through
//! a view.
//!
//! A plain `memcpy` (`ptr::copy_nonoverlapping`, `ptr::write_bytes`) is a
//! non-atomic access: if another thread of this process copies into the same
//! bytes at the same moment, through the same view or another view of the
//! same object, the two accesses form a data race, which is undefined
//! behaviour however harmless the hardware makes it. Every routine here is
//! therefore, in the abstract machine, a sequence of **relaxed atomic
//! accesses** on the shared side (the private side is ordinary memory the
//! caller owns exclusively). Racing relaxed atomic accesses are defined: a
//! reader observes, byte by byte, some value that was written, so a
//! concurrent copy may be torn at any granularity but is never UB.
//!
//! Two implementations, one contract:
//! - x86_64: `rep movsb` / `rep stosb` in inline assembly for copies of
//!   [`ASM_MIN`] bytes and more. With ERMS/FSRM (every x86_64 CPU since 2013)
//!   the microcoded string copy is as fast as glibc's `memcpy` (faster on
//!   large copies). The block's effect is that of the atomic loop below;
//!   see the SAFETY comments.
//! - everywhere, and for short copies on x86_64: a loop of relaxed
//!   `AtomicU8` accesses up to the first 8-aligned address on the shared
//!   side, relaxed `AtomicU64` accesses over the aligned middle (unrolled by
//!   eight), and `AtomicU8` for the tail. Atomics are never combined into
//!   vector instructions, so this loop reaches 0.8–0.9× `memcpy`'s speed,
//!   which is why x86_64 uses the string instructions for bulk copies.
//!
//! Memory ordering: none beyond relaxed. Publishing data to another thread
//! or process needs a release/acquire pair (`View::atomic_u32`/`atomic_u64`)
//! or one of the synchronisation objects.
//!
//! Mixed sizes: Rust's memory model currently leaves a *write* racing with an
//! atomic access of another size on overlapping bytes undefined (the hardware
//! and LLVM define it). Racing copies with copies, and copies with atomic
//! *loads*, are defined; a copy racing with an `atomic_u32`/`atomic_u64`
//! store to the same bytes in this process is the one case this layer cannot
//! express (see `View`'s documentation).

use std::sync::atomic::{AtomicU64, AtomicU8, Ordering::Relaxed};

/// Copies of at least this many bytes use the string instructions on x86_64;
/// below it the atomic loop is faster than the instructions' start-up cost.
#[cfg(target_arch = "x86_64")]
pub(crate) const ASM_MIN: usize = 128;

/// Copies `len` bytes from shared memory at `src` into private memory at `dst`.
///
/// # Safety
/// `src` is valid for reads of `len` bytes (a mapping that stays mapped for
/// the call); `dst` is valid for writes of `len` bytes, and nothing else
/// accesses `dst..dst+len` during the call (private memory the caller holds
/// `&mut` to). The ranges do not overlap. Others may access `src`
/// concurrently with atomic operations, copies of this module, or from other
/// processes.
pub(crate) unsafe fn copy_out(src: *const u8, dst: *mut u8, len: usize) {
    #[cfg(target_arch = "x86_64")]
    if len >= ASM_MIN {
        // SAFETY: `rep movsb` copies rcx bytes from [rsi] to [rdi] with
        // ascending addresses (the direction flag is clear on entry to every
        // asm block, and the instruction leaves it and the other flags
        // unchanged). The caller guarantees both ranges are valid and that
        // `dst` is ours alone. On the shared side the instruction performs
        // loads of unspecified width and order, each single-copy atomic per
        // byte; that is exactly the effect of `copy_out_atomic`'s sequence of
        // relaxed `AtomicU8` loads (relaxed allows any order), which Rust
        // code could perform without UB while others access `src` with
        // atomics or these copies. The block neither uses the stack nor
        // keeps pointers.
        unsafe {
            std::arch::asm!(
                "rep movsb",
                inout("rcx") len => _,
                inout("rsi") src => _,
                inout("rdi") dst => _,
                options(nostack, preserves_flags),
            );
        }
        return;
    }
    // SAFETY: the caller's contract is this function's.
    unsafe { copy_out_atomic(src, dst, len) }
}

/// Copies `len` bytes from private memory at `src` into shared memory at `dst`.
///
/// # Safety
/// `src` is valid for reads of `len` bytes and not written during the call;
/// `dst` is valid for writes of `len` bytes (a writable mapping that stays
/// mapped). The ranges do not overlap. Others may access `dst` concurrently
/// with atomic operations, copies of this module, or from other processes.
pub(crate) unsafe fn copy_in(src: *const u8, dst: *mut u8, len: usize) {
    #[cfg(target_arch = "x86_64")]
    if len >= ASM_MIN {
        // SAFETY: as in `copy_out`, with the roles swapped: the stores to
        // the shared `dst` are, in effect, `copy_in_atomic`'s relaxed
        // `AtomicU8` stores in some order; the loads come from private
        // memory nobody writes during the call.
        unsafe {
            std::arch::asm!(
                "rep movsb",
                inout("rcx") len => _,
                inout("rsi") src => _,
                inout("rdi") dst => _,
                options(nostack, preserves_flags),
            );
        }
        return;
    }
    // SAFETY: the caller's contract is this function's.
    unsafe { copy_in_atomic(src, dst, len) }
}

/// Sets `len` bytes of shared memory at `dst` to `byte`.
///
/// # Safety
/// As for [`copy_in`]'s `dst`.
pub(crate) unsafe fn fill(dst: *mut u8, len: usize, byte: u8) {
    #[cfg(target_arch = "x86_64")]
    if len >= ASM_MIN {
        // SAFETY: `rep stosb` stores al to rcx bytes at [rdi], ascending (the
        // direction flag is clear on entry to every asm block; flags are
        // preserved). The caller guarantees the range is valid and writable.
        // Its effect is `fill_atomic`'s sequence of relaxed `AtomicU8`
        // stores, which Rust code could perform without UB while others
        // access the bytes atomically.
        unsafe {
            std::arch::asm!(
                "rep stosb",
                inout("rcx") len => _,
                inout("rdi") dst => _,
                in("al") byte,
                options(nostack, preserves_flags),
            );
        }
        return;
    }
    // SAFETY: the caller's contract is this function's.
    unsafe { fill_atomic(dst, len, byte) }
}

/// Bytes before the first 8-aligned address at or after `p`, at most `len`.
fn head(p: *const u8, len: usize) -> usize {
    ((p as usize).wrapping_neg() & 7).min(len)
}

/// The portable `copy_out`: relaxed atomic loads from the shared side.
///
/// # Safety
/// As for [`copy_out`].
pub(crate) unsafe fn copy_out_atomic(src: *const u8, dst: *mut u8, len: usize) {
    let h = head(src, len);
    // SAFETY: for the whole block: every offset stays below `len`, within both
    // ranges (caller); `src + h` is 8-aligned, so every `AtomicU64` below is
    // aligned; the shared side is only accessed atomically (the atomics'
    // `from_ptr` needs exactly that of all concurrent accesses, which the
    // caller's contract gives); `dst` is private and written with plain
    // (unaligned) stores. The shared side may be a read-only mapping: relaxed
    // loads no wider than a register are the atomic operations Rust allows on
    // read-only memory (core::sync::atomic, "Atomic accesses to read-only
    // memory"); nothing here stores to it.
    unsafe {
        for i in 0..h {
            *dst.add(i) = AtomicU8::from_ptr(src.add(i).cast_mut()).load(Relaxed);
        }
        let mut i = h;
        while len - i >= 64 {
            let s = src.add(i).cast_mut().cast::<u64>();
            let mut w = [0u64; 8];
            for (k, w) in w.iter_mut().enumerate() {
                *w = AtomicU64::from_ptr(s.add(k)).load(Relaxed);
            }
            let d = dst.add(i).cast::<u64>();
            for (k, w) in w.iter().enumerate() {
                d.add(k).write_unaligned(*w);
            }
            i += 64;
        }
        while len - i >= 8 {
            let w = AtomicU64::from_ptr(src.add(i).cast_mut().cast()).load(Relaxed);
            dst.add(i).cast::<u64>().write_unaligned(w);
            i += 8;
        }
        for i in i..len {
            *dst.add(i) = AtomicU8::from_ptr(src.add(i).cast_mut()).load(Relaxed);
        }
    }
}

/// The portable `copy_in`: relaxed atomic stores to the shared side.
///
/// # Safety
/// As for [`copy_in`].
pub(crate) unsafe fn copy_in_atomic(src: *const u8, dst: *mut u8, len: usize) {
    let h = head(dst, len);
    // SAFETY: for the whole block: as in `copy_out_atomic`, with `dst + h`
    // 8-aligned and `src` the private side, read with plain loads.
    unsafe {
        for i in 0..h {
            AtomicU8::from_ptr(dst.add(i)).store(*src.add(i), Relaxed);
        }
        let mut i = h;
        while len - i >= 64 {
            let s = src.add(i).cast::<u64>();
            let mut w = [0u64; 8];
            for (k, w) in w.iter_mut().enumerate() {
                *w = s.add(k).read_unaligned();
            }
            let d = dst.add(i).cast::<u64>();
            for (k, w) in w.iter().enumerate() {
                AtomicU64::from_ptr(d.add(k)).store(*w, Relaxed);
            }
            i += 64;
        }
        while len - i >= 8 {
            let w = src.add(i).cast::<u64>().read_unaligned();
            AtomicU64::from_ptr(dst.add(i).cast()).store(w, Relaxed);
            i += 8;
        }
        for i in i..len {
            AtomicU8::from_ptr(dst.add(i)).store(*src.add(i), Relaxed);
        }
    }
}

/// The portable `fill`: relaxed atomic stores.
///
/// # Safety
/// As for [`copy_in`]'s `dst`.
pub(crate) unsafe fn fill_atomic(dst: *mut u8, len: usize, byte: u8) {
    let h = head(dst, len);
    let word = u64::from_ne_bytes([byte; 8]);
    // SAFETY: for the whole block: offsets stay below `len` (caller: valid and
    // writable); `dst + h` is 8-aligned; only atomic accesses.
    unsafe {
        for i in 0..h {
            AtomicU8::from_ptr(dst.add(i)).store(byte, Relaxed);
        }
        let mut i = h;
        while len - i >= 8 {
            AtomicU64::from_ptr(dst.add(i).cast()).store(word, Relaxed);
            i += 8;
        }
        for i in i..len {
            AtomicU8::from_ptr(dst.add(i)).store(byte, Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every length and misalignment around the word and unroll boundaries,
    /// through both implementations and the dispatching entry points.
    #[test]
    fn every_routine_copies_exactly_the_range_at_every_alignment() {
        let src: Vec<u8> = (0..600u32).map(|i| (i * 7 + 1) as u8).collect();
        for len in (0..140).chain([255, 256, 257, 511]) {
            for off in 0..9 {
                type Copy = unsafe fn(*const u8, *mut u8, usize);
                let routines: [Copy; 4] = [copy_out, copy_in, copy_out_atomic, copy_in_atomic];
                for f in routines {
                    let mut dst = vec![0xAAu8; 600];
                    // SAFETY: both ranges lie inside their vectors and are distinct.
                    unsafe { f(src.as_ptr().add(off), dst.as_mut_ptr().add(off + 3), len) };
                    assert_eq!(&dst[off + 3..off + 3 + len], &src[off..off + len]);
                    assert!(dst[..off + 3].iter().all(|&b| b == 0xAA));
                    assert!(dst[off + 3 + len..].iter().all(|&b| b == 0xAA));
                }
                type Fill = unsafe fn(*mut u8, usize, u8);
                let fills: [Fill; 2] = [fill, fill_atomic];
                for f in fills {
                    let mut dst = vec![0xAAu8; 600];
                    // SAFETY: the range lies inside the vector.
                    unsafe { f(dst.as_mut_ptr().add(off), len, 0x5C) };
                    assert!(dst[off..off + len].iter().all(|&b| b == 0x5C));
                    assert!(dst[..off].iter().all(|&b| b == 0xAA));
                    assert!(dst[off + len..].iter().all(|&b| b == 0xAA));
                }
            }
        }
    }
}
