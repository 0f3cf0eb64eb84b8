//! Part 3, the claim "reduces the strong dependence on initialization": CS231n's weight-scale
//! sweep. A network of 7 hidden layers of 50 ReLU units with weights `scale * randn`, for scales
//! log-spaced from 1e-4 to 1, trained on 1,000 images with Adam, with and without batch
//! normalization: the best training and validation accuracy and the final training loss.

use std::path::PathBuf;

use nnlab::nn::init::Init;
use nnlab::nn::layers::ActivationKind;
use nnlab::nn::mlp::MlpSpec;
use nnlab::optim::Rule;
use nnlab::procedures::metrics::mean_and_range;
use nnlab::procedures::runs::Model;
use nnlab::procedures::train::{History, Split};
use nnlab::report::cli::RunContext;
use nnlab::report::numbers::{Numbers, percent_of, sig3, thousands};
use nnlab::report::plot::{Figure, LineChart};
use nnlab::report::results::ResultsDir;

use super::nets::NORMS;
use crate::seeds::{Plan, Variant, mean_band};

/// Training images of the sweep (CS231n's notebook uses 1,000 too).
pub const TRAIN: usize = 1_000;
/// A scale "works" if its best validation accuracy (mean over seeds) is within this many points
/// of the variant's best.
const WITHIN: f64 = 0.05;

/// `count` scales log-spaced from 1e-4 to 1, as `np.logspace(-4, 0, count)`.
pub fn scales(count: usize) -> Vec<f64> {
    let last = (count - 1).max(1) as f64;
    (0..count)
        .map(|i| 10f64.powf(-4.0 + 4.0 * i as f64 / last))
        .collect()
}

#[derive(serde::Serialize)]
struct ScaleRow {
    variant: &'static str,
    weight_scale: f64,
    seed: usize,
    best_train_accuracy: f64,
    best_val_accuracy: f64,
    final_train_loss: f64,
}

/// (best training accuracy, best validation accuracy, last epoch's training loss) of a run.
type Summary = (f64, f64, f64);
/// A panel of the figure: its title, its y axis and what it shows of a run's summary.
type Panel = (&'static str, &'static str, fn(&Summary) -> f64);

fn summary(h: &History) -> Summary {
    let best = |f: fn(&nnlab::procedures::train::EpochRecord) -> f64| {
        h.epochs.iter().map(f).fold(0.0, f64::max)
    };
    let loss = match (h.diverged_at, h.epochs.last()) {
        (None, Some(e)) => e.train_loss,
        _ => f64::NAN,
    };
    (best(|e| e.train_accuracy), best(|e| e.val_accuracy), loss)
}

#[allow(clippy::too_many_arguments)]
pub fn run(
    run: &RunContext,
    split: &Split<'_, f32>,
    count: usize,
    epochs: usize,
    seeds: (usize, u64),
    out: &ResultsDir,
    numbers: &mut Numbers,
) -> anyhow::Result<Vec<PathBuf>> {
    let norms = &NORMS[..2];
    let scales = scales(count);
    let mut sizes = vec![784];
    sizes.extend([50; 7]);
    sizes.push(10);
    let spec = MlpSpec::plain(sizes, ActivationKind::Relu, Init::Unit);
    let variants: Vec<Variant> = (norms.iter())
        .flat_map(|&(norm, key, label)| {
            scales
                .iter()
                .map(move |&s| (norm, key, label, s))
                .collect::<Vec<_>>()
        })
        .map(|(norm, key, label, s)| Variant {
            key: format!("{key}_{s}"),
            label: format!("{label}, scale {s}"),
            model: Model::Plain(spec.clone().scaled(s).normalized(norm)),
            rule: Rule::Adam,
            learning_rate: 1e-3,
        })
        .collect();
    let train = split.head(TRAIN);
    let plan = Plan {
        split: &train,
        batch_size: 50,
        epochs,
        seeds: seeds.0,
        base_seed: seeds.1,
        train_eval_rows: TRAIN,
    };
    let what = format!("weight scales: {} runs", variants.len() * seeds.0);
    let trained = plan.train_keeping(run, &what, &variants, |h, _| summary(&h))?;

    let mut rows = Vec::new();
    for (v, runs) in trained.iter().enumerate() {
        for (seed, &(train, val, loss)) in runs.iter().enumerate() {
            rows.push(ScaleRow {
                variant: norms[v / count].1,
                weight_scale: scales[v % count],
                seed,
                best_train_accuracy: train,
                best_val_accuracy: val,
                final_train_loss: loss,
            });
        }
    }
    let mut outputs = vec![out.write_csv("scales.csv", &rows)?];

    let what: [Panel; 3] = [
        ("best validation accuracy", "accuracy", |r| r.1),
        ("best training accuracy", "accuracy", |r| r.0),
        ("training loss after the last epoch", "loss", |r| r.2),
    ];
    let mut panels = Vec::new();
    for (title, y, pick) in what {
        let series = (norms.iter().enumerate())
            .map(|(n, &(_, _, label))| {
                let curves: Vec<Vec<(f64, f64)>> = (0..seeds.0)
                    .map(|s| {
                        (0..count)
                            .map(|i| (scales[i], pick(&trained[n * count + i][s])))
                            .collect()
                    })
                    .collect();
                mean_band(label, &curves).with_dots()
            })
            .collect();
        let chart = LineChart::new(
            format!("{title}, mean of {} seeds", seeds.0),
            "weight scale",
            y,
        )
        .log_x()
        .with(series);
        panels.push(if y == "loss" { chart.log_y() } else { chart }.into());
    }
    outputs.extend(Figure::column(panels, 300).save(out.dir(), "scales")?);

    for (n, &(_, key, _)) in norms.iter().enumerate() {
        let val: Vec<f64> = (0..count)
            .map(|i| {
                let runs: Vec<f64> = trained[n * count + i].iter().map(|r| r.1).collect();
                mean_and_range(&runs).map_or(0.0, |m| m.0)
            })
            .collect();
        let best = val.iter().copied().fold(0.0, f64::max);
        let works: Vec<usize> = (0..count).filter(|&i| val[i] >= best - WITHIN).collect();
        let span = match (works.first(), works.last()) {
            (Some(&a), Some(&b)) => format!("{} to {}", sig3(scales[a]), sig3(scales[b])),
            _ => "none".into(),
        };
        let worst = val.iter().copied().fold(1.0, f64::min);
        numbers
            .value(&format!("scale_{key}_works"), works.len())
            .value(&format!("scale_{key}_span"), span)
            .value(&format!("scale_{key}_best"), percent_of(best, 1))
            .value(&format!("scale_{key}_worst"), percent_of(worst, 1));
    }
    numbers
        .value("scale_count", count)
        .value("scale_epochs", epochs)
        .value("scale_train", thousands(train.y_train.len()))
        .value("scale_within", format!("{}", (WITHIN * 100.0) as usize));
    Ok(outputs)
}
