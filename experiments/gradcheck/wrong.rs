//! Part 4: a bug. The affine layer and a copy whose backward halves `dW`
//! ([`nnlab::procedures::gradcheck::HalvedWeightGradient`]): checked alone at the table's step, then as the
//! second layer of a small tanh network at every step. The right network follows the V of part 2;
//! the wrong layer's `W` stays at 1/2 whatever the step — a bug does not depend on `h`, rounding
//! and truncation do.

use std::path::PathBuf;

use ndarray::Array2;
use nnlab::nn::layers::{Activation, ActivationKind, Affine, Layer};
use nnlab::nn::loss::LossKind;
use nnlab::nn::network::Sequential;
use nnlab::procedures::gradcheck::{
    Check, HalvedWeightGradient, TensorCheck, check_layer, check_network, reading,
};
use nnlab::report::plot::{Figure, LineChart, MAX_WIDTH, Series};
use nnlab::report::results::ResultsDir;
use nnlab::rng::{randn_array, seeded};
use serde::Serialize;

use super::args::{Args, STEPS, steps};

const SEED: u64 = 4;
/// Input rows, input and output width.
const SHAPE: (usize, usize, usize) = (4, 5, 3);

/// Hidden units of the network the sweep checks, and the slot of its second layer's weights.
const HIDDEN: usize = 8;
const SECOND_W: usize = 2;

/// A row of `wrong.csv`: one tensor of the network at one step.
#[derive(Serialize)]
struct Row {
    network: &'static str,
    h: f64,
    tensor: String,
    worst_rel_error: f64,
    reading: &'static str,
    /// The worst entry's analytic and numeric values.
    analytic: f64,
    numeric: f64,
}

/// Both layers' checks at the table's step, for meta.json and the chapter.
#[derive(Serialize)]
pub struct Summary {
    pub h: f64,
    pub right: Vec<TensorCheck>,
    pub wrong: Vec<TensorCheck>,
}

/// The tanh MLP 5 -> 8 -> 3 (softmax) whose second layer is `second(w2)`, with `w1` first.
fn network(w1: &Array2<f64>, second: Box<dyn Layer<f64>>) -> Sequential<f64> {
    let mut net = Sequential::new(LossKind::Softmax, 0.0)
        .push(Affine::new(w1.clone()))
        .push(Activation::new(ActivationKind::Tanh));
    net.layers.push(second);
    net
}

pub fn run(args: &Args, out: &ResultsDir) -> anyhow::Result<(Summary, Vec<PathBuf>)> {
    let rng = &mut seeded(SEED);
    let (n, d, m) = SHAPE;
    let (x, g, w) = (
        randn_array(n, d, rng),
        randn_array(n, m, rng),
        randn_array(d, m, rng),
    );
    // The layer alone at the table's step: what the test asserts.
    let layer_check = |layer: &mut dyn Layer<f64>| {
        check_layer(layer, x.view(), g.view(), Check::new(args.h64, args.floor))
    };
    let right = layer_check(&mut Affine::new(w.clone()));
    let wrong = layer_check(&mut HalvedWeightGradient::new(w.clone()));
    eprintln!(
        "wrong layer at h = {}: right worst {:.1e}, dW halved: {}",
        args.h64,
        nnlab::procedures::gradcheck::worst(&right),
        wrong
            .iter()
            .map(|c| format!("{} {:.1e}", c.tensor, c.worst_rel_error))
            .collect::<Vec<_>>()
            .join(", ")
    );

    // Inside a smooth network, at every step: the same second layer right and wrong.
    let (w1, w2) = (randn_array(d, HIDDEN, rng), randn_array(HIDDEN, m, rng));
    let y: Vec<usize> = (0..n).map(|i| i % m).collect();
    let nets: [(&'static str, Box<dyn Layer<f64>>); 2] = [
        ("right", Box::new(Affine::new(w2.clone()))),
        ("dW halved", Box::new(HalvedWeightGradient::new(w2))),
    ];
    let (mut rows, mut series) = (Vec::new(), Vec::new());
    for (i, (name, second)) in nets.into_iter().enumerate() {
        let mut net = network(&w1, second);
        let (mut buggy, mut others) = (Vec::new(), Vec::new());
        for h in steps(args.steps_per_decade) {
            let checks = check_network(&mut net, x.view(), &y, Check::new(h, args.floor));
            for (slot, c) in checks.iter().enumerate() {
                rows.push(Row {
                    network: name,
                    h,
                    tensor: c.tensor.clone(),
                    worst_rel_error: c.worst_rel_error,
                    reading: reading(c.worst_rel_error),
                    analytic: c.analytic,
                    numeric: c.numeric,
                });
                if slot == SECOND_W {
                    buggy.push((h, c.worst_rel_error));
                }
            }
            let rest = checks
                .iter()
                .enumerate()
                .filter(|(slot, _)| *slot != SECOND_W);
            others.push((h, rest.map(|(_, c)| c.worst_rel_error).fold(0.0, f64::max)));
        }
        series.push(Series::new(format!("{name}: second layer's W"), buggy).colored(2 * i));
        if i == 0 {
            series.push(Series::new("right: the other tensors", others).colored(1));
        }
    }
    // CS231n's bands.
    let (lo, hi) = (10f64.powi(STEPS.1), 10f64.powi(STEPS.0));
    for (k, (level, name)) in [
        (1e-2, "1e-2: wrong above"),
        (1e-4, "1e-4"),
        (1e-7, "1e-7: happy below"),
    ]
    .into_iter()
    .enumerate()
    {
        series.push(Series::new(name, vec![(lo, level), (hi, level)]).colored(7 + k));
    }
    let mut outputs = vec![out.write_csv("wrong.csv", rows)?];
    let title = format!(
        "tanh MLP {d}-{HIDDEN}-{m}, its second layer right and with dW halved: worst relative error"
    );
    let chart = LineChart::new(title, "step h", "worst relative error")
        .log_x()
        .log_y()
        .with(series);
    outputs.extend(Figure::single(chart, (MAX_WIDTH, 480)).save(out.dir(), "wrong")?);
    let summary = Summary {
        h: args.h64,
        right,
        wrong,
    };
    Ok((summary, outputs))
}
