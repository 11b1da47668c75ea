//! The `sync` benchmark's entry point. The benchmark (`benches/sync.rs`)
//! compares against raw futexes, pipes and robust pthread mutexes, so it
//! exists on Linux only; elsewhere it builds (clippy builds every target,
//! the Windows CI stage included) and says so when run.

#[cfg(target_os = "linux")]
#[path = "../sync.rs"]
mod linux;

fn main() {
    #[cfg(target_os = "linux")]
    linux::main();
    #[cfg(not(target_os = "linux"))]
    eprintln!("sync benchmark: Linux only (raw futex and pthread baselines)");
}
