//! The seed end to end: a first process creates `Global\MyFileMappingObject`
//! and writes a message, a second process opens it by name and shows the
//! message, then both exit and the name is gone.
//!
//! Creating in `Global\` needs a grant (`nshm setup-global`); without it
//! the first process says so (error 5, as on Windows) and both use
//! `Local\MyFileMappingObject`.
//!
//! `cargo run --release --example demo`. Both processes are real child
//! processes (this program re-executed with a role argument).

mod seed;

use named_shm::{Access, Error, SharedMemory};
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

fn main() {
    match std::env::args().nth(1).as_deref() {
        Some("first") => std::process::exit(seed::first_process(|| {
            // Tell the demo we are ready, then wait for the "key" on stdin.
            println!("ready");
            let _ = std::io::stdout().flush();
            seed::getch();
        })),
        Some("second") => std::process::exit(seed::second_process()),
        _ => {}
    }
    if let Err(e) = run() {
        eprintln!("demo: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let me = std::env::current_exe()?;
    println!(
        "[demo] starting the first process: it creates {} ({} bytes) and writes {:?}",
        seed::NAME,
        seed::BUF_SIZE,
        seed::MSG
    );
    let mut first = Command::new(&me)
        .arg("first")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()?;
    let mut first_out = BufReader::new(first.stdout.take().ok_or("no stdout")?);
    // Lines before "ready" are the first process's own (e.g. that Global\
    // needs a grant and it uses Local\ instead).
    loop {
        let mut line = String::new();
        if first_out.read_line(&mut line)? == 0 {
            let status = first.wait()?;
            return Err(format!("the first process failed ({status})").into());
        }
        if line.trim() == "ready" {
            break;
        }
        println!("[first] {}", line.trim_end());
    }
    println!(
        "[demo] first process (pid {}) holds the object and waits for a key",
        first.id()
    );

    println!(
        "[demo] starting the second process: it opens {} by name",
        seed::NAME
    );
    let second = Command::new(&me).arg("second").output()?;
    for l in String::from_utf8_lossy(&second.stdout).lines() {
        println!("[second] {l}");
    }
    if !second.status.success() {
        return Err(format!("the second process failed: {}", second.status).into());
    }

    println!("[demo] pressing a key for the first process");
    first.stdin.take().ok_or("no stdin")?.write_all(b"\n")?;
    let status = first.wait()?;
    if !status.success() {
        return Err(format!("the first process failed: {status}").into());
    }
    println!("[demo] both processes have exited");
    for name in [seed::NAME, seed::LOCAL_NAME] {
        match SharedMemory::options().access(Access::Read).open(name) {
            // Without a global directory, `Global\` answers 5 to everyone
            // but root: nothing can be there.
            Err(Error::NotFound { .. }) | Err(Error::PermissionDenied { .. }) => {}
            Ok(_) => return Err(format!("{name} is still open after both processes exited").into()),
            Err(e) => return Err(e.into()),
        }
    }
    println!("[demo] the mapping is gone: its last handle closed");
    Ok(())
}
