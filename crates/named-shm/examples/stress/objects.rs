//! The race checker of the shared-memory scenarios (`creators`,
//! `close-race`): stamping, zero-fill and identity checks of a held object,
//! disjoint holding spans, and the kill-delay calibration.

use crate::common::{births, now_ns, violation, Counters, Env, Record, Rng, SideChannel};
use named_shm::{Error, SharedMemory, View};
use std::collections::HashMap;
use std::os::unix::fs::FileExt;
use std::sync::atomic::Ordering::SeqCst;

/// Payload size of the objects the race scenarios use: two pages.
pub const OBJ_SIZE: u64 = 8192;
/// Words after the id word that holders mark with their object's id.
pub const MARK_WORDS: usize = (OBJ_SIZE as usize - 64) / 8;

/// What a holder found in the object it holds.
pub struct Held {
    pub id: u64,
    pub won: bool,
}

/// Loads the aligned word at `off` of a view: atomically when the view is
/// writable; with one aligned volatile load (a single instruction on the
/// 64-bit targets we run on) when it is read-only.
pub fn load(view: &View, off: usize) -> u64 {
    if let Ok(a) = view.atomic_u64(off) {
        return a.load(SeqCst);
    }
    assert!(off % 8 == 0 && off + 8 <= view.len());
    // SAFETY: in bounds and 8-aligned (mappings are page-aligned); the mapping
    // lives as long as `view`; a volatile read of shared memory is how a
    // read-only observer looks at words other processes write atomically.
    unsafe { std::ptr::read_volatile(view.as_ptr().add(off).cast::<u64>()) }
}

/// Checks one freshly acquired handle: size, contents, identity; marks it.
/// A read-only handle cannot stamp or mark: it learns the id only if a
/// writer stamped it already (`Held::id == 0` otherwise) and checks the rest.
pub fn check_held(
    c: &Counters,
    env: &Env,
    base: &str,
    shm: &SharedMemory,
    rng: &mut Rng,
    t_start: u64,
) -> Option<(View, Held)> {
    if shm.size() != OBJ_SIZE {
        violation(
            c,
            format_args!("`{base}` opened at size {} instead of {OBJ_SIZE}", shm.size()),
        );
        return None;
    }
    let view = match shm.map(0, 0) {
        Ok(v) => v,
        Err(e) => {
            violation(c, format_args!("map of `{base}` failed: {e}"));
            return None;
        }
    };
    if view.len() as u64 != OBJ_SIZE {
        violation(c, format_args!("view of `{base}` is {} bytes", view.len()));
        return None;
    }
    let (mut id, won) = match view.atomic_u64(0) {
        Ok(idw) => {
            let mine = births()[0].fetch_add(1, SeqCst) + 1;
            match idw.compare_exchange(0, mine, SeqCst, SeqCst) {
                Ok(_) => {
                    if let Some(b) = births().get(mine as usize) {
                        b.store(now_ns(), SeqCst);
                    }
                    (mine, true)
                }
                Err(other) => (other, false),
            }
        }
        Err(_) => (load(&view, 0), false),
    };
    // A creator's object was published after `t_start`, so its id cannot
    // have been stamped before: an older id is a previous object's data.
    if shm.created() && !won {
        let born = births().get(id as usize).map_or(0, |b| b.load(SeqCst));
        if born != 0 && born < t_start {
            violation(
                c,
                format_args!("`{base}` was created holding id {id:#x}, stamped before the create began"),
            );
            return None;
        }
    }
    // Every byte is read (a page past EOF would SIGBUS the child: reported by
    // the parent as a violation). Marks are 0 or this object's id (holders
    // write marks only after learning the id), so any other value is data
    // from a previous object: the new object was not zero-filled.
    for w in 0..MARK_WORDS {
        let v = load(&view, 64 + 8 * w);
        if v != 0 && v != id && id == 0 && load(&view, 0) == v {
            // A read-only holder that came before the stamp: learn it now.
            id = v;
            continue;
        }
        if v != 0 && v != id {
            violation(
                c,
                format_args!("`{base}` word {w} holds {v:#x}: stale data in object {id:#x} (won={won})"),
            );
            return None;
        }
    }
    let mut pad = [0u8; 56];
    view.read_at(8, &mut pad).expect("in range");
    if pad.iter().any(|b| *b != 0) {
        violation(c, format_args!("`{base}` bytes 8..64 are not zero"));
        return None;
    }
    let w = rng.below(MARK_WORDS as u64) as usize;
    if let Ok(a) = view.atomic_u64(64 + 8 * w) {
        a.store(id, SeqCst);
    }
    if id != 0 && !name_points_to(c, env, base, id) {
        return None;
    }
    Some((view, Held { id, won }))
}

/// Reads the object the name links now (plain `open`, no lock taken) and
/// checks it is object `id`, which the caller holds.
pub fn name_points_to(c: &Counters, env: &Env, base: &str, id: u64) -> bool {
    let path = env.path_of(base);
    let f = match std::fs::File::open(&path) {
        Ok(f) => f,
        Err(e) => {
            violation(
                c,
                format_args!("held object {id:#x} of `{base}` was unlinked: open of the name: {e}"),
            );
            return false;
        }
    };
    let mut b = [0u8; 8];
    if let Err(e) = f.read_exact_at(&mut b, 0) {
        violation(c, format_args!("name `{base}` links a short file: {e}"));
        return false;
    }
    let now = u64::from_le_bytes(b);
    if now != id {
        violation(
            c,
            format_args!(
                "held object {id:#x} of `{base}` is not what the name links ({now:#x}): split brain"
            ),
        );
        return false;
    }
    true
}

/// Checks the spans of all recorded holdings: disjoint across ids, at most
/// one creator per id. Returns (violations, objects).
pub fn check_spans(recs: &SideChannel<Record>, n: usize) -> (u64, usize) {
    let mut spans: HashMap<u64, (u64, u64, u32)> = HashMap::new();
    for i in 0..n {
        let r = &recs[i];
        let id = r.id.load(SeqCst);
        let (t0, t1) = (r.t_open.load(SeqCst), r.t_last.load(SeqCst));
        if id == 0 || t0 == 0 {
            continue;
        }
        let t1 = t1.max(t0);
        let e = spans.entry(id).or_insert((t0, t1, 0));
        e.0 = e.0.min(t0);
        e.1 = e.1.max(t1);
        e.2 += r.created.load(SeqCst);
    }
    let mut v = 0;
    let mut list: Vec<(u64, u64, u64, u32)> = spans.iter().map(|(id, s)| (s.0, s.1, *id, s.2)).collect();
    list.sort();
    for w in list.windows(2) {
        if w[1].0 <= w[0].1 {
            v += 1;
            eprintln!(
                "VIOLATION: objects {:#x} [{}..{}] and {:#x} [{}..{}] were held at the same time",
                w[0].2, w[0].0, w[0].1, w[1].2, w[1].0, w[1].1
            );
        }
    }
    for (id, s) in &spans {
        if s.2 > 1 {
            v += 1;
            eprintln!("VIOLATION: object {id:#x} has {} creators", s.2);
        }
    }
    (v, spans.len())
}

/// With every holder gone, an open must fail with NotFound: 0 or 1 violation.
pub fn expect_not_found(base: &str, g: u64) -> u64 {
    match SharedMemory::options().access(named_shm::Access::Read).open(base) {
        Err(Error::NotFound { .. }) => 0,
        Ok(_) => {
            eprintln!("VIOLATION: generation {g}: a dead object was opened after its last holder died");
            1
        }
        Err(e) => {
            eprintln!("VIOLATION: generation {g}: open after the last holder died: {e}");
            1
        }
    }
}

/// Time of one open_or_create + check + close, to calibrate kill delays.
pub fn calibrate(env: &Env) -> u64 {
    let base = format!("calib-{}", std::process::id());
    let c = Counters::default();
    let mut rng = Rng::new(1);
    let mut best = u64::MAX;
    for _ in 0..20 {
        let t = now_ns();
        let shm = SharedMemory::open_or_create(&base, OBJ_SIZE).expect("calibration create");
        let held = check_held(&c, env, &base, &shm, &mut rng, t);
        drop(held);
        drop(shm);
        best = best.min(now_ns() - t);
    }
    best
}
