//! The records of a wall-clock report (a case's times, a same-run ratio, the machine) and how a
//! peer's measurement of one of our cases is read from `peers.py`'s records.

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
