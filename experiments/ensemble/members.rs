//! Training the members: LeNet-5 runs that record the test set's class probabilities after every
//! epoch (checkpoints), with running parameter averages, or with a learning rate restarted every
//! epoch (snapshots).

use ndarray::{Array2, ArrayView2};
use nnlab::nn::layers::Mode;
use nnlab::nn::lenet::LeNetVariant;
use nnlab::optim::Rule;
use nnlab::optim::schedule::{Family, Stretch};
use nnlab::procedures::ensemble::ParamAverages;
use nnlab::procedures::runs::{Decay, Job, Model, Runs};
use nnlab::procedures::search::{Param, Scale, Space};
use nnlab::procedures::train::Hooks;
use nnlab::report::cli::with_progress;
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

/// One member's training run.
#[derive(Clone, Copy, Debug)]
pub struct Member {
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
    pub member: Member,
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
pub fn search_members(seed: u64, trials: usize, epochs: usize) -> Vec<Member> {
    let space = space();
    (0..trials)
        .map(|index| {
            let c = space.random(stream_seed(seed, SEARCH_CONFIGS), index);
            Member {
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
/// from stream k of that seed.
fn stream_seed(base: u64, stream: u64) -> u64 {
    use rand::Rng;
    substream(base, stream).next_u64()
}

/// `member`'s run: LeNet-5 with its L2 strength, Adam from its learning rate, from stream
/// `member.index` of its kind's seed; snapshot runs anneal the rate to zero within every epoch and
/// restart it [Huang et al., 2017].
pub fn job(base_seed: u64, member: Member) -> Job<Member> {
    let decay = match member.kind {
        Kind::Snapshot => Decay::EveryEpoch(Family::Cosine, Stretch::default()), // cosine_final 0
        Kind::Independent | Kind::Search => Decay::None,
    };
    Job {
        tag: member,
        seed: stream_seed(base_seed, member.kind.stream()),
        stream: member.index as u64,
        model: Model::LeNet5 {
            variant: LeNetVariant::Modern,
            l2: member.reg,
        },
        rule: Rule::Adam,
        learning_rate: member.learning_rate,
        decay,
        epochs: member.epochs,
        train_rows: None,
    }
}

// ANCHOR: member
/// Trains `job` with `runs`' data, keeping the test probabilities of `x_test` after each epoch;
/// independent runs also average their parameters (moving average with weight `ema_decay` on the
/// past, and Polyak's mean of every iterate after the first epoch).
pub fn train(
    runs: &Runs,
    x_test: ArrayView2<f32>,
    ema_decay: f64,
    job: &Job<Member>,
    tick: &(dyn Fn() + Sync),
) -> anyhow::Result<Trained> {
    let started = std::time::Instant::now();
    let per_epoch = runs.split.iterations(1, runs.batch_size);
    let mut averages = ParamAverages::new(ema_decay, per_epoch);
    let averaging = job.tag.kind == Kind::Independent;
    let (mut val_accuracy, mut checkpoints) = (Vec::new(), Vec::new());
    let hooks = Hooks::none()
        .on_iter(|_| tick())
        .after_step(|net| {
            if averaging {
                averages.update(net);
            }
        })
        .after_epoch(|net, epoch| {
            val_accuracy.push(epoch.val_accuracy);
            checkpoints.push(net.probabilities(x_test, Mode::Eval));
        });
    let (h, mut net) = runs.train(job, hooks);
    if let Some(at) = h.diverged_at {
        let m = job.tag;
        anyhow::bail!(
            "the {} run {} diverged at iteration {at} (learning rate {}, L2 {}): an ensemble of it means nothing; lower --learning-rate or --reg",
            format!("{:?}", m.kind).to_lowercase(),
            m.index + 1,
            nnlab::hyper::show(m.learning_rate),
            nnlab::hyper::show(m.reg)
        );
    }
    let mut out = Trained {
        member: job.tag,
        val_accuracy,
        checkpoints,
        ema: None,
        polyak: None,
        seconds: 0.0,
    };
    if averaging {
        averages.write_ema(&mut net);
        out.ema = Some(net.probabilities(x_test, Mode::Eval));
        averages.write_polyak(&mut net);
        out.polyak = Some(net.probabilities(x_test, Mode::Eval));
    }
    out.seconds = started.elapsed().as_secs_f64();
    Ok(out)
}
// ANCHOR_END: member

/// Trains every member behind one progress bar named `what`, as `runs.workers` says; results
/// come back in member order; a member that diverged is an error naming it.
pub fn train_all(
    runs: &Runs,
    x_test: ArrayView2<f32>,
    ema_decay: f64,
    base_seed: u64,
    members: &[Member],
    what: &str,
) -> anyhow::Result<Vec<Trained>> {
    let jobs: Vec<Job<Member>> = members.iter().map(|&m| job(base_seed, m)).collect();
    with_progress(runs.total_iterations(&jobs), what, |tick| {
        runs.run_all(&jobs, tick, |job, tick| {
            train(runs, x_test, ema_decay, job, tick)
        })
    })
    .into_iter()
    .collect()
}
