//! Part 5, where batch statistics get noisy: batch normalization against layer normalization at
//! batch sizes from 2 to 128, and batch normalization's discrepancy between training mode (the
//! batch's statistics) and evaluation mode (the running estimates) at small batches.

use std::path::PathBuf;

use ndarray::Axis;
use nnlab::nn::layers::Mode;
use nnlab::nn::network::{Sequential, argmax};
use nnlab::optim::Rule;
use nnlab::procedures::metrics::accuracy;
use nnlab::procedures::runs::Model;
use nnlab::procedures::train::Split;
use nnlab::report::cli::RunContext;
use nnlab::report::numbers::{Numbers, thousands};
use nnlab::report::plot::{Figure, LineChart};
use nnlab::report::results::ResultsDir;

use super::nets::{NORMS, relu_net};
use crate::seeds::{Plan, Variant, mean_band, mean_range};

/// The batch sizes compared.
pub const SIZES: [usize; 7] = [2, 4, 8, 16, 32, 64, 128];
/// Training images (one epoch): batch 2 takes 5,000 steps.
pub const TRAIN: usize = 10_000;

#[derive(serde::Serialize)]
struct BatchRow {
    variant: &'static str,
    batch_size: usize,
    seed: usize,
    /// Evaluation mode: running estimates for batch normalization.
    val_accuracy: f64,
    /// Training mode on batches of `batch_size` validation images: the batch's statistics.
    val_accuracy_batch_stats: f64,
}

/// Accuracy on (x, y) in training mode, `rows` at a time: what the network computes while it trains.
fn with_batch_statistics(net: &mut Sequential<f32>, split: &Split<'_, f32>, rows: usize) -> f64 {
    let mut predicted = Vec::with_capacity(split.y_val.len());
    for chunk in split.x_val.axis_chunks_iter(Axis(0), rows) {
        let scores = net.forward(chunk, Mode::Train);
        predicted.extend(scores.rows().into_iter().map(|r| argmax(r.iter().copied())));
    }
    accuracy(&predicted, split.y_val)
}

pub fn run(
    run: &RunContext,
    split: &Split<'_, f32>,
    seeds: (usize, u64),
    out: &ResultsDir,
    numbers: &mut Numbers,
) -> anyhow::Result<Vec<PathBuf>> {
    let norms = [NORMS[1], NORMS[2]];
    let variants: Vec<Variant> = (norms.iter())
        .map(|&(norm, key, label)| Variant {
            key: key.into(),
            label: label.into(),
            model: Model::Plain(relu_net().normalized(norm)),
            rule: Rule::Adam,
            learning_rate: 1e-3,
        })
        .collect();
    let train = split.head(TRAIN);
    let mut rows = Vec::new();
    for batch_size in SIZES {
        let plan = Plan {
            split: &train,
            batch_size,
            epochs: 1,
            seeds: seeds.0,
            base_seed: seeds.1,
            train_eval_rows: 1_000,
        };
        let what = format!("batch {batch_size}: {} runs", variants.len() * seeds.0);
        let trained = plan.train_keeping(run, &what, &variants, |h, mut net| {
            let eval = h.final_val_accuracy();
            (eval, with_batch_statistics(&mut net, &train, batch_size))
        })?;
        for ((_, key, _), runs) in norms.iter().zip(trained) {
            for (seed, (val_accuracy, val_accuracy_batch_stats)) in runs.into_iter().enumerate() {
                rows.push(BatchRow {
                    variant: key,
                    batch_size,
                    seed,
                    val_accuracy,
                    val_accuracy_batch_stats,
                });
            }
        }
    }
    let mut outputs = vec![out.write_csv("batch_sizes.csv", &rows)?];

    let curve = |key: &str, pick: fn(&BatchRow) -> f64| -> Vec<Vec<(f64, f64)>> {
        (0..seeds.0)
            .map(|s| {
                (rows.iter())
                    .filter(|r| r.variant == key && r.seed == s)
                    .map(|r| (r.batch_size as f64, pick(r)))
                    .collect()
            })
            .collect()
    };
    let series = vec![
        mean_band(
            "batch norm, evaluation mode",
            &curve("bn", |r| r.val_accuracy),
        )
        .with_dots(),
        mean_band(
            "batch norm, batch statistics",
            &curve("bn", |r| r.val_accuracy_batch_stats),
        )
        .with_dots(),
        mean_band("layer norm", &curve("ln", |r| r.val_accuracy)).with_dots(),
    ];
    let title = format!(
        "MLP 784-3x100-10, one epoch of {} images, Adam: mean of {} seeds",
        thousands(train.y_train.len()),
        seeds.0
    );
    let chart = LineChart::new(title, "batch size", "validation accuracy")
        .log_x()
        .with(series);
    outputs.extend(Figure::single(chart, (900, 420)).save(out.dir(), "batch_sizes")?);

    for (_, key, _) in norms {
        for size in [SIZES[0], SIZES[SIZES.len() - 1]] {
            let at: Vec<&BatchRow> = rows
                .iter()
                .filter(|r| r.variant == key && r.batch_size == size)
                .collect();
            let eval: Vec<f64> = at.iter().map(|r| r.val_accuracy).collect();
            let stats: Vec<f64> = at.iter().map(|r| r.val_accuracy_batch_stats).collect();
            numbers
                .value(&format!("batch_{key}_{size}_eval"), mean_range(&eval, 1))
                .value(&format!("batch_{key}_{size}_stats"), mean_range(&stats, 1));
        }
    }
    numbers
        .value("batch_train", thousands(train.y_train.len()))
        .value(
            "batch_steps_smallest",
            thousands(train.iterations(1, SIZES[0])),
        );
    Ok(outputs)
}
