//! Stress scenarios for named-shm: crash, race and leak checks with verdicts.
//!
//! ```text
//! cargo run --release -p named-shm --example stress -- <SCENARIO> \
//!     [--processes N] [--iterations N] [--kill-rate F] [--timeout SECS] [--seed S]
//! ```
//!
//! One subcommand per scenario (`creators`, `close-race`, `failed-open`,
//! `mutex`, `events`, `semaphore`, `leaks`, `hostile-sync`; `all` runs each
//! in turn), one
//! module file per scenario. Each ends with one line
//! `VERDICT scenario=… iterations=… processes=… kills=… violations=… leaks=… PASS|FAIL`
//! and the process exits non-zero if any scenario failed.
//!
//! Workers are forked children. A child chosen for death arms a POSIX timer
//! that delivers `SIGKILL` to itself after a random delay (calibrated to the
//! length of one operation), so kills land at every step of create, open,
//! use and close. Every scenario runs under a watchdog (`--timeout`): the
//! parent kills its children and fails the scenario when time is up, and an
//! `alarm` ends the parent itself if it ever blocks (`workers.rs`).
//!
//! Objects live under a private root (`NAMED_SHM_DIR`, default
//! `/dev/shm/named-shm-stress.<pid>`), so leak counts see only this run.
//!
//! # How the race checker works
//! Every object gets a unique id the first time any holder touches it: a
//! compare-and-swap from 0 on the first payload word. The winner checks the
//! whole payload is zero (a reused or half-initialised object is not). Every
//! holder then records `(id, t_open, t_last)` in a side channel (an anonymous
//! shared mapping, independent of the library), where both times are
//! `CLOCK_MONOTONIC` readings taken while it certainly held the object, and
//! reads the file the name currently points to (a plain `open`, no lock) to
//! check it is still the object it holds. Because a name links at most one
//! object at a time, and a held object must stay linked, the spans
//! `[min t_open, max t_last]` of different ids must be disjoint; an overlap is
//! a split brain (a dead object opened, or a live one unlinked). Each id must
//! also have at most one creator (`objects.rs`).
//!
//! The scenarios fork workers and kill them with POSIX timers, so they exist
//! on Linux only; elsewhere the program builds (clippy and the Windows CI
//! stage build every example), parses its command line and says so when run.

#![allow(unsafe_code)]

use clap::{Parser, Subcommand};

#[cfg(target_os = "linux")]
mod close_race;
#[cfg(target_os = "linux")]
mod common;
#[cfg(target_os = "linux")]
mod creators;
#[cfg(target_os = "linux")]
mod events;
#[cfg(target_os = "linux")]
mod failed_open;
#[cfg(target_os = "linux")]
mod hostile_sync;
#[cfg(target_os = "linux")]
mod leaks;
#[cfg(target_os = "linux")]
mod mutex;
#[cfg(target_os = "linux")]
mod objects;
#[cfg(target_os = "linux")]
mod semaphore;
#[cfg(target_os = "linux")]
mod workers;

/// Crash, race and leak scenarios for named-shm, each ending with a VERDICT
/// line; the exit status is non-zero if any scenario found a violation or a
/// leak.
#[derive(Parser, Debug)]
#[command(
    name = "stress",
    subcommand_value_name = "SCENARIO",
    subcommand_help_heading = "Scenarios"
)]
struct Cli {
    #[command(subcommand)]
    scenario: Scenario,
    #[command(flatten)]
    options: Options,
}

/// The options of every scenario (given before or after the scenario).
#[derive(clap::Args, Debug, Clone)]
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
pub struct Options {
    /// Worker processes (at least 1).
    #[arg(short, long, global = true, default_value_t = 8, value_parser = parse_processes)]
    pub processes: usize,
    /// Generations or operations; 0 takes the scenario's default (see its help).
    #[arg(short = 'n', long, global = true, default_value_t = 0, value_parser = parse_count)]
    pub iterations: u64,
    /// Probability (0..1) that an operation's worker is killed at a random moment.
    #[arg(short, long, global = true, default_value_t = 0.1, value_parser = parse_kill_rate)]
    pub kill_rate: f64,
    /// Watchdog per scenario, in seconds: when it fires the workers are killed
    /// and the scenario fails.
    #[arg(short, long, global = true, default_value_t = 300, value_parser = parse_count)]
    pub timeout: u64,
    /// Seed of the random choices; 0 picks one from the clock and the pid (printed).
    #[arg(long, global = true, default_value_t = 0, value_parser = parse_count)]
    pub seed: u64,
}

#[derive(Subcommand, Debug, Clone, Copy, PartialEq, Eq)]
enum Scenario {
    /// Processes race open_or_create on one fresh name per generation, killed
    /// at random; one reap must then leave nothing, and no holder may see a
    /// stale, reused or unlinked object (default 2,000 generations).
    Creators,
    /// Workers open, check, hold and close one name so that opens race the
    /// last close all the time, killed at random; held objects must stay
    /// the one the name links (default 100,000 operations).
    CloseRace,
    /// A creator cycles one name while peers' opens of it as an event or a
    /// mutex are refused, peers killed at random; every open_or_create must
    /// create, never revive a dead object (default 20,000 cycles).
    FailedOpen,
    /// Workers update a two-word counter under a named mutex, killed at
    /// random; every dead owner is reported abandoned exactly once, and no
    /// lock hangs or finds a torn counter (default 20,000 acquisitions).
    Mutex,
    /// A producer sets an auto-reset event once per round for waiters killed
    /// at random; each set wakes exactly one waiter, never more and never
    /// none (default 20,000 rounds).
    Events,
    /// A producer releases 1 to 3 counts of a semaphore per round for
    /// waiters killed at random; releases are taken by exactly as many
    /// waits, and no count is ever left while waiters sleep (default 20,000
    /// rounds).
    Semaphore,
    /// Create / open / map / write / read / close cycles of sections, events
    /// and mutexes in one process; descriptors, mappings and namespace
    /// entries must return to their baseline (default 100,000 cycles).
    Leaks,
    /// The parent scribbles over the shared words of a mutex and two events
    /// while workers lock, wait, set and reset them; no crash, error or wait
    /// past its timeout is allowed (default 20,000 operations).
    HostileSync,
    /// Every scenario above in turn, with the same options.
    All,
}

fn parse_count(s: &str) -> Result<u64, String> {
    s.replace('_', "")
        .parse()
        .map_err(|_| format!("bad number `{s}`"))
}

fn parse_processes(s: &str) -> Result<usize, String> {
    match usize::try_from(parse_count(s)?) {
        Ok(0) => Err("--processes must be at least 1".into()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("too many processes `{s}`")),
    }
}

fn parse_kill_rate(s: &str) -> Result<f64, String> {
    let v: f64 = s.parse().map_err(|_| format!("bad kill rate `{s}`"))?;
    if (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err(format!("kill rate {s} is not in 0..1"))
    }
}

fn main() {
    let cli = Cli::parse();
    #[cfg(target_os = "linux")]
    linux::run(cli.scenario, cli.options);
    #[cfg(not(target_os = "linux"))]
    {
        eprintln!(
            "stress {:?}: Linux only (forked workers killed by POSIX timers)",
            cli.scenario
        );
        std::process::exit(2);
    }
}

#[cfg(target_os = "linux")]
mod linux {
    use super::{Options, Scenario};
    use crate::common::{births, now_ns, Env, Verdict};
    use std::fmt::Write as _;
    use std::time::Instant;

    type Run = fn(&Options, &Env) -> Verdict;

    /// Every scenario, in the order `all` runs them.
    const EACH: [(Scenario, &str, Run); 8] = [
        (Scenario::Creators, "creators", crate::creators::creators),
        (Scenario::CloseRace, "close-race", crate::close_race::close_race),
        (
            Scenario::FailedOpen,
            "failed-open",
            crate::failed_open::failed_open,
        ),
        (Scenario::Mutex, "mutex", crate::mutex::mutex),
        (Scenario::Events, "events", crate::events::events),
        (Scenario::Semaphore, "semaphore", crate::semaphore::semaphore),
        (Scenario::Leaks, "leaks", crate::leaks::leaks),
        (
            Scenario::HostileSync,
            "hostile-sync",
            crate::hostile_sync::hostile_sync,
        ),
    ];

    /// Makes the private root (unless `NAMED_SHM_DIR` names one): `(env, ours)`.
    fn setup_root() -> Result<(Env, bool), String> {
        let (root, ours) = match std::env::var("NAMED_SHM_DIR") {
            Ok(r) if !r.is_empty() => (r, false),
            _ => {
                let r = format!("/dev/shm/named-shm-stress.{}", std::process::id());
                std::fs::create_dir(&r).map_err(|e| format!("mkdir {r}: {e}"))?;
                // Set before any library call and before any thread starts.
                std::env::set_var("NAMED_SHM_DIR", &r);
                (r, true)
            }
        };
        // SAFETY: geteuid has no preconditions.
        let uid = unsafe { libc::geteuid() };
        let ns_dir = format!("{root}/named-shm.u{uid}");
        Ok((Env { root, ns_dir }, ours))
    }

    /// Runs the chosen scenarios and exits: 0 if every verdict passed.
    pub fn run(scenario: Scenario, mut a: Options) -> ! {
        if a.seed == 0 {
            a.seed = now_ns() ^ (u64::from(std::process::id()) << 32);
        }
        // The id table must exist before the first fork.
        births();
        let (env, own_root) = match setup_root() {
            Ok(x) => x,
            Err(e) => {
                eprintln!("stress: {e}");
                std::process::exit(2);
            }
        };
        let mut ok = true;
        let mut summary = String::new();
        for (_, name, f) in EACH
            .iter()
            .filter(|(s, _, _)| scenario == Scenario::All || scenario == *s)
        {
            let t = Instant::now();
            println!(
                "stress: {name}: processes={} iterations={} kill_rate={} seed={} root={}",
                a.processes,
                if a.iterations == 0 {
                    "default".to_string()
                } else {
                    a.iterations.to_string()
                },
                a.kill_rate,
                a.seed,
                env.root
            );
            let v = f(&a, &env);
            ok &= v.print();
            let _ = writeln!(summary, "{name}: {:.1}s", t.elapsed().as_secs_f64());
        }
        print!("{summary}");
        if own_root {
            let _ = std::fs::remove_dir(&env.ns_dir);
            let _ = std::fs::remove_dir(format!("{}/named-shm.global", env.root));
            if let Err(e) = std::fs::remove_dir(&env.root) {
                eprintln!("LEAK: cannot remove {}: {e}", env.root);
                ok = false;
            }
        }
        std::process::exit(if ok { 0 } else { 1 });
    }
}
