//! Part 4: forward + backward time of LeNet's C1 and C3 with each convolution implementation
//! across batch sizes.

use std::path::PathBuf;

use ndarray::{Array1, Array4};
use nnlab::nn::layers::conv::{ConvAlgo, Geometry};
use nnlab::nn::lenet::CONVOLUTIONS;
use nnlab::procedures::metrics::mean_and_range;
use nnlab::report::cli::progress;
use nnlab::report::numbers::Numbers;
use nnlab::report::plot::{Figure, LineChart, Series};
use nnlab::report::results::ResultsDir;
use nnlab::rng::{randn, substream};
use nnlab::runtime::parallel::keep_warm;
use nnlab::runtime::timing::fastest;
use serde::Serialize;

#[derive(Serialize)]
struct SpeedRow {
    layer: &'static str,
    algo: &'static str,
    batch: usize,
    threads: usize,
    /// Fastest of the repetitions, forward + backward.
    seconds: f64,
    /// Forward + backward FLOPs (3 x 2·N·F·C·R·S·Ho·Wo) per second, in billions.
    gflops: f64,
}

/// `low–high` of `values` with `digits` decimals (`low` alone when they agree to them).
fn range(values: &[f64], digits: usize) -> String {
    let (_, low, high) = mean_and_range(values).unwrap_or((f64::NAN, f64::NAN, f64::NAN));
    let (a, b) = (format!("{low:.digits$}"), format!("{high:.digits$}"));
    if a == b { a } else { format!("{a}–{b}") }
}

/// What the chapter says of the timing (all of it timing): the naive loops against the fastest
/// path, their cost per image, wide rows against im2col, interleaved against wide rows.
fn quote(numbers: &mut Numbers, speed: &[SpeedRow]) {
    let time = |layer: &str, algo: &str, batch: usize| {
        speed
            .iter()
            .find(|r| r.layer == layer && r.algo == algo && r.batch == batch)
            .map(|r| r.seconds)
    };
    let points: Vec<(&str, usize)> = speed.iter().map(|r| (r.layer, r.batch)).collect();
    let ratios = |a: &str, b: &str| -> Vec<f64> {
        points
            .iter()
            .filter_map(|&(l, n)| Some(time(l, a, n)? / time(l, b, n)?))
            .collect()
    };
    let fastest = |l: &str, n: usize| {
        ["im2col", "wide", "interleaved"]
            .iter()
            .filter_map(|a| time(l, a, n))
            .fold(f64::INFINITY, f64::min)
    };
    let naive: Vec<f64> = points
        .iter()
        .filter_map(|&(l, n)| Some(time(l, "naive", n)? / fastest(l, n)))
        .collect();
    numbers
        .timing("naive_over_fastest", range(&naive, 0))
        .timing("im2col_over_wide", range(&ratios("im2col", "wide"), 1));
    for layer in ["C1", "C3"] {
        let key = layer.to_lowercase();
        let per_image: Vec<f64> = speed
            .iter()
            .filter(|r| r.layer == layer && r.algo == "naive")
            .map(|r| 1e3 * r.seconds / r.batch as f64)
            .collect();
        numbers.timing(&format!("naive_{key}_ms_per_image"), range(&per_image, 2));
        for batch in [1, 64, 256] {
            if let (Some(i), Some(w)) = (
                time(layer, "interleaved", batch),
                time(layer, "wide", batch),
            ) {
                numbers.timing(
                    &format!("{key}_interleaved_over_wide_b{batch}"),
                    format!("{:.2}", i / w),
                );
            }
        }
    }
}

/// How the speed part times: batch sizes, repetitions at least, seconds per point at least (short
/// points repeat until they have run this long, at most 1,000 times), and the pool's threads.
pub struct Timing {
    pub batches: Vec<usize>,
    pub repeats: usize,
    pub floor: f64,
    pub threads: usize,
}

/// Times every implementation on both layers at every batch size (inputs from stream `seed`, 3);
/// writes `conv_speed.csv` and its figure.
pub fn run(
    t: &Timing,
    seed: u64,
    out: &ResultsDir,
    numbers: &mut Numbers,
) -> anyhow::Result<Vec<PathBuf>> {
    let mut outputs = Vec::new();
    // Part 4: convolution speed, forward + backward, per implementation and batch size.
    let mut speed = Vec::new();
    let points = CONVOLUTIONS.len() * ConvAlgo::ALL.len() * t.batches.len();
    let bar = progress(points as u64, "timing convolutions");
    let mut speed_rng = substream(seed, 3);
    for shape in &CONVOLUTIONS {
        let ((c, hgt, wid), wshape, p) = (shape.input, shape.filters, shape.params);
        let w = Array4::from_shape_fn(wshape, |_| randn(&mut speed_rng) as f32);
        let b = Array1::<f32>::zeros(wshape.0);
        // Forward + backward: three times the forward pass's FLOPs.
        let flops_per_image = 3.0 * Geometry::new(shape.input, wshape, p).forward_flops() as f64;
        for &n in &t.batches {
            let x = Array4::from_shape_fn((n, c, hgt, wid), |_| randn(&mut speed_rng) as f32);
            for algo in ConvAlgo::ALL {
                // Timed as the training loop runs: on a pool worker, the others kept awake.
                let best = keep_warm(|| {
                    fastest(t.repeats, t.floor, 1_000, || {
                        let y = algo.forward(x.view(), w.view(), b.view(), p);
                        std::hint::black_box(algo.backward(y.view(), x.view(), w.view(), p));
                    })
                });
                speed.push(SpeedRow {
                    layer: shape.name,
                    algo: algo.name(),
                    batch: n,
                    threads: t.threads,
                    seconds: best,
                    gflops: n as f64 * flops_per_image / best / 1e9,
                });
                bar.inc(1);
            }
        }
    }
    bar.finish_and_clear();
    let panels = CONVOLUTIONS.iter().map(|shape| {
        let per_image = |algo: &ConvAlgo| {
            let rows = speed
                .iter()
                .filter(|r| r.layer == shape.name && r.algo == algo.name());
            let points = rows.map(|r| (r.batch as f64, 1e3 * r.seconds / r.batch as f64));
            Series::new(algo.name(), points.collect())
        };
        let title = format!("{}, {} thread(s)", shape.name, t.threads);
        let chart = LineChart::new(title, "batch size", "ms per image, fwd + bwd");
        chart
            .log_x()
            .log_y()
            .with(ConvAlgo::ALL.iter().map(per_image).collect())
            .into()
    });
    let panels = panels.collect();
    quote(numbers, &speed);
    outputs.push(out.write_csv("conv_speed.csv", speed)?);
    outputs.extend(Figure::pair(panels, 460).save(out.dir(), "conv_speed")?);

    Ok(outputs)
}
