//! The seed's second process: opens `Global\MyFileMappingObject` by name and
//! shows the message the first process wrote.

mod seed;

fn main() {
    std::process::exit(seed::second_process());
}
