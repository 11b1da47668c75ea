//! The seed's two programs ("Creating Named Shared Memory"), shared by
//! `first_process`, `second_process` and `demo`.

// Each example uses a part of this module.
#![allow(dead_code)]

use named_shm::SharedMemory;
use std::io::Read;

/// `#define BUF_SIZE 256`
pub const BUF_SIZE: u64 = 256;
/// `TCHAR szName[]=TEXT("Global\\MyFileMappingObject");`
pub const NAME: &str = "Global\\MyFileMappingObject";
/// The name used instead when this user may not create in `Global\`.
pub const LOCAL_NAME: &str = "Local\\MyFileMappingObject";
/// What a user without the grant is told (Windows answers 5 too).
pub const GLOBAL_NEEDS_GRANT: &str = "Creating a `Global\\` object needs a grant, as on Windows \
(SeCreateGlobalPrivilege): an administrator runs `sudo nshm setup-global` and adds you to its \
group (`sudo usermod -aG named-shm $USER`, then log in again). `Local\\` names need no grant.";
/// `TCHAR szMsg[]=TEXT("Message from first process.");`
pub const MSG: &str = "Message from first process.";

/// The first process: `CreateFileMapping`, `MapViewOfFile`, `CopyMemory`,
/// wait for a key, `UnmapViewOfFile`, `CloseHandle`. Returns the exit code.
/// Without the `Global\` grant (error 5, as on Windows) it says so and uses
/// [`LOCAL_NAME`] instead.
pub fn first_process(wait_for_key: impl FnOnce()) -> i32 {
    let map_file = match SharedMemory::open_or_create(NAME, BUF_SIZE) {
        Ok(h) => h,
        Err(e) if e.win32_code() == 5 => {
            println!("Could not create file mapping object ({}).", e.win32_code());
            println!("{GLOBAL_NEEDS_GRANT}");
            println!("Using {LOCAL_NAME} instead.");
            match SharedMemory::open_or_create(LOCAL_NAME, BUF_SIZE) {
                Ok(h) => h,
                Err(e) => {
                    println!("Could not create file mapping object ({}).", e.win32_code());
                    eprintln!("first_process: {e}");
                    return 1;
                }
            }
        }
        Err(e) => {
            println!("Could not create file mapping object ({}).", e.win32_code());
            eprintln!("first_process: {e}");
            return 1;
        }
    };
    let buf = match map_file.map(0, BUF_SIZE as usize) {
        Ok(v) => v,
        Err(e) => {
            println!("Could not map view of file ({}).", e.win32_code());
            eprintln!("first_process: {e}");
            return 1;
        }
    };
    if let Err(e) = buf.write_at(0, MSG.as_bytes()) {
        eprintln!("first_process: {e}");
        return 1;
    }
    wait_for_key();
    drop(buf);
    drop(map_file);
    0
}

/// The second process: `OpenFileMapping`, `MapViewOfFile`, show the message
/// (`MessageBox` becomes one line, `caption: text`, on standard output).
/// If `Global\` has no such object, [`LOCAL_NAME`] (where a first process
/// without the grant put it) is tried, and said so.
pub fn second_process() -> i32 {
    let map_file = match SharedMemory::open(NAME) {
        Ok(h) => h,
        Err(e) => match SharedMemory::open(LOCAL_NAME) {
            Ok(h) => {
                println!("{NAME} is not there ({}); opened {LOCAL_NAME}, which the first process uses without the Global\\ grant.", e.win32_code());
                h
            }
            Err(_) => {
                println!("Could not open file mapping object ({}).", e.win32_code());
                eprintln!("second_process: {e}");
                return 1;
            }
        },
    };
    let buf = match map_file.map(0, BUF_SIZE as usize) {
        Ok(v) => v,
        Err(e) => {
            println!("Could not map view of file ({}).", e.win32_code());
            eprintln!("second_process: {e}");
            return 1;
        }
    };
    let mut bytes = [0u8; BUF_SIZE as usize];
    if let Err(e) = buf.read_at(0, &mut bytes) {
        eprintln!("second_process: {e}");
        return 1;
    }
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    println!("Process2: {}", String::from_utf8_lossy(&bytes[..end]));
    0
}

/// `_getch()`: one key without echo from a terminal; one byte from a pipe or
/// file; returns at once at end of input.
#[allow(dead_code)]
pub fn getch() {
    #[cfg(unix)]
    {
        // SAFETY: isatty only inspects the descriptor.
        if unsafe { libc::isatty(0) } == 1 {
            // SAFETY: termios is plain data; tcgetattr fills it for fd 0.
            let mut old: libc::termios = unsafe { std::mem::zeroed() };
            // SAFETY: fd 0 is a terminal and `old` a valid out-pointer.
            if unsafe { libc::tcgetattr(0, &mut old) } == 0 {
                let mut raw = old;
                raw.c_lflag &= !(libc::ICANON | libc::ECHO);
                raw.c_cc[libc::VMIN] = 1;
                raw.c_cc[libc::VTIME] = 0;
                // SAFETY: `raw` is a valid termios derived from the current one.
                unsafe { libc::tcsetattr(0, libc::TCSANOW, &raw) };
                let mut b = [0u8; 1];
                let _ = std::io::stdin().read(&mut b);
                // SAFETY: restores the settings read above.
                unsafe { libc::tcsetattr(0, libc::TCSANOW, &old) };
                return;
            }
        }
    }
    let mut b = [0u8; 1];
    let _ = std::io::stdin().read(&mut b);
}
