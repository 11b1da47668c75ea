//! Named shared memory with Windows semantics, on Linux and Windows.
//!
//! Windows programs share memory by name: `CreateFileMapping`,
//! `OpenFileMapping`, `MapViewOfFile`, `UnmapViewOfFile`, `CloseHandle`. This
//! crate gives Rust programs the same objects with the same behaviour:
//!
//! - the name lives while any handle is open, in any process, and dies with
//!   the last one, even after a crash (`kill -9`);
//! - no process ever sees a half-created object;
//! - memory is reserved when the object is created, so a full `/dev/shm` is an
//!   error then and never a `SIGBUS` later;
//! - `Local\` names are private to the user, `Global\` names machine-wide, with
//!   exact permissions;
//! - one namespace is shared by all object kinds: mappings ([`SharedMemory`]),
//!   [`Event`]s, [`Mutex`]es and [`Semaphore`]s, with
//!   [`wait_for_multiple`] over the last three.
//!
//! ```
//! use named_shm::{Access, SharedMemory};
//!
//! // First process: create and write.
//! let name = format!("Local\\doc-crate-{}", std::process::id());
//! let shm = SharedMemory::create(&name, 256)?;
//! assert!(shm.created());
//! shm.map(0, 0)?.write_at(0, b"Message from first process.")?;
//!
//! // Second process (here: the same one): open by name and read.
//! let other = SharedMemory::open(&name, Access::Read)?;
//! let view = other.map(0, 0)?;
//! let mut msg = [0u8; 27];
//! view.read_at(0, &mut msg)?;
//! assert_eq!(&msg, b"Message from first process.");
//!
//! // The name dies with the last handle; the view keeps the memory.
//! drop(shm);
//! drop(other);
//! assert!(matches!(SharedMemory::open(&name, Access::Read), Err(named_shm::Error::NotFound { .. })));
//! view.read_at(0, &mut msg)?;
//! # Ok::<(), named_shm::Error>(())
//! ```
//!
//! # Platform differences
//! See the README's semantics table. In short, on Linux: objects are files in
//! a namespace directory on tmpfs (`/dev/shm/named-shm.u<uid>` and
//! `/dev/shm/named-shm.global`); a `Global\` directory must belong to root or
//! to the caller; views are page-aligned unless asked to start at 64 KiB
//! multiples as on Windows ([`MapOptions::aligned`]).
//!
//! Unnamed objects (Windows: a NULL name) are
//! [`SharedMemory::create_anonymous`], [`EventOptions::create_anonymous`] and
//! [`MutexOptions::create_anonymous`]: never published, shared only through
//! their handles.
//!
//! On Windows the crate is a thin layer over the kernel's own objects
//! (`CreateFileMappingW`, `MapViewOfFile`, `CreateEventW`, `CreateMutexW`,
//! `CreateSemaphoreW`, `WaitForMultipleObjects`), so the semantics are Windows' own. What differs
//! there:
//! - creating a `Global\` object outside session 0 needs
//!   `SeCreateGlobalPrivilege` (without it: [`Error::PermissionDenied`]);
//!   opening one needs no privilege;
//! - [`ShmOptions::mode`] and the event, mutex and semaphore `mode` options become a
//!   protected DACL: the owner bits grant the calling user's SID, the "other"
//!   bits grant Everyone; group and execute bits are not mapped. `owner_uid()`
//!   and `mode()` report 0, and `require_owner` checks that the owner SID is
//!   the caller's (the uid given is not used);
//! - [`admin::reap`] has nothing to do (the kernel frees a name with its last
//!   handle, a killed holder's too); [`admin::list`] and [`admin::remove`]
//!   return [`Error::Unsupported`]; [`admin::holders`] is empty;
//!   [`admin::info`] knows no creator, creation time or inode;
//! - `commit(false)` is `SEC_RESERVE`: the pages of each view are committed
//!   when it is mapped, so touching a view never faults;
//! - [`Semaphore::count`] reads the count with `NtQuerySemaphore`;
//! - [`Mutex::owner`] names another process's owner only where
//!   `NtQueryMutant` tells it (Windows 10 and later, not Wine 8);
//! - `lock_timeout` has no effect (nothing to wait for).

#![deny(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks, missing_docs)]
#![deny(unsafe_code)]

pub mod admin;
pub mod code;
mod error;
mod event;
mod mutex;
mod name;
mod semaphore;
mod shm;
mod sync;
mod sys;
mod view;

pub use error::{Error, NameError, ObjectKind, Result};
pub use event::{Event, EventOptions};
pub use mutex::{Mutex, MutexGuard, MutexOptions};
pub use name::{Namespace, ObjectName, MAX_NAME_LEN};
pub use semaphore::{Semaphore, SemaphoreOptions};
pub use shm::{Access, SharedMemory, ShmOptions, ViewAccess, ALLOCATION_GRANULARITY, PAGE_SIZE};
pub use sync::{wait_for_multiple, MultiWaitStatus, WaitObject, WaitStatus, MAXIMUM_WAIT_OBJECTS};
pub use view::{MapOptions, View};

/// The plain-old-data traits of [`View::read`] and [`View::write`], and
/// their derives, so that no other dependency is needed:
///
/// ```
/// use named_shm::{Pod, SharedMemory, Zeroable};
///
/// #[derive(Clone, Copy, Debug, PartialEq, Pod, Zeroable)]
/// #[bytemuck(crate = "named_shm::bytemuck")] // the derives find the traits here
/// #[repr(C)]
/// struct Board {
///     seq: u32,
///     temperature: f32,
/// }
///
/// # let name = format!("doc-pod-{}", std::process::id());
/// let shm = SharedMemory::create(&name, 4096)?;
/// let view = shm.map(0, 0)?;
/// view.write(0, &Board { seq: 1, temperature: 21.5 })?;
/// assert_eq!(view.read::<Board>(0)?, Board { seq: 1, temperature: 21.5 });
/// # Ok::<(), named_shm::Error>(())
/// ```
pub use bytemuck::{Pod, Zeroable};

/// The `bytemuck` crate that [`Pod`] and [`Zeroable`] come from, for the
/// derives' `#[bytemuck(crate = "named_shm::bytemuck")]`.
pub use bytemuck;

/// The README's examples, compiled as doctests so they stay true.
#[doc = include_str!("../../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
