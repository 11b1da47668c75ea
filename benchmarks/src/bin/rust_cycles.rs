//! The work of `benchmarks/c/bench.c`, through the Rust API of `named-shm`,
//! so `scripts/bench.sh --win32` (`benchmarks/c-layer.sh table`) can report
//! the cost of the C layer on top.
//!
//! `bench-rust-cycles cycles <tag> <n>` | `bench-rust-cycles ping <tag> <n>`
//! (spawns its own `pong` peer). Prints the same keys as bench.c, in
//! microseconds.

use named_shm::{Access, Event, SharedMemory, WaitObject};
use std::time::{Duration, Instant};

const BATCHES: usize = 5;
const OBJ_SIZE: u64 = 4096;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn cycles(tag: &str, n: usize) -> named_shm::Result<()> {
    let mut create = Vec::new();
    for b in 0..BATCHES {
        let t0 = Instant::now();
        for i in 0..n {
            let shm = SharedMemory::open_or_create(&format!("Local\\nshm-bench-{tag}-{b}-{i}"), OBJ_SIZE)?;
            let view = shm.map(0, 0)?;
            view.fill(0, OBJ_SIZE as usize, i as u8)?;
            drop(view);
            drop(shm);
        }
        create.push(t0.elapsed().as_secs_f64() * 1e6 / n as f64);
    }
    let name = format!("Local\\nshm-bench-{tag}-existing");
    let keep = SharedMemory::create(&name, OBJ_SIZE)?;
    keep.map(0, 0)?.fill(0, OBJ_SIZE as usize, 1)?;
    let mut open = Vec::new();
    let mut sink = 0u32;
    for _ in 0..BATCHES {
        let t0 = Instant::now();
        for _ in 0..n {
            let shm = SharedMemory::options().access(Access::Read).open(&name)?;
            let view = shm.map(0, 0)?;
            for k in (0..OBJ_SIZE as usize).step_by(64) {
                sink = sink.wrapping_add(u32::from(view.read::<u8>(k)?));
            }
        }
        open.push(t0.elapsed().as_secs_f64() * 1e6 / n as f64);
    }
    std::hint::black_box(sink);
    println!("create_map_write_unmap_close_us {:.2}", median(create));
    println!("open_map_read_unmap_close_us {:.2}", median(open));
    Ok(())
}

fn open_retry(name: &str) -> named_shm::Result<Event> {
    for _ in 0..2000 {
        if let Ok(e) = Event::open(name) {
            return Ok(e);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    Event::open(name)
}

fn pingpong(tag: &str, n: usize, initiator: bool) -> named_shm::Result<()> {
    let (ping_name, pong_name, stop_name) = (
        format!("Local\\nshm-bench-{tag}-rping"),
        format!("Local\\nshm-bench-{tag}-rpong"),
        format!("Local\\nshm-bench-{tag}-rstop"),
    );
    if !initiator {
        let ping = Event::create(&ping_name)?;
        let pong = Event::create(&pong_name)?;
        let stop = Event::options().manual_reset(true).create(&stop_name)?;
        let objs = [WaitObject::Event(&ping), WaitObject::Event(&stop)];
        while let named_shm::MultiWaitStatus::Signaled(0) =
            named_shm::wait_for_multiple(&objs, false, Some(Duration::from_secs(60)))?
        {
            pong.set()?;
        }
        return Ok(());
    }
    let mut peer = std::process::Command::new(std::env::current_exe().expect("own path"))
        .args(["pong", tag])
        .spawn()
        .expect("spawn pong");
    let result = ping_loop(&ping_name, &pong_name, &stop_name, n);
    let _ = peer.wait();
    result
}

fn ping_loop(ping_name: &str, pong_name: &str, stop_name: &str, n: usize) -> named_shm::Result<()> {
    let ping = open_retry(ping_name)?;
    let pong = open_retry(pong_name)?;
    for _ in 0..n / 10 {
        ping.set()?;
        pong.wait(None)?;
    }
    let mut rtt = Vec::new();
    for _ in 0..BATCHES {
        let t0 = Instant::now();
        for _ in 0..n {
            ping.set()?;
            pong.wait(Some(Duration::from_secs(10)))?;
        }
        rtt.push(t0.elapsed().as_secs_f64() * 1e6 / n as f64);
    }
    println!("event_pingpong_rtt_us {:.2}", median(rtt));
    open_retry(stop_name)?.set()
}

fn main() -> named_shm::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (mode, tag) = (
        args.get(1).map_or("cycles", |s| s),
        args.get(2).map_or("r", |s| s),
    );
    let n = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(1000);
    match mode {
        "cycles" => cycles(tag, n),
        "ping" => pingpong(tag, n, true),
        _ => pingpong(tag, n, false),
    }
}
