//! The flags of the experiment and the settings resolved from them (what every part of the chapter reads).

use clap::Parser;
use nnlab::report::cli::CommonArgs;

/// Gradient checks of every layer in f64 and f32, the error against the step, kinks, and a bug.
#[derive(Parser, Debug, Clone)]
#[command(version, long_about = None, allow_negative_numbers = true)]
pub struct Args {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Step of the f64 table (CS231n's 1e-5).
    #[arg(long, default_value_t = 1e-5)]
    pub h64: f64,
    /// Step of the f32 table (about eps^(1/3) of f32).
    #[arg(long, default_value_t = 5e-3)]
    pub h32: f64,
    /// Entries whose analytic and numeric magnitudes are both below this are not compared (there
    /// the loss's rounding, not the gradient, sets the error).
    #[arg(long, default_value_t = 1e-3)]
    pub floor: f64,
    /// Entries of each LeNet-5 tensor perturbed (CS231n's sparse check; 1 to 100000) [default: 200, or 20 with
    /// --quick].
    #[arg(long, value_parser = nnlab::report::cli::count(100_000))]
    pub lenet_entries: Option<usize>,
    /// Steps per decade of the step sweep from 1e-1 to 1e-12 (1 to 1000).
    #[arg(long, default_value_t = 4, value_parser = nnlab::report::cli::count(1_000))]
    pub steps_per_decade: usize,
    /// Batch sizes of the kink count, comma-separated (Fashion-MNIST training images).
    #[arg(long, value_delimiter = ',', default_value = "1,10,100")]
    pub kink_batches: Vec<usize>,
    /// Hidden units of the MLP whose first layer the kink count checks (784 -> hidden -> 10; 1 to 8192).
    #[arg(long, default_value_t = 100, value_parser = nnlab::report::cli::count(8_192))]
    pub hidden: usize,
}

/// The decades the step sweeps cover: 1e-1 down to 1e-12.
pub const STEPS: (i32, i32) = (-1, -12);

/// Steps from 1e-1 down to 1e-12, `per_decade` per decade.
pub fn steps(per_decade: usize) -> Vec<f64> {
    let n = (STEPS.0 - STEPS.1) as usize * per_decade;
    let exponent = |k: usize| STEPS.0 as f64 - k as f64 / per_decade as f64;
    (0..=n).map(|k| 10f64.powf(exponent(k))).collect()
}
