//! The interface of a schedule, what its step counts, the schedule the training loop takes, and the checks the constructors share.

use crate::Float;
use crate::hyper::HyperparameterError;
use crate::optim::optimizer::Optimizer;

/// A learning rate per step.
pub trait Schedule: Send {
    /// The learning rate at step `t` (0 for the first step).
    fn rate(&self, t: usize) -> f64;
    /// The schedule as the book and the CSV files name it, e.g. `step`.
    fn name(&self) -> &'static str;
    /// Reports the metric of the epoch that just ended (lower is better). Only
    /// [`super::ReduceOnPlateau`] listens; the closed forms ignore it.
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
