//! Turns the JSON lines of one benchmark run into `docs/performance.md`:
//! the machine, the command, every figure as a median with its spread, each
//! as a ratio to the floor and to the peers, the issue's targets checked, and
//! the syscall profile.

use anyhow::{Context, Result};
use clap::Parser;
use named_shm_bench::{human, Record};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Writes docs/performance.md from one run's results.
#[derive(Parser, Debug)]
#[command(name = "bench-report", version)]
struct Cli {
    /// JSON lines of every benchmark of the run.
    #[arg(long)]
    results: PathBuf,
    /// `key: value` lines describing the machine.
    #[arg(long)]
    machine: Option<PathBuf>,
    /// Directory with `strace -c -f` outputs named `<imp>-<row>.txt`.
    #[arg(long)]
    strace: Option<PathBuf>,
    /// Operations each strace run performed.
    #[arg(long, default_value_t = 2000)]
    strace_iters: u64,
    /// Hand-written analysis appended verbatim.
    #[arg(long)]
    notes: Option<PathBuf>,
    /// The command line that produced the run.
    #[arg(long, default_value = "scripts/bench.sh")]
    command: String,
    /// Where to write the Markdown.
    #[arg(long)]
    out: PathBuf,
}

struct Rows {
    recs: Vec<Record>,
    /// Targets use the medians, or (for the second column) the fastest rounds.
    use_min: bool,
}

impl Rows {
    fn row(&self, row: &str) -> Vec<&Record> {
        self.recs.iter().filter(|r| r.row == row).collect()
    }

    fn get(&self, row: &str, imp: &str) -> Option<&Record> {
        self.recs
            .iter()
            .find(|r| r.row == row && r.imp == imp && !r.note.starts_with("skipped") && r.median.is_finite())
    }

    fn get_case(&self, row: &str, case_prefix: &str, imp: &str) -> Option<&Record> {
        self.recs
            .iter()
            .find(|r| r.row == row && r.case.starts_with(case_prefix) && r.imp == imp && r.median.is_finite())
    }

    fn median(&self, row: &str, imp: &str) -> Option<f64> {
        self.get(row, imp).map(|r| self.pick(r))
    }

    fn pick(&self, r: &Record) -> f64 {
        if self.use_min {
            r.min
        } else {
            r.median
        }
    }
}

/// The floor (first choice found) and the peers of each row.
fn floor_of(row: &str) -> &'static [&'static str] {
    match row {
        "4-1MiB" | "4-64MiB" => &["private memcpy"],
        "5" => &["raw futex"],
        "5-async" => &["blocking both sides"],
        "5-python" => &["python named_shm.Event (unrelated processes)"],
        "5-async-pending" => &["(none: what pending waits cost)"],
        "5-spin" => &["raw spin (atomics, yield after the budget)"],
        "6" | "6-contended" => &["robust pthread_mutex"],
        _ => &["raw"],
    }
}

fn ratio(a: f64, b: f64) -> String {
    if a.is_finite() && b.is_finite() && b > 0.0 {
        format!("{:.2}×", a / b)
    } else {
        "–".into()
    }
}

fn fig(r: &Record) -> String {
    if r.unit.starts_with("ns") {
        human(r.median)
    } else {
        format!("{:.3} {}", r.median, r.unit)
    }
}

fn spread(r: &Record) -> String {
    if r.repeats <= 1 {
        "(1 round)".into()
    } else {
        format!(
            "{} – {} (min {}, max {})",
            human(r.p10),
            human(r.p90),
            human(r.min),
            human(r.max)
        )
    }
}

fn table(md: &mut String, rows: &Rows, row: &str, bytes_per_op: Option<f64>) {
    let recs = rows.row(row);
    if recs.is_empty() {
        let _ = writeln!(md, "_No results for row {row} in this run._\n");
        return;
    }
    let floor_imp = floor_of(row)[0];
    let floor = rows.median(row, floor_imp);
    let named = rows
        .recs
        .iter()
        .find(|r| r.row == row && r.imp.starts_with("named-shm") && r.median.is_finite())
        .map(|r| (r.imp.clone(), r.median));
    let _ = writeln!(
        md,
        "**{}** ({}; floor: {floor_imp})\n",
        recs[0].case, recs[0].unit
    );
    let mut head = "| implementation | median | p10 – p90 over rounds | × floor |".to_owned();
    let mut sep = "|---|---:|---|---:|".to_owned();
    if bytes_per_op.is_some() {
        head.push_str(" GB/s |");
        sep.push_str("---:|");
    }
    if let Some((n, _)) = &named {
        let _ = write!(head, " {n} ÷ this |");
        sep.push_str("---:|");
    }
    let _ = writeln!(md, "{head}\n{sep}");
    for r in recs {
        if r.note.starts_with("skipped") {
            let _ = writeln!(md, "| {} | – | {} | | |", r.imp, r.note);
            continue;
        }
        let mut line = format!(
            "| {}{} | {} | {} | {} |",
            r.imp,
            if r.imp == floor_imp { " (floor)" } else { "" },
            fig(r),
            spread(r),
            floor.map(|f| ratio(r.median, f)).unwrap_or_else(|| "–".into())
        );
        if let Some(b) = bytes_per_op {
            let _ = write!(line, " {:.1} |", b / r.median);
        }
        if let Some((_, nm)) = &named {
            let _ = write!(line, " {} |", ratio(*nm, r.median));
        }
        if r.errors > 0 {
            let _ = write!(line, " **{} errors**", r.errors);
        }
        let _ = writeln!(md, "{line}");
    }
    let notes: Vec<_> = rows
        .row(row)
        .into_iter()
        .filter(|r| !r.note.is_empty() && !r.note.starts_with("skipped"))
        .map(|r| format!("{}: {}", r.imp, r.note))
        .collect();
    md.push('\n');
    for n in notes {
        let _ = writeln!(md, "- {n}");
    }
    md.push('\n');
}

struct Target {
    what: String,
    goal: String,
    got: String,
    met: Option<bool>,
}

fn targets(rows: &Rows) -> Vec<Target> {
    let mut t = Vec::new();
    let mut push =
        |what: &str, goal: &str, v: Option<f64>, fmt: &dyn Fn(f64) -> String, ok: &dyn Fn(f64) -> bool| {
            t.push(Target {
                what: what.into(),
                goal: goal.into(),
                got: v.map(fmt).unwrap_or_else(|| "not measured".into()),
                met: v.map(ok),
            })
        };
    let x = |v: f64| format!("{v:.2}×");
    for row in ["1", "2"] {
        let n = rows.median(row, "named-shm");
        let raw = rows.median(row, "raw");
        let sm = rows.median(row, "shared_memory");
        let py = rows.median(row, "python");
        let c = rows.median(row, "c-win32");
        let w = rows.median(row, "wine");
        let div = |a: Option<f64>, b: Option<f64>| Some(a? / b?);
        push(
            &format!("({row}) named-shm ÷ raw floor"),
            "≤ 1.5×",
            div(n, raw),
            &x,
            &|v| v <= 1.5,
        );
        let proto = rows.median(row, "raw, minimal crash-safe protocol");
        push(
            &format!("({row}) minimal crash-safe protocol ÷ raw floor (the limit for these semantics)"),
            "(informative)",
            div(proto, raw),
            &x,
            &|v| v <= 1.5,
        );
        push(
            &format!("({row}) named-shm ÷ minimal crash-safe protocol"),
            "(informative)",
            div(n, proto),
            &x,
            &|v| v <= 1.1,
        );
        push(
            &format!("({row}) named-shm ÷ shared_memory"),
            "< 1×",
            div(n, sm),
            &x,
            &|v| v < 1.0,
        );
        push(
            &format!("({row}) Python ÷ named-shm"),
            "≥ 5×",
            div(py, n),
            &x,
            &|v| v >= 5.0,
        );
        push(
            &format!("({row}) Wine ÷ C layer"),
            "≥ 10×",
            div(w, c),
            &x,
            &|v| v >= 10.0,
        );
    }
    let plain = rows.get_case("3", "first write", "named-shm").map(|r| r.median);
    let pre = rows
        .get_case("3", "first write", "named-shm prefault(true)")
        .map(|r| r.median);
    push(
        "(3) first touch: plain ÷ prefaulted (named-shm, touch loop)",
        "≥ 3×",
        plain.zip(pre).map(|(a, b)| a / b),
        &x,
        &|v| v >= 3.0,
    );
    let plain = rows.get_case("3", "map +", "named-shm").map(|r| r.median);
    let pre = rows
        .get_case("3", "map +", "named-shm prefault(true)")
        .map(|r| r.median);
    push(
        "(3) map + first touch: plain ÷ prefaulted (populate counted)",
        "(informative)",
        plain.zip(pre).map(|(a, b)| a / b),
        &x,
        &|v| v >= 3.0,
    );
    for row in ["4-1MiB", "4-64MiB"] {
        let p = rows.median(row, "private memcpy");
        let v = rows.median(row, "named-shm View::write_at");
        push(
            &format!("({row}) view copy speed ÷ private memcpy speed"),
            "≥ 0.97×",
            p.zip(v).map(|(p, v)| p / v),
            &x,
            &|v| v >= 0.97,
        );
        let r = rows.median(row, "named-shm View::read_at");
        push(
            &format!("({row}) copy out of a view (`read_at`) ÷ private memcpy speed"),
            "(informative)",
            p.zip(r).map(|(p, r)| p / r),
            &x,
            &|v| v >= 0.97,
        );
    }
    let ev = rows.median("5", "named-shm Event (auto-reset)");
    let fx = rows.median("5", "raw futex");
    push(
        "(5) Event RTT ÷ raw futex RTT",
        "≤ 1.1×",
        ev.zip(fx).map(|(a, b)| a / b),
        &x,
        &|v| v <= 1.1,
    );
    let sem = rows.median("5", "named-shm Semaphore (release / wait)");
    push(
        "(5) Semaphore RTT ÷ raw futex RTT",
        "≤ 1.1×",
        sem.zip(fx).map(|(a, b)| a / b),
        &x,
        &|v| v <= 1.1,
    );
    let evs = rows.median("5-spin", "named-shm Event::wait_spin (auto-reset)");
    let sp = rows.median("5-spin", "raw spin (atomics, yield after the budget)");
    push(
        "(5) Event::wait_spin RTT ÷ raw spin RTT",
        "≤ 1.3×",
        evs.zip(sp).map(|(a, b)| a / b),
        &x,
        &|v| v <= 1.3,
    );
    let m = rows.median("6", "named-shm Mutex");
    let p = rows.median("6", "robust pthread_mutex");
    push(
        "(6) uncontended Mutex ÷ robust pthread_mutex",
        "≤ 1.5×",
        m.zip(p).map(|(a, b)| a / b),
        &x,
        &|v| v <= 1.5,
    );
    // (7) flatness: named-shm's growth with the population beyond the
    // floor's, both measured in the same window (which cancels changes in
    // the machine's load between populations).
    let pops: Vec<(usize, f64, f64)> = rows
        .recs
        .iter()
        .filter(|r| r.row.starts_with("7-objects-") && r.imp == "named-shm" && r.median.is_finite())
        .filter_map(|r| {
            let n = r.row.trim_start_matches("7-objects-").parse().ok()?;
            Some((n, rows.pick(r), rows.median(&r.row, "raw")?))
        })
        .collect();
    let rel = |p: &(usize, f64, f64)| p.1 / p.2;
    let base = pops.iter().min_by_key(|p| p.0).map(rel);
    let worst = pops.iter().map(rel).fold(f64::NAN, f64::max);
    push(
        "(7) named-shm open cost ÷ the floor's, most objects vs fewest",
        "flat (≤ 1.2×)",
        base.map(|b| worst / b),
        &x,
        &|v| v <= 1.2,
    );
    admin_targets(rows, &mut push);
    let errors: u64 = rows
        .recs
        .iter()
        .filter(|r| r.row.starts_with('7'))
        .map(|r| r.errors)
        .sum();
    let any7 = rows.recs.iter().any(|r| r.row == "7-procs");
    push(
        "(7) failed operations under 64 concurrent processes",
        "0",
        any7.then_some(errors as f64),
        &|v| format!("{v}"),
        &|v| v == 0.0,
    );
    t
}

/// The sizes measured in the rows `{prefix}N` (one holder), sorted.
fn sizes(rows: &Rows, prefix: &str) -> Vec<usize> {
    let mut v: Vec<usize> = rows
        .recs
        .iter()
        .filter(|r| r.median.is_finite())
        .filter_map(|r| r.row.strip_prefix(prefix)?.parse().ok())
        .collect();
    v.sort();
    v.dedup();
    v
}

/// The row `8-list-PxQ` (P processes holding Q objects each), if measured.
fn list_procs_row(rows: &Rows) -> Option<(String, usize, usize)> {
    rows.recs.iter().find_map(|r| {
        let (p, q) = r.row.strip_prefix("8-list-")?.split_once('x')?;
        Some((r.row.clone(), p.parse().ok()?, q.parse().ok()?))
    })
}

type Push<'a> = dyn FnMut(&str, &str, Option<f64>, &dyn Fn(f64) -> String, &dyn Fn(f64) -> bool) + 'a;

/// The targets of row (8) (issue #19).
fn admin_targets(rows: &Rows, push: &mut Push<'_>) {
    let x = |v: f64| format!("{v:.2}×");
    // Largest ÷ smallest time per object over the sizes of one row.
    let flat = |prefix: &str, imp: &str| -> Option<(usize, usize, f64)> {
        let s = sizes(rows, prefix);
        let (lo, hi) = (*s.first()?, *s.last()?);
        let a = rows.median(&format!("{prefix}{lo}"), imp)?;
        let b = rows.median(&format!("{prefix}{hi}"), imp)?;
        (lo < hi).then_some((lo, hi, b / a))
    };
    let cli = "nshm list --json";
    match flat("8-list-", cli) {
        Some((lo, hi, v)) => push(
            &format!("(8) `nshm list --json` time per object, {hi} objects ÷ {lo} (one holder)"),
            "≤ 2× (flat)",
            Some(v),
            &x,
            &|v| v <= 2.0,
        ),
        None => push(
            "(8) `nshm list --json` time per object, most objects ÷ fewest",
            "≤ 2× (flat)",
            None,
            &x,
            &|_| true,
        ),
    }
    if let Some((row, p, q)) = list_procs_row(rows) {
        let base = sizes(rows, "8-list-").first().copied();
        let v = base.and_then(|b| Some(rows.median(&row, cli)? / rows.median(&format!("8-list-{b}"), cli)?));
        push(
            &format!(
                "(8) `nshm list --json` time per object, {p} holders × {q} ÷ one holder of {}",
                base.unwrap_or(0)
            ),
            "≤ 2× (flat)",
            v,
            &x,
            &|v| v <= 2.0,
        );
    }
    push(
        "(8) `nshm list --json` of 10,000 objects",
        "< 1 s",
        rows.median("8-list-10000", cli).map(|v| v * 1e4 / 1e9),
        &|v| format!("{v:.2} s"),
        &|v| v < 1.0,
    );
    if let Some((lo, hi, v)) = flat("8-reap-", "nshm reap --json") {
        push(
            &format!("(8) `nshm reap` time per orphan, {hi} orphans ÷ {lo}"),
            "≤ 2× (flat)",
            Some(v),
            &x,
            &|v| v <= 2.0,
        );
    }
    if let Some((lo, hi, v)) = flat("8-open-", "named-shm open, all") {
        push(
            &format!("(8) one process opening N objects: time per open, {hi} ÷ {lo}"),
            "≤ 2× (flat)",
            Some(v),
            &x,
            &|v| v <= 2.0,
        );
        let row = format!("8-open-{hi}");
        let last = rows.median(&row, "named-shm open, last tenth");
        let first = rows.median(&row, "named-shm open, first tenth");
        push(
            &format!("(8) opening {hi} objects: last tenth ÷ first tenth, per open"),
            "≤ 2× (flat)",
            last.zip(first).map(|(a, b)| a / b),
            &x,
            &|v| v <= 2.0,
        );
    }
    let most = rows
        .recs
        .iter()
        .find(|r| r.row == "8-wake-auto" && r.imp == "waiters woken per set" && r.max.is_finite())
        .map(|r| r.max);
    push(
        "(8) auto-reset event: waiters woken by one `set` (most in any set)",
        "exactly 1",
        most,
        &|v| format!("{v:.0}"),
        &|v| v == 1.0,
    );
    push(
        "(8) auto-reset event: context switches of all waiting threads per `set` (≈ 1: no thundering herd)",
        "(informative)",
        rows.median("8-wake-auto", "context switches of all waiting threads per set"),
        &|v| format!("{v:.2}"),
        &|v| v < 3.0,
    );
    push(
        "(8) manual-reset event: `set` → the last waiter running",
        "(informative)",
        rows.median("8-wake-manual", "set → last waiter running"),
        &|v| human(v),
        &|_| true,
    );
}

/// Row (8): administration at scale, per-object costs, many waiters.
fn admin_section(md: &mut String, rows: &Rows) {
    if !rows.recs.iter().any(|r| r.row.starts_with("8-")) {
        return;
    }
    let _ = writeln!(
        md,
        "## (8) Administration at scale, what one object costs, many waiters\n"
    );
    let raised: Vec<&str> = rows
        .recs
        .iter()
        .filter(|r| r.row.starts_with("8-") && r.note.contains("RLIMIT"))
        .filter(|r| !r.note.starts_with("skipped"))
        .map(|r| r.note.as_str())
        .collect();
    if let Some(n) = raised.first() {
        let _ = writeln!(md, "Descriptor limit: {n}.\n");
    }
    let per = |r: Option<&Record>| r.map(|r| human(r.median)).unwrap_or_default();
    let total = |r: Option<&Record>, n: usize| {
        r.map(|r| {
            let s = r.median * n as f64 / 1e9;
            if s >= 1.0 {
                format!("{s:.2} s")
            } else {
                format!("{:.0} ms", s * 1e3)
            }
        })
        .unwrap_or_default()
    };
    // list
    let list = sizes(rows, "8-list-");
    if !list.is_empty() {
        let cli = "nshm list --json";
        let lib = "library: HolderIndex::read + admin::list";
        let base = rows.median(&format!("8-list-{}", list[0]), cli);
        let _ = writeln!(
            md,
            "**`nshm list --json` of live 4 KiB mappings** (wall time of the command, start-up included; the library's `HolderIndex::read` + `admin::list` in the benchmark process beside it)\n\n| objects | holders | `nshm list --json` per object | p10 – p90 | whole listing | per object ÷ fewest | library per object | of which reading `/proc/locks` |\n|---:|---:|---:|---|---:|---:|---:|---:|"
        );
        let mut lines: Vec<(String, usize, usize)> =
            list.iter().map(|n| (format!("8-list-{n}"), *n, 1)).collect();
        if let Some((row, p, q)) = list_procs_row(rows) {
            lines.push((row, p * q, p));
        }
        for (row, n, procs) in lines {
            let c = rows.get(&row, cli);
            // The holders actually used (more than asked when one process
            // may not hold them all), from the case text.
            let procs = c
                .and_then(|c| c.case.split("held by ").nth(1)?.split(' ').next()?.parse().ok())
                .unwrap_or(procs);
            let _ = writeln!(
                md,
                "| {n} | {procs} | {} | {} | {} | {} | {} | {} |",
                per(c),
                c.map(spread).unwrap_or_default(),
                total(c, n),
                c.zip(base).map(|(c, b)| ratio(c.median, b)).unwrap_or_default(),
                per(rows.get(&row, lib)),
                per(rows.get(&row, "reading /proc/locks alone")),
            );
        }
        md.push('\n');
    }
    // reap
    let reap = sizes(rows, "8-reap-");
    if !reap.is_empty() {
        let imp = "nshm reap --json";
        let base = rows.median(&format!("8-reap-{}", reap[0]), imp);
        let _ = writeln!(
            md,
            "**`nshm reap --json` of orphans** (objects whose holder exited without closing them; wall time of the command)\n\n| orphans | per orphan | p10 – p90 | whole reap | per orphan ÷ fewest |\n|---:|---:|---|---:|---:|"
        );
        for n in reap {
            let r = rows.get(&format!("8-reap-{n}"), imp);
            let _ = writeln!(
                md,
                "| {n} | {} | {} | {} | {} |",
                per(r),
                r.map(spread).unwrap_or_default(),
                total(r, n),
                r.zip(base).map(|(r, b)| ratio(r.median, b)).unwrap_or_default(),
            );
        }
        md.push('\n');
    }
    // open
    let open = sizes(rows, "8-open-");
    if !open.is_empty() {
        let base = rows.median(&format!("8-open-{}", open[0]), "named-shm open, all");
        let _ = writeln!(
            md,
            "**One fresh process opening N existing 4 KiB mappings** (`SharedMemory::open`, read-only; what the opener holds afterwards, per object)\n\n| objects | per open | first tenth | last tenth | last ÷ first | per open ÷ fewest | heap bytes | resident bytes | descriptors | mappings |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
        );
        for n in open {
            let row = format!("8-open-{n}");
            let all = rows.get(&row, "named-shm open, all");
            let first = rows.get(&row, "named-shm open, first tenth");
            let last = rows.get(&row, "named-shm open, last tenth");
            let v = |imp: &str, d: usize| {
                rows.median(&row, imp)
                    .map(|v| format!("{v:.d$}"))
                    .unwrap_or_default()
            };
            let _ = writeln!(
                md,
                "| {n} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                per(all),
                per(first),
                per(last),
                last.zip(first)
                    .map(|(l, f)| ratio(l.median, f.median))
                    .unwrap_or_default(),
                all.zip(base).map(|(a, b)| ratio(a.median, b)).unwrap_or_default(),
                v("heap in use in the opener", 0),
                v("resident memory of the opener", 0),
                v("descriptors of the opener", 2),
                v("mappings of the opener", 2),
            );
        }
        md.push('\n');
    }
    // per-object costs
    let mut kinds: Vec<&Record> = rows
        .recs
        .iter()
        .filter(|r| r.row.starts_with("8-cost-") && r.imp == "descriptors")
        .collect();
    kinds.sort_by(|a, b| a.row.cmp(&b.row));
    if !kinds.is_empty() {
        let _ = writeln!(
            md,
            "**What one object costs** ({} of each kind created in a fresh process; `/proc/self/fd`, `/proc/self/maps`, `VmRSS` and the files' allocated blocks)\n\n| object | descriptors | mappings | tmpfs | resident memory | a second handle in the same process |\n|---|---:|---:|---:|---:|---|",
            kinds[0].iters
        );
        for k in kinds {
            let m = |imp: &str| rows.median(&k.row, imp).unwrap_or(f64::NAN);
            let _ = writeln!(
                md,
                "| {} | {:.2} | {:.2} | {:.1} KiB | {:.1} KiB | {:.2} descriptors, {:.2} mappings |",
                k.case,
                m("descriptors"),
                m("mappings"),
                m("tmpfs"),
                m("resident memory of the process"),
                m("second handle in the same process: descriptors"),
                m("second handle in the same process: mappings"),
            );
        }
        md.push('\n');
    }
    // wake-ups
    let wakes: Vec<&Record> = rows
        .recs
        .iter()
        .filter(|r| r.row.starts_with("8-wake-") && !r.note.starts_with("skipped"))
        .collect();
    if !wakes.is_empty() {
        let _ = writeln!(
            md,
            "**One event, many waiting threads in several processes** (times from just before `set` to the last waiter's clock reading after its wait returned, `CLOCK_MONOTONIC` across processes; context switches from `/proc/<pid>/task/*/status`)\n\n| case | what | median | p10 – p90 over rounds | min – max | errors |\n|---|---|---:|---|---|---:|"
        );
        for r in wakes {
            let (m, sp, mm) = if r.unit.starts_with("ns") {
                (
                    human(r.median),
                    format!("{} – {}", human(r.p10), human(r.p90)),
                    format!("{} – {}", human(r.min), human(r.max)),
                )
            } else {
                (
                    format!("{:.2} {}", r.median, r.unit),
                    format!("{:.2} – {:.2}", r.p10, r.p90),
                    format!("{:.0} – {:.0}", r.min, r.max),
                )
            };
            let _ = writeln!(
                md,
                "| {} | {} | {m} | {sp} | {mm} | {} |",
                r.case, r.imp, r.errors
            );
        }
        md.push('\n');
    }
    let mut notes: Vec<String> = rows
        .recs
        .iter()
        .filter(|r| r.row.starts_with("8-") && !r.note.is_empty() && !r.note.contains("RLIMIT"))
        .filter(|r| !r.note.starts_with("skipped"))
        .map(|r| format!("{}: {}", r.imp, r.note))
        .collect();
    notes.dedup();
    for n in &notes {
        let _ = writeln!(md, "- {n}");
    }
    if !notes.is_empty() {
        md.push('\n');
    }
}

/// Parses `strace -c` output into (syscall, calls).
fn parse_strace(text: &str) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() < 5 || f[0].starts_with('%') || f[0].starts_with('-') || f.last() == Some(&"total") {
            continue;
        }
        let name = f[f.len() - 1].to_owned();
        // % time, seconds, usecs/call, calls, [errors], syscall
        if let Ok(calls) = f[3].parse::<u64>() {
            out.push((name, calls));
        }
    }
    out
}

fn strace_section(md: &mut String, dir: &Path, iters: u64) {
    let _ = writeln!(
        md,
        "## Syscalls per operation (strace -c -f, {iters} operations, start-up excluded)\n"
    );
    for row in ["1", "2"] {
        let mut per: BTreeMap<String, BTreeMap<&str, f64>> = BTreeMap::new();
        let mut any = false;
        for imp in ["raw", "named-shm"] {
            let Ok(text) = std::fs::read_to_string(dir.join(format!("{imp}-{row}.txt"))) else {
                continue;
            };
            any = true;
            for (name, calls) in parse_strace(&text) {
                let v = calls as f64 / iters as f64;
                if v >= 0.5 {
                    per.entry(name).or_default().insert(imp, v);
                }
            }
        }
        if !any {
            continue;
        }
        let _ = writeln!(
            md,
            "Row ({row}):\n\n| syscall | raw | named-shm |\n|---|---:|---:|"
        );
        let mut tot = [0.0, 0.0];
        for (name, m) in &per {
            let r = m.get("raw").copied().unwrap_or(0.0);
            let n = m.get("named-shm").copied().unwrap_or(0.0);
            tot[0] += r;
            tot[1] += n;
            let _ = writeln!(md, "| {name} | {r:.1} | {n:.1} |");
        }
        let _ = writeln!(md, "| **total** | **{:.1}** | **{:.1}** |\n", tot[0], tot[1]);
    }
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    let text = std::fs::read_to_string(&cli.results)
        .with_context(|| format!("reading {}", cli.results.display()))?;
    let recs: Vec<Record> = text
        .lines()
        .filter(|l| l.trim_start().starts_with('{'))
        .map(serde_json::from_str)
        .collect::<std::result::Result<_, _>>()
        .context("parsing results")?;
    let rows = Rows { recs, use_min: false };
    let mut md = String::new();
    let _ = writeln!(
        md,
        "# Performance\n\n<!-- Generated by scripts/bench.sh (benchmarks/src/bin/report.rs); the analysis at the end comes from benchmarks/notes.md. Edit those, not this file. -->\n"
    );
    let _ = writeln!(
        md,
        "One run, every implementation side by side: raw syscalls (the floor, written in the benchmark), the named-shm Rust API, the `shared_memory` crate, Python's `multiprocessing.shared_memory`, a C program through named-shm-win32, and the same C program under Wine.\n"
    );
    let _ = writeln!(
        md,
        "## How to run\n\n`scripts/bench.sh` runs everything below in one go (about a minute on this machine, and four more for row (8)) and rewrites this file; `scripts/bench.sh --quick` runs every row once in seconds and writes its report under the target directory (CI does this in `scripts/ci.d/60-bench-quick.sh`, asserting no timing). Other options (`--repeats N`, `--scale F`, `--row R`, `--imp I`, `--cpu C`) go to the Rust benchmark binaries in `benchmarks/` (`bench-shm`, `bench-sync`, `bench-scale`, `bench-admin-scale`; `--help` on each); Python is `benchmarks/python/shm_bench.py`, the C program `benchmarks/c/bench.c` and Wine are driven by `benchmarks/c-layer.sh`; `scripts/bench.sh --win32` prints the C layer against Wine and the Rust API (`bench-rust-cycles`) in one table. Every benchmark lives in `benchmarks/`.\n"
    );
    let _ = writeln!(md, "## Machine and command\n\n```\n$ {}\n```\n", cli.command);
    if let Some(m) = &cli.machine {
        if let Ok(t) = std::fs::read_to_string(m) {
            let _ = writeln!(md, "| | |\n|---|---|");
            for l in t.lines() {
                if let Some((k, v)) = l.split_once(':') {
                    let _ = writeln!(md, "| {} | {} |", k.trim(), v.trim().replace('|', "\\|"));
                }
            }
            md.push('\n');
        }
    }
    let _ = writeln!(
        md,
        "Method: each row's implementations are measured in interleaved rounds (a warm-up, then R rounds of M operations, rotating the order each round, so a noisy moment hits all alike; the copy rows (4) take turns every 10 copies within a round). A figure is the median over rounds of the time per operation; the spread is p10 – p90 (and min – max) over rounds. \"× floor\" is the median divided by the floor's median (lower is better); \"named-shm ÷ this\" compares named-shm with each peer (below 1 means named-shm is faster). Two-process rows pin the parent to CPU 0 and the child to CPU 1. The machine is shared and noisy: compare ratios within this run, not absolute times across runs.\n"
    );

    let _ = writeln!(
        md,
        "## Targets (issue #7), this run\n\nThe verdict is on the medians. The last column computes the same ratio from each implementation's fastest round, which the load of other processes disturbs least.\n\n| target | goal | medians | | fastest rounds |\n|---|---|---:|---|---:|"
    );
    let mins = Rows {
        recs: rows.recs.clone(),
        use_min: true,
    };
    for (t, m) in targets(&rows).into_iter().zip(targets(&mins)) {
        let mark = match t.met {
            Some(true) => "met",
            Some(false) => "**not met**",
            None => "not measured",
        };
        let mark = if t.goal == "(informative)" && t.met.is_some() {
            ""
        } else {
            mark
        };
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} |",
            t.what, t.goal, t.got, mark, m.got
        );
    }
    md.push('\n');

    let _ = writeln!(
        md,
        "## (1) Create a fresh 4 KiB object: create + map + write 64 B + unmap + close\n"
    );
    table(&mut md, &rows, "1", None);
    let _ = writeln!(
        md,
        "## (2) Open an existing 4 KiB object: open + map + read 64 B + unmap + close\n"
    );
    table(&mut md, &rows, "2", None);
    let _ = writeln!(md, "## (3) First write of every page of a fresh 64 MiB object\n");
    let r3: Vec<&Record> = rows.row("3");
    let mut cases: Vec<String> = r3.iter().map(|r| r.case.clone()).collect();
    cases.dedup();
    for case in cases {
        let sub = Rows {
            recs: rows
                .recs
                .iter()
                .filter(|r| r.row == "3" && r.case == case)
                .cloned()
                .collect(),
            use_min: false,
        };
        table(&mut md, &sub, "3", None);
    }
    let _ = writeln!(
        md,
        "## (4) Copying into a warm view vs into warm private memory\n"
    );
    table(&mut md, &rows, "4-1MiB", Some((1u64 << 20) as f64));
    table(&mut md, &rows, "4-64MiB", Some((64u64 << 20) as f64));
    let _ = writeln!(md, "## (5) Event and semaphore ping-pong between two processes\n");
    table(&mut md, &rows, "5", None);
    table(&mut md, &rows, "5-spin", None);
    let _ = writeln!(
        md,
        "### Async waits (`Event::wait_async`) and Python\n\nThe same named-shm event ping-pong with the measuring side (or both) awaiting `wait_async` (issue 18's goal: at most 1.3× the blocking round trip; each async hop adds a thread hand-off, from the process's waiter thread to the executor); the cost of pending async waits; and the ping-pong between two Python processes (`benchmarks/python/named_shm_bench.py`), blocking and awaiting `Event.wait_async` in asyncio, beside Python's peers.\n"
    );
    table(&mut md, &rows, "5-async", None);
    table(&mut md, &rows, "5-async-pending", None);
    table(&mut md, &rows, "5-python", None);
    let _ = writeln!(md, "## (6) Mutex lock + unlock\n");
    table(&mut md, &rows, "6", None);
    table(&mut md, &rows, "6-contended", None);

    let _ = writeln!(md, "## (7) Scaling\n");
    let mut pops: Vec<usize> = rows
        .recs
        .iter()
        .filter_map(|r| r.row.strip_prefix("7-objects-")?.parse().ok())
        .collect();
    pops.sort();
    pops.dedup();
    if !pops.is_empty() {
        let b_raw = rows.median(&format!("7-objects-{}", pops[0]), "raw");
        let b_n = rows.median(&format!("7-objects-{}", pops[0]), "named-shm");
        let _ = writeln!(
            md,
            "**Row (2)'s work with other live objects in the namespace** (ns/op)\n\n| other objects | raw | raw ÷ fewest | named-shm | p10 – p90 | named-shm ÷ fewest | named-shm ÷ raw |\n|---:|---:|---:|---:|---|---:|---:|"
        );
        for p in &pops {
            let row = format!("7-objects-{p}");
            let r = rows.get(&row, "raw");
            let n = rows.get(&row, "named-shm");
            let _ = writeln!(
                md,
                "| {p} | {} | {} | {} | {} | {} | {} |",
                r.map(|r| human(r.median)).unwrap_or_default(),
                r.zip(b_raw).map(|(r, b)| ratio(r.median, b)).unwrap_or_default(),
                n.map(|n| human(n.median)).unwrap_or_default(),
                n.map(spread).unwrap_or_default(),
                n.zip(b_n).map(|(n, b)| ratio(n.median, b)).unwrap_or_default(),
                n.zip(r)
                    .map(|(n, r)| ratio(n.median, r.median))
                    .unwrap_or_default(),
            );
        }
        md.push('\n');
    }
    let procs = rows.row("7-procs");
    if !procs.is_empty() {
        let _ = writeln!(
            md,
            "**Many processes opening and closing one name at once** (wall time ÷ operations; throughput = 1 / that)\n\n| implementation, processes | ns/op (wall ÷ ops) | p10 – p90 | throughput (ops/s) | × one process's throughput | failed ops |\n|---|---:|---|---:|---:|---:|"
        );
        for r in &procs {
            let one = r
                .imp
                .split(',')
                .next()
                .and_then(|imp| rows.median("7-procs", &format!("{imp}, 1 proc")));
            let _ = writeln!(
                md,
                "| {} | {} | {} | {:.0} | {} | {} |",
                r.imp,
                human(r.median),
                spread(r),
                1e9 / r.median,
                one.map(|o| ratio(o, r.median)).unwrap_or_default(),
                r.errors
            );
        }
        md.push('\n');
    }

    admin_section(&mut md, &rows);

    if let Some(dir) = &cli.strace {
        strace_section(&mut md, dir, cli.strace_iters);
    }
    let steps = rows.row("steps");
    if !steps.is_empty() {
        let _ = writeln!(
            md,
            "## What each protocol step costs here\n\nOne syscall (or the named group) at a time, in a loop, on a file in a scratch directory on /dev/shm; same run.\n\n| step | median | p10 – p90 |\n|---|---:|---|"
        );
        for r in steps {
            let _ = writeln!(md, "| {} | {} | {} |", r.imp, human(r.median), spread(r));
        }
        md.push('\n');
    }
    let skipped: Vec<&Record> = rows
        .recs
        .iter()
        .filter(|r| r.note.starts_with("skipped"))
        .collect();
    if !skipped.is_empty() {
        let _ = writeln!(md, "## Skipped in this run\n");
        for r in skipped {
            let _ = writeln!(
                md,
                "- row {} — {} — {}: {}",
                r.row,
                r.case,
                r.imp,
                r.note.trim_start_matches("skipped: ")
            );
        }
        md.push('\n');
    }
    if let Some(n) = &cli.notes {
        let t = std::fs::read_to_string(n).with_context(|| format!("reading {}", n.display()))?;
        md.push_str(&t);
    }
    std::fs::write(&cli.out, md).with_context(|| format!("writing {}", cli.out.display()))?;
    eprintln!("wrote {}", cli.out.display());
    Ok(())
}
