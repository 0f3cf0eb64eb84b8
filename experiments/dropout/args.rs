//! The flags of the experiment and the settings resolved from them (what every part of the chapter reads).

use clap::Parser;
use nnlab::optim::Rule;
use nnlab::optim::schedule::Family;
use nnlab::report::cli::CommonArgs;

/// Dropout on the slide's 3-layer network: vanilla vs inverted, Monte-Carlo averaging, keep
/// probabilities, with and without.
#[derive(Parser, Debug, Clone)]
#[command(version, long_about = None, allow_negative_numbers = true)]
pub struct Args {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Units of each of the two hidden layers (1 to 4096) [default: 512, or 64 with --quick].
    #[arg(long, value_parser = nnlab::report::cli::count(4_096))]
    pub hidden: Option<usize>,
    /// Keep probability p of the comparison runs and the E[a] demo, in [0.01, 1] (the slide's p:
    /// the chance a unit is kept; PyTorch's nn.Dropout takes 1 - p).
    #[arg(long, default_value_t = 0.5)]
    pub keep: f64,
    /// Seeds of each comparison model (runs 0..N; run i of every model starts from the same
    /// weights and sees the same batches; 1 to 100).
    #[arg(long, default_value_t = 3, value_parser = nnlab::report::cli::count(100))]
    pub seeds: usize,
    /// Epochs of each comparison run (1 to 1000) [default: 15, or 2 with --quick].
    #[arg(long, value_parser = nnlab::report::cli::count(1_000))]
    pub epochs: Option<usize>,
    /// Update rule (its other hyperparameters are the book's defaults).
    #[arg(long, value_enum, default_value_t = Rule::Adam)]
    pub rule: Rule,
    /// Initial learning rate.
    #[arg(long, default_value_t = 1e-3)]
    pub learning_rate: f64,
    /// Learning-rate schedule over each run (see the learning-rate chapter).
    #[arg(long, value_enum, default_value_t = Family::Cosine)]
    pub schedule: Family,
    /// Mini-batch size (1 to 60000).
    #[arg(long, default_value_t = 128, value_parser = nnlab::report::cli::count(60_000))]
    pub batch_size: usize,
    /// Keep probabilities of the sweep, comma-separated, distinct, each in [0.01, 1].
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,1.0"
    )]
    pub sweep: Vec<f64>,
    /// Units of each hidden layer of the sweep's network (1 to 4096) [default: 256, or 32 with --quick].
    #[arg(long, value_parser = nnlab::report::cli::count(4_096))]
    pub sweep_hidden: Option<usize>,
    /// Seeds of each keep probability in the sweep (1 to 100).
    #[arg(long, default_value_t = 2, value_parser = nnlab::report::cli::count(100))]
    pub sweep_seeds: usize,
    /// Training images of each sweep run: the first N, few enough for the network to overfit
    /// within the run (1 to 60000) [default: 10000, or all with --quick].
    #[arg(long, value_parser = nnlab::report::cli::count(60_000))]
    pub sweep_train: Option<usize>,
    /// Epochs of each sweep run (1 to 1000) [default: 15, or 1 with --quick].
    #[arg(long, value_parser = nnlab::report::cli::count(1_000))]
    pub sweep_epochs: Option<usize>,
    /// Masks averaged by Monte-Carlo prediction, at most (1 to 10000) [default: 100, or 10 with --quick].
    #[arg(long, value_parser = nnlab::report::cli::count(10_000))]
    pub mc_samples: Option<usize>,
    /// Masks sampled per replicate in the E[a] demo (1 to 10000000) [default: 100000, or 1000 with --quick].
    #[arg(long, value_parser = nnlab::report::cli::count(10_000_000))]
    pub demo_samples: Option<usize>,
    /// Independent replicates of the E[a] demo (1 to 10000).
    #[arg(long, default_value_t = 200, value_parser = nnlab::report::cli::count(10_000))]
    pub demo_replicates: usize,
    #[command(flatten)]
    pub validation: crate::flags::Validation,
}

/// The flags with their `--quick` defaults resolved.
pub struct Settings {
    pub hidden: usize,
    pub sweep_hidden: usize,
    pub epochs: usize,
    pub sweep_epochs: usize,
    /// Training images of the sweep (`None`: all).
    pub sweep_train: Option<usize>,
    pub mc_samples: usize,
}
