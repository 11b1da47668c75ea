//! The process's async waiter: the threads that sleep for every pending
//! async wait (`Event::wait_async` and the others) at once.
//!
//! A pending wait registers *which futex words to watch and the value each
//! had* before its last attempt failed, its waker and when to wake it
//! anyway (its deadline, or the next dead-owner check of a mutex). A waiter
//! thread sleeps in one `futex_waitv` on up to 127 distinct (word, value)
//! pairs plus a control word of its own, which a registration that adds a
//! new pair bumps and wakes, so the thread re-reads its table. When a word
//! no longer holds the value a wait registered with, or a wake-up time
//! passes, the thread removes the wait and calls its waker; the task then
//! polls, which makes the wait's *own* attempt (the blocking wait's try
//! step) and registers again if it must go on waiting. The thread never
//! takes anything on anybody's behalf, so a dropped wait has nothing to
//! give back.
//!
//! No wake-up is lost: a wait registers the value it read *before* its
//! attempt, and `futex_waitv` returns at once when a word differs from the
//! value it is given, so a change between the attempt and the sleep is seen
//! either by the attempt or by the kernel.
//!
//! Any number of waits on one word share one pair (10,000 pending waits on
//! one event cost one slot and one thread); a thread is started for each 127
//! distinct pairs in use at once and then lives as long as the process,
//! asleep on its control word when idle. Each entry keeps the object's page
//! mapped (`Arc<Page>`) while the thread may sleep on it.

use super::super::futex::{self, Deadline};
use super::page::Page;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::task::Waker;

/// Distinct (word, value) pairs one thread sleeps on: `futex_waitv`'s limit
/// (128) less the control word.
const PAIRS_PER_THREAD: usize = 127;

/// A word (by address in this process's mapping) and the value it must
/// still hold for its waits to sleep on.
type PairKey = (usize, u32);

/// One word to watch for a wait: the page, the word's offset, the value.
pub(super) struct Watch {
    pub(super) page: Arc<Page>,
    pub(super) off: usize,
    pub(super) value: u32,
}

struct Pair {
    page: Arc<Page>,
    off: usize,
    waits: HashSet<u64>,
}

struct Wait {
    waker: Waker,
    keys: Vec<PairKey>,
    wake_at: Option<Deadline>,
}

#[derive(Default)]
struct Table {
    pairs: HashMap<PairKey, Pair>,
    waits: HashMap<u64, Wait>,
    /// The waits with a wake-up time, earliest first.
    timers: BTreeSet<((i64, i64), u64)>,
}

impl Table {
    /// Removes a wait; also `true` if that left a pair without waits (and
    /// removed it).
    fn remove(&mut self, id: u64) -> (Option<Wait>, bool) {
        let Some(w) = self.waits.remove(&id) else {
            return (None, false);
        };
        if let Some(d) = &w.wake_at {
            self.timers.remove(&(d.key(), id));
        }
        let mut emptied = false;
        for k in &w.keys {
            if let Some(p) = self.pairs.get_mut(k) {
                p.waits.remove(&id);
                if p.waits.is_empty() {
                    self.pairs.remove(k);
                    emptied = true;
                }
            }
        }
        (Some(w), emptied)
    }

    /// Pairs `watches` would add.
    fn new_pairs(&self, watches: &[Watch]) -> usize {
        let mut keys: Vec<PairKey> = watches.iter().map(key).collect();
        keys.sort_unstable();
        keys.dedup();
        keys.iter().filter(|k| !self.pairs.contains_key(k)).count()
    }
}

fn key(w: &Watch) -> PairKey {
    (w.page.word(w.off) as *const AtomicU32 as usize, w.value)
}

/// One waiter thread and its table.
struct Shard {
    /// Bumped (and woken) when the table gains or loses a pair.
    ctl: AtomicU32,
    /// The thread is (about to be) asleep in `futex_waitv`: a registration
    /// must wake it. Otherwise the bump of `ctl` is enough.
    asleep: AtomicBool,
    table: Mutex<Table>,
}

impl Shard {
    fn table(&self) -> MutexGuard<'_, Table> {
        self.table.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn kick(&self) {
        // SeqCst, paired with the thread's store of `asleep` before it
        // sleeps on `ctl`: either it sees the new `ctl` (the kernel compares
        // it) or we see it asleep and wake it.
        self.ctl.fetch_add(1, Ordering::SeqCst);
        if self.asleep.load(Ordering::SeqCst) {
            futex::wake(&self.ctl, 1);
        }
    }

    /// The thread's loop: wake what is due, then sleep on every pair.
    fn run(&self) {
        loop {
            let mut due = Vec::new();
            let mut pages = Vec::new();
            let mut wake_at = None;
            let c;
            {
                let mut t = self.table();
                // Read before looking at the table: a registration after this
                // bumps `ctl`, so the sleep below returns at once.
                c = self.ctl.load(Ordering::SeqCst);
                let mut gone: Vec<u64> = Vec::new();
                for p in t.pairs.iter() {
                    let ((_, value), pair) = p;
                    if pair.page.word(pair.off).load(Ordering::SeqCst) != *value {
                        gone.extend(pair.waits.iter().copied());
                    }
                }
                for &(_, id) in t.timers.iter() {
                    match t.waits.get(&id).and_then(|w| w.wake_at.as_ref()) {
                        Some(d) if d.passed() => gone.push(id),
                        _ => break,
                    }
                }
                for id in gone {
                    if let (Some(w), _) = t.remove(id) {
                        due.push(w.waker);
                    }
                }
                if due.is_empty() {
                    wake_at = t.timers.first().and_then(|(_, id)| t.waits.get(id)?.wake_at);
                    pages = t
                        .pairs
                        .iter()
                        .map(|(&(_, value), p)| (p.page.clone(), p.off, value))
                        .collect();
                }
            }
            if !due.is_empty() {
                // Outside the lock: a waker may poll the task at once, and the
                // task registers again.
                due.into_iter().for_each(Waker::wake);
                continue;
            }
            let mut words: Vec<(&AtomicU32, u32)> = Vec::with_capacity(pages.len() + 1);
            words.push((&self.ctl, c));
            words.extend(pages.iter().map(|(page, off, value)| (page.word(*off), *value)));
            // Returns when a word differs from its value or is woken, at the
            // earliest wake-up time, or on a signal: every case loops.
            self.asleep.store(true, Ordering::SeqCst);
            futex::wait_any(&words, wake_at.as_ref());
            self.asleep.store(false, Ordering::SeqCst);
        }
    }
}

struct Reactor {
    /// The process the threads belong to: a forked child has none of them.
    pid: u32,
    shards: Vec<Arc<Shard>>,
}

fn reactor() -> MutexGuard<'static, Reactor> {
    static R: OnceLock<Mutex<Reactor>> = OnceLock::new();
    let mut r = R
        .get_or_init(|| {
            Mutex::new(Reactor {
                pid: super::super::pid(),
                shards: Vec::new(),
            })
        })
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    let pid = super::super::pid();
    if r.pid != pid {
        // A forked child: the parent's threads do not exist here. Forget
        // their tables without dropping them (their wakers belong to the
        // parent's executor).
        std::mem::forget(std::mem::take(&mut r.shards));
        r.pid = pid;
    }
    r
}

/// A pending wait's registration; dropping it removes the wait.
pub(super) struct Registration {
    shard: Arc<Shard>,
    id: u64,
}

impl std::fmt::Debug for Registration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registration").field("id", &self.id).finish()
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        // A pair left without waits leaves the table, and the thread is told
        // so that it stops sleeping on the word (and unmaps a page that
        // nothing else uses) now rather than at its next wake-up.
        let (_, emptied) = self.shard.table().remove(self.id);
        if emptied {
            self.shard.kick();
        }
    }
}

fn insert(
    shard: &Shard,
    t: &mut Table,
    id: u64,
    watches: Vec<Watch>,
    waker: &Waker,
    wake_at: Option<Deadline>,
) {
    let mut added = false;
    let mut keys = Vec::with_capacity(watches.len());
    for w in watches {
        let k = key(&w);
        keys.push(k);
        let pair = t.pairs.entry(k).or_insert_with(|| {
            added = true;
            Pair {
                page: w.page,
                off: w.off,
                waits: HashSet::new(),
            }
        });
        pair.waits.insert(id);
    }
    if let Some(d) = &wake_at {
        t.timers.insert((d.key(), id));
    }
    t.waits.insert(
        id,
        Wait {
            waker: waker.clone(),
            keys,
            wake_at,
        },
    );
    if added {
        shard.kick();
    }
}

/// Registers (or re-registers) a wait: `waker` is woken once any watched
/// word no longer holds its value, or at `wake_at`. At most 64 watches.
pub(super) fn arm(
    reg: &mut Option<Registration>,
    watches: Vec<Watch>,
    waker: &Waker,
    wake_at: Option<Deadline>,
) -> std::io::Result<()> {
    // Same thread as last time if its table has room.
    if let Some(r) = reg.as_ref() {
        let mut t = r.shard.table();
        let _ = t.remove(r.id);
        if t.pairs.len() + t.new_pairs(&watches) <= PAIRS_PER_THREAD {
            insert(&r.shard, &mut t, r.id, watches, waker, wake_at);
            return Ok(());
        }
    }
    *reg = None;
    static NEXT_ID: AtomicU64 = AtomicU64::new(1);
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    let mut r = reactor();
    for shard in &r.shards {
        let mut t = shard.table();
        if t.pairs.len() + t.new_pairs(&watches) <= PAIRS_PER_THREAD {
            insert(shard, &mut t, id, watches, waker, wake_at);
            *reg = Some(Registration {
                shard: shard.clone(),
                id,
            });
            return Ok(());
        }
    }
    let shard = Arc::new(Shard {
        ctl: AtomicU32::new(0),
        asleep: AtomicBool::new(false),
        table: Mutex::new(Table::default()),
    });
    let runner = shard.clone();
    std::thread::Builder::new()
        .name(format!("named-shm-wait-{}", r.shards.len()))
        .stack_size(64 * 1024)
        .spawn(move || runner.run())?;
    insert(&shard, &mut shard.table(), id, watches, waker, wake_at);
    r.shards.push(shard.clone());
    *reg = Some(Registration { shard, id });
    Ok(())
}
