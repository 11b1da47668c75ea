//! Async waits across real processes: `Event::wait_async`,
//! `Semaphore::wait_async`, `Mutex::acquire_async` and
//! `wait_for_multiple_async` on tokio's current-thread and multi-thread
//! runtimes, woken by other processes, cancelled by drop, and surviving a
//! `kill -9` of a process with pending waits. Linux and Windows (under
//! Wine: `scripts/test-windows.sh --test sync_async`), except where noted.

mod common;

use common::{exit_child, role, say, spawn, unique_name, wait_parent, watchdog, T};
use named_shm::{
    wait_for_multiple_async, Error, Event, MultiWaitStatus, Mutex, Semaphore, WaitObject, WaitStatus,
};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(120);
/// A timeout long enough that only a lost wake-up reaches it.
const LONG: Duration = Duration::from_secs(60);

fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap()
}

fn multi_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .unwrap()
}

/// The process's thread count, from `/proc/self/status`.
#[cfg(target_os = "linux")]
fn threads() -> usize {
    let s = std::fs::read_to_string("/proc/self/status").unwrap();
    s.lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap()
}

/// A waker that does nothing: futures polled by hand.
struct Noop;
impl Wake for Noop {
    fn wake(self: Arc<Self>) {}
}

/// Polls a future once by hand: registers its wait.
fn poll_once<F: Future + Unpin>(f: &mut F) -> Poll<F::Output> {
    let waker = Waker::from(Arc::new(Noop));
    Pin::new(f).poll(&mut Context::from_waker(&waker))
}

fn child(role: &str, args: &[String]) -> ! {
    match role {
        // [event, n]: sets the event n times, back to back.
        "set" => {
            let ev = Event::open(&args[0]).expect("open event");
            for _ in 0..args[1].parse::<u32>().unwrap() {
                ev.set().expect("set");
            }
            exit_child(0)
        }
        // [event]: sets and at once resets a manual-reset event.
        "pulse" => {
            let ev = Event::open(&args[0]).expect("open event");
            ev.set().expect("set");
            ev.reset().expect("reset");
            exit_child(0)
        }
        // [semaphore, n]: releases n counts.
        "release" => {
            let s = Semaphore::open(&args[0]).expect("open semaphore");
            s.release(args[1].parse().unwrap()).expect("release");
            exit_child(0)
        }
        // [mutex]: owns the mutex, says so, releases it when told.
        "hold-mutex" => {
            let m = Mutex::open(&args[0]).expect("open mutex");
            assert_eq!(m.acquire(None).unwrap(), WaitStatus::Signaled);
            say("held");
            if wait_parent().as_deref() == Some("release") {
                m.release().expect("release");
            }
            exit_child(0)
        }
        // [event, semaphore]: 100 pending waits on each, then sleeps until killed.
        "pend" => {
            let rt = current_thread();
            let ev = Arc::new(Event::open(&args[0]).unwrap());
            let sem = Arc::new(Semaphore::open(&args[1]).unwrap());
            rt.block_on(async {
                let started = Arc::new(AtomicUsize::new(0));
                for i in 0..200 {
                    let (ev, sem, started) = (ev.clone(), sem.clone(), started.clone());
                    tokio::spawn(async move {
                        started.fetch_add(1, Ordering::SeqCst);
                        if i % 2 == 0 {
                            ev.wait_async(None).await
                        } else {
                            sem.wait_async(None).await
                        }
                    });
                }
                while started.load(Ordering::SeqCst) < 200 {
                    tokio::task::yield_now().await;
                }
                tokio::task::yield_now().await;
                say("pending");
                std::future::pending::<()>().await;
            });
            exit_child(0)
        }
        // [event]: 10,000 pending waits on one event in this process; says
        // how many threads that added, then reports whether all were released.
        #[cfg(target_os = "linux")]
        "ten-thousand" => {
            let rt = current_thread();
            let ev = Arc::new(Event::open(&args[0]).unwrap());
            let ok = rt.block_on(async {
                let before = threads();
                let started = Arc::new(AtomicUsize::new(0));
                let tasks: Vec<_> = (0..10_000)
                    .map(|_| {
                        let (ev, started) = (ev.clone(), started.clone());
                        tokio::spawn(async move {
                            started.fetch_add(1, Ordering::SeqCst);
                            ev.wait_async(Some(LONG)).await.unwrap()
                        })
                    })
                    .collect();
                while started.load(Ordering::SeqCst) < 10_000 {
                    tokio::task::yield_now().await;
                }
                tokio::task::yield_now().await;
                say(format!("threads {}", threads() - before));
                let mut all = true;
                for t in tasks {
                    all &= t.await.unwrap() == WaitStatus::Signaled;
                }
                all
            });
            exit_child(if ok {
                common::code::SIGNALED
            } else {
                common::code::TIMED_OUT
            })
        }
        // [base, n]: one pending wait on each of n events `base-i`; says how
        // many threads that added, then reports whether all were released.
        #[cfg(target_os = "linux")]
        "many-objects" => {
            let n: usize = args[1].parse().unwrap();
            let evs: Vec<Event> = (0..n)
                .map(|i| Event::open(&format!("{}-{i}", args[0])).unwrap())
                .collect();
            let rt = current_thread();
            let ok = rt.block_on(async {
                let before = threads();
                let mut futs: Vec<_> = evs.iter().map(|e| Box::pin(e.wait_async(Some(LONG)))).collect();
                for f in futs.iter_mut() {
                    assert!(std::future::poll_fn(|cx| Poll::Ready(f.as_mut().poll(cx).is_pending())).await);
                }
                say(format!("threads {}", threads() - before));
                let mut all = true;
                for f in futs {
                    all &= f.await.unwrap() == WaitStatus::Signaled;
                }
                all
            });
            exit_child(if ok {
                common::code::SIGNALED
            } else {
                common::code::TIMED_OUT
            })
        }
        other => panic!("unknown role {other}"),
    }
}

/// Runs `n` waits on `ev` as tasks of `rt` and returns their handles once
/// every one has been polled (registered).
fn pending_event_waits(
    rt: &tokio::runtime::Runtime,
    ev: &str,
    n: usize,
    timeout: Duration,
) -> Vec<tokio::task::JoinHandle<WaitStatus>> {
    let started = Arc::new(AtomicUsize::new(0));
    let ev = Arc::new(Event::open(ev).unwrap());
    let tasks = (0..n)
        .map(|_| {
            let (ev, started) = (ev.clone(), started.clone());
            rt.spawn(async move {
                let f = ev.wait_async(Some(timeout));
                started.fetch_add(1, Ordering::SeqCst);
                f.await.unwrap()
            })
        })
        .collect();
    // Counted just before the first poll; yielding (which also drives a
    // current-thread runtime's tasks) and a short pause let the last ones
    // register (correctness does not depend on it: a wait that registers
    // after the set still sees it).
    rt.block_on(async {
        while started.load(Ordering::SeqCst) < n {
            tokio::task::yield_now().await;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    });
    tasks
}

fn statuses(rt: &tokio::runtime::Runtime, tasks: Vec<tokio::task::JoinHandle<WaitStatus>>) -> (usize, usize) {
    let mut signaled = 0;
    let mut timed_out = 0;
    for t in tasks {
        match rt.block_on(t).unwrap() {
            WaitStatus::Signaled => signaled += 1,
            WaitStatus::TimedOut => timed_out += 1,
            WaitStatus::Abandoned => panic!("an event is never abandoned"),
        }
    }
    (signaled, timed_out)
}

#[test]
fn an_event_set_by_another_process_wakes_a_future_on_both_tokio_runtimes() {
    const TEST: &str = "an_event_set_by_another_process_wakes_a_future_on_both_tokio_runtimes";
    if let Some((r, args)) = role() {
        child(&r, &args)
    }
    watchdog(TEST, LIMIT, || {
        for rt in [current_thread(), multi_thread()] {
            let name = unique_name("async-ev");
            let ev = Event::create(&name).unwrap();
            let st = rt.block_on(async {
                let wait = ev.wait_async(Some(LONG));
                let mut setter = spawn(TEST, "set", &[&name, "1"]);
                let st = wait.await.unwrap();
                setter.success(T);
                st
            });
            assert_eq!(st, WaitStatus::Signaled);
            assert!(!ev.is_set(), "the wait consumed the auto-reset event");
        }
    });
}

/// Linux: one waiter thread per process (Windows: a thread per pending wait).
#[cfg(target_os = "linux")]
#[test]
fn ten_thousand_pending_waits_on_one_event_cost_one_thread() {
    const TEST: &str = "ten_thousand_pending_waits_on_one_event_cost_one_thread";
    if let Some((r, args)) = role() {
        child(&r, &args)
    }
    watchdog(TEST, LIMIT, || {
        let name = unique_name("async-10k");
        let ev = Event::options().manual_reset(true).create(&name).unwrap();
        // In a process of its own, so no other test's threads are counted.
        let mut kid = spawn(TEST, "ten-thousand", &[&name]);
        assert_eq!(
            kid.expect_line(T),
            "threads 1",
            "one waiter thread for 10,000 waits"
        );
        ev.set().unwrap();
        assert_eq!(
            kid.wait_code(),
            Some(common::code::SIGNALED),
            "every wait was released"
        );
    });
}

/// Linux: a waiter thread sleeps on at most 127 distinct words, so 300
/// objects take three, and every wait is still released.
#[cfg(target_os = "linux")]
#[test]
fn waits_on_300_distinct_objects_spread_over_three_waiter_threads() {
    const TEST: &str = "waits_on_300_distinct_objects_spread_over_three_waiter_threads";
    if let Some((r, args)) = role() {
        child(&r, &args)
    }
    watchdog(TEST, LIMIT, || {
        let base = unique_name("async-many");
        let evs: Vec<Event> = (0..300)
            .map(|i| {
                Event::options()
                    .manual_reset(true)
                    .create(&format!("{base}-{i}"))
                    .unwrap()
            })
            .collect();
        let mut kid = spawn(TEST, "many-objects", &[&base, "300"]);
        assert_eq!(kid.expect_line(T), "threads 3", "127 words per waiter thread");
        evs.iter().for_each(|e| e.set().unwrap());
        assert_eq!(
            kid.wait_code(),
            Some(common::code::SIGNALED),
            "every wait was released"
        );
    });
}

#[test]
fn n_sets_of_an_auto_reset_event_release_exactly_n_pending_futures() {
    const TEST: &str = "n_sets_of_an_auto_reset_event_release_exactly_n_pending_futures";
    if let Some((r, args)) = role() {
        child(&r, &args)
    }
    watchdog(TEST, LIMIT, || {
        for rt in [current_thread(), multi_thread()] {
            let name = unique_name("async-auto");
            let ev = Event::create(&name).unwrap();
            let tasks = pending_event_waits(&rt, &name, 8, Duration::from_secs(3));
            spawn(TEST, "set", &[&name, "3"]).success(T);
            assert_eq!(statuses(&rt, tasks), (3, 5), "3 sets release 3 of 8 waits");
            assert!(!ev.is_set(), "no set was left over");
        }
    });
}

#[test]
fn a_manual_reset_event_set_and_reset_at_once_releases_every_pending_future() {
    const TEST: &str = "a_manual_reset_event_set_and_reset_at_once_releases_every_pending_future";
    if let Some((r, args)) = role() {
        child(&r, &args)
    }
    watchdog(TEST, LIMIT, || {
        let rt = multi_thread();
        let name = unique_name("async-manual");
        let ev = Event::options().manual_reset(true).create(&name).unwrap();
        let tasks = pending_event_waits(&rt, &name, 100, LONG);
        spawn(TEST, "pulse", &[&name]).success(T);
        assert_eq!(statuses(&rt, tasks), (100, 0));
        assert!(!ev.is_set());
    });
}

#[test]
fn pending_futures_time_out_and_take_nothing() {
    let rt = current_thread();
    let ev = Event::create(&unique_name("async-to-ev")).unwrap();
    let sem = Semaphore::create(&unique_name("async-to-sem"), 0, 4).unwrap();
    let short = Some(Duration::from_millis(20));
    rt.block_on(async {
        assert_eq!(ev.wait_async(short).await.unwrap(), WaitStatus::TimedOut);
        assert_eq!(sem.wait_async(short).await.unwrap(), WaitStatus::TimedOut);
        let objs = [WaitObject::Event(&ev), WaitObject::Semaphore(&sem)];
        assert_eq!(
            wait_for_multiple_async(&objs, false, short).await.unwrap(),
            MultiWaitStatus::TimedOut
        );
        // A zero timeout still takes what is there, as WaitForSingleObject(0).
        sem.release(1).unwrap();
        assert_eq!(
            sem.wait_async(Some(Duration::ZERO)).await.unwrap(),
            WaitStatus::Signaled
        );
    });
    assert_eq!(sem.count(), 0);
    assert!(!ev.is_set());
}

#[test]
fn dropped_pending_futures_lose_no_set_and_no_release() {
    const TEST: &str = "dropped_pending_futures_lose_no_set_and_no_release";
    if let Some((r, args)) = role() {
        child(&r, &args)
    }
    watchdog(TEST, LIMIT, || {
        let evn = unique_name("async-drop-ev");
        let semn = unique_name("async-drop-sem");
        let ev = Event::create(&evn).unwrap();
        let sem = Semaphore::create(&semn, 0, 100).unwrap();
        // Registered waits (polled once), never polled again: the set is
        // granted to one of them, the releases wait for their polls.
        let mut evw: Vec<_> = (0..50).map(|_| ev.wait_async(None)).collect();
        let mut semw: Vec<_> = (0..50).map(|_| sem.wait_async(None)).collect();
        evw.iter_mut().for_each(|f| assert!(poll_once(f).is_pending()));
        semw.iter_mut().for_each(|f| assert!(poll_once(f).is_pending()));
        spawn(TEST, "set", &[&evn, "1"]).success(T);
        spawn(TEST, "release", &[&semn, "3"]).success(T);
        drop(evw);
        drop(semw);
        // Linux: nothing was taken (the grant went back at the drop). Windows:
        // the waits' threads may take and give back a moment later.
        #[cfg(target_os = "linux")]
        {
            assert!(
                ev.is_set(),
                "the set granted to a dropped wait went back to the event"
            );
            assert_eq!(sem.count(), 3, "no count was taken for a dropped wait");
        }
        let give_back = if cfg!(windows) {
            Some(LONG)
        } else {
            Some(Duration::ZERO)
        };
        let rt = current_thread();
        rt.block_on(async {
            assert_eq!(ev.wait_async(give_back).await.unwrap(), WaitStatus::Signaled);
            for _ in 0..3 {
                assert_eq!(sem.wait_async(give_back).await.unwrap(), WaitStatus::Signaled);
            }
            assert_eq!(
                sem.wait_async(Some(Duration::ZERO)).await.unwrap(),
                WaitStatus::TimedOut
            );
        });
        // And pending waits dropped before a set leave it for a later waiter.
        let mut evw: Vec<_> = (0..10).map(|_| ev.wait_async(None)).collect();
        evw.iter_mut().for_each(|f| assert!(poll_once(f).is_pending()));
        drop(evw);
        spawn(TEST, "set", &[&evn, "1"]).success(T);
        assert_eq!(ev.wait(give_back).unwrap(), WaitStatus::Signaled);
    });
}

#[test]
fn kill_9_of_a_process_with_pending_futures_leaves_the_objects_usable() {
    const TEST: &str = "kill_9_of_a_process_with_pending_futures_leaves_the_objects_usable";
    if let Some((r, args)) = role() {
        child(&r, &args)
    }
    watchdog(TEST, LIMIT, || {
        let evn = unique_name("async-kill-ev");
        let semn = unique_name("async-kill-sem");
        let ev = Event::create(&evn).unwrap();
        let sem = Semaphore::create(&semn, 0, 100).unwrap();
        let mut kid = spawn(TEST, "pend", &[&evn, &semn]);
        assert_eq!(kid.expect_line(T), "pending");
        kid.kill9();
        let rt = multi_thread();
        rt.block_on(async {
            let w = ev.wait_async(Some(LONG));
            ev.set().unwrap();
            assert_eq!(w.await.unwrap(), WaitStatus::Signaled);
            let w = sem.wait_async(Some(LONG));
            sem.release(1).unwrap();
            assert_eq!(w.await.unwrap(), WaitStatus::Signaled);
        });
        // Blocking waits too.
        ev.set().unwrap();
        assert_eq!(ev.wait(Some(LONG)).unwrap(), WaitStatus::Signaled);
        sem.release(2).unwrap();
        assert_eq!(sem.wait(Some(LONG)).unwrap(), WaitStatus::Signaled);
        assert_eq!(sem.count(), 1);
    });
}

#[test]
fn semaphore_futures_take_exactly_the_released_counts() {
    const TEST: &str = "semaphore_futures_take_exactly_the_released_counts";
    if let Some((r, args)) = role() {
        child(&r, &args)
    }
    watchdog(TEST, LIMIT, || {
        let rt = multi_thread();
        let name = unique_name("async-sem");
        let sem = Semaphore::create(&name, 0, 100).unwrap();
        let started = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..10)
            .map(|_| {
                let (name, started) = (name.clone(), started.clone());
                rt.spawn(async move {
                    let s = Semaphore::open(&name).unwrap();
                    started.fetch_add(1, Ordering::SeqCst);
                    s.wait_async(Some(Duration::from_secs(3))).await.unwrap()
                })
            })
            .collect();
        rt.block_on(async {
            while started.load(Ordering::SeqCst) < 10 {
                tokio::task::yield_now().await;
            }
        });
        spawn(TEST, "release", &[&name, "4"]).success(T);
        let got: Vec<_> = tasks.into_iter().map(|t| rt.block_on(t).unwrap()).collect();
        assert_eq!(got.iter().filter(|s| **s == WaitStatus::Signaled).count(), 4);
        assert_eq!(got.iter().filter(|s| **s == WaitStatus::TimedOut).count(), 6);
        assert_eq!(sem.count(), 0);
    });
}

#[test]
fn wait_for_multiple_async_takes_any_one_or_all_and_refuses_mutexes() {
    const TEST: &str = "wait_for_multiple_async_takes_any_one_or_all_and_refuses_mutexes";
    if let Some((r, args)) = role() {
        child(&r, &args)
    }
    watchdog(TEST, LIMIT, || {
        let rt = multi_thread();
        let evn = unique_name("async-multi-ev");
        let semn = unique_name("async-multi-sem");
        let ev = Event::create(&evn).unwrap();
        let sem = Semaphore::create(&semn, 0, 10).unwrap();
        let objs = [WaitObject::Event(&ev), WaitObject::Semaphore(&sem)];
        rt.block_on(async {
            // Any: the semaphore released by another process is index 1.
            let w = wait_for_multiple_async(&objs, false, Some(LONG));
            spawn(TEST, "release", &[&semn, "1"]).success(T);
            assert_eq!(w.await.unwrap(), MultiWaitStatus::Signaled(1));
            assert_eq!(sem.count(), 0);
            // All: the event alone is not enough, and is given back.
            spawn(TEST, "set", &[&evn, "1"]).success(T);
            assert_eq!(
                wait_for_multiple_async(&objs, true, Some(Duration::from_millis(50)))
                    .await
                    .unwrap(),
                MultiWaitStatus::TimedOut
            );
            assert!(
                ev.is_set(),
                "a wait-all that could not take everything took nothing"
            );
            let w = wait_for_multiple_async(&objs, true, Some(LONG));
            spawn(TEST, "release", &[&semn, "1"]).success(T);
            assert_eq!(w.await.unwrap(), MultiWaitStatus::Signaled(0));
            assert!(!ev.is_set());
            assert_eq!(sem.count(), 0);
            // A mutex is owned by a thread: refused.
            let m = Mutex::create(&unique_name("async-multi-mx")).unwrap();
            let with_mutex = [WaitObject::Event(&ev), WaitObject::Mutex(&m)];
            let e = wait_for_multiple_async(&with_mutex, false, None)
                .await
                .unwrap_err();
            assert!(matches!(e, Error::InvalidArgument { .. }), "{e}");
        });
    });
}

/// Linux; on Windows `acquire_async` is `Unsupported` (a waiting thread
/// would own the mutex).
#[cfg(target_os = "linux")]
#[test]
fn acquire_async_owns_the_mutex_on_the_polling_thread_and_reports_abandonment() {
    const TEST: &str = "acquire_async_owns_the_mutex_on_the_polling_thread_and_reports_abandonment";
    if let Some((r, args)) = role() {
        child(&r, &args)
    }
    watchdog(TEST, LIMIT, || {
        let rt = current_thread();
        let name = unique_name("async-mx");
        let m = Mutex::create(&name).unwrap();
        // Released by its owner in another process.
        let mut owner = spawn(TEST, "hold-mutex", &[&name]);
        assert_eq!(owner.expect_line(T), "held");
        let st = rt.block_on(async {
            let w = m.acquire_async(Some(LONG));
            owner.send("release");
            w.await.unwrap()
        });
        assert_eq!(st, WaitStatus::Signaled);
        owner.success(T);
        m.release()
            .expect("the thread that polled the future owns the mutex");
        assert!(matches!(m.release(), Err(Error::NotOwner { .. })));
        // Held by a process killed with -9: abandoned.
        let mut owner = spawn(TEST, "hold-mutex", &[&name]);
        assert_eq!(owner.expect_line(T), "held");
        let st = rt.block_on(async {
            let w = m.acquire_async(Some(LONG));
            owner.kill9();
            w.await.unwrap()
        });
        assert_eq!(st, WaitStatus::Abandoned);
        m.release().unwrap();
        // Timeouts, while another thread of ours holds it.
        let held = std::thread::scope(|s| {
            let (tx, rx) = std::sync::mpsc::channel();
            let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
            let m2 = &m;
            s.spawn(move || {
                m2.acquire(None).unwrap();
                tx.send(()).unwrap();
                done_rx.recv().unwrap();
                m2.release().unwrap();
            });
            rx.recv().unwrap();
            let st = rt
                .block_on(m.acquire_async(Some(Duration::from_millis(30))))
                .unwrap();
            done_tx.send(()).unwrap();
            st
        });
        assert_eq!(held, WaitStatus::TimedOut);
    });
}

/// The example pair: `crates/named-shm-win32/examples/async_producer.c`,
/// built with `scripts/wincc`, sets a named auto-reset event for each
/// reading; this process awaits it on tokio (as `examples/async_service.rs`
/// does) and acknowledges each one.
#[cfg(target_os = "linux")]
#[test]
fn a_c_program_built_with_wincc_sets_the_event_an_async_consumer_awaits() {
    use std::path::Path;
    use std::process::{Command, Stdio};
    watchdog("c producer, async consumer", Duration::from_secs(600), || {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        // target/<profile>/deps/<test> -> target; the nested target directory
        // the win32 crate's tests use too (cargo holds the lock on ours).
        let exe = std::env::current_exe().unwrap();
        let target = exe.ancestors().nth(3).unwrap().join("wincc-test");
        let dir = target.join("async-example");
        std::fs::create_dir_all(&dir).unwrap();
        let pid = std::process::id();
        let tmp = dir.join(format!("async_producer-{pid}"));
        let status = Command::new("bash")
            .arg(repo.join("scripts/wincc"))
            .arg(repo.join("crates/named-shm-win32/examples/async_producer.c"))
            .arg("-o")
            .arg(&tmp)
            .env("CARGO_TARGET_DIR", &target)
            .env_remove("WINCC_LIB_DIR")
            .env_remove("WINCC_NO_BUILD")
            .status()
            .expect("run scripts/wincc");
        assert!(status.success(), "wincc failed");

        let base = format!("Local\\{}", unique_name("async-example"));
        let map = named_shm::SharedMemory::open_or_create(&base, 256).unwrap();
        let view = map.map(0, 256).unwrap();
        let ready = Event::open_or_create(&format!("{base}.ready")).unwrap();
        let ack = Event::open_or_create(&format!("{base}.ack")).unwrap();
        let producer = Command::new(&tmp)
            .arg(&base)
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the producer");
        let readings = current_thread().block_on(async {
            let mut readings = Vec::new();
            loop {
                assert_eq!(ready.wait_async(Some(LONG)).await.unwrap(), WaitStatus::Signaled);
                let mut buf = [0u8; 256];
                view.read_at(0, &mut buf).unwrap();
                let len = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
                let text = String::from_utf8_lossy(&buf[..len]).into_owned();
                ack.set().unwrap();
                if text == "quit" {
                    break readings;
                }
                readings.push(text);
            }
        });
        let out = producer.wait_with_output().unwrap();
        let _ = std::fs::remove_file(&tmp);
        assert!(
            out.status.success(),
            "producer: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        assert_eq!(
            readings,
            [
                "reading 1: 20.0 C",
                "reading 2: 21.7 C",
                "reading 3: 22.4 C",
                "reading 4: 23.1 C",
                "reading 5: 24.8 C"
            ]
        );
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "producer: 5 readings delivered\n"
        );
    });
}
