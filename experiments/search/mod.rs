//! Chapter "Hyperparameter search": grid against random search [Bergstra and Bengio, 2012],
//! coarse-to-fine, and successive halving, on an MLP with dropout on Fashion-MNIST.
//!
//! 1. Bergstra and Bengio's picture computed: 9 grid and 9 random trials on a function of one
//!    important and one unimportant hyperparameter (`picture.rs`: `layout.csv`,
//!    `layout_summary.csv`, `layout.png`).
//! 2. The real search, repeated over search seeds: two grids, random search, coarse-to-fine and
//!    successive halving at the same compute; every trial in `trials.csv` (`trials.rs`,
//!    `stages.rs`).
//! 3. What they found: best validation accuracy against trials spent, the winners' test
//!    accuracy, which hyperparameters mattered, the halving rungs (`report.rs`: `methods.csv`,
//!    `methods.md`, `best.png`, `importance.png`, `halving.png`).
//! 4. How it scales: one thread, every thread inside each model, one model per thread; and the
//!    projection to n machines from the trials' timings (`speed.rs`: `parallel.csv`,
//!    `projection.csv`, `projection.md`).
//!
//! The independent trials (the grids, random search, halving's first rung) fan out over machines:
//!
//! ```text
//!     cargo run --release --bin exp_search                       # full run, writes results/search/
//!     cargo run --release --bin exp_search -- --quick            # seconds; every code path
//!     exp_search --shard 3/8 --out DIR                           # shard 3 of 8: DIR/trials.part-3-of-8.csv
//!     exp_search --merge --out DIR                               # the parts -> everything else
//! ```

use clap::Parser;
use nnlab::procedures::search::{Shard, halving_plan};
use nnlab::procedures::train::Split;
use nnlab::report::cli::{CommonArgs, Expected, RunContext, distinct_list, parse, run_main};
use nnlab::report::numbers::thousands;
use nnlab::report::results::DataInfo;

mod figures;
mod picture;
mod plan;
mod quote;
mod report;
mod shards;
mod speed;
mod stages;
mod trials;

use plan::Budget;
use trials::{Search, TrialRow};

/// Grid vs random search, coarse-to-fine and successive halving on an MLP with dropout; sharded
/// over machines with --shard and --merge.
#[derive(Parser, Debug, Clone)]
#[command(version, long_about = None, allow_negative_numbers = true)]
pub struct Args {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Repetitions of every search, each from its own search seed (1 to 100) [default: 4, or 2 with --quick].
    #[arg(long, value_parser = nnlab::report::cli::count(100))]
    pub searches: Option<usize>,
    /// Trials of the random search; coarse-to-fine and successive halving spend the same compute
    /// (1 to 10000) [default: 81, or 16 with --quick].
    #[arg(long, value_parser = nnlab::report::cli::count(10_000))]
    pub trials: Option<usize>,
    /// Epochs of each grid, random and coarse-to-fine trial (1 to 100) [default: 2, or 1 with --quick].
    #[arg(long, value_parser = nnlab::report::cli::count(100))]
    pub epochs: Option<usize>,
    /// Values per axis of each grid, comma-separated (g values per axis: g^4 trials)
    /// [default: 2,3, or 2 with --quick].
    #[arg(long, value_delimiter = ',')]
    pub grids: Vec<usize>,
    /// Coarse-to-fine: trials of the coarse stage (the random search's first ones)
    /// (1 to 10000) [default: half the trials, rounded up].
    #[arg(long, value_parser = nnlab::report::cli::count(10_000))]
    pub coarse: Option<usize>,
    /// Coarse-to-fine: the best coarse trials whose box the fine stage searches (1 to 1000).
    #[arg(long, default_value_t = 5, value_parser = nnlab::report::cli::count(1_000))]
    pub keep_best: usize,
    /// Successive halving: keep the best 1/eta of each rung, give them eta times the epochs (1 to 100).
    #[arg(long, default_value_t = 3, value_parser = nnlab::report::cli::count(100))]
    pub eta: usize,
    /// Successive halving: epochs of the last rung (1 to 1000) [default: 9, or 3 with --quick].
    #[arg(long, value_parser = nnlab::report::cli::count(1_000))]
    pub halving_max: Option<usize>,
    /// Training images of every trial (the first N; 1 to 60000) [default: 10000, or 1000 with --quick].
    #[arg(long, value_parser = nnlab::report::cli::count(60_000))]
    pub train: Option<usize>,
    #[command(flatten)]
    pub validation: crate::flags::Validation,
    /// Mini-batch size (1 to 60000).
    #[arg(long, default_value_t = 128, value_parser = nnlab::report::cli::count(60_000))]
    pub batch_size: usize,
    /// How trials use the cores: `trials` (one per thread, side by side) or `inside` (one at a
    /// time on every thread); the results are the same.
    #[arg(long, value_enum, default_value_t = speed::Parallel::Trials)]
    pub parallel: speed::Parallel,
    /// Trials of the speed measurement (1 to 100) [default: 8, or 2 with --quick].
    #[arg(long, value_parser = nnlab::report::cli::count(100))]
    pub speed_trials: Option<usize>,
    /// Rounds of the speed measurement (its three ways alternate in each; 1 to 100) [default: 3, or 1
    /// with --quick].
    #[arg(long, value_parser = nnlab::report::cli::count(100))]
    pub speed_rounds: Option<usize>,
    /// Random searches of 9 trials compared with the 3x3 grid in the picture (1 to 10000000).
    #[arg(long, default_value_t = 10_000, value_parser = nnlab::report::cli::count(10_000_000))]
    pub layout_searches: usize,
    /// Run only shard i of n of the independent trials (1 <= i <= n) and write
    /// `trials.part-i-of-n.csv`; afterwards `--merge` with the same flags finishes the search.
    #[arg(long, value_name = "i/n", conflicts_with = "merge")]
    pub shard: Option<String>,
    /// Merge the part files in the output folder (all n of one --shard i/n run) instead of running
    /// the independent trials, then run everything else.
    #[arg(long)]
    pub merge: bool,
}

/// The results folder, and the wall time of the default runs on 2 cores (see [`Expected`]).
pub const EXPECTED: Expected = Expected::new("search", 390, 4);

pub fn run(args: Args) -> anyhow::Result<()> {
    let quick = args.common.quick;
    let trials_n = args.trials.unwrap_or(if quick { 16 } else { 81 });
    let epochs = args.epochs.unwrap_or(if quick { 1 } else { 2 });
    let grids = if args.grids.is_empty() {
        if quick { vec![2] } else { vec![2, 3] }
    } else {
        args.grids.clone()
    };
    let halving_max = args.halving_max.unwrap_or(if quick { 3 } else { 9 });
    let n_train = args.train.unwrap_or(if quick { 1_000 } else { 10_000 });
    let speed_trials = args.speed_trials.unwrap_or(if quick { 2 } else { 8 });
    let speed_rounds = args.speed_rounds.unwrap_or(if quick { 1 } else { 3 });
    let searches = args.searches.unwrap_or(if quick { 2 } else { 4 });
    let coarse = args.coarse.unwrap_or(trials_n.div_ceil(2));
    // Every count is at least 1: the flags' parsers bound them (see `count`).
    anyhow::ensure!(
        grids.iter().all(|&g| (1..=6).contains(&g)),
        "--grids takes values per axis from 1 to 6 (6^4 = 1296 trials), got {grids:?}"
    );
    anyhow::ensure!(
        coarse < trials_n,
        "--coarse {coarse} leaves no fine trials of --trials {trials_n}"
    );
    anyhow::ensure!(args.eta >= 2, "--eta must be at least 2, got {}", args.eta);
    let shard: Option<Shard> = args.shard.as_deref().map(str::parse).transpose()?;
    // ANCHOR: equal_compute
    // Successive halving gets the random search's compute: every rung costs the same (1/eta of
    // the trials on eta times the epochs), so the first rung has compute / rungs trials.
    let rungs = halving_plan(usize::MAX, args.eta, 1, halving_max).len();
    let first = (trials_n * epochs / rungs).max(1);
    let halving = halving_plan(first, args.eta, 1, halving_max);
    // ANCHOR_END: equal_compute
    distinct_list("--grids", &grids, 6)?;
    let budget = Budget {
        searches,
        trials: trials_n,
        epochs,
        grids,
        coarse,
        keep_best: args.keep_best,
        halving,
    };
    let work = budget.work(
        quick,
        (n_train, args.batch_size),
        (speed_trials, speed_rounds),
        args.layout_searches,
    );
    let run = RunContext::start(&args.common, EXPECTED.scaled(work, quick)?)?;
    let data = run.load_fashion_mnist()?;
    let n_val = args.validation.rows(quick);
    let d = run.prepare(&data, n_val, Some(n_train), quick.then_some(1_000))?;
    let split = Split::of(&d);
    if run.check_only_training("the search's MLPs", &d) {
        return Ok(());
    }
    let search = Search {
        split: &split,
        space: trials::space(),
        batch_size: args.batch_size,
        base_seed: args.common.seed,
    };
    let jobs = plan::independent_trials(&search.space, &budget, args.common.seed);
    let workers = args.parallel.workers(run.threads);
    let out_dir = args.common.out_dir(EXPECTED.experiment);
    let files = &data.files;
    let settings = shards::settings(args.common.seed, args.batch_size, &budget, &d, files);
    let is_part = |n: &str| n.starts_with("trials.part-");

    // A shard runs its slice of the independent trials and stops.
    if let Some(shard) = shard {
        let mine: Vec<_> = jobs
            .iter()
            .filter(|j| shard.contains(j.id))
            .cloned()
            .collect();
        eprintln!(
            "shard {shard}: {} of the {} independent trials",
            mine.len(),
            jobs.len()
        );
        // The folder keeps the other shards' parts, and only them.
        let out = run.results_dir_keeping(&is_part)?;
        let rows = search.run_all(&mine, workers, &format!("shard {shard}"));
        let outputs = [
            out.write_csv(&shard.part_name("trials.csv"), rows)?,
            out.write_json(&shards::settings_name(&shard), &settings)?,
        ];
        let hyperparameters =
            serde_json::json!({ "shard": shard.to_string(), "settings": settings });
        let data_info =
            DataInfo::fashion_mnist(&data, d.y_train.len(), d.y_val.len(), d.y_test.len());
        run.finish(out, hyperparameters, Some(data_info), &outputs)?;
        eprintln!("when every shard is done: exp_search --merge (same flags)");
        return Ok(());
    }
    // A merge reads and checks every part before anything is written.
    let merged = if args.merge {
        Some(shards::read_parts(&out_dir, &jobs, &settings)?)
    } else {
        None
    };
    // A merge keeps the parts it merged; a run of its own replaces them.
    let out = run.results_dir_keeping(&|n| args.merge && is_part(n))?;
    let (layout, mut outputs) = picture::run(args.common.seed, args.layout_searches, &out)?;
    let independent = match merged {
        Some(rows) => rows,
        None => search.run_all(&jobs, workers, &format!("{} trials", jobs.len())),
    };
    let (dependent, rungs) = stages::run(&independent, &budget, &search, workers);
    let projection = speed::projection(&independent, &dependent, run.threads);
    let all: Vec<TrialRow> = independent.into_iter().chain(dependent).collect();
    outputs.push(out.write_csv("trials.csv", &all)?);

    let test_split = Split::of(&d).with_test(&d);
    let (found, figures) = report::run(
        &all,
        &rungs,
        &budget,
        &search,
        &test_split,
        run.threads,
        &out,
    )?;
    outputs.extend(figures);
    let mut numbers = run.numbers();
    quote::methods(&mut numbers, &found.methods, &found.random_curves);
    quote::halving(&mut numbers, &rungs);
    quote::picture(&mut numbers, &layout);
    quote::budget(&mut numbers, &budget, found.final_epochs);
    quote::projection(&mut numbers, &projection);
    numbers
        .value("train_images", thousands(d.y_train.len()))
        .value("val_images", thousands(d.y_val.len()))
        .value("test_images", thousands(d.y_test.len()))
        .value("independent_trials", thousands(jobs.len()))
        .value("all_trials", thousands(all.len()));
    outputs.extend(speed::write_projection(&projection, &out)?);
    let speed_jobs: Vec<_> = jobs
        .iter()
        .filter(|j| j.method == trials::Method::Random)
        .take(speed_trials)
        .cloned()
        .collect();
    let (measured, speed_files) = speed::measure(&search, &speed_jobs, speed_rounds, &out)?;
    outputs.extend(speed_files);
    nnlab::report::numbers::quote_ways(&mut numbers, &measured);
    outputs.push(run.write_numbers(&out, numbers)?);

    let hyperparameters = serde_json::json!({
        "network": "784-hidden-10 MLP, ReLU, inverted dropout after the hidden layer, He init, softmax with L2, Adam, f32",
        "space": search.space,
        "budget": budget,
        "batch_size": args.batch_size,
        "train_images": d.y_train.len(),
        "parallel": args.parallel,
        "merged_from_shards": args.merge,
        "coarse_to_fine_margin": stages::NARROW_MARGIN,
        "results": {
            "layout": layout,
            "methods": found,
            "speed": measured,
            "projection": projection,
        },
    });
    let data_info = DataInfo::fashion_mnist(&data, d.y_train.len(), d.y_val.len(), d.y_test.len());
    run.finish(out, hyperparameters, Some(data_info), &outputs)?;
    Ok(())
}

/// The binary `exp_search`: parses the flags and runs.
pub fn main() {
    run_main(|| run(parse()?));
}
