//! Part 1: each function and its derivative, computed by the library's forward and backward passes.

use std::path::PathBuf;

use ndarray::Array2;
use nnlab::nn::layers::ActivationKind;
use nnlab::report::numbers::{Numbers, sig3};
use nnlab::report::plot::{Figure, LineChart, Series};
use nnlab::report::results::ResultsDir;

#[derive(serde::Serialize)]
struct Row {
    activation: &'static str,
    x: f64,
    value: f64,
    derivative: f64,
}

/// f(x) and f'(x) on `points` (N, 1): the forward pass, then the backward pass of an upstream
/// gradient of ones.
fn value_and_slope(kind: ActivationKind, points: &Array2<f64>) -> (Array2<f64>, Array2<f64>) {
    let out = kind.apply(points.view());
    let slope = kind.backward(Array2::ones(points.dim()).view(), out.view());
    (out, slope)
}

/// Writes `functions.csv` and the figure `functions`; quotes the slopes the chapter discusses.
pub fn run(out: &ResultsDir, numbers: &mut Numbers) -> anyhow::Result<Vec<PathBuf>> {
    let n = 601;
    let xs = Array2::from_shape_fn((n, 1), |(i, _)| -3.0 + 6.0 * i as f64 / (n - 1) as f64);
    let (mut rows, mut panels) = (Vec::new(), Vec::new());
    for kind in ActivationKind::ALL {
        let (v, d) = value_and_slope(kind, &xs);
        let pts = |m: &Array2<f64>| xs.iter().zip(m.iter()).map(|(&x, &y)| (x, y)).collect();
        let chart = LineChart::new(kind.label(), "x", "").with(vec![
            Series::new("f(x)", pts(&v)),
            Series::new("f'(x)", pts(&d)),
        ]);
        panels.push(chart.into());
        rows.extend((0..n).map(|i| Row {
            activation: kind.name(),
            x: xs[[i, 0]],
            value: v[[i, 0]],
            derivative: d[[i, 0]],
        }));
    }
    // The slopes the chapter quotes: the largest sigmoid slope (at 0) and both squashing
    // functions' slopes at x = 5 (saturated).
    let at = |kind, x: f64| value_and_slope(kind, &Array2::from_elem((1, 1), x)).1[[0, 0]];
    numbers
        .value("sigmoid_slope_0", sig3(at(ActivationKind::Sigmoid, 0.0)))
        .value("sigmoid_slope_5", sig3(at(ActivationKind::Sigmoid, 5.0)))
        .value("tanh_slope_5", sig3(at(ActivationKind::Tanh, 5.0)))
        .value(
            "sigmoid_slope_0_to_8",
            sig3(at(ActivationKind::Sigmoid, 0.0).powi(8)),
        );
    let mut outputs = vec![out.write_csv("functions.csv", rows)?];
    // Three small panels to a row, each function with the derivative its backward pass gives.
    let figure = Figure {
        panels,
        cols: 3,
        panel_size: (300, 290),
    };
    outputs.extend(figure.save(out.dir(), "functions")?);
    Ok(outputs)
}
