//! The closed-form schedules: constant, the slide's three decays, and cosine annealing.

use super::lr_schedule::{Schedule, non_negative, steps};
use crate::hyper::{HyperparameterError, check_fraction, check_learning_rate};

// ANCHOR: closed_forms
/// `alpha0` at every step.
#[derive(Clone, Copy, Debug)]
pub struct Constant {
    pub alpha0: f64,
}

/// The slide's step decay: `alpha0 * factor^floor(t / period)` ("halve it every few epochs":
/// factor 0.5).
#[derive(Clone, Copy, Debug)]
pub struct StepDecay {
    pub alpha0: f64,
    pub factor: f64,
    pub period: usize,
}

/// Exponential decay `alpha0 * e^(-k t)`.
#[derive(Clone, Copy, Debug)]
pub struct Exponential {
    pub alpha0: f64,
    pub k: f64,
}

/// 1/t decay `alpha0 / (1 + k t)`.
#[derive(Clone, Copy, Debug)]
pub struct InverseTime {
    pub alpha0: f64,
    pub k: f64,
}

/// Cosine annealing from `alpha0` to `alpha_min` over `steps` steps, held at `alpha_min` after
/// (PyTorch's `CosineAnnealingLR` rises again after `T_max`; this one does not):
/// `alpha_min + (alpha0 - alpha_min) (1 + cos(pi t / steps)) / 2`.
#[derive(Clone, Copy, Debug)]
pub struct Cosine {
    pub alpha0: f64,
    pub alpha_min: f64,
    pub steps: usize,
}

impl Schedule for Constant {
    fn rate(&self, _t: usize) -> f64 {
        self.alpha0
    }
    fn name(&self) -> &'static str {
        "constant"
    }
}

impl Schedule for StepDecay {
    // ANCHOR: step_decay
    fn rate(&self, t: usize) -> f64 {
        self.alpha0 * self.factor.powi((t / self.period) as i32)
    }
    // ANCHOR_END: step_decay
    fn name(&self) -> &'static str {
        "step"
    }
}

impl Schedule for Exponential {
    // ANCHOR: exponential_decay
    fn rate(&self, t: usize) -> f64 {
        self.alpha0 * (-self.k * t as f64).exp()
    }
    // ANCHOR_END: exponential_decay
    fn name(&self) -> &'static str {
        "exponential"
    }
}

impl Schedule for InverseTime {
    // ANCHOR: inverse_time_decay
    fn rate(&self, t: usize) -> f64 {
        self.alpha0 / (1.0 + self.k * t as f64)
    }
    // ANCHOR_END: inverse_time_decay
    fn name(&self) -> &'static str {
        "inverse_time"
    }
}

impl Schedule for Cosine {
    fn rate(&self, t: usize) -> f64 {
        let progress = t.min(self.steps) as f64 / self.steps as f64;
        let cos = (1.0 + (std::f64::consts::PI * progress).cos()) / 2.0;
        self.alpha_min + (self.alpha0 - self.alpha_min) * cos
    }
    fn name(&self) -> &'static str {
        "cosine"
    }
}
// ANCHOR_END: closed_forms

impl Constant {
    pub fn new(alpha0: f64) -> Result<Self, HyperparameterError> {
        Ok(Constant {
            alpha0: check_learning_rate(alpha0)?,
        })
    }
}

impl StepDecay {
    /// `factor` in (0, 1], `period` at least 1.
    pub fn new(alpha0: f64, factor: f64, period: usize) -> Result<Self, HyperparameterError> {
        Ok(StepDecay {
            alpha0: check_learning_rate(alpha0)?,
            factor: check_fraction("factor", factor)?,
            period: steps("period", period)?,
        })
    }
}

impl Exponential {
    /// `k >= 0`.
    pub fn new(alpha0: f64, k: f64) -> Result<Self, HyperparameterError> {
        Ok(Exponential {
            alpha0: check_learning_rate(alpha0)?,
            k: non_negative("k", k)?,
        })
    }
}

impl InverseTime {
    /// `k >= 0`.
    pub fn new(alpha0: f64, k: f64) -> Result<Self, HyperparameterError> {
        Ok(InverseTime {
            alpha0: check_learning_rate(alpha0)?,
            k: non_negative("k", k)?,
        })
    }
}

impl Cosine {
    /// `0 <= alpha_min <= alpha0`, `steps` at least 1.
    pub fn new(alpha0: f64, alpha_min: f64, steps: usize) -> Result<Self, HyperparameterError> {
        let alpha0 = check_learning_rate(alpha0)?;
        let alpha_min = non_negative("alpha_min", alpha_min)?;
        if alpha_min > alpha0 {
            return Err(HyperparameterError {
                name: "alpha_min",
                requirement: "<= the initial learning rate",
                value: alpha_min,
            });
        }
        Ok(Cosine {
            alpha0,
            alpha_min,
            steps: super::lr_schedule::steps("steps", steps)?,
        })
    }
}
