//! Part 2, the claim "allows higher learning rates": the ReLU network trained for one epoch at
//! learning rates from 0.001 to 3, with and without batch normalization. Which rates still train,
//! and how many steps each variant needs at its best rate to reach a fixed validation accuracy.

use std::path::PathBuf;

use nnlab::optim::Rule;
use nnlab::procedures::metrics::mean_and_range;
use nnlab::procedures::runs::Model;
use nnlab::procedures::train::Split;
use nnlab::report::cli::RunContext;
use nnlab::report::numbers::{Numbers, percent_of, thousands};
use nnlab::report::plot::{Figure, LineChart, Series};
use nnlab::report::results::ResultsDir;

use super::nets::{NORMS, relu_net};
use crate::seeds::{Plan, Variant, mean_band, mean_range};

/// The learning rates tried: half-decades from 0.001 to 3.
pub const RATES: [f64; 8] = [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0];
/// A rate "trains" if every seed ends its epoch above this validation accuracy (chance: 10%).
const TRAINS: f64 = 0.5;

#[derive(serde::Serialize)]
struct RateRow {
    variant: &'static str,
    learning_rate: f64,
    seed: usize,
    val_accuracy: f64,
    diverged: bool,
    steps_to_target: Option<usize>,
}

pub fn run(
    run: &RunContext,
    split: &Split<'_, f32>,
    target: f64,
    seeds: (usize, u64),
    out: &ResultsDir,
    numbers: &mut Numbers,
) -> anyhow::Result<Vec<PathBuf>> {
    let norms = &NORMS[..2];
    let variants: Vec<Variant> = (norms.iter())
        .flat_map(|&(norm, key, label)| {
            RATES.map(|rate| Variant {
                key: format!("{key}_{rate}"),
                label: format!("{label}, rate {rate}"),
                model: Model::Plain(relu_net().normalized(norm)),
                rule: Rule::Momentum,
                learning_rate: rate,
            })
        })
        .collect();
    let plan = Plan {
        split,
        batch_size: 100,
        epochs: 1,
        seeds: seeds.0,
        base_seed: seeds.1,
        train_eval_rows: 1_000,
    };
    let every = (split.iterations(1, 100) / 20).max(1);
    let what = format!("learning rates: {} runs", variants.len() * seeds.0);
    let val =
        |net: &mut nnlab::nn::network::Sequential<f32>| net.accuracy(split.x_val, split.y_val);
    let trained = plan.train_probed(run, &what, &variants, every, val, |h, _, probes| {
        (h.diverged_at.is_some(), probes)
    })?;

    let mut rows = Vec::new();
    let mut finals = vec![vec![]; norms.len()]; // [norm][rate] -> final accuracies
    for (v, runs) in trained.iter().enumerate() {
        let (n, r) = (v / RATES.len(), v % RATES.len());
        let mut accuracies = Vec::new();
        for (seed, (diverged, probes)) in runs.iter().enumerate() {
            let val_accuracy = if *diverged {
                0.0
            } else {
                probes.last().map_or(0.0, |p| p.1)
            };
            let steps_to_target = probes.iter().find(|p| p.1 >= target).map(|p| p.0);
            accuracies.push(val_accuracy);
            rows.push(RateRow {
                variant: norms[n].1,
                learning_rate: RATES[r],
                seed,
                val_accuracy,
                diverged: *diverged,
                steps_to_target,
            });
        }
        finals[n].push(accuracies);
    }
    let mut outputs = vec![out.write_csv("rates.csv", &rows)?];

    let mut sweep = Vec::new();
    let mut best_curves = Vec::new();
    for (n, &(_, key, label)) in norms.iter().enumerate() {
        let curves: Vec<Vec<(f64, f64)>> = (0..seeds.0)
            .map(|s| {
                RATES
                    .iter()
                    .zip(&finals[n])
                    .map(|(&r, a)| (r, a[s]))
                    .collect()
            })
            .collect();
        sweep.push(mean_band(label, &curves).with_dots());
        let mean = |a: &Vec<f64>| mean_and_range(a).map_or(0.0, |m| m.0);
        let best = (0..RATES.len())
            .max_by(|&a, &b| mean(&finals[n][a]).total_cmp(&mean(&finals[n][b])))
            .expect("rates");
        let trains = (0..RATES.len()).filter(|&r| finals[n][r].iter().all(|&a| a > TRAINS));
        let largest = trains
            .max()
            .map_or("none".to_string(), |r| RATES[r].to_string());
        let runs = &trained[n * RATES.len() + best];
        let steps: Option<Vec<usize>> = (rows.iter())
            .filter(|row| row.variant == key && row.learning_rate == RATES[best])
            .map(|row| row.steps_to_target)
            .collect();
        let steps = steps.map_or("not in every run".to_string(), |s| {
            thousands(s.iter().sum::<usize>() / s.len().max(1))
        });
        numbers
            .value(&format!("rates_{key}_largest"), largest)
            .value(&format!("rates_{key}_best"), RATES[best])
            .value(
                &format!("rates_{key}_best_val"),
                mean_range(&finals[n][best], 1),
            )
            .value(&format!("rates_{key}_steps"), steps);
        let curves: Vec<Vec<(f64, f64)>> = (runs.iter())
            .map(|(_, p)| p.iter().map(|&(s, a)| (s as f64, a)).collect())
            .collect();
        best_curves.push(mean_band(
            &format!("{label} at rate {}", RATES[best]),
            &curves,
        ));
    }
    let chance = Series::new(
        format!("trains: above {}", percent_of(TRAINS, 0)),
        vec![(RATES[0], TRAINS), (RATES[RATES.len() - 1], TRAINS)],
    );
    sweep.push(chance.colored(7));
    let target_line = Series::new(
        format!("target {}", percent_of(target, 0)),
        vec![(0.0, target), (split.iterations(1, 100) as f64, target)],
    );
    best_curves.push(target_line.colored(7));
    let panels = vec![
        LineChart::new(
            format!(
                "ReLU MLP 784-3x100-10, momentum, one epoch: mean of {} seeds",
                seeds.0
            ),
            "learning rate",
            "validation accuracy after one epoch",
        )
        .log_x()
        .with(sweep)
        .into(),
        LineChart::new(
            "each at its best rate",
            "training step",
            "validation accuracy",
        )
        .with(best_curves)
        .into(),
    ];
    outputs.extend(Figure::column(panels, 360).save(out.dir(), "rates")?);
    numbers
        .value("rates_target", percent_of(target, 0))
        .value("rates_trains", percent_of(TRAINS, 0))
        .value("rates_every", every);
    Ok(outputs)
}
