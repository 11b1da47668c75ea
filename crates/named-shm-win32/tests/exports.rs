//! Every C export runs its body under `catch_unwind` (the crate's `guard`),
//! so no panic crosses the C boundary: checked on the source of every module,
//! so that a new export without it fails here.

use std::path::{Path, PathBuf};

/// One exported function: its name and its body (between the outer braces).
struct Export {
    name: String,
    file: PathBuf,
    body: String,
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src/ is readable") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `text` without `//` comments (string literals in this crate hold no `//`
/// or braces that matter here).
fn strip_comments(text: &str) -> String {
    text.lines()
        .map(|l| l.find("//").map_or(l, |i| &l[..i]))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The exports of one source file: items marked `#[no_mangle]` or
/// `#[export_name]`, each with the body of its function.
fn exports_of(file: &Path, text: &str) -> Vec<Export> {
    let code = strip_comments(text);
    let mut found = Vec::new();
    let mut rest = code.as_str();
    while let Some(at) = rest.find("#[no_mangle]").or_else(|| rest.find("#[export_name")) {
        rest = &rest[at + 1..];
        let fn_at = rest
            .find("fn ")
            .expect("an export attribute is followed by a function");
        let after = &rest[fn_at + 3..];
        let name: String = after
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let open = after.find('{').expect("the function has a body");
        let mut depth = 0usize;
        let mut end = open;
        for (i, c) in after[open..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = open + i;
                        break;
                    }
                }
                _ => {}
            }
        }
        found.push(Export {
            name,
            file: file.to_owned(),
            body: after[open + 1..end].to_owned(),
        });
        rest = &after[end..];
    }
    found
}

/// Whether the body's first statement is `guard(...)`, which runs the rest
/// under `catch_unwind`.
fn is_guarded(body: &str) -> bool {
    body.trim_start().starts_with("guard(")
}

fn all_exports() -> Vec<Export> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    files.sort();
    let mut exports = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).expect("source is readable");
        exports.extend(exports_of(&f, &text));
    }
    exports
}

#[test]
fn every_export_runs_under_catch_unwind() {
    let exports = all_exports();
    // The header declares far more than a handful: finding few means the
    // scanner is broken, not that the crate shrank.
    assert!(exports.len() >= 40, "only {} exports found", exports.len());
    let unguarded: Vec<String> = exports
        .iter()
        .filter(|e| !is_guarded(&e.body))
        .map(|e| format!("{} ({})", e.name, e.file.display()))
        .collect();
    assert!(
        unguarded.is_empty(),
        "exports whose body does not start with guard(...): {unguarded:?}"
    );
}

#[test]
fn the_export_check_catches_an_unguarded_body() {
    let sample = r#"
        /// Guarded.
        #[no_mangle]
        pub extern "C" fn Good(h: HANDLE) -> BOOL {
            // A comment first is fine.
            guard(0, || { if h.is_null() { 0 } else { 1 } })
        }

        #[no_mangle]
        pub unsafe extern "C" fn Bad(out: *mut i64) -> BOOL {
            if out.is_null() { return 0; }
            guard(0, || 1)
        }
    "#;
    let found = exports_of(Path::new("sample.rs"), sample);
    let verdicts: Vec<(&str, bool)> = found
        .iter()
        .map(|e| (e.name.as_str(), is_guarded(&e.body)))
        .collect();
    assert_eq!(verdicts, [("Good", true), ("Bad", false)]);
}
