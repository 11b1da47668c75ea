//! `WaitForMultipleObjects` over events, mutexes and semaphores.

use super::super::futex::{self, Deadline};
use super::mutex::OWNER_DEATH_POLL;
use super::semaphore::Take;
use crate::sys::{EventImp as _, Locked, Multi, MutexImp as _, SysObject};
use std::io;
use std::sync::atomic::{AtomicU32, Ordering};

impl SysObject<'_> {
    pub(super) fn word(&self) -> &AtomicU32 {
        match self {
            SysObject::Event(e) => e.state(),
            SysObject::Mutex(m) => m.seq(),
            SysObject::Semaphore(s) => s.count_word(),
        }
    }

    pub(super) fn waiters(&self) -> &AtomicU32 {
        match self {
            SysObject::Event(e) => e.waiters(),
            SysObject::Mutex(m) => m.multi_waiters(),
            SysObject::Semaphore(s) => s.waiters(),
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
            SysObject::Semaphore(s) => (s.try_take() == Take::Taken).then_some(false),
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
            // Put back even past the maximum: a release that came in
            // meanwhile must not make the count vanish (see `wait_multiple`).
            SysObject::Semaphore(s) => {
                s.add(1, true);
            }
        }
    }
}

/// One attempt of a multi-object wait, the step every kind of wait (blocking
/// or async) repeats after each wake-up: `Some` if it is over. Otherwise
/// `words` (the snapshot taken before the attempt) is narrowed to what to
/// sleep on: for wait-all, the object that was not available.
pub(super) fn try_step<'w>(
    objs: &'w [SysObject<'_>],
    wait_all: bool,
    starts: &[u32],
    words: &mut Vec<(&'w AtomicU32, u32)>,
) -> io::Result<Option<Multi>> {
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
            return Ok(Some(abandoned.map_or(Multi::Signaled(0), Multi::Abandoned)));
        };
        taken.iter().rev().for_each(|&j| objs[j].undo());
        // Sleep on the object that was not available: giving back the
        // others changed their words, which would wake us at once.
        *words = vec![words[failed]];
    } else {
        for (i, o) in objs.iter().enumerate() {
            match o.try_take(Some(starts[i]))? {
                Some(true) => return Ok(Some(Multi::Abandoned(i))),
                Some(false) => return Ok(Some(Multi::Signaled(i))),
                None => {}
            }
        }
    }
    Ok(None)
}

/// `WaitForMultipleObjects`. The caller validated the list (1..=64 objects,
/// writable where taking writes, no duplicates for wait-all).
///
/// Wait-all takes the objects one by one and gives them back if it cannot
/// take them all, then sleeps until any of them changes. Unlike Windows, this
/// is not atomic with respect to other waiters: another process may briefly
/// see a mutex held or an auto-reset event consumed by a wait-all that then
/// gives it back, and a semaphore given back after another process filled
/// it to its maximum holds one count more than the maximum until the next
/// wait.
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
        if let Some(done) = try_step(objs, wait_all, &starts, &mut words)? {
            return Ok(done);
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
