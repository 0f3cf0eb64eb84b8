//! The flags of the experiment and the settings resolved from them (what every part of the chapter reads).

use clap::Parser;
use nnlab::optim::second_order::{FirstOrder, Objective, Report};
use nnlab::report::cli::CommonArgs;
use serde::Serialize;
use std::path::PathBuf;

/// Newton, BFGS and L-BFGS against GD and Adam: Rosenbrock, softmax regression, cost scaling, noise.
#[derive(Parser, Debug, Clone)]
#[command(version, long_about = None, allow_negative_numbers = true)]
pub struct Args {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Iteration budget of every method on softmax regression (SciPy's run in the chapter uses 200)
    /// (1 to 100000) [default: 200, or 10 with --quick].
    #[arg(long, value_parser = nnlab::report::cli::count(100_000))]
    pub iters: Option<usize>,
    /// L-BFGS history sizes to compare (comma-separated, distinct, each 1 to 1000, at most 10).
    #[arg(
        long,
        value_delimiter = ',',
        allow_hyphen_values = true,
        default_value = "5,10,20"
    )]
    pub history: Vec<usize>,
    /// Learning rates tried for GD and Adam, comma-separated (each keeps the one with the lowest
    /// loss after --tune-iters iterations).
    #[arg(
        long,
        value_delimiter = ',',
        allow_hyphen_values = true,
        default_value = "0.001,0.003,0.01,0.03,0.1,0.3,1,3"
    )]
    pub learning_rates: Vec<f64>,
    /// Iterations of each tuning run on softmax regression (1 to 100000) [default: 20, or 5 with --quick].
    #[arg(long, value_parser = nnlab::report::cli::count(100_000))]
    pub tune_iters: Option<usize>,
    /// Iterations of GD and Adam on Rosenbrock (second-order methods stop on their own; 1 to 1000000).
    #[arg(long, default_value_t = 2000, value_parser = nnlab::report::cli::count(1_000_000))]
    pub rosenbrock_iters: usize,
    /// Pooling of the reduced problem for Newton: 28x28 images averaged over pool x pool blocks.
    #[arg(long, default_value_t = 4)]
    pub pool: usize,
    /// Mini-batch sizes for the noise comparison (comma-separated, distinct, each 1 to 60000, at
    /// most 10).
    #[arg(
        long,
        value_delimiter = ',',
        allow_hyphen_values = true,
        default_value = "100,1000"
    )]
    pub batches: Vec<usize>,
    /// Largest dimension of the scaling measurement for Newton and BFGS (1 to 8000) [default: 4000, or 1000
    /// with --quick]; L-BFGS continues to 100 times that. Slopes are fitted from n = 300 on, so
    /// below 1000 Newton and BFGS get none.
    #[arg(long, value_parser = nnlab::report::cli::count(8_000))]
    pub scaling_max_n: Option<usize>,
    /// Skip dense BFGS on the full softmax problem (its inverse Hessian takes 493 MB).
    #[arg(long)]
    pub no_bfgs: bool,
    /// Fit softmax regression to the first this many training images (1 to 60000) [default: all 60000, or
    /// 2000 with --quick].
    #[arg(long, value_parser = nnlab::report::cli::count(60_000))]
    pub max_train: Option<usize>,
}

/// The flags with their `--quick` defaults resolved.
pub struct Settings {
    pub quick: bool,
    pub iters: usize,
    pub tune_iters: usize,
    pub scaling_max_n: usize,
}

/// What the sections hand back besides writing their files.
#[derive(Default)]
pub struct Record {
    pub outputs: Vec<PathBuf>,
    pub tuning: Vec<TuningRow>,
    /// Each tuned method's chosen learning rate (or name), for meta.json.
    pub chosen: serde_json::Map<String, serde_json::Value>,
    /// Further facts for meta.json, by section.
    pub facts: serde_json::Map<String, serde_json::Value>,
    /// What the chapter quotes.
    pub numbers: nnlab::report::numbers::Numbers,
}

#[derive(Serialize)]
pub struct TuningRow {
    problem: &'static str,
    method: &'static str,
    learning_rate: f64,
    iters: usize,
    final_loss: f64,
}

/// GD or Adam tuned on `f` from `x0` over the `--learning-rates` (see [`FirstOrder::tune`]); the
/// trials go to `rows`, the chosen rate is returned.
pub fn tune(
    problem: &'static str,
    adam: bool,
    (args, iters): (&Args, usize),
    f: &mut dyn Objective,
    x0: &[f64],
    rows: &mut Vec<TuningRow>,
) -> anyhow::Result<f64> {
    let (trials, best) = FirstOrder::tune(adam, &args.learning_rates, f, x0, iters)?;
    rows.extend(trials.iter().map(|t| TuningRow {
        problem,
        method: if adam { "Adam" } else { "GD" },
        learning_rate: t.value,
        iters,
        final_loss: t.objective,
    }));
    let best = anyhow::Context::with_context(best, || {
        format!(
            "every --learning-rates value diverged for {} on {problem}; try smaller rates",
            if adam { "Adam" } else { "GD" }
        )
    })?;
    Ok(trials[best].value)
}

/// One line of progress: iterations, evaluations, time, loss, why it stopped.
pub fn run_line(r: &Report) -> String {
    format!(
        "{} iterations, {} evaluations, {:.2} s, loss {:.5} ({})",
        r.iterations,
        r.evals,
        r.seconds,
        r.value,
        r.stop.label()
    )
}
