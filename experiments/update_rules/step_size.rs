//! Part 3: AdaGrad against RMSProp on noisy gradients of the taco shell over a long run — the
//! effective step size.

use std::path::PathBuf;

use nnlab::optim::{AdaGrad, Optimizer, RmsProp};
use nnlab::procedures::surfaces::Surface;
use nnlab::report::numbers::{Numbers, sig3, thousands};
use nnlab::report::plot::{Figure, LineChart, Series};
use nnlab::report::results::ResultsDir;
use nnlab::rng::{randn, substream};
use serde::Serialize;

use super::args::{Args, Settings};
use super::surfaces::TACO;

#[derive(Serialize)]
struct StepRow {
    optimizer: &'static str,
    iter: usize,
    step_x: f64,
    step_y: f64,
    loss: f64,
}

/// What the chapter says of one rule's run (`steps` and `losses` by thousands of iterations): its
/// step along x at the first, the 1,000th, the 10,000th and the last iteration, its median step
/// over the second half, and its mean loss over the last tenth.
fn quote(numbers: &mut Numbers, name: &str, steps: &[(f64, f64)], losses: &[(f64, f64)]) {
    let at = |k: usize| steps.get(k.saturating_sub(1)).map(|p| p.1);
    let n = steps.len();
    let mut late: Vec<f64> = steps[n / 2..].iter().map(|p| p.1).collect();
    late.sort_by(f64::total_cmp);
    let last_tenth = &losses[n - n.div_ceil(10)..];
    let mean_loss = last_tenth.iter().map(|p| p.1).sum::<f64>() / last_tenth.len() as f64;
    // An iteration past the run's end (a shorter --long-iters) has no step: a dash.
    for (what, v) in [
        ("first", at(1)),
        ("at_1000", at(1_000)),
        ("at_10000", at(10_000)),
        ("last", at(n)),
        ("late_median", late.get(late.len() / 2).copied()),
        ("late_loss", Some(mean_loss)),
    ] {
        numbers.value(&format!("{name}_step_{what}"), v.map_or("—".into(), sig3));
    }
}

/// Both rules at `--step-learning-rate` with Gaussian noise of std `--noise` on every gradient;
/// writes `step_size.csv` and its figure.
pub fn run(
    args: &Args,
    s: &Settings,
    out: &ResultsDir,
    numbers: &mut Numbers,
) -> anyhow::Result<Vec<PathBuf>> {
    let (step_lr, long_iters) = (args.step_learning_rate, s.long_iters);
    let mut outputs = Vec::new();
    // Part 3: AdaGrad vs RMSProp on noisy gradients of the taco shell.
    let (mut step_rows, mut step_series, mut loss_series) = (Vec::new(), Vec::new(), Vec::new());
    let mut adagrad = AdaGrad::<f64>::new(step_lr)?;
    let mut rmsprop = RmsProp::<f64>::new(step_lr, 0.99)?;
    for (name, label) in [
        ("adagrad", "AdaGrad"),
        ("rmsprop", "RMSProp (decay_rate=0.99)"),
    ] {
        let mut rng = substream(args.common.seed, 10);
        let mut p = [TACO.start().0, TACO.start().1];
        let (mut steps, mut losses) = (Vec::new(), Vec::new());
        for iter in 1..=long_iters {
            let (gx, gy) = TACO.grad(p[0], p[1]);
            let dx = [
                gx + args.noise * randn(&mut rng),
                gy + args.noise * randn(&mut rng),
            ];
            let cache = if name == "adagrad" {
                adagrad.update(0, &mut p, &dx);
                adagrad.cache(0, 2)
            } else {
                rmsprop.update(0, &mut p, &dx);
                rmsprop.cache(0, 2)
            };
            // ANCHOR: effective_step
            let step = |cache: f64| step_lr / (cache.sqrt() + 1e-7);
            // ANCHOR_END: effective_step
            let row = StepRow {
                optimizer: name,
                iter,
                step_x: step(cache[0]),
                step_y: step(cache[1]),
                loss: TACO.value(p[0], p[1]),
            };
            // Plotted in thousands of iterations: 5-digit tick labels crowd a half-width panel.
            let thousands = iter as f64 / 1e3;
            steps.push((thousands, row.step_x));
            losses.push((thousands, row.loss));
            step_rows.push(row);
        }
        quote(numbers, name, &steps, &losses);
        step_series.push(Series::new(label, steps));
        loss_series.push(Series::new(label, losses));
    }
    numbers
        .value("step_learning_rate", step_lr)
        .value("step_noise", args.noise)
        .value("step_iters", thousands(long_iters));
    // Keep the CSV small: every iteration up to 100, then every 10th.
    let kept = step_rows
        .into_iter()
        .filter(|r| r.iter <= 100 || r.iter % 10 == 0);
    outputs.push(out.write_csv("step_size.csv", kept)?);
    let step = LineChart::new(
        format!("effective step along x, lr = {step_lr}"),
        "iteration (thousands)",
        "lr / (sqrt(cache) + eps)",
    );
    let loss = LineChart::new(
        format!("loss, gradient noise std {}", args.noise),
        "iteration (thousands)",
        "loss",
    );
    let panels = vec![
        step.log_y().with(step_series).into(),
        loss.log_y().with(loss_series).into(),
    ];
    outputs.extend(Figure::pair(panels, 440).save(out.dir(), "step_size")?);

    Ok(outputs)
}
