//! SGD with momentum, in the slide's convention (the learning rate is inside the velocity):
//! `v = mu * v - learning_rate * dx; x += v`.

use super::optimizer::Optimizer;
use super::state::{SlotState, zip3};
use crate::Float;
use crate::hyper::{HyperparameterError, check_learning_rate, check_unit_interval};

/// Momentum: a ball rolling on the loss surface; `mu` (0.5, 0.9, 0.99) is one minus the friction.
#[derive(Clone, Debug)]
pub struct Momentum<F: Float> {
    pub learning_rate: f64,
    pub mu: f64,
    v: SlotState<F>,
}

impl<F: Float> Momentum<F> {
    /// Refuses `learning_rate <= 0` and `mu` outside `[0, 1)`.
    pub fn new(learning_rate: f64, mu: f64) -> Result<Self, HyperparameterError> {
        Ok(Momentum {
            learning_rate: check_learning_rate(learning_rate)?,
            mu: check_unit_interval("mu", mu)?,
            v: SlotState::default(),
        })
    }

    /// The velocity of `slot` (zeros before its first update).
    pub fn velocity(&mut self, slot: usize, len: usize) -> &[F] {
        self.v.get(slot, len)
    }
}

// ANCHOR: contraction_rate
/// How fast Momentum converges along one direction of a quadratic with curvature `lambda`: the
/// spectral radius of the map `(x, v) -> (x + v', v' = mu v - learning_rate lambda x)`, i.e. the
/// largest |z| with `z² - (1 + mu - learning_rate lambda) z + mu = 0`. The error shrinks by this
/// factor per step in the long run (`mu = 0` gives SGD's `|1 - learning_rate lambda|`).
pub fn contraction_rate(learning_rate: f64, mu: f64, lambda: f64) -> f64 {
    quadratic_root_radius(1.0 + mu - learning_rate * lambda, mu)
}

/// The largest |z| over the roots of `z² - b z + c = 0`.
pub fn quadratic_root_radius(b: f64, c: f64) -> f64 {
    let disc = b * b - 4.0 * c;
    if disc < 0.0 {
        c.sqrt() // complex pair: |z|² = product of the roots = c
    } else {
        ((b.abs() + disc.sqrt()) / 2.0).max((b.abs() - disc.sqrt()).abs() / 2.0)
    }
}
// ANCHOR_END: contraction_rate

/// The step on one chunk.
#[inline(always)]
pub fn momentum_kernel<F: Float>(x: &mut [F], v: &mut [F], dx: &[F], learning_rate: F, mu: F) {
    for ((x, v), &dx) in x.iter_mut().zip(v.iter_mut()).zip(dx) {
        // ANCHOR: momentum_step
        *v = mu * *v - learning_rate * dx; // integrate velocity
        *x += *v; // integrate position
        // ANCHOR_END: momentum_step
    }
}

impl<F: Float> Optimizer<F> for Momentum<F> {
    fn name(&self) -> &'static str {
        "momentum"
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
            |x, v, dx| momentum_kernel(x, v, dx, learning_rate, mu),
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
    fn exact_iterates_on_the_slide_quadratic() {
        // f = 0.1 x1² + 2 x2² from (-5, -2), learning_rate 0.1, mu 0.9. By hand:
        // step 1: dx = (-1, -8), v = (0.1, 0.8), x = (-4.9, -1.2)
        // step 2: dx = (-0.98, -4.8), v = (0.09 + 0.098, 0.72 + 0.48) = (0.188, 1.2), x = (-4.712, 0.0)
        // step 3: dx = (-0.9424, 0), v = (0.1692 + 0.09424, 1.08) = (0.26344, 1.08), x = (-4.44856, 1.08)
        let mut opt = Momentum::<f64>::new(0.1, 0.9).unwrap();
        let mut x = [-5.0f64, -2.0];
        let expected = [[-4.9, -1.2], [-4.712, 0.0], [-4.44856, 1.08]];
        for e in expected {
            let dx = [0.2 * x[0], 4.0 * x[1]];
            opt.begin_step();
            opt.update(0, &mut x, &dx);
            approx::assert_relative_eq!(x[0], e[0], epsilon = 8.0 * f64::EPSILON);
            approx::assert_abs_diff_eq!(x[1], e[1], epsilon = 8.0 * f64::EPSILON);
        }
        approx::assert_relative_eq!(opt.velocity(0, 2)[1], 1.08, epsilon = 8.0 * f64::EPSILON);
    }

    #[test]
    fn contraction_rates() {
        // SGD: |1 - lr lambda|.
        approx::assert_relative_eq!(contraction_rate(0.035, 0.0, 1.0), 0.965, epsilon = 1e-12);
        approx::assert_relative_eq!(contraction_rate(0.035, 0.0, 50.0), 0.75, epsilon = 1e-12);
        // Complex roots: sqrt(mu).
        approx::assert_relative_eq!(
            contraction_rate(0.035, 0.9, 1.0),
            0.9f64.sqrt(),
            epsilon = 1e-12
        );
        // Real roots of z² - 1.465 z + 0.5: (1.465 + sqrt(0.146225)) / 2.
        approx::assert_relative_eq!(
            contraction_rate(0.035, 0.5, 1.0),
            (1.465 + 0.146225f64.sqrt()) / 2.0,
            epsilon = 1e-12
        );
        // Matches the iteration itself: run 400 steps on f = 0.5 x² and compare the decay.
        let mut m = Momentum::<f64>::new(0.035, 0.5).unwrap();
        let mut x = [1.0f64];
        for _ in 0..400 {
            let dx = [x[0]];
            m.update(0, &mut x, &dx);
        }
        let measured = x[0].abs().powf(1.0 / 400.0);
        approx::assert_relative_eq!(
            measured,
            contraction_rate(0.035, 0.5, 1.0),
            max_relative = 5e-3
        );
    }

    #[test]
    fn mu_zero_is_sgd() {
        let mut m = Momentum::<f64>::new(0.05, 0.0).unwrap();
        let mut s = super::super::Sgd::new(0.05).unwrap();
        let (mut a, mut b) = ([1.0f64, -3.0, 2.5], [1.0f64, -3.0, 2.5]);
        for _ in 0..5 {
            let da: Vec<f64> = a.iter().map(|v| v * v).collect();
            let db: Vec<f64> = b.iter().map(|v| v * v).collect();
            m.update(0, &mut a, &da);
            Optimizer::<f64>::update(&mut s, 0, &mut b, &db);
        }
        assert_eq!(a, b);
    }

    #[test]
    fn refuses_bad_mu() {
        assert_eq!(
            Momentum::<f32>::new(0.1, 1.0).unwrap_err().to_string(),
            "mu must be in [0, 1), got 1"
        );
        assert!(Momentum::<f32>::new(0.1, -0.1).is_err());
        assert!(Momentum::<f32>::new(-1.0, 0.9).is_err());
    }

    #[test]
    fn reset_forgets_velocity() {
        let mut m = Momentum::<f64>::new(0.1, 0.9).unwrap();
        let mut x = [1.0f64];
        m.update(0, &mut x, &[1.0]);
        m.reset();
        assert_eq!(m.velocity(0, 1), &[0.0]);
    }
}
