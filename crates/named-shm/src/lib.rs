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
//! let shm = SharedMemory::options().mode(0o600).create(&name, 256)?;
//! assert!(shm.created());
//! shm.map(0, 0)?.write_at(0, b"Message from first process.")?;
//!
//! // Second process (here: the same one): open by name, read-only, and read.
//! let other = SharedMemory::options().access(Access::Read).open(&name)?;
//! let view = other.map(0, 0)?;
//! let mut msg = [0u8; 27];
//! view.read_at(0, &mut msg)?;
//! assert_eq!(&msg, b"Message from first process.");
//!
//! // The name dies with the last handle; the view keeps the memory.
//! drop(shm);
//! drop(other);
//! assert!(matches!(SharedMemory::open(&name), Err(named_shm::Error::NotFound { .. })));
//! view.read_at(0, &mut msg)?;
//! # Ok::<(), named_shm::Error>(())
//! ```
//!
//! # Builders and shortcuts
//!
//! Every kind is created and opened the same way: a builder from
//! `options()` takes each parameter of the Win32 call as a named setter,
//! and its last call names the object: `create(name)`, `open(name)`,
//! `open_or_create(name)` or `create_anonymous()` (a mapping's creating
//! calls take its size too). No two bools stand side by side to be swapped.
//!
//! | Kind | Builder (every parameter) | Shortcut (the defaults) |
//! |------|---------------------------|-------------------------|
//! | [`SharedMemory`] | `SharedMemory::options().access(Access::Read).mode(0o640).commit(false).create(name, size)` | `SharedMemory::create(name, size)`; `open(name)` is read-write |
//! | [`Event`] | `Event::options().manual_reset(true).initially_set(true).create(name)` | `Event::create(name)`: auto-reset, not signalled |
//! | [`Mutex`] | `Mutex::options().initial_owner(true).create(name)` | `Mutex::create(name)`: not owned |
//! | [`Semaphore`] | `Semaphore::options().initial(0).maximum(10).create(name)` | `Semaphore::create(name, initial, maximum)` |
//!
//! Every builder also has `access` ([`Access::Read`] or
//! [`Access::ReadWrite`]), `mode`, `require_owner` and `lock_timeout`; the
//! shortcuts `open(name)` take only the name for every kind, and
//! `open_or_create` takes what `create` takes. A semaphore's shortcut keeps
//! its two counts in `CreateSemaphore`'s order (a semaphore has no useful
//! default maximum); swapped, they fail Windows' check
//! ([`Error::InvalidArgument`], 87) unless they are equal.
//!
//! # Two processes
//!
//! The usual shape: a writer creates the mapping and an event, writes, sets
//! the event, and **keeps its handles until the reader is done**; the reader
//! opens both by name, waits for the event and reads.
//!
//! ```no_run
//! // writer
//! use named_shm::{Event, SharedMemory};
//! let shm = SharedMemory::options().create("Local\\Board", 4096)?;
//! let mut events = Event::options();
//! events.manual_reset(true).initially_set(false); // stays set once set
//! let ready = events.open_or_create("Local\\BoardReady")?;
//! let done = events.open_or_create("Local\\BoardDone")?;
//! shm.map(0, 0)?.write_at(0, b"21.5 C")?;
//! ready.set()?;
//! done.wait(None)?; // hold the name until the reader says it is done
//! # Ok::<(), named_shm::Error>(())
//! ```
//!
//! ```no_run
//! // reader
//! use named_shm::{Access, Event, SharedMemory};
//! let mut events = Event::options();
//! events.manual_reset(true); // whichever process comes first creates them
//! let ready = events.open_or_create("Local\\BoardReady")?;
//! let done = events.open_or_create("Local\\BoardDone")?;
//! ready.wait(None)?;
//! let shm = SharedMemory::options().access(Access::Read).open("Local\\Board")?;
//! let mut text = [0u8; 6];
//! shm.map(0, 0)?.read_at(0, &mut text)?;
//! done.set()?;
//! # Ok::<(), named_shm::Error>(())
//! ```
//!
//! **The trap every newcomer meets:** the name lives only while a handle is
//! open (Windows' lifetime). A writer that creates, writes and exits at once
//! ends the object before the reader opens it, and the reader gets
//! [`Error::NotFound`]. Keep the writer's handle until the reader has its
//! own: wait for an event as above, hold it for the program's life, or hold
//! it from a shell with `nshm create NAME --size 4K --hold`. The runnable
//! pair is `cargo run --example first_process` and `second_process`;
//! `event_demo` shows the events.
//!
//! # Events, mutexes and semaphores
//!
//! ```
//! use named_shm::{Event, Mutex, Semaphore, WaitStatus};
//! use std::time::Duration;
//! # let id = std::process::id();
//! # let (e, m, s) = (format!("doc-ev-{id}"), format!("doc-mx-{id}"), format!("doc-sem-{id}"));
//!
//! // An auto-reset event: each set releases one wait.
//! let ev = Event::options().manual_reset(false).initially_set(false).create(&e)?;
//! ev.set()?;
//! assert_eq!(ev.wait(Some(Duration::ZERO))?, WaitStatus::Signaled);
//! assert_eq!(ev.wait(Some(Duration::ZERO))?, WaitStatus::TimedOut);
//!
//! // A mutex owned by a thread; a guard releases it.
//! let mx = Mutex::options().initial_owner(false).create(&m)?;
//! {
//!     let guard = mx.lock()?;
//!     assert!(!guard.was_abandoned()); // true when the last owner died holding it
//! }
//!
//! // A semaphore: release adds to the count (and returns the previous one).
//! let sem = Semaphore::options().initial(0).maximum(4).create(&s)?;
//! assert_eq!(sem.release(2)?, 0);
//! assert_eq!(sem.wait(Some(Duration::ZERO))?, WaitStatus::Signaled);
//! assert_eq!(sem.count(), 1);
//! # Ok::<(), named_shm::Error>(())
//! ```
//!
//! [`wait_for_multiple`] waits for any or all of several objects, as
//! `WaitForMultipleObjects` does.
//!
//! # Async waits
//!
//! [`Event::wait_async`], [`Semaphore::wait_async`],
//! [`wait_for_multiple_async`] and [`Mutex::acquire_async`] are plain
//! [`std::future::Future`]s with the blocking calls' semantics, for any
//! executor (the library depends on none). One waiter per process serves
//! every pending wait (on Linux, a thread asleep in `futex_waitv` on up to
//! 127 distinct futex words), so 10,000 pending waits cost memory, not
//! threads. Each poll makes the blocking call's own attempt (take the event,
//! a count, the mutex); the waiter thread only wakes the task when an object
//! may have changed or a timeout passed. Dropping a pending future cancels
//! its wait and loses no `set` or `release`: a failed attempt takes nothing,
//! and a `set` of an auto-reset event granted to a dropped wait goes back to
//! the event. A mutex belongs to a thread, so [`Mutex::acquire_async`] is
//! not `Send` (a current-thread runtime or a local task set) and
//! [`wait_for_multiple_async`] refuses mutexes.
//!
//! ```
//! use named_shm::{Event, WaitStatus};
//! use std::time::Duration;
//! # let name = format!("doc-async-{}", std::process::id());
//! let ready = Event::options().manual_reset(true).create(&name)?; // releases every waiter
//! let rt = tokio::runtime::Runtime::new().unwrap();
//! let waits: Vec<_> = (0..100)
//!     .map(|_| {
//!         let name = name.clone();
//!         rt.spawn(async move {
//!             let ev = Event::open(&name)?;
//!             ev.wait_async(Some(Duration::from_secs(10))).await
//!         })
//!     })
//!     .collect();
//! ready.set()?; // releases all of them
//! for w in waits {
//!     assert_eq!(rt.block_on(w).unwrap()?, WaitStatus::Signaled);
//! }
//! # Ok::<(), named_shm::Error>(())
//! ```
//!
//! # Platform differences
//! The [`semantics`] table compares Windows and Linux row by row. In short, on Linux: objects are files in
//! a namespace directory on tmpfs (`/dev/shm/named-shm.u<uid>` and
//! `/dev/shm/named-shm.global`); a `Global\` directory must belong to root or
//! to the caller; views are page-aligned unless asked to start at 64 KiB
//! multiples as on Windows ([`MapOptions::aligned`]).
//!
//! Unnamed objects (Windows: a NULL name) are
//! [`SharedMemory::create_anonymous`], [`EventOptions::create_anonymous`],
//! [`MutexOptions::create_anonymous`] and
//! [`SemaphoreOptions::create_anonymous`]: never published, shared only through
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
mod wait_async;

pub use error::{Error, NameError, ObjectKind, Result};
pub use event::{Event, EventOptions};
pub use mutex::{Mutex, MutexGuard, MutexOptions};
pub use name::{Namespace, ObjectName, MAX_NAME_LEN};
pub use semaphore::{Semaphore, SemaphoreOptions};
pub use shm::{Access, SharedMemory, ShmOptions, ViewAccess, ALLOCATION_GRANULARITY, PAGE_SIZE};
pub use sync::{wait_for_multiple, MultiWaitStatus, WaitObject, WaitStatus, MAXIMUM_WAIT_OBJECTS};
pub use view::{MapOptions, View};
pub use wait_async::{wait_for_multiple_async, AcquireFuture, MultiWaitFuture, WaitFuture};

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

#[doc = include_str!("semantics.md")]
pub mod semantics {}

/// The README's examples, compiled as doctests so they stay true.
#[doc = include_str!("../../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

/// The Rust examples of the Wine bridge's user guide, compiled the same way.
#[doc = include_str!("../../../docs/wine.md")]
#[cfg(doctest)]
pub struct WineGuideDoctests;
