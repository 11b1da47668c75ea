//! `PulseEvent` across real processes: a pulse releases the processes
//! waiting at that moment (all of them for a manual-reset event, one for an
//! auto-reset event) and leaves the event non-signalled; with nobody waiting
//! it only resets.

mod common;

use common::{code, exit_child, role, spawn, unique_name, wait_until, watchdog, Counters};
use named_shm::{wait_for_multiple, Event, MultiWaitStatus, WaitObject, WaitStatus};
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(120);
/// Time for children that said "ready" to reach the futex before the pulse
/// (a pulse only releases processes already waiting, as on Windows).
const SETTLE: Duration = Duration::from_millis(500);

const READY: usize = 0;
const RELEASED: usize = 1;

/// The roles a re-executed test binary plays.
fn child(role: &str, args: &[String]) -> ! {
    match role {
        // [ev, cnt, timeout ms]: opens the event, says ready, waits, reports.
        "wait" => {
            let c = Counters::open(&args[1]);
            let sut = Event::open(&args[0]).expect("open event");
            let ms: u64 = args[2].parse().expect("timeout");
            c.inc(READY);
            match sut.wait(Some(Duration::from_millis(ms))).expect("wait") {
                WaitStatus::Signaled => {
                    c.inc(RELEASED);
                    exit_child(code::SIGNALED)
                }
                _ => exit_child(code::TIMED_OUT),
            }
        }
        // [ev, other, cnt]: waits for either event (wait-any), reports.
        "wait-any" => {
            let c = Counters::open(&args[2]);
            let ev = Event::open(&args[0]).expect("open event");
            let other = Event::open(&args[1]).expect("open other");
            c.inc(READY);
            let objs = [WaitObject::Event(&other), WaitObject::Event(&ev)];
            match wait_for_multiple(&objs, false, Some(Duration::from_secs(60))).expect("wait") {
                MultiWaitStatus::Signaled(1) => {
                    c.inc(RELEASED);
                    exit_child(code::SIGNALED)
                }
                _ => exit_child(code::TIMED_OUT),
            }
        }
        // [ev]: pulses it.
        "pulse" => {
            Event::open(&args[0]).expect("open event").pulse().expect("pulse");
            exit_child(0)
        }
        other => panic!("unknown role {other}"),
    }
}

/// Starts `n` waiting processes (each waiting `ms`), lets them reach the
/// wait, pulses once from another process; returns the exit codes.
fn pulse_waiters(
    test: &str,
    manual: bool,
    n: u64,
    ms: &str,
    after: impl FnOnce(&Event, &Counters),
) -> Vec<Option<i32>> {
    let ev = unique_name("ev");
    let cnt = unique_name("cnt");
    let c = Counters::create(&cnt);
    let sut = Event::options().manual_reset(manual).create(&ev).unwrap();
    let mut kids: Vec<_> = (0..n)
        .map(|_| spawn(test, "wait", &[ev.as_str(), cnt.as_str(), ms]))
        .collect();
    wait_until(|| c.get(READY) == n);
    std::thread::sleep(SETTLE);
    assert_eq!(c.get(RELEASED), 0, "released before the pulse");
    spawn(test, "pulse", &[ev.as_str()]).success(Duration::from_secs(30));
    after(&sut, &c);
    assert!(!sut.is_set(), "a pulse leaves the event non-signalled");
    kids.iter_mut().map(|k| k.wait_code()).collect()
}

#[test]
fn manual_reset_pulse_releases_all_4_waiting_processes_and_resets() {
    let test = "manual_reset_pulse_releases_all_4_waiting_processes_and_resets";
    if let Some((r, args)) = role() {
        child(&r, &args)
    }
    watchdog(test, LIMIT, || {
        let codes = pulse_waiters(test, true, 4, "60000", |_, c| wait_until(|| c.get(RELEASED) == 4));
        assert_eq!(codes, vec![Some(code::SIGNALED); 4]);
    });
}

#[test]
fn manual_reset_pulse_releases_processes_waiting_for_any_of_two_events() {
    let test = "manual_reset_pulse_releases_processes_waiting_for_any_of_two_events";
    if let Some((r, args)) = role() {
        child(&r, &args)
    }
    watchdog(test, LIMIT, || {
        let (ev, other, cnt) = (unique_name("ev"), unique_name("other"), unique_name("cnt"));
        let c = Counters::create(&cnt);
        let sut = Event::options().manual_reset(true).create(&ev).unwrap();
        let _other = Event::options().manual_reset(true).create(&other).unwrap();
        let mut kids: Vec<_> = (0..2)
            .map(|_| spawn(test, "wait-any", &[ev.as_str(), other.as_str(), cnt.as_str()]))
            .collect();
        wait_until(|| c.get(READY) == 2);
        std::thread::sleep(SETTLE);
        sut.pulse().unwrap();
        wait_until(|| c.get(RELEASED) == 2);
        assert!(!sut.is_set());
        for k in &mut kids {
            assert_eq!(k.wait_code(), Some(code::SIGNALED));
        }
    });
}

#[test]
fn auto_reset_pulse_releases_exactly_one_of_3_waiting_processes() {
    let test = "auto_reset_pulse_releases_exactly_one_of_3_waiting_processes";
    if let Some((r, args)) = role() {
        child(&r, &args)
    }
    watchdog(test, LIMIT, || {
        let codes = pulse_waiters(test, false, 3, "3000", |_, _| {});
        let released = codes.iter().filter(|c| **c == Some(code::SIGNALED)).count();
        let timed_out = codes.iter().filter(|c| **c == Some(code::TIMED_OUT)).count();
        assert_eq!((released, timed_out), (1, 2), "exit codes {codes:?}");
    });
}

fn pulse_without_waiters_only_resets(test: &str, manual: bool) {
    if let Some((r, args)) = role() {
        child(&r, &args)
    }
    watchdog(test, LIMIT, || {
        let ev = unique_name("ev");
        let cnt = unique_name("cnt");
        let _c = Counters::create(&cnt);
        // Set first: the pulse must take the signalled state away.
        let sut = Event::options()
            .manual_reset(manual)
            .initially_set(true)
            .create(&ev)
            .unwrap();
        spawn(test, "pulse", &[ev.as_str()]).success(Duration::from_secs(30));
        assert!(!sut.is_set(), "a pulse leaves the event non-signalled");
        // A process that starts waiting after the pulse is not released.
        let mut late = spawn(test, "wait", &[ev.as_str(), cnt.as_str(), "300"]);
        assert_eq!(late.wait_code(), Some(code::TIMED_OUT));
        // And the event still works: a set releases the next waiter.
        let mut next = spawn(test, "wait", &[ev.as_str(), cnt.as_str(), "60000"]);
        wait_until(|| _c.get(READY) == 2);
        sut.set().unwrap();
        assert_eq!(next.wait_code(), Some(code::SIGNALED));
    });
}

#[test]
fn manual_reset_pulse_with_no_waiter_leaves_it_unsignalled() {
    pulse_without_waiters_only_resets("manual_reset_pulse_with_no_waiter_leaves_it_unsignalled", true);
}

#[test]
fn auto_reset_pulse_with_no_waiter_leaves_it_unsignalled() {
    pulse_without_waiters_only_resets("auto_reset_pulse_with_no_waiter_leaves_it_unsignalled", false);
}

#[test]
fn many_pulses_in_a_row_keep_the_event_usable() {
    // Pulses against scribbled state words are in sync_hostile.rs.
    let test = "many_pulses_in_a_row_keep_the_event_usable";
    if let Some((r, args)) = role() {
        child(&r, &args)
    }
    watchdog(test, LIMIT, || {
        for manual in [true, false] {
            let sut = Event::options()
                .manual_reset(manual)
                .initially_set(true)
                .create(&unique_name("ev"))
                .unwrap();
            for _ in 0..10_000 {
                sut.pulse().unwrap();
                assert!(!sut.is_set());
            }
            assert_eq!(sut.wait(Some(Duration::ZERO)).unwrap(), WaitStatus::TimedOut);
            sut.set().unwrap();
            assert_eq!(sut.wait(Some(Duration::ZERO)).unwrap(), WaitStatus::Signaled);
        }
    });
}
