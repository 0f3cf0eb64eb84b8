//! The lecture's procedures, built on [`crate::nn`] and [`crate::optim`]: the training loop
//! ([`train`], the slide's main loop; read it first) and the runs of many jobs ([`runs`]),
//! babysitting ([`babysit`]), looking inside a deep network ([`inside`]), gradient checking ([`gradcheck`]), the learning-rate range test
//! ([`lr_range`]), hyperparameter search ([`search`]), ensembles ([`ensemble`]), the 2-D surfaces
//! the update rules are watched on ([`surfaces`]) and the measures they report ([`metrics`]).

pub mod babysit;
pub mod ensemble;
pub mod gradcheck;
pub mod inside;
pub mod lr_range;
pub mod metrics;
pub mod runs;
pub mod search;
pub mod surfaces;
pub mod train;
