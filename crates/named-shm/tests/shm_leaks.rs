//! Leak check: many create/map/close cycles leave descriptors, mappings and
//! the namespace directory as they were. Runs in a child process so that
//! tests running in parallel threads cannot disturb the counts.

// Linux mechanisms only (uids, umask, namespace directories, /proc): on
// Windows the same guarantees are the kernel's and DACLs'.
#![cfg(unix)]

mod common;

use common::*;
use named_shm::{Access, SharedMemory};

fn fd_count() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

fn map_count() -> usize {
    std::fs::read_to_string("/proc/self/maps")
        .unwrap()
        .lines()
        .count()
}

#[test]
fn child() {
    let Some((role, args)) = role() else { return };
    assert_eq!(role, "cycles");
    let n: usize = args[0].parse().unwrap();
    let name = unique_name("leak");
    let ns_before = ns_entries(false)
        .iter()
        .filter(|e| e.starts_with("t-leak"))
        .count();
    // Warm up lazily initialised state (directory cache, allocator).
    drop(SharedMemory::create(&name, 4096).unwrap());
    let (fds, maps) = (fd_count(), map_count());
    for i in 0..n {
        let sut = SharedMemory::create(&name, 4096).unwrap();
        let v = sut.map(0, 0).unwrap();
        v.write_at(0, &i.to_le_bytes()).unwrap();
        let reader = SharedMemory::options().access(Access::Read).open(&name).unwrap();
        let rv = reader.map(0, 0).unwrap();
        assert_eq!(rv.read::<usize>(0).unwrap(), i);
        drop((sut, v, reader, rv));
    }
    let ns_after = ns_entries(false)
        .iter()
        .filter(|e| e.starts_with("t-leak"))
        .count();
    say(format!(
        "fds {fds} {} maps {maps} {} ns {ns_before} {ns_after}",
        fd_count(),
        map_count()
    ));
    exit_child(0);
}

#[test]
fn ten_thousand_cycles_leave_descriptors_mappings_and_directory_as_they_were() {
    let mut p = spawn("child", "cycles", &["10000"]);
    let line = p.expect_line(std::time::Duration::from_secs(120));
    p.success(T);
    let v: Vec<&str> = line.split(' ').collect();
    assert_eq!(v[1], v[2], "descriptors: {line}");
    assert_eq!(v[4], v[5], "mappings: {line}");
    assert!(v[8] <= v[7], "namespace entries: {line}");
    eprintln!("after 10,000 cycles: {line}");
}
