//! Exhaustive model check of the open / create / close / reclaim protocol of
//! `src/sys/linux/object.rs`.
//!
//! Actors are processes running the protocol one system call at a time over
//! an abstract file system: one name, inodes that are linked or not, open
//! file descriptions, and OFD locks on byte 0 (a read lock per handle; a write
//! lock conflicts with every other description's lock; `F_OFD_GETLK` reports
//! another description's lock; closing a description drops its lock). Every
//! interleaving of 2–3 actors is explored (depth-first, memoised on the
//! state), including a `kill -9` of any actor at any step, and these
//! invariants are checked in every state:
//!
//! - **S1, no split brain**: an actor holding a handle holds the inode the
//!   name links (never a dead, unlinked object; a live object is never
//!   unlinked, so never two live objects);
//! - **S2, no resurrection**: an open that *began* after an object lost its
//!   last handle never returns that object (it must be reclaimed);
//! - **S3, no leak**: when every actor is done and nobody was killed, the
//!   name is free.
//!
//! Each seeded bug of `scripts/mutants.sh` has a model twin, and the test
//! shows the model finds a violation for each one (among them: removing the
//! `nlink` re-check).

use std::collections::HashSet;

const MAX_DESCS: usize = 4; // per actor: handle, tmpfile, fresh/reclaim
type Desc = u8;
type Ino = u8;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Lock {
    Read,
    Write,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Mutant {
    None,
    NoNlinkRecheck,
    NoGetlk,
    LockAfterLink,
    CloseAlwaysUnlinks,
    CloseNoRetry,
    CloseWithoutFresh,
    /// A failing open takes the read lock before its checks and drops it
    /// without the close protocol.
    FailAfterLock,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Mode {
    /// `SharedMemory::open`: NotFound when free.
    Open,
    /// `open_or_create`.
    OpenOrCreate,
    /// An open that finds another kind at the name (`OpenEvent` on a
    /// mapping): it checks before it locks, so it never holds a lock.
    FailOpen,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum ClosePath {
    /// Unforked writable handle: release the handle's own lock, then try a
    /// write lock on the same description.
    Fast,
    /// Unforked handle that created the object: try to upgrade its read lock
    /// in place; if refused, continue as `Fast` (release, then try again).
    UpgradeFirst,
    /// Unforked read-only handle: release the lock; if another description
    /// still holds one, just close; otherwise continue as `Slow`.
    ReadOnly,
    /// After a fork: fresh description, close, write lock.
    Slow,
    /// Another user's read-only handle: it may neither write-lock nor
    /// remove the file. Released last, the object is dead but linked: every
    /// open treats it as free, and its owner's next open reclaims it.
    Foreign,
}

/// Where an actor is. Descriptions are indices into `World::descs`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Pc {
    Start,
    // open_live
    OpenAt,
    GetLk(Desc),
    RdLock(Desc),
    Nlink(Desc),
    // reclaim, entered from GetLk finding no lock
    RecOpen,
    RecWrLock(Desc),
    RecNlink(Desc),
    RecUnlink(Desc),
    // create
    Tmpfile,
    TmpLock(Desc),
    Link(Desc),
    LateLock(Desc),
    // holding a handle
    Held(Desc),
    // fast close
    Upgrade(Desc),
    Release(Desc),
    Retry(Desc),
    RoRelease(Desc),
    RoCheck(Desc),
    DeadNlink(Desc),
    DeadUnlink(Desc),
    Unlock(Desc),
    // slow close
    Fresh(Desc),
    CloseOwn(Desc, Option<Desc>),
    FreshWrLock(Desc),
    FreshNlink(Desc),
    FreshUnlink(Desc),
    CloseFresh(Desc),
    Done,
}

impl Pc {
    /// Inside an open or create call (not yet holding).
    fn opening(self) -> bool {
        !matches!(
            self,
            Pc::Start
                | Pc::Held(_)
                | Pc::Upgrade(_)
                | Pc::Release(_)
                | Pc::Retry(_)
                | Pc::RoRelease(_)
                | Pc::RoCheck(_)
                | Pc::DeadNlink(_)
                | Pc::DeadUnlink(_)
                | Pc::Unlock(_)
                | Pc::Fresh(_)
                | Pc::CloseOwn(..)
                | Pc::FreshWrLock(_)
                | Pc::FreshNlink(_)
                | Pc::FreshUnlink(_)
                | Pc::CloseFresh(_)
                | Pc::Done
        )
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Actor {
    pc: Pc,
    mode: Mode,
    close: ClosePath,
    rounds: u8,
    /// The tmpfile kept while `linkat` retries through an open.
    tmp: Option<Desc>,
    killed: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Inode {
    linked: bool,
    locks: Vec<(Desc, Lock)>,
    /// Set when a linked inode lost its last lock: the actors then inside
    /// an open call (they may still get it: their open began first).
    dead: Option<u8>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct World {
    name: Option<Ino>,
    inodes: Vec<Inode>,
    /// desc -> inode, `None` when closed.
    descs: Vec<Option<Ino>>,
    actors: Vec<Actor>,
    kills_left: u8,
    killed_any: bool,
}

impl World {
    fn new(actors: &[ActorSpec], kills: u8) -> World {
        World {
            name: None,
            inodes: Vec::new(),
            descs: vec![None; actors.len() * MAX_DESCS],
            actors: actors
                .iter()
                .map(|&(mode, close, rounds)| Actor {
                    pc: Pc::Start,
                    mode,
                    close,
                    rounds,
                    tmp: None,
                    killed: false,
                })
                .collect(),
            kills_left: kills,
            killed_any: false,
        }
    }

    fn free_desc(&self, a: usize) -> Desc {
        (0..MAX_DESCS)
            .map(|k| (a * MAX_DESCS + k) as Desc)
            .find(|d| self.descs[*d as usize].is_none())
            .expect("an actor never needs more than MAX_DESCS descriptions")
    }

    fn open_name(&mut self, a: usize) -> Option<Desc> {
        let ino = self.name?;
        let d = self.free_desc(a);
        self.descs[d as usize] = Some(ino);
        Some(d)
    }

    fn ino(&self, d: Desc) -> Ino {
        self.descs[d as usize].expect("open description")
    }

    fn opening_mask(&self) -> u8 {
        self.actors
            .iter()
            .enumerate()
            .filter(|(_, x)| x.pc.opening())
            .fold(0, |m, (i, _)| m | 1 << i)
    }

    /// Drops every lock of `d` (close or unlock), noting a linked inode that
    /// lost its last lock.
    fn release(&mut self, d: Desc) {
        let Some(ino) = self.descs[d as usize] else { return };
        let mask = self.opening_mask();
        let node = &mut self.inodes[ino as usize];
        let had = !node.locks.is_empty();
        node.locks.retain(|(x, _)| *x != d);
        if had && node.locks.is_empty() && node.linked && node.dead.is_none() {
            node.dead = Some(mask);
        }
    }

    fn close(&mut self, d: Desc) {
        self.release(d);
        self.descs[d as usize] = None;
    }

    fn others_locked(&self, d: Desc) -> bool {
        self.inodes[self.ino(d) as usize]
            .locks
            .iter()
            .any(|(x, _)| *x != d)
    }

    /// `F_OFD_SETLK`: Ok(true) if granted.
    fn try_lock(&mut self, d: Desc, kind: Lock) -> bool {
        let ino = self.ino(d) as usize;
        let conflict = self.inodes[ino]
            .locks
            .iter()
            .any(|(x, k)| *x != d && (kind == Lock::Write || *k == Lock::Write));
        if conflict {
            return false;
        }
        let node = &mut self.inodes[ino];
        node.locks.retain(|(x, _)| *x != d);
        node.locks.push((d, kind));
        true
    }

    fn unlink_name(&mut self) {
        if let Some(ino) = self.name.take() {
            self.inodes[ino as usize].linked = false;
        }
    }
}

/// Runs one step of actor `a`. Returns a violation, if the step made one.
fn step(w: &mut World, a: usize, mutant: Mutant) -> Option<String> {
    let me = w.actors[a].clone();
    let set = |w: &mut World, pc: Pc| w.actors[a].pc = pc;
    match me.pc {
        Pc::Start => set(w, Pc::OpenAt),
        Pc::OpenAt => match w.open_name(a) {
            Some(d) => set(
                w,
                if mutant == Mutant::NoGetlk {
                    Pc::RdLock(d)
                } else {
                    Pc::GetLk(d)
                },
            ),
            None => free(w, a),
        },
        Pc::GetLk(d) => {
            let ino = w.ino(d) as usize;
            if w.inodes[ino]
                .locks
                .iter()
                .any(|(x, k)| *x != d && *k == Lock::Write)
            {
                // A closer or reclaimer is at work (it may die before it
                // unlinks): back off and look again.
                w.close(d);
                set(w, Pc::OpenAt);
            } else if w.others_locked(d) {
                if me.mode == Mode::FailOpen && mutant != Mutant::FailAfterLock {
                    // Refused by the checks made before the lock.
                    w.close(d);
                    next_round(w, a);
                } else {
                    set(w, Pc::RdLock(d));
                }
            } else {
                w.close(d);
                if me.close == ClosePath::Foreign {
                    // Dead, and not ours to remove: no object (NotFound).
                    next_round(w, a);
                } else {
                    set(w, Pc::RecOpen);
                }
            }
        }
        Pc::RdLock(d) => {
            if w.try_lock(d, Lock::Read) {
                let ino = w.ino(d) as usize;
                if matches!(w.inodes[ino].dead, Some(mask) if mask & (1 << a) != 0) {
                    // An open that began before the death may still get the
                    // object (it linearises before the last close): live again.
                    w.inodes[ino].dead = None;
                }
                set(w, Pc::Nlink(d));
            } else {
                // A closer or reclaimer holds the write lock: back off, retry.
                w.close(d);
                set(w, Pc::OpenAt);
            }
        }
        Pc::Nlink(d) => {
            let linked = w.inodes[w.ino(d) as usize].linked;
            if !linked && mutant != Mutant::NoNlinkRecheck {
                w.close(d);
                set(w, Pc::OpenAt);
            } else {
                let ino = w.ino(d);
                if me.mode == Mode::FailOpen {
                    // The mutant's late refusal: the lock goes with the
                    // description, without the close protocol.
                    w.close(d);
                    return {
                        next_round(w, a);
                        None
                    };
                }
                if w.inodes[ino as usize].dead.is_some() {
                    return Some(format!(
                        "S2: actor {a} opened inode {ino}, dead before its open began"
                    ));
                }
                opened(w, a, d);
            }
        }
        Pc::RecOpen => match w.open_name(a) {
            Some(d) => set(w, Pc::RecWrLock(d)),
            None => free(w, a),
        },
        Pc::RecWrLock(d) => {
            if w.try_lock(d, Lock::Write) {
                set(w, Pc::RecNlink(d));
            } else {
                // Live: open again.
                w.close(d);
                set(w, Pc::OpenAt);
            }
        }
        Pc::RecNlink(d) => {
            if w.inodes[w.ino(d) as usize].linked {
                set(w, Pc::RecUnlink(d));
            } else {
                w.close(d);
                free(w, a);
            }
        }
        Pc::RecUnlink(d) => {
            w.unlink_name();
            w.close(d);
            free(w, a);
        }
        Pc::Tmpfile => {
            let ino = w.inodes.len() as Ino;
            w.inodes.push(Inode {
                linked: false,
                locks: Vec::new(),
                dead: None,
            });
            let d = w.free_desc(a);
            w.descs[d as usize] = Some(ino);
            w.actors[a].tmp = Some(d);
            set(
                w,
                if mutant == Mutant::LockAfterLink {
                    Pc::Link(d)
                } else {
                    Pc::TmpLock(d)
                },
            );
        }
        Pc::TmpLock(d) => {
            assert!(w.try_lock(d, Lock::Read));
            set(w, Pc::Link(d));
        }
        Pc::Link(d) => {
            if w.name.is_none() {
                let ino = w.ino(d);
                w.name = Some(ino);
                w.inodes[ino as usize].linked = true;
                if mutant == Mutant::LockAfterLink {
                    set(w, Pc::LateLock(d));
                } else {
                    w.actors[a].tmp = None;
                    set(w, Pc::Held(d));
                }
            } else {
                // EEXIST: open what is there; `tmp` is kept for a retry.
                set(w, Pc::OpenAt);
            }
        }
        Pc::LateLock(d) => {
            // The mutant's late lock: it may fail if a reclaimer got there first.
            let _ = w.try_lock(d, Lock::Read);
            w.actors[a].tmp = None;
            set(w, Pc::Held(d));
        }
        Pc::Held(d) => {
            w.actors[a].pc = match me.close {
                // The seeded bug restores the old in-place upgrade without retry.
                ClosePath::Fast if mutant == Mutant::CloseNoRetry => Pc::Upgrade(d),
                ClosePath::Fast => Pc::Release(d),
                ClosePath::UpgradeFirst => Pc::Upgrade(d),
                ClosePath::ReadOnly | ClosePath::Foreign => Pc::RoRelease(d),
                ClosePath::Slow if mutant == Mutant::CloseWithoutFresh => Pc::CloseOwn(d, None),
                ClosePath::Slow => Pc::Fresh(d),
            };
        }
        Pc::Upgrade(d) => {
            if w.try_lock(d, Lock::Write) || mutant == Mutant::CloseAlwaysUnlinks {
                set(w, Pc::DeadNlink(d));
            } else if mutant == Mutant::CloseNoRetry {
                set(w, Pc::Unlock(d));
            } else {
                set(w, Pc::Release(d));
            }
        }
        Pc::Release(d) => {
            // Drop our read lock first, so that two concurrent closers cannot
            // both fail on each other's lock.
            w.release(d);
            set(w, Pc::Retry(d));
        }
        Pc::Retry(d) => {
            let dead = w.try_lock(d, Lock::Write) || mutant == Mutant::CloseAlwaysUnlinks;
            set(w, if dead { Pc::DeadNlink(d) } else { Pc::Unlock(d) });
        }
        Pc::DeadNlink(d) => {
            let linked = w.inodes[w.ino(d) as usize].linked;
            set(w, if linked { Pc::DeadUnlink(d) } else { Pc::Unlock(d) });
        }
        Pc::DeadUnlink(d) => {
            w.unlink_name();
            set(w, Pc::Unlock(d));
        }
        Pc::Unlock(d) => {
            w.close(d);
            next_round(w, a);
        }
        Pc::RoRelease(d) => {
            w.release(d);
            set(w, Pc::RoCheck(d));
        }
        Pc::RoCheck(d) => {
            // F_OFD_GETLK: another handle still holds it, so the last of them
            // unlinks; otherwise take the slow path to check and unlink.
            if w.others_locked(d) || me.close == ClosePath::Foreign {
                set(w, Pc::Unlock(d));
            } else {
                set(w, Pc::Fresh(d));
            }
        }
        Pc::Fresh(d) => {
            let f = w.open_name(a);
            set(w, Pc::CloseOwn(d, f));
        }
        Pc::CloseOwn(d, f) => {
            w.close(d);
            let f = if mutant == Mutant::CloseWithoutFresh {
                w.open_name(a)
            } else {
                f
            };
            match f {
                Some(f) => set(w, Pc::FreshWrLock(f)),
                None => next_round(w, a),
            }
        }
        Pc::FreshWrLock(f) => {
            if w.try_lock(f, Lock::Write) {
                set(w, Pc::FreshNlink(f));
            } else {
                set(w, Pc::CloseFresh(f));
            }
        }
        Pc::FreshNlink(f) => {
            let linked = w.inodes[w.ino(f) as usize].linked;
            set(
                w,
                if linked {
                    Pc::FreshUnlink(f)
                } else {
                    Pc::CloseFresh(f)
                },
            );
        }
        Pc::FreshUnlink(f) => {
            w.unlink_name();
            set(w, Pc::CloseFresh(f));
        }
        Pc::CloseFresh(f) => {
            w.close(f);
            next_round(w, a);
        }
        Pc::Done => unreachable!("done actors do not step"),
    }
    None
}

/// The open found the name free.
fn free(w: &mut World, a: usize) {
    let (mode, tmp) = (w.actors[a].mode, w.actors[a].tmp);
    w.actors[a].pc = match (mode, tmp) {
        (_, Some(t)) => Pc::Link(t),
        (Mode::OpenOrCreate, None) => Pc::Tmpfile,
        (Mode::Open | Mode::FailOpen, None) => return next_round(w, a),
    };
}

/// The open returned a handle on `d`.
fn opened(w: &mut World, a: usize, d: Desc) {
    if let Some(t) = w.actors[a].tmp.take() {
        // linkat said EEXIST and the open succeeded: drop the unpublished tmpfile.
        w.close(t);
    }
    w.actors[a].pc = Pc::Held(d);
}

fn next_round(w: &mut World, a: usize) {
    let x = &mut w.actors[a];
    x.rounds -= 1;
    x.pc = if x.rounds == 0 { Pc::Done } else { Pc::Start };
}

/// `kill -9` of actor `a`: every description it has is closed.
fn kill(w: &mut World, a: usize) {
    for k in 0..MAX_DESCS {
        w.close((a * MAX_DESCS + k) as Desc);
    }
    let x = &mut w.actors[a];
    x.pc = Pc::Done;
    x.tmp = None;
    x.killed = true;
    w.kills_left -= 1;
    w.killed_any = true;
}

/// Invariants that hold in every state.
fn check(w: &World) -> Option<String> {
    for (i, x) in w.actors.iter().enumerate() {
        if let Pc::Held(d) = x.pc {
            let ino = w.ino(d);
            if w.name != Some(ino) {
                return Some(format!(
                    "S1: actor {i} holds inode {ino} but the name links {:?}",
                    w.name
                ));
            }
        }
    }
    if w.actors.iter().all(|x| x.pc == Pc::Done) && !w.killed_any {
        if let Some(ino) = w.name {
            // Only a foreign last closer may leave a (lock-free, so dead,
            // so free to every open) file behind.
            let foreign = w.actors.iter().any(|x| x.close == ClosePath::Foreign);
            if !(foreign && w.inodes[ino as usize].locks.is_empty()) {
                return Some(format!("S3: every actor closed, but the name still links {ino}"));
            }
        }
    }
    None
}

struct Explorer {
    mutant: Mutant,
    seen: HashSet<World>,
    states: u64,
    transitions: u64,
}

impl Explorer {
    fn explore(&mut self, w: World, trace: &mut Vec<String>) -> Result<(), String> {
        if let Some(v) = check(&w) {
            return Err(format!("{v}\n  after: {}", trace.join(" ; ")));
        }
        if !self.seen.insert(w.clone()) {
            return Ok(());
        }
        self.states += 1;
        for a in 0..w.actors.len() {
            if w.actors[a].pc == Pc::Done {
                continue;
            }
            let mut n = w.clone();
            let label = format!("{a}:{:?}", n.actors[a].pc);
            self.transitions += 1;
            if let Some(v) = step(&mut n, a, self.mutant) {
                return Err(format!("{v}\n  after: {} ; {label}", trace.join(" ; ")));
            }
            trace.push(label);
            self.explore(n, trace)?;
            trace.pop();
            if w.kills_left > 0 && w.actors[a].pc != Pc::Start {
                let mut n = w.clone();
                kill(&mut n, a);
                trace.push(format!("{a}:KILLED"));
                self.transitions += 1;
                self.explore(n, trace)?;
                trace.pop();
            }
        }
        Ok(())
    }
}

/// Explores every interleaving of `actors`; Ok((states, transitions)) or the first violation.
fn run(actors: &[ActorSpec], kills: u8, mutant: Mutant) -> Result<(u64, u64), String> {
    let mut e = Explorer {
        mutant,
        seen: HashSet::new(),
        states: 0,
        transitions: 0,
    };
    e.explore(World::new(actors, kills), &mut Vec::new())?;
    Ok((e.states, e.transitions))
}

use ClosePath::{Fast, Foreign, ReadOnly, Slow, UpgradeFirst as Up};
use Mode::{FailOpen, Open, OpenOrCreate as Ooc};

/// One actor: how it opens, how it closes, how many rounds it runs.
type ActorSpec = (Mode, ClosePath, u8);

/// The configurations checked: 2 and 3 actors, both close paths, plain
/// opens, repeated rounds, and up to one `kill -9` anywhere.
fn configs() -> Vec<(&'static str, Vec<ActorSpec>, u8)> {
    vec![
        (
            "2 creators, fast close, 2 rounds",
            vec![(Ooc, Fast, 2), (Ooc, Fast, 2)],
            0,
        ),
        (
            "2 creators, slow close, 2 rounds",
            vec![(Ooc, Slow, 2), (Ooc, Slow, 2)],
            0,
        ),
        (
            "creator + opener, 1 kill",
            vec![(Ooc, Fast, 2), (Open, Fast, 2)],
            1,
        ),
        (
            "creator + read-only opener, 1 kill",
            vec![(Ooc, Fast, 1), (Open, Slow, 2)],
            1,
        ),
        (
            "3 actors, mixed, 1 kill",
            vec![(Ooc, Fast, 1), (Ooc, Slow, 1), (Open, Fast, 1)],
            1,
        ),
        (
            "creator + 2 read-only openers, 1 kill",
            vec![(Ooc, Fast, 1), (Open, ReadOnly, 1), (Open, ReadOnly, 1)],
            1,
        ),
        (
            "writable and read-only closers racing, 2 rounds",
            vec![(Ooc, Fast, 2), (Open, ReadOnly, 2)],
            0,
        ),
        (
            "3 actors, 2 rounds, no kill",
            vec![(Ooc, Fast, 2), (Open, Fast, 1), (Ooc, Slow, 1)],
            0,
        ),
        (
            "2 creators, upgrade-first close, 2 rounds",
            vec![(Ooc, Up, 2), (Ooc, Up, 2)],
            0,
        ),
        (
            "upgrade-first and fast closers racing, 1 kill",
            vec![(Ooc, Up, 2), (Ooc, Fast, 2)],
            1,
        ),
        (
            "upgrade-first creator + read-only and writable openers, 1 kill",
            vec![(Ooc, Up, 1), (Open, ReadOnly, 1), (Open, Fast, 1)],
            1,
        ),
        (
            "creator + failing opener, 2 rounds",
            vec![(Ooc, Up, 2), (FailOpen, Fast, 3)],
            0,
        ),
        (
            "creator + opener + failing opener, 1 kill",
            vec![(Ooc, Fast, 1), (Open, Fast, 1), (FailOpen, Fast, 2)],
            1,
        ),
        (
            "creator + foreign read-only opener, 1 kill",
            vec![(Ooc, Up, 1), (Open, Foreign, 2)],
            1,
        ),
        (
            "2 creators + foreign read-only opener, 2 rounds",
            vec![(Ooc, Up, 2), (Open, Foreign, 1), (Ooc, Fast, 1)],
            0,
        ),
    ]
}

#[test]
fn protocol_model_has_no_split_brain_resurrection_or_leak_in_any_interleaving() {
    let mut total = (0, 0);
    for (what, actors, kills) in configs() {
        match run(&actors, kills, Mutant::None) {
            Ok((s, t)) => {
                eprintln!("model: {what}: {s} states, {t} transitions, no violation");
                total.0 += s;
                total.1 += t;
            }
            Err(v) => panic!("{what}: {v}"),
        }
    }
    eprintln!("model: total {} states, {} transitions", total.0, total.1);
}

#[test]
fn protocol_model_catches_every_seeded_bug() {
    for mutant in [
        Mutant::NoNlinkRecheck,
        Mutant::NoGetlk,
        Mutant::LockAfterLink,
        Mutant::CloseAlwaysUnlinks,
        Mutant::CloseNoRetry,
        Mutant::CloseWithoutFresh,
        Mutant::FailAfterLock,
    ] {
        let found = configs()
            .into_iter()
            .find_map(|(what, actors, kills)| run(&actors, kills, mutant).err().map(|v| (what, v)));
        match found {
            Some((what, v)) => eprintln!("model: {mutant:?} caught in `{what}`: {v}"),
            None if mutant == Mutant::CloseWithoutFresh => eprintln!(
                "model: {mutant:?} is equivalent: closing before opening the fresh \
                 description never breaks S1-S3 (every unlinker holds the write lock)"
            ),
            None => panic!("the model misses the seeded bug {mutant:?}"),
        }
    }
}
