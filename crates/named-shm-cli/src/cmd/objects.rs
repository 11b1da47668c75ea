//! `nshm list` and `nshm info`.

use super::sync::{sync_state, SyncState};
use crate::cli::{InfoArgs, ListArgs};
use crate::format;
use anyhow::Result;
use named_shm::admin::{self, ForeignEntry, Holder, ObjectInfo};
use named_shm::Namespace;
use serde::Serialize;
use std::io::Write;

/// One object as `--json` prints it.
#[derive(Debug, Serialize)]
struct ObjectJson {
    name: String,
    namespace: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
    size: u64,
    owner_uid: u32,
    owner: String,
    mode: String,
    /// Open handles, in all processes (from the kernel's lock table).
    holders: usize,
    /// The holders' process ids, where the caller may see them.
    pids: Vec<u32>,
    orphan: bool,
    creator_pid: u32,
    /// Seconds since the Unix epoch.
    created: f64,
    age_secs: u64,
    path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    processes: Option<Vec<HolderJson>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    committed: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    event: Option<EventJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mutex: Option<MutexJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    semaphore: Option<SemaphoreJson>,
}

/// An entry that is not a named object, as `list --json` prints it (after
/// the objects, with `"type": "foreign"` and no name).
#[derive(Debug, Serialize)]
struct ForeignJson {
    /// Always `null`: a foreign entry is never shown under a name.
    name: Option<String>,
    namespace: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
    /// Its file name: exact when it is UTF-8, else with `\xNN` for the other bytes.
    file: String,
    path: String,
    owner_uid: Option<u32>,
    reason: String,
}

/// One element of `list --json`.
#[derive(Debug, Serialize)]
#[serde(untagged)]
enum EntryJson {
    Object(Box<ObjectJson>),
    Foreign(ForeignJson),
}

/// Text that may not be UTF-8, for JSON: exact when it is.
fn json_os(s: &std::ffi::OsStr) -> String {
    match s.to_str() {
        Some(s) => s.to_owned(),
        None => format::escape_os(s),
    }
}

fn foreign_json(f: &ForeignEntry) -> ForeignJson {
    ForeignJson {
        name: None,
        namespace: f.namespace.as_str(),
        kind: "foreign",
        file: json_os(&f.file_name),
        path: json_os(f.path.as_os_str()),
        owner_uid: f.owner_uid,
        reason: f.reason.clone(),
    }
}

#[derive(Debug, Serialize)]
struct HolderJson {
    pid: u32,
    command: String,
    handles: usize,
}

#[derive(Debug, Serialize)]
struct EventJson {
    set: bool,
    manual_reset: bool,
}

#[derive(Debug, Serialize)]
struct MutexJson {
    locked: bool,
    /// The owner died holding it: the next lock takes it, reported abandoned.
    abandoned: bool,
    owner_pid: Option<u32>,
    owner_tid: Option<u32>,
}

#[derive(Debug, Serialize)]
struct SemaphoreJson {
    count: i32,
    maximum: i32,
}

impl ObjectJson {
    /// Adds the live state of an event, mutex or semaphore.
    fn with_state(mut self, state: Option<SyncState>) -> Self {
        match state {
            Some(SyncState::Event { set, manual_reset }) => {
                self.event = Some(EventJson { set, manual_reset })
            }
            Some(SyncState::Mutex { owner, abandoned }) => {
                self.mutex = Some(MutexJson {
                    locked: owner.is_some() && !abandoned,
                    abandoned,
                    // 0: the owner's process is gone from /proc.
                    owner_pid: owner.map(|o| o.0).filter(|&pid| pid != 0),
                    owner_tid: owner.map(|o| o.1),
                })
            }
            Some(SyncState::Semaphore { count, maximum }) => {
                self.semaphore = Some(SemaphoreJson { count, maximum })
            }
            None => {}
        }
        self
    }
}

fn to_json(info: &ObjectInfo, holders: &[Holder]) -> ObjectJson {
    let age = std::time::SystemTime::now()
        .duration_since(info.created)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    ObjectJson {
        name: info.name.clone(),
        namespace: info.namespace.as_str(),
        kind: info.kind.as_str(),
        size: info.size,
        owner_uid: info.owner_uid,
        owner: format::user_name(info.owner_uid),
        mode: format::mode(info.mode),
        holders: info.holders,
        pids: holders.iter().map(|h| h.pid).collect(),
        orphan: info.orphan,
        creator_pid: info.creator_pid,
        created: format::unix_secs(info.created),
        age_secs: age,
        path: info.path.display().to_string(),
        processes: None,
        committed: None,
        event: None,
        mutex: None,
        semaphore: None,
    }
}

/// `1234,5678`, `-` when none is visible, `+` appended when some are hidden.
fn pid_list(info: &ObjectInfo, holders: &[Holder]) -> String {
    if holders.is_empty() {
        return if info.holders == 0 { "-".into() } else { "?".into() };
    }
    let mut s = holders
        .iter()
        .map(|h| h.pid.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let seen: usize = holders.iter().map(|h| h.handles).sum();
    if seen < info.holders {
        s.push_str(",?");
    }
    s
}

pub fn list(a: ListArgs) -> Result<()> {
    let namespaces: &[Namespace] = if a.all {
        &[Namespace::Local, Namespace::Global]
    } else if a.global {
        &[Namespace::Global]
    } else {
        &[Namespace::Local]
    };
    let mut objects = Vec::new();
    let mut foreign = Vec::new();
    // One pass over the machine's descriptors for every object listed.
    let index = admin::HolderIndex::read();
    for &ns in namespaces {
        // One pass over the namespace for its objects and foreign entries.
        let (infos, others) = admin::list_all(ns)?;
        for info in infos {
            let holders = index.holders(&info);
            // After the holder figures: reading the state opens a handle.
            let state = sync_state(&info.name, &info);
            objects.push((info, holders, state));
        }
        foreign.extend(others);
    }
    // Buffered: a line-buffered stdout costs a write per line, about 20 per
    // object in JSON.
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let write = |out: &mut dyn Write| -> Result<()> {
        if a.json {
            let json: Vec<EntryJson> = objects
                .iter()
                .map(|(i, h, st)| EntryJson::Object(Box::new(to_json(i, h).with_state(st.clone()))))
                .chain(foreign.iter().map(|f| EntryJson::Foreign(foreign_json(f))))
                .collect();
            serde_json::to_writer_pretty(&mut *out, &json)?;
            writeln!(out)?;
            return Ok(());
        }
        if objects.is_empty() {
            let which = namespaces
                .iter()
                .map(|n| format!("{n}\\"))
                .collect::<Vec<_>>()
                .join(" or ");
            writeln!(out, "no named objects in {which}")?;
            if !a.all {
                writeln!(out, "(nshm list --all shows both namespaces)")?;
            }
            return list_foreign(out, &foreign);
        }
        let rows: Vec<Vec<String>> = objects
            .iter()
            .map(|(i, h, st)| {
                vec![
                    format::escape(&i.name).into_owned(),
                    i.kind.as_str().into(),
                    if i.size == 0 {
                        "-".into()
                    } else {
                        format::size(i.size, a.bytes)
                    },
                    format::escape(&format::user_name(i.owner_uid)).into_owned(),
                    format::mode(i.mode),
                    if i.orphan {
                        "orphan".into()
                    } else {
                        i.holders.to_string()
                    },
                    pid_list(i, h),
                    format::age(i.created),
                    match (st, i.kind) {
                        (Some(st), _) => st.cell(),
                        (None, named_shm::ObjectKind::Mapping) => "-".into(),
                        // An orphan, or one this user may not open.
                        (None, _) => "?".into(),
                    },
                ]
            })
            .collect();
        let header = [
            "NAME", "TYPE", "SIZE", "OWNER", "MODE", "HOLDERS", "PIDS", "AGE", "STATE",
        ];
        out.write_all(format::table(&header, &rows, &[2, 5, 7]).as_bytes())?;
        let orphans = objects.iter().filter(|(i, _, _)| i.orphan).count();
        if orphans > 0 {
            writeln!(
                out,
                "\n{orphans} orphan{} (every holder died without closing): `nshm reap` reclaims {}",
                if orphans == 1 { "" } else { "s" },
                if orphans == 1 { "it" } else { "them" }
            )?;
        }
        let hidden = objects
            .iter()
            .any(|(i, h, _)| h.iter().map(|h| h.handles).sum::<usize>() < i.holders);
        if hidden && index.unreadable() > 0 {
            writeln!(out, "\n{}", unreadable_note(index.unreadable()))?;
        }
        list_foreign(out, &foreign)
    };
    write(&mut out)?;
    out.flush()?;
    Ok(())
}

/// The entries that are not named objects, by (escaped) file name.
fn list_foreign(out: &mut (impl Write + ?Sized), foreign: &[ForeignEntry]) -> Result<()> {
    if foreign.is_empty() {
        return Ok(());
    }
    let n = foreign.len();
    writeln!(
        out,
        "\n{n} entr{} that {} not named objects (never shown, removed or reaped under a name):",
        if n == 1 { "y" } else { "ies" },
        if n == 1 { "is" } else { "are" }
    )?;
    for f in foreign {
        let owner = f
            .owner_uid
            .map(|u| format!("owner {}", format::escape(&format::user_name(u))))
            .unwrap_or_else(|| "owner ?".into());
        writeln!(
            out,
            "  {}  {owner}: {}",
            format::escape_os(f.path.as_os_str()),
            format::escape(&f.reason)
        )?;
    }
    Ok(())
}

/// Why some holders have no process id: the "?" of the PIDS column.
fn unreadable_note(n: usize) -> String {
    format!(
        "? in PIDS: handles held by processes this user may not inspect ({n} process{} of other \
         users were skipped; root sees them all)",
        if n == 1 { "" } else { "es" }
    )
}

pub fn info(a: InfoArgs) -> Result<()> {
    let info = admin::info(&a.name)?;
    let index = admin::HolderIndex::read();
    let holders = index.holders(&info);
    // Opening an event or mutex to read its state adds a handle: take the
    // holder figures first.
    let state = sync_state(&a.name, &info);
    let mut out = std::io::stdout().lock();
    if a.json {
        let mut j = to_json(&info, &holders);
        j.processes = Some(
            holders
                .iter()
                .map(|h| HolderJson {
                    pid: h.pid,
                    command: h.command.clone(),
                    handles: h.handles,
                })
                .collect(),
        );
        j.committed = (info.kind == named_shm::ObjectKind::Mapping).then_some(info.committed);
        let j = j.with_state(state);
        serde_json::to_writer_pretty(&mut out, &j)?;
        writeln!(out)?;
        return Ok(());
    }
    let mut lines: Vec<(&str, String)> = vec![
        ("name", format::escape(&info.name).into_owned()),
        ("namespace", info.namespace.as_str().into()),
        ("type", info.kind.as_str().into()),
    ];
    if info.kind == named_shm::ObjectKind::Mapping {
        lines.push((
            "size",
            format!(
                "{} ({} bytes){}",
                format::human_size(info.size),
                info.size,
                if info.committed {
                    ""
                } else {
                    ", reserved on first touch"
                }
            ),
        ));
    }
    match state {
        Some(SyncState::Event { set, manual_reset }) => lines.push((
            "state",
            format!(
                "{}, {}",
                if set { "set (signaled)" } else { "not set" },
                if manual_reset {
                    "manual-reset"
                } else {
                    "auto-reset"
                }
            ),
        )),
        Some(SyncState::Mutex { owner, abandoned }) => lines.push((
            "owner",
            match owner {
                Some((_, tid)) if abandoned => format!(
                    "abandoned: its owner (thread {tid}) died holding it; the next lock takes it and reports it abandoned"
                ),
                Some((pid, tid)) => format!("locked by pid {pid} (thread {tid})"),
                None => "unlocked".into(),
            },
        )),
        Some(SyncState::Semaphore { count, maximum }) => {
            lines.push(("count", format!("{count} of at most {maximum}")))
        }
        None => {}
    }
    lines.push((
        "owner uid",
        format!(
            "{} ({})",
            format::escape(&format::user_name(info.owner_uid)),
            info.owner_uid
        ),
    ));
    lines.push((
        "mode",
        format!(
            "{} ({})",
            format::mode(info.mode),
            format::mode_symbolic(info.mode)
        ),
    ));
    lines.push((
        "created",
        format!(
            "{} ({} ago) by pid {}",
            format::utc(info.created),
            format::age(info.created),
            info.creator_pid
        ),
    ));
    let processes = holders.len();
    lines.push((
        "holders",
        format!(
            "{} handle{} in {} visible process{}",
            info.holders,
            if info.holders == 1 { "" } else { "s" },
            processes,
            if processes == 1 { "" } else { "es" }
        ),
    ));
    for h in &holders {
        lines.push((
            "",
            format!(
                "pid {:<7} {:<16} {} handle{}",
                h.pid,
                if h.command.is_empty() {
                    "?".into()
                } else {
                    format::escape(&h.command)
                },
                h.handles,
                if h.handles == 1 { "" } else { "s" }
            ),
        ));
    }
    let seen: usize = holders.iter().map(|h| h.handles).sum();
    if seen < info.holders && index.unreadable() > 0 {
        let n = index.unreadable();
        lines.push((
            "",
            format!(
                "{} more handle{} in processes this user may not inspect ({n} process{} of other \
                 users skipped; root sees them all)",
                info.holders - seen,
                if info.holders - seen == 1 { "" } else { "s" },
                if n == 1 { "" } else { "es" }
            ),
        ));
    }
    lines.push(("path", format::escape_os(info.path.as_os_str())));
    for (k, v) in lines {
        if k.is_empty() {
            writeln!(out, "{:11}  {v}", "")?;
        } else {
            writeln!(out, "{:11}  {v}", format!("{k}:"))?;
        }
    }
    Ok(())
}
