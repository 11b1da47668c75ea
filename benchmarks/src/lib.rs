//! The shared harness of the project benchmark (issue #7).
//!
//! Every binary in this crate measures the same way (iceoryx2-style: plain
//! `std::time::Instant`, no framework):
//!
//! 1. the cases of one row (raw syscalls, named-shm, peers) form a [`Group`];
//! 2. each case runs once as a warm-up;
//! 3. then `repeats` rounds; in each round every case runs `iters` iterations,
//!    in a rotating order, so that a noisy moment on the shared machine hits
//!    every case alike;
//! 4. a case's figure is the median over the rounds of the time per operation,
//!    with p10/p90 and min/max over the rounds as its spread.
//!
//! Results are JSON lines ([`Record`]); `bench-report` turns the lines of all
//! binaries (and of the Python and C programs) into `docs/performance.md`.

#![deny(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]

pub mod proc;
pub mod raw;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

/// Options every benchmark binary takes.
#[derive(clap::Args, Debug, Clone)]
pub struct Common {
    /// Run every case once with few iterations, in seconds: a CI smoke test
    /// that the benchmarks still work. Its figures mean nothing.
    #[arg(long)]
    pub quick: bool,
    /// Rounds per case; the spread (p10/p90, min/max) is over rounds.
    #[arg(long, default_value_t = 11)]
    pub repeats: usize,
    /// Multiplies every iteration count (0.1 for a fast look, 3 for calmer figures).
    #[arg(long, default_value_t = 1.0)]
    pub scale: f64,
    /// Appends JSON lines to this file instead of printing them.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// CPU to pin the (parent) process to; a second process goes on the next
    /// CPU. -1 disables pinning.
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    pub cpu: i32,
    /// Runs only these rows (e.g. `--row 1 --row 2`).
    #[arg(long)]
    pub row: Vec<String>,
    /// Runs only these implementations (e.g. `--imp named-shm`).
    #[arg(long)]
    pub imp: Vec<String>,
}

impl Common {
    /// Whether a row was selected.
    pub fn wants_row(&self, row: &str) -> bool {
        self.row.is_empty() || self.row.iter().any(|r| row.starts_with(r.as_str()))
    }

    /// Whether an implementation was selected.
    pub fn wants_imp(&self, imp: &str) -> bool {
        self.imp.is_empty() || self.imp.iter().any(|i| i == imp)
    }

    /// Iterations for one round: `full` scaled, or `quick` in quick mode.
    pub fn iters(&self, full: u64, quick: u64) -> u64 {
        if self.quick {
            quick.max(1)
        } else {
            ((full as f64 * self.scale).round() as u64).max(1)
        }
    }

    /// Rounds per case (1 in quick mode).
    pub fn rounds(&self) -> usize {
        if self.quick {
            1
        } else {
            self.repeats.max(1)
        }
    }

    /// The CPU for process `k` (0 = parent, 1 = child), if pinning is on.
    pub fn cpu_for(&self, k: usize) -> Option<usize> {
        if self.cpu < 0 {
            return None;
        }
        // Not available_parallelism(): it honours this process's affinity
        // mask, which is one CPU once the parent has pinned itself.
        Some((self.cpu as usize + k) % online_cpus())
    }
}

/// CPUs online (`sysconf(_SC_NPROCESSORS_ONLN)`), whatever the affinity mask.
pub fn online_cpus() -> usize {
    // SAFETY: sysconf has no preconditions.
    let n = unsafe { libc::sysconf(libc::_SC_NPROCESSORS_ONLN) };
    if n > 0 {
        n as usize
    } else {
        1
    }
}

/// One measured figure: a JSON line.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Record {
    /// The row: "1" .. "7", with a suffix for sub-rows ("3", "4-1MiB", "7-procs").
    pub row: String,
    /// What was measured.
    pub case: String,
    /// Who did it: `raw`, `named-shm`, `shared_memory`, `python`, `c-win32`, `wine`, ...
    pub imp: String,
    /// Unit of the figures, e.g. `ns/op`, `ns/page`, `ns/rtt`.
    pub unit: String,
    /// Median over rounds.
    #[serde(deserialize_with = "nan_if_null")]
    pub median: f64,
    /// 10th percentile over rounds.
    #[serde(deserialize_with = "nan_if_null")]
    pub p10: f64,
    /// 90th percentile over rounds.
    #[serde(deserialize_with = "nan_if_null")]
    pub p90: f64,
    /// Fastest round.
    #[serde(deserialize_with = "nan_if_null")]
    pub min: f64,
    /// Slowest round.
    #[serde(deserialize_with = "nan_if_null")]
    pub max: f64,
    /// Rounds.
    pub repeats: usize,
    /// Operations per round.
    pub iters: u64,
    /// Failed operations (must be 0).
    #[serde(default)]
    pub errors: u64,
    /// Anything the reader must know about this figure.
    #[serde(default)]
    pub note: String,
}

/// Skipped figures are NaN, which JSON writes as `null`.
fn nan_if_null<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<f64, D::Error> {
    Option::<f64>::deserialize(d).map(|o| o.unwrap_or(f64::NAN))
}

/// Summary statistics of per-round figures.
pub fn stats(samples: &[f64]) -> (f64, f64, f64, f64, f64) {
    let mut s = samples.to_vec();
    s.sort_by(|a, b| a.total_cmp(b));
    let pct = |p: f64| {
        if s.is_empty() {
            return f64::NAN;
        }
        let pos = p * (s.len() - 1) as f64;
        let lo = pos.floor() as usize;
        let hi = pos.ceil() as usize;
        s[lo] + (s[hi] - s[lo]) * (pos - lo as f64)
    };
    (pct(0.5), pct(0.1), pct(0.9), pct(0.0), pct(1.0))
}

/// Builds a record from per-round figures.
pub fn record(row: &str, case: &str, imp: &str, unit: &str, samples: &[f64], iters: u64) -> Record {
    let (median, p10, p90, min, max) = stats(samples);
    Record {
        row: row.into(),
        case: case.into(),
        imp: imp.into(),
        unit: unit.into(),
        median,
        p10,
        p90,
        min,
        max,
        repeats: samples.len(),
        iters,
        errors: 0,
        note: String::new(),
    }
}

/// Where records go: JSON lines to a file or stdout, and a readable line to stderr.
pub struct Sink {
    out: Box<dyn Write>,
}

impl Sink {
    /// Opens the output named by the options.
    pub fn new(c: &Common) -> Result<Sink> {
        let out: Box<dyn Write> = match &c.out {
            Some(p) => Box::new(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(p)
                    .with_context(|| format!("opening {}", p.display()))?,
            ),
            None => Box::new(std::io::stdout()),
        };
        Ok(Sink { out })
    }

    /// Writes one record.
    pub fn put(&mut self, r: &Record) -> Result<()> {
        // Times in a readable unit; other figures (counts, bytes) as they are.
        let fig = |v: f64| {
            if r.unit.starts_with("ns") {
                human(v)
            } else {
                format!("{v:.3}")
            }
        };
        eprintln!(
            "  row {:<8} {:<46} {:<26} {:>12} {} (p10 {}, p90 {}){}",
            r.row,
            r.case,
            r.imp,
            fig(r.median),
            r.unit,
            fig(r.p10),
            fig(r.p90),
            if r.errors > 0 {
                format!("  ERRORS: {}", r.errors)
            } else {
                String::new()
            }
        );
        writeln!(self.out, "{}", serde_json::to_string(r)?)?;
        self.out.flush()?;
        Ok(())
    }

    /// Writes a "skipped" record: the report prints the reason in place of a figure.
    pub fn skip(&mut self, row: &str, case: &str, imp: &str, why: &str) -> Result<()> {
        eprintln!("  row {row:<8} {case:<46} {imp:<26} skipped: {why}");
        let mut r = record(row, case, imp, "", &[], 0);
        r.note = format!("skipped: {why}");
        writeln!(self.out, "{}", serde_json::to_string(&r)?)?;
        Ok(())
    }
}

/// A nanosecond figure in a readable unit.
pub fn human(ns: f64) -> String {
    if !ns.is_finite() {
        "-".into()
    } else if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{ns:.1} ns")
    }
}

/// A closure that runs `iters` operations and returns the time they took
/// (it may leave set-up and tear-down out of the measured time).
pub type RunFn<'a> = Box<dyn FnMut(u64) -> Result<Duration> + 'a>;

/// One implementation of a row.
pub struct Case<'a> {
    /// Implementation name (`raw`, `named-shm`, ...).
    pub imp: String,
    /// The measured work.
    pub run: RunFn<'a>,
}

impl<'a> Case<'a> {
    /// A case.
    pub fn new(imp: impl Into<String>, run: impl FnMut(u64) -> Result<Duration> + 'a) -> Case<'a> {
        Case {
            imp: imp.into(),
            run: Box::new(run),
        }
    }
}

/// The implementations of one row, measured side by side.
pub struct Group<'a> {
    /// Row id.
    pub row: String,
    /// What is measured.
    pub case: String,
    /// Unit of one operation (`ns/op`, ...).
    pub unit: String,
    /// Iterations per round.
    pub iters: u64,
    /// Operations per iteration (e.g. pages per 64 MiB touch).
    pub ops_per_iter: f64,
    /// The cases.
    pub cases: Vec<Case<'a>>,
    /// Each round is run in this many slices, the cases taking turns slice
    /// by slice (1: each case runs its whole round at once). Bandwidth-bound
    /// rows use many slices, so that a noisy moment on the shared machine
    /// hits every case alike instead of one case's whole round.
    pub slices: u64,
}

impl<'a> Group<'a> {
    /// A group with one operation per iteration.
    pub fn new(row: &str, case: &str, unit: &str, iters: u64) -> Group<'a> {
        Group {
            row: row.into(),
            case: case.into(),
            unit: unit.into(),
            iters,
            ops_per_iter: 1.0,
            cases: Vec::new(),
            slices: 1,
        }
    }

    /// Adds a case if the options select it.
    pub fn add(&mut self, c: &Common, case: Case<'a>) {
        if c.wants_imp(&case.imp) {
            self.cases.push(case);
        }
    }

    /// Warms up, runs the rounds interleaved and writes one record per case.
    pub fn run(mut self, c: &Common, sink: &mut Sink) -> Result<Vec<Record>> {
        if !c.wants_row(&self.row) || self.cases.is_empty() {
            return Ok(Vec::new());
        }
        eprintln!("row {}: {}", self.row, self.case);
        let n = self.cases.len();
        if !c.quick {
            for case in &mut self.cases {
                (case.run)(self.iters.div_ceil(4).max(1))
                    .with_context(|| format!("row {} {}: warm-up of {}", self.row, self.case, case.imp))?;
            }
        }
        let mut samples = vec![Vec::new(); n];
        let slices = self.slices.clamp(1, self.iters.max(1));
        for round in 0..c.rounds() {
            let mut spent = vec![0f64; n];
            for slice in 0..slices {
                // Iterations of this slice: the round's, spread evenly.
                let its = self.iters * (slice + 1) / slices - self.iters * slice / slices;
                for k in 0..n {
                    let i = (k + round + slice as usize) % n;
                    let case = &mut self.cases[i];
                    let d = (case.run)(its)
                        .with_context(|| format!("row {} {}: {}", self.row, self.case, case.imp))?;
                    spent[i] += d.as_nanos() as f64;
                }
            }
            for (i, t) in spent.into_iter().enumerate() {
                samples[i].push(t / (self.iters as f64 * self.ops_per_iter));
            }
        }
        let mut out = Vec::new();
        for (case, s) in self.cases.iter().zip(&samples) {
            let r = record(
                &self.row,
                &self.case,
                &case.imp,
                &self.unit,
                s,
                (self.iters as f64 * self.ops_per_iter) as u64,
            );
            sink.put(&r)?;
            out.push(r);
        }
        Ok(out)
    }
}

/// A name unique to this process and tag, for every API (no slash, no backslash).
pub fn unique(tag: &str) -> String {
    format!("nshm-bench-{}-{tag}", std::process::id())
}
