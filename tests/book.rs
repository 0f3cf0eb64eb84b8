//! The book cannot drift from the code: every chapter in SUMMARY.md exists, every
//! `{{#include path:anchor}}` names an existing file and a defined anchor, and every figure or
//! local file it links exists.

use std::path::{Path, PathBuf};

mod common {
    pub mod files;
    pub mod prose;
}
use common::files::rust_files;
use common::prose::typed_results;

fn book_src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("book/src")
}

fn chapters() -> Vec<PathBuf> {
    let summary =
        std::fs::read_to_string(book_src().join("SUMMARY.md")).expect("book/src/SUMMARY.md");
    let mut out = vec![book_src().join("SUMMARY.md")];
    for target in links(&summary) {
        let p = book_src().join(&target);
        assert!(
            p.is_file(),
            "SUMMARY.md names {target}, which does not exist"
        );
        out.push(p);
    }
    assert!(
        out.len() >= 3,
        "the book has an introduction and at least one chapter"
    );
    out
}

/// Targets of markdown links and images `](target)`, without `#fragment`, skipping URLs.
fn links(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("](") {
        rest = &rest[i + 2..];
        let Some(end) = rest.find(')') else { break };
        let target = rest[..end]
            .split('#')
            .next()
            .unwrap_or("")
            .trim()
            .to_string();
        if !target.is_empty() && !target.contains("://") {
            out.push(target);
        }
        rest = &rest[end..];
    }
    out
}

/// `(path, anchor)` of every `{{#include path}}` or `{{#include path:anchor}}`.
fn includes(text: &str) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("{{#include ") {
        rest = &rest[i + "{{#include ".len()..];
        let end = rest.find("}}").expect("unterminated include");
        let spec = rest[..end].trim();
        match spec.split_once(':') {
            Some((path, anchor)) if !anchor.chars().next().is_some_and(|c| c.is_ascii_digit()) => {
                out.push((path.to_string(), Some(anchor.to_string())))
            }
            Some((path, _lines)) => out.push((path.to_string(), None)),
            None => out.push((spec.to_string(), None)),
        }
        rest = &rest[end..];
    }
    out
}

#[test]
fn every_include_and_anchor_exists() {
    let mut count = 0;
    for chapter in chapters() {
        let text = std::fs::read_to_string(&chapter).unwrap();
        let dir = chapter.parent().unwrap();
        for (path, anchor) in includes(&text) {
            let file = dir.join(&path);
            let source = std::fs::read_to_string(&file)
                .unwrap_or_else(|e| panic!("{}: include {path}: {e}", chapter.display()));
            if let Some(anchor) = anchor {
                for marker in [format!("ANCHOR: {anchor}"), format!("ANCHOR_END: {anchor}")] {
                    assert!(
                        source.contains(&marker),
                        "{}: {path} has no `{marker}`",
                        chapter.display()
                    );
                }
            }
            count += 1;
        }
    }
    assert!(
        count >= 5,
        "only {count} includes found: the chapters should include the real code"
    );
}

#[test]
fn every_figure_and_local_link_exists() {
    let mut figures = 0;
    for chapter in chapters() {
        let text = std::fs::read_to_string(&chapter).unwrap();
        let dir = chapter.parent().unwrap();
        for target in links(&text) {
            assert!(
                dir.join(&target).exists(),
                "{}: links {target}, which does not exist",
                chapter.display()
            );
            if target.ends_with(".png") || target.ends_with(".gif") {
                figures += 1;
            }
        }
    }
    assert!(figures >= 4, "only {figures} figures found");
}

/// The experiments: one folder under `experiments/` each, the module root `mod.rs`.
fn experiments() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("mod.rs").is_file())
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() >= 4, "only {names:?} found under experiments/");
    names
}

#[test]
fn every_experiment_has_committed_results() {
    for exp in experiments() {
        let meta = meta_dir(&exp).join("meta.json");
        let meta: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&meta).unwrap()).unwrap();
        assert_eq!(
            meta["quick"], false,
            "results/{exp} must come from a full run"
        );
        for output in meta["outputs"].as_array().unwrap() {
            let f = meta_dir(&exp).join(output.as_str().unwrap());
            assert!(
                f.is_file(),
                "results/{exp}: {} listed in meta.json is missing",
                f.display()
            );
        }
    }
}

#[test]
fn reproduce_runs_every_experiment_and_cargo_builds_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let reproduce = std::fs::read_to_string(root.join("experiments/reproduce.rs")).unwrap();
    let lib = std::fs::read_to_string(root.join("experiments/lib.rs")).unwrap();
    let cargo = std::fs::read_to_string(root.join("experiments/Cargo.toml")).unwrap();
    for exp in experiments() {
        assert!(
            reproduce.contains(&format!("(\"{exp}\"")),
            "reproduce does not run {exp}"
        );
        assert!(
            lib.contains(&format!("pub mod {exp};")),
            "experiments/lib.rs does not declare {exp}"
        );
        assert!(
            cargo.contains(&format!(
                "name = \"exp_{exp}\"\npath = \"bin/exp_{exp}.rs\""
            )),
            "experiments/Cargo.toml has no binary exp_{exp} built from bin/exp_{exp}.rs"
        );
        let bin = std::fs::read_to_string(root.join(format!("experiments/bin/exp_{exp}.rs")));
        assert_eq!(
            bin.unwrap(),
            format!("fn main() {{\n    nnlab_experiments::{exp}::main();\n}}\n"),
            "bin/exp_{exp}.rs is the one-line main"
        );
    }
}

fn meta_dir(exp: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("results")
        .join(exp)
}

#[test]
fn parsers_find_what_they_should() {
    assert_eq!(
        links("![a](x.png) [b](https://e.org) [c](y.md#s)"),
        vec!["x.png", "y.md"]
    );
    assert_eq!(
        includes("{{#include ../a.rs:step}} {{#include b.csv}} {{#include c.rs:3:5}}"),
        vec![
            ("../a.rs".into(), Some("step".into())),
            ("b.csv".into(), None),
            ("c.rs".into(), None)
        ]
    );
}

/// The house rules of issue 15, kept: experiment files stay thin (flags, library calls, rows and
/// figures; a chapter with several parts gets one file per part) and library files stay short.
#[test]
fn experiments_and_library_files_stay_short() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // An experiment's file is one part of a chapter; everything else (the library, tests,
    // benches) one concept a file.
    for (dir, limit) in [
        ("experiments", 300),
        ("src", 450),
        ("tests", 450),
        ("benches", 450),
    ] {
        let files = rust_files(&root.join(dir));
        assert!(!files.is_empty(), "no Rust files under {dir}/");
        for f in files {
            let limit = if f.starts_with(root.join("experiments/tests")) {
                450
            } else {
                limit
            };
            let lines = std::fs::read_to_string(&f).unwrap().lines().count();
            assert!(
                lines <= limit,
                "{} has {lines} lines; files under {dir}/ stay within {limit}",
                f.display()
            );
        }
    }
}

/// The Performance chapter's table is the one `bench_report --table` builds from the committed
/// report and peers' files: regenerated, never typed.
#[test]
fn performance_table_matches_the_committed_measurements() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("results/bench");
    let reports = nnlab::report::perf::read_reports(&dir).unwrap();
    let newest = reports
        .last()
        .expect("a committed report in results/bench/");
    let peers = nnlab::report::perf::read_peers(&dir).unwrap();
    assert!(peers.len() >= 2, "peers' files for 1 and 2 threads");
    let table = nnlab::report::perf::performance_table(newest, &peers);
    let committed = std::fs::read_to_string(dir.join("performance.md")).unwrap();
    assert_eq!(
        table, committed,
        "rerun: cargo run --release --bin bench_report -- --table"
    );
    let chapter = std::fs::read_to_string(book_src().join("performance.md")).unwrap();
    assert!(chapter.contains("{{#include ../../results/bench/performance.md}}"));
}

/// The lines between `ANCHOR: name` and `ANCHOR_END: name` of `source` (other anchors' marker
/// lines left out, as mdBook leaves them out), or `None` without both markers.
fn anchored(source: &str, name: &str) -> Option<Vec<String>> {
    let lines: Vec<&str> = source.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.trim_end().ends_with(&format!("ANCHOR: {name}")))?;
    let end = (start..lines.len()).find(|&i| {
        lines[i]
            .trim_end()
            .ends_with(&format!("ANCHOR_END: {name}"))
    })?;
    let inside = lines[start + 1..end]
        .iter()
        .filter(|l| !l.contains("ANCHOR"));
    Some(inside.map(|l| l.to_string()).collect())
}

/// The appendix "Where is it in the code?": at least the lecture's 20 formulas, each a heading with
/// included code; every block resolves to its anchor and reads as the formula (at most 16 lines).
#[test]
fn the_formula_index_points_at_short_blocks_of_real_code() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let page = root.join("book/src/where-in-the-code.md");
    let text = std::fs::read_to_string(&page).unwrap();
    let sections: Vec<&str> = text.split("\n## ").skip(1).collect();
    assert!(
        sections.len() >= 20,
        "only {} formulas in the index",
        sections.len()
    );
    for section in sections {
        let title = section.lines().next().unwrap();
        let blocks = includes(section);
        assert!(!blocks.is_empty(), "{title}: no code included");
        for (path, anchor) in blocks {
            let anchor = anchor.unwrap_or_else(|| panic!("{title}: {path} without an anchor"));
            let source = std::fs::read_to_string(page.parent().unwrap().join(&path)).unwrap();
            let lines = anchored(&source, &anchor)
                .unwrap_or_else(|| panic!("{title}: {path} has no anchor {anchor}"));
            assert!(
                (1..=16).contains(&lines.len()),
                "{title}: {path}:{anchor} is {} lines",
                lines.len()
            );
            let file = path.trim_start_matches("../../");
            assert!(
                section.contains(&format!("`{file}`")),
                "{title}: the text does not name {file}"
            );
        }
    }
    let listing = anchored("// ANCHOR: a\nx\n// ANCHOR: b\ny\n// ANCHOR_END: a\n", "a");
    assert_eq!(listing, Some(vec!["x".to_string(), "y".to_string()]));
    assert_eq!(anchored("// ANCHOR: a\nx\n", "a"), None);
}

/// Pages the guard does not read: a dated diary of older measurements, each entry with its
/// machine, kept as a record and not a claim about `results/`.
const NOT_RESULTS: [&str; 1] = ["performance-history.md"];

/// What a chapter may type although it looks like a measurement, and why.
const TYPED_ON_PURPOSE: [(&str, &str, &str); 4] = [
    (
        "performance.md",
        "50 ms",
        "bench_report's least timed span per call, a setting of the tool",
    ),
    (
        "performance.md",
        "25 ms",
        "peers.py's least repetition length, a setting of the tool",
    ),
    (
        "babysitting.md",
        "2.303",
        "ln 10, the slide's expected initial loss, derived in the same sentence",
    ),
    (
        "performance.md",
        "2%",
        "the instruction-count gate's threshold, a setting of benches/instructions/run",
    ),
];

#[test]
fn chapters_state_no_result_by_hand() {
    let mut checked = 0;
    for chapter in chapters() {
        let name = chapter.file_name().unwrap().to_string_lossy().into_owned();
        if NOT_RESULTS.contains(&name.as_str()) {
            continue;
        }
        let text = std::fs::read_to_string(&chapter).unwrap();
        let typed: Vec<String> = typed_results(&text)
            .into_iter()
            .filter(|(_, what)| {
                !TYPED_ON_PURPOSE
                    .iter()
                    .any(|(file, allowed, _)| *file == name && what == allowed)
            })
            .map(|(line, what)| format!("{name}:{line}: `{what}`"))
            .collect();
        assert!(
            typed.is_empty(),
            "numbers typed by hand; generate them into results/<experiment>/numbers.md and include \
             them:\n{}",
            typed.join("\n")
        );
        checked += 1;
    }
    assert!(checked >= 5, "only {checked} chapters checked");
}

#[test]
fn the_guard_catches_stale_sentences() {
    let stale = [
        "It says the run takes 9.4 s at 2 threads.",
        "2.1x faster than SciPy, 5.9x faster than PyTorch",
        "one epoch took 3.1 s (2.6-3.8 s in different runs)",
        "the naive loops are 34-99x slower",
        "Momentum 5.62 ms and Adam 8.67 ms",
        "its validation accuracy after one epoch (85.4%)",
        "L2 of `1e3` lifts them to\n2.41 (MLP) and 2.54 (LeNet-5).",
        "75 ms (25 GFLOP/s)",
        "after 200 iterations, to 5.2e-3",
        "the median error is between `4e-12` and `3e-9`",
        "$$ a = b +\n c, $$\nafter a two-line formula, one epoch took 3.1 s",
    ];
    for s in stale {
        assert!(!typed_results(s).is_empty(), "not caught: {s}");
    }
    let fine = [
        "a 28×28 image, 5x5 filters and 3 x 3 pooling",
        "the learning rate $\\alpha = 0.035$ and `--lr 0.001`",
        "LeNet-5 has 2 convolutions; see chapter 4.",
        "{{#include results/momentum/numbers.md:mlp_sgd_val_last}} after 5 epochs",
        "```text\n12.5 ms\n```",
        "$$\n\\alpha = 0.035\n$$",
        "$$ a = 1.5 +\n   2.25, $$",
        "[Nocedal and Wright, eq. 6.17; Algorithms 3.5 and 3.6; section 11.5]",
    ];
    for s in fine {
        assert!(
            typed_results(s).is_empty(),
            "caught wrongly: {s}: {:?}",
            typed_results(s)
        );
    }
}

#[test]
fn no_link_leaves_the_book() {
    for chapter in chapters() {
        let text = std::fs::read_to_string(&chapter).unwrap();
        for target in links(&text) {
            assert!(
                !(target.starts_with("results/") && target.ends_with(".md")),
                "{}: links {target}: mdBook turns a link to a .md file into one to a page that \
                 does not exist; name the file as code or include it",
                chapter.display()
            );
            let mut depth = 0i32;
            for part in Path::new(&target).components() {
                match part {
                    std::path::Component::ParentDir => depth -= 1,
                    std::path::Component::Normal(_) => depth += 1,
                    _ => {}
                }
                assert!(
                    depth >= 0,
                    "{}: links {target}, outside the book: `mdbook serve` answers 404 there; \
                     include the code or link a page of the book",
                    chapter.display()
                );
            }
        }
    }
}
