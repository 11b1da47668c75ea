//! Lifetime: the name lives while any handle is open, in any process, and dies
//! with the last one (semantics 1, 3, 5 and 9 of the core issue).

mod common;

use common::*;
use named_shm::{admin, Access, Error, SharedMemory, ShmOptions};
use std::time::Duration;

/// Child roles, run when this binary is re-executed by `spawn`.
#[test]
fn child() {
    let Some((role, args)) = role() else { return };
    let code = match role.as_str() {
        // Create (or open) the object, write a byte, report, hold until told.
        "hold" => {
            let shm = SharedMemory::open_or_create(&args[0], 4096).expect("open_or_create");
            shm.map(0, 0).unwrap().write_at(0, b"H").unwrap();
            say(format!("created={}", shm.created()));
            wait_parent();
            0
        }
        // Create, then fork: the forked child drops its copy and exits; the
        // parent reports whether the name survived.
        #[cfg(unix)]
        "fork-child-drops" => {
            let shm = SharedMemory::create(&args[0], 4096).expect("create");
            // SAFETY: this process is single-purpose; the child only drops a
            // handle (syscalls) and exits with _exit.
            let pid = unsafe { libc::fork() };
            if pid == 0 {
                drop(shm);
                // SAFETY: immediate exit of the forked child.
                unsafe { libc::_exit(0) };
            }
            let mut status = 0;
            // SAFETY: pid is our child.
            unsafe { libc::waitpid(pid, &mut status, 0) };
            let alive = SharedMemory::options()
                .access(Access::Read)
                .open(&args[0])
                .is_ok();
            say(format!("alive-after-child={alive}"));
            drop(shm);
            let gone = matches!(
                SharedMemory::options().access(Access::Read).open(&args[0]),
                Err(Error::NotFound { .. })
            );
            say(format!("gone-after-parent={gone}"));
            0
        }
        // Create, fork; the parent drops first, the child checks and drops.
        #[cfg(unix)]
        "fork-parent-drops" => {
            let shm = SharedMemory::create(&args[0], 4096).expect("create");
            let (r, w) = {
                let mut fds = [0; 2];
                // SAFETY: fds is a valid 2-element array.
                assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
                (fds[0], fds[1])
            };
            // SAFETY: single-purpose process; see above.
            let pid = unsafe { libc::fork() };
            if pid == 0 {
                let mut b = [0u8; 1];
                // SAFETY: r is the read end of our pipe.
                unsafe { libc::read(r, b.as_mut_ptr().cast(), 1) };
                let alive = SharedMemory::options()
                    .access(Access::Read)
                    .open(&args[0])
                    .is_ok();
                drop(shm);
                // SAFETY: immediate exit with the observation as the status.
                unsafe { libc::_exit(if alive { 0 } else { 1 }) };
            }
            drop(shm);
            // SAFETY: w is the write end of our pipe.
            unsafe { libc::write(w, b"x".as_ptr().cast(), 1) };
            let mut status = 0;
            // SAFETY: pid is our child.
            unsafe { libc::waitpid(pid, &mut status, 0) };
            say(format!(
                "child-saw-alive={}",
                libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0
            ));
            let gone = matches!(
                SharedMemory::options().access(Access::Read).open(&args[0]),
                Err(Error::NotFound { .. })
            );
            say(format!("gone-after-both={gone}"));
            0
        }
        other => panic!("unknown role {other}"),
    };
    exit_child(code);
}

#[test]
fn name_lives_while_any_process_holds_a_handle_and_dies_with_the_last() {
    let name = unique_name("life");
    let mut holder = spawn("child", "hold", &[&name]);
    assert_eq!(holder.expect_line(T), "created=true");

    let sut = SharedMemory::open(&name).expect("open while the child holds it");
    assert!(!sut.created());
    let mut b = [0u8; 1];
    sut.map(0, 0).unwrap().read_at(0, &mut b).unwrap();
    assert_eq!(&b, b"H");

    // The creator exits: our handle keeps the name alive.
    holder.success(T);
    assert!(SharedMemory::options().access(Access::Read).open(&name).is_ok());

    // Our last handle closes: the name is gone and a create makes a new, zeroed object.
    drop(sut);
    assert!(matches!(
        SharedMemory::options().access(Access::Read).open(&name),
        Err(Error::NotFound { .. })
    ));
    assert!(!ns_has(false, &name));
    let again = SharedMemory::create(&name, 4096).expect("create after the last close");
    again.map(0, 0).unwrap().read_at(0, &mut b).unwrap();
    assert_eq!(b, [0]);
}

#[test]
fn name_dies_with_the_last_handle_while_a_view_keeps_the_memory() {
    let name = unique_name("view-outlives");
    let sut = SharedMemory::create(&name, 8192).unwrap();
    let view = sut.map(0, 0).unwrap();
    view.write_at(100, b"old generation").unwrap();
    drop(sut);

    assert!(matches!(
        SharedMemory::options().access(Access::Read).open(&name),
        Err(Error::NotFound { .. })
    ));
    assert!(
        !ns_has(false, &name),
        "the file must be unlinked while the view lives"
    );
    // The view still reads and writes the old memory.
    let mut buf = [0u8; 14];
    view.read_at(100, &mut buf).unwrap();
    assert_eq!(&buf, b"old generation");
    view.write_at(0, b"still writable").unwrap();

    // A new object under the same name is new and zero-filled, not the view's memory.
    let fresh = SharedMemory::create(&name, 8192).unwrap();
    assert!(fresh.created());
    fresh.map(0, 0).unwrap().read_at(100, &mut buf).unwrap();
    assert_eq!(buf, [0u8; 14]);
    view.read_at(100, &mut buf).unwrap();
    assert_eq!(&buf, b"old generation");
}

#[test]
fn killed_holders_leave_a_name_nobody_can_open_and_storage_is_reclaimed_on_open() {
    let name = unique_name("kill-open");
    let mut a = spawn("child", "hold", &[&name]);
    assert_eq!(a.expect_line(T), "created=true");
    let mut b = spawn("child", "hold", &[&name]);
    assert_eq!(b.expect_line(T), "created=false");
    a.kill9();
    b.kill9();
    // The orphan's file stays until someone touches the name (or a concurrent
    // test's reap() takes it): either way, nobody can open it.
    assert!(matches!(
        SharedMemory::options().access(Access::Read).open(&name),
        Err(Error::NotFound { .. })
    ));
    assert!(!ns_has(false, &name), "open reclaims the orphan");
}

#[test]
fn killed_holders_storage_is_reclaimed_by_the_next_create_zero_filled() {
    let name = unique_name("kill-create");
    let mut a = spawn("child", "hold", &[&name]);
    assert_eq!(a.expect_line(T), "created=true");
    a.kill9();
    let sut = SharedMemory::create(&name, 4096).expect("create over an orphan");
    assert!(sut.created());
    let mut b = [1u8; 1];
    sut.map(0, 0).unwrap().read_at(0, &mut b).unwrap();
    assert_eq!(b, [0], "the orphan's bytes must not survive");
}

#[test]
#[cfg_attr(
    windows,
    ignore = "Windows has no orphans to reap: the kernel frees a name with its last handle, even a killed holder's"
)]
fn reap_reclaims_every_orphan_in_the_namespace() {
    let names: Vec<String> = (0..3).map(|_| unique_name("reap")).collect();
    for n in &names {
        let mut p = spawn("child", "hold", &[n]);
        assert_eq!(p.expect_line(T), "created=true");
        p.kill9();
    }
    let live_name = unique_name("reap-live");
    let live = SharedMemory::create(&live_name, 4096).unwrap();
    let dry = admin::reap_dry_run().unwrap();
    for n in &names {
        assert!(
            dry.reclaimed.iter().any(|r| r == &format!("Local\\{n}")),
            "dry run lists {n}"
        );
        assert!(ns_has(false, n), "dry run leaves {n}");
    }
    let report = admin::reap().unwrap();
    for n in &names {
        assert!(
            report.reclaimed.iter().any(|r| r == &format!("Local\\{n}")),
            "reap reports {n}: {report:?}"
        );
        assert!(!ns_has(false, n));
    }
    assert!(!report.reclaimed.iter().any(|r| r.ends_with(&live_name)));
    assert!(
        SharedMemory::options()
            .access(Access::Read)
            .open(&live_name)
            .is_ok(),
        "live objects survive reap"
    );
    drop(live);
}

#[test]
fn new_memory_is_zero_even_when_a_name_is_reused() {
    let name = unique_name("zero");
    for commit in [true, false] {
        for _ in 0..3 {
            let sut = ShmOptions::new().commit(commit).create(&name, 3 * 4096).unwrap();
            let view = sut.map(0, 0).unwrap();
            let mut buf = vec![0xFFu8; view.len()];
            view.read_at(0, &mut buf).unwrap();
            assert!(
                buf.iter().all(|&b| b == 0),
                "fresh object not zero (commit={commit})"
            );
            view.fill(0, view.len(), 0xAA).unwrap();
        }
    }
}

#[test]
#[cfg_attr(
    windows,
    ignore = "Windows has no fork(); CreateProcess inherits only handles marked inheritable"
)]
fn forked_child_dropping_its_handle_never_frees_the_parents_object() {
    let name = unique_name("fork-child");
    let mut p = spawn("child", "fork-child-drops", &[&name]);
    assert_eq!(p.expect_line(T), "alive-after-child=true");
    assert_eq!(p.expect_line(T), "gone-after-parent=true");
    p.success(T);
}

#[test]
#[cfg_attr(
    windows,
    ignore = "Windows has no fork(); CreateProcess inherits only handles marked inheritable"
)]
fn forked_child_keeps_the_object_alive_after_the_parent_drops() {
    let name = unique_name("fork-parent");
    let mut p = spawn("child", "fork-parent-drops", &[&name]);
    assert_eq!(p.expect_line(T), "child-saw-alive=true");
    assert_eq!(p.expect_line(T), "gone-after-both=true");
    p.success(T);
}

#[test]
fn a_handle_in_another_process_keeps_the_name_after_our_close() {
    let name = unique_name("other-keeps");
    let sut = SharedMemory::create(&name, 4096).unwrap();
    let mut p = spawn("child", "hold", &[&name]);
    assert_eq!(p.expect_line(T), "created=false");
    drop(sut);
    assert!(
        SharedMemory::options().access(Access::Read).open(&name).is_ok(),
        "the child's handle keeps it"
    );
    p.send("exit");
    p.success(Duration::from_secs(30));
    assert!(matches!(
        SharedMemory::options().access(Access::Read).open(&name),
        Err(Error::NotFound { .. })
    ));
}
