//! Part 4: test and training error against the keep probability p for the fixed network
//! (Srivastava et al.'s Fig. 9a).

use anyhow::Context;
use std::path::PathBuf;

use nnlab::nn::network::Sequential;
use nnlab::procedures::train::{History, mean_final};
use nnlab::report::plot::{Figure, LineChart, Series};
use nnlab::report::results::ResultsDir;
use serde::Serialize;

use nnlab::procedures::runs::Job;

use super::args::{Args, Settings};
use super::runs::{Setting, rows};

/// One keep probability over its seeds.
#[derive(Clone, Debug, Serialize)]
pub struct Point {
    pub keep: f64,
    pub test_error: f64,
    pub val_error: f64,
    /// On the first training images, with dropout off.
    pub train_error: f64,
}

#[derive(Serialize)]
pub struct Summary {
    pub hidden: usize,
    pub train_images: usize,
    pub epochs: usize,
    pub points: Vec<Point>,
    /// The keep probability with the lowest mean validation error, and its test error.
    pub best_keep: f64,
    pub best_test_error: f64,
}

pub struct Sweep {
    pub outputs: Vec<PathBuf>,
    pub summary: Summary,
}

pub fn run(
    args: &Args,
    s: &Settings,
    jobs: &[Job<Setting>],
    trained: &[(History, Sequential<f32>)],
    train_images: usize,
    out: &ResultsDir,
) -> anyhow::Result<Sweep> {
    let runs = || jobs.iter().zip(trained).map(|(j, (h, _))| (j, h));
    let all = runs().flat_map(|(j, h)| rows(j, h, train_images));
    let mut outputs = vec![out.write_csv("sweep.csv", all)?];
    let points: Vec<Point> = (args.sweep.iter())
        .map(|&p| {
            let at: Vec<&History> = runs().filter(|(j, _)| j.tag.p == p).map(|r| r.1).collect();
            let tests = at.iter().map(|h| h.final_accuracies().1);
            let diverged = at.iter().any(|h| h.diverged_at.is_some());
            let nan_if_diverged = |e: f64| if diverged { f64::NAN } else { e };
            Point {
                keep: p,
                test_error: 1.0 - tests.sum::<f64>() / at.len() as f64,
                val_error: nan_if_diverged(1.0 - mean_final(&at, |e| e.val_accuracy)),
                train_error: 1.0 - mean_final(&at, |e| e.train_accuracy),
            }
        })
        .collect();
    // A keep probability with a diverged run has no error (NaN): the best is among the rest.
    let best = (points.iter())
        .filter(|p| p.val_error.is_finite())
        .min_by(|a, b| a.val_error.total_cmp(&b.val_error))
        .context(
            "every keep probability of --sweep has a run that diverged: lower --learning-rate",
        )?;
    eprintln!(
        "sweep: best keep p {} on validation, test error {:.4}",
        best.keep, best.test_error
    );
    let curve = |f: fn(&Point) -> f64| points.iter().map(|p| (p.keep, f(p))).collect::<Vec<_>>();
    let title = format!(
        "Keep probability p, 784-{h}-{h}-10, {n} images x {} epoch{} ({} seed{})",
        s.sweep_epochs,
        if s.sweep_epochs == 1 { "" } else { "s" },
        args.sweep_seeds,
        if args.sweep_seeds == 1 { "" } else { "s, mean" },
        h = s.sweep_hidden,
        n = train_images
    );
    let chart = LineChart::new(title, "keep probability p", "error").with(vec![
        Series::new("test error", curve(|p| p.test_error)),
        Series::new("training error (prediction mode)", curve(|p| p.train_error)),
    ]);
    outputs.extend(Figure::column(vec![chart.into()], 420).save(out.dir(), "sweep")?);
    let summary = Summary {
        hidden: s.sweep_hidden,
        train_images,
        epochs: s.sweep_epochs,
        best_keep: best.keep,
        best_test_error: best.test_error,
        points,
    };
    Ok(Sweep { outputs, summary })
}
