//! Row (8): administration at scale, what one object costs, and one event
//! with many waiters (issue #19).
//!
//! - `8-list-N`: `nshm list --json` (and the library's `HolderIndex::read` +
//!   `admin::list`) with N live objects held by one process, and with many
//!   processes holding some each: the time per object must stay flat.
//! - `8-reap-N`: `nshm reap --json` of N orphans (objects whose holder exited
//!   without closing them): time per object.
//! - `8-open-N`: one fresh process opening N existing objects: the open cost
//!   per object (all, first tenth, last tenth) and what each open handle
//!   costs that process (resident memory, descriptors, mappings).
//! - `8-cost-KIND`: one mapping, event, mutex and semaphore: descriptors,
//!   mappings, tmpfs and resident memory per object, and per extra handle.
//! - `8-wake-manual`: a manual-reset event with many waiting threads across
//!   processes: the time from `set` to the last waiter running.
//! - `8-wake-auto`: an auto-reset event with the same waiters: waiters woken
//!   per `set` (exactly one) and the waiting threads' context switches per
//!   `set` (about one without a thundering herd, about N with one).
//!
//! The objects live under a private `NAMED_SHM_DIR` (the one `bench.sh`
//! sets, or a fresh one), so that `list` and `reap` see only this run's.
//! The 100,000-object cases need more descriptors than a usual hard limit:
//! the benchmark raises it (root with `CAP_SYS_RESOURCE` may) and says so;
//! where it may not, several processes hold the objects, one process opens
//! as many as it may, and the output says why.

#![deny(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]

use anyhow::{bail, Context, Result};
use clap::Parser;
use named_shm::{admin, Access, Event, Mutex, Namespace, Semaphore, SharedMemory};
use named_shm_bench::proc::{self, Holders};
use named_shm_bench::raw::{futex_wait, futex_wake, Map};
use named_shm_bench::{record, unique, Common, Record, Sink};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Row (8) of the project benchmark.
#[derive(Parser, Debug)]
#[command(name = "bench-admin-scale", version)]
struct Cli {
    #[command(flatten)]
    common: Common,
    /// Objects held by one process for `nshm list`.
    #[arg(long, value_delimiter = ',', default_value = "1000,10000,100000")]
    list_objects: Vec<usize>,
    /// Processes holding `--list-per-proc` objects each, for `nshm list`.
    #[arg(long, default_value_t = 100)]
    list_procs: usize,
    /// Objects each of the `--list-procs` processes holds.
    #[arg(long, default_value_t = 1000)]
    list_per_proc: usize,
    /// Orphans for `nshm reap`.
    #[arg(long, value_delimiter = ',', default_value = "1000,10000,100000")]
    reap_objects: Vec<usize>,
    /// Objects one process opens.
    #[arg(long, value_delimiter = ',', default_value = "1000,10000,100000")]
    open_objects: Vec<usize>,
    /// Objects of each kind for the per-object costs.
    #[arg(long, default_value_t = 1000)]
    cost_objects: usize,
    /// Waiting threads on the event, in all.
    #[arg(long, default_value_t = 1000)]
    waiters: usize,
    /// Processes the waiting threads are spread over.
    #[arg(long, default_value_t = 10)]
    waiter_procs: usize,
    /// `set` calls on the auto-reset event.
    #[arg(long, default_value_t = 200)]
    auto_sets: usize,
    /// The `nshm` binary (default: beside this one).
    #[arg(long)]
    nshm: Option<PathBuf>,
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    let c = &cli.common;
    let quick = c.quick;
    let list_objects = if quick {
        vec![100, 1000]
    } else {
        cli.list_objects.clone()
    };
    let (list_procs, list_per) = if quick {
        (4, 100)
    } else {
        (cli.list_procs, cli.list_per_proc)
    };
    let reap_objects = if quick {
        vec![100, 1000]
    } else {
        cli.reap_objects.clone()
    };
    let open_objects = if quick {
        vec![100, 1000]
    } else {
        cli.open_objects.clone()
    };
    let cost_objects = if quick { 100 } else { cli.cost_objects };
    let (waiters, waiter_procs, auto_sets) = if quick {
        (40, 4, 20)
    } else {
        (cli.waiters, cli.waiter_procs, cli.auto_sets)
    };

    // A private namespace root: list and reap must see this run's objects only.
    let own_root = match std::env::var_os("NAMED_SHM_DIR") {
        Some(_) => None,
        None => {
            let d = PathBuf::from(format!("/dev/shm/nshm-benchroot-{}", std::process::id()));
            std::fs::create_dir(&d).with_context(|| format!("creating {}", d.display()))?;
            std::env::set_var("NAMED_SHM_DIR", &d);
            Some(d)
        }
    };
    let nshm = match &cli.nshm {
        Some(p) => p.clone(),
        None => std::env::current_exe()?
            .parent()
            .context("the benchmark's directory")?
            .join("nshm"),
    };
    if !nshm.exists() {
        bail!(
            "{} not found: build it (`cargo build --release -p named-shm-cli`) or pass --nshm",
            nshm.display()
        );
    }
    let most = list_objects
        .iter()
        .chain(&reap_objects)
        .chain(&open_objects)
        .copied()
        .max()
        .unwrap_or(0);
    let mut sink = Sink::new(c)?;
    // The holder and the opener of `most` objects, plus what the run itself
    // holds. Without the right to raise the hard limit, the objects are
    // held by several processes, and one process opens as many as it may.
    let limit = match proc::raise_hard_nofile(most + 1024) {
        Ok(r) => Limit {
            fits: usize::MAX,
            note: r.unwrap_or_default(),
        },
        Err(e) => {
            let fits = proc::raise_nofile().saturating_sub(1024) / 1000 * 1000;
            Limit {
                fits: fits.max(1000),
                note: format!("one process may hold about {fits} objects here: {e:#}"),
            }
        }
    };
    if !limit.note.is_empty() {
        eprintln!("  ({})", limit.note);
    }
    let mut open_sizes = Vec::new();
    for &n in &open_objects {
        if n <= limit.fits {
            open_sizes.push(n);
        } else {
            if c.wants_row("8-open") {
                sink.skip(
                    &format!("8-open-{n}"),
                    &format!("one process opens {n} existing 4 KiB mappings"),
                    "named-shm",
                    &limit.note,
                )?;
            }
            // The most this machine allows instead.
            if !open_sizes.contains(&limit.fits) {
                open_sizes.push(limit.fits);
            }
        }
    }
    proc::unpin();
    let r = (|| -> Result<()> {
        if c.wants_row("8-list") {
            for &n in &list_objects {
                list_row(c, &mut sink, &nshm, n, n.max(1), &limit)?;
            }
            list_row(c, &mut sink, &nshm, list_procs * list_per, list_per, &limit)?;
        }
        if c.wants_row("8-reap") {
            for &n in &reap_objects {
                reap_row(c, &mut sink, &nshm, n, &limit)?;
            }
        }
        if c.wants_row("8-open") {
            for &n in &open_sizes {
                open_row(c, &mut sink, n, &limit)?;
            }
        }
        if c.wants_row("8-cost") {
            cost_rows(&mut sink, cost_objects)?;
        }
        if c.wants_row("8-wake") {
            wake_rows(c, &mut sink, waiters, waiter_procs, auto_sets)?;
        }
        Ok(())
    })();
    if let Some(d) = own_root {
        let _ = std::fs::remove_dir_all(&d);
    }
    r
}

/// How many objects one process may hold, and what the reader must know about it.
struct Limit {
    fits: usize,
    note: String,
}

/// Rounds for a case of `n` objects: fewer for the big ones.
fn rounds_for(c: &Common, n: usize) -> usize {
    if c.quick {
        1
    } else if n >= 50_000 {
        3.min(c.rounds())
    } else {
        5.min(c.rounds())
    }
}

/// Runs `nshm ARGS` with its output in `out`; the wall time.
fn run_nshm(nshm: &Path, args: &[&str], out: &Path) -> Result<Duration> {
    let f = std::fs::File::create(out)?;
    let t = Instant::now();
    let o = Command::new(nshm)
        .args(args)
        .stdout(f)
        .stderr(Stdio::piped())
        .output()
        .with_context(|| format!("running {}", nshm.display()))?;
    let d = t.elapsed();
    if !o.status.success() {
        bail!(
            "nshm {}: {} ({})",
            args.join(" "),
            o.status,
            String::from_utf8_lossy(&o.stderr).trim()
        );
    }
    Ok(d)
}

/// Lines of `path` containing `needle`.
fn count_lines(path: &Path, needle: &str) -> Result<usize> {
    Ok(std::fs::read_to_string(path)?
        .lines()
        .filter(|l| l.contains(needle))
        .count())
}

fn scratch(tag: &str) -> PathBuf {
    std::env::temp_dir().join(format!("{}-{tag}", unique("out")))
}

fn put(sink: &mut Sink, mut r: Record, note: &str, errors: u64) -> Result<()> {
    r.errors = errors;
    r.note = note.to_owned();
    sink.put(&r)
}

/// `nshm list --json` of `total` objects held `per` to a process.
fn list_row(c: &Common, sink: &mut Sink, nshm: &Path, total: usize, per: usize, limit: &Limit) -> Result<()> {
    let procs = total.div_ceil(per);
    let row = if procs == 1 {
        format!("8-list-{total}")
    } else {
        format!("8-list-{procs}x{per}")
    };
    // More than one process may hold: several holders, said in the case.
    let held_per = per.min(limit.fits);
    let holders_n = total.div_ceil(held_per);
    eprintln!("row {row}: nshm list --json, {total} objects in {holders_n} process(es)");
    let t = Instant::now();
    let holders = Holders::spawn_chunked(total, held_per, &unique("list"))?;
    eprintln!("  (created in {:.1} s)", t.elapsed().as_secs_f64());
    let out = scratch("list.json");
    let r = (|| -> Result<()> {
        let (mut cli_s, mut lib_s, mut bad) = (Vec::new(), Vec::new(), 0u64);
        let mut locks_s = Vec::new();
        if !c.quick {
            run_nshm(nshm, &["list", "--json"], &out)?;
        }
        for _ in 0..rounds_for(c, total) {
            let d = run_nshm(nshm, &["list", "--json"], &out)?;
            cli_s.push(d.as_nanos() as f64 / total as f64);
            let seen = count_lines(&out, "\"orphan\": false")?;
            if seen != total {
                eprintln!("  nshm list showed {seen} live objects, not {total}");
                bad += 1;
            }
            let t = Instant::now();
            let index = admin::HolderIndex::read();
            let list = admin::list(Namespace::Local)?;
            let held: usize = list.iter().map(|i| index.holders(i).len()).sum();
            lib_s.push(t.elapsed().as_nanos() as f64 / total as f64);
            if list.len() != total || held != total {
                bad += 1;
            }
            // The kernel's lock table, which `list` reads once for the
            // handle counts: one line per open handle on the machine.
            let t = Instant::now();
            let locks = std::fs::read("/proc/locks")?;
            locks_s.push(t.elapsed().as_nanos() as f64 / total as f64);
            drop(locks);
        }
        let case = format!("list {total} live objects held by {holders_n} process(es)");
        let note = if holders_n > procs || total > 19_000 {
            limit.note.as_str()
        } else {
            ""
        };
        put(
            sink,
            record(&row, &case, "nshm list --json", "ns/object", &cli_s, total as u64),
            note,
            bad,
        )?;
        put(
            sink,
            record(
                &row,
                &case,
                "library: HolderIndex::read + admin::list",
                "ns/object",
                &lib_s,
                total as u64,
            ),
            "",
            0,
        )?;
        put(
            sink,
            record(
                &row,
                &case,
                "reading /proc/locks alone",
                "ns/object",
                &locks_s,
                total as u64,
            ),
            "",
            0,
        )?;
        if bad > 0 {
            bail!("row {row}: the listing missed objects");
        }
        Ok(())
    })();
    let _ = std::fs::remove_file(&out);
    let f = holders.finish();
    r.and(f)
}

/// Children that create `n` objects (at most `per` each) and exit without
/// closing them: `n` orphans.
fn make_orphans(n: usize, per: usize, tag: &str) -> Result<()> {
    let per = per.max(1);
    for start in (0..n).step_by(per) {
        make_orphans_in(start..(start + per).min(n), tag)?;
    }
    Ok(())
}

fn make_orphans_in(range: std::ops::Range<usize>, tag: &str) -> Result<()> {
    let pid = proc::fork(|| {
        proc::raise_nofile();
        for i in range {
            match named_shm::ShmOptions::new()
                .commit(false)
                .create(&format!("{tag}-{i}"), 4096)
            {
                // Never closed: the process exits holding it.
                Ok(s) => std::mem::forget(s),
                Err(e) => {
                    eprintln!("orphan maker: {e}");
                    return 1;
                }
            }
        }
        0
    })?;
    proc::wait(pid)
}

/// `nshm reap --json` of `n` orphans.
fn reap_row(c: &Common, sink: &mut Sink, nshm: &Path, n: usize, limit: &Limit) -> Result<()> {
    let row = format!("8-reap-{n}");
    eprintln!("row {row}: nshm reap --json of {n} orphans");
    let out = scratch("reap.json");
    let mut samples = Vec::new();
    let mut bad = 0u64;
    for round in 0..rounds_for(c, n) {
        let t = Instant::now();
        make_orphans(n, limit.fits, &unique(&format!("orphan{round}")))?;
        eprintln!("  ({n} orphans made in {:.1} s)", t.elapsed().as_secs_f64());
        let d = run_nshm(nshm, &["reap", "--json"], &out);
        let d = match d {
            Ok(d) => d,
            Err(e) => {
                let _ = admin::reap();
                let _ = std::fs::remove_file(&out);
                return Err(e);
            }
        };
        samples.push(d.as_nanos() as f64 / n as f64);
        // One reclaimed name per line of the "reclaimed" array.
        let got = count_lines(&out, "orphan")?;
        if got != n || !admin::list(Namespace::Local)?.is_empty() {
            eprintln!("  reap reclaimed {got}, not {n}");
            bad += 1;
            let _ = admin::reap();
        }
    }
    let _ = std::fs::remove_file(&out);
    let note = if n > limit.fits {
        format!("orphans made by several processes: {}", limit.note)
    } else {
        String::new()
    };
    put(
        sink,
        record(
            &row,
            &format!("reap {n} orphans"),
            "nshm reap --json",
            "ns/object",
            &samples,
            n as u64,
        ),
        &note,
        bad,
    )?;
    if bad > 0 {
        bail!("row {row}: reap did not reclaim every orphan");
    }
    Ok(())
}

/// What a process holds, from /proc/self and the allocator.
#[derive(Clone, Copy, Default)]
struct Usage {
    rss_kib: u64,
    fds: u64,
    maps: u64,
    /// Bytes in use on the heap (glibc's `mallinfo2`).
    heap: u64,
}

fn usage() -> Usage {
    let rss_kib = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0);
    let fds = std::fs::read_dir("/proc/self/fd")
        .map(|d| d.count() as u64)
        .unwrap_or(0);
    let maps = std::fs::read_to_string("/proc/self/maps")
        .map(|s| s.lines().count() as u64)
        .unwrap_or(0);
    // SAFETY: mallinfo2 has no preconditions and returns a plain struct.
    let heap = unsafe { libc::mallinfo2() };
    Usage {
        rss_kib,
        fds,
        maps,
        heap: (heap.uordblks + heap.hblkhd) as u64,
    }
}

/// One fresh process opens `n` objects held by another.
fn open_row(c: &Common, sink: &mut Sink, n: usize, limit: &Limit) -> Result<()> {
    let row = format!("8-open-{n}");
    eprintln!("row {row}: one process opens {n} objects");
    let tag = unique("open");
    let holders = Holders::spawn_chunked(n, n.max(1), &tag)?;
    // Figures come back through a shared page: all, first tenth, last tenth
    // (ns/object), then resident KiB, descriptors and mappings per object
    // (as f64 bits), then the error count.
    let page = Map::shared_anon(4096)?;
    let slot = |i: usize| -> &AtomicU64 {
        // SAFETY: 8 * i < 4096 is 8-aligned inside the page; only accessed atomically.
        unsafe { AtomicU64::from_ptr(page.ptr().add(8 * i).cast()) }
    };
    let mut figs: Vec<Vec<f64>> = vec![Vec::new(); 7];
    let mut bad = 0;
    let r = (|| -> Result<()> {
        for _ in 0..rounds_for(c, n) {
            let tag = tag.clone();
            let pid = proc::fork(|| {
                proc::raise_nofile();
                let tenth = (n / 10).max(1);
                let mut held = Vec::with_capacity(n);
                // The library's first use (raising the soft limit) outside the measurement.
                let before = usage();
                let mut t_first = Duration::ZERO;
                let mut t_last = Duration::ZERO;
                let t_all = Instant::now();
                let mut t_slice = Instant::now();
                for i in 0..n {
                    if i == tenth || i == n - tenth {
                        t_slice = Instant::now();
                    }
                    match SharedMemory::options()
                        .access(Access::Read)
                        .open(&format!("{tag}-{i}"))
                    {
                        Ok(s) => held.push(s),
                        Err(e) => {
                            eprintln!("opener: {e}");
                            slot(7).fetch_add(1, Ordering::SeqCst);
                            return 1;
                        }
                    }
                    if i + 1 == tenth {
                        t_first = t_all.elapsed();
                    }
                    if i + 1 == n {
                        t_last = t_slice.elapsed();
                    }
                }
                let all = t_all.elapsed();
                let after = usage();
                let per = |d: Duration, k: usize| d.as_nanos() as f64 / k as f64;
                let figs = [
                    per(all, n),
                    per(t_first, tenth),
                    per(t_last, tenth),
                    (after.rss_kib as f64 - before.rss_kib as f64) * 1024.0 / n as f64,
                    (after.heap as f64 - before.heap as f64) / n as f64,
                    (after.fds as f64 - before.fds as f64) / n as f64,
                    (after.maps as f64 - before.maps as f64) / n as f64,
                ];
                for (i, f) in figs.into_iter().enumerate() {
                    slot(i).store(f.to_bits(), Ordering::SeqCst);
                }
                drop(held);
                0
            })?;
            if proc::wait(pid).is_err() {
                bad += 1;
                break;
            }
            for (i, v) in figs.iter_mut().enumerate() {
                v.push(f64::from_bits(slot(i).load(Ordering::SeqCst)));
            }
        }
        Ok(())
    })();
    let f = holders.finish();
    r?;
    f?;
    let case = format!("one process opens {n} existing 4 KiB mappings");
    let note = if n > 19_000 { limit.note.as_str() } else { "" };
    let units = [
        ("named-shm open, all", "ns/object"),
        ("named-shm open, first tenth", "ns/object"),
        ("named-shm open, last tenth", "ns/object"),
        ("resident memory of the opener", "bytes/object"),
        ("heap in use in the opener", "bytes/object"),
        ("descriptors of the opener", "per object"),
        ("mappings of the opener", "per object"),
    ];
    let handle = format!(
        "besides the {} bytes of the handle itself (`size_of::<SharedMemory>()`), wherever the caller keeps it",
        std::mem::size_of::<SharedMemory>()
    );
    for (i, (imp, unit)) in units.iter().enumerate() {
        put(
            sink,
            record(&row, &case, imp, unit, &figs[i], n as u64),
            match i {
                0 => note,
                4 => &handle,
                _ => "",
            },
            if i == 0 { bad } else { 0 },
        )?;
    }
    if bad > 0 {
        bail!("row {row}: the opener failed");
    }
    Ok(())
}

/// KiB of tmpfs the files of the caller's `Local\` namespace hold.
fn tmpfs_kib() -> u64 {
    use std::os::unix::fs::MetadataExt;
    let Ok(list) = admin::list(Namespace::Local) else {
        return 0;
    };
    list.iter()
        .filter_map(|i| std::fs::metadata(&i.path).ok())
        .map(|m| m.blocks() * 512 / 1024)
        .sum()
}

/// Per object: descriptors, mappings, tmpfs and resident memory of one
/// mapping, event, mutex and semaphore (and of a second handle), measured in
/// a fresh process over `n` objects of each kind.
fn cost_rows(sink: &mut Sink, n: usize) -> Result<()> {
    eprintln!("row 8-cost: what one object costs ({n} of each kind in a fresh process)");
    let kinds = [
        "mapping 4 KiB",
        "mapping 4 KiB + one view",
        "event",
        "mutex",
        "semaphore",
    ];
    // kinds × (fds, maps, tmpfs KiB, rss KiB, second handle: fds, maps)
    let page = Map::shared_anon(4096)?;
    let slot = |i: usize| -> &AtomicU64 {
        // SAFETY: 8 * i < 4096 is 8-aligned inside the page; only accessed atomically.
        unsafe { AtomicU64::from_ptr(page.ptr().add(8 * i).cast()) }
    };
    let pid = proc::fork(|| {
        proc::raise_nofile();
        // The library's first use outside the measurement.
        drop(Event::options().manual_reset(true).create(&unique("cost-warm")));
        for (k, kind) in kinds.iter().enumerate() {
            let tag = unique(&format!("cost{k}"));
            let b = usage();
            let t0 = tmpfs_kib();
            let mut held: Vec<Box<dyn std::any::Any>> = Vec::with_capacity(2 * n);
            for i in 0..n {
                let name = format!("{tag}-{i}");
                let o: Result<Box<dyn std::any::Any>, named_shm::Error> = match k {
                    0 => SharedMemory::create(&name, 4096).map(|s| Box::new(s) as _),
                    1 => SharedMemory::create(&name, 4096).and_then(|s| {
                        let v = s.map(0, 0)?;
                        Ok(Box::new((v, s)) as _)
                    }),
                    2 => Event::create(&name).map(|e| Box::new(e) as _),
                    3 => Mutex::create(&name).map(|m| Box::new(m) as _),
                    _ => Semaphore::create(&name, 0, 1).map(|s| Box::new(s) as _),
                };
                match o {
                    Ok(o) => held.push(o),
                    Err(e) => {
                        eprintln!("cost {kind}: {e}");
                        return 1;
                    }
                }
            }
            let a = usage();
            let t1 = tmpfs_kib();
            // A second handle to each object in the same process.
            for i in 0..n {
                let name = format!("{tag}-{i}");
                let o: Result<Box<dyn std::any::Any>, named_shm::Error> = match k {
                    0 | 1 => SharedMemory::options()
                        .access(Access::Read)
                        .open(&name)
                        .map(|s| Box::new(s) as _),
                    2 => Event::open(&name).map(|e| Box::new(e) as _),
                    3 => Mutex::open(&name).map(|m| Box::new(m) as _),
                    _ => Semaphore::open(&name).map(|s| Box::new(s) as _),
                };
                match o {
                    Ok(o) => held.push(o),
                    Err(e) => {
                        eprintln!("cost {kind}, second handle: {e}");
                        return 1;
                    }
                }
            }
            let a2 = usage();
            let d = |x: u64, y: u64| (x as f64 - y as f64) / n as f64;
            let figs = [
                d(a.fds, b.fds),
                d(a.maps, b.maps),
                d(t1, t0),
                d(a.rss_kib, b.rss_kib),
                d(a2.fds, a.fds),
                d(a2.maps, a.maps),
            ];
            for (i, f) in figs.into_iter().enumerate() {
                slot(k * 8 + i).store(f.to_bits(), Ordering::SeqCst);
            }
            drop(held);
        }
        0
    })?;
    proc::wait(pid)?;
    let metrics = [
        ("descriptors", "per object"),
        ("mappings", "per object"),
        ("tmpfs", "KiB/object"),
        ("resident memory of the process", "KiB/object"),
        ("second handle in the same process: descriptors", "per handle"),
        ("second handle in the same process: mappings", "per handle"),
    ];
    for (k, kind) in kinds.iter().enumerate() {
        let row = format!("8-cost-{k}");
        for (i, (imp, unit)) in metrics.iter().enumerate() {
            let v = f64::from_bits(slot(k * 8 + i).load(Ordering::SeqCst));
            put(sink, record(&row, kind, imp, unit, &[v], n as u64), "", 0)?;
        }
    }
    Ok(())
}

/// CLOCK_MONOTONIC in nanoseconds (the same clock in every process).
fn mono_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: ts is a valid out-pointer.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// Context switches (voluntary and not) of every thread of these processes.
fn ctx_switches(pids: &[libc::pid_t]) -> u64 {
    let mut sum = 0;
    for pid in pids {
        let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
            continue;
        };
        for t in tasks.flatten() {
            let Ok(s) = std::fs::read_to_string(t.path().join("status")) else {
                continue;
            };
            for l in s.lines() {
                if l.starts_with("voluntary_ctxt_switches:") || l.starts_with("nonvoluntary_ctxt_switches:") {
                    sum += l
                        .split_whitespace()
                        .nth(1)
                        .and_then(|v| v.parse::<u64>().ok())
                        .unwrap_or(0);
                }
            }
        }
    }
    sum
}

/// The shared counters of the wake-up rows.
struct Board {
    page: Map,
}

// SAFETY: a Board hands out only atomics over its page, which stays mapped
// for the Board's life; sharing it between threads shares only those atomics.
unsafe impl Sync for Board {}

impl Board {
    fn ready(&self) -> &AtomicU32 {
        self.page.word(0)
    }
    fn woken(&self) -> &AtomicU32 {
        self.page.word(4)
    }
    fn gen(&self) -> &AtomicU32 {
        self.page.word(8)
    }
    fn stop(&self) -> &AtomicU32 {
        self.page.word(12)
    }
    fn exited(&self) -> &AtomicU32 {
        self.page.word(16)
    }
    fn failed(&self) -> &AtomicU32 {
        self.page.word(20)
    }
    fn last_ns(&self) -> &AtomicU64 {
        // SAFETY: offset 64 is 8-aligned inside the page; only accessed atomically.
        unsafe { AtomicU64::from_ptr(self.page.ptr().add(64).cast()) }
    }
}

/// Polls `cond` until it holds, or fails after `secs` seconds.
fn until(secs: u64, what: &str, cond: impl Fn() -> bool) -> Result<()> {
    let t = Instant::now();
    while !cond() {
        if t.elapsed() > Duration::from_secs(secs) {
            bail!("timed out waiting for {what}");
        }
        std::thread::sleep(Duration::from_micros(100));
    }
    Ok(())
}

/// `procs` processes of `per` threads each, all waiting on the event `name`.
fn spawn_waiters(
    board: &Board,
    name: &str,
    procs: usize,
    per: usize,
    manual: bool,
) -> Result<Vec<libc::pid_t>> {
    let mut pids = Vec::new();
    for _ in 0..procs {
        pids.push(proc::fork(|| {
            let ev = match Event::open(name) {
                Ok(e) => e,
                Err(e) => {
                    eprintln!("waiter: {e}");
                    return 1;
                }
            };
            std::thread::scope(|s| {
                for _ in 0..per {
                    let ev = &ev;
                    std::thread::Builder::new()
                        .stack_size(64 << 10)
                        .spawn_scoped(s, move || {
                            let mut g = 0;
                            loop {
                                board.ready().fetch_add(1, Ordering::SeqCst);
                                if ev.wait(None).is_err() {
                                    board.failed().fetch_add(1, Ordering::SeqCst);
                                }
                                if board.stop().load(Ordering::SeqCst) != 0 {
                                    board.exited().fetch_add(1, Ordering::SeqCst);
                                    return;
                                }
                                board.last_ns().fetch_max(mono_ns(), Ordering::SeqCst);
                                board.woken().fetch_add(1, Ordering::SeqCst);
                                if manual {
                                    // The next round starts when the parent bumps the generation.
                                    g += 1;
                                    loop {
                                        let cur = board.gen().load(Ordering::SeqCst);
                                        if cur >= g {
                                            break;
                                        }
                                        futex_wait(board.gen(), cur);
                                    }
                                }
                            }
                        })
                        .expect("spawning a waiter thread");
                }
            });
            0
        })?);
    }
    Ok(pids)
}

/// Ends the waiters: sets `stop` and the event until every thread has left.
fn stop_waiters(board: &Board, ev: &Event, pids: Vec<libc::pid_t>, total: usize) -> Result<()> {
    board.stop().store(1, Ordering::SeqCst);
    board.gen().store(u32::MAX, Ordering::SeqCst);
    futex_wake(board.gen(), i32::MAX);
    let t = Instant::now();
    while (board.exited().load(Ordering::SeqCst) as usize) < total {
        if t.elapsed() > Duration::from_secs(60) {
            for &p in &pids {
                // SAFETY: p is our child.
                unsafe { libc::kill(p, libc::SIGKILL) };
            }
            break;
        }
        ev.set()?;
        std::thread::sleep(Duration::from_micros(50));
    }
    let mut r = Ok(());
    for p in pids {
        if let Err(e) = proc::wait(p) {
            r = Err(e);
        }
    }
    r
}

fn wake_rows(c: &Common, sink: &mut Sink, waiters: usize, procs: usize, auto_sets: usize) -> Result<()> {
    let procs = procs.clamp(1, waiters.max(1));
    let per = waiters.div_ceil(procs);
    let total = per * procs;
    let case_tail = format!("{total} waiting threads in {procs} processes");

    // Manual-reset: every waiter runs after one set.
    if c.wants_row("8-wake-manual") {
        eprintln!("row 8-wake-manual: manual-reset event, {case_tail}");
        let board = Board {
            page: Map::shared_anon(4096)?,
        };
        let name = unique("wake-manual");
        let ev = Event::options().manual_reset(true).create(&name)?;
        let pids = spawn_waiters(&board, &name, procs, per, true)?;
        let mut lat = Vec::new();
        let mut set_call = Vec::new();
        let rounds = if c.quick { 2 } else { c.rounds().max(3) };
        let r = (|| -> Result<()> {
            for round in 1..=rounds as u32 {
                until(60, "the waiters to wait", || {
                    board.ready().load(Ordering::SeqCst) as usize >= total * round as usize
                })?;
                // Let the last of them reach the futex.
                std::thread::sleep(Duration::from_millis(20));
                board.woken().store(0, Ordering::SeqCst);
                board.last_ns().store(0, Ordering::SeqCst);
                let t0 = mono_ns();
                ev.set()?;
                let t1 = mono_ns();
                until(60, "every waiter to wake", || {
                    board.woken().load(Ordering::SeqCst) as usize >= total
                })?;
                ev.reset()?;
                // The first round warms up (threads' first wake-up).
                if round > 1 || c.quick {
                    lat.push((board.last_ns().load(Ordering::SeqCst) - t0) as f64);
                    set_call.push((t1 - t0) as f64);
                }
                board.gen().store(round, Ordering::SeqCst);
                futex_wake(board.gen(), i32::MAX);
            }
            Ok(())
        })();
        let s = stop_waiters(&board, &ev, pids, total);
        r?;
        s?;
        let failed = board.failed().load(Ordering::SeqCst) as u64;
        let case = format!("manual-reset Event::set, {case_tail}");
        put(
            sink,
            record(
                "8-wake-manual",
                &case,
                "set → last waiter running",
                "ns",
                &lat,
                total as u64,
            ),
            "",
            failed,
        )?;
        put(
            sink,
            record("8-wake-manual", &case, "the set call itself", "ns", &set_call, 1),
            "",
            0,
        )?;
    }

    // Auto-reset: exactly one waiter per set.
    if c.wants_row("8-wake-auto") {
        eprintln!("row 8-wake-auto: auto-reset event, {case_tail}");
        let board = Board {
            page: Map::shared_anon(4096)?,
        };
        let name = unique("wake-auto");
        let ev = Event::create(&name)?;
        let pids = spawn_waiters(&board, &name, procs, per, false)?;
        let mut lat = Vec::new();
        let mut per_set = Vec::new();
        let mut wrong = 0u64;
        let mut switches = 0u64;
        let r = (|| -> Result<()> {
            until(60, "the waiters to wait", || {
                board.ready().load(Ordering::SeqCst) as usize >= total
            })?;
            std::thread::sleep(Duration::from_millis(50));
            let s0 = ctx_switches(&pids);
            for i in 0..auto_sets {
                let before = board.woken().load(Ordering::SeqCst);
                // The woken thread is back in its wait before the next set.
                until(60, "the woken waiter to wait again", || {
                    board.ready().load(Ordering::SeqCst) as usize >= total + i
                })?;
                let t0 = mono_ns();
                ev.set()?;
                until(60, "a waiter to wake", || {
                    board.woken().load(Ordering::SeqCst) > before
                })?;
                lat.push((board.last_ns().load(Ordering::SeqCst) - t0) as f64);
                // Give any extra waiter the time to show up.
                std::thread::sleep(Duration::from_millis(1));
                let n = board.woken().load(Ordering::SeqCst) - before;
                per_set.push(n as f64);
                if n != 1 {
                    wrong += 1;
                }
            }
            switches = ctx_switches(&pids) - s0;
            Ok(())
        })();
        let s = stop_waiters(&board, &ev, pids, total);
        r?;
        s?;
        let failed = board.failed().load(Ordering::SeqCst) as u64;
        let case = format!("auto-reset Event::set, {case_tail}, {auto_sets} sets");
        put(
            sink,
            record(
                "8-wake-auto",
                &case,
                "set → the woken waiter running",
                "ns",
                &lat,
                auto_sets as u64,
            ),
            "",
            failed,
        )?;
        put(
            sink,
            record(
                "8-wake-auto",
                &case,
                "waiters woken per set",
                "waiters/set",
                &per_set,
                auto_sets as u64,
            ),
            "",
            wrong,
        )?;
        put(
            sink,
            record(
                "8-wake-auto",
                &case,
                "context switches of all waiting threads per set",
                "switches/set",
                &[switches as f64 / auto_sets.max(1) as f64],
                auto_sets as u64,
            ),
            "",
            0,
        )?;
        if wrong > 0 {
            bail!("row 8-wake-auto: {wrong} sets did not wake exactly one waiter");
        }
    }
    Ok(())
}
