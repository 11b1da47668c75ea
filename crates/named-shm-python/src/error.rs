//! `named_shm::Error` as the exceptions Python users already catch, each
//! with `.winerror` (the Win32 code, as CPython sets on Windows) and the
//! library's message, which names the object.

use named_shm::code::ERROR_INVALID_PARAMETER;
use named_shm::Error;
use pyo3::create_exception;
use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;

create_exception!(
    named_shm,
    AbandonedMutexError,
    PyOSError,
    "A mutex was acquired, but its previous owner died holding it (Windows' \
     WAIT_ABANDONED). The calling thread owns the mutex when this is raised: \
     check the data it guards, then release() it. Attributes: mutex, index \
     (for wait_any/wait_all), errno EOWNERDEAD, winerror 735."
);

/// `ERROR_ABANDONED_WAIT_0`, the Win32 code of an abandoned wait.
pub(crate) const ERROR_ABANDONED_WAIT_0: u32 = 735;

fn errno(py: Python<'_>, name: &str) -> i64 {
    py.import("errno")
        .and_then(|m| m.getattr(name))
        .and_then(|v| v.extract())
        .unwrap_or(5) // EIO where the platform lacks the name
}

/// Sets `winerror` on the exception's value.
pub(crate) fn with_winerror(py: Python<'_>, err: PyErr, code: u32) -> PyErr {
    // Setting an attribute on a fresh exception instance cannot fail
    // except for memory; then the exception goes without it.
    let _ = err.value(py).setattr("winerror", code);
    err
}

/// A `ValueError` for a bad argument, with `winerror` 87.
pub(crate) fn value_error(py: Python<'_>, msg: impl Into<String>) -> PyErr {
    with_winerror(py, PyValueError::new_err(msg.into()), ERROR_INVALID_PARAMETER)
}

/// The library's error as a Python exception.
pub(crate) fn to_py(py: Python<'_>, e: Error) -> PyErr {
    let code = e.win32_code();
    let mut msg = e.to_string();
    let mut src = std::error::Error::source(&e);
    while let Some(s) = src {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        src = s.source();
    }
    let err = match &e {
        Error::InvalidName { .. }
        | Error::InvalidSize { .. }
        | Error::InvalidArgument { .. }
        | Error::MisalignedOffset { .. }
        | Error::OutOfRange { .. }
        | Error::TooManyPosts { .. } => PyValueError::new_err(msg),
        other => {
            let errno = match other {
                Error::AlreadyExists { .. } => errno(py, "EEXIST"),
                Error::NotFound { .. } => errno(py, "ENOENT"),
                Error::PermissionDenied { .. }
                | Error::NameOccupied { .. }
                | Error::UnsafeNamespace { .. } => errno(py, "EACCES"),
                Error::NotOwner { .. } => errno(py, "EPERM"),
                Error::OutOfMemory { .. } => errno(py, "ENOMEM"),
                Error::OutOfHandles { .. } => errno(py, "EMFILE"),
                Error::Timeout { .. } => errno(py, "ETIMEDOUT"),
                Error::Unsupported { .. } => errno(py, "ENOTSUP"),
                Error::Io { source, .. } => source.raw_os_error().map_or_else(|| errno(py, "EIO"), i64::from),
                _ => errno(py, "EINVAL"),
            };
            // OSError(errno, msg) is built as the matching subclass
            // (FileNotFoundError, FileExistsError, PermissionError, ...).
            PyOSError::new_err((errno, msg))
        }
    };
    with_winerror(py, err, code)
}

/// Maps a library result into a Python one.
pub(crate) trait IntoPy<T> {
    fn py_err(self, py: Python<'_>) -> PyResult<T>;
}

impl<T> IntoPy<T> for named_shm::Result<T> {
    fn py_err(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| to_py(py, e))
    }
}

/// The exception for a mutex acquired abandoned: the caller owns it.
pub(crate) fn abandoned(py: Python<'_>, mutex: &Bound<'_, PyAny>, name: &str, index: Option<usize>) -> PyErr {
    let msg = format!(
        "mutex `{name}` was abandoned: its previous owner died holding it; this thread owns it now \
         (check the data it guards, then release it)"
    );
    let err = AbandonedMutexError::new_err((errno(py, "EOWNERDEAD"), msg));
    let v = err.value(py);
    let _ = v.setattr("mutex", mutex);
    let _ = v.setattr("index", index);
    with_winerror(py, err, ERROR_ABANDONED_WAIT_0)
}
