//! Layers as forward/backward pairs (CS231n's `*_forward -> (out, cache)`, `*_backward(dout, cache)`),
//! and the [`Layer`] trait that lets a [`crate::nn::network::Sequential`] chain them.

mod layer;
pub use layer::{Layer, Mode, ParamGrad, images_to_rows, rows_as_images, weight_and_bias};

pub mod activations;
pub mod affine;
pub mod conv;
pub mod dropout;
pub mod pool;

pub use activations::{
    Activation, ActivationKind, relu_backward, relu_forward, sigmoid_backward, sigmoid_forward,
    tanh_backward, tanh_forward,
};
pub use affine::{Affine, affine_backward, affine_forward};
pub use dropout::{Dropout, DropoutKind};
