//! The training loop, exactly as the slide's main loop: sample a mini-batch, forward, backward,
//! update. Each epoch visits the training set once in a fresh random order.

use crate::Float;
use crate::nn::network::Sequential;
use crate::optim::schedule::LrSchedule;
use crate::optim::{Optimizer, step_all};
use crate::rng::permutation;
use crate::runtime::parallel::{keep_warm, warm_training};
use ndarray::{Array2, ArrayView2, Axis, s};

mod history;
mod split;

pub use history::{
    EpochRecord, History, IterRecord, mean_curve, mean_final, moving_average, smoothing_window,
};
use rand::Rng;
pub use split::Split;

/// How long and in what batches to train.
#[derive(Clone, Debug, serde::Serialize)]
pub struct TrainConfig {
    pub epochs: usize,
    pub batch_size: usize,
    /// Training accuracy is measured on the first this-many training rows (a cheap, fixed sample).
    pub train_eval_rows: usize,
}

/// The rows `idx` of x: (N, D) and y as a batch: (B, D), (B,).
pub fn gather<F: Float>(x: ArrayView2<F>, y: &[usize], idx: &[usize]) -> (Array2<F>, Vec<usize>) {
    (x.select(Axis(0), idx), idx.iter().map(|&i| y[i]).collect())
}

/// A hook that sees every iteration's record.
pub type OnIter<'h> = Box<dyn FnMut(&IterRecord) + Send + 'h>;
/// A hook that gets the network after every update.
pub type AfterStep<'h, F> = Box<dyn FnMut(&mut Sequential<F>) + Send + 'h>;
/// A hook that gets the network and the epoch's record after every epoch.
pub type AfterEpoch<'h, F> = Box<dyn FnMut(&mut Sequential<F>, &EpochRecord) + Send + 'h>;

/// What the loop calls besides the slide's four steps, all optional: a learning-rate schedule and
/// hooks after every iteration, every update and every epoch.
pub struct Hooks<'h, F: Float> {
    /// Sets the learning rate before every update (`None`: left as the optimizer has it). After
    /// each epoch it observes the validation error `1 - accuracy` (what reduce-on-plateau
    /// monitors).
    pub schedule: Option<&'h mut LrSchedule>,
    /// Sees every iteration's record (progress bars).
    pub on_iter: Option<OnIter<'h>>,
    /// Gets the network after every update (e.g. to average its parameters,
    /// [`crate::procedures::ensemble::ParamAverages`]).
    pub after_step: Option<AfterStep<'h, F>>,
    /// Gets the network and the epoch's record after every epoch (e.g. to keep a checkpoint).
    pub after_epoch: Option<AfterEpoch<'h, F>>,
}

impl<'h, F: Float> Hooks<'h, F> {
    /// No schedule, no hooks: the slide's loop alone.
    pub fn none() -> Self {
        Hooks {
            schedule: None,
            on_iter: None,
            after_step: None,
            after_epoch: None,
        }
    }

    pub fn schedule(self, schedule: Option<&'h mut LrSchedule>) -> Self {
        Hooks { schedule, ..self }
    }

    pub fn on_iter(self, f: impl FnMut(&IterRecord) + Send + 'h) -> Self {
        Hooks {
            on_iter: Some(Box::new(f)),
            ..self
        }
    }

    pub fn after_step(self, f: impl FnMut(&mut Sequential<F>) + Send + 'h) -> Self {
        Hooks {
            after_step: Some(Box::new(f)),
            ..self
        }
    }

    pub fn after_epoch(self, f: impl FnMut(&mut Sequential<F>, &EpochRecord) + Send + 'h) -> Self {
        Hooks {
            after_epoch: Some(Box::new(f)),
            ..self
        }
    }
}

/// Trains `net` with `opt` on `data` for `cfg.epochs` epochs, with `hooks`' schedule and hooks.
/// A NaN or infinite loss stops the run and is recorded, not panicked on.
pub fn train<F: Float, R: Rng + Send + ?Sized>(
    net: &mut Sequential<F>,
    opt: &mut dyn Optimizer<F>,
    data: &Split<'_, F>,
    cfg: &TrainConfig,
    rng: &mut R,
    hooks: Hooks<'_, F>,
) -> History {
    // With warm training on (the binaries and benches), the step's many short parallel loops find
    // the other cores awake (see `keep_warm`).
    if warm_training() {
        keep_warm(|| train_here(net, opt, data, cfg, rng, hooks))
    } else {
        train_here(net, opt, data, cfg, rng, hooks)
    }
}

/// [`train`] on the calling thread.
fn train_here<F: Float, R: Rng + ?Sized>(
    net: &mut Sequential<F>,
    opt: &mut dyn Optimizer<F>,
    data: &Split<'_, F>,
    cfg: &TrainConfig,
    rng: &mut R,
    hooks: Hooks<'_, F>,
) -> History {
    let n = data.x_train.nrows();
    assert!(
        n > 0 && cfg.batch_size > 0,
        "empty training set or zero batch size"
    );
    let mut log = Log::new(hooks, cfg.train_eval_rows.min(n));
    // ANCHOR: train_loop
    'epochs: for epoch in 1..=cfg.epochs {
        let started = std::time::Instant::now();
        // ANCHOR: train_batches
        let order = permutation(rng, n);
        let batches = order.chunks(cfg.batch_size);
        // ANCHOR_END: train_batches
        for batch in batches {
            // ANCHOR: train_step
            let (x_batch, y_batch) = gather(data.x_train, data.y_train, batch); // 1. sample a batch
            let loss = net.loss_and_grad(x_batch.view(), &y_batch).as_f64(); // 2. forward, 3. backward
            // ANCHOR_END: train_step
            if !log.iteration(opt, epoch, loss) {
                break 'epochs; // a NaN or infinite loss: recorded, and the run stops
            }
            // ANCHOR: train_update
            step_all(opt, net.params()); // 4. update the parameters
            // ANCHOR_END: train_update
            log.after_step(net);
        }
        log.end_epoch(net, data, epoch, started.elapsed().as_secs_f64());
    }
    // ANCHOR_END: train_loop
    log.history
}

/// What the loop records and calls besides the slide's four steps: the schedule, the hooks, every
/// iteration's record and every epoch's accuracies.
struct Log<'h, F: Float> {
    hooks: Hooks<'h, F>,
    history: History,
    iter: usize,
    /// The current epoch's summed mini-batch losses and their count.
    epoch_loss: (f64, usize),
    /// Training seconds so far (accuracy evaluations left out).
    seconds: f64,
    /// Training accuracy is measured on the first this-many rows.
    eval_rows: usize,
}

impl<'h, F: Float> Log<'h, F> {
    fn new(hooks: Hooks<'h, F>, eval_rows: usize) -> Self {
        Log {
            hooks,
            history: History::default(),
            iter: 0,
            epoch_loss: (0.0, 0),
            seconds: 0.0,
            eval_rows,
        }
    }

    /// Sets this step's learning rate, records the step's loss and calls `on_iter`; false when the
    /// loss is not finite (the run diverged: no update follows).
    fn iteration(&mut self, opt: &mut dyn Optimizer<F>, epoch: usize, loss: f64) -> bool {
        self.iter += 1;
        if let Some(s) = self.hooks.schedule.as_deref_mut() {
            s.apply(opt, self.iter - 1, epoch - 1); // the learning rate of this step
        }
        let record = IterRecord {
            iter: self.iter,
            epoch,
            loss,
            learning_rate: opt.learning_rate(),
        };
        self.history.iters.push(record);
        if let Some(f) = self.hooks.on_iter.as_mut() {
            f(&record);
        }
        if !loss.is_finite() {
            self.history.diverged_at = Some(self.iter);
            return false;
        }
        self.epoch_loss.0 += loss;
        self.epoch_loss.1 += 1;
        true
    }

    fn after_step(&mut self, net: &mut Sequential<F>) {
        if let Some(f) = self.hooks.after_step.as_mut() {
            f(net);
        }
    }

    /// Measures the epoch's accuracies, tells the schedule the validation error and records the
    /// epoch; `seconds` is the time its batches took.
    fn end_epoch(
        &mut self,
        net: &mut Sequential<F>,
        data: &Split<'_, F>,
        epoch: usize,
        seconds: f64,
    ) {
        self.seconds += seconds;
        let val_accuracy = net.accuracy(data.x_val, data.y_val);
        if let Some(s) = self.hooks.schedule.as_deref_mut() {
            s.schedule.observe(1.0 - val_accuracy);
        }
        let rows = self.eval_rows;
        let (sum, batches) = std::mem::take(&mut self.epoch_loss);
        let record = EpochRecord {
            epoch,
            iter: self.iter,
            train_loss: sum / batches.max(1) as f64,
            train_accuracy: net.accuracy(data.x_train.slice(s![..rows, ..]), &data.y_train[..rows]),
            val_accuracy,
            test_accuracy: data.test.map(|(x, y)| net.accuracy(x, y)),
            seconds: self.seconds,
        };
        if let Some(f) = self.hooks.after_epoch.as_mut() {
            f(net, &record);
        }
        self.history.epochs.push(record);
    }
}

#[cfg(test)]
mod tests;
