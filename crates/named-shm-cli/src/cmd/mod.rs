//! One module per group of commands; `dispatch` routes a parsed command line.

mod demo;
mod man;
mod objects;
mod reap;
mod setup;
mod shm;
mod sync;
mod wine;

use crate::cli::{Cli, Command, CompletionsArgs};
use anyhow::Result;

pub fn dispatch(cli: Cli) -> Result<()> {
    if let Some(name) = object_name(&cli.command) {
        if let Some(note) = crate::hints::lost_backslash(name) {
            eprintln!("nshm: note: {note}");
        }
    }
    match cli.command {
        Command::List(a) => objects::list(a),
        Command::Info(a) => objects::info(a),
        Command::Create(a) => shm::create(a),
        Command::Read(a) => shm::read(a),
        Command::Write(a) => shm::write(a),
        Command::Rm(a) => shm::rm(a),
        Command::Reap(a) => reap::reap(a),
        Command::Event(c) => sync::event(c),
        Command::Mutex(c) => sync::mutex(c),
        Command::Sem(c) => sync::sem(c),
        Command::SetupGlobal(a) => setup::setup_global(a),
        Command::Demo(a) => demo::run(a),
        Command::DemoFirst(a) => demo::first(a),
        Command::DemoSecond(a) => demo::second(a),
        Command::Wine(a) => wine::run(a),
        Command::Proton(a) => wine::proton(a),
        Command::Completions(a) => completions(a),
        Command::Man(a) => man::man(a),
    }
}

/// The object name a command was given, if it takes one.
fn object_name(c: &Command) -> Option<&str> {
    use crate::cli::{EventCommand as E, MutexCommand as M, SemCommand as S};
    Some(match c {
        Command::Info(a) => &a.name,
        Command::Create(a) => &a.name,
        Command::Read(a) => &a.name,
        Command::Write(a) => &a.name,
        Command::Rm(a) => &a.name,
        Command::Event(
            E::Create { name, .. }
            | E::Set { name }
            | E::Reset { name }
            | E::Pulse { name }
            | E::Wait { name, .. },
        ) => name,
        Command::Mutex(M::Create { name, .. } | M::Lock { name, .. }) => name,
        Command::Sem(S::Create { name, .. } | S::Release { name, .. } | S::Wait { name, .. }) => name,
        Command::Demo(a) => &a.name,
        _ => return None,
    })
}

fn completions(a: CompletionsArgs) -> Result<()> {
    use clap::CommandFactory;
    let mut cmd = Cli::command();
    // Into a buffer first: `generate` panics when it cannot write.
    let mut script = Vec::new();
    clap_complete::generate(a.shell, &mut cmd, "nshm", &mut script);
    std::io::Write::write_all(&mut std::io::stdout(), &script)?;
    Ok(())
}
