//! Part 2: two ways to spend the cores on several small models, measured on the chapter's own
//! runs. LeNet-5 at batch 128 is many short parallel loops; a second core inside one model
//! speeds it up far less than twice, while two models side by side each keep a core busy.

use std::path::PathBuf;
use std::time::Instant;

use nnlab::optim::schedule::{Family, Stretch};
use nnlab::procedures::train::Split;
use nnlab::report::cli::with_progress;
use nnlab::report::results::ResultsDir;
use serde::Serialize;

use super::args::{Args, Parallel};
use nnlab::procedures::runs::Runs;

use super::runs::{Setting, job};

/// How the runs use the cores.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CoreUse {
    Seeds,
    Inside,
}

/// Median seconds of each way to train the measured runs.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Measured {
    pub seeds_seconds: f64,
    pub inside_seconds: f64,
    /// inside / seeds: how much faster side by side is.
    pub seeds_speedup: f64,
}

impl Parallel {
    /// The mode to run: the flag's, or with `auto` the faster of the measured two.
    pub fn resolve(self, measured: Option<&Measured>) -> CoreUse {
        match (self, measured) {
            (Parallel::Seeds, _) => CoreUse::Seeds,
            (Parallel::Inside, _) => CoreUse::Inside,
            (Parallel::Auto, Some(m)) if m.seeds_seconds > m.inside_seconds => CoreUse::Inside,
            (Parallel::Auto, _) => CoreUse::Seeds,
        }
    }
}

impl CoreUse {
    /// The runs' `workers` ([`Runs::workers`]) on `threads` threads.
    pub fn workers(self, threads: usize) -> Option<usize> {
        (self == CoreUse::Seeds).then_some(threads)
    }
}

#[derive(Serialize)]
struct ParallelRow {
    mode: CoreUse,
    round: usize,
    runs: usize,
    iterations: usize,
    seconds: f64,
    images_per_second: f64,
}

/// Rounds of the measurement; the two modes alternate within each.
const ROUNDS: usize = 5;

fn median(v: Vec<f64>) -> f64 {
    nnlab::procedures::metrics::median_and_range(&v)
        .expect("at least one round")
        .0
}

/// Trains `threads` (at least 2) constant-rate Adam runs of `iters` iterations both ways, in
/// alternation, [`ROUNDS`] times; writes `parallel.csv`.
pub fn run(
    args: &Args,
    iters: usize,
    threads: usize,
    split: &Split<'_, f32>,
    out: &ResultsDir,
) -> anyhow::Result<(Measured, Vec<PathBuf>)> {
    // `iters` batches of training images make one epoch; a small validation set and no test set
    // keep the end-of-epoch evaluation out of the time.
    let short = Split {
        x_val: split
            .x_val
            .slice_move(ndarray::s![..split.y_val.len().min(100), ..]),
        y_val: &split.y_val[..split.y_val.len().min(100)],
        test: None,
        ..split.head(iters * args.batch_size)
    };
    let iterations = short.iterations(1, args.batch_size);
    let runs = threads.max(2);
    let (family, rule) = (Family::Constant, nnlab::optim::Rule::Adam);
    let (seed, reg) = (args.common.seed, args.reg);
    let jobs: Vec<_> = (0..runs)
        .map(|i| {
            let setting = Setting {
                family,
                rule,
                seed: i,
            };
            job(seed, reg, Stretch::default(), setting, 1e-3, 1)
        })
        .collect();
    let mut rows = Vec::new();
    let mut seconds = [Vec::new(), Vec::new()];
    for round in 1..=ROUNDS {
        for (i, mode) in [CoreUse::Inside, CoreUse::Seeds].into_iter().enumerate() {
            let runner = Runs {
                split: &short,
                batch_size: args.batch_size,
                train_eval_rows: 0,
                workers: mode.workers(threads),
            };
            let what = format!("parallel: {mode:?}, round {round}");
            let started = Instant::now();
            with_progress(runner.total_iterations(&jobs), &what, |tick| {
                runner.train_all(&jobs, tick, |_, _, _| ())
            });
            let s = started.elapsed().as_secs_f64();
            seconds[i].push(s);
            rows.push(ParallelRow {
                mode,
                round,
                runs,
                iterations,
                seconds: s,
                images_per_second: (runs * short.y_train.len()) as f64 / s,
            });
        }
    }
    let [inside, seeds] = seconds.map(median);
    let measured = Measured {
        seeds_seconds: seeds,
        inside_seconds: inside,
        seeds_speedup: inside / seeds,
    };
    eprintln!(
        "parallel: {runs} runs of {iterations} iterations take {inside:.2} s one at a time on {threads} thread(s), {seeds:.2} s side by side ({:.2}x; medians of {ROUNDS})",
        measured.seeds_speedup
    );
    Ok((measured, vec![out.write_csv("parallel.csv", rows)?]))
}
