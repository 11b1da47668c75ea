//! Named shared memory: `CreateFileMapping`, `OpenFileMapping`, `MapViewOfFile`.

#[cfg(doc)]
use crate::error::Error;
use crate::error::{ErrorName, Result};
use crate::name::{Namespace, ObjectName};
use crate::sys;
use crate::sys::Disposition;
use crate::sys::{ObjectImp as _, ShmImp as _};
use crate::view::{MapOptions, View};
use std::time::Duration;

/// Views start at multiples of this many bytes: 64 KiB, Windows'
/// `dwAllocationGranularity`, on every platform, so that code written on Linux
/// runs unchanged on Windows.
pub const ALLOCATION_GRANULARITY: u64 = 0x10000;

/// Sizes are rounded up to whole pages of this many bytes (Windows' `dwPageSize`).
pub const PAGE_SIZE: u64 = 0x1000;

/// What a handle may do (`FILE_MAP_READ` or `FILE_MAP_READ | FILE_MAP_WRITE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Access {
    /// Read-only: only read and copy-on-write views.
    Read,
    /// Read and write.
    #[default]
    ReadWrite,
}

/// The protection of one view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ViewAccess {
    /// Read-only, shared (`FILE_MAP_READ`).
    Read,
    /// Read-write, shared with every other view (`FILE_MAP_WRITE`).
    ReadWrite,
    /// Private copy-on-write (`FILE_MAP_COPY`): writes stay in this view.
    CopyOnWrite,
}

/// The builder for mappings: every parameter of
/// `CreateFileMapping`/`OpenFileMapping` but the size as a named setter,
/// then [`create`](Self::create), [`open`](Self::open),
/// [`open_or_create`](Self::open_or_create) or
/// [`create_anonymous`](Self::create_anonymous) (the creating calls take the
/// size, which every new mapping needs). Get one from
/// [`SharedMemory::options`]; the setters take and return `&mut Self`, as
/// those of [`std::fs::OpenOptions`] do.
///
/// Defaults: read-write access, mode `0o600`, memory reserved at creation,
/// no prefaulting, small pages, no owner check.
///
/// ```
/// use named_shm::{Access, SharedMemory};
/// let name = format!("doc-options-{}", std::process::id());
/// let shm = SharedMemory::options().mode(0o600).prefault(true).create(&name, 100_000)?;
/// assert_eq!(shm.size(), 102_400); // rounded up to whole pages
/// let reader = SharedMemory::options().access(Access::Read).open(&name)?;
/// assert!(reader.map(0, 0).is_ok());
/// # Ok::<(), named_shm::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ShmOptions {
    pub(crate) access: Access,
    pub(crate) mode: u32,
    pub(crate) commit: bool,
    pub(crate) prefault: bool,
    pub(crate) huge_pages: bool,
    pub(crate) require_owner: Option<u32>,
    pub(crate) lock_timeout: Duration,
}

impl Default for ShmOptions {
    fn default() -> Self {
        ShmOptions {
            access: Access::ReadWrite,
            mode: 0o600,
            commit: true,
            prefault: false,
            huge_pages: false,
            require_owner: None,
            lock_timeout: Duration::from_secs(10),
        }
    }
}

impl ShmOptions {
    /// Read-write access, mode 0600, committed memory, no prefaulting.
    pub fn new() -> Self {
        Self::default()
    }

    /// The access of the handle. Creating with [`Access::Read`] makes a
    /// read-only mapping (`PAGE_READONLY`): zero-filled, and no handle, whatever
    /// its access, can map a writable shared view of it (copy-on-write views
    /// still work).
    pub fn access(&mut self, access: Access) -> &mut Self {
        self.access = access;
        self
    }

    /// Permission bits of a new object, applied exactly whatever the umask
    /// (default `0o600`: the owner only). On Windows, see the crate docs.
    pub fn mode(&mut self, mode: u32) -> &mut Self {
        self.mode = mode & 0o777;
        self
    }

    /// `true` (default, `SEC_COMMIT`): reserve all memory at creation, so a full
    /// `/dev/shm` is an [`Error::OutOfMemory`] then and never a `SIGBUS` later.
    /// `false` (`SEC_RESERVE`): pages are allocated on first touch.
    pub fn commit(&mut self, commit: bool) -> &mut Self {
        self.commit = commit;
        self
    }

    /// Populate page tables when mapping (`MADV_POPULATE_WRITE`/`_READ`), so the
    /// first touch of each page does not fault.
    pub fn prefault(&mut self, prefault: bool) -> &mut Self {
        self.prefault = prefault;
        self
    }

    /// Back views with transparent huge pages where the system offers them
    /// for shared memory (`MADV_HUGEPAGE`). On Linux the tmpfs that holds
    /// the namespace must be mounted with `huge=always`, `huge=within_size`
    /// or `huge=advise` (`/dev/shm` usually is not:
    /// `mount -o remount,huge=advise /dev/shm`), unless
    /// `/sys/kernel/mm/transparent_hugepage/shmem_enabled` is `force` (on
    /// for every tmpfs) or `deny` (off for all). Where huge pages are not
    /// offered, `create`, `open` and `open_or_create` fail with
    /// [`Error::Unsupported`] naming the setting, rather than silently using
    /// small pages.
    ///
    /// # Platform differences
    /// Windows' large pages (`SEC_LARGE_PAGES`) need `SeLockMemoryPrivilege`
    /// and are not offered: always [`Error::Unsupported`] there.
    pub fn huge_pages(&mut self, huge: bool) -> &mut Self {
        self.huge_pages = huge;
        self
    }

    /// Refuse to open an object that does not belong to this uid (a defence
    /// against squatting in `Global\`).
    pub fn require_owner(&mut self, uid: u32) -> &mut Self {
        self.require_owner = Some(uid);
        self
    }

    /// How long an open may wait while another process closes or reclaims the
    /// object (default 10 s).
    pub fn lock_timeout(&mut self, timeout: Duration) -> &mut Self {
        self.lock_timeout = timeout;
        self
    }

    /// Creates a new object of `size` bytes (rounded up to whole pages),
    /// zero-filled; fails with [`Error::AlreadyExists`] if the name is live.
    #[doc(alias = "CreateFileMapping")]
    pub fn create(&self, name: &str, size: u64) -> Result<SharedMemory> {
        SharedMemory::acquire(self, name, Disposition::Create, size)
    }

    /// Opens an existing object with the [`access`](Self::access) set
    /// (default read-write); fails with [`Error::NotFound`] if there is none,
    /// [`Error::PermissionDenied`] if its permissions do not allow the access.
    #[doc(alias = "OpenFileMapping")]
    pub fn open(&self, name: &str) -> Result<SharedMemory> {
        SharedMemory::acquire(self, name, Disposition::Open, 0)
    }

    /// Opens the object, or creates it if there is none: `CreateFileMapping`.
    /// [`SharedMemory::created`] tells which (`false` is `ERROR_ALREADY_EXISTS`).
    /// An existing object keeps its size.
    pub fn open_or_create(&self, name: &str, size: u64) -> Result<SharedMemory> {
        SharedMemory::acquire(self, name, Disposition::OpenOrCreate, size)
    }

    /// Creates an unnamed mapping: `CreateFileMapping` with a NULL name. See
    /// [`SharedMemory::create_anonymous`].
    pub fn create_anonymous(&self, size: u64) -> Result<SharedMemory> {
        SharedMemory::acquire_parsed(self, ObjectName::unnamed(), Disposition::Anonymous, size)
    }
}

/// A handle to a named mapping: Windows' file-mapping `HANDLE`.
///
/// The name lives while any handle is open, in any process, and dies with the
/// last one, even if views are still mapped (they keep the memory). Dropping
/// the handle is `CloseHandle`. Handles are inherited by `fork`; a child's exit
/// never frees an object its parent still holds.
///
/// ```
/// use named_shm::SharedMemory;
/// let name = format!("doc-shm-{}", std::process::id());
/// let shm = SharedMemory::options().mode(0o600).create(&name, 256)?; // or SharedMemory::create
/// let view = shm.map(0, 0)?;
/// view.write_at(0, b"Message from first process.")?;
///
/// let other = SharedMemory::options().access(named_shm::Access::Read).open(&name)?;
/// let mut buf = [0u8; 27];
/// other.map(0, 0)?.read_at(0, &mut buf)?;
/// assert_eq!(&buf, b"Message from first process.");
/// # Ok::<(), named_shm::Error>(())
/// ```
#[derive(Debug)]
pub struct SharedMemory {
    inner: sys::Shm,
    name: ObjectName,
    /// The name once more, shared with every view for its error messages.
    view_name: std::sync::Arc<str>,
    access: Access,
    prefault: bool,
    huge_pages: bool,
}

impl SharedMemory {
    fn acquire(opts: &ShmOptions, name: &str, disp: Disposition, size: u64) -> Result<SharedMemory> {
        SharedMemory::acquire_parsed(opts, ObjectName::parse(name)?, disp, size)
    }

    fn acquire_parsed(
        opts: &ShmOptions,
        name: ObjectName,
        disp: Disposition,
        size: u64,
    ) -> Result<SharedMemory> {
        let rounded = if disp == Disposition::Open {
            0
        } else {
            round_size(&name, size)?
        };
        let inner = sys::Shm::acquire(&name, disp, rounded, opts)?;
        Ok(SharedMemory {
            inner,
            view_name: name.shared(),
            name,
            access: opts.access,
            prefault: opts.prefault,
            huge_pages: opts.huge_pages,
        })
    }

    /// Creates a new object of `size` bytes (rounded up to whole pages),
    /// zero-filled, read-write: the same as
    /// `SharedMemory::options().create(name, size)`.
    ///
    /// # Errors
    /// [`Error::AlreadyExists`] if the name is live; [`Error::InvalidSize`] for 0;
    /// [`Error::OutOfMemory`] if the memory cannot be reserved (nothing is left behind);
    /// [`Error::WrongType`] if an event or mutex has the name.
    #[doc(alias = "CreateFileMapping")]
    pub fn create(name: &str, size: u64) -> Result<SharedMemory> {
        ShmOptions::new().create(name, size)
    }

    /// Creates an unnamed object of `size` bytes (rounded up to whole
    /// pages), zero-filled: `CreateFileMapping` with a NULL name. It is
    /// never published: no other process can open it, [`admin::list`](crate::admin::list)
    /// does not show it, and it leaves nothing behind. Processes share it by
    /// inheriting the handle (`fork`); it dies with its last handle and view,
    /// whichever process holds them. [`name`](Self::name) is
    /// [unnamed](ObjectName::is_unnamed).
    ///
    /// ```
    /// use named_shm::SharedMemory;
    /// let shm = SharedMemory::create_anonymous(100)?;
    /// assert!(shm.name().is_unnamed());
    /// assert_eq!(shm.size(), 4096);
    /// shm.map(0, 0)?.write_at(0, b"private")?;
    /// # Ok::<(), named_shm::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidSize`] for 0; [`Error::OutOfMemory`] if the memory
    /// cannot be reserved.
    pub fn create_anonymous(size: u64) -> Result<SharedMemory> {
        ShmOptions::new().create_anonymous(size)
    }

    /// Opens an existing object by name, read-write: the same as
    /// `SharedMemory::options().open(name)`. A read-only handle comes from
    /// the builder: `SharedMemory::options().access(Access::Read).open(name)`.
    ///
    /// # Errors
    /// [`Error::NotFound`] if no live object has the name; [`Error::PermissionDenied`]
    /// if its permissions do not allow writing; [`Error::WrongType`] for
    /// another kind of object.
    #[doc(alias = "OpenFileMapping")]
    pub fn open(name: &str) -> Result<SharedMemory> {
        ShmOptions::new().open(name)
    }

    /// Opens the object or creates it: Windows' `CreateFileMapping` exactly.
    /// Check [`created`](Self::created).
    pub fn open_or_create(name: &str, size: u64) -> Result<SharedMemory> {
        ShmOptions::new().open_or_create(name, size)
    }

    /// The builder: access, mode, commit, prefaulting, huge pages, owner
    /// check.
    pub fn options() -> ShmOptions {
        ShmOptions::new()
    }

    /// The name as given.
    pub fn name(&self) -> &ObjectName {
        &self.name
    }

    /// The namespace.
    pub fn namespace(&self) -> Namespace {
        self.name.namespace()
    }

    /// Size in bytes, a whole number of pages.
    pub fn size(&self) -> u64 {
        self.inner.size()
    }

    /// What this handle may do.
    pub fn access(&self) -> Access {
        self.access
    }

    /// The owner's uid (on Windows, 0).
    pub fn owner_uid(&self) -> u32 {
        self.inner.owner_uid()
    }

    /// Permission bits (on Windows, 0).
    pub fn mode(&self) -> u32 {
        self.inner.mode()
    }

    /// Whether this call created the object (`false`: it existed, `ERROR_ALREADY_EXISTS`).
    pub fn created(&self) -> bool {
        self.inner.created()
    }

    /// Whether writable views are possible: `false` for a mapping created
    /// through a read-only handle (`PAGE_READONLY`).
    pub fn section_writable(&self) -> bool {
        self.inner.section_writable()
    }

    /// Whether the memory was reserved at creation (`SEC_COMMIT`).
    pub fn committed(&self) -> bool {
        self.inner.committed()
    }

    /// Maps a view with the handle's access: `MapViewOfFile`.
    ///
    /// `offset` must be a multiple of [`ALLOCATION_GRANULARITY`]; `len == 0`
    /// maps to the end.
    ///
    /// # Errors
    /// [`Error::MisalignedOffset`], [`Error::OutOfRange`] (offset at or past the
    /// end, or `offset + len` past it).
    #[doc(alias = "MapViewOfFile")]
    pub fn map(&self, offset: u64, len: usize) -> Result<View> {
        self.map_with(self.handle_view_access(), offset, len)
    }

    /// The view access matching the handle's.
    pub(crate) fn handle_view_access(&self) -> ViewAccess {
        match self.access {
            Access::Read => ViewAccess::Read,
            Access::ReadWrite => ViewAccess::ReadWrite,
        }
    }

    /// Options for a view: protection, range, and Windows' 64 KiB address
    /// alignment ([`MapOptions::aligned`]).
    pub fn map_options(&self) -> MapOptions<'_> {
        MapOptions::new(self)
    }

    /// Maps a view with the given protection.
    ///
    /// # Errors
    /// As [`map`](Self::map), and [`Error::PermissionDenied`] for a writable
    /// view through a read-only handle.
    pub fn map_with(&self, access: ViewAccess, offset: u64, len: usize) -> Result<View> {
        self.map_inner(access, offset, len, None, 0)
    }

    /// Maps a view at a given address, if the whole range is free: for callers
    /// that place views themselves (`MapViewOfFileEx`; for Windows' 64 KiB
    /// alignment alone, see [`MapOptions::aligned`]). Otherwise as
    /// [`map_with`](Self::map_with). Nothing already mapped is ever replaced.
    ///
    /// # Errors
    /// As [`map_with`](Self::map_with), and [`Error::AddressInUse`] if any
    /// page of the range is in use, or `addr` is not page-aligned.
    ///
    /// ```
    /// use named_shm::{SharedMemory, ViewAccess};
    /// let name = format!("doc-map-at-{}", std::process::id());
    /// let shm = SharedMemory::create(&name, 4096)?;
    /// let first = shm.map(0, 0)?;
    /// let addr = std::ptr::NonNull::new(first.as_ptr() as *mut u8).unwrap();
    /// // The range is taken: refused, never replaced.
    /// assert!(shm.map_at(ViewAccess::ReadWrite, 0, 0, addr).is_err());
    /// drop(first);
    /// // Free again (unless another thread mapped something there meanwhile).
    /// if let Ok(again) = shm.map_at(ViewAccess::ReadWrite, 0, 0, addr) {
    ///     assert_eq!(again.as_ptr(), addr.as_ptr() as *const u8);
    /// }
    /// # Ok::<(), named_shm::Error>(())
    /// ```
    #[doc(alias = "MapViewOfFileEx")]
    pub fn map_at(
        &self,
        access: ViewAccess,
        offset: u64,
        len: usize,
        addr: std::ptr::NonNull<u8>,
    ) -> Result<View> {
        if addr.as_ptr() as usize % PAGE_SIZE as usize != 0 {
            return Err(self.name.address_in_use(addr.as_ptr() as usize));
        }
        self.map_inner(access, offset, len, Some(addr), 0)
    }

    pub(crate) fn map_inner(
        &self,
        access: ViewAccess,
        offset: u64,
        len: usize,
        at: Option<std::ptr::NonNull<u8>>,
        align: usize,
    ) -> Result<View> {
        if access == ViewAccess::ReadWrite && self.access == Access::Read {
            return Err(self.name.denied("a read-only handle cannot map a writable view"));
        }
        if access == ViewAccess::ReadWrite && !self.inner.section_writable() {
            // Windows: the handle has the access, the section's protection
            // does not allow the view: ERROR_INVALID_PARAMETER.
            return Err(self
                .name
                .invalid_arg("the mapping was created read-only; it has no writable views"));
        }
        let len = check_view_range(&self.name, self.size(), offset, len)?;
        let raw = self.inner.map(
            &self.name,
            &sys::MapRequest {
                access,
                offset,
                len,
                prefault: self.prefault,
                huge_pages: self.huge_pages,
                at,
                align,
            },
        )?;
        Ok(View::new(raw, access, self.view_name.clone()))
    }
}

fn round_size(name: &ObjectName, size: u64) -> Result<u64> {
    let invalid = |reason| name.invalid_size(size, reason);
    if size == 0 {
        return Err(invalid("a mapping without a file needs a size above zero"));
    }
    let rounded = size
        .checked_add(PAGE_SIZE - 1)
        .map(|s| s & !(PAGE_SIZE - 1))
        .filter(|s| *s <= (i64::MAX as u64) / 2)
        .ok_or_else(|| invalid("larger than any address space"))?;
    Ok(rounded)
}

/// Validates a view range against an object of `size` bytes and returns the
/// view length. Never panics and never admits a byte past the end.
pub(crate) fn check_view_range(name: &ObjectName, size: u64, offset: u64, len: usize) -> Result<usize> {
    if offset % ALLOCATION_GRANULARITY != 0 {
        return Err(name.misaligned(offset));
    }
    let out_of_range = || name.out_of_range(offset, len as u64, size);
    if offset >= size {
        return Err(out_of_range());
    }
    let len = if len == 0 { size - offset } else { len as u64 };
    match offset.checked_add(len) {
        Some(end) if end <= size => usize::try_from(len).map_err(|_| out_of_range()),
        _ => Err(out_of_range()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn view_ranges_never_pass_the_end(size in 1u64..(1 << 40), offset in any::<u64>(), len in any::<usize>()) {
            let name = ObjectName::parse("x").unwrap();
            let size = size * PAGE_SIZE;
            if let Ok(l) = check_view_range(&name, size, offset, len) {
                prop_assert!(offset % ALLOCATION_GRANULARITY == 0);
                prop_assert!(l > 0);
                prop_assert!(offset + l as u64 <= size);
            }
        }

        #[test]
        fn sizes_round_up_to_pages(size in any::<u64>()) {
            let name = ObjectName::parse("x").unwrap();
            match round_size(&name, size) {
                Ok(r) => { prop_assert!(r >= size && r % PAGE_SIZE == 0 && r - size < PAGE_SIZE); }
                Err(e) => { let too_big = size > (i64::MAX as u64) / 2 - PAGE_SIZE; prop_assert!(size == 0 || too_big, "{e}"); }
            }
        }
    }
}
