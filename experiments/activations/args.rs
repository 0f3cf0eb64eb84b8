//! The flags of the experiment.

use clap::Parser;
use nnlab::optim::Rule;
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
    /// Seeds per activation (1 to 20).
    #[arg(long, default_value_t = 3, value_parser = count(20))]
    pub seeds: usize,
    /// Training epochs (1 to 100) [default: 5, or 1 with --quick].
    #[arg(long, value_parser = count(100))]
    pub epochs: Option<usize>,
    /// Update rule (its other settings are the book's defaults, mu = 0.9).
    #[arg(long, value_enum, default_value_t = Rule::Momentum)]
    pub rule: Rule,
    /// Learning rate of every activation's runs.
    #[arg(long, default_value_t = 0.01)]
    pub learning_rate: f64,
    /// The too-high learning rate the ReLU network is also trained with (dead units).
    #[arg(long, default_value_t = 0.5)]
    pub high_learning_rate: f64,
    /// Mini-batch size (1 to 60000).
    #[arg(long, default_value_t = 100, value_parser = count(60_000))]
    pub batch_size: usize,
    /// Training images the gradient norms are measured on (1 to 10000).
    #[arg(long, default_value_t = 1_000, value_parser = count(10_000))]
    pub probe: usize,
    #[command(flatten)]
    pub validation: crate::flags::Validation,
}
