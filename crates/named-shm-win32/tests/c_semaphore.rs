//! Semaphores through the C layer with real processes: a waiter killed by
//! `kill -9` strands no count, a killed creator's name lives as long as the
//! other handles and dies with the last, releases past the maximum fail
//! across processes; and the headers: every supported group compiles
//! cleanly in C and C++, narrow and UNICODE, and unsupported calls stop the
//! compilation with a message naming docs/win32.md.

use named_shm::{Error, Semaphore, WaitStatus};
use std::io::{BufRead, BufReader, Lines};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::Duration;

const C_SOURCE: &str = r#"
#include <windows.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc < 3) return 2;
    setvbuf(stdout, NULL, _IONBF, 0);
    if (strcmp(argv[1], "wait") == 0) {
        HANDLE s = OpenSemaphoreA(SYNCHRONIZE, FALSE, argv[2]);
        if (!s) { printf("open failed %u\n", (unsigned)GetLastError()); return 1; }
        printf("waiting\n");
        DWORD w = WaitForSingleObject(s, 20000);
        printf("took %u\n", (unsigned)w);
        return 0;
    }
    if (strcmp(argv[1], "hold") == 0) {
        HANDLE s = CreateSemaphoreA(NULL, 1, 1, argv[2]);
        printf("holding %s err=%u\n", s ? "HANDLE" : "NULL", (unsigned)GetLastError());
        Sleep(INFINITE);
    }
    if (strcmp(argv[1], "release") == 0) {
        HANDLE s = OpenSemaphoreA(SEMAPHORE_MODIFY_STATE, FALSE, argv[2]);
        LONG prev = -77;
        BOOL ok = ReleaseSemaphore(s, 2, &prev);
        printf("release 2: %d err=%u prev=%ld\n", ok, (unsigned)GetLastError(), (long)prev);
        ok = ReleaseSemaphore(s, 1, &prev);
        printf("release 1: %d prev=%ld\n", ok, (long)prev);
        return 0;
    }
    return 2;
}
"#;

fn manifest() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn work_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("nshm-win32-csem-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs scripts/wincc (the library built into `target/wincc-test`, as in
/// `c_and_rust.rs`); returns its exit status and standard error.
fn wincc(args: &[&str]) -> (bool, String) {
    let exe = std::env::current_exe().unwrap();
    let target = exe.ancestors().nth(3).unwrap().join("wincc-test");
    let out = Command::new("bash")
        .arg(manifest().join("../../scripts/wincc"))
        .args(args)
        .env("CARGO_TARGET_DIR", &target)
        .env_remove("WINCC_LIB_DIR")
        .env_remove("WINCC_NO_BUILD")
        .output()
        .expect("run scripts/wincc");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn c_program() -> PathBuf {
    static BUILT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BUILT
        .get_or_init(|| {
            let dir = work_dir();
            let src = dir.join("sem.c");
            std::fs::write(&src, C_SOURCE).unwrap();
            let out = dir.join("sem");
            let (ok, err) = wincc(&[src.to_str().unwrap(), "-o", out.to_str().unwrap()]);
            assert!(ok, "wincc failed: {err}");
            out
        })
        .clone()
}

fn unique(what: &str) -> String {
    format!("nshm-win32-csem-{what}-{}", std::process::id())
}

fn spawn(args: &[&str]) -> (Child, Lines<BufReader<ChildStdout>>) {
    let mut child = Command::new(c_program())
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = BufReader::new(child.stdout.take().unwrap()).lines();
    (child, lines)
}

fn kill9(child: &mut Child) {
    // SAFETY: kill has no memory preconditions; the pid is our own child's.
    unsafe { libc::kill(child.id() as i32, libc::SIGKILL) };
    child.wait().unwrap();
}

#[test]
fn a_waiter_killed_while_blocked_strands_no_count() {
    let name = unique("killed-waiter");
    let sem = Semaphore::create(&name, 0, 1).unwrap();
    let (mut victim, mut lines) = spawn(&["wait", &name]);
    assert_eq!(lines.next().unwrap().unwrap(), "waiting");
    std::thread::sleep(Duration::from_millis(100)); // let it block in the wait
    kill9(&mut victim);
    assert_eq!(sem.release(1).unwrap(), 0);
    // The count is there for the next waiter, a C process.
    let (mut next, mut lines) = spawn(&["wait", &name]);
    assert_eq!(lines.next().unwrap().unwrap(), "waiting");
    assert_eq!(lines.next().unwrap().unwrap(), "took 0");
    assert!(next.wait().unwrap().success());
    assert_eq!(sem.wait(Some(Duration::ZERO)).unwrap(), WaitStatus::TimedOut);
}

#[test]
fn a_killed_creators_semaphore_lives_until_the_last_handle() {
    let name = unique("killed-creator");
    let (mut holder, mut lines) = spawn(&["hold", &name]);
    assert_eq!(lines.next().unwrap().unwrap(), "holding HANDLE err=0");
    let sem = Semaphore::open(&name).unwrap();
    kill9(&mut holder);
    assert_eq!(sem.wait(Some(Duration::ZERO)).unwrap(), WaitStatus::Signaled);
    assert_eq!(sem.release(1).unwrap(), 0);
    drop(sem);
    assert!(matches!(Semaphore::open(&name), Err(Error::NotFound { .. })));

    // Killed while it is the only holder: the name dies with it.
    let (mut holder, mut lines) = spawn(&["hold", &name]);
    assert_eq!(lines.next().unwrap().unwrap(), "holding HANDLE err=0");
    kill9(&mut holder);
    assert!(matches!(Semaphore::open(&name), Err(Error::NotFound { .. })));
}

#[test]
fn a_release_past_the_maximum_fails_in_another_process_and_changes_nothing() {
    let name = unique("too-many-posts");
    let sem = Semaphore::create(&name, 1, 2).unwrap();
    let out = Command::new(c_program())
        .args(["release", &name])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert_eq!(stdout, "release 2: 0 err=298 prev=-77\nrelease 1: 1 prev=1\n");
    assert_eq!(sem.count(), 2);
}

const ALL_HEADERS: &str = r#"
#include <windows.h>
#include <tchar.h>
#include <strsafe.h>
#include <process.h>
static DWORD WINAPI proc(LPVOID p) { return (DWORD)(ULONG_PTR)p; }
int use_everything(void)
{
    TCHAR b[32];
    CRITICAL_SECTION cs;
    SRWLOCK l = SRWLOCK_INIT;
    CONDITION_VARIABLE cv = CONDITION_VARIABLE_INIT;
    LONG v = 0;
    SYSTEMTIME st;
    HANDLE s = CreateSemaphore(NULL, 0, 1, NULL);
    HANDLE t = CreateThread(NULL, 0, proc, NULL, 0, NULL);
    InitializeCriticalSection(&cs);
    AcquireSRWLockExclusive(&l);
    WakeConditionVariable(&cv);
    ReleaseSRWLockExclusive(&l);
    InterlockedIncrement(&v);
    GetLocalTime(&st);
    StringCchPrintf(b, _countof(b), TEXT("%d"), (int)v);
    _tcscpy_s(b, _countof(b), TEXT("x"));
    _stprintf_s(b, _countof(b), TEXT("%s"), TEXT("y"));
    OutputDebugString(b);
    return lstrcmp(b, TEXT("y")) + (int)ReleaseSemaphore(s, 1, NULL) + (int)WaitForSingleObject(t, INFINITE);
}
"#;

#[test]
fn the_headers_compile_cleanly_in_c_and_cpp_narrow_and_unicode() {
    let dir = work_dir();
    for ext in ["c", "cpp"] {
        let src = dir.join(format!("all.{ext}"));
        std::fs::write(&src, ALL_HEADERS).unwrap();
        for unicode in [false, true] {
            let mut args = vec!["-c", "-Wall", "-Wextra", "-Werror"];
            if unicode {
                args.extend(["-DUNICODE", "-D_UNICODE"]);
            }
            let obj = dir.join(format!("all-{ext}-{unicode}.o"));
            args.extend([src.to_str().unwrap(), "-o", obj.to_str().unwrap()]);
            let (ok, err) = wincc(&args);
            assert!(ok, "{ext} unicode={unicode}: {err}");
        }
    }
}

#[test]
fn unsupported_calls_fail_at_compile_time_naming_the_docs() {
    let dir = work_dir();
    let calls = [
        (
            "CreateFile(TEXT(\"x\"), GENERIC_READ, 0, NULL, 3, 0, NULL)",
            "CreateFile",
        ),
        ("ReadFile(NULL, NULL, 0, NULL, NULL)", "ReadFile"),
        ("LoadLibrary(TEXT(\"x.dll\"))", "LoadLibrary"),
        ("GetProcAddress(NULL, \"f\")", "GetProcAddress"),
        ("RegOpenKeyEx(NULL, TEXT(\"k\"), 0, 0, NULL)", "RegOpenKeyEx"),
        ("VirtualQuery(NULL, NULL, 0)", "VirtualQuery"),
        ("GetModuleFileName(NULL, NULL, 0)", "GetModuleFileName"),
        (
            "CreateProcess(NULL, NULL, NULL, NULL, 0, 0, NULL, NULL, NULL, NULL)",
            "CreateProcess",
        ),
    ];
    for ext in ["c", "cpp"] {
        for unicode in [false, true] {
            for (call, base) in calls {
                let src = dir.join(format!("unsup.{ext}"));
                std::fs::write(
                    &src,
                    format!("#include <windows.h>\n#include <tchar.h>\nint f(void) {{ (void){call}; return 0; }}\n"),
                )
                .unwrap();
                let mut args = vec!["-c", "-Wall"];
                if unicode {
                    args.extend(["-DUNICODE", "-D_UNICODE"]);
                }
                let obj = dir.join("unsup.o");
                args.extend([src.to_str().unwrap(), "-o", obj.to_str().unwrap()]);
                let (ok, err) = wincc(&args);
                let what = format!("{base} in {ext}, unicode={unicode}");
                assert!(!ok, "{what} compiled");
                assert!(err.contains("docs/win32.md"), "{what}: {err}");
                assert!(err.contains(base), "{what}: {err}");
                assert!(!err.contains("implicit declaration"), "{what}: {err}");
                if !matches!(base, "ReadFile" | "GetProcAddress" | "VirtualQuery") {
                    let suffix = if unicode { "W" } else { "A" };
                    assert!(err.contains(&format!("{base}{suffix}")), "{what}: {err}");
                }
            }
        }
    }
}
