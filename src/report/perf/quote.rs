//! What the chapters quote from the performance reports (`results/bench/numbers.md`), and whether
//! the peers' files were measured on the report's machine: a peer's time only stands beside ours
//! when both come from the same CPU.

use super::report::{PeerTime, Report, Spread};
use super::rows::ROWS;
use crate::report::numbers::{Numbers, duration};

/// The CPU of a peers file (its `env` record): model name, family, model.
pub fn peers_cpu(records: &[serde_json::Value]) -> Option<(String, String, String)> {
    let env = records.iter().find(|r| r["section"] == "env")?;
    let field = |k: &str| env["cpu"][k].as_str().unwrap_or("").to_string();
    Some((field("model name"), field("cpu family"), field("model")))
}

/// Whether `records` were measured on the CPU of `report` (same model name, family and model).
pub fn same_machine(report: &Report, records: &[serde_json::Value]) -> bool {
    let m = &report.machine;
    peers_cpu(records).is_some_and(|(name, family, model)| {
        (name, family, model) == (m.cpu.clone(), m.family.clone(), m.model.clone())
    })
}

/// The peers file's CPU as a reader sees it: `AMD EPYC, family 25 model 1`.
pub fn peers_cpu_text(records: &[serde_json::Value]) -> String {
    peers_cpu(records).map_or("an unrecorded CPU".into(), |(name, family, model)| {
        format!("{name}, family {family} model {model}")
    })
}

fn median_text(s: Spread) -> String {
    duration(s.median)
}

/// Every case at every thread count of the newest report, with the peer's time and the ratio
/// where the peers' file is of the same machine: `<case>_<T>t`, `<case>_<T>t_peer`,
/// `<case>_<T>t_ratio` (ours / peer), `<case>_<T>t_limit` (the same-run ratio to the machine
/// limit); `machine`, `date`, and per thread count `peers_<T>t_machine` and whether it is the
/// same. The peers' L-BFGS runs too (`lbfgs_<impl>_<T>t_seconds`, `_evals`, `_loss`).
pub fn performance_numbers(report: &Report, peers: &[(usize, Vec<serde_json::Value>)]) -> Numbers {
    let mut n = Numbers::new();
    n.timing("machine", report.machine.describe())
        .timing("date", &report.date[..10])
        .value("rounds", report.rounds);
    for c in &report.cases {
        n.timing(
            &format!("{}_{}t", c.case, c.threads),
            median_text(c.seconds),
        );
    }
    for r in &report.ratios {
        let name = format!("{}_{}t_limit", r.name.replace('/', "_over_"), r.threads);
        n.timing(&name, format!("{:.2}", r.value.median));
    }
    for (threads, records) in peers {
        let same = same_machine(report, records);
        let key = |what: &str| format!("peers_{threads}t_{what}");
        n.timing(&key("machine"), peers_cpu_text(records)).timing(
            &key("same_machine"),
            if same { "the same" } else { "another" },
        );
        if !same {
            continue;
        }
        for (case, _, peer_of, _) in ROWS {
            let (Some(ours), Some(PeerTime { seconds, .. })) =
                (report.case(case, *threads), peer_of(records))
            else {
                continue;
            };
            n.timing(&format!("{case}_{threads}t_peer"), median_text(seconds))
                .timing(
                    &format!("{case}_{threads}t_ratio"),
                    format!("{:.2}", ours.seconds.median / seconds.median),
                );
        }
        let lbfgs = records
            .iter()
            .filter(|r| r["section"] == "lbfgs" && r["case"] == "softmax_regression_fmnist");
        for r in lbfgs {
            let implementation = r["impl"].as_str().unwrap_or("");
            let who = if implementation.starts_with("scipy") {
                "scipy"
            } else {
                "torch"
            };
            let key = |what: &str| format!("lbfgs_{who}_{threads}t_{what}");
            if let Some(s) = r["wall_s"].as_f64() {
                n.timing(&key("seconds"), duration(s));
            }
            if let Some(ms) = r["ms_per_fg"].as_f64() {
                n.timing(&key("per_eval"), duration(ms / 1e3));
            }
            if let (Some(it), Some(ev), Some(loss)) = (
                r["nit"].as_u64(),
                r["nfev"].as_u64(),
                r["final_loss"].as_f64(),
            ) {
                n.timing(&key("iters"), it)
                    .timing(&key("evals"), ev)
                    .timing(&key("loss"), format!("{loss:.5}"));
            }
        }
    }
    n
}
