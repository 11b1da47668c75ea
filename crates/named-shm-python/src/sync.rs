//! `named_shm.Event`, `Mutex`, `Semaphore`, `wait_any` and `wait_all`.
//!
//! Every blocking call releases the GIL and waits in slices of at most
//! [`SLICE`], checking for signals between slices, so Ctrl-C raises
//! `KeyboardInterrupt` within that time. A slice that times out has taken
//! nothing, so an interrupted wait leaves every object as it was.

use crate::error::{abandoned, value_error, IntoPy};
use crate::handles::Handle;
use named_shm::{
    wait_for_multiple, Event, EventOptions, MultiWaitStatus, Mutex, MutexOptions, Semaphore,
    SemaphoreOptions, WaitObject, WaitStatus,
};
use pyo3::prelude::*;
use pyo3::types::PyTuple;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The longest wait between two checks for signals.
const SLICE: Duration = Duration::from_millis(50);

/// A timeout in seconds (`None`: forever) as a duration.
pub(crate) fn timeout_arg(py: Python<'_>, timeout: Option<f64>) -> PyResult<Option<Duration>> {
    match timeout {
        None => Ok(None),
        Some(t) if t.is_nan() || t < 0.0 => Err(value_error(
            py,
            format!("timeout must be a non-negative number of seconds or None, not {t}"),
        )),
        // Longer than anything representable: forever.
        Some(t) => Ok(Duration::try_from_secs_f64(t).ok()),
    }
}

/// Runs `op` (a wait with the given timeout) without the GIL, in slices,
/// until it reports something other than a timeout or `timeout` passes.
fn sliced<T: Send>(
    py: Python<'_>,
    timeout: Option<f64>,
    timed_out: impl Fn(&T) -> bool,
    op: impl Fn(Duration) -> named_shm::Result<T> + Sync,
) -> PyResult<T> {
    let deadline = timeout_arg(py, timeout)?.map(|t| Instant::now().checked_add(t));
    loop {
        let slice = match deadline {
            Some(Some(d)) => SLICE.min(d.saturating_duration_since(Instant::now())),
            _ => SLICE,
        };
        let r = py.detach(|| op(slice)).py_err(py)?;
        if !timed_out(&r) {
            return Ok(r);
        }
        if let Some(Some(d)) = deadline {
            if Instant::now() >= d {
                return Ok(r);
            }
        }
        py.check_signals()?;
    }
}

/// What the constructors share: open, create, or (default) either.
fn disposition(py: Python<'_>, create: bool, open: bool) -> PyResult<(bool, bool)> {
    if create && open {
        return Err(value_error(py, "create=True and open=True cannot both be given"));
    }
    Ok((create, open))
}

fn mode_arg(py: Python<'_>, mode: i64) -> PyResult<u32> {
    u32::try_from(mode)
        .ok()
        .filter(|m| *m <= 0o7777)
        .ok_or_else(|| value_error(py, format!("mode {mode:#o} is not a permission mode")))
}

/// One handle that close() (or exit) can close while a wait in another
/// thread still uses it (the wait holds its own `Arc`).
struct Slot<T> {
    handle: Handle<T>,
    name: String,
    created: bool,
}

impl<T: Send + Sync + 'static> Slot<T> {
    fn new(obj: T, name: String, created: bool) -> Self {
        Slot {
            handle: Handle::new(obj),
            name,
            created,
        }
    }

    fn get(&self, py: Python<'_>) -> PyResult<Arc<T>> {
        self.handle
            .get()
            .ok_or_else(|| value_error(py, format!("`{}` is closed", self.name)))
    }

    fn close(&self, py: Python<'_>) {
        let taken = self.handle.take();
        py.detach(move || drop(taken));
    }

    fn is_closed(&self) -> bool {
        self.handle.is_closed()
    }
}

fn reduce(py: Python<'_>, kind: &'static str, name: &str) -> PyResult<(Py<PyAny>, (&'static str, String))> {
    let reopen = py.import("named_shm")?.getattr("_open_sync")?.unbind();
    Ok((reopen, (kind, name.to_owned())))
}

/// A named event (`CreateEvent`): auto-reset by default (each set() wakes
/// one wait), manual-reset stays set until reset().
#[pyclass(module = "named_shm", name = "Event", frozen)]
pub(crate) struct PyEvent {
    slot: Slot<Event>,
}

#[pymethods]
impl PyEvent {
    #[new]
    #[pyo3(signature = (name, manual_reset=false, initial_state=false, *, create=false, open=false, mode=0o600))]
    fn new(
        py: Python<'_>,
        name: &str,
        manual_reset: bool,
        initial_state: bool,
        create: bool,
        open: bool,
        mode: i64,
    ) -> PyResult<Self> {
        let (create, open) = disposition(py, create, open)?;
        let mut o = EventOptions::new();
        o.mode(mode_arg(py, mode)?)
            .manual_reset(manual_reset)
            .initially_set(initial_state);
        let ev = py
            .detach(|| {
                if create {
                    o.create(name)
                } else if open {
                    o.open(name)
                } else {
                    o.open_or_create(name)
                }
            })
            .py_err(py)?;
        let created = ev.created();
        Ok(PyEvent {
            slot: Slot::new(ev, name.to_owned(), created),
        })
    }

    /// Signals the event (`SetEvent`).
    fn set(&self, py: Python<'_>) -> PyResult<()> {
        self.slot.get(py)?.set().py_err(py)
    }

    /// Clears it (`ResetEvent`).
    fn reset(&self, py: Python<'_>) -> PyResult<()> {
        self.slot.get(py)?.reset().py_err(py)
    }

    /// Waits until the event is set (consuming it if auto-reset), at most
    /// `timeout` seconds (None: forever). True if it was set, False on timeout.
    #[pyo3(signature = (timeout=None))]
    fn wait(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<bool> {
        let ev = self.slot.get(py)?;
        let st = sliced(py, timeout, |s| *s == WaitStatus::TimedOut, |t| ev.wait(Some(t)))?;
        Ok(st != WaitStatus::TimedOut)
    }

    /// `wait()` for asyncio: a coroutine that completes with True once the
    /// event is set (consuming it if auto-reset), or False after `timeout`
    /// seconds counted from this call (None: never). No thread waits for
    /// it; cancelling the task cancels the wait and loses no `set()`.
    #[pyo3(signature = (timeout=None))]
    fn wait_async(slf: &Bound<'_, Self>, timeout: Option<f64>) -> PyResult<Py<PyAny>> {
        let this = slf.get();
        single_async(
            slf.as_any(),
            Held::Event(this.slot.get(slf.py())?),
            &this.slot.name,
            timeout,
        )
    }

    /// Whether the event is set right now (a snapshot).
    fn is_set(&self, py: Python<'_>) -> PyResult<bool> {
        Ok(self.slot.get(py)?.is_set())
    }

    #[getter]
    fn manual_reset(&self, py: Python<'_>) -> PyResult<bool> {
        Ok(self.slot.get(py)?.is_manual_reset())
    }

    #[getter]
    fn name(&self) -> &str {
        &self.slot.name
    }

    /// Whether this call created the event (False: it opened one).
    #[getter]
    fn created(&self) -> bool {
        self.slot.created
    }

    #[getter]
    fn closed(&self) -> bool {
        self.slot.is_closed()
    }

    /// Closes this handle; the name ends with the last handle.
    fn close(&self, py: Python<'_>) {
        self.slot.close(py)
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*_args))]
    fn __exit__(&self, py: Python<'_>, _args: &Bound<'_, PyTuple>) -> bool {
        self.close(py);
        false
    }

    fn __reduce__(&self, py: Python<'_>) -> PyResult<(Py<PyAny>, (&'static str, String))> {
        reduce(py, "event", &self.slot.name)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Event({})",
            pyo3::types::PyString::new(py, &self.slot.name).repr()?
        ))
    }
}

/// A named mutex (`CreateMutex`): owned by a thread, recursive, released
/// by the owning thread only. If its owner dies holding it, the next
/// acquire owns it and raises `AbandonedMutexError`.
#[pyclass(module = "named_shm", name = "Mutex", frozen)]
pub(crate) struct PyMutex {
    slot: Slot<Mutex>,
}

#[pymethods]
impl PyMutex {
    #[new]
    #[pyo3(signature = (name, *, initial_owner=false, create=false, open=false, mode=0o600))]
    fn new(
        py: Python<'_>,
        name: &str,
        initial_owner: bool,
        create: bool,
        open: bool,
        mode: i64,
    ) -> PyResult<Self> {
        let (create, open) = disposition(py, create, open)?;
        let mut o = MutexOptions::new();
        o.mode(mode_arg(py, mode)?).initial_owner(initial_owner);
        // Without the GIL, on this same thread: a mutex created with
        // initial_owner is owned by the calling thread.
        let m = py
            .detach(|| {
                if create {
                    o.create(name)
                } else if open {
                    o.open(name)
                } else {
                    o.open_or_create(name)
                }
            })
            .py_err(py)?;
        let created = m.created();
        Ok(PyMutex {
            slot: Slot::new(m, name.to_owned(), created),
        })
    }

    /// Acquires the mutex, waiting at most `timeout` seconds (None:
    /// forever). True when acquired, False on timeout. Raises
    /// AbandonedMutexError, with the mutex acquired, if its previous owner
    /// died holding it.
    #[pyo3(signature = (timeout=None))]
    fn acquire(slf: &Bound<'_, Self>, timeout: Option<f64>) -> PyResult<bool> {
        let py = slf.py();
        let this = slf.get();
        let m = this.slot.get(py)?;
        match sliced(
            py,
            timeout,
            |s| *s == WaitStatus::TimedOut,
            |t| m.acquire(Some(t)),
        )? {
            WaitStatus::Signaled => Ok(true),
            WaitStatus::TimedOut => Ok(false),
            WaitStatus::Abandoned => Err(abandoned(py, slf.as_any(), &this.slot.name, None)),
        }
    }

    /// Releases one acquisition by this thread (PermissionError, winerror
    /// 288, if this thread does not own it).
    fn release(&self, py: Python<'_>) -> PyResult<()> {
        self.slot.get(py)?.release().py_err(py)
    }

    #[getter]
    fn name(&self) -> &str {
        &self.slot.name
    }

    #[getter]
    fn created(&self) -> bool {
        self.slot.created
    }

    #[getter]
    fn closed(&self) -> bool {
        self.slot.is_closed()
    }

    /// Closes this handle (an owned mutex stays owned, as with CloseHandle).
    fn close(&self, py: Python<'_>) {
        self.slot.close(py)
    }

    fn __enter__(slf: &Bound<'_, Self>) -> PyResult<Py<Self>> {
        Self::acquire(slf, None)?;
        Ok(slf.clone().unbind())
    }

    #[pyo3(signature = (*_args))]
    fn __exit__(&self, py: Python<'_>, _args: &Bound<'_, PyTuple>) -> PyResult<bool> {
        self.release(py)?;
        Ok(false)
    }

    fn __reduce__(&self, py: Python<'_>) -> PyResult<(Py<PyAny>, (&'static str, String))> {
        reduce(py, "mutex", &self.slot.name)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Mutex({})",
            pyo3::types::PyString::new(py, &self.slot.name).repr()?
        ))
    }
}

/// A named semaphore (`CreateSemaphore`): a count between 0 and maximum.
#[pyclass(module = "named_shm", name = "Semaphore", frozen)]
pub(crate) struct PySemaphore {
    slot: Slot<Semaphore>,
}

#[pymethods]
impl PySemaphore {
    #[new]
    #[pyo3(signature = (name, initial=0, maximum=2147483647, *, create=false, open=false, mode=0o600))]
    fn new(
        py: Python<'_>,
        name: &str,
        initial: i64,
        maximum: i64,
        create: bool,
        open: bool,
        mode: i64,
    ) -> PyResult<Self> {
        let (create, open) = disposition(py, create, open)?;
        let bad =
            |what: &str, v: i64| value_error(py, format!("semaphore `{name}`: {what} {v} is out of range"));
        let initial = i32::try_from(initial).map_err(|_| bad("initial count", initial))?;
        let maximum = i32::try_from(maximum).map_err(|_| bad("maximum count", maximum))?;
        let mut o = SemaphoreOptions::new();
        o.mode(mode_arg(py, mode)?).initial(initial).maximum(maximum);
        let s = py
            .detach(|| {
                if create {
                    o.create(name)
                } else if open {
                    o.open(name)
                } else {
                    o.open_or_create(name)
                }
            })
            .py_err(py)?;
        let created = s.created();
        Ok(PySemaphore {
            slot: Slot::new(s, name.to_owned(), created),
        })
    }

    /// Takes one count, waiting at most `timeout` seconds (None: forever).
    /// True if taken, False on timeout.
    #[pyo3(signature = (timeout=None))]
    fn acquire(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<bool> {
        let s = self.slot.get(py)?;
        let st = sliced(py, timeout, |s| *s == WaitStatus::TimedOut, |t| s.wait(Some(t)))?;
        Ok(st != WaitStatus::TimedOut)
    }

    /// `acquire()` for asyncio: a coroutine that completes with True once a
    /// count is taken, or False after `timeout` seconds counted from this
    /// call (None: never). No thread waits for it; cancelling the task
    /// cancels the wait and takes no count.
    #[pyo3(signature = (timeout=None))]
    fn acquire_async(slf: &Bound<'_, Self>, timeout: Option<f64>) -> PyResult<Py<PyAny>> {
        let this = slf.get();
        single_async(
            slf.as_any(),
            Held::Semaphore(this.slot.get(slf.py())?),
            &this.slot.name,
            timeout,
        )
    }

    /// Adds `count` (`ReleaseSemaphore`) and returns the previous count.
    /// ValueError (winerror 298) if that would pass the maximum; nothing
    /// is added then.
    #[pyo3(signature = (count=1))]
    fn release(&self, py: Python<'_>, count: i64) -> PyResult<i32> {
        let c = i32::try_from(count)
            .map_err(|_| value_error(py, format!("release count {count} is out of range")))?;
        self.slot.get(py)?.release(c).py_err(py)
    }

    /// The count right now (a snapshot).
    #[getter]
    fn count(&self, py: Python<'_>) -> PyResult<i32> {
        Ok(self.slot.get(py)?.count())
    }

    #[getter]
    fn maximum(&self, py: Python<'_>) -> PyResult<i32> {
        Ok(self.slot.get(py)?.maximum())
    }

    #[getter]
    fn name(&self) -> &str {
        &self.slot.name
    }

    #[getter]
    fn created(&self) -> bool {
        self.slot.created
    }

    #[getter]
    fn closed(&self) -> bool {
        self.slot.is_closed()
    }

    fn close(&self, py: Python<'_>) {
        self.slot.close(py)
    }

    fn __enter__(slf: &Bound<'_, Self>) -> PyResult<Py<Self>> {
        slf.get().acquire(slf.py(), None)?;
        Ok(slf.clone().unbind())
    }

    #[pyo3(signature = (*_args))]
    fn __exit__(&self, py: Python<'_>, _args: &Bound<'_, PyTuple>) -> PyResult<bool> {
        self.release(py, 1)?;
        Ok(false)
    }

    fn __reduce__(&self, py: Python<'_>) -> PyResult<(Py<PyAny>, (&'static str, String))> {
        reduce(py, "semaphore", &self.slot.name)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Semaphore({})",
            pyo3::types::PyString::new(py, &self.slot.name).repr()?
        ))
    }
}

/// The asyncio wait of one object (`obj`, the Python object, for errors).
fn single_async(obj: &Bound<'_, PyAny>, held: Held, name: &str, timeout: Option<f64>) -> PyResult<Py<PyAny>> {
    let py = obj.py();
    let items = vec![obj.clone().unbind()];
    crate::aio::PendingWait::start(
        py,
        vec![held],
        items,
        vec![name.to_owned()],
        false,
        timeout,
        crate::aio::Shape::Bool,
    )?
    .into_coroutine(py)
}

/// One object of a multi-wait, held for the wait's duration.
pub(crate) enum Held {
    Event(Arc<Event>),
    Mutex(Arc<Mutex>),
    Semaphore(Arc<Semaphore>),
}

impl Held {
    pub(crate) fn as_wait(&self) -> WaitObject<'_> {
        match self {
            Held::Event(e) => WaitObject::Event(e),
            Held::Mutex(m) => WaitObject::Mutex(m),
            Held::Semaphore(s) => WaitObject::Semaphore(s),
        }
    }
}

/// The objects of a multi-wait: their handles, the Python objects and names.
type Collected<'py> = (Vec<Held>, Vec<Bound<'py, PyAny>>, Vec<String>);

fn collect<'py>(py: Python<'py>, objects: &Bound<'py, PyAny>, what: &str) -> PyResult<Collected<'py>> {
    let mut items = Vec::new();
    let mut held = Vec::new();
    let mut names = Vec::new();
    for o in objects.try_iter()? {
        let o = o?;
        let (h, name) = if let Ok(e) = o.cast::<PyEvent>() {
            (Held::Event(e.get().slot.get(py)?), e.get().slot.name.clone())
        } else if let Ok(m) = o.cast::<PyMutex>() {
            (Held::Mutex(m.get().slot.get(py)?), m.get().slot.name.clone())
        } else if let Ok(s) = o.cast::<PySemaphore>() {
            (Held::Semaphore(s.get().slot.get(py)?), s.get().slot.name.clone())
        } else {
            return Err(pyo3::exceptions::PyTypeError::new_err(format!(
                "{what} take Event, Mutex and Semaphore objects, not {}",
                o.get_type().name()?
            )));
        };
        held.push(h);
        names.push(name);
        items.push(o);
    }
    Ok((held, items, names))
}

fn wait_multiple(
    py: Python<'_>,
    objects: &Bound<'_, PyAny>,
    wait_all: bool,
    timeout: Option<f64>,
) -> PyResult<MultiWaitStatus> {
    let (held, items, names) = collect(py, objects, "wait_any/wait_all")?;
    let st = sliced(
        py,
        timeout,
        |s| *s == MultiWaitStatus::TimedOut,
        |t| {
            let objs: Vec<WaitObject<'_>> = held.iter().map(Held::as_wait).collect();
            wait_for_multiple(&objs, wait_all, Some(t))
        },
    )?;
    if let MultiWaitStatus::Abandoned(i) = st {
        return Err(abandoned(py, &items[i], &names[i], Some(i)));
    }
    Ok(st)
}

/// Waits until any one of the objects is signalled (taking it: an
/// auto-reset event is reset, a mutex acquired, a semaphore decremented),
/// at most `timeout` seconds. Returns the lowest signalled index, or None
/// on timeout.
#[pyfunction]
#[pyo3(signature = (objects, timeout=None))]
pub(crate) fn wait_any(
    py: Python<'_>,
    objects: &Bound<'_, PyAny>,
    timeout: Option<f64>,
) -> PyResult<Option<usize>> {
    Ok(match wait_multiple(py, objects, false, timeout)? {
        MultiWaitStatus::Signaled(i) | MultiWaitStatus::Abandoned(i) => Some(i),
        _ => None,
    })
}

/// Waits until all the objects are signalled and takes them all, at most
/// `timeout` seconds. True when taken, False on timeout (nothing taken).
#[pyfunction]
#[pyo3(signature = (objects, timeout=None))]
pub(crate) fn wait_all(py: Python<'_>, objects: &Bound<'_, PyAny>, timeout: Option<f64>) -> PyResult<bool> {
    Ok(!matches!(
        wait_multiple(py, objects, true, timeout)?,
        MultiWaitStatus::TimedOut
    ))
}

fn wait_multiple_async(
    py: Python<'_>,
    objects: &Bound<'_, PyAny>,
    wait_all: bool,
    timeout: Option<f64>,
    shape: crate::aio::Shape,
) -> PyResult<Py<PyAny>> {
    let (held, items, names) = collect(py, objects, "wait_any_async/wait_all_async")?;
    let items = items.into_iter().map(Bound::unbind).collect();
    crate::aio::PendingWait::start(py, held, items, names, wait_all, timeout, shape)?.into_coroutine(py)
}

/// `wait_any()` for asyncio: a coroutine that completes with the lowest
/// signalled index (taking that object), or None after `timeout` seconds
/// counted from this call. Events and semaphores (a mutex is refused: an
/// asyncio task is no thread that could own it). No thread waits for it;
/// cancelling the task cancels the wait and takes nothing.
#[pyfunction]
#[pyo3(signature = (objects, timeout=None))]
pub(crate) fn wait_any_async(
    py: Python<'_>,
    objects: &Bound<'_, PyAny>,
    timeout: Option<f64>,
) -> PyResult<Py<PyAny>> {
    wait_multiple_async(py, objects, false, timeout, crate::aio::Shape::Index)
}

/// `wait_all()` for asyncio: a coroutine that completes with True once all
/// the objects are signalled (taking them all at once), or False after
/// `timeout` seconds (nothing taken). Events and semaphores only.
#[pyfunction]
#[pyo3(signature = (objects, timeout=None))]
pub(crate) fn wait_all_async(
    py: Python<'_>,
    objects: &Bound<'_, PyAny>,
    timeout: Option<f64>,
) -> PyResult<Py<PyAny>> {
    wait_multiple_async(py, objects, true, timeout, crate::aio::Shape::Bool)
}

/// `pickle`'s way back for events, mutexes and semaphores: opens `name`.
#[pyfunction]
pub(crate) fn _open_sync(py: Python<'_>, kind: &str, name: &str) -> PyResult<Py<PyAny>> {
    Ok(match kind {
        "event" => {
            let e = py.detach(|| Event::open(name)).py_err(py)?;
            let created = e.created();
            Py::new(
                py,
                PyEvent {
                    slot: Slot::new(e, name.to_owned(), created),
                },
            )?
            .into_any()
        }
        "mutex" => {
            let m = Mutex::open(name).py_err(py)?;
            let created = m.created();
            Py::new(
                py,
                PyMutex {
                    slot: Slot::new(m, name.to_owned(), created),
                },
            )?
            .into_any()
        }
        "semaphore" => {
            let s = py.detach(|| Semaphore::open(name)).py_err(py)?;
            let created = s.created();
            Py::new(
                py,
                PySemaphore {
                    slot: Slot::new(s, name.to_owned(), created),
                },
            )?
            .into_any()
        }
        other => return Err(value_error(py, format!("unknown object kind {other:?}"))),
    })
}
