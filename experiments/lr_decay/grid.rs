//! Part 3: every schedule with every rule and every seed, `--epochs` epochs each.

use std::path::PathBuf;

use nnlab::optim::Rule;
use nnlab::optim::schedule::Family;
use nnlab::procedures::metrics::mean_and_range;
use nnlab::procedures::train::{History, Split, moving_average, smoothing_window};
use nnlab::report::plot::{Figure, LineChart, RangeGroup, RangePlot, Series};
use nnlab::report::results::ResultsDir;
use serde::Serialize;

use nnlab::procedures::runs::{Job, Runs};

use super::args::{Args, Settings};
use super::runs::{Setting, epochs, job, run_and_write};
use super::speed::CoreUse;

/// One schedule with one rule over the seeds, for meta.json and the chapter.
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    pub schedule: &'static str,
    pub optimizer: &'static str,
    pub test_mean: f64,
    pub test_min: f64,
    pub test_max: f64,
    pub val_mean: f64,
    /// Mean over seeds of (this schedule's test accuracy - the constant rate's, same seed).
    pub paired_gain: Option<f64>,
    /// The smallest and largest of those per-seed differences.
    pub paired_range: Option<(f64, f64)>,
    /// Whether this schedule's worst seed beats the constant rate's best: a gain larger than the
    /// seed-to-seed spread.
    pub beats_constant_spread: Option<bool>,
}

/// What the comparison found.
pub struct Compared {
    pub outputs: Vec<PathBuf>,
    pub summary: Vec<Summary>,
    /// The rule and decaying schedule with the best mean validation accuracy.
    pub best: (Rule, f64, Family),
    /// `(schedule, rule, loss gap to the constant rate at the end)` of the loss figure's curves.
    pub loss_gap_at_end: Vec<(&'static str, &'static str, f64)>,
}

/// The (validation, test) accuracies of `family` with `rule` over the seeds, in seed order.
fn finals(jobs: &[Job<Setting>], hs: &[History], family: Family, rule: Rule) -> Vec<(f64, f64)> {
    let runs = jobs.iter().zip(hs);
    let of = runs.filter(|(j, _)| j.tag.family == family && j.tag.rule == rule);
    of.map(|(_, h)| h.final_accuracies()).collect()
}

/// The mini-batch loss of `family` minus the constant rate's at every iteration, same rule and
/// seed (so the same initial weights and batches), averaged over the seeds and smoothed over
/// `window` iterations: the batches' own noise cancels, and what is left is the schedule's
/// doing. `None` without constant-rate runs or for a run that diverged.
fn loss_gap(
    jobs: &[Job<Setting>],
    hs: &[History],
    family: Family,
    rule: Rule,
    window: usize,
) -> Option<Vec<(f64, f64)>> {
    let runs: Vec<(&Job<Setting>, &History)> = jobs
        .iter()
        .zip(hs)
        .filter(|(j, _)| j.tag.rule == rule)
        .collect();
    let of = |f: Family, seed: usize| {
        runs.iter()
            .find(|(j, _)| j.tag.family == f && j.tag.seed == seed)
    };
    let seeds: Vec<usize> = runs
        .iter()
        .filter(|(j, _)| j.tag.family == family)
        .map(|(j, _)| j.tag.seed)
        .collect();
    let mut sum: Vec<f64> = Vec::new();
    for &seed in &seeds {
        let (run, constant) = (of(family, seed)?.1, of(Family::Constant, seed)?.1);
        if run.diverged_at.is_some() || constant.diverged_at.is_some() {
            return None;
        }
        let gaps = run
            .iters
            .iter()
            .zip(&constant.iters)
            .map(|(a, b)| a.loss - b.loss);
        sum.resize(run.iters.len(), 0.0);
        sum.iter_mut()
            .zip(gaps)
            .for_each(|(s, g)| *s += g / seeds.len() as f64);
    }
    Some(moving_average(&sum, window))
}

/// Summaries of `families` with each rule (see [`Summary`]).
pub fn summarize(
    jobs: &[Job<Setting>],
    hs: &[History],
    families: &[Family],
    rules: &[Rule],
) -> Vec<Summary> {
    let mut out = Vec::new();
    for &rule in rules {
        let constant = families
            .contains(&Family::Constant)
            .then(|| finals(jobs, hs, Family::Constant, rule));
        for &family in families {
            let runs = finals(jobs, hs, family, rule);
            let test: Vec<f64> = runs.iter().map(|r| r.1).collect();
            let val: Vec<f64> = runs.iter().map(|r| r.0).collect();
            let (test_mean, test_min, test_max) = mean_and_range(&test).expect("at least one seed");
            let versus = constant.as_ref().filter(|_| family != Family::Constant);
            let diffs: Option<Vec<f64>> =
                versus.map(|c| c.iter().zip(&runs).map(|(c, r)| r.1 - c.1).collect());
            let gain = diffs
                .as_ref()
                .map(|d| d.iter().sum::<f64>() / runs.len() as f64);
            let paired_range = diffs
                .as_ref()
                .and_then(|d| mean_and_range(d))
                .map(|m| (m.1, m.2));
            let best_constant = versus.map(|c| c.iter().map(|r| r.1).fold(f64::MIN, f64::max));
            out.push(Summary {
                schedule: family.name(),
                optimizer: rule.name(),
                test_mean,
                test_min,
                test_max,
                val_mean: val.iter().sum::<f64>() / val.len() as f64,
                paired_gain: gain,
                paired_range,
                beats_constant_spread: best_constant.map(|b| test_min > b),
            });
        }
    }
    out
}

pub fn run(
    args: &Args,
    s: &Settings,
    mode: CoreUse,
    threads: usize,
    split: &Split<'_, f32>,
    out: &ResultsDir,
) -> anyhow::Result<Compared> {
    let base = args.common.seed;
    let mut jobs = Vec::new();
    for &family in &args.schedules {
        for &(rule, learning_rate) in &s.rules {
            for seed in 0..args.seeds {
                let epochs = s.epochs;
                let setting = Setting { family, rule, seed };
                jobs.push(job(
                    base,
                    args.reg,
                    s.stretch,
                    setting,
                    learning_rate,
                    epochs,
                ));
            }
        }
    }
    let runs = Runs {
        split,
        batch_size: args.batch_size,
        train_eval_rows: 0,
        workers: mode.workers(threads),
    };
    let what = format!("{} runs", jobs.len());
    let (hs, written) = run_and_write(&runs, &jobs, &what, "decay.csv", out)?;
    let mut outputs = vec![written];
    let rules: Vec<Rule> = s.rules.iter().map(|r| r.0).collect();
    let summary = summarize(&jobs, &hs, &args.schedules, &rules);
    for r in &summary {
        eprintln!(
            "{:>14} {:>9}: test {:.4} (runs {:.4}-{:.4}), validation {:.4}",
            r.schedule, r.optimizer, r.test_mean, r.test_min, r.test_max, r.val_mean
        );
    }

    // Test accuracy per schedule: the runs, their mean and range.
    let groups = s.rules.iter().map(|&(rule, lr)| RangeGroup {
        name: format!("{} (initial rate {lr})", rule.label()),
        values: (args.schedules.iter())
            .map(|&f| {
                finals(&jobs, &hs, f, rule)
                    .iter()
                    .map(|r| r.1)
                    .filter(|v| v.is_finite())
                    .collect()
            })
            .collect(),
    });
    let plot = RangePlot {
        title: format!(
            "Test accuracy after {} ({} seeds: runs, mean, range)",
            epochs(s.epochs),
            args.seeds
        ),
        x_label: "test accuracy".into(),
        categories: args
            .schedules
            .iter()
            .map(|f| f.label().to_string())
            .collect(),
        groups: groups.collect(),
    };
    let height = 130 + 55 * args.schedules.len() as u32;
    outputs.extend(Figure::column(vec![plot.into()], height).save(out.dir(), "accuracy")?);

    // Training loss against the constant rate's, one panel per rule.
    let mut loss_gap_at_end = Vec::new();
    let per_epoch = split.iterations(1, args.batch_size) as f64;
    let window = smoothing_window(split.iterations(s.epochs, args.batch_size));
    let panels = rules.iter().map(|&rule| {
        // Warmup starts far above the constant rate's loss (see `long.png` for what it buys);
        // on the same axis it would flatten the decays' differences to a line.
        let decays = (args.schedules.iter().enumerate())
            .filter(|(_, f)| !matches!(f, Family::WarmupCosine | Family::OneCycle));
        let series = decays.filter_map(|(color, &family)| {
            let gap = loss_gap(&jobs, &hs, family, rule, window)?;
            if let Some(&(_, end)) = gap.last() {
                loss_gap_at_end.push((family.name(), rule.name(), end));
            }
            let points = gap.into_iter().map(|(i, l)| (i / per_epoch, l));
            Some(Series::new(family.label(), points.collect()).colored(color))
        });
        let title = format!("{}: loss minus constant rate's (no warmup)", rule.label());
        let x_label = format!("epoch (moving average of {window} iterations)");
        LineChart::new(title, x_label, "training loss difference")
            .with(series.collect())
            .into()
    });
    let figure = if rules.len() == 1 {
        Figure::column(panels.collect(), 520)
    } else {
        Figure::pair(panels.collect(), 560)
    };
    outputs.extend(figure.save(out.dir(), "loss")?);

    // The decaying schedule with the best mean validation accuracy (of any rule) goes on to the
    // long runs; the test set plays no part in the choice.
    let decaying = summary
        .iter()
        .filter(|r| r.schedule != "constant" || args.schedules.len() == 1);
    let top = decaying
        .max_by(|a, b| a.val_mean.total_cmp(&b.val_mean))
        .expect("a schedule");
    let family = *args
        .schedules
        .iter()
        .find(|f| f.name() == top.schedule)
        .expect("listed");
    let &(rule, lr) = s
        .rules
        .iter()
        .find(|r| r.0.name() == top.optimizer)
        .expect("listed");
    Ok(Compared {
        outputs,
        best: (rule, lr, family),
        summary,
        loss_gap_at_end,
    })
}
