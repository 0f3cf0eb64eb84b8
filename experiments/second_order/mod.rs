//! Chapter "Second-order methods": Newton, BFGS and L-BFGS against gradient descent and Adam.
//!
//! 1. Rosenbrock: trajectories and value per iteration of every method.
//! 2. Softmax regression on Fashion-MNIST, full batch: loss per iteration and per second for GD,
//!    Adam, BFGS, L-BFGS (m = 5, 10, 20); Newton on the reduced (7x7-pooled) problem where the
//!    Hessian fits; final train and test accuracy.
//! 3. The cost of one iteration against the dimension n (chained Rosenbrock), with fitted slopes.
//! 4. Noise: L-BFGS fed mini-batch values and gradients against full batch.
//!
//! Run:
//!
//!     cargo run --release --bin exp_second_order            # full run, writes results/second_order/
//!     cargo run --release --bin exp_second_order -- --quick # seconds; every code path
//!
//! One file per section of the chapter: `rosenbrock.rs`, `softmax.rs`, `scaling.rs`, `noise.rs`.

mod args;
pub use args::{Args, Record, Settings, TuningRow, run_line, tune};

use nnlab::optim::second_order::FirstOrder;
use nnlab::optim::second_order::objectives::SoftmaxRegression;
use nnlab::report::cli::{Expected, RunContext, distinct_list, parse, run_main, work_factor};
use nnlab::report::results::DataInfo;

mod noise;
mod rosenbrock;
mod scaling;
mod softmax;
mod summary;

/// The results folder, and the wall time of the default runs on 2 cores (see [`Expected`]).
pub const EXPECTED: Expected = Expected::new("second_order", 120, 4);

pub fn run(args: Args) -> anyhow::Result<()> {
    let quick = args.common.quick;
    let s = Settings {
        quick,
        iters: args.iters.unwrap_or(if quick { 10 } else { 200 }),
        tune_iters: args.tune_iters.unwrap_or(if quick { 5 } else { 20 }),
        scaling_max_n: args
            .scaling_max_n
            .unwrap_or(if quick { 1000 } else { 4000 }),
    };
    // Every count is at least 1: the flags' parsers bound them (see `count`).
    anyhow::ensure!(
        !args.history.is_empty() && !args.history.contains(&0),
        "--history needs sizes of at least 1"
    );
    anyhow::ensure!(
        !args.learning_rates.is_empty(),
        "--learning-rates needs at least one"
    );
    // Every learning rate is valid before any work.
    for &lr in &args.learning_rates {
        FirstOrder::gd(lr).map_err(|_| {
            anyhow::anyhow!(
                "--learning-rates must be > 0 and finite, got {}",
                nnlab::hyper::show(lr)
            )
        })?;
    }
    anyhow::ensure!(
        args.pool >= 1 && 28 % args.pool == 0,
        "--pool must divide 28 (1, 2, 4, 7, 14 or 28), got {}",
        args.pool
    );
    anyhow::ensure!(!args.batches.contains(&0), "--batches must be at least 1");
    anyhow::ensure!(s.scaling_max_n >= 10, "--scaling-max-n must be at least 10");
    let max_train = args.max_train.or(quick.then_some(2_000));
    anyhow::ensure!(
        max_train != Some(0),
        "--max-train must be at least 1, got 0"
    );
    distinct_list("--history", &args.history, 10)?;
    distinct_list("--learning-rates", &args.learning_rates, 50)?;
    distinct_list("--batches", &args.batches, 10)?;
    anyhow::ensure!(
        args.history.iter().all(|&m| m <= 1_000),
        "--history takes sizes up to 1000, got {:?}",
        args.history
    );
    anyhow::ensure!(
        args.batches.iter().all(|&b| b <= 60_000),
        "--batches takes sizes up to 60000 (the training set), got {:?}",
        args.batches
    );
    // Shares of the default run: the methods on softmax regression, their tuning, the scaling
    // measurement (Newton's solve grows as n^3), the noise comparison and Rosenbrock.
    let default = |full, quick_value| if quick { quick_value } else { full };
    let longest_history = args.history.iter().copied().max().unwrap_or(20);
    let work =
        0.45 * work_factor(&[
            (s.iters, default(200, 10), 1.0),
            (longest_history, 20, 1.0),
            (args.history.len(), 3, 1.0),
        ]) + 0.1
            * work_factor(&[
                (s.tune_iters, default(20, 5), 1.0),
                (args.learning_rates.len(), 8, 1.0),
            ])
            + 0.35 * work_factor(&[(s.scaling_max_n, default(4000, 1000), 3.0)])
            + 0.08 * work_factor(&[(args.batches.len(), 2, 1.0)])
            + 0.02 * work_factor(&[(args.rosenbrock_iters, 2000, 1.0)]);
    let run = RunContext::start(&args.common, EXPECTED.scaled(work, quick)?)?;
    let data = run.load_fashion_mnist_as::<f64>()?;
    let n_train = max_train.map_or(data.y_train.len(), |m| m.min(data.y_train.len()));
    let (x_train, y_train) = (
        data.x_train.slice(ndarray::s![..n_train, ..]),
        &data.y_train[..n_train],
    );
    let what = format!(
        "fit softmax regression to {n_train} images and test on {}",
        data.y_test.len()
    );
    if run.check_only(&what) {
        return Ok(());
    }
    let out = run.results_dir()?;
    let mut record = Record {
        numbers: run.numbers(),
        ..Record::default()
    };

    rosenbrock::run(&args, &s, &out, &mut record)?;
    let mut train = SoftmaxRegression::new(x_train, y_train, 10, 1e-4);
    let test = SoftmaxRegression::new(data.x_test.view(), &data.y_test, 10, 1e-4);
    let pooled = softmax::pooled(
        args.pool,
        (x_train, y_train),
        (data.x_test.view(), &data.y_test),
    );
    let reference = softmax::run(&args, &s, (&mut train, &test), pooled, &out, &mut record)?;
    scaling::run(&s, &out, &mut record)?;
    noise::run(&args, &s, &mut train, reference, &out, &mut record)?;

    let hyperparameters = serde_json::json!({
        "objective": "mean cross-entropy + 0.5 * 1e-4 * ||W||_F^2 (bias not regularized), f64, pixels/255, W = 0 start",
        "stopping": {"grad_tol (max |g_i|)": 1e-5, "rel_tol": 2.220446049250313e-9, "max_iter": s.iters, "note": "SciPy L-BFGS-B defaults"},
        "line_search": {"conditions": "strong Wolfe", "c1": 1e-4, "c2": 0.9},
        "history": args.history,
        "learning_rates_tried": args.learning_rates,
        "tune_iters": s.tune_iters,
        "chosen": record.chosen,
        "rosenbrock_iters": args.rosenbrock_iters,
        "pool": args.pool,
        "batches": args.batches,
        "scaling": record.facts.remove("scaling"),
        "newton": record.facts.remove("newton"),
    });
    let data_info = DataInfo::fashion_mnist(&data, n_train, 0, data.y_test.len());
    let numbers = std::mem::take(&mut record.numbers);
    record.outputs.push(run.write_numbers(&out, numbers)?);
    run.finish(out, hyperparameters, Some(data_info), &record.outputs)?;
    Ok(())
}

/// The binary `exp_second_order`: parses the flags and runs.
pub fn main() {
    run_main(|| run(parse()?));
}
