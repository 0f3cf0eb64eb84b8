//! The wall-clock report of the hot loops (issue 20): the criterion benches' key cases, timed in
//! rounds that interleave every case at every thread count, so the ratios it reports (the mid conv
//! layer against a 1024³ GEMM, each update rule against the streaming yardstick, ...) compare
//! measurements taken seconds apart. Writes `results/bench/<date>-<commit>.json`, the Performance
//! chapter's table (`performance.md`, from the newest report and `peers-<T>t.json`) and the
//! history figure across every committed report. A report, not a gate: CI gates on instruction
//! counts (`benches/instructions/`).
//!
//! ```text
//!     cargo run --release --bin bench_report               # about 3 minutes; a new report
//!     cargo run --release --bin bench_report -- --table    # only the table and the figure
//!     cargo run --release --bin bench_report -- --quick    # seconds, into target/quick/bench/
//! ```

use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;
use nnlab::report::cli::{CommonArgs, Expected, RunContext, parse, progress, run_main};
use nnlab::report::perf::{
    CaseTime, Machine, Ratio, Report, Spread, performance_table, rate_ratios,
};
use nnlab::report::plot::{Figure, LineChart, Series};
use nnlab::report::results::ResultsDir;
use nnlab::runtime::parallel::keep_warm;
use nnlab::runtime::timing::fastest;

mod cases;

/// Times the hot loops against their machine limits and writes a report to results/bench/.
#[derive(Parser, Debug, Clone)]
#[command(version, long_about = None, allow_negative_numbers = true)]
pub struct Args {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Rounds; every round times every case once at every thread count (1 to 100) [default: 5, or
    /// 1 with --quick].
    #[arg(long, value_parser = nnlab::report::cli::count(100))]
    pub rounds: Option<usize>,
    /// Thread counts to measure, comma-separated (the peers' files exist for 1 and 2).
    #[arg(long, value_delimiter = ',', default_value = "1,2")]
    pub thread_counts: Vec<usize>,
    /// Measure nothing: rewrite performance.md and history.png from the reports and peers' files
    /// already in the output folder (after a new peers run, say).
    #[arg(long)]
    pub table: bool,
}

pub const EXPECTED: Expected = Expected::new("bench", 180, 8);

fn main() {
    run_main(|| run(parse()?));
}

fn run(args: Args) -> anyhow::Result<()> {
    let rounds = args.rounds.unwrap_or(if args.common.quick { 1 } else { 5 });
    // Every count is at least 1: the flags' parsers bound them (see `count`).
    nnlab::report::cli::distinct_list("--thread-counts", &args.thread_counts, 8)?;
    let mut counts = args.thread_counts.clone();
    counts.sort_unstable();
    counts.dedup();
    if counts.contains(&0) || counts.is_empty() {
        anyhow::bail!("--thread-counts must list thread counts of at least 1");
    }
    anyhow::ensure!(
        counts.iter().all(|&t| t <= 1_024),
        "--thread-counts takes thread counts up to 1024, got {counts:?}"
    );
    let work = nnlab::report::cli::work_factor(&[
        (rounds, if args.common.quick { 1 } else { 5 }, 1.0),
        (counts.len(), 2, 1.0),
    ]);
    let ctx = RunContext::start(&args.common, EXPECTED.scaled(work, args.common.quick)?)?;
    if args.table {
        if ctx.check_only("rewrite performance.md and history.png") {
            return Ok(());
        }
        // The reports and meta.json stay; the files drawn from them are drawn again.
        let drawn =
            |n: &str| n == "performance.md" || n == "numbers.md" || n.starts_with("history.");
        let out = ctx.results_dir_keeping(&|n| !drawn(n))?;
        write_table_and_history(&out)?;
        out.commit()?;
        return Ok(());
    }
    let data = ctx.load_fashion_mnist()?;
    let quick = args.common.quick;
    let d = ctx.prepare_fixed(&data, 100, quick.then_some(2_000), Some(100))?;
    if ctx.check_only(&format!("time {} rounds at {counts:?} threads", rounds)) {
        return Ok(());
    }
    // The code measured is the code built: its provenance from before the run, which editing the
    // tree during a three-minute run must not change.
    let provenance = nnlab::report::results::provenance();
    // Every report so far stays (the history), and the peers' files the harness wrote.
    let out = ctx.results_dir_keeping(&|n| n.ends_with(".json") && n != "meta.json")?;
    let x64 = d.x_train.mapv(f64::from);
    let sizes = cases::Sizes::new(quick);
    let pools: Vec<_> = counts
        .iter()
        .map(|&t| rayon::ThreadPoolBuilder::new().num_threads(t).build())
        .collect::<Result<_, _>>()?;
    let mut sets: Vec<_> = pools
        .iter()
        .zip(&counts)
        .map(|(pool, &t)| pool.install(|| cases::all(&sizes, t, &d, &x64, args.common.seed)))
        .collect();
    let per_round: usize = sets.iter().map(Vec::len).sum();
    let bar = progress((rounds * per_round) as u64, "timing");
    // seconds[set][case][round]
    let mut seconds: Vec<Vec<Vec<f64>>> = sets.iter().map(|s| vec![vec![]; s.len()]).collect();
    let floor = if quick { 0.0 } else { 0.05 };
    for _ in 0..rounds {
        for ((set, pool), secs) in sets.iter_mut().zip(&pools).zip(&mut seconds) {
            for (case, secs) in set.iter_mut().zip(secs.iter_mut()) {
                let call = &mut case.call;
                secs.push(pool.install(|| keep_warm(|| fastest(3, floor, 200, call))));
                bar.inc(1);
            }
        }
    }
    bar.finish_and_clear();
    let mut report = Report {
        date: utc_now()?,
        commit: provenance.as_ref().map(|p| p.commit.clone()),
        modified: provenance.as_ref().is_some_and(|p| p.modified),
        machine: Machine::current(),
        rounds,
        cases: Vec::new(),
        ratios: Vec::new(),
    };
    for ((set, secs), &threads) in sets.iter().zip(&seconds).zip(&counts) {
        let n_train = d.y_train.len();
        report
            .ratios
            .extend(ratios(set, secs, threads, n_train, sizes.lenet_batch));
        for (case, s) in set.iter().zip(secs) {
            report.cases.push(CaseTime {
                case: case.name.clone(),
                threads,
                work: case.work,
                unit: case.unit.into(),
                seconds: Spread::of(s).expect("at least one round"),
            });
        }
    }
    let short = report
        .commit
        .as_deref()
        .map_or("nogit", |c| &c[..c.len().min(8)]);
    let name = format!("{}-{short}.json", &report.date[..10]);
    let mut outputs = vec![out.write_json(&name, &report)?];
    outputs.extend(write_table_and_history(&out)?);
    let settings = serde_json::json!({ "rounds": rounds, "thread_counts": counts });
    ctx.finish(out, settings, None, &outputs)?;
    Ok(())
}

/// The same-run ratios of one thread count's cases (rounds paired by index).
fn ratios(
    set: &[cases::Case],
    secs: &[Vec<f64>],
    threads: usize,
    n_train: usize,
    batch: usize,
) -> Vec<Ratio> {
    let find = |name: &str| set.iter().position(|c| c.name == name).expect("a case");
    let rate_of = |a: &str, b: &str| {
        let (i, j) = (find(a), find(b));
        let (wa, wb) = (set[i].work.expect("work"), set[j].work.expect("work"));
        rate_ratios(wa, &secs[i], wb, &secs[j])
    };
    let mut out = Vec::new();
    let mut push = |name: String, what: &str, values: Vec<f64>| {
        let value = Spread::of(&values).expect("at least one round");
        out.push(Ratio {
            name,
            threads,
            what: what.into(),
            value,
        });
    };
    // The compute-bound cases against the FMA peak of their precision (softmax regression is f64).
    for case in ["gemm_1024", "conv_c1", "conv_c3", "conv_mid", "lenet_step"] {
        push(
            format!("{case}/fma"),
            "the FMA peak's FLOP/s",
            rate_of(case, "fma_f32"),
        );
    }
    push(
        "softmax_eval/fma".into(),
        "the FMA peak's FLOP/s",
        rate_of("softmax_eval", "fma_f64"),
    );
    for conv in ["conv_c1", "conv_c3", "conv_mid"] {
        push(
            format!("{conv}/gemm"),
            "GEMM's FLOP/s",
            rate_of(conv, "gemm_1024"),
        );
    }
    for rule in [
        "sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "dropout",
    ] {
        push(
            format!("{rule}/stream"),
            "the yardstick's bytes/s",
            rate_of(rule, "stream"),
        );
    }
    // An epoch against its bare steps: the share of the epoch that is training steps.
    let steps = n_train.div_ceil(batch) as f64;
    let (e, s) = (find("lenet_epoch"), find("lenet_step"));
    let share = secs[e]
        .iter()
        .zip(&secs[s])
        .map(|(e, s)| steps * s / e)
        .collect();
    push("lenet_epoch/steps".into(), "bare steps' rate", share);
    out
}

/// Rewrites `performance.md` (newest report + peers' files) and `history.png` (every report).
fn write_table_and_history(out: &ResultsDir) -> anyhow::Result<Vec<PathBuf>> {
    let dir = out.dir();
    let reports = nnlab::report::perf::read_reports(dir)?;
    let newest = reports
        .last()
        .with_context(|| format!("no report in {}", dir.display()))?;
    let peers = nnlab::report::perf::read_peers(dir)?;
    let table = performance_table(newest, &peers);
    let mut written = vec![
        out.write_text("performance.md", &table)?,
        nnlab::report::perf::performance_numbers(newest, &peers).write(out)?,
    ];
    let panels = [1, 2].map(|threads| {
        let series = [
            "conv_mid/gemm",
            "conv_c3/gemm",
            "conv_c1/gemm",
            "adam/stream",
            "dropout/stream",
        ]
        .iter()
        .map(|name| {
            let points = reports
                .iter()
                .enumerate()
                .filter_map(|(i, r)| Some((i as f64 + 1.0, r.ratio(name, threads)?.value.median)));
            Series::new(*name, points.collect()).with_dots()
        });
        let title = format!("same-run ratios, {threads} thread(s)");
        LineChart::new(title, "report (oldest = 1)", "ratio to the machine limit")
            .x_range(0.0, reports.len() as f64 + 1.0)
            .with(series.collect())
            .into()
    });
    written.extend(Figure::pair(panels.into(), 420).save(out.dir(), "history")?);
    Ok(written)
}

/// `YYYY-MM-DDTHH:MM:SSZ` from the system clock (civil-from-days, proleptic Gregorian).
fn utc_now() -> anyhow::Result<String> {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let (h, m, s) = (rem / 3_600, rem % 3_600 / 60, rem % 60);
    Ok(format!(
        "{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}Z"
    ))
}
