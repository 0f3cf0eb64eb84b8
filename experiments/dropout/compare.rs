//! Part 2: no dropout, vanilla dropout and inverted dropout on the same network, seeds paired; the
//! scaling bug (vanilla dropout predicted without `* p`).

use std::path::PathBuf;

use nnlab::nn::layers::Mode;
use nnlab::nn::network::Sequential;
use nnlab::procedures::metrics::{cross_entropy, mean_and_range};
use nnlab::procedures::train::{History, mean_curve, mean_final};
use nnlab::report::plot::{Figure, LineChart, RangeGroup, RangePlot, Series};
use nnlab::report::results::ResultsDir;
use serde::Serialize;

use nnlab::procedures::runs::{Job, Model, Runs};

use super::args::{Args, Settings};
use super::runs::{Form, Setting, rows};

/// Layers of the 3-layer network up to and including its first and its second dropout.
const THROUGH_DROPOUT: [usize; 2] = [3, 6];

/// A row of `accuracy.csv`.
#[derive(Serialize)]
struct AccuracyRow {
    /// `no-dropout`, `vanilla` (scaled by p at prediction), `vanilla-unscaled` (the bug: the same
    /// trained network predicted without the scaling), `inverted`.
    model: &'static str,
    seed: usize,
    test_accuracy: f64,
    /// Cross-entropy of the predicted probabilities on the test set (the bug's overconfidence).
    test_loss: f64,
}

/// A row of `activations.csv`: the mean activation after a dropout layer of a vanilla network
/// over the test set.
#[derive(Serialize)]
struct ActivationRow {
    seed: usize,
    /// 1 or 2: after the first or the second hidden layer's dropout.
    layer: usize,
    /// In training mode (one random mask): what the next layer saw during training.
    train_mean: f64,
    /// At prediction with the slide's `* p`.
    scaled_mean: f64,
    /// At prediction without it.
    unscaled_mean: f64,
}

/// One model over the seeds.
#[derive(Clone, Debug, Serialize)]
pub struct FormSummary {
    pub model: &'static str,
    pub keep: f64,
    pub test_mean: f64,
    pub test_min: f64,
    pub test_max: f64,
    /// Mean final accuracy on the first training images (prediction mode) and on validation.
    pub train_accuracy: f64,
    pub val_accuracy: f64,
    /// `train_accuracy - val_accuracy`.
    pub gap: f64,
    /// Mean test cross-entropy over the seeds.
    pub test_loss: f64,
}

/// What the comparison found.
#[derive(Serialize)]
pub struct Summary {
    pub models: Vec<FormSummary>,
    /// Vanilla dropout predicted without `* p`: test accuracy over the seeds.
    pub unscaled_test_mean: f64,
    pub unscaled_test_min: f64,
    pub unscaled_test_max: f64,
    /// Mean test cross-entropy of vanilla dropout with and without `* p`.
    pub vanilla_test_loss: f64,
    pub unscaled_test_loss: f64,
    /// Mean over seeds of (unscaled / training-mode mean activation) after dropout 1 and 2.
    pub unscaled_ratio: [f64; 2],
    /// Mean over seeds of (scaled / training-mode mean activation) after dropout 1 and 2.
    pub scaled_ratio: [f64; 2],
    /// Inverted dropout's mean test accuracy minus no dropout's.
    pub gain: f64,
    /// Whether every inverted run beats every run without dropout.
    pub gain_beats_spread: bool,
    /// The first seed's mean activations after dropout 1 and 2: training mode, scaled, unscaled.
    pub first_seed_activations: Vec<[f64; 3]>,
}

pub struct Comparison {
    pub outputs: Vec<PathBuf>,
    pub summary: Summary,
}

/// Mean of every entry of the first `layers` layers' output on `x`.
fn mean_activation(
    net: &mut Sequential<f32>,
    x: ndarray::ArrayView2<f32>,
    layers: usize,
    mode: Mode,
) -> f64 {
    let h = net.forward_first(x, layers, mode);
    h.iter().map(|&v| v as f64).sum::<f64>() / h.len() as f64
}

/// The test cross-entropy of `net`'s predictions.
fn test_loss(net: &mut Sequential<f32>, x: ndarray::ArrayView2<f32>, y: &[usize]) -> f64 {
    cross_entropy(net.probabilities(x, Mode::Eval).view(), y)
}

pub fn run(
    args: &Args,
    s: &Settings,
    runs: &Runs<'_, '_>,
    jobs: &[Job<Setting>],
    trained: &mut [(History, Sequential<f32>)],
    out: &ResultsDir,
) -> anyhow::Result<Comparison> {
    let (x_test, y_test) = runs.split.test.expect("the split carries the test set");

    // The scaling bug: each vanilla network's weights in an inverted twin, whose prediction
    // leaves the activations as they are.
    let (mut accuracy, mut activations) = (Vec::new(), Vec::new());
    let (mut unscaled, mut unscaled_loss) = (Vec::new(), Vec::new());
    for (job, (h, net)) in jobs.iter().zip(trained.iter_mut()) {
        accuracy.push(AccuracyRow {
            model: job.tag.form.name(),
            seed: job.tag.seed,
            test_accuracy: h.final_accuracies().1,
            test_loss: test_loss(net, x_test, y_test),
        });
        if job.tag.form != Form::Vanilla {
            continue;
        }
        let Model::Mlp {
            sizes, keep, l2, ..
        } = job.model.clone()
        else {
            unreachable!("the chapter's networks are MLPs")
        };
        let dropout = nnlab::nn::layers::DropoutKind::Inverted;
        let inverted = Model::Mlp {
            sizes,
            keep,
            dropout,
            l2,
        };
        let mut twin = runs.network(&Job {
            model: inverted,
            ..job.clone()
        })?;
        twin.copy_params_from(net);
        let bug = twin.accuracy(x_test, y_test);
        unscaled.push(bug);
        let bug_loss = test_loss(&mut twin, x_test, y_test);
        unscaled_loss.push(bug_loss);
        accuracy.push(AccuracyRow {
            model: "vanilla-unscaled",
            seed: job.tag.seed,
            test_accuracy: bug,
            test_loss: bug_loss,
        });
        for (i, &layers) in THROUGH_DROPOUT.iter().enumerate() {
            activations.push(ActivationRow {
                seed: job.tag.seed,
                layer: i + 1,
                train_mean: mean_activation(net, x_test, layers, Mode::Train),
                scaled_mean: mean_activation(net, x_test, layers, Mode::Eval),
                unscaled_mean: mean_activation(&mut twin, x_test, layers, Mode::Eval),
            });
        }
    }
    let histories = || jobs.iter().zip(trained.iter()).map(|(j, (h, _))| (j, h));
    let mut outputs = vec![out.write_csv(
        "training.csv",
        histories().flat_map(|(j, h)| rows(j, h, runs.split.y_train.len())),
    )?];
    let ratio = |f: fn(&ActivationRow) -> f64| {
        [1, 2].map(|layer| {
            let at: Vec<f64> = (activations.iter().filter(|r| r.layer == layer))
                .map(|r| f(r) / r.train_mean)
                .collect();
            at.iter().sum::<f64>() / at.len() as f64
        })
    };
    let (unscaled_ratio, scaled_ratio) = (ratio(|r| r.unscaled_mean), ratio(|r| r.scaled_mean));

    // The mean test cross-entropy of one model over the seeds.
    let loss_of = |model: &str| {
        let losses: Vec<f64> = accuracy
            .iter()
            .filter(|r| r.model == model)
            .map(|r| r.test_loss)
            .collect();
        mean_and_range(&losses).expect("at least one seed").0
    };
    let forms = [Form::NoDropout, Form::Vanilla, Form::Inverted];
    let mut models = Vec::new();
    let mut finals = Vec::new();
    let (mut val_series, mut gap_series) = (Vec::new(), Vec::new());
    for (c, form) in forms.into_iter().enumerate() {
        let runs: Vec<(&Job<Setting>, &History)> =
            histories().filter(|(j, _)| j.tag.form == form).collect();
        let hs: Vec<&History> = runs.iter().map(|r| r.1).collect();
        let tests: Vec<f64> = hs.iter().map(|h| h.final_accuracies().1).collect();
        let (test_mean, test_min, test_max) = mean_and_range(&tests).expect("at least one seed");
        let train_accuracy = mean_final(&hs, |e| e.train_accuracy);
        let test_loss = loss_of(form.name());
        let val_accuracy = mean_final(&hs, |e| e.val_accuracy);
        models.push(FormSummary {
            model: form.name(),
            keep: runs[0].0.tag.p,
            test_mean,
            test_min,
            test_max,
            train_accuracy,
            val_accuracy,
            gap: train_accuracy - val_accuracy,
            test_loss,
        });
        eprintln!(
            "{:>16}: test {test_mean:.4} ({test_min:.4}-{test_max:.4}), train {train_accuracy:.4}, val {val_accuracy:.4}",
            form.label()
        );
        finals.push(tests);
        let val = mean_curve(&hs, |e| e.val_accuracy);
        let gap = mean_curve(&hs, |e| e.train_accuracy - e.val_accuracy);
        val_series.push(Series::new(form.label(), val).colored(c));
        gap_series.push(Series::new(form.label(), gap).colored(c));
    }
    let (unscaled_test_mean, unscaled_test_min, unscaled_test_max) =
        mean_and_range(&unscaled).expect("at least one seed");
    eprintln!(
        "vanilla without * p: test {unscaled_test_mean:.4}; activations x{:.2} (layer 1), x{:.2} (layer 2) of training's",
        unscaled_ratio[0], unscaled_ratio[1]
    );
    let gain = models[2].test_mean - models[0].test_mean;
    let unscaled_test_loss = mean_and_range(&unscaled_loss).expect("at least one seed").0;
    let vanilla_test_loss = loss_of(Form::Vanilla.name());
    eprintln!("vanilla test loss {vanilla_test_loss:.4} with * p, {unscaled_test_loss:.4} without");
    let summary = Summary {
        vanilla_test_loss,
        unscaled_test_loss,
        unscaled_test_mean,
        unscaled_test_min,
        unscaled_test_max,
        unscaled_ratio,
        scaled_ratio,
        gain,
        gain_beats_spread: models[2].test_min > models[0].test_max,
        models,
        first_seed_activations: (activations.iter())
            .filter(|r| r.seed == 0)
            .map(|r| [r.train_mean, r.scaled_mean, r.unscaled_mean])
            .collect(),
    };
    outputs.push(out.write_csv("accuracy.csv", accuracy)?);
    outputs.push(out.write_csv("activations.csv", activations)?);

    let title = |what: &str| {
        format!(
            "784-{h}-{h}-10, keep p = {p}: {what} (mean of {n} seeds)",
            h = s.hidden,
            p = args.keep,
            n = args.seeds
        )
    };
    let val = LineChart::new(title("validation accuracy"), "epoch", "validation accuracy")
        .with(val_series);
    let gap = LineChart::new(
        title("training - validation accuracy"),
        "epoch",
        "training - validation",
    )
    .with(gap_series);
    let figure = Figure::column(vec![val.into(), gap.into()], 380);
    outputs.extend(figure.save(out.dir(), "gap")?);

    let [none, vanilla, inverted] = [0, 1, 2].map(|i| finals[i].clone());
    let values = vec![none, vanilla, unscaled, inverted];
    let plot = RangePlot {
        title: format!(
            "Test accuracy after {} epochs ({} seeds: runs, mean, range)",
            s.epochs, args.seeds
        ),
        x_label: "test accuracy".into(),
        categories: vec![
            "no dropout".into(),
            "vanilla (* p)".into(),
            "vanilla, no * p".into(),
            "inverted (/ p)".into(),
        ],
        groups: vec![RangeGroup {
            name: format!("keep p = {}", args.keep),
            values,
        }],
    };
    outputs.extend(Figure::column(vec![plot.into()], 320).save(out.dir(), "accuracy")?);
    Ok(Comparison { outputs, summary })
}
