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

mod lr_schedule;
pub use lr_schedule::{LrSchedule, Per, Schedule};

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::{Optimizer, Sgd};

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
