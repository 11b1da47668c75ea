//! Async waits on Windows: each pending wait has a thread of its own that
//! waits (`WaitForMultipleObjects`, in slices of [`SLICE`] so that it notices
//! a cancelled wait) on duplicates of the handles, and wakes the task with
//! the result. Waiting takes (an auto-reset event, a count) on the thread,
//! so a result that the dropped future never delivered is given back:
//! `SetEvent` for an auto-reset event, `ReleaseSemaphore(1)` for a
//! semaphore. Mutexes are refused before this point (a waiting thread would
//! own them). One thread per pending wait is a documented limit of this
//! backend, not the one waiter per process of the Linux backend.

use super::wait::{wait_handles, Deadline, Waited};
use crate::sys::{AsyncWaitImp, EventImp as _, Multi, SysObject};
use std::io;
use std::os::windows::io::{AsRawHandle, FromRawHandle, OwnedHandle};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::Waker;
use std::time::{Duration, Instant};
use windows_sys::Win32::Foundation::{DuplicateHandle, DUPLICATE_SAME_ACCESS, HANDLE};
use windows_sys::Win32::System::Threading::{GetCurrentProcess, ReleaseSemaphore, SetEvent};

/// How long the thread waits before it looks whether the wait was dropped.
const SLICE: Duration = Duration::from_millis(50);

/// What taking an object did, to undo for a dropped wait.
#[derive(Debug, Clone, Copy)]
enum GiveBack {
    Nothing,
    SetEvent,
    ReleaseOne,
}

#[derive(Debug, Default)]
struct Shared {
    result: Option<io::Result<Multi>>,
    waker: Option<Waker>,
    dropped: bool,
}

/// The state of one pending async wait: its thread's mailbox.
#[derive(Debug)]
pub(crate) struct AsyncWait {
    shared: Arc<Mutex<Shared>>,
    stop: Arc<AtomicBool>,
    handles: Arc<Vec<(OwnedHandle, GiveBack)>>,
    wait_all: bool,
}

fn give_back(handles: &[(OwnedHandle, GiveBack)], wait_all: bool, r: &io::Result<Multi>) {
    let idx: Vec<usize> = match r {
        // Wait-all took every object.
        Ok(Multi::Signaled(_) | Multi::Abandoned(_)) if wait_all => (0..handles.len()).collect(),
        Ok(Multi::Signaled(i) | Multi::Abandoned(i)) => vec![*i],
        _ => Vec::new(),
    };
    for i in idx {
        let Some((h, how)) = handles.get(i) else { continue };
        // SAFETY: `h` is an open duplicate of an event or semaphore handle
        // with the access of the original (which could take it, so modify it).
        unsafe {
            match how {
                GiveBack::Nothing => {}
                GiveBack::SetEvent => {
                    SetEvent(h.as_raw_handle());
                }
                GiveBack::ReleaseOne => {
                    ReleaseSemaphore(h.as_raw_handle(), 1, std::ptr::null_mut());
                }
            }
        }
    }
}

impl Drop for AsyncWait {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let mut s = self.shared.lock().unwrap_or_else(|p| p.into_inner());
        s.dropped = true;
        if let Some(r) = s.result.take() {
            give_back(&self.handles, self.wait_all, &r);
        }
    }
}

fn duplicate(h: HANDLE) -> io::Result<OwnedHandle> {
    let mut dup: HANDLE = std::ptr::null_mut();
    // SAFETY: `h` is an open handle of this process; `dup` is a valid
    // out-pointer; the duplicate is owned by the OwnedHandle below.
    let ok = unsafe {
        let me = GetCurrentProcess();
        DuplicateHandle(me, h, me, &mut dup, 0, 0, DUPLICATE_SAME_ACCESS)
    };
    if ok == 0 {
        return Err(super::super::os_error(super::super::last_error()));
    }
    // SAFETY: DuplicateHandle succeeded: `dup` is a new handle nobody else owns.
    Ok(unsafe { OwnedHandle::from_raw_handle(dup) })
}

impl AsyncWait {
    fn start(
        objs: &[SysObject<'_>],
        wait_all: bool,
        deadline: Option<Deadline>,
        waker: &Waker,
    ) -> io::Result<AsyncWait> {
        let mut handles = Vec::with_capacity(objs.len());
        for o in objs {
            let (h, how) = match o {
                SysObject::Event(e) if e.manual_reset() => (e.raw(), GiveBack::Nothing),
                SysObject::Event(e) => (e.raw(), GiveBack::SetEvent),
                SysObject::Semaphore(s) => (s.raw(), GiveBack::ReleaseOne),
                SysObject::Mutex(_) => return Err(io::Error::from(io::ErrorKind::Unsupported)),
            };
            handles.push((duplicate(h)?, how));
        }
        let w = AsyncWait {
            shared: Arc::new(Mutex::new(Shared {
                waker: Some(waker.clone()),
                ..Shared::default()
            })),
            stop: Arc::new(AtomicBool::new(false)),
            handles: Arc::new(handles),
            wait_all,
        };
        let (shared, stop, handles) = (w.shared.clone(), w.stop.clone(), w.handles.clone());
        std::thread::Builder::new()
            .name("named-shm-wait".into())
            .stack_size(64 * 1024)
            .spawn(move || {
                let raw: Vec<HANDLE> = handles.iter().map(|(h, _)| h.as_raw_handle()).collect();
                let r = loop {
                    if stop.load(Ordering::SeqCst) {
                        return;
                    }
                    let slice = Instant::now() + SLICE;
                    let until = match deadline {
                        Some(d) if d.at() <= slice => d,
                        _ => Deadline::at_instant(slice),
                    };
                    match wait_handles(&raw, wait_all, Some(&until)) {
                        Ok(Waited::TimedOut) if until.at() == slice => continue,
                        Ok(Waited::TimedOut) => break Ok(Multi::TimedOut),
                        Ok(Waited::Object(i)) => break Ok(Multi::Signaled(i)),
                        Ok(Waited::Abandoned(i)) => break Ok(Multi::Abandoned(i)),
                        Err(e) => break Err(e),
                    }
                };
                let mut s = shared.lock().unwrap_or_else(|p| p.into_inner());
                if s.dropped {
                    give_back(&handles, wait_all, &r);
                    return;
                }
                s.result = Some(r);
                if let Some(w) = s.waker.take() {
                    drop(s);
                    w.wake();
                }
            })?;
        Ok(w)
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
        let w = match state {
            Some(w) => w,
            None => state.insert(AsyncWait::start(objs, wait_all, deadline, waker)?),
        };
        let mut s = w.shared.lock().unwrap_or_else(|p| p.into_inner());
        match s.result.take() {
            Some(r) => r.map(Some),
            None => {
                s.waker = Some(waker.clone());
                Ok(None)
            }
        }
    }
}
