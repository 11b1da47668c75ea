//! Named mutexes across real processes: `CreateMutex`, `OpenMutex`,
//! `WaitForSingleObject`, `ReleaseMutex`, `WAIT_ABANDONED`.

mod common;

use common::{
    code, exit_child, leftovers, role, soon_not_found, spawn, unique_name, wait_until, watchdog, Counters,
};
use named_shm::{Access, Error, Mutex, WaitStatus};
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(120);
const CHILD_WAIT: Duration = Duration::from_secs(60);
const SETTLE: Duration = Duration::from_millis(200);

const READY: usize = 0;
const DONE: usize = 1;
const COUNTER: usize = 2;
const ABANDONED_SEEN: usize = 3;

/// The roles a re-executed test binary plays; `args` are object names (mutex
/// `mx`, counters `cnt`, …) and numbers, in the order each role lists.
fn child(role: &str, args: &[String]) -> ! {
    let mx = || Mutex::open(&args[0]).expect("open mutex");
    let counters = || Counters::open(&args[1]);
    match role {
        // [mx, cnt, iters]: critical sections incrementing a plain
        // (non-atomic) counter.
        "count" => {
            let (sut, c) = (mx(), counters());
            let iters: u64 = args[2].parse().unwrap();
            c.inc(READY);
            wait_until(|| c.get(READY) >= 4);
            for i in 0..iters {
                let g = sut.lock().expect("lock");
                if g.was_abandoned() {
                    c.inc(ABANDONED_SEEN);
                }
                // A deliberately racy read-modify-write: only exclusion keeps it exact.
                let v: u64 = c.view.read(COUNTER * 8).unwrap();
                if i % 64 == 0 {
                    std::thread::yield_now();
                }
                c.view.write(COUNTER * 8, &(v + 1)).unwrap();
                drop(g);
            }
            exit_child(0)
        }
        // [mx, cnt]: takes the mutex, says ready, and sleeps until killed or told.
        "hold" => {
            let (sut, c) = (mx(), counters());
            assert_eq!(sut.acquire(None).unwrap(), WaitStatus::Signaled);
            c.inc(READY);
            wait_until(|| c.get(DONE) > 0);
            sut.release().unwrap();
            exit_child(0)
        }
        // [mx, cnt]: says ready, locks, reports how.
        "lock-report" => {
            let (sut, c) = (mx(), counters());
            c.inc(READY);
            let st = sut.acquire(Some(CHILD_WAIT)).unwrap();
            std::thread::sleep(Duration::from_millis(10));
            let rc = match st {
                WaitStatus::Signaled => code::SIGNALED,
                WaitStatus::Abandoned => code::ABANDONED,
                WaitStatus::TimedOut => exit_child(code::TIMED_OUT),
            };
            sut.release().unwrap();
            exit_child(rc)
        }
        // [mx]: tries to lock for 50 ms, reports how.
        "try" => {
            let sut = mx();
            match sut.acquire(Some(Duration::from_millis(50))).unwrap() {
                WaitStatus::TimedOut => exit_child(code::TIMED_OUT),
                st => {
                    sut.release().unwrap();
                    exit_child(if st == WaitStatus::Abandoned {
                        code::ABANDONED
                    } else {
                        code::SIGNALED
                    })
                }
            }
        }
        // [mx]: releases a mutex it does not own.
        "release-foreign" => match mx().release() {
            Err(Error::NotOwner { .. }) => exit_child(code::NOT_OWNER),
            _ => exit_child(1),
        },
        // [mx]: asks for initial ownership of an existing mutex.
        "open-or-create-owner" => {
            let sut = Mutex::options()
                .initial_owner(true)
                .open_or_create(&args[0])
                .unwrap();
            if sut.created() {
                exit_child(20)
            }
            match sut.release() {
                Err(e @ Error::NotOwner { .. }) if e.win32_code() == 288 => exit_child(code::NOT_OWNER),
                _ => exit_child(1),
            }
        }
        // [mx, cnt, rounds]: races another process to create `rounds`
        // mutexes, each owned by its creator.
        "create-race" => {
            let c = counters();
            let base = &args[0];
            let rounds: usize = args[2].parse().unwrap();
            c.inc(READY);
            wait_until(|| c.get(READY) >= 2);
            let mut keep = Vec::new();
            for r in 0..rounds {
                let sut = Mutex::options()
                    .initial_owner(true)
                    .open_or_create(&format!("{base}-{r}"))
                    .unwrap();
                if sut.created() {
                    c.inc(COUNTER);
                    sut.release().expect("the creator owns it");
                } else if sut.release().is_ok() {
                    c.inc(ABANDONED_SEEN); // an opener must never own it
                }
                keep.push(sut);
            }
            c.inc(DONE);
            wait_until(|| c.get(DONE) >= 2);
            drop(keep); // close the handles (exit would leave orphans to reap)
            exit_child(0)
        }
        // [mx]: as `nobody`, may neither lock nor release it.
        #[cfg(unix)]
        "read-only" => {
            // SAFETY: dropping privileges in a single-purpose child process.
            if unsafe { libc::setgid(65534) } != 0 || unsafe { libc::setuid(65534) } != 0 {
                exit_child(2);
            }
            let Ok(sut) = Mutex::open(&args[0]) else {
                exit_child(3)
            };
            if !matches!(sut.lock(), Err(Error::PermissionDenied { .. })) {
                exit_child(4);
            }
            if !matches!(sut.release(), Err(Error::NotOwner { .. })) {
                exit_child(5);
            }
            // Asking for read-write access outright is refused, not downgraded.
            if !matches!(
                Mutex::options().access(Access::ReadWrite).open(&args[0]),
                Err(Error::PermissionDenied { .. })
            ) {
                exit_child(6);
            }
            if sut.access() != Access::Read {
                exit_child(7);
            }
            exit_child(0)
        }
        other => panic!("unknown role {other}"),
    }
}

fn iterations() -> u64 {
    if std::env::var("NAMED_SHM_STRESS_FULL").is_ok_and(|v| v == "1") {
        100_000
    } else {
        3_000
    }
}

#[test]
fn mutex_excludes_4_processes_and_the_counter_ends_exact() {
    let test = "mutex_excludes_4_processes_and_the_counter_ends_exact";
    if let Some((r, args)) = role() {
        child(&r, &args)
    }
    watchdog(test, Duration::from_secs(600), || {
        let mx = unique_name("mx");
        let cnt = unique_name("cnt");
        let c = Counters::create(&cnt);
        let _sut = Mutex::create(&mx).unwrap();
        let iters = iterations();
        let n = iters.to_string();
        let mut kids: Vec<_> = (0..4).map(|_| spawn(test, "count", &[&mx, &cnt, &n])).collect();
        for k in &mut kids {
            assert_eq!(k.wait_code(), Some(0));
        }
        assert_eq!(c.get(COUNTER), 4 * iters);
        assert_eq!(c.get(ABANDONED_SEEN), 0);
    });
}

#[test]
fn mutex_is_recursive_and_needs_one_release_per_acquisition() {
    let test = "mutex_is_recursive_and_needs_one_release_per_acquisition";
    if let Some((r, args)) = role() {
        child(&r, &args)
    }
    watchdog(test, LIMIT, || {
        let mx = unique_name("mx");
        let sut = Mutex::create(&mx).unwrap();
        assert_eq!(sut.acquire(None).unwrap(), WaitStatus::Signaled);
        assert_eq!(sut.acquire(Some(Duration::ZERO)).unwrap(), WaitStatus::Signaled);
        {
            let g = sut.lock().unwrap();
            assert!(!g.was_abandoned());
        }
        sut.release().unwrap();
        assert_eq!(
            spawn(test, "try", &[&mx]).wait_code(),
            Some(code::TIMED_OUT),
            "still held once"
        );
        sut.release().unwrap();
        assert_eq!(
            spawn(test, "try", &[&mx]).wait_code(),
            Some(code::SIGNALED),
            "free after the last release"
        );
        let err = sut.release().unwrap_err();
        assert!(matches!(err, Error::NotOwner { .. }), "{err}");
        assert_eq!(err.win32_code(), 288);
    });
}

#[test]
fn mutex_release_by_non_owner_fails_with_not_owner() {
    let test = "mutex_release_by_non_owner_fails_with_not_owner";
    if let Some((r, args)) = role() {
        child(&r, &args)
    }
    watchdog(test, LIMIT, || {
        let mx = unique_name("mx");
        let sut = Mutex::create(&mx).unwrap();
        // Nobody owns it.
        assert!(matches!(sut.release(), Err(Error::NotOwner { .. })));
        // Another thread owns it.
        let g = sut.lock().unwrap();
        std::thread::scope(|s| {
            s.spawn(|| {
                assert!(matches!(sut.release(), Err(Error::NotOwner { .. })));
                let other = Mutex::open(&mx).unwrap();
                assert!(matches!(other.release(), Err(Error::NotOwner { .. })));
                assert!(other
                    .try_lock_for(Some(Duration::from_millis(20)))
                    .unwrap()
                    .is_none());
            });
        });
        // Another process.
        assert_eq!(
            spawn(test, "release-foreign", &[&mx]).wait_code(),
            Some(code::NOT_OWNER)
        );
        drop(g);
        assert!(matches!(sut.release(), Err(Error::NotOwner { .. })));
    });
}

#[test]
#[cfg_attr(
    windows,
    ignore = "owner() of a mutex another process holds needs NtQueryMutant(MutantOwnerInformation), which Wine 8 lacks"
)]
fn mutex_lock_times_out_while_another_process_holds_it() {
    let test = "mutex_lock_times_out_while_another_process_holds_it";
    if let Some((r, args)) = role() {
        child(&r, &args)
    }
    watchdog(test, LIMIT, || {
        let mx = unique_name("mx");
        let cnt = unique_name("cnt");
        let c = Counters::create(&cnt);
        let sut = Mutex::create(&mx).unwrap();
        let mut holder = spawn(test, "hold", &[&mx, &cnt]);
        wait_until(|| c.get(READY) == 1);
        assert!(sut
            .try_lock_for(Some(Duration::from_millis(50)))
            .unwrap()
            .is_none());
        assert_eq!(sut.acquire(Some(Duration::ZERO)).unwrap(), WaitStatus::TimedOut);
        assert_eq!(sut.owner().map(|o| o.0), Some(holder.pid()));
        c.inc(DONE);
        assert_eq!(holder.wait_code(), Some(0));
        let g = sut.try_lock_for(Some(CHILD_WAIT)).unwrap().expect("released");
        assert!(!g.was_abandoned());
    });
}

#[test]
fn mutex_abandoned_after_kill_9_of_holder_is_reported_to_exactly_one_waiter() {
    let test = "mutex_abandoned_after_kill_9_of_holder_is_reported_to_exactly_one_waiter";
    if let Some((r, args)) = role() {
        child(&r, &args)
    }
    watchdog(test, LIMIT, || {
        let mx = unique_name("mx");
        let cnt = unique_name("cnt");
        let c = Counters::create(&cnt);
        let sut = Mutex::create(&mx).unwrap();
        let mut holder = spawn(test, "hold", &[&mx, &cnt]);
        wait_until(|| c.get(READY) == 1);
        let mut waiters: Vec<_> = (0..3).map(|_| spawn(test, "lock-report", &[&mx, &cnt])).collect();
        wait_until(|| c.get(READY) == 4);
        std::thread::sleep(SETTLE);
        holder.kill9();
        let codes: Vec<_> = waiters.iter_mut().map(|w| w.wait_code()).collect();
        let abandoned = codes.iter().filter(|c| **c == Some(code::ABANDONED)).count();
        let signaled = codes.iter().filter(|c| **c == Some(code::SIGNALED)).count();
        assert_eq!((abandoned, signaled), (1, 2), "codes {codes:?}");
        // Later lockers see a normal mutex.
        let g = sut.lock().unwrap();
        assert!(!g.was_abandoned());
    });
}

#[test]
fn mutex_abandoned_after_owner_thread_exits() {
    watchdog("mutex_abandoned_after_owner_thread_exits", LIMIT, || {
        let mx = unique_name("mx");
        let sut = Mutex::create(&mx).unwrap();
        std::thread::scope(|s| {
            s.spawn(|| {
                let own = Mutex::open(&mx).unwrap();
                assert_eq!(own.acquire(None).unwrap(), WaitStatus::Signaled);
                // Exits owning it, with its handle closed (CloseHandle does
                // not release a mutex).
            });
        });
        assert_eq!(sut.acquire(Some(CHILD_WAIT)).unwrap(), WaitStatus::Abandoned);
        sut.release().unwrap();
        let g = sut.lock().unwrap();
        assert!(!g.was_abandoned(), "only the next locker is told");
    });
}

#[test]
fn mutex_closing_the_owner_handle_does_not_release_it() {
    let test = "mutex_closing_the_owner_handle_does_not_release_it";
    if let Some((r, args)) = role() {
        child(&r, &args)
    }
    watchdog(test, LIMIT, || {
        let mx = unique_name("mx");
        let keep = Mutex::create(&mx).unwrap();
        let owner = Mutex::open(&mx).unwrap();
        assert_eq!(owner.acquire(None).unwrap(), WaitStatus::Signaled);
        drop(owner);
        assert_eq!(spawn(test, "try", &[&mx]).wait_code(), Some(code::TIMED_OUT));
        // Released through another handle of the same thread.
        keep.release().unwrap();
        assert_eq!(spawn(test, "try", &[&mx]).wait_code(), Some(code::SIGNALED));
        // The same, with the only handle closed and a new one opened.
        let name2 = unique_name("mx");
        let only = Mutex::options().initial_owner(true).create(&name2).unwrap();
        drop(only);
        assert!(
            soon_not_found(|| Mutex::open(&name2)),
            "the name died with its last handle"
        );
        let again = Mutex::create(&name2).unwrap();
        assert!(
            again.created(),
            "the name died with its last handle even though owned"
        );
    });
}

#[test]
fn mutex_initial_owner_only_when_really_created() {
    let test = "mutex_initial_owner_only_when_really_created";
    if let Some((r, args)) = role() {
        child(&r, &args)
    }
    watchdog(test, LIMIT, || {
        let mx = unique_name("mx");
        let sut = Mutex::options().initial_owner(true).create(&mx).unwrap();
        assert!(sut.created());
        assert_eq!(
            spawn(test, "try", &[&mx]).wait_code(),
            Some(code::TIMED_OUT),
            "creator owns it"
        );
        assert_eq!(
            spawn(test, "open-or-create-owner", &[&mx]).wait_code(),
            Some(code::NOT_OWNER),
            "an opener never gets initial ownership"
        );
        sut.release().unwrap();
        assert!(matches!(sut.release(), Err(Error::NotOwner { .. })));
        let other = Mutex::options().initial_owner(true).open_or_create(&mx).unwrap();
        assert!(!other.created());
        assert!(matches!(other.release(), Err(Error::NotOwner { .. })));
    });
}

#[test]
fn mutex_creation_race_gives_initial_ownership_to_exactly_the_creator() {
    let test = "mutex_creation_race_gives_initial_ownership_to_exactly_the_creator";
    if let Some((r, args)) = role() {
        child(&r, &args)
    }
    watchdog(test, LIMIT, || {
        let mx = unique_name("mxrace");
        let cnt = unique_name("cnt");
        let c = Counters::create(&cnt);
        let rounds = 300;
        let mut kids: Vec<_> = (0..2)
            .map(|_| spawn(test, "create-race", &[&mx, &cnt, &rounds.to_string()]))
            .collect();
        for k in &mut kids {
            assert_eq!(k.wait_code(), Some(0));
        }
        assert_eq!(c.get(COUNTER), rounds, "exactly one creator per name");
        assert_eq!(c.get(ABANDONED_SEEN), 0, "an opener owned a mutex");
        assert!(leftovers(&mx).is_empty());
    });
}

#[test]
fn mutex_owner_reports_pid_and_tid() {
    let sut = Mutex::create(&unique_name("mx")).unwrap();
    assert_eq!(sut.owner(), None);
    let g = sut.lock().unwrap();
    let tid = common::thread_id();
    assert_eq!(sut.owner(), Some((std::process::id(), tid)));
    drop(g);
    assert_eq!(sut.owner(), None);
}

#[test]
fn mutex_handles_in_one_process_share_ownership() {
    let mx = unique_name("mx");
    let a = Mutex::create(&mx).unwrap();
    let b = Mutex::open(&mx).unwrap();
    assert_eq!(a.acquire(None).unwrap(), WaitStatus::Signaled);
    assert_eq!(
        b.acquire(None).unwrap(),
        WaitStatus::Signaled,
        "recursive through another handle"
    );
    a.release().unwrap();
    b.release().unwrap();
    assert!(matches!(a.release(), Err(Error::NotOwner { .. })));
}

#[test]
fn mutex_open_missing_fails_and_open_or_create_reports_existing() {
    let mx = unique_name("mx");
    assert!(matches!(Mutex::open(&mx), Err(Error::NotFound { .. })));
    let a = Mutex::open_or_create(&mx).unwrap();
    assert!(a.created());
    let b = Mutex::open_or_create(&mx).unwrap();
    assert!(!b.created());
    let err = Mutex::create(&mx).unwrap_err();
    assert_eq!(err.win32_code(), 183);
}

#[test]
fn mutex_name_dies_with_last_handle() {
    let mx = unique_name("mxdie");
    let a = Mutex::create(&mx).unwrap();
    let b = Mutex::open(&mx).unwrap();
    drop(a);
    assert!(Mutex::open(&mx).is_ok());
    drop(b);
    assert!(soon_not_found(|| Mutex::open(&mx)));
    assert!(leftovers(&mx).is_empty());
}

#[test]
fn mutex_is_reclaimed_after_its_holder_is_killed() {
    let test = "mutex_is_reclaimed_after_its_holder_is_killed";
    if let Some((r, args)) = role() {
        child(&r, &args)
    }
    watchdog(test, LIMIT, || {
        let mx = unique_name("mxkill");
        let cnt = unique_name("cnt");
        let c = Counters::create(&cnt);
        {
            let _creator = Mutex::create(&mx).unwrap();
            let mut holder = spawn(test, "hold", &[&mx, &cnt]);
            wait_until(|| c.get(READY) == 1);
            drop(_creator);
            assert!(Mutex::open(&mx).is_ok(), "the holder keeps it alive");
            holder.kill9();
        }
        assert!(soon_not_found(|| Mutex::open(&mx)));
        assert!(leftovers(&mx).is_empty());
        let fresh = Mutex::create(&mx).unwrap();
        let g = fresh.lock().unwrap();
        assert!(!g.was_abandoned(), "a reclaimed name is a new mutex");
    });
}

#[test]
#[cfg_attr(
    not(windows),
    ignore = "needs root: runs with --include-ignored as root (scripts/test.sh does)"
)]
#[cfg_attr(windows, ignore = "needs a second user: a child that setuid()s to nobody")]
fn mutex_read_only_handle_cannot_lock() {
    let test = "mutex_read_only_handle_cannot_lock";
    if let Some((r, args)) = role() {
        child(&r, &args)
    }
    if common::euid() != 0 {
        eprintln!("skipped: needs root to switch to another uid");
        return;
    }
    watchdog(test, LIMIT, || {
        let mx = format!("Global\\{}", unique_name("mxro"));
        let _sut = Mutex::options().mode(0o644).create(&mx).unwrap();
        assert_eq!(spawn(test, "read-only", &[&mx]).wait_code(), Some(0));
    });
}

#[test]
fn mutex_name_dies_with_last_handle_after_lock_and_release() {
    // The thread keeps a reference to the mapping of a mutex it locked
    // lately; that mapping must not keep the name alive.
    let name = unique_name("mx");
    let m = Mutex::create(&name).unwrap();
    drop(m.lock().unwrap());
    assert_eq!(m.acquire(None).unwrap(), WaitStatus::Signaled);
    m.release().unwrap();
    drop(m);
    assert!(
        soon_not_found(|| Mutex::open(&name)),
        "the name outlived its last handle"
    );
}

#[test]
fn mutex_options_initial_owner_takes_effect_and_the_shortcut_is_not_owned() {
    let test = "mutex_options_initial_owner_takes_effect_and_the_shortcut_is_not_owned";
    if let Some((r, args)) = role() {
        child(&r, &args)
    }
    watchdog(test, LIMIT, || {
        let (owned, builder, shortcut, either) = (
            unique_name("mx-own"),
            unique_name("mx-own"),
            unique_name("mx-own"),
            unique_name("mx-own"),
        );
        let sut = Mutex::options().initial_owner(true).create(&owned).unwrap();
        // Another process cannot take it while this thread owns it...
        assert_eq!(spawn(test, "try", &[&owned]).wait_code(), Some(code::TIMED_OUT));
        // ... and can once the initial ownership is released, exactly once.
        sut.release().unwrap();
        assert!(matches!(sut.release(), Err(Error::NotOwner { .. })));
        assert_eq!(spawn(test, "try", &[&owned]).wait_code(), Some(code::SIGNALED));

        let sut = Mutex::options()
            .initial_owner(true)
            .open_or_create(&either)
            .unwrap();
        assert!(sut.created());
        assert_eq!(spawn(test, "try", &[&either]).wait_code(), Some(code::TIMED_OUT));
        sut.release().unwrap();

        // Not owned: an empty builder and the shortcuts.
        let free = [
            Mutex::options().create(&builder).unwrap(),
            Mutex::create(&shortcut).unwrap(),
        ];
        for (m, name) in free.iter().zip([&builder, &shortcut]) {
            assert!(matches!(m.release(), Err(Error::NotOwner { .. })), "{name}");
            assert_eq!(
                spawn(test, "try", &[name]).wait_code(),
                Some(code::SIGNALED),
                "{name}"
            );
        }
        let opened = Mutex::open_or_create(&shortcut).unwrap();
        assert!(!opened.created());
        assert!(matches!(opened.release(), Err(Error::NotOwner { .. })));
    });
}

#[test]
fn mutex_options_access_read_cannot_lock() {
    let name = unique_name("mx-access");
    let owner = Mutex::create(&name).unwrap();
    assert_eq!(owner.access(), Access::ReadWrite);
    let sut = Mutex::options().access(Access::Read).open(&name).unwrap();
    assert_eq!(sut.access(), Access::Read);
    let e = sut.lock().unwrap_err();
    assert!(matches!(e, Error::PermissionDenied { .. }), "{e}");
    assert_eq!(e.win32_code(), 5);
    assert!(matches!(
        sut.acquire(Some(Duration::ZERO)),
        Err(Error::PermissionDenied { .. })
    ));
    let objs = [named_shm::WaitObject::Mutex(&sut)];
    assert!(matches!(
        named_shm::wait_for_multiple(&objs, false, Some(Duration::ZERO)),
        Err(Error::PermissionDenied { .. })
    ));
    // The refused locks took nothing: a read-write handle gets it at once.
    let rw = Mutex::options().access(Access::ReadWrite).open(&name).unwrap();
    assert_eq!(rw.acquire(Some(Duration::ZERO)).unwrap(), WaitStatus::Signaled);
    rw.release().unwrap();
}
