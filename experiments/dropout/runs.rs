//! One training run of the chapter (a dropout form, a keep probability, a seed, a length), and
//! many of them side by side behind one progress bar.

use nnlab::nn::layers::DropoutKind;
use nnlab::nn::network::Sequential;
use nnlab::optim::Rule;
use nnlab::optim::schedule::{Family, Stretch};
use nnlab::procedures::train::{History, Split, TrainConfig, train_with_schedule};
use nnlab::report::cli::run_with_progress;
use nnlab::rng::substream;
use serde::Serialize;

/// How a network drops units.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Form {
    /// Every unit kept (keep probability 1).
    NoDropout,
    Vanilla,
    Inverted,
}

impl Form {
    pub fn name(self) -> &'static str {
        match self {
            Form::NoDropout => "no-dropout",
            Form::Vanilla => "vanilla",
            Form::Inverted => "inverted",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Form::NoDropout => "no dropout",
            Form::Vanilla => "vanilla dropout",
            Form::Inverted => "inverted dropout",
        }
    }
}

/// What one run trains.
#[derive(Clone, Copy, Debug)]
pub struct Job {
    pub form: Form,
    /// Keep probability of every hidden layer (1 for [`Form::NoDropout`]).
    pub p: f64,
    /// Units of each of the two hidden layers.
    pub hidden: usize,
    /// Trains on the first this-many training images (all of them if `None`).
    pub train_rows: Option<usize>,
    /// Run i of every form and keep probability starts from the same weights and sees the same
    /// batches (random stream i of `--seed`).
    pub seed: usize,
    pub epochs: usize,
}

/// A row of `training.csv` and `sweep.csv`: one epoch of one run.
#[derive(Serialize)]
pub struct EpochRow {
    pub model: &'static str,
    pub keep: f64,
    pub hidden: usize,
    /// Training images the run learned from.
    pub train_images: usize,
    pub seed: usize,
    pub epoch: usize,
    pub train_loss: f64,
    /// On the first 5,000 training images, with dropout off (prediction mode).
    pub train_accuracy: f64,
    pub val_accuracy: f64,
    pub test_accuracy: f64,
    /// Training seconds of this run so far (a timing column: it varies from run to run).
    pub seconds: f64,
}

/// Everything the runs share.
pub struct Runner<'a, 'd> {
    pub split: &'a Split<'d, f32>,
    pub rule: Rule,
    pub learning_rate: f64,
    pub schedule: Family,
    pub batch_size: usize,
    pub base_seed: u64,
    pub threads: usize,
}

/// Training accuracy is measured on this many training images after every epoch.
pub const TRAIN_EVAL_ROWS: usize = 5_000;

impl<'d> Runner<'_, 'd> {
    /// The network of `job` before training: the slide's 3-layer network, two ReLU layers of
    /// `job.hidden` units with dropout after each.
    pub fn network(&self, job: &Job) -> Sequential<f32> {
        let mut rng = substream(self.base_seed, job.seed as u64);
        self.network_from(job, &mut rng)
    }

    fn network_from(&self, job: &Job, rng: &mut nnlab::rng::NnRng) -> Sequential<f32> {
        let kind = match job.form {
            Form::Vanilla => DropoutKind::Vanilla,
            Form::NoDropout | Form::Inverted => DropoutKind::Inverted,
        };
        // Keep probability 1 draws the same layer keys, so run i of every form starts alike.
        let sizes = [784, job.hidden, job.hidden, 10];
        Sequential::dropout_mlp(&sizes, job.p, kind, rng).expect("p checked with the flags")
    }

    /// The data `job` trains on (validation and test sets are always the whole ones).
    fn split_of(&self, job: &Job) -> Split<'d, f32> {
        self.split.head(job.train_rows.unwrap_or(usize::MAX))
    }

    /// Trains one run; `tick` sees every iteration.
    fn train(&self, job: &Job, tick: &(dyn Fn() + Sync)) -> (History, Sequential<f32>) {
        let mut rng = substream(self.base_seed, job.seed as u64);
        let mut net = self.network_from(job, &mut rng);
        let mut opt = (self.rule.build::<f32>(self.learning_rate)).expect("checked with the flags");
        let split = self.split_of(job);
        let steps = split.iterations(job.epochs, self.batch_size);
        let mut schedule = (self
            .schedule
            .over(self.learning_rate, steps, &Stretch::default()))
        .expect("the schedule was checked against the run lengths");
        let cfg = TrainConfig {
            epochs: job.epochs,
            batch_size: self.batch_size,
            train_eval_rows: TRAIN_EVAL_ROWS,
        };
        let h = train_with_schedule(
            &mut net,
            opt.as_mut(),
            Some(&mut schedule),
            &split,
            &cfg,
            &mut rng,
            &mut |_| tick(),
        );
        (h, net)
    }

    /// Trains every job side by side (one core each) behind one progress bar named `what`; the
    /// histories and trained networks come back in job order.
    pub fn run_all(&self, jobs: &[Job], what: &str) -> Vec<(History, Sequential<f32>)> {
        let ticks = jobs
            .iter()
            .map(|j| self.split_of(j).iterations(j.epochs, self.batch_size));
        let train = |job: &Job, tick: &(dyn Fn() + Sync)| self.train(job, tick);
        run_with_progress(jobs, Some(self.threads), ticks.sum(), what, train)
    }
}

/// The rows of `job`'s run.
pub fn rows(job: &Job, h: &History, train_images: usize) -> impl Iterator<Item = EpochRow> {
    let job = *job;
    let epochs = h.epochs.clone().into_iter();
    epochs.map(move |e| EpochRow {
        model: job.form.name(),
        keep: job.p,
        hidden: job.hidden,
        train_images,
        seed: job.seed,
        epoch: e.epoch,
        train_loss: e.train_loss,
        train_accuracy: e.train_accuracy,
        val_accuracy: e.val_accuracy,
        test_accuracy: e.test_accuracy.expect("the split carries the test set"),
        seconds: e.seconds,
    })
}
