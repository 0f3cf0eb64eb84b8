//! Chapter "The learning rate", part 1: choosing it.
//!
//! 1. The slide's four curves on a real network (`curves.rs`): the 2-layer MLP on Fashion-MNIST
//!    trained with SGD at a very high, a high, a low and a good learning rate, loss against epoch.
//! 2. The learning-rate range test [Smith, 2015; fastai's `lr_find`] on the same network and its
//!    suggested rates, beside the best rate of a grid search (`range.rs`).
//! 3. The same step decay with momentum in the slide's convention and in PyTorch's
//!    (`convention.rs`).
//!
//! ```text
//!     cargo run --release --bin exp_lr            # full run, writes results/lr/
//!     cargo run --release --bin exp_lr -- --quick # seconds; every code path
//! ```

mod args;
pub use args::{Args, Settings};

use nnlab::procedures::lr_range::RangeTest;
use nnlab::report::cli::{
    Expected, RunContext, as_flag, distinct_list, parse, run_main, work_factor,
};
use nnlab::report::results::DataInfo;

mod convention;
mod curves;
mod range;

/// The results folder, and the wall time of the default runs on 2 cores (see [`Expected`]).
pub const EXPECTED: Expected = Expected::new("lr", 60, 3);

pub fn run(args: Args) -> anyhow::Result<()> {
    let quick = args.common.quick;
    let epochs = args.epochs.unwrap_or(if quick { 1 } else { 10 });
    let grid_epochs = args.grid_epochs.unwrap_or(if quick { 1 } else { 2 });
    let range_iters = args.range_iters.unwrap_or(if quick { 100 } else { 300 });
    let decay_epochs = args.decay_epochs.unwrap_or(if quick { 2 } else { 6 });
    // Every count is at least 1: the flags' parsers bound them (see `count`).
    anyhow::ensure!(
        args.rates.len() == 4,
        "--rates takes four learning rates (very high, high, low, good), got {}",
        args.rates.len()
    );
    anyhow::ensure!(
        !args.grid.is_empty(),
        "--grid needs at least one learning rate"
    );
    for &lr in args.rates.iter().chain(&args.grid) {
        as_flag(
            args.rule.build::<f32>(lr),
            &[("learning_rate", "--rates and --grid")],
        )?;
    }
    let range = RangeTest::new(
        args.range_start,
        args.range_end,
        range_iters,
        args.mlp.batch_size,
    );
    let range = as_flag(
        range,
        &[
            ("learning_rate", "--range-start and --range-end"),
            ("end", "--range-end"),
            ("iters", "--range-iters"),
        ],
    )?;
    let schedule = nnlab::optim::schedule::StepDecay::new(
        args.decay_rate,
        args.decay_factor,
        args.decay_period,
    );
    as_flag(
        schedule,
        &[
            ("learning_rate", "--decay-rate"),
            ("factor", "--decay-factor"),
            ("period", "--decay-period"),
        ],
    )?;
    let s = Settings {
        epochs,
        decay_epochs,
        grid_epochs,
        range,
    };
    distinct_list("--rates", &args.rates, 4)?;
    distinct_list("--grid", &args.grid, 50)?;
    // Shares of the default run: the four curves, the grid search, the two conventions' decay
    // runs and the range test, all on the MLP.
    let default = |full, quick_value| if quick { quick_value } else { full };
    let work = work_factor(&args.mlp.work())
        * (0.55 * work_factor(&[(epochs, default(10, 1), 1.0)])
            + 0.25 * work_factor(&[(grid_epochs, default(2, 1), 1.0), (args.grid.len(), 9, 1.0)])
            + 0.17 * work_factor(&[(decay_epochs, default(6, 2), 1.0)])
            + 0.03 * work_factor(&[(range_iters, default(300, 100), 1.0)]));
    let run = RunContext::start(&args.common, EXPECTED.scaled(work, quick)?)?;
    let Some((data, d, out)) = run.mlp_training(args.validation.val, "the MLP")? else {
        return Ok(());
    };
    let mut numbers = run.numbers();
    let mut outputs = curves::run(&args, &s, &d, &out, &mut numbers)?;
    let found = range::run(&args, &s, &d, &out, &mut numbers)?;
    outputs.extend(found.outputs);
    let (convention_outputs, finals) = convention::run(&args, &s, &d, &out, &mut numbers)?;
    outputs.extend(convention_outputs);
    numbers
        .value("hidden", args.mlp.hidden)
        .value("batch_size", args.mlp.batch_size)
        .value(
            "train_images",
            nnlab::report::numbers::thousands(d.y_train.len()),
        )
        .value(
            "val_images",
            nnlab::report::numbers::thousands(d.y_val.len()),
        );
    outputs.push(run.write_numbers(&out, numbers)?);

    let hyperparameters = serde_json::json!({
        "mlp": {"layers": [784, args.mlp.hidden, 10], "activation": "relu", "init": "he", "loss": "softmax",
                "rule": args.rule, "batch_size": args.mlp.batch_size},
        "curves": {"rates": {"very_high": args.rates[0], "high": args.rates[1], "low": args.rates[2], "good": args.rates[3]},
                   "epochs": epochs},
        "range_test": s.range,
        "suggestions": found.suggestions,
        "grid": {"rates": args.grid, "epochs": grid_epochs, "best": found.grid_best},
        "convention": {"rule": "momentum, mu 0.9", "schedule": "step decay per epoch", "learning_rate": args.decay_rate,
                       "factor": args.decay_factor, "period": args.decay_period, "epochs": decay_epochs,
                       "final_val_accuracy": finals},
    });
    let data_info = DataInfo::fashion_mnist(&data, d.y_train.len(), d.y_val.len(), d.y_test.len());
    run.finish(out, hyperparameters, Some(data_info), &outputs)?;
    Ok(())
}

/// The binary `exp_lr`: parses the flags and runs.
pub fn main() {
    run_main(|| run(parse()?));
}
