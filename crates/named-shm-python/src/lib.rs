//! The `named_shm` Python module (`named_shm._named_shm`, re-exported by
//! the package's `__init__.py`): Windows-semantics named shared memory,
//! events, mutexes and semaphores for Python, over the `named-shm` crate.
//! Built with maturin for the stable ABI of CPython 3.9 and later; see
//! `docs/python.md`.

#![deny(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]

mod aio;
mod buffer;
mod error;
mod handles;
mod shm;
mod sync;

use pyo3::prelude::*;

#[pymodule]
fn _named_shm(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add_class::<shm::PySharedMemory>()?;
    m.add_class::<sync::PyEvent>()?;
    m.add_class::<sync::PyMutex>()?;
    m.add_class::<sync::PySemaphore>()?;
    m.add_function(wrap_pyfunction!(sync::wait_any, m)?)?;
    m.add_function(wrap_pyfunction!(sync::wait_all, m)?)?;
    m.add_function(wrap_pyfunction!(sync::wait_any_async, m)?)?;
    m.add_function(wrap_pyfunction!(sync::wait_all_async, m)?)?;
    m.add_class::<aio::PendingWait>()?;
    m.add_function(wrap_pyfunction!(shm::_open_shared_memory, m)?)?;
    m.add_function(wrap_pyfunction!(sync::_open_sync, m)?)?;
    m.add_function(wrap_pyfunction!(_close_all, m)?)?;
    m.add("AbandonedMutexError", py.get_type::<error::AbandonedMutexError>())?;
    m.add("PAGE_SIZE", named_shm::PAGE_SIZE)?;
    m.add("MAX_NAME_LEN", named_shm::MAX_NAME_LEN)?;
    m.add("MAXIMUM_WAIT_OBJECTS", named_shm::MAXIMUM_WAIT_OBJECTS)?;
    Ok(())
}

/// Closes every handle of this process still open; the package registers
/// it with `atexit` (see `handles.rs`).
#[pyfunction]
fn _close_all(py: Python<'_>) {
    py.detach(handles::close_all);
}
