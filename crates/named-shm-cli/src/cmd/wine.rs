//! `nshm wine`: runs a Windows program under Wine with named-shm objects
//! bridged into its prefix, so that native programs and the Windows program
//! share them by name, without a copy.
//!
//! For each mapping the launcher opens (or creates) the named-shm object and
//! holds it while it runs `wine nshm-wine-helper.exe …`: the helper (source
//! in `wine/nshm-wine-helper.c`, embedded here) opens the object's file
//! through drive `Z:`, takes the shared lock on byte 0 that every handle
//! holds (so the prefix counts as one holder), names the file as a section,
//! and then starts the program. A program that creates the name with
//! `INVALID_HANDLE_VALUE` gets the bridge's section (`ERROR_ALREADY_EXISTS`),
//! whose pages are the object's: Wine maps file sections `MAP_SHARED`.
//!
//! Afterwards the launcher closes its handles with the library's close
//! protocol: a name nobody holds any more (natively or in the prefix) ends.
//! Events are relayed by [`relay`] over a loopback connection.

use crate::cli::{ProtonArgs, WineArgs};
use crate::exit_codes::{fail, invalid, ExitCode};
use crate::format;
use crate::input::parse_size;
use crate::signal;
use crate::wine::{catalogue, proton};
use anyhow::{Context, Result};
use named_shm::{admin, SharedMemory, ShmOptions};
use std::ffi::OsString;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

mod relay;

/// The helper, built by `scripts/build-wine-helper.sh` (CI checks that the
/// committed binary is what its source builds).
const HELPER: &[u8] = include_bytes!("../../wine/nshm-wine-helper.exe");

/// One bridged mapping: the native handle held while the program runs.
struct Bridged {
    shm: SharedMemory,
    /// The name as given: the Windows program's name for it.
    name: String,
    /// The object's file as the prefix sees it (`Z:\…`).
    windows_path: String,
}

pub fn run(a: WineArgs) -> Result<()> {
    let objects = objects(a.game.as_deref(), &a.maps, &a.events)?;
    let wine = std::env::var_os("WINE").unwrap_or_else(|| "wine".into());
    run_bridged(objects, |helper, helper_args| {
        let mut program = a.program.iter();
        let mut command = vec![wine, helper.as_os_str().to_owned()];
        if a.attach {
            command.push("--attach".into());
        }
        command.extend(helper_args);
        let Some(first) = program.next() else {
            if a.attach {
                return Ok(command);
            }
            return Err(invalid("no program given after `--`"));
        };
        command.push("--".into());
        command.push(program_arg(first));
        command.extend(program.cloned());
        Ok(command)
    })
}

/// `nshm proton … -- %command%`: the same bridge, with the helper inserted
/// into Proton's command line (see [`proton::rewrite`]).
pub fn proton(a: ProtonArgs) -> Result<()> {
    let objects = objects(a.game.as_deref(), &a.maps, &a.events)?;
    run_bridged(objects, |helper, helper_args| {
        proton::rewrite(&a.command, helper, &helper_args).map_err(invalid)
    })
}

/// Bridges `objects`, runs the command that `command` builds from the
/// helper's path (a Linux path) and arguments (to be followed by `--` and
/// the program), and exits with its exit code once the bridge has ended.
/// `nshm wine` builds `wine HELPER ARGS -- PROGRAM…`; a Proton launch
/// inserts the helper after Proton's verb.
pub fn run_bridged(
    objects: Objects,
    command: impl FnOnce(&Path, Vec<OsString>) -> Result<Vec<OsString>>,
) -> Result<()> {
    let Objects { maps, events } = objects;
    let mut bridged = Vec::with_capacity(maps.len());
    for (name, size) in maps {
        bridged.push(open_map(&name, size)?);
    }
    let helper = helper_path()?;
    let status = StatusDir::new()?;

    let mut args: Vec<OsString> = vec!["--status".into(), windows_path(&status.file())?.into()];
    for b in &bridged {
        args.extend([
            "--map".into(),
            b.name.clone().into(),
            b.shm.size().to_string().into(),
            b.windows_path.clone().into(),
        ]);
    }
    let relay = if events.is_empty() {
        None
    } else {
        let specs: Vec<_> = events.iter().map(|e| relay::EventSpec::parse(e)).collect();
        Some(relay::Relay::start(&specs, &mut args)?)
    };
    let argv = command(&helper, args)?;
    let Some((program, rest)) = argv.split_first() else {
        return Err(invalid("no command to run"));
    };
    let mut cmd = Command::new(program);
    cmd.args(rest);
    if let Some(r) = &relay {
        cmd.env("NSHM_BRIDGE_TOKEN", r.token());
    }

    // From here a Ctrl-C (which the terminal also sends to Wine) or a
    // SIGTERM must not kill the launcher before it closes its handles.
    signal::install();
    let wine = program.clone();
    let mut child = cmd.spawn().map_err(|e| {
        let wine = format::escape_os(&wine);
        if e.kind() == std::io::ErrorKind::NotFound {
            fail(
                ExitCode::NotFound,
                format!("cannot run `{wine}`: not found (install Wine, or set $WINE to its path)"),
            )
        } else {
            anyhow::Error::new(e).context(format!("cannot run `{wine}`"))
        }
    })?;
    let relay = match relay {
        Some(r) => r.accept(&mut child)?,
        None => None,
    };
    let mut forwarded = false;
    let exit = loop {
        if let Some(st) = child.try_wait().context("waiting for Wine")? {
            break st;
        }
        if signal::interrupted() && !forwarded {
            // SAFETY: kill has no memory effects; the pid is our child's,
            // not yet reaped (try_wait just returned None).
            unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
            forwarded = true;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    drop(relay);
    let helper_status = status.read();
    // The close protocol ends each name that nobody holds any more.
    drop(bridged);
    drop(status);
    match helper_status {
        HelperStatus::Started => {}
        HelperStatus::Failed(msg) => return Err(fail(ExitCode::Failure, msg)),
        HelperStatus::Exists(msg) => return Err(fail(ExitCode::AlreadyExists, msg)),
        HelperStatus::Missing => {
            return Err(fail(
                ExitCode::Failure,
                format!(
                    "the bridge did not start: `{}` exited with {} before the helper ran \
                     (is WINEPREFIX a 64-bit Wine prefix?)",
                    format::escape_os(&wine),
                    describe(exit)
                ),
            ))
        }
    }
    let code = match (exit.code(), exit.signal()) {
        (Some(c), _) => c,
        (None, Some(sig)) => 128 + sig,
        (None, None) => 1,
    };
    let _ = std::io::stdout().flush();
    std::process::exit(code);
}

fn describe(st: std::process::ExitStatus) -> String {
    match (st.code(), st.signal()) {
        (Some(c), _) => format!("exit code {c}"),
        (None, Some(s)) => format!("signal {s}"),
        _ => "an unknown status".into(),
    }
}

/// What to bridge.
#[derive(Default)]
pub struct Objects {
    /// Mappings: name and size.
    pub maps: Vec<(String, u64)>,
    /// Events: `NAME`, `NAME=auto` or `NAME=manual`.
    pub events: Vec<String>,
}

/// `--game TITLE`: the title's mappings and events from the catalogue.
fn game_objects(key: &str) -> Result<Objects> {
    let titles = catalogue::load().map_err(|e| invalid(format!("the catalogue of titles: {e}")))?;
    let Some(t) = catalogue::find(&titles, key) else {
        let known: Vec<&str> = titles.iter().map(|t| t.key.as_str()).collect();
        return Err(fail(
            ExitCode::NotFound,
            format!(
                "--game `{}`: no such title in the catalogue (known: {})",
                format::escape(key),
                known.join(", ")
            ),
        ));
    };
    Ok(Objects {
        maps: t.maps.clone(),
        events: t.events.clone(),
    })
}

/// Objects from `--game`, `--map` and `--event`, each name once (`X` and
/// `Local\X` are one name; a mapping given twice gets the larger size): the
/// helper names each section once.
fn objects(game: Option<&str>, maps: &[String], events: &[String]) -> Result<Objects> {
    let given = match game {
        Some(key) => game_objects(key)?,
        None => Objects::default(),
    };
    let mut maps_in = given.maps;
    for m in maps {
        maps_in.push(parse_map(m)?);
    }
    let mut objects = Objects::default();
    let mut seen: Vec<String> = Vec::new();
    for (name, size) in maps_in {
        let canonical = canonical(&name)?;
        match seen.iter().position(|c| *c == canonical) {
            Some(i) => objects.maps[i].1 = objects.maps[i].1.max(size),
            None => {
                seen.push(canonical);
                objects.maps.push((name, size));
            }
        }
    }
    let mut seen: Vec<String> = Vec::new();
    for e in given.events.iter().chain(events) {
        let canonical = canonical(&relay::EventSpec::parse(e).name)?;
        if !seen.contains(&canonical) {
            seen.push(canonical);
            objects.events.push(e.clone());
        }
    }
    Ok(objects)
}

/// The name as the library keys it (`X` is `Local\X`).
fn canonical(name: &str) -> Result<String> {
    Ok(named_shm::ObjectName::parse(name)?.canonical())
}

/// `NAME=SIZE`: split at the last `=` (a size never contains one).
fn parse_map(text: &str) -> Result<(String, u64)> {
    let Some((name, size)) = text.rsplit_once('=') else {
        return Err(invalid(format!(
            "invalid --map `{}`: expected NAME=SIZE, e.g. 'Local\\acpmf_physics=4K'",
            format::escape(text)
        )));
    };
    if name.is_empty() {
        return Err(invalid(format!(
            "invalid --map `{}`: the name is empty",
            format::escape(text)
        )));
    }
    let size = parse_size("--map size", size)?;
    if size == 0 {
        return Err(invalid(format!(
            "invalid --map `{}`: the size must be at least 1 byte",
            format::escape(text)
        )));
    }
    Ok((name.to_owned(), size))
}

/// Opens or creates the mapping `name` of at least `size` bytes and finds
/// its file as the prefix sees it.
fn open_map(name: &str, size: u64) -> Result<Bridged> {
    let shown = format::escape(name).into_owned();
    let shm = ShmOptions::new()
        .open_or_create(name, size)
        .with_context(|| format!("cannot bridge `{shown}`"))?;
    if shm.size() < size {
        return Err(invalid(format!(
            "cannot bridge `{shown}`: it exists with {} bytes, fewer than the {size} asked for \
             (a Windows program mapping {size} bytes would fail)",
            shm.size()
        )));
    }
    let info = admin::info(name).with_context(|| format!("cannot bridge `{shown}`"))?;
    Ok(Bridged {
        name: name.to_owned(),
        windows_path: windows_path(&info.path).with_context(|| format!("cannot bridge `{shown}`"))?,
        shm,
    })
}

/// A Linux path as Wine's drive `Z:` (the root of the file system in every
/// prefix Wine makes) shows it: `/dev/shm/x` is `Z:\dev\shm\x`.
fn windows_path(path: &Path) -> Result<String> {
    let abs =
        std::path::absolute(path).with_context(|| format!("cannot make {} absolute", path.display()))?;
    proton::wine_path(&abs).map_err(invalid)
}

/// The program as the helper should start it: a Linux path (one with a
/// `/` that exists) becomes its `Z:` path; anything else (`C:\…\game.exe`,
/// `notepad`) is passed as given.
fn program_arg(program: &OsString) -> OsString {
    let p = Path::new(program);
    if program.as_encoded_bytes().contains(&b'/') && p.exists() {
        if let Ok(w) = windows_path(p) {
            return w.into();
        }
    }
    program.clone()
}

/// Writes the embedded helper to the cache once (per content) and returns
/// its path: `$XDG_CACHE_HOME/named-shm/` or `~/.cache/named-shm/`.
fn helper_path() -> Result<PathBuf> {
    let dir = match std::env::var_os("XDG_CACHE_HOME").filter(|d| Path::new(d).is_absolute()) {
        Some(d) => PathBuf::from(d),
        None => match std::env::var_os("HOME").filter(|d| !d.is_empty()) {
            Some(h) => Path::new(&h).join(".cache"),
            None => {
                return Err(invalid(
                    "cannot find a cache directory for the Wine helper: set HOME or XDG_CACHE_HOME",
                ))
            }
        },
    }
    .join("named-shm");
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&dir)
        .with_context(|| format!("cannot create the cache directory {}", dir.display()))?;
    let path = dir.join(format!("nshm-wine-helper-{:012x}.exe", fnv1a(HELPER) >> 16));
    if std::fs::read(&path).is_ok_and(|b| b == HELPER) {
        return Ok(path);
    }
    // Written under a unique name and renamed into place: a concurrent
    // launcher never sees half a helper.
    let tmp = dir.join(format!(".nshm-wine-helper-{}.tmp", std::process::id()));
    let written = (|| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o700)
            .open(&tmp)?;
        f.write_all(HELPER)?;
        f.sync_all()?;
        std::fs::rename(&tmp, &path)
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(
            anyhow::Error::new(e).context(format!("cannot write the Wine helper to {}", path.display()))
        );
    }
    Ok(path)
}

/// FNV-1a, 64 bits: names the cached helper by its content.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// What the helper wrote to its status file.
enum HelperStatus {
    /// `ok`: the bridge was set up and the program started.
    Started,
    /// `error exists …`: a program of the prefix had the name first.
    Exists(String),
    /// `error …`: the bridge could not be set up.
    Failed(String),
    /// Nothing: the helper never ran (or was killed before it started the program).
    Missing,
}

/// A private directory (mode 0700) for the helper's status file.
struct StatusDir(PathBuf);

impl StatusDir {
    fn new() -> Result<StatusDir> {
        let base = std::env::temp_dir();
        for attempt in 0..100u32 {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.subsec_nanos());
            let dir = base.join(format!("nshm-wine-{}-{nanos:x}-{attempt}", std::process::id()));
            match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
                Ok(()) => return Ok(StatusDir(dir)),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => {
                    return Err(anyhow::Error::new(e)
                        .context(format!("cannot create a directory in {}", base.display())))
                }
            }
        }
        Err(fail(
            ExitCode::Failure,
            format!("cannot create a directory in {}", base.display()),
        ))
    }

    fn file(&self) -> PathBuf {
        self.0.join("status")
    }

    fn read(&self) -> HelperStatus {
        let Ok(text) = std::fs::read_to_string(self.file()) else {
            return HelperStatus::Missing;
        };
        let line = text.lines().next().unwrap_or("");
        if line == "ok" {
            HelperStatus::Started
        } else if let Some(msg) = line.strip_prefix("error exists ") {
            HelperStatus::Exists(msg.to_owned())
        } else if let Some(msg) = line.strip_prefix("error ") {
            HelperStatus::Failed(msg.to_owned())
        } else {
            HelperStatus::Missing
        }
    }
}

impl Drop for StatusDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_arguments_split_at_the_last_equals_sign() {
        assert_eq!(
            parse_map("Local\\a=b=4K").unwrap(),
            ("Local\\a=b".to_owned(), 4096)
        );
        assert_eq!(parse_map("Global\\X=100").unwrap(), ("Global\\X".to_owned(), 100));
        for bad in ["X", "=4K", "X=", "X=0", "X=big"] {
            assert!(parse_map(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_name_given_twice_is_bridged_once_with_the_larger_size() {
        let maps = [
            "Local\\T=4K".to_owned(),
            "T=64K".to_owned(),
            "Global\\T=4K".to_owned(),
        ];
        let events = ["E".to_owned(), "Local\\E=manual".to_owned()];
        let o = objects(None, &maps, &events).unwrap();
        assert_eq!(
            o.maps,
            [("Local\\T".to_owned(), 65536), ("Global\\T".to_owned(), 4096)]
        );
        assert_eq!(o.events, ["E"]);
    }

    #[test]
    fn linux_paths_become_drive_z_paths() {
        assert_eq!(
            windows_path(Path::new("/dev/shm/named-shm.1000/a%5Cb")).unwrap(),
            "Z:\\dev\\shm\\named-shm.1000\\a%5Cb"
        );
        assert!(windows_path(Path::new("/tmp/a\\b")).is_err());
        assert!(windows_path(Path::new("/tmp/a:b")).is_err());
    }

    #[test]
    fn the_helper_is_a_windows_executable() {
        assert_eq!(&HELPER[..2], b"MZ");
    }
}
