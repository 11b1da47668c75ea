//! Ctrl-C (and SIGTERM/SIGHUP) handling for the commands that wait: holding a
//! handle, waiting for an event, locking a mutex, writing a large file.
//!
//! A handle must be closed cleanly so that its name dies at once; a process
//! killed by the default signal action leaves an orphan for the next reap.

use std::io::BufRead;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::OnceLock;
use std::time::Duration;

static INTERRUPTED: AtomicBool = AtomicBool::new(false);
static INSTALLED: OnceLock<bool> = OnceLock::new();

/// Installs the handler (once). Afterwards Ctrl-C only sets a flag that the
/// waiting loops poll.
pub fn install() {
    INSTALLED.get_or_init(|| {
        // Relaxed: the flag is a lone boolean polled in loops; no other memory
        // is published through it.
        ctrlc::set_handler(|| INTERRUPTED.store(true, Ordering::Relaxed)).is_ok()
    });
}

/// Whether Ctrl-C was pressed since [`install`].
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::Relaxed)
}

/// How a hold ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Release {
    /// Enter was pressed, or standard input was closed.
    Enter,
    /// Ctrl-C, SIGTERM or SIGHUP.
    Signal,
}

/// Blocks until Enter (or end of standard input, when `use_stdin`) or Ctrl-C.
pub fn wait_for_release(use_stdin: bool) -> Release {
    install();
    let (tx, rx) = mpsc::channel::<()>();
    if use_stdin {
        std::thread::spawn(move || {
            let mut line = String::new();
            // Any outcome (a line, end of input, an error) releases.
            let _ = std::io::stdin().lock().read_line(&mut line);
            let _ = tx.send(());
        });
    } else {
        // Keep the sender alive so that the channel never reports disconnection.
        std::mem::forget(tx);
    }
    loop {
        if interrupted() {
            return Release::Signal;
        }
        match rx.recv_timeout(Duration::from_millis(50)) {
            Ok(()) | Err(mpsc::RecvTimeoutError::Disconnected) => return Release::Enter,
            Err(mpsc::RecvTimeoutError::Timeout) => {}
        }
    }
}
