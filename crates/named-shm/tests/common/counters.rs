//! A small named mapping of counters shared by a test and its children.

use named_shm::{SharedMemory, View};
use std::sync::atomic::{AtomicU64, Ordering};

/// 512 `u64` counters in a named mapping, made by the parent and opened by
/// its children by name.
pub struct Counters {
    pub shm: SharedMemory,
    pub view: View,
}

impl Counters {
    pub fn create(name: &str) -> Counters {
        let shm = SharedMemory::create(name, 4096).expect("create counters");
        let view = shm.map(0, 0).expect("map counters");
        Counters { shm, view }
    }

    pub fn open(name: &str) -> Counters {
        let shm = SharedMemory::open(name).expect("open counters");
        let view = shm.map(0, 0).expect("map counters");
        Counters { shm, view }
    }

    pub fn at(&self, i: usize) -> &AtomicU64 {
        self.view.atomic_u64(i * 8).expect("in range")
    }

    pub fn get(&self, i: usize) -> u64 {
        self.at(i).load(Ordering::SeqCst)
    }

    pub fn inc(&self, i: usize) -> u64 {
        self.at(i).fetch_add(1, Ordering::SeqCst) + 1
    }
}
