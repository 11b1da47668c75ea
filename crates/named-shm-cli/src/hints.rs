//! What `nshm` adds to what the library says: a note for a name the shell
//! changed, and error messages reworded where the CLI knows more (the
//! environment it runs in, the article of an object type).

use crate::format;
use named_shm::Error;

/// A note for a name that starts with `Global` or `Local` but not
/// `Global\` or `Local\`: most likely an unquoted `Global\X`, which the
/// shell turns into `GlobalX` (the backslash escapes the next character).
pub fn lost_backslash(name: &str) -> Option<String> {
    for prefix in ["Global", "Local"] {
        let Some(rest) = name.strip_prefix(prefix) else {
            continue;
        };
        if rest.is_empty() || rest.starts_with('\\') {
            return None;
        }
        let given = format::escape(name);
        let rest = format::escape(rest);
        return Some(format!(
            "`{given}` is a name in your own namespace (`Local\\{given}`); if you meant \
             `{prefix}\\{rest}`, the shell removed the backslash (unquoted, {prefix}\\{rest} \
             becomes {given}): quote the name, '{prefix}\\{rest}'"
        ));
    }
    None
}

/// `a mapping`, `an event`, `a mutex`.
fn with_article(kind: &str) -> String {
    let an = kind.starts_with(['a', 'e', 'i', 'o', 'u']);
    format!("{} {kind}", if an { "an" } else { "a" })
}

/// The root directory of the named objects (`$NAMED_SHM_DIR`, else
/// `/dev/shm`), and whether it came from the environment.
fn root() -> (String, bool) {
    match std::env::var("NAMED_SHM_DIR") {
        Ok(s) if !s.is_empty() => (s, true),
        _ => ("/dev/shm".to_owned(), false),
    }
}

/// A library error said better, with its causes, or `None` to keep it.
fn reword(e: &Error) -> Option<String> {
    match e {
        Error::WrongType {
            name,
            expected,
            found,
        } => Some(format!(
            "`{name}` is used by another object type: it is {}, not {}",
            with_article(found.as_str()),
            with_article(expected.as_str())
        )),
        Error::Io { name, source, .. } => {
            let (root, from_env) = root();
            if *name != root || std::path::Path::new(&root).is_dir() {
                return None;
            }
            let missing = !std::path::Path::new(&root).exists();
            Some(match (from_env, missing) {
                (true, true) => format!(
                    "NAMED_SHM_DIR names the root directory `{root}`, which does not exist: \
                     create it (mkdir -p {root}) or unset NAMED_SHM_DIR to use /dev/shm"
                ),
                (true, false) => format!(
                    "NAMED_SHM_DIR names the root directory `{root}`, which is not a directory \
                     ({source}): point NAMED_SHM_DIR at a directory, or unset it to use /dev/shm"
                ),
                (false, _) => {
                    format!("the root directory `{root}` cannot be opened ({source}): is /dev/shm mounted?")
                }
            })
        }
        _ => None,
    }
}

/// The one-line message for an error: its chain, outermost first, as
/// `{e:#}` prints it, with the library's errors reworded where [`reword`]
/// knows better.
pub fn message(e: &anyhow::Error) -> String {
    let mut parts = Vec::new();
    for cause in e.chain() {
        if let Some(better) = cause.downcast_ref::<Error>().and_then(reword) {
            // The rewording includes what caused it.
            parts.push(better);
            break;
        }
        parts.push(cause.to_string());
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_without_its_backslash_gets_a_note() {
        let n = lost_backslash("GlobalBoard").unwrap();
        assert!(n.contains("'Global\\Board'"), "{n}");
        assert!(n.contains("`Local\\GlobalBoard`"), "{n}");
        assert!(lost_backslash("LocalX").unwrap().contains("'Local\\X'"));
        for fine in ["Global\\Board", "Local\\X", "Board", "Global", "Local", "global"] {
            assert_eq!(lost_backslash(fine), None, "{fine}");
        }
    }

    #[test]
    fn object_types_take_the_right_article() {
        let e: anyhow::Error = Error::WrongType {
            name: "X".into(),
            expected: named_shm::ObjectKind::Mapping,
            found: named_shm::ObjectKind::Event,
        }
        .into();
        assert_eq!(
            message(&e),
            "`X` is used by another object type: it is an event, not a mapping"
        );
    }
}
