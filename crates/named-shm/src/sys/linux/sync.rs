//! Named events and mutexes on Linux.
//!
//! Both are ordinary named objects (`object.rs`) of kind `Event` or `Mutex`
//! and size 0: the file is just the 4 KiB header page, and the state lives in
//! its sync area (offset [`SYNC_OFFSET`]), mapped `MAP_SHARED` through a
//! description of its own (`/proc/self/fd/N` reopened, [`map_lock_free`]), not
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
//!
//! **Manual-reset events.** One futex word, `generation << 1 | signalled`,
//! and a count of sleepers so that `set` makes the wake-up syscall only when
//! someone sleeps. `set` bumps the generation as it sets the bit; a waiter
//! returns when the bit is set *or* the generation moved since it started, so
//! `set` immediately followed by `reset` still releases every process that was
//! waiting (Windows releases them at `SetEvent` time).
//!
//! **Auto-reset events.** Windows releases one *waiting* thread at `SetEvent`
//! time and leaves the event non-signalled; only with nobody waiting does it
//! become signalled. The futex word packs the signalled bit, the number of
//! registered waiters and the number of grants: `set` grants to a registered
//! waiter if there is one not yet granted (and wakes one), else sets the bit.
//! So back-to-back sets release as many waiters, and a `reset` right after a
//! `set` does not take a release back. All changes are one compare-and-swap
//! on the word, so a timeout never strands a grant.
//!
//! **Mutexes.** One futex word: 0 is free, otherwise the owner thread's TID
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
//! **Mappings.** All handles of one object in a process share one mapping
//! (a process-global cache keyed by device and inode), unmapped when the last
//! handle goes. A thread that owns a mutex keeps a reference to the mapping
//! in its private list, so a mutex owned after its handles are closed stays
//! mapped exactly until it is released or abandoned (v1 leaked such a
//! mapping for good). To keep the uncontended lock free of reference-count
//! traffic, a released entry stays in the list as *idle* while some handle
//! still uses the page; an idle entry whose handles are gone is dropped when
//! the thread next takes a mutex it has not taken lately, and a thread keeps
//! at most [`IDLE_MAX`] idle entries.

pub(crate) use super::futex::Deadline;
use super::futex::{self, Woke};
use super::header::{FLAG_MANUAL_RESET, HEADER_SIZE, SYNC_OFFSET};
use super::object::{self, Disposition, Object, OpenSpec, Spec};
use crate::error::{Error, ObjectKind, Result};
use crate::name::ObjectName;
use crate::sync::SyncOptions;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, RawFd};
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

/// Event state word: bit 0 is "signalled", the rest a generation counter.
const EV_STATE: usize = SYNC_OFFSET;
/// Number of processes/threads sleeping (or about to sleep) on the event.
const EV_WAITERS: usize = SYNC_OFFSET + 4;
const SIGNALED: u32 = 1;
/// Manual-reset: the state word is `generation << 1 | SIGNALED`.
const GEN_ONE: u32 = 2;
/// Auto-reset: the state word is `grants << 17 | waiters << 1 | SIGNALED`.
const WAITER_ONE: u32 = 1 << 1;
const GRANT_ONE: u32 = 1 << 17;
const MAX_AUTO_WAITERS: u32 = 0x7fff;
/// Failed compare-and-swaps in a row after which a loop on a shared word
/// stops trying (or pauses): only a peer that keeps rewriting the word fails
/// that often, and it must not keep us spinning.
const CAS_TRIES: u32 = 64;

/// Registered `wait`s of an auto-reset event (16 bits, at most 0x7fff used).
fn auto_waiters(v: u32) -> u32 {
    (v >> 1) & 0xffff
}

/// Grants `set` handed to registered waiters and not yet taken (never more
/// than the waiters, so at most 0x7fff: 15 bits).
fn auto_grants(v: u32) -> u32 {
    v >> 17
}

/// Bumped after a final release while multi-object waits are registered; they sleep on it.
const MX_SEQ: usize = SYNC_OFFSET;
/// Number of multi-object waits sleeping on `MX_SEQ`.
const MX_WAITERS: usize = SYNC_OFFSET + 4;
/// The owner word (see the module docs): 0 free, else the owner's TID with flags.
const MX_WORD: usize = SYNC_OFFSET + 64;
/// Bits of the owner word that hold the owner's TID (the kernel's own
/// `FUTEX_TID_MASK`; TIDs never exceed 2^22).
const TID_MASK: u32 = 0x3fff_ffff;
/// The owner thread exited holding the mutex (no TID): the next owner is told.
const MX_ABANDONED: u32 = 1 << 30;
/// Somebody may sleep on the word: a release must wake one.
const MX_CONTENDED: u32 = 1 << 31;

/// Marks a sync area written by this version of the code, so an object made by
/// an incompatible build is refused instead of misread.
const LAYOUT: usize = SYNC_OFFSET + 60;
const LAYOUT_EVENT: u32 = 0x4e53_4501; // "NSE", v1
/// v2: the owner word replaced v1's glibc `pthread_mutex_t` (whose robust-list
/// pointers lived in the shared page); a v1 object is refused.
const LAYOUT_MUTEX: u32 = 0x4e53_4d02; // "NSM", v2

/// How often a multi-object wait that includes a mutex re-checks it: a mutex
/// whose owner died is never "released", so only a poll notices it.
const OWNER_DEATH_POLL: Duration = Duration::from_millis(10);

// ---------------------------------------------------------------------------
// The mapped header page, one per (device, inode, writable) per process.

type Key = (u64, u64, bool);

/// The header page of one event or mutex, mapped `MAP_SHARED`.
#[derive(Debug)]
struct Page {
    ptr: NonNull<u8>,
    writable: bool,
}

// SAFETY: the page is a shared mapping valid from any thread; all access to
// its bytes goes through atomics or the pthread functions, which are made for
// concurrent use.
unsafe impl Send for Page {}
// SAFETY: as above.
unsafe impl Sync for Page {}

impl Page {
    fn word(&self, off: usize) -> &AtomicU32 {
        debug_assert!(off % 4 == 0 && off + 4 <= HEADER_SIZE as usize);
        // SAFETY: the mapping is HEADER_SIZE bytes, page-aligned and lives as
        // long as `self`; `off` is 4-aligned and in range. Other processes
        // change these bytes, which is why they are only accessed atomically.
        unsafe { &*self.ptr.as_ptr().add(off).cast::<AtomicU32>() }
    }
}

impl Drop for Page {
    fn drop(&mut self) {
        // SAFETY: ptr/len describe the mapping this Page owns; nothing uses it
        // after drop. An munmap error would leave the mapping in place, which
        // is harmless, so it is ignored.
        unsafe {
            libc::munmap(self.ptr.as_ptr().cast(), HEADER_SIZE as usize);
        }
    }
}

type Cache = Mutex<HashMap<Key, (Arc<Page>, usize)>>;

/// Per-process cache: every handle of the same object shares one mapping.
/// The count is the number of handles using the page.
fn cache() -> &'static Cache {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

/// Maps the header page of the file open at `fd`.
fn map_page(fd: RawFd, writable: bool) -> io::Result<Page> {
    let prot = if writable {
        libc::PROT_READ | libc::PROT_WRITE
    } else {
        libc::PROT_READ
    };
    // SAFETY: a fresh mapping at an address of the kernel's choosing aliases no
    // Rust object; fd is open and the file is at least HEADER_SIZE bytes.
    let ptr = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            HEADER_SIZE as usize,
            prot,
            libc::MAP_SHARED,
            fd,
            0,
        )
    };
    if ptr == libc::MAP_FAILED {
        return Err(io::Error::last_os_error());
    }
    Ok(Page {
        ptr: NonNull::new(ptr.cast()).expect("mmap never returns NULL on success"),
        writable,
    })
}

fn attach(obj: &Object, name: &ObjectName) -> Result<(Key, Arc<Page>)> {
    let writable = obj.writable || obj.created;
    let (dev, ino) = obj.identity();
    let key = (dev, ino, writable);
    let mut map = cache().lock().unwrap_or_else(|p| p.into_inner());
    if let Some((page, n)) = map.get_mut(&key) {
        *n += 1;
        return Ok((key, page.clone()));
    }
    let page = Arc::new(map_lock_free(obj.raw_fd(), writable).map_err(|e| Error::Io {
        name: name.as_str().to_owned(),
        op: "map the sync area",
        source: e,
    })?);
    map.insert(key, (page.clone(), 1));
    Ok((key, page))
}

/// Drops one handle's use of the page; `true` if it was the process's last.
fn detach(key: Key) -> bool {
    let mut map = cache().lock().unwrap_or_else(|p| p.into_inner());
    let Some((_, n)) = map.get_mut(&key) else {
        return false;
    };
    *n = n.saturating_sub(1);
    if *n > 0 {
        return false;
    }
    // A thread of ours that still owns the mutex keeps its own reference to
    // the page (`Held`) until it releases it or exits.
    map.remove(&key);
    true
}

fn open_object(
    name: &ObjectName,
    disp: Disposition,
    kind: ObjectKind,
    opts: &SyncOptions,
    spec: &Spec<'_>,
    before_publish: &dyn Fn(RawFd) -> Result<()>,
) -> Result<Object> {
    let mut open = OpenSpec {
        kind,
        writable: true,
        require_owner: opts.require_owner,
        timeout: opts.lock_timeout,
    };
    match object::acquire_with(name, disp, &open, Some(spec), before_publish) {
        // Like a Windows handle opened with SYNCHRONIZE but without
        // EVENT_MODIFY_STATE: it may wait (where waiting writes nothing), but
        // `set`, `reset` and `lock` fail with PermissionDenied.
        Err(Error::PermissionDenied { .. }) if disp != Disposition::Create => {
            open.writable = false;
            object::acquire_with(name, disp, &open, Some(spec), before_publish)
        }
        other => other,
    }
}

fn check_layout(name: &ObjectName, page: &Page, want: u32, kind: &str) -> Result<()> {
    if page.word(LAYOUT).load(Ordering::Acquire) == want {
        Ok(())
    } else {
        Err(Error::NameOccupied {
            name: name.as_str().to_owned(),
            what: format!("{kind} of an incompatible layout (another version of named-shm?)"),
        })
    }
}

fn put_u32(page: &mut [u8], off: usize, v: u32) {
    page[off..off + 4].copy_from_slice(&v.to_ne_bytes());
}

// ---------------------------------------------------------------------------
// Events.

/// One handle to a named event.
#[derive(Debug)]
pub(crate) struct SysEvent {
    page: Arc<Page>,
    key: Key,
    obj: Object,
}

impl SysEvent {
    pub(crate) fn acquire(
        name: &ObjectName,
        disp: Disposition,
        manual_reset: bool,
        initially_set: bool,
        opts: &SyncOptions,
    ) -> Result<SysEvent> {
        let init = |page: &mut [u8]| -> Result<()> {
            put_u32(page, EV_STATE, if initially_set { SIGNALED } else { 0 });
            put_u32(page, EV_WAITERS, 0);
            put_u32(page, LAYOUT, LAYOUT_EVENT);
            Ok(())
        };
        let spec = Spec {
            kind: ObjectKind::Event,
            size: 0,
            flags: if manual_reset { FLAG_MANUAL_RESET } else { 0 },
            mode: opts.mode,
            commit: true,
            init: Some(&init),
        };
        let obj = open_object(name, disp, ObjectKind::Event, opts, &spec, &|_| Ok(()))?;
        let (key, page) = attach(&obj, name)?;
        let ev = SysEvent { page, key, obj };
        check_layout(name, &ev.page, LAYOUT_EVENT, "an event")?;
        Ok(ev)
    }

    fn state(&self) -> &AtomicU32 {
        self.page.word(EV_STATE)
    }

    fn waiters(&self) -> &AtomicU32 {
        self.page.word(EV_WAITERS)
    }

    pub(crate) fn writable(&self) -> bool {
        self.page.writable
    }

    pub(crate) fn manual_reset(&self) -> bool {
        self.obj.header.flags & FLAG_MANUAL_RESET != 0
    }

    pub(crate) fn created(&self) -> bool {
        self.obj.created
    }

    pub(crate) fn owner_uid(&self) -> u32 {
        self.obj.owner_uid
    }

    pub(crate) fn mode(&self) -> u32 {
        self.obj.mode
    }

    pub(crate) fn is_set(&self) -> bool {
        self.state().load(Ordering::Acquire) & SIGNALED != 0
    }

    /// `SetEvent`. The caller checked `writable`.
    pub(crate) fn set(&self) {
        if !self.manual_reset() {
            return self.set_auto();
        }
        // Release: whoever sees the bit also sees what we wrote before `set`.
        // SeqCst: the store must be ordered before the load of `waiters` below
        // (a Dekker pair with the waiter's increment-then-load), or a waiter
        // could go to sleep unseen.
        let mut s = self.state().load(Ordering::Relaxed);
        let mut tries = 0;
        loop {
            if s & SIGNALED != 0 {
                return; // already set: nobody can be asleep on this value.
            }
            tries += 1;
            if tries > CAS_TRIES {
                // A peer rewrites the word as fast as we read it: set the
                // bit without the generation step rather than loop on.
                self.state().fetch_or(SIGNALED, Ordering::SeqCst);
                break;
            }
            let new = s.wrapping_add(GEN_ONE) | SIGNALED;
            match self
                .state()
                .compare_exchange_weak(s, new, Ordering::SeqCst, Ordering::Relaxed)
            {
                Ok(_) => break,
                Err(cur) => s = cur,
            }
        }
        if self.waiters().load(Ordering::SeqCst) > 0 {
            futex::wake(self.state(), i32::MAX);
        }
    }

    /// `SetEvent` on an auto-reset event: if a `wait` is registered and not
    /// yet granted, grant one (the event stays non-signalled, as on Windows,
    /// where `SetEvent` releases a waiting thread at once); otherwise set the
    /// bit for the next waiter.
    fn set_auto(&self) {
        // First guess the common state, "not set, nobody registered": a
        // compare-and-swap straight away takes the cache line exclusively in
        // one transfer, where a load first would fetch it shared and then
        // need a second transfer to upgrade it (the waiter just wrote it).
        let mut v = match self
            .state()
            .compare_exchange(0, SIGNALED, Ordering::SeqCst, Ordering::Relaxed)
        {
            Ok(_) => {
                if self.waiters().load(Ordering::SeqCst) > 0 {
                    futex::wake(self.state(), i32::MAX);
                }
                return;
            }
            Err(cur) => cur,
        };
        let mut tries = 0;
        let granted = loop {
            tries += 1;
            if tries > CAS_TRIES {
                // A peer rewrites the word as fast as we read it (see `set`).
                self.state().fetch_or(SIGNALED, Ordering::SeqCst);
                futex::wake(self.state(), i32::MAX);
                return;
            }
            // `grants < 0x7fff` keeps a scribbled word (more "waiters" than
            // the field can grant) from carrying out of the word.
            let (new, granted) = if auto_waiters(v) > auto_grants(v) && auto_grants(v) < 0x7fff {
                (v.wrapping_add(GRANT_ONE), true)
            } else if v & SIGNALED != 0 {
                return; // already set, and nobody to grant to.
            } else {
                (v | SIGNALED, false)
            };
            // Release: the waiter that takes the grant or the bit sees what
            // we wrote before `set`. SeqCst: ordered before the load of the
            // multi-object waiter count below (see `set`).
            match self
                .state()
                .compare_exchange_weak(v, new, Ordering::SeqCst, Ordering::Relaxed)
            {
                Ok(_) => break granted,
                Err(cur) => v = cur,
            }
        };
        // Multi-object waits sleep on the same word but never take grants, so
        // when one is registered wake everybody: otherwise the single wake-up
        // could go to a multi-object waiter and the grant would sit unseen.
        let multi = self.waiters().load(Ordering::SeqCst) > 0;
        if multi {
            futex::wake(self.state(), i32::MAX);
        } else if granted {
            futex::wake(self.state(), 1);
        }
    }

    /// `ResetEvent`. The caller checked `writable`.
    pub(crate) fn reset(&self) {
        // Clears the bit, keeps the generation. Release pairs with the next set.
        self.state().fetch_and(!SIGNALED, Ordering::Release);
    }

    /// Takes the event if it is signalled: consumes an auto-reset event.
    /// For manual-reset events, a generation change since `start` counts too
    /// (`start` is the state the wait began with; `None` in wait-all, where
    /// the events must be signalled at the same time).
    fn try_take(&self, start: Option<u32>) -> bool {
        let mut s = self.state().load(Ordering::Acquire);
        if self.manual_reset() {
            return s & SIGNALED != 0 || start.is_some_and(|st| (st >> 1) != (s >> 1));
        }
        let mut tries = 0;
        while s & SIGNALED != 0 && tries < CAS_TRIES {
            tries += 1;
            // Acquire: the waiter sees everything the setter wrote before `set`.
            match self
                .state()
                .compare_exchange_weak(s, s & !SIGNALED, Ordering::Acquire, Ordering::Acquire)
            {
                Ok(_) => return true,
                Err(cur) => s = cur,
            }
        }
        false
    }

    /// `WaitForSingleObject`: `true` if signalled, `false` on timeout.
    /// The caller checked that an auto-reset wait has a writable page.
    pub(crate) fn wait(&self, deadline: Option<Deadline>) -> bool {
        if !self.manual_reset() {
            return self.wait_auto(deadline);
        }
        self.wait_manual(self.state().load(Ordering::Acquire), deadline)
    }

    /// Like [`wait`](Self::wait), but first polls the state word in user
    /// space for up to `spin` (never past `deadline`): no syscall and no
    /// sleep while the peer answers within the budget. On a machine with one
    /// CPU spinning cannot help (the setter cannot run meanwhile), so it
    /// blocks at once.
    pub(crate) fn wait_spin(&self, spin: Duration, deadline: Option<Deadline>) -> bool {
        let start = self.state().load(Ordering::Acquire);
        if !spin.is_zero() && futex::multi_cpu() {
            let stop = Deadline::min_after(deadline, spin);
            let mut k = 0u32;
            loop {
                if self.poll(start) {
                    return true;
                }
                std::hint::spin_loop();
                k = k.wrapping_add(1);
                // A clock read costs about as much as 30 pause instructions.
                if k % 32 == 0 && stop.passed() {
                    break;
                }
            }
        }
        if self.manual_reset() {
            self.wait_manual(start, deadline)
        } else {
            self.wait_auto(deadline)
        }
    }

    /// One look for [`wait_spin`](Self::wait_spin): takes the event if it is
    /// signalled (a manual-reset event counts as taken when it was set since
    /// `start`, as in `wait`).
    fn poll(&self, start: u32) -> bool {
        if self.manual_reset() {
            return self.try_take(Some(start));
        }
        // An auto-reset event is consumed by a compare-and-swap; trying it on
        // the expected value ("set, nobody registered") instead of loading
        // first keeps the line exclusive here while it is not set, so the
        // setter's write and our take cost one line transfer each, like a
        // plain flag. Acquire: see what the setter wrote before `set`.
        match self
            .state()
            .compare_exchange(SIGNALED, 0, Ordering::Acquire, Ordering::Relaxed)
        {
            Ok(_) => true,
            Err(cur) => cur & SIGNALED != 0 && self.try_take(None),
        }
    }

    /// `wait` on a manual-reset event whose wait began at state `start`.
    fn wait_manual(&self, start: u32, deadline: Option<Deadline>) -> bool {
        if self.try_take(Some(start)) {
            return true;
        }
        // SeqCst increment, then the SeqCst load below: pairs with `set`'s
        // store-then-load of `waiters`, so either `set` sees us and wakes us,
        // or we see its bit before sleeping. The kernel re-checks the value
        // atomically with going to sleep, so no wake-up is lost in between.
        self.waiters().fetch_add(1, Ordering::SeqCst);
        let got = loop {
            let s = self.state().load(Ordering::SeqCst);
            if self.try_take(Some(start)) {
                break true;
            }
            if let Some(d) = &deadline {
                if d.passed() {
                    break false;
                }
            }
            // Timed out, woken, spurious or interrupted by a signal (EINTR):
            // in every case loop and look at the state again, so a wake-up
            // that raced with the timeout or a signal is never lost.
            if futex::wait(self.state(), s, deadline.as_ref()) == Woke::TimedOut
                && !self.try_take(Some(start))
            {
                break false;
            }
        };
        self.waiters().fetch_sub(1, Ordering::SeqCst);
        got
    }

    /// `WaitForSingleObject` on an auto-reset event. The state word packs the
    /// signalled bit, the number of registered waiters and the number of
    /// grants `set` handed to them (see [`auto_waiters`]). A waiter registers,
    /// then takes a grant or the bit, whichever comes first; on timeout it
    /// unregisters in the same compare-and-swap that checks there is no
    /// grant left for it, so a grant is never stranded by a timeout.
    fn wait_auto(&self, deadline: Option<Deadline>) -> bool {
        let st = self.state();
        // Fast path: the bit is set; take it without registering.
        if self.try_take(None) {
            return true;
        }
        let mut v = st.load(Ordering::Relaxed);
        let mut failed = 0u32;
        loop {
            if failed >= CAS_TRIES {
                // A peer rewrites the word as fast as we read it: pause
                // (sleeping whatever the word holds), never past the deadline.
                failed = 0;
                if futex::sleep(Duration::from_millis(1), deadline.as_ref()) == Woke::TimedOut {
                    return false;
                }
                v = st.load(Ordering::Relaxed);
            }
            let new = if v & SIGNALED != 0 {
                v & !SIGNALED
            } else if auto_waiters(v) >= MAX_AUTO_WAITERS {
                // 32767 waiters at once (or a scribbled word): wait for room,
                // but never past the deadline, and sleeping whatever the word.
                if futex::sleep(Duration::from_millis(1), deadline.as_ref()) == Woke::TimedOut {
                    return false;
                }
                v = st.load(Ordering::Relaxed);
                continue;
            } else {
                v.wrapping_add(WAITER_ONE)
            };
            // SeqCst: pairs with `set_auto`'s compare-and-swap; Acquire when
            // taking the bit.
            match st.compare_exchange_weak(v, new, Ordering::SeqCst, Ordering::Relaxed) {
                Ok(_) if v & SIGNALED != 0 => return true,
                Ok(_) => break,
                Err(cur) => {
                    v = cur;
                    failed += 1;
                }
            }
        }
        let mut failed = 0u32;
        loop {
            let v = st.load(Ordering::SeqCst);
            let timed_out = deadline.as_ref().is_some_and(Deadline::passed);
            // Unregistering takes one from the waiter count, or nothing if a
            // peer zeroed it (fields never borrow from each other).
            let unreg = |v: u32| {
                if auto_waiters(v) > 0 {
                    v.wrapping_sub(WAITER_ONE)
                } else {
                    v
                }
            };
            let (new, got) = if auto_grants(v) > 0 {
                (unreg(v.wrapping_sub(GRANT_ONE)), true)
            } else if v & SIGNALED != 0 {
                (unreg(v & !SIGNALED), true)
            } else if timed_out {
                (unreg(v), false)
            } else {
                // Woken, spurious, EINTR or the value changed: in every case
                // loop and look again, so no wake-up is lost.
                futex::wait(st, v, deadline.as_ref());
                continue;
            };
            // Acquire: see what the setter wrote before `set`.
            if st
                .compare_exchange(v, new, Ordering::SeqCst, Ordering::Acquire)
                .is_ok()
            {
                return got;
            }
            failed += 1;
            if failed >= CAS_TRIES {
                // A peer rewrites the word as fast as we read it. Past the
                // deadline give up (our registration may stay counted: only
                // a peer that scribbles can cause that); before it, pause.
                if timed_out {
                    return false;
                }
                failed = 0;
                futex::sleep(Duration::from_millis(1), deadline.as_ref());
            }
        }
    }
}

impl Drop for SysEvent {
    fn drop(&mut self) {
        let _ = detach(self.key);
    }
}

// ---------------------------------------------------------------------------
// Mutexes.

pub(crate) use crate::sys::Locked;

/// The calling thread's TID, as the kernel numbers it (`gettid`).
fn gettid() -> u32 {
    // SAFETY: gettid has no preconditions and cannot fail.
    let tid = unsafe { libc::syscall(libc::SYS_gettid) };
    tid as u32
}

/// One mutex the calling thread owns (or owned lately): private memory,
/// never shared.
#[derive(Debug)]
struct Held {
    /// Device and inode of the object: the same mutex through any handle.
    id: (u64, u64),
    /// Keeps the mapping alive while the mutex is owned, even after every
    /// handle is closed, so that thread exit can mark it abandoned. Kept a
    /// while after the release too ("idle", `count == 0`), so that locking
    /// the same mutex again costs no reference-count traffic; see
    /// [`ThreadMutexes::acquired`] for when an idle entry goes. `None` once
    /// every handle of this process to the mutex closed while it was owned
    /// (as on Windows, closing the last handle ends the object; the mapping
    /// goes too, and a later handle, if the object lives on elsewhere,
    /// brings its own page).
    page: Option<Arc<Page>>,
    /// Recursion count; 0: idle (not owned).
    count: u32,
}

/// Idle entries a thread keeps at most (each may keep one 4 KiB mapping
/// alive after its last handle closed, until the thread next takes a mutex
/// it has not taken lately, or exits).
const IDLE_MAX: usize = 8;

/// Owned entries without a handle (see [`Held::page`]) a thread keeps at most.
const ORPHANED_MAX: usize = 64;

/// Per-thread mutex state: the TID used as the owner value and the list of
/// owned mutexes. Its destructor (thread exit) abandons what is still owned.
struct ThreadMutexes {
    /// `gettid()`, valid while `gen` equals the process's fork generation.
    tid: Cell<u32>,
    gen: Cell<u64>,
    held: RefCell<Vec<Held>>,
}

impl ThreadMutexes {
    /// This thread's TID. After a fork the child's thread has a new TID and
    /// owns none of the parent's mutexes (as glibc's robust mutexes, and as
    /// Windows, where a mutex belongs to a thread): forget the copied list.
    #[inline]
    fn tid(&self) -> u32 {
        let gen = super::fork_generation();
        if self.gen.get() != gen || self.tid.get() == 0 {
            self.refresh(gen);
        }
        self.tid.get()
    }

    #[cold]
    fn refresh(&self, gen: u64) {
        if self.tid.get() != 0 {
            // A forked child: drop the copies (its own mappings, inherited).
            self.held.borrow_mut().clear();
        }
        self.tid.set(gettid());
        self.gen.set(gen);
    }

    /// Records one acquisition by this thread (the word now holds our TID).
    #[inline]
    fn acquired(&self, id: (u64, u64), page: &Arc<Page>) -> io::Result<()> {
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
    fn add(held: &mut Vec<Held>, id: (u64, u64), page: &Arc<Page>) {
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
    fn closed(&self, id: (u64, u64)) {
        let mut held = self.held.borrow_mut();
        held.retain(|h| h.id != id || h.count > 0);
        for h in held.iter_mut().filter(|h| h.id == id) {
            h.page = None;
        }
    }
}

fn too_many() -> io::Error {
    // Windows: STATUS_MUTANT_LIMIT_EXCEEDED; glibc: EAGAIN.
    io::Error::from_raw_os_error(libc::EAGAIN)
}

impl Drop for ThreadMutexes {
    fn drop(&mut self) {
        // Thread exit: every mutex still owned is abandoned (WAIT_ABANDONED
        // for the next owner). Not in a forked child that never looked: the
        // list would be the parent thread's.
        if self.gen.get() != super::fork_generation() {
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
    static THREAD: ThreadMutexes = const {
        ThreadMutexes {
            tid: Cell::new(0),
            gen: Cell::new(0),
            held: RefCell::new(Vec::new()),
        }
    };
}

/// The error for a lock or release attempted from a thread-local destructor
/// that runs after ours (the thread is exiting).
fn exiting() -> io::Error {
    io::Error::from_raw_os_error(libc::EOWNERDEAD)
}

/// Marks a mutex owned by the exiting thread `tid` abandoned and wakes a
/// waiter. Bounded: a peer rewriting the word in a loop cannot keep us here.
fn abandon(page: &Page, tid: u32) {
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
fn after_release(page: &Page, old: u32) {
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
fn owner_dead(tid: u32) -> bool {
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
    /// Creates, opens or opens-or-creates the mutex. With `initial_owner`, a
    /// mutex this call creates is locked by the calling thread *before* its
    /// name is published, so no other process can ever take it first (as
    /// `CreateMutex(bInitialOwner)`); an existing mutex is only opened.
    pub(crate) fn acquire(
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
            commit: true,
            init: Some(&init),
        };
        let prelocked = std::cell::Cell::new(None);
        let lock_before_publish = |fd: RawFd| -> Result<()> {
            if initial_owner {
                let key = prelock(fd).map_err(|e| Error::Io {
                    name: name.as_str().to_owned(),
                    op: "lock the new mutex",
                    source: e,
                })?;
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

    pub(crate) fn writable(&self) -> bool {
        self.page.writable
    }

    pub(crate) fn created(&self) -> bool {
        self.obj.created
    }

    pub(crate) fn owner_uid(&self) -> u32 {
        self.obj.owner_uid
    }

    pub(crate) fn mode(&self) -> u32 {
        self.obj.mode
    }

    fn id(&self) -> usize {
        self.page.ptr.as_ptr() as usize
    }

    fn ident(&self) -> (u64, u64) {
        (self.key.0, self.key.1)
    }

    fn seq(&self) -> &AtomicU32 {
        self.page.word(MX_SEQ)
    }

    fn multi_waiters(&self) -> &AtomicU32 {
        self.page.word(MX_WAITERS)
    }

    fn word(&self) -> &AtomicU32 {
        self.page.word(MX_WORD)
    }

    /// `WaitForSingleObject` on the mutex. The caller checked `writable`.
    #[inline]
    pub(crate) fn lock(&self, deadline: Option<Deadline>) -> io::Result<Locked> {
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

    #[inline(never)]
    fn lock_general(&self, deadline: Option<Deadline>) -> io::Result<Locked> {
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
    fn try_lock(&self) -> io::Result<Locked> {
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
    fn lock_slow(
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

    /// `ReleaseMutex`: `false` if the calling thread does not own the mutex.
    pub(crate) fn unlock(&self) -> bool {
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
    pub(crate) fn owner(&self) -> Option<(u32, u32)> {
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

/// Maps the header page of the file open at `fd` through a description of
/// its own, `/proc/self/fd/N` reopened: a mapping of the handle's description
/// would keep the handle's lock (and so the name) alive for as long as the
/// page stays mapped, and an owned or idle mutex keeps its page mapped after
/// its handles are closed (see the module docs).
fn map_lock_free(fd: RawFd, writable: bool) -> io::Result<Page> {
    let path = std::ffi::CString::new(format!("/proc/self/fd/{fd}")).expect("no NUL");
    let acc = if writable { libc::O_RDWR } else { libc::O_RDONLY };
    // SAFETY: path is a valid C string; the descriptor is owned below.
    let own = super::cvt_r(|| unsafe { libc::open(path.as_ptr(), acc | libc::O_CLOEXEC) })?;
    // SAFETY: `own` was just returned by open and is owned by nobody else.
    let own = unsafe { std::os::fd::OwnedFd::from_raw_fd(own) };
    // The mapping keeps the new description; it holds no lock.
    map_page(own.as_raw_fd(), writable)
}

/// Maps the unpublished tmpfile open at `fd` (lock-free, see
/// [`map_lock_free`]), locks its mutex, and leaves the page in the cache,
/// where `attach` finds it once the file is published (same device and
/// inode). Returns the cache key.
fn prelock(fd: RawFd) -> io::Result<Key> {
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
fn undo_prelock(key: Key) {
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

// ---------------------------------------------------------------------------
// Waiting on several objects.

pub(crate) use crate::sys::{Multi, SysObject};

impl SysObject<'_> {
    fn word(&self) -> &AtomicU32 {
        match self {
            SysObject::Event(e) => e.state(),
            SysObject::Mutex(m) => m.seq(),
        }
    }

    fn waiters(&self) -> &AtomicU32 {
        match self {
            SysObject::Event(e) => e.waiters(),
            SysObject::Mutex(m) => m.multi_waiters(),
        }
    }

    /// One attempt: `Some(abandoned)` if taken.
    fn try_take(&self, start: Option<u32>) -> io::Result<Option<bool>> {
        Ok(match self {
            SysObject::Event(e) => e.try_take(start).then_some(false),
            SysObject::Mutex(m) => match m.try_lock()? {
                Locked::Acquired => Some(false),
                Locked::Abandoned => Some(true),
                Locked::TimedOut => None,
            },
        })
    }

    /// Gives back what `try_take` took (wait-all that could not take all).
    fn undo(&self) {
        match self {
            SysObject::Event(e) if !e.manual_reset() => e.set(),
            SysObject::Event(_) => {}
            SysObject::Mutex(m) => {
                m.unlock();
            }
        }
    }

    /// The page, to detect the same object passed twice.
    pub(crate) fn page_id(&self) -> usize {
        match self {
            SysObject::Event(e) => e.page.ptr.as_ptr() as usize,
            SysObject::Mutex(m) => m.id(),
        }
    }
}

/// `WaitForMultipleObjects`. The caller validated the list (1..=64 objects,
/// writable where taking writes, no duplicates for wait-all).
///
/// Wait-all takes the objects one by one and gives them back if it cannot
/// take them all, then sleeps until any of them changes. Unlike Windows, this
/// is not atomic with respect to other waiters: another process may briefly
/// see a mutex held or an auto-reset event consumed by a wait-all that then
/// gives it back.
pub(crate) fn wait_multiple(
    objs: &[SysObject<'_>],
    wait_all: bool,
    deadline: Option<Deadline>,
) -> io::Result<Multi> {
    let starts: Vec<u32> = objs.iter().map(|o| o.word().load(Ordering::Acquire)).collect();
    let has_mutex = objs.iter().any(|o| matches!(o, SysObject::Mutex(_)));
    // Registered as a sleeper on every object for the whole wait; see
    // `SysEvent::wait` and `SysMutex::unlock` for the pairing.
    for o in objs {
        o.waiters().fetch_add(1, Ordering::SeqCst);
    }
    struct Unregister<'a, 'b>(&'a [SysObject<'b>]);
    impl Drop for Unregister<'_, '_> {
        fn drop(&mut self) {
            for o in self.0 {
                o.waiters().fetch_sub(1, Ordering::SeqCst);
            }
        }
    }
    let _unregister = Unregister(objs);
    loop {
        // Snapshot first, try second: a change after the snapshot makes the
        // futex wait return at once instead of sleeping through it.
        let mut words: Vec<(&AtomicU32, u32)> = objs
            .iter()
            .map(|o| (o.word(), o.word().load(Ordering::SeqCst)))
            .collect();
        if wait_all {
            let mut taken = Vec::with_capacity(objs.len());
            let mut abandoned = None;
            let mut failed = None;
            for (i, o) in objs.iter().enumerate() {
                match o.try_take(None) {
                    Ok(Some(ab)) => {
                        taken.push(i);
                        if ab && abandoned.is_none() {
                            abandoned = Some(i);
                        }
                    }
                    Ok(None) => {
                        failed = Some(i);
                        break;
                    }
                    Err(e) => {
                        taken.iter().rev().for_each(|&j| objs[j].undo());
                        return Err(e);
                    }
                }
            }
            let Some(failed) = failed else {
                return Ok(abandoned.map_or(Multi::Signaled(0), Multi::Abandoned));
            };
            taken.iter().rev().for_each(|&j| objs[j].undo());
            // Sleep on the object that was not available: giving back the
            // others changed their words, which would wake us at once.
            words = vec![words[failed]];
        } else {
            for (i, o) in objs.iter().enumerate() {
                match o.try_take(Some(starts[i]))? {
                    Some(true) => return Ok(Multi::Abandoned(i)),
                    Some(false) => return Ok(Multi::Signaled(i)),
                    None => {}
                }
            }
        }
        if deadline.as_ref().is_some_and(Deadline::passed) {
            return Ok(Multi::TimedOut);
        }
        // A mutex whose owner died is never released, so its sequence word
        // never moves: poll every OWNER_DEATH_POLL to notice it.
        let until = if has_mutex {
            Some(Deadline::min_after(deadline, OWNER_DEATH_POLL))
        } else {
            deadline
        };
        futex::wait_any(&words, until.as_ref());
    }
}
