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
    steps(c, &mut sink, c.iters(cli.iterations * 5, 20))?;
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
    let shm = SharedMemory::options().access(Access::Read).open(name)?;
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
    let proto = raw::Protocol::new(&unique("r1-proto"))?;
    let pname = std::ffi::CString::new(unique("r1-p"))?;
    let mut g = Group::new("1", "create+map+write+unmap+close, fresh 4 KiB", "ns/op", iters);
    g.add(
        c,
        Case::new("raw", |n| {
            timed(n, || raw::create_cycle(&raw_name, SMALL, MSG, false))
        }),
    );
    g.add(
        c,
        Case::new("raw + posix_fallocate", |n| {
            timed(n, || raw::create_cycle(&raw_name2, SMALL, MSG, true))
        }),
    );
    g.add(
        c,
        Case::new("raw, minimal crash-safe protocol", |n| {
            timed(n, || {
                let fd = proto.create(&pname, SMALL)?;
                let m = proto.map(fd, SMALL, true)?;
                // SAFETY: m is SMALL writable bytes of our own.
                unsafe { std::ptr::copy_nonoverlapping(MSG.as_ptr(), m.ptr(), MSG.len()) };
                drop(m);
                proto.close(fd, &pname, true)
            })
        }),
    );
    g.add(
        c,
        Case::new("named-shm", |n| timed(n, || named_create_cycle(&named))),
    );
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
    let proto = raw::Protocol::new(&unique("r2-proto"))?;
    let pname = std::ffi::CString::new(unique("r2-p"))?;
    let pkeep = proto.create(&pname, SMALL)?;
    let mut b3 = buf;
    let mut b2 = buf;
    let mut b1 = buf;
    let mut g = Group::new("2", "open+map+read+unmap+close, existing 4 KiB", "ns/op", iters);
    g.add(
        c,
        Case::new("raw", |n| timed(n, || raw::open_cycle(&raw_obj.name, &mut b1))),
    );
    g.add(
        c,
        Case::new("raw, minimal crash-safe protocol", |n| {
            timed(n, || {
                let (fd, size) = proto.open(&pname)?;
                let m = proto.map(fd, size, false)?;
                // SAFETY: m is `size` >= 64 readable bytes.
                unsafe { std::ptr::copy_nonoverlapping(m.ptr(), b3.as_mut_ptr(), b3.len()) };
                drop(m);
                proto.close(fd, &pname, false)
            })
        }),
    );
    g.add(
        c,
        Case::new("named-shm", |n| timed(n, || named_open_cycle(&named, &mut b2))),
    );
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
    proto.close(pkeep, &pname, true)?;
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
                Case::new(
                    if populate {
                        "raw + MADV_POPULATE_WRITE"
                    } else {
                        "raw"
                    },
                    move |n| {
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
                                // SAFETY: m is a writable mapping of BIG bytes of our own.
                                unsafe { raw::touch_pages(m.ptr(), BIG) };
                                let end = Instant::now();
                                Ok(if total { end - t } else { end - t2 })
                            })();
                            raw::close(fd);
                            raw::shm_unlink(rn)?;
                            d += r?;
                        }
                        Ok(d)
                    },
                ),
            );
        }
        for prefault in [false, true] {
            let nm = &named;
            g.add(
                c,
                Case::new(
                    if prefault {
                        "named-shm prefault(true)"
                    } else {
                        "named-shm"
                    },
                    move |n| {
                        let mut d = Duration::ZERO;
                        for _ in 0..n {
                            let shm = ShmOptions::new().prefault(prefault).create(nm, BIG as u64)?;
                            let t = Instant::now();
                            let view = shm.map(0, 0)?;
                            let t2 = Instant::now();
                            let p = view.as_mut_ptr().context("writable view")?;
                            // SAFETY: p starts a writable view of view.len() bytes that
                            // only this benchmark knows.
                            unsafe { raw::touch_pages(p, view.len()) };
                            let end = Instant::now();
                            d += if total { end - t } else { end - t2 };
                        }
                        Ok(d)
                    },
                ),
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
        // Source and private destination are page-aligned, like every view:
        // a copy between buffers of different alignment (a heap `Vec` starts
        // 16 bytes into its page) runs 5-10 % slower, which would be measured
        // as a difference between private and shared memory.
        let src_map = Map::private_anon(size)?;
        // SAFETY: src_map is `size` writable bytes of our own, not aliased.
        let src = unsafe { std::slice::from_raw_parts_mut(src_map.ptr(), size) };
        for (i, b) in src.iter_mut().enumerate() {
            *b = i as u8;
        }
        let src = &*src;
        let private_map = Map::private_anon(size)?;
        // SAFETY: as for src_map.
        let private = unsafe { std::slice::from_raw_parts_mut(private_map.ptr(), size) };
        private.fill(7); // faulted in: warm, like the view below
        let shm = ShmOptions::new()
            .prefault(true)
            .create(&unique("r4-named"), size as u64)?;
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
        // Copies are bandwidth-bound: take turns copy by copy (up to 10 at
        // a time), so the memory traffic of other tenants hits every case alike.
        g.slices = g.iters.div_ceil(10);
        g.add(
            c,
            Case::new("private memcpy", |n| {
                let t = Instant::now();
                for _ in 0..n {
                    // SAFETY: both buffers are `size` bytes and distinct.
                    unsafe { std::ptr::copy_nonoverlapping(src.as_ptr(), private.as_mut_ptr(), size) };
                    std::hint::black_box(&mut *private);
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
            Case::new("named-shm View::write_at", |n| {
                timed(n, || Ok(view.write_at(0, src)?))
            }),
        );
        // The other direction, for information: out of the view into warm
        // private memory (`View::read_at`; same copy routine, mirrored).
        let back_map = Map::private_anon(size)?;
        // SAFETY: as for src_map.
        let back = unsafe { std::slice::from_raw_parts_mut(back_map.ptr(), size) };
        back.fill(7);
        g.add(
            c,
            Case::new("named-shm View::read_at", |n| {
                timed(n, || {
                    view.read_at(0, back)?;
                    std::hint::black_box(&mut *back);
                    Ok(())
                })
            }),
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

/// What each step of named-shm's create and open protocol costs on this
/// machine, one syscall (or one pair) at a time, on a file in a scratch
/// directory on /dev/shm: the price list that explains the gap to the floor.
fn steps(c: &Common, sink: &mut Sink, iters: u64) -> Result<()> {
    if !c.wants_row("steps") {
        return Ok(());
    }
    use std::ffi::CString;
    let dir_path = CString::new(format!("/dev/shm/{}", unique("steps")))?;
    // SAFETY: dir_path is a valid C string.
    raw::cvt(unsafe { libc::mkdir(dir_path.as_ptr(), 0o700) })?;
    let r = (|| -> Result<()> {
        // SAFETY: dir_path is a valid C string; the descriptor is closed below.
        let dir = raw::cvt(unsafe {
            libc::open(
                dir_path.as_ptr(),
                libc::O_DIRECTORY | libc::O_RDONLY | libc::O_CLOEXEC,
            )
        })?;
        let file = CString::new("obj")?;
        let open_file = |flags: libc::c_int| -> Result<libc::c_int> {
            // SAFETY: dir is an open directory, file a valid C string.
            Ok(raw::cvt(unsafe {
                libc::openat(
                    dir,
                    file.as_ptr(),
                    flags | libc::O_CLOEXEC | libc::O_NOFOLLOW,
                    0o600,
                )
            })?)
        };
        let fd = open_file(libc::O_CREAT | libc::O_RDWR)?;
        raw::ftruncate(fd, 8192)?;
        let other = open_file(libc::O_RDWR)?; // a second handle, holding a read lock
        let lock = |fd: libc::c_int, cmd: libc::c_int, kind: libc::c_int| {
            // SAFETY: flock is plain old data; all-zero is valid.
            let mut fl: libc::flock = unsafe { std::mem::zeroed() };
            fl.l_type = kind as libc::c_short;
            fl.l_whence = libc::SEEK_SET as libc::c_short;
            fl.l_len = 1;
            // SAFETY: fl is a valid flock with l_pid 0, as the OFD commands require.
            unsafe { libc::fcntl(fd, cmd, &mut fl) }
        };
        raw::cvt(lock(other, libc::F_OFD_SETLK, libc::F_RDLCK))?;
        let shm = raw::posix_name(&unique("steps-shm"));
        let _shm_obj = RawObject::create(&unique("steps-shm"), 4096, MSG)?;
        let mut page = vec![0u8; 4096];
        let loop_ = |n: u64, f: &mut dyn FnMut() -> Result<()>| -> Result<Duration> {
            let t = Instant::now();
            for _ in 0..n {
                f()?;
            }
            Ok(t.elapsed())
        };
        let dot = CString::new(".")?;
        let tmpfile = || -> Result<libc::c_int> {
            // SAFETY: dir is an open directory, dot a valid C string.
            Ok(raw::cvt(unsafe {
                libc::openat(
                    dir,
                    dot.as_ptr(),
                    libc::O_TMPFILE | libc::O_RDWR | libc::O_CLOEXEC,
                    0o600,
                )
            })?)
        };
        let pub_name = CString::new("published")?;
        let empty = CString::new("")?;
        let mut g = Group::new("steps", "cost of one protocol step", "ns/call", iters);
        g.add(
            c,
            Case::new("geteuid (a null syscall)", |n| {
                loop_(n, &mut || {
                    // SAFETY: geteuid has no preconditions.
                    std::hint::black_box(unsafe { libc::geteuid() });
                    Ok(())
                })
            }),
        );
        g.add(
            c,
            Case::new("fstat", |n| {
                loop_(n, &mut || {
                    std::hint::black_box(raw::fstat_size(fd)?);
                    Ok(())
                })
            }),
        );
        g.add(
            c,
            Case::new("fcntl(F_OFD_GETLK)", |n| {
                loop_(n, &mut || {
                    raw::cvt(lock(fd, libc::F_OFD_GETLK, libc::F_WRLCK))?;
                    Ok(())
                })
            }),
        );
        g.add(
            c,
            Case::new("fcntl(F_OFD_SETLK) read lock + unlock (2 calls)", |n| {
                loop_(n, &mut || {
                    raw::cvt(lock(fd, libc::F_OFD_SETLK, libc::F_RDLCK))?;
                    raw::cvt(lock(fd, libc::F_OFD_SETLK, libc::F_UNLCK))?;
                    Ok(())
                })
            }),
        );
        g.add(
            c,
            Case::new("fcntl(F_OFD_SETLK) write lock, refused (EAGAIN)", |n| {
                loop_(n, &mut || {
                    std::hint::black_box(lock(fd, libc::F_OFD_SETLK, libc::F_WRLCK));
                    Ok(())
                })
            }),
        );
        g.add(
            c,
            Case::new("pread of 1088 header bytes", |n| {
                loop_(n, &mut || {
                    // SAFETY: page has room for 1088 bytes.
                    raw::cvt(unsafe { libc::pread(fd, page.as_mut_ptr().cast(), 1088, 0) } as libc::c_int)?;
                    Ok(())
                })
            }),
        );
        g.add(
            c,
            Case::new("openat(dirfd, name) + close", |n| {
                loop_(n, &mut || {
                    raw::close(open_file(libc::O_RDONLY | libc::O_NONBLOCK)?);
                    Ok(())
                })
            }),
        );
        g.add(
            c,
            Case::new("shm_open(name) + close (path from /)", |n| {
                loop_(n, &mut || {
                    raw::close(raw::shm_open(&shm, libc::O_RDONLY)?);
                    Ok(())
                })
            }),
        );
        g.add(
            c,
            Case::new("mmap + munmap 4 KiB", |n| {
                loop_(n, &mut || {
                    Map::file(fd, 4096, true)?;
                    Ok(())
                })
            }),
        );
        g.add(
            c,
            Case::new("fchmod", |n| {
                loop_(n, &mut || {
                    // SAFETY: fd is our open file.
                    raw::cvt(unsafe { libc::fchmod(fd, 0o600) })?;
                    Ok(())
                })
            }),
        );
        g.add(
            c,
            Case::new("open(O_TMPFILE) + ftruncate 8 KiB + close", |n| {
                loop_(n, &mut || {
                    let t = tmpfile()?;
                    raw::ftruncate(t, 8192)?;
                    raw::close(t);
                    Ok(())
                })
            }),
        );
        g.add(
            c,
            Case::new("open(O_TMPFILE) + posix_fallocate 8 KiB + close", |n| {
                loop_(n, &mut || {
                    let t = tmpfile()?;
                    // SAFETY: t is our open file.
                    let e = unsafe { libc::posix_fallocate(t, 0, 8192) };
                    raw::close(t);
                    anyhow::ensure!(e == 0, "posix_fallocate: {e}");
                    Ok(())
                })
            }),
        );
        g.add(
            c,
            Case::new("open(O_TMPFILE) + linkat + unlinkat + close", |n| {
                loop_(n, &mut || {
                    let t = tmpfile()?;
                    // SAFETY: t is an open O_TMPFILE file, dir an open directory, names valid C strings.
                    let r = unsafe {
                        libc::linkat(t, empty.as_ptr(), dir, pub_name.as_ptr(), libc::AT_EMPTY_PATH)
                    };
                    let r2 = raw::cvt(r).and_then(|_| {
                        // SAFETY: as above.
                        raw::cvt(unsafe { libc::unlinkat(dir, pub_name.as_ptr(), 0) })
                    });
                    raw::close(t);
                    r2?;
                    Ok(())
                })
            }),
        );
        g.add(
            c,
            Case::new("shm_open(O_CREAT|O_EXCL) + ftruncate + close + shm_unlink", |n| {
                loop_(n, &mut || {
                    let t = raw::shm_open(&shm_x(&shm), libc::O_CREAT | libc::O_EXCL | libc::O_RDWR)?;
                    raw::ftruncate(t, 4096)?;
                    raw::close(t);
                    raw::shm_unlink(&shm_x(&shm))?;
                    Ok(())
                })
            }),
        );
        g.iters = iters / 5; // the create-type cases are slower
        let r = g.run(c, sink);
        raw::close(other);
        raw::close(fd);
        // SAFETY: valid C strings; the files are ours.
        unsafe {
            libc::unlinkat(dir, file.as_ptr(), 0);
            libc::unlinkat(dir, pub_name.as_ptr(), 0);
        }
        raw::close(dir);
        r.map(drop)
    })();
    // SAFETY: dir_path is a valid C string; the directory is empty now.
    unsafe { libc::rmdir(dir_path.as_ptr()) };
    r
}

/// A second POSIX name next to `name`, for the create cycle of `steps`.
fn shm_x(name: &std::ffi::CStr) -> std::ffi::CString {
    let mut v = name.to_bytes().to_vec();
    v.extend_from_slice(b"-x");
    std::ffi::CString::new(v).expect("no NUL")
}
