//! Part 1: the initial loss and the tiny training set.

use std::path::PathBuf;

use ndarray::s;
use nnlab::data::fashion::Prepared;
use nnlab::optim::Sgd;
use nnlab::procedures::babysit::{
    INITIAL_LOSS_TOLERANCE, InitialLoss, Overfit, initial_loss, overfit, scale_weights,
};
use nnlab::report::numbers::Numbers;
use nnlab::report::plot::{Figure, LineChart, Series};
use nnlab::report::results::ResultsDir;
use serde::Serialize;

use super::args::{Args, CheckRow, Net};

/// A row of `initial.csv`.
#[derive(Serialize)]
struct InitialRow {
    network: &'static str,
    weights: String,
    reg: f64,
    loss: f64,
    expected: f64,
}

/// A row of `overfit.csv`.
#[derive(Serialize)]
struct OverfitRow {
    network: &'static str,
    iter: usize,
    loss: f64,
    train_accuracy: f64,
}

/// What part 1 measured per network, for meta.json.
#[derive(Serialize)]
pub struct Sanity {
    pub network: &'static str,
    pub he_init: InitialLoss,
    pub small_weights: InitialLoss,
    pub with_reg: f64,
    pub overfit_reached_100_at: Option<usize>,
    pub overfit_final_loss: f64,
}

pub fn run(
    args: &Args,
    d: &Prepared<f32>,
    out: &ResultsDir,
    numbers: &mut Numbers,
) -> anyhow::Result<(Vec<CheckRow>, Vec<Sanity>, Vec<PathBuf>)> {
    let (x, y) = (d.x_train.view(), &d.y_train[..]);
    let (mut checks, mut sanity, mut initial_rows, mut overfit_rows) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut loss_series, mut accuracy_series) = (Vec::new(), Vec::new());
    for (i, net_kind) in Net::ALL.into_iter().enumerate() {
        let network = net_kind.name();
        let he_init = initial_loss(&mut net_kind.build(args), x, y);
        let mut net = net_kind.build(args);
        scale_weights(&mut net, args.small as f32);
        let small_weights = initial_loss(&mut net, x, y);
        net.reg = args.reg as f32;
        let with_reg = small_weights.loss + net.reg_loss() as f64;
        eprintln!(
            "{network}: initial loss {:.4} with He init, {:.4} with weights x{}, {with_reg:.4} with L2 {} (ln 10 = {:.4})",
            he_init.loss, small_weights.loss, args.small, args.reg, small_weights.expected
        );
        let small = format!("He init x {}", args.small);
        for (weights, reg, loss) in [
            ("He init".to_string(), 0.0, he_init.loss),
            (small.clone(), 0.0, small_weights.loss),
            (small.clone(), args.reg, with_reg),
        ] {
            initial_rows.push(InitialRow {
                network,
                weights,
                reg,
                loss,
                expected: small_weights.expected,
            });
        }
        checks.push(CheckRow {
            network,
            check: format!("initial loss, weights x {}, no regularization", args.small),
            measured: format!("{:.4}", small_weights.loss),
            expected: format!(
                "ln 10 = {:.4} ± {INITIAL_LOSS_TOLERANCE}",
                small_weights.expected
            ),
            passed: small_weights.passed,
        });
        checks.push(CheckRow {
            network,
            check: format!("regularization raises it (L2 {})", args.reg),
            measured: format!("{:.4} → {with_reg:.4}", small_weights.loss),
            expected: "higher".into(),
            passed: with_reg > small_weights.loss,
        });

        let mut net = net_kind.build(args);
        let mut opt = Sgd::new(args.overfit_lr)?;
        let n = args.overfit_examples;
        let tiny = x.slice(s![..n, ..]);
        let fit: Overfit = overfit(&mut net, &mut opt, tiny, &y[..n], args.overfit_iters);
        let final_loss = fit.curve.last().map_or(f64::NAN, |p| p.loss);
        let reached = fit
            .reached_100_at
            .map_or("never fitted to 100%".to_string(), |i| {
                format!("fitted to 100% at iteration {i}")
            });
        eprintln!(
            "{network}: {n} examples {reached} (loss {final_loss:.2e} after {})",
            fit.curve.len()
        );
        checks.push(CheckRow {
            network,
            check: format!(
                "overfits {n} examples, no regularization (SGD {})",
                args.overfit_lr
            ),
            measured: match fit.reached_100_at {
                Some(at) => format!(
                    "100% at iteration {at}, loss {final_loss:.1e} at {}",
                    fit.curve.len()
                ),
                None => format!(
                    "{:.0}% after {} iterations",
                    100.0 * fit.curve.last().map_or(0.0, |p| p.train_accuracy),
                    fit.curve.len()
                ),
            },
            expected: format!("100% within {}", args.overfit_iters),
            passed: fit.passed,
        });
        overfit_rows.extend(fit.curve.iter().map(|p| OverfitRow {
            network,
            iter: p.iter,
            loss: p.loss,
            train_accuracy: p.train_accuracy,
        }));
        let loss = fit.curve.iter().map(|p| (p.iter as f64, p.loss)).collect();
        let acc = fit
            .curve
            .iter()
            .map(|p| (p.iter as f64, 100.0 * p.train_accuracy))
            .collect();
        loss_series.push(Series::new(network, loss).colored(i));
        accuracy_series.push(Series::new(network, acc).colored(i));
        let slug = net_kind.slug();
        numbers
            .fixed(&format!("{slug}_small_loss"), small_weights.loss, 4)
            .fixed(&format!("{slug}_reg_loss"), with_reg, 2)
            .fixed(&format!("{slug}_he_loss"), he_init.loss, 2)
            .value(
                &format!("{slug}_fit_at"),
                fit.reached_100_at
                    .map_or("never".into(), |at| at.to_string()),
            )
            .value(&format!("{slug}_fit_loss"), format!("{final_loss:.1e}"));
        sanity.push(Sanity {
            network,
            he_init,
            small_weights,
            with_reg,
            overfit_reached_100_at: fit.reached_100_at,
            overfit_final_loss: final_loss,
        });
    }
    let expected = sanity
        .first()
        .map_or(f64::NAN, |s| s.small_weights.expected);
    numbers
        .fixed("ln_c", expected, 4)
        .value("small", args.small)
        .value("reg", args.reg)
        .value("overfit_examples", args.overfit_examples)
        .value("overfit_iters", args.overfit_iters)
        .value("overfit_lr", args.overfit_lr);
    let mut outputs = vec![
        out.write_csv("initial.csv", initial_rows)?,
        out.write_csv("overfit.csv", overfit_rows)?,
    ];
    let n = args.overfit_examples;
    let loss = LineChart::new(
        format!("Training loss on {n} examples"),
        "iteration",
        "loss",
    )
    .log_y()
    .with(loss_series);
    let acc = LineChart::new(
        format!("Training accuracy on {n} examples"),
        "iteration",
        "accuracy (%)",
    )
    .with(accuracy_series);
    let figure = Figure::pair(vec![loss.into(), acc.into()], 400);
    outputs.extend(figure.save(out.dir(), "overfit")?);
    Ok((checks, sanity, outputs))
}
