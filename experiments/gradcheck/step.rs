//! Part 2: the error against the step. A smooth network (tanh, softmax) checked at every step from
//! 1e-1 to 1e-12 in both precisions: the centred difference's truncation error falls as `h^2`, its
//! round-off error `eps |f| / h` rises as `h` shrinks, and their sum is smallest near
//! `h* = (3 eps |f| / |f'''|)^(1/3)`, about `eps^(1/3)` for a function of unit scale.

use std::path::PathBuf;

use ndarray::Array2;
use nnlab::Float;
use nnlab::nn::init::Init;
use nnlab::nn::layers::ActivationKind;
use nnlab::nn::loss::LossKind;
use nnlab::nn::network::Sequential;
use nnlab::procedures::gradcheck::{Check, check_network};
use nnlab::procedures::metrics::loglog_slope;
use nnlab::report::plot::{Figure, LineChart, MAX_WIDTH, Series};
use nnlab::report::results::ResultsDir;
use nnlab::rng::{below, randn_array, seeded};
use serde::Serialize;

use super::args::{Args, steps};

/// The network: 20 -> 16 (tanh) -> 10, softmax, on 8 random rows.
const SIZES: [usize; 3] = [20, 16, 10];
const ROWS: usize = 8;
const SEED: u64 = 2;

/// A row of `step.csv`.
#[derive(Serialize)]
struct Row {
    precision: &'static str,
    h: f64,
    /// Median and worst relative error over the first layer's weights.
    median_rel_error: f64,
    worst_rel_error: f64,
}

/// One precision's optimum, for meta.json and the chapter.
#[derive(Serialize)]
pub struct Optimum {
    pub precision: &'static str,
    pub machine_epsilon: f64,
    /// `eps^(1/3)`.
    pub predicted_h: f64,
    /// The step of the smallest median error, and that error.
    pub measured_h: f64,
    pub median_rel_error_at_optimum: f64,
    /// Log-log slopes of the median error half a decade or more above the optimum (truncation, 2
    /// predicted) and a decade or more below it (round-off, -1 predicted), where the sweep has
    /// three points there.
    pub slope_above: Option<f64>,
    pub slope_below: Option<f64>,
    /// The largest step at which the median error is 1: both loss values round to the same number.
    pub largest_h_all_lost: Option<f64>,
}

/// The network and batch in precision `F` (the same values in both: drawn in f64, rounded).
fn subject<F: Float>() -> (Sequential<F>, Array2<F>, Vec<usize>) {
    let rng = &mut seeded(SEED);
    let (tanh, softmax) = (ActivationKind::Tanh, LossKind::Softmax);
    let net = Sequential::mlp(&SIZES, tanh, Init::Xavier, softmax, F::zero(), rng);
    let x = randn_array(ROWS, SIZES[0], rng);
    let y = (0..ROWS).map(|_| below(rng, SIZES[2])).collect();
    (net, x, y)
}

/// `(h, median, worst)` of the first layer's weights at every step.
fn sweep<F: Float>(hs: &[f64], floor: f64) -> Vec<(f64, f64, f64)> {
    let (mut net, x, y) = subject::<F>();
    hs.iter()
        .map(|&h| {
            let first =
                check_network(&mut net, x.view(), &y, Check::new(F::lit(h), floor)).swap_remove(0);
            (h, first.median_rel_error, first.worst_rel_error)
        })
        .collect()
}

/// The slope of `points` (h, error) with `h` in `range`, if three or more fall there.
fn slope_in(points: &[(f64, f64)], range: std::ops::RangeInclusive<f64>) -> Option<f64> {
    let inside: Vec<(f64, f64)> = points
        .iter()
        .copied()
        .filter(|p| range.contains(&p.0))
        .collect();
    (inside.len() >= 3).then(|| loglog_slope(&inside))
}

pub fn run(args: &Args, out: &ResultsDir) -> anyhow::Result<(Vec<Optimum>, Vec<PathBuf>)> {
    let hs = steps(args.steps_per_decade);
    let measured = [
        ("f64", f64::EPSILON, sweep::<f64>(&hs, args.floor)),
        ("f32", f32::EPSILON as f64, sweep::<f32>(&hs, args.floor)),
    ];
    let (mut rows, mut optima, mut series) = (Vec::new(), Vec::new(), Vec::new());
    for (i, (precision, eps, points)) in measured.iter().enumerate() {
        rows.extend(points.iter().map(|&(h, median, worst)| Row {
            precision,
            h,
            median_rel_error: median,
            worst_rel_error: worst,
        }));
        let best = points
            .iter()
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .expect("at least one step");
        let median: Vec<(f64, f64)> = points.iter().map(|p| (p.0, p.1)).collect();
        // Below the optimum, only where round-off has not yet swamped the difference (error < 0.1).
        let resolved: Vec<(f64, f64)> = median.iter().copied().filter(|p| p.1 < 0.1).collect();
        let optimum = Optimum {
            precision,
            machine_epsilon: *eps,
            predicted_h: eps.cbrt(),
            measured_h: best.0,
            median_rel_error_at_optimum: best.1,
            slope_above: slope_in(&median, best.0 * 10f64.sqrt()..=1.0),
            slope_below: slope_in(&resolved, 0.0..=best.0 / 10.0),
            largest_h_all_lost: median
                .iter()
                .filter(|p| p.1 >= 1.0)
                .map(|p| p.0)
                .reduce(f64::max),
        };
        eprintln!(
            "step {precision}: smallest median error {:.1e} at h = {:.1e}, predicted eps^(1/3) = {:.1e}",
            optimum.median_rel_error_at_optimum, optimum.measured_h, optimum.predicted_h
        );
        let worst: Vec<(f64, f64)> = points.iter().map(|p| (p.0, p.2)).collect();
        series.push(Series::new(format!("{precision}, median"), median).colored(2 * i));
        series.push(Series::new(format!("{precision}, worst"), worst).colored(2 * i + 1));
        optima.push(optimum);
    }
    // The predicted optimum of each precision as a vertical line across the errors' range.
    let errors = rows.iter().map(|r| r.median_rel_error).filter(|e| *e > 0.0);
    let (lo, hi) = errors.fold((f64::INFINITY, 0f64), |(l, h), e| (l.min(e), h.max(e)));
    for (i, o) in optima.iter().enumerate() {
        let line = vec![(o.predicted_h, lo), (o.predicted_h, hi)];
        let name = format!("eps^(1/3), {}", o.precision);
        series.push(Series::new(name, line).colored(6 + i));
    }
    let mut outputs = vec![out.write_csv("step.csv", rows)?];
    let title = format!(
        "Centred difference vs backprop: tanh MLP {}-{}-{}, first layer's weights",
        SIZES[0], SIZES[1], SIZES[2]
    );
    let chart = LineChart::new(title, "step h", "relative error")
        .log_x()
        .log_y()
        .with(series);
    outputs.extend(Figure::single(chart, (MAX_WIDTH, 520)).save(out.dir(), "step")?);
    Ok((optima, outputs))
}
