//! Linux backend: named objects are files in a per-namespace directory on
//! tmpfs, published atomically with `O_TMPFILE` + `linkat`, with one OFD read
//! lock per open handle serving as the handle count (see `object.rs`).

pub(crate) mod admin;
pub(crate) mod futex;
pub(crate) mod header;
pub(crate) mod ns;
pub(crate) mod object;
pub(crate) mod shm;
pub(crate) mod sync;

pub(crate) use shm::Shm;
pub(crate) use sync::{wait_multiple, Deadline, SysEvent, SysMutex};

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

/// The Win32 code for an OS error without a semantic variant (`Error::Io`):
/// `ERROR_NOT_ENOUGH_MEMORY` (8) for `ENOMEM`, else `ERROR_GEN_FAILURE` (31).
pub(crate) fn win32_code(e: &io::Error) -> u32 {
    match e.raw_os_error() {
        Some(libc::ENOMEM) => 8,
        _ => 31,
    }
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

/// The object's file name in its namespace directory, as a C string.
pub(crate) fn file_name(name: &crate::name::ObjectName) -> std::ffi::CString {
    let bytes = name.file_name_nul();
    debug_assert!(bytes.iter().position(|&b| b == 0) == Some(bytes.len() - 1));
    // SAFETY: `file_name_nul` ends in the only NUL (the encoding produces
    // only `[A-Za-z0-9._%-]` before it).
    unsafe { std::ffi::CString::from_vec_with_nul_unchecked(bytes) }
}
