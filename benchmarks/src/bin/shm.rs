//! Rows (1)–(4): create, open, first touch and copy, through raw syscalls,
//! named-shm and the `shared_memory` crate, side by side.

#![deny(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]

use anyhow::{Context, Result};
use clap::Parser;
use named_shm::{Access, SharedMemory, ShmOptions};
use named_shm_bench::raw::{self, Map, RawObject};
use named_shm_bench::{proc, unique, Case, Common, Group, Sink};
use shared_memory::ShmemConf;
use std::time::{Duration, Instant};

/// Rows (1)–(4) of the project benchmark.
#[derive(Parser, Debug)]
#[command(name = "bench-shm", version)]
struct Cli {
    #[command(flatten)]
    common: Common,
    /// Iterations per round for rows (1) and (2).
    #[arg(long, default_value_t = 2000)]
    iterations: u64,
    /// Runs only one implementation's row (1) and/or (2) work (`--row`),
    /// `--iterations` times, untimed, for a profiler (`strace -c`, `perf stat`,
    /// `valgrind --tool=callgrind`): `raw` or `named-shm`.
    #[arg(long)]
    profile: Option<String>,
}

const MSG: &[u8; 64] = b"Message from first process, sixty-four bytes long, for the test.";
const SMALL: usize = 4096;
const BIG: usize = 64 << 20;

fn main() -> Result<()> {
    let cli = Cli::parse();
    let c = &cli.common;
    if let Some(imp) = &cli.profile {
        return profile(imp, cli.iterations, c);
    }
    proc::pin(c.cpu_for(0));
    let mut sink = Sink::new(c)?;
    row1(c, &mut sink, c.iters(cli.iterations, 20))?;
    row2(c, &mut sink, c.iters(cli.iterations, 20))?;
    row3(c, &mut sink)?;
    row4(c, &mut sink)?;
    Ok(())
}

fn named_create_cycle(name: &str) -> Result<()> {
    let shm = SharedMemory::create(name, SMALL as u64)?;
    let view = shm.map(0, 0)?;
    view.write_at(0, MSG)?;
    drop(view);
    drop(shm);
    Ok(())
}

fn named_open_cycle(name: &str, buf: &mut [u8]) -> Result<()> {
    let shm = SharedMemory::open(name, Access::Read)?;
    let view = shm.map(0, 0)?;
    view.read_at(0, buf)?;
    Ok(())
}

/// `--profile`: the bare work of rows (1) and (2), `n` times each, for a profiler.
fn profile(imp: &str, n: u64, c: &Common) -> Result<()> {
    let name = unique("prof");
    let mut buf = [0u8; 64];
    match imp {
        "raw" => {
            let cname = raw::posix_name(&name);
            if c.wants_row("1") {
                for _ in 0..n {
                    raw::create_cycle(&cname, SMALL, MSG, false)?;
                }
            }
            if c.wants_row("2") {
                let _o = RawObject::create(&name, SMALL, MSG)?;
                for _ in 0..n {
                    raw::open_cycle(&cname, &mut buf)?;
                }
            }
        }
        "named-shm" => {
            if c.wants_row("1") {
                for _ in 0..n {
                    named_create_cycle(&name)?;
                }
            }
            if c.wants_row("2") {
                let keep = SharedMemory::create(&name, SMALL as u64)?;
                keep.map(0, 0)?.write_at(0, MSG)?;
                for _ in 0..n {
                    named_open_cycle(&name, &mut buf)?;
                }
            }
        }
        _ => anyhow::bail!("--profile takes raw or named-shm"),
    }
    Ok(())
}

fn timed(n: u64, mut f: impl FnMut() -> Result<()>) -> Result<Duration> {
    let t = Instant::now();
    for _ in 0..n {
        f()?;
    }
    Ok(t.elapsed())
}

fn row1(c: &Common, sink: &mut Sink, iters: u64) -> Result<()> {
    let raw_name = raw::posix_name(&unique("r1-raw"));
    let raw_name2 = raw::posix_name(&unique("r1-rawf"));
    let named = unique("r1-named");
    let named_res = unique("r1-named-reserve");
    let sm = unique("r1-sm");
    let mut g = Group::new(
        "1",
        "create+map+write+unmap+close, fresh 4 KiB",
        "ns/op",
        iters,
    );
    g.add(
        c,
        Case::new("raw", |n| timed(n, || raw::create_cycle(&raw_name, SMALL, MSG, false))),
    );
    g.add(
        c,
        Case::new("raw + posix_fallocate", |n| {
            timed(n, || raw::create_cycle(&raw_name2, SMALL, MSG, true))
        }),
    );
    g.add(c, Case::new("named-shm", |n| timed(n, || named_create_cycle(&named))));
    g.add(
        c,
        Case::new("named-shm commit(false)", |n| {
            timed(n, || {
                let shm = ShmOptions::new().commit(false).create(&named_res, SMALL as u64)?;
                shm.map(0, 0)?.write_at(0, MSG)?;
                Ok(())
            })
        }),
    );
    g.add(
        c,
        Case::new("shared_memory", |n| {
            timed(n, || {
                let m = ShmemConf::new().size(SMALL).os_id(&sm).create()?;
                // SAFETY: the mapping is SMALL writable bytes, private to this
                // benchmark (nobody else knows the name).
                unsafe { std::ptr::copy_nonoverlapping(MSG.as_ptr(), m.as_ptr(), MSG.len()) };
                Ok(())
            })
        }),
    );
    g.run(c, sink)?;
    Ok(())
}

fn row2(c: &Common, sink: &mut Sink, iters: u64) -> Result<()> {
    if !c.wants_row("2") {
        return Ok(());
    }
    let raw_obj = RawObject::create(&unique("r2-raw"), SMALL, MSG)?;
    let named = unique("r2-named");
    let keep = SharedMemory::create(&named, SMALL as u64)?;
    keep.map(0, 0)?.write_at(0, MSG)?;
    let sm = unique("r2-sm");
    let sm_keep = ShmemConf::new().size(SMALL).os_id(&sm).create()?;
    // SAFETY: as in row 1: SMALL writable bytes of our own.
    unsafe { std::ptr::copy_nonoverlapping(MSG.as_ptr(), sm_keep.as_ptr(), MSG.len()) };
    let mut buf = [0u8; 64];
    let mut g = Group::new("2", "open+map+read+unmap+close, existing 4 KiB", "ns/op", iters);
    let mut b1 = buf;
    g.add(c, Case::new("raw", |n| timed(n, || raw::open_cycle(&raw_obj.name, &mut b1))));
    let mut b2 = buf;
    g.add(c, Case::new("named-shm", |n| timed(n, || named_open_cycle(&named, &mut b2))));
    g.add(
        c,
        Case::new("shared_memory", |n| {
            timed(n, || {
                let m = ShmemConf::new().os_id(&sm).open()?;
                // SAFETY: the mapping is at least 64 readable bytes; nobody writes them now.
                unsafe { std::ptr::copy_nonoverlapping(m.as_ptr(), buf.as_mut_ptr(), buf.len()) };
                Ok(())
            })
        }),
    );
    g.run(c, sink)?;
    Ok(())
}

/// Row (3): first write of every page of a fresh 64 MiB object.
fn row3(c: &Common, sink: &mut Sink) -> Result<()> {
    if !c.wants_row("3") {
        return Ok(());
    }
    let pages = (BIG / 4096) as f64;
    let iters = c.iters(1, 1);
    let raw_name = raw::posix_name(&unique("r3-raw"));
    let named = unique("r3-named");
    // Two measurements per implementation: the touch loop alone, and
    // map (with its populate call) + touch.
    for (total, label) in [
        (false, "first write of every page, 64 MiB (touch only)"),
        (true, "map + first write of every page, 64 MiB"),
    ] {
        let mut g = Group::new("3", label, "ns/page", iters);
        g.ops_per_iter = pages;
        for populate in [false, true] {
            let rn = &raw_name;
            g.add(
                c,
                Case::new(if populate { "raw + MADV_POPULATE_WRITE" } else { "raw" }, move |n| {
                    let mut d = Duration::ZERO;
                    for _ in 0..n {
                        let fd = raw::shm_open(rn, libc::O_CREAT | libc::O_EXCL | libc::O_RDWR)?;
                        let r = (|| -> Result<Duration> {
                            raw::ftruncate(fd, BIG)?;
                            let t = Instant::now();
                            let m = Map::file(fd, BIG, true)?;
                            if populate {
                                m.populate_write()?;
                            }
                            let t2 = Instant::now();
                            raw::touch_pages(m.ptr(), BIG);
                            let end = Instant::now();
                            Ok(if total { end - t } else { end - t2 })
                        })();
                        raw::close(fd);
                        raw::shm_unlink(rn)?;
                        d += r?;
                    }
                    Ok(d)
                }),
            );
        }
        for prefault in [false, true] {
            let nm = &named;
            g.add(
                c,
                Case::new(if prefault { "named-shm prefault(true)" } else { "named-shm" }, move |n| {
                    let mut d = Duration::ZERO;
                    for _ in 0..n {
                        let shm = ShmOptions::new().prefault(prefault).create(nm, BIG as u64)?;
                        let t = Instant::now();
                        let view = shm.map(0, 0)?;
                        let t2 = Instant::now();
                        let p = view.as_mut_ptr().context("writable view")?;
                        raw::touch_pages(p, view.len());
                        let end = Instant::now();
                        d += if total { end - t } else { end - t2 };
                    }
                    Ok(d)
                }),
            );
        }
        g.run(c, sink)?;
    }
    Ok(())
}

/// Row (4): copying into a warm view vs into warm private memory.
fn row4(c: &Common, sink: &mut Sink) -> Result<()> {
    if !c.wants_row("4") {
        return Ok(());
    }
    for (size, label, full) in [(1usize << 20, "1MiB", 400u64), (BIG, "64MiB", 6)] {
        let src: Vec<u8> = (0..size).map(|i| i as u8).collect();
        let mut private = vec![0u8; size];
        private.fill(7); // faulted in: warm, like the view below
        let shm = ShmOptions::new().prefault(true).create(&unique("r4-named"), size as u64)?;
        let view = shm.map(0, 0)?;
        view.fill(0, size, 7)?;
        let raw_obj = RawObject::create(&unique("r4-raw"), size, &[])?;
        let fd = raw::shm_open(&raw_obj.name, libc::O_RDWR)?;
        let raw_map = Map::file(fd, size, true);
        raw::close(fd);
        let raw_map = raw_map?;
        raw_map.populate_write()?;
        let sm = ShmemConf::new().size(size).os_id(unique("r4-sm")).create()?;
        // SAFETY: sm maps `size` writable bytes of our own.
        unsafe { std::ptr::write_bytes(sm.as_ptr(), 7, size) };

        let mut g = Group::new(
            &format!("4-{label}"),
            &format!("copy {label} into warm memory"),
            "ns/copy",
            c.iters(full, 1),
        );
        g.add(
            c,
            Case::new("private memcpy", |n| {
                let t = Instant::now();
                for _ in 0..n {
                    // SAFETY: both buffers are `size` bytes and distinct.
                    unsafe { std::ptr::copy_nonoverlapping(src.as_ptr(), private.as_mut_ptr(), size) };
                    std::hint::black_box(&mut private);
                }
                Ok(t.elapsed())
            }),
        );
        g.add(
            c,
            Case::new("raw mmap memcpy", |n| {
                let t = Instant::now();
                for _ in 0..n {
                    // SAFETY: raw_map is `size` writable bytes, distinct from src.
                    unsafe { std::ptr::copy_nonoverlapping(src.as_ptr(), raw_map.ptr(), size) };
                }
                Ok(t.elapsed())
            }),
        );
        g.add(
            c,
            Case::new("named-shm View::write_at", |n| timed(n, || Ok(view.write_at(0, &src)?))),
        );
        g.add(
            c,
            Case::new("shared_memory memcpy", |n| {
                let t = Instant::now();
                for _ in 0..n {
                    // SAFETY: sm maps `size` writable bytes, distinct from src.
                    unsafe { std::ptr::copy_nonoverlapping(src.as_ptr(), sm.as_ptr(), size) };
                }
                Ok(t.elapsed())
            }),
        );
        g.run(c, sink)?;
    }
    Ok(())
}
