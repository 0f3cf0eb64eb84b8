//! Learning-rate schedules: the slide's "decay the learning rate over time" — step decay,
//! exponential decay `alpha0 e^(-k t)` and 1/t decay `alpha0 / (1 + k t)` — and the schedules
//! practice added since: cosine annealing, linear warmup (alone or before any schedule),
//! reduce-on-plateau and one-cycle.
//!
//! A [`Schedule`] maps the step `t` (0 for the first; iterations or epochs, see [`Per`]) to a
//! learning rate, in closed form: asking twice for the same `t` gives the same rate, and nothing
//! is "chained" from the previous value (PyTorch's `lr_scheduler` mixes a recursive and a closed
//! form). Reduce-on-plateau is the one schedule with state: it moves only when
//! [`Schedule::observe`] reports a metric. Every constructor validates its arguments.

mod closed_form;
mod family;
mod one_cycle;
mod plateau;
mod warmup;

pub use closed_form::{Constant, Cosine, Exponential, InverseTime, StepDecay};
pub use family::{Family, Stretch, WARMUP_START};
pub use one_cycle::OneCycle;
pub use plateau::ReduceOnPlateau;
pub use warmup::{LinearWarmup, WarmupThen};

use super::Optimizer;
use crate::Float;
use crate::hyper::HyperparameterError;

/// A learning rate per step.
pub trait Schedule: Send {
    /// The learning rate at step `t` (0 for the first step).
    fn rate(&self, t: usize) -> f64;
    /// The schedule as the book and the CSV files name it, e.g. `step`.
    fn name(&self) -> &'static str;
    /// Reports the metric of the epoch that just ended (lower is better). Only
    /// [`ReduceOnPlateau`] listens; the closed forms ignore it.
    fn observe(&mut self, _metric: f64) {}
}

/// What the step `t` of a schedule counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum Per {
    /// Every mini-batch update.
    Iteration,
    /// Every pass over the training set (the rate changes between epochs only).
    Epoch,
}

/// A schedule and what its step counts: what the training loop takes.
pub struct LrSchedule {
    pub schedule: Box<dyn Schedule>,
    pub per: Per,
    /// Warm restarts: the step counts from 0 again every this-many steps (`None`: never).
    pub restart_every: Option<usize>,
}

impl LrSchedule {
    pub fn new(schedule: impl Schedule + 'static, per: Per) -> Self {
        LrSchedule {
            schedule: Box::new(schedule),
            per,
            restart_every: None,
        }
    }

    /// The same schedule started again every `steps` steps (SGDR's warm restarts
    /// [Loshchilov and Hutter, 2017]; the snapshot ensembles' cycles).
    pub fn restarting_every(self, steps: usize) -> Self {
        LrSchedule {
            restart_every: Some(steps.max(1)),
            ..self
        }
    }

    /// The rate for iteration `iter` (0-based) of epoch `epoch` (0-based).
    pub fn rate_at(&self, iter: usize, epoch: usize) -> f64 {
        let t = match self.per {
            Per::Iteration => iter,
            Per::Epoch => epoch,
        };
        self.schedule
            .rate(self.restart_every.map_or(t, |every| t % every))
    }

    /// Sets `opt`'s learning rate for iteration `iter` of epoch `epoch`: the training loop calls
    /// this before every step.
    pub fn apply<F: Float>(&self, opt: &mut dyn Optimizer<F>, iter: usize, epoch: usize) {
        opt.set_learning_rate(self.rate_at(iter, epoch));
    }
}

/// Checks `value >= 0` and finite.
pub(super) fn non_negative(name: &'static str, value: f64) -> Result<f64, HyperparameterError> {
    if value >= 0.0 && value.is_finite() {
        Ok(value)
    } else {
        Err(HyperparameterError {
            name,
            requirement: ">= 0 and finite",
            value,
        })
    }
}

/// Checks `0 < value <= 1` (decay factors, warmup's start factor).
pub(super) use crate::hyper::check_fraction as factor;

/// Checks a step count is at least 1.
pub(super) fn steps(name: &'static str, value: usize) -> Result<usize, HyperparameterError> {
    if value >= 1 {
        Ok(value)
    } else {
        Err(HyperparameterError {
            name,
            requirement: ">= 1",
            value: value as f64,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::Sgd;

    #[test]
    fn the_loop_sets_the_rate_by_iteration_or_by_epoch() {
        let step = StepDecay::new(1.0, 0.5, 2).unwrap();
        let per_iter = LrSchedule::new(step, Per::Iteration);
        let per_epoch = LrSchedule::new(StepDecay::new(1.0, 0.5, 2).unwrap(), Per::Epoch);
        assert_eq!(per_iter.rate_at(5, 0), 0.25);
        assert_eq!(per_epoch.rate_at(5, 0), 1.0);
        assert_eq!(per_epoch.rate_at(0, 3), 0.5);
        let mut opt = Sgd::new(3.0).unwrap();
        per_iter.apply::<f64>(&mut opt, 2, 0);
        assert_eq!(Optimizer::<f64>::learning_rate(&opt), 0.5);
        let restarting = LrSchedule::new(StepDecay::new(1.0, 0.5, 2).unwrap(), Per::Iteration)
            .restarting_every(4);
        let rates: Vec<f64> = (0..9).map(|t| restarting.rate_at(t, 0)).collect();
        assert_eq!(rates, [1.0, 1.0, 0.5, 0.5, 1.0, 1.0, 0.5, 0.5, 1.0]);
    }
}
