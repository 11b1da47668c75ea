//! End-to-end tests of the `nshm` binary: every command and every documented
//! exit code. Each test uses its own object names and leaves nothing behind;
//! every wait is bounded.
//!
//! They drive the Linux backend (orphans, `/proc`, uids, signals); on other
//! platforms one test says that they were skipped.

#[cfg(unix)]
#[path = "cli/linux.rs"]
mod linux;

#[cfg(not(unix))]
#[test]
fn cli_end_to_end_tests_are_linux_only() {
    eprintln!("SKIPPED: the nshm end-to-end tests need the Linux backend (tests/cli/linux.rs)");
}
