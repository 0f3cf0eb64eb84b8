//! Adam [Kingma and Ba, 2014]: momentum on the gradient (first moment `m`) plus RMSProp's
//! per-parameter scaling (second moment `v`), both corrected for their bias towards zero in the
//! first steps. `t` counts steps from 1.

use super::optimizer::Optimizer;
use super::state::SlotState;
use crate::Float;
use crate::hyper::{HyperparameterError, check_eps, check_learning_rate, check_unit_interval};
use rayon::prelude::*;

/// Adam with the paper's defaults `beta1 = 0.9`, `beta2 = 0.999` and the slide's `eps = 1e-7`.
#[derive(Clone, Debug)]
pub struct Adam<F: Float> {
    pub learning_rate: f64,
    pub beta1: f64,
    pub beta2: f64,
    pub eps: f64,
    /// Steps taken so far (the `t` of the current step once `begin_step` has run).
    pub t: i32,
    m: SlotState<F>,
    v: SlotState<F>,
}

impl<F: Float> Adam<F> {
    /// Refuses `learning_rate <= 0` and betas outside `[0, 1)`.
    pub fn new(learning_rate: f64, beta1: f64, beta2: f64) -> Result<Self, HyperparameterError> {
        Ok(Adam {
            learning_rate: check_learning_rate(learning_rate)?,
            beta1: check_unit_interval("beta1", beta1)?,
            beta2: check_unit_interval("beta2", beta2)?,
            eps: 1e-7,
            t: 0,
            m: SlotState::default(),
            v: SlotState::default(),
        })
    }

    /// Sets `eps` (positive and finite).
    pub fn with_eps(mut self, eps: f64) -> Result<Self, HyperparameterError> {
        self.eps = check_eps(eps)?;
        Ok(self)
    }
}

/// The step on one chunk; `t >= 1`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub fn adam_kernel<F: Float>(
    x: &mut [F],
    m: &mut [F],
    v: &mut [F],
    dx: &[F],
    learning_rate: F,
    beta1: F,
    beta2: F,
    eps: F,
    t: i32,
) {
    let one = F::one();
    for (((x, m), v), &dx) in x.iter_mut().zip(m.iter_mut()).zip(v.iter_mut()).zip(dx) {
        // ANCHOR: adam_step
        *m = beta1 * *m + (one - beta1) * dx; // first moment
        *v = beta2 * *v + (one - beta2) * dx * dx; // second moment
        let mb = *m / (one - beta1.powi(t)); // correct bias
        let vb = *v / (one - beta2.powi(t));
        *x += -learning_rate * mb / (vb.sqrt() + eps);
        // ANCHOR_END: adam_step
    }
}

use super::state::CHUNK;
use crate::runtime::simd;

impl<F: Float> Optimizer<F> for Adam<F> {
    fn name(&self) -> &'static str {
        "adam"
    }
    fn hyperparameters(&self) -> Vec<(&'static str, f64)> {
        vec![
            ("learning_rate", self.learning_rate),
            ("beta1", self.beta1),
            ("beta2", self.beta2),
            ("eps", self.eps),
        ]
    }
    fn learning_rate(&self) -> f64 {
        self.learning_rate
    }
    fn set_learning_rate(&mut self, learning_rate: f64) {
        self.learning_rate = learning_rate;
    }
    fn begin_step(&mut self) {
        self.t += 1;
    }
    fn update(&mut self, slot: usize, x: &mut [F], dx: &[F]) {
        assert!(
            self.t >= 1,
            "Adam::update before begin_step: t counts from 1"
        );
        assert_eq!(x.len(), dx.len(), "x and dx differ in length");
        let (lr, b1, b2, eps, t) = (
            F::lit(self.learning_rate),
            F::lit(self.beta1),
            F::lit(self.beta2),
            F::lit(self.eps),
            self.t,
        );
        let m = self.m.get(slot, x.len());
        let v = self.v.get(slot, x.len());
        let run = |x: &mut [F], m: &mut [F], v: &mut [F], dx: &[F]| {
            simd::vectorized(
                #[inline(always)]
                || adam_kernel(x, m, v, dx, lr, b1, b2, eps, t),
            )
        };
        if super::state::serial(x.len()) {
            run(x, m, v, dx);
        } else {
            x.par_chunks_mut(CHUNK)
                .zip(m.par_chunks_mut(CHUNK))
                .zip(v.par_chunks_mut(CHUNK))
                .zip(dx.par_chunks(CHUNK))
                .for_each(|(((x, m), v), dx)| run(x, m, v, dx));
        }
    }
    fn reset(&mut self) {
        self.t = 0;
        self.m.clear();
        self.v.clear();
    }
}
