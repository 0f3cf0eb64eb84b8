//! Part 2: a 2-layer MLP on Fashion-MNIST trained with each rule from the same initialization on
//! the same batches.

use std::path::PathBuf;

use nnlab::data::fashion::Prepared;
use nnlab::nn::network::Sequential;
use nnlab::procedures::train::{EpochRecord, Split, TrainConfig, smoothing_window};
use nnlab::report::cli::train_with_progress;
use nnlab::report::numbers::{Numbers, percent_of, slug};
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

/// The per-epoch table, and how many epochs each rule's training loss was below SGD's.
fn quote_epochs(numbers: &mut Numbers, per_rule: &[(&'static str, Vec<EpochRecord>)]) {
    let mut header = vec!["epoch".to_string()];
    for (name, _) in per_rule {
        header.push(format!("{name}: training loss"));
        header.push(format!("{name}: validation accuracy"));
    }
    let epochs = per_rule.first().map_or(0, |r| r.1.len());
    let rows: Vec<Vec<String>> = (0..epochs)
        .map(|e| {
            let mut row = vec![(e + 1).to_string()];
            for (_, records) in per_rule {
                row.push(format!("{:.3}", records[e].train_loss));
                row.push(percent_of(records[e].val_accuracy, 1));
            }
            row
        })
        .collect();
    numbers
        .table("epochs", &header, &rows)
        .value("mlp_epochs", epochs);
    let Some((_, sgd)) = per_rule.iter().find(|(name, _)| *name == "sgd") else {
        return;
    };
    for (name, records) in per_rule.iter().filter(|(name, _)| *name != "sgd") {
        let lower = records
            .iter()
            .zip(sgd)
            .filter(|(r, s)| r.train_loss < s.train_loss);
        let text = format!("{} of {epochs}", lower.count());
        numbers.value(&format!("mlp_{}_loss_below_sgd", slug(name)), text);
    }
}

/// Trains the MLP with every rule for `epochs`; writes `training.csv`, `epochs.csv` and the
/// training figure; returns them and each rule's test accuracy.
pub fn run(
    args: &Args,
    epochs: usize,
    mlp_rules: &mut Rules<f32>,
    d: &Prepared<f32>,
    out: &ResultsDir,
    numbers: &mut Numbers,
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
    let mut per_rule = Vec::new();
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
        let key = slug(c.opt.name());
        let first = h.epochs.first().map_or(f64::NAN, |e| e.val_accuracy);
        numbers
            .percent(&format!("mlp_{key}_val_first"), first, 1)
            .percent(&format!("mlp_{key}_val_last"), val, 1)
            .percent(&format!("mlp_{key}_test"), acc, 1);
        // The training loop at work: the first mini-batch's loss, and the last epoch's mean.
        let first_loss = h.iters.first().map_or(f64::NAN, |r| r.loss);
        let last_loss = h.epochs.last().map_or(f64::NAN, |e| e.train_loss);
        numbers
            .fixed(&format!("mlp_{key}_loss_first"), first_loss, 3)
            .fixed(&format!("mlp_{key}_loss_last"), last_loss, 3)
            .value(
                &format!("mlp_{key}_steps"),
                nnlab::report::numbers::thousands(h.iters.len()),
            );
        per_rule.push((c.opt.name(), h.epochs.clone()));
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
    quote_epochs(numbers, &per_rule);
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
