//! Ensembles from the trained members: test accuracy against ensemble size for each way of
//! getting members, with its spread and its training cost.

use std::path::PathBuf;

use ndarray::Array2;
use nnlab::procedures::ensemble::{accuracy_of, running_average_errors, subset_accuracies};
use nnlab::procedures::metrics::mean_and_range;
use nnlab::report::numbers::Numbers;
use nnlab::report::plot::{Figure, LineChart, Series};
use nnlab::report::results::{ResultsDir, markdown_table};
use serde::Serialize;

use super::members::Trained;

/// A row of `ensembles.csv`: one method at one ensemble size.
#[derive(Clone, Debug, Serialize)]
pub struct EnsembleRow {
    pub method: &'static str,
    pub size: usize,
    /// Epochs of training behind one ensemble (all members, or the whole search).
    pub epochs_spent: usize,
    /// Ensembles measured (subsets or runs) for the mean and range.
    pub ensembles: usize,
    pub test_mean: f64,
    pub test_min: f64,
    pub test_max: f64,
}

fn test_of(probs: &Array2<f32>, y: &[usize]) -> f64 {
    accuracy_of(probs.view(), y)
}

fn row(method: &'static str, size: usize, epochs_spent: usize, values: &[f64]) -> EnsembleRow {
    let (test_mean, test_min, test_max) = mean_and_range(values).expect("measured");
    EnsembleRow {
        method,
        size,
        epochs_spent,
        ensembles: values.len(),
        test_mean,
        test_min,
        test_max,
    }
}

/// The accuracy of the average of the last 1, 2, ... of `checkpoints` (latest first).
fn latest_first(checkpoints: &[Array2<f32>], y: &[usize]) -> Vec<f64> {
    let errors = running_average_errors(checkpoints.iter().rev().cloned(), y);
    errors.into_iter().map(|e| 1.0 - e).collect()
}

/// Each method's rows, sizes 1 to `max_size`.
pub fn ensembles(
    independent: &[Trained],
    search: &[Trained],
    snapshots: &[Trained],
    y: &[usize],
    max_size: usize,
) -> Vec<EnsembleRow> {
    let mut rows = Vec::new();
    // ANCHOR: independent
    // (a) Independent initializations: every subset of k of the runs.
    let finals: Vec<Array2<f32>> = independent.iter().map(|t| t.last().clone()).collect();
    let epochs = independent[0].member.epochs;
    for k in 1..=max_size.min(finals.len()) {
        rows.push(row(
            "independent",
            k,
            k * epochs,
            &subset_accuracies(&finals, y, k),
        ));
    }
    // ANCHOR_END: independent
    // (b) The top k of a search, ranked by validation accuracy (one ensemble per k).
    let mut ranked: Vec<&Trained> = search.iter().collect();
    let val = |t: &Trained| *t.val_accuracy.last().expect("an epoch");
    ranked.sort_by(|a, b| {
        val(b)
            .total_cmp(&val(a))
            .then(a.member.index.cmp(&b.member.index))
    });
    let search_epochs: usize = search.iter().map(|t| t.member.epochs).sum();
    let top = running_average_errors(ranked.iter().map(|t| t.last().clone()), y);
    for (k, e) in top.into_iter().enumerate().take(max_size) {
        rows.push(row("top-k of a search", k + 1, search_epochs, &[1.0 - e]));
    }
    // (c) Checkpoints of one run: its last k epochs, for each run; (d) snapshots of one run
    // with restarts.
    for (method, runs) in [("checkpoints", independent), ("snapshots", snapshots)] {
        let curves: Vec<Vec<f64>> = runs
            .iter()
            .map(|t| latest_first(&t.checkpoints, y))
            .collect();
        let epochs = runs[0].member.epochs;
        for k in 0..curves[0].len().min(max_size) {
            let at_k: Vec<f64> = curves.iter().map(|c| c[k]).collect();
            rows.push(row(method, k + 1, epochs, &at_k));
        }
    }
    // (e) Averaged parameters: one network each, at the cost of one run.
    for (method, pick) in [
        (
            "Polyak average",
            (|t: &Trained| t.polyak.as_ref()) as fn(&Trained) -> Option<&Array2<f32>>,
        ),
        ("moving average", |t: &Trained| t.ema.as_ref()),
    ] {
        let acc: Vec<f64> = independent
            .iter()
            .map(|t| test_of(pick(t).expect("averaged"), y))
            .collect();
        rows.push(row(method, 1, epochs, &acc));
    }
    rows
}

/// A row of `members.csv`: one epoch of one run.
#[derive(Serialize)]
struct MemberRow {
    kind: super::members::Kind,
    index: usize,
    learning_rate: f64,
    reg: f64,
    epoch: usize,
    val_accuracy: f64,
    test_accuracy: f64,
    /// The whole run's seconds (a timing column).
    seconds: f64,
}

/// A row of `averaged.csv`: one independent run's final network and its two averages.
#[derive(Serialize)]
struct AveragedRow {
    index: usize,
    final_test: f64,
    polyak_test: f64,
    ema_test: f64,
}

/// Writes `members.csv`, `averaged.csv`, `ensembles.csv`, `ensembles.md` and `ensemble.png`.
pub fn write(
    runs: &[&Trained],
    rows: &[EnsembleRow],
    y: &[usize],
    out: &ResultsDir,
    numbers: &mut Numbers,
) -> anyhow::Result<Vec<PathBuf>> {
    let members = runs.iter().flat_map(|t| {
        (t.checkpoints.iter().zip(&t.val_accuracy).enumerate()).map(move |(e, (probs, &val))| {
            MemberRow {
                kind: t.member.kind,
                index: t.member.index,
                learning_rate: t.member.learning_rate,
                reg: t.member.reg,
                epoch: e + 1,
                val_accuracy: val,
                test_accuracy: test_of(probs, y),
                seconds: t.seconds,
            }
        })
    });
    let mut outputs = vec![out.write_csv("members.csv", members)?];
    let independent = runs
        .iter()
        .filter(|t| t.member.kind == super::members::Kind::Independent);
    let averaged: Vec<AveragedRow> = independent
        .map(|t| AveragedRow {
            index: t.member.index,
            final_test: test_of(t.last(), y),
            polyak_test: test_of(t.polyak.as_ref().expect("averaged"), y),
            ema_test: test_of(t.ema.as_ref().expect("averaged"), y),
        })
        .collect();
    let column = |f: fn(&AveragedRow) -> f64| averaged.iter().map(f).collect::<Vec<f64>>();
    quote_averaged(
        numbers,
        &column(|r| r.final_test),
        &column(|r| r.polyak_test),
        &column(|r| r.ema_test),
    );
    outputs.push(out.write_csv("averaged.csv", &averaged)?);
    outputs.push(out.write_csv("ensembles.csv", rows)?);
    let single = rows
        .iter()
        .find(|r| r.method == "independent" && r.size == 1)
        .expect("a single model");
    let pct = |v: f64| format!("{:.2}", 100.0 * v);
    let md: Vec<Vec<String>> = (rows.iter())
        .filter(|r| matches!(r.size, 1 | 2 | 4 | 8) || is_last(rows, r))
        .map(|r| {
            vec![
                r.method.to_string(),
                r.size.to_string(),
                r.epochs_spent.to_string(),
                format!(
                    "{} ({}-{})",
                    pct(r.test_mean),
                    pct(r.test_min),
                    pct(r.test_max)
                ),
                format!("{:+.2}", 100.0 * (r.test_mean - single.test_mean)),
                r.ensembles.to_string(),
            ]
        })
        .collect();
    let header = [
        "method",
        "models",
        "training epochs",
        "test accuracy % (mean, range)",
        "gain (points)",
        "ensembles measured",
    ];
    outputs.push(out.write_text("ensembles.md", &markdown_table(&header, &md))?);
    outputs.extend(figure(rows).save(out.dir(), "ensemble")?);
    Ok(outputs)
}

/// The largest size measured of `r`'s method.
fn is_last(rows: &[EnsembleRow], r: &EnsembleRow) -> bool {
    let largest = rows
        .iter()
        .filter(|o| o.method == r.method)
        .map(|o| o.size)
        .max();
    largest == Some(r.size)
}

fn figure(rows: &[EnsembleRow]) -> Figure {
    let mut methods: Vec<&'static str> = rows.iter().map(|r| r.method).collect();
    methods.dedup();
    let mut by_size = Vec::new();
    let mut by_cost = Vec::new();
    for (i, m) in methods.iter().enumerate() {
        let mine: Vec<&EnsembleRow> = rows.iter().filter(|r| r.method == *m).collect();
        let points =
            |x: fn(&EnsembleRow) -> f64| mine.iter().map(|r| (x(r), r.test_mean)).collect();
        let band = |x: fn(&EnsembleRow) -> f64| {
            mine.iter()
                .map(|r| (x(r), r.test_min, r.test_max))
                .collect()
        };
        let size = |r: &EnsembleRow| r.size as f64;
        let cost = |r: &EnsembleRow| r.epochs_spent as f64;
        let named = |s: Series| if mine.len() == 1 { s.with_dots() } else { s };
        by_size.push(named(
            Series::new(*m, points(size))
                .colored(i)
                .with_band(band(size)),
        ));
        by_cost.push(named(Series::new(*m, points(cost)).colored(i).with_dots()));
        if mine.len() == 1 {
            let r = mine[0];
            by_size.push(Series::vertical(1.0, r.test_min, r.test_max).colored(i));
        }
    }
    let panels = vec![
        LineChart::new(
            "LeNet-5 ensembles on the test set",
            "models averaged",
            "test accuracy",
        )
        .with(by_size)
        .into(),
        LineChart::new(
            "... against the training they cost",
            "training epochs behind the prediction",
            "test accuracy",
        )
        .log_x()
        .with(by_cost)
        .into(),
    ];
    Figure::column(panels, 480)
}

/// How many of the runs' moving averages and Polyak averages beat the run's own final network.
fn quote_averaged(numbers: &mut Numbers, finals: &[f64], polyak: &[f64], ema: &[f64]) {
    let above = |avg: &[f64]| avg.iter().zip(finals).filter(|(a, f)| a > f).count();
    numbers
        .value(
            "ema_above_final",
            format!("{} of {}", above(ema), finals.len()),
        )
        .value(
            "polyak_above_final",
            format!("{} of {}", above(polyak), finals.len()),
        );
}
