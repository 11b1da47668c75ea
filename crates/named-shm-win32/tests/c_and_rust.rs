//! A C program through this layer (built with `scripts/wincc`) and Rust code
//! through `named-shm` see the same named objects, in both directions; and
//! the C ABI keeps `GetLastError` per thread.

use named_shm::{Access, Event, Mutex, SharedMemory, WaitStatus};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

const C_SOURCE: &str = r#"
#include <windows.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    char name[256], ev[256], mx[256];
    if (argc < 3) return 2;
    snprintf(name, sizeof name, "%s", argv[2]);
    snprintf(ev, sizeof ev, "%s.ev", argv[2]);
    snprintf(mx, sizeof mx, "%s.mx", argv[2]);
    if (strcmp(argv[1], "create") == 0) {
        HANDLE h = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4096, name);
        if (!h) { printf("create failed %u\n", (unsigned)GetLastError()); return 1; }
        printf("created err=%u\n", (unsigned)GetLastError());
        char *v = (char *)MapViewOfFile(h, FILE_MAP_ALL_ACCESS, 0, 0, 0);
        strcpy(v, "hello from C");
        HANDLE done = CreateEventA(NULL, FALSE, FALSE, ev);
        printf("ready\n");
        fflush(stdout);
        DWORD w = WaitForSingleObject(done, 20000);
        printf("event wait=%u reply=%s\n", (unsigned)w, v + 100);
        UnmapViewOfFile(v);
        CloseHandle(done);
        CloseHandle(h);
        return w == WAIT_OBJECT_0 ? 0 : 1;
    }
    HANDLE h = OpenFileMappingA(FILE_MAP_ALL_ACCESS, FALSE, name);
    if (!h) { printf("open failed %u\n", (unsigned)GetLastError()); return 1; }
    char *v = (char *)MapViewOfFile(h, FILE_MAP_ALL_ACCESS, 0, 0, 0);
    printf("read: %s\n", v);
    strcpy(v + 100, "reply from C");
    HANDLE m = OpenMutexA(SYNCHRONIZE, FALSE, mx);
    printf("mutex wait=%u\n", (unsigned)WaitForSingleObject(m, 0));
    HANDLE e = OpenEventA(EVENT_MODIFY_STATE, FALSE, ev);
    printf("set=%d\n", SetEvent(e));
    CloseHandle(e);
    CloseHandle(m);
    UnmapViewOfFile(v);
    CloseHandle(h);
    return 0;
}
"#;

/// Builds the C program once per test binary with scripts/wincc. `cargo
/// test` does not build the staticlib and holds the lock on its target
/// directory, so wincc builds the library into a nested target directory
/// (`target/wincc-test`, cached across runs).
fn c_program() -> PathBuf {
    static BUILT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BUILT
        .get_or_init(|| {
            let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
            let wincc = manifest.join("wincc");
            // target/<profile>/deps/<test> -> target
            let exe = std::env::current_exe().unwrap();
            let target = exe.ancestors().nth(3).unwrap().join("wincc-test");
            // Under the nested target directory, not /tmp: one program,
            // rebuilt in place, never one left behind per run.
            let dir = target.join("c-and-rust");
            std::fs::create_dir_all(&dir).unwrap();
            let pid = std::process::id();
            let src = dir.join(format!("peer-{pid}.c"));
            std::fs::write(&src, C_SOURCE).unwrap();
            let tmp = dir.join(format!("peer-{pid}.tmp"));
            let out = dir.join("peer");
            let status = Command::new("bash")
                .arg(&wincc)
                .arg(&src)
                .arg("-o")
                .arg(&tmp)
                .env("CARGO_TARGET_DIR", &target)
                .env_remove("WINCC_LIB_DIR")
                .env_remove("WINCC_NO_BUILD")
                .status()
                .expect("run scripts/wincc");
            let _ = std::fs::remove_file(&src);
            assert!(status.success(), "wincc failed");
            // Atomic: another test binary may be running the previous one.
            std::fs::rename(&tmp, &out).unwrap();
            out
        })
        .clone()
}

fn unique(what: &str) -> String {
    format!("nshm-win32-test-{what}-{}", std::process::id())
}

#[test]
fn c_creates_and_rust_opens() {
    let name = unique("c2r");
    let mut child = Command::new(c_program())
        .args(["create", &name])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    assert_eq!(lines.next().unwrap().unwrap(), "created err=0");
    assert_eq!(lines.next().unwrap().unwrap(), "ready");

    let shm = SharedMemory::open(&name).unwrap();
    assert_eq!(shm.size(), 4096);
    let view = shm.map(0, 0).unwrap();
    let mut buf = [0u8; 12];
    view.read_at(0, &mut buf).unwrap();
    assert_eq!(&buf, b"hello from C");
    view.write_at(100, b"reply from Rust\0").unwrap();
    Event::open(&format!("{name}.ev")).unwrap().set().unwrap();

    let last = lines.next().unwrap().unwrap();
    assert_eq!(last, "event wait=0 reply=reply from Rust");
    assert!(child.wait().unwrap().success());
    drop(shm);
    // Every handle is closed: the name is gone, the Rust view survives.
    assert!(matches!(
        SharedMemory::options().access(Access::Read).open(&name),
        Err(named_shm::Error::NotFound { .. })
    ));
    view.read_at(0, &mut buf).unwrap();
    assert_eq!(&buf, b"hello from C");
}

#[test]
fn rust_creates_and_c_opens() {
    let name = unique("r2c");
    let shm = SharedMemory::create(&name, 4096).unwrap();
    let view = shm.map(0, 0).unwrap();
    view.write_at(0, b"hello from Rust\0").unwrap();
    let ev = Event::create(&format!("{name}.ev")).unwrap();
    let mx = Mutex::options()
        .initial_owner(true)
        .create(&format!("{name}.mx"))
        .unwrap();

    let out = Command::new(c_program()).args(["read", &name]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    // The mutex is owned by this (Rust) thread: the C peer times out (258).
    assert_eq!(stdout, "read: hello from Rust\nmutex wait=258\nset=1\n");
    assert_eq!(
        ev.wait(Some(Duration::from_secs(5))).unwrap(),
        WaitStatus::Signaled
    );
    let mut buf = [0u8; 12];
    view.read_at(100, &mut buf).unwrap();
    assert_eq!(&buf, b"reply from C");
    mx.release().unwrap();
}

#[test]
fn last_error_is_per_thread() {
    use named_shm_win32::{GetLastError, OpenFileMappingA, SetLastError};
    SetLastError(1234);
    let name = std::ffi::CString::new(unique("missing")).unwrap();
    let other = std::thread::spawn(move || {
        // SAFETY: a valid NUL-terminated name.
        let h = unsafe { OpenFileMappingA(4, 0, name.as_ptr()) };
        (h.is_null(), GetLastError())
    })
    .join()
    .unwrap();
    assert_eq!(other, (true, 2));
    assert_eq!(GetLastError(), 1234);
}
