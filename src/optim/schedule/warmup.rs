//! Linear warmup: alone, and before any other schedule.

use super::lr_schedule::{Schedule, steps};
use crate::hyper::check_fraction as factor;
use crate::hyper::{HyperparameterError, check_learning_rate};

// ANCHOR: warmup
/// PyTorch's `LinearLR`: from `start_factor * alpha0` up to `alpha0` over `steps` steps, then
/// `alpha0`: `alpha0 * (start_factor + (1 - start_factor) * min(t, steps) / steps)`.
#[derive(Clone, Copy, Debug)]
pub struct LinearWarmup {
    pub alpha0: f64,
    pub start_factor: f64,
    pub steps: usize,
}

/// `steps` of linear warmup from `start_factor` times `then`'s first rate, then `then` from its
/// own step 0 (PyTorch's `SequentialLR` of `LinearLR` and the other schedule).
pub struct WarmupThen<S> {
    pub start_factor: f64,
    pub steps: usize,
    pub then: S,
}

impl Schedule for LinearWarmup {
    fn rate(&self, t: usize) -> f64 {
        let progress = t.min(self.steps) as f64 / self.steps as f64;
        self.alpha0 * (self.start_factor + (1.0 - self.start_factor) * progress)
    }
    fn name(&self) -> &'static str {
        "warmup"
    }
}

impl<S: Schedule> Schedule for WarmupThen<S> {
    fn rate(&self, t: usize) -> f64 {
        if t < self.steps {
            let progress = t as f64 / self.steps as f64;
            self.then.rate(0) * (self.start_factor + (1.0 - self.start_factor) * progress)
        } else {
            self.then.rate(t - self.steps)
        }
    }
    fn name(&self) -> &'static str {
        "warmup_then"
    }
    fn observe(&mut self, metric: f64) {
        self.then.observe(metric);
    }
}
// ANCHOR_END: warmup

impl LinearWarmup {
    /// `start_factor` in (0, 1], `steps` at least 1.
    pub fn new(alpha0: f64, start_factor: f64, steps: usize) -> Result<Self, HyperparameterError> {
        Ok(LinearWarmup {
            alpha0: check_learning_rate(alpha0)?,
            start_factor: factor("start_factor", start_factor)?,
            steps: super::lr_schedule::steps("steps", steps)?,
        })
    }
}

impl<S: Schedule> WarmupThen<S> {
    /// `start_factor` in (0, 1], `warmup_steps` at least 1.
    pub fn new(
        start_factor: f64,
        warmup_steps: usize,
        then: S,
    ) -> Result<Self, HyperparameterError> {
        Ok(WarmupThen {
            start_factor: factor("start_factor", start_factor)?,
            steps: steps("warmup_steps", warmup_steps)?,
            then,
        })
    }
}
