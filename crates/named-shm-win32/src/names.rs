//! Object names from C strings.

use crate::consts::{ERROR_FILENAME_EXCED_RANGE, ERROR_INVALID_NAME, MAX_PATH};
use std::ffi::{c_char, CStr};

/// Length of a NUL-terminated UTF-16 string, in code units.
///
/// # Safety
/// `p` is non-null and points to a NUL-terminated array of `u16`.
pub(crate) unsafe fn wide_len(p: *const u16) -> usize {
    let mut n = 0;
    // SAFETY: the caller guarantees a terminator, so every index read is inside the string.
    while unsafe { *p.add(n) } != 0 {
        n += 1;
    }
    n
}

/// The name behind an `A` argument: `Ok(None)` for NULL. Names are taken as
/// UTF-8 (the code page of a Linux program); the A functions convert into a
/// `MAX_PATH` buffer on Windows, so longer names fail with 206.
///
/// # Safety
/// `p` is NULL or a NUL-terminated string.
pub(crate) unsafe fn from_a(p: *const c_char) -> Result<Option<String>, u32> {
    if p.is_null() {
        return Ok(None);
    }
    // SAFETY: non-null and NUL-terminated per the contract.
    let bytes = unsafe { CStr::from_ptr(p) }.to_bytes();
    let s = std::str::from_utf8(bytes).map_err(|_| ERROR_INVALID_NAME)?;
    if s.encode_utf16().count() >= MAX_PATH {
        return Err(ERROR_FILENAME_EXCED_RANGE);
    }
    Ok(Some(s.to_owned()))
}

/// The name behind a `W` argument (UTF-16): `Ok(None)` for NULL.
///
/// # Safety
/// `p` is NULL or a NUL-terminated UTF-16 string.
pub(crate) unsafe fn from_w(p: *const u16) -> Result<Option<String>, u32> {
    if p.is_null() {
        return Ok(None);
    }
    // SAFETY: non-null and NUL-terminated per the contract.
    let len = unsafe { wide_len(p) };
    // SAFETY: `len` units before the terminator are readable.
    let units = unsafe { std::slice::from_raw_parts(p, len) };
    String::from_utf16(units)
        .map(Some)
        .map_err(|_| ERROR_INVALID_NAME)
}
