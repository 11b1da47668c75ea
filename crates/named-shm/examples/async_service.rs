//! A tokio service that waits for "data ready" on a named event without a
//! thread of its own (`Event::wait_async`), while other tasks keep running.
//! The data comes from a C program built with `scripts/wincc`,
//! `crates/named-shm-win32/examples/async_producer.c`, which writes a reading
//! into the named mapping `Local\NamedShmAsyncExample`, sets the auto-reset
//! event `…ready` and waits for our `…ack`; the reading `quit` ends both.
//! An argument replaces the names' base (give both programs the same).
//!
//! ```text
//! cargo run -p named-shm --example async_service &
//! scripts/wincc crates/named-shm-win32/examples/async_producer.c -o /tmp/async_producer
//! /tmp/async_producer
//! ```

use named_shm::{Event, SharedMemory, WaitStatus};
use std::time::Duration;

const BASE: &str = "Local\\NamedShmAsyncExample";
const BUF_SIZE: u64 = 256;
const PATIENCE: Duration = Duration::from_secs(60);

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), named_shm::Error> {
    let base = std::env::args().nth(1).unwrap_or_else(|| BASE.to_owned());
    let (ready_name, ack_name) = (format!("{base}.ready"), format!("{base}.ack"));
    // Either side may start first: open-or-create, as CreateEvent does.
    let map = SharedMemory::open_or_create(&base, BUF_SIZE)?;
    let view = map.map(0, BUF_SIZE as usize)?;
    let ready = Event::open_or_create(&ready_name)?;
    let ack = Event::open_or_create(&ack_name)?;

    // Other work of the service goes on while it waits.
    let heartbeat = tokio::spawn(async {
        let mut beats = 0u64;
        loop {
            tokio::time::sleep(Duration::from_millis(250)).await;
            beats += 1;
            if beats % 4 == 0 {
                println!("service: still serving ({} s)", beats / 4);
            }
        }
    });

    println!("service: waiting for readings on {ready_name}");
    let mut received = 0;
    loop {
        match ready.wait_async(Some(PATIENCE)).await? {
            WaitStatus::Signaled => {}
            _ => {
                println!("service: no reading within {PATIENCE:?}; stopping");
                break;
            }
        }
        let mut buf = [0u8; BUF_SIZE as usize];
        view.read_at(0, &mut buf)?;
        let len = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
        let text = String::from_utf8_lossy(&buf[..len]).into_owned();
        ack.set()?;
        if text == "quit" {
            println!("service: the producer is done after {received} readings");
            break;
        }
        received += 1;
        println!("service: {text}");
    }
    heartbeat.abort();
    Ok(())
}
