//! Row (7): scaling.
//!
//! - The cost of row (2) (open + map + read + unmap + close) with 1, 1,000
//!   and 100,000 other live objects in the namespace. named-shm objects live
//!   only while a handle is open, so the others are held by helper processes
//!   (each within its descriptor limit); raw POSIX objects persist on their own.
//! - 64 processes opening and closing the same name at once: throughput
//!   against one process, and the number of failed operations (must be 0).

#![deny(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]

use anyhow::{bail, Result};
use clap::Parser;
use named_shm::{Access, SharedMemory};
use named_shm_bench::proc::{self, Holders};
use named_shm_bench::raw::{self, futex_wait, futex_wake, Map, RawObject};
use named_shm_bench::{record, unique, Case, Common, Group, Sink};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Row (7) of the project benchmark.
#[derive(Parser, Debug)]
#[command(name = "bench-scale", version)]
struct Cli {
    #[command(flatten)]
    common: Common,
    /// Namespace populations to measure (other live objects).
    #[arg(long, value_delimiter = ',', default_value = "1,1000,100000")]
    objects: Vec<usize>,
    /// Iterations per round of the open cycle.
    #[arg(long, default_value_t = 2000)]
    iterations: u64,
    /// Concurrent processes for the same-name test.
    #[arg(long, default_value_t = 64)]
    procs: usize,
    /// Open cycles per process in the same-name test.
    #[arg(long, default_value_t = 400)]
    per_proc: u64,
}

const MSG: &[u8] = b"scaling";

fn main() -> Result<()> {
    let cli = Cli::parse();
    let c = &cli.common;
    let mut sink = Sink::new(c)?;
    if c.wants_row("7-objects") {
        let counts: Vec<usize> = if c.quick {
            vec![1, 1000]
        } else {
            cli.objects.clone()
        };
        for n in counts {
            proc::pin(c.cpu_for(0));
            by_population(c, &mut sink, n, c.iters(cli.iterations, 20))?;
        }
    }
    if c.wants_row("7-procs") {
        // Every process runs wherever the scheduler puts it: that is the test.
        proc::unpin();
        let per = c.iters(cli.per_proc, 10);
        for imp in ["raw", "named-shm"] {
            if c.wants_imp(imp) {
                same_name(c, &mut sink, imp, cli.procs, per)?;
            }
        }
    }
    Ok(())
}

fn by_population(c: &Common, sink: &mut Sink, others: usize, iters: u64) -> Result<()> {
    eprintln!("  (populating the namespaces with {others} other objects each)");
    let t = Instant::now();
    // named-shm: live objects held by helpers.
    let holders = Holders::spawn(others, &unique("fill"))?;
    // raw: objects persist without handles; zero-length files.
    let raw_fill: Vec<RawObject> = (0..others)
        .map(|i| RawObject::create(&unique(&format!("rfill-{i}")), 0, &[]))
        .collect::<Result<_>>()?;
    eprintln!("  (populated in {:.1} s)", t.elapsed().as_secs_f64());

    let raw_obj = RawObject::create(&unique("r7-raw"), 4096, MSG)?;
    let named = unique("r7-named");
    let keep = SharedMemory::create(&named, 4096)?;
    keep.map(0, 0)?.write_at(0, MSG)?;
    let mut g = Group::new(
        &format!("7-objects-{others}"),
        &format!("open+map+read+unmap+close, {others} other objects"),
        "ns/op",
        iters,
    );
    let mut b1 = [0u8; 7];
    g.add(
        c,
        Case::new("raw", |n| {
            let t = Instant::now();
            for _ in 0..n {
                raw::open_cycle(&raw_obj.name, &mut b1)?;
            }
            Ok(t.elapsed())
        }),
    );
    let mut b2 = [0u8; 7];
    g.add(
        c,
        Case::new("named-shm", |n| {
            let t = Instant::now();
            for _ in 0..n {
                let s = SharedMemory::options().access(Access::Read).open(&named)?;
                s.map(0, 0)?.read_at(0, &mut b2)?;
            }
            Ok(t.elapsed())
        }),
    );
    let r = g.run(c, sink);
    drop(keep);
    drop(raw_obj);
    drop(raw_fill);
    let t = Instant::now();
    holders.finish()?;
    eprintln!("  (cleaned up in {:.1} s)", t.elapsed().as_secs_f64());
    r.map(drop)
}

/// `procs` processes open+map+read+unmap+close the same name `per` times
/// each, all at once; compared with one process doing the same.
fn same_name(c: &Common, sink: &mut Sink, imp: &str, procs: usize, per: u64) -> Result<()> {
    let name = unique("r7-same");
    let raw_obj;
    let keep;
    if imp == "raw" {
        raw_obj = Some(RawObject::create(&name, 4096, MSG)?);
        keep = None;
    } else {
        raw_obj = None;
        let k = SharedMemory::create(&name, 4096)?;
        k.map(0, 0)?.write_at(0, MSG)?;
        keep = Some(k);
    }
    let page = Map::shared_anon(4096)?;
    let go = page.word(0);
    // SAFETY: offset 64 is 8-aligned and inside the page; only accessed atomically.
    let errors: &AtomicU64 = unsafe { AtomicU64::from_ptr(page.ptr().add(64).cast()) };
    let ready_count: &AtomicU32 = page.word(128);

    let run_one = |p: usize| -> Result<(Duration, u64)> {
        go.store(0, Ordering::SeqCst);
        errors.store(0, Ordering::SeqCst);
        ready_count.store(0, Ordering::SeqCst);
        let mut kids = Vec::new();
        for _ in 0..p {
            let name = &name;
            let raw_name = raw_obj.as_ref().map(|o| o.name.clone());
            kids.push(proc::fork(move || {
                ready_count.fetch_add(1, Ordering::SeqCst);
                while go.load(Ordering::Acquire) == 0 {
                    futex_wait(go, 0);
                }
                let mut buf = [0u8; 7];
                let mut errs = 0u64;
                for _ in 0..per {
                    let ok = match &raw_name {
                        Some(rn) => raw::open_cycle(rn, &mut buf).is_ok(),
                        None => SharedMemory::options()
                            .access(Access::Read)
                            .open(name)
                            .and_then(|s| s.map(0, 0)?.read_at(0, &mut buf))
                            .is_ok(),
                    };
                    if !ok || buf != *MSG {
                        errs += 1;
                    }
                }
                errors.fetch_add(errs, Ordering::SeqCst);
                0
            })?);
        }
        while (ready_count.load(Ordering::SeqCst) as usize) < p {
            std::thread::sleep(Duration::from_micros(200));
        }
        let t = Instant::now();
        go.store(1, Ordering::Release);
        futex_wake(go, i32::MAX);
        let mut r = Ok(());
        for k in kids {
            if let Err(e) = proc::wait(k) {
                r = Err(e);
            }
        }
        let d = t.elapsed();
        r?;
        Ok((d, errors.load(Ordering::SeqCst)))
    };

    for p in [1, procs] {
        let mut samples = Vec::new();
        let mut errs = 0;
        if !c.quick {
            run_one(p)?;
        }
        for _ in 0..c.rounds().min(5) {
            let (d, e) = run_one(p)?;
            errs += e;
            samples.push(d.as_nanos() as f64 / (p as f64 * per as f64));
        }
        let mut rec = record(
            "7-procs",
            &format!("{p} process(es) open+map+read+unmap+close one name at once"),
            &format!("{imp}, {p} proc"),
            "ns/op (wall ÷ ops)",
            &samples,
            p as u64 * per,
        );
        rec.errors = errs;
        sink.put(&rec)?;
        if errs > 0 {
            bail!("{errs} failed opens with {p} concurrent processes ({imp})");
        }
    }
    drop(keep);
    drop(raw_obj);
    Ok(())
}
