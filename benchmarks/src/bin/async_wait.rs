//! Async waits (`Event::wait_async`) beside blocking ones.
//!
//! - `round-trip`: an event round trip between two processes (auto-reset
//!   ping and pong events): blocking on both sides, async (tokio
//!   current-thread runtime) on the measuring side, async on both sides.
//! - `pending`: the cost of 10,000 pending waits in one process: memory
//!   (VmRSS), threads, the time to wake one wait on another event while
//!   they are pending, and the time until the first of 10,000 waits on one
//!   auto-reset event completes after a `set`.
//!
//! `async_wait [round-trip|pending|all] [--iters N] [--rounds R] [--out FILE]`;
//! the peer process is this binary again (`peer-blocking` / `peer-async`).
//! With `--out`, the figures are appended as JSON lines (rows `5-async` and
//! `5-async-pending`) for `bench-report`, as `scripts/bench.sh` does.

use named_shm::{Event, WaitStatus};
use named_shm_bench::{record, Record};
use std::future::Future;
use std::io::Write as _;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// The smallest executor: polls on this thread, parks between polls.
fn park_block_on<F: Future>(f: F) -> F::Output {
    struct Unpark(std::thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut f = std::pin::pin!(f);
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
        std::thread::park();
    }
}

fn status_field(field: &str) -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// The peer: waits for ping, sets pong, `n` times.
fn peer(asynchronous: bool, ping: &str, pong: &str, n: u64) {
    let ping = Event::open(ping).expect("open ping");
    let pong = Event::open(pong).expect("open pong");
    if asynchronous {
        current_thread().block_on(async {
            for _ in 0..n {
                assert_eq!(ping.wait_async(None).await.unwrap(), WaitStatus::Signaled);
                pong.set().unwrap();
            }
        });
    } else {
        for _ in 0..n {
            assert_eq!(ping.wait(None).unwrap(), WaitStatus::Signaled);
            pong.set().unwrap();
        }
    }
}

/// Nanoseconds per round trip, the median of `rounds` runs of `iters`.
fn round_trip(case: &str, iters: u64, rounds: usize) -> f64 {
    let mut samples = Vec::new();
    for r in 0..rounds {
        let id = format!("{}-{case}-{r}", std::process::id());
        let (pingn, pongn) = (format!("bench-async-ping-{id}"), format!("bench-async-pong-{id}"));
        let ping = Event::create(&pingn).expect("create ping");
        let pong = Event::create(&pongn).expect("create pong");
        let peer_role = if case == "async-both" {
            "peer-async"
        } else {
            "peer-blocking"
        };
        let total = iters + iters / 10; // a tenth to warm up
        let mut child = Command::new(std::env::current_exe().expect("self"))
            .args([peer_role, &pingn, &pongn, &total.to_string()])
            .stdin(Stdio::null())
            .spawn()
            .expect("spawn peer");
        let warm = iters / 10;
        let ns = if case == "blocking" {
            for _ in 0..warm {
                ping.set().unwrap();
                pong.wait(None).unwrap();
            }
            let t = Instant::now();
            for _ in 0..iters {
                ping.set().unwrap();
                pong.wait(None).unwrap();
            }
            t.elapsed().as_nanos() as f64
        } else if case == "async-park" {
            for _ in 0..warm {
                ping.set().unwrap();
                park_block_on(pong.wait_async(None)).unwrap();
            }
            let t = Instant::now();
            for _ in 0..iters {
                ping.set().unwrap();
                park_block_on(pong.wait_async(None)).unwrap();
            }
            t.elapsed().as_nanos() as f64
        } else {
            current_thread().block_on(async {
                for _ in 0..warm {
                    ping.set().unwrap();
                    pong.wait_async(None).await.unwrap();
                }
                let t = Instant::now();
                for _ in 0..iters {
                    ping.set().unwrap();
                    pong.wait_async(None).await.unwrap();
                }
                t.elapsed().as_nanos() as f64
            })
        };
        assert!(child.wait().expect("peer").success(), "peer failed");
        samples.push(ns / iters as f64);
    }
    median(&mut samples)
}

struct Noop;
impl Wake for Noop {
    fn wake(self: Arc<Self>) {}
}

/// Case of row `5-async`, and of `5-async-pending`.
const CASE_RTT: &str = "event ping-pong round trip, 2 processes, async waits";
const CASE_PENDING: &str = "10,000 pending async waits in one process";

fn pending(iters: u64, out: &mut Vec<Record>) {
    const N: usize = 10_000;
    let id = std::process::id();
    let idle = Event::options()
        .manual_reset(true)
        .create(&format!("bench-async-idle-{id}"))
        .expect("create");
    let hot = Event::create(&format!("bench-async-hot-{id}")).expect("create");
    let herd = Event::create(&format!("bench-async-herd-{id}")).expect("create");

    // The library's own cost: futures polled once by hand (no executor).
    let (rss0, thr0) = (status_field("VmRSS:"), status_field("Threads:"));
    let waker = Waker::from(Arc::new(Noop));
    let mut cx = Context::from_waker(&waker);
    let mut futs: Vec<_> = (0..N).map(|_| Box::pin(idle.wait_async(None))).collect();
    let t = Instant::now();
    for f in futs.iter_mut() {
        assert!(f.as_mut().poll(&mut cx).is_pending());
    }
    let register_ns = t.elapsed().as_nanos() as f64 / N as f64;
    let (rss1, thr1) = (status_field("VmRSS:"), status_field("Threads:"));
    let bytes = (rss1.saturating_sub(rss0) * 1024) as f64 / N as f64;
    println!(
        "pending 10000 (hand-polled futures): memory {bytes:.0} bytes/wait (VmRSS +{} KiB), threads +{}, register {register_ns:.0} ns/wait",
        rss1.saturating_sub(rss0),
        thr1.saturating_sub(thr0),
    );
    let note = |what: &str| {
        let mut r = record(
            "5-async-pending",
            CASE_PENDING,
            what,
            "ns/wait",
            &[register_ns],
            N as u64,
        );
        r.note = format!(
            "memory {bytes:.0} bytes per pending wait, {} more threads for 10,000",
            thr1.saturating_sub(thr0)
        );
        r
    };
    out.push(note("register one wait (first poll)"));

    // Wake one wait on another event while the 10,000 are pending, and
    // without them: another thread sets `hot` (noting the time just before)
    // and we time until our waiter (a tokio task) has completed.
    let rt = current_thread();
    let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
    let set_at = Arc::new(std::sync::Mutex::new(Instant::now()));
    let setter = {
        let (name, set_at) = (hot.name().as_str().to_owned(), set_at.clone());
        std::thread::spawn(move || {
            let hot = Event::open(&name).expect("open");
            while go_rx.recv().is_ok() {
                *set_at.lock().unwrap() = Instant::now();
                hot.set().unwrap();
            }
        })
    };
    let wake_one = |label: &str| {
        let mut samples = Vec::new();
        rt.block_on(async {
            for _ in 0..iters {
                let mut w = Box::pin(hot.wait_async(None));
                // Registered before the set.
                assert!(std::future::poll_fn(|cx| Poll::Ready(w.as_mut().poll(cx).is_pending())).await);
                go_tx.send(()).unwrap();
                w.await.unwrap();
                samples.push(set_at.lock().unwrap().elapsed().as_nanos() as f64);
            }
        });
        println!(
            "wake one ({label}): {:.1} us median",
            median(&mut samples.clone()) / 1e3
        );
        samples
    };
    let busy = wake_one("10000 other waits pending");
    drop(futs);
    let quiet = wake_one("no other wait pending");
    out.push(record(
        "5-async-pending",
        CASE_PENDING,
        "wake one wait (no other pending)",
        "ns/wake",
        &quiet,
        iters,
    ));
    out.push(record(
        "5-async-pending",
        CASE_PENDING,
        "wake one wait (10,000 others pending)",
        "ns/wake",
        &busy,
        iters,
    ));
    drop(go_tx);
    setter.join().unwrap();

    // The first of 10,000 tasks waiting on one auto-reset event.
    let done = Arc::new(AtomicUsize::new(0));
    let herd = Arc::new(herd);
    let first = rt.block_on(async {
        let started = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..N)
            .map(|_| {
                let (herd, done, started) = (herd.clone(), done.clone(), started.clone());
                tokio::spawn(async move {
                    started.fetch_add(1, Ordering::SeqCst);
                    let st = herd.wait_async(Some(Duration::from_secs(5))).await.unwrap();
                    if st == WaitStatus::Signaled {
                        done.fetch_add(1, Ordering::SeqCst);
                    }
                })
            })
            .collect();
        while started.load(Ordering::SeqCst) < N {
            tokio::task::yield_now().await;
        }
        tokio::task::yield_now().await;
        let t = Instant::now();
        herd.set().unwrap();
        while done.load(Ordering::SeqCst) == 0 {
            tokio::task::yield_now().await;
        }
        let first = t.elapsed();
        for t in tasks {
            t.await.unwrap();
        }
        first
    });
    println!(
        "set with 10000 tokio tasks pending on one auto-reset event: first completes after {:.2} ms; {} completed in all",
        first.as_secs_f64() * 1e3,
        done.load(Ordering::SeqCst)
    );
    let mut r = record(
        "5-async-pending",
        CASE_PENDING,
        "set of an auto-reset event with 10,000 tasks waiting: first completes",
        "ns/wake",
        &[first.as_nanos() as f64],
        1,
    );
    r.note = format!(
        "{} of the 10,000 completed (auto-reset: exactly one)",
        done.load(Ordering::SeqCst)
    );
    out.push(r);
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(p @ ("peer-blocking" | "peer-async")) = args.first().map(String::as_str) {
        peer(
            p == "peer-async",
            &args[1],
            &args[2],
            args[3].parse().expect("count"),
        );
        return;
    }
    let what = args.first().map_or("all", String::as_str).to_owned();
    let flag = |name: &str, default: u64| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1)?.parse().ok())
            .unwrap_or(default)
    };
    let iters = flag("--iters", 20_000);
    let rounds = flag("--rounds", 5) as usize;
    let out_path = args
        .iter()
        .position(|a| a == "--out")
        .and_then(|i| args.get(i + 1))
        .cloned();
    let mut recs = Vec::new();
    if what == "case" {
        let case = args.get(1).map_or("async-park", String::as_str);
        let ns = round_trip(case, iters, rounds);
        println!("round trip, {case}: {:.2} us", ns / 1e3);
        return;
    }
    if what == "round-trip" || what == "all" {
        // The cases take turns, round by round, so that the load of a shared
        // machine weighs on each alike; each ratio is taken within a round.
        let cases = [
            ("blocking", "blocking both sides"),
            ("async", "async measuring side (tokio current-thread)"),
            ("async-park", "async measuring side (park/unpark executor)"),
            ("async-both", "async both sides (tokio current-thread)"),
        ];
        let mut per: Vec<Vec<f64>> = vec![Vec::new(); cases.len()];
        for _ in 0..rounds {
            for (k, (case, _)) in cases.iter().enumerate() {
                per[k].push(round_trip(case, iters, 1));
            }
        }
        for (k, (_, label)) in cases.iter().enumerate() {
            let mut ratios: Vec<f64> = per[k].iter().zip(&per[0]).map(|(a, b)| a / b).collect();
            let ratio = median(&mut ratios);
            println!(
                "round trip, {label}: {:.2} us median ({ratio:.2}x blocking, median of per-round ratios)",
                median(&mut per[k].clone()) / 1e3,
            );
            let mut r = record("5-async", CASE_RTT, label, "ns/rtt", &per[k], iters);
            if k > 0 {
                r.note = format!("{ratio:.2}× the blocking round trip, the median of per-round ratios");
            }
            recs.push(r);
        }
    }
    if what == "pending" || what == "all" {
        pending(flag("--wakes", 200), &mut recs);
    }
    if let Some(path) = out_path {
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .unwrap_or_else(|e| panic!("cannot open {path}: {e}"));
        for r in &recs {
            writeln!(f, "{}", serde_json::to_string(r).expect("a record serialises")).expect("write");
        }
    }
}
