//! Async waits: [`Event::wait_async`], [`Semaphore::wait_async`],
//! [`Mutex::acquire_async`] and [`wait_for_multiple_async`], plain
//! [`std::future::Future`]s that run on any executor.
//!
//! One waiter per process serves every pending wait (on Linux, a thread
//! asleep in `futex_waitv` on up to 127 words; a second one for the next 127
//! distinct words, and so on), so 10,000 pending waits cost memory, not
//! threads. Each poll makes the blocking call's own attempt (take the event,
//! a count, the mutex); the waiter thread only wakes the task when an object
//! may have changed or the timeout passed. So the semantics are the
//! blocking calls': manual- and auto-reset release rules, abandoned
//! mutexes, timeouts.
//!
//! **Cancellation.** Dropping a pending future ends its wait and loses no
//! `set` or `release`: an attempt that fails takes nothing, so a semaphore
//! count is never taken for a future that is dropped; a `set` of an
//! auto-reset event granted to a pending [`Event::wait_async`] that is then
//! dropped goes back to the event, which is left as if that wait had never
//! been. The next waiter gets it.
//!
//! **Timeouts** count from the call that makes the future, not from its
//! first poll; the wait itself (a manual-reset event's "set since the wait
//! began") starts at the first poll.

use crate::error::{Error, ErrorName, Result};
use crate::event::Event;
use crate::mutex::Mutex;
use crate::semaphore::Semaphore;
use crate::sync::{prepare, MultiWaitStatus, WaitObject, WaitStatus};
use crate::sys::{self, AsyncWaitImp as _, DeadlineImp as _};
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// What every async wait holds: the objects, the deadline, and the
/// backend's state between polls (dropping it cancels the wait).
struct Core<'a> {
    objs: Vec<sys::SysObject<'a>>,
    wait_all: bool,
    deadline: Option<sys::Deadline>,
    name: String,
    /// A validation error, reported by the first poll.
    invalid: Option<Error>,
    state: Option<sys::AsyncWait>,
}

impl<'a> Core<'a> {
    fn new(
        checked: Result<(String, Vec<sys::SysObject<'a>>)>,
        wait_all: bool,
        timeout: Option<Duration>,
    ) -> Self {
        let deadline = sys::Deadline::after(timeout);
        match checked {
            Ok((name, objs)) => Core {
                objs,
                wait_all,
                deadline,
                name,
                invalid: None,
                state: None,
            },
            Err(e) => Core {
                objs: Vec::new(),
                wait_all,
                deadline,
                name: String::new(),
                invalid: Some(e),
                state: None,
            },
        }
    }

    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Result<MultiWaitStatus>> {
        if let Some(e) = self.invalid.take() {
            return Poll::Ready(Err(e));
        }
        if self.objs.is_empty() {
            // Polled again after it returned an error.
            return Poll::Ready(Err(self.name.invalid_arg("the wait is over".to_owned())));
        }
        match sys::AsyncWait::poll(
            &mut self.state,
            &self.objs,
            self.wait_all,
            self.deadline,
            cx.waker(),
        ) {
            Ok(None) => Poll::Pending,
            Ok(Some(m)) => {
                self.state = None;
                Poll::Ready(Ok(match m {
                    sys::Multi::Signaled(i) => MultiWaitStatus::Signaled(i),
                    sys::Multi::Abandoned(i) => MultiWaitStatus::Abandoned(i),
                    sys::Multi::TimedOut => MultiWaitStatus::TimedOut,
                }))
            }
            Err(e) => {
                self.state = None;
                Poll::Ready(Err(self.name.io("wait asynchronously", e)))
            }
        }
    }

    fn poll_one(&mut self, cx: &mut Context<'_>) -> Poll<Result<WaitStatus>> {
        self.poll(cx).map_ok(|m| match m {
            MultiWaitStatus::Signaled(_) => WaitStatus::Signaled,
            MultiWaitStatus::Abandoned(_) => WaitStatus::Abandoned,
            MultiWaitStatus::TimedOut => WaitStatus::TimedOut,
        })
    }
}

impl fmt::Debug for Core<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncWait")
            .field("objects", &self.objs.len())
            .field("wait_all", &self.wait_all)
            .field("name", &self.name)
            .field("pending", &self.state.is_some())
            .finish()
    }
}

/// The future of [`Event::wait_async`] and [`Semaphore::wait_async`]:
/// `WaitForSingleObject` without a thread. Dropping it cancels the wait
/// (see [`Event::wait_async`] for what that guarantees).
#[must_use = "a future does nothing unless awaited"]
#[derive(Debug)]
pub struct WaitFuture<'a> {
    core: Core<'a>,
}

impl Future for WaitFuture<'_> {
    type Output = Result<WaitStatus>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.get_mut().core.poll_one(cx)
    }
}

/// The future of [`wait_for_multiple_async`]. Dropping it cancels the wait.
#[must_use = "a future does nothing unless awaited"]
#[derive(Debug)]
pub struct MultiWaitFuture<'a> {
    core: Core<'a>,
}

impl Future for MultiWaitFuture<'_> {
    type Output = Result<MultiWaitStatus>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.get_mut().core.poll(cx)
    }
}

/// The future of [`Mutex::acquire_async`]. It is not [`Send`]: the mutex
/// becomes owned by the thread that polls it to completion, and only a
/// future that never moves between threads makes that the thread that goes
/// on to release it.
#[must_use = "a future does nothing unless awaited"]
#[derive(Debug)]
pub struct AcquireFuture<'a> {
    core: Core<'a>,
    /// Not `Send`: see the type's documentation.
    _thread_bound: PhantomData<*const ()>,
}

impl Future for AcquireFuture<'_> {
    type Output = Result<WaitStatus>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.get_mut().core.poll_one(cx)
    }
}

impl Event {
    /// `WaitForSingleObject` as a future: completes with
    /// [`WaitStatus::Signaled`] once the event is set (consuming an
    /// auto-reset event, exactly as [`wait`](Self::wait) does), or with
    /// [`WaitStatus::TimedOut`] after `timeout` (`None`: never), counted
    /// from this call. The future is `Send` and works on any executor; no
    /// thread waits for it (see [the crate documentation](crate#async-waits)).
    ///
    /// Dropping the future before it completes cancels the wait and loses
    /// nothing: a `set` of an auto-reset event that was granted to it goes
    /// back to the event, for the next waiter, as if this wait had never
    /// been. N `set`s release N pending waits of an auto-reset event, as
    /// they release N blocking ones.
    ///
    /// ```
    /// use named_shm::{Event, WaitStatus};
    /// use std::time::Duration;
    /// # let name = format!("doc-wait-async-{}", std::process::id());
    /// let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).build().unwrap();
    /// let ready = Event::create(&name)?; // auto-reset
    /// let st = rt.block_on(async {
    ///     let ev = Event::open(&name)?;
    ///     // Another process would set it; here, a task.
    ///     let setter = tokio::spawn({
    ///         let name = name.clone();
    ///         async move { Event::open(&name)?.set() }
    ///     });
    ///     let st = ev.wait_async(Some(Duration::from_secs(10))).await?;
    ///     setter.await.unwrap()?;
    ///     Ok::<_, named_shm::Error>(st)
    /// })?;
    /// assert_eq!(st, WaitStatus::Signaled);
    /// assert!(!ready.is_set()); // consumed by the wait
    /// # Ok::<(), named_shm::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`wait`](Self::wait), reported when the future is first polled;
    /// [`Error::Io`] if the process cannot start its waiter thread.
    ///
    /// # Platform differences
    /// On Windows, a pending wait on an auto-reset event has a thread of its
    /// own (Windows releases one *waiting thread* per `SetEvent`, so only
    /// that keeps N sets releasing N waits), and a signal it takes for a
    /// future dropped meanwhile is given back (`SetEvent`); waits on a
    /// manual-reset event share one thread per 63 objects.
    pub fn wait_async(&self, timeout: Option<Duration>) -> WaitFuture<'_> {
        let checked = self.check_can_wait().map(|()| {
            (
                self.name().as_str().to_owned(),
                vec![sys::SysObject::Event(self.sys())],
            )
        });
        WaitFuture {
            core: Core::new(checked, false, timeout),
        }
    }
}

impl Semaphore {
    /// `WaitForSingleObject` as a future: takes one count, waiting while
    /// there is none, or completes with [`WaitStatus::TimedOut`] after
    /// `timeout` (`None`: never), counted from this call. Named after the
    /// blocking [`wait`](Self::wait), with the same results; the future is
    /// `Send` and works on any executor.
    ///
    /// A count is only ever taken by the poll that completes the future:
    /// dropping a pending future takes nothing, so N releases are taken by
    /// exactly N waits, whichever of them are dropped meanwhile.
    ///
    /// ```
    /// use named_shm::{Semaphore, WaitStatus};
    /// use std::time::Duration;
    /// # let name = format!("doc-sem-async-{}", std::process::id());
    /// let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    /// let items = Semaphore::create(&name, 0, 8)?;
    /// rt.block_on(async {
    ///     let pending = items.wait_async(None);
    ///     drop(pending); // cancelled: it takes nothing
    ///     items.release(1)?;
    ///     assert_eq!(items.wait_async(Some(Duration::ZERO)).await?, WaitStatus::Signaled);
    ///     assert_eq!(items.wait_async(Some(Duration::from_millis(1))).await?, WaitStatus::TimedOut);
    ///     Ok::<_, named_shm::Error>(())
    /// })?;
    /// # Ok::<(), named_shm::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`wait`](Self::wait), reported when the future is first polled.
    ///
    /// # Platform differences
    /// On Windows a shared thread waits for up to 63 semaphores at once; a
    /// count it takes for a future dropped before collecting it is given
    /// back (`ReleaseSemaphore`).
    pub fn wait_async(&self, timeout: Option<Duration>) -> WaitFuture<'_> {
        let checked = self.check_can_wait().map(|()| {
            (
                self.name().as_str().to_owned(),
                vec![sys::SysObject::Semaphore(self.sys())],
            )
        });
        WaitFuture {
            core: Core::new(checked, false, timeout),
        }
    }
}

impl Mutex {
    /// [`acquire`](Self::acquire) as a future: the mutex becomes owned by
    /// the thread that polls the future to completion
    /// ([`WaitStatus::Signaled`], or [`WaitStatus::Abandoned`] if the last
    /// owner died holding it), which must later [`release`](Self::release)
    /// it; or [`WaitStatus::TimedOut`] after `timeout`, counted from this
    /// call.
    ///
    /// A Windows mutex belongs to a thread, and a task of a work-stealing
    /// executor moves between threads at every `.await`. So the future is
    /// deliberately not `Send`: it runs on a current-thread runtime or a
    /// local task set (tokio's `LocalSet`, `spawn_local`), where the task
    /// that acquires the mutex stays on the thread that owns it, and there
    /// calls [`release`](Self::release). There is no guard that could move
    /// to another thread; and [`wait_for_multiple_async`] refuses mutexes
    /// for the same reason. Dropping a pending future takes nothing.
    ///
    /// ```
    /// use named_shm::{Mutex, WaitStatus};
    /// use std::time::Duration;
    /// # #[cfg(windows)] fn main() {} // Unsupported on Windows (below)
    /// # #[cfg(not(windows))] fn main() -> named_shm::Result<()> {
    /// # let name = format!("doc-mutex-async-{}", std::process::id());
    /// let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    /// let m = Mutex::create(&name)?;
    /// let st = rt.block_on(m.acquire_async(Some(Duration::from_secs(10))))?;
    /// assert_eq!(st, WaitStatus::Signaled);
    /// m.release()?; // the same thread: it owns the mutex
    /// # Ok(()) }
    /// ```
    ///
    /// Not `Send`, so a multi-threaded `spawn` refuses it at compile time:
    ///
    /// ```compile_fail
    /// # let m = named_shm::Mutex::create("doc-mutex-async-send").unwrap();
    /// fn needs_send<T: Send>(_: T) {}
    /// needs_send(m.acquire_async(None));
    /// ```
    ///
    /// # Errors
    /// As [`acquire`](Self::acquire), reported when the future is first
    /// polled. On Windows: [`Error::Unsupported`].
    pub fn acquire_async(&self, timeout: Option<Duration>) -> AcquireFuture<'_> {
        let checked = if cfg!(windows) {
            Err(Error::Unsupported {
                what: "async mutex waits on Windows (a waiting thread would own the mutex)",
            })
        } else {
            self.check_writable("wait for (acquire)").map(|()| {
                (
                    self.name().as_str().to_owned(),
                    vec![sys::SysObject::Mutex(self.sys())],
                )
            })
        };
        AcquireFuture {
            core: Core::new(checked, false, timeout),
            _thread_bound: PhantomData,
        }
    }
}

/// [`wait_for_multiple`](crate::wait_for_multiple) as a future: completes
/// once any one (`wait_all == false`) or all of the events and semaphores
/// are signalled, taking them as the blocking call does, or with
/// [`MultiWaitStatus::TimedOut`] after `timeout` (counted from this call).
/// The future is `Send`; dropping it while pending takes nothing.
///
/// ```
/// use named_shm::{wait_for_multiple_async, Event, MultiWaitStatus, Semaphore, WaitObject};
/// use std::time::Duration;
/// # let id = std::process::id();
/// let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// let stop = Event::options().manual_reset(true).create(&format!("doc-multi-async-ev-{id}"))?;
/// let jobs = Semaphore::create(&format!("doc-multi-async-sem-{id}"), 0, 16)?;
/// jobs.release(1)?;
/// let objs = [WaitObject::Event(&stop), WaitObject::Semaphore(&jobs)];
/// let st = rt.block_on(wait_for_multiple_async(&objs, false, Some(Duration::from_secs(10))))?;
/// assert_eq!(st, MultiWaitStatus::Signaled(1)); // a job (the count is taken)
/// assert_eq!(jobs.count(), 0);
/// # Ok::<(), named_shm::Error>(())
/// ```
///
/// # Errors
/// As [`wait_for_multiple`](crate::wait_for_multiple), reported when the
/// future is first polled; [`Error::InvalidArgument`] for a mutex in the
/// list (a mutex is owned by a thread, and a `Send` future may complete on
/// any thread: use [`Mutex::acquire_async`]).
pub fn wait_for_multiple_async<'a>(
    objects: &[WaitObject<'a>],
    wait_all: bool,
    timeout: Option<Duration>,
) -> MultiWaitFuture<'a> {
    let mutex = objects.iter().enumerate().find_map(|(i, o)| match o {
        WaitObject::Mutex(m) => Some((i, *m)),
        _ => None,
    });
    let checked = match mutex {
        Some((i, m)) => Err(m.name().invalid_arg(format!(
            "object {i} is a mutex: an async multi-object wait cannot own one (use Mutex::acquire_async)"
        ))),
        None => prepare(objects, wait_all),
    };
    MultiWaitFuture {
        core: Core::new(checked, wait_all, timeout),
    }
}
