//! The backend contract: everything a platform backend supplies, as traits,
//! so that a backend that lacks an item, or an object kind, fails to compile.
//!
//! A backend is a module under `sys/` with a unit type implementing
//! [`Backend`]; `sys/mod.rs` selects one per target and names its types
//! (`sys::Shm`, `sys::SysEvent`, ...) for the rest of the crate, which only
//! ever calls the methods declared here. The backends today:
//!
//! | backend | target | files |
//! |---|---|---|
//! | `linux` | `target_os = "linux"` | `sys/linux/`: `object.rs` (named files, handle count), `shm.rs`, `sync/{page,event,mutex,owner,wait,async_wait,reactor}.rs`, `admin.rs`, `ns.rs`, `futex.rs`; with the POSIX-generic `sys/unix/` (`header.rs`, `filename.rs`, syscall helpers) |
//! | `windows` | `windows` | `sys/windows/`: `shm.rs`, `sync/`, `admin.rs`, `security.rs` |
//! | `unsupported` | anything else | `sys/unsupported.rs`: every call fails with [`Error::Unsupported`](crate::Error::Unsupported) |
//!
//! What every backend must guarantee, beyond the signatures:
//! - **Windows semantics** (`docs/win32-semantics.md`): a name lives exactly
//!   while a handle to it is open; `Disposition::Create` of a live name fails
//!   with `AlreadyExists`, `Open` of a dead one with `NotFound`; a name used
//!   by another kind is `WrongType`; new memory reads as zeros.
//! - **Errors are semantic**: every failure is a [`crate::Error`] variant
//!   naming the object; `Error::Io` only for causes without a variant, with
//!   [`Backend::win32_code`] giving its Win32 code.
//! - **Hostile input**: another process may write any byte of an object at
//!   any moment; nothing read from shared memory is ever used as a pointer,
//!   length or index without a check, and no loop on a shared word is
//!   unbounded.
//! - **Thread safety**: every handle type is `Send + Sync`; methods take
//!   `&self` and may be called from any thread at once.

use super::{Disposition, Locked, MapRequest, Multi, RawView, SysObject};
use crate::admin::{ForeignEntry, HolderIndex, ObjectInfo, ReapReport};
use crate::error::Result;
use crate::name::{Namespace, ObjectName};
use crate::shm::ShmOptions;
use crate::sync::SyncOptions;
use std::fmt::Debug;
use std::io;
use std::ptr::NonNull;
use std::task::Waker;
use std::time::Duration;

/// A platform backend: its object types and the calls that are not methods
/// of one object.
pub(crate) trait Backend {
    /// A handle to a named file mapping (a section).
    type Shm: ShmImp;
    /// A handle to a named event.
    type Event: EventImp;
    /// A handle to a named mutex.
    type Mutex: MutexImp;
    /// A handle to a named semaphore.
    type Semaphore: SemaphoreImp;
    /// An absolute point in time for waits, taken once per call so that
    /// retries after spurious wake-ups never extend a timeout.
    type Deadline: DeadlineImp;
    /// The state of one pending async wait (`Event::wait_async` and the
    /// other `*_async` calls).
    type AsyncWait: AsyncWaitImp;

    /// `WaitForMultipleObjects`. The caller validated the list: 1..=64
    /// objects, writable where taking them writes, no object twice for
    /// wait-all (see [`SysObject::id`]).
    fn wait_multiple(
        objs: &[SysObject<'_>],
        wait_all: bool,
        deadline: Option<Self::Deadline>,
    ) -> io::Result<Multi>;

    /// Unmaps a view made by [`ShmImp::map`] (`RawView`'s `Drop`).
    ///
    /// # Safety
    /// `ptr`/`len` are exactly one view this backend mapped, and nothing
    /// uses its memory afterwards.
    unsafe fn unmap(ptr: NonNull<u8>, len: usize);

    /// Flushes a view (`FlushViewOfFile`).
    fn flush(ptr: NonNull<u8>, len: usize) -> io::Result<()>;

    /// The Win32 code for an OS error without a semantic variant.
    fn win32_code(e: &io::Error) -> u32;

    /// Whether `e` says that no descriptor or handle is left: `Some` with
    /// the process's limit, or `Some(None)` when the system's table is full.
    fn out_of_handles(e: &io::Error) -> Option<Option<u64>>;

    /// Every named object of a namespace (`admin::list`).
    fn list(ns: Namespace) -> Result<Vec<ObjectInfo>>;
    /// Entries of a namespace that are not named objects (`admin::list_foreign`).
    fn list_foreign(ns: Namespace) -> Result<Vec<ForeignEntry>>;
    /// Both, from one pass over the namespace (`admin::list_all`).
    fn scan(ns: Namespace) -> Result<(Vec<ObjectInfo>, Vec<ForeignEntry>)> {
        Ok((Self::list(ns)?, Self::list_foreign(ns)?))
    }
    /// The live object with this name (`admin::info`).
    fn info(name: &ObjectName) -> Result<ObjectInfo>;
    /// Who holds which object, in one pass over the machine's descriptors
    /// (`admin::HolderIndex::read`).
    fn holder_index() -> HolderIndex;
    /// Removes a name now (`admin::remove`).
    fn remove(name: &ObjectName) -> Result<()>;
    /// Reclaims (or, with `dry_run`, lists) the orphans of the caller's
    /// namespaces (`admin::reap`).
    fn reap(dry_run: bool) -> Result<ReapReport>;
}

/// What every handle reports about its object.
pub(crate) trait ObjectImp: Sized + Send + Sync + Debug {
    /// This call created the object (else it opened an existing one).
    fn created(&self) -> bool;
    /// The user that owns the object (Windows: 0).
    fn owner_uid(&self) -> u32;
    /// The object's permission bits, as requested at creation.
    fn mode(&self) -> u32;
}

/// A named file mapping.
pub(crate) trait ShmImp: ObjectImp {
    /// `CreateFileMapping` / `OpenFileMapping`; `size` is page-rounded and
    /// non-zero for a create, ignored for an open.
    fn acquire(name: &ObjectName, disp: Disposition, size: u64, opts: &ShmOptions) -> Result<Self>;
    /// The size in bytes, a whole number of pages.
    fn size(&self) -> u64;
    /// Memory is committed (else reserved: `SEC_RESERVE`).
    fn committed(&self) -> bool;
    /// The section allows writable views (it was not created read-only).
    fn section_writable(&self) -> bool;
    /// `MapViewOfFile(Ex)`; the caller validated `req` against the size.
    fn map(&self, name: &ObjectName, req: &MapRequest) -> Result<RawView>;
}

/// A named event.
pub(crate) trait EventImp: ObjectImp {
    /// `CreateEvent` / `OpenEvent`.
    fn acquire(
        name: &ObjectName,
        disp: Disposition,
        manual_reset: bool,
        initially_set: bool,
        opts: &SyncOptions,
    ) -> Result<Self>;
    /// The handle may set and reset (`EVENT_MODIFY_STATE`).
    fn writable(&self) -> bool;
    fn manual_reset(&self) -> bool;
    fn is_set(&self) -> bool;
    /// `SetEvent`. The caller checked `writable`.
    fn set(&self);
    /// `ResetEvent`. The caller checked `writable`.
    fn reset(&self);
    /// `PulseEvent`: releases the threads waiting at this moment (every one
    /// for a manual-reset event, one for an auto-reset event), then leaves
    /// the event non-signalled. The caller checked `writable`.
    fn pulse(&self);
    /// `WaitForSingleObject`: `true` if released, `false` on timeout.
    fn wait(&self, deadline: Option<Deadline>) -> bool;
    /// As `wait`, spinning for up to `spin` before sleeping.
    fn wait_spin(&self, spin: Duration, deadline: Option<Deadline>) -> bool;
    /// The same number for every handle of this process to the same object.
    fn id(&self) -> usize;
}

/// A named mutex, owned by a thread.
pub(crate) trait MutexImp: ObjectImp {
    /// `CreateMutex` / `OpenMutex`. With `initial_owner`, a mutex this call
    /// creates is owned by the calling thread before any other process can
    /// reach it.
    fn acquire(name: &ObjectName, disp: Disposition, opts: &SyncOptions, initial_owner: bool)
        -> Result<Self>;
    /// The handle may lock (`MUTEX_MODIFY_STATE` on Linux, where taking writes).
    fn writable(&self) -> bool;
    /// `WaitForSingleObject`, recursive for the owning thread.
    fn lock(&self, deadline: Option<Deadline>) -> io::Result<Locked>;
    /// `ReleaseMutex`: `false` if the calling thread does not own it.
    fn unlock(&self) -> bool;
    /// The owner's process and thread id, if it is held and the backend
    /// can tell.
    fn owner(&self) -> Option<(u32, u32)>;
    /// The same number for every handle of this process to the same object.
    fn id(&self) -> usize;
}

/// A named semaphore. Counts are validated by the caller: `1 <= maximum
/// <= i32::MAX`, `initial <= maximum`, `1 <= n` for a release.
pub(crate) trait SemaphoreImp: ObjectImp {
    /// `CreateSemaphore` / `OpenSemaphore` (`initial` and `maximum` are
    /// ignored for an open).
    fn acquire(
        name: &ObjectName,
        disp: Disposition,
        initial: u32,
        maximum: u32,
        opts: &SyncOptions,
    ) -> Result<Self>;
    /// The handle may release (`SEMAPHORE_MODIFY_STATE`).
    fn writable(&self) -> bool;
    /// The handle may wait (Windows: `SYNCHRONIZE`; Linux: taking a count
    /// writes, so only a writable handle).
    fn may_wait(&self) -> bool;
    /// The maximum count, fixed at creation.
    fn maximum(&self) -> u32;
    /// The current count (a snapshot; Windows has no such call, the CLI and
    /// admin listings use it).
    fn count(&self) -> u32;
    /// `ReleaseSemaphore`: adds `n` and returns the previous count, or
    /// `None` with the count unchanged if that would pass the maximum
    /// (`ERROR_TOO_MANY_POSTS`). The caller checked `writable`.
    fn release(&self, n: u32) -> std::io::Result<Option<u32>>;
    /// `WaitForSingleObject`: takes one count; `false` on timeout.
    fn wait(&self, deadline: Option<Deadline>) -> bool;
    /// The same number for every handle of this process to the same object.
    fn id(&self) -> usize;
}

/// One pending async wait: what lets a `Future` wait for events, mutexes
/// and semaphores without a thread of its own.
///
/// What every backend must guarantee:
/// - **Same semantics as the blocking wait**: a poll either completes the
///   wait exactly as `wait_multiple` would have (same try step, same
///   release rules, abandonment, timeouts) or leaves it pending.
/// - **One waiter per process**: pending waits cost memory, not threads;
///   the backend's waiter thread(s) call the waker when an object may have
///   changed or the deadline passed (spurious wake-ups are allowed: the
///   task polls again).
/// - **Cancellation on drop**: dropping the state ends the wait, and a
///   signal or count taken on its behalf and not delivered goes back (or
///   was never taken), so no `set` or `release` is lost.
pub(crate) trait AsyncWaitImp: Sized + Send + Debug {
    /// Polls a wait on `objs` (validated as for `wait_multiple`; the same
    /// list on every poll). `state` is `None` on the first poll and kept by
    /// the caller between polls. `Some` once the wait is over; `None`:
    /// pending, and `waker` will be woken.
    fn poll(
        state: &mut Option<Self>,
        objs: &[SysObject<'_>],
        wait_all: bool,
        deadline: Option<Deadline>,
        waker: &Waker,
    ) -> io::Result<Option<Multi>>;
}

/// A wait's deadline.
pub(crate) trait DeadlineImp: Sized + Copy + Debug {
    /// `None` waits forever.
    fn after(timeout: Option<Duration>) -> Option<Self>;
}

/// The selected backend's deadline type, for the signatures above.
type Deadline = super::Deadline;
