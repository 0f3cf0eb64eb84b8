//! The flags of the experiment and the settings resolved from them (what every part of the chapter reads).

use clap::Parser;
use nnlab::nn::init::Init;
use nnlab::nn::lenet::{LeNetVariant, lenet5};
use nnlab::nn::network::Sequential;
use nnlab::report::cli::CommonArgs;
use nnlab::rng::substream;
use serde::Serialize;

/// CS231n's babysitting checks on the MLP and LeNet-5: initial loss, overfitting a tiny set,
/// learning rates too small and too large.
#[derive(Parser, Debug, Clone)]
#[command(version, long_about = None, allow_negative_numbers = true)]
pub struct Args {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Hidden units of the MLP (784 -> hidden -> 10, ReLU, He initialization; 1 to 8192).
    #[arg(long, default_value_t = 100, value_parser = nnlab::report::cli::count(8_192))]
    pub hidden: usize,
    /// Factor the initial weights are multiplied by for the small-weight initial loss.
    #[arg(long, default_value_t = 1e-3)]
    pub small: f64,
    /// L2 strength added to show the initial loss rising (CS231n's 1e3).
    #[arg(long, default_value_t = 1e3)]
    pub reg: f64,
    /// Training examples of the overfitting check (1 to 10000).
    #[arg(long, default_value_t = 20, value_parser = nnlab::report::cli::count(10_000))]
    pub overfit_examples: usize,
    /// Full-batch SGD iterations of the overfitting check (1 to 100000).
    #[arg(long, default_value_t = 200, value_parser = nnlab::report::cli::count(100_000))]
    pub overfit_iters: usize,
    /// SGD learning rate of the overfitting check.
    #[arg(long, default_value_t = 0.05)]
    pub overfit_lr: f64,
    /// The ladder of SGD learning rates, comma-separated.
    #[arg(
        long,
        value_delimiter = ',',
        allow_hyphen_values = true,
        default_value = "1e-6,1e-5,1e-4,1e-3,1e-2,0.1,1,10,100"
    )]
    pub rates: Vec<f64>,
    /// Mini-batch iterations per rate of the ladder (1 to 100000) [default: 200, or 30 with --quick].
    #[arg(long, value_parser = nnlab::report::cli::count(100_000))]
    pub probe_iters: Option<usize>,
    /// Mini-batch size of the ladder (1 to 60000).
    #[arg(long, default_value_t = 64, value_parser = nnlab::report::cli::count(60_000))]
    pub batch_size: usize,
    #[command(flatten)]
    pub validation: crate::flags::Validation,
}

/// The two networks the checks run on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Net {
    Mlp,
    LeNet,
}

impl Net {
    pub const ALL: [Net; 2] = [Net::Mlp, Net::LeNet];

    pub fn name(self) -> &'static str {
        match self {
            Net::Mlp => "MLP",
            Net::LeNet => "LeNet-5",
        }
    }

    /// The name's form in the chapter's number anchors: `mlp`, `lenet`.
    pub fn slug(self) -> &'static str {
        match self {
            Net::Mlp => "mlp",
            Net::LeNet => "lenet",
        }
    }

    /// The network, freshly initialized from the run's seed (the same weights every call).
    pub fn build(self, args: &Args) -> Sequential<f32> {
        let mut rng = substream(args.common.seed, 1 + self as u64);
        match self {
            Net::Mlp => Sequential::fashion_mlp(args.hidden, Init::He, &mut rng),
            Net::LeNet => lenet5(LeNetVariant::Modern, 0.0, &mut rng),
        }
    }
}

/// A row of `checks.csv`: one check of one network.
#[derive(Serialize)]
pub struct CheckRow {
    pub network: &'static str,
    pub check: String,
    pub measured: String,
    pub expected: String,
    pub passed: bool,
}
