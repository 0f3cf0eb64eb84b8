//! The flags of the experiment and the settings resolved from them (what every part of the chapter reads).

use clap::Parser;
use nnlab::report::cli::CommonArgs;

/// The six update rules on 2-D surfaces and on a 2-layer MLP, each at a tuned learning rate.
#[derive(Parser, Debug, Clone)]
#[command(version, long_about = None, allow_negative_numbers = true)]
pub struct Args {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Iterations on each 2-D surface (also the tuning budget; 1 to 10000).
    #[arg(long, default_value_t = 200, value_parser = nnlab::report::cli::count(10_000))]
    pub iters: usize,
    /// Smallest learning rate of the tuning grid.
    #[arg(long, default_value_t = 1e-5)]
    pub lr_min: f64,
    /// Largest learning rate of the tuning grid.
    #[arg(long, default_value_t = 3.0)]
    pub lr_max: f64,
    /// Points of the log-uniform tuning grid (1 to 200) [default: 41, or 9 with --quick].
    #[arg(long, value_parser = nnlab::report::cli::count(200))]
    pub grid_points: Option<usize>,
    /// Iterations of the AdaGrad-vs-RMSProp run (1 to 1000000) [default: 20000, or 2000 with --quick].
    #[arg(long, value_parser = nnlab::report::cli::count(1_000_000))]
    pub long_iters: Option<usize>,
    /// Learning rate of both rules in the AdaGrad-vs-RMSProp run.
    #[arg(long, default_value_t = 0.1)]
    pub step_learning_rate: f64,
    /// Standard deviation of the Gaussian noise added to each gradient in that run.
    #[arg(long, default_value_t = 1.0)]
    pub noise: f64,
    /// Epochs of MLP training (1 to 1000) [default: 5, or 1 with --quick].
    #[arg(long, value_parser = nnlab::report::cli::count(1_000))]
    pub epochs: Option<usize>,
    #[command(flatten)]
    pub mlp: crate::flags::Mlp,
    /// Training images each sweep candidate trains on for one epoch (1 to 60000) [default: 10000, or 500 with --quick].
    #[arg(long, value_parser = nnlab::report::cli::count(60_000))]
    pub sweep_rows: Option<usize>,
    #[command(flatten)]
    pub validation: crate::flags::Validation,
}

/// The flags with their `--quick` defaults resolved.
pub struct Settings {
    pub quick: bool,
    pub grid_points: usize,
    pub long_iters: usize,
    pub epochs: usize,
    pub sweep_rows: usize,
}
