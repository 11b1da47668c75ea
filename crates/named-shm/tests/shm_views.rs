//! Views: offsets, lengths, access, copy-on-write, atomics and typed access.

mod common;

use common::*;
use named_shm::{Access, Error, SharedMemory, ShmOptions, ViewAccess, ALLOCATION_GRANULARITY};
use proptest::prelude::*;

#[test]
fn view_offsets_must_be_multiples_of_64k() {
    let name = unique_name("gran");
    let sut = SharedMemory::create(&name, 4 * ALLOCATION_GRANULARITY).unwrap();
    for off in [1, 0x1000, 0x8000] {
        let e = sut.map(off, 0).unwrap_err();
        assert!(matches!(e, Error::MisalignedOffset { .. }), "{off:#x}: {e}");
        assert_eq!(e.win32_code(), 1132);
    }
    let v = sut.map(ALLOCATION_GRANULARITY, 0).unwrap();
    assert_eq!(
        v.len() as u64,
        3 * ALLOCATION_GRANULARITY,
        "len 0 maps to the end"
    );
}

#[test]
fn views_never_reach_past_the_end() {
    let name = unique_name("range");
    let sut = SharedMemory::create(&name, 2 * ALLOCATION_GRANULARITY).unwrap();
    let e = sut.map(0, 2 * ALLOCATION_GRANULARITY as usize + 1).unwrap_err();
    assert!(matches!(e, Error::OutOfRange { .. }));
    assert_eq!(
        e.win32_code(),
        5,
        "view larger than the section: ERROR_ACCESS_DENIED"
    );
    let e = sut.map(2 * ALLOCATION_GRANULARITY, 0).unwrap_err();
    assert_eq!(e.win32_code(), 87, "offset at the end: ERROR_INVALID_PARAMETER");
    let v = sut.map(0, 100).unwrap();
    assert_eq!(v.len(), 100);
    assert!(v.write_at(99, b"x").is_ok());
    assert!(matches!(v.write_at(100, b"x"), Err(Error::OutOfRange { .. })));
    assert!(matches!(
        v.read_at(usize::MAX, &mut [0u8; 2]),
        Err(Error::OutOfRange { .. })
    ));
}

#[test]
fn a_read_only_handle_cannot_map_a_writable_view() {
    let name = unique_name("ro");
    let _owner = SharedMemory::create(&name, 4096).unwrap();
    let sut = SharedMemory::options().access(Access::Read).open(&name).unwrap();
    let e = sut.map_with(ViewAccess::ReadWrite, 0, 0).unwrap_err();
    assert!(matches!(e, Error::PermissionDenied { .. }));
    assert_eq!(e.win32_code(), 5);
    let v = sut.map(0, 0).unwrap();
    assert_eq!(v.access(), ViewAccess::Read);
    assert!(v.as_mut_ptr().is_none());
    assert!(matches!(v.write_at(0, b"x"), Err(Error::PermissionDenied { .. })));
    assert!(v.atomic_u32(0).is_err());
}

#[test]
#[cfg_attr(
    windows,
    ignore = "Wine 8 maps a writable view of a PAGE_READONLY section through a writable handle; Windows refuses it with 87"
)]
fn a_mapping_created_read_only_has_no_writable_views_through_any_handle() {
    let name = unique_name("rosection");
    let creator = ShmOptions::new()
        .access(Access::Read)
        .create(&name, 4096)
        .unwrap();
    assert!(!creator.section_writable());
    let rw = SharedMemory::open(&name).unwrap();
    let e = rw.map_with(ViewAccess::ReadWrite, 0, 0).unwrap_err();
    assert!(matches!(e, Error::InvalidArgument { .. }), "{e}");
    assert_eq!(
        e.win32_code(),
        87,
        "handle has the access, the section does not: 87"
    );
    let cow = rw.map_with(ViewAccess::CopyOnWrite, 0, 0).unwrap();
    cow.write_at(0, b"private").unwrap();
    let mut b = [1u8; 7];
    creator.map(0, 0).unwrap().read_at(0, &mut b).unwrap();
    assert_eq!(b, [0u8; 7]);
}

#[test]
fn copy_on_write_views_keep_their_writes_private() {
    let name = unique_name("cow");
    let owner = SharedMemory::create(&name, 4096).unwrap();
    let shared = owner.map(0, 0).unwrap();
    shared.write_at(0, b"shared").unwrap();
    // Copy-on-write needs only read access on the handle, as on Windows.
    let reader = SharedMemory::options().access(Access::Read).open(&name).unwrap();
    let cow = reader.map_with(ViewAccess::CopyOnWrite, 0, 0).unwrap();
    cow.write_at(0, b"PRIVAT").unwrap();
    let mut b = [0u8; 6];
    shared.read_at(0, &mut b).unwrap();
    assert_eq!(&b, b"shared");
    cow.read_at(0, &mut b).unwrap();
    assert_eq!(&b, b"PRIVAT");
}

#[test]
fn views_of_one_object_are_coherent() {
    let name = unique_name("coherent");
    let a = SharedMemory::create(&name, 2 * ALLOCATION_GRANULARITY).unwrap();
    let b = SharedMemory::open(&name).unwrap();
    let va = a.map(0, 0).unwrap();
    let vb = b.map(ALLOCATION_GRANULARITY, 0).unwrap();
    va.write_at(ALLOCATION_GRANULARITY as usize + 8, b"abc").unwrap();
    let mut buf = [0u8; 3];
    vb.read_at(8, &mut buf).unwrap();
    assert_eq!(&buf, b"abc");
}

#[test]
fn atomics_and_pod_values_are_shared_between_views() {
    let name = unique_name("atomic");
    let a = SharedMemory::create(&name, 4096).unwrap();
    let va = a.map(0, 0).unwrap();
    let vb = SharedMemory::open(&name).unwrap().map(0, 0).unwrap();
    va.atomic_u64(8)
        .unwrap()
        .fetch_add(5, std::sync::atomic::Ordering::SeqCst);
    assert_eq!(
        vb.atomic_u64(8)
            .unwrap()
            .load(std::sync::atomic::Ordering::SeqCst),
        5
    );
    assert!(va.atomic_u32(2).is_err(), "misaligned atomics are refused");
    assert!(va.atomic_u64(4096).is_err(), "out of range atomics are refused");
    va.write::<[u32; 3]>(101, &[1, 2, 3]).unwrap();
    assert_eq!(vb.read::<[u32; 3]>(101).unwrap(), [1, 2, 3]);
}

#[test]
fn read_only_views_load_flags_and_counters_that_a_writer_stores() {
    use std::sync::atomic::Ordering;
    let name = unique_name("load");
    let shm = SharedMemory::create(&name, 4096).unwrap(); // keeps the name alive
    let w = shm.map(0, 0).unwrap();
    let r = SharedMemory::options()
        .access(Access::Read)
        .open(&name)
        .unwrap()
        .map(0, 0)
        .unwrap();
    assert_eq!(r.access(), ViewAccess::Read);
    assert!(matches!(r.atomic_u32(0), Err(Error::PermissionDenied { .. })));
    w.atomic_u32(4).unwrap().store(7, Ordering::Release);
    w.atomic_u64(8).unwrap().store(u64::MAX - 1, Ordering::Release);
    for order in [Ordering::Relaxed, Ordering::Acquire, Ordering::SeqCst] {
        assert_eq!(r.load_u32(4, order).unwrap(), 7);
        assert_eq!(r.load_u64(8, order).unwrap(), u64::MAX - 1);
        assert_eq!(w.load_u32(4, order).unwrap(), 7, "writable views load too");
    }
    // A writer in another thread, a reader spinning on the flag.
    let writer = std::thread::spawn(move || {
        w.write_at(64, b"payload").unwrap();
        w.atomic_u32(0).unwrap().store(1, Ordering::Release);
    });
    while r.load_u32(0, Ordering::Acquire).unwrap() == 0 {
        std::hint::spin_loop();
    }
    let mut got = [0u8; 7];
    r.read_at(64, &mut got).unwrap();
    assert_eq!(&got, b"payload");
    writer.join().unwrap();
    for order in [Ordering::Release, Ordering::AcqRel] {
        let e = r.load_u32(0, order).unwrap_err();
        assert!(matches!(e, Error::InvalidArgument { .. }), "{order:?}: {e}");
    }
    assert!(matches!(
        r.load_u32(2, Ordering::Relaxed),
        Err(Error::InvalidArgument { .. })
    ));
    assert!(matches!(
        r.load_u64(4, Ordering::Relaxed),
        Err(Error::InvalidArgument { .. })
    ));
    assert!(matches!(
        r.load_u32(4094, Ordering::Relaxed),
        Err(Error::OutOfRange { .. })
    ));
    assert!(matches!(
        r.load_u64(usize::MAX - 3, Ordering::Relaxed),
        Err(Error::OutOfRange { .. })
    ));
}

/// Sharing a view between threads is part of the API: it stays `Send + Sync`
/// (the copies below are what make that sound).
#[test]
fn a_view_can_be_shared_between_threads() {
    fn shareable<T: Send + Sync>() {}
    shareable::<named_shm::View>();
}

/// Threads of one process copy into and out of the same bytes at once: four
/// writers (`write_at`, `fill`, `write::<u64>`) through one view shared by
/// threads and through a second view of the object, readers (`read_at`,
/// `read::<u64>`) through a third, read-only view. Lengths straddle every path
/// of the copy routines (bytes, words, bulk). With the old plain `memcpy` this
/// was a data race (undefined behaviour, even when the bytes came out right);
/// the copies are now relaxed atomic accesses, so the test checks what the
/// contract promises: every byte read is one that some thread wrote (torn
/// between writers, never garbage), and once the threads are done the views
/// agree exactly.
#[test]
fn threads_copying_through_views_of_one_object_at_once_see_only_written_bytes() {
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    const SIZE: usize = 256 * 1024;
    const ITERS: usize = 1500;
    const LENGTHS: [usize; 12] = [1, 3, 7, 8, 9, 63, 64, 127, 128, 129, 4096, 40_000];
    let name = unique_name("race");
    let shm = SharedMemory::create(&name, SIZE as u64).unwrap();
    let shared = shm.map(0, 0).unwrap();
    let second = SharedMemory::open(&name).unwrap().map(0, 0).unwrap();
    let read_only = SharedMemory::options()
        .access(Access::Read)
        .open(&name)
        .unwrap()
        .map(0, 0)
        .unwrap();
    // Every byte any writer stores is 0xA0..=0xA7 (or the initial 0).
    let valid = |b: u8| b == 0 || (0xA0..=0xA7).contains(&b);
    let done = AtomicBool::new(false);
    let reads = AtomicU64::new(0);
    std::thread::scope(|s| {
        let mut writers = Vec::new();
        for t in 0..4usize {
            let view = if t % 2 == 0 { &shared } else { &second };
            writers.push(s.spawn(move || {
                let mut data = vec![0u8; 40_000];
                for i in 0..ITERS {
                    let byte = 0xA0 + (2 * t + i % 2) as u8;
                    let len = LENGTHS[(i + t) % LENGTHS.len()];
                    let off = (i * 4099 + t * 977 + t) % (SIZE - len);
                    match i % 3 {
                        0 => view.fill(off, len, byte).unwrap(),
                        1 => {
                            data[..len].fill(byte);
                            view.write_at(off, &data[..len]).unwrap();
                        }
                        _ => view
                            .write::<u64>(off.min(SIZE - 8), &u64::from_ne_bytes([byte; 8]))
                            .unwrap(),
                    }
                }
            }));
        }
        let mut readers = Vec::new();
        for t in 0..2usize {
            let view = if t == 0 { &read_only } else { &shared };
            let (done, reads) = (&done, &reads);
            readers.push(s.spawn(move || {
                let mut buf = vec![0u8; 40_000];
                let mut i = t;
                // Until the writers are done, and at least 200 times.
                while i < 200 || !done.load(Ordering::Relaxed) {
                    let len = LENGTHS[i % LENGTHS.len()];
                    let off = (i * 7919 + 5) % (SIZE - len);
                    view.read_at(off, &mut buf[..len]).unwrap();
                    if let Some(bad) = buf[..len].iter().position(|&b| !valid(b)) {
                        panic!("byte {:#x} at {} was never written", buf[bad], off + bad);
                    }
                    let word = view.read::<u64>((off | 1).min(SIZE - 8)).unwrap();
                    assert!(word.to_ne_bytes().iter().all(|&b| valid(b)), "{word:#x}");
                    reads.fetch_add(1, Ordering::Relaxed);
                    i += 1;
                }
            }));
        }
        for w in writers {
            w.join().unwrap();
        }
        done.store(true, Ordering::Relaxed);
        for r in readers {
            r.join().unwrap();
        }
    });
    assert!(reads.load(Ordering::Relaxed) >= 2 * 199, "the readers ran");
    // Quiescent again: a copy through one view reads back exactly through the others.
    let pattern: Vec<u8> = (0..SIZE).map(|i| (i % 251) as u8).collect();
    second.write_at(0, &pattern).unwrap();
    let mut back = vec![0u8; SIZE];
    read_only.read_at(0, &mut back).unwrap();
    assert!(back == pattern, "views agree after the race");
    shared.fill(5, 300, 0x11).unwrap();
    read_only.read_at(0, &mut back[..310]).unwrap();
    assert_eq!(&back[..5], &pattern[..5]);
    assert!(back[5..305].iter().all(|&b| b == 0x11));
    assert_eq!(&back[305..310], &pattern[305..310]);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    /// Random offsets and lengths against a real 3×64 KiB object: `map` succeeds
    /// exactly for aligned, in-range requests and never maps past the end.
    #[test]
    fn random_view_ranges_map_only_inside_the_object(off in prop_oneof![0u64..(4 * ALLOCATION_GRANULARITY), any::<u64>()], len in prop_oneof![0usize..(4 * ALLOCATION_GRANULARITY as usize), any::<usize>()]) {
        let size = 3 * ALLOCATION_GRANULARITY;
        let name = unique_name("prange");
        let sut = ShmOptions::new().create(&name, size).unwrap();
        let expect_ok = off % ALLOCATION_GRANULARITY == 0 && off < size && (len == 0 || (len as u128) + (off as u128) <= size as u128);
        match sut.map(off, len) {
            Ok(v) => {
                prop_assert!(expect_ok);
                prop_assert!(off + v.len() as u64 <= size);
                let mut last = [1u8];
                v.read_at(v.len() - 1, &mut last).unwrap();
                prop_assert_eq!(last, [0u8]);
            }
            Err(_) => prop_assert!(!expect_ok),
        }
    }
}

#[test]
fn aligned_views_start_at_64k_multiples_and_never_replace_a_mapping() {
    let name = unique_name("aligned");
    let sut = SharedMemory::create(&name, 3 * ALLOCATION_GRANULARITY).unwrap();
    let mut views = Vec::new();
    for i in 0..32u64 {
        let off = (i % 3) * ALLOCATION_GRANULARITY;
        let v = sut
            .map_options()
            .offset(off)
            .len(4096 + i as usize)
            .aligned(true)
            .map()
            .unwrap();
        assert_eq!(v.as_ptr() as u64 % ALLOCATION_GRANULARITY, 0, "view {i}");
        assert_eq!(v.len(), 4096 + i as usize);
        views.push((off, v));
    }
    // Every view is its own mapping (none replaced another) and they are coherent.
    let mut bases: Vec<usize> = views.iter().map(|(_, v)| v.as_ptr() as usize).collect();
    bases.sort();
    bases.dedup();
    assert_eq!(bases.len(), views.len());
    for (i, (_, v)) in views.iter().enumerate() {
        v.write_at(4095, &[i as u8]).unwrap();
    }
    let whole = sut.map(0, 0).unwrap();
    for (i, (off, _)) in views.iter().enumerate().rev().take(3) {
        let mut b = [0u8; 1];
        whole.read_at(*off as usize + 4095, &mut b).unwrap();
        assert_eq!(b[0], i as u8);
    }
}

#[test]
fn aligned_views_get_the_same_errors_as_other_views() {
    let name = unique_name("aligned-err");
    let sut = SharedMemory::create(&name, 2 * ALLOCATION_GRANULARITY).unwrap();
    let code = |off: u64, len: usize| {
        sut.map_options()
            .offset(off)
            .len(len)
            .aligned(true)
            .map()
            .unwrap_err()
            .win32_code()
    };
    assert_eq!(code(0x1000, 0), 1132);
    assert_eq!(code(2 * ALLOCATION_GRANULARITY, 0), 87);
    assert_eq!(
        code(ALLOCATION_GRANULARITY, ALLOCATION_GRANULARITY as usize + 1),
        5
    );
    let reader = SharedMemory::options().access(Access::Read).open(&name).unwrap();
    let e = reader
        .map_options()
        .access(ViewAccess::ReadWrite)
        .aligned(true)
        .map()
        .unwrap_err();
    assert!(matches!(e, Error::PermissionDenied { .. }), "{e}");
    let v = reader.map_options().aligned(true).map().unwrap();
    assert_eq!(v.access(), ViewAccess::Read, "the handle's access by default");
}

#[test]
fn an_aligned_view_never_takes_a_freed_address_that_is_in_use_again() {
    let name = unique_name("aligned-reuse");
    let sut = SharedMemory::create(&name, ALLOCATION_GRANULARITY).unwrap();
    let first = sut.map_options().aligned(true).map().unwrap();
    let addr = std::ptr::NonNull::new(first.as_ptr() as *mut u8).unwrap();
    drop(first);
    // Something else takes the freed range (unless another thread did first).
    let squatter = sut.map_at(ViewAccess::ReadWrite, 0, 0, addr).ok();
    let next = sut.map_options().aligned(true).map().unwrap();
    assert_eq!(next.as_ptr() as u64 % ALLOCATION_GRANULARITY, 0);
    if let Some(sq) = &squatter {
        assert_ne!(next.as_ptr(), sq.as_ptr(), "the range in use is left alone");
        sq.write_at(0, b"sq").unwrap();
        let mut b = [0u8; 2];
        next.read_at(0, &mut b).unwrap();
        assert_eq!(&b, b"sq", "both are live views of the object");
    }
}
