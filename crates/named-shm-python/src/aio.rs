//! asyncio waits: `Event.wait_async`, `Semaphore.acquire_async`,
//! `wait_any_async` and `wait_all_async`.
//!
//! Each is the library's async wait (`named_shm::wait_for_multiple_async`:
//! one waiter thread per process serves every pending wait, whatever the
//! number) driven by the asyncio event loop:
//!
//! - a [`PendingWait`] owns the objects (their `Arc`s, so `close()` in
//!   another task cannot free them under the wait) and the future that
//!   borrows them (a `self_cell`);
//! - its waker writes one byte to a socket pair and never touches Python,
//!   so the library's waiter thread never takes the GIL (no lock-order
//!   hazard between the GIL and the waiter's locks);
//! - `named_shm/_aio.py` watches the other end with `loop.add_reader` and
//!   polls the future on the loop's thread, with the GIL released during
//!   the poll. A poll makes the blocking call's own attempt, so the
//!   semantics are the blocking calls'.
//!
//! Cancelling the task drops the future, which loses nothing: a count or an
//! auto-reset `set` granted to a dropped wait goes back to the object.

use crate::error::{abandoned, IntoPy};
use crate::sync::{timeout_arg, Held};
use named_shm::{wait_for_multiple_async, MultiWaitFuture, MultiWaitStatus};
use pyo3::prelude::*;
use std::future::Future;
use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

type Fut<'a> = MultiWaitFuture<'a>;

self_cell::self_cell!(
    /// The objects of one wait and the future that borrows them.
    struct Inner {
        owner: Vec<Held>,
        #[not_covariant]
        dependent: Fut,
    }
);

/// Wakes the loop: one byte into the socket pair (a full buffer already
/// holds a wake-up, so `WouldBlock` is fine to ignore).
struct SocketWaker(UnixStream);

impl Wake for SocketWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let _ = (&self.0).write(&[1]);
    }
}

/// What a wait reports to Python: its result kind.
#[derive(Clone, Copy)]
pub(crate) enum Shape {
    /// `Event.wait_async`, `Semaphore.acquire_async`, `wait_all_async`: True/False.
    Bool,
    /// `wait_any_async`: the index, or None on timeout.
    Index,
}

/// One pending asyncio wait (internal: `named_shm._aio` drives it).
#[pyclass(module = "named_shm", name = "_PendingWait", frozen)]
pub(crate) struct PendingWait {
    inner: Mutex<Option<Inner>>,
    rx: UnixStream,
    waker: Waker,
    shape: Shape,
    /// The Python objects and names, for AbandonedMutexError.
    items: Vec<Py<PyAny>>,
    names: Vec<String>,
}

impl PendingWait {
    /// Starts a wait on `held` (the timeout counts from now).
    pub(crate) fn start(
        py: Python<'_>,
        held: Vec<Held>,
        items: Vec<Py<PyAny>>,
        names: Vec<String>,
        wait_all: bool,
        timeout: Option<f64>,
        shape: Shape,
    ) -> PyResult<PendingWait> {
        let timeout = timeout_arg(py, timeout)?;
        let (tx, rx) = UnixStream::pair()?;
        tx.set_nonblocking(true)?;
        rx.set_nonblocking(true)?;
        let inner = Inner::new(held, |held| {
            let objs: Vec<_> = held.iter().map(Held::as_wait).collect();
            wait_for_multiple_async(&objs, wait_all, timeout)
        });
        Ok(PendingWait {
            inner: Mutex::new(Some(inner)),
            rx,
            waker: Waker::from(Arc::new(SocketWaker(tx))),
            shape,
            items,
            names,
        })
    }

    /// Wraps the wait in the coroutine of `named_shm._aio`.
    pub(crate) fn into_coroutine(self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let pending = Py::new(py, self)?;
        Ok(py
            .import("named_shm._aio")?
            .getattr("await_pending")?
            .call1((pending,))?
            .unbind())
    }
}

#[pymethods]
impl PendingWait {
    /// The descriptor the loop watches (readable after a wake-up).
    fn fileno(&self) -> i32 {
        self.rx.as_raw_fd()
    }

    /// Drains the wake-ups and polls once: `(False, None)` while pending,
    /// `(True, result)` when done. Raises what the wait raises.
    fn poll(&self, py: Python<'_>) -> PyResult<(bool, Py<PyAny>)> {
        let mut buf = [0u8; 64];
        while matches!((&self.rx).read(&mut buf), Ok(n) if n > 0) {}
        let polled = py.detach(|| {
            let mut guard = self.inner.lock().unwrap_or_else(|p| p.into_inner());
            let inner = guard.as_mut()?;
            let mut cx = Context::from_waker(&self.waker);
            let r = inner.with_dependent_mut(|_, fut| Pin::new(fut).poll(&mut cx));
            match r {
                Poll::Pending => Some(Poll::Pending),
                Poll::Ready(r) => {
                    // Done: free the objects now, not at garbage collection.
                    *guard = None;
                    Some(Poll::Ready(r))
                }
            }
        });
        let r = match polled {
            None => {
                return Err(crate::error::value_error(
                    py,
                    "the wait is over (cancelled or done)",
                ))
            }
            Some(Poll::Pending) => return Ok((false, py.None())),
            Some(Poll::Ready(r)) => r.py_err(py)?,
        };
        let value: Bound<'_, PyAny> = match (r, self.shape) {
            (MultiWaitStatus::Abandoned(i), _) => {
                let item = self.items[i].bind(py);
                return Err(abandoned(py, item, &self.names[i], Some(i)));
            }
            (MultiWaitStatus::Signaled(i), Shape::Index) => i.into_pyobject(py)?.into_any(),
            (MultiWaitStatus::Signaled(_), Shape::Bool) => {
                pyo3::types::PyBool::new(py, true).to_owned().into_any()
            }
            (_, Shape::Bool) => pyo3::types::PyBool::new(py, false).to_owned().into_any(),
            (_, Shape::Index) => py.None().into_bound(py),
        };
        Ok((true, value.unbind()))
    }

    /// Ends the wait if it is still pending, giving back anything it was
    /// granted (cancellation loses nothing). Idempotent.
    fn cancel(&self, py: Python<'_>) {
        let taken = self.inner.lock().unwrap_or_else(|p| p.into_inner()).take();
        py.detach(move || drop(taken));
    }
}
