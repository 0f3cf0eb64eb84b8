//! Chapter "Dropout": keep probability, the two ways of restoring the scale, and what dropout buys
//! a wide MLP on the full Fashion-MNIST.
//!
//! 1. The slide's `E[a]` argument, enumerated and sampled (`expectation.rs`: `masks.csv`,
//!    `expectation.csv`, `expectation.png`).
//! 2. The slide's 3-layer network (two wide ReLU layers) without dropout, with vanilla dropout and
//!    with inverted dropout, several seeds: the train-validation gap, the test accuracy of each
//!    form, and the scaling bug — vanilla dropout predicted without `* p` (`compare.rs`:
//!    `training.csv`, `accuracy.csv`, `activations.csv`, `gap.png`, `accuracy.png`).
//! 3. Monte-Carlo averaging over sampled masks against the single scaled pass (`mc.rs`: `mc.csv`,
//!    `mc.png`).
//! 4. The keep-probability sweep, on a training subset small enough for the network to overfit
//!    (`sweep.rs`: `sweep.csv`, `sweep.png`).
//!
//! ```text
//!     cargo run --release --bin exp_dropout             # full run, writes results/dropout/
//!     cargo run --release --bin exp_dropout -- --quick  # seconds; every code path
//! ```

mod args;
pub use args::{Args, Settings};

use nnlab::hyper::check_fraction;
use nnlab::optim::schedule::Stretch;
use nnlab::procedures::train::Split;
use nnlab::report::cli::{
    Expected, RunContext, as_flag, distinct_list, parse, run_main, work_factor,
};
use nnlab::report::numbers::thousands;
use nnlab::report::results::DataInfo;

mod compare;
mod expectation;
mod mc;
mod quote;
mod runs;
mod sweep;

use nnlab::procedures::runs::{Job, Runs};
use nnlab::report::cli::with_progress;
use runs::{Form, Setting, Training};

/// The results folder, and the wall time of the default runs on 2 cores (see [`Expected`]).
pub const EXPECTED: Expected = Expected::new("dropout", 480, 5);

/// The smallest keep probability the flags take (see `--keep`).
const MIN_KEEP: f64 = 0.01;

pub fn run(args: Args) -> anyhow::Result<()> {
    let quick = args.common.quick;
    let s = Settings {
        hidden: args.hidden.unwrap_or(if quick { 64 } else { 512 }),
        sweep_hidden: args.sweep_hidden.unwrap_or(if quick { 32 } else { 256 }),
        epochs: args.epochs.unwrap_or(if quick { 2 } else { 15 }),
        sweep_epochs: args.sweep_epochs.unwrap_or(if quick { 1 } else { 15 }),
        sweep_train: args.sweep_train.or(if quick { None } else { Some(10_000) }),
        mc_samples: args.mc_samples.unwrap_or(if quick { 10 } else { 100 }),
    };
    let demo_samples = args
        .demo_samples
        .unwrap_or(if quick { 1_000 } else { 100_000 });
    // Every count is at least 1: the flags' parsers bound them (see `count`).
    anyhow::ensure!(
        !args.sweep.is_empty(),
        "--sweep needs at least one keep probability"
    );
    distinct_list("--sweep", &args.sweep, 20)?;
    for (flag, &p) in
        std::iter::once(("--keep", &args.keep)).chain(args.sweep.iter().map(|p| ("--sweep", p)))
    {
        as_flag(check_fraction("p", p), &[("p", flag)])?;
        // Inverted dropout scales a kept unit by 1/p: below 1/100 a network in f32 overflows.
        anyhow::ensure!(
            p >= MIN_KEEP,
            "{flag} takes keep probabilities from {MIN_KEEP} to 1, got {}",
            nnlab::hyper::show(p)
        );
    }
    as_flag(args.rule.build::<f32>(args.learning_rate), &[])?;
    // Shares of the default run: the comparison's models (two hidden layers: work grows as
    // hidden^2 where it dominates), the keep sweep, Monte-Carlo prediction and the E[a] demo.
    let default = |full, quick_value| if quick { quick_value } else { full };
    let batch = nnlab::report::cli::smaller_batch(args.batch_size, 128);
    let work = work_factor(&[batch])
        * (0.55
            * work_factor(&[
                (s.hidden, default(512, 64), 2.0),
                (args.seeds, 3, 1.0),
                (s.epochs, default(15, 2), 1.0),
            ])
            + 0.35
                * work_factor(&[
                    (s.sweep_hidden, default(256, 32), 2.0),
                    (args.sweep_seeds, 2, 1.0),
                    (s.sweep_epochs, default(15, 1), 1.0),
                    (
                        s.sweep_train.unwrap_or(55_000),
                        default(10_000, 55_000),
                        1.0,
                    ),
                    (args.sweep.len(), 10, 1.0),
                ]))
        + 0.07
            * work_factor(&[
                (s.mc_samples, default(100, 10), 1.0),
                (s.hidden, default(512, 64), 2.0),
            ])
        + 0.03
            * work_factor(&[
                (demo_samples, default(100_000, 1_000), 1.0),
                (args.demo_replicates, 200, 1.0),
            ]);
    let run = RunContext::start(&args.common, EXPECTED.scaled(work, quick)?)?;
    let data = run.load_fashion_mnist()?;
    let n_val = args.validation.rows(quick);
    let d = run.prepare(&data, n_val, quick.then_some(2_000), quick.then_some(1_000))?;
    let split = Split::of(&d).with_test(&d);
    let sweep_split = split.head(s.sweep_train.unwrap_or(usize::MAX));
    let shortest = (split.iterations(s.epochs, args.batch_size))
        .min(sweep_split.iterations(s.sweep_epochs, args.batch_size));
    as_flag(args.schedule.over(1.0, shortest, &Stretch::default()), &[]).map_err(|e| {
        e.context(format!(
            "{} over {shortest} iterations",
            args.schedule.label()
        ))
    })?;
    if run.check_only_training("the 3-layer dropout MLP", &d) {
        return Ok(());
    }
    let out = run.results_dir()?;
    let (demo, mut outputs) =
        expectation::run(args.keep, demo_samples, args.demo_replicates, &out)?;

    // Every training run in one queue, so the two cores stay busy to the end.
    let training = Training {
        rule: args.rule,
        learning_rate: args.learning_rate,
        schedule: args.schedule,
        base_seed: args.common.seed,
    };
    let runs = Runs {
        split: &split,
        batch_size: args.batch_size,
        train_eval_rows: runs::TRAIN_EVAL_ROWS,
        workers: Some(run.threads),
    };
    let compared: Vec<Job<Setting>> = (0..args.seeds)
        .flat_map(|seed| {
            [Form::NoDropout, Form::Vanilla, Form::Inverted].map(|form| {
                let p = if form == Form::NoDropout {
                    1.0
                } else {
                    args.keep
                };
                let hidden = s.hidden;
                training.job(
                    Setting {
                        form,
                        p,
                        hidden,
                        seed,
                    },
                    s.epochs,
                    None,
                )
            })
        })
        .collect();
    let swept: Vec<Job<Setting>> = (args.sweep.iter())
        .flat_map(|&p| {
            (0..args.sweep_seeds).map(move |seed| {
                let (form, hidden) = (Form::Inverted, s.sweep_hidden);
                let setting = Setting {
                    form,
                    p,
                    hidden,
                    seed,
                };
                training.job(setting, s.sweep_epochs, s.sweep_train)
            })
        })
        .collect();
    let jobs: Vec<Job<Setting>> = compared.iter().chain(&swept).cloned().collect();
    as_flag(runs.check(&jobs), &[])?;
    let what = format!("{} runs", jobs.len());
    let mut trained = with_progress(runs.total_iterations(&jobs), &what, |tick| {
        runs.train_all(&jobs, tick, |_, h, net| (h, net))
    });
    let sweep_trained = trained.split_off(compared.len());
    // The comparison averages its seeds and every later part reads its networks: one diverged
    // run makes it meaningless. (The sweep records its diverged runs and chooses among the rest.)
    if let Some((job, (h, _))) = compared
        .iter()
        .zip(&trained)
        .find(|(_, (h, _))| h.diverged_at.is_some())
    {
        anyhow::bail!(
            "the comparison's {} run {} diverged at iteration {}: lower --learning-rate",
            job.tag.form.name(),
            job.tag.seed,
            h.diverged_at.unwrap_or_default()
        );
    }

    let comparison = compare::run(&args, &s, &runs, &compared, &mut trained, &out)?;
    outputs.extend(comparison.outputs);
    // Each inverted network with its single scaled pass's test error (recorded after training).
    let inverted: Vec<_> = (compared.iter().zip(&mut trained))
        .filter(|(j, _)| j.tag.form == Form::Inverted)
        .map(|(j, (h, net))| (j.tag.seed, 1.0 - h.final_accuracies().1, net))
        .collect();
    let averaged = mc::run(&args, &s, &split, inverted, run.threads, &out)?;
    outputs.extend(averaged.outputs);
    let sweep_images = sweep_split.y_train.len();
    let sweep = sweep::run(&args, &s, &swept, &sweep_trained, sweep_images, &out)?;
    outputs.extend(sweep.outputs);

    let mut numbers = run.numbers();
    quote::expectation(&mut numbers, &demo);
    quote::comparison(&mut numbers, &comparison.summary);
    quote::monte_carlo(&mut numbers, &averaged.summary);
    quote::sweep(&mut numbers, &sweep.summary);
    numbers
        .value("keep", args.keep)
        .value("seeds", args.seeds)
        .value("epochs", s.epochs)
        .value("hidden", s.hidden)
        .value("batch_size", args.batch_size)
        .value("sweep_seeds", args.sweep_seeds)
        .value("train_images", thousands(d.y_train.len()))
        .value("val_images", thousands(d.y_val.len()))
        .value("test_images", thousands(d.y_test.len()));
    outputs.push(run.write_numbers(&out, numbers)?);
    let hyperparameters = serde_json::json!({
        "network": format!("784-{h}-{h}-10 MLP, ReLU, dropout after each hidden layer, He init, softmax, f32", h = s.hidden),
        "layers": runs.network(&compared[0])?.describe(),
        "keep": args.keep,
        "rule": args.rule,
        "learning_rate": args.learning_rate,
        "defaults": nnlab::report::results::rule_defaults(),
        "schedule": args.schedule,
        "seeds": args.seeds,
        "epochs": s.epochs,
        "batch_size": args.batch_size,
        "sweep": {"keep": args.sweep, "hidden": s.sweep_hidden, "train_images": sweep_images, "seeds": args.sweep_seeds, "epochs": s.sweep_epochs},
        "mc_samples": s.mc_samples,
        "train_accuracy_rows": runs::TRAIN_EVAL_ROWS,
        "results": {
            "expectation": demo,
            "comparison": comparison.summary,
            "monte_carlo": averaged.summary,
            "sweep": sweep.summary,
        },
    });
    let data_info = DataInfo::fashion_mnist(&data, d.y_train.len(), d.y_val.len(), d.y_test.len());
    run.finish(out, hyperparameters, Some(data_info), &outputs)?;
    Ok(())
}

/// The binary `exp_dropout`: parses the flags and runs.
pub fn main() {
    run_main(|| run(parse()?));
}
