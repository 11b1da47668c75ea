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
        Self::anon(len, libc::MAP_SHARED)
    }

    /// Private anonymous memory, page-aligned like every mapping (the copy
    /// rows use it so that source and destination have the same alignment
    /// in every case).
    pub fn private_anon(len: usize) -> io::Result<Map> {
        Self::anon(len, libc::MAP_PRIVATE)
    }

    fn anon(len: usize, sharing: libc::c_int) -> io::Result<Map> {
        // SAFETY: as in `file`; anonymous memory starts zeroed.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                sharing | libc::MAP_ANONYMOUS,
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

/// The smallest crash-safe protocol with named-shm's semantics, in raw
/// syscalls: what the floor allows once a name must die with its last handle
/// (even after `kill -9`), never show a half-created object and reserve its
/// memory at creation. A scratch namespace directory under /dev/shm, removed
/// on drop.
///
/// - create: `openat(O_TMPFILE)`, `posix_fallocate` (header page + payload),
///   `pwrite` header, read lock (`F_OFD_SETLK`), `linkat` (publish);
/// - open: `openat`, `F_OFD_GETLK` (any holder? else the object is dead),
///   read lock, `fstat` (still linked? size), `pread` header;
/// - close: unlock, `F_OFD_GETLK` (anyone left?), `close`; the last one takes
///   a write lock and unlinks.
pub struct Protocol {
    path: CString,
    dir: libc::c_int,
}

const HEADER: usize = 4096;

fn ofd_lock(fd: libc::c_int, cmd: libc::c_int, kind: libc::c_int) -> io::Result<bool> {
    // SAFETY: flock is plain old data; all-zero is valid.
    let mut fl: libc::flock = unsafe { std::mem::zeroed() };
    fl.l_type = kind as libc::c_short;
    fl.l_whence = libc::SEEK_SET as libc::c_short;
    fl.l_len = 1;
    // SAFETY: fl is a valid flock with l_pid 0, as the OFD commands require.
    let r = unsafe { libc::fcntl(fd, cmd, &mut fl) };
    if r == -1 {
        let e = io::Error::last_os_error();
        return match e.raw_os_error() {
            Some(libc::EAGAIN) | Some(libc::EACCES) => Ok(false),
            _ => Err(e),
        };
    }
    // For F_OFD_GETLK: true if another description holds a conflicting lock.
    Ok(cmd != libc::F_OFD_GETLK || fl.l_type != libc::F_UNLCK as libc::c_short)
}

impl Protocol {
    /// Makes the scratch namespace directory.
    pub fn new(tag: &str) -> Result<Protocol> {
        let path = CString::new(format!("/dev/shm/{tag}"))?;
        // SAFETY: path is a valid C string.
        cvt(unsafe { libc::mkdir(path.as_ptr(), 0o700) })?;
        // SAFETY: as above; the descriptor is closed on drop.
        let dir = match cvt(unsafe {
            libc::open(
                path.as_ptr(),
                libc::O_DIRECTORY | libc::O_RDONLY | libc::O_CLOEXEC,
            )
        }) {
            Ok(d) => d,
            Err(e) => {
                // SAFETY: as above.
                unsafe { libc::rmdir(path.as_ptr()) };
                return Err(e.into());
            }
        };
        Ok(Protocol { path, dir })
    }

    /// Creates and publishes an object of `size` payload bytes; returns its handle.
    pub fn create(&self, name: &CStr, size: usize) -> Result<libc::c_int> {
        let dot = c".";
        // SAFETY: dir is an open directory, dot a valid C string.
        let fd = cvt(unsafe {
            libc::openat(
                self.dir,
                dot.as_ptr(),
                libc::O_TMPFILE | libc::O_RDWR | libc::O_CLOEXEC,
                0o600,
            )
        })?;
        let r = (|| -> Result<()> {
            // SAFETY: fd is our open file.
            let e = unsafe { libc::posix_fallocate(fd, 0, (HEADER + size) as libc::off_t) };
            if e != 0 {
                bail!("posix_fallocate: {}", io::Error::from_raw_os_error(e));
            }
            let mut hdr = [0u8; 128];
            hdr[..8].copy_from_slice(b"NSHMOBJ1");
            let n = name.to_bytes().len().min(64);
            hdr[64..64 + n].copy_from_slice(&name.to_bytes()[..n]);
            // SAFETY: hdr is a valid buffer of 64 + n bytes.
            if unsafe { libc::pwrite(fd, hdr.as_ptr().cast(), 64 + n, 0) } < 0 {
                return Err(io::Error::last_os_error().into());
            }
            ofd_lock(fd, libc::F_OFD_SETLK, libc::F_RDLCK)?;
            // SAFETY: fd is an O_TMPFILE file, dir an open directory, name a valid C string.
            cvt(unsafe { libc::linkat(fd, c"".as_ptr(), self.dir, name.as_ptr(), libc::AT_EMPTY_PATH) })?;
            Ok(())
        })();
        match r {
            Ok(()) => Ok(fd),
            Err(e) => {
                close(fd);
                Err(e)
            }
        }
    }

    /// Opens a live object read-only; returns its handle and payload size.
    pub fn open(&self, name: &CStr) -> Result<(libc::c_int, usize)> {
        // SAFETY: dir is an open directory, name a valid C string.
        let fd = cvt(unsafe {
            libc::openat(
                self.dir,
                name.as_ptr(),
                libc::O_RDONLY | libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC,
            )
        })?;
        let r = (|| -> Result<usize> {
            if !ofd_lock(fd, libc::F_OFD_GETLK, libc::F_WRLCK)? {
                bail!("dead object");
            }
            if !ofd_lock(fd, libc::F_OFD_SETLK, libc::F_RDLCK)? {
                bail!("being closed");
            }
            let mut st = std::mem::MaybeUninit::<libc::stat>::uninit();
            // SAFETY: st is a valid out-pointer.
            cvt(unsafe { libc::fstat(fd, st.as_mut_ptr()) })?;
            // SAFETY: fstat succeeded.
            let st = unsafe { st.assume_init() };
            if st.st_nlink == 0 {
                bail!("unlinked meanwhile");
            }
            let mut hdr = [0u8; 128];
            let want = 64 + name.to_bytes().len().min(64);
            // SAFETY: hdr has room for `want` bytes.
            if unsafe { libc::pread(fd, hdr.as_mut_ptr().cast(), want, 0) } != want as isize
                || &hdr[..8] != b"NSHMOBJ1"
            {
                bail!("bad header");
            }
            Ok(st.st_size as usize - HEADER)
        })();
        match r {
            Ok(size) => Ok((fd, size)),
            Err(e) => {
                close(fd);
                Err(e)
            }
        }
    }

    /// Maps the payload of a handle.
    pub fn map(&self, fd: libc::c_int, size: usize, writable: bool) -> io::Result<Map> {
        let prot = if writable {
            libc::PROT_READ | libc::PROT_WRITE
        } else {
            libc::PROT_READ
        };
        // SAFETY: a fresh mapping at an address of the kernel's choosing aliases nothing.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                size,
                prot,
                libc::MAP_SHARED,
                fd,
                HEADER as libc::off_t,
            )
        };
        Map::from_raw(p, size)
    }

    /// Closes a handle; the last one unlinks the name.
    pub fn close(&self, fd: libc::c_int, name: &CStr, writable: bool) -> Result<()> {
        if writable {
            // Creator's handle: unlock, then try the write lock on the same
            // (writable) description: it succeeds only if nobody else holds one.
            ofd_lock(fd, libc::F_OFD_SETLK, libc::F_UNLCK)?;
            if ofd_lock(fd, libc::F_OFD_SETLK, libc::F_WRLCK)? {
                // SAFETY: dir is an open directory, name a valid C string.
                unsafe { libc::unlinkat(self.dir, name.as_ptr(), 0) };
            }
        } else {
            ofd_lock(fd, libc::F_OFD_SETLK, libc::F_UNLCK)?;
            if !ofd_lock(fd, libc::F_OFD_GETLK, libc::F_WRLCK)? {
                bail!("last reader: the slow path (not measured here) would reclaim");
            }
        }
        close(fd);
        Ok(())
    }
}

impl Drop for Protocol {
    fn drop(&mut self) {
        close(self.dir);
        // SAFETY: path is a valid C string; every benchmark object was unlinked.
        unsafe { libc::rmdir(self.path.as_ptr()) };
    }
}
