//! One-cycle [Smith and Topin, 2019]: up from a small rate to the largest, then down far below the
//! start, in one cycle over the whole run.

use super::lr_schedule::{Schedule, steps};
use crate::hyper::check_fraction as factor;
use crate::hyper::{HyperparameterError, check_learning_rate, check_positive};

// ANCHOR: one_cycle
/// PyTorch's `OneCycleLR` (two phases, cosine annealing): from `max_rate / div_factor` up to
/// `max_rate` until step `pct_start * total_steps - 1`, then down to `initial / final_div_factor`
/// at step `total_steps - 1`; held there after (PyTorch raises instead). Its defaults:
/// `pct_start` 0.3, `div_factor` 25, `final_div_factor` 1e4.
#[derive(Clone, Copy, Debug)]
pub struct OneCycle {
    pub max_rate: f64,
    pub total_steps: usize,
    pub pct_start: f64,
    pub div_factor: f64,
    pub final_div_factor: f64,
}

/// Cosine interpolation from `start` (pct 0) to `end` (pct 1).
fn anneal_cos(start: f64, end: f64, pct: f64) -> f64 {
    end + (start - end) / 2.0 * ((std::f64::consts::PI * pct).cos() + 1.0)
}

impl Schedule for OneCycle {
    fn rate(&self, t: usize) -> f64 {
        let initial = self.max_rate / self.div_factor;
        let min = initial / self.final_div_factor;
        let up_end = self.pct_start * self.total_steps as f64 - 1.0;
        let down_end = (self.total_steps - 1) as f64;
        let t = (t as f64).min(down_end);
        if t <= up_end {
            anneal_cos(initial, self.max_rate, t / up_end)
        } else {
            anneal_cos(self.max_rate, min, (t - up_end) / (down_end - up_end))
        }
    }
    fn name(&self) -> &'static str {
        "one_cycle"
    }
}
// ANCHOR_END: one_cycle

impl OneCycle {
    /// With PyTorch's defaults (`pct_start` 0.3, `div_factor` 25, `final_div_factor` 1e4).
    pub fn new(max_rate: f64, total_steps: usize) -> Result<Self, HyperparameterError> {
        Self::with(max_rate, total_steps, 0.3, 25.0, 1e4)
    }

    /// `total_steps` at least 2, `pct_start` in (0, 1) with at least one step in each phase,
    /// `div_factor` and `final_div_factor` > 0.
    pub fn with(
        max_rate: f64,
        total_steps: usize,
        pct_start: f64,
        div_factor: f64,
        final_div_factor: f64,
    ) -> Result<Self, HyperparameterError> {
        let total = steps("total_steps", total_steps)?;
        let pct = factor("pct_start", pct_start)?;
        let up_end = pct * total as f64 - 1.0;
        if !(up_end > 0.0 && up_end < (total - 1) as f64) {
            return Err(HyperparameterError {
                name: "pct_start",
                requirement: "such that each phase has at least one step",
                value: pct_start,
            });
        }
        Ok(OneCycle {
            max_rate: check_learning_rate(max_rate)?,
            total_steps: total,
            pct_start: pct,
            div_factor: check_positive("div_factor", div_factor)?,
            final_div_factor: check_positive("final_div_factor", final_div_factor)?,
        })
    }
}
