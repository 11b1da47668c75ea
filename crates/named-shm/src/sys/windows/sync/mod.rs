//! Named events, mutexes and semaphores: `CreateEventW`/`OpenEventW`/`SetEvent`/
//! `ResetEvent`, `CreateMutexW`/`OpenMutexW`/`ReleaseMutex`, and
//! `WaitForSingleObject`/`WaitForMultipleObjects`.
//!
//! The kernel objects are the semantics, so this is a thin layer: ownership,
//! recursion, abandonment (`WAIT_ABANDONED`) and atomic wait-all are
//! Windows' own. One file per feature:
//!
//! | file | what |
//! |---|---|
//! | `object.rs` | creating or opening a named object with the access its DACL allows; its identity in this process |
//! | `event.rs` | events (type and state read with `NtQueryEvent`) |
//! | `mutex.rs` | mutexes (the owner read with `NtQueryMutant`) |
//! | `semaphore.rs` | semaphores (count and maximum read with `NtQuerySemaphore`) |
//! | `wait.rs` | deadlines, one-object and multi-object waits |
//! | `async_wait.rs` | async waits: a thread per pending wait, giving back what a dropped wait took |

mod async_wait;
mod event;
mod mutex;
mod object;
mod semaphore;
mod wait;

pub(crate) use async_wait::AsyncWait;
pub(crate) use event::SysEvent;
pub(crate) use mutex::SysMutex;
pub(crate) use semaphore::SysSemaphore;
pub(crate) use wait::{wait_multiple, Deadline};
