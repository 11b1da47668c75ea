//! Creation: atomic publish, exactly one creator, sizes (semantics 2, 4 and 8).

mod common;

use common::*;
use named_shm::{Access, Error, SharedMemory, ShmOptions};
use std::time::{Duration, Instant};

const BIG: u64 = 32 << 20;

#[test]
fn child() {
    let Some((role, args)) = role() else { return };
    let code = match role.as_str() {
        // Wait for "go", open_or_create, report created flag and inode, hold until told.
        "race" => {
            say("ready");
            if wait_parent().as_deref() != Some("go") {
                exit_child(3);
            }
            let shm = SharedMemory::open_or_create(&args[0], 4096).expect("open_or_create");
            let ino = named_shm::admin::info(&args[0]).expect("info").inode;
            say(format!("{} {}", shm.created(), ino));
            wait_parent();
            0
        }
        // Create and destroy big objects in a loop until stdin closes.
        "churn" => {
            say("ready");
            let stop = std::thread::spawn(wait_parent);
            let deadline = Instant::now() + Duration::from_secs(20);
            let mut n = 0;
            while !stop.is_finished() && Instant::now() < deadline {
                if let Ok(shm) = SharedMemory::create(&args[0], BIG) {
                    shm.map(0, 0).unwrap().write_at(0, b"stamp").unwrap();
                    n += 1;
                }
            }
            say(format!("cycles={n}"));
            0
        }
        // Create with huge pages under the NAMED_SHM_DIR the parent mounted.
        "huge" => {
            let r = ShmOptions::new()
                .huge_pages(true)
                .create(&unique_name("huge"), 4 << 20);
            say(match r {
                Ok(s) => {
                    let v = s.map(0, 0).unwrap();
                    v.fill(0, v.len(), 3).unwrap();
                    "huge ok".to_owned()
                }
                Err(e) => format!("huge failed: {e}"),
            });
            0
        }
        // [name, text]: opens with the shortcut, says its access, writes `text`.
        "open-write" => {
            let shm = SharedMemory::open(&args[0]).expect("open");
            shm.map(0, 0).unwrap().write_at(0, args[1].as_bytes()).unwrap();
            say(format!("{:?}", shm.access()));
            0
        }
        // [name, len]: opens read-only through the builder, says its access,
        // whether a writable view is refused, and the first `len` bytes.
        "open-read-only" => {
            let shm = SharedMemory::options()
                .access(Access::Read)
                .open(&args[0])
                .expect("open");
            let refused = matches!(
                shm.map_with(named_shm::ViewAccess::ReadWrite, 0, 0),
                Err(Error::PermissionDenied { .. })
            );
            let mut text = vec![0; args[1].parse().unwrap()];
            shm.map(0, 0).unwrap().read_at(0, &mut text).unwrap();
            say(format!(
                "{:?} {refused} {}",
                shm.access(),
                String::from_utf8_lossy(&text)
            ));
            0
        }
        other => panic!("unknown role {other}"),
    };
    exit_child(code);
}

#[test]
fn concurrent_creators_exactly_one_creates_the_rest_open_the_same_object() {
    const N: usize = 6;
    for round in 0..5 {
        let name = unique_name("race");
        let mut procs: Vec<Proc> = (0..N).map(|_| spawn("child", "race", &[&name])).collect();
        for p in &mut procs {
            assert_eq!(p.expect_line(T), "ready");
        }
        for p in &mut procs {
            p.send("go");
        }
        let results: Vec<(bool, u64)> = procs
            .iter_mut()
            .map(|p| {
                let l = p.expect_line(T);
                let (c, i) = l.split_once(' ').unwrap();
                (c == "true", i.parse().unwrap())
            })
            .collect();
        let creators = results.iter().filter(|r| r.0).count();
        assert_eq!(creators, 1, "round {round}: exactly one creator, got {results:?}");
        assert!(
            results.iter().all(|r| r.1 == results[0].1),
            "round {round}: one object, got {results:?}"
        );
        for mut p in procs {
            p.success(T);
        }
        assert!(!ns_has(false, &name));
    }
}

#[test]
fn openers_never_see_a_partially_created_object() {
    let name = unique_name("partial");
    let mut churn = spawn("child", "churn", &[&name]);
    assert_eq!(churn.expect_line(T), "ready");
    let deadline = Instant::now() + Duration::from_secs(3);
    let (mut seen, mut missing) = (0u32, 0u32);
    while Instant::now() < deadline {
        match SharedMemory::options().access(Access::Read).open(&name) {
            Ok(sut) => {
                // Complete: the full size, the header intact, mappable to the end.
                assert_eq!(sut.size(), BIG);
                let v = sut.map(0, 0).unwrap();
                let mut last = [0xFFu8; 1];
                v.read_at(v.len() - 1, &mut last).unwrap();
                assert_eq!(last, [0]);
                seen += 1;
            }
            Err(Error::NotFound { .. }) => missing += 1,
            Err(e) => panic!("unexpected error: {e}"),
        }
    }
    churn.close_stdin();
    let cycles = churn.expect_line(T);
    churn.success(T);
    eprintln!("opened {seen} complete objects, {missing} not found, creator {cycles}");
    assert!(seen + missing > 0);
}

#[test]
fn killing_a_creator_at_any_moment_never_exposes_a_partial_object() {
    let name = unique_name("kill-creator");
    for i in 0..10u64 {
        let mut churn = spawn("child", "churn", &[&name]);
        assert_eq!(churn.expect_line(T), "ready");
        std::thread::sleep(Duration::from_millis(3 + (i * 7) % 20));
        churn.kill9();
        match SharedMemory::options().access(Access::Read).open(&name) {
            Ok(sut) => panic!("an object of a killed creator was opened (size {})", sut.size()),
            Err(Error::NotFound { .. }) => {}
            Err(e) => panic!("unexpected error: {e}"),
        }
        assert!(
            !ns_has(false, &name),
            "open reclaims whatever the killed creator left"
        );
    }
}

#[test]
fn create_on_a_live_name_fails_and_open_or_create_keeps_the_existing_size() {
    let name = unique_name("exists");
    let first = SharedMemory::create(&name, 8192).unwrap();
    first.map(0, 0).unwrap().write_at(0, b"keep").unwrap();
    assert!(matches!(
        SharedMemory::create(&name, 4096),
        Err(Error::AlreadyExists { .. })
    ));
    let sut = SharedMemory::open_or_create(&name, 1 << 20).unwrap();
    assert!(!sut.created());
    assert_eq!(sut.size(), 8192, "an existing object keeps its size");
    let mut b = [0u8; 4];
    sut.map(0, 0).unwrap().read_at(0, &mut b).unwrap();
    assert_eq!(&b, b"keep", "never truncated or re-zeroed");
}

#[test]
fn open_of_a_missing_name_fails_with_not_found() {
    let e = SharedMemory::options()
        .access(Access::Read)
        .open(&unique_name("missing"))
        .unwrap_err();
    assert!(matches!(e, Error::NotFound { .. }));
    assert_eq!(e.win32_code(), 2);
    assert!(
        e.to_string().contains("t-missing"),
        "message names the object: {e}"
    );
}

#[test]
fn size_zero_is_an_invalid_size_error() {
    let name = unique_name("size0");
    let e = SharedMemory::create(&name, 0).unwrap_err();
    assert!(matches!(e, Error::InvalidSize { size: 0, .. }), "{e}");
    assert_eq!(e.win32_code(), 87);
    assert!(!ns_has(false, &name));
}

#[test]
fn sizes_round_up_to_whole_pages() {
    let name = unique_name("round");
    assert_eq!(SharedMemory::create(&name, 4090).unwrap().size(), 4096);
    assert_eq!(SharedMemory::create(&name, 0x3457).unwrap().size(), 0x4000);
}

#[test]
fn a_size_beyond_free_memory_is_out_of_memory_with_nothing_left_behind() {
    let name = unique_name("oom");
    let before = ns_entries(false).len();
    // 16 TiB: more than this machine's /dev/shm can hold.
    let e = SharedMemory::create(&name, 16 << 40).unwrap_err();
    assert!(matches!(e, Error::OutOfMemory { .. }), "{e}");
    assert_eq!(e.win32_code(), 8);
    assert!(!ns_has(false, &name));
    assert!(
        ns_entries(false).len() <= before + 8,
        "no leftovers (other tests run in parallel)"
    );
}

#[test]
fn reserve_mode_creates_without_committing_memory() {
    let name = unique_name("reserve");
    let sut = ShmOptions::new().commit(false).create(&name, 1 << 30).unwrap();
    assert!(!sut.committed());
    let v = sut.map(0, 4096).unwrap();
    v.write_at(0, b"touched").unwrap();
    let info = named_shm::admin::info(&name).unwrap();
    assert!(!info.committed);
}

#[test]
fn prefaulted_views_are_usable() {
    let name = unique_name("prefault");
    let sut = ShmOptions::new().prefault(true).create(&name, 1 << 20).unwrap();
    let v = sut.map(0, 0).unwrap();
    v.fill(0, v.len(), 7).unwrap();
    assert_eq!(v.read::<u8>(v.len() - 1).unwrap(), 7);
}

#[test]
fn huge_pages_are_used_where_offered_and_refused_clearly_where_not() {
    let name = unique_name("huge");
    match ShmOptions::new().huge_pages(true).create(&name, 4 << 20) {
        Ok(sut) => {
            let v = sut.map(0, 0).unwrap();
            v.fill(0, v.len(), 1).unwrap();
            assert_eq!(v.read::<u8>(v.len() - 1).unwrap(), 1);
        }
        Err(e) => {
            assert!(matches!(e, Error::Unsupported { .. }), "{e}");
            #[cfg(unix)]
            assert!(e.to_string().contains("huge="), "names the setting: {e}");
            assert!(!ns_has(false, &name), "nothing left behind");
            eprintln!("huge pages not offered here: {e}");
        }
    }
}

#[test]
#[ignore = "needs root: runs with --include-ignored as root (scripts/test.sh does)"]
#[cfg(unix)]
fn huge_pages_work_on_a_tmpfs_mounted_with_huge_always() {
    if !is_root() {
        return skip("needs root to mount a tmpfs with huge=always");
    }
    let dir = format!("/dev/shm/named-shm-test-{}", unique_name("hugemnt"));
    std::fs::create_dir(&dir).unwrap();
    let ok = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=16m,huge=always", "tmpfs", &dir])
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        let _ = std::fs::remove_dir(&dir);
        return skip("mount -t tmpfs -o huge=always failed (no permission or no THP support)");
    }
    let mut p = spawn_with("child", "huge", &[], |c| {
        c.env("NAMED_SHM_DIR", &dir);
    });
    let line = p.expect_line(T);
    p.success(T);
    let _ = std::process::Command::new("umount").arg(&dir).status();
    let _ = std::fs::remove_dir(&dir);
    assert_eq!(line, "huge ok");
}

#[test]
fn shared_memory_open_is_read_write_and_options_open_read_only() {
    let name = unique_name("open-access");
    let sut = SharedMemory::options().create(&name, 4096).unwrap();
    assert_eq!(sut.access(), Access::ReadWrite);

    // Another process opens with the shortcut: read-write, its write lands here.
    let mut writer = spawn("child", "open-write", &[&name, "written by the opener"]);
    assert_eq!(writer.expect_line(T), "ReadWrite");
    writer.success(T);
    let mut text = [0u8; 21];
    sut.map(0, 0).unwrap().read_at(0, &mut text).unwrap();
    assert_eq!(&text, b"written by the opener");

    // Another through the builder with Access::Read: reads, and no writable view.
    let mut reader = spawn("child", "open-read-only", &[&name, "21"]);
    assert_eq!(reader.expect_line(T), "Read true written by the opener");
    reader.success(T);

    // The same here, and the builder's default is read-write too.
    assert_eq!(SharedMemory::open(&name).unwrap().access(), Access::ReadWrite);
    assert_eq!(
        SharedMemory::options().open(&name).unwrap().access(),
        Access::ReadWrite
    );
    let ro = SharedMemory::options().access(Access::Read).open(&name).unwrap();
    assert_eq!(ro.access(), Access::Read);
    assert!(matches!(
        ro.map_with(named_shm::ViewAccess::ReadWrite, 0, 0),
        Err(Error::PermissionDenied { .. })
    ));
}
