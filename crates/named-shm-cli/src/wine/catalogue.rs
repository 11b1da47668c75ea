//! The catalogue of known titles: which named sections (and how large) and
//! which named events a Windows program uses, so that `--game TITLE` can
//! stand for the `--map`/`--event` list.
//!
//! The built-in catalogue is `wine/catalogue.toml`, compiled in. User files
//! extend it or replace a title whole, by key (case-insensitive), read in
//! this order: `$XDG_CONFIG_HOME/named-shm/catalogue.toml` (default
//! `~/.config/named-shm/catalogue.toml`; skipped when absent), then the file
//! named by `$NSHM_CATALOGUE` (an error when absent). Every entry is checked;
//! an invalid one is an error that names the file, the line and the cause.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::PathBuf;

use named_shm::ObjectName;
use serde::Deserialize;
use toml::Spanned;

/// The largest section a catalogue entry may ask for (1 GiB): a catalogue
/// describes telemetry pages, and the memory is committed when the bridge
/// creates the object.
pub const MAX_SIZE: u64 = 1 << 30;

/// The longest title key accepted.
const MAX_KEY_LEN: usize = 64;

/// Windows' `MAX_PATH`: object names longer than this are legal for the
/// kernel but unusual enough in a catalogue to be a mistake.
const MAX_NAME_CHARS: usize = 260;

/// The built-in catalogue's text and the label errors give it.
const BUILTIN: &str = include_str!("../../wine/catalogue.toml");
const BUILTIN_LABEL: &str = "built-in catalogue (crates/named-shm-cli/wine/catalogue.toml)";

/// One title: the names it bridges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Title {
    /// What `--game` matches, case-insensitively.
    pub key: String,
    /// The name shown to people.
    pub display: String,
    /// Named sections with the size the bridge creates each at (bytes).
    pub maps: Vec<(String, u64)>,
    /// Named events.
    pub events: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "a title table (display, maps, events)")]
struct TitleDef {
    display: Option<String>,
    #[serde(default)]
    maps: Vec<Spanned<MapDef>>,
    #[serde(default)]
    events: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "a map: { name = 'Local\\X', size = BYTES }")]
struct MapDef {
    name: String,
    size: i64,
}

/// The built-in catalogue, then the user's files, merged by key.
pub fn load() -> Result<Vec<Title>, String> {
    load_files(user_files(
        std::env::var_os("XDG_CONFIG_HOME"),
        std::env::var_os("HOME"),
        std::env::var_os("NSHM_CATALOGUE"),
    ))
}

/// The built-in catalogue merged with `files` in order; a file marked
/// required must exist, an optional one is skipped when absent.
fn load_files(files: Vec<(PathBuf, bool)>) -> Result<Vec<Title>, String> {
    let mut titles = parse(BUILTIN_LABEL, BUILTIN)?;
    for (path, required) in files {
        let text = match std::fs::read(&path) {
            Ok(bytes) => {
                String::from_utf8(bytes).map_err(|_| format!("{}: not UTF-8 text", path.display()))?
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => continue,
            Err(e) => return Err(format!("{}: cannot read: {e}", path.display())),
        };
        merge(&mut titles, parse(&path.display().to_string(), &text)?);
    }
    Ok(titles)
}

/// The title whose key is `key`, compared case-insensitively.
pub fn find<'a>(titles: &'a [Title], key: &str) -> Option<&'a Title> {
    titles.iter().find(|t| t.key.eq_ignore_ascii_case(key))
}

/// The user files to read, in order, each with whether it must exist:
/// `$XDG_CONFIG_HOME/named-shm/catalogue.toml` (an unset, empty or relative
/// value means `$HOME/.config`, as the XDG base directory specification
/// says), then `$NSHM_CATALOGUE` when set and non-empty.
fn user_files(
    xdg_config_home: Option<OsString>,
    home: Option<OsString>,
    explicit: Option<OsString>,
) -> Vec<(PathBuf, bool)> {
    let mut files = Vec::new();
    let config = xdg_config_home
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| {
            home.map(PathBuf::from)
                .filter(|p| p.is_absolute())
                .map(|h| h.join(".config"))
        });
    if let Some(dir) = config {
        files.push((dir.join("named-shm").join("catalogue.toml"), false));
    }
    if let Some(path) = explicit.filter(|p| !p.is_empty()) {
        files.push((PathBuf::from(path), true));
    }
    files
}

/// Adds `later`'s titles to `titles`: one with the key of an existing title
/// replaces it in place, a new one goes at the end.
fn merge(titles: &mut Vec<Title>, later: Vec<Title>) {
    for t in later {
        match titles.iter_mut().find(|old| old.key.eq_ignore_ascii_case(&t.key)) {
            Some(old) => *old = t,
            None => titles.push(t),
        }
    }
}

/// 1-based line of byte offset `at` in `text`.
fn line_of(text: &str, at: usize) -> usize {
    let at = at.min(text.len());
    text.as_bytes()[..at].iter().filter(|&&b| b == b'\n').count() + 1
}

/// Parses and checks one catalogue file; `label` names it in errors.
fn parse(label: &str, text: &str) -> Result<Vec<Title>, String> {
    let table: BTreeMap<Spanned<String>, Spanned<TitleDef>> = toml::from_str(text).map_err(|e| {
        let at = e
            .span()
            .map(|s| format!("line {}: ", line_of(text, s.start)))
            .unwrap_or_default();
        // The crate's message repeats the location with a source excerpt;
        // its first line is the cause.
        let cause = e.message().lines().next().unwrap_or("invalid TOML").trim();
        format!("{label}: {at}{cause}")
    })?;
    let mut entries: Vec<_> = table.into_iter().collect();
    entries.sort_by_key(|(k, _)| k.span().start);

    let mut titles: Vec<Title> = Vec::with_capacity(entries.len());
    for (key, def) in entries {
        let key_line = line_of(text, key.span().start);
        let key = key.into_inner();
        let at = |line: usize| format!("{label}: line {line}: title '{key}'");
        check_key(&key).map_err(|cause| format!("{}: {cause}", at(key_line)))?;
        if let Some(other) = titles.iter().find(|t| t.key.eq_ignore_ascii_case(&key)) {
            return Err(format!(
                "{}: the key is already used by title '{}' (keys are matched case-insensitively)",
                at(key_line),
                other.key
            ));
        }
        let def = def.into_inner();
        if def.maps.is_empty() && def.events.is_empty() {
            return Err(format!("{}: lists no maps and no events", at(key_line)));
        }
        let display = match def.display {
            Some(d) if d.trim().is_empty() => return Err(format!("{}: display is empty", at(key_line))),
            Some(d) => d,
            None => key.clone(),
        };
        // Sections and events share one namespace on Windows: a name may
        // appear once per title.
        let mut seen: Vec<(String, &'static str)> = Vec::new();
        let mut claim = |name: &str, kind: &'static str, line: usize| -> Result<(), String> {
            let parsed =
                check_name(name).map_err(|cause| format!("{}: {kind} '{name}': {cause}", at(line)))?;
            let canonical = parsed.canonical();
            if let Some((_, first)) = seen.iter().find(|(c, _)| *c == canonical) {
                return Err(format!(
                    "{}: {kind} '{name}': the name is already listed as a {first} of this title",
                    at(line)
                ));
            }
            seen.push((canonical, kind));
            Ok(())
        };
        let mut maps = Vec::with_capacity(def.maps.len());
        for m in def.maps {
            let line = line_of(text, m.span().start);
            let m = m.into_inner();
            claim(&m.name, "map", line)?;
            let size = u64::try_from(m.size)
                .ok()
                .filter(|&s| s > 0 && s <= MAX_SIZE)
                .ok_or_else(|| {
                    format!(
                        "{}: map '{}': size {} is not between 1 and {MAX_SIZE} (1 GiB)",
                        at(line),
                        m.name,
                        m.size
                    )
                })?;
            maps.push((m.name, size));
        }
        let mut events = Vec::with_capacity(def.events.len());
        for e in def.events {
            let line = line_of(text, e.span().start);
            let spec = e.into_inner();
            // `NAME`, or `NAME=manual` / `NAME=auto`: the reset type the
            // bridge creates the event with (as `--event` takes it).
            let name = match spec.rsplit_once('=') {
                Some((n, "manual" | "auto")) => n,
                _ => spec.as_str(),
            };
            claim(name, "event", line)?;
            events.push(spec);
        }
        titles.push(Title {
            key,
            display,
            maps,
            events,
        });
    }
    Ok(titles)
}

fn check_key(key: &str) -> Result<(), String> {
    if key.is_empty() || key.len() > MAX_KEY_LEN {
        return Err(format!("a key has 1 to {MAX_KEY_LEN} characters"));
    }
    if !key
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err("a key may hold only letters, digits, '-' and '_'".into());
    }
    Ok(())
}

/// Windows' rules for an object name (through the library's parser), and at
/// most `MAX_PATH` characters.
fn check_name(name: &str) -> Result<ObjectName, String> {
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(format!("longer than {MAX_NAME_CHARS} characters"));
    }
    ObjectName::parse(name).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builtin() -> Vec<Title> {
        parse(BUILTIN_LABEL, BUILTIN).expect("the built-in catalogue is valid")
    }

    fn map_size(t: &Title, name: &str) -> u64 {
        t.maps
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("{} has no map {name}", t.key))
            .1
    }

    #[test]
    fn builtin_catalogue_parses_and_keeps_file_order() {
        let t = builtin();
        let keys: Vec<_> = t.iter().map(|t| t.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "iracing",
                "assettocorsa",
                "acc",
                "rfactor2",
                "ams2",
                "raceroom",
                "freetrack"
            ]
        );
        for title in &t {
            for (name, size) in &title.maps {
                assert!(*size > 0 && *size <= MAX_SIZE, "{name}");
                assert_eq!(size % 4096, 0, "{name}: a whole number of pages");
            }
        }
    }

    #[test]
    fn builtin_names_and_sizes_cover_what_the_programs_map() {
        let t = builtin();
        let ir = find(&t, "iracing").unwrap();
        // IRSDK_MEMMAPFILESIZE, 1164 KiB.
        assert!(map_size(ir, "Local\\IRSDKMemMapFileName") >= 1164 * 1024);
        assert_eq!(ir.events, ["Local\\IRSDKDataValidEvent=manual"]);
        // ACC's pages are the larger of the two games'.
        for key in ["acc", "assettocorsa"] {
            let ac = find(&t, key).unwrap();
            assert!(map_size(ac, "Local\\acpmf_physics") >= 800);
            assert!(map_size(ac, "Local\\acpmf_graphics") >= 1588);
            assert!(map_size(ac, "Local\\acpmf_static") >= 820);
        }
        let rf = find(&t, "rfactor2").unwrap();
        assert!(map_size(rf, "$rFactor2SMMP_Telemetry$") >= 241_680);
        assert!(map_size(rf, "$rFactor2SMMP_Scoring$") >= 75_312);
        assert!(map_size(rf, "$rFactor2SMMP_RulesControl$") >= 45_272);
        assert_eq!(rf.maps.len(), 13);
        assert!(map_size(find(&t, "ams2").unwrap(), "$pcars2$") >= 20_700);
        assert!(map_size(find(&t, "raceroom").unwrap(), "$R3E") >= 43_996);
        assert!(map_size(find(&t, "freetrack").unwrap(), "FT_SharedMem") >= 108);
    }

    #[test]
    fn builtin_sizes_cover_the_win32_stand_in_clients() {
        // tests/win32-diff: p48_irsdk maps 64 KiB of the iRacing-shaped
        // mapping, p49_freetrack sizeof(FTHeap) (108 bytes, pack(2)),
        // p50_acc sizeof of each (shortened) ACC page.
        let t = builtin();
        assert!(map_size(find(&t, "iracing").unwrap(), "Local\\IRSDKMemMapFileName") >= 65536);
        assert!(map_size(find(&t, "freetrack").unwrap(), "FT_SharedMem") >= 108);
        assert!(map_size(find(&t, "acc").unwrap(), "Local\\acpmf_graphics") >= 512);
    }

    #[test]
    fn find_matches_keys_case_insensitively() {
        let t = builtin();
        assert_eq!(find(&t, "iRacing").unwrap().display, "iRacing");
        assert_eq!(find(&t, "ACC").unwrap().key, "acc");
        assert!(find(&t, "nosuchgame").is_none());
    }

    #[test]
    fn user_file_adds_a_title_and_replaces_one_by_key() {
        let mut t = builtin();
        let user = parse(
            "user.toml",
            "[IRACING]\nmaps = [{ name = 'Local\\Mine', size = 4096 }]\n\
             [mygame]\ndisplay = \"My game\"\nevents = ['Global\\MyEvent']\n",
        )
        .unwrap();
        let before = t.len();
        merge(&mut t, user);
        assert_eq!(t.len(), before + 1);
        let ir = find(&t, "iracing").unwrap();
        assert_eq!(ir.key, "IRACING");
        assert_eq!(ir.display, "IRACING", "display defaults to the key");
        assert_eq!(ir.maps, [("Local\\Mine".to_string(), 4096)]);
        assert!(ir.events.is_empty(), "a replaced title is replaced whole");
        assert_eq!(t[0].key, "IRACING", "replaced in place");
        let mine = find(&t, "MyGame").unwrap();
        assert_eq!(mine.display, "My game");
        assert_eq!(mine.events, ["Global\\MyEvent"]);
    }

    fn err(text: &str) -> String {
        parse("u.toml", text).unwrap_err()
    }

    #[test]
    fn toml_syntax_errors_name_file_and_line() {
        let e = err("[a]\nmaps = [{ name = 'X', size = 1 }]\n\n[b\n");
        assert!(e.starts_with("u.toml: line 4: "), "{e}");
    }

    #[test]
    fn invalid_entries_name_file_line_title_and_cause() {
        let e = err("[g]\nmaps = [\n  { name = 'A', size = 1 },\n  { name = 'a\\b', size = 1 },\n]\n");
        assert!(e.starts_with("u.toml: line 4: title 'g': map 'a\\b': "), "{e}");
        let e = err("[g]\nmaps = [{ name = 'A', size = 0 }]\n");
        assert!(
            e.contains("line 2") && e.contains("size 0 is not between 1 and"),
            "{e}"
        );
        let e = err("[g]\nmaps = [{ name = 'A', size = -5 }]\n");
        assert!(e.contains("size -5"), "{e}");
        let e = err("[g]\nmaps = [{ name = 'A', size = 1073741825 }]\n");
        assert!(e.contains("size 1073741825"), "{e}");
        let e = err("[g]\nmaps = [{ name = '', size = 1 }]\n");
        assert!(e.contains("map ''"), "{e}");
        let e = err("[g]\nmaps = [{ name = 'Local\\', size = 1 }]\n");
        assert!(e.contains("map 'Local\\'"), "{e}");
        let e = err("[g]\nmaps = [{ name = 'Session\\1\\X', size = 1 }]\n");
        assert!(e.contains("Session"), "{e}");
        let long = "x".repeat(261);
        let e = err(&format!("[g]\nevents = ['{long}']\n"));
        assert!(e.contains("longer than 260"), "{e}");
    }

    #[test]
    fn a_name_may_appear_once_per_title_whatever_its_kind() {
        // `X` and `Local\X` are one name; a section and an event share it.
        let e = err("[g]\nmaps = [{ name = 'X', size = 1 }]\nevents = ['Local\\X']\n");
        assert!(
            e.contains("line 3") && e.contains("already listed as a map"),
            "{e}"
        );
        let e = err("[g]\nmaps = [{ name = 'X', size = 1 }, { name = 'X', size = 2 }]\n");
        assert!(e.contains("already listed as a map"), "{e}");
    }

    #[test]
    fn keys_are_unique_case_insensitively_and_well_formed() {
        let e = err("[g]\nevents = ['E']\n[G]\nevents = ['E']\n");
        assert!(
            e.starts_with("u.toml: line 3: title 'G'") && e.contains("already used"),
            "{e}"
        );
        let e = err("['my game']\nevents = ['E']\n");
        assert!(e.contains("only letters, digits"), "{e}");
    }

    #[test]
    fn unknown_fields_empty_titles_and_wrong_types_are_errors() {
        let e = err("[g]\nmap = [{ name = 'X', size = 1 }]\n");
        assert!(e.starts_with("u.toml: line "), "{e}");
        assert!(e.contains("unknown field"), "{e}");
        let e = err("[g]\ndisplay = \"G\"\n");
        assert!(e.contains("no maps and no events"), "{e}");
        let e = err("[g]\nmaps = [{ name = 'X', size = '4096' }]\n");
        assert!(e.starts_with("u.toml: line 2"), "{e}");
        let e = err("[g]\ndisplay = \" \"\nevents = ['E']\n");
        assert!(e.contains("display is empty"), "{e}");
        let e = err("g = 1\n");
        assert!(e.starts_with("u.toml: line 1"), "{e}");
    }

    #[test]
    fn user_files_follow_xdg_then_the_explicit_file() {
        let os = |s: &str| Some(OsString::from(s));
        assert_eq!(
            user_files(os("/x"), os("/home/u"), os("/tmp/c.toml")),
            [
                (PathBuf::from("/x/named-shm/catalogue.toml"), false),
                (PathBuf::from("/tmp/c.toml"), true)
            ]
        );
        // A relative XDG_CONFIG_HOME is ignored, as the specification says.
        assert_eq!(
            user_files(os("rel"), os("/home/u"), None),
            [(PathBuf::from("/home/u/.config/named-shm/catalogue.toml"), false)]
        );
        assert_eq!(user_files(None, None, os("")), Vec::<(PathBuf, bool)>::new());
    }

    #[test]
    fn load_merges_files_in_order_skips_absent_optional_ones_and_names_bad_ones() {
        let dir = std::env::temp_dir().join(format!("nshm-catalogue-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let first = dir.join("first.toml");
        let second = dir.join("second.toml");
        std::fs::write(&first, "[g]\nmaps = [{ name = 'X', size = 1 }]\n").unwrap();
        std::fs::write(&second, "[G]\nmaps = [{ name = 'Y', size = 2 }]\n").unwrap();
        let missing = dir.join("missing.toml");
        let t = load_files(vec![
            (missing.clone(), false),
            (first.clone(), false),
            (second.clone(), true),
        ])
        .unwrap();
        assert_eq!(find(&t, "g").unwrap().maps, [("Y".to_string(), 2)]);
        assert!(find(&t, "iracing").is_some(), "the built-in titles stay");

        let e = load_files(vec![(missing.clone(), true)]).unwrap_err();
        assert!(
            e.starts_with(&format!("{}: cannot read", missing.display())),
            "{e}"
        );
        std::fs::write(&second, "[g]\nmaps = [{ name = 'a\\b', size = 1 }]\n").unwrap();
        let e = load_files(vec![(second.clone(), true)]).unwrap_err();
        assert!(
            e.starts_with(&format!("{}: line 2: title 'g'", second.display())),
            "{e}"
        );
        std::fs::write(&second, [0xffu8, 0xfe]).unwrap();
        let e = load_files(vec![(second.clone(), true)]).unwrap_err();
        assert!(e.contains("not UTF-8"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
