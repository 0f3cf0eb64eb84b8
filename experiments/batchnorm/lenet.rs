//! Part 6: LeNet-5 with and without batch normalization at the same budget — the learning-rate
//! chapter's schedule (warmup + cosine, batch 128, 15 epochs) with Momentum, each network's
//! learning rate chosen on validation from short runs, then several seeds of the full length.

use std::path::PathBuf;

use nnlab::nn::lenet::LeNetVariant;
use nnlab::optim::Rule;
use nnlab::optim::schedule::{Family, Stretch};
use nnlab::procedures::metrics::mean_and_range;
use nnlab::procedures::runs::{Decay, Job, Model, Runs};
use nnlab::procedures::train::{History, Split};
use nnlab::report::cli::{RunContext, as_flag, with_progress};
use nnlab::report::numbers::{Numbers, percent_of};
use nnlab::report::plot::{Figure, LineChart};
use nnlab::report::results::ResultsDir;

use crate::seeds::{mean_range, spread};

/// The update rule and learning rates the short runs choose from: Momentum (μ = 0.9), the rule
/// Ioffe and Szegedy trained with, at rates a factor of two apart.
pub const SETTINGS: [(Rule, f64); 3] = [
    (Rule::Momentum, 0.025),
    (Rule::Momentum, 0.05),
    (Rule::Momentum, 0.1),
];
/// L2 strength (on weights, not on γ and β) and batch size.
const L2: f64 = 5e-4;
const BATCH: usize = 128;
/// The two networks: key, label, variant.
const NETS: [(&str, &str, LeNetVariant); 2] = [
    ("plain", "LeNet-5", LeNetVariant::Modern),
    ("bn", "LeNet-5 + batch norm", LeNetVariant::BatchNorm),
];

#[derive(serde::Serialize)]
struct EpochRow {
    variant: &'static str,
    rule: Rule,
    learning_rate: f64,
    seed: usize,
    epoch: usize,
    train_loss: f64,
    val_accuracy: f64,
    test_accuracy: Option<f64>,
    /// Training seconds of this run so far (a timing column).
    seconds: f64,
}

fn job(
    net: usize,
    (rule, learning_rate): (Rule, f64),
    seed: usize,
    base_seed: u64,
    epochs: usize,
) -> Job<(usize, usize)> {
    Job {
        tag: (net, seed),
        seed: base_seed,
        stream: seed as u64,
        model: Model::LeNet5 {
            variant: NETS[net].2,
            l2: L2,
        },
        rule,
        learning_rate,
        decay: Decay::Over(Family::WarmupCosine, Stretch::default()),
        epochs,
        train_rows: None,
    }
}

/// Trains `jobs` side by side behind one progress bar; histories in job order.
fn train(runs: &Runs, jobs: &[Job<(usize, usize)>], what: &str) -> anyhow::Result<Vec<History>> {
    as_flag(runs.check(jobs), &[])?;
    Ok(with_progress(runs.total_iterations(jobs), what, |tick| {
        runs.train_all(jobs, tick, |_, h, _| h)
    }))
}

#[derive(serde::Serialize)]
struct RateRow {
    variant: &'static str,
    rule: Rule,
    learning_rate: f64,
    val_accuracy: f64,
}

#[allow(clippy::too_many_arguments)]
pub fn run(
    run: &RunContext,
    split: &Split<'_, f32>,
    probe_epochs: usize,
    epochs: usize,
    seeds: (usize, u64),
    out: &ResultsDir,
    numbers: &mut Numbers,
) -> anyhow::Result<Vec<PathBuf>> {
    let runs = Runs {
        split,
        batch_size: BATCH,
        train_eval_rows: 5_000,
        workers: Some(run.threads),
    };
    // The short runs: every rate, seed 0, validation only decides.
    let probes: Vec<Job<(usize, usize)>> = (0..NETS.len())
        .flat_map(|n| SETTINGS.map(|r| job(n, r, 0, seeds.1, probe_epochs)))
        .collect();
    let what = format!(
        "LeNet-5 rates: {} runs of {probe_epochs} epochs",
        probes.len()
    );
    let probed = train(&runs, &probes, &what)?;
    let chosen: Vec<(Rule, f64)> = (0..NETS.len())
        .map(|n| {
            let vals = &probed[n * SETTINGS.len()..(n + 1) * SETTINGS.len()];
            let best = (0..SETTINGS.len())
                .max_by(|&a, &b| {
                    vals[a]
                        .final_val_accuracy()
                        .total_cmp(&vals[b].final_val_accuracy())
                })
                .expect("rates");
            SETTINGS[best]
        })
        .collect();
    let rate_rows = probes.iter().zip(&probed).map(|(j, h)| RateRow {
        variant: NETS[j.tag.0].0,
        rule: j.rule,
        learning_rate: j.learning_rate,
        val_accuracy: h.final_val_accuracy(),
    });
    let mut outputs = vec![out.write_csv("lenet_rates.csv", rate_rows)?];

    // The long runs at the chosen rates.
    let long: Vec<Job<(usize, usize)>> = (0..NETS.len())
        .flat_map(|n| (0..seeds.0).map(move |s| (n, s)))
        .map(|(n, s)| job(n, chosen[n], s, seeds.1, epochs))
        .collect();
    let what = format!("LeNet-5: {} runs of {epochs} epochs", long.len());
    let trained = train(&runs, &long, &what)?;
    let mut rows = Vec::new();
    for (j, h) in long.iter().zip(&trained) {
        rows.extend(h.epochs.iter().map(|e| EpochRow {
            variant: NETS[j.tag.0].0,
            rule: j.rule,
            learning_rate: j.learning_rate,
            seed: j.tag.1,
            epoch: e.epoch,
            train_loss: e.train_loss,
            val_accuracy: e.val_accuracy,
            test_accuracy: e.test_accuracy,
            seconds: e.seconds,
        }));
    }
    outputs.push(out.write_csv("lenet.csv", rows)?);

    let by_net: Vec<&[History]> = trained.chunks(seeds.0).collect();
    let curves = |pick: fn(&nnlab::procedures::train::EpochRecord) -> f64| {
        (NETS.iter().zip(&by_net))
            .map(|(n, h)| spread(n.1, h, pick))
            .collect()
    };
    let panels = vec![
        LineChart::new(
            format!(
                "LeNet-5, {}, warmup + cosine: test accuracy, mean of {} seeds",
                SETTINGS[0].0.label(),
                seeds.0
            ),
            "epoch",
            "test accuracy",
        )
        .with(curves(|e| e.test_accuracy.unwrap_or(f64::NAN)))
        .into(),
        LineChart::new("training loss", "epoch", "training loss")
            .log_y()
            .with(curves(|e| e.train_loss))
            .into(),
    ];
    outputs.extend(Figure::column(panels, 330).save(out.dir(), "lenet")?);

    for ((key, ..), (runs, (_, rate))) in NETS.iter().zip(by_net.iter().zip(&chosen)) {
        let test: Vec<f64> = runs.iter().map(|h| h.final_accuracies().1).collect();
        let val: Vec<f64> = runs.iter().map(|h| h.final_accuracies().0).collect();
        let per_epoch: Vec<f64> = (runs.iter())
            .filter_map(|h| h.epochs.last().map(|e| e.seconds / e.epoch as f64))
            .collect();
        let mean_test = mean_and_range(&test).map_or(f64::NAN, |m| m.0);
        numbers
            .value(&format!("lenet_{key}_rate"), rate)
            .value(&format!("lenet_{key}_test"), mean_range(&test, 2))
            .value(&format!("lenet_{key}_test_mean"), percent_of(mean_test, 3))
            .value(&format!("lenet_{key}_val"), mean_range(&val, 2))
            .timing(
                &format!("lenet_{key}_epoch_seconds"),
                format!(
                    "{:.1}",
                    mean_and_range(&per_epoch).map_or(f64::NAN, |m| m.0)
                ),
            );
    }
    numbers
        .value("lenet_epochs", epochs)
        .value("lenet_probe_epochs", probe_epochs)
        .value("lenet_rule", SETTINGS[0].0.label())
        .value(
            "lenet_rates",
            SETTINGS.map(|(_, a)| a.to_string()).join(", "),
        )
        .value("lenet_l2", L2);
    Ok(outputs)
}
