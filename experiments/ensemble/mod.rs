//! Chapter "Model ensembles": LeNet-5 on the full Fashion-MNIST, many models averaged.
//!
//! 1. Members (`members.rs`): independently initialized runs of the default configuration (each
//!    keeping every epoch's checkpoint and its Polyak and moving averages of the parameters), the
//!    trials of a random search over the learning rate and L2 strength, and runs whose learning
//!    rate restarts every epoch (snapshots); `members.csv`.
//! 2. Ensembles (`report.rs`): test accuracy against the number of models averaged for each way,
//!    with its spread and training cost (`ensembles.csv`, `ensembles.md`, `ensemble.png`), and each
//!    run against its two averages (`averaged.csv`).
//! 3. How the members use the cores: one thread, every thread inside each model, one model per
//!    thread (`parallel.csv`).
//!
//! ```text
//!     cargo run --release --bin exp_ensemble             # full run, writes results/ensemble/
//!     cargo run --release --bin exp_ensemble -- --quick  # seconds; every code path
//! ```

use clap::Parser;
use nnlab::procedures::train::Split;
use nnlab::report::cli::{CommonArgs, Expected, RunContext, parse, run_main, work_factor};
use nnlab::report::numbers::thousands;
use nnlab::report::plot::short_number;
use nnlab::report::results::{DataInfo, write_ways};
use nnlab::runtime::parallel::compare_ways;

mod members;
mod quote;
mod report;

use members::{Kind, Member};
use nnlab::procedures::runs::Runs;

/// LeNet-5 ensembles: independent models, the top of a search, checkpoints, snapshots, and
/// averaged parameters, against ensemble size and training cost.
#[derive(Parser, Debug, Clone)]
#[command(version, long_about = None, allow_negative_numbers = true)]
pub struct Args {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Independently initialized runs (1 to 100) [default: 8, or 3 with --quick].
    #[arg(long, value_parser = nnlab::report::cli::count(100))]
    pub members: Option<usize>,
    /// Epochs of each independent and search run, at least 2 (1 to 100) [default: 4, or 2 with --quick].
    #[arg(long, value_parser = nnlab::report::cli::count(100))]
    pub epochs: Option<usize>,
    /// Trials of the random search whose best models are averaged (1 to 200) [default: 12, or 3 with
    /// --quick].
    #[arg(long, value_parser = nnlab::report::cli::count(200))]
    pub search_trials: Option<usize>,
    /// Runs with a restarted learning rate (1 to 20) [default: 2, or 1 with --quick].
    #[arg(long, value_parser = nnlab::report::cli::count(20))]
    pub snapshot_runs: Option<usize>,
    /// Epochs, and so snapshots, of each such run (1 to 100) [default: 8, or 2 with --quick].
    #[arg(long, value_parser = nnlab::report::cli::count(100))]
    pub snapshots: Option<usize>,
    /// Largest ensemble measured (1 to 100) [default: 8, or 3 with --quick].
    #[arg(long, value_parser = nnlab::report::cli::count(100))]
    pub max_size: Option<usize>,
    /// Adam's learning rate of the independent and snapshot runs (the peak of each cycle).
    #[arg(long, default_value_t = 1e-3)]
    pub learning_rate: f64,
    /// L2 strength of the independent and snapshot runs.
    #[arg(long, default_value_t = 0.0)]
    pub reg: f64,
    /// The moving average's weight on the past, in [0, 1).
    #[arg(long, default_value_t = 0.999)]
    pub ema_decay: f64,
    /// Mini-batch size (1 to 60000).
    #[arg(long, default_value_t = 64, value_parser = nnlab::report::cli::count(60_000))]
    pub batch_size: usize,
    #[command(flatten)]
    pub validation: crate::flags::Validation,
    /// Train on at most this many images (1 to 60000) [default: all, or 2000 with --quick].
    #[arg(long, value_parser = nnlab::report::cli::count(60_000))]
    pub max_train: Option<usize>,
    /// How runs use the cores: `members` (one per thread, side by side) or `inside` (one at a
    /// time on every thread); the results are the same.
    #[arg(long, value_enum, default_value_t = Parallel::Members)]
    pub parallel: Parallel,
    /// Rounds of the speed measurement (two one-epoch runs on 4,000 images, three ways)
    /// (1 to 100) [default: 3, or 1 with --quick].
    #[arg(long, value_parser = nnlab::report::cli::count(100))]
    pub speed_rounds: Option<usize>,
}

/// The `--parallel` flag.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Parallel {
    /// One run per thread, side by side.
    Members,
    /// One run at a time, its parallel loops on every thread.
    Inside,
}

/// The results folder, and the wall time of the default runs on 2 cores (see [`Expected`]).
pub const EXPECTED: Expected = Expected::new("ensemble", 360, 6);

/// The most epochs' test probabilities a run may keep: 10,000 of 400 kB each.
const MAX_CHECKPOINTS: usize = 10_000;

pub fn run(args: Args) -> anyhow::Result<()> {
    let quick = args.common.quick;
    let pick = |flag: Option<usize>, full, small| flag.unwrap_or(if quick { small } else { full });
    let n_members = pick(args.members, 8, 3);
    let epochs = pick(args.epochs, 4, 2);
    let trials = pick(args.search_trials, 12, 3);
    let snapshot_runs = pick(args.snapshot_runs, 2, 1);
    let snapshots = pick(args.snapshots, 8, 2);
    let max_size = pick(args.max_size, 8, 3);
    let speed_rounds = pick(args.speed_rounds, 3, 1);
    // Every count is at least 1: the flags' parsers bound them (see `count`).
    anyhow::ensure!(
        (0.0..1.0).contains(&args.ema_decay),
        "--ema-decay must be in [0, 1), got {}",
        nnlab::hyper::show(args.ema_decay)
    );
    anyhow::ensure!(
        args.learning_rate > 0.0 && args.learning_rate.is_finite(),
        "--learning-rate must be positive, got {}",
        nnlab::hyper::show(args.learning_rate)
    );
    anyhow::ensure!(
        args.reg >= 0.0 && args.reg.is_finite(),
        "--reg must be non-negative, got {}",
        nnlab::hyper::show(args.reg)
    );
    anyhow::ensure!(
        epochs >= 2,
        "--epochs {epochs}: the Polyak average starts after the first epoch, so runs need at least 2"
    );
    // Every epoch of every run keeps the test set's probabilities (10,000 x 10 f32, 400 kB).
    let checkpoints = (n_members + trials) * epochs + snapshot_runs * snapshots;
    anyhow::ensure!(
        checkpoints <= MAX_CHECKPOINTS,
        "these flags keep {checkpoints} checkpoints of the test set's probabilities ((--members + --search-trials) x --epochs + --snapshot-runs x --snapshots), {} GB; the limit is {MAX_CHECKPOINTS} (4 GB)",
        checkpoints * 400 / 1_000_000
    );
    // Shares of the default run: the runs' epochs, then the speed measurement.
    let work =
        0.95 * work_factor(&[
            (checkpoints, pick(None, 96, 14), 1.0),
            (
                args.max_train.or(quick.then_some(2_000)).unwrap_or(55_000),
                if quick { 2_000 } else { 55_000 },
                1.0,
            ),
            nnlab::report::cli::smaller_batch(args.batch_size, 64),
        ]) + 0.05 * work_factor(&[(speed_rounds, pick(None, 3, 1), 1.0)]);
    let run = RunContext::start(&args.common, EXPECTED.scaled(work, quick)?)?;
    let data = run.load_fashion_mnist()?;
    let n_val = args.validation.rows(quick);
    let max_train = args.max_train.or(quick.then_some(2_000));
    let d = run.prepare(&data, n_val, max_train, quick.then_some(1_000))?;
    let split = Split::of(&d);
    if run.check_only_training("LeNet-5", &d) {
        return Ok(());
    }
    let out = run.results_dir()?;
    let member = |kind, index, epochs| Member {
        kind,
        index,
        learning_rate: args.learning_rate,
        reg: args.reg,
        epochs,
    };
    let mut members: Vec<Member> = (0..n_members)
        .map(|i| member(Kind::Independent, i, epochs))
        .collect();
    members.extend(members::search_members(args.common.seed, trials, epochs));
    members.extend((0..snapshot_runs).map(|i| member(Kind::Snapshot, i, snapshots)));
    let workers = match args.parallel {
        Parallel::Members => Some(run.threads),
        Parallel::Inside => None,
    };
    let runs_on = |split, workers| Runs {
        split,
        batch_size: args.batch_size,
        train_eval_rows: 1_000,
        workers,
    };
    let (x_test, seed) = (d.x_test.view(), args.common.seed);
    let train_all = |runs: &Runs, members: &[Member], what: &str| {
        members::train_all(runs, x_test, args.ema_decay, seed, members, what)
    };
    let what = format!("{} runs", members.len());
    let mut trained = train_all(&runs_on(&split, workers), &members, &what)?;
    let snapshot_trained = trained.split_off(n_members + trials);
    let search = trained.split_off(n_members);
    let rows = report::ensembles(&trained, &search, &snapshot_trained, &d.y_test, max_size);
    for r in &rows {
        eprintln!(
            "{:>18} x{}: test {:.4} ({:.4}-{:.4}) over {} ensembles, {} epochs",
            r.method, r.size, r.test_mean, r.test_min, r.test_max, r.ensembles, r.epochs_spent
        );
    }
    let all: Vec<_> = trained
        .iter()
        .chain(&search)
        .chain(&snapshot_trained)
        .collect();
    let mut numbers = run.numbers();
    quote::ensembles(&mut numbers, &rows);
    quote::search(&mut numbers, &search, max_size.min(4));
    let mut outputs = report::write(&all, &rows, &d.y_test, &out, &mut numbers)?;

    // Two short runs three ways: is one model per thread faster than every thread inside one?
    let small = split.head(4_000);
    let speed_members: Vec<Member> = (0..run.threads.max(2))
        .map(|i| member(Kind::Independent, i, 2))
        .collect();
    // Only the time counts here: a run that diverges on the subset is timed all the same.
    let trial = |workers: Option<usize>| -> Vec<Vec<f64>> {
        match train_all(&runs_on(&small, workers), &speed_members, "speed") {
            Ok(done) => done.into_iter().map(|t| t.val_accuracy).collect(),
            Err(_) => Vec::new(),
        }
    };
    let speed = compare_ways(speed_members.len(), speed_rounds, &trial);
    eprintln!("speed: {}", speed.describe("runs"));
    outputs.push(write_ways(&speed, &out)?);
    nnlab::report::numbers::quote_ways(&mut numbers, &speed);
    numbers
        .value("members", n_members)
        .value("epochs", epochs)
        .value("search_trials", trials)
        .value("search_epochs", trials * epochs)
        .value("snapshot_runs", snapshot_runs)
        .value("snapshots", snapshots)
        .value("ema_decay", args.ema_decay)
        .value("learning_rate", short_number(args.learning_rate))
        .value("train_images", thousands(d.y_train.len()))
        .value("val_images", thousands(d.y_val.len()))
        .value("test_images", thousands(d.y_test.len()));
    outputs.push(run.write_numbers(&out, numbers)?);

    let single = rows
        .iter()
        .find(|r| r.method == "independent" && r.size == 1)
        .expect("a single model");
    let gains: Vec<serde_json::Value> = (rows.iter())
        .map(|r| serde_json::json!({"method": r.method, "size": r.size, "gain": r.test_mean - single.test_mean}))
        .collect();
    let hyperparameters = serde_json::json!({
        "network": "LeNet-5 (modern: ReLU, max pooling, He init), softmax, Adam, f32",
        "members": n_members,
        "epochs": epochs,
        "search": {"trials": trials, "space": members::space()},
        "snapshots": {"runs": snapshot_runs, "epochs": snapshots, "schedule": "cosine from the learning rate to 0 within every epoch"},
        "learning_rate": args.learning_rate,
        "reg": args.reg,
        "ema_decay": args.ema_decay,
        "polyak": "mean of the iterates after the first epoch",
        "batch_size": args.batch_size,
        "parallel": args.parallel,
        "results": {"ensembles": rows, "gains": gains, "speed": speed},
    });
    let data_info = DataInfo::fashion_mnist(&data, d.y_train.len(), d.y_val.len(), d.y_test.len());
    run.finish(out, hyperparameters, Some(data_info), &outputs)?;
    Ok(())
}

/// The binary `exp_ensemble`: parses the flags and runs.
pub fn main() {
    run_main(|| run(parse()?));
}
