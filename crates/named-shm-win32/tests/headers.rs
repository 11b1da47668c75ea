//! The headers under `scripts/wincc` (compile only, no library needed):
//! _WIN32 and its opt-out, C++ standard headers next to windows.h, and the
//! wide functions the layer cannot provide failing to compile with a
//! message naming the porting guide.

use std::path::Path;
use std::process::{Command, Output};

/// Compiles `source` (a file named `name`) with `wincc -c`; `env` is added.
fn compile(name: &str, source: &str, env: &[(&str, &str)]) -> Output {
    compile_with(name, source, env, &[])
}

/// As [`compile`], with extra compiler flags.
fn compile_with(name: &str, source: &str, env: &[(&str, &str)], flags: &[&str]) -> Output {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = std::env::temp_dir().join(format!("nshm-headers-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let src = dir.join(name);
    std::fs::write(&src, source).unwrap();
    let mut cmd = Command::new("bash");
    cmd.arg(manifest.join("wincc"))
        .arg("-Wall")
        .arg("-Werror")
        .args(flags)
        .arg("-c")
        .arg(&src)
        .arg("-o")
        .arg(dir.join("out.o"));
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run wincc");
    let _ = std::fs::remove_dir_all(&dir);
    out
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn win32_macros_are_defined_and_can_be_left_out() {
    let src = "#if !defined(_WIN32) || !defined(WIN32)\n#error missing\n#endif\n#ifdef _WIN64\n#error _WIN64\n#endif\nint x;\n";
    let o = compile("w.c", src, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = compile("w.c", src, &[("WINCC_NO_WIN32_MACROS", "1")]);
    assert!(!o.status.success(), "_WIN32 still defined with the opt-out");
}

#[test]
fn wide_functions_without_a_utf16_version_fail_naming_the_guide() {
    for call in [
        "wcscoll(a, a)",
        "wcstok(a, a, &p)",
        "wcsftime(a, 4, a, 0)",
        "swscanf(a, a)",
    ] {
        let src = format!(
            "#include <windows.h>\n#include <wchar.h>\nint f(void) {{ wchar_t a[4] = L\"x\"; wchar_t *p; (void)p; return (int)(size_t){call}; }}\n"
        );
        let o = compile("nowide.c", &src, &[]);
        assert!(!o.status.success(), "{call} compiled");
        assert!(stderr(&o).contains("docs/win32.md"), "{call}: {}", stderr(&o));
    }
}

#[test]
fn an_unknown_declspec_fails_to_compile() {
    let o = compile(
        "ds.c",
        "#include <windows.h>\n__declspec(frobnicate) int x;\n",
        &[],
    );
    assert!(!o.status.success());
    assert!(stderr(&o).contains("frobnicate"), "{}", stderr(&o));
}

#[test]
fn cpp_standard_headers_compile_next_to_windows_h() {
    let src = r#"
#include <windows.h>
#include <tchar.h>
#include <string>
#include <cwchar>
#include <vector>
#include <map>
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <thread>
int f() {
    std::string s = std::to_string(std::wcslen(L"OPTIMUM")) + std::filesystem::path("/tmp").string();
    wchar_t b[16];
    swprintf(b, 16, L"%d", 5);
    swprintf(b, L"%s", L"array overload");
    return (int)(s.size() + wcslen(b) + std::min(1, 2) + min(1, 2.5));
}
"#;
    let o = compile("std.cpp", src, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn the_stand_in_programs_compile_as_cpp_too() {
    // The programs they stand for (iRacing's SDK, opentrack, ACC's sample)
    // are C++.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/win32-diff");
    for (probe, unicode) in [("p48_irsdk", false), ("p49_freetrack", false), ("p50_acc", true)] {
        let text = std::fs::read_to_string(dir.join(format!("{probe}.c"))).unwrap();
        let src = if unicode {
            format!("#define UNICODE\n#define _UNICODE\n{text}")
        } else {
            text
        };
        let o = compile(&format!("{probe}.cpp"), &src, &[]);
        assert!(o.status.success(), "{probe}: {}", stderr(&o));
    }
}

/// The headers of the porting layer (MSVC-isms, the wide C library, the
/// calls beside shared memory), which must stay clean under a strict ISO
/// mode; other headers are checked by their own tests.
const PORTING_HEADERS: &[&str] = &[
    "named_shm/msvc.h",
    "named_shm/wstring.h",
    "named_shm/wstring_names.h",
    "named_shm/extras.h",
    "named_shm/messages.h",
    "named_shm/tchar_more.h",
    "named-shm-win32/include/timeapi.h",
    "named-shm-win32/include/wchar.h",
    "named-shm-win32/include/stdio.h",
];

#[test]
fn the_porting_headers_compile_under_strict_iso_c() {
    let src = "#include <windows.h>\n#include <tchar.h>\n#include <mmsystem.h>\nint f(void) { struct tm t; time_t now = 0; return gmtime_s(&t, &now) + (int)wcslen(L\"x\") + (int)timeGetTime(); }\n";
    for std in ["-std=c99", "-std=c11", "-std=gnu17"] {
        let o = compile_with("strict.c", src, &[], &[std]);
        let err = stderr(&o);
        for h in PORTING_HEADERS {
            assert!(!err.contains(h), "{std}: {h}: {err}");
        }
        assert!(
            o.status.success() || err.contains("include/named_shm/"),
            "{std}: {err}"
        );
    }
}
