//! Part 4: the comparison's best rule and decaying schedule against that rule's constant rate over
//! the longer run.

use std::path::PathBuf;

use nnlab::optim::Rule;
use nnlab::optim::schedule::Family;
use nnlab::procedures::metrics::mean_and_range;
use nnlab::procedures::train::{History, Split, mean_curve};
use nnlab::report::plot::{Figure, LineChart, Series};
use nnlab::report::results::ResultsDir;
use serde::Serialize;

use nnlab::procedures::runs::{Job, Runs};

use super::args::{Args, Settings};
use super::runs::{Setting, job, run_and_write};
use super::speed::CoreUse;

/// The accuracy the issue asks the best schedule to reach within 15 epochs.
pub const TARGET: f64 = 0.91;

/// One schedule's long runs.
#[derive(Clone, Debug, Serialize)]
pub struct LongSummary {
    pub schedule: &'static str,
    pub optimizer: &'static str,
    pub epochs: usize,
    pub test_mean: f64,
    pub test_min: f64,
    pub test_max: f64,
    /// The first epoch whose mean test accuracy over the seeds reached [`TARGET`].
    pub target_reached_at: Option<usize>,
    /// Mean training seconds per run.
    pub seconds_per_run: f64,
    /// The mean test accuracy over the seeds after each epoch.
    #[serde(skip)]
    pub curve: Vec<(f64, f64)>,
}

/// What the long runs found.
pub struct Long {
    pub outputs: Vec<PathBuf>,
    pub summary: Vec<LongSummary>,
}

pub fn run(
    args: &Args,
    s: &Settings,
    mode: CoreUse,
    threads: usize,
    split: &Split<'_, f32>,
    best: (Rule, f64, Family),
    out: &ResultsDir,
) -> anyhow::Result<Long> {
    let (rule, lr, best_family) = best;
    let mut families = vec![Family::Constant, best_family];
    families.dedup();
    let base = args.common.seed;
    let jobs: Vec<Job<Setting>> = (families.iter())
        .flat_map(|&family| {
            (0..args.seeds).map(move |seed| {
                let setting = Setting { family, rule, seed };
                job(base, args.reg, s.stretch, setting, lr, s.long_epochs)
            })
        })
        .collect();
    let runs = Runs {
        split,
        batch_size: args.batch_size,
        train_eval_rows: 0,
        workers: mode.workers(threads),
    };
    let what = format!("{} long runs", jobs.len());
    let (hs, written) = run_and_write(&runs, &jobs, &what, "long.csv", out)?;
    let mut outputs = vec![written];

    let mut summary = Vec::new();
    let mut series = Vec::new();
    for family in families {
        let runs: Vec<&History> = (jobs.iter().zip(&hs))
            .filter(|(j, _)| j.tag.family == family)
            .map(|(_, h)| h)
            .collect();
        let curve = mean_curve(&runs, |e| e.test_accuracy.unwrap_or(f64::NAN));
        let last: Vec<f64> = runs.iter().map(|h| h.final_accuracies().1).collect();
        let (test_mean, test_min, test_max) = mean_and_range(&last).expect("at least one seed");
        let reached = curve.iter().find(|p| p.1 >= TARGET).map(|p| p.0 as usize);
        let seconds = runs
            .iter()
            .filter_map(|h| h.epochs.last())
            .map(|e| e.seconds);
        summary.push(LongSummary {
            schedule: family.name(),
            optimizer: rule.name(),
            epochs: s.long_epochs,
            test_mean,
            test_min,
            test_max,
            target_reached_at: reached,
            seconds_per_run: seconds.sum::<f64>() / runs.len() as f64,
            curve: curve.clone(),
        });
        let reached_at =
            reached.map_or("never reached".into(), |e| format!("reached at epoch {e}"));
        eprintln!(
            "long {:>14} {:>9}: test {test_mean:.4} (runs {test_min:.4}-{test_max:.4}) after {} epochs; {TARGET} {reached_at}",
            family.name(),
            rule.name(),
            s.long_epochs
        );
        let color = args
            .schedules
            .iter()
            .position(|&f| f == family)
            .unwrap_or(0);
        let name = format!("{} (mean of {})", family.label(), runs.len());
        series.push(Series::new(name, curve).colored(color));
    }
    let target = vec![(1.0, TARGET), (s.long_epochs as f64, TARGET)];
    series.push(Series::new(format!("target {TARGET}"), target).colored(7));
    let title = format!(
        "{} (initial rate {lr}): test accuracy, {} seeds",
        rule.label(),
        args.seeds
    );
    let chart = LineChart::new(title, "epoch", "test accuracy").with(series);
    let figure = Figure::column(vec![chart.into()], 480);
    outputs.extend(figure.save(out.dir(), "long")?);
    Ok(Long { outputs, summary })
}
