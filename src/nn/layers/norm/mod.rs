//! Batch normalization [Ioffe and Szegedy, 2015] and layer normalization [Ba et al., 2016].
//!
//! The slide's transform, per feature over the batch:
//! `x̂ = (x − E[x]) / sqrt(Var[x] + eps)`, then `y = γ x̂ + β`, so the network can undo it.
//! In training mode `E[x]` and `Var[x]` are the batch's (the biased variance, as every framework
//! normalizes with); running estimates of both are kept for evaluation mode. Their update follows
//! a [`Convention`]: PyTorch's by default (`running ← (1 − 0.1) running + 0.1 batch`, with the
//! unbiased batch variance), or CS231n's assignment (`running ← 0.9 running + 0.1 batch`, the
//! biased variance).
//!
//! The backward pass is written twice in the lecture's shape: [`batchnorm_backward`] walks the
//! computational graph stage by stage, as students derive it; [`batchnorm_backward_alt`] is the
//! simplified closed form, one expression for `dx`. Tests hold them equal and check both against
//! centred differences.
//!
//! Convolution outputs `(N, C, H, W)` are normalized per channel over N·H·W
//! ([`spatial_batchnorm_forward`]); layer normalization normalizes each example over its features
//! and keeps no running estimates ([`layernorm_forward`]).

mod batchnorm;
mod channels;
mod layers;

pub use batchnorm::{
    BnCache, BnParam, Convention, EPS, batchnorm_backward, batchnorm_backward_alt, batchnorm_eval,
    batchnorm_forward, layernorm_backward, layernorm_forward, spatial_batchnorm_backward,
    spatial_batchnorm_forward,
};
pub use layers::{BatchNorm, LayerNorm};

#[cfg(test)]
mod tests;
