//! The chapter's training runs: each a schedule, a rule, a seed and a length, as a job of the
//! library's runs ([`nnlab::procedures::runs`]), and the rows they leave.

use std::path::PathBuf;

use nnlab::nn::lenet::LeNetVariant;
use nnlab::optim::Rule;
use nnlab::optim::schedule::{Family, Stretch};
use nnlab::procedures::runs::{Decay, Job, Model, Runs};
use nnlab::procedures::train::History;
use nnlab::report::cli::with_progress;
use nnlab::report::results::ResultsDir;
use serde::Serialize;

/// What a run of the chapter varies.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Setting {
    pub family: Family,
    pub rule: Rule,
    /// The run's index among the seeds: run i of every schedule starts from the same weights and
    /// shuffles the same way (random stream i of `--seed`).
    pub seed: usize,
}

/// LeNet-5 with L2 strength `reg`, trained by `setting`'s rule from `learning_rate` with its
/// schedule stretched by `stretch`, for `epochs`.
pub fn job(
    base_seed: u64,
    reg: f64,
    stretch: Stretch,
    setting: Setting,
    learning_rate: f64,
    epochs: usize,
) -> Job<Setting> {
    Job {
        tag: setting,
        seed: base_seed,
        stream: setting.seed as u64,
        model: Model::LeNet5 {
            variant: LeNetVariant::Modern,
            l2: reg,
        },
        rule: setting.rule,
        learning_rate,
        decay: Decay::Over(setting.family, stretch),
        epochs,
        train_rows: None,
    }
}

/// Trains `jobs` behind one progress bar named `what`, then writes every epoch of every run to
/// `csv` (see [`EpochRow`]); the histories come back in job order.
pub fn run_and_write(
    runs: &Runs,
    jobs: &[Job<Setting>],
    what: &str,
    csv: &str,
    out: &ResultsDir,
) -> anyhow::Result<(Vec<History>, PathBuf)> {
    runs.check(jobs)?;
    let hs = with_progress(runs.total_iterations(jobs), what, |tick| {
        runs.train_all(jobs, tick, |_, h, _| h)
    });
    let path = out.write_csv(csv, jobs.iter().zip(&hs).flat_map(|(j, h)| rows(j, h)))?;
    Ok((hs, path))
}

/// A row of `decay.csv` and `long.csv`: one epoch of one run.
#[derive(Serialize)]
pub struct EpochRow {
    pub schedule: &'static str,
    pub optimizer: &'static str,
    pub seed: usize,
    pub epoch: usize,
    pub train_loss: f64,
    pub val_accuracy: f64,
    pub test_accuracy: f64,
    /// Training seconds of this run so far (a timing column: it varies from run to run).
    pub seconds: f64,
}

/// The rows of `job`'s run.
pub fn rows(job: &Job<Setting>, h: &History) -> impl Iterator<Item = EpochRow> {
    let job = job.tag;
    let epochs = h.epochs.clone().into_iter();
    epochs.map(move |e| EpochRow {
        schedule: job.family.name(),
        optimizer: job.rule.name(),
        seed: job.seed,
        epoch: e.epoch,
        train_loss: e.train_loss,
        val_accuracy: e.val_accuracy,
        test_accuracy: e.test_accuracy.expect("the split carries the test set"),
        seconds: e.seconds,
    })
}

/// `1 epoch`, `3 epochs`.
pub fn epochs(n: usize) -> String {
    format!("{n} epoch{}", if n == 1 { "" } else { "s" })
}
