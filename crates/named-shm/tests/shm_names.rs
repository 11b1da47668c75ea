//! Names: prefixes, case, characters that must never escape the namespace
//! directory, lengths (semantic 6), with property tests.

mod common;

use common::*;
use named_shm::{Access, Error, Namespace, ObjectName, SharedMemory, MAX_NAME_LEN};
use proptest::prelude::*;

#[test]
fn local_prefix_and_bare_names_are_the_same_object() {
    let name = unique_name("local");
    let sut = SharedMemory::create(&format!("Local\\{name}"), 4096).unwrap();
    assert_eq!(sut.namespace(), Namespace::Local);
    let bare = SharedMemory::options().access(Access::Read).open(&name).unwrap();
    assert_eq!(bare.size(), 4096);
    assert!(matches!(
        SharedMemory::create(&name, 4096),
        Err(Error::AlreadyExists { .. })
    ));
}

#[test]
fn global_and_local_names_are_different_objects() {
    if !can_create_global() {
        return;
    }
    let name = unique_name("nsdiff");
    let global = SharedMemory::create(&format!("Global\\{name}"), 4096).unwrap();
    assert_eq!(global.namespace(), Namespace::Global);
    assert!(matches!(
        SharedMemory::options().access(Access::Read).open(&name),
        Err(Error::NotFound { .. })
    ));
    let local = SharedMemory::create(&name, 8192).unwrap();
    assert_eq!(local.size(), 8192);
    assert_eq!(
        SharedMemory::options()
            .access(Access::Read)
            .open(&format!("Global\\{name}"))
            .unwrap()
            .size(),
        4096
    );
}

#[test]
fn names_are_case_sensitive() {
    let name = unique_name("case");
    let lower = SharedMemory::create(&format!("{name}-abc"), 4096).unwrap();
    let upper = SharedMemory::create(&format!("{name}-ABC"), 8192).unwrap();
    assert_ne!(lower.size(), upper.size());
    // The prefixes are case-sensitive too: `global\x` is a name with a backslash.
    let e = SharedMemory::create(&format!("global\\{name}"), 4096).unwrap_err();
    assert!(matches!(e, Error::InvalidName { .. }), "{e}");
    assert_eq!(e.win32_code(), 3);
}

#[test]
fn a_backslash_other_than_the_prefix_is_rejected() {
    for n in [
        "a\\b",
        "Global\\a\\b",
        "Local\\",
        "Global\\",
        "\\x",
        "Session\\1\\x",
        "",
    ] {
        let e = SharedMemory::create(n, 4096).unwrap_err();
        assert!(matches!(e, Error::InvalidName { .. }), "{n:?}: {e}");
    }
}

#[test]
fn slashes_dots_and_nul_never_escape_the_namespace_directory() {
    let tag = unique_name("esc");
    let hostile = [
        format!("../{tag}"),
        format!("../../{tag}"),
        format!("{tag}/x"),
        "..".to_owned(),
        ".".to_owned(),
        format!(".{tag}"),
        format!("/{tag}"),
        format!("%2E%2E{tag}"),
    ];
    let root = std::env::var("NAMED_SHM_DIR").unwrap_or_else(|_| "/dev/shm".into());
    let outside_before: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name())
        .collect();
    let mut held = Vec::new();
    for n in &hostile {
        let sut = match SharedMemory::create(n, 4096) {
            Ok(s) => s,
            // `..` and `.` may already be held by a parallel run of this test.
            Err(Error::AlreadyExists { .. }) if n.len() <= 2 => continue,
            Err(e) => panic!("{n:?}: {e}"),
        };
        assert_eq!(sut.name().base(), n.as_str());
        held.push(sut);
    }
    let outside_after: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name())
        .collect();
    assert_eq!(
        outside_before
            .iter()
            .filter(|f| f.to_string_lossy().contains(&tag))
            .count(),
        outside_after
            .iter()
            .filter(|f| f.to_string_lossy().contains(&tag))
            .count(),
        "nothing may appear outside the namespace directory"
    );
    for e in ns_entries(false) {
        assert!(!e.contains('/') && !e.starts_with('.'), "entry {e:?}");
    }
    let e = SharedMemory::create("a\0b", 4096).unwrap_err();
    assert!(matches!(e, Error::InvalidName { .. }));
}

#[test]
fn names_up_to_the_limit_work_and_longer_ones_are_rejected_clearly() {
    let tag = unique_name("len");
    for len in [255usize, 256, 600, MAX_NAME_LEN] {
        let n = format!("{tag}{}", "x".repeat(len - tag.len()));
        assert_eq!(n.len(), len);
        let sut = SharedMemory::create(&n, 4096).unwrap_or_else(|e| panic!("{len}: {e}"));
        let other = SharedMemory::options().access(Access::Read).open(&n).unwrap();
        assert_eq!(other.name().base(), n);
        drop(sut);
    }
    let e = SharedMemory::create(&"y".repeat(MAX_NAME_LEN + 1), 4096).unwrap_err();
    assert!(matches!(e, Error::InvalidName { .. }));
    assert!(e.to_string().contains("longer than 1024"), "{e}");
}

#[test]
fn names_that_encode_alike_are_still_different_objects() {
    let tag = unique_name("inj");
    // `%41` is also how `A` would look percent-encoded; `é` is two bytes.
    let pairs = [("%41", "A"), ("a b", "a%20b"), ("é", "%C3%A9"), ("x.", "x%2E")];
    for (a, b) in pairs {
        let na = format!("{tag}{a}");
        let nb = format!("{tag}{b}");
        let sa = SharedMemory::create(&na, 4096).unwrap();
        let sb = SharedMemory::create(&nb, 8192).unwrap_or_else(|e| panic!("{nb} after {na}: {e}"));
        assert_ne!(sa.size(), sb.size());
    }
    // Two long names that share their first 1000 bytes.
    let long_a = format!("{tag}{}a", "z".repeat(1000));
    let long_b = format!("{tag}{}b", "z".repeat(1000));
    let _a = SharedMemory::create(&long_a, 4096).unwrap();
    let _b = SharedMemory::create(&long_b, 4096).unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

    /// Any text name: parsing never panics; valid names create a real object
    /// that opens under the same name and lives inside the namespace directory.
    #[test]
    fn any_name_either_works_or_is_rejected_without_panic(s in "\\PC{0,40}") {
        let tag = unique_name("prop");
        let n = format!("{tag}{s}");
        match ObjectName::parse(&n) {
            Ok(parsed) => {
                prop_assert_eq!(parsed.namespace(), Namespace::Local);
                let sut = SharedMemory::create(&n, 4096).unwrap();
                let again = SharedMemory::options().access(Access::Read).open(&n).unwrap();
                prop_assert_eq!(again.size(), sut.size());
            }
            Err(e) => {
                let is_invalid_name = matches!(e, Error::InvalidName { .. });
                prop_assert!(is_invalid_name);
                prop_assert!(s.contains('\\') || s.contains('\0'));
            }
        }
    }
}
