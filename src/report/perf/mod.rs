//! Wall-clock reports of the hot loops (`bench_report` writes them to `results/bench/`), their
//! same-run ratios, and the Performance chapter's table, built from a report and the peers'
//! measurements (`benches/peers/peers.py`). Wall-clock numbers are a report, never a gate: CI
//! gates on instruction counts (`benches/instructions/`).

mod quote;
mod report;
mod rows;
pub use quote::{peers_cpu_text, performance_numbers, same_machine};
pub use report::{
    CaseTime, Machine, PeerTime, Ratio, Report, Spread, fastest_peer, peer_epochs, rate_ratios,
    spread_text,
};
use rows::ROWS;

/// The Performance chapter's table: every case of `report` at each thread count of `peers`
/// (`(threads, peers.py records)`), beside the peer's fastest path and the same-run ratio to the
/// machine limit. Times in ms (an epoch in s): median (min–max).
pub fn performance_table(report: &Report, peers: &[(usize, Vec<serde_json::Value>)]) -> String {
    let header = [
        "hot loop",
        "T",
        "nnlab",
        "peer",
        "peer's path",
        "nnlab / peer",
        "of the limit",
    ];
    let mut rows = Vec::new();
    for (threads, records) in peers {
        for (case, label, peer_of, limit) in ROWS {
            let Some(ours) = report.case(case, *threads) else {
                continue;
            };
            let (scale, unit) = if case == "lenet_epoch" {
                (1.0, "s")
            } else {
                (1e3, "ms")
            };
            // A peer's time stands beside ours only when it was measured on the same CPU.
            let peer = same_machine(report, records)
                .then(|| peer_of(records))
                .flatten();
            let cell = |s: Spread| format!("{} {unit}", spread_text(s, scale, 3));
            rows.push(vec![
                label.to_string(),
                threads.to_string(),
                cell(ours.seconds),
                peer.as_ref().map_or("–".into(), |p| cell(p.seconds)),
                peer.as_ref().map_or("–".into(), |p| p.variant.clone()),
                peer.as_ref().map_or("–".into(), |p| {
                    format!("{:.2}", ours.seconds.median / p.seconds.median)
                }),
                limit_text(report, limit, *threads),
            ]);
        }
    }
    let m = &report.machine;
    let commit = report
        .commit
        .as_deref()
        .map_or("no commit", |c| &c[..c.len().min(8)]);
    let machine = format!(
        "Measured on {} (the CPU has {}AVX-512; {} cores), {}, commit {commit}{}; {} \
         rounds.\n\n",
        m.describe(),
        if m.avx512f { "" } else { "no " },
        m.cores,
        report.date,
        if report.modified { " (modified)" } else { "" },
        report.rounds
    );
    let versions = peers.iter().find_map(|(_, records)| {
        let env = records.iter().find(|r| r["section"] == "env")?;
        let v = |k: &str| env[k].as_str().unwrap_or("?").to_string();
        let elsewhere = if peers.iter().all(|(_, r)| same_machine(report, r)) {
            ""
        } else {
            " — not this report's CPU, so no peer time or ratio is shown: run \
             `benches/peers/peers.py` on this machine, then `bench_report --table`"
        };
        Some(format!(
            "Peers: PyTorch {}, NumPy {}, SciPy {}, measured {} on {}{elsewhere}.\n\n",
            v("torch"),
            v("numpy"),
            v("scipy"),
            v("date"),
            peers_cpu_text(records),
        ))
    });
    machine
        + &versions.unwrap_or_default()
        + &crate::report::results::markdown_table(&header, &rows)
}

/// The same-run ratios `names` of `report` at `threads`, e.g. `0.61 of the FMA peak's FLOP/s;
/// 0.93 of GEMM's FLOP/s` (those the report has), or `–`.
fn limit_text(report: &Report, names: &[&str], threads: usize) -> String {
    let parts: Vec<String> = names
        .iter()
        .filter_map(|name| report.ratio(name, threads))
        .map(|r| format!("{:.2} of {}", r.value.median, r.what))
        .collect();
    if parts.is_empty() {
        "–".into()
    } else {
        parts.join("; ")
    }
}

/// Every report in `dir` (files named `<date>-<commit>.json`), oldest first.
pub fn read_reports(dir: &std::path::Path) -> anyhow::Result<Vec<Report>> {
    let mut reports = Vec::new();
    for path in files_in(dir)? {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.ends_with(".json") && name.starts_with(|c: char| c.is_ascii_digit()) {
            reports.push(read_json::<Report>(&path)?);
        }
    }
    reports.sort_by(|a, b| a.date.cmp(&b.date));
    Ok(reports)
}

/// The peers' measurements in `dir` (`peers-<T>t.json`, as `benches/peers/peers.py --out`
/// writes them), by thread count.
pub fn read_peers(dir: &std::path::Path) -> anyhow::Result<Vec<(usize, Vec<serde_json::Value>)>> {
    let mut peers = Vec::new();
    for path in files_in(dir)? {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let threads = name
            .strip_prefix("peers-")
            .and_then(|n| n.strip_suffix("t.json"));
        if let Some(threads) = threads.and_then(|t| t.parse().ok()) {
            peers.push((threads, read_json(&path)?));
        }
    }
    peers.sort_by_key(|(t, _)| *t);
    Ok(peers)
}

fn files_in(dir: &std::path::Path) -> anyhow::Result<Vec<std::path::PathBuf>> {
    use anyhow::Context;
    let reading = || format!("reading {}", dir.display());
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .with_context(reading)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .with_context(reading)?;
    files.sort();
    Ok(files)
}

fn read_json<T: serde::de::DeserializeOwned>(path: &std::path::Path) -> anyhow::Result<T> {
    use anyhow::Context;
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text)
        .with_context(|| format!("{}: not the expected JSON", path.display()))
}

#[cfg(test)]
mod tests;
