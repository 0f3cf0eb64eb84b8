//! AdaGrad [Duchi et al., 2011]: every parameter gets its own step size, shrinking with the sum of
//! its squared gradients: `cache += dx²; x += -learning_rate * dx / (sqrt(cache) + eps)`.

use super::optimizer::Optimizer;
use super::state::{SlotState, zip3};
use crate::Float;
use crate::hyper::{HyperparameterError, check_eps, check_learning_rate};

/// AdaGrad with the slide's `eps = 1e-7` by default.
#[derive(Clone, Debug)]
pub struct AdaGrad<F: Float> {
    pub learning_rate: f64,
    pub eps: f64,
    cache: SlotState<F>,
}

impl<F: Float> AdaGrad<F> {
    /// Refuses `learning_rate <= 0`.
    pub fn new(learning_rate: f64) -> Result<Self, HyperparameterError> {
        Ok(AdaGrad {
            learning_rate: check_learning_rate(learning_rate)?,
            eps: 1e-7,
            cache: SlotState::default(),
        })
    }

    /// Sets `eps` (positive and finite).
    pub fn with_eps(mut self, eps: f64) -> Result<Self, HyperparameterError> {
        self.eps = check_eps(eps)?;
        Ok(self)
    }

    /// The accumulated squared gradients of `slot`.
    pub fn cache(&mut self, slot: usize, len: usize) -> &[F] {
        self.cache.get(slot, len)
    }
}

/// The step on one chunk.
#[inline(always)]
pub fn adagrad_kernel<F: Float>(x: &mut [F], cache: &mut [F], dx: &[F], learning_rate: F, eps: F) {
    for ((x, cache), &dx) in x.iter_mut().zip(cache.iter_mut()).zip(dx) {
        // ANCHOR: adagrad_step
        *cache += dx * dx;
        *x += -learning_rate * dx / (cache.sqrt() + eps);
        // ANCHOR_END: adagrad_step
    }
}

impl<F: Float> Optimizer<F> for AdaGrad<F> {
    fn name(&self) -> &'static str {
        "adagrad"
    }
    fn hyperparameters(&self) -> Vec<(&'static str, f64)> {
        vec![("learning_rate", self.learning_rate), ("eps", self.eps)]
    }
    fn learning_rate(&self) -> f64 {
        self.learning_rate
    }
    fn set_learning_rate(&mut self, learning_rate: f64) {
        self.learning_rate = learning_rate;
    }
    fn update(&mut self, slot: usize, x: &mut [F], dx: &[F]) {
        let (learning_rate, eps) = (F::lit(self.learning_rate), F::lit(self.eps));
        let cache = self.cache.get(slot, x.len());
        zip3(
            x,
            cache,
            dx,
            #[inline(always)]
            |x, c, dx| adagrad_kernel(x, c, dx, learning_rate, eps),
        );
    }
    fn reset(&mut self) {
        self.cache.clear();
    }
}
