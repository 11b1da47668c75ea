//! What every Unix backend shares: syscall-result helpers, the process's
//! identity (uid, pid, fork generation), the header encoding (`header.rs`)
//! and the name-to-file-name encoding (`filename.rs`). Nothing here is
//! specific to Linux; the Linux backend (`sys/linux`) builds on it.

// Only the Linux backend uses these today; other Unix targets build them
// (so that they stay portable) but run the unsupported backend.
#![cfg_attr(not(target_os = "linux"), allow(dead_code))]

pub(crate) mod filename;
pub(crate) mod header;
pub(crate) mod nsdir;

use std::io;

/// Converts a `-1`-on-error return value into `io::Result`, reading `errno`.
pub(crate) fn cvt<T: IsMinusOne>(t: T) -> io::Result<T> {
    if t.is_minus_one() {
        Err(io::Error::last_os_error())
    } else {
        Ok(t)
    }
}

/// Like [`cvt`], retrying while the call is interrupted by a signal.
pub(crate) fn cvt_r<T: IsMinusOne>(mut f: impl FnMut() -> T) -> io::Result<T> {
    loop {
        match cvt(f()) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

pub(crate) trait IsMinusOne {
    fn is_minus_one(&self) -> bool;
}

macro_rules! impl_is_minus_one {
    ($($t:ty)*) => ($(impl IsMinusOne for $t {
        fn is_minus_one(&self) -> bool {
            *self == -1
        }
    })*)
}
impl_is_minus_one! { i32 i64 isize }

static FORK_GENERATION: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

extern "C" fn bump_fork_generation() {
    // Async-signal-safe: one atomic add. Relaxed suffices: the value is only
    // compared by the thread that later closes a handle, after the fork returned.
    FORK_GENERATION.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
}

/// A number that changes whenever this process forks (in the parent and in the
/// child). A handle created at generation `g` whose process still reads `g`
/// owns its open file descriptions exclusively: no other process shares them.
pub(crate) fn fork_generation() -> u64 {
    static REGISTER: std::sync::Once = std::sync::Once::new();
    REGISTER.call_once(|| {
        // SAFETY: registers async-signal-safe handlers that live for the whole
        // program; pthread_atfork has no other preconditions.
        unsafe { libc::pthread_atfork(None, Some(bump_fork_generation), Some(bump_fork_generation)) };
    });
    FORK_GENERATION.load(std::sync::atomic::Ordering::Relaxed)
}

/// The process id, cached until the next fork (glibc no longer caches it).
pub(crate) fn pid() -> u32 {
    use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
    // (fork generation + 1) << 32 | pid; 0 means "not read yet".
    static CACHE: AtomicU64 = AtomicU64::new(0);
    let gen = fork_generation().wrapping_add(1) & 0xFFFF_FFFF;
    let c = CACHE.load(Relaxed);
    if c >> 32 == gen {
        return c as u32;
    }
    let pid = std::process::id();
    // Relaxed: a stale value is detected by the generation and re-read.
    CACHE.store(gen << 32 | u64::from(pid), Relaxed);
    pid
}

/// The effective uid of the calling thread.
pub(crate) fn euid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}
