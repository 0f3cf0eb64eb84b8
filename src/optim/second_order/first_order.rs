//! Full-batch first-order baselines — gradient descent and Adam — run through the same stopping
//! rules and bookkeeping as the second-order methods, reusing the update rules of
//! [`crate::optim`] unchanged.

use crate::hyper::HyperparameterError;
use crate::optim::{Adam, Optimizer, Sgd};
use crate::procedures::search::{Trial, grid_search};

use super::method::{Counted, Minimizer, Objective, Report, StopReason, Stopping, Tracker};

pub struct FirstOrder {
    pub rule: Box<dyn Optimizer<f64>>,
}

impl FirstOrder {
    pub fn new(rule: Box<dyn Optimizer<f64>>) -> Self {
        FirstOrder { rule }
    }

    /// Full-batch gradient descent at `learning_rate`.
    pub fn gd(learning_rate: f64) -> Result<Self, HyperparameterError> {
        Ok(Self::new(Box::new(Sgd::new(learning_rate)?)))
    }

    /// Full-batch Adam at `learning_rate` (beta1 0.9, beta2 0.999).
    pub fn adam(learning_rate: f64) -> Result<Self, HyperparameterError> {
        Ok(Self::new(Box::new(Adam::new(learning_rate, 0.9, 0.999)?)))
    }

    /// The grid search the chapter tunes GD or Adam with: each learning rate of `rates` runs
    /// `iters` iterations from `x0`, the lowest final value wins (a diverged run counts as +inf).
    /// Returns every trial and the index of the best; `None` if every rate diverged.
    pub fn tune(
        adam: bool,
        rates: &[f64],
        f: &mut dyn Objective,
        x0: &[f64],
        iters: usize,
    ) -> Result<(Vec<Trial>, Option<usize>), HyperparameterError> {
        let build = if adam { Self::adam } else { Self::gd };
        let methods = rates.iter().map(|&lr| build(lr));
        let mut methods = methods.collect::<Result<Vec<_>, _>>()?.into_iter();
        Ok(grid_search(rates, |_| {
            let mut method = methods.next().expect("one method per learning rate");
            method.minimize(f, x0, &Stopping::iterations(iters)).value
        }))
    }
}

impl Minimizer for FirstOrder {
    fn name(&self) -> String {
        // Full-batch SGD is plain gradient descent.
        let name = match self.rule.name() {
            "sgd" => "GD",
            "adam" => "Adam",
            other => other,
        };
        format!("{name} (lr={})", self.rule.learning_rate())
    }

    fn minimize(&mut self, f: &mut dyn Objective, x0: &[f64], stop: &Stopping) -> Report {
        self.rule.reset();
        let mut f = Counted::new(f);
        let mut x = x0.to_vec();
        let mut grad = vec![0.0; x.len()];
        let mut value = f.value_grad(&x, &mut grad);
        let mut track = Tracker::new(stop, x0, value, &grad, f.evals);
        let mut reason = track.check_start(value, &grad);
        let mut iter = 0;
        while reason.is_none() {
            self.rule.begin_step();
            self.rule.update(0, &mut x, &grad);
            let prev = value;
            value = f.value_grad(&x, &mut grad);
            iter += 1;
            track.record(iter, f.evals, &x, value, &grad);
            reason = track.check(iter, prev, value, &grad);
            // A fixed step has no decrease guarantee: an increase is not convergence.
            if reason == Some(StopReason::RelativeDecrease) && value > prev {
                reason = (iter >= stop.max_iter).then_some(StopReason::MaxIterations);
            }
        }
        let reason = reason.unwrap_or(StopReason::MaxIterations);
        track.finish(x, value, &grad, f.evals, reason)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::second_order::objectives::Rosenbrock;

    #[test]
    fn tuning_keeps_the_lowest_final_value_and_rejects_divergence() {
        let mut f = Rosenbrock { n: 2 };
        let rates = [1e-4, 1e-3, 10.0];
        let (trials, best) = FirstOrder::tune(false, &rates, &mut f, &[-1.5, 2.0], 50).unwrap();
        assert_eq!(trials.len(), 3);
        assert_eq!(trials[2].objective, f64::INFINITY, "10.0 diverges");
        assert!(trials[1].objective < trials[0].objective);
        assert_eq!(best, Some(1));
        assert!(FirstOrder::tune(true, &[-1.0], &mut f, &[0.0, 0.0], 5).is_err());
    }
}
