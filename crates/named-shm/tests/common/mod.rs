//! Helpers shared by the integration tests: unique names, child processes
//! (this test binary re-executed in a role), watchdogs.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const ROLE_ENV: &str = "NAMED_SHM_TEST_ROLE";
const ARGS_ENV: &str = "NAMED_SHM_TEST_ARGS";

/// A name no other test (or test run) uses.
pub fn unique_name(tag: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "t-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// In a child process: the role and its arguments.
pub fn role() -> Option<(String, Vec<String>)> {
    let role = std::env::var(ROLE_ENV).ok()?;
    let args = std::env::var(ARGS_ENV).unwrap_or_default();
    let args = if args.is_empty() {
        Vec::new()
    } else {
        args.split('\x1f').map(str::to_owned).collect()
    };
    Some((role, args))
}

/// A child process running `role` through the test named `entry` of this binary.
pub struct Proc {
    pub child: Child,
    stdin: Option<ChildStdin>,
    lines: mpsc::Receiver<String>,
}

pub fn spawn(entry: &str, role: &str, args: &[&str]) -> Proc {
    spawn_with(entry, role, args, |_| {})
}

pub fn spawn_with(entry: &str, role: &str, args: &[&str], f: impl FnOnce(&mut Command)) -> Proc {
    let mut cmd = Command::new(std::env::current_exe().expect("test binary path"));
    cmd.args(["--exact", entry, "--nocapture", "--test-threads=1", "-q"])
        .env(ROLE_ENV, role)
        .env(ARGS_ENV, args.join("\x1f"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped());
    f(&mut cmd);
    let mut child = cmd.spawn().expect("spawn child process");
    let stdin = child.stdin.take();
    let stdout: ChildStdout = child.stdout.take().expect("piped stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            // Lines the harness prints around the child's own output are skipped.
            if let Some(msg) = line.strip_prefix("@@ ") {
                if tx.send(msg.to_owned()).is_err() {
                    break;
                }
            }
        }
    });
    Proc {
        child,
        stdin,
        lines: rx,
    }
}

impl Proc {
    /// The next message the child sent with [`say`], within `timeout`.
    pub fn expect_line(&mut self, timeout: Duration) -> String {
        match self.lines.recv_timeout(timeout) {
            Ok(l) => l,
            Err(_) => {
                let _ = self.child.kill();
                panic!("child {} sent no message within {timeout:?}", self.child.id());
            }
        }
    }

    /// Sends one line to the child's stdin.
    pub fn send(&mut self, line: &str) {
        if let Some(s) = self.stdin.as_mut() {
            let _ = writeln!(s, "{line}");
            let _ = s.flush();
        }
    }

    /// Closes the child's stdin (children waiting for input then exit).
    pub fn close_stdin(&mut self) {
        self.stdin = None;
    }

    pub fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    /// `kill -9`, then reap.
    pub fn kill9(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Waits for exit with a watchdog: a child that outlives `timeout` is
    /// killed and the test fails.
    pub fn wait(mut self, timeout: Duration) -> ExitStatus {
        self.stdin = None;
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(st) = self.child.try_wait().expect("try_wait") {
                return st;
            }
            if Instant::now() >= deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!("child did not exit within {timeout:?}");
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Waits and asserts a zero exit.
    pub fn success(self, timeout: Duration) {
        let st = self.wait(timeout);
        assert!(st.success(), "child failed: {st}");
    }
}

/// In a child: sends a message to the parent.
pub fn say(msg: impl AsRef<str>) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "@@ {}", msg.as_ref());
    let _ = out.flush();
}

/// In a child: blocks until the parent sends a line or closes stdin.
pub fn wait_parent() -> Option<String> {
    let mut s = String::new();
    match std::io::stdin().read_line(&mut s) {
        Ok(0) | Err(_) => None,
        Ok(_) => Some(s.trim_end().to_owned()),
    }
}

/// The entries of a namespace directory (`Local` or `Global`) under the root in use.
pub fn ns_entries(global: bool) -> Vec<String> {
    let root = std::env::var("NAMED_SHM_DIR").unwrap_or_else(|_| "/dev/shm".into());
    let uid = euid();
    let dir = if global {
        format!("{root}/named-shm.global")
    } else {
        format!("{root}/named-shm.u{uid}")
    };
    match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// Whether a namespace directory holds an entry whose name starts with `prefix`.
pub fn ns_has(global: bool, prefix: &str) -> bool {
    ns_entries(global).iter().any(|e| e.starts_with(prefix))
}

pub fn is_root() -> bool {
    cfg!(unix) && euid() == 0
}

/// The effective uid.
#[cfg(unix)]
pub fn euid() -> u32 {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() }
}

/// The effective uid: 0 on Windows, which has no uids.
#[cfg(not(unix))]
pub fn euid() -> u32 {
    0
}

/// Prints why a test is skipped (never silently).
pub fn skip(why: &str) {
    eprintln!("SKIPPED: {why}");
}

/// In a child running as root: become `nobody` (uid/gid 65534) for good.
#[cfg(unix)]
pub fn become_nobody() {
    // SAFETY: plain credential syscalls in a single-purpose child process.
    unsafe {
        assert_eq!(libc::setgroups(0, std::ptr::null()), 0, "setgroups");
        assert_eq!(libc::setgid(65534), 0, "setgid");
        assert_eq!(libc::setuid(65534), 0, "setuid");
    }
}

pub const T: Duration = Duration::from_secs(30);

mod exit;
#[allow(unused_imports)] // not every test binary has children
pub use exit::exit_child;

/// Whether this user may create in `Global\` (root, or the grant that
/// `nshm setup-global` gives); prints why a test is skipped when not.
pub fn can_create_global() -> bool {
    let probe = format!("Global\\{}", unique_name("probe"));
    match named_shm::SharedMemory::create(&probe, 4096) {
        Err(named_shm::Error::PermissionDenied { .. }) => {
            skip("creating Global\\ objects needs root or the grant (sudo nshm setup-global)");
            false
        }
        _ => true,
    }
}
