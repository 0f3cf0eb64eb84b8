//! Chapter "Babysitting the learning process": CS231n's checks before any tuning, on the 2-layer
//! MLP and LeNet-5 with the full Fashion-MNIST.
//!
//! 1. The initial loss with small weights and no regularization (`ln 10 = 2.303`), with He
//!    initialization for contrast, and with regularization added (it must rise); overfitting 20
//!    training examples to 100% with regularization off (`sanity.rs`: `initial.csv`,
//!    `overfit.csv`, `overfit.png`).
//! 2. A ladder of learning rates, 200 iterations each: which barely move the loss, which explode
//!    it, which lower it (`rates.rs`: `rates.csv`, `ladder.csv`, `ladder.md`, `rates.png`).
//! 3. Every check's pass or fail (`checks.csv`, `checks.md`).
//!
//! ```text
//!     cargo run --release --bin exp_babysit             # full run, writes results/babysit/
//!     cargo run --release --bin exp_babysit -- --quick  # seconds; every code path
//! ```

mod args;
pub use args::{Args, CheckRow, Net};

use nnlab::report::cli::{
    Expected, RunContext, as_flag, distinct_list, parse, run_main, work_factor,
};
use nnlab::report::results::{DataInfo, ResultsDir, markdown_table};

mod rates;
mod sanity;

/// The results folder, and the wall time of the default runs on 2 cores (see [`Expected`]).
pub const EXPECTED: Expected = Expected::new("babysit", 15, 5);

/// The checks as the chapter's Markdown table.
fn markdown(rows: &[CheckRow]) -> String {
    let header = ["network", "check", "measured", "expected", ""];
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let verdict = if r.passed { "pass" } else { "**fail**" };
            let (check, measured, expected) = (&r.check, &r.measured, &r.expected);
            vec![
                r.network.into(),
                check.clone(),
                measured.clone(),
                expected.clone(),
                verdict.into(),
            ]
        })
        .collect();
    markdown_table(&header, &cells)
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let quick = args.common.quick;
    let probe_iters = args.probe_iters.unwrap_or(if quick { 30 } else { 200 });
    // Every count is at least 1: the flags' parsers bound them (see `count`).
    anyhow::ensure!(
        args.small > 0.0 && args.small.is_finite(),
        "--small must be > 0 and finite, got {}",
        nnlab::hyper::show(args.small)
    );
    anyhow::ensure!(
        args.reg > 0.0 && args.reg.is_finite(),
        "--reg must be > 0 and finite, got {}",
        nnlab::hyper::show(args.reg)
    );
    anyhow::ensure!(
        !args.rates.is_empty(),
        "--rates needs at least one learning rate"
    );
    for &lr in args.rates.iter().chain([&args.overfit_lr]) {
        as_flag(
            nnlab::optim::Sgd::new(lr),
            &[("learning_rate", "--rates and --overfit-lr")],
        )?;
    }
    distinct_list("--rates", &args.rates, 30)?;
    // Shares of the default run: the learning-rate ladder and the overfitting check, both on the
    // MLP and LeNet-5 (whose size --hidden does not change).
    let work =
        0.7 * work_factor(&[
            (probe_iters, if quick { 30 } else { 200 }, 1.0),
            (args.rates.len(), 9, 1.0),
            (args.batch_size, 64, 1.0),
        ]) + 0.3
            * work_factor(&[
                (args.overfit_iters, 200, 1.0),
                (args.overfit_examples, 20, 1.0),
            ]);
    let work = work * work_factor(&[(args.hidden, 100, 1.0)]).sqrt();
    let run = RunContext::start(&args.common, EXPECTED.scaled(work, quick)?)?;
    let (data, d) = run.mlp_data(args.validation.val)?;
    anyhow::ensure!(
        d.y_train.len() >= args.overfit_examples,
        "--overfit-examples {} needs that many training images, the data has {}",
        args.overfit_examples,
        d.y_train.len()
    );
    if run.check_only_training("the MLP and LeNet-5", &d) {
        return Ok(());
    }
    let out: ResultsDir = run.results_dir()?;
    let mut numbers = run.numbers();
    let (mut checks, sanity, mut outputs) = sanity::run(&args, &d, &out, &mut numbers)?;
    let (rate_checks, ladder, rate_outputs) =
        rates::run(&args, probe_iters, &d, &out, &mut numbers)?;
    checks.extend(rate_checks);
    outputs.extend(rate_outputs);
    let failed = checks.iter().filter(|c| !c.passed).count();
    eprintln!("checks: {} passed, {failed} failed", checks.len() - failed);
    outputs.push(out.write_text("checks.md", &markdown(&checks))?);
    outputs.push(out.write_csv("checks.csv", &checks)?);
    let thousands = nnlab::report::numbers::thousands;
    numbers
        .value("train_images", thousands(d.y_train.len()))
        .value("val_images", thousands(d.y_val.len()))
        .value("batch_size", args.batch_size)
        .percent("barely_moves", nnlab::procedures::babysit::BARELY_MOVES, 0)
        .value("probe_iters", probe_iters)
        .value(
            "rates",
            args.rates
                .iter()
                .map(|&r| nnlab::report::plot::short_number(r))
                .collect::<Vec<_>>()
                .join(", "),
        );
    outputs.push(run.write_numbers(&out, numbers)?);

    let hyperparameters = serde_json::json!({
        "mlp": {"layers": [784, args.hidden, 10], "activation": "relu", "init": "he", "loss": "softmax"},
        "lenet": {"variant": "modern"},
        "initial_loss": {"small_weight_factor": args.small, "reg": args.reg,
                         "tolerance": nnlab::procedures::babysit::INITIAL_LOSS_TOLERANCE},
        "overfit": {"examples": args.overfit_examples, "iters": args.overfit_iters, "rule": "sgd",
                    "learning_rate": args.overfit_lr},
        "ladder": {"rates": args.rates, "iters": probe_iters, "batch_size": args.batch_size, "rule": "sgd",
                   "barely_moves": nnlab::procedures::babysit::BARELY_MOVES, "explodes": nnlab::procedures::babysit::EXPLODES},
        "results": {"sanity": sanity, "ladder": ladder, "failed": failed},
    });
    let data_info = DataInfo::fashion_mnist(&data, d.y_train.len(), d.y_val.len(), d.y_test.len());
    run.finish(out, hyperparameters, Some(data_info), &outputs)?;
    Ok(())
}

/// The binary `exp_babysit`: parses the flags and runs.
pub fn main() {
    run_main(|| run(parse()?));
}
