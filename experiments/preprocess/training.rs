//! Part 3: what each preprocessing buys — the same MLP trained on raw, scaled, zero-centred,
//! standardized and PCA-whitened pixels, each at the learning rate its own one-epoch probe chose
//! on validation, over several seeds.

use std::path::PathBuf;

use ndarray::Array2;
use nnlab::data::fashion::Prepared;
use nnlab::data::preprocess::{Fitted, Pca, Preprocessing};
use nnlab::nn::init::Init;
use nnlab::nn::layers::ActivationKind;
use nnlab::nn::mlp::MlpSpec;
use nnlab::procedures::runs::Model;
use nnlab::procedures::train::{Split, smoothing_window};
use nnlab::report::cli::RunContext;
use nnlab::report::numbers::{Numbers, percent_of};
use nnlab::report::plot::short_number;
use nnlab::report::results::ResultsDir;

use super::args::Args;
use crate::seeds::{Plan, Variant, epoch_rows, report};

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

/// `d` (pixels / 255) under `fitted`; `x_train`, when given, is `fitted.apply(d.x_train)` computed
/// already.
fn apply(fitted: &Fitted, d: &Prepared<f32>, x_train: Option<Array2<f32>>) -> Prepared<f32> {
    Prepared {
        x_train: x_train.unwrap_or_else(|| fitted.apply(d.x_train.view())),
        y_train: d.y_train.clone(),
        x_val: fitted.apply(d.x_val.view()),
        y_val: d.y_val.clone(),
        x_test: fitted.apply(d.x_test.view()),
        y_test: d.y_test.clone(),
    }
}

/// Trains every preprocessing; writes `rates.csv`, `epochs.csv` and the figure `training`. The
/// whitening is the PCA fitted on the training split and the training set it whitened.
pub fn run(
    run: &RunContext,
    args: &Args,
    epochs: usize,
    d: &Prepared<f32>,
    (pca, white_train): (&Pca, &Array2<f64>),
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
    let model = Model::Plain(MlpSpec::plain(
        vec![784, args.hidden, 10],
        ActivationKind::Relu,
        Init::He,
    ));
    let variant = |kind: Preprocessing, learning_rate| Variant {
        key: key(kind).into(),
        label: kind.name().into(),
        model: model.clone(),
        rule: args.runs.rule,
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
        // The whitened training set is the one the PCA part checked (`Fitted::apply`'s bits).
        let known = matches!(kind, Preprocessing::PcaWhitened { .. })
            .then(|| white_train.mapv(|v| v as f32));
        let prepared = apply(&fitted, d, known);
        let split = Split::of(&prepared).with_test(&prepared);
        let plan = |epochs, seeds| Plan {
            split: &split,
            batch_size: args.runs.batch_size,
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
        let what = format!("{}: {} seeds", key(kind), args.runs.seeds);
        histories.push(
            plan(epochs, args.runs.seeds)
                .train(run, &what, std::slice::from_ref(&v))?
                .remove(0),
        );
        // The figures and tables name the rate beside the preprocessing.
        let label = format!("{}, lr {}", v.label, short_number(v.learning_rate));
        chosen.push(Variant { label, ..v });
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
    let smooth = smoothing_window(Split::of(d).iterations(epochs, args.runs.batch_size));
    let title = format!("MLP 784-{}-10", args.hidden);
    let figure = report(numbers, &title, smooth, &chosen, &histories);
    outputs.extend(figure.save(out.dir(), "training")?);
    numbers
        .value("train_hidden", args.hidden)
        .value("train_epochs", epochs)
        .value("train_seeds", args.runs.seeds)
        .value("train_rule", args.runs.rule.label());
    Ok(outputs)
}
