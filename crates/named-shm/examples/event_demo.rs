//! The seed's two programs, without the race: the first process writes the
//! message into `Local\MyFileMappingObject` and then *signals a named event*;
//! the second waits on that event instead of hoping the first was quick, and
//! prints the message. The second then signals back that it is done, so the
//! first knows when it may close the mapping (instead of waiting for a key).
//! (The seed uses `Global\`, whose creation needs the grant that `sudo nshm
//! setup-global` gives, as Windows needs `SeCreateGlobalPrivilege`; `Local\`
//! works for any two processes of one user.)
//!
//! ```text
//! cargo run --example event_demo            # both, second started first
//! cargo run --example event_demo -- first   # in one terminal ...
//! cargo run --example event_demo -- second  # ... and in another, in any order
//! ```

use named_shm::{Access, Event, SharedMemory, WaitStatus};
use std::time::Duration;

const BUF_SIZE: u64 = 256;
const NAME: &str = "Local\\MyFileMappingObject";
const MSG: &str = "Message from first process.";
/// Set by the first process once the message is in place (manual-reset: it
/// stays set, so a second process that starts late sees it too).
const READY: &str = "Local\\MyFileMappingObjectReady";
/// Set by the second process once it has read the message.
const DONE: &str = "Local\\MyFileMappingObjectDone";
const PATIENCE: Duration = Duration::from_secs(60);

fn first() -> Result<(), named_shm::Error> {
    // Either process may come first, so both open-or-create the events.
    let ready = Event::options().manual_reset(true).open_or_create(READY)?;
    let done = Event::open_or_create(DONE)?;
    let map_file = SharedMemory::open_or_create(NAME, BUF_SIZE)?;
    let buf = map_file.map(0, BUF_SIZE as usize)?;
    buf.write_at(0, MSG.as_bytes())?;
    ready.set()?; // SetEvent: the message is there.
    println!("first: message written, event set; waiting for the second process");
    match done.wait(Some(PATIENCE))? {
        WaitStatus::Signaled => println!("first: the second process has read it"),
        _ => println!("first: nobody read it within {PATIENCE:?}"),
    }
    Ok(())
}

fn second() -> Result<(), named_shm::Error> {
    let ready = Event::options().manual_reset(true).open_or_create(READY)?;
    let done = Event::open_or_create(DONE)?;
    // WaitForSingleObject instead of racing the first process.
    if ready.wait(Some(PATIENCE))? != WaitStatus::Signaled {
        println!("second: no message within {PATIENCE:?}");
        return Ok(());
    }
    let map_file = SharedMemory::options().access(Access::Read).open(NAME)?;
    let view = map_file.map(0, BUF_SIZE as usize)?;
    let mut msg = vec![0u8; MSG.len()];
    view.read_at(0, &mut msg)?;
    println!("{}", String::from_utf8_lossy(&msg));
    done.set()?;
    Ok(())
}

fn main() {
    let role = std::env::args().nth(1);
    let r = match role.as_deref() {
        Some("first") => first(),
        Some("second") => second(),
        Some(other) => {
            eprintln!("usage: event_demo [first|second] (got {other:?})");
            std::process::exit(2);
        }
        None => {
            // Start the second process first: without the event it would
            // find no mapping, or an empty one.
            let exe = std::env::current_exe().expect("current_exe");
            let mut second = std::process::Command::new(exe)
                .arg("second")
                .spawn()
                .expect("spawn the second process");
            let r = first();
            let ok = second.wait().map(|s| s.success()).unwrap_or(false);
            if !ok {
                eprintln!("event_demo: the second process failed");
                std::process::exit(1);
            }
            r
        }
    };
    if let Err(e) = r {
        eprintln!("event_demo: {e} (Win32 error {})", e.win32_code());
        std::process::exit(1);
    }
}
