//! `NNLAB_TIER` forces the instruction-set tier of the hot kernels (`nnlab::runtime::tier`): an
//! unknown name or a tier the CPU lacks is refused like a bad flag, and the tier a run used is in
//! its `meta.json`.

use super::*;
use nnlab::runtime::tier::Tier;

/// exp_momentum --quick into `out` with `NNLAB_TIER=tier`.
fn momentum(tier: &str, out: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_exp_momentum"))
        .env("NNLAB_TIER", tier)
        .args(["--quick", "--threads", "1", "--out"])
        .arg(out)
        .output()
        .unwrap()
}

fn refused(tier: &str, needle: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = momentum(tier, &out);
    let stderr = String::from_utf8_lossy(&o.stderr);
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.starts_with("data:")).collect();
    assert_eq!(o.status.code(), Some(1), "{tier}: {stderr}");
    assert_eq!(lines.len(), 1, "{tier}: one line, got {stderr}");
    assert!(
        lines[0].starts_with("error: NNLAB_TIER=") && lines[0].contains(needle),
        "{stderr}"
    );
    assert!(!out.exists(), "{tier}: the output folder was created");
}

#[test]
fn unknown_and_unsupported_tiers_are_refused_with_one_line() {
    refused("sse9", "no tier named \"sse9\"");
    for tier in Tier::ALL.into_iter().filter(|t| !t.supported()) {
        refused(tier.name(), "this CPU cannot run");
    }
}

#[test]
fn the_tier_a_run_used_is_in_its_meta_json() {
    let tmp = tempfile::tempdir().unwrap();
    for tier in Tier::ALL.into_iter().filter(|t| t.supported()) {
        let out = tmp.path().join(tier.name());
        let o = momentum(tier.name(), &out);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let meta = std::fs::read_to_string(out.join("meta.json")).unwrap();
        let meta: serde_json::Value = serde_json::from_str(&meta).unwrap();
        assert_eq!(meta["machine"]["tier"], tier.name(), "{meta}");
    }
}
