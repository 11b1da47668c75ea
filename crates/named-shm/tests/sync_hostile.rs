//! Mutexes and events whose shared memory a peer scribbles over: whatever
//! bytes it writes, lockers and waiters in other processes never crash, never
//! write through a pointer from the page, and every wait returns by its
//! timeout. The peer here is the test process writing the object's file with
//! `pwrite` (the same user could, as could another user with write access).
#![cfg(target_os = "linux")]

mod common;

use common::{exit_child, role, spawn, unique_name, wait_until, watchdog, Counters};
use named_shm::{Event, Mutex, WaitStatus};
use std::os::unix::fs::FileExt;
use std::time::{Duration, Instant};

const LIMIT: Duration = Duration::from_secs(120);
/// Generous slack on top of a timeout: the machine is shared and loaded.
const SLACK: Duration = Duration::from_secs(3);

const READY: usize = 0;
const SCRIBBLED: usize = 1;
const STOP: usize = 2;
const ROUNDS: usize = 3;

/// Start of the sync area in an object's header page (`header.rs`).
const SYNC: u64 = 2048;
/// The layout word; left alone so that opens keep working.
const LAYOUT: u64 = SYNC + 60;

/// The object's file in this user's Local namespace directory.
fn object_file(name: &str) -> std::fs::File {
    let root = std::env::var("NAMED_SHM_DIR").unwrap_or_else(|_| "/dev/shm".into());
    let dir = format!("{root}/named-shm.u{}", common::euid());
    let entry = std::fs::read_dir(&dir)
        .expect("namespace directory")
        .filter_map(|e| e.ok())
        .find(|e| e.file_name().to_string_lossy().contains(name))
        .unwrap_or_else(|| panic!("no file for {name} in {dir}"));
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(entry.path())
        .expect("open the object file")
}

/// xorshift64*: deterministic garbage.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

/// Fills the sync area (but not the layout word) with random bytes, or with
/// values that look like the owner and robust-list fields of a glibc mutex.
fn scribble(f: &std::fs::File, rng: &mut Rng) {
    let mut area = [0u8; 256];
    match rng.next() % 4 {
        0 => area.iter_mut().for_each(|b| *b = rng.next() as u8),
        1 => {
            // A live TID (ours) in every word, with random flag bits.
            let tid = common::thread_id();
            for w in area.chunks_mut(4) {
                let flags = (rng.next() as u32) & 0xc000_0000;
                w.copy_from_slice(&(tid | flags).to_ne_bytes());
            }
        }
        2 => {
            // Pointer-like values everywhere (a robust list's prev/next).
            for w in area.chunks_mut(8) {
                w.copy_from_slice(&(0x4141_4141_4141_4140u64 ^ (rng.next() & 0xff0)).to_ne_bytes());
            }
        }
        _ => {
            // Extreme words: all ones, all zeros, sign bits.
            let vals = [u32::MAX, 0, 0x8000_0000, 0x7fff_ffff, 0xffff_fffe, 0x4000_0000];
            for w in area.chunks_mut(4) {
                let v = vals[(rng.next() % vals.len() as u64) as usize];
                w.copy_from_slice(&v.to_ne_bytes());
            }
        }
    }
    f.write_all_at(&area[..60], SYNC).unwrap();
    f.write_all_at(&area[64..], LAYOUT + 4).unwrap();
}

/// Asserts that a wait with `timeout` returned by it.
fn in_time(start: Instant, timeout: Duration, what: &str) {
    let took = start.elapsed();
    assert!(
        took <= timeout + SLACK,
        "{what} took {took:?} with a timeout of {timeout:?}"
    );
}

/// The roles a re-executed test binary plays; `args` are object names (mutex
/// `mx`, counters `cnt`, …) and numbers, in the order each role lists.
fn child(role: &str, args: &[String]) -> ! {
    let counters = || Counters::open(&args[1]);
    match role {
        // [mx, cnt]: owns the mutex while the peer rewrites its memory, releases it,
        // then keeps locking with short timeouts while the peer scribbles.
        "victim" => {
            let (mx, c) = (Mutex::open(&args[0]).unwrap(), counters());
            let st = mx.acquire(Some(Duration::from_secs(10))).unwrap();
            assert_ne!(st, WaitStatus::TimedOut);
            c.inc(READY);
            wait_until(|| c.get(SCRIBBLED) > 0);
            // The old glibc mutex wrote through the scribbled list pointers here.
            mx.release().unwrap();
            for _ in 0..200 {
                let t = Duration::from_millis(5);
                let start = Instant::now();
                let st = mx.acquire(Some(t)).unwrap();
                in_time(start, t, "acquire");
                if st != WaitStatus::TimedOut {
                    mx.release().unwrap();
                }
                c.inc(ROUNDS);
            }
            exit_child(0)
        }
        // [mx, cnt, manual, auto]: locks, signals and waits with short
        // timeouts until told to stop.
        "worker" => {
            let c = counters();
            let mx = Mutex::open(&args[0]).unwrap();
            let manual = Event::open(&args[2]).unwrap();
            let auto = Event::open(&args[3]).unwrap();
            c.inc(READY);
            let mut i = 0u64;
            while c.get(STOP) == 0 {
                let t = Duration::from_millis(1 + i % 7);
                let start = Instant::now();
                match i % 6 {
                    0 => {
                        if mx.acquire(Some(t)).unwrap() != WaitStatus::TimedOut {
                            mx.release().unwrap();
                        }
                    }
                    1 => {
                        manual.wait(Some(t)).unwrap();
                    }
                    2 => {
                        auto.wait(Some(t)).unwrap();
                    }
                    3 => {
                        auto.wait_spin(Duration::from_micros(50), Some(t)).unwrap();
                    }
                    4 => {
                        let objs = [
                            named_shm::WaitObject::Mutex(&mx),
                            named_shm::WaitObject::Event(&auto),
                        ];
                        match named_shm::wait_for_multiple(&objs, i % 12 == 4, Some(t)).unwrap() {
                            named_shm::MultiWaitStatus::Signaled(_)
                            | named_shm::MultiWaitStatus::Abandoned(_) => {
                                let _ = mx.release();
                            }
                            named_shm::MultiWaitStatus::TimedOut => {}
                        }
                    }
                    _ => {
                        auto.set().unwrap();
                        manual.set().unwrap();
                        manual.reset().unwrap();
                    }
                }
                in_time(start, t, "a wait");
                c.inc(ROUNDS);
                i += 1;
            }
            exit_child(0)
        }
        other => panic!("unknown role {other}"),
    }
}

#[test]
fn mutex_whose_list_pointers_a_peer_overwrites_is_released_without_a_crash() {
    let test = "mutex_whose_list_pointers_a_peer_overwrites_is_released_without_a_crash";
    if let Some((r, args)) = role() {
        child(&r, &args)
    }
    watchdog(test, LIMIT, || {
        let (mx, cnt) = (unique_name("hmx"), unique_name("hcnt"));
        let c = Counters::create(&cnt);
        let _keep = Mutex::create(&mx).unwrap();
        let mut victim = spawn(test, "victim", &[&mx, &cnt]);
        wait_until(|| c.get(READY) == 1);
        // The owner's robust-list links of a glibc mutex at +64 (prev at +24,
        // next at +32 of a pthread_mutex_t): make them point nowhere.
        let f = object_file(&mx);
        let bad = 0x4141_4141_4141_4140u64.to_ne_bytes();
        for off in [SYNC + 64 + 24, SYNC + 64 + 32] {
            f.write_all_at(&bad, off).unwrap();
        }
        c.inc(SCRIBBLED);
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        while c.get(ROUNDS) < 200 {
            scribble(&f, &mut rng);
            std::thread::sleep(Duration::from_micros(500));
            if let Some(st) = victim.try_wait() {
                assert_eq!(st.code(), Some(0), "the locker died: {st}");
                return;
            }
        }
        assert_eq!(victim.wait_code(), Some(0), "the locker crashed or failed");
    });
}

#[test]
fn scribbled_mutex_and_events_never_crash_or_overstay_their_timeouts() {
    let test = "scribbled_mutex_and_events_never_crash_or_overstay_their_timeouts";
    if let Some((r, args)) = role() {
        child(&r, &args)
    }
    watchdog(test, LIMIT, || {
        let (mx, manual, auto, cnt) = (
            unique_name("hmx"),
            unique_name("hev"),
            unique_name("hev"),
            unique_name("hcnt"),
        );
        let c = Counters::create(&cnt);
        let _m = Mutex::create(&mx).unwrap();
        let _e1 = Event::options().manual_reset(true).create(&manual).unwrap();
        let _e2 = Event::create(&auto).unwrap();
        let args = [&*mx, &*cnt, &*manual, &*auto];
        let mut workers: Vec<_> = (0..3).map(|_| spawn(test, "worker", &args)).collect();
        wait_until(|| c.get(READY) == 3);
        let files = [object_file(&mx), object_file(&manual), object_file(&auto)];
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(3) {
            for f in &files {
                scribble(f, &mut rng);
            }
            std::thread::sleep(Duration::from_micros(200 + rng.next() % 2000));
        }
        c.inc(STOP);
        for w in &mut workers {
            assert_eq!(w.wait_code(), Some(0), "a worker crashed or a wait overstayed");
        }
        assert!(c.get(ROUNDS) > 0);
    });
}

/// Writes `v` over the event's state word and `w` over its waiter count.
fn set_words(f: &std::fs::File, v: u32, w: u32) {
    f.write_all_at(&v.to_ne_bytes(), SYNC).unwrap();
    f.write_all_at(&w.to_ne_bytes(), SYNC + 4).unwrap();
}

#[test]
fn events_with_scribbled_words_time_out_in_time_and_never_panic() {
    watchdog(
        "events_with_scribbled_words_time_out_in_time_and_never_panic",
        LIMIT,
        || {
            let (manual, auto) = (unique_name("hev"), unique_name("hev"));
            let m = Event::options().manual_reset(true).create(&manual).unwrap();
            let a = Event::create(&auto).unwrap();
            let (fm, fa) = (object_file(&manual), object_file(&auto));
            let t = Duration::from_millis(30);
            // Auto-reset: as many registered waiters as the word can count (the
            // old code slept in 1 ms steps until one left, past any deadline),
            // and every field at its maximum (the old `set` overflowed).
            for v in [0x7fff << 1, 0xffff << 1, 0xffff_fffe, 0xffff_fffc, 0xfffe_0000] {
                set_words(&fa, v, u32::MAX);
                let start = Instant::now();
                let _ = a.wait(Some(t)).unwrap();
                in_time(start, t, "auto wait");
                let start = Instant::now();
                let _ = a.wait_spin(Duration::from_micros(100), Some(t)).unwrap();
                in_time(start, t, "auto wait_spin");
                set_words(&fa, v, u32::MAX);
                a.set().unwrap();
                a.reset().unwrap();
                set_words(&fa, v, u32::MAX);
                a.pulse().unwrap();
                assert!(!a.is_set(), "a pulse leaves the event non-signalled");
                let start = Instant::now();
                let objs = [named_shm::WaitObject::Event(&a), named_shm::WaitObject::Event(&m)];
                let _ = named_shm::wait_for_multiple(&objs, true, Some(t)).unwrap();
                in_time(start, t, "wait-all");
            }
            // Manual-reset: odd generations, all ones, a huge waiter count.
            for v in [u32::MAX - 1, 0xffff_fffe, 0x8000_0000, 2] {
                set_words(&fm, v, u32::MAX);
                let start = Instant::now();
                assert_eq!(m.wait(Some(t)).unwrap(), WaitStatus::TimedOut);
                in_time(start, t, "manual wait");
                m.set().unwrap();
                assert_eq!(m.wait(Some(t)).unwrap(), WaitStatus::Signaled);
                m.reset().unwrap();
                set_words(&fm, v | 1, u32::MAX);
                m.pulse().unwrap();
                assert!(!m.is_set(), "a pulse leaves the event non-signalled");
            }
            // Random words, every operation.
            let mut rng = Rng(42);
            for _ in 0..300 {
                let (v, w) = (rng.next() as u32, rng.next() as u32);
                set_words(&fa, v, w);
                set_words(&fm, v, w);
                let t = Duration::from_millis(rng.next() % 3);
                for e in [&a, &m] {
                    let start = Instant::now();
                    let _ = e.wait(Some(t)).unwrap();
                    in_time(start, t, "wait");
                    match rng.next() % 3 {
                        0 => e.set().unwrap(),
                        1 => e.reset().unwrap(),
                        _ => e.pulse().unwrap(),
                    }
                    let _ = e.is_set();
                }
            }
            // Still usable once the words are sane again.
            set_words(&fa, 0, 0);
            a.set().unwrap();
            assert_eq!(a.wait(Some(Duration::ZERO)).unwrap(), WaitStatus::Signaled);
        },
    );
}

#[test]
fn mutex_with_scribbled_words_in_this_process_times_out_in_time() {
    watchdog(
        "mutex_with_scribbled_words_in_this_process_times_out_in_time",
        LIMIT,
        || {
            let name = unique_name("hmx");
            let mx = Mutex::create(&name).unwrap();
            let f = object_file(&name);
            let mut rng = Rng(7);
            for round in 0..400 {
                scribble(&f, &mut rng);
                let t = Duration::from_millis(round % 4);
                let start = Instant::now();
                match mx.acquire(Some(t)).unwrap() {
                    WaitStatus::TimedOut => {}
                    _ => {
                        // Owned per this thread's own record: release succeeds
                        // whatever the word says now.
                        scribble(&f, &mut rng);
                        mx.release().unwrap();
                    }
                }
                in_time(start, t, "acquire");
                assert!(mx.release().is_err(), "not owned any more");
            }
            // Sane again: works as a mutex.
            f.write_all_at(&0u32.to_ne_bytes(), SYNC + 64).unwrap();
            let g = mx.lock().unwrap();
            drop(g);
        },
    );
}

#[test]
fn async_waits_on_scribbled_objects_return_by_their_timeouts_and_never_panic() {
    watchdog(
        "async_waits_on_scribbled_objects_return_by_their_timeouts_and_never_panic",
        LIMIT,
        || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .build()
                .unwrap();
            let (manual, auto, sem) = (unique_name("haev"), unique_name("haev"), unique_name("hasem"));
            let m = Event::options().manual_reset(true).create(&manual).unwrap();
            let a = Event::create(&auto).unwrap();
            let s = named_shm::Semaphore::create(&sem, 0, 4).unwrap();
            let files = [object_file(&manual), object_file(&auto), object_file(&sem)];
            let mut rng = Rng(7);
            for round in 0..200 {
                let (v, w) = match round % 4 {
                    0 => (u32::MAX, u32::MAX),
                    1 => (0xffff << 1, u32::MAX),
                    _ => (rng.next() as u32, rng.next() as u32),
                };
                for f in &files {
                    set_words(f, v, w);
                }
                let t = Duration::from_millis(rng.next() % 4);
                let start = Instant::now();
                rt.block_on(async {
                    let _ = m.wait_async(Some(t)).await.unwrap();
                    let _ = a.wait_async(Some(t)).await.unwrap();
                    let _ = s.wait_async(Some(t)).await.unwrap();
                    let objs = [
                        named_shm::WaitObject::Event(&a),
                        named_shm::WaitObject::Semaphore(&s),
                    ];
                    let _ = named_shm::wait_for_multiple_async(&objs, round % 2 == 0, Some(t))
                        .await
                        .unwrap();
                });
                in_time(start, 4 * t, "async waits");
                // A peer changing the words under a pending wait wakes it at
                // worst early or late, never past its timeout.
                let pending = rt.spawn({
                    let a = Event::open(&auto).unwrap();
                    async move { a.wait_async(Some(Duration::from_millis(20))).await.map(|_| ()) }
                });
                set_words(&files[1], rng.next() as u32, rng.next() as u32);
                let start = Instant::now();
                rt.block_on(pending).unwrap().unwrap();
                in_time(start, Duration::from_millis(20), "pending async wait");
            }
            // Usable once the words are sane again.
            for f in &files {
                set_words(f, 0, 0);
            }
            a.set().unwrap();
            assert_eq!(
                rt.block_on(a.wait_async(Some(Duration::from_secs(5)))).unwrap(),
                WaitStatus::Signaled
            );
        },
    );
}
