//! Wall-clock reports of the hot loops (`bench_report` writes them to `results/bench/`), their
//! same-run ratios, and the Performance chapter's table, built from a report and the peers'
//! measurements (`benches/peers/peers.py`). Wall-clock numbers are a report, never a gate: CI
//! gates on instruction counts (`benches/instructions/`).

use serde::{Deserialize, Serialize};

/// One `bench_report` run: every case at every thread count, round by round interleaved.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Report {
    /// UTC date and time of the run, `YYYY-MM-DDTHH:MM:SSZ`.
    pub date: String,
    pub commit: Option<String>,
    /// Whether the code differed from `commit` (see [`crate::report::results::Provenance`]).
    pub modified: bool,
    pub machine: Machine,
    pub rounds: usize,
    pub cases: Vec<CaseTime>,
    pub ratios: Vec<Ratio>,
}

pub use crate::runtime::machine::Machine;

/// One case's seconds per call over the rounds.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CaseTime {
    pub case: String,
    pub threads: usize,
    /// The work of one call, in `unit` (FLOPs or bytes moved), when the case has a rate.
    pub work: Option<f64>,
    pub unit: String,
    pub seconds: Spread,
}

/// A ratio between two cases, computed within each round and then summarised.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Ratio {
    pub name: String,
    pub threads: usize,
    /// What the ratio is, e.g. `conv mid FLOP/s / GEMM 1024³ FLOP/s`.
    pub what: String,
    pub value: Spread,
}

/// Median and range of a set of measurements.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq)]
pub struct Spread {
    pub median: f64,
    pub min: f64,
    pub max: f64,
}

impl Spread {
    /// Median and range of `values`; `None` for none.
    pub fn of(values: &[f64]) -> Option<Spread> {
        let (median, min, max) = crate::procedures::metrics::median_and_range(values)?;
        Some(Spread { median, min, max })
    }
}

/// A rate ratio per round: `(work_a / seconds_a) / (work_b / seconds_b)` for rounds aligned by
/// index, so each ratio compares two measurements taken moments apart.
pub fn rate_ratios(work_a: f64, seconds_a: &[f64], work_b: f64, seconds_b: &[f64]) -> Vec<f64> {
    seconds_a
        .iter()
        .zip(seconds_b)
        .map(|(a, b)| (work_a / a) / (work_b / b))
        .collect()
}

impl Report {
    /// The case named `case` at `threads`.
    pub fn case(&self, case: &str, threads: usize) -> Option<&CaseTime> {
        self.cases
            .iter()
            .find(|c| c.case == case && c.threads == threads)
    }

    /// The ratio named `name` at `threads`.
    pub fn ratio(&self, name: &str, threads: usize) -> Option<&Ratio> {
        self.ratios
            .iter()
            .find(|r| r.name == name && r.threads == threads)
    }
}

/// A peer's measurement of one of our cases: the fastest of its variants, in seconds per call.
#[derive(Clone, Debug, PartialEq)]
pub struct PeerTime {
    /// Which peer implementation was fastest, e.g. `torch_default` or `fused=True`.
    pub variant: String,
    pub seconds: Spread,
}

/// The fastest record of `records` (peers.py's JSON objects) in `section` whose fields match
/// every `(key, value)` of `select`, as seconds per call (`ms_median`/`ms_min`/`ms_max`).
pub fn fastest_peer(
    records: &[serde_json::Value],
    section: &str,
    select: &[(&str, serde_json::Value)],
) -> Option<PeerTime> {
    let matching = records.iter().filter(|r| {
        r["section"] == section
            && select.iter().all(|(k, v)| &r[*k] == v)
            && r["unsupported"] != true
    });
    let timed = matching.filter_map(|r| {
        let variant = ["variant", "impl"]
            .iter()
            .find_map(|k| r[*k].as_str())
            .unwrap_or("")
            .to_string();
        let ms = |k: &str| r[k].as_f64().map(|v| v / 1e3);
        let seconds = Spread {
            median: ms("ms_median")?,
            min: ms("ms_min")?,
            max: ms("ms_max")?,
        };
        Some(PeerTime { variant, seconds })
    });
    timed.min_by(|a, b| a.seconds.median.total_cmp(&b.seconds.median))
}

/// PyTorch's Fashion-MNIST epochs (`fmnist_train` records) as one spread: median and range of
/// their wall times.
pub fn peer_epochs(records: &[serde_json::Value]) -> Option<PeerTime> {
    let epochs: Vec<f64> = records
        .iter()
        .filter(|r| r["section"] == "fmnist_train")
        .filter_map(|r| r["epoch_wall_s"].as_f64())
        .collect();
    Some(PeerTime {
        variant: "torch".into(),
        seconds: Spread::of(&epochs)?,
    })
}

/// `median (min–max)` with `digits` decimals.
pub fn spread_text(s: Spread, scale: f64, digits: usize) -> String {
    format!(
        "{:.d$} ({:.d$}–{:.d$})",
        s.median * scale,
        s.min * scale,
        s.max * scale,
        d = digits
    )
}

/// Which peer record stands for one of our cases.
type PeerOf = fn(&[serde_json::Value]) -> Option<PeerTime>;

/// The chapter's rows: our case, its label, its peer, and the same-run ratio to its machine limit.
const ROWS: [(&str, &str, PeerOf, Option<&str>); 15] = [
    (
        "gemm_1024",
        "GEMM 1024³ f32 (faer)",
        |r| fastest_peer(r, "gemm", &[("case", "sgemm_1024".into())]),
        None,
    ),
    (
        "conv_c1",
        "conv LeNet C1 fwd+bwd, N=64",
        |r| conv_peer(r, "lenet_conv1"),
        Some("conv_c1/gemm"),
    ),
    (
        "conv_c3",
        "conv LeNet C3 fwd+bwd, N=64",
        |r| conv_peer(r, "lenet_conv2"),
        Some("conv_c3/gemm"),
    ),
    (
        "conv_mid",
        "conv mid 32x32x32x32, 64@3x3, fwd+bwd",
        |r| conv_peer(r, "mid_conv3x3"),
        Some("conv_mid/gemm"),
    ),
    (
        "stream",
        "yardstick a += s·b, 10M f32",
        |r| {
            fastest_peer(
                r,
                "bandwidth",
                &[("dtype", "float32".into()), ("impl", "torch".into())],
            )
        },
        None,
    ),
    (
        "sgd",
        "SGD step, 10M",
        |r| rule_peer(r, "SGD"),
        Some("sgd/stream"),
    ),
    (
        "momentum",
        "Momentum step, 10M",
        |r| rule_peer(r, "SGD_momentum"),
        Some("momentum/stream"),
    ),
    (
        "nesterov",
        "Nesterov step, 10M",
        |r| rule_peer(r, "SGD_nesterov"),
        Some("nesterov/stream"),
    ),
    (
        "adagrad",
        "AdaGrad step, 10M",
        |r| rule_peer(r, "Adagrad"),
        Some("adagrad/stream"),
    ),
    (
        "rmsprop",
        "RMSProp step, 10M",
        |r| rule_peer(r, "RMSprop"),
        Some("rmsprop/stream"),
    ),
    (
        "adam",
        "Adam step, 10M",
        |r| rule_peer(r, "Adam"),
        Some("adam/stream"),
    ),
    (
        "dropout",
        "inverted dropout fwd+bwd, 10M",
        |r| fastest_peer(r, "dropout", &[("n", 10_000_000.into())]),
        Some("dropout/stream"),
    ),
    (
        "lenet_step",
        "LeNet-5 training step, batch 64",
        |r| {
            fastest_peer(
                r,
                "lenet_step",
                &[("case", "lenet5_relu_maxpool_28x28_pad2".into())],
            )
        },
        None,
    ),
    (
        "lenet_epoch",
        "Fashion-MNIST epoch, LeNet-5, batch 64",
        peer_epochs,
        Some("lenet_epoch/steps"),
    ),
    (
        "softmax_eval",
        "softmax regression value+grad, 60k f64",
        |r| fastest_peer(r, "lbfgs", &[("case", "softmax_fg_eval".into())]),
        None,
    ),
];

fn conv_peer(records: &[serde_json::Value], case: &str) -> Option<PeerTime> {
    fastest_peer(
        records,
        "conv2d",
        &[("case", case.into()), ("mode", "fwd+bwd".into())],
    )
}

fn rule_peer(records: &[serde_json::Value], case: &str) -> Option<PeerTime> {
    fastest_peer(
        records,
        "optimizer",
        &[("case", case.into()), ("n", 10_000_000.into())],
    )
}

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
                limit
                    .and_then(|name| report.ratio(name, *threads))
                    .map_or("–".into(), |r| {
                        format!("{:.2} of {}", r.value.median, r.what)
                    }),
            ]);
        }
    }
    let m = &report.machine;
    let commit = report
        .commit
        .as_deref()
        .map_or("no commit", |c| &c[..c.len().min(8)]);
    let machine = format!(
        "Measured on {} in this build (the CPU has {}AVX-512; {} cores), {}, commit {commit}{}; {} \
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

mod quote;
pub use quote::{peers_cpu_text, performance_numbers, same_machine};

#[cfg(test)]
mod tests;
