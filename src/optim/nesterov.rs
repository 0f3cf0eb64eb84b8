//! Nesterov momentum [Nesterov, 1983; Sutskever et al., 2013], in the slide's rewrite.
//!
//! The look-ahead form evaluates the gradient at `x + mu * v`. Renaming the variable to the
//! look-ahead point, `phi = x + mu * v`, gives an update that needs only the gradient at the
//! current parameters:
//! `v_prev = v; v = mu * v - learning_rate * dx; x += -mu * v_prev + (1 + mu) * v`.

use super::optimizer::Optimizer;
use super::state::{SlotState, zip3};
use crate::Float;
use crate::hyper::{HyperparameterError, check_learning_rate, check_unit_interval};

/// Nesterov momentum (the slide's "phi" form; `x` holds phi).
#[derive(Clone, Debug)]
pub struct Nesterov<F: Float> {
    pub learning_rate: f64,
    pub mu: f64,
    v: SlotState<F>,
}

impl<F: Float> Nesterov<F> {
    /// Refuses `learning_rate <= 0` and `mu` outside `[0, 1)`.
    pub fn new(learning_rate: f64, mu: f64) -> Result<Self, HyperparameterError> {
        Ok(Nesterov {
            learning_rate: check_learning_rate(learning_rate)?,
            mu: check_unit_interval("mu", mu)?,
            v: SlotState::default(),
        })
    }
}

/// Nesterov's counterpart of [`super::momentum::contraction_rate`]: on a direction of curvature `lambda`
/// with `h = learning_rate * lambda`, the phi form maps `(phi, v)` by a matrix with trace
/// `1 + mu - (1 + mu) h` and determinant `mu (1 - h)`; its spectral radius is the rate.
pub fn nesterov_contraction_rate(learning_rate: f64, mu: f64, lambda: f64) -> f64 {
    let h = learning_rate * lambda;
    super::momentum::quadratic_root_radius(1.0 + mu - (1.0 + mu) * h, mu * (1.0 - h))
}

/// The step on one chunk.
#[inline(always)]
pub fn nesterov_kernel<F: Float>(x: &mut [F], v: &mut [F], dx: &[F], learning_rate: F, mu: F) {
    for ((x, v), &dx) in x.iter_mut().zip(v.iter_mut()).zip(dx) {
        // ANCHOR: nesterov_step
        let v_prev = *v;
        *v = mu * *v - learning_rate * dx;
        *x += -mu * v_prev + (F::one() + mu) * *v;
        // ANCHOR_END: nesterov_step
    }
}

impl<F: Float> Optimizer<F> for Nesterov<F> {
    fn name(&self) -> &'static str {
        "nesterov"
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
        let v = self.v.get(slot, x.len());
        zip3(
            x,
            v,
            dx,
            #[inline(always)]
            |x, v, dx| nesterov_kernel(x, v, dx, learning_rate, mu),
        );
    }
    fn reset(&mut self) {
        self.v.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contraction_rate_matches_the_iteration() {
        for (lr, mu, lambda) in [(0.035, 0.9, 1.0), (0.035, 0.9, 50.0), (0.1, 0.5, 3.0)] {
            let mut opt = Nesterov::<f64>::new(lr, mu).unwrap();
            let mut x = [1.0f64];
            let n = 300;
            for _ in 0..n {
                let dx = [lambda * x[0]];
                opt.update(0, &mut x, &dx);
            }
            let measured = x[0].abs().powf(1.0 / n as f64);
            let predicted = nesterov_contraction_rate(lr, mu, lambda);
            approx::assert_relative_eq!(measured, predicted, max_relative = 2e-2);
        }
    }
}
