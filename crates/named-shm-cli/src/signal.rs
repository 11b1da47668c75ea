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
    /// Enter was pressed (a line arrived on standard input).
    Enter,
    /// Ctrl-C, SIGTERM or SIGHUP.
    Signal,
}

/// Blocks until Enter (a line on standard input, when `use_stdin`) or
/// Ctrl-C, SIGTERM or SIGHUP. Standard input at its end (`</dev/null`, a
/// background job of a script, a service manager) or unreadable does not
/// release: `at_eof` is called once, and the hold lasts until a signal.
pub fn wait_for_release(use_stdin: bool, mut at_eof: impl FnMut()) -> Release {
    install();
    // `true`: a line arrived; `false`: end of input or a read error.
    let (tx, rx) = mpsc::channel::<bool>();
    if use_stdin {
        std::thread::spawn(move || {
            let mut line = String::new();
            let got = matches!(std::io::stdin().lock().read_line(&mut line), Ok(n) if n > 0);
            let _ = tx.send(got);
        });
    }
    let mut stdin_open = use_stdin;
    loop {
        if interrupted() {
            return Release::Signal;
        }
        if !stdin_open {
            std::thread::sleep(Duration::from_millis(50));
            continue;
        }
        match rx.recv_timeout(Duration::from_millis(50)) {
            Ok(true) => return Release::Enter,
            Ok(false) | Err(mpsc::RecvTimeoutError::Disconnected) => {
                stdin_open = false;
                at_eof();
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
        }
    }
}
