//! Layers as forward/backward pairs (CS231n's `*_forward -> (out, cache)`, `*_backward(dout, cache)`),
//! and the [`Layer`] trait that lets a [`crate::network::Sequential`] chain them.

pub mod activations;
pub mod affine;
pub mod conv;
pub mod pool;

pub use activations::{
    Activation, ActivationKind, relu_backward, relu_forward, sigmoid_backward, sigmoid_forward,
    tanh_backward, tanh_forward,
};
pub use affine::{Affine, affine_backward, affine_forward};

use crate::Float;
use ndarray::{Array2, ArrayView2};

/// Training or evaluation: layers such as dropout and batch norm behave differently in each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Train,
    Eval,
}

/// One parameter tensor and its gradient, both flat and in the same order.
pub struct ParamGrad<'a, F> {
    pub name: &'static str,
    pub value: &'a mut [F],
    pub grad: &'a [F],
}

/// A layer of a sequential network. `forward` caches what `backward` needs.
pub trait Layer<F: Float>: Send {
    /// A short description, e.g. `affine 784->100`.
    fn describe(&self) -> String;
    /// x: (N, D_in) -> out: (N, D_out)
    fn forward(&mut self, x: ArrayView2<F>, mode: Mode) -> Array2<F>;
    /// dout: (N, D_out) -> dx: (N, D_in); stores the parameter gradients.
    fn backward(&mut self, dout: ArrayView2<F>) -> Array2<F>;
    /// The layer's parameters with their gradients from the last `backward` (none by default).
    fn params(&mut self) -> Vec<ParamGrad<'_, F>> {
        Vec::new()
    }
    /// Sum of squared weights that L2 regularization penalizes (biases are not penalized).
    fn weight_sq_sum(&self) -> F {
        F::zero()
    }
    /// Adds `reg * W` to the weight gradient (the derivative of `0.5 * reg * ||W||^2`).
    fn add_weight_decay_grad(&mut self, _reg: F) {}
}
