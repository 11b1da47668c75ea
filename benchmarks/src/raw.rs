//! The floor: the same work done with raw syscalls and nothing else.

use anyhow::{bail, Result};
use std::ffi::{CStr, CString};
use std::io;
use std::ptr::NonNull;
use std::sync::atomic::AtomicU32;

/// `MADV_POPULATE_WRITE` (Linux 5.14), not in every libc release.
pub const MADV_POPULATE_WRITE: libc::c_int = 23;

/// Turns a `-1` return into the OS error.
pub fn cvt(r: libc::c_int) -> io::Result<libc::c_int> {
    if r == -1 {
        Err(io::Error::last_os_error())
    } else {
        Ok(r)
    }
}

/// A POSIX shared memory name (`/name`) as a C string.
pub fn posix_name(name: &str) -> CString {
    CString::new(format!("/{name}")).expect("benchmark names hold no NUL")
}

/// `shm_open(name, flags, 0600)`.
pub fn shm_open(name: &CStr, flags: libc::c_int) -> io::Result<libc::c_int> {
    // SAFETY: name is a valid C string; the descriptor is the caller's to close.
    cvt(unsafe { libc::shm_open(name.as_ptr(), flags | libc::O_CLOEXEC, 0o600) })
}

/// `shm_unlink(name)`.
pub fn shm_unlink(name: &CStr) -> io::Result<()> {
    // SAFETY: name is a valid C string.
    cvt(unsafe { libc::shm_unlink(name.as_ptr()) }).map(drop)
}

/// `close(fd)`.
pub fn close(fd: libc::c_int) {
    // SAFETY: the caller owns fd and never uses it again.
    unsafe { libc::close(fd) };
}

/// `ftruncate(fd, len)`.
pub fn ftruncate(fd: libc::c_int, len: usize) -> io::Result<()> {
    // SAFETY: plain syscall on a descriptor the caller owns.
    cvt(unsafe { libc::ftruncate(fd, len as libc::off_t) }).map(drop)
}

/// `fstat(fd).st_size`.
pub fn fstat_size(fd: libc::c_int) -> io::Result<usize> {
    let mut st = std::mem::MaybeUninit::<libc::stat>::uninit();
    // SAFETY: st is a valid out-pointer; fstat initialises it on success.
    cvt(unsafe { libc::fstat(fd, st.as_mut_ptr()) })?;
    // SAFETY: fstat succeeded.
    Ok(unsafe { st.assume_init() }.st_size as usize)
}

/// A `MAP_SHARED` mapping, unmapped on drop.
pub struct Map {
    ptr: NonNull<u8>,
    len: usize,
}

impl Map {
    /// `mmap(NULL, len, prot, MAP_SHARED, fd, 0)`.
    pub fn file(fd: libc::c_int, len: usize, writable: bool) -> io::Result<Map> {
        let prot = if writable {
            libc::PROT_READ | libc::PROT_WRITE
        } else {
            libc::PROT_READ
        };
        // SAFETY: a fresh mapping at an address of the kernel's choosing aliases nothing.
        let p = unsafe { libc::mmap(std::ptr::null_mut(), len, prot, libc::MAP_SHARED, fd, 0) };
        Self::from_raw(p, len)
    }

    /// A shared anonymous mapping: memory a forked child shares with its parent.
    pub fn shared_anon(len: usize) -> io::Result<Map> {
        // SAFETY: as in `file`; anonymous memory starts zeroed.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        Self::from_raw(p, len)
    }

    fn from_raw(p: *mut libc::c_void, len: usize) -> io::Result<Map> {
        if p == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        Ok(Map {
            ptr: NonNull::new(p.cast()).expect("mmap never returns NULL on success"),
            len,
        })
    }

    /// Start of the mapping.
    pub fn ptr(&self) -> *mut u8 {
        self.ptr.as_ptr()
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Never empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// `madvise(MADV_POPULATE_WRITE)` over the whole mapping.
    pub fn populate_write(&self) -> io::Result<()> {
        // SAFETY: the range is exactly this mapping.
        cvt(unsafe { libc::madvise(self.ptr().cast(), self.len, MADV_POPULATE_WRITE) }).map(drop)
    }

    /// An atomic word at `off` (4-aligned, in bounds).
    pub fn word(&self, off: usize) -> &AtomicU32 {
        assert!(off % 4 == 0 && off + 4 <= self.len);
        // SAFETY: in bounds and aligned (checked above; mappings are page-aligned);
        // the memory lives as long as &self and is only accessed atomically.
        unsafe { AtomicU32::from_ptr(self.ptr().add(off).cast()) }
    }
}

impl Drop for Map {
    fn drop(&mut self) {
        // SAFETY: ptr/len are a mapping we own; munmap of a valid mapping cannot
        // fail in a way that matters here.
        unsafe { libc::munmap(self.ptr().cast(), self.len) };
    }
}

/// Writes one byte into every page: the first touch of a fresh mapping.
///
/// # Safety
/// `p` must be the start of a writable mapping of at least `len` bytes that
/// no Rust reference covers.
pub unsafe fn touch_pages(p: *mut u8, len: usize) {
    let mut off = 0;
    while off < len {
        // SAFETY: the caller passes a writable mapping of at least len bytes.
        unsafe { p.add(off).write_volatile(1) };
        off += 4096;
    }
}

/// Row (1) on the floor: `shm_open(O_CREAT|O_EXCL)` + `ftruncate` + `mmap` +
/// write + `munmap` + `close` + `shm_unlink`.
pub fn create_cycle(name: &CStr, size: usize, msg: &[u8], fallocate: bool) -> Result<()> {
    let fd = shm_open(name, libc::O_CREAT | libc::O_EXCL | libc::O_RDWR)?;
    let r = (|| -> Result<()> {
        if fallocate {
            // SAFETY: fd is our open file; the range is small and non-negative.
            let e = unsafe { libc::posix_fallocate(fd, 0, size as libc::off_t) };
            if e != 0 {
                bail!("posix_fallocate: {}", io::Error::from_raw_os_error(e));
            }
        } else {
            ftruncate(fd, size)?;
        }
        let m = Map::file(fd, size, true)?;
        // SAFETY: the mapping is writable and longer than msg.
        unsafe { std::ptr::copy_nonoverlapping(msg.as_ptr(), m.ptr(), msg.len()) };
        drop(m);
        Ok(())
    })();
    close(fd);
    shm_unlink(name)?;
    r
}

/// Row (2) on the floor: `shm_open` + `fstat` + `mmap` + read + `munmap` + `close`.
pub fn open_cycle(name: &CStr, buf: &mut [u8]) -> Result<()> {
    let fd = shm_open(name, libc::O_RDONLY)?;
    let r = (|| -> Result<()> {
        let len = fstat_size(fd)?;
        let m = Map::file(fd, len, false)?;
        // SAFETY: the mapping is readable and longer than buf.
        unsafe { std::ptr::copy_nonoverlapping(m.ptr(), buf.as_mut_ptr(), buf.len()) };
        Ok(())
    })();
    close(fd);
    r
}

/// A raw POSIX object that lives as long as this value (unlinked on drop).
pub struct RawObject {
    /// Its name.
    pub name: CString,
}

impl RawObject {
    /// Creates it with `size` bytes and writes `msg` at the start.
    pub fn create(name: &str, size: usize, msg: &[u8]) -> Result<RawObject> {
        let name = posix_name(name);
        let _ = shm_unlink(&name);
        let fd = shm_open(&name, libc::O_CREAT | libc::O_EXCL | libc::O_RDWR)?;
        let o = RawObject { name };
        let r = (|| -> Result<()> {
            ftruncate(fd, size)?;
            if !msg.is_empty() {
                let m = Map::file(fd, size, true)?;
                // SAFETY: writable mapping longer than msg.
                unsafe { std::ptr::copy_nonoverlapping(msg.as_ptr(), m.ptr(), msg.len()) };
            }
            Ok(())
        })();
        close(fd);
        r.map(|_| o)
    }
}

impl Drop for RawObject {
    fn drop(&mut self) {
        // Nothing to do if it is already gone.
        let _ = shm_unlink(&self.name);
    }
}

const FUTEX_WAIT: libc::c_int = 0;
const FUTEX_WAKE: libc::c_int = 1;

/// `FUTEX_WAIT` (shared: no `FUTEX_PRIVATE_FLAG`, the word is in shared memory).
pub fn futex_wait(word: &AtomicU32, expected: u32) {
    // SAFETY: word is a valid, aligned u32 for the call; a null timeout waits forever.
    unsafe {
        libc::syscall(
            libc::SYS_futex,
            word.as_ptr(),
            FUTEX_WAIT,
            expected,
            std::ptr::null::<libc::timespec>(),
        )
    };
}

/// `FUTEX_WAKE` of up to `n` waiters.
pub fn futex_wake(word: &AtomicU32, n: i32) {
    // SAFETY: word is a valid, aligned u32 for the call.
    unsafe { libc::syscall(libc::SYS_futex, word.as_ptr(), FUTEX_WAKE, n) };
}
