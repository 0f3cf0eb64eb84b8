//! The flags of the experiment, and the five initializations it compares.

use clap::Parser;
use nnlab::nn::init::Init;
use nnlab::nn::layers::ActivationKind;
use nnlab::report::cli::{CommonArgs, count};

/// CS231n's initialization experiment (a stack of random tanh or ReLU layers under five
/// initializations: the histogram, mean and standard deviation of every layer's activations), then
/// a deep MLP trained on Fashion-MNIST from each initialization over several seeds.
#[derive(Parser, Debug, Clone)]
#[command(version, long_about = None, allow_negative_numbers = true)]
pub struct Args {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Random Gaussian inputs of the stack (1 to 100000) [default: 1000, or 200 with --quick].
    #[arg(long, value_parser = count(100_000))]
    pub inputs: Option<usize>,
    /// Units per layer of the stack (the inputs have as many features; 1 to 4096).
    #[arg(long, default_value_t = 500, value_parser = count(4_096))]
    pub width: usize,
    /// Layers of the stack (1 to 100).
    #[arg(long, default_value_t = 10, value_parser = count(100))]
    pub layers: usize,
    /// Hidden layers of the trained MLP (784 -> hidden x depth -> 10; 1 to 50).
    #[arg(long, default_value_t = 10, value_parser = count(50))]
    pub depth: usize,
    /// Units per hidden layer of the trained MLP (1 to 2048).
    #[arg(long, default_value_t = 100, value_parser = count(2_048))]
    pub hidden: usize,
    /// Training epochs (1 to 100) [default: 4, or 1 with --quick].
    #[arg(long, value_parser = count(100))]
    pub epochs: Option<usize>,
    /// Learning rate of the training runs.
    #[arg(long, default_value_t = 0.01)]
    pub learning_rate: f64,
    #[command(flatten)]
    pub runs: crate::flags::SeedRuns,
    #[command(flatten)]
    pub validation: crate::flags::Validation,
}

/// An initialization with the nonlinearity it is paired with.
pub struct Config {
    pub key: &'static str,
    pub label: &'static str,
    pub init: Init,
    pub activation: ActivationKind,
}

/// The course's five cases.
pub const CONFIGS: [Config; 5] = [
    Config {
        key: "small_tanh",
        label: "0.01 randn, tanh",
        init: Init::Small,
        activation: ActivationKind::Tanh,
    },
    Config {
        key: "unit_tanh",
        label: "1.0 randn, tanh",
        init: Init::Unit,
        activation: ActivationKind::Tanh,
    },
    Config {
        key: "xavier_tanh",
        label: "Xavier, tanh",
        init: Init::Xavier,
        activation: ActivationKind::Tanh,
    },
    Config {
        key: "xavier_relu",
        label: "Xavier, ReLU",
        init: Init::Xavier,
        activation: ActivationKind::Relu,
    },
    Config {
        key: "he_relu",
        label: "He, ReLU",
        init: Init::He,
        activation: ActivationKind::Relu,
    },
];
