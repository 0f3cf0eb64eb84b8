//! Full-batch first-order baselines — gradient descent and Adam — run through the same stopping
//! rules and bookkeeping as the second-order methods, reusing the update rules of
//! [`crate::optim`] unchanged.

use crate::optim::Optimizer;

use super::{Counted, Minimizer, Objective, Report, StopReason, Stopping, Tracker};

pub struct FirstOrder {
    pub rule: Box<dyn Optimizer<f64>>,
}

impl FirstOrder {
    pub fn new(rule: Box<dyn Optimizer<f64>>) -> Self {
        FirstOrder { rule }
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
