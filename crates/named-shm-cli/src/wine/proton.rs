//! `nshm proton … -- %command%`: put the bridge's helper between Proton and
//! the game.
//!
//! Steam expands `%command%` in a game's launch options to the whole
//! command line it would run, for example (Proton 8 through the Steam Linux
//! Runtime container, as current Steam clients start it):
//!
//! ```text
//! …/ubuntu12_32/reaper SteamLaunch AppId=805550 -- …/ubuntu12_32/steam-launch-wrapper --
//!   …/SteamLinuxRuntime_sniper/_v2-entry-point --verb=waitforexitandrun --
//!   …/common/Proton 8.0/proton waitforexitandrun …/common/Game/Game.exe -arg
//! ```
//!
//! Older clients and Proton versions without the container leave out the
//! first wrappers; users add their own (`gamemoderun`, `mangohud`, `env
//! VAR=…`). Whatever surrounds it, the part that matters is the `proton`
//! script followed by its verb and the program. Proton's verbs `run` and
//! `waitforexitandrun` start `steam.exe` in the prefix with the rest of the
//! arguments (and `steam.exe` starts the program); `runinprefix` starts
//! them with `wine` directly; `getcompatpath`, `getnativepath` and
//! `destroyprefix` start nothing.
//!
//! [`rewrite`] turns `proton VERB PROGRAM ARGS…` into
//! `proton VERB HELPER HELPER_ARGS… -- PROGRAM' ARGS…`, leaving everything
//! before and after untouched, so that the helper creates the bridge's
//! objects in the prefix before the game starts and then runs the game as
//! its child. `HELPER` and `PROGRAM'` are in their `Z:\…` form (an absolute
//! Linux path is not a path to Windows' `CreateProcess`: `steam.exe` converts
//! only the first argument it is given, and the helper starts the program
//! with `CreateProcessW`).

use std::ffi::{OsStr, OsString};
use std::path::{Component, Path};

/// Proton verbs that start a program.
const PROGRAM_VERBS: [&str; 3] = ["waitforexitandrun", "run", "runinprefix"];

/// Proton verbs that start nothing.
const OTHER_VERBS: [&str; 3] = ["getcompatpath", "getnativepath", "destroyprefix"];

/// `command` (Steam's `%command%`, split into arguments) with `helper` and
/// `helper_args` inserted between Proton's verb and the program, followed by
/// `--` and the program in its `Z:\…` form. `helper_args` is the helper's
/// own arguments, without the `--` that ends them.
///
/// An error, saying what was expected, when no `proton` script followed by
/// `run`, `waitforexitandrun` or `runinprefix` and a program is in
/// `command`, or when the helper or the program cannot be named from
/// Windows (see [`wine_path`]).
pub fn rewrite(
    command: &[OsString],
    helper: &Path,
    helper_args: &[OsString],
) -> Result<Vec<OsString>, String> {
    let helper = wine_path(helper).map_err(|e| format!("the helper: {e}"))?;
    let (at, verb) = find_proton(command)?;
    let Some(program) = command.get(at + 2) else {
        return Err(format!(
            "`{} {verb}` is not followed by the program to run",
            command[at].to_string_lossy()
        ));
    };
    let program = if program.as_encoded_bytes().starts_with(b"/") {
        OsString::from(wine_path(Path::new(program)).map_err(|e| format!("the program: {e}"))?)
    } else {
        program.clone()
    };
    let mut out = Vec::with_capacity(command.len() + helper_args.len() + 2);
    out.extend_from_slice(&command[..at + 2]);
    out.push(OsString::from(helper));
    out.extend_from_slice(helper_args);
    out.push(OsString::from("--"));
    out.push(program);
    out.extend_from_slice(&command[at + 3..]);
    Ok(out)
}

/// The index of the first `proton` script followed by a verb that starts a
/// program, with that verb.
fn find_proton(command: &[OsString]) -> Result<(usize, &str), String> {
    for (i, arg) in command.iter().enumerate() {
        if Path::new(arg).file_name() != Some(OsStr::new("proton")) {
            continue;
        }
        let Some(verb) = command.get(i + 1).and_then(|v| v.to_str()) else {
            continue;
        };
        if let Some(v) = PROGRAM_VERBS.iter().find(|v| **v == verb) {
            return Ok((i, v));
        }
        if OTHER_VERBS.contains(&verb) {
            return Err(format!(
                "`proton {verb}` starts no program; expected `proton waitforexitandrun`, \
                 `proton run` or `proton runinprefix` followed by the program"
            ));
        }
    }
    let shown: Vec<_> = command.iter().map(|a| a.to_string_lossy()).collect();
    Err(format!(
        "no Proton invocation in the command line `{}`: expected the `proton` script \
         followed by `waitforexitandrun`, `run` or `runinprefix` and the program, as Steam \
         passes it for `%command%` in a game's launch options (`nshm proton … -- %command%`)",
        shown.join(" ")
    ))
}

/// The `Z:\…` form of an absolute Linux path: how Windows programs in a
/// Wine or Proton prefix name it (a prefix's `Z:` is the Linux root).
///
/// An error for a relative path, a path that is not UTF-8, and a path with a
/// character that Windows file names cannot hold (`\ : * ? " < > |` or a
/// control character). `.` components are dropped; `..` components are kept
/// (Windows resolves them as Linux would, symbolic links aside).
///
/// ```text
/// /home/me/Games/My Game/game.exe  ->  Z:\home\me\Games\My Game\game.exe
/// ```
pub fn wine_path(linux: &Path) -> Result<String, String> {
    let shown = linux.to_string_lossy();
    if !linux.is_absolute() {
        return Err(format!("'{shown}' is not an absolute path"));
    }
    let mut out = String::from("Z:");
    let mut any = false;
    for c in linux.components() {
        let part = match c {
            Component::RootDir | Component::CurDir => continue,
            Component::ParentDir => "..",
            Component::Normal(p) => p.to_str().ok_or_else(|| format!("'{shown}' is not UTF-8"))?,
            Component::Prefix(_) => return Err(format!("'{shown}' is not a Linux path")),
        };
        if let Some(bad) = part
            .chars()
            .find(|&ch| matches!(ch, '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') || ch < ' ')
        {
            return Err(format!(
                "'{shown}' holds {bad:?}, which a Windows path cannot name"
            ));
        }
        out.push('\\');
        out.push_str(part);
        any = true;
    }
    if !any {
        out.push('\\');
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::ffi::OsStringExt;

    fn args(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    const HELPER: &str = "/usr/lib/named-shm/nshm-wine-helper.exe";
    const HELPER_Z: &str = "Z:\\usr\\lib\\named-shm\\nshm-wine-helper.exe";

    fn helper_args() -> Vec<OsString> {
        args(&[
            "--map",
            "Local\\acpmf_physics",
            "65536",
            "Z:\\dev\\shm\\x",
            "--event",
            "Local\\E",
        ])
    }

    fn rw(command: &[&str]) -> Result<Vec<String>, String> {
        rewrite(&args(command), Path::new(HELPER), &helper_args())
            .map(|v| v.into_iter().map(|a| a.into_string().unwrap()).collect())
    }

    /// `prefix`, then the helper with its arguments, `--`, then `rest`.
    fn expect(prefix: &[&str], rest: &[&str]) -> Vec<String> {
        let mut v: Vec<String> = prefix.iter().map(|s| s.to_string()).collect();
        v.push(HELPER_Z.into());
        v.extend(helper_args().into_iter().map(|a| a.into_string().unwrap()));
        v.push("--".into());
        v.extend(rest.iter().map(|s| s.to_string()));
        v
    }

    #[test]
    fn plain_proton_gets_the_helper_before_the_game() {
        let proton = "/home/u/.local/share/Steam/steamapps/common/Proton 8.0/proton";
        let game = "/home/u/.local/share/Steam/steamapps/common/assettocorsa/AssettoCorsa.exe";
        assert_eq!(
            rw(&[proton, "waitforexitandrun", game]).unwrap(),
            expect(
                &[proton, "waitforexitandrun"],
                &["Z:\\home\\u\\.local\\share\\Steam\\steamapps\\common\\assettocorsa\\AssettoCorsa.exe"]
            )
        );
    }

    #[test]
    fn proton_inside_the_steam_linux_runtime_keeps_every_wrapper() {
        let s = "/home/u/.local/share/Steam";
        let reaper = format!("{s}/ubuntu12_32/reaper");
        let wrapper = format!("{s}/ubuntu12_32/steam-launch-wrapper");
        let entry = format!("{s}/steamapps/common/SteamLinuxRuntime_sniper/_v2-entry-point");
        let proton = format!("{s}/steamapps/common/Proton - Experimental/proton");
        let game = format!("{s}/steamapps/common/iRacing/iRacingSim64DX11.exe");
        let cmd = [
            reaper.as_str(),
            "SteamLaunch",
            "AppId=266410",
            "--",
            &wrapper,
            "--",
            &entry,
            "--verb=waitforexitandrun",
            "--",
            &proton,
            "waitforexitandrun",
            &game,
            "-windowed",
            "--",
            "x y",
        ];
        assert_eq!(
            rw(&cmd).unwrap(),
            expect(
                &cmd[..11],
                &[
                    "Z:\\home\\u\\.local\\share\\Steam\\steamapps\\common\\iRacing\\iRacingSim64DX11.exe",
                    "-windowed",
                    "--",
                    "x y"
                ]
            )
        );
    }

    #[test]
    fn user_wrappers_and_env_assignments_before_proton_stay() {
        let proton = "/home/u/.steam/root/compatibilitytools.d/GE-Proton9-20/proton";
        let game = "/mnt/games/SteamLibrary/steamapps/common/rFactor 2/Bin64/rFactor2.exe";
        let cmd = [
            "env",
            "DXVK_HUD=1",
            "gamemoderun",
            "mangohud",
            proton,
            "run",
            game,
            "+path=..",
        ];
        assert_eq!(
            rw(&cmd).unwrap(),
            expect(
                &cmd[..6],
                &[
                    "Z:\\mnt\\games\\SteamLibrary\\steamapps\\common\\rFactor 2\\Bin64\\rFactor2.exe",
                    "+path=.."
                ]
            )
        );
    }

    #[test]
    fn runinprefix_and_a_relative_program_are_accepted_as_they_are() {
        let cmd = ["/opt/proton/proton", "runinprefix", "game.exe", "-a"];
        assert_eq!(rw(&cmd).unwrap(), expect(&cmd[..2], &["game.exe", "-a"]));
        // A Windows path is passed on unchanged.
        let cmd = ["/opt/proton/proton", "run", "C:\\Games\\x.exe"];
        assert_eq!(rw(&cmd).unwrap(), expect(&cmd[..2], &["C:\\Games\\x.exe"]));
    }

    #[test]
    fn the_first_proton_with_a_program_verb_is_rewritten() {
        // A directory called proton elsewhere, and a second invocation.
        let cmd = [
            "/home/u/proton/wrap.sh",
            "/opt/p/proton",
            "run",
            "/g/a.exe",
            "/opt/p/proton",
            "run",
            "/g/b.exe",
        ];
        let out = rw(&cmd).unwrap();
        assert_eq!(out[..3], cmd[..3]);
        assert_eq!(out[3], HELPER_Z);
        assert_eq!(out[4 + helper_args().len() + 1], "Z:\\g\\a.exe");
        assert_eq!(out[out.len() - 3..], cmd[4..]);
    }

    #[test]
    fn no_proton_in_the_command_is_an_error_saying_what_was_expected() {
        let e = rw(&["/usr/bin/wine", "game.exe"]).unwrap_err();
        assert!(e.contains("no Proton invocation"), "{e}");
        assert!(e.contains("waitforexitandrun"), "{e}");
        assert!(e.contains("%command%"), "{e}");
        assert!(e.contains("/usr/bin/wine game.exe"), "{e}");
        assert!(rw(&[]).unwrap_err().contains("no Proton invocation"));
        // `proton` as the last word, or followed by no verb, is not one.
        assert!(rw(&["/p/proton"]).unwrap_err().contains("no Proton invocation"));
        assert!(rw(&["/p/proton", "game.exe"])
            .unwrap_err()
            .contains("no Proton invocation"));
    }

    #[test]
    fn verbs_that_start_nothing_and_a_missing_program_are_errors() {
        let e = rw(&["/p/proton", "getcompatpath", "/x"]).unwrap_err();
        assert!(e.contains("`proton getcompatpath` starts no program"), "{e}");
        let e = rw(&["/p/proton", "waitforexitandrun"]).unwrap_err();
        assert!(e.contains("not followed by the program"), "{e}");
    }

    #[test]
    fn helper_and_program_must_be_nameable_from_windows() {
        let e = rewrite(
            &args(&["/p/proton", "run", "/g/a.exe"]),
            Path::new("helper.exe"),
            &[],
        )
        .unwrap_err();
        assert!(
            e.starts_with("the helper: 'helper.exe' is not an absolute path"),
            "{e}"
        );
        let bad = OsString::from_vec(b"/g/\xff.exe".to_vec());
        let cmd = vec![OsString::from("/p/proton"), OsString::from("run"), bad];
        let e = rewrite(&cmd, Path::new(HELPER), &[]).unwrap_err();
        assert!(e.starts_with("the program: ") && e.contains("not UTF-8"), "{e}");
    }

    #[test]
    fn an_empty_helper_argument_list_still_ends_with_the_separator() {
        let out = rewrite(&args(&["/p/proton", "run", "/g/a.exe"]), Path::new(HELPER), &[]).unwrap();
        assert_eq!(out, args(&["/p/proton", "run", HELPER_Z, "--", "Z:\\g\\a.exe"]));
    }

    #[test]
    fn wine_path_makes_the_z_drive_form() {
        let w = |p: &str| wine_path(Path::new(p));
        assert_eq!(w("/dev/shm/x").unwrap(), "Z:\\dev\\shm\\x");
        assert_eq!(w("/").unwrap(), "Z:\\");
        assert_eq!(w("//a///b/./c/").unwrap(), "Z:\\a\\b\\c");
        assert_eq!(w("/a/../b").unwrap(), "Z:\\a\\..\\b");
        assert_eq!(w("/My Games/é.exe").unwrap(), "Z:\\My Games\\é.exe");
    }

    #[test]
    fn wine_path_refuses_what_windows_cannot_name() {
        let w = |p: &str| wine_path(Path::new(p)).unwrap_err();
        assert!(w("rel/x").contains("not an absolute path"));
        assert!(w("").contains("not an absolute path"));
        assert!(w("/a\\b").contains("'\\\\'"));
        assert!(w("/a:b").contains("':'"));
        assert!(w("/a?b").contains("'?'"));
        assert!(w("/a\nb").contains("'\\n'"));
        let e = wine_path(Path::new(&OsString::from_vec(b"/\xff".to_vec()))).unwrap_err();
        assert!(e.contains("not UTF-8"), "{e}");
    }
}
