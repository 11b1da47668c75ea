//! The `stress` example's entry point. The scenarios (`examples/stress.rs`)
//! fork workers and kill them with POSIX timers, so they exist on Linux only;
//! elsewhere the example builds (clippy and the Windows CI stage build every
//! example) and says so when run.

#[cfg(target_os = "linux")]
#[path = "../stress.rs"]
mod scenarios;

fn main() {
    #[cfg(target_os = "linux")]
    scenarios::main();
    #[cfg(not(target_os = "linux"))]
    {
        eprintln!("stress: Linux only (forked workers killed by POSIX timers)");
        std::process::exit(2);
    }
}
