//! Async waits on Windows.
//!
//! **Wait-any (and one object): a shared waiter.** A thread of the process
//! waits in `WaitForMultipleObjects` on up to 63 objects (duplicated
//! handles, one per object however many waits it has) plus a wake-up event
//! of its own, which a new registration sets so that the thread re-reads its
//! table; a second thread serves the next 63 objects, and so on. Each poll
//! first tries the objects without blocking (`WaitForMultipleObjects` with a
//! zero timeout, on the polling thread); if nothing is signalled the wait
//! registers. When an object is signalled the thread has *taken* it (an
//! auto-reset event, a semaphore count) and hands it to the oldest wait
//! registered on it (a manual-reset event goes to all of them); a wait that
//! is dropped before its task collects the result gives it back
//! (`SetEvent`, `ReleaseSemaphore(1)`), and so does the thread when every
//! wait on the object is gone. Used for semaphores and manual-reset events.
//!
//! **Wait-all, and waits that include an auto-reset event: a thread per
//! wait**, waiting on duplicates of the handles (wait-any also on a cancel
//! event that the drop sets; wait-all in slices of [`SLICE`], looking for a
//! drop between them); what it takes for a wait dropped meanwhile is given
//! back the same way. An auto-reset event needs one waiter in the kernel
//! per pending wait: Windows releases one *waiting thread* per `SetEvent`,
//! so a shared thread, waiting once for many, would let back-to-back sets
//! collapse into one (the event is already set) where N waiting threads
//! would have taken N. So 10,000 pending waits cost one thread on
//! semaphores and manual-reset events, and 10,000 threads on an auto-reset
//! event.
//!
//! Mutexes are refused before this point: the thread that waits would own
//! them.

use super::wait::{wait_handles, Deadline, Waited};
use crate::sys::{AsyncWaitImp, EventImp as _, Multi, SemaphoreImp as _, SysObject};
use std::collections::{BTreeSet, HashMap, VecDeque};
use std::io;
use std::os::windows::io::{AsRawHandle, FromRawHandle, OwnedHandle};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::task::Waker;
use std::time::{Duration, Instant};
use windows_sys::Win32::Foundation::{DuplicateHandle, DUPLICATE_SAME_ACCESS, HANDLE};
use windows_sys::Win32::System::Threading::{CreateEventW, GetCurrentProcess, ReleaseSemaphore, SetEvent};

/// How long a wait-all thread waits before it looks whether the wait was dropped.
const SLICE: Duration = Duration::from_millis(50);

/// Objects one shared waiter thread waits on: `MAXIMUM_WAIT_OBJECTS` less
/// its wake-up event.
const OBJECTS_PER_THREAD: usize = 63;

/// What taking an object did, to undo for a dropped wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum GiveBack {
    /// A manual-reset event: waiting takes nothing.
    Nothing,
    SetEvent,
    ReleaseOne,
}

fn give_back_one(h: &OwnedHandle, how: GiveBack) {
    // SAFETY: `h` is an open duplicate of an event or semaphore handle with
    // the access of the original, which could take it, so modify it.
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

/// The handle, how to give it back, and the object's identity.
fn describe(o: &SysObject<'_>) -> io::Result<(HANDLE, GiveBack, usize)> {
    Ok(match o {
        SysObject::Event(e) if e.manual_reset() => (e.raw(), GiveBack::Nothing, e.id()),
        SysObject::Event(e) => (e.raw(), GiveBack::SetEvent, e.id()),
        SysObject::Semaphore(s) => (s.raw(), GiveBack::ReleaseOne, s.id()),
        SysObject::Mutex(_) => return Err(io::Error::from(io::ErrorKind::Unsupported)),
    })
}

/// Where a result reaches a pending wait.
#[derive(Debug, Default)]
struct Slot {
    result: Option<io::Result<Multi>>,
    waker: Option<Waker>,
    /// Wait-all thread: the wait was dropped.
    dropped: bool,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

// ---------------------------------------------------------------- shared waiter

struct Entry {
    handle: Arc<OwnedHandle>,
    how: GiveBack,
    /// Waits on this object, oldest first, with the object's index in each.
    waits: VecDeque<(u64, usize)>,
}

struct Pending {
    slot: Arc<Mutex<Slot>>,
    objects: Vec<usize>,
    deadline: Option<Deadline>,
}

#[derive(Default)]
struct Table {
    entries: HashMap<usize, Entry>,
    waits: HashMap<u64, Pending>,
    timers: BTreeSet<(Instant, u64)>,
}

impl Table {
    /// Removes a wait from every object it waits on.
    fn remove(&mut self, id: u64) -> Option<Pending> {
        let p = self.waits.remove(&id)?;
        if let Some(d) = p.deadline {
            self.timers.remove(&(d.at(), id));
        }
        for obj in &p.objects {
            if let Some(e) = self.entries.get_mut(obj) {
                e.waits.retain(|(w, _)| *w != id);
                if e.waits.is_empty() {
                    self.entries.remove(obj);
                }
            }
        }
        Some(p)
    }
}

struct Shard {
    wake: OwnedHandle,
    table: Mutex<Table>,
}

impl Shard {
    fn kick(&self) {
        // SAFETY: `wake` is an open event handle of ours.
        unsafe { SetEvent(self.wake.as_raw_handle()) };
    }

    fn deliver(t: &mut Table, id: u64, r: Multi, wakers: &mut Vec<Waker>) {
        if let Some(p) = t.remove(id) {
            let mut s = lock(&p.slot);
            s.result = Some(Ok(r));
            if let Some(w) = s.waker.take() {
                wakers.push(w);
            }
        }
    }

    fn run(&self) {
        loop {
            let (snapshot, deadline) = {
                let t = lock(&self.table);
                let snapshot: Vec<(usize, Arc<OwnedHandle>, GiveBack)> = t
                    .entries
                    .iter()
                    .map(|(k, e)| (*k, e.handle.clone(), e.how))
                    .collect();
                let deadline = t.timers.first().map(|(at, _)| Deadline::at_instant(*at));
                (snapshot, deadline)
            };
            let mut raw = Vec::with_capacity(snapshot.len() + 1);
            raw.push(self.wake.as_raw_handle());
            raw.extend(snapshot.iter().map(|(_, h, _)| h.as_raw_handle()));
            let r = wait_handles(&raw, false, deadline.as_ref());
            let mut wakers = Vec::new();
            {
                let mut t = lock(&self.table);
                match r {
                    Ok(Waited::Object(0)) => {}
                    Ok(Waited::Object(i) | Waited::Abandoned(i)) => {
                        let (key, handle, how) = &snapshot[i - 1];
                        let waits: Vec<(u64, usize)> = match t.entries.get(key) {
                            // A manual-reset event releases every wait on it.
                            Some(e) if *how == GiveBack::Nothing => e.waits.iter().copied().collect(),
                            Some(e) => e.waits.front().copied().into_iter().collect(),
                            None => Vec::new(),
                        };
                        if waits.is_empty() {
                            // Every wait on it went: what we took goes back.
                            give_back_one(handle, *how);
                        }
                        for (id, idx) in waits {
                            Self::deliver(&mut t, id, Multi::Signaled(idx), &mut wakers);
                        }
                    }
                    Ok(Waited::TimedOut) => {
                        let now = Instant::now();
                        let due: Vec<u64> = t
                            .timers
                            .iter()
                            .take_while(|(at, _)| *at <= now)
                            .map(|(_, id)| *id)
                            .collect();
                        for id in due {
                            Self::deliver(&mut t, id, Multi::TimedOut, &mut wakers);
                        }
                    }
                    Err(_) => {
                        // A handle went bad (cannot happen while entries own
                        // them): fail every wait rather than spin.
                        let ids: Vec<u64> = t.waits.keys().copied().collect();
                        for id in ids {
                            if let Some(p) = t.remove(id) {
                                let mut s = lock(&p.slot);
                                s.result = Some(Err(io::Error::other("the async waiter's wait failed")));
                                wakers.extend(s.waker.take());
                            }
                        }
                    }
                }
            }
            wakers.into_iter().for_each(Waker::wake);
        }
    }
}

fn shards() -> MutexGuard<'static, Vec<Arc<Shard>>> {
    static S: OnceLock<Mutex<Vec<Arc<Shard>>>> = OnceLock::new();
    lock(S.get_or_init(Default::default))
}

fn new_shard() -> io::Result<Arc<Shard>> {
    // SAFETY: no security attributes and no name: a private auto-reset
    // event, owned by the OwnedHandle below.
    let h = unsafe { CreateEventW(std::ptr::null(), 0, 0, std::ptr::null()) };
    if h.is_null() {
        return Err(super::super::os_error(super::super::last_error()));
    }
    // SAFETY: CreateEventW succeeded: `h` is ours alone.
    let wake = unsafe { OwnedHandle::from_raw_handle(h) };
    let shard = Arc::new(Shard {
        wake,
        table: Mutex::new(Table::default()),
    });
    let runner = shard.clone();
    std::thread::Builder::new()
        .name("named-shm-wait".into())
        .stack_size(64 * 1024)
        .spawn(move || runner.run())?;
    Ok(shard)
}

/// Registers a wait-any with a shared waiter thread.
fn register(
    objs: &[SysObject<'_>],
    deadline: Option<Deadline>,
    slot: &Arc<Mutex<Slot>>,
) -> io::Result<(Arc<Shard>, u64)> {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let id = NEXT.fetch_add(1, Ordering::Relaxed);
    let described: Vec<(HANDLE, GiveBack, usize)> = objs.iter().map(describe).collect::<io::Result<_>>()?;
    let mut all = shards();
    let mut chosen = None;
    for s in all.iter() {
        let t = lock(&s.table);
        let new = described
            .iter()
            .filter(|(_, _, k)| !t.entries.contains_key(k))
            .count();
        if t.entries.len() + new <= OBJECTS_PER_THREAD {
            chosen = Some(s.clone());
            break;
        }
    }
    let shard = match chosen {
        Some(s) => s,
        None => {
            let s = new_shard()?;
            all.push(s.clone());
            s
        }
    };
    drop(all);
    let mut t = lock(&shard.table);
    let mut added = false;
    for (idx, (h, how, key)) in described.iter().enumerate() {
        if !t.entries.contains_key(key) {
            let handle = Arc::new(duplicate(*h)?);
            t.entries.insert(
                *key,
                Entry {
                    handle,
                    how: *how,
                    waits: VecDeque::new(),
                },
            );
            added = true;
        }
        let e = t.entries.get_mut(key).expect("inserted above");
        // Wait-any may name one object twice: the lowest index wins.
        if !e.waits.iter().any(|(w, _)| *w == id) {
            e.waits.push_back((id, idx));
        }
    }
    if let Some(d) = deadline {
        t.timers.insert((d.at(), id));
    }
    let mut objects: Vec<usize> = described.iter().map(|(_, _, k)| *k).collect();
    objects.dedup();
    t.waits.insert(
        id,
        Pending {
            slot: slot.clone(),
            objects,
            deadline,
        },
    );
    drop(t);
    if added || deadline.is_some() {
        shard.kick();
    }
    Ok((shard, id))
}

// ---------------------------------------------------------------- the wait

/// The state of one pending async wait.
#[derive(Debug)]
pub(crate) struct AsyncWait {
    slot: Arc<Mutex<Slot>>,
    mode: Mode,
}

enum Mode {
    /// Registered with a shared waiter thread (wait-any); `give` holds the
    /// objects' duplicates to give back a result the task never collected.
    Shared {
        shard: Arc<Shard>,
        id: u64,
        give: Vec<(Arc<OwnedHandle>, GiveBack)>,
    },
    /// A thread of its own (wait-all, or an auto-reset event).
    Own {
        stop: Arc<AtomicBool>,
        cancel: Option<Arc<OwnedHandle>>,
        handles: Arc<Vec<(OwnedHandle, GiveBack)>>,
        wait_all: bool,
    },
}

impl std::fmt::Debug for Mode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Mode::Shared { .. } => "Shared",
            Mode::Own { .. } => "Own",
        })
    }
}

impl Drop for AsyncWait {
    fn drop(&mut self) {
        match &self.mode {
            Mode::Shared { shard, id, give } => {
                // Out of the table first: no result can arrive after this.
                let _ = lock(&shard.table).remove(*id);
                if let Some(Ok(Multi::Signaled(i))) = lock(&self.slot).result.take() {
                    if let Some((h, how)) = give.get(i) {
                        give_back_one(h, *how);
                    }
                }
            }
            Mode::Own {
                stop,
                cancel,
                handles,
                wait_all,
            } => {
                stop.store(true, Ordering::SeqCst);
                if let Some(c) = cancel {
                    // SAFETY: `c` is an open event handle of ours.
                    unsafe { SetEvent(c.as_raw_handle()) };
                }
                let mut s = lock(&self.slot);
                s.dropped = true;
                if let Some(r) = s.result.take() {
                    give_back_result(handles, *wait_all, &r);
                }
            }
        }
    }
}

fn start_shared(objs: &[SysObject<'_>], deadline: Option<Deadline>, waker: &Waker) -> io::Result<AsyncWait> {
    let slot = Arc::new(Mutex::new(Slot {
        waker: Some(waker.clone()),
        ..Slot::default()
    }));
    let (shard, id) = register(objs, deadline, &slot)?;
    let give = {
        let t = lock(&shard.table);
        objs.iter()
            .map(|o| {
                let (_, how, key) = describe(o)?;
                // The entry exists unless the wait already completed and every
                // other wait on the object went; then nothing is left to give.
                Ok(t.entries.get(&key).map(|e| (e.handle.clone(), how)))
            })
            .collect::<io::Result<Vec<_>>>()?
    };
    let give = if give.iter().all(Option::is_some) {
        give.into_iter().flatten().collect()
    } else {
        // Entries can only be missing after a delivery; duplicate afresh.
        objs.iter()
            .map(|o| {
                let (h, how, _) = describe(o)?;
                Ok((Arc::new(duplicate(h)?), how))
            })
            .collect::<io::Result<Vec<_>>>()?
    };
    Ok(AsyncWait {
        slot,
        mode: Mode::Shared { shard, id, give },
    })
}

fn start_own(
    objs: &[SysObject<'_>],
    wait_all: bool,
    deadline: Option<Deadline>,
    waker: &Waker,
) -> io::Result<AsyncWait> {
    let mut handles = Vec::with_capacity(objs.len());
    for o in objs {
        let (h, how, _) = describe(o)?;
        handles.push((duplicate(h)?, how));
    }
    // Wait-any waits on a cancel event too (set by the drop); wait-all
    // cannot, so it waits in slices and looks at `stop` between them.
    let cancel = if wait_all {
        None
    } else {
        // SAFETY: no security attributes and no name: a private
        // manual-reset event, owned by the OwnedHandle below.
        let h = unsafe { CreateEventW(std::ptr::null(), 1, 0, std::ptr::null()) };
        if h.is_null() {
            return Err(super::super::os_error(super::super::last_error()));
        }
        // SAFETY: CreateEventW succeeded: `h` is ours alone.
        Some(Arc::new(unsafe { OwnedHandle::from_raw_handle(h) }))
    };
    let slot = Arc::new(Mutex::new(Slot {
        waker: Some(waker.clone()),
        ..Slot::default()
    }));
    let stop = Arc::new(AtomicBool::new(false));
    let handles = Arc::new(handles);
    let (slot2, stop2, handles2, cancel2) = (slot.clone(), stop.clone(), handles.clone(), cancel.clone());
    std::thread::Builder::new()
        .name("named-shm-wait-one".into())
        .stack_size(64 * 1024)
        .spawn(move || {
            let mut raw: Vec<HANDLE> = handles2.iter().map(|(h, _)| h.as_raw_handle()).collect();
            let n = raw.len();
            if let Some(c) = &cancel2 {
                raw.push(c.as_raw_handle());
            }
            let r = loop {
                if stop2.load(Ordering::SeqCst) {
                    return;
                }
                let (until, sliced) = if wait_all {
                    let slice = Instant::now() + SLICE;
                    match deadline {
                        Some(d) if d.at() <= slice => (Some(d), false),
                        _ => (Some(Deadline::at_instant(slice)), true),
                    }
                } else {
                    (deadline, false)
                };
                match wait_handles(&raw, wait_all, until.as_ref()) {
                    Ok(Waited::TimedOut) if sliced => continue,
                    Ok(Waited::TimedOut) => break Ok(Multi::TimedOut),
                    Ok(Waited::Object(i)) if i == n => return, // cancelled
                    Ok(Waited::Object(i)) => break Ok(Multi::Signaled(i)),
                    Ok(Waited::Abandoned(i)) => break Ok(Multi::Abandoned(i)),
                    Err(e) => break Err(e),
                }
            };
            let mut s = lock(&slot2);
            if s.dropped {
                give_back_result(&handles2, wait_all, &r);
                return;
            }
            s.result = Some(r);
            if let Some(w) = s.waker.take() {
                drop(s);
                w.wake();
            }
        })?;
    Ok(AsyncWait {
        slot,
        mode: Mode::Own {
            stop,
            cancel,
            handles,
            wait_all,
        },
    })
}

/// Gives back what a thread of its own took for a wait that was dropped.
fn give_back_result(handles: &[(OwnedHandle, GiveBack)], wait_all: bool, r: &io::Result<Multi>) {
    match r {
        Ok(Multi::Signaled(_)) if wait_all => handles.iter().for_each(|(h, how)| give_back_one(h, *how)),
        Ok(Multi::Signaled(i)) => {
            if let Some((h, how)) = handles.get(*i) {
                give_back_one(h, *how);
            }
        }
        _ => {}
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
            None => {
                // The try step, on this thread: what it takes is ours.
                let raw: Vec<HANDLE> = objs
                    .iter()
                    .map(|o| describe(o).map(|(h, _, _)| h))
                    .collect::<io::Result<_>>()?;
                match wait_handles(&raw, wait_all, Some(&Deadline::now()))? {
                    Waited::Object(i) => return Ok(Some(Multi::Signaled(i))),
                    Waited::Abandoned(i) => return Ok(Some(Multi::Abandoned(i))),
                    Waited::TimedOut => {}
                }
                if deadline.is_some_and(|d| d.at() <= Instant::now()) {
                    return Ok(Some(Multi::TimedOut));
                }
                // An auto-reset event needs a waiter in the kernel per
                // pending wait: one thread taking for many would let
                // back-to-back sets collapse into one.
                let auto = objs
                    .iter()
                    .any(|o| matches!(o, SysObject::Event(e) if !e.manual_reset()));
                let started = if wait_all || auto {
                    start_own(objs, wait_all, deadline, waker)?
                } else {
                    start_shared(objs, deadline, waker)?
                };
                state.insert(started)
            }
        };
        let mut s = lock(&w.slot);
        match s.result.take() {
            Some(r) => r.map(Some),
            None => {
                s.waker = Some(waker.clone());
                Ok(None)
            }
        }
    }
}
