//! The `bench_report` binary as a user meets it.

use std::process::Command;

mod common {
    pub mod refused;
}
use common::refused::refused_by;

/// bench_report --quick writes a report with every case and ratio at both thread counts, the
/// table from the peers' files beside it, and the history figure; bad thread counts are refused.
#[test]
fn bench_report_writes_a_report_the_table_and_the_history() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("bench");
    std::fs::create_dir_all(&out).unwrap();
    // A peers file of this machine's CPU with one record: the table has a peer for that row only.
    let m = nnlab::runtime::machine::Machine::current();
    let peer = serde_json::json!([
        {"section": "env", "cpu": {"model name": m.cpu, "cpu family": m.family, "model": m.model},
         "torch": "2", "numpy": "2", "scipy": "1", "date": "today"},
        {"section": "gemm", "case": "sgemm_1024", "impl": "torch",
         "ms_median": 1.0, "ms_min": 0.9, "ms_max": 1.1}
    ]);
    std::fs::write(out.join("peers-1t.json"), peer.to_string()).unwrap();
    let exe = env!("CARGO_BIN_EXE_bench_report");
    let o = Command::new(exe)
        .args(["--quick", "--out", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let reports = nnlab::report::perf::read_reports(&out).unwrap();
    assert_eq!(reports.len(), 1);
    let r = &reports[0];
    assert_eq!(r.cases.len(), 2 * 17, "{:?}", r.cases);
    // 11 to the GEMM, the yardstick or the bare steps, 6 to the FMA peak.
    assert_eq!(r.ratios.len(), 2 * 17);
    assert!(r.ratio("conv_mid/gemm", 2).unwrap().value.median > 0.0);
    for case in ["gemm_1024", "conv_mid", "lenet_step", "softmax_eval"] {
        let fraction = r.ratio(&format!("{case}/fma"), 1).unwrap().value.median;
        assert!(fraction > 0.0 && fraction.is_finite(), "{case}: {fraction}");
    }
    let table = std::fs::read_to_string(out.join("performance.md")).unwrap();
    // The machine line, the peers' line, then one thread count in the peers' files: 17 rows, the
    // GEMM's with its peer.
    assert!(table.starts_with("Measured on "), "{table}");
    assert_eq!(table.lines().count(), 2 + 2 + 2 + 17, "{table}");
    assert!(
        table.contains("| yardstick FMA peak f32 (registers only) | 1 |"),
        "{table}"
    );
    assert!(table.contains("| GEMM 1024³ f32 (faer) | 1 |"), "{table}");
    assert!(
        table.contains("| 1.000 (0.900–1.100) ms | torch |"),
        "{table}"
    );
    assert!(out.join("history.png").is_file() && out.join("meta.json").is_file());
    refused_by(
        exe,
        &["--thread-counts", "0"],
        &tmp.path().join("none"),
        "--thread-counts",
    );
    refused_by(
        exe,
        &["--rounds", "0"],
        &tmp.path().join("none"),
        "--rounds",
    );
}
