//! Named mutexes.
//!
//! One futex word: 0 is free, otherwise the owner thread's TID
//! (`gettid`, cached per thread and re-read after a fork) with a *contended*
//! bit (a waiter may sleep: the release wakes one) and an *abandoned* value
//! (no TID: the owner thread exited holding it). Until v1 this was a glibc
//! robust `pthread_mutex_t`, which links a held mutex into the owner thread's
//! robust list *through pointers stored in the shared page*: a peer could read
//! them (an ASLR leak) and rewrite them, and `pthread_mutex_unlock` then wrote
//! through them (a squatted `Global\` mutex crashed its lockers). Now the
//! recursion count and the list of mutexes a thread owns live in private
//! memory ([`ThreadMutexes`], thread-local), so `ReleaseMutex` by a thread
//! that does not own the mutex fails (`ERROR_NOT_OWNER`) whatever the word
//! says, and a release makes the word free whatever a peer wrote into it.
//!
//! Abandonment (`WAIT_ABANDONED` to the next owner):
//! - *thread exit* in a live process: the thread-local destructor marks every
//!   mutex the thread still owns abandoned and wakes a waiter;
//! - *process death* (kill -9, `_exit`): nobody marks anything. A waiter
//!   sleeps at most [`OWNER_DEATH_POLL`] (10 ms, capped by its deadline) at a
//!   time; after a poll period in which the word did not change, and once
//!   more when its deadline passes (so a zero timeout sees it too), it asks
//!   whether the owner TID is alive: `kill(tid, 0)` failing with `ESRCH`
//!   means gone (`EPERM` means alive, under another user); otherwise
//!   `/proc/<tid>/stat` in state `Z` or `X` (an exited process its parent has
//!   not reaped yet) means gone; if `/proc` cannot be read, alive. The waiter
//!   that compare-and-swaps the dead owner's value to its own TID reports
//!   `Abandoned`; the others keep waiting.
//! - a word naming the calling thread that the thread's private list does not
//!   hold (a dead thread had the same TID, or a peer wrote it) counts as
//!   abandoned too.
//!
//! Limits, written down: a TID reused by a new thread makes a dead owner look
//! alive, so the mutex stays *held* (never wrongly taken) until that thread
//! exits; processes in different PID namespaces see each other's TIDs as
//! meaningless numbers (as with glibc's robust mutexes, whose futex word holds
//! a TID too): a holder outside our namespace may be taken as dead. A peer
//! writing a live TID into the word holds the mutex; writing a dead one or 0
//! releases it.
//!
//! See `mod.rs` for what the sync area is and why every word in it is
//! hostile input.

use super::super::futex::{self, Deadline, Woke};
use super::super::header::SYNC_OFFSET;
use super::super::object::{self, Disposition, Object, Spec};
use super::owner::{exiting, too_many, ThreadMutexes, THREAD};
use super::page::{
    attach, cache, check_layout, detach, map_lock_free, open_object, put_u32, Key, Page, LAYOUT,
};
use crate::error::{ErrorName, ObjectKind, Result};
use crate::name::ObjectName;
use crate::sync::SyncOptions;
use crate::sys::Locked;
use crate::sys::{DeadlineImp as _, MutexImp, ObjectImp};
use std::io;
use std::os::fd::RawFd;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

pub(super) const MX_SEQ: usize = SYNC_OFFSET;
/// Number of multi-object waits sleeping on `MX_SEQ`.
pub(super) const MX_WAITERS: usize = SYNC_OFFSET + 4;
/// The owner word (see the module docs): 0 free, else the owner's TID with flags.
pub(super) const MX_WORD: usize = SYNC_OFFSET + 64;
/// Bits of the owner word that hold the owner's TID (the kernel's own
/// `FUTEX_TID_MASK`; TIDs never exceed 2^22).
pub(super) const TID_MASK: u32 = 0x3fff_ffff;
/// The owner thread exited holding the mutex (no TID): the next owner is told.
pub(super) const MX_ABANDONED: u32 = 1 << 30;
/// Somebody may sleep on the word: a release must wake one.
pub(super) const MX_CONTENDED: u32 = 1 << 31;

/// v2: the owner word replaced v1's glibc `pthread_mutex_t` (whose robust-list
/// pointers lived in the shared page); a v1 object is refused.
pub(super) const LAYOUT_MUTEX: u32 = 0x4e53_4d02; // "NSM", v2

/// How often a multi-object wait that includes a mutex re-checks it: a mutex
/// whose owner died is never "released", so only a poll notices it.
pub(super) const OWNER_DEATH_POLL: Duration = Duration::from_millis(10);

/// Marks a mutex owned by the exiting thread `tid` abandoned and wakes a
/// waiter. Bounded: a peer rewriting the word in a loop cannot keep us here.
pub(super) fn abandon(page: &Page, tid: u32) {
    let w = page.word(MX_WORD);
    let mut v = w.load(Ordering::Relaxed);
    for _ in 0..64 {
        if v & TID_MASK != tid {
            return; // a peer overwrote the word: nothing of ours to mark.
        }
        match w.compare_exchange(v, MX_ABANDONED, Ordering::SeqCst, Ordering::Relaxed) {
            Ok(_) => return after_release(page, v),
            Err(cur) => v = cur,
        }
    }
}

/// Wakes whoever waits after the word went from `old` to free or abandoned.
#[inline]
pub(super) fn after_release(page: &Page, old: u32) {
    if old & MX_CONTENDED != 0 {
        futex::wake(page.word(MX_WORD), 1);
    }
    // Tell multi-object waiters, if any. A waiter increments `waiters`
    // (SeqCst) before it snapshots `seq` and tries the lock; the release was
    // a SeqCst read-modify-write before this SeqCst load, so either we see
    // the waiter and bump `seq` (its futex_waitv then returns at once) or its
    // try-lock comes after the release and succeeds. The 10 ms poll of
    // multi-waits is a further backstop.
    if page.word(MX_WAITERS).load(Ordering::SeqCst) > 0 {
        page.word(MX_SEQ).fetch_add(1, Ordering::Release);
        futex::wake(page.word(MX_SEQ), i32::MAX);
    }
}

/// Whether the thread `tid` (of any process in our PID namespace) is gone.
/// Errs on the side of "alive": a live owner's lock is never stolen.
pub(super) fn owner_dead(tid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(tid) else {
        return true; // beyond any TID the kernel hands out
    };
    // kill(2) accepts any TID (it signals the thread's process); signal 0
    // only checks existence. EPERM: it exists, under another user.
    // SAFETY: signal 0 sends nothing; pid is positive (tid is masked and
    // non-zero), so this never addresses a process group.
    if unsafe { libc::kill(pid, 0) } == -1 && io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH) {
        return true;
    }
    // A process that died but is not yet reaped by its parent is a zombie:
    // kill succeeds, yet its threads are gone. The state is the field after
    // the parenthesised command name (which may itself contain ") ").
    match std::fs::read(format!("/proc/{tid}/stat")) {
        Ok(s) => match s.iter().rposition(|&b| b == b')') {
            Some(i) => matches!(s.get(i + 2), Some(b'Z' | b'X' | b'x')),
            None => false,
        },
        Err(e) => e.kind() == io::ErrorKind::NotFound,
    }
}

/// One handle to a named mutex.
#[derive(Debug)]
pub(crate) struct SysMutex {
    page: Arc<Page>,
    key: Key,
    obj: Object,
}

impl SysMutex {
    pub(super) fn ident(&self) -> (u64, u64) {
        (self.key.0, self.key.1)
    }

    pub(super) fn seq(&self) -> &AtomicU32 {
        self.page.word(MX_SEQ)
    }

    pub(super) fn multi_waiters(&self) -> &AtomicU32 {
        self.page.word(MX_WAITERS)
    }

    /// The mapped page, for async waits: the process's waiter thread keeps a
    /// reference while it sleeps on a word of it.
    pub(super) fn page(&self) -> &Arc<Page> {
        &self.page
    }

    pub(super) fn word(&self) -> &AtomicU32 {
        self.page.word(MX_WORD)
    }

    #[inline(never)]
    pub(super) fn lock_general(&self, deadline: Option<Deadline>) -> io::Result<Locked> {
        THREAD
            .try_with(|t| {
                let tid = t.tid();
                // Acquire: see what the previous owner wrote before releasing.
                match self
                    .word()
                    .compare_exchange(0, tid, Ordering::Acquire, Ordering::Relaxed)
                {
                    Ok(_) => {
                        t.acquired(self.ident(), &self.page)?;
                        Ok(Locked::Acquired)
                    }
                    Err(v) => self.lock_slow(t, tid, v, deadline),
                }
            })
            .unwrap_or_else(|_| Err(exiting()))
    }

    /// One non-blocking attempt (multi-object waits), which also takes the
    /// mutex of a dead owner.
    pub(super) fn try_lock(&self) -> io::Result<Locked> {
        self.lock(Some(
            Deadline::after(Some(Duration::ZERO)).expect("Some in, Some out"),
        ))
    }

    /// The contended path of [`lock`](Self::lock); `v` is the word as last seen.
    ///
    /// Every pass either takes the mutex, returns at the deadline, or sleeps
    /// in the kernel (at most [`OWNER_DEATH_POLL`], then the owner's liveness
    /// is checked), so no value a peer writes makes it spin or overstay.
    #[cold]
    pub(super) fn lock_slow(
        &self,
        t: &ThreadMutexes,
        tid: u32,
        mut v: u32,
        deadline: Option<Deadline>,
    ) -> io::Result<Locked> {
        // Recursion: the word names us and our private list agrees.
        if v & TID_MASK == tid {
            let mut held = t.held.borrow_mut();
            if let Some(h) = held.iter_mut().find(|h| h.id == self.ident() && h.count > 0) {
                h.count = h.count.checked_add(1).ok_or_else(too_many)?;
                return Ok(Locked::Acquired);
            }
        }
        let w = self.word();
        // Set once we slept: other waiters may sleep too, so we take the
        // mutex marked contended and its release wakes one of them.
        let mut contended = 0;
        // Whether to ask if the owner in `v` is alive (after a poll period
        // without a change, and once more at the deadline).
        let mut check_owner = false;
        let mut at_deadline = false;
        let mut failed_cas = 0u32;
        loop {
            let owner = v & TID_MASK;
            // Free (0, or only flag bits), abandoned by an exited thread, or
            // naming us although we do not own it (a dead thread had our TID
            // or a peer wrote it): take it. Or an owner that is gone.
            let free = owner == 0 || owner == tid || (check_owner && owner_dead(owner));
            check_owner = false;
            if free {
                let abandoned = owner != 0 || v & MX_ABANDONED != 0;
                let new = tid | contended | (v & MX_CONTENDED);
                match w.compare_exchange(v, new, Ordering::Acquire, Ordering::Relaxed) {
                    Ok(_) => {
                        t.acquired(self.ident(), &self.page)?;
                        return Ok(if abandoned {
                            Locked::Abandoned
                        } else {
                            Locked::Acquired
                        });
                    }
                    Err(cur) => {
                        v = cur;
                        failed_cas = failed_cas.wrapping_add(1);
                        if failed_cas % 64 != 0 {
                            continue;
                        }
                        // A peer rewrites the word as fast as we read it:
                        // pause below instead of spinning.
                    }
                }
            }
            if deadline.as_ref().is_some_and(Deadline::passed) {
                if at_deadline || owner == 0 {
                    return Ok(Locked::TimedOut);
                }
                // One last look: a dead owner's mutex is taken even by a
                // zero timeout (WAIT_ABANDONED), as on Windows.
                at_deadline = true;
                check_owner = true;
                continue;
            }
            // Mark the word contended so the owner's release wakes us.
            if owner != 0 && v & MX_CONTENDED == 0 {
                if let Err(cur) =
                    w.compare_exchange(v, v | MX_CONTENDED, Ordering::Relaxed, Ordering::Relaxed)
                {
                    v = cur;
                    failed_cas = failed_cas.wrapping_add(1);
                    if failed_cas % 64 != 0 {
                        continue;
                    }
                } else {
                    v |= MX_CONTENDED;
                }
            }
            let until = Deadline::min_after(deadline, OWNER_DEATH_POLL);
            let woke = if free || w.load(Ordering::Relaxed) != v {
                // Changing under us (see above): a short sleep that no value
                // can cut short.
                futex::sleep(Duration::from_millis(1), Some(&until))
            } else {
                futex::wait(w, v, Some(&until))
            };
            contended = MX_CONTENDED;
            let nv = w.load(Ordering::Relaxed);
            // Ask about the owner when a whole poll period passed and the word
            // still names it.
            check_owner = woke == Woke::TimedOut && nv == v;
            v = nv;
        }
    }
}

impl ObjectImp for SysMutex {
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

impl MutexImp for SysMutex {
    /// Creates, opens or opens-or-creates the mutex. With `initial_owner`, a
    /// mutex this call creates is locked by the calling thread *before* its
    /// name is published, so no other process can ever take it first (as
    /// `CreateMutex(bInitialOwner)`); an existing mutex is only opened.
    fn acquire(
        name: &ObjectName,
        disp: Disposition,
        opts: &SyncOptions,
        initial_owner: bool,
    ) -> Result<SysMutex> {
        let init = |page: &mut [u8]| -> Result<()> {
            put_u32(page, MX_SEQ, 0);
            put_u32(page, MX_WAITERS, 0);
            put_u32(page, MX_WORD, 0);
            put_u32(page, LAYOUT, LAYOUT_MUTEX);
            Ok(())
        };
        let spec = Spec {
            kind: ObjectKind::Mutex,
            size: 0,
            flags: 0,
            mode: opts.mode,
            init: Some(&init),
        };
        let prelocked = std::cell::Cell::new(None);
        let lock_before_publish = |fd: RawFd| -> Result<()> {
            if initial_owner {
                let key = prelock(fd).map_err(|e| name.io("lock the new mutex", e))?;
                prelocked.set(Some(key));
            }
            Ok(())
        };
        let obj = open_object(name, disp, ObjectKind::Mutex, opts, &spec, &lock_before_publish);
        // The tmpfile we locked was not published (the name was taken, or an
        // error): release and forget it.
        if let Some(key) = prelocked.get() {
            if !obj.as_ref().is_ok_and(|o| o.created) {
                undo_prelock(key);
            }
        }
        let obj = obj?;
        let (key, page) = attach(&obj, name)?;
        let m = SysMutex { page, key, obj };
        check_layout(name, &m.page, LAYOUT_MUTEX, "a mutex")?;
        Ok(m)
    }

    fn writable(&self) -> bool {
        self.page.writable
    }

    fn id(&self) -> usize {
        self.page.ptr.as_ptr() as usize
    }

    /// `WaitForSingleObject` on the mutex. The caller checked `writable`.
    #[inline]
    fn lock(&self, deadline: Option<Deadline>) -> io::Result<Locked> {
        // The uncontended case first, returning only a flag from the
        // thread-local access (a `Result` built inside the closure and moved
        // out costs store-forwarding stalls comparable to the lock itself).
        let fast = THREAD.try_with(|t| {
            let tid = t.tid();
            // Acquire: see what the previous owner wrote before releasing.
            if self
                .word()
                .compare_exchange(0, tid, Ordering::Acquire, Ordering::Relaxed)
                .is_err()
            {
                return false;
            }
            if t.acquired(self.ident(), &self.page).is_ok() {
                return true;
            }
            // Not recorded (recursion count overflow): give it back; the
            // general path below meets the same condition and reports it.
            let old = self.word().swap(0, Ordering::SeqCst);
            after_release(&self.page, old);
            false
        });
        if fast == Ok(true) {
            return Ok(Locked::Acquired);
        }
        self.lock_general(deadline)
    }

    /// `ReleaseMutex`: `false` if the calling thread does not own the mutex.
    fn unlock(&self) -> bool {
        THREAD
            .try_with(|t| {
                t.tid(); // forgets a forked child's inherited list
                let mut held = t.held.borrow_mut();
                let id = self.ident();
                let Some(h) = held.iter_mut().find(|h| h.id == id && h.count > 0) else {
                    return false; // ERROR_NOT_OWNER
                };
                h.count -= 1;
                if h.count > 0 {
                    return true;
                }
                // Release: the next owner sees what we wrote while owning it.
                // Whatever a peer may have written, the word becomes free.
                let old = self.word().swap(0, Ordering::SeqCst);
                after_release(&self.page, old);
                if h.page.as_ref().map_or(true, |p| Arc::strong_count(p) == 1) {
                    // No handle uses the page any more: unmap it now.
                    held.retain(|h| h.id != id);
                }
                true
            })
            .unwrap_or(false)
    }

    /// The owner as (pid, tid), read from the owner word. Best effort.
    fn owner(&self) -> Option<(u32, u32)> {
        let tid = self.word().load(Ordering::Acquire) & TID_MASK;
        if tid == 0 {
            return None;
        }
        let status = std::fs::read_to_string(format!("/proc/{tid}/status")).ok();
        let pid = status
            .as_deref()
            .and_then(|s| s.lines().find_map(|l| l.strip_prefix("Tgid:")))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        Some((pid, tid))
    }
}

impl Drop for SysMutex {
    fn drop(&mut self) {
        if detach(self.key) {
            let id = self.ident();
            let _ = THREAD.try_with(|t| t.closed(id));
        }
    }
}

/// Maps the unpublished tmpfile open at `fd` (lock-free, see
/// [`map_lock_free`]), locks its mutex, and leaves the page in the cache,
/// where `attach` finds it once the file is published (same device and
/// inode). Returns the cache key.
pub(super) fn prelock(fd: RawFd) -> io::Result<Key> {
    let page = Arc::new(map_lock_free(fd, true)?);
    let st = object::fstat(fd)?;
    let key = (st.st_dev, st.st_ino, true);
    THREAD
        .try_with(|t| {
            let tid = t.tid();
            // Nobody else can reach the file yet: the word is ours.
            page.word(MX_WORD).store(tid, Ordering::Relaxed);
            t.acquired((key.0, key.1), &page)
        })
        .unwrap_or_else(|_| Err(exiting()))?;
    let mut map = cache().lock().unwrap_or_else(|p| p.into_inner());
    map.insert(key, (page, 0));
    Ok(key)
}

/// Undoes [`prelock`] for a tmpfile that was never published.
pub(super) fn undo_prelock(key: Key) {
    let page = {
        let mut map = cache().lock().unwrap_or_else(|p| p.into_inner());
        map.remove(&key).map(|(page, _)| page)
    };
    let _ = THREAD.try_with(|t| {
        let mut held = t.held.borrow_mut();
        if let Some(i) = held.iter().position(|h| h.id == (key.0, key.1)) {
            let h = held.remove(i);
            if let Some(p) = &h.page {
                p.word(MX_WORD).store(0, Ordering::Relaxed);
            }
        }
    });
    drop(page);
}
