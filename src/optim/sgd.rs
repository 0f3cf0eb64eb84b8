//! Vanilla stochastic gradient descent: `x += -learning_rate * dx`.

use super::optimizer::Optimizer;
use super::state::zip2;
use crate::Float;
use crate::hyper::{HyperparameterError, check_learning_rate};

/// SGD with a fixed (or externally scheduled) learning rate.
#[derive(Clone, Debug)]
pub struct Sgd {
    pub learning_rate: f64,
}

impl Sgd {
    /// Refuses a learning rate that is not positive and finite.
    pub fn new(learning_rate: f64) -> Result<Self, HyperparameterError> {
        Ok(Sgd {
            learning_rate: check_learning_rate(learning_rate)?,
        })
    }
}

/// The step on one chunk.
#[inline(always)]
pub fn sgd_kernel<F: Float>(x: &mut [F], dx: &[F], learning_rate: F) {
    for (x, &dx) in x.iter_mut().zip(dx) {
        // ANCHOR: sgd_step
        *x += -learning_rate * dx;
        // ANCHOR_END: sgd_step
    }
}

impl<F: Float> Optimizer<F> for Sgd {
    fn name(&self) -> &'static str {
        "sgd"
    }
    fn hyperparameters(&self) -> Vec<(&'static str, f64)> {
        vec![("learning_rate", self.learning_rate)]
    }
    fn learning_rate(&self) -> f64 {
        self.learning_rate
    }
    fn set_learning_rate(&mut self, learning_rate: f64) {
        self.learning_rate = learning_rate;
    }
    fn update(&mut self, _slot: usize, x: &mut [F], dx: &[F]) {
        let learning_rate = F::lit(self.learning_rate);
        zip2(
            x,
            dx,
            #[inline(always)]
            |x, dx| sgd_kernel(x, dx, learning_rate),
        );
    }
    fn reset(&mut self) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_iterates_on_the_slide_quadratic() {
        // f = 0.1 x1² + 2 x2², grad = (0.2 x1, 4 x2), from (-5, -2), learning_rate 0.1:
        // step 1: (-5 + 0.1, -2 + 0.8) = (-4.9, -1.2); step 2: (-4.802, -0.72).
        let mut opt = Sgd::new(0.1).unwrap();
        let mut x = [-5.0f64, -2.0];
        let expected = [[-4.9, -1.2], [-4.802, -0.72], [-4.70596, -0.432]];
        for e in expected {
            let dx = [0.2 * x[0], 4.0 * x[1]];
            Optimizer::<f64>::begin_step(&mut opt);
            opt.update(0, &mut x, &dx);
            approx::assert_relative_eq!(x[0], e[0], epsilon = 4.0 * f64::EPSILON);
            approx::assert_relative_eq!(x[1], e[1], epsilon = 4.0 * f64::EPSILON);
        }
    }

    #[test]
    fn refuses_bad_learning_rates() {
        assert_eq!(
            Sgd::new(-0.1).unwrap_err().to_string(),
            "learning_rate must be > 0 and finite, got -0.1"
        );
        assert!(Sgd::new(0.0).is_err());
        assert!(Sgd::new(f64::NAN).is_err());
        assert!(Sgd::new(f64::INFINITY).is_err());
    }

    #[test]
    fn parallel_path_matches_serial_bits() {
        let n: usize = (1 << 18) + 12345;
        let dx: Vec<f32> = (0..n)
            .map(|i| ((i * 7919) % 1000) as f32 * 1e-3 - 0.5)
            .collect();
        let mut a: Vec<f32> = (0..n).map(|i| (i % 97) as f32 * 0.01).collect();
        let mut b = a.clone();
        let mut opt = Sgd::new(0.03).unwrap();
        opt.update(0, &mut a, &dx);
        sgd_kernel(&mut b, &dx, 0.03f32);
        assert_eq!(a, b);
    }
}
