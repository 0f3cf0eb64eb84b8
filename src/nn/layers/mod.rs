//! Layers as forward/backward pairs in the slide's form (CS231n's `*_forward`, `*_backward(dout,
//! cache)`), and the [`Layer`] trait ([`layer`]) that lets a [`crate::nn::network::Sequential`]
//! chain them. Read [`affine`] first; dropout, pooling and convolution keep their slide-form
//! reference beside a fast path (`dropout/mod.rs`, `pool/naive.rs`, `conv/naive.rs`), and tests
//! hold the fast path equal to it.

pub mod layer;
pub use layer::{Layer, Mode, ParamGrad, images_to_rows, rows_as_images, weight_and_bias};

pub mod activations;
pub mod affine;
pub mod conv;
pub mod dropout;
pub mod norm;
pub mod pool;

pub use activations::{
    Activation, ActivationKind, elu, elu_backward, elu_forward, leaky_relu, leaky_relu_backward,
    leaky_relu_forward, relu, relu_backward, relu_forward, sigmoid, sigmoid_backward,
    sigmoid_forward, tanh, tanh_backward, tanh_forward,
};
pub use affine::{Affine, AffineCache, affine_backward, affine_forward};
pub use dropout::{Dropout, DropoutKind};
pub use norm::{BatchNorm, LayerNorm};
