//! Named events, mutexes and semaphores on Linux, one file per feature:
//! `page.rs` (the mapped header page and its per-process cache),
//! `event.rs`, `mutex.rs` with `owner.rs` (the calling thread's private
//! list of owned mutexes), `semaphore.rs`, and `wait.rs`
//! (`WaitForMultipleObjects`).
//!
//! All are ordinary named objects (`object.rs`) of kind `Event`, `Mutex` or
//! `Semaphore`
//! and size 0: the file is just the 4 KiB header page, and the state lives in
//! its sync area (offset `header::SYNC_OFFSET`), mapped `MAP_SHARED` through a
//! description of its own (`/proc/self/fd/N` reopened, `page::map_lock_free`), not
//! the handle's, so a mapping never keeps the handle's lock or the name alive,
//! even while an owned or idle mutex keeps it after its handles closed.
//!
//! ```text
//! event (sync area)                           mutex (sync area)
//! +0  state u32 futex, manual: gen<<1 | set    +0   release seq u32 futex (multi-waits sleep on it)
//!              auto: grants<<17 | waiters<<1 | set
//! +4  waiters u32 (manual: all; auto: multi)    +4   multi-waiters u32
//! +60 layout  u32 LAYOUT_EVENT                 +60  layout u32 LAYOUT_MUTEX (v2)
//!                                              +64  owner word u32 futex:
//!                                                   contended<<31 | abandoned<<30 | owner TID
//! ```
//!
//! **Everything here is hostile input.** Anyone who can write the file (its
//! creator, which may be a squatter of a `Global\` name, or any user with
//! write permission) can write any bytes into these words at any moment. No
//! word is ever used as a pointer, every arithmetic on a word wraps or is
//! checked field by field, every loop checks its deadline, and a loop whose
//! compare-and-swap keeps failing pauses in the kernel (`CAS_TRIES`) instead
//! of spinning. So a scribbling peer can at worst hold, release or signal an
//! object (or make a wait time out), never crash us, keep us past a timeout,
//! or make us write outside the page.

mod async_wait;
mod event;
mod mutex;
mod owner;
mod page;
mod reactor;
mod semaphore;
mod wait;

pub(crate) use async_wait::AsyncWait;
pub(crate) use event::SysEvent;
pub(crate) use mutex::SysMutex;
pub(crate) use semaphore::SysSemaphore;
pub(crate) use wait::wait_multiple;

/// Failed compare-and-swaps in a row after which a loop on a shared word
/// stops trying (or pauses): only a peer that keeps rewriting the word fails
/// that often, and it must not keep us spinning.
const CAS_TRIES: u32 = 64;
