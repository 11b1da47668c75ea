//! Windows backend: a thin layer over the native Win32 calls.
//!
//! Windows *is* the model of this crate's semantics, so there is nothing to
//! emulate: a `SharedMemory` is a file-mapping `HANDLE` from
//! `CreateFileMappingW`/`OpenFileMappingW`, a view is `MapViewOfFile`, and the
//! kernel keeps names alive exactly while a handle is open. What this module
//! adds is the mapping of Win32 error codes onto the crate's semantic
//! [`Error`](crate::Error) variants (the code is kept as the `io::Error`
//! source), the translation of Unix permission bits into a security descriptor
//! (`security.rs`), and queries Win32 lacks (`NtQuerySection` for the size).

pub(crate) mod admin;
mod security;
mod shm;
mod sync;

use crate::admin::{ForeignEntry, HolderIndex, ObjectInfo, ReapReport};
use crate::error::{Error, ErrorName, NameError, ObjectKind, Result};
use crate::name::{Namespace, ObjectName};
use crate::sys::{Backend, Multi, SysObject};
use std::io;
use std::os::windows::io::{FromRawHandle, OwnedHandle};
use std::ptr::NonNull;
use windows_sys::Win32::Foundation::{GetLastError, HANDLE, WIN32_ERROR};
use windows_sys::Win32::System::Memory::{
    FlushViewOfFile, OpenFileMappingW, UnmapViewOfFile, MEMORY_MAPPED_VIEW_ADDRESS,
};
use windows_sys::Win32::System::Threading::{OpenEventW, OpenMutexW, OpenSemaphoreW};

// The Win32 error codes, named once for the whole crate.
pub(crate) use crate::code::*;

/// The calling thread's last Win32 error code.
pub(crate) fn last_error() -> WIN32_ERROR {
    // SAFETY: GetLastError only reads thread-local state.
    unsafe { GetLastError() }
}

/// An `io::Error` carrying a Win32 error code (its `raw_os_error`).
pub(crate) fn os_error(code: WIN32_ERROR) -> io::Error {
    io::Error::from_raw_os_error(code as i32)
}

/// The Windows backend (see `sys/contract.rs`).
pub(crate) struct Windows;

impl Backend for Windows {
    type Shm = shm::Shm;
    type Event = sync::SysEvent;
    type Mutex = sync::SysMutex;
    type Semaphore = sync::SysSemaphore;
    type Deadline = sync::Deadline;
    type AsyncWait = sync::AsyncWait;

    fn wait_multiple(
        objs: &[SysObject<'_>],
        wait_all: bool,
        deadline: Option<sync::Deadline>,
    ) -> io::Result<Multi> {
        sync::wait_multiple(objs, wait_all, deadline)
    }

    unsafe fn unmap(ptr: NonNull<u8>, _len: usize) {
        // SAFETY: the caller passes the base of one view of ours that nobody
        // uses any more. UnmapViewOfFile of a valid view cannot fail; a
        // failure would leave the view in place, which is harmless.
        unsafe {
            UnmapViewOfFile(MEMORY_MAPPED_VIEW_ADDRESS {
                Value: ptr.as_ptr().cast(),
            })
        };
    }

    /// `FlushViewOfFile`: page-file-backed views have nothing to write back,
    /// so it succeeds and only orders the writes.
    fn flush(ptr: NonNull<u8>, len: usize) -> io::Result<()> {
        // SAFETY: the range is exactly one view of ours.
        if unsafe { FlushViewOfFile(ptr.as_ptr().cast(), len) } == 0 {
            return Err(os_error(last_error()));
        }
        Ok(())
    }

    /// The code itself (`ERROR_GEN_FAILURE`, 31, for an error from elsewhere).
    fn win32_code(e: &io::Error) -> u32 {
        e.raw_os_error().map_or(ERROR_GEN_FAILURE, |c| c as u32)
    }

    fn out_of_handles(e: &io::Error) -> Option<Option<u64>> {
        // The kernel's handle table could not grow (STATUS_INSUFFICIENT_RESOURCES).
        (e.raw_os_error() == Some(ERROR_NO_SYSTEM_RESOURCES as i32)).then_some(None)
    }

    fn list(ns: Namespace) -> Result<Vec<ObjectInfo>> {
        admin::list(ns)
    }
    fn list_foreign(_ns: Namespace) -> Result<Vec<ForeignEntry>> {
        // No namespace directory, so nothing foreign in it.
        Ok(Vec::new())
    }
    fn info(name: &ObjectName) -> Result<ObjectInfo> {
        admin::info(name)
    }
    fn holder_index() -> HolderIndex {
        // Win32 cannot tell which process holds a handle to a named object.
        HolderIndex::default()
    }
    fn remove(name: &ObjectName) -> Result<()> {
        admin::remove(name)
    }
    fn reap(dry_run: bool) -> Result<ReapReport> {
        admin::reap(dry_run)
    }
}

/// The name as Windows takes it: UTF-16, NUL-terminated. `Local\`, `Global\`
/// and bare names pass through unchanged (the kernel resolves them).
pub(crate) fn wide(name: &ObjectName) -> Vec<u16> {
    name.as_str().encode_utf16().chain(std::iter::once(0)).collect()
}

/// Takes ownership of a handle returned by a Win32 call: `None` for NULL.
pub(crate) fn owned(h: HANDLE) -> Option<OwnedHandle> {
    // SAFETY: the caller passes a handle it just received from a Win32
    // function and never closes it itself; NULL is rejected first.
    (!h.is_null()).then(|| unsafe { OwnedHandle::from_raw_handle(h) })
}

/// Opens `name` as an object of `kind` with the least access that works
/// (`SECTION_QUERY`, `EVENT_QUERY_STATE`, `MUTANT_QUERY_STATE`): the handle, or
/// the Win32 error.
pub(crate) fn open_any(name: &ObjectName, kind: ObjectKind) -> std::result::Result<OwnedHandle, WIN32_ERROR> {
    const QUERY: u32 = 0x1;
    let w = wide(name);
    // SAFETY: w is a NUL-terminated UTF-16 string that outlives the call; the
    // handle returned is owned (and closed) by `owned`.
    let h = unsafe {
        match kind {
            ObjectKind::Event => OpenEventW(QUERY, 0, w.as_ptr()),
            ObjectKind::Mutex => OpenMutexW(QUERY, 0, w.as_ptr()),
            ObjectKind::Mapping => OpenFileMappingW(QUERY, 0, w.as_ptr()),
            ObjectKind::Semaphore => OpenSemaphoreW(QUERY, 0, w.as_ptr()),
        }
    };
    let code = last_error();
    owned(h).ok_or(code)
}

/// Every kind of object, in the order [`probe_kind`] tries them.
pub(crate) const KINDS: [ObjectKind; 4] = [
    ObjectKind::Mapping,
    ObjectKind::Event,
    ObjectKind::Mutex,
    ObjectKind::Semaphore,
];

/// A new kind fails to compile here until [`KINDS`] lists it.
const _: fn(ObjectKind) = |kind| match kind {
    ObjectKind::Mapping | ObjectKind::Event | ObjectKind::Mutex | ObjectKind::Semaphore => {}
};

/// Which kind of object holds `name`, for an `ERROR_INVALID_HANDLE` (6) answer:
/// the kernel only says "another type", so probe the kinds this crate knows
/// (an object that refuses the probe's access still tells its kind). `None`:
/// none of them (a waitable timer, job, …, or nothing).
pub(crate) fn probe_kind(name: &ObjectName) -> Option<ObjectKind> {
    KINDS
        .into_iter()
        .find(|k| matches!(open_any(name, *k), Ok(_) | Err(ERROR_ACCESS_DENIED)))
}

/// The number of open handles to the object of `h`, in all processes, `h`
/// included; `None` if the kernel does not tell.
///
/// It is `HandleCount` of `NtQueryObject(ObjectBasicInformation)`, less a
/// bias measured once on an unnamed event with one handle: Windows reports
/// that as 1, Wine 8 as 2.
pub(crate) fn handle_count(h: &OwnedHandle) -> Option<u32> {
    static BIAS: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    let bias = *BIAS.get_or_init(|| {
        // SAFETY: an unnamed event with default security; owned below.
        let h = unsafe {
            windows_sys::Win32::System::Threading::CreateEventW(std::ptr::null(), 1, 0, std::ptr::null())
        };
        owned(h)
            .and_then(|h| raw_handle_count(&h))
            .map_or(0, |n| n.saturating_sub(1))
    });
    raw_handle_count(h).map(|n| n.saturating_sub(bias))
}

/// `HandleCount` of `NtQueryObject(ObjectBasicInformation)`.
fn raw_handle_count(h: &OwnedHandle) -> Option<u32> {
    use std::os::windows::io::AsRawHandle;
    // OBJECT_BASIC_INFORMATION: Attributes, GrantedAccess, HandleCount, …
    // (56 bytes, all ULONG but a trailing LARGE_INTEGER).
    let mut info = [0u64; 7];
    // SAFETY: info is writable for the size passed, 8-aligned.
    let status = unsafe {
        NtQueryObject(
            h.as_raw_handle(),
            0,
            info.as_mut_ptr().cast(),
            std::mem::size_of_val(&info) as u32,
            std::ptr::null_mut(),
        )
    };
    // HandleCount is the third ULONG: the high half of the second u64 on
    // little-endian x86/ARM.
    (status >= 0).then_some((info[1] >> 32) as u32)
}

#[link(name = "ntdll")]
extern "system" {
    /// Documented in the WDK (`ZwQueryObject`).
    fn NtQueryObject(h: HANDLE, class: i32, info: *mut std::ffi::c_void, len: u32, ret_len: *mut u32) -> i32;
}

/// Maps the Win32 error of a create or open of `name` (an object of kind
/// `expected`) onto the crate's semantic errors, keeping the code as source.
pub(crate) fn name_error(
    name: &ObjectName,
    expected: ObjectKind,
    code: WIN32_ERROR,
    op: &'static str,
    size: u64,
) -> Error {
    match code {
        ERROR_ALREADY_EXISTS => name.already_exists(),
        ERROR_FILE_NOT_FOUND => name.not_found(),
        ERROR_PATH_NOT_FOUND => name.invalid_name(NameError::UnknownPrefix),
        ERROR_INVALID_NAME | ERROR_BAD_PATHNAME => name.invalid_name(NameError::RejectedBySystem),
        ERROR_FILENAME_EXCED_RANGE => name.invalid_name(NameError::TooLong),
        ERROR_ACCESS_DENIED | ERROR_PRIVILEGE_NOT_HELD => name.denied_by(
            if name.namespace() == Namespace::Global && op.starts_with("Create") {
                "the object's security descriptor refuses this access, or creating a `Global\\` \
                 object outside session 0 needs SeCreateGlobalPrivilege"
            } else {
                "the object's security descriptor refuses this access"
            },
            os_error(code),
        ),
        ERROR_INVALID_HANDLE => match probe_kind(name) {
            Some(found) if found != expected => name.wrong_type(expected, found),
            _ => name.occupied("a kernel object of another type (waitable timer, job, …)"),
        },
        ERROR_NOT_ENOUGH_MEMORY | ERROR_OUTOFMEMORY | ERROR_COMMITMENT_LIMIT => {
            name.out_of_memory(size, Some(os_error(code)))
        }
        _ => name.io(op, os_error(code)),
    }
}

#[cfg(test)]
mod tests {
    //! Backend checks that the platform-independent tests cannot make.
    use crate::{admin, Access, Error, Event, Mutex, ObjectKind, SharedMemory, ShmOptions};

    fn unique(tag: &str) -> String {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        format!(
            "win-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        )
    }

    #[test]
    fn mode_without_owner_write_refuses_a_writable_open() {
        let name = unique("dacl");
        let _sut = ShmOptions::new().mode(0o400).create(&name, 4096).unwrap();
        let e = SharedMemory::open(&name).unwrap_err();
        assert!(matches!(e, Error::PermissionDenied { .. }), "{e}");
        let r = SharedMemory::options().access(Access::Read).open(&name).unwrap();
        assert_eq!(r.size(), 4096);
    }

    #[test]
    fn an_event_without_write_permission_opens_read_only() {
        use crate::{EventOptions, WaitStatus};
        use std::time::Duration;
        let name = unique("ro-ev");
        let _ev = EventOptions::new()
            .mode(0o400)
            .manual_reset(true)
            .initially_set(true)
            .create(&name)
            .unwrap();
        let sut = Event::open(&name).unwrap();
        assert!(matches!(sut.set(), Err(Error::PermissionDenied { .. })));
        assert!(matches!(sut.reset(), Err(Error::PermissionDenied { .. })));
        assert!(sut.is_manual_reset() && sut.is_set());
        assert_eq!(sut.wait(Some(Duration::ZERO)).unwrap(), WaitStatus::Signaled);
        // Not checked for mutexes: locking needs only `SYNCHRONIZE`, which
        // Wine 8 grants whatever the DACL says (Windows checks it).
    }

    #[test]
    fn open_reports_the_size_and_reserve_of_an_existing_section() {
        let name = unique("query");
        let _sut = ShmOptions::new().commit(false).create(&name, 0x3457).unwrap();
        let other = SharedMemory::open(&name).unwrap();
        assert_eq!(other.size(), 0x4000);
        assert!(!other.committed());
        assert!(!other.created());
        // A view of a reserved section is usable to its last byte.
        let v = other.map(0, 0).unwrap();
        v.write_at(v.len() - 1, b"x").unwrap();
    }

    #[test]
    fn a_name_held_by_an_event_or_mutex_is_the_wrong_type() {
        let name = unique("kind");
        let _ev = Event::options().manual_reset(true).create(&name).unwrap();
        match SharedMemory::create(&name, 4096).unwrap_err() {
            Error::WrongType { expected, found, .. } => {
                assert_eq!((expected, found), (ObjectKind::Mapping, ObjectKind::Event))
            }
            e => panic!("{e}"),
        }
        let name = unique("kind");
        let _mx = Mutex::create(&name).unwrap();
        match Event::open(&name).unwrap_err() {
            Error::WrongType { expected, found, .. } => {
                assert_eq!((expected, found), (ObjectKind::Event, ObjectKind::Mutex))
            }
            e => panic!("{e}"),
        }
    }

    #[test]
    fn info_counts_handles_and_reap_has_nothing_to_do() {
        let name = unique("info");
        let a = SharedMemory::create(&name, 8192).unwrap();
        let b = SharedMemory::options().access(Access::Read).open(&name).unwrap();
        let info = admin::info(&name).unwrap();
        assert_eq!(
            (info.kind, info.size, info.holders),
            (ObjectKind::Mapping, 8192, 2)
        );
        assert_eq!(info.name, format!("Local\\{name}"));
        drop((a, b));
        assert!(matches!(admin::info(&name), Err(Error::NotFound { .. })));
        assert_eq!(admin::reap().unwrap(), Default::default());
        assert!(matches!(
            admin::list(crate::Namespace::Local),
            Err(Error::Unsupported { .. })
        ));
    }

    /// Open handles of this process; `None` where `GetProcessHandleCount`
    /// does not tell (Wine 8 answers 0).
    fn handles() -> Option<u32> {
        let mut n = 0;
        // SAFETY: the pseudo-handle of the current process; n is a valid out pointer.
        let ok = unsafe {
            windows_sys::Win32::System::Threading::GetProcessHandleCount(
                windows_sys::Win32::System::Threading::GetCurrentProcess(),
                &mut n,
            )
        };
        (ok != 0 && n > 0).then_some(n)
    }

    /// Mapped views (`MEM_MAPPED` regions) in this process's address space.
    fn views() -> usize {
        use windows_sys::Win32::System::Memory::{VirtualQuery, MEMORY_BASIC_INFORMATION, MEM_MAPPED};
        let (mut addr, mut n) = (0usize, 0);
        loop {
            // SAFETY: all-zero is a valid MEMORY_BASIC_INFORMATION.
            let mut mbi: MEMORY_BASIC_INFORMATION = unsafe { std::mem::zeroed() };
            // SAFETY: VirtualQuery only describes the address space.
            let got = unsafe { VirtualQuery(addr as *const _, &mut mbi, std::mem::size_of_val(&mbi)) };
            if got == 0 || mbi.RegionSize == 0 {
                return n;
            }
            if mbi.Type == MEM_MAPPED && mbi.AllocationBase == mbi.BaseAddress {
                n += 1;
            }
            match addr.checked_add(mbi.RegionSize) {
                Some(next) => addr = next,
                None => return n,
            }
        }
    }

    /// The leak check's child: alone in its process, so the counts are its own.
    #[test]
    fn leak_child() {
        if std::env::var("NAMED_SHM_WIN_LEAK_CHILD").is_err() {
            return;
        }
        let name = unique("leak");
        drop(SharedMemory::create(&name, 4096).unwrap()); // warm up lazy state
        let (h0, v0) = (handles(), views());
        for i in 0..2000usize {
            let sut = ShmOptions::new().commit(i % 2 == 0).create(&name, 4096).unwrap();
            let v = sut.map(0, 0).unwrap();
            v.write_at(0, &i.to_le_bytes()).unwrap();
            let reader = SharedMemory::options().access(Access::Read).open(&name).unwrap();
            assert_eq!(reader.map(0, 0).unwrap().read::<usize>(0).unwrap(), i);
            let ev = Event::options()
                .initially_set(true)
                .create(&unique("leak-ev"))
                .unwrap();
            ev.wait(Some(std::time::Duration::ZERO)).unwrap();
            let mx = Mutex::options()
                .initial_owner(true)
                .create(&unique("leak-mx"))
                .unwrap();
            mx.release().unwrap();
            drop((sut, v, reader, ev, mx));
        }
        let h1 = handles();
        // Where the handle count is unknown, a leaked handle would still show:
        // it would keep the last name alive.
        assert!(matches!(
            SharedMemory::options().access(Access::Read).open(&name),
            Err(Error::NotFound { .. })
        ));
        println!("\n@@ handles {h0:?} {h1:?} views {v0} {}", views());
    }

    #[test]
    fn create_map_close_cycles_leak_no_handle_and_no_view() {
        let exe = std::env::current_exe().unwrap();
        let out = std::process::Command::new(exe)
            .args([
                "--exact",
                "sys::windows::tests::leak_child",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("NAMED_SHM_WIN_LEAK_CHILD", "1")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        let line = text
            .lines()
            .find_map(|l| l.strip_prefix("@@ "))
            .unwrap_or_else(|| panic!("{text}"));
        let v: Vec<&str> = line.split(' ').collect();
        assert_eq!(v[1], v[2], "handles: {line}");
        assert_eq!(v[4], v[5], "views: {line}");
    }

    #[test]
    fn local_and_global_events_of_one_base_name_are_one_object_only_in_session_0() {
        use crate::{wait_for_multiple, MultiWaitStatus, WaitObject};
        let base = unique("ns-ident");
        let local = Event::options()
            .manual_reset(true)
            .initially_set(true)
            .create(&format!("Local\\{base}"))
            .unwrap();
        let global = Event::options()
            .manual_reset(true)
            .initially_set(true)
            .create(&format!("Global\\{base}"));
        let global = match global {
            Ok(g) => g,
            // Created in session 0, the local namespace is the global one.
            Err(Error::AlreadyExists { .. }) => Event::open(&format!("Global\\{base}")).unwrap(),
            Err(e) => panic!("{e}"),
        };
        let mut session = u32::MAX;
        // SAFETY: session is a valid out pointer.
        unsafe {
            windows_sys::Win32::System::RemoteDesktop::ProcessIdToSessionId(
                windows_sys::Win32::System::Threading::GetCurrentProcessId(),
                &mut session,
            )
        };
        let both = [WaitObject::from(&local), WaitObject::from(&global)];
        let r = wait_for_multiple(&both, true, Some(std::time::Duration::ZERO));
        if session == 0 {
            assert!(matches!(r, Err(Error::InvalidArgument { .. })), "{r:?}");
        } else {
            assert_eq!(r.unwrap(), MultiWaitStatus::Signaled(0));
        }
    }

    #[test]
    fn global_names_pass_through() {
        let name = format!("Global\\{}", unique("global"));
        let sut = SharedMemory::create(&name, 4096).unwrap();
        sut.map(0, 0).unwrap().write_at(0, b"g").unwrap();
        let other = SharedMemory::options().access(Access::Read).open(&name).unwrap();
        assert_eq!(other.map(0, 0).unwrap().read::<u8>(0).unwrap(), b'g');
        // `Local\X` and `X` are one object; `Global\X` is another.
        let bare = name.trim_start_matches("Global\\");
        assert!(matches!(
            SharedMemory::options().access(Access::Read).open(bare),
            Err(Error::NotFound { .. })
        ));
    }
}
