//! One training run of the chapter (a schedule, a rule, a seed, a length), and many of them
//! behind one progress bar, side by side or one after another.

use std::path::PathBuf;

use nnlab::nn::lenet::{LeNetVariant, lenet5_on};
use nnlab::optim::Rule;
use nnlab::optim::schedule::{Family, Stretch};
use nnlab::procedures::train::{History, Split, TrainConfig, train_with_schedule};
use nnlab::report::cli::run_with_progress;
use nnlab::report::results::ResultsDir;
use nnlab::rng::substream;
use serde::Serialize;

use super::Args;
use super::speed::Mode;

/// What one run trains.
#[derive(Clone, Copy, Debug)]
pub struct Job {
    pub family: Family,
    pub rule: Rule,
    pub learning_rate: f64,
    /// The run's index among the seeds: run i of every schedule starts from the same weights and
    /// shuffles the same way (random stream i of `--seed`).
    pub seed: usize,
    pub epochs: usize,
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

/// Everything the runs share.
pub struct Runner<'a, 'd> {
    pub split: &'a Split<'d, f32>,
    pub stretch: Stretch,
    pub batch_size: usize,
    /// L2 regularization strength on the weights.
    pub reg: f64,
    pub base_seed: u64,
    pub mode: Mode,
    pub threads: usize,
}

impl<'a, 'd> Runner<'a, 'd> {
    /// The runs of `split` with `args`' batch size, regularization and seed.
    pub fn new(
        args: &Args,
        stretch: Stretch,
        split: &'a Split<'d, f32>,
        mode: Mode,
        threads: usize,
    ) -> Self {
        Runner {
            split,
            stretch,
            batch_size: args.batch_size,
            reg: args.reg,
            base_seed: args.common.seed,
            mode,
            threads,
        }
    }

    /// [`Runner::run_all`], then every epoch of every run into `csv` (see [`EpochRow`]).
    pub fn run_and_write(
        &self,
        jobs: &[Job],
        what: &str,
        csv: &str,
        out: &ResultsDir,
    ) -> anyhow::Result<(Vec<History>, PathBuf)> {
        let hs = self.run_all(jobs, what);
        let path = out.write_csv(csv, jobs.iter().zip(&hs).flat_map(|(j, h)| rows(j, h)))?;
        Ok((hs, path))
    }

    /// Trains one run; `tick` sees every iteration.
    fn train(&self, job: &Job, tick: &(dyn Fn() + Sync)) -> History {
        let mut rng = substream(self.base_seed, job.seed as u64);
        let mut net = lenet5_on::<f32, _>(LeNetVariant::Modern, self.reg as f32, None, &mut rng);
        let mut opt = job
            .rule
            .build::<f32>(job.learning_rate)
            .expect("checked with the flags");
        let steps = self.split.iterations(job.epochs, self.batch_size);
        let mut schedule = (job.family.over(job.learning_rate, steps, &self.stretch))
            .expect("every schedule was checked against the run lengths");
        let cfg = TrainConfig {
            epochs: job.epochs,
            batch_size: self.batch_size,
            train_eval_rows: 0,
        };
        let (split, schedule) = (self.split, Some(&mut schedule));
        train_with_schedule(
            &mut net,
            opt.as_mut(),
            schedule,
            split,
            &cfg,
            &mut rng,
            &mut |_| tick(),
        )
    }

    /// Trains every job (side by side or one at a time, as `self.mode` says) behind one progress
    /// bar named `what`; the histories come back in job order.
    pub fn run_all(&self, jobs: &[Job], what: &str) -> Vec<History> {
        let ticks = jobs
            .iter()
            .map(|j| self.split.iterations(j.epochs, self.batch_size));
        let workers = (self.mode == Mode::Seeds).then_some(self.threads);
        let train = |job: &Job, tick: &(dyn Fn() + Sync)| self.train(job, tick);
        run_with_progress(jobs, workers, ticks.sum(), what, train)
    }
}

/// The rows of `job`'s run.
pub fn rows(job: &Job, h: &History) -> impl Iterator<Item = EpochRow> {
    let job = *job;
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
