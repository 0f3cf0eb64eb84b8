//! The book's experiments, one module per chapter, each a folder: `mod.rs` holds the flags
//! (`Args`), the expected time and `run` (flags in, library calls, results out); the other files
//! are the chapter's parts. Every binary in `bin/` is one line calling a module's `main`, and
//! [`reproduce`] runs them all, so each experiment is compiled once.

pub mod activations;
pub mod babysit;
pub mod batchnorm;
pub mod cnn;
pub mod dropout;
pub mod ensemble;
pub mod flags;
pub mod gradcheck;
pub mod init;
pub mod lr;
pub mod lr_decay;
pub mod momentum;
pub mod preprocess;
pub mod reproduce;
pub mod search;
pub mod second_order;
pub mod seeds;
pub mod update_rules;
