//! The C ABI called from Rust: handle values, view placement and unmapping,
//! error codes. (The differential suite in crates/named-shm-win32/tests/win32-diff checks the same
//! against Wine; these run everywhere `cargo test` runs.)

use named_shm_win32::*;
use std::ffi::{c_void, CString};
use std::ptr;

const INVALID_HANDLE_VALUE: HANDLE = usize::MAX as HANDLE;
const PAGE_READWRITE: u32 = 4;
const FILE_MAP_ALL_ACCESS: u32 = 0xF001F;

/// Tests run one at a time: one asks for a freed address back, which a
/// concurrent map could take first, and one uses a closed handle value, which
/// Windows (and this layer) hands out again to the next object created.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|p| p.into_inner())
}

fn unnamed(size: u32) -> HANDLE {
    // SAFETY: NULL name and security attributes are allowed.
    let h = unsafe {
        CreateFileMappingA(
            INVALID_HANDLE_VALUE,
            ptr::null_mut(),
            PAGE_READWRITE,
            0,
            size,
            ptr::null(),
        )
    };
    assert!(!h.is_null(), "error {}", GetLastError());
    h
}

#[test]
fn handles_look_like_windows_handles() {
    let _serial = serial();
    let h = unnamed(4096);
    assert_eq!(GetLastError(), 0);
    assert_eq!(h as usize % 4, 0);
    assert_ne!(h, INVALID_HANDLE_VALUE);
    // The two low bits are ignored on lookup.
    let tagged = (h as usize | 3) as HANDLE;
    let v = MapViewOfFile(tagged, FILE_MAP_ALL_ACCESS, 0, 0, 0);
    assert!(!v.is_null());
    assert_eq!(UnmapViewOfFile(v), 1);
    assert_eq!(CloseHandle(h), 1);
    assert_eq!(CloseHandle(h), 0);
    assert_eq!(GetLastError(), 6);
}

#[test]
fn views_are_aligned_and_unmapped_from_any_inner_address() {
    let _serial = serial();
    let h = unnamed(3 * 65536);
    let mut views = Vec::new();
    for _ in 0..20 {
        let v = MapViewOfFile(h, FILE_MAP_ALL_ACCESS, 0, 0, 0) as *mut u8;
        assert!(!v.is_null());
        assert_eq!(v as usize % 65536, 0, "views start at 64 KiB multiples");
        views.push(v);
    }
    // SAFETY: each view is 3 * 64 KiB of writable shared memory.
    unsafe {
        *views[0].add(70000) = 42;
        assert_eq!(*views[19].add(70000), 42, "views of one object are coherent");
    }
    for v in &views {
        // SAFETY: only the address is used.
        let inner = unsafe { v.add(4096 + 100) } as *const c_void;
        assert_eq!(UnmapViewOfFile(inner), 1);
        assert_eq!(UnmapViewOfFile(*v as *const c_void), 0);
        assert_eq!(GetLastError(), 487);
    }
    // A freed slot can be asked for by address.
    let again = MapViewOfFileEx(h, FILE_MAP_ALL_ACCESS, 0, 0, 0, views[3].cast());
    assert_eq!(again, views[3].cast::<c_void>());
    assert!(MapViewOfFileEx(h, FILE_MAP_ALL_ACCESS, 0, 0, 0, views[3].cast()).is_null());
    assert_eq!(GetLastError(), 487);
    assert_eq!(UnmapViewOfFile(again), 1);
    assert_eq!(CloseHandle(h), 1);
}

#[test]
fn offsets_and_sizes_give_windows_errors() {
    let _serial = serial();
    let h = unnamed(2 * 65536);
    assert!(MapViewOfFile(h, FILE_MAP_ALL_ACCESS, 0, 4096, 0).is_null());
    assert_eq!(GetLastError(), 1132);
    assert!(MapViewOfFile(h, FILE_MAP_ALL_ACCESS, 0, 2 * 65536, 0).is_null());
    assert_eq!(GetLastError(), 87);
    assert!(MapViewOfFile(h, FILE_MAP_ALL_ACCESS, 0, 65536, 65537).is_null());
    assert_eq!(GetLastError(), 5);
    assert!(MapViewOfFile(ptr::null_mut(), FILE_MAP_ALL_ACCESS, 0, 0, 0).is_null());
    assert_eq!(GetLastError(), 6);
    assert_eq!(CloseHandle(h), 1);
}

#[test]
fn the_name_dies_with_the_last_handle_and_views_survive() {
    let _serial = serial();
    let name = CString::new(format!("nshm-win32-abi-{}", std::process::id())).unwrap();
    // SAFETY: valid NUL-terminated name.
    let h = unsafe {
        CreateFileMappingA(
            INVALID_HANDLE_VALUE,
            ptr::null_mut(),
            PAGE_READWRITE,
            0,
            100,
            name.as_ptr(),
        )
    };
    assert_eq!(GetLastError(), 0);
    let v = MapViewOfFile(h, FILE_MAP_ALL_ACCESS, 0, 0, 0) as *mut u8;
    // SAFETY: v is a writable 4 KiB view.
    unsafe { *v = 7 };
    // SAFETY: as above.
    let h2 = unsafe {
        CreateFileMappingA(
            INVALID_HANDLE_VALUE,
            ptr::null_mut(),
            PAGE_READWRITE,
            0,
            100,
            name.as_ptr(),
        )
    };
    assert_eq!(GetLastError(), 183);
    assert_eq!(CloseHandle(h), 1);
    assert_eq!(CloseHandle(h2), 1);
    // SAFETY: valid name.
    let o = unsafe { OpenFileMappingA(4, 0, name.as_ptr()) };
    assert!(o.is_null());
    assert_eq!(GetLastError(), 2);
    // SAFETY: the view outlives the handles.
    assert_eq!(unsafe { *v }, 7);
    assert_eq!(UnmapViewOfFile(v.cast()), 1);
}

#[test]
fn waits_on_bogus_handles_fail_with_invalid_handle() {
    let _serial = serial();
    assert_eq!(WaitForSingleObject(0x1234 as HANDLE, 0), u32::MAX);
    assert_eq!(GetLastError(), 6);
    // SAFETY: NULL name.
    let e = unsafe { CreateEventA(ptr::null_mut(), 1, 1, ptr::null()) };
    SetLastError(99);
    assert_eq!(WaitForSingleObject(e, 0), 0);
    assert_eq!(
        GetLastError(),
        99,
        "a successful wait leaves the last error alone"
    );
    assert_eq!(CloseHandle(e), 1);
    assert_eq!(WaitForSingleObject(e, 0), u32::MAX);
    assert_eq!(GetLastError(), 6);
}

/// Free bytes of the file system that holds the objects.
fn shm_free_bytes() -> u64 {
    let root = std::env::var("NAMED_SHM_DIR").unwrap_or_else(|_| "/dev/shm".into());
    let path = CString::new(root).unwrap();
    // SAFETY: statvfs is plain old data; all-zero is a valid value.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: path is a valid C string, st a valid out-pointer.
    assert_eq!(unsafe { libc::statvfs(path.as_ptr(), &mut st) }, 0);
    st.f_bavail as u64 * st.f_frsize as u64
}

fn duplicate(h: HANDLE) -> HANDLE {
    let me = GetCurrentProcess();
    let mut dup: HANDLE = ptr::null_mut();
    // SAFETY: dup is writable storage for a handle.
    let ok = unsafe { DuplicateHandle(me, h, me, &mut dup, 0, 0, consts::DUPLICATE_SAME_ACCESS) };
    assert_eq!(ok, 1, "error {}", GetLastError());
    dup
}

#[test]
fn unnamed_sections_are_never_listed_and_live_as_long_as_a_duplicate() {
    let _serial = serial();
    const SIZE: u32 = 64 << 20;
    let before = shm_free_bytes();
    let h = unnamed(SIZE);
    let taken = before.saturating_sub(shm_free_bytes());
    assert!(
        taken >= 60 << 20,
        "a committed section takes its memory at once ({taken} bytes)"
    );
    let listed = named_shm::admin::list(named_shm::Namespace::Local).unwrap_or_default();
    assert!(
        listed.iter().all(|o| o.size != u64::from(SIZE)),
        "an unnamed section is never listed: {listed:?}"
    );
    let v = MapViewOfFile(h, FILE_MAP_ALL_ACCESS, 0, 0, 4096) as *mut u8;
    // SAFETY: v is a writable 4 KiB view.
    unsafe { *v = 42 };
    assert_eq!(UnmapViewOfFile(v.cast()), 1);
    let dup = duplicate(h);
    assert_eq!(CloseHandle(h), 1);
    let v = MapViewOfFile(dup, FILE_MAP_ALL_ACCESS, 0, 0, 4096) as *mut u8;
    assert!(!v.is_null(), "error {}", GetLastError());
    // SAFETY: v is a readable 4 KiB view.
    assert_eq!(unsafe { *v }, 42, "the duplicate reaches the same memory");
    assert_eq!(UnmapViewOfFile(v.cast()), 1);
    let held = shm_free_bytes();
    assert_eq!(CloseHandle(dup), 1);
    let freed = shm_free_bytes().saturating_sub(held);
    assert!(freed >= 60 << 20, "freed with the last handle ({freed} bytes)");
}

#[test]
fn unnamed_events_and_mutexes_work_through_duplicates() {
    let _serial = serial();
    // SAFETY: NULL name and security attributes are allowed.
    let e = unsafe { CreateEventA(ptr::null_mut(), 0, 0, ptr::null()) };
    assert!(!e.is_null());
    assert_eq!(GetLastError(), 0, "an unnamed object is always new");
    let e2 = duplicate(e);
    assert_eq!(SetEvent(e2), 1);
    assert_eq!(CloseHandle(e2), 1);
    assert_eq!(WaitForSingleObject(e, 0), consts::WAIT_OBJECT_0);
    assert_eq!(WaitForSingleObject(e, 0), consts::WAIT_TIMEOUT, "auto-reset");
    assert_eq!(CloseHandle(e), 1);
    // SAFETY: NULL name and security attributes are allowed.
    let m = unsafe { CreateMutexA(ptr::null_mut(), 1, ptr::null()) };
    assert!(!m.is_null());
    assert_eq!(GetLastError(), 0);
    let m2 = duplicate(m);
    assert_eq!(ReleaseMutex(m2), 1, "owned from creation, through either handle");
    assert_eq!(ReleaseMutex(m), 0);
    assert_eq!(GetLastError(), 288);
    assert_eq!(CloseHandle(m), 1);
    assert_eq!(CloseHandle(m2), 1);
}
