//! The flags of the experiment.

use clap::Parser;
use nnlab::report::cli::{CommonArgs, count};

/// Batch normalization's four claims tested on Fashion-MNIST, each over several seeds: the
/// distributions inside Ioffe and Szegedy's sigmoid network, the largest learning rate that
/// trains, CS231n's weight-scale sweep, regularization against dropout, batch against layer
/// normalization across batch sizes, and LeNet-5 with and without batch normalization.
#[derive(Parser, Debug, Clone)]
#[command(version, long_about = None, allow_negative_numbers = true)]
pub struct Args {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Seeds per variant in every part (1 to 20).
    #[arg(long, default_value_t = 3, value_parser = count(20))]
    pub seeds: usize,
    /// Epochs of Ioffe and Szegedy's sigmoid network (1 to 100) [default: 5, or 1 with --quick].
    #[arg(long, value_parser = count(100))]
    pub flow_epochs: Option<usize>,
    /// Learning rate of the sigmoid network (plain SGD, batch 60, both variants).
    #[arg(long, default_value_t = 0.5)]
    pub flow_learning_rate: f64,
    /// Validation accuracy the learning-rate part counts the steps to (0 to 1).
    #[arg(long, default_value_t = 0.8)]
    pub target: f64,
    /// Weight scales of the sweep, log-spaced from 1e-4 to 1 (2 to 100) [default: 20, or 4 with
    /// --quick].
    #[arg(long, value_parser = count(100))]
    pub scales: Option<usize>,
    /// Epochs of each LeNet-5 run at its chosen rate (1 to 100) [default: 15, or 1 with --quick].
    #[arg(long, value_parser = count(100))]
    pub lenet_epochs: Option<usize>,
    #[command(flatten)]
    pub validation: crate::flags::Validation,
}
