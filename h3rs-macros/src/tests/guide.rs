//! The expansions shown in the guide (`docs/expansions.md`) are the macros' real output.
//!
//! The page marks each example with `<!-- expansion -->`: the first Rust block after the
//! marker is the macro call, the second its expansion. Lines that rustdoc hides (`# use ...`)
//! are the doctest's scaffolding and are not compared; the rest of the second block must be
//! what the macro prints now, formatted as the snapshots are.

use std::path::PathBuf;

use super::printed_expansion;

const MARKER: &str = "<!-- expansion -->";

fn page() -> PathBuf {
    [env!("CARGO_MANIFEST_DIR"), "..", "docs", "expansions.md"]
        .iter()
        .collect()
}

/// A fenced block of the page: the lines between its fences.
struct Block {
    /// Index of the first line inside the fences.
    start: usize,
    /// Index of the closing fence.
    end: usize,
}

/// Whether rustdoc hides `line` from the rendered block.
fn hidden(line: &str) -> bool {
    let line = line.trim_start();
    line == "#" || line.starts_with("# ")
}

fn visible(lines: &[&str]) -> String {
    let mut text: Vec<&str> = lines.iter().copied().filter(|l| !hidden(l)).collect();
    while text.last().is_some_and(|l| l.trim().is_empty()) {
        text.pop();
    }
    text.join("\n")
}

/// The next fenced block at or after line `from`.
fn next_block(lines: &[&str], from: usize) -> Option<Block> {
    let open = (from..lines.len()).find(|&i| lines[i].trim_start().starts_with("```"))?;
    let close = (open + 1..lines.len()).find(|&i| lines[i].trim() == "```")?;
    Some(Block {
        start: open + 1,
        end: close,
    })
}

#[test]
fn guide_expansions_are_current() {
    let path = page();
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read the guide page {}: {e}", path.display()));
    let lines: Vec<&str> = text.lines().collect();
    let update = std::env::var_os("UPDATE_SNAPSHOTS").is_some_and(|value| value == "1");

    // (expansion block, what the macro prints now)
    let mut examples = Vec::new();
    for (index, _) in lines.iter().enumerate().filter(|(_, l)| l.trim() == MARKER) {
        let source = next_block(&lines, index + 1)
            .unwrap_or_else(|| panic!("line {}: a marker without a macro call", index + 1));
        let expansion = next_block(&lines, source.end + 1)
            .unwrap_or_else(|| panic!("line {}: a macro call without its expansion", index + 1));
        let call = visible(&lines[source.start..source.end]);
        examples.push((expansion, printed_expansion(&call), call));
    }
    assert!(
        examples.len() >= 3,
        "{} shows the expansions of #[get], #[websocket] and #[sse]; found {} markers",
        path.display(),
        examples.len()
    );

    let mut stale = Vec::new();
    for (block, printed, call) in &examples {
        let shown = visible(&lines[block.start..block.end]);
        if shown != printed.trim_end() {
            stale.push(format!(
                "line {}, the expansion of\n{call}\n\n--- shown\n{shown}\n--- printed now\n{printed}",
                block.start + 1
            ));
        }
    }
    if stale.is_empty() {
        return;
    }
    if update {
        // Keep each block's hidden scaffolding, then the fresh expansion.
        let mut out: Vec<String> = Vec::new();
        let mut at = 0;
        for (block, printed, _) in &examples {
            out.extend(lines[at..block.start].iter().map(|l| l.to_string()));
            out.extend(
                lines[block.start..block.end]
                    .iter()
                    .filter(|l| hidden(l))
                    .map(|l| l.to_string()),
            );
            out.extend(printed.trim_end().lines().map(str::to_owned));
            at = block.end;
        }
        out.extend(lines[at..].iter().map(|l| l.to_string()));
        std::fs::write(&path, out.join("\n") + "\n").unwrap();
        return;
    }
    panic!(
        "{} shows expansions that the macros no longer produce; if the new ones are right, run \
         `UPDATE_SNAPSHOTS=1 cargo test -p h3rs-macros guide` and review the page's diff\n\n{}",
        path.display(),
        stale.join("\n\n")
    );
}
