//! What the namespace directories under the root in use hold, read directly
//! (no library call), and waiting for a name to vanish.

use std::time::{Duration, Instant};

/// The root in use: `NAMED_SHM_DIR`, or `/dev/shm`.
fn root() -> String {
    std::env::var("NAMED_SHM_DIR").unwrap_or_else(|_| "/dev/shm".into())
}

/// The entries of a namespace directory (`Local` or `Global`) under the root in use.
pub fn ns_entries(global: bool) -> Vec<String> {
    let root = root();
    let dir = if global {
        format!("{root}/named-shm.global")
    } else {
        format!("{root}/named-shm.u{}", super::euid())
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

/// The entries left in this user's Local namespace directory whose name
/// contains `needle`.
pub fn leftovers(needle: &str) -> Vec<String> {
    ns_entries(false)
        .into_iter()
        .filter(|n| n.contains(needle))
        .collect()
}

/// Whether `open` fails with `NotFound`, allowing a moment for it to become
/// true: a sibling test spawning a child shares this process's descriptors
/// between its fork and exec, which can keep a closed name alive for that
/// instant (the next open after it reclaims the name).
pub fn soon_not_found<T>(mut open: impl FnMut() -> named_shm::Result<T>) -> bool {
    let start = Instant::now();
    loop {
        match open() {
            Err(named_shm::Error::NotFound { .. }) => return true,
            _ if start.elapsed() < Duration::from_secs(5) => std::thread::sleep(Duration::from_millis(1)),
            _ => return false,
        }
    }
}
