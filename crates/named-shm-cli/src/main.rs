//! `nshm`: see, create, read, write and reap named objects.
//!
//! `main` only parses the command line, runs it and turns an error into one
//! line on stderr and a documented exit code (see `exit_codes.rs`).

/// `println!` that returns the error instead of panicking when standard
/// output is closed (`nshm list | head -1`).
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout(), $($arg)*)
    }};
}

mod cli;
mod cmd;
mod exit_codes;
mod format;
mod hints;
mod input;
mod signal;
// Used by `nshm wine` and `nshm proton`.
mod wine;

use clap::Parser;
use exit_codes::ExitCode;

fn run() -> anyhow::Result<()> {
    cmd::dispatch(cli::Cli::parse())
}

fn main() {
    let code = match run() {
        Ok(()) => ExitCode::Success,
        Err(e) if exit_codes::is_broken_pipe(&e) => ExitCode::Success,
        Err(e) => {
            // Names, paths and reasons in it may come from another user.
            eprintln!("nshm: error: {}", format::escape(&hints::message(&e)));
            ExitCode::of(&e)
        }
    };
    std::process::exit(code.into());
}
