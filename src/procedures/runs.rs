//! Many training runs of one experiment: a list of [`Job`]s — each a random stream, a network, an
//! update rule, a learning-rate decay and a budget of epochs — trained side by side (one core
//! each) or one after another on every core, with results in job order.
//!
//! A job's result does not depend on how the runs share the cores: its weights, masks and batches
//! come from its own stream, and nothing in the crate's arithmetic depends on the thread count.

use crate::hyper::HyperparameterError;
use crate::nn::layers::DropoutKind;
use crate::nn::lenet::{LeNetVariant, lenet5};
use crate::nn::mlp::MlpSpec;
use crate::nn::network::Sequential;
use crate::optim::Rule;
use crate::optim::schedule::{Family, LrSchedule, Stretch};
use crate::procedures::train::{History, Hooks, Split, TrainConfig, train};
use crate::rng::substream;
use crate::runtime::parallel::run_independent;

/// The network a job trains, made from the job's stream.
#[derive(Clone, Debug, PartialEq)]
pub enum Model {
    /// `sizes[0] -> ... -> sizes[last]`, He-initialized, ReLU and dropout with keep probability
    /// `keep` after every hidden layer, softmax loss with L2 strength `l2`
    /// ([`Sequential::dropout_mlp`]).
    Mlp {
        sizes: Vec<usize>,
        keep: f64,
        dropout: DropoutKind,
        l2: f64,
    },
    /// LeNet-5 ([`lenet5`]) with L2 strength `l2`.
    LeNet5 { variant: LeNetVariant, l2: f64 },
    /// A fully connected network as [`MlpSpec`] describes it (softmax loss, no L2).
    Plain(MlpSpec),
}

/// How a job's learning rate moves.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Decay {
    /// The rule's learning rate throughout.
    None,
    /// A schedule of the family over the whole run ([`Family::over`]).
    Over(Family, Stretch),
    /// A schedule of the family over one epoch, started again every epoch (snapshot ensembles).
    EveryEpoch(Family, Stretch),
}

/// One training run.
#[derive(Clone, Debug)]
pub struct Job<T> {
    /// What the experiment calls this run (its rows are made from it).
    pub tag: T,
    /// The run's random stream: stream `stream` of `seed` ([`substream`]). The network is drawn
    /// from it first, then the batches.
    pub seed: u64,
    pub stream: u64,
    pub model: Model,
    pub rule: Rule,
    pub learning_rate: f64,
    pub decay: Decay,
    pub epochs: usize,
    /// Trains on the first this-many training rows (all of them if `None`).
    pub train_rows: Option<usize>,
}

/// What every run of a list shares: the data, the batch size, how much training accuracy to
/// measure, and how the runs share the cores.
pub struct Runs<'a, 'd> {
    pub split: &'a Split<'d, f32>,
    pub batch_size: usize,
    /// Training accuracy is measured on this many training rows after every epoch.
    pub train_eval_rows: usize,
    /// `Some(n)`: side by side on `n` threads, one core each; `None`: one after another, every
    /// core inside each run.
    pub workers: Option<usize>,
}

impl<'d> Runs<'_, 'd> {
    /// The data `job` trains on (validation and test sets are always the whole ones).
    pub fn split_of<T>(&self, job: &Job<T>) -> Split<'d, f32> {
        self.split.head(job.train_rows.unwrap_or(usize::MAX))
    }

    /// Updates of `job`'s run.
    pub fn iterations<T>(&self, job: &Job<T>) -> usize {
        self.split_of(job).iterations(job.epochs, self.batch_size)
    }

    /// Updates of every run of `jobs`: what a progress bar counts.
    pub fn total_iterations<T>(&self, jobs: &[Job<T>]) -> usize {
        jobs.iter().map(|j| self.iterations(j)).sum()
    }

    /// `job`'s network before training, drawn from the start of its stream.
    pub fn network<T>(&self, job: &Job<T>) -> Result<Sequential<f32>, HyperparameterError> {
        Self::build(job, &mut substream(job.seed, job.stream))
    }

    fn build<T>(
        job: &Job<T>,
        rng: &mut crate::rng::NnRng,
    ) -> Result<Sequential<f32>, HyperparameterError> {
        Ok(match &job.model {
            Model::Mlp {
                sizes,
                keep,
                dropout,
                l2,
            } => {
                let mut net = Sequential::dropout_mlp(sizes, *keep, *dropout, rng)?;
                net.reg = *l2 as f32;
                net
            }
            Model::LeNet5 { variant, l2 } => lenet5(*variant, *l2 as f32, rng),
            Model::Plain(spec) => spec.build(rng)?,
        })
    }

    /// `job`'s learning-rate schedule (`None` for [`Decay::None`]).
    fn schedule<T>(&self, job: &Job<T>) -> Result<Option<LrSchedule>, HyperparameterError> {
        let lr = job.learning_rate;
        Ok(match job.decay {
            Decay::None => None,
            Decay::Over(family, stretch) => {
                Some(family.over(lr, self.iterations(job), &stretch)?)
            }
            Decay::EveryEpoch(family, stretch) => {
                let epoch = self.split_of(job).iterations(1, self.batch_size);
                Some(family.over(lr, epoch, &stretch)?.restarting_every(epoch))
            }
        })
    }

    /// Checks that every job's network, rule and schedule can be built, so that a bad value is an
    /// error before any run starts rather than a panic inside one.
    pub fn check<T>(&self, jobs: &[Job<T>]) -> Result<(), HyperparameterError> {
        for job in jobs {
            self.network(job)?;
            job.rule.build::<f32>(job.learning_rate)?;
            self.schedule(job)?;
        }
        Ok(())
    }

    // ANCHOR: train_job
    /// Trains `job` (its stream, network, rule, schedule and epochs) with `hooks`' hooks; returns
    /// what the run recorded and the trained network. Panics on a job [`Runs::check`] refuses.
    pub fn train<T>(&self, job: &Job<T>, hooks: Hooks<'_, f32>) -> (History, Sequential<f32>) {
        let checked = "the jobs were checked (Runs::check)";
        let mut rng = substream(job.seed, job.stream);
        let mut net = Self::build(job, &mut rng).expect(checked);
        let mut opt = job.rule.build::<f32>(job.learning_rate).expect(checked);
        let mut schedule = self.schedule(job).expect(checked);
        let cfg = TrainConfig {
            epochs: job.epochs,
            batch_size: self.batch_size,
            train_eval_rows: self.train_eval_rows,
        };
        let split = self.split_of(job);
        let hooks = Hooks {
            schedule: schedule.as_mut(),
            ..hooks
        };
        let history = train(&mut net, opt.as_mut(), &split, &cfg, &mut rng, hooks);
        (history, net)
    }
    // ANCHOR_END: train_job

    /// Runs `work` on every job as [`Runs::workers`] says, handing it the job and `tick` (to call
    /// once per iteration); the results come back in job order.
    pub fn run_all<T: Sync, O: Send>(
        &self,
        jobs: &[Job<T>],
        tick: &(dyn Fn() + Sync),
        work: impl Fn(&Job<T>, &(dyn Fn() + Sync)) -> O + Sync,
    ) -> Vec<O> {
        let work = &work;
        match self.workers {
            Some(workers) => {
                let each = jobs.iter().map(|job| move || work(job, tick)).collect();
                run_independent(each, workers)
            }
            None => jobs.iter().map(|job| work(job, tick)).collect(),
        }
    }

    /// [`Runs::run_all`] training every job with no hook but `tick`, handing `keep` each job with
    /// its history and trained network.
    pub fn train_all<T: Sync, O: Send>(
        &self,
        jobs: &[Job<T>],
        tick: &(dyn Fn() + Sync),
        keep: impl Fn(&Job<T>, History, Sequential<f32>) -> O + Sync,
    ) -> Vec<O> {
        let no_probe = |_: &Job<T>, _: &mut Sequential<f32>| ();
        self.train_all_probed(jobs, tick, usize::MAX, no_probe, |job, h, net, _| {
            keep(job, h, net)
        })
    }

    /// [`Runs::train_all`] calling `probe` on each run's network before training (step 0) and
    /// after every `every` updates (`usize::MAX`: never); `keep` gets the probes as
    /// `(updates so far, probe)`.
    pub fn train_all_probed<T: Sync, P: Send, O: Send>(
        &self,
        jobs: &[Job<T>],
        tick: &(dyn Fn() + Sync),
        every: usize,
        probe: impl Fn(&Job<T>, &mut Sequential<f32>) -> P + Sync,
        keep: impl Fn(&Job<T>, History, Sequential<f32>, Vec<(usize, P)>) -> O + Sync,
    ) -> Vec<O> {
        let every = every.max(1);
        self.run_all(jobs, tick, |job, tick| {
            let mut start = self
                .network(job)
                .expect("the jobs were checked (Runs::check)");
            let mut probes = vec![(0, probe(job, &mut start))];
            let mut step = 0;
            let hooks = Hooks::none().on_iter(|_| tick()).after_step(|net| {
                step += 1;
                if step % every == 0 {
                    probes.push((step, probe(job, net)));
                }
            });
            let (history, net) = self.train(job, hooks);
            keep(job, history, net, probes)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::synthetic::spiral;
    use crate::rng::seeded;

    fn jobs() -> Vec<Job<usize>> {
        let mlp = Model::Mlp {
            sizes: vec![2, 16, 3],
            keep: 0.8,
            dropout: DropoutKind::Inverted,
            l2: 1e-3,
        };
        let decays = [
            Decay::None,
            Decay::Over(Family::Cosine, Stretch::default()),
            Decay::EveryEpoch(Family::Cosine, Stretch::default()),
        ];
        (0..6)
            .map(|i| Job {
                tag: i,
                seed: 5,
                stream: i as u64 % 2,
                model: mlp.clone(),
                rule: if i < 3 { Rule::Adam } else { Rule::Momentum },
                learning_rate: 0.01,
                decay: decays[i % 3],
                epochs: 2,
                train_rows: (i == 4).then_some(120),
            })
            .collect()
    }

    #[test]
    fn probes_come_before_training_and_every_few_updates_and_change_nothing() {
        let (x, y) = spiral::<f32, _>(100, 3, &mut seeded(1));
        let split = Split::whole(x.view(), &y);
        let jobs = jobs();
        let runs = Runs {
            split: &split,
            batch_size: 32,
            train_eval_rows: 50,
            workers: Some(2),
        };
        let plain = runs.train_all(&jobs, &|| {}, |_, h, _| h.iters);
        let probe = |_: &Job<usize>, net: &mut Sequential<f32>| net.accuracy(x.view(), &y);
        let probed = runs.train_all_probed(&jobs, &|| {}, 3, probe, |_, h, _, p| (h.iters, p));
        for (job, (iters, probes)) in probed.iter().enumerate() {
            assert_eq!(iters, &plain[job], "job {job}: a probe changed the run");
            let steps: Vec<usize> = probes.iter().map(|p| p.0).collect();
            let expected: Vec<usize> = (0..=iters.len()).step_by(3).collect();
            assert_eq!(steps, expected, "job {job}");
            // The first probe saw the network before any update.
            let mut start = runs.network(&jobs[job]).unwrap();
            assert_eq!(probes[0].1, start.accuracy(x.view(), &y), "job {job}");
        }
    }

    #[test]
    fn results_come_in_job_order_and_do_not_depend_on_how_runs_share_the_cores() {
        let (x, y) = spiral::<f32, _>(100, 3, &mut seeded(1));
        let split = Split::whole(x.view(), &y);
        let jobs = jobs();
        let run = |workers| {
            let runs = Runs {
                split: &split,
                batch_size: 32,
                train_eval_rows: 50,
                workers,
            };
            runs.check(&jobs).unwrap();
            let ticks = std::sync::atomic::AtomicUsize::new(0);
            let tick = || {
                ticks.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            };
            let out = runs.train_all(&jobs, &tick, |job, h, _| (job.tag, h.iters));
            assert_eq!(ticks.into_inner(), runs.total_iterations(&jobs));
            out
        };
        let (inside, side_by_side) = (run(None), run(Some(2)));
        assert_eq!(inside, side_by_side);
        assert_eq!(
            inside.iter().map(|r| r.0).collect::<Vec<_>>(),
            [0, 1, 2, 3, 4, 5]
        );
        assert_eq!(inside[4].1.len(), 2 * 4, "120 rows in batches of 32, twice");
        // Job 0 and 2 share stream 0 and differ only in the decay: the restarted cosine's rate
        // is back at the start after each epoch's 10 updates.
        let rates = |j: usize| {
            inside[j]
                .1
                .iter()
                .map(|r| r.learning_rate)
                .collect::<Vec<_>>()
        };
        assert!(rates(0).iter().all(|&r| r == 0.01));
        assert_eq!(rates(2)[0], 0.01);
        assert_eq!(rates(2)[10], 0.01);
        assert!(rates(1)[10] < 0.01 && rates(2)[5] < 0.01);
    }

    #[test]
    fn a_bad_job_is_refused_before_any_run() {
        let (x, y) = spiral::<f32, _>(10, 3, &mut seeded(1));
        let split = Split::whole(x.view(), &y);
        let runs = Runs {
            split: &split,
            batch_size: 8,
            train_eval_rows: 0,
            workers: None,
        };
        let mut bad = jobs();
        bad[3].learning_rate = -1.0;
        assert_eq!(runs.check(&bad).unwrap_err().name, "learning_rate");
    }
}
