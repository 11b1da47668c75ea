//! `nshm`: see and manage named objects (placeholder until the CLI lands).

fn main() {
    eprintln!("nshm: not implemented yet");
    std::process::exit(2);
}
