//! Processes: pinning, forked children and a one-byte pipe handshake.
//!
//! The binaries are single-threaded, so `fork` without `exec` is sound: the
//! child runs a closure and leaves with `_exit`, never running the parent's
//! destructors (which would close the parent's handles a second time).

use crate::raw::cvt;
use anyhow::{bail, Result};
use std::io;

/// Pins the calling process to one CPU (`sched_setaffinity`); a no-op for `None`.
pub fn pin(cpu: Option<usize>) {
    let Some(cpu) = cpu else { return };
    // SAFETY: cpu_set_t is plain old data; all-zero is the empty set.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: CPU_SET writes one bit inside the set; cpu < CPU_SETSIZE on any machine we run on.
    unsafe { libc::CPU_SET(cpu, &mut set) };
    // SAFETY: set is a valid cpu_set_t of the size we pass. Failure (e.g. a
    // cpuset without that CPU) only means no pinning.
    unsafe { libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) };
}

/// Lets this process run on every CPU again.
pub fn unpin() {
    // SAFETY: as in `pin`.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    for c in 0..crate::online_cpus() {
        // SAFETY: as in `pin`.
        unsafe { libc::CPU_SET(c, &mut set) };
    }
    // SAFETY: as in `pin`.
    unsafe { libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) };
}

/// A pipe: `(read end, write end)`.
pub fn pipe() -> io::Result<(libc::c_int, libc::c_int)> {
    let mut fds = [0; 2];
    // SAFETY: fds is a valid out-array of two ints.
    cvt(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) })?;
    Ok((fds[0], fds[1]))
}

/// Writes one byte.
pub fn put_byte(fd: libc::c_int, b: u8) -> io::Result<()> {
    loop {
        // SAFETY: writes one byte from a valid local.
        let n = unsafe { libc::write(fd, (&b as *const u8).cast(), 1) };
        if n == 1 {
            return Ok(());
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

/// Reads one byte; `None` at end of file.
pub fn get_byte(fd: libc::c_int) -> io::Result<Option<u8>> {
    let mut b = 0u8;
    loop {
        // SAFETY: reads one byte into a valid local.
        let n = unsafe { libc::read(fd, (&mut b as *mut u8).cast(), 1) };
        match n {
            1 => return Ok(Some(b)),
            0 => return Ok(None),
            _ => {
                let e = io::Error::last_os_error();
                if e.kind() != io::ErrorKind::Interrupted {
                    return Err(e);
                }
            }
        }
    }
}

/// Forks a child that runs `f` and exits with its status (101 on panic).
pub fn fork(f: impl FnOnce() -> i32) -> Result<libc::pid_t> {
    // SAFETY: the benchmark binaries are single-threaded when they fork, so
    // the child inherits no lock held by another thread.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        bail!("fork: {}", io::Error::last_os_error());
    }
    if pid == 0 {
        let code = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or(101);
        // SAFETY: _exit ends the child without running the parent's atexit
        // handlers or destructors.
        unsafe { libc::_exit(code) };
    }
    Ok(pid)
}

/// Waits for a child; an error unless it exited with status 0.
pub fn wait(pid: libc::pid_t) -> Result<()> {
    let mut status = 0;
    loop {
        // SAFETY: status is a valid out-pointer; pid is our child.
        let r = unsafe { libc::waitpid(pid, &mut status, 0) };
        if r == pid {
            break;
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            bail!("waitpid: {e}");
        }
    }
    if libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0 {
        Ok(())
    } else {
        bail!("child {pid} failed (wait status {status:#x})")
    }
}

/// A child that runs `f` once the parent is ready, with a handshake: the
/// child writes a byte when it is set up, the parent starts timing after reading it.
pub struct Child {
    pid: libc::pid_t,
    ready_r: libc::c_int,
}

impl Child {
    /// Forks; `f` gets a `ready()` callback to call once set up.
    pub fn spawn(cpu: Option<usize>, f: impl FnOnce(&dyn Fn()) -> i32) -> Result<Child> {
        let (r, w) = pipe()?;
        let pid = fork(|| {
            crate::raw::close(r);
            pin(cpu);
            let ready = || {
                let _ = put_byte(w, 1);
            };
            f(&ready)
        })?;
        crate::raw::close(w);
        Ok(Child { pid, ready_r: r })
    }

    /// Blocks until the child called `ready()` (an error if it died first).
    pub fn ready(&self) -> Result<()> {
        match get_byte(self.ready_r)? {
            Some(_) => Ok(()),
            None => bail!("child {} exited before it was ready", self.pid),
        }
    }

    /// Waits for the child to exit successfully.
    pub fn join(self) -> Result<()> {
        crate::raw::close(self.ready_r);
        wait(self.pid)
    }
}

/// Raises the soft descriptor limit to the hard one; returns it (at most 2^20).
pub fn raise_nofile() -> usize {
    let mut l = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: l is a valid out-pointer.
    unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut l) };
    l.rlim_cur = l.rlim_max;
    // SAFETY: l is a valid rlimit; raising the soft limit to the hard one is always allowed.
    unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &l) };
    // SAFETY: as above.
    unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut l) };
    l.rlim_cur.min(1 << 20) as usize
}

/// Raises the hard (and soft) descriptor limit to at least `want`, which
/// only root may do; returns a sentence saying what changed, `None` when the
/// hard limit already sufficed, or an error naming the limit.
pub fn raise_hard_nofile(want: usize) -> Result<Option<String>> {
    let mut l = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: l is a valid out-pointer.
    unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut l) };
    let old = l.rlim_max;
    if old != libc::RLIM_INFINITY && (old as usize) < want {
        let new = libc::rlimit {
            rlim_cur: want as libc::rlim_t,
            rlim_max: want as libc::rlim_t,
        };
        // SAFETY: new is a valid rlimit; the kernel refuses it without CAP_SYS_RESOURCE.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &new) } != 0 {
            bail!(
                "the hard RLIMIT_NOFILE is {old}, and raising it to {want} failed ({}): that \
                 needs CAP_SYS_RESOURCE, which root lacks in some containers",
                io::Error::last_os_error()
            );
        }
        raise_nofile();
        return Ok(Some(format!(
            "the benchmark raised the hard RLIMIT_NOFILE from {old} to {want} (setrlimit as root)"
        )));
    }
    raise_nofile();
    Ok(None)
}

/// Helper processes that each create and hold live 4 KiB mappings (reserved,
/// not committed: cheap) named `{tag}-{i}` until [`finish`](Self::finish).
pub struct Holders {
    kids: Vec<(Child, libc::c_int)>,
}

impl Holders {
    /// `total` objects, each helper holding as many as its descriptor limit allows.
    pub fn spawn(total: usize, tag: &str) -> Result<Holders> {
        let chunk = (raise_nofile().saturating_sub(64)).clamp(100, 50_000);
        Holders::spawn_chunked(total, chunk, tag)
    }

    /// `total` objects, `chunk` per helper process.
    pub fn spawn_chunked(total: usize, chunk: usize, tag: &str) -> Result<Holders> {
        let chunk = chunk.max(1);
        let mut kids = Vec::new();
        let mut start = 0;
        while start < total {
            let end = (start + chunk).min(total);
            let (go_r, go_w) = pipe()?;
            let tag = tag.to_owned();
            // The write ends of earlier holders' pipes, inherited by this
            // fork: closed in the child, or those holders never see the end.
            let earlier: Vec<libc::c_int> = kids.iter().map(|(_, w)| *w).collect();
            let kid = Child::spawn(None, move |ready| {
                crate::raw::close(go_w);
                for w in earlier {
                    crate::raw::close(w);
                }
                raise_nofile();
                let mut held = Vec::with_capacity(end - start);
                for i in start..end {
                    match named_shm::ShmOptions::new()
                        .commit(false)
                        .create(&format!("{tag}-{i}"), 4096)
                    {
                        Ok(s) => held.push(s),
                        Err(e) => {
                            eprintln!("holder: {e}");
                            return 1;
                        }
                    }
                }
                ready();
                let _ = get_byte(go_r); // end of file: the parent is done
                drop(held); // closes every handle, which removes every name
                0
            })?;
            crate::raw::close(go_r);
            kids.push((kid, go_w));
            start = end;
        }
        for (k, _) in &kids {
            k.ready()?;
        }
        Ok(Holders { kids })
    }

    /// The helpers' process ids.
    pub fn pids(&self) -> Vec<libc::pid_t> {
        self.kids.iter().map(|(k, _)| k.pid).collect()
    }

    /// Tells every helper to close its objects and waits for it.
    pub fn finish(self) -> Result<()> {
        let mut r = Ok(());
        for (k, w) in self.kids {
            crate::raw::close(w);
            if let Err(e) = k.join() {
                r = Err(e);
            }
        }
        r
    }
}
