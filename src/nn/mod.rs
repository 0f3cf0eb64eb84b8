//! Neural networks as the lecture builds them: layers as forward/backward pairs ([`layers`]; read
//! `layers/affine.rs` first), losses ([`loss`]), weight initialization ([`init`]), the sequential
//! network that chains them ([`network`]) and LeNet-5 ([`lenet`]).

pub mod init;
pub mod layers;
pub mod lenet;
pub mod loss;
pub mod mlp;
pub mod network;
