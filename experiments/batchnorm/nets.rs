//! What several parts share: the normalizations compared and the ReLU network of parts 2, 4 and 5.

use nnlab::nn::init::Init;
use nnlab::nn::layers::ActivationKind;
use nnlab::nn::mlp::{MlpSpec, Norm};

/// The normalizations compared: what the CSV files and quoted values call them, and their label.
pub const NORMS: [(Norm, &str, &str); 3] = [
    (Norm::None, "none", "no normalization"),
    (Norm::Batch, "bn", "batch norm"),
    (Norm::Layer, "ln", "layer norm"),
];

/// The network of parts 2, 4 and 5: 784 -> 3 x 100 ReLU -> 10, He initialization.
pub fn relu_net() -> MlpSpec {
    MlpSpec::plain(vec![784, 100, 100, 100, 10], ActivationKind::Relu, Init::He)
}
