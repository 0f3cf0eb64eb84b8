//! Part 5: how the search scales. The same trials one thread at a time, with every thread inside
//! each model, and one model per thread side by side (measured, interleaved, identical results);
//! then the projection to n machines from the trials' own timings.

use std::path::PathBuf;

use nnlab::procedures::search::Shard;
use nnlab::report::results::{ResultsDir, markdown_table, write_ways};
use nnlab::runtime::parallel::{WaysMeasured, compare_ways};
use serde::Serialize;

use super::trials::{Search, Trial, TrialRow};

/// How the trials use the cores.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Parallel {
    /// One trial per thread, side by side.
    Trials,
    /// One trial at a time, its parallel loops on every thread.
    Inside,
}

impl Parallel {
    /// The `workers` of [`Search::run_all`].
    pub fn workers(self, threads: usize) -> Option<usize> {
        match self {
            Parallel::Trials => Some(threads),
            Parallel::Inside => None,
        }
    }
}

/// Times `jobs` three ways ([`nnlab::runtime::parallel::compare_ways`]); writes `parallel.csv`.
pub fn measure(
    runner: &Search,
    jobs: &[Trial],
    rounds: usize,
    out: &ResultsDir,
) -> anyhow::Result<(WaysMeasured, Vec<PathBuf>)> {
    let run = |workers: Option<usize>| -> Vec<f64> {
        let rows = runner.run_all(jobs, workers, "speed");
        rows.iter().map(|r| r.val_accuracy).collect()
    };
    let m = compare_ways(jobs.len(), rounds, &run);
    eprintln!("speed: {}", m.describe("trials"));
    Ok((m.clone(), vec![write_ways(&m, out)?]))
}

#[derive(Serialize)]
pub struct ProjectionRow {
    pub machines: usize,
    /// The slowest shard's independent trials, divided among its workers.
    pub independent_seconds: f64,
    /// The dependent stages, run after the merge on one machine.
    pub dependent_seconds: f64,
    pub total_seconds: f64,
    pub speedup: f64,
}

// ANCHOR: projection
/// The wall time of the search on `n` machines like this one, from the measured seconds of each
/// trial: shard `i/n` runs its slice of the independent trials on `workers` threads (the slowest
/// shard sets the time), then one machine runs the dependent stages.
pub fn projection(
    independent: &[TrialRow],
    dependent: &[TrialRow],
    workers: usize,
) -> Vec<ProjectionRow> {
    let per_worker = |seconds: f64| seconds / workers.max(1) as f64;
    let dependent_seconds = per_worker(dependent.iter().map(|r| r.seconds).sum());
    let rows: Vec<(f64, usize)> = [1, 2, 4, 8, 16, 32, 64]
        .into_iter()
        .map(|n| {
            let slowest = (1..=n)
                .map(|index| {
                    let shard = Shard { index, count: n };
                    let mine = independent.iter().filter(|r| shard.contains(r.id));
                    mine.map(|r| r.seconds).sum::<f64>()
                })
                .fold(0.0, f64::max);
            (per_worker(slowest) + dependent_seconds, n)
        })
        .collect();
    let one = rows[0].0;
    rows.into_iter()
        .map(|(total, machines)| ProjectionRow {
            machines,
            independent_seconds: total - dependent_seconds,
            dependent_seconds,
            total_seconds: total,
            speedup: one / total,
        })
        .collect()
}
// ANCHOR_END: projection

/// Writes `projection.csv` and `projection.md`.
pub fn write_projection(rows: &[ProjectionRow], out: &ResultsDir) -> anyhow::Result<Vec<PathBuf>> {
    let md: Vec<Vec<String>> = (rows.iter())
        .map(|r| {
            vec![
                r.machines.to_string(),
                format!("{:.0}", r.independent_seconds),
                format!("{:.0}", r.dependent_seconds),
                format!("{:.0}", r.total_seconds),
                format!("{:.2}", r.speedup),
            ]
        })
        .collect();
    let header = [
        "machines",
        "shard's trials (s)",
        "dependent stages (s)",
        "total (s)",
        "speed-up",
    ];
    Ok(vec![
        out.write_csv("projection.csv", rows.iter())?,
        out.write_text("projection.md", &markdown_table(&header, &md))?,
    ])
}
