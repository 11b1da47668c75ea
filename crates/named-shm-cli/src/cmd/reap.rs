//! `nshm reap`: reclaim orphans.

use crate::cli::ReapArgs;
use crate::format;
use anyhow::Result;
use named_shm::admin;
use serde::Serialize;
use std::io::Write;

#[derive(Debug, Serialize)]
struct ReapJson<'a> {
    dry_run: bool,
    reclaimed: &'a [String],
    skipped: Vec<Skipped<'a>>,
    live: usize,
}

#[derive(Debug, Serialize)]
struct Skipped<'a> {
    name: &'a str,
    reason: &'a str,
}

pub fn reap(a: ReapArgs) -> Result<()> {
    let report = if a.dry_run {
        admin::reap_dry_run()?
    } else {
        admin::reap()?
    };
    // Buffered: a line-buffered stdout costs a write per reclaimed name.
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if a.json {
        let json = ReapJson {
            dry_run: a.dry_run,
            reclaimed: &report.reclaimed,
            skipped: report
                .skipped
                .iter()
                .map(|(name, reason)| Skipped { name, reason })
                .collect(),
            live: report.live,
        };
        serde_json::to_writer_pretty(&mut out, &json)?;
        writeln!(out)?;
        out.flush()?;
        return Ok(());
    }
    let n = report.reclaimed.len();
    let verb = if a.dry_run { "would reclaim" } else { "reclaimed" };
    if n == 0 {
        writeln!(out, "no orphans to reclaim")?;
    } else {
        writeln!(out, "{verb} {n} orphan{}:", if n == 1 { "" } else { "s" })?;
        for name in &report.reclaimed {
            writeln!(out, "  {}", format::escape(name))?;
        }
    }
    if !report.skipped.is_empty() {
        writeln!(out, "left alone:")?;
        for (name, reason) in &report.skipped {
            writeln!(out, "  {}: {}", format::escape(name), format::escape(reason))?;
        }
    }
    writeln!(
        out,
        "{} live object{} untouched",
        report.live,
        if report.live == 1 { "" } else { "s" }
    )?;
    out.flush()?;
    Ok(())
}
