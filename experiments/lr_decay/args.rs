//! The flags of the experiment and the settings resolved from them (what every part of the chapter reads).

use clap::Parser;
use nnlab::optim::Rule;
use nnlab::optim::schedule::{Family, Stretch};
use nnlab::report::cli::CommonArgs;

/// Seven learning-rate schedules on LeNet-5 with Adam and with SGD + momentum, several seeds each.
#[derive(Parser, Debug, Clone)]
#[command(version, long_about = None, allow_negative_numbers = true)]
pub struct Args {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Schedules to compare, comma-separated.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "constant,step,exponential,inverse-time,cosine,warmup-cosine,one-cycle"
    )]
    pub schedules: Vec<Family>,
    /// Update rules, comma-separated (their other hyperparameters are the chapter's defaults:
    /// mu 0.9, beta1 0.9, beta2 0.999, eps 1e-7).
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "adam,momentum"
    )]
    pub rules: Vec<Rule>,
    /// Initial (warming up: peak) learning rate of each rule, comma-separated, in --rules order.
    #[arg(long, value_delimiter = ',', default_value = "0.004,0.05")]
    pub rates: Vec<f64>,
    /// Seeds per schedule and rule (runs 0..N; run i of every schedule starts from the same
    /// weights and sees the same batches; 1 to 100).
    #[arg(long, default_value_t = 3, value_parser = nnlab::report::cli::count(100))]
    pub seeds: usize,
    /// Epochs of each comparison run (1 to 1000) [default: 2, or 1 with --quick].
    #[arg(long, value_parser = nnlab::report::cli::count(1_000))]
    pub epochs: Option<usize>,
    /// Epochs of the long runs (the best rule and decaying schedule, and that rule's constant
    /// rate; 1 to 1000) [default: 15, or 2 with --quick].
    #[arg(long, value_parser = nnlab::report::cli::count(1_000))]
    pub long_epochs: Option<usize>,
    /// Mini-batch size (1 to 60000).
    #[arg(long, default_value_t = 128, value_parser = nnlab::report::cli::count(60_000))]
    pub batch_size: usize,
    /// L2 regularization strength on the weights (`0.5 reg ||W||^2` added to the loss), the same
    /// in every run.
    #[arg(long, default_value_t = 1e-3)]
    pub reg: f64,
    /// Step decay's factor, in (0, 1] (the slide's "halve it": 0.5).
    #[arg(long, default_value_t = 0.5)]
    pub step_factor: f64,
    /// How many times step decay applies its factor in a run, at equal intervals (1 to 1000).
    #[arg(long, default_value_t = 3, value_parser = nnlab::report::cli::count(1_000))]
    pub step_drops: usize,
    /// Exponential decay ends the run at this fraction of the initial rate, in (0, 1].
    #[arg(long, default_value_t = 0.01)]
    pub exp_final: f64,
    /// 1/t decay ends the run at this fraction of the initial rate, in (0, 1].
    #[arg(long, default_value_t = 0.1)]
    pub inv_final: f64,
    /// Cosine annealing ends the run at this fraction of the initial rate, in [0, 1].
    #[arg(long, default_value_t = 0.0)]
    pub cosine_final: f64,
    /// The fraction of the run that warmup + cosine spends warming up, in (0, 1).
    #[arg(long, default_value_t = 0.1)]
    pub warmup: f64,
    /// How to use the cores: `seeds` (runs side by side, one core each), `inside` (one run at a
    /// time on every core), or `auto` (measure both first, writing `parallel.csv`; the faster
    /// runs). Results are the same.
    #[arg(long, value_enum, default_value_t = Parallel::Auto)]
    pub parallel: Parallel,
    /// Iterations per run of the parallel measurement (1 to 100000) [default: 100, or 5 with --quick].
    #[arg(long, value_parser = nnlab::report::cli::count(100_000))]
    pub speed_iters: Option<usize>,
    #[command(flatten)]
    pub validation: crate::flags::Validation,
}

/// The flags with their `--quick` defaults resolved.
pub struct Settings {
    pub epochs: usize,
    pub long_epochs: usize,
    pub stretch: Stretch,
    /// `(rule, its initial rate)` in --rules order.
    pub rules: Vec<(Rule, f64)>,
}

/// The `--parallel` flag.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Parallel {
    /// Measure both ways, then run the faster.
    Auto,
    /// Runs side by side, one core each.
    Seeds,
    /// One run at a time on every core.
    Inside,
}
