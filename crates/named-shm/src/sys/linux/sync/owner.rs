//! The calling thread's mutexes: its TID (the owner value) and the private
//! list of the mutexes it owns, with their recursion counts. Private memory,
//! never shared; its thread-local destructor abandons what the thread still
//! owns when it exits.

use super::mutex::abandon;
use super::page::Page;
use std::cell::{Cell, RefCell};
use std::io;
use std::sync::Arc;

/// The calling thread's TID, as the kernel numbers it (`gettid`).
pub(super) fn gettid() -> u32 {
    // SAFETY: gettid has no preconditions and cannot fail.
    let tid = unsafe { libc::syscall(libc::SYS_gettid) };
    tid as u32
}

/// One mutex the calling thread owns (or owned lately): private memory,
/// never shared.
#[derive(Debug)]
pub(super) struct Held {
    /// Device and inode of the object: the same mutex through any handle.
    pub(super) id: (u64, u64),
    /// Keeps the mapping alive while the mutex is owned, even after every
    /// handle is closed, so that thread exit can mark it abandoned. Kept a
    /// while after the release too ("idle", `count == 0`), so that locking
    /// the same mutex again costs no reference-count traffic; see
    /// [`ThreadMutexes::acquired`] for when an idle entry goes. `None` once
    /// every handle of this process to the mutex closed while it was owned
    /// (as on Windows, closing the last handle ends the object; the mapping
    /// goes too, and a later handle, if the object lives on elsewhere,
    /// brings its own page).
    pub(super) page: Option<Arc<Page>>,
    /// Recursion count; 0: idle (not owned).
    pub(super) count: u32,
}

/// Idle entries a thread keeps at most (each may keep one 4 KiB mapping
/// alive after its last handle closed, until the thread next takes a mutex
/// it has not taken lately, or exits).
pub(super) const IDLE_MAX: usize = 8;

/// Owned entries without a handle (see [`Held::page`]) a thread keeps at most.
pub(super) const ORPHANED_MAX: usize = 64;

/// Per-thread mutex state: the TID used as the owner value and the list of
/// owned mutexes. Its destructor (thread exit) abandons what is still owned.
pub(super) struct ThreadMutexes {
    /// `gettid()`, valid while `gen` equals the process's fork generation.
    pub(super) tid: Cell<u32>,
    pub(super) gen: Cell<u64>,
    pub(super) held: RefCell<Vec<Held>>,
}

impl ThreadMutexes {
    /// This thread's TID. After a fork the child's thread has a new TID and
    /// owns none of the parent's mutexes (as glibc's robust mutexes, and as
    /// Windows, where a mutex belongs to a thread): forget the copied list.
    #[inline]
    pub(super) fn tid(&self) -> u32 {
        let gen = super::super::fork_generation();
        if self.gen.get() != gen || self.tid.get() == 0 {
            self.refresh(gen);
        }
        self.tid.get()
    }

    #[cold]
    pub(super) fn refresh(&self, gen: u64) {
        if self.tid.get() != 0 {
            // A forked child: drop the copies (its own mappings, inherited).
            self.held.borrow_mut().clear();
        }
        self.tid.set(gettid());
        self.gen.set(gen);
    }

    /// Records one acquisition by this thread (the word now holds our TID).
    #[inline]
    pub(super) fn acquired(&self, id: (u64, u64), page: &Arc<Page>) -> io::Result<()> {
        let mut held = self.held.borrow_mut();
        if let Some(h) = held.iter_mut().find(|h| h.id == id) {
            if !h.page.as_ref().is_some_and(|p| Arc::ptr_eq(p, page)) {
                // The handle it came from is gone: keep this one's page.
                h.page = Some(page.clone());
            }
            if h.count == 0 {
                h.count = 1;
            } else {
                // Only if a peer cleared the word while we owned it and we
                // took it again: count it as one more acquisition.
                h.count = h.count.checked_add(1).ok_or_else(too_many)?;
            }
            return Ok(());
        }
        Self::add(&mut held, id, page);
        Ok(())
    }

    /// A mutex new to the list: first drop idle entries whose page no handle
    /// uses any more (unmapping it), and the oldest idle one beyond
    /// [`IDLE_MAX`].
    #[cold]
    pub(super) fn add(held: &mut Vec<Held>, id: (u64, u64), page: &Arc<Page>) {
        // strong_count is a hint (other threads clone and drop handles
        // concurrently); dropping our own reference is safe either way.
        held.retain(|h| h.count > 0 || h.page.as_ref().is_some_and(|p| Arc::strong_count(p) > 1));
        // Owned mutexes whose handles this process all closed keep only a
        // few bytes each (no mapping); bound them too. Forgetting one only
        // means that a later handle of it, in this thread, sees it abandoned.
        while held.iter().filter(|h| h.page.is_none()).count() >= ORPHANED_MAX {
            match held.iter().position(|h| h.page.is_none()) {
                Some(i) => drop(held.remove(i)),
                None => break,
            }
        }
        if held.iter().filter(|h| h.count == 0).count() >= IDLE_MAX {
            if let Some(i) = held.iter().position(|h| h.count == 0) {
                held.remove(i);
            }
        }
        held.push(Held {
            id,
            page: Some(page.clone()),
            count: 1,
        });
    }

    /// The process closed its last handle to the mutex `id`: drop this
    /// thread's reference to the page (an owned entry keeps its count, an
    /// idle one goes), so that closing owned mutexes never piles up mappings.
    pub(super) fn closed(&self, id: (u64, u64)) {
        let mut held = self.held.borrow_mut();
        held.retain(|h| h.id != id || h.count > 0);
        for h in held.iter_mut().filter(|h| h.id == id) {
            h.page = None;
        }
    }
}

pub(super) fn too_many() -> io::Error {
    // Windows: STATUS_MUTANT_LIMIT_EXCEEDED; glibc: EAGAIN.
    io::Error::from_raw_os_error(libc::EAGAIN)
}

impl Drop for ThreadMutexes {
    fn drop(&mut self) {
        // Thread exit: every mutex still owned is abandoned (WAIT_ABANDONED
        // for the next owner). Not in a forked child that never looked: the
        // list would be the parent thread's.
        if self.gen.get() != super::super::fork_generation() {
            return;
        }
        let tid = self.tid.get();
        for h in self.held.get_mut().drain(..) {
            // Without a page (no handle left in this process) there is
            // nothing to mark: waiters elsewhere see the owner gone.
            if let (true, Some(page)) = (h.count > 0, &h.page) {
                abandon(page, tid);
            }
        }
    }
}

thread_local! {
    pub(super) static THREAD: ThreadMutexes = const {
        ThreadMutexes {
            tid: Cell::new(0),
            gen: Cell::new(0),
            held: RefCell::new(Vec::new()),
        }
    };
}

/// The error for a lock or release attempted from a thread-local destructor
/// that runs after ours (the thread is exiting).
pub(super) fn exiting() -> io::Error {
    io::Error::from_raw_os_error(libc::EOWNERDEAD)
}
