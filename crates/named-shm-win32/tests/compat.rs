//! The Win32 calls beyond shared memory, called from Rust: what the
//! differential suite cannot compare with Wine (alertable waits, which
//! fail here by design) and the Linux side of priorities and messages.

use named_shm_win32::compat::*;
use named_shm_win32::{
    CloseHandle, CreateEventA, GetCurrentProcess, GetCurrentThread, GetLastError, SetEvent,
};
use std::ffi::CString;
use std::ptr;

const WAIT_OBJECT_0: u32 = 0;
const WAIT_FAILED: u32 = u32::MAX;
const ERROR_NOT_SUPPORTED: u32 = 50;

fn event(manual: bool) -> named_shm_win32::HANDLE {
    // SAFETY: NULL name and attributes are allowed.
    let h = unsafe { CreateEventA(ptr::null_mut(), i32::from(manual), 0, ptr::null()) };
    assert!(!h.is_null());
    h
}

#[test]
fn alertable_waits_fail_with_not_supported_and_plain_ones_wait() {
    let h = event(true);
    assert_eq!(SetEvent(h), 1);
    assert_eq!(WaitForSingleObjectEx(h, 0, 1), WAIT_FAILED);
    assert_eq!(GetLastError(), ERROR_NOT_SUPPORTED);
    assert_eq!(WaitForSingleObjectEx(h, 0, 0), WAIT_OBJECT_0);
    let hs = [h];
    // SAFETY: one readable handle.
    assert_eq!(
        unsafe { WaitForMultipleObjectsEx(1, hs.as_ptr(), 0, 0, 1) },
        WAIT_FAILED
    );
    assert_eq!(GetLastError(), ERROR_NOT_SUPPORTED);
    // SAFETY: as above.
    assert_eq!(
        unsafe { WaitForMultipleObjectsEx(1, hs.as_ptr(), 0, 0, 0) },
        WAIT_OBJECT_0
    );
    assert_eq!(SleepEx(1, 1), 0);
    assert_eq!(CloseHandle(h), 1);
}

#[test]
fn registered_messages_are_the_same_in_every_process_for_the_same_name() {
    let a = CString::new("IRSDK_BROADCASTMSG").unwrap();
    let lower = CString::new("irsdk_broadcastmsg").unwrap();
    let w: Vec<u16> = "IRSDK_BROADCASTMSG\0".encode_utf16().collect();
    // SAFETY: NUL-terminated strings.
    let (ia, il, iw) = unsafe {
        (
            RegisterWindowMessageA(a.as_ptr()),
            RegisterWindowMessageA(lower.as_ptr()),
            RegisterWindowMessageW(w.as_ptr()),
        )
    };
    assert!((0xC000..=0xFFFF).contains(&ia));
    assert_eq!(ia, il);
    assert_eq!(ia, iw);
    // A fixed function of the name: another process computes the same id.
    let child = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "registered_message_of_a_child", "--nocapture"])
        .env("NSHM_COMPAT_CHILD", "1")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&child.stdout);
    assert!(text.contains(&format!("message id {ia}")), "{text}");
}

#[test]
fn registered_message_of_a_child() {
    if std::env::var_os("NSHM_COMPAT_CHILD").is_none() {
        return;
    }
    let a = CString::new("irsdk_BroadcastMsg").unwrap();
    // SAFETY: NUL-terminated.
    println!("message id {}", unsafe { RegisterWindowMessageA(a.as_ptr()) });
}

#[test]
fn priorities_are_remembered_and_other_handles_are_refused() {
    let p = GetCurrentProcess();
    assert_eq!(SetPriorityClass(p, 0x4000), 1); // BELOW_NORMAL: nice 10
    assert_eq!(GetPriorityClass(p), 0x4000);
    // SAFETY: getpriority takes no pointers.
    let nice =
        unsafe { libc::getpriority(libc::PRIO_PROCESS, libc::syscall(libc::SYS_gettid) as libc::id_t) };
    assert_eq!(nice, 10);
    assert_eq!(SetPriorityClass(p, 0x1234), 0);
    assert_eq!(GetLastError(), 87);
    assert_eq!(SetPriorityClass(ptr::null_mut(), 0x20), 0);
    assert_eq!(GetLastError(), 6);
    let t = GetCurrentThread();
    assert_eq!(SetThreadPriority(t, 2), 1);
    assert_eq!(GetThreadPriority(t), 2);
    assert_eq!(SetThreadPriority(t, 3), 0);
    assert_eq!(GetLastError(), 87);
}
