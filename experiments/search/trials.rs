//! One trial of the real search (an MLP with dropout on a Fashion-MNIST subset, trained for a
//! budget of epochs) as a job of the library's runs ([`nnlab::procedures::runs`]), and the list
//! of every trial of every method.

use nnlab::nn::layers::DropoutKind;
use nnlab::nn::network::Sequential;
use nnlab::optim::Rule;
use nnlab::procedures::runs::{Decay, Job, Model, Runs};
use nnlab::procedures::search::{Config, Param, Scale, Space};
use nnlab::procedures::train::Split;
use nnlab::report::cli::with_progress;
use nnlab::rng::substream;
use rand::Rng;
use serde::{Deserialize, Serialize};

// ANCHOR: space
/// The searched hyperparameters: Adam's learning rate and the L2 strength log-uniform (the
/// slide's `10**uniform(a, b)`), the hidden width log-uniform over whole numbers, the dropout keep
/// probability uniform.
pub fn space() -> Space {
    Space::new(vec![
        Param::new("learning_rate", 1e-4, 1e-1, Scale::Log),
        Param::new("l2", 1e-6, 1e-1, Scale::Log),
        Param::new("hidden", 16.0, 512.0, Scale::Log).integer(),
        Param::new("keep", 0.3, 1.0, Scale::Linear),
    ])
}
// ANCHOR_END: space

/// A search method.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    Grid,
    Random,
    CoarseToFine,
    Halving,
}

impl Method {
    /// A tag that keeps the methods' random streams apart.
    fn stream(self) -> u64 {
        match self {
            Method::Grid => 1,
            Method::Random => 2,
            Method::CoarseToFine => 3,
            Method::Halving => 4,
        }
    }
}

/// What a random stream of a search is for.
#[derive(Clone, Copy)]
pub enum Purpose {
    /// Drawing configurations: trial k's comes from `trial_rng(seed, k)`.
    Configs,
    /// Training: trial k's weights, masks and batches come from `trial_rng(seed, k)`.
    Training,
}

/// The seed of one method's search number `search` of the experiment seeded by `base`, for
/// `purpose`.
pub fn search_seed(base: u64, method: Method, search: usize, purpose: Purpose) -> u64 {
    let stream = (method.stream() * 2 + purpose as u64) << 32 | search as u64;
    substream(base, stream).next_u64()
}

/// What one trial trains.
#[derive(Clone, Debug)]
pub struct Trial {
    /// Position in the experiment's list of trials (the first column of `trials.csv`).
    pub id: usize,
    pub method: Method,
    /// Which repetition of the search (0, 1, ...).
    pub search: usize,
    /// The grid's values per axis (0 for the other methods).
    pub grid: usize,
    /// Coarse-to-fine: 0 coarse, 1 fine. Successive halving: the rung.
    pub stage: usize,
    /// Index within the method's search: its random stream.
    pub trial: usize,
    pub config: Config,
    pub epochs: usize,
}

/// A row of `trials.csv`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct TrialRow {
    pub id: usize,
    pub method: Method,
    pub search: usize,
    pub grid: usize,
    pub stage: usize,
    pub trial: usize,
    pub learning_rate: f64,
    pub l2: f64,
    pub hidden: usize,
    pub keep: f64,
    pub epochs: usize,
    /// Validation accuracy after the last epoch (0 if the loss diverged).
    pub val_accuracy: f64,
    pub diverged: bool,
    /// Training seconds (a timing column: it varies from run to run).
    pub seconds: f64,
}

impl TrialRow {
    pub fn config(&self) -> Config {
        Config {
            values: vec![self.learning_rate, self.l2, self.hidden as f64, self.keep],
        }
    }

    /// This row's trial, trained for `epochs`.
    pub fn trial(&self, epochs: usize) -> Trial {
        Trial {
            id: self.id,
            method: self.method,
            search: self.search,
            grid: self.grid,
            stage: self.stage,
            trial: self.trial,
            config: self.config(),
            epochs,
        }
    }
}

/// The search: its space and seed, and the data and batch size every trial trains with.
pub struct Search<'a, 'd> {
    pub split: &'a Split<'d, f32>,
    pub space: Space,
    pub batch_size: usize,
    pub base_seed: u64,
}

/// Training accuracy is measured on this many images after every epoch (never used here).
const TRAIN_EVAL_ROWS: usize = 500;

impl<'a, 'd> Search<'a, 'd> {
    // ANCHOR: trial
    /// `trial`'s run: 784 -> hidden (ReLU, inverted dropout) -> 10, softmax with L2, He
    /// initialization, Adam at a constant rate; its weights, masks and batches from the trial's
    /// own stream (stream `trial` of the search's seed, as
    /// [`nnlab::procedures::search::trial_rng`] draws it).
    pub fn job(&self, trial: &Trial) -> Job<Trial> {
        let get = |name| self.space.get(&trial.config, name);
        Job {
            tag: trial.clone(),
            seed: search_seed(
                self.base_seed,
                trial.method,
                trial.search,
                Purpose::Training,
            ),
            stream: trial.trial as u64,
            model: Model::Mlp {
                sizes: vec![784, get("hidden") as usize, 10],
                keep: get("keep"),
                dropout: DropoutKind::Inverted,
                l2: get("l2"),
            },
            rule: Rule::Adam,
            learning_rate: get("learning_rate"),
            decay: Decay::None,
            epochs: trial.epochs,
            train_rows: None,
        }
    }
    // ANCHOR_END: trial

    /// How the trials run: side by side on `workers` threads, one core each, or with `None` one
    /// at a time on every core.
    fn runs(&self, workers: Option<usize>) -> Runs<'a, 'd> {
        Runs {
            split: self.split,
            batch_size: self.batch_size,
            train_eval_rows: TRAIN_EVAL_ROWS,
            workers,
        }
    }

    /// Trains `trial`: its final validation accuracy, whether it diverged, and the network.
    fn train(&self, trial: &Trial) -> (f64, bool, Sequential<f32>) {
        let job = self.job(trial);
        let (h, net) = self
            .runs(None)
            .train(&job, nnlab::procedures::train::Hooks::none());
        (h.final_val_accuracy(), h.diverged_at.is_some(), net)
    }

    /// Runs `trials` behind one progress bar (see [`Search::runs`] for `workers`). Rows come
    /// back in trial order.
    pub fn run_all(&self, trials: &[Trial], workers: Option<usize>, what: &str) -> Vec<TrialRow> {
        let runs = self.runs(workers);
        let jobs: Vec<Job<Trial>> = trials.iter().map(|t| self.job(t)).collect();
        with_progress(runs.total_iterations(&jobs), what, |tick| {
            runs.run_all(&jobs, tick, |job, tick| {
                let started = std::time::Instant::now();
                let hooks = nnlab::procedures::train::Hooks::none().on_iter(|_| tick());
                let (h, _) = runs.train(job, hooks);
                let seconds = started.elapsed().as_secs_f64();
                let diverged = h.diverged_at.is_some();
                self.row(&job.tag, h.final_val_accuracy(), diverged, seconds)
            })
        })
    }

    fn row(&self, job: &Trial, val_accuracy: f64, diverged: bool, seconds: f64) -> TrialRow {
        let get = |name| self.space.get(&job.config, name);
        TrialRow {
            id: job.id,
            method: job.method,
            search: job.search,
            grid: job.grid,
            stage: job.stage,
            trial: job.trial,
            learning_rate: get("learning_rate"),
            l2: get("l2"),
            hidden: get("hidden") as usize,
            keep: get("keep"),
            epochs: job.epochs,
            val_accuracy: if diverged { 0.0 } else { val_accuracy },
            diverged,
            seconds,
        }
    }

    /// The test accuracy of `row`'s configuration trained for `epochs` from the trial's own
    /// stream (the search never saw the test set). Trained for the trial's own epochs, it must
    /// reproduce the recorded validation accuracy exactly.
    pub fn test_accuracy(
        &self,
        row: &TrialRow,
        epochs: usize,
        test: (ndarray::ArrayView2<f32>, &[usize]),
    ) -> f64 {
        let (val, diverged, mut net) = self.train(&row.trial(epochs));
        if epochs == row.epochs {
            assert!(
                diverged == row.diverged && (diverged || val == row.val_accuracy),
                "trial {} retrained to validation accuracy {val}, recorded {}",
                row.id,
                row.val_accuracy
            );
        }
        net.accuracy(test.0, test.1)
    }
}
