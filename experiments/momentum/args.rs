//! The flags of the experiment and the settings resolved from them (what every part of the chapter reads).

use clap::Parser;
use nnlab::nn::init::Init;
use nnlab::optim::Optimizer;
use nnlab::report::cli::CommonArgs;

/// SGD vs Momentum (mu 0.5, 0.9, 0.99) on the taco-shell quadratic and on a 2-layer MLP.
#[derive(Parser, Debug, Clone)]
#[command(version, long_about = None, allow_negative_numbers = true)]
pub struct Args {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Learning rate of every rule on the taco shell (stable below 2/50 = 0.04 for SGD).
    #[arg(long, default_value_t = 0.035)]
    pub learning_rate: f64,
    /// Iterations on the taco shell (1 to 10000: every one is drawn in the figures).
    #[arg(long, default_value_t = 150, value_parser = nnlab::report::cli::count(10_000))]
    pub iters: usize,
    /// Momentum coefficients to compare with SGD (comma-separated, distinct, at most 8).
    #[arg(
        long,
        value_delimiter = ',',
        allow_hyphen_values = true,
        default_value = "0.5,0.9,0.99"
    )]
    pub mu: Vec<f64>,
    /// Momentum coefficient of Nesterov's rule on the taco shell.
    #[arg(long, default_value_t = 0.9)]
    pub nesterov_mu: f64,
    /// Learning rate of every rule when training the MLP.
    #[arg(long, default_value_t = 0.02)]
    pub mlp_learning_rate: f64,
    /// Momentum coefficient of Momentum and Nesterov for the MLP.
    #[arg(long, default_value_t = 0.9)]
    pub mlp_mu: f64,
    /// Epochs of MLP training (1 to 1000) [default: 5, or 2 with --quick].
    #[arg(long, value_parser = nnlab::report::cli::count(1_000))]
    pub epochs: Option<usize>,
    #[command(flatten)]
    pub mlp: crate::flags::Mlp,
    /// Weight initialization of the MLP.
    #[arg(long, value_enum, default_value_t = Init::Xavier)]
    pub init: Init,
    #[command(flatten)]
    pub validation: crate::flags::Validation,
}

/// A rule with the label the figures and CSV files use.
pub struct Contender<O> {
    pub label: String,
    pub mu: Option<f64>,
    pub opt: O,
    /// The predicted per-step contraction on a quadratic: (learning_rate, mu, curvature) -> rate.
    pub rate: fn(f64, f64, f64) -> f64,
}

/// The rules a part of the experiment compares.
pub type Rules<F> = Vec<Contender<Box<dyn Optimizer<F>>>>;
