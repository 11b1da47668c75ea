//! The object behind `SharedMemory.buf`: it owns one mapped [`View`] and
//! exports it through Python's buffer protocol, counting the exports, so
//! that `close()` can refuse (`BufferError`, as `mmap.close()` does) while a
//! `memoryview` of the bytes is alive instead of unmapping under it.
//!
//! PyO3 offers `__getbuffer__` only for the stable ABI of Python 3.11 and
//! later, while this module is built for the stable ABI of 3.9. CPython has
//! accepted the `Py_bf_getbuffer` / `Py_bf_releasebuffer` slots in
//! `PyType_FromSpec` since 3.9 (bpo-40724), and `Py_buffer`'s layout, frozen
//! into the stable ABI by 3.11, is the one every CPython 3 uses; so this one
//! type is built by hand from a `PyType_Spec`, with `Py_buffer` declared
//! here exactly as CPython declares it.

use named_shm::View;
use pyo3::exceptions::{PyBufferError, PyTypeError};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;
use std::ffi::{c_char, c_int, c_void};
use std::ptr;

/// CPython's `Py_buffer` (`Include/pybuffer.h`), field for field.
#[repr(C)]
struct PyBuffer {
    buf: *mut c_void,
    obj: *mut ffi::PyObject,
    len: ffi::Py_ssize_t,
    itemsize: ffi::Py_ssize_t,
    readonly: c_int,
    ndim: c_int,
    format: *mut c_char,
    shape: *mut ffi::Py_ssize_t,
    strides: *mut ffi::Py_ssize_t,
    suboffsets: *mut ffi::Py_ssize_t,
    internal: *mut c_void,
}

// The request flags of `PyObject_GetBuffer` that matter for one flat
// array of bytes (values of `Include/pybuffer.h`).
const PYBUF_WRITABLE: c_int = 0x0001;
const PYBUF_FORMAT: c_int = 0x0004;
const PYBUF_ND: c_int = 0x0008;
const PYBUF_STRIDES: c_int = 0x0010 | PYBUF_ND;

/// What one buffer object owns. Only touched with the GIL held (every
/// function below runs under it), so plain fields suffice.
struct Mapping {
    /// The mapped view; `None` once unmapped by `close()`.
    view: Option<View>,
    /// The exported length (the size asked for at creation, or the object's).
    len: usize,
    readonly: bool,
    /// Buffers handed out and not yet released.
    exports: isize,
}

/// The Python object: a header and a pointer to its [`Mapping`] (null only
/// for an object that failed half-way through construction).
#[repr(C)]
struct MappingObject {
    ob_base: ffi::PyObject,
    mapping: *mut Mapping,
}

static TYPE: PyOnceLock<Py<PyType>> = PyOnceLock::new();

static FORMAT_B: &[u8; 2] = b"B\0";

fn mapping_type(py: Python<'_>) -> PyResult<&Py<PyType>> {
    TYPE.get_or_try_init(py, || {
        let mut slots = [
            ffi::PyType_Slot {
                slot: ffi::Py_tp_dealloc,
                pfunc: dealloc as *mut c_void,
            },
            ffi::PyType_Slot {
                slot: ffi::Py_tp_new,
                pfunc: new_refused as *mut c_void,
            },
            ffi::PyType_Slot {
                slot: ffi::Py_bf_getbuffer,
                pfunc: getbuffer as *mut c_void,
            },
            ffi::PyType_Slot {
                slot: ffi::Py_bf_releasebuffer,
                pfunc: releasebuffer as *mut c_void,
            },
            ffi::PyType_Slot {
                slot: 0,
                pfunc: ptr::null_mut(),
            },
        ];
        let mut spec = ffi::PyType_Spec {
            name: c"named_shm.SharedMemoryBuffer".as_ptr(),
            basicsize: std::mem::size_of::<MappingObject>() as c_int,
            itemsize: 0,
            flags: ffi::Py_TPFLAGS_DEFAULT as _,
            slots: slots.as_mut_ptr(),
        };
        // SAFETY: the spec and its slots are complete and outlive the call
        // (CPython copies what it keeps); every function has the signature
        // of its slot.
        let tp = unsafe { ffi::PyType_FromSpec(&mut spec) };
        // SAFETY: a new reference or null with the error set.
        let tp = unsafe { Bound::from_owned_ptr_or_err(py, tp)? };
        Ok(tp.cast_into::<PyType>()?.unbind())
    })
}

/// A new buffer object owning `view`, exporting its first `len` bytes.
pub(crate) fn new_mapping(py: Python<'_>, view: View, len: usize) -> PyResult<Py<PyAny>> {
    debug_assert!(len <= view.len());
    let readonly = view.as_mut_ptr().is_none();
    let tp = mapping_type(py)?.bind(py);
    let tp_ptr = tp.as_type_ptr();
    // SAFETY: `tp` is a heap type made by PyType_FromSpec, so
    // PyType_GetSlot may be asked for its allocator, which it inherits from
    // `object` (PyType_GenericAlloc: zeroed memory, a new reference to the
    // type, or null with MemoryError set).
    let obj = unsafe {
        let alloc: ffi::allocfunc = std::mem::transmute(ffi::PyType_GetSlot(tp_ptr, ffi::Py_tp_alloc));
        alloc(tp_ptr, 0)
    };
    // SAFETY: a new reference or null with the error set.
    let obj = unsafe { Bound::from_owned_ptr_or_err(py, obj)? };
    let mapping = Box::new(Mapping {
        view: Some(view),
        len,
        readonly,
        exports: 0,
    });
    // SAFETY: `obj` is a fresh, zeroed instance of our type, whose layout is
    // `MappingObject` (basicsize above); nothing else has seen it yet.
    unsafe { (*obj.as_ptr().cast::<MappingObject>()).mapping = Box::into_raw(mapping) };
    Ok(obj.unbind())
}

/// Runs `f` on the mapping of `obj`, if `obj` is one of our buffer objects.
fn with_mapping<R>(obj: &Bound<'_, PyAny>, f: impl FnOnce(&mut Mapping) -> R) -> Option<R> {
    let tp = TYPE.get(obj.py())?;
    // SAFETY: both are valid object pointers (GIL held); Py_TYPE reads the
    // header, which every object has.
    if unsafe { ffi::Py_TYPE(obj.as_ptr()) } != tp.as_ptr().cast() {
        return None;
    }
    // SAFETY: the object is of our type, so its layout is `MappingObject`;
    // the mapping pointer is null or owned by it. It is only used with the
    // GIL held, which `obj` proves, and `f` does not call into Python, so
    // no other reference to the mapping exists while `f` runs.
    let m = unsafe { (*obj.as_ptr().cast::<MappingObject>()).mapping.as_mut() }?;
    Some(f(m))
}

/// How many buffers of `obj` are exported right now.
pub(crate) fn exports(obj: &Bound<'_, PyAny>) -> isize {
    with_mapping(obj, |m| m.exports).unwrap_or(0)
}

/// Unmaps the view unless a buffer is exported; `Err(exports)` then.
pub(crate) fn unmap(obj: &Bound<'_, PyAny>) -> Result<(), isize> {
    with_mapping(obj, |m| {
        if m.exports > 0 {
            Err(m.exports)
        } else {
            m.view = None;
            Ok(())
        }
    })
    .unwrap_or(Ok(()))
}

unsafe extern "C" fn new_refused(
    _tp: *mut ffi::PyTypeObject,
    _args: *mut ffi::PyObject,
    _kwargs: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    // SAFETY: called by CPython with the GIL held.
    let py = unsafe { Python::assume_attached() };
    PyTypeError::new_err("SharedMemoryBuffer objects are made by SharedMemory, not directly").restore(py);
    ptr::null_mut()
}

/// `bf_getbuffer`: one flat, C-contiguous array of unsigned bytes.
unsafe extern "C" fn getbuffer(obj: *mut ffi::PyObject, view: *mut PyBuffer, flags: c_int) -> c_int {
    // SAFETY: called by CPython with the GIL held.
    let py = unsafe { Python::assume_attached() };
    // SAFETY: `obj` is a live instance of our type (this slot is only
    // installed on it); its mapping pointer is null or owned by it.
    let mapping = unsafe { (*obj.cast::<MappingObject>()).mapping.as_mut() };
    let fail = |e: PyErr| {
        e.restore(py);
        -1
    };
    if view.is_null() {
        return fail(PyBufferError::new_err("getbuffer called without a Py_buffer"));
    }
    let Some(m) = mapping else {
        return fail(PyBufferError::new_err(
            "the shared memory buffer was never mapped",
        ));
    };
    let Some(v) = m.view.as_ref() else {
        return fail(PyBufferError::new_err("the shared memory is closed"));
    };
    if flags & PYBUF_WRITABLE != 0 && m.readonly {
        return fail(PyBufferError::new_err(
            "the shared memory was opened read-only (access=\"r\"): its buffer is not writable",
        ));
    }
    let len = m.len as ffi::Py_ssize_t;
    // SAFETY: `view` is the caller's writable Py_buffer. The pointer handed
    // out is the start of the mapped view, valid for `len` bytes (len <=
    // the view's length) for as long as the view stays mapped, and it does:
    // every export holds a reference to `obj` (view.obj), `close()` refuses
    // to unmap while `exports > 0`, and the object (so the view) is not
    // deallocated before the last reference goes. Handing Python a raw
    // pointer to bytes that other processes may change at any time is the
    // buffer protocol's contract, as for `mmap`: Python code reads and
    // writes them through memoryview, bytes by bytes, never as a Rust
    // reference. `shape` and `strides` point into this Py_buffer, as
    // CPython's PyBuffer_FillInfo does.
    unsafe {
        let b = &mut *view;
        b.buf = v.as_ptr() as *mut c_void;
        b.obj = obj;
        ffi::Py_INCREF(obj);
        b.len = len;
        b.itemsize = 1;
        b.readonly = c_int::from(m.readonly);
        b.ndim = 1;
        b.format = if flags & PYBUF_FORMAT != 0 {
            FORMAT_B.as_ptr() as *mut c_char
        } else {
            ptr::null_mut()
        };
        b.shape = if flags & PYBUF_ND == PYBUF_ND {
            &mut b.len
        } else {
            ptr::null_mut()
        };
        b.strides = if flags & PYBUF_STRIDES == PYBUF_STRIDES {
            &mut b.itemsize
        } else {
            ptr::null_mut()
        };
        b.suboffsets = ptr::null_mut();
        b.internal = ptr::null_mut();
    }
    m.exports += 1;
    0
}

/// `bf_releasebuffer`: one export fewer (CPython drops `view.obj` itself).
unsafe extern "C" fn releasebuffer(obj: *mut ffi::PyObject, _view: *mut PyBuffer) {
    // SAFETY: `obj` is a live instance of our type, GIL held.
    if let Some(m) = unsafe { (*obj.cast::<MappingObject>()).mapping.as_mut() } {
        m.exports -= 1;
    }
}

unsafe extern "C" fn dealloc(obj: *mut ffi::PyObject) {
    // SAFETY: CPython calls this once, with the GIL held, when the last
    // reference goes (so no export is left). The mapping was made by
    // Box::into_raw and is freed once (dropping it unmaps the view); then
    // the memory goes back through the type's tp_free, and the reference
    // to the heap type that tp_alloc took is dropped.
    unsafe {
        let m = (*obj.cast::<MappingObject>()).mapping;
        if !m.is_null() {
            drop(Box::from_raw(m));
        }
        let tp = ffi::Py_TYPE(obj);
        let free: ffi::freefunc = std::mem::transmute(ffi::PyType_GetSlot(tp, ffi::Py_tp_free));
        free(obj.cast());
        ffi::Py_DECREF(tp.cast());
    }
}
