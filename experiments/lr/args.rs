//! The flags of the experiment and the settings resolved from them (what every part of the chapter reads).

use clap::Parser;
use nnlab::optim::Rule;
use nnlab::procedures::lr_range::RangeTest;
use nnlab::report::cli::CommonArgs;

/// The slide's four learning-rate curves on an MLP, and the range test against a grid search.
#[derive(Parser, Debug, Clone)]
#[command(version, long_about = None, allow_negative_numbers = true)]
pub struct Args {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Update rule of every run (its other hyperparameters are the chapter's defaults).
    #[arg(long, value_enum, default_value_t = Rule::Adam)]
    pub rule: Rule,
    /// The four learning rates of the slide's figure, comma-separated: very high, high, low, good.
    #[arg(
        long,
        value_delimiter = ',',
        allow_hyphen_values = true,
        default_value = "3,0.01,3e-6,0.001"
    )]
    pub rates: Vec<f64>,
    /// Epochs of each of the four runs (1 to 1000) [default: 10, or 1 with --quick].
    #[arg(long, value_parser = nnlab::report::cli::count(1_000))]
    pub epochs: Option<usize>,
    #[command(flatten)]
    pub mlp: crate::flags::Mlp,
    /// Smallest rate of the range test.
    #[arg(long, default_value_t = 1e-7)]
    pub range_start: f64,
    /// Largest rate of the range test.
    #[arg(long, default_value_t = 10.0)]
    pub range_end: f64,
    /// Iterations of the range test (1 to 1000000) [default: 300, or 100 with --quick].
    #[arg(long, value_parser = nnlab::report::cli::count(1_000_000))]
    pub range_iters: Option<usize>,
    /// Learning rates of the grid search, comma-separated (each trains --grid-epochs epochs; the
    /// best validation accuracy wins).
    #[arg(
        long,
        value_delimiter = ',',
        allow_hyphen_values = true,
        default_value = "1e-5,3e-5,1e-4,3e-4,0.001,0.003,0.01,0.03,0.1"
    )]
    pub grid: Vec<f64>,
    /// Epochs of each grid-search run (1 to 1000) [default: 2, or 1 with --quick].
    #[arg(long, value_parser = nnlab::report::cli::count(1_000))]
    pub grid_epochs: Option<usize>,
    /// Starting learning rate of the momentum-convention comparison (momentum 0.9, step decay).
    #[arg(long, default_value_t = 0.05)]
    pub decay_rate: f64,
    /// Factor of that comparison's step decay, in (0, 1].
    #[arg(long, default_value_t = 0.1)]
    pub decay_factor: f64,
    /// Epochs between that comparison's decay steps (1 to 1000).
    #[arg(long, default_value_t = 2, value_parser = nnlab::report::cli::count(1_000))]
    pub decay_period: usize,
    /// Epochs of that comparison (1 to 1000) [default: 6, or 2 with --quick].
    #[arg(long, value_parser = nnlab::report::cli::count(1_000))]
    pub decay_epochs: Option<usize>,
    #[command(flatten)]
    pub validation: crate::flags::Validation,
}

/// The flags with their `--quick` defaults resolved.
pub struct Settings {
    pub epochs: usize,
    pub decay_epochs: usize,
    pub grid_epochs: usize,
    pub range: RangeTest,
}
