//! Named semaphores across real processes: `CreateSemaphore`,
//! `OpenSemaphore`, `ReleaseSemaphore`, `WaitForSingleObject`,
//! `WaitForMultipleObjects`.

mod common;

use common::{
    code, exit_child, role, soon_not_found, spawn, unique_name, wait_until, watchdog, Counters, Proc,
};
use named_shm::{
    code as win32, wait_for_multiple, Access, Error, Event, MultiWaitStatus, Mutex, Semaphore, SharedMemory,
    WaitObject, WaitStatus,
};
use std::time::{Duration, Instant};

const LIMIT: Duration = Duration::from_secs(120);
const CHILD_WAIT: Duration = Duration::from_secs(60);
/// Time for children that said "ready" to reach the futex; only makes the
/// interesting interleaving likely, correctness never depends on it.
const SETTLE: Duration = Duration::from_millis(200);

const READY: usize = 0;
const TAKEN: usize = 1;

/// The roles a re-executed test binary plays.
/// The roles; `args` are object names in the order each role lists.
fn child(role: &str, args: &[String]) -> ! {
    match role {
        // [sem, cnt]: opens the semaphore, says ready, waits for one count, reports.
        "wait" => {
            let c = Counters::open(&args[1]);
            let sut = Semaphore::open(&args[0]).expect("open semaphore");
            c.inc(READY);
            match sut.wait(Some(CHILD_WAIT)).expect("wait") {
                WaitStatus::Signaled => {
                    c.inc(TAKEN);
                    exit_child(code::SIGNALED)
                }
                _ => exit_child(code::TIMED_OUT),
            }
        }
        // [sem, cnt]: creates a semaphore, says ready, and sleeps until killed.
        "hold" => {
            let _sut = Semaphore::create(&args[0], 1, 4).expect("create");
            Counters::open(&args[1]).inc(READY);
            std::thread::sleep(CHILD_WAIT);
            exit_child(0)
        }
        // [sem]: as `nobody`, a handle that may only read the semaphore.
        #[cfg(unix)]
        "read-only" => {
            common::become_nobody();
            let Ok(s) = Semaphore::open(&args[0]) else {
                exit_child(3)
            };
            if !matches!(s.release(1), Err(Error::PermissionDenied { .. })) {
                exit_child(4);
            }
            if !matches!(s.wait(Some(Duration::ZERO)), Err(Error::PermissionDenied { .. })) {
                exit_child(5);
            }
            if s.count() != 1 || s.maximum() != 3 {
                exit_child(6);
            }
            // Asking for read-write access outright is refused, not downgraded.
            if !matches!(
                Semaphore::options().access(Access::ReadWrite).open(&args[0]),
                Err(Error::PermissionDenied { .. })
            ) {
                exit_child(7);
            }
            exit_child(0)
        }
        // [sem]: opens the semaphore by name and says "<count> <maximum>".
        "counts" => {
            let sut = Semaphore::open(&args[0]).expect("open semaphore");
            common::say(format!("{} {}", sut.count(), sut.maximum()));
            exit_child(0)
        }
        other => panic!("unknown role {other}"),
    }
}

/// Starts `n` waiting children and waits until all of them said ready.
fn start_waiters(test: &str, sem: &str, cnt: &str, c: &Counters, n: u64) -> Vec<Proc> {
    let kids: Vec<_> = (0..n).map(|_| spawn(test, "wait", &[sem, cnt])).collect();
    wait_until(|| c.get(READY) == n);
    std::thread::sleep(SETTLE);
    kids
}

#[test]
fn counts_outside_windows_rules_are_invalid_parameter_and_create_nothing() {
    for (initial, maximum) in [(0, 0), (0, -1), (-1, 5), (6, 5), (1, i32::MIN)] {
        let name = unique_name("sem-bad");
        let e = Semaphore::create(&name, initial, maximum).unwrap_err();
        assert!(
            matches!(e, Error::InvalidArgument { .. }),
            "({initial}, {maximum}): {e}"
        );
        assert_eq!(e.win32_code(), win32::ERROR_INVALID_PARAMETER);
        assert!(matches!(Semaphore::open(&name), Err(Error::NotFound { .. })));
        // CreateSemaphore checks the counts before it looks at the name.
        let live = Semaphore::create(&name, 0, 1).unwrap();
        let e = Semaphore::open_or_create(&name, initial, maximum).unwrap_err();
        assert_eq!(e.win32_code(), win32::ERROR_INVALID_PARAMETER, "{e}");
        drop(live);
    }
    let s = Semaphore::create(&unique_name("sem-max"), i32::MAX, i32::MAX).unwrap();
    assert_eq!((s.count(), s.maximum()), (i32::MAX, i32::MAX));
}

#[test]
fn release_returns_the_previous_count_and_refuses_non_positive_counts() {
    let s = Semaphore::create(&unique_name("sem-rel"), 2, 10).unwrap();
    assert_eq!(s.release(3).unwrap(), 2);
    assert_eq!(s.release(1).unwrap(), 5);
    assert_eq!(s.count(), 6);
    for n in [0, -1, i32::MIN] {
        let e = s.release(n).unwrap_err();
        assert_eq!(
            e.win32_code(),
            win32::ERROR_INVALID_PARAMETER,
            "release({n}): {e}"
        );
    }
    assert_eq!(s.count(), 6);
}

#[test]
fn a_release_past_the_maximum_is_too_many_posts_and_adds_nothing() {
    let s = Semaphore::create(&unique_name("sem-full"), 3, 4).unwrap();
    let e = s.release(2).unwrap_err();
    assert!(
        matches!(
            e,
            Error::TooManyPosts {
                count: 2,
                maximum: 4,
                ..
            }
        ),
        "{e}"
    );
    assert_eq!(e.win32_code(), win32::ERROR_TOO_MANY_POSTS);
    assert_eq!(s.count(), 3, "a failed release changed the count");
    assert_eq!(s.release(1).unwrap(), 3);
    assert_eq!(
        s.release(1).unwrap_err().win32_code(),
        win32::ERROR_TOO_MANY_POSTS
    );
    let e = s.release(i32::MAX).unwrap_err();
    assert_eq!(e.win32_code(), win32::ERROR_TOO_MANY_POSTS);
    assert_eq!(s.count(), 4);
}

#[test]
fn waits_take_counts_until_none_is_left_then_time_out() {
    let s = Semaphore::create(&unique_name("sem-take"), 2, 2).unwrap();
    assert_eq!(s.wait(Some(Duration::ZERO)).unwrap(), WaitStatus::Signaled);
    assert_eq!(s.wait(None).unwrap(), WaitStatus::Signaled);
    let t = Instant::now();
    assert_eq!(
        s.wait(Some(Duration::from_millis(50))).unwrap(),
        WaitStatus::TimedOut
    );
    assert!(
        t.elapsed() >= Duration::from_millis(50),
        "returned before the timeout"
    );
    assert_eq!(s.count(), 0);
}

#[test]
fn open_or_create_of_a_live_semaphore_keeps_its_count_and_maximum() {
    let name = unique_name("sem-ooc");
    let a = Semaphore::open_or_create(&name, 1, 5).unwrap();
    assert!(a.created());
    let b = Semaphore::open_or_create(&name, 3, 9).unwrap();
    assert!(!b.created());
    assert_eq!((b.count(), b.maximum()), (1, 5));
    assert_eq!(b.release(1).unwrap(), 1);
    assert_eq!(a.count(), 2, "both handles are one object");
}

#[test]
fn a_semaphores_name_is_the_wrong_type_for_every_other_kind_and_back() {
    let name = unique_name("sem-type");
    let s = Semaphore::create(&name, 0, 1).unwrap();
    let kinds = [
        Event::open(&name).map(drop),
        Event::options()
            .manual_reset(true)
            .open_or_create(&name)
            .map(drop),
        Mutex::open(&name).map(drop),
        Mutex::open_or_create(&name).map(drop),
        SharedMemory::options()
            .access(named_shm::Access::Read)
            .open(&name)
            .map(drop),
        SharedMemory::open_or_create(&name, 4096).map(drop),
    ];
    for r in kinds {
        let e = r.unwrap_err();
        assert!(matches!(e, Error::WrongType { .. }), "{e}");
        assert_eq!(e.win32_code(), win32::ERROR_INVALID_HANDLE);
    }
    drop(s);
    let other = unique_name("sem-type-ev");
    let _ev = Event::create(&other).unwrap();
    let _mx = Mutex::create(&format!("{other}-mx")).unwrap();
    let _shm = SharedMemory::create(&format!("{other}-shm"), 4096).unwrap();
    for n in [other.clone(), format!("{other}-mx"), format!("{other}-shm")] {
        for r in [
            Semaphore::open(&n),
            Semaphore::open_or_create(&n, 0, 1),
            Semaphore::create(&n, 0, 1),
        ] {
            let e = r.unwrap_err();
            let ok = matches!(e, Error::WrongType { .. }) || matches!(e, Error::AlreadyExists { .. });
            assert!(ok, "{n}: {e}");
        }
        assert!(matches!(Semaphore::open(&n), Err(Error::WrongType { .. })));
    }
}

#[test]
fn n_releases_wake_exactly_n_of_4_waiting_processes() {
    const T: &str = "n_releases_wake_exactly_n_of_4_waiting_processes";
    if let Some((r, args)) = role() {
        child(&r, &args)
    }
    watchdog(T, LIMIT, || {
        let sem = unique_name("sem");
        let cnt = unique_name("cnt");
        let c = Counters::create(&cnt);
        let sut = Semaphore::create(&sem, 0, 100).unwrap();
        let mut kids = start_waiters(T, &sem, &cnt, &c, 4);
        assert_eq!(c.get(TAKEN), 0, "taken before any release");
        assert_eq!(sut.release(1).unwrap(), 0);
        wait_until(|| c.get(TAKEN) == 1);
        std::thread::sleep(Duration::from_millis(100));
        assert_eq!(c.get(TAKEN), 1, "one count released more than one waiter");
        assert_eq!(sut.release(2).unwrap(), 0);
        wait_until(|| c.get(TAKEN) == 3);
        std::thread::sleep(Duration::from_millis(100));
        assert_eq!(c.get(TAKEN), 3, "two counts released more than two waiters");
        assert_eq!(sut.count(), 0);
        // Two counts for one waiter: one stays.
        assert_eq!(sut.release(2).unwrap(), 0);
        wait_until(|| c.get(TAKEN) == 4);
        for k in &mut kids {
            assert_eq!(k.wait_code(), Some(code::SIGNALED));
        }
        assert_eq!(sut.count(), 1);
    });
}

#[test]
fn killed_waiters_take_no_count_with_them() {
    const T: &str = "killed_waiters_take_no_count_with_them";
    if let Some((r, args)) = role() {
        child(&r, &args)
    }
    watchdog(T, LIMIT, || {
        let sem = unique_name("sem");
        let cnt = unique_name("cnt");
        let c = Counters::create(&cnt);
        let sut = Semaphore::create(&sem, 0, 100).unwrap();
        let mut kids = start_waiters(T, &sem, &cnt, &c, 6);
        // kill -9 three sleeping waiters, then release as many counts as
        // waiters are left minus one: exactly that many are taken.
        for k in kids.iter_mut().take(3) {
            k.kill9();
        }
        assert_eq!(sut.release(2).unwrap(), 0);
        wait_until(|| c.get(TAKEN) == 2);
        std::thread::sleep(Duration::from_millis(100));
        assert_eq!(c.get(TAKEN), 2);
        assert_eq!(sut.count(), 0, "a count went to a dead waiter or vanished");
        // The last live waiter still gets the next count.
        assert_eq!(sut.release(1).unwrap(), 0);
        wait_until(|| c.get(TAKEN) == 3);
        for k in kids.iter_mut().skip(3) {
            assert_eq!(k.wait_code(), Some(code::SIGNALED));
        }
        // Nobody waits now: releases are kept, all of them.
        assert_eq!(sut.release(5).unwrap(), 0);
        assert_eq!(sut.count(), 5);
    });
}

#[test]
fn the_name_dies_with_its_last_handle_even_after_kill_9() {
    const T: &str = "the_name_dies_with_its_last_handle_even_after_kill_9";
    if let Some((r, args)) = role() {
        child(&r, &args)
    }
    watchdog(T, LIMIT, || {
        let sem = unique_name("sem");
        let cnt = unique_name("cnt");
        let c = Counters::create(&cnt);
        let mut holder = spawn(T, "hold", &[&sem, &cnt]);
        wait_until(|| c.get(READY) == 1);
        let s = Semaphore::open(&sem).unwrap();
        assert_eq!((s.count(), s.maximum()), (1, 4));
        holder.kill9();
        // Our handle keeps it alive.
        assert_eq!(Semaphore::open(&sem).unwrap().release(1).unwrap(), 1);
        drop(s);
        assert!(
            soon_not_found(|| Semaphore::open(&sem)),
            "the name outlived its last handle"
        );
        // And the name is free for anything.
        let again = Semaphore::create(&sem, 0, 2).unwrap();
        assert_eq!(again.count(), 0, "a new semaphore inherited the old count");
    });
}

#[test]
fn wait_for_multiple_takes_one_count_from_a_ready_semaphore() {
    let id = unique_name("sem-multi");
    let empty = Semaphore::create(&format!("{id}-a"), 0, 5).unwrap();
    let ready = Semaphore::create(&format!("{id}-b"), 2, 5).unwrap();
    let objs = [WaitObject::Semaphore(&empty), WaitObject::Semaphore(&ready)];
    assert_eq!(
        wait_for_multiple(&objs, false, Some(Duration::ZERO)).unwrap(),
        MultiWaitStatus::Signaled(1)
    );
    assert_eq!((empty.count(), ready.count()), (0, 1));
    // Wait-all takes nothing unless it takes everything.
    assert_eq!(
        wait_for_multiple(&objs, true, Some(Duration::from_millis(20))).unwrap(),
        MultiWaitStatus::TimedOut
    );
    assert_eq!((empty.count(), ready.count()), (0, 1));
    empty.release(1).unwrap();
    assert_eq!(
        wait_for_multiple(&objs, true, Some(Duration::from_secs(10))).unwrap(),
        MultiWaitStatus::Signaled(0)
    );
    assert_eq!((empty.count(), ready.count()), (0, 0));
    // One semaphore twice: wait-any may, wait-all may not (as on Windows).
    let twice = [WaitObject::Semaphore(&ready), WaitObject::Semaphore(&ready)];
    let e = wait_for_multiple(&twice, true, Some(Duration::ZERO)).unwrap_err();
    assert_eq!(e.win32_code(), win32::ERROR_INVALID_PARAMETER);
}

#[test]
fn wait_for_multiple_wakes_when_another_process_releases() {
    let id = unique_name("sem-multi-wake");
    let a = Semaphore::create(&format!("{id}-a"), 0, 1).unwrap();
    let b = Semaphore::create(&format!("{id}-b"), 0, 1).unwrap();
    let releaser = std::thread::spawn({
        let n = format!("{id}-b");
        move || {
            std::thread::sleep(Duration::from_millis(50));
            Semaphore::open(&n).unwrap().release(1).unwrap()
        }
    });
    let objs = [WaitObject::Semaphore(&a), WaitObject::from(&b)];
    assert_eq!(
        wait_for_multiple(&objs, false, Some(Duration::from_secs(10))).unwrap(),
        MultiWaitStatus::Signaled(1)
    );
    assert_eq!(releaser.join().unwrap(), 0);
    assert_eq!(b.count(), 0);
}

#[test]
#[cfg_attr(
    not(windows),
    ignore = "needs root: runs with --include-ignored as root (scripts/test.sh does)"
)]
#[cfg_attr(windows, ignore = "needs a second user: a child that setuid()s to nobody")]
fn a_read_only_handle_can_neither_release_nor_wait() {
    const T: &str = "a_read_only_handle_can_neither_release_nor_wait";
    if let Some((r, args)) = role() {
        child(&r, &args)
    }
    if !common::is_root() {
        common::skip("needs root (the child becomes nobody)");
        return;
    }
    watchdog(T, LIMIT, || {
        // Global\: the child (another user) has a Local\ of its own.
        let sem = format!("Global\\{}", unique_name("sem-ro"));
        let s = Semaphore::options()
            .mode(0o644)
            .initial(1)
            .maximum(3)
            .create(&sem)
            .unwrap();
        let mut kid = spawn(T, "read-only", &[&sem]);
        assert_eq!(kid.wait_code(), Some(0));
        assert_eq!(s.count(), 1);
    });
}

#[test]
fn semaphore_options_reject_initial_above_maximum() {
    let invalid = |r: Result<Semaphore, Error>, what: &str| {
        let e = r.err().unwrap_or_else(|| panic!("{what}: accepted"));
        assert!(matches!(e, Error::InvalidArgument { .. }), "{what}: {e}");
        assert_eq!(e.win32_code(), win32::ERROR_INVALID_PARAMETER, "{what}");
    };
    let name = unique_name("sem-opts-bad");
    invalid(
        Semaphore::options().initial(5).maximum(2).create(&name),
        "initial(5).maximum(2)",
    );
    // The default maximum is 1: an initial count alone above it is refused too.
    invalid(Semaphore::options().initial(2).create(&name), "initial(2)");
    invalid(Semaphore::options().maximum(0).create(&name), "maximum(0)");
    invalid(
        Semaphore::options().initial(-1).maximum(3).create(&name),
        "initial(-1)",
    );
    invalid(
        Semaphore::options().initial(5).maximum(2).open_or_create(&name),
        "open_or_create",
    );
    invalid(
        Semaphore::options().initial(5).maximum(2).create_anonymous(),
        "create_anonymous",
    );
    // The shortcut in CreateSemaphore's order: swapped counts fail the same check.
    invalid(Semaphore::create(&name, 10, 2), "Semaphore::create(name, 10, 2)");
    invalid(
        Semaphore::open_or_create(&name, 10, 2),
        "Semaphore::open_or_create(name, 10, 2)",
    );
    assert!(
        matches!(Semaphore::open(&name), Err(Error::NotFound { .. })),
        "nothing was created"
    );
    // Open takes no counts: the builder's are neither used nor checked.
    let _live = Semaphore::create(&name, 1, 3).unwrap();
    let opened = Semaphore::options().initial(5).maximum(2).open(&name).unwrap();
    assert_eq!((opened.count(), opened.maximum()), (1, 3));
}

#[test]
fn semaphore_options_initial_and_maximum_take_effect_and_default_to_0_and_1() {
    let test = "semaphore_options_initial_and_maximum_take_effect_and_default_to_0_and_1";
    if let Some((r, args)) = role() {
        child(&r, &args)
    }
    watchdog(test, LIMIT, || {
        let counts_in_child = |name: &str| {
            let mut kid = spawn(test, "counts", &[name]);
            let seen = kid.expect_line(common::T);
            kid.success(common::T);
            seen
        };
        let (a, b, c, d) = (
            unique_name("sem-opts"),
            unique_name("sem-opts"),
            unique_name("sem-opts"),
            unique_name("sem-opts"),
        );
        let _a = Semaphore::options().initial(2).maximum(5).create(&a).unwrap();
        assert_eq!(counts_in_child(&a), "2 5");
        let _b = Semaphore::options()
            .initial(0)
            .maximum(10)
            .open_or_create(&b)
            .unwrap();
        assert_eq!(counts_in_child(&b), "0 10");
        let _c = Semaphore::create(&c, 3, 4).unwrap();
        assert_eq!(counts_in_child(&c), "3 4");
        let sut = Semaphore::options().create(&d).unwrap();
        assert_eq!(counts_in_child(&d), "0 1", "the defaults");
        assert_eq!(sut.release(1).unwrap(), 0);
        assert!(
            matches!(sut.release(1), Err(Error::TooManyPosts { .. })),
            "maximum 1"
        );
        let anon = Semaphore::options()
            .initial(1)
            .maximum(2)
            .create_anonymous()
            .unwrap();
        assert_eq!((anon.count(), anon.maximum()), (1, 2));
    });
}

#[test]
fn semaphore_options_access_read_may_wait_but_not_release() {
    let name = unique_name("sem-access");
    let owner = Semaphore::create(&name, 1, 2).unwrap();
    assert_eq!(owner.access(), Access::ReadWrite);
    let sut = Semaphore::options().access(Access::Read).open(&name).unwrap();
    assert_eq!(sut.access(), Access::Read);
    let e = sut.release(1).unwrap_err();
    assert!(matches!(e, Error::PermissionDenied { .. }), "{e}");
    assert_eq!(owner.count(), 1, "the refused release added nothing");
    // Waiting needs only SYNCHRONIZE; this process may write the file.
    assert_eq!(sut.wait(Some(Duration::ZERO)).unwrap(), WaitStatus::Signaled);
    assert_eq!(owner.count(), 0);
}
