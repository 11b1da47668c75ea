//! `named_shm.SharedMemory`: the constructor, attributes and methods of
//! `multiprocessing.shared_memory.SharedMemory`, with Windows' lifetime.

use crate::buffer;
use crate::error::{value_error, IntoPy};
use crate::handles::Handle;
use named_shm::{Access, ShmOptions, ViewAccess};
use pyo3::exceptions::PyBufferError;
use pyo3::prelude::*;
use pyo3::types::{PyMemoryView, PyTuple};
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

/// Named shared memory with Windows' lifetime: the name lives while any
/// process has it open and ends with the last close (or exit).
#[pyclass(module = "named_shm", name = "SharedMemory")]
pub(crate) struct PySharedMemory {
    /// The handle (closed by close() or at exit).
    shm: Handle<named_shm::SharedMemory>,
    /// The buffer object owning the view (see `buffer.rs`); `None` once closed.
    mapping: Option<Py<PyAny>>,
    /// The memoryview `buf` returns (released by close, kept for `buf`).
    buf: Py<PyAny>,
    name: String,
    size: usize,
    readonly: bool,
    created: bool,
}

pub(crate) fn parse_access(py: Python<'_>, access: &str) -> PyResult<Access> {
    match access {
        "rw" | "w" | "r+" => Ok(Access::ReadWrite),
        "r" => Ok(Access::Read),
        other => Err(value_error(
            py,
            format!("access must be \"r\" or \"rw\", not {other:?}"),
        )),
    }
}

fn access_str(readonly: bool) -> &'static str {
    if readonly {
        "r"
    } else {
        "rw"
    }
}

/// A fresh name in multiprocessing's style (`psm_` and 8 hex digits).
fn fresh_name() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    // RandomState is seeded from the operating system's randomness.
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.write_u32(std::process::id());
    format!("psm_{:08x}", h.finish() as u32)
}

enum How {
    Create,
    Open,
    OpenOrCreate,
}

impl PySharedMemory {
    fn acquire(
        py: Python<'_>,
        name: &str,
        how: How,
        size: usize,
        access: Access,
        mode: u32,
    ) -> PyResult<PySharedMemory> {
        let mut opts = ShmOptions::new();
        opts.access(access).mode(mode);
        let shm = py
            .detach(|| match how {
                How::Create => opts.create(name, size as u64),
                How::Open => opts.open(name),
                How::OpenOrCreate => opts.open_or_create(name, size as u64),
            })
            .py_err(py)?;
        // What this handle sees: the size asked for when it created the
        // object (as multiprocessing on Linux), else the object's whole size
        // (whole pages, as multiprocessing on Windows).
        let len = if shm.created() {
            size
        } else {
            usize::try_from(shm.size()).unwrap_or(usize::MAX)
        };
        let readonly = access == Access::Read;
        let view_access = if readonly {
            ViewAccess::Read
        } else {
            ViewAccess::ReadWrite
        };
        let view = shm.map_with(view_access, 0, len).py_err(py)?;
        let mapping = buffer::new_mapping(py, view, len)?;
        let buf = PyMemoryView::from(mapping.bind(py))?.into_any().unbind();
        Ok(PySharedMemory {
            name: shm.name().as_str().to_owned(),
            created: shm.created(),
            shm: Handle::new(shm),
            mapping: Some(mapping),
            buf,
            size: len,
            readonly,
        })
    }
}

fn check_size(py: Python<'_>, size: i64) -> PyResult<usize> {
    if size <= 0 {
        return Err(value_error(
            py,
            "'size' must be a positive number different from zero",
        ));
    }
    usize::try_from(size).map_err(|_| value_error(py, format!("'size' {size} is too large")))
}

fn check_mode(py: Python<'_>, mode: i64) -> PyResult<u32> {
    u32::try_from(mode)
        .ok()
        .filter(|m| *m <= 0o7777)
        .ok_or_else(|| value_error(py, format!("mode {mode:#o} is not a permission mode")))
}

#[pymethods]
impl PySharedMemory {
    /// SharedMemory(name=None, create=False, size=0, *, access="rw", mode=0o600, track=True)
    #[new]
    #[pyo3(signature = (name=None, create=false, size=0, *, access="rw", mode=0o600, track=true))]
    fn new(
        py: Python<'_>,
        name: Option<&str>,
        create: bool,
        size: i64,
        access: &str,
        mode: i64,
        track: bool,
    ) -> PyResult<Self> {
        let _ = track; // accepted for multiprocessing's signature; there is no tracker
        let access = parse_access(py, access)?;
        let mode = check_mode(py, mode)?;
        if size < 0 {
            return Err(value_error(py, "'size' must be a positive integer"));
        }
        if !create {
            let Some(name) = name else {
                return Err(value_error(py, "'name' can only be None if create=True"));
            };
            return Self::acquire(py, name, How::Open, 0, access, mode);
        }
        let size = check_size(py, size)?;
        match name {
            Some(name) => Self::acquire(py, name, How::Create, size, access, mode),
            None => loop {
                match Self::acquire(py, &fresh_name(), How::Create, size, access, mode) {
                    Err(e) if e.is_instance_of::<pyo3::exceptions::PyFileExistsError>(py) => continue,
                    r => break r,
                }
            },
        }
    }

    /// Opens the object, or creates it with `size` bytes if the name is
    /// free (`CreateFileMapping`); `.created` tells which happened.
    #[staticmethod]
    #[pyo3(signature = (name, size, *, access="rw", mode=0o600))]
    fn open_or_create(py: Python<'_>, name: &str, size: i64, access: &str, mode: i64) -> PyResult<Self> {
        let access = parse_access(py, access)?;
        let mode = check_mode(py, mode)?;
        let size = check_size(py, size)?;
        Self::acquire(py, name, How::OpenOrCreate, size, access, mode)
    }

    /// The name, as given (without a namespace prefix unless one was given).
    #[getter]
    fn name(&self) -> &str {
        &self.name
    }

    /// The bytes this handle maps: the size asked for by the creator, or
    /// the object's whole size (whole pages) when opened.
    #[getter]
    fn size(&self) -> usize {
        self.size
    }

    /// A memoryview of the bytes (read-only for access="r").
    #[getter]
    fn buf(&self, py: Python<'_>) -> Py<PyAny> {
        self.buf.clone_ref(py)
    }

    /// Whether this call created the object (False: it opened one).
    #[getter]
    fn created(&self) -> bool {
        self.created
    }

    /// "r" or "rw".
    #[getter]
    fn access(&self) -> &'static str {
        access_str(self.readonly)
    }

    /// Whether close() has been called.
    #[getter]
    fn closed(&self) -> bool {
        self.mapping.is_none()
    }

    /// Closes this handle: unmaps the bytes and drops the handle; the name
    /// ends when the last handle in every process is closed. Raises
    /// BufferError, leaving everything open, while a memoryview of `buf`
    /// (a slice, a numpy array, ...) is still alive. Closing twice is fine.
    fn close(&mut self, py: Python<'_>) -> PyResult<()> {
        let Some(mapping) = self.mapping.as_ref() else {
            return Ok(());
        };
        // Our own memoryview first: it refuses (BufferError) while it has
        // exports of its own.
        self.buf.bind(py).call_method0("release")?;
        if let Err(n) = buffer::unmap(mapping.bind(py)) {
            // Slices and copies made from `buf` still hold the bytes: keep
            // everything open, with a fresh `buf`.
            self.buf = PyMemoryView::from(mapping.bind(py))?.into_any().unbind();
            return Err(PyBufferError::new_err(format!(
                "cannot close shared memory `{}`: {n} memoryview{} of its buf still exist{}; release \
                 them (del, or memoryview.release()) first",
                self.name,
                if n == 1 { "" } else { "s" },
                if n == 1 { "s" } else { "" },
            )));
        }
        self.mapping = None;
        let shm = self.shm.take();
        py.detach(move || drop(shm));
        Ok(())
    }

    /// Does nothing, as multiprocessing's unlink() on Windows: a name here
    /// lives while any process has it open and ends with the last close()
    /// (or exit); there is no way to remove it while it is open, and no
    /// need to remove it afterwards.
    fn unlink(&self) {}

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*_args))]
    fn __exit__(&mut self, py: Python<'_>, _args: &Bound<'_, PyTuple>) -> PyResult<bool> {
        self.close(py)?;
        Ok(false)
    }

    /// Pickled by name: unpickling opens the object (it must still be
    /// open somewhere), with the same access.
    fn __reduce__(&self, py: Python<'_>) -> PyResult<(Py<PyAny>, (String, &'static str))> {
        let reopen = py.import("named_shm")?.getattr("_open_shared_memory")?.unbind();
        Ok((reopen, (self.name.clone(), access_str(self.readonly))))
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let name = pyo3::types::PyString::new(py, &self.name).repr()?;
        Ok(format!("SharedMemory({name}, size={})", self.size))
    }

    /// Exported buffers right now (for tests and diagnostics).
    #[getter]
    fn _exports(&self, py: Python<'_>) -> isize {
        self.mapping.as_ref().map_or(0, |m| buffer::exports(m.bind(py)))
    }
}

impl Drop for PySharedMemory {
    fn drop(&mut self) {
        // Dropping without close(): the handle goes now; the mapping stays
        // with its buffer object while a memoryview still uses it.
        drop(self.shm.take());
    }
}

/// `pickle`'s way back: opens `name` with `access`.
#[pyfunction]
pub(crate) fn _open_shared_memory(py: Python<'_>, name: &str, access: &str) -> PyResult<PySharedMemory> {
    let access = parse_access(py, access)?;
    PySharedMemory::acquire(py, name, How::Open, 0, access, 0o600)
}
