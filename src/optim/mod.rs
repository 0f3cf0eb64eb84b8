//! First-order update rules behind one interface.
//!
//! Like CS231n's `update(w, dw, config)`, an [`Optimizer`] updates one parameter tensor at a time
//! and keeps its state (velocity `v`, `cache`, …) per tensor, indexed by a stable slot number. The
//! same objects drive the 2-D experiments (one slot holding `(x, y)`) and network training (one
//! slot per weight matrix and bias).

pub mod adagrad;
pub mod adam;
pub mod buffer;
pub mod momentum;
pub mod momentum_buffer;
pub mod nesterov;
pub mod rmsprop;
pub mod rule;
pub mod schedule;
pub mod sgd;

pub use adagrad::AdaGrad;
pub use adam::Adam;
pub use momentum::{Momentum, contraction_rate};
pub use momentum_buffer::MomentumBuffer;
pub use nesterov::{Nesterov, nesterov_contraction_rate};
pub use rmsprop::RmsProp;
pub use rule::Rule;
pub use sgd::Sgd;

use crate::Float;
use crate::layers::ParamGrad;
use rayon::prelude::*;

/// A hyperparameter outside its valid range.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("{name} must be {requirement}, got {value}")]
pub struct HyperparameterError {
    pub name: &'static str,
    pub requirement: &'static str,
    pub value: f64,
}

/// Checks `value > 0` and finite.
pub fn check_positive(name: &'static str, value: f64) -> Result<f64, HyperparameterError> {
    if value > 0.0 && value.is_finite() {
        Ok(value)
    } else {
        Err(HyperparameterError {
            name,
            requirement: "> 0 and finite",
            value,
        })
    }
}

/// Checks `learning_rate > 0` and finite.
pub fn check_learning_rate(learning_rate: f64) -> Result<f64, HyperparameterError> {
    check_positive("learning_rate", learning_rate)
}

/// Checks `0 < value <= 1` (decay factors, warmup's start factor, dropout's keep probability).
pub fn check_fraction(name: &'static str, value: f64) -> Result<f64, HyperparameterError> {
    if value > 0.0 && value <= 1.0 {
        Ok(value)
    } else {
        Err(HyperparameterError {
            name,
            requirement: "in (0, 1]",
            value,
        })
    }
}

/// Checks `0 <= value < 1` (momentum `mu`, decay rates, Adam's betas).
pub fn check_unit_interval(name: &'static str, value: f64) -> Result<f64, HyperparameterError> {
    if (0.0..1.0).contains(&value) {
        Ok(value)
    } else {
        Err(HyperparameterError {
            name,
            requirement: "in [0, 1)",
            value,
        })
    }
}

/// Checks `0 < value < 1` (RMSProp's `decay_rate`: 0 would forget everything, 1 would be AdaGrad
/// without the sum).
pub fn check_open_unit_interval(
    name: &'static str,
    value: f64,
) -> Result<f64, HyperparameterError> {
    if value > 0.0 && value < 1.0 {
        Ok(value)
    } else {
        Err(HyperparameterError {
            name,
            requirement: "in (0, 1)",
            value,
        })
    }
}

/// Checks `eps > 0` and finite.
pub fn check_eps(eps: f64) -> Result<f64, HyperparameterError> {
    check_positive("eps", eps)
}

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

/// Per-slot state vectors, created as zeros the first time a slot is seen (in huge-page-backed
/// memory when large; see [`buffer`]).
#[derive(Clone, Debug)]
pub struct SlotState<F: Float> {
    slots: Vec<Option<buffer::StateVec<F>>>,
}

impl<F: Float> Default for SlotState<F> {
    fn default() -> Self {
        SlotState { slots: Vec::new() }
    }
}

impl<F: Float> SlotState<F> {
    /// The state vector of `slot`, zero-initialized with length `len` on first use.
    pub fn get(&mut self, slot: usize, len: usize) -> &mut [F] {
        if self.slots.len() <= slot {
            self.slots.resize_with(slot + 1, || None);
        }
        let s = self.slots[slot].get_or_insert_with(|| buffer::StateVec::zeros(len));
        assert_eq!(s.len(), len, "parameter slot {slot} changed size");
        s
    }

    pub fn clear(&mut self) {
        self.slots.clear();
    }
}

/// Elements per parallel task: large enough to amortize scheduling, small enough to split 1M
/// parameters across cores. Below `PAR_MIN` elements the loop runs on the calling thread.
pub const CHUNK: usize = 1 << 16;
const PAR_MIN: usize = 1 << 18;

/// Whether a loop over `len` elements runs on the calling thread: small tensors, or a pool of one
/// thread (where splitting into tasks only adds overhead).
pub fn serial(len: usize) -> bool {
    len < PAR_MIN || rayon::current_num_threads() == 1
}

/// Applies `kernel` to matching chunks of `x` and `dx` (in parallel for large tensors).
/// Elementwise kernels give the same bits whatever the thread count.
pub fn zip2<F: Float>(x: &mut [F], dx: &[F], kernel: impl Fn(&mut [F], &[F]) + Sync) {
    assert_eq!(x.len(), dx.len(), "x and dx differ in length");
    if serial(x.len()) {
        kernel(x, dx);
    } else {
        x.par_chunks_mut(CHUNK)
            .zip(dx.par_chunks(CHUNK))
            .for_each(|(x, dx)| kernel(x, dx));
    }
}

/// Like [`zip2`] with one state vector `s` updated alongside `x`.
pub fn zip3<F: Float>(
    x: &mut [F],
    s: &mut [F],
    dx: &[F],
    kernel: impl Fn(&mut [F], &mut [F], &[F]) + Sync,
) {
    assert_eq!(x.len(), dx.len(), "x and dx differ in length");
    assert_eq!(x.len(), s.len(), "x and its state differ in length");
    if serial(x.len()) {
        kernel(x, s, dx);
    } else {
        x.par_chunks_mut(CHUNK)
            .zip(s.par_chunks_mut(CHUNK))
            .zip(dx.par_chunks(CHUNK))
            .for_each(|((x, s), dx)| kernel(x, s, dx));
    }
}
