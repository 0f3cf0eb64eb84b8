//! The code's layout: no two files of a crate import each other. A folder's `mod.rs` may use its
//! children; a child takes what it shares with its siblings from a leaf file, never from `mod.rs`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

mod common {
    pub mod files;
}
use common::files::rust_files;

/// Every `.rs` file under `dir` by its module path (`nn/layers/mod.rs` -> `["nn", "layers"]`).
fn modules(dir: &Path) -> BTreeMap<Vec<String>, PathBuf> {
    let mut out = BTreeMap::new();
    for file in rust_files(dir) {
        let rel = file.strip_prefix(dir).unwrap().with_extension("");
        let mut key: Vec<String> = rel.iter().map(|s| s.to_string_lossy().into()).collect();
        if matches!(key.last().map(String::as_str), Some("mod" | "lib" | "main")) {
            key.pop();
        }
        out.insert(key, file);
    }
    out
}

/// The source without comments and without an inline `#[cfg(test)] mod tests { .. }` at its end.
fn code(source: &str) -> String {
    let source = match source.find("#[cfg(test)]\nmod tests {") {
        Some(i) => &source[..i],
        None => source,
    };
    let lines = source.lines().map(|l| l.split("//").next().unwrap_or(""));
    lines.collect::<Vec<_>>().join("\n")
}

/// The paths `code` names: each `use` tree expanded, and every `crate::`/`super::`/`child::` path.
fn paths(code: &str) -> Vec<String> {
    fn join(a: &str, b: &str) -> String {
        match (a.is_empty(), b.is_empty()) {
            (true, _) => b.to_string(),
            (_, true) => a.to_string(),
            _ => format!("{a}::{b}"),
        }
    }
    fn expand(prefix: &str, tree: &str, out: &mut Vec<String>) {
        let tree = tree.trim();
        match tree.find('{') {
            Some(open) if tree.ends_with('}') => {
                let head = tree[..open].trim_end_matches("::");
                let base = join(prefix, head);
                let (mut depth, mut start) = (0, open + 1);
                let inner = &tree[..tree.len() - 1];
                for (i, c) in inner.char_indices().skip(open + 1) {
                    match c {
                        '{' => depth += 1,
                        '}' => depth -= 1,
                        ',' if depth == 0 => {
                            expand(&base, &inner[start..i], out);
                            start = i + 1;
                        }
                        _ => {}
                    }
                }
                expand(&base, &inner[start..], out);
            }
            _ if tree.is_empty() || tree == "self" => out.push(prefix.to_string()),
            _ => {
                let tree = tree.split(" as ").next().unwrap().trim();
                out.push(join(prefix, tree));
            }
        }
    }
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find("use ") {
        let before = rest[..i].chars().last();
        rest = &rest[i + 4..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let end = rest.find(';').unwrap_or(rest.len());
        let tree: String = rest[..end].split_whitespace().collect::<Vec<_>>().join(" ");
        expand("", &tree, &mut out);
        rest = &rest[end..];
    }
    let word = |c: char| c.is_alphanumeric() || c == '_' || c == ':';
    for token in code.split(|c: char| !word(c)) {
        let token = token.trim_matches(':');
        if token.contains("::") {
            out.push(token.to_string());
        }
    }
    out
}

/// The file a path names from the module `from`, if it is one of `mods` (the deepest prefix).
fn target(mods: &BTreeMap<Vec<String>, PathBuf>, from: &[String], path: &str) -> Option<PathBuf> {
    let segs: Vec<&str> = path.split("::").collect();
    let (mut base, mut rest): (Vec<String>, &[&str]) = (Vec::new(), &segs[..]);
    match segs.first() {
        Some(&"crate") => rest = &segs[1..],
        Some(&"super") => {
            base = from.to_vec();
            while rest.first() == Some(&"super") {
                base.pop();
                rest = &rest[1..];
            }
        }
        Some(&"self") => (base, rest) = (from.to_vec(), &segs[1..]),
        Some(first) => {
            let mut child = from.to_vec();
            child.push(first.to_string());
            if !mods.contains_key(&child) {
                return None;
            }
            base = from.to_vec();
        }
        None => return None,
    }
    let mut found = None;
    for n in 0..=rest.len() {
        let mut key = base.clone();
        key.extend(rest[..n].iter().map(|s| s.to_string()));
        if let Some(file) = mods.get(&key) {
            found = Some(file.clone());
        }
    }
    found
}

/// The pairs of files of the crate rooted at `dir` that import each other.
fn two_file_cycles(dir: &Path) -> Vec<(PathBuf, PathBuf)> {
    let mods = modules(dir);
    let mut edges = BTreeSet::new();
    for (key, file) in &mods {
        let source = code(&std::fs::read_to_string(file).unwrap());
        for path in paths(&source) {
            if let Some(to) = target(&mods, key, &path).filter(|to| to != file) {
                edges.insert((file.clone(), to));
            }
        }
    }
    let pairs = edges
        .iter()
        .filter(|(a, b)| a < b && edges.contains(&(b.clone(), a.clone())));
    pairs.cloned().collect()
}

#[test]
fn no_two_files_import_each_other() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for dir in ["src", "experiments", "benches/report", "tests/second_order"] {
        let cycles = two_file_cycles(&root.join(dir));
        assert!(
            cycles.is_empty(),
            "{dir}: files that import each other: {cycles:?}"
        );
    }
}

#[test]
fn the_checker_finds_a_parent_and_child_that_import_each_other() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("lib.rs", "pub mod a;\n");
    write(
        "a/mod.rs",
        "mod b;\npub use b::{Thing, other};\npub struct Shared;\n",
    );
    write("a/b.rs", "use super::{Shared, c::X};\npub struct Thing;\n");
    write("a/c.rs", "pub struct X;\n");
    let cycles = two_file_cycles(dir.path());
    assert_eq!(cycles.len(), 1, "{cycles:?}");
    assert!(cycles[0].0.ends_with("a/b.rs") && cycles[0].1.ends_with("a/mod.rs"));
    // The shared item in a leaf: no cycle.
    write(
        "a/mod.rs",
        "mod b;\nmod shared;\npub use b::Thing;\npub use shared::Shared;\n",
    );
    write("a/shared.rs", "pub struct Shared;\n");
    write("a/b.rs", "use super::shared::Shared;\npub struct Thing;\n");
    assert!(two_file_cycles(dir.path()).is_empty());
    assert_eq!(
        paths("use a::{b, c::{d as e, f}};\nlet x = super::g::h(crate::i);"),
        ["a::b", "a::c::d", "a::c::f", "super::g::h", "crate::i"]
    );
}
