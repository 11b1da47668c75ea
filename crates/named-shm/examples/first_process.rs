//! The seed's first process: creates `Global\MyFileMappingObject` (256 bytes),
//! writes "Message from first process." and waits for a key. Creating in
//! `Global\` needs a grant (`nshm setup-global`, as SeCreateGlobalPrivilege
//! on Windows): without it, it prints the Windows error (5), says so, and
//! uses `Local\MyFileMappingObject` instead.
//!
//! Run it in one terminal, then `second_process` in another:
//! `cargo run --example first_process` / `cargo run --example second_process`.

mod seed;

fn main() {
    std::process::exit(seed::first_process(seed::getch));
}
