//! nnlab: the lecture "Training Neural Networks" as a library, an experiment per chapter, and a
//! book that includes this code.
//!
//! The tree says what each part is. The math: [`nn`] (layers, losses, initializers, networks,
//! LeNet-5) and [`optim`] (update rules, schedules, second-order methods). The lecture's
//! procedures built on it: [`procedures`] (the training loop, babysitting, gradient checking, the
//! learning-rate range test, search, ensembles). The machinery: [`runtime`] (threads, memory,
//! timing) and [`report`] (results files, figures, the command line, performance reports), with
//! [`data`] to read the data sets. [`float`], [`rng`] and [`hyper`] are what every part shares.
//!
//! Data flows one way: [`data`] → [`nn`] / [`optim`] ([`procedures::train`]) → [`report`]. The math
//! core knows nothing about files, plots or the command line.

pub mod data;
pub mod float;
pub mod hyper;
pub mod nn;
pub mod optim;
pub mod procedures;
pub mod report;
pub mod rng;
pub mod runtime;

pub use float::Float;
