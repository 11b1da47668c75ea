//! The command line, declared with clap derive: doc comments are the help text.

use clap::{Args, Parser, Subcommand};

const EXIT_CODES: &str = "\
Exit codes:
  0    success
  1    other failure (I/O, out of memory, declined confirmation)
  2    usage error (unknown option, missing argument)
  3    not found: no live object has the name
  4    access denied: permissions, or the name is occupied by something foreign
  5    already exists
  6    invalid input: bad size, offset, length, timeout, mode or name; data that
       does not fit; a name that belongs to an object of another type
  7    timeout
  130  interrupted (Ctrl-C) while waiting";

const MAIN_EXAMPLES: &str = "\
Names: `X` and `Local\\X` are the caller's private namespace, `Global\\X` is
machine-wide. Quote names with a backslash in the shell: 'Global\\X'.

Examples:
  nshm demo                                  # two processes share memory by name, narrated
  nshm create 'Global\\Board' --size 64K --text hello --hold
  nshm list --all                            # both namespaces
  nshm read 'Global\\Board'                   # prints: hello
  nshm info 'Global\\Board' --json";

/// See and manage Windows-style named shared memory, events and mutexes.
///
/// A named object lives while any process holds a handle to it and dies with
/// the last one, even after `kill -9`.
#[derive(Debug, Parser)]
#[command(name = "nshm", version, after_help = MAIN_EXAMPLES, after_long_help = format!("{MAIN_EXAMPLES}\n\n{EXIT_CODES}"))]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List named objects: type, size, owner, mode, holders, age; orphans flagged.
    #[command(
        visible_alias = "ls",
        after_help = "Examples:\n  nshm list                # Local\\ (your own namespace)\n  nshm list --global       # Global\\ only\n  nshm list --all --bytes  # both, exact sizes\n  nshm list --json | jq '.[] | select(.orphan)'"
    )]
    List(ListArgs),

    /// Show everything known about one object, with its holders' PIDs and commands.
    #[command(
        after_help = "Examples:\n  nshm info 'Global\\MyFileMappingObject'\n  nshm info Ready --json        # an event: shows whether it is set"
    )]
    Info(InfoArgs),

    /// Create a named mapping, optionally fill it, and optionally hold it open.
    ///
    /// The name dies with its last handle: without `--hold` (or another process
    /// holding it), it is gone again when nshm exits.
    #[command(
        after_help = "Examples:\n  nshm create Board --size 64K --text 'hello' --hold\n  nshm create 'Global\\Big' --size 1G --file image.bin --hold\n  echo hi | nshm create Board --size 4K   # contents from stdin (not with --hold)"
    )]
    Create(CreateArgs),

    /// Print bytes of a mapping: as text (default), a hex dump, or raw.
    #[command(
        after_help = "Examples:\n  nshm read Board                 # text up to the first NUL byte\n  nshm read Board --hex --len 64\n  nshm read Board --raw --offset 4K --len 1M > part.bin"
    )]
    Read(ReadArgs),

    /// Write bytes into a live mapping, from text, a file or standard input.
    #[command(
        after_help = "Examples:\n  nshm write Board --text 'Message from first process.'\n  nshm write Board --offset 4K --file data.bin   # progress on a terminal\n  date | nshm write Board"
    )]
    Write(WriteArgs),

    /// Remove a name now, like ipcrm: holders keep their memory, the name is free.
    #[command(
        visible_alias = "remove",
        after_help = "Examples:\n  nshm rm 'Global\\Stuck'          # asks for confirmation\n  nshm rm 'Global\\Stuck' --yes"
    )]
    Rm(RmArgs),

    /// Reclaim orphans (objects whose holders all died) and report what was freed.
    #[command(after_help = "Examples:\n  nshm reap --dry-run\n  nshm reap")]
    Reap(ReapArgs),

    /// Create, set, reset or wait for a named event.
    #[command(
        subcommand,
        after_help = "Examples:\n  nshm event create Ready --manual-reset --hold\n  nshm event wait Ready --timeout 10s\n  nshm event set Ready"
    )]
    Event(EventCommand),

    /// Create or lock a named mutex.
    #[command(
        subcommand,
        after_help = "Examples:\n  nshm mutex create Lock --hold\n  nshm mutex lock Lock --timeout 2s --hold"
    )]
    Mutex(MutexCommand),

    /// Create, release or wait on a named semaphore.
    #[command(
        subcommand,
        after_help = "Examples:\n  nshm sem create Slots --initial 0 --maximum 8 --hold\n  nshm sem release Slots --count 2\n  nshm sem wait Slots --timeout 5s"
    )]
    Sem(SemCommand),

    /// Let a group create `Global\` objects (as root): the machine-wide grant.
    ///
    /// Creating a `Global\` object needs a grant, as on Windows
    /// (SeCreateGlobalPrivilege); opening one needs only its mode. The grant
    /// is membership of a group that may create in the global directory
    /// `/dev/shm/named-shm.global`, which this command makes or fixes:
    /// root:GROUP, mode 1775 (sticky, group-writable; others open and list).
    /// An untrusted directory there (another user's, a symlink, a file,
    /// world-writable) is moved aside untouched. The default group
    /// `named-shm` is created if missing; a group given with --group must exist.
    #[command(
        name = "setup-global",
        after_help = "Examples:\n  sudo nshm setup-global                 # group named-shm (created if missing)\n  sudo nshm setup-global --group video   # an existing group\n  sudo usermod -aG named-shm alice        # then alice (after logging in again) may create Global\\ objects"
    )]
    SetupGlobal(SetupGlobalArgs),

    /// Show two real processes sharing memory by name, narrated: write, open, read, name gone.
    ///
    /// A first process creates `Global\MyFileMappingObject` (256 bytes) and
    /// writes "Message from first process."; a second process opens it by
    /// name and shows the message; both exit, and the name is gone. Creating
    /// in `Global\` needs a grant (`nshm setup-global`): without it the demo
    /// says so (ERROR_ACCESS_DENIED, 5, as on Windows) and uses
    /// `Local\MyFileMappingObject`, which needs none.
    #[command(after_help = "Examples:\n  nshm demo\n  cargo run --release -p named-shm-cli -- demo")]
    Demo(DemoArgs),

    /// Run a Windows program under Wine with named objects bridged into its prefix.
    ///
    /// Each --map NAME=SIZE is opened (or created) here and named inside the
    /// Wine prefix before the program starts: when the program creates or
    /// opens NAME (CreateFileMapping, OpenFileMapping), it gets the same
    /// memory that native programs open by name (nshm, the library, the C
    /// layer, Python), without a copy. The prefix counts as one holder while
    /// any of its programs holds the name; when the program and every native
    /// holder are gone, the name ends. Exits with the program's exit code
    /// (128+N if Wine was killed by signal N). Uses $WINE (default: `wine`
    /// on PATH) and honours WINEPREFIX.
    #[command(
        after_help = "Examples:\n  nshm wine --map 'Local\\acpmf_physics=4K' -- ~/games/ac/acs.exe\n  WINEPREFIX=~/.wine-sim nshm wine --map 'Local\\Telemetry=1M' -- 'C:\\Games\\sim.exe' -fullscreen\n  nshm read 'Local\\acpmf_physics' --hex --len 64    # from a native shell, while it runs"
    )]
    Wine(WineArgs),

    /// Steam launch option: run a game under Proton with named objects bridged into its prefix.
    ///
    /// Set a game's launch options to `nshm proton --game TITLE -- %command%`
    /// (or --map/--event as for `nshm wine`). Steam replaces %command% with
    /// the command it would run; nshm inserts its helper between Proton's
    /// verb (waitforexitandrun, run, runinprefix) and the game, leaving
    /// every wrapper around it as it is, so that the bridge's objects exist
    /// before the game starts. Exits with the game's exit code.
    #[command(
        after_help = "Examples (Steam: the game's Properties, Launch options):\n  /home/you/.cargo/bin/nshm proton --game iracing -- %command%\n  /home/you/.cargo/bin/nshm proton --map 'Local\\Telemetry=1M' -- %command%"
    )]
    Proton(ProtonArgs),

    /// Print a shell completion script.
    #[command(
        after_help = "Examples:\n  nshm completions bash > ~/.local/share/bash-completion/completions/nshm\n  nshm completions zsh > ~/.zfunc/_nshm\n  nshm completions fish > ~/.config/fish/completions/nshm.fish"
    )]
    Completions(CompletionsArgs),

    /// Print the man page, or write one per command into DIR.
    ///
    /// Without DIR, prints nshm(1) (`nshm man | man -l -`). With DIR, writes
    /// nshm.1 and a page for each command (nshm-list.1, nshm-event-create.1,
    /// ...) into DIR, creating it if needed, and lists the files written.
    #[command(
        hide = true,
        after_help = "Examples:\n  nshm man | man -l -\n  nshm man ~/.local/share/man/man1 && man nshm-create"
    )]
    Man(ManArgs),

    /// The demo's first process (internal).
    #[command(hide = true, name = "demo-first")]
    DemoFirst(DemoArgs),

    /// The demo's second process (internal).
    #[command(hide = true, name = "demo-second")]
    DemoSecond(DemoArgs),
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// List the machine-wide `Global\` namespace instead of your own.
    #[arg(long, conflicts_with = "all")]
    pub global: bool,
    /// List both namespaces.
    #[arg(long)]
    pub all: bool,
    /// Print JSON (an array of objects) instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Exact sizes in bytes instead of KiB/MiB/GiB.
    #[arg(long)]
    pub bytes: bool,
}

#[derive(Debug, Args)]
pub struct InfoArgs {
    /// The object's name: `X`, `Local\X` or `Global\X`.
    pub name: String,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// The mapping's name: `X`, `Local\X` or `Global\X`.
    pub name: String,
    /// Size in bytes; accepts 4096, 64K, 1M, 2G, 0x1000 (rounded up to whole pages).
    #[arg(long, short = 's', value_name = "SIZE", allow_hyphen_values = true)]
    pub size: String,
    /// Initial contents: this text, at offset 0.
    #[arg(long, conflicts_with = "file")]
    pub text: Option<String>,
    /// Initial contents: this file (`-` for standard input), at offset 0.
    #[arg(long, value_name = "PATH")]
    pub file: Option<std::path::PathBuf>,
    /// Keep the handle open, so the name stays alive, until Enter or a signal.
    ///
    /// Released by a line on standard input (Enter), or by SIGINT (Ctrl-C),
    /// SIGTERM or SIGHUP. With standard input at its end (`</dev/null`, a
    /// background job, a service manager) it holds until one of those signals.
    #[arg(long)]
    pub hold: bool,
    /// Permission bits in octal (default 600: only you).
    #[arg(long, value_name = "OCTAL")]
    pub mode: Option<String>,
}

#[derive(Debug, Args)]
pub struct ReadArgs {
    /// The mapping's name.
    pub name: String,
    /// Where to start, in bytes (accepts 4K etc.).
    #[arg(long, short = 'o', default_value = "0", allow_hyphen_values = true)]
    pub offset: String,
    /// How many bytes (default: to the end; for --text, up to the first NUL).
    #[arg(long, short = 'n', allow_hyphen_values = true)]
    pub len: Option<String>,
    /// Print as text, lossily decoded as UTF-8 (the default).
    #[arg(long, conflicts_with_all = ["hex", "raw"])]
    pub text: bool,
    /// Print a hex dump.
    #[arg(long, conflicts_with = "raw")]
    pub hex: bool,
    /// Write the exact bytes to standard output.
    #[arg(long)]
    pub raw: bool,
}

#[derive(Debug, Args)]
pub struct WriteArgs {
    /// The mapping's name (it must be live: held by some process).
    pub name: String,
    /// Where to start, in bytes (accepts 4K etc.).
    #[arg(long, short = 'o', default_value = "0", allow_hyphen_values = true)]
    pub offset: String,
    /// Write this text.
    #[arg(long, conflicts_with = "file")]
    pub text: Option<String>,
    /// Write this file (`-` for standard input). Without --text or --file,
    /// standard input is written.
    #[arg(long, value_name = "PATH")]
    pub file: Option<std::path::PathBuf>,
}

#[derive(Debug, Args)]
pub struct RmArgs {
    /// The object's name.
    pub name: String,
    /// Do not ask for confirmation.
    #[arg(long, short = 'y')]
    pub yes: bool,
}

#[derive(Debug, Args)]
pub struct ReapArgs {
    /// Only report what would be reclaimed.
    #[arg(long, short = 'n')]
    pub dry_run: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum EventCommand {
    /// Create a named event (auto-reset unless --manual-reset).
    #[command(after_help = "Examples:\n  nshm event create Ready --manual-reset --hold")]
    Create {
        /// The event's name.
        name: String,
        /// Stay set until reset, releasing every waiter (default: auto-reset,
        /// releasing one waiter and resetting).
        #[arg(long)]
        manual_reset: bool,
        /// Start in the set state.
        #[arg(long)]
        set: bool,
        /// Keep the handle open until Enter or a signal (SIGINT, SIGTERM, SIGHUP).
        ///
        /// With standard input at its end (`</dev/null`, a background job, a
        /// service manager) it holds until one of those signals.
        #[arg(long)]
        hold: bool,
    },
    /// Set (signal) the event: SetEvent.
    #[command(after_help = "Examples:\n  nshm event set 'Global\\Ready'")]
    Set {
        /// The event's name.
        name: String,
    },
    /// Reset the event: ResetEvent.
    #[command(after_help = "Examples:\n  nshm event reset 'Global\\Ready'")]
    Reset {
        /// The event's name.
        name: String,
    },
    /// Pulse the event: PulseEvent. Releases the processes waiting now (all
    /// of them for a manual-reset event, one for an auto-reset event) and
    /// leaves the event non-signalled.
    #[command(after_help = "Examples:\n  nshm event pulse 'Local\\IRSDKDataValidEvent'")]
    Pulse {
        /// The event's name.
        name: String,
    },
    /// Wait until the event is set (exit code 7 on timeout).
    #[command(after_help = "Examples:\n  nshm event wait Ready --timeout 500ms && echo ready")]
    Wait {
        /// The event's name.
        name: String,
        /// Give up after this long: 500ms, 2s, 1m (default: wait forever).
        #[arg(long, short = 't')]
        timeout: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum MutexCommand {
    /// Create a named mutex.
    #[command(
        after_help = "Examples:\n  nshm mutex create Lock --hold\n  nshm mutex create Lock --owned --hold"
    )]
    Create {
        /// The mutex's name.
        name: String,
        /// Lock it at creation (initial owner).
        #[arg(long)]
        owned: bool,
        /// Keep the handle open until Enter or a signal (SIGINT, SIGTERM, SIGHUP).
        ///
        /// With standard input at its end (`</dev/null`, a background job, a
        /// service manager) it holds until one of those signals.
        #[arg(long)]
        hold: bool,
    },
    /// Lock the mutex, then release it (or keep it with --hold).
    #[command(
        after_help = "Examples:\n  nshm mutex lock Lock --timeout 2s\n  nshm mutex lock Lock --hold   # until Enter, Ctrl-C, SIGTERM or SIGHUP"
    )]
    Lock {
        /// The mutex's name.
        name: String,
        /// Give up after this long: 500ms, 2s, 1m (default: wait forever).
        #[arg(long, short = 't')]
        timeout: Option<String>,
        /// Keep the lock until Enter or a signal (SIGINT, SIGTERM, SIGHUP).
        ///
        /// With standard input at its end (`</dev/null`, a background job, a
        /// service manager) it holds until one of those signals.
        #[arg(long)]
        hold: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum SemCommand {
    /// Create a named semaphore: CreateSemaphore.
    #[command(after_help = "Examples:\n  nshm sem create Slots --initial 0 --maximum 8 --hold")]
    Create {
        /// The semaphore's name.
        name: String,
        /// The count it starts with, from 0 to the maximum.
        #[arg(long, default_value_t = 0, allow_hyphen_values = true)]
        initial: i32,
        /// The largest count it may reach (at least 1).
        #[arg(long, allow_hyphen_values = true)]
        maximum: i32,
        /// Keep the handle open until Enter or a signal (SIGINT, SIGTERM, SIGHUP).
        ///
        /// With standard input at its end (`</dev/null`, a background job, a
        /// service manager) it holds until one of those signals.
        #[arg(long)]
        hold: bool,
    },
    /// Add to the count, waking as many waiters: ReleaseSemaphore.
    ///
    /// Prints the count before the release. A release that would pass the
    /// maximum changes nothing and fails (exit code 6, ERROR_TOO_MANY_POSTS).
    #[command(after_help = "Examples:\n  nshm sem release Slots\n  nshm sem release Slots --count 3")]
    Release {
        /// The semaphore's name.
        name: String,
        /// How much to add (at least 1).
        #[arg(long, short = 'c', default_value_t = 1, allow_hyphen_values = true)]
        count: i32,
    },
    /// Take one count, waiting while it is zero (exit code 7 on timeout).
    #[command(after_help = "Examples:\n  nshm sem wait Slots --timeout 500ms && echo took one")]
    Wait {
        /// The semaphore's name.
        name: String,
        /// Give up after this long: 500ms, 2s, 1m (default: wait forever).
        #[arg(long, short = 't')]
        timeout: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct SetupGlobalArgs {
    /// The group whose members may create `Global\` objects [default: named-shm, created if missing].
    #[arg(long, value_name = "NAME")]
    pub group: Option<String>,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// The mapping's name.
    #[arg(long, default_value = "Global\\MyFileMappingObject")]
    pub name: String,
}

#[derive(Debug, Args)]
pub struct WineArgs {
    /// A mapping to bridge: its name and the size the program maps (4096,
    /// 64K, 1M; at least what the program asks for). Repeatable.
    #[arg(long = "map", value_name = "NAME=SIZE")]
    pub maps: Vec<String>,
    /// A named event to bridge both ways: NAME, NAME=auto or NAME=manual
    /// (its type when it does not exist yet; default auto-reset; an existing
    /// native event keeps its own). Repeatable.
    #[arg(long = "event", value_name = "NAME[=TYPE]")]
    pub events: Vec<String>,
    /// Bridge the objects of a known title from the catalogue.
    #[arg(long, value_name = "TITLE")]
    pub game: Option<String>,
    /// For a program already running in the prefix (started by hand) that
    /// created a name before the bridge: mirror its memory into the object
    /// by copying every millisecond, one way (the program's writes reach
    /// native readers; not zero-copy). The program after `--` is then
    /// optional: without one, nshm runs while a mirrored name exists.
    #[arg(long)]
    pub attach: bool,
    /// The Windows program (a Linux path or a Windows path) and its arguments, after `--`.
    #[arg(last = true, required_unless_present = "attach", value_name = "PROGRAM")]
    pub program: Vec<std::ffi::OsString>,
}

#[derive(Debug, Args)]
pub struct ProtonArgs {
    /// A mapping to bridge: its name and the size the program maps. Repeatable.
    #[arg(long = "map", value_name = "NAME=SIZE")]
    pub maps: Vec<String>,
    /// A named event to bridge both ways: NAME, NAME=auto or NAME=manual. Repeatable.
    #[arg(long = "event", value_name = "NAME[=TYPE]")]
    pub events: Vec<String>,
    /// Bridge the objects of a known title from the catalogue.
    #[arg(long, value_name = "TITLE")]
    pub game: Option<String>,
    /// Steam's command line (`%command%`), after `--`.
    #[arg(last = true, required = true, value_name = "COMMAND")]
    pub command: Vec<std::ffi::OsString>,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// The directory to write the pages into (default: print nshm(1) to standard output).
    #[arg(value_name = "DIR")]
    pub dir: Option<std::path::PathBuf>,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    pub shell: clap_complete::Shell,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn verify_cli() {
        Cli::command().debug_assert();
    }
}
