//! Reduce-on-plateau: lower the rate when the monitored metric stops improving.

use super::lr_schedule::{Schedule, non_negative};
use crate::hyper::{HyperparameterError, check_fraction, check_learning_rate};

// ANCHOR: plateau
/// PyTorch's `ReduceLROnPlateau` in mode `min` with a relative threshold: after each epoch the
/// metric counts as better when it is below `best * (1 - threshold)`; after more than `patience`
/// epochs without a better one the rate is multiplied by `factor` (not below `min_rate`) and the
/// next `cooldown` epochs are not counted.
#[derive(Clone, Debug)]
pub struct ReduceOnPlateau {
    pub factor: f64,
    pub patience: usize,
    pub threshold: f64,
    pub cooldown: usize,
    pub min_rate: f64,
    rate: f64,
    best: f64,
    bad_epochs: usize,
    cooldown_left: usize,
}

impl Schedule for ReduceOnPlateau {
    fn rate(&self, _t: usize) -> f64 {
        self.rate
    }
    fn name(&self) -> &'static str {
        "plateau"
    }
    fn observe(&mut self, metric: f64) {
        if metric < self.best * (1.0 - self.threshold) {
            self.best = metric;
            self.bad_epochs = 0;
        } else {
            self.bad_epochs += 1;
        }
        if self.cooldown_left > 0 {
            self.cooldown_left -= 1;
            self.bad_epochs = 0;
        }
        if self.bad_epochs > self.patience {
            let reduced = (self.rate * self.factor).max(self.min_rate);
            // PyTorch skips reductions smaller than its eps (1e-8).
            if self.rate - reduced > 1e-8 {
                self.rate = reduced;
            }
            self.cooldown_left = self.cooldown;
            self.bad_epochs = 0;
        }
    }
}
// ANCHOR_END: plateau

impl ReduceOnPlateau {
    /// PyTorch's defaults are `factor` 0.1, `patience` 10, `threshold` 1e-4, `cooldown` 0,
    /// `min_rate` 0. `factor` must be in (0, 1); `threshold` and `min_rate` >= 0.
    pub fn new(
        alpha0: f64,
        factor: f64,
        patience: usize,
        threshold: f64,
        cooldown: usize,
        min_rate: f64,
    ) -> Result<Self, HyperparameterError> {
        let factor = check_fraction("factor", factor)?;
        if factor == 1.0 {
            return Err(HyperparameterError {
                name: "factor",
                requirement: "< 1 (a reduction)",
                value: factor,
            });
        }
        Ok(ReduceOnPlateau {
            factor,
            patience,
            threshold: non_negative("threshold", threshold)?,
            cooldown,
            min_rate: non_negative("min_rate", min_rate)?,
            rate: check_learning_rate(alpha0)?,
            best: f64::INFINITY,
            bad_epochs: 0,
            cooldown_left: 0,
        })
    }
}
