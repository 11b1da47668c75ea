//! Object names no other test, or test run, uses.

use std::sync::atomic::{AtomicU32, Ordering};

/// A name no other test (or test run) uses: `t-<tag>-<pid>-<n>`.
pub fn unique_name(tag: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "t-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}
