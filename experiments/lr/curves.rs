//! Part 1: the slide's figure — loss against epoch for a very high, a high, a low and a good
//! learning rate, the same network, initialization and batches for all four.

use std::path::PathBuf;

use nnlab::data::fashion::Prepared;
use nnlab::nn::init::Init;
use nnlab::nn::network::Sequential;
use nnlab::procedures::train::{Split, TrainConfig, moving_average, smoothing_window};
use nnlab::report::cli::train_with_progress;
use nnlab::report::numbers::{Numbers, percent_of, sig3};
use nnlab::report::plot::{Figure, LineChart, MAX_WIDTH, Series, short_number};
use nnlab::report::results::ResultsDir;
use nnlab::rng::substream;
use serde::Serialize;

use super::args::{Args, Settings};

/// The slide's names for the four curves, in `--rates` order.
pub const CURVES: [&str; 4] = ["very high", "high", "low", "good"];

#[derive(Serialize)]
struct IterRow {
    curve: &'static str,
    learning_rate: f64,
    epoch: usize,
    iter: usize,
    loss: f64,
}

#[derive(Serialize)]
struct EpochRow {
    curve: &'static str,
    learning_rate: f64,
    epoch: usize,
    train_loss: f64,
    val_accuracy: f64,
    /// The iteration whose loss was not finite, if the run diverged.
    diverged_at: Option<usize>,
    /// The first iteration whose smoothed loss passed twice the starting loss (2 ln 10): the run
    /// blew up even if its numbers stayed finite.
    blew_up_at: Option<usize>,
}

/// Trains the MLP at each of the four rates; writes `curves.csv`, `epochs.csv` and `curves.png`.
pub fn run(
    args: &Args,
    s: &Settings,
    d: &Prepared<f32>,
    out: &ResultsDir,
    numbers: &mut Numbers,
) -> anyhow::Result<Vec<PathBuf>> {
    let split = Split::of(d);
    let cfg = TrainConfig {
        epochs: s.epochs,
        batch_size: args.mlp.batch_size,
        train_eval_rows: 1_000,
    };
    let per_epoch = split.iterations(1, args.mlp.batch_size) as f64;
    let smooth = smoothing_window(split.iterations(s.epochs, args.mlp.batch_size));
    // A run blows up when its smoothed loss passes twice the starting loss of 10 classes.
    let ceiling = 2.0 * 10f64.ln();
    let (mut iter_rows, mut epoch_rows, mut series) = (Vec::new(), Vec::new(), Vec::new());
    let mut table = Vec::new();
    for (curve, &lr) in CURVES.iter().zip(&args.rates) {
        let mut rng = substream(args.common.seed, 1);
        let mut net = Sequential::<f32>::fashion_mlp(args.mlp.hidden, Init::He, &mut rng);
        let mut opt = args.rule.build::<f32>(lr)?;
        let what = format!("{curve} (lr = {lr})");
        let h = train_with_progress(&what, &mut net, opt.as_mut(), &split, &cfg, &mut rng);
        // Drawn to where it stopped: the finite losses, smoothed (over fewer iterations if the
        // run was short).
        let losses = h.iters.iter().map(|r| r.loss);
        let finite: Vec<f64> = losses.take_while(|l| l.is_finite()).collect();
        let window = smooth.min(finite.len() / 4).max(1);
        let smoothed = moving_average(&finite, window);
        let blew_up_at = smoothed
            .iter()
            .find(|p| p.1 > ceiling)
            .map(|p| p.0 as usize);
        let val = h.final_val_accuracy();
        match (h.diverged_at, blew_up_at) {
            (Some(at), _) => eprintln!("{what}: diverged (loss not finite) at iteration {at}"),
            (None, Some(at)) => {
                eprintln!("{what}: blew up at iteration {at}; validation accuracy {val:.4}")
            }
            (None, None) => eprintln!("{what}: final validation accuracy {val:.4}"),
        }
        let first = h.epochs.first().map_or(f64::NAN, |e| e.train_loss);
        let last = h.epochs.last().map_or(f64::NAN, |e| e.train_loss);
        let stopped = match (h.diverged_at, blew_up_at) {
            (Some(at), _) => format!(" (diverged at iteration {at})"),
            (None, Some(at)) => format!(" (blew up at iteration {at})"),
            (None, None) => String::new(),
        };
        table.push(vec![
            curve.to_string(),
            short_number(lr),
            format!("{} → {}{stopped}", sig3(first), sig3(last)),
            percent_of(val, 1),
        ]);
        let key = curve.replace(' ', "_");
        numbers
            .value(&format!("curve_{key}_first"), sig3(first))
            .value(&format!("curve_{key}_last"), sig3(last))
            .value(&format!("curve_{key}_lr"), short_number(lr))
            .value(
                &format!("curve_{key}_blew_up_at"),
                blew_up_at.map_or("never".into(), |a| a.to_string()),
            );
        iter_rows.extend(h.iters.iter().map(|r| IterRow {
            curve,
            learning_rate: lr,
            epoch: r.epoch,
            iter: r.iter,
            loss: r.loss,
        }));
        epoch_rows.extend(h.epochs.iter().map(|e| EpochRow {
            curve,
            learning_rate: lr,
            epoch: e.epoch,
            train_loss: e.train_loss,
            val_accuracy: e.val_accuracy,
            diverged_at: h.diverged_at,
            blew_up_at,
        }));
        if h.epochs.is_empty() {
            // Diverged within the first epoch: no epoch row, so say it once.
            epoch_rows.push(EpochRow {
                curve,
                learning_rate: lr,
                epoch: 0,
                train_loss: f64::NAN,
                val_accuracy: f64::NAN,
                diverged_at: h.diverged_at,
                blew_up_at,
            });
        }
        let points = smoothed
            .into_iter()
            .map(|(i, l)| (i / per_epoch, l))
            .collect();
        let lr = short_number(lr);
        let name = match (h.diverged_at, blew_up_at) {
            (Some(at), _) => format!("{curve}: lr = {lr} (diverged at iteration {at})"),
            (None, Some(at)) => format!("{curve}: lr = {lr} (blew up at iteration {at})"),
            (None, None) => format!("{curve}: lr = {lr}"),
        };
        series.push(Series::new(name, points));
    }
    let last_epoch = format!("training loss, epoch 1 → {}", s.epochs);
    let header = [
        "curve",
        "learning rate",
        &last_epoch,
        "validation accuracy at the end",
    ];
    numbers
        .table("curves", &header, &table)
        .value("curve_epochs", s.epochs);
    let mut outputs = vec![out.write_csv("curves.csv", iter_rows)?];
    outputs.push(out.write_csv("epochs.csv", epoch_rows)?);
    let title = format!(
        "MLP 784-{}-10, {}: loss for four learning rates",
        args.mlp.hidden,
        args.rule.label()
    );
    let x_label = format!("epoch (loss: moving average of {smooth} iterations)");
    // Log scale: the blown-up run's hundreds and the good run's 0.2 on one axis.
    let chart = LineChart::new(title, x_label, "training loss (log)")
        .log_y()
        .with(series);
    outputs.extend(Figure::single(chart, (MAX_WIDTH, 560)).save(out.dir(), "curves")?);
    Ok(outputs)
}
