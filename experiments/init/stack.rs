//! Part 1: the course's stack of random layers — 1,000 Gaussian inputs through 10 layers of 500
//! units — under each initialization: every layer's histogram, mean and standard deviation.

use std::path::PathBuf;

use nnlab::nn::layers::ActivationKind;
use nnlab::procedures::inside::{LayerStats, forward_stack, histogram, layer_stats};
use nnlab::report::numbers::{Numbers, percent_of, sig3};
use nnlab::report::plot::{Figure, LineChart, Ridges, Series};
use nnlab::report::results::ResultsDir;
use nnlab::rng::{randn_array, substream};

use super::args::{CONFIGS, Config};

/// Histogram bins per layer.
const BINS: usize = 50;

#[derive(serde::Serialize)]
struct LayerRow<'a> {
    config: &'a str,
    layer: usize,
    mean: f64,
    std: f64,
    saturated: f64,
    zero: f64,
}

#[derive(serde::Serialize)]
struct BinRow<'a> {
    config: &'a str,
    layer: usize,
    /// `all`, or `nonzero` for ReLU layers (their exact zeros, about half, are counted in
    /// `layers.csv`'s `zero` column instead).
    counted: &'a str,
    bin_start: f64,
    bin_end: f64,
    count: u64,
}

/// The x range a configuration's histograms share: tanh's [-1, 1], or [0, 4] for ReLU (under He,
/// about 1% of the activations lie beyond 4 and are not drawn; `layers.csv` has every layer's
/// statistics).
fn range(c: &Config) -> (f64, f64) {
    match c.activation {
        ActivationKind::Relu => (0.0, 4.0),
        _ => (-1.0, 1.0),
    }
}

/// Runs the stack for every configuration; writes `layers.csv`, `histograms.csv` and `stack`.
pub fn run(
    seed: u64,
    inputs: usize,
    width: usize,
    layers: usize,
    out: &ResultsDir,
    numbers: &mut Numbers,
) -> anyhow::Result<Vec<PathBuf>> {
    // The same inputs for every configuration; each configuration's weights from its own stream.
    let x = randn_array::<f64, _>(inputs, width, &mut substream(seed, 100));
    let (mut layer_rows, mut bin_rows) = (Vec::new(), Vec::new());
    let (mut panels, mut stds) = (Vec::new(), Vec::new());
    let mut all_stats = Vec::new();
    for (i, c) in CONFIGS.iter().enumerate() {
        let mut rng = substream(seed, 101 + i as u64);
        let hs = forward_stack(x.view(), layers, width, c.init, c.activation, &mut rng);
        let stats: Vec<LayerStats> = (hs.iter().enumerate())
            .map(|(l, h)| layer_stats(l + 1, h.view()))
            .collect();
        let (lo, hi) = range(c);
        let relu = c.activation == ActivationKind::Relu;
        let mut ridges = Vec::new();
        for (l, h) in hs.iter().enumerate() {
            // ReLU's exact zeros (about half) are counted in layers.csv, not drawn.
            let values = h.iter().copied().filter(|&v| !(relu && v == 0.0));
            let counts = histogram(values, lo, hi, BINS);
            let w = (hi - lo) / BINS as f64;
            let bins: Vec<(f64, f64, f64)> = (counts.iter().enumerate())
                .map(|(b, &n)| (lo + b as f64 * w, lo + (b + 1) as f64 * w, n as f64))
                .collect();
            bin_rows.extend(bins.iter().zip(&counts).map(|(b, &count)| BinRow {
                config: c.key,
                layer: l + 1,
                counted: if relu { "nonzero" } else { "all" },
                bin_start: b.0,
                bin_end: b.1,
                count,
            }));
            ridges.push(((l + 1).to_string(), bins));
        }
        let x_label = if relu {
            "activation (zeros left out)"
        } else {
            "activation"
        };
        panels.push(
            Ridges {
                title: c.label.into(),
                x_label: x_label.into(),
                x_range: (lo, hi),
                rows: ridges,
            }
            .into(),
        );
        let curve = stats.iter().map(|s| (s.layer as f64, s.std.max(1e-30)));
        stds.push(Series::new(c.label, curve.collect()).with_dots());
        layer_rows.extend(stats.iter().map(|s| (c.key, s.clone())));
        all_stats.push(stats);
    }
    let std_chart = LineChart::new(
        "standard deviation per layer",
        "layer",
        "std of activations",
    )
    .log_y()
    .with(stds);
    panels.push(std_chart.into());
    quote(numbers, &all_stats, layers);
    let mut outputs = vec![out.write_csv(
        "layers.csv",
        layer_rows.iter().map(|(config, s)| LayerRow {
            config,
            layer: s.layer,
            mean: s.mean,
            std: s.std,
            saturated: s.saturated,
            zero: s.zero,
        }),
    )?];
    outputs.push(out.write_csv("histograms.csv", bin_rows)?);
    outputs.extend(Figure::pair(panels, 380).save(out.dir(), "stack")?);
    Ok(outputs)
}

/// The tables `stack` and `stack_means` (each layer's standard deviation and mean under each
/// configuration) and the values the chapter compares with the course's.
fn quote(numbers: &mut Numbers, all: &[Vec<LayerStats>], layers: usize) {
    let mut header = vec!["layer".to_string()];
    header.extend(CONFIGS.iter().map(|c| c.label.to_string()));
    let rows: Vec<Vec<String>> = (0..layers)
        .map(|l| {
            let mut row = vec![(l + 1).to_string()];
            row.extend(all.iter().map(|s| sig3(s[l].std)));
            row
        })
        .collect();
    numbers.table("stack", &header, &rows);
    let means: Vec<Vec<String>> = (0..layers)
        .map(|l| {
            let mut row = vec![(l + 1).to_string()];
            row.extend(all.iter().map(|s| sig3(s[l].mean)));
            row
        })
        .collect();
    numbers.table("stack_means", &header, &means);
    let last = layers - 1;
    for (c, stats) in CONFIGS.iter().zip(all) {
        let k = c.key;
        numbers
            .value(&format!("{k}_std_first"), sig3(stats[0].std))
            .value(&format!("{k}_std_last"), sig3(stats[last].std));
        if c.activation == ActivationKind::Relu {
            numbers.value(&format!("{k}_zero_last"), percent_of(stats[last].zero, 1));
        } else {
            numbers
                .value(
                    &format!("{k}_saturated_first"),
                    percent_of(stats[0].saturated, 1),
                )
                .value(
                    &format!("{k}_saturated_last"),
                    percent_of(stats[last].saturated, 1),
                );
        }
        if let Some(s) = stats.get(3) {
            numbers.value(&format!("{k}_std_4"), sig3(s.std));
        }
    }
    numbers.value("stack_layers", layers);
}
