//! The flags of the experiment.

use clap::Parser;
use nnlab::report::cli::{CommonArgs, count};

/// Sigmoid, tanh, ReLU, leaky ReLU and ELU: each function and its derivative; then one deep MLP
/// per activation on Fashion-MNIST — the gradient reaching each layer at initialization and after
/// training, the sign pattern of a weight gradient, dead ReLUs after a good and a too-high
/// learning rate, and training curves over several seeds.
#[derive(Parser, Debug, Clone)]
#[command(version, long_about = None, allow_negative_numbers = true)]
pub struct Args {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Hidden layers of the MLP (784 -> hidden x depth -> 10, Xavier initialization; 1 to 50).
    #[arg(long, default_value_t = 8, value_parser = count(50))]
    pub depth: usize,
    /// Units per hidden layer (1 to 2048).
    #[arg(long, default_value_t = 100, value_parser = count(2_048))]
    pub hidden: usize,
    /// Training epochs (1 to 100) [default: 5, or 1 with --quick].
    #[arg(long, value_parser = count(100))]
    pub epochs: Option<usize>,
    /// Learning rate of every activation's runs.
    #[arg(long, default_value_t = 0.01)]
    pub learning_rate: f64,
    /// The too-high learning rate the ReLU network is also trained with (dead units).
    #[arg(long, default_value_t = 0.5)]
    pub high_learning_rate: f64,
    /// Training images the gradient norms are measured on (1 to 10000).
    #[arg(long, default_value_t = 1_000, value_parser = count(10_000))]
    pub probe: usize,
    #[command(flatten)]
    pub runs: crate::flags::SeedRuns,
    #[command(flatten)]
    pub validation: crate::flags::Validation,
}
