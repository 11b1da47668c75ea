//! The seed end to end: a first process creates `Global\MyFileMappingObject`
//! and writes a message, a second process opens it by name and shows the
//! message, then both exit and the name is gone.
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
    let mut line = String::new();
    first_out.read_line(&mut line)?;
    if line.trim() != "ready" {
        let status = first.wait()?;
        return Err(format!("the first process failed ({status}): {}", line.trim()).into());
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
    match SharedMemory::open(seed::NAME, Access::Read) {
        Err(Error::NotFound { .. }) => {
            println!("[demo] {} is gone: its last handle closed", seed::NAME);
            Ok(())
        }
        Ok(_) => Err(format!("{} is still open after both processes exited", seed::NAME).into()),
        Err(e) => Err(e.into()),
    }
}
