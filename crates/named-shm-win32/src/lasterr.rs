//! The calling thread's last-error code (`GetLastError`/`SetLastError`).

use std::cell::Cell;

thread_local! {
    static LAST_ERROR: Cell<u32> = const { Cell::new(0) };
}

/// Sets the calling thread's last-error code.
pub(crate) fn set(code: u32) {
    LAST_ERROR.with(|c| c.set(code));
}

/// The calling thread's last-error code.
pub(crate) fn get() -> u32 {
    LAST_ERROR.with(|c| c.get())
}

/// Records `code` and returns `value`: the usual shape of a failing Win32 call.
pub(crate) fn fail<T>(code: u32, value: T) -> T {
    set(code);
    value
}
