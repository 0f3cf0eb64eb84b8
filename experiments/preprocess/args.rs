//! The flags of the experiment.

use clap::Parser;
use nnlab::report::cli::{CommonArgs, count};

/// The lecture's preprocessing: a correlated 2-D point cloud zero-centred, normalized,
/// decorrelated and whitened; PCA of Fashion-MNIST (spectrum, eigenvectors, reconstructions,
/// whitening and the noise it amplifies); and the same MLP trained on raw, scaled, zero-centred,
/// standardized and PCA-whitened pixels over several seeds.
#[derive(Parser, Debug, Clone)]
#[command(version, long_about = None, allow_negative_numbers = true)]
pub struct Args {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Points of the 2-D cloud (1 to 100000).
    #[arg(long, default_value_t = 500, value_parser = count(100_000))]
    pub points: usize,
    /// Epsilon of the PCA whitening the network is trained on (pixels in [0, 1]).
    #[arg(long, default_value_t = 0.01)]
    pub eps: f64,
    /// Hidden units of the MLP (784 -> hidden -> 10, ReLU, He initialization; 1 to 8192).
    #[arg(long, default_value_t = 100, value_parser = count(8_192))]
    pub hidden: usize,
    /// Training epochs (1 to 100) [default: 5, or 1 with --quick].
    #[arg(long, value_parser = count(100))]
    pub epochs: Option<usize>,
    /// Learning rates tried for each preprocessing (one epoch, first seed; the best on validation
    /// is trained), comma-separated, distinct, at most 12.
    #[arg(
        long,
        value_delimiter = ',',
        allow_hyphen_values = true,
        default_value = "1e-6,1e-5,1e-4,1e-3,1e-2,0.1,1"
    )]
    pub rates: Vec<f64>,
    #[command(flatten)]
    pub runs: crate::flags::SeedRuns,
    #[command(flatten)]
    pub validation: crate::flags::Validation,
}
