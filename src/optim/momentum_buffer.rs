//! SGD with momentum in PyTorch's convention (`torch.optim.SGD(momentum=mu)`): a buffer of raw
//! gradients, the learning rate outside it: `b = mu * b + dx; x -= learning_rate * b`.
//!
//! With a constant learning rate it is [`super::momentum::Momentum`] with `v = -learning_rate * b`: the same
//! iterates. When the rate changes they differ: here the whole buffer — gradients from before the
//! change too — is rescaled at once, while the slide's velocity keeps the old rate's steps and lets
//! them fade at the rate `mu`.

use super::optimizer::Optimizer;
use super::state::{SlotState, zip3};
use crate::Float;
use crate::hyper::{HyperparameterError, check_learning_rate, check_unit_interval};

/// Momentum with the learning rate outside the buffer (PyTorch's `SGD` with `momentum`,
/// `dampening` 0, no Nesterov).
#[derive(Clone, Debug)]
pub struct MomentumBuffer<F: Float> {
    pub learning_rate: f64,
    pub mu: f64,
    b: SlotState<F>,
}

impl<F: Float> MomentumBuffer<F> {
    /// Refuses `learning_rate <= 0` and `mu` outside `[0, 1)`.
    pub fn new(learning_rate: f64, mu: f64) -> Result<Self, HyperparameterError> {
        Ok(MomentumBuffer {
            learning_rate: check_learning_rate(learning_rate)?,
            mu: check_unit_interval("mu", mu)?,
            b: SlotState::default(),
        })
    }
}

impl<F: Float> Optimizer<F> for MomentumBuffer<F> {
    fn name(&self) -> &'static str {
        "momentum_buffer"
    }
    fn hyperparameters(&self) -> Vec<(&'static str, f64)> {
        vec![("learning_rate", self.learning_rate), ("mu", self.mu)]
    }
    fn learning_rate(&self) -> f64 {
        self.learning_rate
    }
    fn set_learning_rate(&mut self, learning_rate: f64) {
        self.learning_rate = learning_rate;
    }
    fn update(&mut self, slot: usize, x: &mut [F], dx: &[F]) {
        let (learning_rate, mu) = (F::lit(self.learning_rate), F::lit(self.mu));
        let b = self.b.get(slot, x.len());
        zip3(
            x,
            b,
            dx,
            #[inline(always)]
            |x, b, dx| {
                for ((x, b), &dx) in x.iter_mut().zip(b.iter_mut()).zip(dx) {
                    // ANCHOR: buffer_step
                    *b = mu * *b + dx; // accumulate raw gradients
                    *x -= learning_rate * *b; // the rate scales the whole buffer
                    // ANCHOR_END: buffer_step
                }
            },
        );
    }
    fn reset(&mut self) {
        self.b.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::Momentum;

    /// Runs both conventions on f = 0.1 x1² + 2 x2² from (-5, -2), the rate of step t from `rate`.
    fn both(rate: impl Fn(usize) -> f64) -> (Vec<[f64; 2]>, Vec<[f64; 2]>) {
        let mut ours = Momentum::<f64>::new(0.1, 0.9).unwrap();
        let mut theirs = MomentumBuffer::<f64>::new(0.1, 0.9).unwrap();
        let (mut x, mut y) = ([-5.0f64, -2.0], [-5.0f64, -2.0]);
        let (mut xs, mut ys) = (Vec::new(), Vec::new());
        for t in 0..12 {
            ours.set_learning_rate(rate(t));
            Optimizer::<f64>::set_learning_rate(&mut theirs, rate(t));
            let (dx, dy) = ([0.2 * x[0], 4.0 * x[1]], [0.2 * y[0], 4.0 * y[1]]);
            ours.update(0, &mut x, &dx);
            theirs.update(0, &mut y, &dy);
            xs.push(x);
            ys.push(y);
        }
        (xs, ys)
    }

    #[test]
    fn same_iterates_at_a_constant_rate_different_after_a_change() {
        let (ours, theirs) = both(|_| 0.1);
        for (a, b) in ours.iter().zip(&theirs) {
            for i in 0..2 {
                approx::assert_abs_diff_eq!(a[i], b[i], epsilon = 1e-13);
            }
        }
        // Halve the rate at step 6: identical before, apart after.
        let (ours, theirs) = both(|t| if t < 6 { 0.1 } else { 0.05 });
        for (a, b) in ours[..6].iter().zip(&theirs[..6]) {
            approx::assert_abs_diff_eq!(a[0], b[0], epsilon = 1e-13);
        }
        assert!(
            (ours[6][1] - theirs[6][1]).abs() > 1e-3,
            "{:?} {:?}",
            ours[6],
            theirs[6]
        );
    }
}
