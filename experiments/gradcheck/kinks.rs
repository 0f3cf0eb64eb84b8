//! Part 3: kinks. ReLU's `max(0, x)` and the SVM's hinge `max(0, s_j - s_y + 1)` have a corner at
//! 0; a centred difference whose two points straddle it averages the two slopes, and the check
//! fails although the gradient is right. The scan puts the input at `t h` for `t` in [-2.5, 2.5];
//! the count asks how many checks of a real first layer (784 -> hidden, ReLU, He initialization,
//! Fashion-MNIST batches) straddle a corner at each step.

use std::path::PathBuf;

use ndarray::{Array2, array, s};
use nnlab::data::fashion::Prepared;
use nnlab::nn::init::Init;
use nnlab::nn::layers::{Activation, ActivationKind, Mode};
use nnlab::nn::loss::LossKind;
use nnlab::nn::network::Sequential;
use nnlab::procedures::gradcheck::{Check, check_layer, check_loss, relu_kink_crossings};
use nnlab::report::plot::{Figure, LineChart, Series};
use nnlab::report::results::ResultsDir;
use nnlab::rng::seeded;
use serde::Serialize;

use super::args::{Args, steps};

const SEED: u64 = 3;

/// A row of `scan.csv`.
#[derive(Serialize)]
struct ScanRow {
    /// The input's (ReLU) or the margin's (hinge) distance from the corner, in steps.
    t: f64,
    relu_rel_error: f64,
    hinge_rel_error: f64,
}

/// A row of `kinks.csv`.
#[derive(Serialize)]
struct CountRow {
    batch: usize,
    h: f64,
    weights: usize,
    weights_crossed: usize,
    biases: usize,
    biases_crossed: usize,
    weights_fraction: f64,
    biases_fraction: f64,
}

/// What the count found at the table's step, for meta.json and the chapter.
#[derive(Serialize)]
pub struct Summary {
    pub hidden: usize,
    pub h: f64,
    /// Per batch size: the fractions of first-layer weight and bias checks crossing a kink at `h`.
    pub at_h: Vec<(usize, f64, f64)>,
    /// Largest relative error of the scan inside `|t| < 1` and outside it.
    pub scan_worst_inside: f64,
    pub scan_worst_outside: f64,
    /// `(batch, h, fraction of weight checks crossing)` at every step of the sweep (in `kinks.csv`).
    #[serde(skip)]
    pub swept: Vec<(usize, f64, f64)>,
}

/// The relative error of the ReLU check and of the hinge check at distance `t h` from the corner.
fn scan_point(t: f64, h: f64) -> (f64, f64) {
    let check = Check::new(h, 0.0);
    let mut relu = Activation::<f64>::new(ActivationKind::Relu);
    let (x, g) = (array![[t * h]], array![[1.0]]);
    let relu_error = check_layer(&mut relu, x.view(), g.view(), check)[0].worst_rel_error;
    // One example of class 0 with two scores: the margin of class 1 is s_1 - s_0 + 1 = t h.
    let scores = array![[0.0, t * h - 1.0]];
    let hinge = check_loss(LossKind::Svm, scores.view(), &[0], check);
    (relu_error, hinge.worst_rel_error)
}

/// Whether two scans agree to 1e-9 at every point (drawn once if so).
fn same_curve(a: &[(f64, f64)], b: &[(f64, f64)]) -> bool {
    a.iter().zip(b).all(|(p, q)| (p.1 - q.1).abs() < 1e-9)
}

pub fn run(
    args: &Args,
    d: &Prepared<f32>,
    out: &ResultsDir,
) -> anyhow::Result<(Summary, Vec<PathBuf>)> {
    let h = args.h64;
    let ts: Vec<f64> = (-50..=50).map(|k| k as f64 / 20.0).collect();
    let scan: Vec<ScanRow> = ts
        .iter()
        .map(|&t| {
            let (relu_rel_error, hinge_rel_error) = scan_point(t, h);
            ScanRow {
                t,
                relu_rel_error,
                hinge_rel_error,
            }
        })
        .collect();
    let worst = |inside: bool| {
        let rows = scan.iter().filter(|r| (r.t.abs() < 1.0) == inside);
        rows.map(|r| r.relu_rel_error.max(r.hinge_rel_error))
            .fold(0.0, f64::max)
    };
    let (scan_worst_inside, scan_worst_outside) = (worst(true), worst(false));

    let mut net = Sequential::<f64>::fashion_mlp(args.hidden, Init::He, &mut seeded(SEED));
    let hs = steps(args.steps_per_decade);
    let (mut rows, mut at_h, mut count_series) = (Vec::new(), Vec::new(), Vec::new());
    let mut swept = Vec::new();
    for (i, &batch) in args.kink_batches.iter().enumerate() {
        let x: Array2<f64> = d.x_train.slice(s![..batch, ..]).mapv(f64::from);
        let z = net.forward_first(x.view(), 1, Mode::Train);
        let mut points = Vec::new();
        for &step in &hs {
            let c = relu_kink_crossings(x.view(), z.view(), step);
            let (weights_fraction, biases_fraction) = c.fractions();
            points.push((step, weights_fraction));
            swept.push((batch, step, weights_fraction));
            rows.push(CountRow {
                batch,
                h: step,
                weights: c.weights,
                weights_crossed: c.weights_crossed,
                biases: c.biases,
                biases_crossed: c.biases_crossed,
                weights_fraction,
                biases_fraction,
            });
        }
        let fractions = relu_kink_crossings(x.view(), z.view(), h).fractions();
        eprintln!(
            "kinks: batch {batch}, h = {h}: {:.2e} of weight checks and {:.2e} of bias checks cross a ReLU corner",
            fractions.0, fractions.1
        );
        at_h.push((batch, fractions.0, fractions.1));
        let name = format!("batch {batch}");
        count_series.push(Series::new(name, points).colored(i));
    }
    let mut outputs = vec![
        out.write_csv("scan.csv", &scan)?,
        out.write_csv("kinks.csv", rows)?,
    ];

    let relu: Vec<(f64, f64)> = scan.iter().map(|r| (r.t, r.relu_rel_error)).collect();
    let hinge: Vec<(f64, f64)> = scan.iter().map(|r| (r.t, r.hinge_rel_error)).collect();
    let scan_chart = LineChart::new(
        format!("Checks at a corner (h = {h})"),
        "distance from the corner / h",
        "relative error",
    )
    .with(if same_curve(&relu, &hinge) {
        // Both corners are max(0, .): one curve, drawn once.
        vec![Series::new("ReLU dx = SVM hinge dscores", relu).colored(0)]
    } else {
        vec![
            Series::new("ReLU dx", relu).colored(0),
            Series::new("SVM hinge dscores", hinge).colored(3),
        ]
    });
    let count_chart = LineChart::new(
        format!("Checks of W1 crossing a ReLU corner (784-{})", args.hidden),
        "step h",
        "fraction of W1's entries",
    )
    .log_x()
    .log_y()
    .with(count_series);
    let figure = Figure::pair(vec![scan_chart.into(), count_chart.into()], 420);
    outputs.extend(figure.save(out.dir(), "kinks")?);
    let summary = Summary {
        hidden: args.hidden,
        h,
        at_h,
        swept,
        scan_worst_inside,
        scan_worst_outside,
    };
    Ok((summary, outputs))
}
