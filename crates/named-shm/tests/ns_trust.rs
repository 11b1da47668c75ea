//! Whose namespace directories a process trusts (issue 12, items 3 and 5):
//! another user cannot deny a user's `Local\` namespace by squatting its
//! directory, root always gets its own back, and creating in `Global\`
//! needs a grant (a group that may create in root's sticky directory),
//! while opening needs only the object's mode.
//!
//! Every test needs root (to squat as another uid and to run children as
//! `nobody`) and is skipped, with the reason printed, otherwise. Each works
//! in its own root (`NAMED_SHM_DIR`) with its own fallback base
//! (`NAMED_SHM_RUNTIME_DIR`, test-only), both under `/dev/shm` (tmpfs).

#![cfg(target_os = "linux")]

mod common;

use common::*;
use named_shm::{Access, Error, SharedMemory, ShmOptions};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

const ENTRY: &str = "ns_trust_child";

fn variant(e: &Error) -> String {
    let s = format!("{e:?}");
    s.split([' ', '{', '(']).next().unwrap_or("").to_owned()
}

/// In a child: become `uid` (group `uid`, no supplementary groups).
fn become_user(uid: u32) {
    // SAFETY: plain credential syscalls in a single-purpose child process.
    unsafe {
        assert_eq!(libc::setgroups(0, std::ptr::null()), 0, "setgroups");
        assert_eq!(libc::setgid(uid), 0, "setgid");
        assert_eq!(libc::setuid(uid), 0, "setuid");
    }
}

/// The re-executed child. Roles starting with `as-<uid>-` drop to that uid.
#[test]
fn ns_trust_child() {
    let Some((role, args)) = role() else { return };
    let role = match role.strip_prefix("as-") {
        Some(rest) => {
            let (uid, r) = rest.split_once('-').unwrap();
            become_user(uid.parse().unwrap());
            r.to_owned()
        }
        None => role,
    };
    match role.as_str() {
        // args: name, text: create, write the text, hold until told.
        "hold" => match ShmOptions::new().mode(0o644).create(&args[0], 4096) {
            Ok(shm) => {
                shm.map(0, 0).unwrap().write_at(0, args[1].as_bytes()).unwrap();
                say("ok");
                wait_parent();
            }
            Err(e) => say(format!("{} {} {e}", variant(&e), e.win32_code())),
        },
        // args: name: open and say what is in it.
        "read" => match SharedMemory::options().access(Access::Read).open(&args[0]) {
            Ok(shm) => {
                let mut b = [0u8; 64];
                shm.map(0, 0).unwrap().read_at(0, &mut b).unwrap();
                let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
                say(format!("read {}", String::from_utf8_lossy(&b[..end])));
            }
            Err(e) => say(format!("{} {} {e}", variant(&e), e.win32_code())),
        },
        // args: op (create|open_or_create|open), name
        "op" => {
            let r = match args[0].as_str() {
                "create" => SharedMemory::create(&args[1], 4096),
                "open_or_create" => SharedMemory::open_or_create(&args[1], 4096),
                _ => SharedMemory::options().access(Access::Read).open(&args[1]),
            };
            say(match r {
                Ok(s) => format!("ok owner {}", s.owner_uid()),
                Err(e) => format!("{} {} {e}", variant(&e), e.win32_code()),
            });
        }
        other => panic!("unknown role {other}"),
    }
    exit_child(0);
}

/// A private root (sticky, world-writable, like /dev/shm) with a fallback
/// base parent next to it; both removed on drop.
struct Root {
    root: PathBuf,
    runtime: PathBuf,
}

impl Root {
    fn new(tag: &str) -> Root {
        let top = PathBuf::from(format!("/dev/shm/named-shm-nstrust-{}", unique_name(tag)));
        std::fs::create_dir(&top).unwrap();
        let root = top.join("root");
        let runtime = top.join("run-user");
        for d in [&root, &runtime] {
            std::fs::create_dir(d).unwrap();
        }
        std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o1777)).unwrap();
        std::fs::set_permissions(&runtime, std::fs::Permissions::from_mode(0o755)).unwrap();
        Root { root, runtime }
    }
    /// Makes `<runtime>/<uid>` as logind makes `/run/user/<uid>`: the user's, 0700.
    fn make_base(&self, uid: u32) -> PathBuf {
        let b = self.runtime.join(uid.to_string());
        std::fs::create_dir(&b).unwrap();
        std::fs::set_permissions(&b, std::fs::Permissions::from_mode(0o700)).unwrap();
        std::os::unix::fs::chown(&b, Some(uid), Some(uid)).unwrap();
        b
    }
    fn local(&self, uid: u32) -> PathBuf {
        self.root.join(format!("named-shm.u{uid}"))
    }
    fn global(&self) -> PathBuf {
        self.root.join("named-shm.global")
    }
    fn spawn(&self, role: &str, args: &[&str]) -> Proc {
        spawn_with(ENTRY, role, args, |c| {
            c.env("NAMED_SHM_DIR", &self.root);
            c.env("NAMED_SHM_RUNTIME_DIR", &self.runtime);
        })
    }
    /// Runs a child and returns its one message.
    fn run(&self, role: &str, args: &[&str]) -> String {
        let mut p = self.spawn(role, args);
        let l = p.expect_line(T);
        p.success(T);
        l
    }
}

impl Drop for Root {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(self.root.parent().unwrap());
    }
}

/// As root: squat `path` with a directory of `uid`, mode 0700.
fn squat_dir(path: &Path, uid: u32, mode: u32) {
    std::fs::create_dir(path).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    std::os::unix::fs::chown(path, Some(uid), Some(uid)).unwrap();
}

fn needs_root(what: &str) -> bool {
    if is_root() {
        return true;
    }
    skip(&format!("needs root to {what}"));
    false
}

fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
#[ignore = "needs root: runs with --include-ignored as root (scripts/test.sh does)"]
fn a_squatted_local_directory_does_not_deny_the_user_its_namespace() {
    if !needs_root("squat as another uid and run the victim as nobody") {
        return;
    }
    let r = Root::new("local-squat");
    // uid 65533 squats nobody's Local directory before nobody's first use.
    squat_dir(&r.local(65534), 65533, 0o700);
    let base = r.make_base(65534);
    // nobody's first process creates an object; a second one opens it.
    let mut a = r.spawn("as-65534-hold", &["Board", "from the first process"]);
    assert_eq!(a.expect_line(T), "ok");
    assert_eq!(
        r.run("as-65534-read", &["Board"]),
        "read from the first process",
        "two processes of the victim agree"
    );
    // The object lives in the fallback under the base, on tmpfs.
    let fb = entries(&base);
    assert_eq!(fb.len(), 1, "{fb:?}");
    assert!(fb[0].starts_with("named-shm.r"), "{fb:?}");
    let md = std::fs::metadata(base.join(&fb[0])).unwrap();
    assert_eq!((md.uid(), md.mode() & 0o7777), (65534, 0o700));
    assert_eq!(entries(&base.join(&fb[0])), ["Board"]);
    // The squat is left alone.
    assert_eq!(std::fs::metadata(r.local(65534)).unwrap().uid(), 65533);
    // Root removes the squat: a process started afterwards still agrees
    // with the one that fell back (the fallback comes before a new primary).
    std::fs::rename(r.local(65534), r.root.join("named-shm.u65534.squatted")).unwrap();
    assert_eq!(
        r.run("as-65534-read", &["Board"]),
        "read from the first process",
        "a process started after the squat was removed"
    );
    assert!(!r.local(65534).exists(), "no second directory made");
    a.send("done");
    a.success(T);
    assert_eq!(
        r.run("as-65534-op", &["open", "Board"]).split(' ').next(),
        Some("NotFound"),
        "the name died with its last handle"
    );
}

#[test]
#[ignore = "needs root: runs with --include-ignored as root (scripts/test.sh does)"]
fn without_a_fallback_a_squatted_local_directory_names_the_squatter_and_the_fix() {
    if !needs_root("squat as another uid and run the victim as nobody") {
        return;
    }
    let r = Root::new("local-squat-nofb");
    let dir = r.local(65534);
    squat_dir(&dir, 65533, 0o700);
    // No <runtime>/65534: there is nowhere safe to go.
    let got = r.run("as-65534-op", &["create", "X"]);
    assert!(got.starts_with("UnsafeNamespace 5"), "{got}");
    assert!(got.contains("uid 65533"), "names the squatter: {got}");
    let fix = format!("as root: mv {} {}.squatted", dir.display(), dir.display());
    assert!(got.contains(&fix), "names the fix `{fix}`: {got}");
    // The fix works.
    std::fs::rename(&dir, format!("{}.squatted", dir.display())).unwrap();
    assert_eq!(r.run("as-65534-op", &["create", "X"]), "ok owner 65534");
}

#[test]
#[ignore = "needs root: runs with --include-ignored as root (scripts/test.sh does)"]
fn creating_in_global_needs_the_grant_and_opening_needs_only_the_mode() {
    if !needs_root("run children as nobody") {
        return;
    }
    let r = Root::new("global-grant");
    // No global directory yet: a user cannot make one (it would be theirs).
    let got = r.run("as-65534-op", &["create", "Global\\X"]);
    assert!(got.starts_with("PermissionDenied 5"), "{got}");
    assert!(
        got.contains("nshm setup-global") && got.contains("Local\\"),
        "hint: {got}"
    );
    assert!(!r.global().exists(), "nobody made no global directory");
    // Root creates an object (and the directory: root:root 1755) and holds it.
    let mut holder = r.spawn("hold", &["Global\\SvcState", "root's state"]);
    assert_eq!(holder.expect_line(T), "ok");
    let md = std::fs::metadata(r.global()).unwrap();
    assert_eq!((md.uid(), md.gid(), md.mode() & 0o7777), (0, 0, 0o1755));
    // nobody opens it (mode 0644 allows reading) ...
    assert_eq!(r.run("as-65534-read", &["Global\\SvcState"]), "read root's state");
    // ... but cannot create, with the kernel's refusal and the hint.
    for op in ["create", "open_or_create"] {
        let got = r.run("as-65534-op", &[op, "Global\\Mine"]);
        assert!(got.starts_with("PermissionDenied 5"), "{op}: {got}");
        assert!(
            got.contains("needs a grant") && got.contains("nshm setup-global") && got.contains("Local\\"),
            "{op}: {got}"
        );
    }
    assert!(
        r.run("as-65534-op", &["open", "Global\\Absent"])
            .starts_with("NotFound 2"),
        "an open of a missing name is still not found"
    );
    assert_eq!(entries(&r.global()), ["SvcState"]);
    // The grant: a group that may create (root:65534 1775). Now nobody may;
    // another user (65533, not in the group) still may not.
    std::os::unix::fs::chown(r.global(), Some(0), Some(65534)).unwrap();
    std::fs::set_permissions(r.global(), std::fs::Permissions::from_mode(0o1775)).unwrap();
    assert_eq!(
        r.run("as-65534-op", &["create", "Global\\Mine"]),
        "ok owner 65534"
    );
    assert!(r
        .run("as-65533-op", &["create", "Global\\Other"])
        .starts_with("PermissionDenied 5"));
    holder.send("done");
    holder.success(T);
}

#[test]
#[ignore = "needs root: runs with --include-ignored as root (scripts/test.sh does)"]
fn the_item_5_attack_fails_root_never_adopts_an_ungranted_users_global_object() {
    if !needs_root("run children as nobody") {
        return;
    }
    let r = Root::new("global-attack");
    // Root's service has run before: the global directory exists (root:root 1755).
    assert_eq!(r.run("op", &["create", "Global\\Warmup"]), "ok owner 0");
    // nobody tries to create Global\SvcState first, to have root adopt it.
    let got = r.run("as-65534-op", &["create", "Global\\SvcState"]);
    assert!(got.starts_with("PermissionDenied 5"), "{got}");
    // Root creates it fresh: its own object, not an attacker's.
    assert_eq!(r.run("op", &["create", "Global\\SvcState"]), "ok owner 0");
}

#[test]
#[ignore = "needs root: runs with --include-ignored as root (scripts/test.sh does)"]
fn a_global_directory_squatted_by_a_user_is_trusted_by_nobody_and_root_moves_it_aside() {
    if !needs_root("squat as nobody") {
        return;
    }
    let r = Root::new("global-squat");
    // Before root's first use, nobody makes the global directory, 1777.
    squat_dir(&r.global(), 65534, 0o1777);
    std::fs::write(r.global().join("planted"), b"x").unwrap();
    // Nobody trusts it, not even its owner: the message says how to fix it.
    for uid in ["65534", "65533"] {
        let got = r.run(&format!("as-{uid}-op"), &["open", "Global\\planted"]);
        assert!(got.starts_with("UnsafeNamespace 5"), "{uid}: {got}");
        assert!(
            got.contains("uid 65534") && got.contains("nshm setup-global"),
            "{got}"
        );
    }
    // Root moves it aside, intact, and makes its own.
    assert_eq!(r.run("op", &["create", "Global\\SvcState"]), "ok owner 0");
    let aside: Vec<String> = entries(&r.root)
        .into_iter()
        .filter(|e| e.starts_with("named-shm.global.squatted-by-65534-"))
        .collect();
    assert_eq!(aside.len(), 1, "{:?}", entries(&r.root));
    assert_eq!(entries(&r.root.join(&aside[0])), ["planted"]);
    let md = std::fs::symlink_metadata(r.global()).unwrap();
    assert!(md.is_dir());
    assert_eq!((md.uid(), md.mode() & 0o7777), (0, 0o1755));
    // The former squatter cannot create in root's directory.
    assert!(r
        .run("as-65534-op", &["create", "Global\\Again"])
        .starts_with("PermissionDenied 5"));
}

#[test]
#[ignore = "needs root: runs with --include-ignored as root (scripts/test.sh does)"]
fn the_owner_of_a_private_root_administers_its_global_namespace() {
    if !needs_root("give a root to another user") {
        return;
    }
    let r = Root::new("admin-root");
    // A root that is nobody's and not world-writable: nobody is its administrator.
    std::os::unix::fs::chown(&r.root, Some(65534), Some(65534)).unwrap();
    std::fs::set_permissions(&r.root, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(r.run("as-65534-op", &["create", "Global\\Dev"]), "ok owner 65534");
    let md = std::fs::metadata(r.global()).unwrap();
    assert_eq!((md.uid(), md.mode() & 0o7777), (65534, 0o1755));
}
