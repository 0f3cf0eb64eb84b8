//! Part 2: a 2-layer MLP on Fashion-MNIST trained with each rule from the same initialization on
//! the same batches.

use std::path::PathBuf;

use nnlab::data::fashion::Prepared;
use nnlab::nn::network::Sequential;
use nnlab::procedures::train::{Split, TrainConfig, smoothing_window};
use nnlab::report::cli::train_with_progress;
use nnlab::report::plot::{Series, training_curves};
use nnlab::report::results::ResultsDir;
use nnlab::rng::substream;
use serde::Serialize;

use super::args::{Args, Rules};

#[derive(Serialize)]
struct TrainingRow {
    optimizer: &'static str,
    learning_rate: f64,
    mu: Option<f64>,
    epoch: usize,
    iter: usize,
    loss: f64,
}

#[derive(Serialize)]
struct EpochRow {
    optimizer: &'static str,
    epoch: usize,
    iter: usize,
    train_loss: f64,
    train_accuracy: f64,
    val_accuracy: f64,
}

/// Trains the MLP with every rule for `epochs`; writes `training.csv`, `epochs.csv` and the
/// training figure; returns them and each rule's test accuracy.
pub fn run(
    args: &Args,
    epochs: usize,
    mlp_rules: &mut Rules<f32>,
    d: &Prepared<f32>,
    out: &ResultsDir,
) -> anyhow::Result<(Vec<PathBuf>, serde_json::Map<String, serde_json::Value>)> {
    let mut outputs = Vec::new();
    // Part 2: a 2-layer MLP on Fashion-MNIST, same initialization and batches for both rules.
    let split = Split::of(d);
    let cfg = TrainConfig {
        epochs,
        batch_size: args.mlp.batch_size,
        train_eval_rows: 5_000,
    };
    let (mut training_rows, mut epoch_rows) = (Vec::new(), Vec::new());
    let (mut curves, mut accuracy_curves) = (Vec::new(), Vec::new());
    let mut test_accuracy = serde_json::Map::new();
    // Mini-batch losses are noisy: plot a moving average.
    let smooth = smoothing_window(split.iterations(epochs, args.mlp.batch_size));
    for c in mlp_rules.iter_mut() {
        let mut rng = substream(args.common.seed, 1);
        let mut net = Sequential::<f32>::fashion_mlp(args.mlp.hidden, args.init, &mut rng);
        let what = format!("MLP {}", c.label);
        let h = train_with_progress(&what, &mut net, c.opt.as_mut(), &split, &cfg, &mut rng);
        if let Some(at) = h.diverged_at {
            eprintln!("warning: {} diverged at iteration {at}", c.label);
        }
        let acc = net.accuracy(d.x_test.view(), &d.y_test);
        let val = h.final_val_accuracy();
        eprintln!(
            "{}: final val accuracy {val:.4}, test accuracy {acc:.4}",
            c.label
        );
        test_accuracy.insert(c.label.clone(), acc.into());
        training_rows.extend(h.iters.iter().map(|r| TrainingRow {
            optimizer: c.opt.name(),
            learning_rate: args.mlp_learning_rate,
            mu: c.mu,
            epoch: r.epoch,
            iter: r.iter,
            loss: r.loss,
        }));
        epoch_rows.extend(h.epochs.iter().map(|e| EpochRow {
            optimizer: c.opt.name(),
            epoch: e.epoch,
            iter: e.iter,
            train_loss: e.train_loss,
            train_accuracy: e.train_accuracy,
            val_accuracy: e.val_accuracy,
        }));
        curves.push(Series::new(c.label.clone(), h.smoothed_loss(smooth)));
        accuracy_curves.push(Series::new(c.label.clone(), h.val_accuracy_curve()));
    }
    outputs.push(out.write_csv("training.csv", training_rows)?);
    outputs.push(out.write_csv("epochs.csv", epoch_rows)?);
    let mlp_title = format!(
        "MLP 784-{}-10, lr = {}",
        args.mlp.hidden, args.mlp_learning_rate
    );
    let figure = training_curves(&mlp_title, smooth, curves, accuracy_curves);
    outputs.extend(figure.save(out.dir(), "mlp")?);

    Ok((outputs, test_accuracy))
}
