//! The seven schedules the decay chapter compares, each stretched over a whole run.
//!
//! A comparison of schedules needs each one set up for the run it decays over: the slide's
//! `alpha0 e^(-k t)` with the same `k` ends at 1% of `alpha0` in one run and at 0.01% in a run
//! twice as long. A [`Stretch`] says how far each schedule goes by the run's last step (decay to
//! 1%, halve three times, warm up for the first 10%); [`Family::over`] turns that into the
//! schedule for a run of `steps` updates, so a longer run decays as far, only more slowly.

use super::closed_form::{Constant, Cosine, Exponential, InverseTime, StepDecay};
use super::lr_schedule::{LrSchedule, Per};
use super::one_cycle::OneCycle;
use super::warmup::WarmupThen;
use crate::hyper::HyperparameterError;
use crate::hyper::check_fraction as factor;

/// One of the chapter's schedules, before it is fitted to a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
#[serde(rename_all = "snake_case")]
pub enum Family {
    /// `alpha0` throughout.
    Constant,
    /// Multiplied by the step factor a fixed number of times, at equal intervals.
    Step,
    /// `alpha0 e^(-k t)`, down to a final fraction of `alpha0`.
    Exponential,
    /// `alpha0 / (1 + k t)`, down to a final fraction of `alpha0`.
    InverseTime,
    /// Cosine annealing from `alpha0` to a final fraction of it.
    Cosine,
    /// Linear warmup, then cosine annealing over the rest of the run.
    WarmupCosine,
    /// One-cycle with PyTorch's defaults, peaking at `alpha0`.
    OneCycle,
}

impl Family {
    /// Every family, in the chapter's order.
    pub const ALL: [Family; 7] = [
        Family::Constant,
        Family::Step,
        Family::Exponential,
        Family::InverseTime,
        Family::Cosine,
        Family::WarmupCosine,
        Family::OneCycle,
    ];

    /// The name in CSV files, e.g. `warmup_cosine`.
    pub fn name(self) -> &'static str {
        match self {
            Family::Constant => "constant",
            Family::Step => "step",
            Family::Exponential => "exponential",
            Family::InverseTime => "inverse_time",
            Family::Cosine => "cosine",
            Family::WarmupCosine => "warmup_cosine",
            Family::OneCycle => "one_cycle",
        }
    }

    /// The name in figures, e.g. `warmup + cosine`.
    pub fn label(self) -> &'static str {
        match self {
            Family::InverseTime => "1/t",
            Family::WarmupCosine => "warmup + cosine",
            Family::OneCycle => "one-cycle",
            other => other.name(),
        }
    }

    // ANCHOR: over
    /// The schedule for a run of `steps` updates (counted per iteration) starting or peaking at
    /// `alpha0`, decaying as `stretch` says. Fails if the run is too short for it (fewer steps
    /// than step drops, or a warmup that rounds to the whole run; a warmup rounds to at least one
    /// step).
    pub fn over(
        self,
        alpha0: f64,
        steps: usize,
        stretch: &Stretch,
    ) -> Result<LrSchedule, HyperparameterError> {
        stretch.check()?;
        let t = steps as f64; // the step at which each decay reaches its final value
        let per = Per::Iteration;
        Ok(match self {
            Family::Constant => LrSchedule::new(Constant::new(alpha0)?, per),
            Family::Step => {
                // `drops` drops at equal intervals: after 1/(drops+1) of the run, 2/(drops+1), ...
                let period = steps.div_ceil(stretch.step_drops + 1);
                LrSchedule::new(StepDecay::new(alpha0, stretch.step_factor, period)?, per)
            }
            Family::Exponential => {
                let k = -stretch.exp_final.ln() / t; // alpha0 e^(-k T) = final alpha0
                LrSchedule::new(Exponential::new(alpha0, k)?, per)
            }
            Family::InverseTime => {
                let k = (1.0 / stretch.inv_final - 1.0) / t; // alpha0 / (1 + k T) = final alpha0
                LrSchedule::new(InverseTime::new(alpha0, k)?, per)
            }
            Family::Cosine => {
                let min = alpha0 * stretch.cosine_final;
                LrSchedule::new(Cosine::new(alpha0, min, steps)?, per)
            }
            Family::WarmupCosine => {
                // At least one step of warmup, and at least one step after it.
                let warmup = ((stretch.warmup * t).round() as usize).max(1);
                let rest = steps.checked_sub(warmup).filter(|&r| r > 0);
                let rest = rest.ok_or(HyperparameterError {
                    name: "warmup",
                    requirement: "shorter than the run, leaving at least one step of annealing",
                    value: stretch.warmup,
                })?;
                let cosine = Cosine::new(alpha0, alpha0 * stretch.cosine_final, rest)?;
                LrSchedule::new(WarmupThen::new(WARMUP_START, warmup, cosine)?, per)
            }
            Family::OneCycle => LrSchedule::new(OneCycle::new(alpha0, steps)?, per),
        })
    }
    // ANCHOR_END: over
}

/// Warmup starts at this fraction of `alpha0`.
pub const WARMUP_START: f64 = 0.01;

/// How far each schedule of a [`Family`] decays over a run.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Stretch {
    /// Step decay's factor, in (0, 1] (the slide's "halve it": 0.5).
    pub step_factor: f64,
    /// How many times step decay applies its factor in a run, at least 1.
    pub step_drops: usize,
    /// Exponential decay ends at this fraction of `alpha0`, in (0, 1].
    pub exp_final: f64,
    /// 1/t decay ends at this fraction of `alpha0`, in (0, 1].
    pub inv_final: f64,
    /// Cosine annealing (alone or after warmup) ends at this fraction of `alpha0`, in [0, 1].
    pub cosine_final: f64,
    /// The fraction of the run that warms up before cosine annealing, in (0, 1).
    pub warmup: f64,
}

impl Default for Stretch {
    /// Halve three times; exponential to 1%, 1/t to 10%, cosine to 0; warm up for 10% of the run.
    fn default() -> Self {
        Stretch {
            step_factor: 0.5,
            step_drops: 3,
            exp_final: 0.01,
            inv_final: 0.1,
            cosine_final: 0.0,
            warmup: 0.1,
        }
    }
}

impl Stretch {
    /// Checks every field is in its range; the error names the field.
    pub fn check(&self) -> Result<(), HyperparameterError> {
        factor("step_factor", self.step_factor)?;
        super::lr_schedule::steps("step_drops", self.step_drops)?;
        factor("exp_final", self.exp_final)?;
        factor("inv_final", self.inv_final)?;
        if !(0.0..=1.0).contains(&self.cosine_final) {
            return Err(HyperparameterError {
                name: "cosine_final",
                requirement: "in [0, 1]",
                value: self.cosine_final,
            });
        }
        if !(self.warmup > 0.0 && self.warmup < 1.0) {
            return Err(HyperparameterError {
                name: "warmup",
                requirement: "in (0, 1), a fraction of the run (a warmup cannot be as long as the run)",
                value: self.warmup,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    fn rates(f: Family, steps: usize) -> Vec<f64> {
        let s = f.over(0.1, steps, &Stretch::default()).unwrap();
        (0..=steps).map(|t| s.rate_at(t, 0)).collect()
    }

    #[test]
    fn every_decay_reaches_its_final_value_at_the_end_of_any_run() {
        for steps in [40, 400] {
            let at_end = |f| rates(f, steps)[steps];
            assert_relative_eq!(
                at_end(Family::Exponential),
                0.1 * 0.01,
                max_relative = 1e-12
            );
            assert_relative_eq!(at_end(Family::InverseTime), 0.1 * 0.1, max_relative = 1e-12);
            assert_eq!(at_end(Family::Cosine), 0.0);
            assert_eq!(at_end(Family::WarmupCosine), 0.0);
            assert_eq!(at_end(Family::Constant), 0.1);
            let step = rates(Family::Step, steps);
            let drops = step[..steps].windows(2).filter(|w| w[1] < w[0]).count();
            assert_eq!(drops, 3, "three halvings in {steps} steps");
            assert_relative_eq!(step[steps - 1], 0.1 / 8.0, max_relative = 1e-12);
            // Every schedule starts at (or, warming up, peaks at) alpha0 and never exceeds it.
            for f in Family::ALL {
                let r = rates(f, steps);
                let max = r.iter().cloned().fold(0.0, f64::max);
                assert!((max - 0.1).abs() < 1e-12, "{f:?} peaks at {max}");
            }
        }
    }

    #[test]
    fn warmup_rises_for_its_fraction_of_the_run_then_anneals() {
        let r = rates(Family::WarmupCosine, 100);
        assert_relative_eq!(r[0], 0.1 * WARMUP_START, max_relative = 1e-12);
        assert!(
            r.windows(2).take(10).all(|w| w[1] > w[0]),
            "rising for 10 steps"
        );
        assert_eq!(r[10], 0.1);
        assert!(r.windows(2).skip(10).all(|w| w[1] <= w[0]), "then falling");
    }

    #[test]
    fn bad_stretches_and_runs_too_short_are_refused_by_name() {
        let bad = |s: Stretch, steps| {
            Family::WarmupCosine
                .over(0.1, steps, &s)
                .err()
                .map(|e| e.name)
        };
        let d = Stretch::default();
        assert_eq!(bad(Stretch { warmup: 1.0, ..d }, 100), Some("warmup"));
        assert_eq!(bad(Stretch { warmup: 1.5, ..d }, 100), Some("warmup"));
        assert_eq!(
            bad(Stretch { warmup: 0.8, ..d }, 2),
            Some("warmup"),
            "the whole run"
        );
        assert_eq!(bad(Stretch { warmup: 0.001, ..d }, 100), None, "one step");
        assert_eq!(
            bad(
                Stretch {
                    exp_final: -0.5,
                    ..d
                },
                100
            ),
            Some("exp_final")
        );
        assert_eq!(bad(Stretch { step_drops: 0, ..d }, 100), Some("step_drops"));
        assert_eq!(
            bad(
                Stretch {
                    cosine_final: 2.0,
                    ..d
                },
                100
            ),
            Some("cosine_final")
        );
        assert_eq!(bad(d, 100), None);
    }
}
