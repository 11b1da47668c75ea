//! `nshm demo`: the Windows sample "Creating Named Shared Memory" end to end,
//! with two real processes (this binary, re-run as the hidden `demo-first`
//! and `demo-second` subcommands), narrated.

use crate::cli::DemoArgs;
use crate::exit_codes::{fail, ExitCode};
use crate::format;
use anyhow::{Context, Result};
use named_shm::{admin, Access, SharedMemory};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// `#define BUF_SIZE 256`
const BUF_SIZE: usize = 256;
/// `TCHAR szMsg[]=TEXT("Message from first process.");`
const MSG: &str = "Message from first process.";
/// The first process prints this (not relayed) once the message is written.
const READY: &str = "\u{1}ready";
/// How long any step may take before the demo gives up.
const STEP_TIMEOUT: Duration = Duration::from_secs(20);

fn say(who: &str, line: &str) {
    // A closed stdout only silences the narration; the demo itself goes on.
    let _ = outln!(" {who:<19} {line}");
}

/// Spawns `nshm <role> --name NAME`, relaying its output lines with a prefix.
/// Returns the child and a channel that receives `()` on the ready marker
/// and is closed when the child's output ends.
fn spawn(role: &str, label: &str, name: &str, stdin: Stdio) -> Result<(Child, mpsc::Receiver<()>)> {
    let exe = std::env::current_exe().context("cannot find the nshm executable")?;
    let mut child = Command::new(exe)
        .args([role, "--name", name])
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .with_context(|| format!("cannot start the {label} process"))?;
    let out = child.stdout.take().expect("stdout is piped");
    let who = format!("{label:<6} [pid {}]", child.id());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if line == READY {
                let _ = tx.send(());
            } else {
                say(&who, &line);
            }
        }
    });
    Ok((child, rx))
}

/// Waits for the child to exit, killing it after [`STEP_TIMEOUT`].
fn finish(mut child: Child, label: &str) -> Result<()> {
    let deadline = Instant::now() + STEP_TIMEOUT;
    loop {
        if let Some(status) = child.try_wait()? {
            return if status.success() {
                Ok(())
            } else {
                Err(fail(
                    ExitCode::Failure,
                    format!("the {label} process failed ({status})"),
                ))
            };
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(fail(
                ExitCode::Timeout,
                format!("the {label} process did not exit in time"),
            ));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Whether this user may create `name`: a `Global\` name needs the grant
/// (`nshm setup-global`). Probed by creating it, which is closed at once.
fn may_create(name: &str) -> Result<bool> {
    match SharedMemory::create(name, BUF_SIZE as u64) {
        Ok(probe) => {
            drop(probe);
            Ok(true)
        }
        Err(e @ named_shm::Error::PermissionDenied { .. }) => {
            say(
                "demo",
                &format!(
                    "CreateFileMapping(\"{name}\") fails with ERROR_ACCESS_DENIED ({}), as on Windows",
                    e.win32_code()
                ),
            );
            Ok(false)
        }
        Err(e) => Err(e).with_context(|| format!("cannot create `{name}`")),
    }
}

pub fn run(a: DemoArgs) -> Result<()> {
    let parsed = named_shm::ObjectName::parse(&a.name)?;
    let local_name;
    let mut name = a.name.as_str();
    if admin::info(name).is_ok() {
        return Err(fail(
            ExitCode::AlreadyExists,
            format!("`{name}` is already live (is another demo running?); try again when it is gone, or pass --name"),
        ));
    }
    outln!("nshm demo: Windows named shared memory, on Linux\n")?;
    if parsed.namespace() == named_shm::Namespace::Global && !may_create(name)? {
        local_name = format!("Local\\{}", parsed.base());
        outln!("\nCreating a `Global\\` object needs a grant, like SeCreateGlobalPrivilege on")?;
        outln!("Windows, which you do not have: an administrator runs `sudo nshm setup-global`")?;
        outln!("and adds you to its group (`sudo usermod -aG named-shm $USER`, then log in")?;
        outln!("again). `Local\\` names need no grant: this demo uses `{local_name}`.\n")?;
        name = local_name.as_str();
    }
    if admin::info(name).is_ok() {
        return Err(fail(
            ExitCode::AlreadyExists,
            format!("`{name}` is already live (is another demo running?); try again when it is gone, or pass --name"),
        ));
    }
    outln!("The Windows sample \"Creating Named Shared Memory\" with two real processes:")?;
    outln!("the first creates a named mapping and writes a message, the second opens it")?;
    outln!("by name and shows it. The name lives exactly as long as a handle is open.\n")?;

    let (first, ready) = spawn("demo-first", "first", name, Stdio::piped())?;
    let mut first = first;
    if ready.recv_timeout(STEP_TIMEOUT).is_err() {
        let _ = first.kill();
        finish(first, "first")?;
        return Err(fail(
            ExitCode::Failure,
            "the first process stopped before writing its message",
        ));
    }

    let info = admin::info(name)?;
    let pids: Vec<String> = admin::holders(&info)
        .iter()
        .map(|h| format!("pid {} {}", h.pid, h.command))
        .collect();
    say(
        "nshm list",
        &format!(
            "{}  {}  {}  {} holder ({})",
            info.name,
            info.kind,
            format::human_size(info.size),
            info.holders,
            pids.join(", ")
        ),
    );

    let (second, _) = spawn("demo-second", "second", name, Stdio::null())?;
    finish(second, "second")?;

    say("demo", "presses a key for the first process");
    if let Some(mut stdin) = first.stdin.take() {
        // A closed pipe also releases the first process.
        let _ = stdin.write_all(b"\n");
    }
    finish(first, "first")?;

    match SharedMemory::options().access(Access::Read).open(name) {
        Err(e @ named_shm::Error::NotFound { .. }) => say(
            "check",
            &format!(
                "OpenFileMapping(\"{name}\") fails: not found (ERROR_FILE_NOT_FOUND, {})",
                e.win32_code()
            ),
        ),
        Ok(_) => {
            return Err(fail(
                ExitCode::Failure,
                format!("`{name}` outlived its last handle: it can still be opened"),
            ))
        }
        Err(e) => return Err(e).context("checking that the name is gone"),
    }
    if info.path.exists() {
        return Err(fail(
            ExitCode::Failure,
            format!(
                "{} is still there after the last handle closed",
                info.path.display()
            ),
        ));
    }
    say("ls", &format!("{}: gone", info.path.display()));
    outln!("\n✓ Both processes exited and `{name}` is gone: it lived exactly as long as a handle was open.")?;
    Ok(())
}

/// The first process: `CreateFileMapping`, `MapViewOfFile`, `CopyMemory`,
/// wait for a key, `UnmapViewOfFile`, `CloseHandle`.
pub fn first(a: DemoArgs) -> Result<()> {
    let shm = SharedMemory::create(&a.name, BUF_SIZE as u64)?;
    outln!(
        "CreateFileMapping(\"{}\", {BUF_SIZE}): created ({}: whole pages)",
        a.name,
        format::human_size(shm.size())
    )?;
    let view = shm.map(0, BUF_SIZE)?;
    view.write_at(0, MSG.as_bytes())?;
    outln!("MapViewOfFile + CopyMemory: wrote \"{MSG}\"")?;
    outln!("keeps its handle open and waits for a key")?;
    outln!("{READY}")?;
    std::io::stdout().flush()?;
    let mut line = String::new();
    // Any outcome (a line, end of input, an error) is the key press.
    let _ = std::io::stdin().read_line(&mut line);
    drop(view);
    drop(shm);
    outln!("UnmapViewOfFile + CloseHandle, exits")?;
    Ok(())
}

/// The second process: `OpenFileMapping`, `MapViewOfFile`, show the message.
pub fn second(a: DemoArgs) -> Result<()> {
    let shm = SharedMemory::options().access(Access::Read).open(&a.name)?;
    outln!("OpenFileMapping(\"{}\"): opened by name", a.name)?;
    let view = shm.map(0, BUF_SIZE)?;
    let mut buf = [0u8; BUF_SIZE];
    view.read_at(0, &mut buf)?;
    let end = buf.iter().position(|&b| b == 0).unwrap_or(BUF_SIZE);
    outln!("MessageBox: \"{}\"", String::from_utf8_lossy(&buf[..end]))?;
    if let Ok(info) = admin::info(&a.name) {
        let pids: Vec<String> = admin::holders(&info).iter().map(|h| h.pid.to_string()).collect();
        outln!("{} handles open now (pids {})", info.holders, pids.join(", "))?;
    }
    drop(view);
    drop(shm);
    outln!("UnmapViewOfFile + CloseHandle, exits")?;
    Ok(())
}
