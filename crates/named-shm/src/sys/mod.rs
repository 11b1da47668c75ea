//! The platform layer. Everything that talks to the operating system lives
//! below this module; the rest of the crate is platform-independent.
//!
//! Each backend exports the same items:
//! - `Shm` (a handle to a named mapping) and `RawView` (one mapped view);
//! - `admin` (listing, removing and reaping named objects).

#![allow(unsafe_code)]

#[cfg(unix)]
mod unix;
#[cfg(unix)]
pub(crate) use unix::*;

#[cfg(windows)]
mod windows;
#[cfg(windows)]
pub(crate) use windows::*;

#[cfg(not(any(unix, windows)))]
compile_error!("named-shm supports Linux and Windows");
