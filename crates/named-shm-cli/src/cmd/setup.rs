//! `nshm setup-global`: grant a group the right to create `Global\` objects.
//!
//! The library creates in `Global\` only where the kernel lets it: the global
//! directory `<root>/named-shm.global` is root's, sticky, and writable by one
//! group (`root:GROUP 1775`), the counterpart of Windows'
//! `SeCreateGlobalPrivilege`. Everyone may open and list; members of the
//! group (and root) may create. This command, run as root, makes or fixes
//! that directory, moving an untrusted one (not root's, a symlink, a file,
//! writable by others, not sticky) aside untouched, and prints what it did.
//! The default group `named-shm` is created (`groupadd --system`) if it is
//! missing; a group named with `--group` must exist (a typo must not create
//! a group).

use crate::cli::SetupGlobalArgs;
use crate::exit_codes::{fail, invalid, ExitCode};
use anyhow::{Context, Result};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The group `nshm setup-global` grants by default.
pub const DEFAULT_GROUP: &str = "named-shm";

/// The global directory's mode: sticky, group-writable, others open and list.
const MODE: u32 = 0o1775;

fn root_dir() -> PathBuf {
    match std::env::var_os("NAMED_SHM_DIR") {
        Some(d) if !d.is_empty() => PathBuf::from(d),
        _ => PathBuf::from("/dev/shm"),
    }
}

/// The group's id, through NSS (`getent group`), or `None` if it does not exist.
fn group_id(name: &str) -> Result<Option<u32>> {
    let out = Command::new("getent")
        .args(["group", name])
        .output()
        .context("cannot run getent to look up the group")?;
    if !out.status.success() {
        return Ok(None);
    }
    let line = String::from_utf8_lossy(&out.stdout);
    let gid = line
        .trim()
        .split(':')
        .nth(2)
        .and_then(|g| g.parse().ok())
        .with_context(|| format!("getent printed an unexpected line for group `{name}`: {line}"))?;
    Ok(Some(gid))
}

fn secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Why the entry at `dir` is not a trusted global directory, or `None` if it is.
fn untrusted(md: &std::fs::Metadata) -> Option<String> {
    let mode = md.mode() & 0o7777;
    if md.file_type().is_symlink() {
        Some(format!("it is a symbolic link of uid {}", md.uid()))
    } else if !md.is_dir() {
        Some(format!("it is not a directory (uid {})", md.uid()))
    } else if md.uid() != 0 {
        Some(format!("it belongs to uid {}, not to root", md.uid()))
    } else if mode & 0o002 != 0 {
        Some(format!("its mode {mode:04o} lets any user create in it"))
    } else if mode & 0o1000 == 0 {
        Some(format!("its mode {mode:04o} has no sticky bit"))
    } else {
        None
    }
}

pub fn setup_global(a: SetupGlobalArgs) -> Result<()> {
    let euid = std::fs::metadata("/proc/self")
        .map(|m| m.uid())
        .unwrap_or(u32::MAX);
    if euid != 0 {
        return Err(fail(
            ExitCode::AccessDenied,
            "nshm setup-global must be run as root (it makes a root-owned directory)",
        ));
    }
    let group = a.group.as_deref().unwrap_or(DEFAULT_GROUP);
    let gid = match group_id(group)? {
        Some(g) => g,
        None if a.group.is_none() => {
            let st = Command::new("groupadd")
                .args(["--system", group])
                .status()
                .context("cannot run groupadd")?;
            if !st.success() {
                return Err(fail(
                    ExitCode::Failure,
                    format!("groupadd --system {group} failed ({st})"),
                ));
            }
            outln!("created group {group} (groupadd --system {group})")?;
            group_id(group)?.with_context(|| format!("group {group} still missing after groupadd"))?
        }
        None => {
            return Err(invalid(format!(
                "no group `{group}` (create it first: groupadd {group})"
            )))
        }
    };
    let root = root_dir();
    let dir = root.join("named-shm.global");
    for _ in 0..4 {
        match std::fs::symlink_metadata(&dir) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => match std::fs::create_dir(&dir) {
                Ok(()) => outln!("created {}", dir.display())?,
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e).with_context(|| format!("cannot create {}", dir.display())),
            },
            Err(e) => return Err(e).with_context(|| format!("cannot inspect {}", dir.display())),
            Ok(md) => {
                if let Some(why) = untrusted(&md) {
                    let aside = move_aside(&dir, &md)?;
                    outln!("moved aside {} ({why}): now {}", dir.display(), aside.display())?;
                    continue;
                }
            }
        }
        // A root-owned entry in the root: no other user can swap it now.
        let md = std::fs::symlink_metadata(&dir)?;
        if !md.is_dir() || md.uid() != 0 {
            continue;
        }
        let before = (md.gid(), md.mode() & 0o7777);
        std::os::unix::fs::chown(&dir, Some(0), Some(gid))
            .with_context(|| format!("cannot chown {}", dir.display()))?;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(MODE))
            .with_context(|| format!("cannot chmod {}", dir.display()))?;
        if before == (gid, MODE) {
            outln!("{} is already root:{group} {MODE:04o}", dir.display())?;
        } else {
            outln!(
                "set {} to root:{group} {MODE:04o} (was group {}, mode {:04o})",
                dir.display(),
                before.0,
                before.1
            )?;
        }
        // The library's own check (and, as root, its exact-modes ACL).
        named_shm::admin::list(named_shm::Namespace::Global)
            .with_context(|| format!("the library does not trust {}", dir.display()))?;
        outln!("Global\\ is ready: root and members of {group} may create; everyone may open and list.")?;
        outln!("Grant a user: usermod -aG {group} USER (effective at their next login).")?;
        if root == Path::new("/dev/shm") {
            outln!(
                "At boot: install dist/tmpfiles.d/named-shm.conf in /etc/tmpfiles.d/ (systemd-tmpfiles)."
            )?;
        }
        return Ok(());
    }
    Err(fail(
        ExitCode::Failure,
        format!("{} kept changing while it was set up; try again", dir.display()),
    ))
}

/// Renames the untrusted entry aside, untouched: `<name>.squatted-by-<uid>-<secs>`.
fn move_aside(dir: &Path, md: &std::fs::Metadata) -> Result<PathBuf> {
    let tag = if md.uid() != 0 {
        format!("squatted-by-{}", md.uid())
    } else {
        "unsafe".to_owned()
    };
    let aside = PathBuf::from(format!(
        "{}.{tag}-{}-{}",
        dir.display(),
        secs(),
        std::process::id()
    ));
    std::fs::rename(dir, &aside).with_context(|| format!("cannot move {} aside", dir.display()))?;
    Ok(aside)
}
