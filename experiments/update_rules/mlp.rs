//! Part 4: the same 2-layer MLP on Fashion-MNIST trained with each rule at its best learning rate
//! from a small sweep.

use std::path::PathBuf;

use nnlab::data::fashion::Prepared;
use nnlab::nn::init::Init;
use nnlab::nn::network::Sequential;
use nnlab::optim::Rule;
use nnlab::procedures::search::grid_search;
use nnlab::procedures::train::{History, Hooks, Split, TrainConfig, smoothing_window, train};
use nnlab::report::cli::train_with_progress;
use nnlab::report::numbers::{Numbers, percent_of, thousands};
use nnlab::report::plot::{Series, short_number, training_curves};
use nnlab::report::results::ResultsDir;
use nnlab::rng::substream;
use serde::Serialize;

use super::args::{Args, Settings};

/// The MLP sweep's candidate learning rates per rule: four, a factor of about 3 apart, around
/// the rule's usual default.
fn mlp_candidates(rule: Rule) -> [f64; 4] {
    match rule {
        Rule::Sgd => [0.03, 0.1, 0.3, 1.0],
        Rule::Momentum | Rule::Nesterov => [0.003, 0.01, 0.03, 0.1],
        Rule::Adagrad => [0.003, 0.01, 0.03, 0.1],
        Rule::Rmsprop | Rule::Adam => [1e-4, 3e-4, 1e-3, 3e-3],
    }
}

#[derive(Serialize)]
struct SweepRow {
    optimizer: &'static str,
    learning_rate: f64,
    val_accuracy: f64,
    diverged: bool,
    chosen: bool,
}

#[derive(Serialize)]
struct TrainingRow {
    optimizer: &'static str,
    learning_rate: f64,
    epoch: usize,
    iter: usize,
    train_loss: f64,
    val_accuracy: Option<f64>,
}

/// One rule's sweep and run, as the chapter reports it.
struct RuleResult {
    rule: Rule,
    lr: f64,
    at_edge: bool,
    sweep_accuracy: f64,
    final_accuracy: f64,
    /// The mean loss of the last mini-batches fell from the first epoch to the last.
    loss_fell: bool,
}

/// Mini-batches averaged for an epoch's end-of-epoch training loss (single batches are noise).
const LAST_BATCHES: usize = 50;

/// The mean mini-batch loss of the last [`LAST_BATCHES`] iterations of `epoch`.
fn last_batches_mean(h: &History, epoch: usize) -> f64 {
    let losses: Vec<f64> = h
        .iters
        .iter()
        .filter(|r| r.epoch == epoch)
        .map(|r| r.loss)
        .collect();
    let tail = &losses[losses.len().saturating_sub(LAST_BATCHES)..];
    tail.iter().sum::<f64>() / tail.len().max(1) as f64
}

/// The sweep-and-run table, the spread of the final accuracies, the rules whose chosen rate was
/// their largest candidate, and how many rules' loss fell from the first epoch to the last.
fn quote(numbers: &mut Numbers, results: &[RuleResult]) {
    let pct = |a: f64| percent_of(a, 1);
    let best = results
        .iter()
        .map(|r| r.final_accuracy)
        .fold(f64::MIN, f64::max);
    let worst = results
        .iter()
        .map(|r| r.final_accuracy)
        .fold(f64::MAX, f64::min);
    let rows: Vec<Vec<String>> = results
        .iter()
        .map(|r| {
            let edge = if r.at_edge {
                " (largest candidate)"
            } else {
                ""
            };
            let fin = pct(r.final_accuracy);
            let fin = if r.final_accuracy == best {
                format!("**{fin}**")
            } else {
                fin
            };
            vec![
                r.rule.label().into(),
                format!("{}{edge}", short_number(r.lr)),
                pct(r.sweep_accuracy),
                fin,
            ]
        })
        .collect();
    let header = [
        "rule",
        "chosen learning rate",
        "sweep: val. accuracy after 1 epoch",
        "val. accuracy after the last epoch",
    ];
    let edge: Vec<&str> = results
        .iter()
        .filter(|r| r.at_edge)
        .map(|r| r.rule.label())
        .collect();
    let fell = results.iter().filter(|r| r.loss_fell).count();
    numbers
        .table("mlp", &header, &rows)
        .value("mlp_spread", format!("{:.1}", 100.0 * (best - worst)))
        .value("mlp_at_edge_count", edge.len())
        .value(
            "mlp_at_edge",
            if edge.is_empty() {
                "none".into()
            } else {
                edge.join(", ")
            },
        )
        .value("mlp_loss_fell", format!("{fell} of {}", results.len()));
}

/// What the MLP part hands back: its files, the sweep's training-set size and each rule's rate.
pub struct Mlp {
    pub outputs: Vec<PathBuf>,
    pub sweep_rows: usize,
    pub chosen: serde_json::Map<String, serde_json::Value>,
}

/// Sweeps each rule's learning rate on `--sweep-rows` images for one epoch, then trains with the
/// best; writes `mlp_sweep.csv`, `training.csv` and the training figure.
pub fn run(
    args: &Args,
    s: &Settings,
    d: &Prepared<f32>,
    out: &ResultsDir,
    numbers: &mut Numbers,
) -> anyhow::Result<Mlp> {
    let (epochs, sweep_rows) = (s.epochs, s.sweep_rows);
    let mut outputs = Vec::new();
    // Part 4: the MLP on Fashion-MNIST, every rule at its best swept learning rate.
    let split = Split::of(d);
    let sweep_split = split.head(sweep_rows);
    let sweep_rows = sweep_split.y_train.len();
    let sweep_cfg = TrainConfig {
        epochs: 1,
        batch_size: args.mlp.batch_size,
        train_eval_rows: 1_000,
    };
    let cfg = TrainConfig {
        epochs,
        batch_size: args.mlp.batch_size,
        train_eval_rows: 5_000,
    };
    let (mut sweep, mut training, mut results) = (Vec::new(), Vec::new(), Vec::new());
    let (mut curves, mut accuracy_curves, mut chosen) =
        (Vec::new(), Vec::new(), serde_json::Map::new());
    let smooth = smoothing_window(split.iterations(epochs, args.mlp.batch_size));
    for rule in Rule::ALL {
        let candidates = mlp_candidates(rule);
        let (trials, best) = grid_search(&candidates, |lr| {
            let mut rng = substream(args.common.seed, 2);
            let mut net = Sequential::<f32>::fashion_mlp(args.mlp.hidden, Init::He, &mut rng);
            let mut opt = rule.build::<f32>(lr).expect("candidates are positive");
            let h = train(
                &mut net,
                opt.as_mut(),
                &sweep_split,
                &sweep_cfg,
                &mut rng,
                Hooks::none(),
            );
            h.accuracy_objective()
        });
        let best = anyhow::Context::with_context(best, || {
            format!(
                "every candidate learning rate of {} diverged on the MLP",
                rule.name()
            )
        })?;
        sweep.extend(trials.iter().enumerate().map(|(i, t)| SweepRow {
            optimizer: rule.name(),
            learning_rate: t.value,
            val_accuracy: t.accuracy().unwrap_or(0.0),
            diverged: t.accuracy().is_none(),
            chosen: i == best,
        }));
        let lr = trials[best].value;
        if best + 1 == candidates.len() {
            eprintln!(
                "note: {}'s best swept learning rate {lr} is the largest candidate; the optimum may lie above it",
                rule.label()
            );
        }
        let mut rng = substream(args.common.seed, 2);
        let mut net = Sequential::<f32>::fashion_mlp(args.mlp.hidden, Init::He, &mut rng);
        let mut opt = rule.build::<f32>(lr)?;
        let what = format!("MLP {}", rule.label());
        let h = train_with_progress(&what, &mut net, opt.as_mut(), &split, &cfg, &mut rng);
        let val = h.final_val_accuracy();
        results.push(RuleResult {
            rule,
            lr,
            at_edge: best + 1 == candidates.len(),
            sweep_accuracy: trials[best].accuracy().unwrap_or(0.0),
            final_accuracy: val,
            loss_fell: last_batches_mean(&h, 1) > last_batches_mean(&h, epochs),
        });
        eprintln!(
            "{}: learning_rate {lr}, final val accuracy {val:.4}",
            rule.label()
        );
        chosen.insert(opt.name().into(), lr.into());
        training.extend(h.iters.iter().map(|r| TrainingRow {
            optimizer: opt.name(),
            learning_rate: lr,
            epoch: r.epoch,
            iter: r.iter,
            train_loss: r.loss,
            val_accuracy: h.val_accuracy_at(r.iter),
        }));
        let name = format!("{} (lr = {})", rule.label(), short_number(lr));
        curves.push(Series::new(name, h.smoothed_loss(smooth)));
        accuracy_curves.push(Series::new(rule.label(), h.val_accuracy_curve()));
    }
    quote(numbers, &results);
    numbers
        .value("mlp_epochs", epochs)
        .value("mlp_sweep_rows", thousands(sweep_rows))
        .value("mlp_train_rows", thousands(split.y_train.len()))
        .value("mlp_batch_size", args.mlp.batch_size)
        .value("mlp_hidden", args.mlp.hidden)
        .value("last_batches", LAST_BATCHES);
    outputs.push(out.write_csv("mlp_sweep.csv", sweep)?);
    outputs.push(out.write_csv("training.csv", training)?);
    let title = format!("MLP 784-{}-10", args.mlp.hidden);
    let figure = training_curves(&title, smooth, curves, accuracy_curves);
    outputs.extend(figure.save(out.dir(), "mlp")?);

    Ok(Mlp {
        outputs,
        sweep_rows,
        chosen,
    })
}
