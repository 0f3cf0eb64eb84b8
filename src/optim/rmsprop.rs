//! RMSProp [Tieleman and Hinton, 2012]: AdaGrad with a leaky cache, so the step size does not
//! decay to zero: `cache = decay_rate * cache + (1 - decay_rate) * dx²;
//! x += -learning_rate * dx / (sqrt(cache) + eps)`.

use super::optimizer::Optimizer;
use super::state::{SlotState, zip3};
use crate::Float;
use crate::hyper::{HyperparameterError, check_eps, check_learning_rate, check_open_unit_interval};

/// RMSProp with `eps = 1e-7` by default.
#[derive(Clone, Debug)]
pub struct RmsProp<F: Float> {
    pub learning_rate: f64,
    pub decay_rate: f64,
    pub eps: f64,
    cache: SlotState<F>,
}

impl<F: Float> RmsProp<F> {
    /// Refuses `learning_rate <= 0` and `decay_rate` outside `(0, 1)`.
    pub fn new(learning_rate: f64, decay_rate: f64) -> Result<Self, HyperparameterError> {
        Ok(RmsProp {
            learning_rate: check_learning_rate(learning_rate)?,
            decay_rate: check_open_unit_interval("decay_rate", decay_rate)?,
            eps: 1e-7,
            cache: SlotState::default(),
        })
    }

    /// Sets `eps` (positive and finite).
    pub fn with_eps(mut self, eps: f64) -> Result<Self, HyperparameterError> {
        self.eps = check_eps(eps)?;
        Ok(self)
    }

    /// The running mean of squared gradients of `slot`.
    pub fn cache(&mut self, slot: usize, len: usize) -> &[F] {
        self.cache.get(slot, len)
    }
}

/// The step on one chunk.
#[inline(always)]
pub fn rmsprop_kernel<F: Float>(
    x: &mut [F],
    cache: &mut [F],
    dx: &[F],
    learning_rate: F,
    decay_rate: F,
    eps: F,
) {
    for ((x, cache), &dx) in x.iter_mut().zip(cache.iter_mut()).zip(dx) {
        // ANCHOR: rmsprop_step
        *cache = decay_rate * *cache + (F::one() - decay_rate) * dx * dx;
        *x += -learning_rate * dx / (cache.sqrt() + eps);
        // ANCHOR_END: rmsprop_step
    }
}

impl<F: Float> Optimizer<F> for RmsProp<F> {
    fn name(&self) -> &'static str {
        "rmsprop"
    }
    fn hyperparameters(&self) -> Vec<(&'static str, f64)> {
        vec![
            ("learning_rate", self.learning_rate),
            ("decay_rate", self.decay_rate),
            ("eps", self.eps),
        ]
    }
    fn learning_rate(&self) -> f64 {
        self.learning_rate
    }
    fn set_learning_rate(&mut self, learning_rate: f64) {
        self.learning_rate = learning_rate;
    }
    fn update(&mut self, slot: usize, x: &mut [F], dx: &[F]) {
        let (learning_rate, decay_rate, eps) = (
            F::lit(self.learning_rate),
            F::lit(self.decay_rate),
            F::lit(self.eps),
        );
        let cache = self.cache.get(slot, x.len());
        zip3(
            x,
            cache,
            dx,
            #[inline(always)]
            |x, c, dx| rmsprop_kernel(x, c, dx, learning_rate, decay_rate, eps),
        );
    }
    fn reset(&mut self) {
        self.cache.clear();
    }
}
