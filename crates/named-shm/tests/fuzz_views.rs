//! Property tests of view-range arithmetic against real objects: `map` with
//! random offsets and lengths (aligned, misaligned, at and past the end,
//! overflowing) succeeds exactly for in-range requests, and a view it returns
//! can be touched at its first and last byte (a map past the end of the file
//! would SIGBUS the test). Copies in and out of views are checked the same way.
//!
//! Cases: `PROPTEST_CASES` (the fuzz run in `scripts/stress-full.sh` sets it
//! high), else 1000.

mod common;

use common::unique_name;
use named_shm::{Access, Error, SharedMemory, ShmOptions, ViewAccess, ALLOCATION_GRANULARITY};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

const G: u64 = ALLOCATION_GRANULARITY;

fn config() -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1000);
    // No failure files: a failing case is printed, and this is a test, not a corpus.
    Config {
        failure_persistence: None,
        ..Config::with_cases(cases)
    }
}

/// Offsets that matter: multiples of the granularity around the end, off-by-one
/// and page-aligned misalignments, huge values.
fn offset() -> impl Strategy<Value = u64> {
    prop_oneof![
        (0u64..8).prop_map(|k| k * G),
        (0u64..8, prop::sample::select(vec![1u64, 4095, 4096, G - 1])).prop_map(|(k, d)| k * G + d),
        any::<u64>(),
        (0u64..4).prop_map(|k| u64::MAX - k),
        Just(u64::MAX - u64::MAX % G),
    ]
}

fn length() -> impl Strategy<Value = usize> {
    prop_oneof![
        Just(0usize),
        1usize..(8 * G as usize),
        (0usize..8, prop::sample::select(vec![-1i64, 0, 1]))
            .prop_map(|(k, d)| ((k as i64) * G as i64 + d).max(0) as usize),
        any::<usize>(),
        (0usize..4).prop_map(|k| usize::MAX - k),
    ]
}

#[test]
fn map_succeeds_exactly_for_in_range_views_of_real_objects() {
    // Sizes around the granularity: one page, one granule, a granule and a page, several.
    let sizes = [4096u64, G, G + 4096, 3 * G + 3 * 4096, 5 * G];
    let objs: Vec<SharedMemory> = sizes
        .iter()
        .map(|s| SharedMemory::create(&unique_name("fuzz-view"), *s).unwrap())
        .collect();
    let readers: Vec<SharedMemory> = objs
        .iter()
        .map(|o| {
            SharedMemory::options()
                .access(Access::Read)
                .open(o.name().as_str())
                .unwrap()
        })
        .collect();
    let mut runner = TestRunner::new(config());
    let strategy = (0..objs.len(), offset(), length(), any::<bool>());
    let t = std::time::Instant::now();
    runner
        .run(&strategy, |(i, off, len, ro)| {
            let sut = if ro { &readers[i] } else { &objs[i] };
            let size = sut.size();
            let in_range = off % G == 0
                && off < size
                && (len == 0 || off.checked_add(len as u64).is_some_and(|e| e <= size));
            match sut.map(off, len) {
                Ok(v) => {
                    prop_assert!(in_range, "mapped {off:#x}+{len:#x} of {size:#x}");
                    let want = if len == 0 { size - off } else { len as u64 };
                    prop_assert_eq!(v.len() as u64, want);
                    let mut b = [0u8; 1];
                    v.read_at(0, &mut b).unwrap();
                    v.read_at(v.len() - 1, &mut b).unwrap();
                    prop_assert_eq!(
                        v.access(),
                        if ro {
                            ViewAccess::Read
                        } else {
                            ViewAccess::ReadWrite
                        }
                    );
                }
                Err(Error::MisalignedOffset { .. }) => prop_assert!(off % G != 0),
                Err(Error::OutOfRange { .. }) => prop_assert!(!in_range && off % G == 0),
                Err(e) => prop_assert!(false, "unexpected error for {off:#x}+{len:#x} of {size:#x}: {e}"),
            }
            Ok(())
        })
        .unwrap();
    eprintln!(
        "fuzz: map ranges: {} cases in {:.2?}",
        config().cases,
        t.elapsed()
    );
}

#[test]
fn copies_in_and_out_of_a_view_never_pass_its_end() {
    let sut = ShmOptions::new()
        .create(&unique_name("fuzz-copy"), G + 4096)
        .unwrap();
    let views = [
        sut.map(0, 0).unwrap(),
        sut.map(G, 0).unwrap(),
        sut.map(0, 5000).unwrap(),
    ];
    let ro = sut.map_with(ViewAccess::Read, 0, 4096).unwrap();
    let mut runner = TestRunner::new(config());
    let strategy = (
        0usize..4,
        prop_oneof![any::<usize>(), 0usize..80_000],
        0usize..70_000,
    );
    let t = std::time::Instant::now();
    runner
        .run(&strategy, |(k, off, n)| {
            let v = if k < 3 { &views[k] } else { &ro };
            let fits = off.checked_add(n).is_some_and(|e| e <= v.len());
            let mut buf = vec![0u8; n];
            prop_assert_eq!(v.read_at(off, &mut buf).is_ok(), fits);
            let w = v.write_at(off, &buf);
            if k == 3 {
                prop_assert!(
                    matches!(w, Err(Error::PermissionDenied { .. })),
                    "a read-only view wrote"
                );
            } else {
                prop_assert_eq!(w.is_ok(), fits);
            }
            let atom = v.atomic_u64(off);
            let atom_ok = k < 3 && off % 8 == 0 && off.checked_add(8).is_some_and(|e| e <= v.len());
            prop_assert_eq!(atom.is_ok(), atom_ok);
            Ok(())
        })
        .unwrap();
    eprintln!(
        "fuzz: view copies: {} cases in {:.2?}",
        config().cases,
        t.elapsed()
    );
}
