//! Several variants of one network, each trained from several seeds side by side (the recap
//! chapters' comparisons): the jobs, the curves with their spread over seeds, the per-epoch CSV
//! rows and the quoted "mean (range)" of each variant's final accuracies.

use nnlab::nn::network::Sequential;
use nnlab::optim::Rule;
use nnlab::procedures::metrics::mean_and_range;
use nnlab::procedures::runs::{Decay, Job, Model, Runs};
use nnlab::procedures::train::{EpochRecord, History, Split};
use nnlab::report::cli::{RunContext, as_flag, with_progress};
use nnlab::report::numbers::{Numbers, percent_of, percent_range};
use nnlab::report::plot::{Figure, LineChart, Series};

/// One variant of the comparison: what it is called and what it trains.
#[derive(Clone, Debug)]
pub struct Variant {
    /// The name in CSV files and the quoted values' names (letters, digits, `_`).
    pub key: String,
    /// The name in figures and tables.
    pub label: String,
    pub model: Model,
    pub rule: Rule,
    pub learning_rate: f64,
}

/// What every run of a comparison shares.
pub struct Plan<'a, 'd> {
    pub split: &'a Split<'d, f32>,
    pub batch_size: usize,
    pub epochs: usize,
    pub seeds: usize,
    pub base_seed: u64,
    /// Training rows the training accuracy is measured on after every epoch.
    pub train_eval_rows: usize,
}

impl<'a, 'd> Plan<'a, 'd> {
    fn runs(&self, threads: usize) -> Runs<'a, 'd> {
        Runs {
            split: self.split,
            batch_size: self.batch_size,
            train_eval_rows: self.train_eval_rows,
            workers: Some(threads),
        }
    }

    /// Seed `s` of every variant uses stream `s` of the base seed: the same stream draws each
    /// variant's weights (as far as their shapes agree) and batches.
    fn jobs(&self, variants: &[Variant]) -> Vec<Job<(usize, usize)>> {
        let mut jobs = Vec::new();
        for (v, variant) in variants.iter().enumerate() {
            for s in 0..self.seeds {
                jobs.push(Job {
                    tag: (v, s),
                    seed: self.base_seed,
                    stream: s as u64,
                    model: variant.model.clone(),
                    rule: variant.rule,
                    learning_rate: variant.learning_rate,
                    decay: Decay::None,
                    epochs: self.epochs,
                    train_rows: None,
                });
            }
        }
        jobs
    }

    /// Trains every variant from every seed, side by side on the run's threads, behind a progress
    /// bar named `what`; returns the histories as `[variant][seed]`.
    pub fn train(
        &self,
        run: &RunContext,
        what: &str,
        variants: &[Variant],
    ) -> anyhow::Result<Vec<Vec<History>>> {
        self.train_keeping(run, what, variants, |h, _| h)
    }

    /// [`Plan::train`] handing `keep` each run's history and trained network; returns what it keeps
    /// as `[variant][seed]`.
    pub fn train_keeping<O: Send>(
        &self,
        run: &RunContext,
        what: &str,
        variants: &[Variant],
        keep: impl Fn(History, Sequential<f32>) -> O + Sync,
    ) -> anyhow::Result<Vec<Vec<O>>> {
        let no_probe = |_: &mut Sequential<f32>| ();
        self.train_probed(run, what, variants, usize::MAX, no_probe, |h, net, _| {
            keep(h, net)
        })
    }

    /// [`Plan::train_keeping`] calling `probe` on each run's network before training and after
    /// every `every` updates ([`Runs::train_all_probed`]); `keep` gets the probes too.
    pub fn train_probed<P: Send, O: Send>(
        &self,
        run: &RunContext,
        what: &str,
        variants: &[Variant],
        every: usize,
        probe: impl Fn(&mut Sequential<f32>) -> P + Sync,
        keep: impl Fn(History, Sequential<f32>, Vec<(usize, P)>) -> O + Sync,
    ) -> anyhow::Result<Vec<Vec<O>>> {
        let runs = self.runs(run.threads);
        let jobs = self.jobs(variants);
        as_flag(runs.check(&jobs), &[])?;
        let mut flat = with_progress(runs.total_iterations(&jobs), what, |tick| {
            let probe = |_: &Job<_>, net: &mut Sequential<f32>| probe(net);
            runs.train_all_probed(&jobs, tick, every, probe, |_, h, net, p| keep(h, net, p))
        })
        .into_iter();
        Ok(variants
            .iter()
            .map(|_| flat.by_ref().take(self.seeds).collect())
            .collect())
    }

    /// Seed `seed`'s network of `variant` before training: the one [`Plan::train`] starts from.
    pub fn network(&self, variant: &Variant, seed: usize) -> anyhow::Result<Sequential<f32>> {
        let job = self.jobs(std::slice::from_ref(variant)).swap_remove(seed);
        as_flag(self.runs(1).network(&job), &[])
    }
}

/// One epoch of one run, as `epochs.csv` stores it.
#[derive(serde::Serialize)]
pub struct EpochRow {
    pub variant: String,
    pub seed: usize,
    pub epoch: usize,
    pub iter: usize,
    pub train_loss: f64,
    pub train_accuracy: f64,
    pub val_accuracy: f64,
    pub test_accuracy: Option<f64>,
}

/// Every epoch of every run of `variants`, in variant then seed order.
pub fn epoch_rows(variants: &[Variant], trained: &[Vec<History>]) -> Vec<EpochRow> {
    let mut rows = Vec::new();
    for (variant, runs) in variants.iter().zip(trained) {
        for (seed, h) in runs.iter().enumerate() {
            rows.extend(h.epochs.iter().map(|e| EpochRow {
                variant: variant.key.clone(),
                seed,
                epoch: e.epoch,
                iter: e.iter,
                train_loss: e.train_loss,
                train_accuracy: e.train_accuracy,
                val_accuracy: e.val_accuracy,
                test_accuracy: e.test_accuracy,
            }));
        }
    }
    rows
}

/// `what` after every epoch: the mean over the runs, with the lowest and highest run as a band.
/// Epochs a diverged run did not reach are left out.
pub fn spread(label: &str, runs: &[History], what: fn(&EpochRecord) -> f64) -> Series {
    let curves: Vec<Vec<(f64, f64)>> = (runs.iter())
        .map(|h| h.epochs.iter().map(|e| (e.epoch as f64, what(e))).collect())
        .collect();
    mean_band(label, &curves)
}

/// Curves sampled at the same x (one per run): their mean, with the lowest and highest run as a
/// band, as far as the shortest curve goes.
pub fn mean_band(label: &str, curves: &[Vec<(f64, f64)>]) -> Series {
    let len = curves.iter().map(Vec::len).min().unwrap_or(0);
    let (mut mean, mut band) = (Vec::new(), Vec::new());
    for i in 0..len {
        let values: Vec<f64> = curves.iter().map(|c| c[i].1).collect();
        if let Some((m, lo, hi)) = mean_and_range(&values) {
            let x = curves[0][i].0;
            mean.push((x, m));
            band.push((x, lo, hi));
        }
    }
    Series::new(label, mean).with_band(band)
}

/// The mean over runs of the smoothed mini-batch loss (window `smooth`), against the iteration.
pub fn mean_loss(label: &str, runs: &[History], smooth: usize) -> Series {
    let curves: Vec<Vec<(f64, f64)>> = runs.iter().map(|h| h.smoothed_loss(smooth)).collect();
    let len = curves.iter().map(Vec::len).min().unwrap_or(0);
    let mean = (0..len)
        .map(|i| {
            let sum: f64 = curves.iter().map(|c| c[i].1).sum();
            (curves[0][i].0, sum / curves.len() as f64)
        })
        .collect();
    Series::new(label, mean)
}

/// The first iteration at which a loss curve (e.g. [`mean_loss`]'s) is below `level`, as the prose
/// quotes it (`never` if it stays above).
pub fn first_below(curve: &Series, level: f64) -> String {
    match curve.points.iter().find(|p| p.1 < level) {
        Some(p) => nnlab::report::numbers::thousands(p.0 as usize),
        None => "never".into(),
    }
}

/// `mean% (low–high%)` of `values` with `decimals`, or `diverged` if any is not finite.
pub fn mean_range(values: &[f64], decimals: usize) -> String {
    if values.iter().any(|v| !v.is_finite()) {
        return "diverged".into();
    }
    match mean_and_range(values) {
        Some((m, lo, hi)) => format!(
            "{} ({})",
            percent_of(m, decimals),
            percent_range(lo, hi, decimals)
        ),
        None => "no runs".into(),
    }
}

/// The final validation and test accuracy of each variant's runs, as "mean (range)": the values
/// `<key>_val` and `<key>_test`, and the table `final` (variant, validation, test, training loss
/// after the last epoch).
pub fn quote_finals(numbers: &mut Numbers, variants: &[Variant], trained: &[Vec<History>]) {
    let mut rows = Vec::new();
    for (variant, runs) in variants.iter().zip(trained) {
        let finals: Vec<(f64, f64)> = runs.iter().map(History::final_accuracies).collect();
        let val: Vec<f64> = finals.iter().map(|f| f.0).collect();
        let test: Vec<f64> = finals.iter().map(|f| f.1).collect();
        let loss: Vec<f64> = (runs.iter())
            .map(|h| h.epochs.last().map_or(f64::NAN, |e| e.train_loss))
            .collect();
        let loss = match mean_and_range(&loss) {
            Some((m, lo, hi)) if m.is_finite() => format!("{m:.3} ({lo:.3}–{hi:.3})"),
            _ => "diverged".into(),
        };
        let (val, test) = (mean_range(&val, 1), mean_range(&test, 1));
        numbers
            .value(&format!("{}_val", variant.key), &val)
            .value(&format!("{}_test", variant.key), &test);
        rows.push(vec![variant.label.clone(), val, test, loss]);
    }
    let header = [
        "variant",
        "validation accuracy, mean (range)",
        "test accuracy, mean (range)",
        "training loss, last epoch",
    ];
    numbers.table("final", &header, &rows);
}

/// The comparison's report: the final accuracies ([`quote_finals`]), the iteration at which each
/// variant's mean loss first falls below 2 (`<key>_below_2`: the loss of guessing among 10 classes
/// is ln 10 = 2.30), and the figure — the mean training loss (smoothed over `smooth` iterations,
/// log scale) and the validation accuracy with its spread over seeds.
pub fn report(
    numbers: &mut Numbers,
    title: &str,
    smooth: usize,
    variants: &[Variant],
    trained: &[Vec<History>],
) -> Figure {
    quote_finals(numbers, variants, trained);
    let pairs = || variants.iter().zip(trained);
    let losses: Vec<Series> = pairs()
        .map(|(v, h)| mean_loss(&v.label, h, smooth))
        .collect();
    for (v, curve) in variants.iter().zip(&losses) {
        numbers.value(&format!("{}_below_2", v.key), first_below(curve, 2.0));
    }
    let accuracy = pairs()
        .map(|(v, h)| spread(&v.label, h, |e| e.val_accuracy))
        .collect();
    let seeds = trained.first().map_or(0, Vec::len);
    let loss_chart = LineChart::new(
        format!("{title}: training loss, mean of {seeds} seeds"),
        format!("iteration (moving average of {smooth})"),
        "training loss",
    )
    .log_y();
    let acc_chart = LineChart::new(
        "validation accuracy: mean, band from lowest to highest seed",
        "epoch",
        "accuracy",
    );
    Figure::column(
        vec![
            loss_chart.with(losses).into(),
            acc_chart.with(accuracy).into(),
        ],
        400,
    )
}
