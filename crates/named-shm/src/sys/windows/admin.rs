//! The Windows side of `crate::admin`.
//!
//! Win32 cannot enumerate the named objects of a session (only the native
//! `NtQueryDirectoryObject` can), and it has no call that removes a name while
//! handles are open: [`list`] and [`remove`] return `Error::Unsupported`.
//! [`info`] probes the name with the `Open*W` calls. The kernel reclaims a
//! name the moment its last handle closes, even when the holder crashed, so
//! there are never orphans and [`reap`] reports nothing.

use crate::admin::{ObjectInfo, ReapReport};
use crate::error::{Error, ObjectKind, Result};
use crate::name::{Namespace, ObjectName};
use crate::shm::{Access, ShmOptions};
use crate::sys::windows::shm::Shm;
use crate::sys::windows::{handle_count, name_error, open_any, probe_kind, ERROR_FILE_NOT_FOUND};
use crate::sys::Disposition;
use crate::sys::ShmImp as _;
use std::path::PathBuf;
use std::time::UNIX_EPOCH;
use windows_sys::Win32::System::RemoteDesktop::ProcessIdToSessionId;
use windows_sys::Win32::System::Threading::GetCurrentProcessId;

/// Unsupported: Win32 has no enumeration of named objects.
pub(crate) fn list(_ns: Namespace) -> Result<Vec<ObjectInfo>> {
    Err(Error::Unsupported {
        what: "listing named objects (Win32 cannot enumerate them)",
    })
}

/// What the kernel tells about the live object `name`. Fields Windows does not
/// track are zero: `owner_uid`, `mode`, `creator_pid`, `inode`, and `created`
/// is the Unix epoch; `holders` counts the open handles other than the probe's.
pub(crate) fn info(name: &ObjectName) -> Result<ObjectInfo> {
    let Some(kind) = probe_kind(name) else {
        // Missing, or held by an object of another type.
        let code = open_any(name, ObjectKind::Mapping)
            .err()
            .unwrap_or(ERROR_FILE_NOT_FOUND);
        return Err(name_error(name, ObjectKind::Mapping, code, "OpenFileMappingW", 0));
    };
    let handle = open_any(name, kind).map_err(|code| name_error(name, kind, code, "Open*W", 0))?;
    let (size, committed) = match kind {
        ObjectKind::Mapping => {
            let shm = Shm::acquire(name, Disposition::Open, 0, ShmOptions::new().access(Access::Read))?;
            (shm.size(), shm.committed())
        }
        ObjectKind::Event | ObjectKind::Mutex | ObjectKind::Semaphore => (0, true),
    };
    // Our probe handle is one of them.
    let holders = handle_count(&handle).map_or(1, |n| n.saturating_sub(1).max(1)) as usize;
    let mut session = 0u32;
    // SAFETY: session is a valid out pointer; on failure it stays 0.
    unsafe { ProcessIdToSessionId(GetCurrentProcessId(), &mut session) };
    let dir = match name.namespace() {
        Namespace::Global => "\\BaseNamedObjects".to_owned(),
        Namespace::Local => format!("\\Sessions\\{session}\\BaseNamedObjects"),
    };
    Ok(ObjectInfo {
        name: name.canonical(),
        namespace: name.namespace(),
        kind,
        size,
        owner_uid: 0,
        mode: 0,
        holders,
        orphan: false,
        creator_pid: 0,
        created: UNIX_EPOCH,
        path: PathBuf::from(format!("{dir}\\{}", name.base())),
        committed,
        inode: 0,
        device: 0,
    })
}

/// Unsupported: Windows removes a name only when its last handle closes.
pub(crate) fn remove(_name: &ObjectName) -> Result<()> {
    Err(Error::Unsupported {
        what: "removing a name while handles are open (Windows frees it with the last handle)",
    })
}

/// Nothing to do: Windows frees every name with its last handle, also when the
/// holder was killed, so there are no orphans.
pub(crate) fn reap(_dry_run: bool) -> Result<ReapReport> {
    Ok(ReapReport::default())
}
