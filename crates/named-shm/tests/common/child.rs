//! Child processes: this test binary re-run in a role, and the child's end of
//! the conversation with its parent.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The role a re-run test binary plays.
const ROLE_ENV: &str = "NAMED_SHM_TEST_ROLE";
/// Its positional arguments, separated by `\x1f`.
const ARGS_ENV: &str = "NAMED_SHM_TEST_ARGS";
/// Prefix of the lines a child sends with [`say`] (other output is skipped).
const MSG_PREFIX: &str = "@@ ";

/// How long [`Proc::wait_code`] waits: generous, a hang guard.
pub const CHILD_LIMIT: Duration = Duration::from_secs(600);

/// Exit codes children use to report a wait's outcome.
pub mod code {
    pub const SIGNALED: i32 = 10;
    pub const ABANDONED: i32 = 11;
    pub const TIMED_OUT: i32 = 12;
    pub const NOT_OWNER: i32 = 13;
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

/// A child process running `role` through the test named `entry` of this
/// binary; killed (and reaped) if dropped while it runs.
pub struct Proc {
    child: Option<Child>,
    pid: u32,
    stdin: Option<ChildStdin>,
    lines: mpsc::Receiver<String>,
}

/// Starts this test binary again, running only the test `entry` (exactly),
/// in `role` with positional `args`.
pub fn spawn(entry: &str, role: &str, args: &[&str]) -> Proc {
    spawn_with(entry, role, args, |_| {})
}

/// [`spawn`], with `f` adjusting the command first (environment, uid, …).
pub fn spawn_with(entry: &str, role: &str, args: &[&str], f: impl FnOnce(&mut Command)) -> Proc {
    debug_assert!(args.iter().all(|a| !a.contains('\x1f')));
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
            if let Some(msg) = line.strip_prefix(MSG_PREFIX) {
                if tx.send(msg.to_owned()).is_err() {
                    break;
                }
            }
        }
    });
    Proc {
        pid: child.id(),
        child: Some(child),
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
                self.kill9();
                panic!("child {} sent no message within {timeout:?}", self.pid);
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

    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// `kill -9`, then reap (nothing if it was reaped already).
    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// The exit status if the child has exited (it is then reaped).
    pub fn try_wait(&mut self) -> Option<ExitStatus> {
        let c = self.child.as_mut().expect("child already reaped");
        let st = c.try_wait().expect("try_wait")?;
        self.child = None;
        Some(st)
    }

    /// Closes its stdin and waits for exit with a watchdog: a child that
    /// outlives `timeout` is killed and the test fails.
    pub fn wait(&mut self, timeout: Duration) -> ExitStatus {
        self.stdin = None;
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(st) = self.try_wait() {
                return st;
            }
            if Instant::now() >= deadline {
                self.kill9();
                panic!("child {} did not exit within {timeout:?}", self.pid);
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Waits (within [`CHILD_LIMIT`]) and returns the exit code (`None`:
    /// killed by a signal).
    pub fn wait_code(&mut self) -> Option<i32> {
        self.wait(CHILD_LIMIT).code()
    }

    /// Waits and asserts a zero exit.
    pub fn success(&mut self, timeout: Duration) {
        let st = self.wait(timeout);
        assert!(st.success(), "child {} failed: {st}", self.pid);
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// In a child: sends a message to the parent.
pub fn say(msg: impl AsRef<str>) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{MSG_PREFIX}{}", msg.as_ref());
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
