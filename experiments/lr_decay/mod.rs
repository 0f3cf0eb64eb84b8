//! Chapter "The learning rate", part 2: decaying it, on LeNet-5 and the full Fashion-MNIST.
//!
//! 1. The seven schedules over the run, per iteration (`schedules.rs`: `schedule.csv`,
//!    `schedules.png`).
//! 2. How to spend two cores on many small models: the seeds side by side, one core each, or one
//!    model at a time on both cores; measured, and the faster one runs the rest (`speed.rs`:
//!    `parallel.csv`).
//! 3. Every schedule with every update rule and several seeds for `--epochs` epochs: test accuracy
//!    mean and spread, loss curves (`grid.rs`: `decay.csv`, `accuracy.png`, `loss.png`).
//! 4. The best rule and decaying schedule (on validation accuracy) against that rule's constant
//!    rate over the longer run `--long-epochs` (`long.rs`: `long.csv`, `long.png`).
//!
//! ```text
//!     cargo run --release --bin exp_lr_decay             # full run, writes results/lr_decay/
//!     cargo run --release --bin exp_lr_decay -- --quick  # seconds; every code path
//! ```

mod args;
pub use args::{Args, Settings};

use nnlab::optim::schedule::Stretch;
use nnlab::procedures::train::Split;
use nnlab::report::cli::{
    Expected, RunContext, as_flag, distinct_list, parse, run_main, work_factor,
};
use nnlab::report::numbers::thousands;
use nnlab::report::plot::short_number;
use nnlab::report::results::DataInfo;

mod grid;
mod long;
mod quote;
mod runs;
mod schedules;
mod speed;

/// The results folder, and the wall time of the default runs on 2 cores (see [`Expected`]).
pub const EXPECTED: Expected = Expected::new("lr_decay", 540, 8);

pub fn run(args: Args) -> anyhow::Result<()> {
    let quick = args.common.quick;
    let epochs = args.epochs.unwrap_or(if quick { 1 } else { 2 });
    let long_epochs = args.long_epochs.unwrap_or(if quick { 2 } else { 15 });
    let speed_iters = args.speed_iters.unwrap_or(if quick { 5 } else { 100 });
    // Every count is at least 1: the flags' parsers bound them (see `count`).
    anyhow::ensure!(
        !args.schedules.is_empty(),
        "--schedules needs at least one schedule"
    );
    anyhow::ensure!(
        !args.rules.is_empty(),
        "--rules needs at least one update rule"
    );
    anyhow::ensure!(
        args.rates.len() == args.rules.len(),
        "--rates takes one learning rate per rule in --rules ({}), got {}",
        args.rules.len(),
        args.rates.len()
    );
    for (rule, &lr) in args.rules.iter().zip(&args.rates) {
        as_flag(rule.build::<f32>(lr), &[("learning_rate", "--rates")])?;
    }
    let stretch = Stretch {
        step_factor: args.step_factor,
        step_drops: args.step_drops,
        exp_final: args.exp_final,
        inv_final: args.inv_final,
        cosine_final: args.cosine_final,
        warmup: args.warmup,
    };
    as_flag(stretch.check(), &[])?;
    anyhow::ensure!(
        args.reg >= 0.0 && args.reg.is_finite(),
        "--reg must be non-negative, got {}",
        nnlab::hyper::show(args.reg)
    );
    let s = Settings {
        epochs,
        long_epochs,
        stretch,
        rules: args
            .rules
            .iter()
            .copied()
            .zip(args.rates.iter().copied())
            .collect(),
    };
    distinct_list("--schedules", &args.schedules, 7)?;
    distinct_list("--rules", &args.rules, 6)?;
    // Shares of the default run: every schedule x rule x seed for --epochs, the long runs, and
    // the parallel measurement.
    let default = |full, quick_value| if quick { quick_value } else { full };
    let seeds = (args.seeds, 3, 1.0);
    let batch = nnlab::report::cli::smaller_batch(args.batch_size, 128);
    let work = work_factor(&[seeds, batch])
        * (0.45 * work_factor(&[(epochs, default(2, 1), 1.0), (args.rules.len(), 2, 1.0)])
            + 0.5 * work_factor(&[(long_epochs, default(15, 2), 1.0)]))
        + 0.05 * work_factor(&[(speed_iters, default(100, 5), 1.0)]);
    let run = RunContext::start(&args.common, EXPECTED.scaled(work, quick)?)?;
    let data = run.load_fashion_mnist()?;
    let n_val = args.validation.rows(quick);
    let d = run.prepare(&data, n_val, quick.then_some(2_000), quick.then_some(1_000))?;
    let split = Split::of(&d).with_test(&d);
    // Every schedule must fit the shorter of the two runs before anything runs.
    let shortest = split.iterations(epochs.min(long_epochs), args.batch_size);
    for &family in &args.schedules {
        as_flag(family.over(1.0, shortest, &s.stretch), &[])
            .map_err(|e| e.context(format!("{} over {shortest} iterations", family.label())))?;
    }
    if run.check_only_training("LeNet-5", &d) {
        return Ok(());
    }
    let out = run.results_dir()?;
    let mut outputs = schedules::run(&args, &s, &split, &out)?;
    // Measured only when the flag leaves the choice to the measurement.
    let measured = if args.parallel == args::Parallel::Auto {
        let (measured, written) = speed::run(&args, speed_iters, run.threads, &split, &out)?;
        outputs.extend(written);
        Some(measured)
    } else {
        None
    };
    let mode = args.parallel.resolve(measured.as_ref());
    let compared = grid::run(&args, &s, mode, run.threads, &split, &out)?;
    outputs.extend(compared.outputs);
    let long = long::run(&args, &s, mode, run.threads, &split, compared.best, &out)?;
    outputs.extend(long.outputs);
    let mut numbers = run.numbers();
    let rule_names: Vec<&'static str> = s.rules.iter().map(|r| r.0.name()).collect();
    quote::comparison(
        &mut numbers,
        &compared.summary,
        &args.schedules,
        &rule_names,
    );
    quote::loss_gaps(&mut numbers, &compared.loss_gap_at_end);
    quote::best(
        &mut numbers,
        &compared.summary,
        (compared.best.0.name(), compared.best.2.name()),
    );
    let at_ten: Vec<(&'static str, f64)> = (long.summary.iter())
        .filter_map(|l| Some((l.schedule, l.curve.get(9)?.1)))
        .collect();
    quote::long(&mut numbers, &long.summary, &at_ten);
    if let Some(m) = &measured {
        quote::speed(&mut numbers, m);
    }
    quote::stretch(&mut numbers, &s.stretch);
    numbers
        .value("seeds", args.seeds)
        .value("epochs", epochs)
        .value("updates", split.iterations(epochs, args.batch_size))
        .value("batch_size", args.batch_size)
        .value("reg", short_number(args.reg))
        .value("train_images", thousands(d.y_train.len()))
        .value("val_images", thousands(d.y_val.len()))
        .value("test_images", thousands(d.y_test.len()));
    for (rule, lr) in &s.rules {
        numbers.value(&format!("rate_{}", rule.name()), short_number(*lr));
    }
    outputs.push(run.write_numbers(&out, numbers)?);

    let hyperparameters = serde_json::json!({
        "network": "LeNet-5 (modern: ReLU, max pooling, He init), f32",
        "rules": s.rules.iter().map(|(r, lr)| serde_json::json!({"rule": r, "learning_rate": lr})).collect::<Vec<_>>(),
        "defaults": nnlab::report::results::rule_defaults(),
        "schedules": args.schedules,
        "stretch": s.stretch,
        "warmup_start_factor": nnlab::optim::schedule::WARMUP_START,
        "one_cycle": "PyTorch's defaults (pct_start 0.3, div_factor 25, final_div_factor 1e4), peak = the rule's rate",
        "seeds": args.seeds,
        "epochs": epochs,
        "long_epochs": long_epochs,
        "batch_size": args.batch_size,
        "reg": args.reg,
        "selection": "the rule and decaying schedule with the best mean validation accuracy after --epochs",
        "parallel": {"flag": args.parallel, "measured": measured, "used": mode, "iterations": speed_iters},
        "results": {"comparison": compared.summary, "best": {"rule": compared.best.0, "schedule": compared.best.2}, "long": long.summary},
    });
    let data_info = DataInfo::fashion_mnist(&data, d.y_train.len(), d.y_val.len(), d.y_test.len());
    run.finish(out, hyperparameters, Some(data_info), &outputs)?;
    Ok(())
}

/// The binary `exp_lr_decay`: parses the flags and runs.
pub fn main() {
    run_main(|| run(parse()?));
}
