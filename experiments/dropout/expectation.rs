//! Part 1: the slide's expected-value argument. A unit `a = w0 x + w1 y` whose two inputs are each
//! kept with probability `p`: the four masks enumerated give `E[a] = p (w0 x + w1 y)` exactly
//! (`1/2 (w0 x + w1 y)` at `p = 1/2`), and the mean of `n` sampled masks (drawn by the chapter's
//! dropout layer) approaches it as `1/sqrt(n)`.

use std::path::PathBuf;

use ndarray::Array2;
use nnlab::nn::layers::{Dropout, DropoutKind, Layer, Mode};
use nnlab::procedures::metrics::loglog_slope;
use nnlab::report::plot::{Figure, LineChart, Series};
use nnlab::report::results::ResultsDir;
use serde::Serialize;

/// The slide's unit: weights and inputs.
pub const W: [f64; 2] = [0.5, 1.5];
pub const INPUT: [f64; 2] = [1.0, 2.0];

/// A row of `masks.csv`: one of the four masks.
#[derive(Serialize)]
struct MaskRow {
    x_kept: bool,
    y_kept: bool,
    probability: f64,
    a: f64,
}

/// A row of `expectation.csv`.
#[derive(Serialize)]
struct ErrorRow {
    /// Masks averaged.
    samples: usize,
    /// Root mean square of `mean of n sampled a - E[a]` over the replicates.
    rms_error: f64,
    /// The standard error `sd(a) / sqrt(n)` with `var(a) = p (1 - p) (w0^2 x^2 + w1^2 y^2)`.
    standard_error: f64,
}

/// What the demo found, for meta.json and the chapter.
#[derive(Serialize)]
pub struct Summary {
    pub p: f64,
    pub w: [f64; 2],
    pub input: [f64; 2],
    /// `sum over the four masks of P(mask) a(mask)`.
    pub enumerated: f64,
    /// `p (w0 x + w1 y)`.
    pub formula: f64,
    pub replicates: usize,
    pub max_samples: usize,
    /// Slope of log RMS error against log n (`-1/2` for `1/sqrt(n)`).
    pub slope: f64,
}

/// `a` of every row of dropped inputs `(n, 2)`.
fn unit(h: &Array2<f64>) -> impl Iterator<Item = f64> + '_ {
    h.rows().into_iter().map(|r| W[0] * r[0] + W[1] * r[1])
}

// ANCHOR: enumerate
/// `E[a]` by enumerating the four masks: each input kept (1) or dropped (0), independently.
fn enumerate(p: f64) -> Vec<MaskRow> {
    let masks = [(false, false), (false, true), (true, false), (true, true)];
    masks
        .iter()
        .map(|&(mx, my)| {
            let chance = |kept: bool| if kept { p } else { 1.0 - p };
            let kept = |k: bool, v: f64| if k { v } else { 0.0 };
            MaskRow {
                x_kept: mx,
                y_kept: my,
                probability: chance(mx) * chance(my),
                a: W[0] * kept(mx, INPUT[0]) + W[1] * kept(my, INPUT[1]),
            }
        })
        .collect()
}
// ANCHOR_END: enumerate

/// 1, 2, 5, 10, 20, 50, ... up to `max`.
fn one_two_five(max: usize) -> Vec<usize> {
    let decades = std::iter::successors(Some(1usize), |d| d.checked_mul(10));
    let steps = decades
        .take_while(|&d| d <= max)
        .flat_map(|d| [d, 2 * d, 5 * d]);
    steps.filter(|&n| n <= max).collect()
}

pub fn run(
    p: f64,
    max_samples: usize,
    replicates: usize,
    out: &ResultsDir,
) -> anyhow::Result<(Summary, Vec<PathBuf>)> {
    let masks = enumerate(p);
    let enumerated: f64 = masks.iter().map(|m| m.probability * m.a).sum();
    let formula = p * (W[0] * INPUT[0] + W[1] * INPUT[1]);
    let mut outputs = vec![out.write_csv("masks.csv", masks)?];

    // Sampled: replicate r draws max_samples masks from a vanilla dropout layer of its own key.
    let checkpoints = one_two_five(max_samples);
    let mut squared = vec![0.0; checkpoints.len()];
    let x = Array2::from_shape_fn((max_samples, 2), |(_, j)| INPUT[j]);
    for r in 0..replicates {
        let mut layer = Dropout::<f64>::new(p, DropoutKind::Vanilla, r as u64)?;
        let h = layer.forward(x.view(), Mode::Train);
        let (mut sum, mut next) = (0.0, 0);
        for (i, a) in unit(&h).enumerate() {
            sum += a;
            if next < checkpoints.len() && i + 1 == checkpoints[next] {
                squared[next] += (sum / (i + 1) as f64 - enumerated).powi(2);
                next += 1;
            }
        }
    }
    let sd = (p * (1.0 - p) * ((W[0] * INPUT[0]).powi(2) + (W[1] * INPUT[1]).powi(2))).sqrt();
    let rows: Vec<ErrorRow> = (checkpoints.iter().zip(&squared))
        .map(|(&n, &sq)| ErrorRow {
            samples: n,
            rms_error: (sq / replicates as f64).sqrt(),
            standard_error: sd / (n as f64).sqrt(),
        })
        .collect();
    let measured: Vec<(f64, f64)> = rows
        .iter()
        .map(|r| (r.samples as f64, r.rms_error))
        .collect();
    let theory: Vec<(f64, f64)> = (rows.iter())
        .map(|r| (r.samples as f64, r.standard_error))
        .collect();
    let slope = loglog_slope(&measured);
    outputs.push(out.write_csv("expectation.csv", rows)?);
    eprintln!(
        "E[a]: enumerated {enumerated} = p (w0 x + w1 y) = {formula}; sampled error slope {slope:.3}"
    );

    let title =
        format!("Mean of n dropout masks vs E[a] = {formula} (p = {p}, {replicates} replicates)");
    let chart = LineChart::new(title, "masks averaged n", "RMS error of the mean")
        .log_x()
        .log_y()
        .with(vec![
            Series::new(format!("measured (slope {slope:.2})"), measured),
            Series::new("sd(a) / sqrt(n)", theory),
        ]);
    outputs.extend(Figure::column(vec![chart.into()], 420).save(out.dir(), "expectation")?);
    let summary = Summary {
        p,
        w: W,
        input: INPUT,
        enumerated,
        formula,
        replicates,
        max_samples,
        slope,
    };
    Ok((summary, outputs))
}
