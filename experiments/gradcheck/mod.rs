//! Chapter "Gradient checking": the analytic gradient against centred differences.
//!
//! 1. Every layer, loss and network of the crate checked in `f64` and `f32`, with CS231n's reading
//!    of each worst relative error and `torch.autograd.gradcheck`'s defaults beside it
//!    (`table.rs`: `table.csv`, `table.md`).
//! 2. The error against the step `h` from 1e-1 to 1e-12 in both precisions: truncation against
//!    round-off, the measured optimum beside the predicted `eps^(1/3)` (`step.rs`: `step.csv`,
//!    `step.png`).
//! 3. Kinks: the check of ReLU and the SVM hinge near their corners, and how often a check of an
//!    MLP's first layer on Fashion-MNIST crosses one (`kinks.rs`: `scan.csv`, `kinks.csv`,
//!    `kinks.png`).
//! 4. A deliberately wrong backward pass beside the right one, at every step (`wrong.rs`:
//!    `wrong.csv`, `wrong.png`).
//!
//! ```text
//!     cargo run --release --bin exp_gradcheck             # full run, writes results/gradcheck/
//!     cargo run --release --bin exp_gradcheck -- --quick  # seconds; every code path
//! ```

mod args;
pub use args::{Args, STEPS, steps};

use nnlab::report::cli::{Expected, RunContext, distinct_list, parse, run_main, work_factor};
use nnlab::report::plot::short_number;
use nnlab::report::results::DataInfo;

mod kinks;
mod quote;
mod step;
mod table;
mod wrong;

/// The results folder, and the wall time of the default runs on 2 cores (see [`Expected`]).
pub const EXPECTED: Expected = Expected::new("gradcheck", 15, 5);

pub fn run(args: Args) -> anyhow::Result<()> {
    let quick = args.common.quick;
    let lenet_entries = args.lenet_entries.unwrap_or(if quick { 20 } else { 200 });
    // Every count is at least 1: the flags' parsers bound them (see `count`).
    for (flag, h) in [("--h64", args.h64), ("--h32", args.h32)] {
        anyhow::ensure!(
            h > 0.0 && h < 1.0,
            "{flag} must be in (0, 1), got {}",
            nnlab::hyper::show(h)
        );
    }
    anyhow::ensure!(
        args.floor >= 0.0 && args.floor.is_finite(),
        "--floor must be >= 0 and finite, got {}",
        nnlab::hyper::show(args.floor)
    );
    anyhow::ensure!(
        !args.kink_batches.is_empty() && !args.kink_batches.contains(&0),
        "--kink-batches needs batch sizes of at least 1, got {:?}",
        args.kink_batches
    );
    distinct_list("--kink-batches", &args.kink_batches, 20)?;
    anyhow::ensure!(
        args.kink_batches.iter().all(|&b| b <= 60_000),
        "--kink-batches takes batch sizes up to 60000 (the training set), got {:?}",
        args.kink_batches
    );
    // Shares of the default run: LeNet-5's sparse checks, the step sweeps, the kink count.
    let kink_images: usize = args.kink_batches.iter().sum();
    let work = 0.4 * work_factor(&[(lenet_entries, if quick { 20 } else { 200 }, 1.0)])
        + 0.3 * work_factor(&[(args.steps_per_decade, 4, 1.0)])
        + 0.3 * work_factor(&[(kink_images, 111, 1.0), (args.hidden, 100, 1.0)]);
    let run = RunContext::start(&args.common, EXPECTED.scaled(work, quick)?)?;
    let data = run.load_fashion_mnist()?;
    let largest = *args.kink_batches.iter().max().expect("checked non-empty");
    let d = run.prepare_fixed(&data, 1, Some(largest), Some(1))?;
    anyhow::ensure!(
        d.y_train.len() >= largest,
        "--kink-batches {largest} needs {largest} training images, the data has {}",
        d.y_train.len()
    );
    if run.check_only("check every layer and count kinks on the MLP") {
        return Ok(());
    }
    let out = run.results_dir()?;
    let mut numbers = run.numbers();
    let (table, mut outputs) = table::run(&args, lenet_entries, &out)?;
    quote::table(&mut numbers, &table);
    let (step, step_outputs) = step::run(&args, &out)?;
    quote::step(&mut numbers, &step);
    outputs.extend(step_outputs);
    let (kinks, kink_outputs) = kinks::run(&args, &d, &out)?;
    quote::kinks(&mut numbers, &kinks);
    outputs.extend(kink_outputs);
    let (wrong, wrong_outputs) = wrong::run(&args, &out)?;
    quote::wrong(&mut numbers, &wrong);
    outputs.extend(wrong_outputs);
    numbers
        .value("h64", short_number(args.h64))
        .value("h32", short_number(args.h32))
        .value("floor", short_number(args.floor))
        .value("lenet_entries", lenet_entries);
    outputs.push(run.write_numbers(&out, numbers)?);

    let hyperparameters = serde_json::json!({
        "table": {"h_f64": args.h64, "h_f32": args.h32, "floor": args.floor, "lenet_entries": lenet_entries,
                  "torch_defaults": {"eps": nnlab::procedures::gradcheck::TORCH_EPS, "atol": nnlab::procedures::gradcheck::TORCH_ATOL,
                                     "rtol": nnlab::procedures::gradcheck::TORCH_RTOL},
                  "summary": table},
        "step": step,
        "kinks": kinks,
        "wrong": wrong,
    });
    let n = d.y_train.len();
    let data_info = DataInfo::fashion_mnist(&data, n, d.y_val.len(), d.y_test.len());
    run.finish(out, hyperparameters, Some(data_info), &outputs)?;
    Ok(())
}

/// The binary `exp_gradcheck`: parses the flags and runs.
pub fn main() {
    run_main(|| run(parse()?));
}
