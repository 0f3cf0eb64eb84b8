//! Chapter "Data preprocessing".
//!
//! Part 1 (`cloud.rs`): the slide's panels on a correlated 2-D point cloud. Part 2 (`pca.rs`): PCA
//! of Fashion-MNIST's training images. Part 3 (`training.rs`): the same MLP trained on raw,
//! scaled, zero-centred, standardized and PCA-whitened pixels. Every statistic is fitted on the
//! training split only.
//!
//!     cargo run --release --bin exp_preprocess            # full run, writes results/preprocess/
//!     cargo run --release --bin exp_preprocess -- --quick # seconds; every code path

mod args;
mod cloud;
mod pca;
mod training;
pub use args::Args;

use anyhow::Context;
use nnlab::data::preprocess::Pca;
use nnlab::hyper::{check_learning_rate, check_positive};
use nnlab::report::cli::{
    Expected, RunContext, as_flag, distinct_list, parse, run_main, smaller_batch, work_factor,
};
use nnlab::report::results::DataInfo;

/// The results folder, and the wall time of the default runs on 2 cores (see [`Expected`]).
pub const EXPECTED: Expected = Expected::new("preprocess", 50, 2);

pub fn run(args: Args) -> anyhow::Result<()> {
    let quick = args.common.quick;
    as_flag(check_positive("eps", args.eps), &[])?;
    distinct_list("--rates", &args.rates, 12)?;
    for &rate in &args.rates {
        as_flag(check_learning_rate(rate), &[("learning_rate", "--rates")])?;
    }
    let epochs = args.epochs.unwrap_or(if quick { 1 } else { 5 });
    // Shares of the default run: the PCA about a fifth, the rate probes a fifth, training the rest.
    let rates = work_factor(&[(args.rates.len(), 7, 1.0), (args.hidden, 100, 1.0)]);
    let training = work_factor(&[
        (args.runs.seeds, 3, 1.0),
        (epochs, 5, 1.0),
        (args.hidden, 100, 1.0),
        smaller_batch(args.runs.batch_size, 100),
    ]);
    let cloud = work_factor(&[(args.points, 500, 1.0)]);
    let work = 0.1999 + 1e-4 * cloud + 0.2 * rates + 0.6 * training;
    let run = RunContext::start(&args.common, EXPECTED.scaled(work, quick)?)?;
    let data = run.load_fashion_mnist()?;
    let n_val = args.validation.rows(quick);
    let d = run.splits(&data, n_val, quick.then_some(1_000), quick.then_some(1_000))?;
    if run.check_only_training("the MLP on 5 preprocessings", &d) {
        return Ok(());
    }
    let out = run.results_dir()?;
    let mut numbers = run.numbers();
    let mut outputs = cloud::run(args.points, args.common.seed, &out, &mut numbers)?;
    // The principal axes of the training images only.
    let pca =
        Pca::fit(d.x_train.view()).context("the eigendecomposition of the training covariance")?;
    // Whitened once: the covariance check and the training part both read it.
    let white_train = pca.whiten(d.x_train.view(), args.eps);
    outputs.extend(pca::run(
        &pca,
        &white_train,
        d.x_val.view(),
        args.eps,
        &out,
        &mut numbers,
    )?);
    outputs.extend(training::run(
        &run,
        &args,
        epochs,
        &d,
        (&pca, &white_train),
        &out,
        &mut numbers,
    )?);
    outputs.push(run.write_numbers(&out, numbers)?);

    let hyperparameters = serde_json::json!({
        "cloud": {"points": args.points, "mean": [3.0, 2.0], "axes": [2.0, 0.5], "angle_degrees": 30},
        "pca": {"fitted_on": "the training split", "shown_eps": pca::SHOWN_EPS, "train_eps": args.eps},
        "training": {"layers": [784, args.hidden, 10], "activation": "relu", "init": "he",
                      "rule": args.runs.rule, "rates": args.rates, "epochs": epochs, "seeds": args.runs.seeds,
                      "batch_size": args.runs.batch_size},
    });
    let data_info = DataInfo::fashion_mnist(&data, d.y_train.len(), d.y_val.len(), d.y_test.len());
    run.finish(out, hyperparameters, Some(data_info), &outputs)?;
    Ok(())
}

/// The binary `exp_preprocess`: parses the flags and runs.
pub fn main() {
    run_main(|| run(parse()?));
}
