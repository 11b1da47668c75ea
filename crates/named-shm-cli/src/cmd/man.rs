//! `nshm man [DIR]` (hidden): the man pages, generated from the command line
//! definition with clap_mangen, so they never drift from `--help`.
//!
//! A command rather than a build script: `cargo install` puts only the binary
//! in place, and a command serves both the installed user (`nshm man | man -l
//! -`) and packagers (`nshm man DIR`), with no second copy of the CLI
//! definition compiled into a build script.

use crate::cli::{Cli, ManArgs};
use anyhow::{Context, Result};
use clap::CommandFactory;
use std::io::Write;
use std::path::{Path, PathBuf};

pub fn man(a: ManArgs) -> Result<()> {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    match a.dir {
        None => {
            // Into a buffer first: a closed pipe is then one clean error.
            let mut page = Vec::new();
            clap_mangen::Man::new(cmd).render(&mut page)?;
            std::io::stdout().write_all(&page)?;
        }
        Some(dir) => {
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create the man page directory {}", dir.display()))?;
            let mut written = Vec::new();
            write_pages(&cmd, &dir, &mut written)?;
            let mut out = std::io::stdout().lock();
            for path in written {
                writeln!(out, "{}", path.display())?;
            }
        }
    }
    Ok(())
}

/// Writes the page of `cmd` and of each visible subcommand, recursively.
fn write_pages(cmd: &clap::Command, dir: &Path, written: &mut Vec<PathBuf>) -> Result<()> {
    let man = clap_mangen::Man::new(cmd.clone());
    let path = dir.join(man.get_filename());
    let mut page = Vec::new();
    man.render(&mut page)?;
    std::fs::write(&path, page).with_context(|| format!("cannot write the man page {}", path.display()))?;
    written.push(path);
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        write_pages(sub, dir, written)?;
    }
    Ok(())
}
