//! Who holds what: `admin::HolderIndex` (one pass over every process's
//! descriptors) and `admin::holders`, with real processes.
#![cfg(target_os = "linux")]

mod common;

use common::{exit_child, role, spawn, unique_name, wait_until, watchdog, Counters};
use named_shm::{admin, Access, Event, Namespace, SharedMemory};
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(60);

fn child(role: &str, args: &[String]) -> ! {
    match role {
        // [a, b, cnt]: opens A once and B twice, says ready, sleeps until killed.
        "hold" => {
            let a = SharedMemory::options()
                .access(Access::Read)
                .open(&args[0])
                .expect("open A");
            let b1 = Event::open(&args[1]).expect("open B");
            let b2 = Event::open(&args[1]).expect("open B again");
            Counters::open(&args[2]).inc(0);
            std::thread::sleep(LIMIT);
            drop((a, b1, b2));
            exit_child(0)
        }
        other => panic!("unknown role {other}"),
    }
}

fn find(name: &str) -> admin::ObjectInfo {
    admin::list(Namespace::Local)
        .unwrap()
        .into_iter()
        .find(|i| i.name == format!("Local\\{name}"))
        .unwrap_or_else(|| panic!("{name} not listed"))
}

#[test]
fn one_index_gives_every_holder_of_every_object_with_its_handle_count() {
    const T: &str = "one_index_gives_every_holder_of_every_object_with_its_handle_count";
    if let Some((r, args)) = role() {
        child(&r, &args)
    }
    watchdog(T, LIMIT, || {
        let (a, b, cnt) = (unique_name("hold-a"), unique_name("hold-b"), unique_name("cnt"));
        let c = Counters::create(&cnt);
        let a1 = SharedMemory::create(&a, 4096).unwrap();
        let a2 = SharedMemory::options().access(Access::Read).open(&a).unwrap();
        let b0 = Event::options().manual_reset(true).create(&b).unwrap();
        let mut kid = spawn(T, "hold", &[&a, &b, &cnt]);
        wait_until(|| c.get(0) == 1);
        drop(b0); // the child alone holds B now
        let me = std::process::id();
        let index = admin::HolderIndex::read();
        let ha: Vec<_> = index
            .holders(&find(&a))
            .iter()
            .map(|h| (h.pid, h.handles))
            .collect();
        assert_eq!(ha, {
            let mut v = vec![(me, 2), (kid.pid(), 1)];
            v.sort();
            v
        });
        let hb: Vec<_> = index
            .holders(&find(&b))
            .iter()
            .map(|h| (h.pid, h.handles))
            .collect();
        assert_eq!(hb, vec![(kid.pid(), 2)]);
        // The one-object call agrees with the index.
        assert_eq!(admin::holders(&find(&a)), index.holders(&find(&a)));
        // kill -9: its handles are gone from a fresh index.
        let info_b = find(&b);
        kid.kill9();
        let index = admin::HolderIndex::read();
        let ha: Vec<_> = index
            .holders(&find(&a))
            .iter()
            .map(|h| (h.pid, h.handles))
            .collect();
        assert_eq!(ha, vec![(me, 2)]);
        assert!(index.holders(&info_b).is_empty());
        // B died with its last holder; the open that finds it dead reclaims
        // its file, so nothing is left in the namespace.
        assert!(matches!(Event::open(&b), Err(named_shm::Error::NotFound { .. })));
        assert!(admin::list(Namespace::Local)
            .unwrap()
            .iter()
            .all(|i| i.name != format!("Local\\{b}")));
        drop((a1, a2));
    });
}
