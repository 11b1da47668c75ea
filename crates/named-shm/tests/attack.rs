//! Attacks by a second user (`nobody`, uid/gid 65534) and by a hostile
//! environment: planted names of every kind in `Local\` and `Global\`,
//! squatted or loosened namespace directories, umask games, another user's
//! objects, a peer truncating a shared object, a peer holding the write lock,
//! and a full tmpfs. Every case must fail closed: nothing foreign adopted,
//! truncated, chmod-ed or followed; no open blocks; nothing left behind.
//!
//! Each test works in its own root directory (`NAMED_SHM_DIR`, read once per
//! process, so the library runs in re-executed children) and removes it.
//! Tests that need a second user or `mount` are skipped, with the reason
//! printed, when not run as root. Run with `fs.protected_symlinks=0` and
//! `fs.protected_regular=0` (as on the project's machine) the symlink cases
//! test the library, not the sysctls.

#![cfg(target_os = "linux")]

mod common;

use common::*;
use named_shm::{Access, Error, SharedMemory, ShmOptions};
use std::ffi::CString;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

const ENTRY: &str = "attack_child";

/// The kinds of planted entries.
const KINDS: [&str; 8] = [
    "file",
    "dir",
    "symlink",
    "dangling-symlink",
    "dir-symlink",
    "fifo",
    "hardlink",
    "forged-held-short",
];

/// The re-executed child: `NAMED_SHM_TEST_ROLE` selects what it does.
#[test]
fn attack_child() {
    let Some((role, args)) = role() else { return };
    if role.starts_with("nobody-") {
        become_nobody();
    }
    match role.as_str() {
        // args: op (create|open|open_or_create|all), name
        "nobody-lib" | "lib" => say(lib_ops(&args[0], &args[1])),
        // args: dir, file, kind, aux (symlink target / hardlink source)
        "nobody-plant" | "plant" => {
            plant(Path::new(&args[0]), &args[1], &args[2], &args[3]);
            say("planted");
            // Forged, held objects stay held until the parent says so.
            wait_parent();
        }
        // args: path, length
        "nobody-truncate" => {
            let r = std::fs::OpenOptions::new()
                .write(true)
                .open(&args[0])
                .and_then(|f| f.set_len(args[1].parse().unwrap()));
            say(match r {
                Ok(()) => "truncated".to_owned(),
                Err(e) => format!("errno {}", e.raw_os_error().unwrap_or(0)),
            });
        }
        // args: path, access (r|rw)
        "nobody-open-path" => {
            let r = std::fs::OpenOptions::new()
                .read(true)
                .write(args[1] == "rw")
                .open(&args[0]);
            say(match r {
                Ok(_) => "opened".to_owned(),
                Err(e) => format!("errno {}", e.raw_os_error().unwrap_or(0)),
            });
        }
        // args: path, access (r|rw): try to take the write lock a closer needs
        "nobody-wrlock" => {
            let f = std::fs::OpenOptions::new()
                .read(true)
                .write(args[1] == "rw")
                .open(&args[0])
                .unwrap();
            say(match ofd_lock(&f, libc::F_WRLCK) {
                Ok(()) => "locked".to_owned(),
                Err(e) => format!("errno {}", e.raw_os_error().unwrap_or(0)),
            });
            wait_parent();
        }
        // args: kind, root, dirname, aux
        "nobody-squat" => {
            let p = Path::new(&args[1]).join(&args[2]);
            match args[0].as_str() {
                "dir" => {
                    std::fs::create_dir(&p).unwrap();
                    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o700)).unwrap();
                }
                "dir-1777" => {
                    std::fs::create_dir(&p).unwrap();
                    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o1777)).unwrap();
                }
                "symlink" => std::os::unix::fs::symlink(&args[3], &p).unwrap(),
                "file" => std::fs::write(&p, b"squat").unwrap(),
                k => panic!("unknown squat {k}"),
            }
            say("squatted");
        }
        // args: umask, mode, local name, global name
        "umask" => {
            // SAFETY: umask only changes this process's file-creation mask.
            unsafe { libc::umask(u32::from_str_radix(&args[0], 8).unwrap() as libc::mode_t) };
            let mode = u32::from_str_radix(&args[1], 8).unwrap();
            let l = ShmOptions::new().mode(mode).create(&args[2], 4096);
            let g = ShmOptions::new().mode(mode).create(&args[3], 4096);
            say(format!("{} {}", outcome(&l), outcome(&g)));
            wait_parent();
        }
        // args: name, pages: map the whole object, report, then read every page on request
        "map-then-touch" => {
            let shm = SharedMemory::options()
                .access(Access::Read)
                .open(&args[0])
                .unwrap();
            let v = shm.map(0, 0).unwrap();
            say("mapped");
            wait_parent();
            let mut b = [0u8; 1];
            for off in (0..v.len()).step_by(4096) {
                v.read_at(off, &mut b).unwrap();
            }
            say("touched");
        }
        // args: none; NAMED_SHM_DIR is a small tmpfs
        "fill" => fill_tmpfs(),
        "reap" => {
            let r = named_shm::admin::reap().unwrap();
            say(format!("reclaimed {:?} skipped {}", r.reclaimed, r.skipped.len()));
        }
        other => panic!("unknown role {other}"),
    }
    exit_child(0);
}

fn variant(e: &Error) -> String {
    let s = format!("{e:?}");
    s.split([' ', '{', '(']).next().unwrap_or("").to_owned()
}

fn outcome<T>(r: &Result<T, Error>) -> String {
    match r {
        Ok(_) => "ok".to_owned(),
        Err(e) => variant(e),
    }
}

/// Runs create, open and open_or_create on `name` (each in a thread with a
/// deadline, so a blocking open is a failure, not a hang).
fn lib_ops(op: &str, name: &str) -> String {
    let ops: Vec<&str> = if op == "all" {
        vec!["create", "open", "open_or_create"]
    } else {
        vec![op]
    };
    let mut out = Vec::new();
    for op in ops {
        let (tx, rx) = std::sync::mpsc::channel();
        let (op2, name2) = (op.to_owned(), name.to_owned());
        std::thread::spawn(move || {
            let opts = {
                let mut o = ShmOptions::new();
                o.lock_timeout(Duration::from_secs(2));
                o
            };
            let r = match op2.as_str() {
                "create" => opts.create(&name2, 4096),
                "open" => opts.open(&name2),
                _ => opts.open_or_create(&name2, 4096),
            };
            let s = match &r {
                Err(Error::NameOccupied { what, .. }) => format!("NameOccupied({what})"),
                r => outcome(r),
            };
            // Close before reporting: the process may exit right after.
            drop(r);
            let _ = tx.send(s);
        });
        out.push(
            rx.recv_timeout(Duration::from_secs(20))
                .unwrap_or_else(|_| "BLOCKED".to_owned()),
        );
    }
    out.join(" | ")
}

fn ofd_lock(f: &std::fs::File, kind: libc::c_int) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    // SAFETY: flock is plain old data; all-zero is valid.
    let mut fl: libc::flock = unsafe { std::mem::zeroed() };
    fl.l_type = kind as libc::c_short;
    fl.l_whence = libc::SEEK_SET as libc::c_short;
    fl.l_len = 1;
    // SAFETY: a valid descriptor and flock with l_pid 0, as F_OFD_SETLK requires.
    if unsafe { libc::fcntl(f.as_raw_fd(), libc::F_OFD_SETLK, &fl) } == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// A forged object file: a valid header for `base`, claiming a payload of
/// `claimed` bytes, but `len` bytes long, the header in its last page (where
/// the library looks: a mapping's payload comes first).
fn forged_bytes(base: &str, claimed: u64, len: usize) -> Vec<u8> {
    let len = len.max(64 + base.len());
    let at = if len >= 4096 { (len / 4096 - 1) * 4096 } else { 0 };
    let mut b = vec![0u8; len.max(at + 64 + base.len())];
    let h = &mut b[at..];
    h[0..8].copy_from_slice(b"NSHMOBJ1");
    h[8..12].copy_from_slice(&2u32.to_le_bytes());
    h[12..16].copy_from_slice(&1u32.to_le_bytes());
    h[16..24].copy_from_slice(&claimed.to_le_bytes());
    h[44..48].copy_from_slice(&(base.len() as u32).to_le_bytes());
    h[64..64 + base.len()].copy_from_slice(base.as_bytes());
    b.truncate(len);
    b
}

fn plant(dir: &Path, file: &str, kind: &str, aux: &str) {
    let p = dir.join(file);
    match kind {
        "file" => {
            std::fs::write(&p, b"squatter's bytes").unwrap();
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o666)).unwrap();
        }
        "dir" => std::fs::create_dir(&p).unwrap(),
        "symlink" | "dir-symlink" => std::os::unix::fs::symlink(aux, &p).unwrap(),
        "dangling-symlink" => std::os::unix::fs::symlink(format!("{aux}.does-not-exist"), &p).unwrap(),
        "fifo" => {
            let c = CString::new(p.to_str().unwrap()).unwrap();
            // SAFETY: c is a valid path string.
            assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o666) }, 0);
        }
        "hardlink" => std::fs::hard_link(aux, &p).unwrap(),
        "forged-held-short" => {
            // A valid header claiming 64 KiB, in a 4 KiB file, held like a live object.
            std::fs::write(&p, forged_bytes(file, 65536, 4096)).unwrap();
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o666)).unwrap();
            let f = std::fs::File::open(&p).unwrap();
            ofd_lock(&f, libc::F_RDLCK).unwrap();
            std::mem::forget(f);
        }
        k => panic!("unknown kind {k}"),
    }
}

/// Everything that identifies an entry and its contents, without following links.
#[derive(Debug, PartialEq, Eq)]
struct Snapshot {
    mode: u32,
    uid: u32,
    len: u64,
    ino: u64,
    nlink: u64,
    mtime: (i64, i64),
    bytes: Option<Vec<u8>>,
    link: Option<PathBuf>,
}

fn snapshot(p: &Path) -> Snapshot {
    let md = std::fs::symlink_metadata(p).unwrap();
    let bytes = md.file_type().is_file().then(|| std::fs::read(p).unwrap());
    Snapshot {
        mode: md.mode(),
        uid: md.uid(),
        len: md.len(),
        ino: md.ino(),
        nlink: md.nlink(),
        mtime: (md.mtime(), md.mtime_nsec()),
        bytes,
        link: md
            .file_type()
            .is_symlink()
            .then(|| std::fs::read_link(p).unwrap()),
    }
}

/// A private root for one test (sticky and world-writable, like /dev/shm),
/// removed on drop.
struct TempRoot(PathBuf);

impl TempRoot {
    fn new(tag: &str) -> TempRoot {
        let p = PathBuf::from(format!("/dev/shm/named-shm-attack-{}", unique_name(tag)));
        std::fs::create_dir(&p).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o1777)).unwrap();
        TempRoot(p)
    }
    fn path(&self) -> &Path {
        &self.0
    }
    fn local(&self, uid: u32) -> PathBuf {
        self.0.join(format!("named-shm.u{uid}"))
    }
    fn global(&self) -> PathBuf {
        self.0.join("named-shm.global")
    }
    /// Grants `nobody`'s group (65534) the right to create in `Global\`, as
    /// `nshm setup-global --group` would: root:65534, mode 1775. Makes the
    /// directory (as root) first if needed.
    fn grant_nobody_global(&self) {
        if !self.global().exists() {
            assert_eq!(self.run("lib", &["create", "Global\\mkdir"]), "ok");
        }
        std::os::unix::fs::chown(self.global(), Some(0), Some(65534)).unwrap();
        std::fs::set_permissions(self.global(), std::fs::Permissions::from_mode(0o1775)).unwrap();
    }
    /// Runs a child in this root and returns its first message.
    fn run(&self, role: &str, args: &[&str]) -> String {
        let mut p = spawn_with(ENTRY, role, args, |c| {
            c.env("NAMED_SHM_DIR", &self.0);
        });
        let l = p.expect_line(T);
        p.success(T);
        l
    }
    /// Every path below the root, for "nothing left behind" checks.
    fn tree(&self) -> Vec<String> {
        fn walk(p: &Path, base: &Path, out: &mut Vec<String>) {
            if let Ok(rd) = std::fs::read_dir(p) {
                for e in rd.flatten() {
                    let path = e.path();
                    out.push(path.strip_prefix(base).unwrap().to_string_lossy().into_owned());
                    if e.file_type().map(|t| t.is_dir()).unwrap_or(false) {
                        walk(&path, base, out);
                    }
                }
            }
        }
        let mut v = Vec::new();
        walk(&self.0, &self.0, &mut v);
        v.sort();
        v
    }
}

impl Drop for TempRoot {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn needs_root(what: &str) -> bool {
    if is_root() {
        return true;
    }
    skip(&format!("needs root to {what}"));
    false
}

/// One planted-name case: `attacker` plants `kind` at `base` in `dir`, then
/// `victim` runs create, open and open_or_create on `name`. Every outcome
/// must be NameOccupied, nothing may block, the entry and any link target
/// must be unchanged, and reap must leave it alone.
#[allow(clippy::too_many_arguments)]
fn planted_case(
    root: &TempRoot,
    dir: &Path,
    base: &str,
    name: &str,
    kind: &str,
    attacker: &str,
    victim: &str,
    target: &Path,
) {
    let aux = match kind {
        "dir-symlink" => target.parent().unwrap().to_str().unwrap().to_owned(),
        _ => target.to_str().unwrap().to_owned(),
    };
    let mut planter = spawn_with(ENTRY, attacker, &[dir.to_str().unwrap(), base, kind, &aux], |c| {
        c.env("NAMED_SHM_DIR", root.path());
    });
    assert_eq!(planter.expect_line(T), "planted", "{kind}");
    let entry = dir.join(base);
    let before = snapshot(&entry);
    let target_before = snapshot(target);
    let got = root.run(victim, &["all", name]);
    let parts: Vec<&str> = got.split(" | ").collect();
    assert_eq!(parts.len(), 3, "{kind}: {got}");
    for p in &parts {
        // Refused: occupied by something that is not ours, or not even openable by us.
        assert!(
            p.starts_with("NameOccupied") || *p == "PermissionDenied",
            "{kind} in {name}: create | open | open_or_create gave {got}"
        );
    }
    assert_eq!(snapshot(&entry), before, "{kind}: the planted entry was changed");
    assert_eq!(
        snapshot(target),
        target_before,
        "{kind}: the link target was changed"
    );
    planter.send("done");
    planter.success(T);
    eprintln!("attack: {kind:<18} in {name:<40} -> {got}");
}

#[test]
#[ignore = "needs root: runs with --include-ignored as root (scripts/test.sh does)"]
fn names_planted_in_global_by_another_user_fail_closed() {
    if !needs_root("run a child as nobody") {
        return;
    }
    let root = TempRoot::new("plant-global");
    // Create the Global directory (as root, like a system service would) and
    // grant nobody's group: only a granted user can plant there at all.
    root.grant_nobody_global();
    // Root's file that a followed symlink or hard link would expose.
    let target = root.path().join("roots-file");
    std::fs::write(&target, b"root's precious bytes").unwrap();
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o644)).unwrap();
    // nobody's own file, which it may hard-link (protected_hardlinks allows its own).
    let nobodys = root.path().join("nobodys-file");
    std::fs::write(&nobodys, b"nobody's bytes").unwrap();
    std::os::unix::fs::chown(&nobodys, Some(65534), Some(65534)).unwrap();
    for kind in KINDS {
        let base = format!("g-{kind}");
        let t = if kind == "hardlink" { &nobodys } else { &target };
        planted_case(
            &root,
            &root.global(),
            &base,
            &format!("Global\\{base}"),
            kind,
            "nobody-plant",
            "lib",
            t,
        );
    }
    // reap (as root) leaves every foreign entry alone, except the forged
    // object: once its planter is gone it has a valid header and no holder,
    // exactly like an orphan, and root may reclaim orphans of any user.
    let before = root.tree();
    let got = root.run("reap", &[]);
    let after = root.tree();
    let gone: Vec<_> = before.iter().filter(|e| !after.contains(e)).collect();
    assert!(
        gone.iter().all(|e| e.contains("forged")),
        "reap removed {gone:?}: {got}"
    );
    eprintln!("attack: reap over the planted Global entries -> {got}");
    assert_eq!(std::fs::read(&target).unwrap(), b"root's precious bytes");
}

#[test]
#[ignore = "needs root: runs with --include-ignored as root (scripts/test.sh does)"]
fn names_planted_in_a_users_local_namespace_fail_closed() {
    if !needs_root("run the victim as nobody") {
        return;
    }
    // Root (or a confused process of the same user) plants entries in nobody's
    // private directory; nobody's library calls must refuse them all.
    let root = TempRoot::new("plant-local");
    assert_eq!(root.run("nobody-lib", &["create", "mkdir"]), "ok");
    let dir = root.local(65534);
    assert_eq!(std::fs::metadata(&dir).unwrap().uid(), 65534);
    // nobody's own file: what a followed link would let nobody's process truncate.
    let target = root.path().join("nobodys-file");
    std::fs::write(&target, b"nobody's precious bytes").unwrap();
    std::os::unix::fs::chown(&target, Some(65534), Some(65534)).unwrap();
    // Root's world-writable file, hard-linked into nobody's directory.
    let shared = root.path().join("roots-shared");
    std::fs::write(&shared, b"root's shared bytes").unwrap();
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o666)).unwrap();
    for kind in KINDS {
        let base = format!("l-{kind}");
        let t = if kind == "hardlink" { &shared } else { &target };
        planted_case(
            &root,
            &dir,
            &base,
            &format!("Local\\{base}"),
            kind,
            "plant",
            "nobody-lib",
            t,
        );
    }
    assert_eq!(std::fs::read(&shared).unwrap(), b"root's shared bytes");
    assert_eq!(std::fs::read(&target).unwrap(), b"nobody's precious bytes");
}

#[test]
#[ignore = "needs root: runs with --include-ignored as root (scripts/test.sh does)"]
fn a_hard_link_to_a_live_object_under_another_name_is_refused() {
    if !needs_root("run a child as nobody") {
        return;
    }
    let root = TempRoot::new("hardlink-live");
    // nobody may plant in Global only with the grant.
    root.grant_nobody_global();
    // Root holds Global\victim with mode 0666 (so protected_hardlinks lets nobody link it).
    let mut holder = spawn_with(
        ENTRY,
        "umask",
        &["022", "666", "victim-local", "Global\\victim"],
        |c| {
            c.env("NAMED_SHM_DIR", root.path());
        },
    );
    assert_eq!(holder.expect_line(T), "ok ok");
    let src = root.global().join("victim");
    let dst = root.global().join("alias");
    let mut p = spawn_with(
        ENTRY,
        "nobody-plant",
        &[
            root.global().to_str().unwrap(),
            "alias",
            "hardlink",
            src.to_str().unwrap(),
        ],
        |c| {
            c.env("NAMED_SHM_DIR", root.path());
        },
    );
    assert_eq!(p.expect_line(T), "planted");
    p.send("done");
    p.success(T);
    let got = root.run("lib", &["all", "Global\\alias"]);
    assert!(
        got.split(" | ")
            .all(|s| s.contains("header names another object")),
        "{got}"
    );
    // The real name still works, and dies with its holder.
    assert_eq!(root.run("lib", &["open", "Global\\victim"]), "ok");
    holder.send("done");
    holder.success(T);
    assert!(!src.exists(), "the real name died with its last handle");
    assert!(dst.exists(), "the alias is nobody's entry: left alone");
}

#[test]
#[ignore = "needs root: runs with --include-ignored as root (scripts/test.sh does)"]
fn a_squatted_or_loosened_namespace_directory_of_root_is_moved_aside_intact() {
    if !needs_root("run a child as nobody") {
        return;
    }
    let elsewhere_root = TempRoot::new("squat-target");
    let elsewhere = elsewhere_root.path().join("nobodys-dir");
    std::fs::create_dir(&elsewhere).unwrap();
    std::fs::set_permissions(&elsewhere, std::fs::Permissions::from_mode(0o777)).unwrap();
    std::os::unix::fs::chown(&elsewhere, Some(65534), Some(65534)).unwrap();
    // (squatter, kind, namespace dir, name to use, the name it is moved aside to)
    let cases: [(&str, &str, &str, &str, &str); 6] = [
        ("nobody-squat", "dir", "named-shm.u0", "x", "squatted-by-65534-"),
        (
            "nobody-squat",
            "symlink",
            "named-shm.u0",
            "x",
            "squatted-by-65534-",
        ),
        ("nobody-squat", "file", "named-shm.u0", "x", "squatted-by-65534-"),
        (
            "nobody-squat",
            "dir-1777",
            "named-shm.global",
            "Global\\x",
            "squatted-by-65534-",
        ),
        (
            "nobody-squat",
            "symlink",
            "named-shm.global",
            "Global\\x",
            "squatted-by-65534-",
        ),
        ("loosen", "0755", "named-shm.u0", "x", "unsafe-"),
    ];
    for (who, kind, dirname, name, aside) in cases {
        let root = TempRoot::new("squat");
        if who == "loosen" {
            let d = root.path().join(dirname);
            std::fs::create_dir(&d).unwrap();
            std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o755)).unwrap();
        } else {
            let mut p = spawn_with(
                ENTRY,
                who,
                &[
                    kind,
                    root.path().to_str().unwrap(),
                    dirname,
                    elsewhere.to_str().unwrap(),
                ],
                |_| {},
            );
            assert_eq!(p.expect_line(T), "squatted");
            p.success(T);
        }
        let before = snapshot(&root.path().join(dirname));
        // Root gets its own namespace back: every call works (the name dies
        // with its handle, so the open in between finds nothing).
        let got = root.run("lib", &["all", name]);
        assert_eq!(got, "ok | NotFound | ok", "{who} {kind} {dirname}");
        // The squatted entry was renamed aside, untouched.
        let moved: Vec<String> = root
            .tree()
            .into_iter()
            .filter(|e| e.starts_with(&format!("{dirname}.{aside}")) && !e.contains('/'))
            .collect();
        assert_eq!(moved.len(), 1, "{kind}: {:?}", root.tree());
        assert_eq!(
            snapshot(&root.path().join(&moved[0])),
            before,
            "{kind}: the squatted entry was changed"
        );
        let md = std::fs::symlink_metadata(root.path().join(dirname)).unwrap();
        let want = if dirname.ends_with("global") {
            0o1755
        } else {
            0o700
        };
        assert!(
            md.is_dir() && md.uid() == 0 && md.mode() & 0o7777 == want,
            "{kind}: {md:?}"
        );
        assert_eq!(
            std::fs::read_dir(&elsewhere).unwrap().count(),
            0,
            "nothing created through a symlink"
        );
        eprintln!(
            "attack: namespace dir {dirname} {who} {kind} -> {got}, moved aside to {}",
            moved[0]
        );
    }
}

#[test]
fn modes_are_exact_under_umask_000_and_077() {
    for (umask, mode) in [
        ("000", "600"),
        ("000", "644"),
        ("077", "666"),
        ("077", "640"),
        ("022", "660"),
    ] {
        let root = TempRoot::new("umask");
        let name = unique_name("m");
        let mut p = spawn_with(
            ENTRY,
            "umask",
            &[umask, mode, &name, &format!("Global\\{name}")],
            |c| {
                c.env("NAMED_SHM_DIR", root.path());
            },
        );
        assert_eq!(p.expect_line(T), "ok ok");
        let want = u32::from_str_radix(mode, 8).unwrap();
        let l = std::fs::metadata(root.local(euid()).join(&name)).unwrap();
        let g = std::fs::metadata(root.global().join(&name)).unwrap();
        assert_eq!(
            (l.mode() & 0o7777, g.mode() & 0o7777),
            (want, want),
            "objects, umask {umask}"
        );
        let ld = std::fs::metadata(root.local(euid())).unwrap();
        let gd = std::fs::metadata(root.global()).unwrap();
        assert_eq!(ld.mode() & 0o7777, 0o700, "Local directory, umask {umask}");
        assert_eq!(
            gd.mode() & 0o7777,
            0o1755,
            "Global directory (root's, no grant), umask {umask}"
        );
        p.send("done");
        p.success(T);
        assert!(
            root.tree().iter().all(|e| e.starts_with("named-shm.")) && root.tree().len() == 2,
            "{:?}",
            root.tree()
        );
    }
}

#[test]
#[ignore = "needs root: runs with --include-ignored as root (scripts/test.sh does)"]
fn another_users_local_objects_cannot_be_read_or_written() {
    if !needs_root("run a child as nobody") {
        return;
    }
    let root = TempRoot::new("other-local");
    let name = unique_name("secret");
    // Root's Local object with a permissive mode: the 0700 directory still protects it.
    let mut holder = spawn_with(
        ENTRY,
        "umask",
        &["000", "666", &name, &format!("Global\\{name}-g")],
        |c| {
            c.env("NAMED_SHM_DIR", root.path());
        },
    );
    assert_eq!(holder.expect_line(T), "ok ok");
    let path = root.local(0).join(&name);
    assert_eq!(
        root.run("nobody-lib", &["open", &name]),
        "NotFound",
        "nobody's Local\\ is its own"
    );
    assert_eq!(
        root.run("nobody-lib", &["open", &format!("Local\\{name}")]),
        "NotFound"
    );
    for acc in ["r", "rw"] {
        assert_eq!(
            root.run("nobody-open-path", &[path.to_str().unwrap(), acc]),
            format!("errno {}", libc::EACCES),
            "{acc}"
        );
    }
    assert_eq!(
        root.run("nobody-truncate", &[path.to_str().unwrap(), "0"]),
        format!("errno {}", libc::EACCES)
    );
    holder.send("done");
    holder.success(T);
    assert!(!path.exists());
}

#[test]
#[ignore = "needs root: runs with --include-ignored as root (scripts/test.sh does)"]
fn a_peer_truncating_a_global_object_gets_the_documented_outcome() {
    if !needs_root("run a child as nobody") {
        return;
    }
    let root = TempRoot::new("truncate");
    // 0644: nobody can read but not truncate.
    let mut holder = spawn_with(ENTRY, "umask", &["022", "644", "l", "Global\\t644"], |c| {
        c.env("NAMED_SHM_DIR", root.path());
    });
    assert_eq!(holder.expect_line(T), "ok ok");
    let p644 = root.global().join("t644");
    assert_eq!(
        root.run("nobody-truncate", &[p644.to_str().unwrap(), "0"]),
        format!("errno {}", libc::EACCES)
    );
    assert_eq!(
        std::fs::metadata(&p644).unwrap().len(),
        8192,
        "a read-only peer cannot shrink it"
    );
    // A read-only holder cannot take the write lock that would block closers and openers.
    let mut p = spawn_with(ENTRY, "nobody-wrlock", &[p644.to_str().unwrap(), "r"], |_| {});
    assert_eq!(p.expect_line(T), format!("errno {}", libc::EBADF));
    p.send("done");
    p.success(T);
    holder.send("done");
    holder.success(T);

    // 0666: any user may write, and so may truncate (as with any shared file).
    let mut holder = spawn_with(ENTRY, "umask", &["022", "666", "l2", "Global\\t666"], |c| {
        c.env("NAMED_SHM_DIR", root.path());
    });
    assert_eq!(holder.expect_line(T), "ok ok");
    let p666 = root.global().join("t666");
    let mut viewer = spawn_with(ENTRY, "map-then-touch", &["Global\\t666"], |c| {
        c.env("NAMED_SHM_DIR", root.path());
    });
    assert_eq!(viewer.expect_line(T), "mapped");
    assert_eq!(
        // To nothing: the payload comes first in the file, so a shorter cut
        // would leave the view's one page partly in place.
        root.run("nobody-truncate", &[p666.to_str().unwrap(), "0"]),
        "truncated"
    );
    // New opens refuse the damaged object...
    let got = root.run("lib", &["all", "Global\\t666"]);
    assert!(got.split(" | ").all(|s| s.contains("truncated")), "{got}");
    // ...and a view mapped before the truncation faults (SIGBUS) past the new end:
    // the documented contract (Linux cannot seal a named file against shrinking).
    viewer.send("touch");
    let st = viewer.wait(T);
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(st.signal(), Some(libc::SIGBUS), "documented outcome: {st}");
    // A holder whose lock is taken by the peer's write lock: opens time out, never hang.
    let mut p = spawn_with(ENTRY, "nobody-wrlock", &[p666.to_str().unwrap(), "rw"], |_| {});
    let l = p.expect_line(T);
    assert!(l == "locked" || l == format!("errno {}", libc::EAGAIN), "{l}");
    p.send("done");
    p.success(T);
    holder.send("done");
    holder.success(T);
    // The last close reclaims the damaged object: nothing left.
    assert!(!p666.exists(), "{:?}", root.tree());
    assert!(!p644.exists());
}

#[test]
#[ignore = "needs root: runs with --include-ignored as root (scripts/test.sh does)"]
fn a_peer_holding_the_write_lock_makes_opens_time_out_not_hang() {
    if !needs_root("run a child as nobody") {
        return;
    }
    let root = TempRoot::new("wrlock");
    let mut holder = spawn_with(ENTRY, "umask", &["022", "666", "l", "Global\\held"], |c| {
        c.env("NAMED_SHM_DIR", root.path());
    });
    assert_eq!(holder.expect_line(T), "ok ok");
    let path = root.global().join("held");
    // nobody opens the file for writing (0666 allows it) and grabs the write
    // lock a closer would take: it cannot get it while root's handle holds a read lock.
    let mut p = spawn_with(ENTRY, "nobody-wrlock", &[path.to_str().unwrap(), "rw"], |_| {});
    assert_eq!(p.expect_line(T), format!("errno {}", libc::EAGAIN));
    p.send("done");
    p.success(T);
    holder.send("done");
    holder.success(T);
    // On a dead object nobody's write lock succeeds; opens then time out with
    // an error (lock_timeout 2 s in the child), they never hang.
    std::fs::write(&path, forged_bytes("held", 4096, 8192)).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).unwrap();
    let mut p = spawn_with(ENTRY, "nobody-wrlock", &[path.to_str().unwrap(), "rw"], |_| {});
    assert_eq!(p.expect_line(T), "locked");
    let got = root.run("lib", &["open", "Global\\held"]);
    assert!(got == "Timeout" || got.starts_with("NameOccupied"), "{got}");
    p.send("done");
    p.success(T);
    eprintln!("attack: write lock held by a peer on a dead object -> {got}");
}

/// Unmounts on drop.
struct Mount(PathBuf);

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).status();
        let _ = std::fs::remove_dir(&self.0);
    }
}

fn statfs_free(p: &Path) -> u64 {
    let c = CString::new(p.to_str().unwrap()).unwrap();
    // SAFETY: statfs is plain old data; all-zero is valid.
    let mut s: libc::statfs = unsafe { std::mem::zeroed() };
    // SAFETY: c is a valid path; s a valid out-pointer.
    assert_eq!(unsafe { libc::statfs(c.as_ptr(), &mut s) }, 0);
    s.f_bfree as u64 * s.f_bsize as u64
}

/// In the child: the tmpfs at NAMED_SHM_DIR is 2 MiB.
fn fill_tmpfs() {
    let root = PathBuf::from(std::env::var("NAMED_SHM_DIR").unwrap());
    // Warm up: create the namespace directory.
    drop(SharedMemory::create("warm", 4096).unwrap());
    let free0 = statfs_free(&root);
    let entries = || {
        std::fs::read_dir(root.join(format!("named-shm.u{}", euid())))
            .unwrap()
            .count()
    };
    let too_big = SharedMemory::create("too-big", 4 << 20);
    assert!(matches!(too_big, Err(Error::OutOfMemory { .. })), "{too_big:?}");
    assert_eq!(entries(), 0, "nothing left behind by a failed create");
    assert_eq!(statfs_free(&root), free0, "no space kept by a failed create");
    // Fill it with 256 KiB objects until the memory runs out.
    let mut held = Vec::new();
    let oom = loop {
        match SharedMemory::create(&format!("part-{}", held.len()), 256 << 10) {
            Ok(s) => held.push(s),
            Err(e) => break e,
        }
        assert!(
            held.len() < 64,
            "a 2 MiB tmpfs took {} objects of 256 KiB",
            held.len()
        );
    };
    assert!(matches!(oom, Error::OutOfMemory { .. }), "{oom:?}");
    assert_eq!(entries(), held.len(), "the failed create left nothing");
    // Every page of every object that fitted is there: touching never SIGBUSes.
    for s in &held {
        let v = s.map(0, 0).unwrap();
        for off in (0..v.len()).step_by(4096) {
            v.write_at(off, &[0xA5]).unwrap();
        }
    }
    let n = held.len();
    // A reserve-mode object (SEC_RESERVE) is not committed: documented to fault when the tmpfs is full.
    let r = ShmOptions::new().commit(false).create("reserve", 1 << 20);
    let reserve = outcome(&r);
    drop(r);
    drop(held);
    assert_eq!(entries(), 0, "every name died with its handle");
    assert_eq!(statfs_free(&root), free0, "all memory returned");
    say(format!(
        "filled {n} objects of 256 KiB, then {} ; reserve-mode create: {reserve}",
        variant(&oom)
    ));
}

#[test]
#[ignore = "needs root: runs with --include-ignored as root (scripts/test.sh does)"]
fn a_full_tmpfs_fails_create_cleanly_and_committed_objects_never_sigbus() {
    if !needs_root("mount a small tmpfs") {
        return;
    }
    let dir = PathBuf::from(format!("/tmp/named-shm-full-{}", unique_name("tmpfs")));
    std::fs::create_dir_all(&dir).unwrap();
    let st = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=2m,mode=1777", "tmpfs"])
        .arg(&dir)
        .status();
    if !matches!(st, Ok(s) if s.success()) {
        let _ = std::fs::remove_dir(&dir);
        return skip("mount -t tmpfs failed (no CAP_SYS_ADMIN?)");
    }
    let m = Mount(dir);
    let mut p = spawn_with(ENTRY, "fill", &[], |c| {
        c.env("NAMED_SHM_DIR", &m.0);
    });
    let l = p.expect_line(Duration::from_secs(60));
    let status = p.wait(T);
    assert!(
        status.success(),
        "child died: {status} (SIGBUS would be signal 7); said {l}"
    );
    eprintln!("attack: 2 MiB tmpfs: {l}");
    assert!(l.starts_with("filled") && l.contains("OutOfMemory"), "{l}");
}

#[test]
fn an_external_remove_never_lets_a_later_close_unlink_the_new_object() {
    // `rm` (or logind's RemoveIPC) removes a live name: holders keep their
    // memory, the name is free, and the old handles' closes must never
    // unlink the new object that took the name.
    for read_only_old in [false, true] {
        let name = unique_name("external-rm");
        let creator = SharedMemory::create(&name, 4096).unwrap();
        let old = if read_only_old {
            SharedMemory::options().access(Access::Read).open(&name).unwrap()
        } else {
            SharedMemory::open(&name).unwrap()
        };
        let view = creator.map(0, 0).unwrap();
        view.write_at(0, b"old").unwrap();
        named_shm::admin::remove(&name).unwrap();
        assert!(matches!(
            SharedMemory::options().access(Access::Read).open(&name),
            Err(Error::NotFound { .. })
        ));
        let sut = SharedMemory::create(&name, 4096).expect("the name is free again");
        sut.map(0, 0).unwrap().write_at(0, b"new").unwrap();
        // The old holders still work on their own memory...
        let mut b = [0u8; 3];
        old.map(0, 0).unwrap().read_at(0, &mut b).unwrap();
        assert_eq!(&b, b"old");
        // ...and their closes leave the new object alone.
        drop(view);
        drop(old);
        drop(creator);
        let again = SharedMemory::options()
            .access(Access::Read)
            .open(&name)
            .expect("the new object survived the old closes");
        again.map(0, 0).unwrap().read_at(0, &mut b).unwrap();
        assert_eq!(&b, b"new", "read-only old handle: {read_only_old}");
        drop(again);
        drop(sut);
        assert!(matches!(
            SharedMemory::options().access(Access::Read).open(&name),
            Err(Error::NotFound { .. })
        ));
    }
}
