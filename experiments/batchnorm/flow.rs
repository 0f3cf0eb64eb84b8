//! Part 1, the claim "improves gradient flow through the network": Ioffe and Szegedy's MNIST
//! experiment on Fashion-MNIST — three fully connected hidden layers of 100 sigmoid units, batch 60,
//! with and without batch normalization. Test accuracy against training steps, the 15th, 50th and
//! 85th percentiles of one sigmoid's input over training (their Figure 1), and the gradient size of
//! every weight matrix.

use std::path::PathBuf;

use ndarray::{ArrayView2, s};
use nnlab::data::fashion::Prepared;
use nnlab::nn::layers::{ActivationKind, Mode};
use nnlab::nn::mlp::MlpSpec;
use nnlab::nn::network::Sequential;
use nnlab::optim::Rule;
use nnlab::procedures::metrics::{mean_and_range, percentile};
use nnlab::procedures::runs::Model;
use nnlab::procedures::train::Split;
use nnlab::report::cli::RunContext;
use nnlab::report::numbers::{Numbers, thousands};
use nnlab::report::plot::{Figure, LineChart, Series};
use nnlab::report::results::ResultsDir;

use super::nets::NORMS;
use crate::seeds::{Plan, Variant, mean_band};

/// The sigmoid whose input distribution is followed: unit 0 of the last hidden layer.
const UNIT: usize = 0;
/// Test images the percentiles are taken over.
const IMAGES: usize = 1_000;

/// What is measured every `every` steps.
struct Probe {
    test_accuracy: f64,
    /// The 15th, 50th and 85th percentiles of the sigmoid's input over the test images.
    percentiles: [f64; 3],
    /// The root mean square of each weight matrix's gradient at the last step (input side first;
    /// empty before the first step).
    grad_rms: Vec<f64>,
}

#[derive(serde::Serialize)]
struct FlowRow {
    variant: &'static str,
    seed: usize,
    step: usize,
    test_accuracy: f64,
    p15: f64,
    p50: f64,
    p85: f64,
}

#[derive(serde::Serialize)]
struct GradRow {
    variant: &'static str,
    seed: usize,
    step: usize,
    layer: usize,
    rms: f64,
}

/// The input of the last sigmoid for the rows of x, in evaluation mode.
fn last_sigmoid_input(net: &mut Sequential<f32>, x: ArrayView2<f32>) -> Vec<f64> {
    let last = (net.layers.iter().rposition(|l| l.is_nonlinearity())).expect("a hidden layer");
    let h = net.forward_first(x, last, Mode::Eval);
    h.column(UNIT).iter().map(|&v| f64::from(v)).collect()
}

fn probe(net: &mut Sequential<f32>, d: &Prepared<f32>) -> Probe {
    let images = IMAGES.min(d.y_test.len());
    let input = last_sigmoid_input(net, d.x_test.slice(s![..images, ..]));
    let grad_rms = (net.params().iter())
        .filter(|p| p.name == "W" && !p.grad.is_empty())
        .map(|p| {
            let sum: f64 = p.grad.iter().map(|&g| f64::from(g).powi(2)).sum();
            (sum / p.grad.len() as f64).sqrt()
        })
        .collect();
    Probe {
        test_accuracy: net.accuracy(d.x_test.view(), &d.y_test),
        percentiles: [15.0, 50.0, 85.0].map(|q| percentile(&input, q)),
        grad_rms,
    }
}

/// The first step at which a run's test accuracy reaches `level` (`None`: never).
fn first_at(probes: &[(usize, Probe)], level: f64) -> Option<usize> {
    (probes.iter()).find_map(|(s, p)| (p.test_accuracy >= level).then_some(*s))
}

pub fn run(
    run: &RunContext,
    d: &Prepared<f32>,
    epochs: usize,
    learning_rate: f64,
    plan: (usize, u64),
    out: &ResultsDir,
    numbers: &mut Numbers,
) -> anyhow::Result<Vec<PathBuf>> {
    let (seeds, base_seed) = plan;
    let split = Split::of(d);
    let spec = MlpSpec::plain(
        vec![784, 100, 100, 100, 10],
        ActivationKind::Sigmoid,
        nnlab::nn::init::Init::Xavier,
    );
    let variants: Vec<Variant> = (NORMS.iter().take(2))
        .map(|&(norm, key, label)| Variant {
            key: key.into(),
            label: label.into(),
            model: Model::Plain(spec.clone().normalized(norm)),
            rule: Rule::Sgd,
            learning_rate,
        })
        .collect();
    let plan = Plan {
        split: &split,
        batch_size: 60,
        epochs,
        seeds,
        base_seed,
        train_eval_rows: 1_000,
    };
    let steps = split.iterations(epochs, 60);
    let every = (steps / 40).max(1);
    let what = format!("sigmoid network: {} runs", 2 * seeds);
    let probed = plan.train_probed(run, &what, &variants, every, |n| probe(n, d), |_, _, p| p)?;

    let (mut rows, mut grads) = (Vec::new(), Vec::new());
    for ((_, key, _), runs) in NORMS.iter().zip(&probed) {
        for (seed, probes) in runs.iter().enumerate() {
            for (step, p) in probes {
                let [p15, p50, p85] = p.percentiles;
                let test_accuracy = p.test_accuracy;
                let step = *step;
                rows.push(FlowRow {
                    variant: key,
                    seed,
                    step,
                    test_accuracy,
                    p15,
                    p50,
                    p85,
                });
                for (layer, &rms) in p.grad_rms.iter().enumerate() {
                    grads.push(GradRow {
                        variant: key,
                        seed,
                        step,
                        layer: layer + 1,
                        rms,
                    });
                }
            }
        }
    }
    let mut outputs = vec![
        out.write_csv("flow.csv", rows)?,
        out.write_csv("flow_grads.csv", grads)?,
    ];

    // The figure: accuracy with its spread, then each variant's percentiles (seed 0).
    let accuracy: Vec<Series> = (NORMS.iter().zip(&probed))
        .map(|((_, _, label), runs)| {
            let curves: Vec<Vec<(f64, f64)>> = (runs.iter())
                .map(|p| {
                    p.iter()
                        .map(|(s, p)| (*s as f64, p.test_accuracy))
                        .collect()
                })
                .collect();
            mean_band(label, &curves)
        })
        .collect();
    let mut panels = vec![
        LineChart::new(
            format!("3x100 sigmoid MLP, batch 60: test accuracy, mean of {seeds} seeds"),
            "training step",
            "test accuracy",
        )
        .with(accuracy)
        .into(),
    ];
    for ((_, _, label), runs) in NORMS.iter().zip(&probed) {
        let series = (0..3)
            .map(|q| {
                let name = ["15th percentile", "median", "85th percentile"][q];
                let points = runs[0].iter().map(|(s, p)| (*s as f64, p.percentiles[q]));
                Series::new(name, points.collect())
            })
            .collect();
        let title = format!("{label}: input of one last-layer sigmoid over {IMAGES} test images");
        panels.push(
            LineChart::new(title, "training step", "sigmoid input")
                .with(series)
                .into(),
        );
    }
    outputs.extend(Figure::column(panels, 330).save(out.dir(), "flow")?);

    // The gradient size of each layer, mean over seeds.
    let mut panels = Vec::new();
    for ((_, _, label), runs) in NORMS.iter().zip(&probed) {
        let layers = runs[0].last().map_or(0, |(_, p)| p.grad_rms.len());
        let series = (0..layers)
            .map(|l| {
                let curves: Vec<Vec<(f64, f64)>> = (runs.iter())
                    .map(|p| {
                        p[1..]
                            .iter()
                            .map(|(s, p)| (*s as f64, p.grad_rms[l]))
                            .collect()
                    })
                    .collect();
                let mut line = mean_band(&format!("W{}", l + 1), &curves);
                line.band.clear();
                line
            })
            .collect();
        let title = format!("{label}: RMS of each weight gradient, mean of {seeds} seeds");
        panels.push(
            LineChart::new(title, "training step", "RMS of dW")
                .log_y()
                .with(series)
                .into(),
        );
    }
    outputs.extend(Figure::column(panels, 330).save(out.dir(), "flow_grads")?);

    // The quoted values.
    for ((_, key, _), runs) in NORMS.iter().zip(&probed) {
        let finals: Vec<f64> = runs
            .iter()
            .filter_map(|p| p.last())
            .map(|(_, p)| p.test_accuracy)
            .collect();
        numbers.value(
            &format!("flow_{key}_test"),
            crate::seeds::mean_range(&finals, 1),
        );
        for level in [0.7, 0.8] {
            let reached: Vec<Option<usize>> = runs.iter().map(|p| first_at(p, level)).collect();
            let text = match reached.iter().copied().collect::<Option<Vec<usize>>>() {
                Some(s) => {
                    let mean = s.iter().sum::<usize>() / s.len().max(1);
                    thousands(mean)
                }
                None => "never (in every run)".into(),
            };
            numbers.value(
                &format!("flow_{key}_steps_{}", (level * 100.0) as usize),
                text,
            );
        }
        // Seed 0's median: where it starts (after the first probe) and where it ends.
        let p50: Vec<f64> = runs[0].iter().map(|(_, p)| p.percentiles[1]).collect();
        let (first, last) = (
            p50.get(1).copied().unwrap_or(f64::NAN),
            p50.last().copied().unwrap_or(f64::NAN),
        );
        numbers
            .fixed(&format!("flow_{key}_median_first"), first, 2)
            .fixed(&format!("flow_{key}_median_last"), last, 2);
        let (lo, hi) = (
            p50.iter().copied().fold(f64::INFINITY, f64::min),
            p50.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        );
        numbers.fixed(&format!("flow_{key}_median_travel"), hi - lo, 2);
        // The first layer's gradient size relative to the last hidden layer's (W1 / W3): after
        // the first measured step, and averaged over every measurement and seed.
        let ratio = |p: &Probe| p.grad_rms[0] / p.grad_rms[p.grad_rms.len() - 2];
        let first: Vec<f64> = runs
            .iter()
            .filter_map(|p| p.get(1))
            .map(|(_, p)| ratio(p))
            .collect();
        let all: Vec<f64> = runs
            .iter()
            .flat_map(|p| &p[1..])
            .map(|(_, p)| ratio(p))
            .collect();
        for (name, values) in [("grad_ratio_first", first), ("grad_ratio", all)] {
            let mean = mean_and_range(&values).map_or(f64::NAN, |m| m.0);
            numbers.fixed(&format!("flow_{key}_{name}"), mean, 2);
        }
    }
    numbers
        .value("flow_epochs", epochs)
        .value("flow_steps", thousands(steps))
        .value("flow_learning_rate", learning_rate)
        .value("flow_every", every)
        .value("flow_images", thousands(IMAGES.min(d.y_test.len())));
    Ok(outputs)
}
