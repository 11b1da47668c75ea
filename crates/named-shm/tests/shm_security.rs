//! Security: private `Local\` directories, exact permissions, other users,
//! and names squatted with symlinks, FIFOs, directories or foreign files.
//! Tests that need a second user run a child as `nobody` (uid 65534) and are
//! skipped, with a printed reason, when not run as root.

// Linux mechanisms only (uids, umask, namespace directories, /proc): on
// Windows the same guarantees are the kernel's and DACLs'.
#![cfg(unix)]

mod common;

use common::*;
use named_shm::{Access, Error, SharedMemory, ShmOptions};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

#[test]
fn child() {
    let Some((role, args)) = role() else { return };
    let outcome = |r: Result<SharedMemory, Error>| match r {
        Ok(_) => "ok".to_owned(),
        Err(e) => variant(&e),
    };
    let code = match role.as_str() {
        "create" => {
            // args: name, mode (octal), umask (octal)
            let mode = u32::from_str_radix(&args[1], 8).unwrap();
            let mask = u32::from_str_radix(&args[2], 8).unwrap();
            // SAFETY: umask only changes this process's file-creation mask.
            unsafe { libc::umask(mask as libc::mode_t) };
            let shm = ShmOptions::new().mode(mode).create(&args[0], 4096);
            say(match &shm {
                Ok(_) => "ok".to_owned(),
                Err(e) => variant(e),
            });
            // Hold it while the parent inspects the file, then close it.
            wait_parent();
            drop(shm);
            0
        }
        "nobody-open" => {
            // args: name, access (r|rw)
            become_nobody();
            let acc = if args[1] == "rw" {
                Access::ReadWrite
            } else {
                Access::Read
            };
            let r = SharedMemory::options().access(acc).open(&args[0]);
            if let Ok(s) = &r {
                if acc == Access::ReadWrite {
                    s.map(0, 0).unwrap().write_at(0, b"nobody wrote").unwrap();
                }
            }
            say(outcome(r));
            0
        }
        "nobody-hold-global" => {
            become_nobody();
            let r = ShmOptions::new().mode(0o666).create(&args[0], 4096);
            say(match &r {
                Ok(_) => "ok".to_owned(),
                Err(e) => variant(e),
            });
            wait_parent();
            drop(r);
            0
        }
        "nobody-plant" => {
            // args: dir, file, kind, symlink target
            become_nobody();
            let p = Path::new(&args[0]).join(&args[1]);
            match args[2].as_str() {
                "symlink" => std::os::unix::fs::symlink(&args[3], &p).unwrap(),
                "dir" => std::fs::create_dir(&p).unwrap(),
                "fifo" => {
                    let c = std::ffi::CString::new(p.to_str().unwrap()).unwrap();
                    // SAFETY: c is a valid path string.
                    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o666) }, 0);
                }
                "file" => {
                    std::fs::write(&p, b"squatter's bytes").unwrap();
                    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o666)).unwrap();
                }
                k => panic!("unknown kind {k}"),
            }
            say("planted");
            0
        }
        "try-create-in-root" => {
            // NAMED_SHM_DIR is set by the parent.
            say(outcome(SharedMemory::create(&args[0], 4096)));
            0
        }
        // NAMED_SHM_DIR is set by the parent; args: the namespace directory.
        // Uses the namespace, removes its directory, and goes on using it.
        "remove-dir-in-use" => {
            let dir = std::path::Path::new(&args[0]);
            let first = SharedMemory::create("first", 4096).expect("create first");
            drop(first);
            std::fs::remove_dir(dir).expect("rmdir (empty)");
            // Create through the cached, removed directory: the link fails,
            // the directory is re-checked and made anew.
            let a = SharedMemory::create("after-create", 4096).expect("create after rmdir");
            say(format!("create {}", dir.join("after-create").exists()));
            drop(a);
            std::fs::remove_dir(dir).expect("rmdir again");
            // Open finds nothing through the removed directory, re-checks it.
            say(format!("open {}", outcome(SharedMemory::open("first"))));
            std::fs::remove_dir(dir).expect("rmdir a third time");
            let b = ShmOptions::new()
                .open_or_create("after-ooc", 4096)
                .expect("open_or_create after rmdir");
            say(format!("open_or_create {}", dir.join("after-ooc").exists()));
            drop(b);
            0
        }
        // NAMED_SHM_DIR is set by the parent; args: name. create, open and
        // open_or_create, each with a deadline (a FIFO must never block).
        "ops" => {
            let (tx, rx) = std::sync::mpsc::channel();
            let n2 = args[0].clone();
            std::thread::spawn(move || {
                let c = outcome(SharedMemory::create(&n2, 4096));
                let o = outcome(SharedMemory::open(&n2));
                let oc = outcome(SharedMemory::open_or_create(&n2, 4096));
                let _ = tx.send(format!("{c} {o} {oc}"));
            });
            say(rx
                .recv_timeout(Duration::from_secs(20))
                .unwrap_or_else(|_| "BLOCKED".into()));
            0
        }
        // NAMED_SHM_DIR is set by the parent; args: name of a Global object
        // another user created and holds.
        "check-foreign-owner" => {
            let sut = SharedMemory::options()
                .access(Access::Read)
                .open(&args[0])
                .unwrap();
            assert_eq!(sut.owner_uid(), 65534);
            let e = ShmOptions::new()
                .access(Access::Read)
                .require_owner(0)
                .open(&args[0])
                .unwrap_err();
            assert!(matches!(e, Error::PermissionDenied { .. }), "{e}");
            assert!(e.to_string().contains("65534"), "{e}");
            assert!(matches!(
                SharedMemory::create(&args[0], 4096),
                Err(Error::AlreadyExists { .. })
            ));
            say("checked");
            0
        }
        "nobody-read-dir" => {
            become_nobody();
            say(match std::fs::read_dir(&args[0]) {
                Ok(_) => "readable".to_owned(),
                Err(e) => format!("denied {}", e.raw_os_error().unwrap_or(0)),
            });
            0
        }
        other => panic!("unknown role {other}"),
    };
    exit_child(code);
}

fn variant(e: &Error) -> String {
    let s = format!("{e:?}");
    s.split([' ', '{', '(']).next().unwrap_or("").to_owned()
}

fn last_word(s: &str) -> &str {
    s.rsplit(' ').next().unwrap()
}

fn root_dir() -> String {
    std::env::var("NAMED_SHM_DIR").unwrap_or_else(|_| "/dev/shm".into())
}

fn global_dir() -> PathBuf {
    Path::new(&root_dir()).join("named-shm.global")
}

fn local_dir() -> PathBuf {
    // SAFETY: geteuid has no preconditions.
    Path::new(&root_dir()).join(format!("named-shm.u{}", unsafe { libc::geteuid() }))
}

#[test]
fn the_local_namespace_is_a_private_0700_directory_of_the_user() {
    let name = unique_name("privdir");
    let _sut = SharedMemory::create(&name, 4096).unwrap();
    let md = std::fs::symlink_metadata(local_dir()).unwrap();
    assert!(md.is_dir());
    assert_eq!(md.mode() & 0o7777, 0o700);
    // SAFETY: geteuid has no preconditions.
    assert_eq!(md.uid(), unsafe { libc::geteuid() });
    let g = SharedMemory::create(&format!("Global\\{name}"), 4096);
    if !is_root() {
        // Creating in Global\ needs the grant (a group that may create in
        // root's directory); without it the answer is access denied.
        if let Err(e) = &g {
            assert_eq!(e.win32_code(), 5, "{e}");
            return;
        }
    }
    let g = g.unwrap();
    let gmd = std::fs::symlink_metadata(global_dir()).unwrap();
    assert_eq!(gmd.uid(), 0, "Global belongs to root");
    assert!(
        gmd.mode() & 0o1000 != 0 && gmd.mode() & 0o002 == 0,
        "Global is sticky and not world-writable: {:o}",
        gmd.mode()
    );
    drop(g);
}

#[test]
fn permissions_are_exact_whatever_the_umask() {
    for (mode, umask) in [("600", "000"), ("666", "077"), ("640", "022"), ("604", "777")] {
        let name = unique_name("umask");
        let mut p = spawn("child", "create", &[&name, mode, umask]);
        assert_eq!(last_word(&p.expect_line(T)), "ok");
        let md = std::fs::metadata(local_dir().join(&name)).unwrap();
        assert_eq!(
            md.mode() & 0o777,
            u32::from_str_radix(mode, 8).unwrap(),
            "mode {mode} under umask {umask}"
        );
        p.success(T);
    }
    let name = unique_name("default-mode");
    let _sut = SharedMemory::create(&name, 4096).unwrap();
    assert_eq!(
        std::fs::metadata(local_dir().join(&name)).unwrap().mode() & 0o777,
        0o600,
        "default 0600"
    );
}

/// The directory's default ACL (`system.posix_acl_default`), if any.
fn default_acl(dir: &Path) -> Option<Vec<u8>> {
    let path = std::ffi::CString::new(dir.to_str().unwrap()).unwrap();
    let mut buf = [0u8; 256];
    // SAFETY: valid C strings; buf is writable for its length.
    let n = unsafe {
        libc::getxattr(
            path.as_ptr(),
            c"system.posix_acl_default".as_ptr(),
            buf.as_mut_ptr().cast(),
            buf.len(),
        )
    };
    (n >= 0).then(|| buf[..n as usize].to_vec())
}

/// A default ACL in the kernel's format: (tag, permissions) entries.
fn acl(entries: &[(u16, u16)]) -> Vec<u8> {
    let mut v = 2u32.to_le_bytes().to_vec();
    for &(tag, perm) in entries {
        v.extend_from_slice(&tag.to_le_bytes());
        v.extend_from_slice(&perm.to_le_bytes());
        v.extend_from_slice(&u32::MAX.to_le_bytes());
    }
    v
}

#[test]
fn modes_are_exact_with_the_namespace_default_acl_and_with_a_foreign_one() {
    const USER_OBJ: u16 = 0x01;
    const GROUP_OBJ: u16 = 0x04;
    const OTHER: u16 = 0x20;
    let dirname = format!("named-shm.u{}", euid());
    // (a) A fresh namespace directory gets the exact-modes ACL: modes are
    // exact without an fchmod. (b) A directory whose default ACL would
    // narrow the modes keeps it, and fchmod makes them exact.
    for narrowing in [false, true] {
        let root = TempRoot::new();
        let dir = root.0.join(&dirname);
        let narrow = acl(&[(USER_OBJ, 7), (GROUP_OBJ, 0), (OTHER, 0)]);
        if narrowing {
            std::fs::create_dir(&dir).unwrap();
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
            let path = std::ffi::CString::new(dir.to_str().unwrap()).unwrap();
            // SAFETY: valid C strings; the value is `narrow`'s bytes.
            let r = unsafe {
                libc::setxattr(
                    path.as_ptr(),
                    c"system.posix_acl_default".as_ptr(),
                    narrow.as_ptr().cast(),
                    narrow.len(),
                    0,
                )
            };
            if r != 0 {
                return skip("the file system under /dev/shm has no POSIX ACLs");
            }
        }
        for (mode, umask) in [("644", "077"), ("660", "022")] {
            let name = unique_name("acl");
            let mut p = spawn_with("child", "create", &[&name, mode, umask], |c| {
                c.env("NAMED_SHM_DIR", &root.0);
            });
            assert_eq!(last_word(&p.expect_line(T)), "ok");
            let md = std::fs::metadata(dir.join(&name)).unwrap();
            assert_eq!(
                md.mode() & 0o777,
                u32::from_str_radix(mode, 8).unwrap(),
                "mode {mode} under umask {umask}, narrowing ACL: {narrowing}"
            );
            p.send("go");
            p.success(T);
        }
        let want = if narrowing {
            narrow
        } else {
            acl(&[(USER_OBJ, 7), (GROUP_OBJ, 7), (OTHER, 7)])
        };
        match default_acl(&dir) {
            Some(got) => assert_eq!(got, want, "narrowing ACL: {narrowing}"),
            None if !narrowing => eprintln!("note: no POSIX ACLs here; modes were made exact by fchmod"),
            None => panic!("the directory's own ACL was removed"),
        }
    }
}

fn run_in_root(root: &Path, name: &str) -> String {
    let mut p = spawn_with("child", "try-create-in-root", &[name], |c| {
        c.env("NAMED_SHM_DIR", root);
        // No fallback base: never the real /run/user/<uid>.
        c.env("NAMED_SHM_RUNTIME_DIR", root.join("no-runtime-dir"));
    });
    let l = p.expect_line(T);
    p.success(T);
    last_word(&l).to_owned()
}

struct TempRoot(PathBuf);
impl TempRoot {
    fn new() -> TempRoot {
        let p = PathBuf::from(format!("/dev/shm/named-shm-test-{}", unique_name("root")));
        std::fs::create_dir(&p).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o1777)).unwrap();
        TempRoot(p)
    }
}
impl Drop for TempRoot {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The entries of `root` whose names start with `prefix`.
fn entries_starting(root: &Path, prefix: &str) -> Vec<String> {
    std::fs::read_dir(root)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(prefix))
        .collect()
}

#[test]
fn a_local_directory_that_is_a_symlink_a_file_or_too_open_is_never_used() {
    // Root moves such an entry aside and makes its own; another user (with
    // no fallback here) is refused with the fix in the message.
    // SAFETY: geteuid has no preconditions.
    let uid = unsafe { libc::geteuid() };
    let dirname = format!("named-shm.u{uid}");
    let name = unique_name("sq");
    let want = if uid == 0 { "ok" } else { "UnsafeNamespace" };

    let root = TempRoot::new();
    std::fs::create_dir(root.0.join("elsewhere")).unwrap();
    std::os::unix::fs::symlink(root.0.join("elsewhere"), root.0.join(&dirname)).unwrap();
    assert_eq!(run_in_root(&root.0, &name), want, "symlink");
    assert_eq!(
        std::fs::read_dir(root.0.join("elsewhere")).unwrap().count(),
        0,
        "nothing created through the link"
    );

    let root = TempRoot::new();
    std::fs::write(root.0.join(&dirname), b"").unwrap();
    assert_eq!(run_in_root(&root.0, &name), want, "file");

    let root = TempRoot::new();
    std::fs::create_dir(root.0.join(&dirname)).unwrap();
    std::fs::set_permissions(root.0.join(&dirname), std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(run_in_root(&root.0, &name), want, "loosened to 0755");
    if uid == 0 {
        assert_eq!(entries_starting(&root.0, &format!("{dirname}.unsafe-")).len(), 1);
        let md = std::fs::symlink_metadata(root.0.join(&dirname)).unwrap();
        assert!(md.is_dir() && md.mode() & 0o7777 == 0o700, "made anew");
    }

    let root = TempRoot::new();
    assert_eq!(run_in_root(&root.0, &name), "ok", "a fresh root works");
    let md = std::fs::metadata(root.0.join(&dirname)).unwrap();
    assert_eq!(md.mode() & 0o7777, 0o700);
}

#[test]
fn a_namespace_directory_removed_while_in_use_is_made_anew_and_used() {
    let root = TempRoot::new();
    let dir = root.0.join(format!("named-shm.u{}", euid()));
    let mut p = spawn_with("child", "remove-dir-in-use", &[dir.to_str().unwrap()], |c| {
        c.env("NAMED_SHM_DIR", &root.0);
    });
    assert_eq!(
        p.expect_line(T),
        "create true",
        "create lands in the new directory"
    );
    assert_eq!(
        last_word(&p.expect_line(T)),
        "NotFound",
        "open of a name that died with the old one"
    );
    assert_eq!(p.expect_line(T), "open_or_create true");
    p.success(T);
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0, "nothing left behind");
}

#[test]
#[ignore = "needs root: runs with --include-ignored as root (scripts/test.sh does)"]
fn a_local_directory_of_root_owned_by_another_user_is_moved_aside() {
    if !is_root() {
        return skip("needs root to give a directory to another user");
    }
    let root = TempRoot::new();
    let dir = root.0.join("named-shm.u0");
    std::fs::create_dir(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    std::os::unix::fs::chown(&dir, Some(65534), Some(65534)).unwrap();
    assert_eq!(run_in_root(&root.0, &unique_name("foreign-dir")), "ok");
    let aside = entries_starting(&root.0, "named-shm.u0.squatted-by-65534-");
    assert_eq!(aside.len(), 1, "{aside:?}");
    assert_eq!(std::fs::metadata(root.0.join(&aside[0])).unwrap().uid(), 65534);
    assert_eq!(std::fs::metadata(&dir).unwrap().uid(), 0, "root's own again");
}

#[test]
#[ignore = "needs root: runs with --include-ignored as root (scripts/test.sh does)"]
fn another_user_is_denied_unless_the_mode_allows() {
    if !is_root() {
        return skip("needs root to run a child as nobody");
    }
    let cases = [
        ("600", "r", "PermissionDenied"),
        ("640", "r", "PermissionDenied"),
        ("644", "r", "ok"),
        ("644", "rw", "PermissionDenied"),
        ("666", "rw", "ok"),
    ];
    for (mode, acc, want) in cases {
        let name = format!("Global\\{}", unique_name("perm"));
        let sut = ShmOptions::new()
            .mode(u32::from_str_radix(mode, 8).unwrap())
            .create(&name, 4096)
            .unwrap();
        let mut p = spawn("child", "nobody-open", &[&name, acc]);
        assert_eq!(last_word(&p.expect_line(T)), want, "mode {mode} access {acc}");
        p.success(T);
        let mut b = [0u8; 12];
        sut.map(0, 0).unwrap().read_at(0, &mut b).unwrap();
        if acc == "rw" && want == "ok" {
            assert_eq!(&b, b"nobody wrote");
        } else {
            assert_eq!(b, [0u8; 12]);
        }
    }
}

#[test]
#[ignore = "needs root: runs with --include-ignored as root (scripts/test.sh does)"]
fn another_users_local_objects_are_out_of_reach() {
    if !is_root() {
        return skip("needs root to run a child as nobody");
    }
    let name = unique_name("local-private");
    let _sut = ShmOptions::new().mode(0o666).create(&name, 4096).unwrap();
    // Even with mode 0666, nobody's `Local\X` is its own namespace...
    let mut p = spawn("child", "nobody-open", &[&name, "r"]);
    assert_eq!(last_word(&p.expect_line(T)), "NotFound");
    p.success(T);
    // ...and our directory is closed to it.
    let mut p = spawn("child", "nobody-read-dir", &[local_dir().to_str().unwrap()]);
    assert_eq!(p.expect_line(T), format!("denied {}", libc::EACCES));
    p.success(T);
}

/// A private root whose `Global\` directory grants nobody's group (65534)
/// the right to create, as `nshm setup-global --group nogroup` would.
fn root_granting_nobody() -> TempRoot {
    let root = TempRoot::new();
    let g = root.0.join("named-shm.global");
    std::fs::create_dir(&g).unwrap();
    std::os::unix::fs::chown(&g, Some(0), Some(65534)).unwrap();
    std::fs::set_permissions(&g, std::fs::Permissions::from_mode(0o1775)).unwrap();
    root
}

#[test]
#[ignore = "needs root: runs with --include-ignored as root (scripts/test.sh does)"]
fn names_planted_by_another_user_are_never_adopted_or_touched() {
    if !is_root() {
        return skip("needs root to run a child as nobody");
    }
    // The planter has the grant (only a granted user can plant in Global\).
    let root = root_granting_nobody();
    let global_dir = root.0.join("named-shm.global");
    let target = std::env::temp_dir().join(unique_name("symlink-target"));
    std::fs::write(&target, b"root's precious file").unwrap();
    for kind in ["symlink", "fifo", "dir", "file"] {
        let base = unique_name(&format!("plant-{kind}"));
        let mut p = spawn(
            "child",
            "nobody-plant",
            &[
                global_dir.to_str().unwrap(),
                &base,
                kind,
                target.to_str().unwrap(),
            ],
        );
        assert_eq!(p.expect_line(T), "planted");
        p.success(T);
        let name = format!("Global\\{base}");
        let planted = global_dir.join(&base);
        let before = std::fs::symlink_metadata(&planted).unwrap();

        // Neither create nor open adopts it, and neither blocks (FIFO).
        let mut p = spawn_with("child", "ops", &[&name], |c| {
            c.env("NAMED_SHM_DIR", &root.0);
        });
        let got = p.expect_line(T);
        p.success(T);
        assert_eq!(got, "NameOccupied NameOccupied NameOccupied", "{kind}");
        let after = std::fs::symlink_metadata(&planted).unwrap();
        assert_eq!(
            (before.mode(), before.uid(), before.len(), before.ino()),
            (after.mode(), after.uid(), after.len(), after.ino()),
            "{kind} untouched"
        );
        if kind == "file" {
            assert_eq!(std::fs::read(&planted).unwrap(), b"squatter's bytes");
        }
        if kind == "dir" {
            std::fs::remove_dir(&planted).unwrap();
        } else {
            std::fs::remove_file(&planted).unwrap();
        }
    }
    assert_eq!(
        std::fs::read(&target).unwrap(),
        b"root's precious file",
        "symlink target unchanged"
    );
    std::fs::remove_file(&target).unwrap();
}

#[test]
#[ignore = "needs root: runs with --include-ignored as root (scripts/test.sh does)"]
fn global_objects_report_their_owner_and_require_owner_refuses_squatters() {
    if !is_root() {
        return skip("needs root to run a child as nobody");
    }
    // nobody has the grant, creates and holds; root checks the owner.
    let root = root_granting_nobody();
    let name = format!("Global\\{}", unique_name("squat"));
    let mut p = spawn_with("child", "nobody-hold-global", &[&name], |c| {
        c.env("NAMED_SHM_DIR", &root.0);
    });
    assert_eq!(last_word(&p.expect_line(T)), "ok");
    let mut c = spawn_with("child", "check-foreign-owner", &[&name], |c| {
        c.env("NAMED_SHM_DIR", &root.0);
    });
    assert_eq!(c.expect_line(T), "checked");
    c.success(T);
    p.send("exit");
    p.success(T);
}
