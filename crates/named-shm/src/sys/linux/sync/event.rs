//! Named events.
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
//! **Pulses.** `pulse` on a manual-reset event steps the generation and
//! clears the bit in one compare-and-swap: every wait that began before it
//! sees the generation move and returns, and a wait that begins after it
//! finds the event non-signalled. On an auto-reset event it grants one
//! registered waiter if there is one not yet granted, and clears the bit.
//!
//! See `mod.rs` for what the sync area is and why every word in it is
//! hostile input.

use super::super::futex::{self, Deadline, Woke};
use super::super::header::{FLAG_MANUAL_RESET, SYNC_OFFSET};
use super::super::object::{Disposition, Object, Spec};
use super::page::{attach, check_layout, detach, open_object, put_u32, Key, Page, LAYOUT};
use super::CAS_TRIES;
use crate::error::{ObjectKind, Result};
use crate::name::ObjectName;
use crate::sync::SyncOptions;
use crate::sys::{EventImp, ObjectImp};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Event state word: bit 0 is "signalled", the rest a generation counter.
pub(super) const EV_STATE: usize = SYNC_OFFSET;
/// Number of processes/threads sleeping (or about to sleep) on the event.
pub(super) const EV_WAITERS: usize = SYNC_OFFSET + 4;
pub(super) const SIGNALED: u32 = 1;
/// Manual-reset: the state word is `generation << 1 | SIGNALED`.
pub(super) const GEN_ONE: u32 = 2;
/// Auto-reset: the state word is `grants << 17 | waiters << 1 | SIGNALED`.
pub(super) const WAITER_ONE: u32 = 1 << 1;
pub(super) const GRANT_ONE: u32 = 1 << 17;
pub(super) const MAX_AUTO_WAITERS: u32 = 0x7fff;

/// Registered `wait`s of an auto-reset event (16 bits, at most 0x7fff used).
pub(super) fn auto_waiters(v: u32) -> u32 {
    (v >> 1) & 0xffff
}

/// Grants `set` handed to registered waiters and not yet taken (never more
/// than the waiters, so at most 0x7fff: 15 bits).
pub(super) fn auto_grants(v: u32) -> u32 {
    v >> 17
}

const LAYOUT_EVENT: u32 = 0x4e53_4501; // "NSE", v1

/// One handle to a named event.
#[derive(Debug)]
pub(crate) struct SysEvent {
    page: Arc<Page>,
    key: Key,
    obj: Object,
}

impl SysEvent {
    pub(super) fn state(&self) -> &AtomicU32 {
        self.page.word(EV_STATE)
    }

    pub(super) fn waiters(&self) -> &AtomicU32 {
        self.page.word(EV_WAITERS)
    }

    /// The mapped page, for async waits: the process's waiter thread keeps a
    /// reference while it sleeps on a word of it.
    pub(super) fn page(&self) -> &Arc<Page> {
        &self.page
    }

    /// `SetEvent` on an auto-reset event: if a `wait` is registered and not
    /// yet granted, grant one (the event stays non-signalled, as on Windows,
    /// where `SetEvent` releases a waiting thread at once); otherwise set the
    /// bit for the next waiter.
    pub(super) fn set_auto(&self) {
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

    /// Takes the event if it is signalled: consumes an auto-reset event.
    /// For manual-reset events, a generation change since `start` counts too
    /// (`start` is the state the wait began with; `None` in wait-all, where
    /// the events must be signalled at the same time).
    pub(super) fn try_take(&self, start: Option<u32>) -> bool {
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

    /// One look for [`wait_spin`](Self::wait_spin): takes the event if it is
    /// signalled (a manual-reset event counts as taken when it was set since
    /// `start`, as in `wait`).
    pub(super) fn poll(&self, start: u32) -> bool {
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
    pub(super) fn wait_manual(&self, start: u32, deadline: Option<Deadline>) -> bool {
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
    pub(super) fn wait_auto(&self, deadline: Option<Deadline>) -> bool {
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

/// The outcome of [`SysEvent::auto_register`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Register {
    /// The event was signalled: taken, nothing registered.
    Taken,
    /// Registered as a waiter of the auto-reset protocol.
    Registered,
    /// Not registered: the waiter field is full (or a peer rewrites the word
    /// as fast as we read it); the caller waits without a registration.
    Unregistered,
}

/// The steps of `wait_auto`, one at a time, for an async wait on one
/// auto-reset event: it registers, each poll tries to take a grant or the
/// bit, and a wait that ends without taking (timeout or drop) unregisters.
impl SysEvent {
    /// Takes the bit, or registers as a waiter so that `set` grants to us.
    pub(super) fn auto_register(&self) -> Register {
        let st = self.state();
        let mut v = st.load(Ordering::Relaxed);
        for _ in 0..CAS_TRIES {
            let (new, reg) = if v & SIGNALED != 0 {
                (v & !SIGNALED, Register::Taken)
            } else if auto_waiters(v) >= MAX_AUTO_WAITERS {
                return Register::Unregistered;
            } else {
                (v.wrapping_add(WAITER_ONE), Register::Registered)
            };
            // SeqCst: pairs with `set_auto`; Acquire when taking the bit.
            match st.compare_exchange_weak(v, new, Ordering::SeqCst, Ordering::Relaxed) {
                Ok(_) => return reg,
                Err(cur) => v = cur,
            }
        }
        Register::Unregistered
    }

    /// A registered waiter's attempt: takes a grant or the bit and
    /// unregisters in the same compare-and-swap. `false`: nothing to take
    /// (still registered), or the word kept changing (try again later).
    pub(super) fn auto_take_registered(&self) -> bool {
        let st = self.state();
        let mut v = st.load(Ordering::SeqCst);
        for _ in 0..CAS_TRIES {
            let unreg = if auto_waiters(v) > 0 { WAITER_ONE } else { 0 };
            let new = if auto_grants(v) > 0 {
                v.wrapping_sub(GRANT_ONE).wrapping_sub(unreg)
            } else if v & SIGNALED != 0 {
                (v & !SIGNALED).wrapping_sub(unreg)
            } else {
                return false;
            };
            // Acquire: see what the setter wrote before `set`.
            match st.compare_exchange(v, new, Ordering::SeqCst, Ordering::Acquire) {
                Ok(_) => return true,
                Err(cur) => v = cur,
            }
        }
        false
    }
}

/// A registered waiter leaves without taking anything (its wait was
/// dropped). If every registered waiter holds a grant, one of them is
/// ours in effect: it goes back to the event as the signalled bit, the
/// state the event would have had if this waiter had never come. So a
/// `set` is never lost to a dropped wait. Bounded: a peer that rewrites
/// the word as fast as we read it leaves our registration counted (a
/// later `set` granted to it passes to the next waiter, as after a
/// killed waiter).
pub(super) fn auto_cancel_page(page: &Page) {
    let st = page.word(EV_STATE);
    let mut v = st.load(Ordering::SeqCst);
    for _ in 0..CAS_TRIES {
        let waiters = auto_waiters(v);
        if waiters == 0 {
            return; // a peer zeroed the field: nothing of ours to remove.
        }
        let (new, handed_back) = if auto_grants(v) >= waiters {
            (
                v.wrapping_sub(WAITER_ONE).wrapping_sub(GRANT_ONE) | SIGNALED,
                true,
            )
        } else {
            (v.wrapping_sub(WAITER_ONE), false)
        };
        match st.compare_exchange(v, new, Ordering::SeqCst, Ordering::Relaxed) {
            Ok(_) => {
                if handed_back && page.word(EV_WAITERS).load(Ordering::SeqCst) > 0 {
                    futex::wake(st, i32::MAX);
                }
                return;
            }
            Err(cur) => v = cur,
        }
    }
}

impl ObjectImp for SysEvent {
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

impl EventImp for SysEvent {
    fn acquire(
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
            init: Some(&init),
        };
        let obj = open_object(name, disp, ObjectKind::Event, opts, &spec, &|_| Ok(()))?;
        let (key, page) = attach(&obj, name)?;
        let ev = SysEvent { page, key, obj };
        check_layout(name, &ev.page, LAYOUT_EVENT, "an event")?;
        Ok(ev)
    }

    /// The mapped page's address: the same for every handle of this
    /// process to the same object (see `page.rs`), so it identifies it.
    fn id(&self) -> usize {
        self.page.ptr.as_ptr() as usize
    }

    fn writable(&self) -> bool {
        self.page.writable
    }

    fn manual_reset(&self) -> bool {
        self.obj.header.flags & FLAG_MANUAL_RESET != 0
    }

    fn is_set(&self) -> bool {
        self.state().load(Ordering::Acquire) & SIGNALED != 0
    }

    /// `SetEvent`. The caller checked `writable`.
    fn set(&self) {
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

    /// `ResetEvent`. The caller checked `writable`.
    fn reset(&self) {
        // Clears the bit, keeps the generation. Release pairs with the next set.
        self.state().fetch_and(!SIGNALED, Ordering::Release);
    }

    /// `PulseEvent`. The caller checked `writable`.
    fn pulse(&self) {
        let manual = self.manual_reset();
        let mut s = self.state().load(Ordering::Relaxed);
        let mut tries = 0;
        let wake = loop {
            tries += 1;
            if tries > CAS_TRIES {
                // A peer rewrites the word as fast as we read it: leave the
                // event non-signalled and wake everyone to look again.
                self.state().fetch_and(!SIGNALED, Ordering::SeqCst);
                break i32::MAX;
            }
            let (new, wake) = if manual {
                // Waits that began before see the generation move.
                (s.wrapping_add(GEN_ONE) & !SIGNALED, i32::MAX)
            } else if auto_waiters(s) > auto_grants(s) && auto_grants(s) < 0x7fff {
                (s.wrapping_add(GRANT_ONE) & !SIGNALED, 1)
            } else {
                (s & !SIGNALED, 0)
            };
            if new == s {
                return; // auto-reset, nobody to release, already reset.
            }
            // SeqCst: ordered before the load of `waiters` (see `set`);
            // Release: a released waiter sees what we wrote before.
            match self
                .state()
                .compare_exchange_weak(s, new, Ordering::SeqCst, Ordering::Relaxed)
            {
                Ok(_) => break wake,
                Err(cur) => s = cur,
            }
        };
        if manual {
            if self.waiters().load(Ordering::SeqCst) > 0 {
                futex::wake(self.state(), i32::MAX);
            }
        } else if self.waiters().load(Ordering::SeqCst) > 0 {
            // Multi-object waiters sleep on the word too (see `set_auto`).
            futex::wake(self.state(), i32::MAX);
        } else if wake > 0 {
            futex::wake(self.state(), wake);
        }
    }

    /// `WaitForSingleObject`: `true` if signalled, `false` on timeout.
    /// The caller checked that an auto-reset wait has a writable page.
    fn wait(&self, deadline: Option<Deadline>) -> bool {
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
    fn wait_spin(&self, spin: Duration, deadline: Option<Deadline>) -> bool {
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
}

impl Drop for SysEvent {
    fn drop(&mut self) {
        let _ = detach(self.key);
    }
}
