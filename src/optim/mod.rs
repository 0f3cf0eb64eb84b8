//! Optimization: the first-order update rules (one file each: read [`sgd`], then [`momentum`]),
//! the learning-rate schedules ([`schedule`]) and the second-order methods ([`second_order`]:
//! Newton, BFGS, L-BFGS).
//!
//! Like CS231n's `update(w, dw, config)`, an [`Optimizer`] updates one parameter tensor at a time
//! and keeps its state (velocity `v`, `cache`, …) per tensor, indexed by a stable slot number. The
//! same objects drive the 2-D experiments (one slot holding `(x, y)`) and network training (one
//! slot per weight matrix and bias).

pub mod adagrad;
pub mod adam;
pub mod momentum;
pub mod momentum_buffer;
pub mod nesterov;
pub mod rmsprop;
pub mod rule;
pub mod schedule;
pub mod second_order;
pub mod sgd;
pub mod state;

pub use adagrad::AdaGrad;
pub use adam::Adam;
pub use momentum::{Momentum, contraction_rate};
pub use momentum_buffer::MomentumBuffer;
pub use nesterov::{Nesterov, nesterov_contraction_rate};
pub use rmsprop::RmsProp;
pub use rule::Rule;
pub use sgd::Sgd;

use crate::Float;
use crate::nn::layers::ParamGrad;
pub use state::{CHUNK, SlotState, serial, zip2, zip3};

/// One update rule.
pub trait Optimizer<F: Float>: Send {
    /// The rule's name as the book and the CSV files spell it, e.g. `momentum`.
    fn name(&self) -> &'static str;
    /// The rule's hyperparameters by their slide names, for `meta.json` and the CSV columns.
    fn hyperparameters(&self) -> Vec<(&'static str, f64)>;
    /// One hyperparameter by its slide name (`mu`, `beta1`, ...), if the rule has it.
    fn hyperparameter(&self, name: &str) -> Option<f64> {
        let all = self.hyperparameters();
        all.into_iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }
    /// The current learning rate (schedules change it between iterations).
    fn learning_rate(&self) -> f64;
    /// Sets the learning rate; the caller guarantees it is positive and finite.
    fn set_learning_rate(&mut self, learning_rate: f64);
    /// Called once per iteration before the tensors are updated (rules that count steps do so here).
    fn begin_step(&mut self) {}
    /// Updates parameter tensor `slot` in place from its gradient `dx` (same length as `x`).
    fn update(&mut self, slot: usize, x: &mut [F], dx: &[F]);
    /// Forgets all state (velocities, caches, step count).
    fn reset(&mut self);
}

/// One iteration of `opt` over every parameter of a network, in slot order.
pub fn step_all<F: Float>(opt: &mut dyn Optimizer<F>, params: Vec<ParamGrad<'_, F>>) {
    opt.begin_step();
    for (slot, p) in params.into_iter().enumerate() {
        opt.update(slot, p.value, p.grad);
    }
}
