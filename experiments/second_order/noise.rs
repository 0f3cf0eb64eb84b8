//! Section 4: noise. L-BFGS fed mini-batch values and gradients, measured on the full training
//! loss, against the full-batch run.

use nnlab::optim::second_order::objectives::{MiniBatch, SoftmaxRegression};
use nnlab::optim::second_order::{Lbfgs, Minimizer, Objective, Report, Stopping};
use nnlab::report::plot::{Figure, LineChart, MAX_WIDTH, Series};
use nnlab::report::results::ResultsDir;
use nnlab::rng::substream;
use serde::Serialize;

use super::args::{Args, Record, Settings};

#[derive(Serialize)]
struct NoiseRow {
    method: String,
    batch: Option<usize>,
    iter: usize,
    evals: usize,
    full_loss: f64,
}

/// L-BFGS (m = 10) on each `--batches` size; `reference` is the full-batch run (made here if the
/// softmax section had no L-BFGS with m = 10).
pub fn run(
    args: &Args,
    s: &Settings,
    train: &mut SoftmaxRegression,
    reference: Option<Report>,
    out: &ResultsDir,
    record: &mut Record,
) -> anyhow::Result<()> {
    let mut noise = Vec::new();
    let noise_stop = Stopping {
        max_iter: s.iters,
        keep_path: true,
        ..Stopping::default()
    };
    let mut noise_series = Vec::new();
    let mut cases: Vec<(String, Option<usize>, Report)> = Vec::new();
    let (dim, zeros) = (train.dim(), vec![0.0; train.dim()]);
    let reference = match reference {
        Some(r) => r,
        None => Lbfgs::new(10).minimize(train, &zeros, &noise_stop),
    };
    cases.push(("L-BFGS (m=10), full batch".into(), None, reference));
    for (i, &b) in args.batches.iter().enumerate() {
        let mut mb = MiniBatch {
            full: train,
            batch: b.min(train.samples()),
            rng: substream(args.common.seed, 100 + i as u64),
        };
        let r = Lbfgs::new(10).minimize(&mut mb, &zeros, &noise_stop);
        cases.push((format!("L-BFGS (m=10), batch {b}"), Some(b), r));
    }
    let mut full_loss = |x: &[f64]| {
        let mut g = vec![0.0; dim];
        train.value_grad(x, &mut g)
    };
    for (i, (name, b, r)) in cases.iter().enumerate() {
        let mut pts = Vec::new();
        for (k, h) in r.history.iter().enumerate() {
            // The full-batch run's history already holds the full loss (and keeps no path).
            let loss = if b.is_none() {
                h.value
            } else {
                full_loss(&r.path[k])
            };
            noise.push(NoiseRow {
                method: name.clone(),
                batch: *b,
                iter: h.iter,
                evals: h.evals,
                full_loss: loss,
            });
            pts.push((h.iter as f64, loss));
        }
        eprintln!(
            "noise {name}: {} iterations ({}), full loss {:.5}",
            r.iterations,
            r.stop.label(),
            pts.last().map_or(f64::NAN, |p| p.1)
        );
        let key = b.map_or("full".to_string(), |b| format!("batch_{b}"));
        record
            .numbers
            .value(&format!("noise_{key}_iters"), r.iterations)
            .fixed(
                &format!("noise_{key}_loss"),
                pts.last().map_or(f64::NAN, |p| p.1),
                3,
            );
        noise_series.push(Series::new(format!("{name} ({})", r.stop.label()), pts).colored(i));
    }
    record.outputs.push(out.write_csv("noise.csv", noise)?);
    let chart = LineChart::new(
        "L-BFGS with noise: full training loss at each iterate",
        "iteration",
        "full-batch training loss",
    );
    let chart = chart.log_y().with(noise_series);
    record
        .outputs
        .extend(Figure::single(chart, (MAX_WIDTH, 560)).save(out.dir(), "noise")?);

    Ok(())
}
