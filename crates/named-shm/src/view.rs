//! Views of a mapping, with access that stays sound while other processes
//! write the same bytes.
//!
//! A view never hands out a safe `&[u8]` or `&mut [u8]`: another process may
//! change the bytes at any moment, which Rust's references forbid. Instead it
//! offers copies in and out ([`View::read_at`], [`View::write_at`],
//! [`View::fill`], [`View::read`], [`View::write`]), atomics at aligned
//! offsets ([`View::atomic_u32`], [`View::atomic_u64`]), the raw pointer, and
//! `unsafe` slice accessors whose contract the caller upholds. [`MapOptions`]
//! asks for one (range, protection, Windows' 64 KiB address alignment).
//!
//! The copies are, in Rust's memory model, relaxed atomic accesses to the
//! mapped bytes (`sys::copy`), so threads of one process that copy into and
//! out of the same bytes at once (through one shared `View`, or two views of
//! one object) never form a data race: they may see torn data, never UB.

// The view is the one place outside `sys` that touches mapped bytes; every
// block below states the invariant it relies on.
#![allow(unsafe_code)]

use crate::error::{ErrorName, Result};
use crate::shm::{SharedMemory, ViewAccess, ALLOCATION_GRANULARITY};
use crate::sys::{copy, RawView};
use bytemuck::Pod;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

/// One mapped view: `MapViewOfFile`'s result. Dropping it is `UnmapViewOfFile`.
///
/// A view keeps the memory alive on its own: it may outlive every handle (the
/// name is gone by then, the bytes are not).
///
/// # Concurrent access: the contract
///
/// A view is `Send + Sync`, and every safe method may run while other threads
/// of this process, and other processes, read and write the same bytes:
///
/// - [`read_at`](Self::read_at), [`write_at`](Self::write_at),
///   [`fill`](Self::fill), [`read`](Self::read) and [`write`](Self::write)
///   copy with relaxed atomic accesses (per byte, or wider where aligned).
///   Racing copies (through one view shared by threads, through two views of
///   one object, or by another process) are defined behaviour: a copy may
///   observe bytes another thread or process writes at the same time **torn
///   at any granularity** (some bytes old, some new, even within one
///   `u16`), but never undefined behaviour. [`read`](Self::read) copies into
///   a local buffer first and then reinterprets it (`T: Pod`, so every bit
///   pattern is a valid `T`).
/// - The copies give no ordering. To hand data over, order it: write the
///   payload, then store a flag or sequence number with
///   [`atomic_u32`](Self::atomic_u32)/[`atomic_u64`](Self::atomic_u64) and
///   `Ordering::Release`, and have the reader load it with `Acquire` before
///   copying out; or use a named [`Mutex`](crate::Mutex) or
///   [`Event`](crate::Event).
/// - Another process is not bound by Rust's rules: whatever it writes, at
///   whatever time, this process sees as the racing writes above (torn
///   values, never UB). Treat every byte read from a view as untrusted input.
/// - Mixed sizes: a copy or an atomic *store* racing, in this process, with
///   an atomic operation of another size on overlapping bytes (say
///   `write_at` over a word another thread updates through `atomic_u32`, or
///   `atomic_u32(4)` against `atomic_u64(0)`) is an access Rust's memory
///   model does not define yet, although every supported CPU does. Keep
///   atomics and bulk data in separate ranges, and use one width per atomic
///   location.
/// - [`as_slice`](Self::as_slice), [`as_mut_slice`](Self::as_mut_slice) and
///   the raw pointers are outside this guarantee: their contracts say what the
///   caller must ensure. The C layer (`named-shm-win32`) hands the raw address
///   to C code, which is bound by the C program's own rules.
///
/// ```
/// use named_shm::SharedMemory;
/// use std::sync::atomic::Ordering;
///
/// let name = format!("Local\\doc-view-{}", std::process::id());
/// let shm = SharedMemory::create(&name, 4096)?;
/// let view = shm.map(0, 0)?;
///
/// std::thread::scope(|s| {
///     // A writer: payload first, then publish with a release store.
///     let writer = s.spawn(|| -> named_shm::Result<()> {
///         view.write_at(64, b"hello from a thread")?;
///         view.atomic_u32(0)?.store(1, Ordering::Release);
///         Ok(())
///     });
///     // A reader sharing the same view: copying while the writer writes is
///     // allowed (it may see a torn payload); after the acquire load has seen
///     // the flag, the payload is complete.
///     let mut buf = [0u8; 19];
///     while view.atomic_u32(0)?.load(Ordering::Acquire) == 0 {
///         view.read_at(64, &mut buf)?; // racing copy: defined, maybe torn
///         std::hint::spin_loop();
///     }
///     view.read_at(64, &mut buf)?;
///     assert_eq!(&buf, b"hello from a thread");
///     writer.join().expect("writer thread")
/// })?;
/// # Ok::<(), named_shm::Error>(())
/// ```
#[derive(Debug)]
pub struct View {
    raw: RawView,
    access: ViewAccess,
    name: std::sync::Arc<str>,
}

impl View {
    pub(crate) fn new(raw: RawView, access: ViewAccess, name: std::sync::Arc<str>) -> View {
        View { raw, access, name }
    }

    /// Gives up the view without unmapping it: returns its start and length,
    /// and the caller becomes responsible for the range (`munmap`,
    /// `UnmapViewOfFile`, or replacing it with its own mapping). The memory
    /// stays alive as long as the range stays mapped.
    pub fn into_raw(self) -> (*mut u8, usize) {
        let (p, len) = self.raw.into_raw();
        (p.as_ptr(), len)
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.raw.len()
    }

    /// Always `false`: views are never empty.
    pub fn is_empty(&self) -> bool {
        self.raw.len() == 0
    }

    /// The view's protection.
    pub fn access(&self) -> ViewAccess {
        self.access
    }

    /// Start of the view. Plain (non-atomic) reads through it are sound only
    /// as long as the contract of [`as_slice`](Self::as_slice) holds; prefer
    /// the copying and atomic accessors, which are sound under concurrent
    /// writes.
    pub fn as_ptr(&self) -> *const u8 {
        self.raw.ptr().as_ptr()
    }

    /// Start of the view, for writing; `None` for a read-only view. Plain
    /// writes through it need the exclusivity
    /// [`as_mut_slice`](Self::as_mut_slice) describes.
    pub fn as_mut_ptr(&self) -> Option<*mut u8> {
        self.writable().then(|| self.raw.ptr().as_ptr())
    }

    fn writable(&self) -> bool {
        self.access != ViewAccess::Read
    }

    fn range(&self, offset: usize, len: usize) -> Result<()> {
        match offset.checked_add(len) {
            Some(end) if end <= self.len() => Ok(()),
            _ => Err(self
                .name
                .out_of_range(offset as u64, len as u64, self.len() as u64)),
        }
    }

    fn need_write(&self) -> Result<()> {
        if self.writable() {
            Ok(())
        } else {
            Err(self.name.denied("the view is read-only"))
        }
    }

    /// Copies `buf.len()` bytes out of the view, starting at `offset`.
    ///
    /// Bytes other threads or processes write at the same time may be torn
    /// (see [the contract](View#concurrent-access-the-contract)).
    pub fn read_at(&self, offset: usize, buf: &mut [u8]) -> Result<()> {
        self.range(offset, buf.len())?;
        // SAFETY: the source range lies inside the mapping (checked above),
        // which stays mapped while &self lives; `buf` is private memory we
        // hold `&mut` to, so it cannot overlap the view (a slice into the
        // view exists only through `as_slice`/`as_mut_slice`, whose contracts
        // exclude this). Others access the view only atomically, through
        // `sys::copy`, or from other processes.
        unsafe { copy::copy_out(self.as_ptr().add(offset), buf.as_mut_ptr(), buf.len()) };
        Ok(())
    }

    /// Copies `data` into the view at `offset`.
    ///
    /// Other threads or processes copying the same bytes at the same time may
    /// observe them torn (see [the contract](View#concurrent-access-the-contract)).
    pub fn write_at(&self, offset: usize, data: &[u8]) -> Result<()> {
        self.need_write()?;
        self.range(offset, data.len())?;
        // SAFETY: the destination lies inside a writable mapping (checked
        // above) that stays mapped while &self lives; `data` is a shared
        // slice nobody writes during the call, and it cannot point into this
        // view's bytes (only `as_slice` makes such a slice, and its contract
        // forbids writing the bytes while it lives).
        unsafe { copy::copy_in(data.as_ptr(), self.raw.ptr().as_ptr().add(offset), data.len()) };
        Ok(())
    }

    /// Fills `len` bytes at `offset` with `byte`, with the same concurrency
    /// guarantee as [`write_at`](Self::write_at).
    pub fn fill(&self, offset: usize, len: usize, byte: u8) -> Result<()> {
        self.need_write()?;
        self.range(offset, len)?;
        // SAFETY: the range lies inside a writable mapping (checked above)
        // that stays mapped while &self lives.
        unsafe { copy::fill(self.raw.ptr().as_ptr().add(offset), len, byte) };
        Ok(())
    }

    /// Reads a plain-old-data value at `offset` (any alignment).
    ///
    /// The bytes are copied (atomically per byte, see [`read_at`](Self::read_at))
    /// into a local value first, then reinterpreted: a value another thread
    /// or process writes concurrently may come back torn, which is a valid
    /// `T` because `T: Pod`.
    pub fn read<T: Pod>(&self, offset: usize) -> Result<T> {
        let mut v = T::zeroed();
        self.read_at(offset, bytemuck::bytes_of_mut(&mut v))?;
        Ok(v)
    }

    /// Writes a plain-old-data value at `offset` (any alignment), as
    /// [`write_at`](Self::write_at) of its bytes.
    pub fn write<T: Pod>(&self, offset: usize, value: &T) -> Result<()> {
        self.write_at(offset, bytemuck::bytes_of(value))
    }

    fn atomic_ptr(&self, offset: usize, size: usize) -> Result<*mut u8> {
        self.need_write()?;
        self.aligned_ptr(offset, size)
    }

    fn aligned_ptr(&self, offset: usize, size: usize) -> Result<*mut u8> {
        self.range(offset, size)?;
        let p = self.raw.ptr().as_ptr().wrapping_add(offset);
        if (p as usize) % size != 0 {
            return Err(self
                .name
                .invalid_arg(format!("offset {offset} is not aligned to {size} bytes")));
        }
        Ok(p)
    }

    /// Loads the `u32` at an aligned offset, on any view, read-only ones
    /// included: how a reader with [`Access::Read`](crate::Access::Read)
    /// waits for a flag or a sequence number that a writer stores with
    /// `Release` through [`atomic_u32`](Self::atomic_u32).
    ///
    /// `order` is `Relaxed`, `Acquire` or `SeqCst`. The load itself is
    /// relaxed (the one atomic access Rust guarantees on read-only memory);
    /// `Acquire` and `SeqCst` add the matching fence after it, which orders
    /// every later read after the load as the ordering asks.
    ///
    /// ```
    /// use named_shm::{Access, SharedMemory};
    /// use std::sync::atomic::Ordering;
    /// # let name = format!("doc-load-{}", std::process::id());
    /// let writer = SharedMemory::create(&name, 4096)?;
    /// let w = writer.map(0, 0)?;
    /// w.write_at(8, b"ready")?;
    /// w.atomic_u32(0)?.store(1, Ordering::Release);
    ///
    /// let reader = SharedMemory::options().access(Access::Read).open(&name)?.map(0, 0)?;
    /// if reader.load_u32(0, Ordering::Acquire)? == 1 {
    ///     let mut msg = [0u8; 5];
    ///     reader.read_at(8, &mut msg)?; // ordered after the flag
    ///     assert_eq!(&msg, b"ready");
    /// }
    /// # Ok::<(), named_shm::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::OutOfRange`](crate::Error::OutOfRange) past the end,
    /// [`Error::InvalidArgument`](crate::Error::InvalidArgument) for an
    /// unaligned offset or a store ordering (`Release`, `AcqRel`).
    pub fn load_u32(&self, offset: usize, order: Ordering) -> Result<u32> {
        let fence = self.load_fence(order)?;
        let p = self.aligned_ptr(offset, 4)?;
        // SAFETY: p is in bounds and 4-aligned for the lifetime of &self;
        // a relaxed 4-byte atomic load is defined on read-only memory on
        // every target (std's "atomic accesses to read-only memory"), and
        // concurrent writers elsewhere are atomic or other processes.
        let v = unsafe { AtomicU32::from_ptr(p.cast()) }.load(Ordering::Relaxed);
        if let Some(f) = fence {
            std::sync::atomic::fence(f);
        }
        Ok(v)
    }

    /// [`load_u32`](Self::load_u32) for a `u64` at an 8-aligned offset.
    ///
    /// # Errors
    /// As `load_u32`; and [`Error::Unsupported`](crate::Error::Unsupported)
    /// on a read-only view on targets whose relaxed 8-byte loads are not
    /// defined on read-only memory (32-bit ones).
    pub fn load_u64(&self, offset: usize, order: Ordering) -> Result<u64> {
        let fence = self.load_fence(order)?;
        if cfg!(not(target_pointer_width = "64")) && !self.writable() {
            return Err(crate::Error::Unsupported {
                what: "8-byte atomic loads from read-only views on 32-bit targets",
            });
        }
        let p = self.aligned_ptr(offset, 8)?;
        // SAFETY: p is in bounds and 8-aligned for the lifetime of &self; a
        // relaxed 8-byte load is defined on read-only memory on 64-bit
        // targets, and a 32-bit target reaches here only for a writable view.
        let v = unsafe { AtomicU64::from_ptr(p.cast()) }.load(Ordering::Relaxed);
        if let Some(f) = fence {
            std::sync::atomic::fence(f);
        }
        Ok(v)
    }

    /// The fence that makes a relaxed load `order`, or an error for an
    /// ordering a load cannot have.
    fn load_fence(&self, order: Ordering) -> Result<Option<Ordering>> {
        match order {
            Ordering::Relaxed => Ok(None),
            Ordering::Acquire => Ok(Some(Ordering::Acquire)),
            Ordering::SeqCst => Ok(Some(Ordering::SeqCst)),
            other => Err(self
                .name
                .invalid_arg(format!("{other:?} is not an ordering for a load"))),
        }
    }

    /// An atomic `u32` at an aligned offset of a writable view, shared with
    /// every process that maps the same bytes.
    pub fn atomic_u32(&self, offset: usize) -> Result<&AtomicU32> {
        let p = self.atomic_ptr(offset, 4)?;
        // SAFETY: p is in bounds, 4-aligned and writable for the lifetime of
        // &self; AtomicU32 tolerates concurrent access from other processes.
        Ok(unsafe { AtomicU32::from_ptr(p.cast()) })
    }

    /// An atomic `u64` at an aligned offset of a writable view.
    pub fn atomic_u64(&self, offset: usize) -> Result<&AtomicU64> {
        let p = self.atomic_ptr(offset, 8)?;
        // SAFETY: p is in bounds, 8-aligned and writable for the lifetime of &self.
        Ok(unsafe { AtomicU64::from_ptr(p.cast()) })
    }

    /// The view as a byte slice.
    ///
    /// # Safety
    /// For as long as the slice lives, no process (this one included, through
    /// another view, handle or pointer) may write the bytes, and nobody may
    /// truncate the object. Use it for memory that is written once and then
    /// only read, with that hand-over ordered (an event, a mutex, an acquire load).
    pub unsafe fn as_slice(&self) -> &[u8] {
        // SAFETY: the mapping is valid for len bytes; the caller guarantees no
        // concurrent writes for the slice's lifetime.
        unsafe { std::slice::from_raw_parts(self.as_ptr(), self.len()) }
    }

    /// The view as a mutable byte slice.
    ///
    /// # Safety
    /// For as long as the slice lives, no other process, thread, view or
    /// pointer may read or write the bytes (the caller holds them exclusively,
    /// e.g. under a named mutex), and nobody may truncate the object.
    /// Panics-free: returns `None` for a read-only view.
    pub unsafe fn as_mut_slice(&mut self) -> Option<&mut [u8]> {
        let p = self.as_mut_ptr()?;
        // SAFETY: the mapping is valid and writable for len bytes; `&mut self`
        // excludes other users in this process and the caller guarantees the rest.
        Some(unsafe { std::slice::from_raw_parts_mut(p, self.len()) })
    }

    /// `FlushViewOfFile`: orders the writes; memory-backed objects have nothing to write back.
    pub fn flush(&self) -> Result<()> {
        self.raw
            .flush()
            .map_err(|source| self.name.io("flush the view", source))
    }
}

/// Options for one view, in the style of [`ShmOptions`](crate::ShmOptions): get one from
/// [`SharedMemory::map_options`]. By default a view has the handle's access
/// and covers the whole object, wherever the system puts it.
///
/// ```
/// use named_shm::{SharedMemory, ViewAccess, ALLOCATION_GRANULARITY};
/// let shm = SharedMemory::create_anonymous(3 * ALLOCATION_GRANULARITY)?;
/// let view = shm
///     .map_options()
///     .access(ViewAccess::ReadWrite)
///     .offset(ALLOCATION_GRANULARITY)
///     .len(4096)
///     .aligned(true)
///     .map()?;
/// assert_eq!(view.as_ptr() as u64 % ALLOCATION_GRANULARITY, 0);
/// assert_eq!(view.len(), 4096);
/// # Ok::<(), named_shm::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct MapOptions<'a> {
    shm: &'a SharedMemory,
    access: Option<ViewAccess>,
    offset: u64,
    len: usize,
    aligned: bool,
}

impl<'a> MapOptions<'a> {
    pub(crate) fn new(shm: &'a SharedMemory) -> MapOptions<'a> {
        MapOptions {
            shm,
            access: None,
            offset: 0,
            len: 0,
            aligned: false,
        }
    }

    /// The view's protection (default: the handle's access, as
    /// [`SharedMemory::map`]).
    pub fn access(&mut self, access: ViewAccess) -> &mut Self {
        self.access = Some(access);
        self
    }

    /// Where in the object the view starts: a multiple of
    /// [`ALLOCATION_GRANULARITY`] (default 0).
    pub fn offset(&mut self, offset: u64) -> &mut Self {
        self.offset = offset;
        self
    }

    /// How many bytes the view covers; 0 (the default) maps to the end.
    pub fn len(&mut self, len: usize) -> &mut Self {
        self.len = len;
        self
    }

    /// `true`: the view starts at a multiple of [`ALLOCATION_GRANULARITY`]
    /// (64 KiB), as every view does on Windows (`MapViewOfFile`), for code
    /// that relies on it (default `false`: a page boundary of the system's
    /// choosing). Nothing already mapped is ever replaced: on Linux the view
    /// goes where the process's last aligned view was unmapped if that range
    /// is still free (one `mmap`, `MAP_FIXED_NOREPLACE`), and otherwise into
    /// an aligned range of free address space reserved for it.
    ///
    /// # Platform differences
    /// On Windows views are always 64 KiB-aligned: the option changes nothing.
    pub fn aligned(&mut self, aligned: bool) -> &mut Self {
        self.aligned = aligned;
        self
    }

    /// Maps the view: `MapViewOfFile`.
    ///
    /// # Errors
    /// As [`SharedMemory::map_with`].
    pub fn map(&self) -> Result<View> {
        let access = self.access.unwrap_or_else(|| self.shm.handle_view_access());
        let align = if self.aligned {
            ALLOCATION_GRANULARITY as usize
        } else {
            0
        };
        self.shm.map_inner(access, self.offset, self.len, None, align)
    }
}
