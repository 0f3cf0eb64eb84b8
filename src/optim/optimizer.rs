//! The interface every first-order update rule implements, and one step over a network's parameters.

use crate::Float;

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
