//! Part 3: every schedule with every rule and every seed, `--epochs` epochs each.

use std::path::PathBuf;

use nnlab::optim::Rule;
use nnlab::optim::schedule::Family;
use nnlab::plot::{Figure, LineChart, RangeGroup, RangePlot, Series, mean_and_range};
use nnlab::results::ResultsDir;
use nnlab::train::{History, Split, smoothing_window};
use serde::Serialize;

use super::runs::{Job, Runner, epochs, final_accuracies, rows};
use super::speed::Mode;
use super::{Args, Settings};

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
}

/// The (validation, test) accuracies of `family` with `rule` over the seeds, in seed order.
fn finals(jobs: &[Job], hs: &[History], family: Family, rule: Rule) -> Vec<(f64, f64)> {
    let runs = jobs.iter().zip(hs);
    let of = runs.filter(|(j, _)| j.family == family && j.rule == rule);
    of.map(|(_, h)| final_accuracies(h)).collect()
}

/// Summaries of `families` with each rule (see [`Summary`]).
pub fn summarize(
    jobs: &[Job],
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
            let gain = versus.map(|c| {
                let diffs = c.iter().zip(&runs).map(|(c, r)| r.1 - c.1);
                diffs.sum::<f64>() / runs.len() as f64
            });
            let best_constant = versus.map(|c| c.iter().map(|r| r.1).fold(f64::MIN, f64::max));
            out.push(Summary {
                schedule: family.name(),
                optimizer: rule.name(),
                test_mean,
                test_min,
                test_max,
                val_mean: val.iter().sum::<f64>() / val.len() as f64,
                paired_gain: gain,
                beats_constant_spread: best_constant.map(|b| test_min > b),
            });
        }
    }
    out
}

pub fn run(
    args: &Args,
    s: &Settings,
    mode: Mode,
    threads: usize,
    split: &Split<'_, f32>,
    out: &ResultsDir,
) -> anyhow::Result<Compared> {
    let mut jobs = Vec::new();
    for &family in &args.schedules {
        for &(rule, learning_rate) in &s.rules {
            for seed in 0..args.seeds {
                let epochs = s.epochs;
                jobs.push(Job {
                    family,
                    rule,
                    learning_rate,
                    seed,
                    epochs,
                });
            }
        }
    }
    let runner = Runner {
        split,
        stretch: s.stretch,
        batch_size: args.batch_size,
        reg: args.reg,
        base_seed: args.common.seed,
        mode,
        threads,
    };
    let hs = runner.run_all(&jobs, &format!("{} runs", jobs.len()));
    let mut outputs = vec![out.write_csv(
        "decay.csv",
        jobs.iter().zip(&hs).flat_map(|(j, h)| rows(j, h)),
    )?];
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

    // Training loss of seed 0, one panel per rule.
    let per_epoch = split.iterations(1, args.batch_size) as f64;
    let window = smoothing_window(split.iterations(s.epochs, args.batch_size));
    let panels = rules.iter().map(|&rule| {
        let seed0 = jobs
            .iter()
            .zip(&hs)
            .filter(|(j, _)| j.rule == rule && j.seed == 0);
        let series = seed0.map(|(j, h)| {
            let points = h
                .smoothed_loss(window)
                .into_iter()
                .map(|(i, l)| (i / per_epoch, l));
            let color = args
                .schedules
                .iter()
                .position(|&f| f == j.family)
                .unwrap_or(0);
            Series::new(j.family.label(), points.collect()).colored(color)
        });
        let title = format!("{}: training loss (seed 0)", rule.label());
        let x_label = format!("epoch (moving average of {window} iterations)");
        LineChart::new(title, x_label, "loss")
            .log_y()
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
    })
}
