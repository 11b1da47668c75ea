//! The semantics table lives twice, in the README (for readers of the
//! repository) and in the crate's rustdoc (`named_shm::semantics`, for
//! readers of docs.rs); this keeps the two equal.

#[test]
fn the_rustdoc_semantics_table_is_the_readmes() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let Ok(readme) = std::fs::read_to_string(dir.join("../../README.md")) else {
        // A packaged crate has no workspace README beside it.
        return;
    };
    let rustdoc = std::fs::read_to_string(dir.join("src/semantics.md")).unwrap();
    let rows = |text: &str| -> Vec<String> {
        text.lines()
            .skip_while(|l| !l.starts_with("| behaviour |"))
            .take_while(|l| l.starts_with('|'))
            .map(str::to_owned)
            .collect()
    };
    let from_readme = rows(&readme);
    assert!(from_readme.len() > 20, "the README's semantics table is missing");
    assert_eq!(
        from_readme,
        rows(&rustdoc),
        "crates/named-shm/src/semantics.md differs from the README's table: copy it over"
    );
}
