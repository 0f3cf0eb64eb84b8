//! nnlab: the lecture "Training Neural Networks" as a library, an experiment per chapter, and a
//! book that includes this code.
//!
//! Data flows one way: [`data`] → [`network`] / [`optim`] ([`train`]) → [`results`] → [`plot`].
//! The math core (layers, losses, optimizers, surfaces) knows nothing about files or plotting.

pub mod babysit;
#[cfg(feature = "cli")]
pub mod cli;
pub mod data;
pub mod ensemble;
pub mod float;
pub mod gradcheck;
pub mod init;
pub mod layers;
pub mod lenet;
pub mod loss;
pub mod lr_range;
pub mod memory;
pub mod metrics;
pub mod network;
pub mod optim;
pub mod parallel;
pub mod perf;
pub mod plot;
pub mod results;
pub mod rng;
pub mod search;
pub mod second_order;
pub mod surfaces;
pub mod timing;
pub mod train;

pub use float::Float;
