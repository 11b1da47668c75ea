//! Async waits on Linux: each poll makes the blocking wait's own attempt
//! (`wait::try_step`, or for one auto-reset event the steps of
//! `SysEvent::wait_auto`) and, if it must go on waiting, registers with the
//! process's waiter thread (`reactor.rs`) the words to watch and the values
//! they held before the attempt.
//!
//! A pending wait counts itself among each object's sleepers (the
//! `waiters` word every kind has) for its whole life, so that a `set`,
//! `release` or mutex release makes the wake-up syscall the waiter thread
//! needs; a process killed with pending waits leaves those counts behind,
//! which only costs its peers a wake-up syscall per signal (as a killed
//! blocking waiter does).
//!
//! A single wait on an auto-reset event registers in the event's own
//! protocol (see `event.rs`), so that N back-to-back `set`s release N
//! pending waits as they release N blocking ones; a grant made to a wait
//! that is then dropped goes back to the event (`SysEvent::auto_cancel`).
//! Everything else takes only in the attempt, so a dropped wait never took
//! anything.

use super::super::futex::Deadline;
use super::event::Register;
use super::mutex::OWNER_DEATH_POLL;
use super::page::Page;
use super::reactor::{self, Registration, Watch};
use super::wait::try_step;
use crate::sys::{AsyncWaitImp, EventImp as _, Multi, SysObject};
use std::io;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::task::Waker;

/// The state of one pending async wait (see the module docs).
#[derive(Debug)]
pub(crate) struct AsyncWait {
    /// Each object's word when the wait began (manual-reset events count a
    /// `set` since then even if it was reset).
    starts: Vec<u32>,
    /// The `waiters` words this wait counts itself in.
    counted: Vec<(Arc<Page>, usize)>,
    /// A single auto-reset event whose protocol this wait is registered in.
    auto: Option<Arc<Page>>,
    reg: Option<Registration>,
}

impl Drop for AsyncWait {
    fn drop(&mut self) {
        // Leave the waiter thread first, then the objects.
        self.reg = None;
        if let Some(page) = &self.auto {
            super::event::auto_cancel_page(page);
        }
        for (page, off) in &self.counted {
            // Wrapping: a peer may have zeroed the count.
            page.word(*off).fetch_sub(1, Ordering::SeqCst);
        }
    }
}

impl SysObject<'_> {
    /// The page and offset of the word a wait sleeps on (see `word`).
    fn word_at(&self) -> (&Arc<Page>, usize) {
        match self {
            SysObject::Event(e) => (e.page(), super::event::EV_STATE),
            SysObject::Mutex(m) => (m.page(), super::mutex::MX_SEQ),
            SysObject::Semaphore(s) => (s.page(), super::semaphore::SEM_COUNT),
        }
    }

    /// The page and offset of its count of sleepers (see `waiters`).
    fn waiters_at(&self) -> (&Arc<Page>, usize) {
        match self {
            SysObject::Event(e) => (e.page(), super::event::EV_WAITERS),
            SysObject::Mutex(m) => (m.page(), super::mutex::MX_WAITERS),
            SysObject::Semaphore(s) => (s.page(), super::semaphore::SEM_WAITERS),
        }
    }
}

impl AsyncWait {
    /// Begins a wait: counts it among the sleepers, then notes the start
    /// values (the order of the blocking wait).
    fn start(objs: &[SysObject<'_>], wait_all: bool) -> (AsyncWait, Option<Multi>) {
        let mut counted = Vec::with_capacity(objs.len());
        for o in objs {
            o.waiters().fetch_add(1, Ordering::SeqCst);
            let (page, off) = o.waiters_at();
            counted.push((page.clone(), off));
        }
        let starts = objs.iter().map(|o| o.word().load(Ordering::Acquire)).collect();
        let mut w = AsyncWait {
            starts,
            counted,
            auto: None,
            reg: None,
        };
        let mut done = None;
        if let [SysObject::Event(e)] = objs {
            if !wait_all && !e.manual_reset() {
                match e.auto_register() {
                    Register::Taken => done = Some(Multi::Signaled(0)),
                    Register::Registered => w.auto = Some(e.page().clone()),
                    Register::Unregistered => {}
                }
            }
        }
        (w, done)
    }
}

impl AsyncWaitImp for AsyncWait {
    fn poll(
        state: &mut Option<AsyncWait>,
        objs: &[SysObject<'_>],
        wait_all: bool,
        deadline: Option<Deadline>,
        waker: &Waker,
    ) -> io::Result<Option<Multi>> {
        if state.is_none() {
            let (w, done) = AsyncWait::start(objs, wait_all);
            *state = Some(w);
            if done.is_some() {
                return Ok(done);
            }
        }
        let st = state.as_mut().expect("set above");
        // Snapshot first, attempt second (as the blocking wait).
        let mut words: Vec<(&AtomicU32, u32)> = objs
            .iter()
            .map(|o| (o.word(), o.word().load(Ordering::SeqCst)))
            .collect();
        if let (Some(_), [SysObject::Event(e)]) = (&st.auto, objs) {
            if e.auto_take_registered() {
                st.auto = None; // taken, and unregistered with it
                return Ok(Some(Multi::Signaled(0)));
            }
        } else if let Some(done) = try_step(objs, wait_all, &st.starts, &mut words)? {
            return Ok(Some(done));
        }
        if deadline.as_ref().is_some_and(Deadline::passed) {
            if let (Some(_), [SysObject::Event(e)]) = (&st.auto, objs) {
                // One last look that also unregisters: a grant made at the
                // deadline is taken, never stranded.
                if e.auto_take_registered() {
                    st.auto = None;
                    return Ok(Some(Multi::Signaled(0)));
                }
            }
            return Ok(Some(Multi::TimedOut));
        }
        let watches = words
            .iter()
            .filter_map(|&(word, value)| {
                let o = objs.iter().find(|o| std::ptr::eq(o.word(), word))?;
                let (page, off) = o.word_at();
                Some(Watch {
                    page: page.clone(),
                    off,
                    value,
                })
            })
            .collect();
        // A mutex whose owner died is never released: look again every
        // OWNER_DEATH_POLL, as the blocking wait does.
        let has_mutex = objs.iter().any(|o| matches!(o, SysObject::Mutex(_)));
        let wake_at = if has_mutex {
            Some(Deadline::min_after(deadline, OWNER_DEATH_POLL))
        } else {
            deadline
        };
        reactor::arm(&mut st.reg, watches, waker, wake_at)?;
        Ok(None)
    }
}
