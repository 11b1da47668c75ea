//! Named mappings: `CreateFileMappingW(INVALID_HANDLE_VALUE, …)`,
//! `OpenFileMappingW`, `MapViewOfFile`, `FlushViewOfFile`, `UnmapViewOfFile`.

use super::security::{self, Security, READ_CONTROL};
use super::{last_error, name_error, os_error, owned, wide};
use super::{ERROR_ACCESS_DENIED, ERROR_ALREADY_EXISTS, ERROR_FILE_NOT_FOUND};
use super::{ERROR_COMMITMENT_LIMIT, ERROR_INVALID_ADDRESS, ERROR_INVALID_PARAMETER, ERROR_MAPPED_ALIGNMENT};
use super::{ERROR_NOT_ENOUGH_MEMORY, ERROR_OUTOFMEMORY};
use crate::error::{Error, ErrorName, ObjectKind, Result};
use crate::name::ObjectName;
use crate::shm::{Access, ShmOptions, ViewAccess, PAGE_SIZE};
use crate::sys::{Disposition, ObjectImp, RawView, ShmImp};
use std::ffi::c_void;
use std::io;
use std::os::windows::io::{AsRawHandle, OwnedHandle};
use std::ptr::NonNull;
use windows_sys::Win32::Foundation::{HANDLE, INVALID_HANDLE_VALUE};
use windows_sys::Win32::System::Memory::{
    CreateFileMappingW, MapViewOfFile, MapViewOfFileEx, OpenFileMappingW, UnmapViewOfFile, VirtualAlloc,
    VirtualQuery, FILE_MAP_COPY, FILE_MAP_READ, FILE_MAP_WRITE, MEMORY_BASIC_INFORMATION, MEM_COMMIT,
    PAGE_READONLY, PAGE_READWRITE, PAGE_WRITECOPY, SECTION_QUERY, SEC_COMMIT, SEC_RESERVE,
};

/// `SECTION_BASIC_INFORMATION` (ntddk.h), the answer of `NtQuerySection`.
#[repr(C)]
struct SectionBasicInformation {
    base_address: *mut c_void,
    allocation_attributes: u32,
    maximum_size: i64,
}

/// `SectionBasicInformation` in `SECTION_INFORMATION_CLASS`.
const SECTION_BASIC_INFORMATION: i32 = 0;

#[link(name = "ntdll")]
extern "system" {
    /// Documented in the WDK (`ZwQuerySection`); Win32 has no call that tells a
    /// section's size or its `SEC_COMMIT`/`SEC_RESERVE` attribute.
    fn NtQuerySection(
        section: HANDLE,
        class: i32,
        info: *mut c_void,
        info_len: usize,
        ret_len: *mut usize,
    ) -> i32;
}

/// One handle to a named mapping. Dropping it is `CloseHandle`.
#[derive(Debug)]
pub(crate) struct Shm {
    handle: OwnedHandle,
    size: u64,
    created: bool,
    committed: bool,
    /// `false` for a section this handle created `PAGE_READONLY`; sections
    /// opened by name report `true` and Windows itself refuses a writable view.
    section_writable: bool,
}

impl ObjectImp for Shm {
    /// Always 0: Windows objects have an owner SID, not a uid.
    fn owner_uid(&self) -> u32 {
        0
    }

    /// Always 0: Windows objects have a DACL, not permission bits.
    fn mode(&self) -> u32 {
        0
    }

    fn created(&self) -> bool {
        self.created
    }
}

impl ShmImp for Shm {
    fn acquire(name: &ObjectName, disp: Disposition, size: u64, opts: &ShmOptions) -> Result<Shm> {
        if opts.huge_pages {
            return Err(Error::Unsupported {
                what: "large pages (SEC_LARGE_PAGES needs SeLockMemoryPrivilege)",
            });
        }
        let (handle, created) = match disp {
            Disposition::Open => (open(name, opts)?, false),
            Disposition::Create => match create(name, size, opts) {
                Ok((h, true)) => (h, true),
                Ok((_, false)) => return Err(name.already_exists()),
                Err(e) => return Err(create_denied(name, e)),
            },
            Disposition::Anonymous => (create(name, size, opts)?.0, true),
            Disposition::OpenOrCreate => match create(name, size, opts) {
                Ok(hc) => hc,
                // An existing object whose DACL refuses what `CreateFileMappingW`
                // asks for (it wants `STANDARD_RIGHTS_REQUIRED`, e.g. another
                // user's object with mode 0o666): open it with the access asked for.
                Err(e @ Error::PermissionDenied { .. }) => match open(name, opts) {
                    Ok(h) => (h, false),
                    Err(Error::NotFound { .. }) => return Err(e),
                    Err(other) => return Err(other),
                },
                Err(e) => return Err(e),
            },
        };
        let (size, committed) = if created {
            (size, opts.commit)
        } else {
            query(handle.as_raw_handle()).map_err(|source| name.io("NtQuerySection", source))?
        };
        if !created && opts.require_owner.is_some() {
            let mine = security::owned_by_caller(handle.as_raw_handle())
                .map_err(|source| name.io("GetSecurityInfo", source))?;
            if !mine {
                return Err(name.denied("the object belongs to another user (require_owner)"));
            }
        }
        Ok(Shm {
            handle,
            size,
            created,
            committed,
            section_writable: !(created && opts.access == Access::Read),
        })
    }

    /// Size in bytes: what the creator asked for, rounded up to whole pages.
    fn size(&self) -> u64 {
        self.size
    }

    fn committed(&self) -> bool {
        self.committed
    }

    /// Known for sections this handle created; for others Windows enforces
    /// the protection itself (`MapViewOfFile` fails with `ERROR_INVALID_PARAMETER`).
    fn section_writable(&self) -> bool {
        self.section_writable
    }

    /// `MapViewOfFile` of `len` bytes at `offset` (both already validated
    /// against the size).
    fn map(&self, name: &ObjectName, req: &crate::sys::MapRequest) -> Result<RawView> {
        let crate::sys::MapRequest {
            access,
            offset,
            len,
            prefault,
            huge_pages: _,
            at,
            // Windows' views always start at 64 KiB multiples.
            align: _,
        } = *req;
        let (desired, protect) = match access {
            ViewAccess::Read => (FILE_MAP_READ, PAGE_READONLY),
            ViewAccess::ReadWrite => (FILE_MAP_WRITE, PAGE_READWRITE),
            // `FILE_MAP_COPY` exactly: a private copy-on-write view.
            ViewAccess::CopyOnWrite => (FILE_MAP_COPY, PAGE_WRITECOPY),
        };
        let base: *const c_void = at.map_or(std::ptr::null(), |p| p.as_ptr().cast());
        let view_error = |code: u32| match code {
            ERROR_ACCESS_DENIED => name.denied_by("the handle does not allow this view", os_error(code)),
            ERROR_NOT_ENOUGH_MEMORY | ERROR_OUTOFMEMORY | ERROR_COMMITMENT_LIMIT => {
                name.out_of_memory(len as u64, Some(os_error(code)))
            }
            // The base address is not 64 KiB-aligned.
            ERROR_MAPPED_ALIGNMENT if at.is_some() && offset % crate::ALLOCATION_GRANULARITY == 0 => {
                name.address_in_use(base as usize)
            }
            ERROR_MAPPED_ALIGNMENT => name.misaligned(offset),
            ERROR_INVALID_ADDRESS => name.address_in_use(base as usize),
            // The range was validated before the call: what remains is the
            // section's protection refusing the view.
            ERROR_INVALID_PARAMETER if access == ViewAccess::ReadWrite => {
                name.invalid_arg("the mapping was created read-only; it has no writable views")
            }
            ERROR_INVALID_PARAMETER => name.out_of_range(offset, len as u64, self.size),
            _ => name.io("MapViewOfFile", os_error(code)),
        };
        // SAFETY: the handle is an open section handle. Windows places the
        // view on free address space only (its choice, or `at`, which it
        // refuses with ERROR_INVALID_ADDRESS when in use), so the view cannot
        // alias any Rust object.
        let addr = unsafe {
            MapViewOfFileEx(
                self.handle.as_raw_handle(),
                desired,
                (offset >> 32) as u32,
                offset as u32,
                len,
                base,
            )
        };
        let Some(ptr) = NonNull::new(addr.Value.cast::<u8>()) else {
            return Err(view_error(last_error()));
        };
        let view = RawView { ptr, len };
        if !self.committed {
            // `SEC_RESERVE`: touching a page that was never committed is an
            // access violation on Windows, where Linux allocates it on first
            // touch. Commit the view's pages (of the section, so other views
            // see them too) before handing the view out; the rest of the
            // section stays reserved.
            // SAFETY: the range is exactly the view just mapped.
            let p = unsafe { VirtualAlloc(ptr.as_ptr().cast(), len, MEM_COMMIT, protect) };
            if p.is_null() {
                return Err(view_error(last_error()));
            }
        }
        if prefault {
            prefault_view(&view);
        }
        Ok(view)
    }
}

/// `OpenFileMappingW` with the access of `opts`, plus `SECTION_QUERY` (to
/// learn the size) and `READ_CONTROL` when the owner is to be checked.
fn open(name: &ObjectName, opts: &ShmOptions) -> Result<OwnedHandle> {
    let mut access = FILE_MAP_READ | SECTION_QUERY;
    if opts.access == Access::ReadWrite {
        access |= FILE_MAP_WRITE;
    }
    if opts.require_owner.is_some() {
        access |= READ_CONTROL;
    }
    let w = wide(name);
    // SAFETY: w is NUL-terminated UTF-16 and outlives the call.
    let h = unsafe { OpenFileMappingW(access, 0, w.as_ptr()) };
    owned(h).ok_or_else(|| name_error(name, ObjectKind::Mapping, last_error(), "OpenFileMappingW", 0))
}

/// `CreateFileMappingW` of a page-file-backed section: the handle and whether
/// it is new (`false`: `ERROR_ALREADY_EXISTS`, the existing object at its size).
fn create(name: &ObjectName, size: u64, opts: &ShmOptions) -> Result<(OwnedHandle, bool)> {
    let sec = Security::new(ObjectKind::Mapping, opts.mode)
        .map_err(|source| name.io("building the security descriptor", source))?;
    // A read-only creator makes a read-only section (`PAGE_READONLY`), as the
    // Linux backend records in its header.
    let page = if opts.access == Access::Read {
        PAGE_READONLY
    } else {
        PAGE_READWRITE
    };
    let protect = page | if opts.commit { SEC_COMMIT } else { SEC_RESERVE };
    let w = wide(name);
    // An unnamed section: a NULL name.
    let name_ptr = if name.is_unnamed() {
        std::ptr::null()
    } else {
        w.as_ptr()
    };
    // SAFETY: w is NUL-terminated (or not passed) and sec's attributes stay
    // valid for the call. CreateFileMappingW sets the last error to 0 or
    // ERROR_ALREADY_EXISTS on success.
    let h = unsafe {
        CreateFileMappingW(
            INVALID_HANDLE_VALUE,
            sec.attrs(),
            protect,
            (size >> 32) as u32,
            size as u32,
            name_ptr,
        )
    };
    let code = last_error();
    let h =
        owned(h).ok_or_else(|| name_error(name, ObjectKind::Mapping, code, "CreateFileMappingW", size))?;
    Ok((h, code != ERROR_ALREADY_EXISTS))
}

/// An exclusive create that was refused: when the name is held by an object
/// we may not open as `CreateFileMappingW` asks, Windows says "access denied"
/// where the caller needs "already exists". Probe with the least access.
fn create_denied(name: &ObjectName, e: Error) -> Error {
    if !matches!(e, Error::PermissionDenied { .. }) {
        return e;
    }
    let w = wide(name);
    // SAFETY: w is NUL-terminated UTF-16 and outlives the call.
    let h = unsafe { OpenFileMappingW(SECTION_QUERY, 0, w.as_ptr()) };
    let code = last_error();
    if owned(h).is_some() || code == ERROR_ACCESS_DENIED {
        name.already_exists()
    } else if code == ERROR_FILE_NOT_FOUND {
        e
    } else {
        name_error(name, ObjectKind::Mapping, code, "OpenFileMappingW", 0)
    }
}

/// The size (page-rounded) and whether the memory is committed (`SEC_COMMIT`).
fn query(h: HANDLE) -> io::Result<(u64, bool)> {
    let mut info = SectionBasicInformation {
        base_address: std::ptr::null_mut(),
        allocation_attributes: 0,
        maximum_size: 0,
    };
    // SAFETY: info is a writable SECTION_BASIC_INFORMATION of the size passed.
    let status = unsafe {
        NtQuerySection(
            h,
            SECTION_BASIC_INFORMATION,
            (&mut info as *mut SectionBasicInformation).cast(),
            std::mem::size_of::<SectionBasicInformation>(),
            std::ptr::null_mut(),
        )
    };
    if status < 0 {
        return query_by_mapping(h);
    }
    let size = (info.maximum_size as u64).div_ceil(PAGE_SIZE) * PAGE_SIZE;
    Ok((size, info.allocation_attributes & SEC_RESERVE == 0))
}

/// Fallback for [`query`]: map the whole section and add up its regions.
fn query_by_mapping(h: HANDLE) -> io::Result<(u64, bool)> {
    // SAFETY: h is an open section handle; the view is unmapped below.
    let addr = unsafe { MapViewOfFile(h, FILE_MAP_READ, 0, 0, 0) };
    if addr.Value.is_null() {
        return Err(os_error(last_error()));
    }
    let base = addr.Value as usize;
    let (mut size, mut committed) = (0u64, true);
    loop {
        // SAFETY: all-zero is a valid MEMORY_BASIC_INFORMATION.
        let mut mbi: MEMORY_BASIC_INFORMATION = unsafe { std::mem::zeroed() };
        // SAFETY: VirtualQuery only reads the address space description.
        let n = unsafe {
            VirtualQuery(
                (base + size as usize) as *const c_void,
                &mut mbi,
                std::mem::size_of::<MEMORY_BASIC_INFORMATION>(),
            )
        };
        if n == 0 || mbi.AllocationBase as usize != base {
            break;
        }
        committed &= mbi.State == MEM_COMMIT;
        size += mbi.RegionSize as u64;
    }
    // SAFETY: addr is the view mapped above, used by nobody else.
    unsafe { UnmapViewOfFile(addr) };
    Ok((size, committed))
}

/// Touches every page of a view so that later accesses do not fault. Reads
/// only: a read fault maps the section's page with the view's protection,
/// and writing would break copy-on-write views' sharing.
fn prefault_view(view: &RawView) {
    for off in (0..view.len).step_by(PAGE_SIZE as usize) {
        // SAFETY: off < len, inside the view, which is readable and committed.
        unsafe { std::ptr::read_volatile(view.ptr.as_ptr().add(off)) };
    }
}
