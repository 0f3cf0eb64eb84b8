//! The chapter's training runs: each a dropout form, a keep probability, a width and a seed, as a
//! job of the library's runs ([`nnlab::procedures::runs`]), and the rows they leave.

use nnlab::nn::layers::DropoutKind;
use nnlab::optim::Rule;
use nnlab::optim::schedule::{Family, Stretch};
use nnlab::procedures::runs::{Decay, Job, Model};
use nnlab::procedures::train::History;
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

/// What a run of the chapter varies.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Setting {
    pub form: Form,
    /// Keep probability of every hidden layer (1 for [`Form::NoDropout`]).
    pub p: f64,
    /// Units of each of the two hidden layers.
    pub hidden: usize,
    /// Run i of every form and keep probability starts from the same weights and sees the same
    /// batches (random stream i of `--seed`).
    pub seed: usize,
}

/// What every run shares: the rule, its learning rate and decay, and the experiment's seed.
#[derive(Clone, Copy, Debug)]
pub struct Training {
    pub rule: Rule,
    pub learning_rate: f64,
    pub schedule: Family,
    pub base_seed: u64,
}

impl Training {
    /// The job of `setting`, trained for `epochs` on the first `train_rows` images (all if
    /// `None`): the slide's 3-layer network, two ReLU layers of `hidden` units with dropout after
    /// each.
    pub fn job(&self, setting: Setting, epochs: usize, train_rows: Option<usize>) -> Job<Setting> {
        let dropout = match setting.form {
            Form::Vanilla => DropoutKind::Vanilla,
            Form::NoDropout | Form::Inverted => DropoutKind::Inverted,
        };
        // Keep probability 1 draws the same layer keys, so run i of every form starts alike.
        let h = setting.hidden;
        Job {
            tag: setting,
            seed: self.base_seed,
            stream: setting.seed as u64,
            model: Model::Mlp {
                sizes: vec![784, h, h, 10],
                keep: setting.p,
                dropout,
                l2: 0.0,
            },
            rule: self.rule,
            learning_rate: self.learning_rate,
            decay: Decay::Over(self.schedule, Stretch::default()),
            epochs,
            train_rows,
        }
    }
}

/// Training accuracy is measured on this many training images after every epoch.
pub const TRAIN_EVAL_ROWS: usize = 5_000;

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

/// The rows of `job`'s run; a run that diverged ends with a row of NaNs for the epoch it
/// diverged in.
pub fn rows(
    job: &Job<Setting>,
    h: &History,
    train_images: usize,
) -> impl Iterator<Item = EpochRow> {
    let job = job.tag;
    let mut epochs = h.epochs.clone();
    if h.diverged_at.is_some() {
        let nan = f64::NAN;
        epochs.push(nnlab::procedures::train::EpochRecord {
            epoch: epochs.len() + 1,
            iter: h.diverged_at.unwrap_or_default(),
            train_loss: nan,
            train_accuracy: nan,
            val_accuracy: nan,
            test_accuracy: Some(nan),
            seconds: nan,
        });
    }
    epochs.into_iter().map(move |e| EpochRow {
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
