//! How a test child ends.

use std::io::Write;

/// Ends a child process with `code`, flushing its output first.
///
/// On Unix this is `_exit`: `std::process::exit` first tears down the main
/// thread's signal stack from the exiting test thread, and a child that
/// changed its uid (`become_nobody`: glibc signals every thread to change
/// theirs) could still be returning from that signal on it, which crashed
/// one child in five with SIGSEGV.
pub fn exit_child(code: i32) -> ! {
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    #[cfg(unix)]
    // SAFETY: _exit ends the process at once; the output is flushed above,
    // and a child holds nothing else that must be written out.
    unsafe {
        libc::_exit(code)
    }
    #[cfg(not(unix))]
    std::process::exit(code)
}
