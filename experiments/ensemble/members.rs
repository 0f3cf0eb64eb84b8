//! Training the members: LeNet-5 runs that record the test set's class probabilities after every
//! epoch (checkpoints), with running parameter averages, or with a learning rate restarted every
//! epoch (snapshots).

use ndarray::Array2;
use nnlab::nn::layers::Mode;
use nnlab::nn::lenet::{LeNetVariant, lenet5};
use nnlab::optim::Rule;
use nnlab::optim::schedule::{Family, Stretch};
use nnlab::procedures::ensemble::ParamAverages;
use nnlab::procedures::search::{Param, Scale, Space, trial_rng};
use nnlab::procedures::train::{Split, TrainConfig, train_with_hook};
use nnlab::report::cli::run_with_progress;
use nnlab::rng::substream;
use serde::Serialize;

/// What a run is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// The default configuration from its own initialization; keeps every epoch's checkpoint
    /// and the parameter averages.
    Independent,
    /// A trial of a random search over the learning rate and L2 strength.
    Search,
    /// One run whose learning rate anneals to zero and restarts every epoch; keeps each
    /// epoch's snapshot [Huang et al., 2017].
    Snapshot,
}

impl Kind {
    /// The random stream of this kind's runs; the search's configurations are drawn from one of
    /// their own, so a trial's weights are independent of the values it tries.
    fn stream(self) -> u64 {
        match self {
            Kind::Independent => 1,
            Kind::Search => 2,
            Kind::Snapshot => 3,
        }
    }
}

/// The stream the search's configurations come from.
const SEARCH_CONFIGS: u64 = 4;

/// One training run.
#[derive(Clone, Copy, Debug)]
pub struct Job {
    pub kind: Kind,
    /// Which run of its kind (its random stream).
    pub index: usize,
    pub learning_rate: f64,
    pub reg: f64,
    pub epochs: usize,
}

/// What a run leaves: the validation accuracy and the test probabilities after each epoch (the
/// checkpoints), and for independent runs those of the two averaged networks at the end.
pub struct Trained {
    pub job: Job,
    pub val_accuracy: Vec<f64>,
    pub checkpoints: Vec<Array2<f32>>,
    pub ema: Option<Array2<f32>>,
    pub polyak: Option<Array2<f32>>,
    pub seconds: f64,
}

impl Trained {
    /// The probabilities after the last epoch.
    pub fn last(&self) -> &Array2<f32> {
        self.checkpoints.last().expect("at least one epoch")
    }
}

/// The search's space: Adam's learning rate and the L2 strength, both log-uniform.
pub fn space() -> Space {
    Space::new(vec![
        Param::new("learning_rate", 3e-4, 3e-3, Scale::Log),
        Param::new("reg", 1e-6, 1e-3, Scale::Log),
    ])
}

/// The trials of the search seeded by `seed`.
pub fn search_jobs(seed: u64, trials: usize, epochs: usize) -> Vec<Job> {
    let space = space();
    (0..trials)
        .map(|index| {
            let c = space.random(stream_seed(seed, SEARCH_CONFIGS), index);
            Job {
                kind: Kind::Search,
                index,
                learning_rate: space.get(&c, "learning_rate"),
                reg: space.get(&c, "reg"),
                epochs,
            }
        })
        .collect()
}

/// The seed drawn from stream `stream` of the experiment seeded by `base`: run k of a kind trains
/// from `trial_rng(seed, k)`.
fn stream_seed(base: u64, stream: u64) -> u64 {
    use rand::Rng;
    substream(base, stream).next_u64()
}

/// Everything the runs share.
pub struct Runner<'a, 'd> {
    pub split: &'a Split<'d, f32>,
    pub x_test: ndarray::ArrayView2<'a, f32>,
    pub batch_size: usize,
    pub base_seed: u64,
    /// The moving average's weight on the past.
    pub ema_decay: f64,
}

impl Runner<'_, '_> {
    // ANCHOR: member
    /// Trains `job` epoch by epoch, keeping the test probabilities after each.
    fn train(&self, job: &Job, tick: &(dyn Fn() + Sync)) -> Trained {
        let started = std::time::Instant::now();
        let mut rng = trial_rng(stream_seed(self.base_seed, job.kind.stream()), job.index);
        let mut net = lenet5::<f32, _>(LeNetVariant::Modern, job.reg as f32, &mut rng);
        let mut opt =
            (Rule::Adam.build::<f32>(job.learning_rate)).expect("positive learning rates");
        let cfg = TrainConfig {
            epochs: 1,
            batch_size: self.batch_size,
            train_eval_rows: 1_000,
        };
        let per_epoch = self.split.iterations(1, self.batch_size);
        // Polyak averages the iterates of every epoch after the first.
        let mut averages = ParamAverages::new(self.ema_decay, per_epoch);
        let mut out = Trained {
            job: *job,
            val_accuracy: Vec::new(),
            checkpoints: Vec::new(),
            ema: None,
            polyak: None,
            seconds: 0.0,
        };
        for _ in 0..job.epochs {
            // Snapshots: cosine annealing from the learning rate to zero within each epoch.
            let mut cycle = (job.kind == Kind::Snapshot).then(|| {
                let to_zero = Stretch::default(); // cosine_final 0
                (Family::Cosine.over(job.learning_rate, per_epoch, &to_zero))
                    .expect("a valid cycle")
            });
            let averaging = job.kind == Kind::Independent;
            let h = train_with_hook(
                &mut net,
                opt.as_mut(),
                cycle.as_mut(),
                self.split,
                &cfg,
                &mut rng,
                &mut |_| tick(),
                &mut |net| {
                    if averaging {
                        averages.update(net);
                    }
                },
            );
            assert!(h.diverged_at.is_none(), "{job:?} diverged");
            out.val_accuracy.push(h.final_val_accuracy());
            out.checkpoints
                .push(net.probabilities(self.x_test, Mode::Eval));
        }
        if job.kind == Kind::Independent {
            averages.write_ema(&mut net);
            out.ema = Some(net.probabilities(self.x_test, Mode::Eval));
            averages.write_polyak(&mut net);
            out.polyak = Some(net.probabilities(self.x_test, Mode::Eval));
        }
        out.seconds = started.elapsed().as_secs_f64();
        out
    }
    // ANCHOR_END: member

    /// Trains every job behind one progress bar: side by side on `workers` threads, or with
    /// `None` one at a time on every thread. Results come back in job order.
    pub fn run_all(&self, jobs: &[Job], workers: Option<usize>, what: &str) -> Vec<Trained> {
        let ticks = jobs
            .iter()
            .map(|j| self.split.iterations(j.epochs, self.batch_size));
        run_with_progress(jobs, workers, ticks.sum(), what, |job, tick| {
            self.train(job, tick)
        })
    }
}
