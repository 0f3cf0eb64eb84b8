//! Part 4, the claim "acts as a form of regularization, slightly reduces the need for dropout":
//! the ReLU network trained on 5,000 images until it overfits, with neither, dropout, batch
//! normalization, or both — the gap between training and validation accuracy.

use std::path::PathBuf;

use nnlab::nn::mlp::Norm;
use nnlab::optim::Rule;
use nnlab::procedures::metrics::mean_and_range;
use nnlab::procedures::runs::Model;
use nnlab::procedures::train::{History, Split};
use nnlab::report::cli::RunContext;
use nnlab::report::numbers::{Numbers, thousands};
use nnlab::report::plot::{Figure, LineChart};
use nnlab::report::results::ResultsDir;

use super::nets::relu_net;
use crate::seeds::{Plan, Variant, epoch_rows, mean_range, spread};

/// Training images: few enough that the network overfits.
pub const TRAIN: usize = 5_000;
/// Dropout's keep probability.
const KEEP: f64 = 0.5;

pub fn run(
    run: &RunContext,
    split: &Split<'_, f32>,
    epochs: usize,
    seeds: (usize, u64),
    out: &ResultsDir,
    numbers: &mut Numbers,
) -> anyhow::Result<Vec<PathBuf>> {
    let cases = [
        ("neither", "neither", Norm::None, 1.0),
        ("dropout", "dropout", Norm::None, KEEP),
        ("bn", "batch norm", Norm::Batch, 1.0),
        ("both", "batch norm + dropout", Norm::Batch, KEEP),
    ];
    let variants: Vec<Variant> = (cases.iter())
        .map(|&(key, label, norm, keep)| Variant {
            key: key.into(),
            label: label.into(),
            model: Model::Plain(relu_net().normalized(norm).with_dropout(keep)),
            rule: Rule::Adam,
            learning_rate: 1e-3,
        })
        .collect();
    let train = split.head(TRAIN);
    let plan = Plan {
        split: &train,
        batch_size: 100,
        epochs,
        seeds: seeds.0,
        base_seed: seeds.1,
        train_eval_rows: TRAIN,
    };
    let what = format!("regularization: {} runs", variants.len() * seeds.0);
    let trained = plan.train(run, &what, &variants)?;
    let mut outputs = vec![out.write_csv("regularization.csv", epoch_rows(&variants, &trained))?];

    let curves = |what: fn(&nnlab::procedures::train::EpochRecord) -> f64| {
        (variants.iter().zip(&trained))
            .map(|(v, h)| spread(&v.label, h, what))
            .collect()
    };
    let seeds_note = format!("mean of {} seeds", seeds.0);
    let panels = vec![
        LineChart::new(
            format!(
                "MLP 784-3x100-10 on {} images: training accuracy, {seeds_note}",
                thousands(train.y_train.len())
            ),
            "epoch",
            "training accuracy",
        )
        .with(curves(|e| e.train_accuracy))
        .into(),
        LineChart::new("validation accuracy", "epoch", "validation accuracy")
            .with(curves(|e| e.val_accuracy))
            .into(),
    ];
    outputs.extend(Figure::column(panels, 330).save(out.dir(), "regularization")?);

    let last = |h: &History| {
        h.epochs
            .last()
            .map_or((f64::NAN, f64::NAN), |e| (e.train_accuracy, e.val_accuracy))
    };
    let mut table = Vec::new();
    for ((key, label, ..), runs) in cases.iter().zip(&trained) {
        let finals: Vec<(f64, f64)> = runs.iter().map(last).collect();
        let train: Vec<f64> = finals.iter().map(|f| f.0).collect();
        let val: Vec<f64> = finals.iter().map(|f| f.1).collect();
        let gaps: Vec<f64> = finals.iter().map(|f| 100.0 * (f.0 - f.1)).collect();
        let gap = match mean_and_range(&gaps) {
            Some((m, lo, hi)) => format!("{m:.1} ({lo:.1}–{hi:.1})"),
            None => "no runs".into(),
        };
        let (train, val) = (mean_range(&train, 1), mean_range(&val, 1));
        numbers
            .value(&format!("reg_{key}_train"), &train)
            .value(&format!("reg_{key}_val"), &val)
            .value(&format!("reg_{key}_gap"), &gap);
        table.push(vec![label.to_string(), train, val, gap]);
    }
    let header = [
        "variant",
        "training accuracy",
        "validation accuracy",
        "gap (points)",
    ];
    numbers
        .table("reg_table", &header, &table)
        .value("reg_train", thousands(train.y_train.len()))
        .value("reg_epochs", epochs)
        .value("reg_keep", KEEP);
    Ok(outputs)
}
