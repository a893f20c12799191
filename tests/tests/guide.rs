//! The guide's pages (`docs/*.md`) are all compiled: each is included as doctests by
//! `tests/src/guide.rs` and listed in `docs/SUMMARY.md`, so that a new page cannot skip
//! having its code blocks compiled.

use std::path::{Path, PathBuf};

/// Pages whose blocks do not compile yet, with what is missing. Keep this empty: fix the page
/// and add it to `tests/src/guide.rs` instead.
const NOT_YET_COMPILED: &[(&str, &str)] = &[];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_page_is_compiled_and_listed() {
    let docs = root().join("docs");
    let included = read(&root().join("tests/src/guide.rs"));
    let summary = read(&docs.join("SUMMARY.md"));

    let mut pages: Vec<String> = std::fs::read_dir(&docs)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".md") && name != "SUMMARY.md")
        .collect();
    pages.sort();
    assert!(pages.len() >= 10, "the guide has its pages: {pages:?}");

    let mut problems = Vec::new();
    for (page, _) in NOT_YET_COMPILED {
        if !pages.iter().any(|p| p == page) {
            problems.push(format!(
                "NOT_YET_COMPILED lists docs/{page}, which does not exist"
            ));
        }
    }
    for page in &pages {
        let excepted = NOT_YET_COMPILED.iter().any(|(name, _)| name == page);
        if !excepted && !included.contains(&format!("\"{page}\"")) {
            problems.push(format!(
                "docs/{page} is not compiled: add it to the `pages!` list of tests/src/guide.rs"
            ));
        }
        if !summary.contains(&format!("({page})")) {
            problems.push(format!("docs/{page} is not in docs/SUMMARY.md"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
