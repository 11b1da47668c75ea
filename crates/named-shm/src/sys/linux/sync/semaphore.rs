//! Named semaphores.
//!
//! ```text
//! semaphore (sync area)
//! +0  count   u32 futex: the current count, 0..=maximum
//! +4  waiters u32: processes/threads sleeping (or about to sleep) on it
//! +8  maximum u32: 1..=i32::MAX, written once before the name is published
//! +60 layout  u32 LAYOUT_SEMAPHORE
//! ```
//!
//! The count *is* the futex word, and a count is only ever taken by the
//! compare-and-swap that decrements it: nothing is granted to a waiter
//! ahead of time (unlike auto-reset events), so a waiter that dies at any
//! instant, woken or not, holds nothing, and N releases are N counts that
//! exactly N waits take. A release wakes *every* sleeper when anyone sleeps:
//! a sleeper woken for a count and then killed before it took it would
//! otherwise strand the count while others sleep; with all woken, the
//! losers of the race for the count go back to sleep. (Windows also lets a
//! newly arriving waiter take a released count before a sleeping one.)
//!
//! The maximum is read once, at open, into private memory: a peer that
//! rewrites the shared copy changes nothing. The count is hostile input like
//! every other word (see `mod.rs`): a scribbled value above the maximum makes
//! releases fail with `ERROR_TOO_MANY_POSTS` and waits succeed until it is
//! back in range, never a crash or an unbounded loop.

use super::super::futex::{self, Deadline, Woke};
use super::super::header::SYNC_OFFSET;
use super::super::object::{Disposition, Object, Spec};
use super::page::{attach, check_layout, detach, open_object, put_u32, Key, Page, LAYOUT};
use super::CAS_TRIES;
use crate::error::{ErrorName, ObjectKind, Result};
use crate::name::ObjectName;
use crate::sync::SyncOptions;
use crate::sys::{ObjectImp, SemaphoreImp};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// The count (the futex word).
pub(super) const SEM_COUNT: usize = SYNC_OFFSET;
/// Sleepers, so that a release makes the wake-up syscall only when needed.
pub(super) const SEM_WAITERS: usize = SYNC_OFFSET + 4;
/// The maximum count, fixed at creation.
const SEM_MAX: usize = SYNC_OFFSET + 8;
const LAYOUT_SEMAPHORE: u32 = 0x4e53_5301; // "NSS", v1

/// The outcome of one attempt to take a count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Take {
    Taken,
    /// The count is 0.
    Empty,
    /// The word kept changing under us (only a scribbling peer does that).
    Busy,
}

/// One handle to a named semaphore.
#[derive(Debug)]
pub(crate) struct SysSemaphore {
    page: Arc<Page>,
    key: Key,
    obj: Object,
    /// The maximum, read once at open (never re-read from the shared page).
    max: u32,
}

impl SysSemaphore {
    pub(super) fn count_word(&self) -> &AtomicU32 {
        self.page.word(SEM_COUNT)
    }

    pub(super) fn waiters(&self) -> &AtomicU32 {
        self.page.word(SEM_WAITERS)
    }

    /// The mapped page, for async waits: the process's waiter thread keeps a
    /// reference while it sleeps on a word of it.
    pub(super) fn page(&self) -> &Arc<Page> {
        &self.page
    }

    /// One attempt to take a count. Bounded: a peer that rewrites the word
    /// as fast as we read it makes it report `Busy`, not spin.
    pub(super) fn try_take(&self) -> Take {
        let w = self.count_word();
        let mut v = w.load(Ordering::Relaxed);
        for _ in 0..CAS_TRIES {
            if v == 0 {
                return Take::Empty;
            }
            // SeqCst (Acquire at least): see what the releaser wrote before
            // its release.
            match w.compare_exchange_weak(v, v - 1, Ordering::SeqCst, Ordering::Relaxed) {
                Ok(_) => return Take::Taken,
                Err(cur) => v = cur,
            }
        }
        Take::Busy
    }

    /// Adds `n` (≥ 1) unless that would pass the maximum: the previous
    /// count, or `None` (count unchanged) for `ERROR_TOO_MANY_POSTS`.
    /// `unchecked` gives back a count a wait-all took and could not keep
    /// (the maximum may be passed then, see `wait.rs`).
    pub(super) fn add(&self, n: u32, unchecked: bool) -> Option<u32> {
        let w = self.count_word();
        let mut v = w.load(Ordering::Relaxed);
        let mut failed = 0u32;
        let prev = loop {
            let new = match v.checked_add(n) {
                Some(new) if new <= self.max || unchecked => new,
                _ => return None,
            };
            // SeqCst: ordered before the load of `waiters` below (a Dekker
            // pair with the waiter's increment-then-load), so a waiter about
            // to sleep is either seen or sees the new count.
            match w.compare_exchange_weak(v, new, Ordering::SeqCst, Ordering::Relaxed) {
                Ok(_) => break v,
                Err(cur) => {
                    v = cur;
                    failed += 1;
                    if failed >= CAS_TRIES {
                        // A peer rewrites the word as fast as we read it.
                        failed = 0;
                        futex::sleep(Duration::from_millis(1), None);
                        v = w.load(Ordering::Relaxed);
                    }
                }
            }
        };
        if self.waiters().load(Ordering::SeqCst) > 0 {
            // Every sleeper, not n: see the module docs.
            futex::wake(w, i32::MAX);
        }
        Some(prev)
    }
}

impl Drop for SysSemaphore {
    fn drop(&mut self) {
        let _ = detach(self.key);
    }
}

impl ObjectImp for SysSemaphore {
    fn created(&self) -> bool {
        self.obj.created
    }

    fn owner_uid(&self) -> u32 {
        self.obj.owner_uid
    }

    fn mode(&self) -> u32 {
        self.obj.mode
    }
}

impl SemaphoreImp for SysSemaphore {
    fn acquire(
        name: &ObjectName,
        disp: Disposition,
        initial: u32,
        maximum: u32,
        opts: &SyncOptions,
    ) -> Result<Self> {
        let init = |page: &mut [u8]| -> Result<()> {
            put_u32(page, SEM_COUNT, initial);
            put_u32(page, SEM_WAITERS, 0);
            put_u32(page, SEM_MAX, maximum);
            put_u32(page, LAYOUT, LAYOUT_SEMAPHORE);
            Ok(())
        };
        let spec = Spec {
            kind: ObjectKind::Semaphore,
            size: 0,
            flags: 0,
            mode: opts.mode,
            init: Some(&init),
        };
        let obj = open_object(name, disp, ObjectKind::Semaphore, opts, &spec, &|_| Ok(()))?;
        let (key, page) = attach(&obj, name)?;
        check_layout(name, &page, LAYOUT_SEMAPHORE, "a semaphore")?;
        let max = page.word(SEM_MAX).load(Ordering::Acquire);
        if max == 0 || max > i32::MAX as u32 {
            let _ = detach(key);
            return Err(name.occupied(format!("a semaphore with an invalid maximum count {max}")));
        }
        Ok(SysSemaphore { page, key, obj, max })
    }

    fn id(&self) -> usize {
        self.page.ptr.as_ptr() as usize
    }

    fn writable(&self) -> bool {
        self.page.writable
    }

    fn maximum(&self) -> u32 {
        self.max
    }

    fn count(&self) -> u32 {
        self.count_word().load(Ordering::Acquire)
    }

    fn may_wait(&self) -> bool {
        self.page.writable
    }

    fn release(&self, n: u32) -> std::io::Result<Option<u32>> {
        Ok(self.add(n, false))
    }

    fn wait(&self, deadline: Option<Deadline>) -> bool {
        let w = self.count_word();
        loop {
            match self.try_take() {
                Take::Taken => return true,
                Take::Busy => {
                    // A peer rewrites the word as fast as we read it: pause,
                    // never past the deadline.
                    if futex::sleep(Duration::from_millis(1), deadline.as_ref()) == Woke::TimedOut {
                        return self.try_take() == Take::Taken;
                    }
                    continue;
                }
                Take::Empty => {}
            }
            // Register, look once more, sleep while the count is 0. SeqCst:
            // the increment is ordered before the load (see `add`).
            self.waiters().fetch_add(1, Ordering::SeqCst);
            let woke = if w.load(Ordering::SeqCst) == 0 {
                futex::wait(w, 0, deadline.as_ref())
            } else {
                Woke::Maybe
            };
            // Wrapping: a peer may have zeroed the count of sleepers.
            self.waiters().fetch_sub(1, Ordering::SeqCst);
            if woke == Woke::TimedOut {
                // One last try: a count released at the deadline is taken.
                return self.try_take() == Take::Taken;
            }
        }
    }
}
