//! `WaitForMultipleObjects` over events and mutexes across processes, and the
//! one namespace shared by mappings, events and mutexes.

mod common;

use common::{code, exit_child, role, spawn, unique_name, wait_until, watchdog, Counters};
use named_shm::{
    wait_for_multiple, Error, Event, MultiWaitStatus, Mutex, ObjectKind, SharedMemory, WaitObject, WaitStatus,
};
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(120);
const CHILD_WAIT: Duration = Duration::from_secs(60);
const SETTLE: Duration = Duration::from_millis(200);
const READY: usize = 0;
const DONE: usize = 1;

/// The roles a re-executed test binary plays; `args` are object names (mutex
/// `mx`, counters `cnt`, …) and numbers, in the order each role lists.
fn child(role: &str, args: &[String]) -> ! {
    match role {
        // [order]: sets the events whose names the comma-separated list
        // gives, 50 ms apart.
        "set" => {
            for n in args[0].split(',') {
                std::thread::sleep(Duration::from_millis(50));
                Event::open(n).expect("open").set().expect("set");
            }
            exit_child(0)
        }
        // [mx, cnt]: takes the mutex, says ready, releases it when told.
        "hold" => {
            let sut = Mutex::open(&args[0]).expect("open");
            let c = Counters::open(&args[1]);
            assert_eq!(sut.acquire(None).unwrap(), WaitStatus::Signaled);
            c.inc(READY);
            wait_until(|| c.get(DONE) > 0);
            sut.release().unwrap();
            exit_child(0)
        }
        // [mx, cnt, mx2]: waits for either mutex and reports the outcome.
        "wait-any-mutex" => {
            let a = Mutex::open(&args[0]).expect("open");
            let b = Mutex::open(&args[2]).expect("open");
            Counters::open(&args[1]).inc(READY);
            let r = wait_for_multiple(&[(&a).into(), (&b).into()], false, Some(CHILD_WAIT)).unwrap();
            exit_child(match r {
                MultiWaitStatus::Signaled(i) => code::SIGNALED + 10 * i as i32,
                MultiWaitStatus::Abandoned(i) => code::ABANDONED + 10 * i as i32,
                MultiWaitStatus::TimedOut => code::TIMED_OUT,
            })
        }
        other => panic!("unknown role {other}"),
    }
}

#[test]
fn wait_any_returns_the_index_of_the_event_set_by_another_process() {
    let test = "wait_any_returns_the_index_of_the_event_set_by_another_process";
    if let Some((r, args)) = role() {
        child(&r, &args)
    }
    watchdog(test, LIMIT, || {
        let names: Vec<String> = (0..3).map(|_| unique_name("ev")).collect();
        let evs: Vec<Event> = names.iter().map(|n| Event::create(n).unwrap()).collect();
        let objs: Vec<WaitObject<'_>> = evs.iter().map(WaitObject::from).collect();
        let mut setter = spawn(test, "set", &[&names[2]]);
        assert_eq!(
            wait_for_multiple(&objs, false, Some(CHILD_WAIT)).unwrap(),
            MultiWaitStatus::Signaled(2)
        );
        assert!(!evs[2].is_set(), "the auto-reset event was consumed");
        assert_eq!(setter.wait_code(), Some(0));
        // The lowest signalled index wins.
        evs[1].set().unwrap();
        evs[2].set().unwrap();
        assert_eq!(
            wait_for_multiple(&objs, false, None).unwrap(),
            MultiWaitStatus::Signaled(1)
        );
        assert!(evs[2].is_set(), "only one object is taken");
    });
}

#[test]
fn wait_any_times_out_when_nothing_is_signaled() {
    watchdog("wait_any_times_out_when_nothing_is_signaled", LIMIT, || {
        let e = Event::options()
            .manual_reset(true)
            .create(&unique_name("ev"))
            .unwrap();
        let f = Event::create(&unique_name("ev")).unwrap();
        let objs = [WaitObject::Event(&e), WaitObject::Event(&f)];
        for all in [false, true] {
            let r = wait_for_multiple(&objs, all, Some(Duration::from_millis(30))).unwrap();
            assert_eq!(r, MultiWaitStatus::TimedOut);
        }
    });
}

#[test]
fn wait_all_returns_only_when_every_event_is_set() {
    let test = "wait_all_returns_only_when_every_event_is_set";
    if let Some((r, args)) = role() {
        child(&r, &args)
    }
    watchdog(test, LIMIT, || {
        let names: Vec<String> = (0..4).map(|_| unique_name("ev")).collect();
        let evs: Vec<Event> = names
            .iter()
            .enumerate()
            .map(|(i, n)| Event::options().manual_reset(i % 2 == 0).create(n).unwrap())
            .collect();
        let objs: Vec<WaitObject<'_>> = evs.iter().map(WaitObject::from).collect();
        let order = [&names[3], &names[0], &names[2], &names[1]]
            .map(|s| s.as_str())
            .join(",");
        let mut setter = spawn(test, "set", &[&order]);
        assert_eq!(
            wait_for_multiple(&objs, true, Some(CHILD_WAIT)).unwrap(),
            MultiWaitStatus::Signaled(0)
        );
        assert_eq!(setter.wait_code(), Some(0));
        assert!(evs[0].is_set() && evs[2].is_set(), "manual-reset events stay set");
        assert!(
            !evs[1].is_set() && !evs[3].is_set(),
            "auto-reset events are consumed"
        );
    });
}

#[test]
fn wait_all_takes_nothing_unless_it_takes_everything() {
    let test = "wait_all_takes_nothing_unless_it_takes_everything";
    if let Some((r, args)) = role() {
        child(&r, &args)
    }
    watchdog(test, LIMIT, || {
        let ev = Event::options()
            .initially_set(true)
            .create(&unique_name("ev"))
            .unwrap();
        let mx = unique_name("mx");
        let cnt = unique_name("cnt");
        let c = Counters::create(&cnt);
        let m = Mutex::create(&mx).unwrap();
        let free = Mutex::create(&unique_name("mx")).unwrap();
        let mut holder = spawn(test, "hold", &[&mx, &cnt]);
        wait_until(|| c.get(READY) == 1);
        let objs = [
            WaitObject::Mutex(&free),
            WaitObject::Event(&ev),
            WaitObject::Mutex(&m),
        ];
        let r = wait_for_multiple(&objs, true, Some(Duration::from_millis(50))).unwrap();
        assert_eq!(r, MultiWaitStatus::TimedOut);
        assert!(ev.is_set(), "the auto-reset event was given back");
        assert!(
            matches!(free.release(), Err(Error::NotOwner { .. })),
            "the free mutex was given back"
        );
        c.inc(DONE);
        assert_eq!(
            wait_for_multiple(&objs, true, Some(CHILD_WAIT)).unwrap(),
            MultiWaitStatus::Signaled(0)
        );
        assert!(!ev.is_set());
        m.release().unwrap();
        free.release().unwrap();
        assert_eq!(holder.wait_code(), Some(0));
    });
}

#[test]
fn wait_any_acquires_a_mutex_released_by_another_process() {
    let test = "wait_any_acquires_a_mutex_released_by_another_process";
    if let Some((r, args)) = role() {
        child(&r, &args)
    }
    watchdog(test, LIMIT, || {
        let mx = unique_name("mx");
        let cnt = unique_name("cnt");
        let c = Counters::create(&cnt);
        let m = Mutex::create(&mx).unwrap();
        let ev = Event::options()
            .manual_reset(true)
            .create(&unique_name("ev"))
            .unwrap();
        let mut holder = spawn(test, "hold", &[&mx, &cnt]);
        wait_until(|| c.get(READY) == 1);
        let objs = [WaitObject::Event(&ev), WaitObject::Mutex(&m)];
        assert_eq!(
            wait_for_multiple(&objs, false, Some(Duration::ZERO)).unwrap(),
            MultiWaitStatus::TimedOut
        );
        std::thread::scope(|s| {
            s.spawn(|| {
                std::thread::sleep(Duration::from_millis(50));
                c.inc(DONE);
            });
            assert_eq!(
                wait_for_multiple(&objs, false, Some(CHILD_WAIT)).unwrap(),
                MultiWaitStatus::Signaled(1)
            );
        });
        assert_eq!(m.owner().map(|o| o.0), Some(std::process::id()));
        m.release().unwrap();
        assert_eq!(holder.wait_code(), Some(0));
    });
}

#[test]
fn wait_any_reports_an_abandoned_mutex_by_index() {
    let test = "wait_any_reports_an_abandoned_mutex_by_index";
    if let Some((r, args)) = role() {
        child(&r, &args)
    }
    watchdog(test, LIMIT, || {
        let mx = unique_name("mx");
        let mx2 = unique_name("mx");
        let cnt = unique_name("cnt");
        let c = Counters::create(&cnt);
        let _a = Mutex::create(&mx).unwrap();
        let b = Mutex::create(&mx2).unwrap();
        // mx2 is held here, mx by a child that will be killed.
        let gb = b.lock().unwrap();
        let mut holder = spawn(test, "hold", &[&mx, &cnt]);
        wait_until(|| c.get(READY) == 1);
        let mut waiter = spawn(test, "wait-any-mutex", &[&mx, &cnt, &mx2]);
        wait_until(|| c.get(READY) == 2);
        std::thread::sleep(SETTLE);
        holder.kill9();
        assert_eq!(waiter.wait_code(), Some(code::ABANDONED), "Abandoned(0)");
        drop(gb);
    });
}

#[test]
fn wait_any_on_a_manual_event_sees_a_set_followed_by_a_reset() {
    watchdog(
        "wait_any_on_a_manual_event_sees_a_set_followed_by_a_reset",
        LIMIT,
        || {
            let name = unique_name("ev");
            let sut = Event::options().manual_reset(true).create(&name).unwrap();
            let other = Event::create(&unique_name("ev")).unwrap();
            std::thread::scope(|s| {
                let waiter = s.spawn(|| {
                    let objs = [WaitObject::Event(&other), WaitObject::Event(&sut)];
                    wait_for_multiple(&objs, false, Some(CHILD_WAIT)).unwrap()
                });
                std::thread::sleep(SETTLE);
                sut.set().unwrap();
                sut.reset().unwrap();
                assert_eq!(waiter.join().unwrap(), MultiWaitStatus::Signaled(1));
            });
        },
    );
}

#[test]
fn wait_for_multiple_rejects_bad_lists() {
    let e = Event::options()
        .manual_reset(true)
        .initially_set(true)
        .create(&unique_name("ev"))
        .unwrap();
    let m = Mutex::create(&unique_name("mx")).unwrap();
    let err = wait_for_multiple(&[], false, None).unwrap_err();
    assert_eq!(err.win32_code(), 87, "{err}");
    let many = vec![WaitObject::Event(&e); 65];
    assert!(matches!(
        wait_for_multiple(&many, false, None),
        Err(Error::InvalidArgument { .. })
    ));
    assert_eq!(
        wait_for_multiple(&many[..64], false, None).unwrap(),
        MultiWaitStatus::Signaled(0)
    );
    let dup = [
        WaitObject::Mutex(&m),
        WaitObject::Event(&e),
        WaitObject::Mutex(&m),
    ];
    assert!(matches!(
        wait_for_multiple(&dup, true, None),
        Err(Error::InvalidArgument { .. })
    ));
}

/// Windows compares objects, not handles: `NtWaitForMultipleObjects` refuses
/// one object twice in a wait-all (`STATUS_INVALID_PARAMETER_MIX`, that is
/// `ERROR_INVALID_PARAMETER`) however many handles name it, and a wait-any
/// takes it once, at the lowest index.
#[test]
fn two_handles_of_one_event_are_one_object_in_a_multi_wait() {
    watchdog(
        "two_handles_of_one_event_are_one_object_in_a_multi_wait",
        LIMIT,
        || {
            let name = unique_name("ev");
            let sut = Event::options().initially_set(true).create(&name).unwrap();
            let again = Event::open(&name).unwrap();
            let prefixed = Event::open(&format!("Local\\{name}")).unwrap();
            let other = Event::options()
                .initially_set(true)
                .create(&unique_name("ev"))
                .unwrap();
            for (x, y) in [(&sut, &again), (&again, &prefixed)] {
                let err =
                    wait_for_multiple(&[x.into(), (&other).into(), y.into()], true, Some(Duration::ZERO))
                        .unwrap_err();
                assert!(matches!(err, Error::InvalidArgument { .. }), "{err}");
                assert_eq!(err.win32_code(), 87, "{err}");
            }
            assert!(sut.is_set() && other.is_set(), "a refused wait-all takes nothing");

            let both = [WaitObject::from(&sut), WaitObject::from(&again)];
            assert_eq!(
                wait_for_multiple(&both, false, Some(Duration::ZERO)).unwrap(),
                MultiWaitStatus::Signaled(0)
            );
            assert!(
                !again.is_set(),
                "the auto-reset event was taken through both handles"
            );
            assert_eq!(
                wait_for_multiple(&both, false, Some(Duration::from_millis(30))).unwrap(),
                MultiWaitStatus::TimedOut
            );
            prefixed.set().unwrap();
            assert_eq!(
                wait_for_multiple(&[(&other).into(), (&again).into()], false, Some(Duration::ZERO)).unwrap(),
                MultiWaitStatus::Signaled(0)
            );
            assert_eq!(
                wait_for_multiple(&[(&other).into(), (&again).into()], false, Some(Duration::ZERO)).unwrap(),
                MultiWaitStatus::Signaled(1),
                "a set through one handle is seen through another"
            );

            // The remaining handles, and a handle opened after one closed, still
            // name one object.
            drop(sut);
            let reopened = Event::open(&name).unwrap();
            for (x, y) in [(&again, &prefixed), (&prefixed, &reopened)] {
                let err = wait_for_multiple(&[x.into(), y.into()], true, Some(Duration::ZERO)).unwrap_err();
                assert!(matches!(err, Error::InvalidArgument { .. }), "{err}");
            }
            // So are two handles of one mutex; an event and a mutex are two.
            let m = Mutex::create(&unique_name("mx")).unwrap();
            let m2 = Mutex::open(m.name().as_str()).unwrap();
            let err = wait_for_multiple(&[(&m).into(), (&m2).into()], true, None).unwrap_err();
            assert!(matches!(err, Error::InvalidArgument { .. }), "{err}");
            other.set().unwrap();
            assert_eq!(
                wait_for_multiple(&[(&other).into(), (&m).into()], true, Some(Duration::ZERO)).unwrap(),
                MultiWaitStatus::Signaled(0)
            );
            m.release().unwrap();
        },
    );
}

// ---------------------------------------------------------------------------
// One namespace across mappings, events and mutexes.

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Mapping,
    Event,
    Mutex,
}

/// Creates, opens or opens-or-creates an object of `kind`, keeping it alive.
fn make(kind: Kind, name: &str, how: &str) -> Result<Box<dyn std::any::Any>, Error> {
    Ok(match (kind, how) {
        (Kind::Mapping, "create") => Box::new(SharedMemory::create(name, 4096)?),
        (Kind::Mapping, "open") => Box::new(SharedMemory::open(name)?),
        (Kind::Mapping, _) => Box::new(SharedMemory::open_or_create(name, 4096)?),
        (Kind::Event, "create") => Box::new(Event::options().manual_reset(true).create(name)?),
        (Kind::Event, "open") => Box::new(Event::open(name)?),
        (Kind::Event, _) => Box::new(Event::options().manual_reset(true).open_or_create(name)?),
        (Kind::Mutex, "create") => Box::new(Mutex::create(name)?),
        (Kind::Mutex, "open") => Box::new(Mutex::open(name)?),
        (Kind::Mutex, _) => Box::new(Mutex::open_or_create(name)?),
    })
}

fn object_kind(k: Kind) -> ObjectKind {
    match k {
        Kind::Mapping => ObjectKind::Mapping,
        Kind::Event => ObjectKind::Event,
        Kind::Mutex => ObjectKind::Mutex,
    }
}

#[test]
fn a_name_held_by_one_type_fails_for_every_other_type_with_wrong_type() {
    let kinds = [Kind::Mapping, Kind::Event, Kind::Mutex];
    for held in kinds {
        for other in kinds.into_iter().filter(|k| *k != held) {
            let name = unique_name("ns");
            let _holder = make(held, &name, "create").unwrap();
            for how in ["create", "open", "open_or_create"] {
                let err = make(other, &name, how)
                    .err()
                    .unwrap_or_else(|| panic!("{other:?} {how} over {held:?}"));
                match &err {
                    Error::WrongType { expected, found, .. } => {
                        assert_eq!((*expected, *found), (object_kind(other), object_kind(held)));
                    }
                    e => panic!("{other:?} {how} over {held:?}: {e}"),
                }
                assert_eq!(err.win32_code(), 6);
                assert!(err.to_string().contains("another object type"), "{err}");
            }
            // The holder is untouched, and the name is free for any type once it closes.
            assert!(make(held, &name, "open").is_ok());
            drop(_holder);
            // A sibling test spawning a child shares every descriptor of this
            // process between its fork and exec, which can keep the name alive
            // for that instant (seen as the old object's WrongType): retry briefly.
            let start = std::time::Instant::now();
            let _new = loop {
                match make(other, &name, "create") {
                    Err(Error::WrongType { .. } | Error::AlreadyExists { .. })
                        if start.elapsed() < Duration::from_secs(5) =>
                    {
                        std::thread::sleep(Duration::from_millis(1))
                    }
                    r => break r.unwrap_or_else(|e| panic!("{other:?} create after {held:?} closed: {e}")),
                }
            };
        }
    }
}
