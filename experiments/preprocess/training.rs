//! Part 3: what each preprocessing buys — the same MLP trained on raw, scaled, zero-centred,
//! standardized and PCA-whitened pixels, each at the learning rate its own one-epoch probe chose
//! on validation, over several seeds.

use std::path::PathBuf;

use nnlab::data::fashion::Prepared;
use nnlab::data::preprocess::{Fitted, Pca, Preprocessing};
use nnlab::nn::init::Init;
use nnlab::nn::layers::ActivationKind;
use nnlab::procedures::runs::Model;
use nnlab::procedures::train::{History, Split, smoothing_window};
use nnlab::report::cli::RunContext;
use nnlab::report::numbers::{Numbers, percent_of};
use nnlab::report::plot::{Figure, LineChart, short_number};
use nnlab::report::results::ResultsDir;

use super::args::Args;
use crate::seeds::{Plan, Variant, epoch_rows, mean_loss, quote_finals, spread};

#[derive(serde::Serialize)]
struct RateRow {
    preprocessing: &'static str,
    learning_rate: f64,
    val_accuracy: f64,
}

fn key(p: Preprocessing) -> &'static str {
    match p {
        Preprocessing::Raw => "raw",
        Preprocessing::Scaled => "scaled",
        Preprocessing::ZeroCentred => "zero_centred",
        Preprocessing::Standardized => "standardized",
        Preprocessing::PcaWhitened { .. } => "whitened",
    }
}

/// `d` (pixels / 255) under `fitted`.
fn apply(fitted: &Fitted, d: &Prepared<f32>) -> Prepared<f32> {
    Prepared {
        x_train: fitted.apply(d.x_train.view()),
        y_train: d.y_train.clone(),
        x_val: fitted.apply(d.x_val.view()),
        y_val: d.y_val.clone(),
        x_test: fitted.apply(d.x_test.view()),
        y_test: d.y_test.clone(),
    }
}

/// Trains every preprocessing; writes `rates.csv`, `epochs.csv` and the figure `training`.
pub fn run(
    run: &RunContext,
    args: &Args,
    epochs: usize,
    d: &Prepared<f32>,
    pca: &Pca,
    out: &ResultsDir,
    numbers: &mut Numbers,
) -> anyhow::Result<Vec<PathBuf>> {
    let kinds = [
        Preprocessing::Raw,
        Preprocessing::Scaled,
        Preprocessing::ZeroCentred,
        Preprocessing::Standardized,
        Preprocessing::PcaWhitened { eps: args.eps },
    ];
    let model = Model::Plain {
        sizes: vec![784, args.hidden, 10],
        activation: ActivationKind::Relu,
        init: Init::He,
    };
    let variant = |kind: Preprocessing, learning_rate| Variant {
        key: key(kind).into(),
        label: kind.name().into(),
        model: model.clone(),
        rule: args.rule,
        learning_rate,
    };
    let (mut rate_rows, mut rate_table, mut chosen, mut histories) =
        (vec![], vec![], vec![], vec![]);
    for kind in kinds {
        // Fitted on the training split only (the whitening reuses the PCA fitted on it).
        let fitted = match kind {
            Preprocessing::PcaWhitened { eps } => Fitted::Whiten(Box::new(pca.clone()), eps),
            other => other.fit(d.x_train.view())?,
        };
        let prepared = apply(&fitted, d);
        let split = Split::of(&prepared).with_test(&prepared);
        let plan = |epochs, seeds| Plan {
            split: &split,
            batch_size: args.batch_size,
            epochs,
            seeds,
            base_seed: args.common.seed,
            train_eval_rows: 5_000,
        };
        let probes: Vec<Variant> = args.rates.iter().map(|&r| variant(kind, r)).collect();
        let what = format!("{}: {} rates", key(kind), probes.len());
        let probed = plan(1, 1).train(run, &what, &probes)?;
        let vals: Vec<f64> = probed.iter().map(|h| h[0].final_accuracies().0).collect();
        let mut row = vec![kind.name().to_string()];
        row.extend(vals.iter().map(|&v| {
            if v.is_finite() {
                percent_of(v, 1)
            } else {
                "diverged".into()
            }
        }));
        rate_table.push(row);
        rate_rows.extend(args.rates.iter().zip(&vals).map(|(&r, &v)| RateRow {
            preprocessing: key(kind),
            learning_rate: r,
            val_accuracy: v,
        }));
        let best = (0..vals.len())
            .filter(|&i| vals[i].is_finite())
            .max_by(|&a, &b| vals[a].total_cmp(&vals[b]))
            .ok_or_else(|| anyhow::anyhow!("{}: every rate of --rates diverged", kind.name()))?;
        let v = variant(kind, args.rates[best]);
        numbers.value(&format!("{}_rate", v.key), short_number(args.rates[best]));
        let what = format!("{}: {} seeds", key(kind), args.seeds);
        histories.push(
            plan(epochs, args.seeds)
                .train(run, &what, std::slice::from_ref(&v))?
                .remove(0),
        );
        chosen.push(v);
    }
    let mut outputs = vec![out.write_csv("rates.csv", rate_rows)?];
    outputs.push(out.write_csv("epochs.csv", epoch_rows(&chosen, &histories))?);
    let mut header = vec!["preprocessing".to_string()];
    header.extend(
        args.rates
            .iter()
            .map(|&r| format!("lr {}", short_number(r))),
    );
    numbers.table("rates", &header, &rate_table);
    quote_finals(numbers, &chosen, &histories);
    outputs.extend(figure(args, epochs, d, &chosen, &histories).save(out.dir(), "training")?);
    numbers
        .value("train_hidden", args.hidden)
        .value("train_epochs", epochs)
        .value("train_seeds", args.seeds)
        .value("train_rule", args.rule.label());
    Ok(outputs)
}

fn figure(
    args: &Args,
    epochs: usize,
    d: &Prepared<f32>,
    chosen: &[Variant],
    histories: &[Vec<History>],
) -> Figure {
    let iters = Split::of(d).iterations(epochs, args.batch_size);
    let smooth = smoothing_window(iters);
    let label = |v: &Variant| format!("{}, lr {}", v.label, short_number(v.learning_rate));
    let losses = (chosen.iter().zip(histories))
        .map(|(v, h)| mean_loss(&label(v), h, smooth))
        .collect();
    let accuracy = (chosen.iter().zip(histories))
        .map(|(v, h)| spread(&label(v), h, |e| e.val_accuracy))
        .collect();
    let loss_chart = LineChart::new(
        format!(
            "MLP 784-{}-10: training loss, mean of {} seeds",
            args.hidden, args.seeds
        ),
        format!("iteration (moving average of {smooth})"),
        "training loss",
    )
    .log_y();
    let acc_chart = LineChart::new(
        "validation accuracy: mean, band from lowest to highest seed",
        "epoch",
        "accuracy",
    );
    Figure::column(
        vec![
            loss_chart.with(losses).into(),
            acc_chart.with(accuracy).into(),
        ],
        400,
    )
}
