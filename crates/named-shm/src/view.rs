//! Views of a mapping, with access that stays sound while other processes
//! write the same bytes.
//!
//! A view never hands out a safe `&[u8]` or `&mut [u8]`: another process may
//! change the bytes at any moment, which Rust's references forbid. Instead it
//! offers copies in and out ([`View::read_at`], [`View::write_at`],
//! [`View::read`], [`View::write`]), atomics at aligned offsets
//! ([`View::atomic_u32`], [`View::atomic_u64`]), the raw pointer, and `unsafe`
//! slice accessors whose contract the caller upholds.

// The view is the one place outside `sys` that touches mapped bytes; every
// block below states the invariant it relies on.
#![allow(unsafe_code)]

use crate::error::{Error, Result};
use crate::shm::ViewAccess;
use crate::sys::RawView;
use bytemuck::Pod;
use std::sync::atomic::{AtomicU32, AtomicU64};

/// One mapped view: `MapViewOfFile`'s result. Dropping it is `UnmapViewOfFile`.
///
/// A view keeps the memory alive on its own: it may outlive every handle (the
/// name is gone by then, the bytes are not).
#[derive(Debug)]
pub struct View {
    raw: RawView,
    access: ViewAccess,
    name: std::sync::Arc<str>,
}

impl View {
    pub(crate) fn new(raw: RawView, access: ViewAccess, name: std::sync::Arc<str>) -> View {
        View { raw, access, name }
    }

    /// Gives up the view without unmapping it: returns its start and length,
    /// and the caller becomes responsible for the range (`munmap`,
    /// `UnmapViewOfFile`, or replacing it with its own mapping). The memory
    /// stays alive as long as the range stays mapped.
    pub fn into_raw(self) -> (*mut u8, usize) {
        let (p, len) = self.raw.into_raw();
        (p.as_ptr(), len)
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.raw.len()
    }

    /// Always `false`: views are never empty.
    pub fn is_empty(&self) -> bool {
        self.raw.len() == 0
    }

    /// The view's protection.
    pub fn access(&self) -> ViewAccess {
        self.access
    }

    /// Start of the view. Reading through it is sound only as long as the
    /// contract of [`as_slice`](Self::as_slice) holds; prefer the copying and
    /// atomic accessors.
    pub fn as_ptr(&self) -> *const u8 {
        self.raw.ptr().as_ptr()
    }

    /// Start of the view, for writing; `None` for a read-only view.
    pub fn as_mut_ptr(&self) -> Option<*mut u8> {
        self.writable().then(|| self.raw.ptr().as_ptr())
    }

    fn writable(&self) -> bool {
        self.access != ViewAccess::Read
    }

    fn range(&self, offset: usize, len: usize) -> Result<()> {
        match offset.checked_add(len) {
            Some(end) if end <= self.len() => Ok(()),
            _ => Err(Error::OutOfRange {
                name: self.name.to_string(),
                offset: offset as u64,
                len: len as u64,
                size: self.len() as u64,
            }),
        }
    }

    fn need_write(&self) -> Result<()> {
        if self.writable() {
            Ok(())
        } else {
            Err(Error::PermissionDenied {
                name: self.name.to_string(),
                reason: "the view is read-only".into(),
                source: None,
            })
        }
    }

    /// Copies `buf.len()` bytes out of the view, starting at `offset`.
    /// Bytes another process writes at the same time may be torn.
    pub fn read_at(&self, offset: usize, buf: &mut [u8]) -> Result<()> {
        self.range(offset, buf.len())?;
        // SAFETY: the source range lies inside the mapping (checked above) and
        // cannot overlap `buf`, which is process-private memory.
        unsafe {
            std::ptr::copy_nonoverlapping(self.as_ptr().add(offset), buf.as_mut_ptr(), buf.len());
        }
        Ok(())
    }

    /// Copies `data` into the view at `offset`.
    pub fn write_at(&self, offset: usize, data: &[u8]) -> Result<()> {
        self.need_write()?;
        self.range(offset, data.len())?;
        // SAFETY: the destination lies inside a writable mapping (checked above)
        // and cannot overlap `data`.
        unsafe {
            std::ptr::copy_nonoverlapping(data.as_ptr(), self.raw.ptr().as_ptr().add(offset), data.len());
        }
        Ok(())
    }

    /// Fills `len` bytes at `offset` with `byte`.
    pub fn fill(&self, offset: usize, len: usize, byte: u8) -> Result<()> {
        self.need_write()?;
        self.range(offset, len)?;
        // SAFETY: the range lies inside a writable mapping (checked above).
        unsafe { std::ptr::write_bytes(self.raw.ptr().as_ptr().add(offset), byte, len) };
        Ok(())
    }

    /// Reads a plain-old-data value at `offset` (any alignment).
    pub fn read<T: Pod>(&self, offset: usize) -> Result<T> {
        let mut v = T::zeroed();
        self.read_at(offset, bytemuck::bytes_of_mut(&mut v))?;
        Ok(v)
    }

    /// Writes a plain-old-data value at `offset` (any alignment).
    pub fn write<T: Pod>(&self, offset: usize, value: &T) -> Result<()> {
        self.write_at(offset, bytemuck::bytes_of(value))
    }

    fn atomic_ptr(&self, offset: usize, size: usize) -> Result<*mut u8> {
        self.need_write()?;
        self.range(offset, size)?;
        let p = self.raw.ptr().as_ptr().wrapping_add(offset);
        if (p as usize) % size != 0 {
            return Err(Error::InvalidArgument {
                name: self.name.to_string(),
                reason: format!("offset {offset} is not aligned to {size} bytes"),
            });
        }
        Ok(p)
    }

    /// An atomic `u32` at an aligned offset of a writable view, shared with
    /// every process that maps the same bytes.
    pub fn atomic_u32(&self, offset: usize) -> Result<&AtomicU32> {
        let p = self.atomic_ptr(offset, 4)?;
        // SAFETY: p is in bounds, 4-aligned and writable for the lifetime of
        // &self; AtomicU32 tolerates concurrent access from other processes.
        Ok(unsafe { AtomicU32::from_ptr(p.cast()) })
    }

    /// An atomic `u64` at an aligned offset of a writable view.
    pub fn atomic_u64(&self, offset: usize) -> Result<&AtomicU64> {
        let p = self.atomic_ptr(offset, 8)?;
        // SAFETY: p is in bounds, 8-aligned and writable for the lifetime of &self.
        Ok(unsafe { AtomicU64::from_ptr(p.cast()) })
    }

    /// The view as a byte slice.
    ///
    /// # Safety
    /// For as long as the slice lives, no process (this one included, through
    /// another view, handle or pointer) may write the bytes, and nobody may
    /// truncate the object. Use it for memory that is written once and then
    /// only read, with that hand-over ordered (an event, a mutex, an acquire load).
    pub unsafe fn as_slice(&self) -> &[u8] {
        // SAFETY: the mapping is valid for len bytes; the caller guarantees no
        // concurrent writes for the slice's lifetime.
        unsafe { std::slice::from_raw_parts(self.as_ptr(), self.len()) }
    }

    /// The view as a mutable byte slice.
    ///
    /// # Safety
    /// For as long as the slice lives, no other process, thread, view or
    /// pointer may read or write the bytes (the caller holds them exclusively,
    /// e.g. under a named mutex), and nobody may truncate the object.
    /// Panics-free: returns `None` for a read-only view.
    pub unsafe fn as_mut_slice(&mut self) -> Option<&mut [u8]> {
        let p = self.as_mut_ptr()?;
        // SAFETY: the mapping is valid and writable for len bytes; `&mut self`
        // excludes other users in this process and the caller guarantees the rest.
        Some(unsafe { std::slice::from_raw_parts_mut(p, self.len()) })
    }

    /// `FlushViewOfFile`: orders the writes; memory-backed objects have nothing to write back.
    pub fn flush(&self) -> Result<()> {
        self.raw.flush().map_err(|source| Error::Io {
            name: self.name.to_string(),
            op: "msync",
            source,
        })
    }
}
