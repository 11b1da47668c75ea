//! Seeing and cleaning up named objects: list, inspect, remove and reap.
//!
//! ```ignore-windows
//! use named_shm::{admin, Namespace, SharedMemory};
//! let name = format!("doc-admin-{}", std::process::id());
//! let shm = SharedMemory::create(&name, 4096)?;
//! let info = admin::info(&name)?;
//! assert_eq!(info.size, 4096);
//! assert_eq!(info.holders, 1);
//! assert!(admin::list(Namespace::Local)?.iter().any(|o| o.name == format!("Local\\{name}")));
//! drop(shm);
//! assert!(admin::info(&name).is_err());
//! # Ok::<(), named_shm::Error>(())
//! ```

use crate::error::{ObjectKind, Result};
use crate::name::{Namespace, ObjectName};
use crate::sys;
use std::path::PathBuf;
use std::time::SystemTime;

/// What is known about one named object.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ObjectInfo {
    /// Canonical name, `Local\X` or `Global\X`.
    pub name: String,
    /// Its namespace.
    pub namespace: Namespace,
    /// Mapping, event or mutex.
    pub kind: ObjectKind,
    /// Size in bytes (mappings; 0 for events and mutexes).
    pub size: u64,
    /// The owner's uid.
    pub owner_uid: u32,
    /// Permission bits.
    pub mode: u32,
    /// Number of open handles, in all processes.
    pub holders: usize,
    /// No handle is open: the object is dead and waits to be reaped.
    pub orphan: bool,
    /// The process that created it.
    pub creator_pid: u32,
    /// When it was created.
    pub created: SystemTime,
    /// Where it lives in the file system.
    pub path: PathBuf,
    /// Memory was reserved at creation (`SEC_COMMIT`) rather than on first touch.
    pub committed: bool,
    /// The file's inode number (tells generations of one name apart).
    pub inode: u64,
    /// The device of the file system holding it (with `inode`, the object's
    /// identity; 0 on Windows).
    pub device: u64,
}

/// An entry of a namespace directory that is not a named object: something
/// planted there, a file whose header is invalid, or one whose header names
/// an object other than the one its file name encodes (a forged entry). It is
/// never listed, shown, removed or reaped under a name.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ForeignEntry {
    /// The namespace whose directory holds it.
    pub namespace: Namespace,
    /// Its file name, exactly (any bytes another user chose).
    pub file_name: std::ffi::OsString,
    /// Its full path.
    pub path: PathBuf,
    /// Its owner, when it could be examined.
    pub owner_uid: Option<u32>,
    /// Why it is not a named object.
    pub reason: String,
}

/// What [`reap`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReapReport {
    /// Names of orphans reclaimed (or, in a dry run, that would be).
    pub reclaimed: Vec<String>,
    /// Entries left alone, with the reason (foreign owner, not an object, …):
    /// labelled by object name only when the entry is a named object, by
    /// path otherwise.
    pub skipped: Vec<(String, String)>,
    /// Number of live objects seen.
    pub live: usize,
}

/// One process holding handles to a named object.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Holder {
    /// Its process id.
    pub pid: u32,
    /// Its command name (Linux: `/proc/<pid>/comm`), empty when unknown.
    pub command: String,
    /// Number of handles to the object it holds.
    pub handles: usize,
}

/// Every named object in the caller's view of a namespace, orphans included.
///
/// An entry is listed under a name only if its file name is exactly the
/// encoding of the name in its header; everything else is in
/// [`list_foreign`].
pub fn list(ns: Namespace) -> Result<Vec<ObjectInfo>> {
    sys::admin::list(ns)
}

/// The entries of a namespace directory that are not named objects (see
/// [`ForeignEntry`]); always empty on Windows.
pub fn list_foreign(ns: Namespace) -> Result<Vec<ForeignEntry>> {
    sys::admin::list_foreign(ns)
}

/// [`list`] and [`list_foreign`] from one pass over the namespace directory:
/// what `nshm list` shows, at half the cost of calling both.
///
/// ```ignore-windows
/// use named_shm::{admin, Namespace, SharedMemory};
/// let name = format!("doc-list-all-{}", std::process::id());
/// let _shm = SharedMemory::create(&name, 4096)?;
/// let (objects, _foreign) = admin::list_all(Namespace::Local)?;
/// assert!(objects.iter().any(|o| o.name == format!("Local\\{name}")));
/// # Ok::<(), named_shm::Error>(())
/// ```
pub fn list_all(ns: Namespace) -> Result<(Vec<ObjectInfo>, Vec<ForeignEntry>)> {
    sys::admin::scan(ns)
}

/// The live object with this name.
///
/// # Errors
/// [`Error::NotFound`](crate::Error::NotFound) if no live object has the name.
pub fn info(name: &str) -> Result<ObjectInfo> {
    sys::admin::info(&ObjectName::parse(name)?)
}

/// Who holds which object, read in one pass over the machine's open
/// descriptors: the way to find the holders of many objects (`nshm list`),
/// at a cost linear in the number of descriptors, whatever the number of
/// objects.
///
/// ```ignore-windows
/// use named_shm::{admin, Namespace, SharedMemory};
/// let name = format!("doc-holder-index-{}", std::process::id());
/// let _a = SharedMemory::create(&name, 4096)?;
/// let _b = SharedMemory::options().access(named_shm::Access::Read).open(&name)?;
/// let index = admin::HolderIndex::read();
/// for info in admin::list(Namespace::Local)? {
///     if info.name == format!("Local\\{name}") {
///         let h = index.holders(&info);
///         assert_eq!((h[0].pid, h[0].handles), (std::process::id(), 2));
///     }
/// }
/// # Ok::<(), named_shm::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct HolderIndex {
    pub(crate) by_object: std::collections::HashMap<(u64, u64), Vec<Holder>>,
    pub(crate) unreadable: usize,
}

impl HolderIndex {
    /// Reads every process's descriptors once (on Linux: `/proc/*/fdinfo`).
    /// Processes whose descriptors the caller may not inspect (another
    /// user's, when not root) are skipped and counted in
    /// [`unreadable`](Self::unreadable). Empty on Windows.
    pub fn read() -> HolderIndex {
        sys::admin::holder_index()
    }

    /// The processes holding handles to the object, sorted by process id
    /// (see [`holders`]).
    pub fn holders(&self, info: &ObjectInfo) -> Vec<Holder> {
        self.by_object
            .get(&(info.device, info.inode))
            .cloned()
            .unwrap_or_default()
    }

    /// How many processes could not be inspected.
    pub fn unreadable(&self) -> usize {
        self.unreadable
    }
}

/// The processes holding handles to the object, sorted by process id.
///
/// Only processes whose open files the caller may inspect are found (on
/// Linux: its own, or all of them as root), so the list may be shorter than
/// [`ObjectInfo::holders`]; it is empty for an orphan or a removed name whose
/// last holder is gone. A view without a handle holds nothing.
///
/// ```ignore-windows
/// use named_shm::{admin, SharedMemory};
/// let name = format!("doc-holders-{}", std::process::id());
/// let shm = SharedMemory::create(&name, 4096)?;
/// let holders = admin::holders(&admin::info(&name)?);
/// assert_eq!(holders.len(), 1);
/// assert_eq!(holders[0].pid, std::process::id());
/// assert_eq!(holders[0].handles, 1);
/// # drop(shm);
/// # Ok::<(), named_shm::Error>(())
/// ```
///
/// For many objects, read a [`HolderIndex`] once instead: each call here
/// reads every process's descriptors.
pub fn holders(info: &ObjectInfo) -> Vec<Holder> {
    HolderIndex::read().holders(info)
}

/// Removes the name now, like `ipcrm`: holders keep their handles, views and
/// memory, but nobody can open it any more, and the name is free for a new
/// object. (Windows has no such call; it exists for administration.)
pub fn remove(name: &str) -> Result<()> {
    sys::admin::remove(&ObjectName::parse(name)?)
}

/// Reclaims every orphan (an object whose holders all died without closing)
/// in the caller's `Local\` and `Global\` namespaces. Orphans are also
/// reclaimed by the next create or open of their name. Only named objects
/// (see [`list`]) are reclaimed: foreign entries are left alone and reported.
pub fn reap() -> Result<ReapReport> {
    sys::admin::reap(false)
}

/// Lists what [`reap`] would reclaim, without removing anything: the same
/// checks, the unlink skipped. (Like a real run it takes each orphan's
/// write lock for an instant, which a concurrent open waits out.)
pub fn reap_dry_run() -> Result<ReapReport> {
    sys::admin::reap(true)
}
