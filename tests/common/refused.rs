//! The refusal every binary gives bad input, shared by the test crates that run binaries
//! (`tests/bench_report.rs`, `experiments/tests/cli.rs`).

use std::path::Path;
use std::process::Command;

/// Runs `exe` with `args` (plus `--quick --out out`), expects exit status 1 and one stderr line,
/// `error: ...` containing `needle` (the data and note lines before it aside).
pub fn refused_by(exe: &str, args: &[&str], out: &Path, needle: &str) {
    let o = Command::new(exe)
        .args(args)
        .args(["--quick", "--out", out.to_str().unwrap()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{args:?}: {stderr}");
    let said = |l: &&str| !l.starts_with("note:") && !l.starts_with("data:");
    let lines: Vec<&str> = stderr.lines().filter(said).collect();
    assert_eq!(lines.len(), 1, "{args:?}: expected one line, got {stderr}");
    assert!(
        lines[0].starts_with("error: ") && lines[0].contains(needle),
        "{args:?}: {stderr}"
    );
}
