//! Linux backend: named objects are files in a per-namespace directory on
//! tmpfs, published atomically with `O_TMPFILE` + `linkat`, with one OFD read
//! lock per open handle serving as the handle count (see `object.rs`).

pub(crate) mod admin;
pub(crate) mod header;
pub(crate) mod ns;
pub(crate) mod object;
pub(crate) mod shm;

pub(crate) use shm::{RawView, Shm};

use std::io;

/// Converts a `-1`-on-error return value into `io::Result`, reading `errno`.
pub(crate) fn cvt<T: IsMinusOne>(t: T) -> io::Result<T> {
    if t.is_minus_one() {
        Err(io::Error::last_os_error())
    } else {
        Ok(t)
    }
}

/// Like [`cvt`], retrying while the call is interrupted by a signal.
pub(crate) fn cvt_r<T: IsMinusOne>(mut f: impl FnMut() -> T) -> io::Result<T> {
    loop {
        match cvt(f()) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

pub(crate) trait IsMinusOne {
    fn is_minus_one(&self) -> bool;
}

macro_rules! impl_is_minus_one {
    ($($t:ty)*) => ($(impl IsMinusOne for $t {
        fn is_minus_one(&self) -> bool {
            *self == -1
        }
    })*)
}
impl_is_minus_one! { i32 i64 isize }

/// The effective uid of the calling thread.
pub(crate) fn euid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}
