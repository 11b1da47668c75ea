//! The seed's second process: opens `Global\MyFileMappingObject` by name and
//! shows the message the first process wrote (or `Local\MyFileMappingObject`,
//! where a first process without the `Global\` grant puts it).

mod seed;

fn main() {
    std::process::exit(seed::second_process());
}
