//! Part 3: Monte-Carlo averaging over sampled masks against the single pass with every unit on
//! (inverted dropout's prediction, which the slide calls weight scaling).

use std::path::PathBuf;

use nnlab::nn::network::Sequential;
use nnlab::procedures::ensemble::mc_dropout_errors;
use nnlab::procedures::train::Split;
use nnlab::report::plot::{Figure, LineChart, Series};
use nnlab::report::results::ResultsDir;
use nnlab::runtime::parallel::run_independent;
use serde::Serialize;

use super::args::{Args, Settings};

/// A row of `mc.csv`.
#[derive(Serialize)]
struct McRow {
    seed: usize,
    /// Masks averaged.
    samples: usize,
    /// Test error of the average of that many sampled predictions.
    mc_error: f64,
    /// Test error of the single pass with every unit on (the same in every row of a seed).
    scaled_error: f64,
}

/// What the averaging found.
#[derive(Serialize)]
pub struct Summary {
    pub max_samples: usize,
    /// Mean over seeds of the single pass's test error.
    pub scaled_error: f64,
    /// Mean over seeds of the Monte-Carlo error after 1 and after all samples.
    pub mc_error_one: f64,
    pub mc_error_all: f64,
    /// The fewest samples whose mean error (over seeds) is at or below the single pass's and
    /// stays there for every larger count measured; `None` if it never does.
    pub samples_to_match: Option<usize>,
    /// The same per seed.
    pub samples_to_match_per_seed: Vec<Option<usize>>,
    /// Per seed: how many of the sample counts gave an error strictly below the single pass's.
    pub counts_below_scaled: Vec<usize>,
    /// The mean error over the seeds after each number of samples.
    #[serde(skip)]
    pub mean_by_samples: Vec<f64>,
}

pub struct Averaging {
    pub outputs: Vec<PathBuf>,
    pub summary: Summary,
}

/// The first `k` (from 1) from which `errors[k - 1..]` all stay at or below `target`.
fn matched_from(errors: &[f64], target: f64) -> Option<usize> {
    let above = errors.iter().rposition(|&e| e > target);
    match above {
        None => Some(1),
        Some(i) if i + 1 < errors.len() => Some(i + 2),
        Some(_) => None,
    }
}

/// Averages `s.mc_samples` masks of each of `nets`: (seed, the test error of its single scaled
/// pass, the network).
pub fn run(
    args: &Args,
    s: &Settings,
    split: &Split<'_, f32>,
    nets: Vec<(usize, f64, &mut Sequential<f32>)>,
    threads: usize,
    out: &ResultsDir,
) -> anyhow::Result<Averaging> {
    let (x, y) = split.test.expect("the split carries the test set");
    let k = s.mc_samples;
    let work = nets
        .into_iter()
        .map(|(seed, scaled, net)| move || (seed, scaled, mc_dropout_errors(net, x, y, k)))
        .collect();
    let done: Vec<(usize, f64, Vec<f64>)> = run_independent(work, threads);
    let rows = done.iter().flat_map(|(seed, scaled, errors)| {
        errors.iter().enumerate().map(move |(i, &e)| McRow {
            seed: *seed,
            samples: i + 1,
            mc_error: e,
            scaled_error: *scaled,
        })
    });
    let mut outputs = vec![out.write_csv("mc.csv", rows)?];

    let n = done.len() as f64;
    let scaled_error = done.iter().map(|d| d.1).sum::<f64>() / n;
    let mean: Vec<f64> = (0..k)
        .map(|i| done.iter().map(|d| d.2[i]).sum::<f64>() / n)
        .collect();
    let summary = Summary {
        max_samples: k,
        scaled_error,
        mc_error_one: mean[0],
        mc_error_all: mean[k - 1],
        samples_to_match: matched_from(&mean, scaled_error),
        samples_to_match_per_seed: done.iter().map(|d| matched_from(&d.2, d.1)).collect(),
        counts_below_scaled: (done.iter())
            .map(|d| d.2.iter().filter(|&&e| e < d.1).count())
            .collect(),
        mean_by_samples: mean.clone(),
    };
    let matched = summary
        .samples_to_match
        .map_or("never matched".to_string(), |m| {
            format!("matched from {m} masks")
        });
    eprintln!(
        "Monte-Carlo: error {:.4} with 1 mask, {:.4} with {k}; single scaled pass {scaled_error:.4}; {matched}",
        summary.mc_error_one, summary.mc_error_all
    );
    let curve: Vec<(f64, f64)> = mean
        .iter()
        .enumerate()
        .map(|(i, &e)| ((i + 1) as f64, e))
        .collect();
    let line = vec![(1.0, scaled_error), (k as f64, scaled_error)];
    let title = format!(
        "Monte-Carlo averaging, keep p = {} (mean of {} networks)",
        args.keep,
        done.len()
    );
    let chart = LineChart::new(title, "masks averaged", "test error")
        .log_x()
        .with(vec![
            Series::new("average of sampled masks", curve),
            Series::new("one pass, every unit on (weight scaling)", line),
        ]);
    outputs.extend(Figure::column(vec![chart.into()], 420).save(out.dir(), "mc")?);
    Ok(Averaging { outputs, summary })
}

#[cfg(test)]
mod tests {
    use super::matched_from;

    #[test]
    fn matching_means_staying_at_or_below() {
        assert_eq!(matched_from(&[0.3, 0.2, 0.1, 0.1], 0.15), Some(3));
        assert_eq!(matched_from(&[0.3, 0.1, 0.2, 0.1], 0.15), Some(4));
        assert_eq!(matched_from(&[0.1, 0.1], 0.15), Some(1));
        assert_eq!(matched_from(&[0.1, 0.2], 0.15), None);
    }
}
