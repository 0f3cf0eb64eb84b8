//! Chapter "Activation functions".
//!
//! Part 1 (`shapes.rs`): each function and its derivative, from the library's forward and backward
//! passes. Part 2 (here and `inside.rs`): one deep MLP per activation on Fashion-MNIST, several
//! seeds each — training curves, the gradient reaching each layer at initialization and after
//! training, the sign pattern of a weight gradient, and dead ReLUs after a good and a too-high
//! learning rate.
//!
//!     cargo run --release --bin exp_activations            # full run, writes results/activations/
//!     cargo run --release --bin exp_activations -- --quick # seconds; every code path

mod args;
mod inside;
mod shapes;
pub use args::Args;

use ndarray::s;
use nnlab::hyper::check_learning_rate;
use nnlab::nn::init::Init;
use nnlab::nn::layers::ActivationKind;
use nnlab::nn::mlp::MlpSpec;
use nnlab::procedures::inside::weight_gradient_rms;
use nnlab::procedures::runs::Model;
use nnlab::procedures::train::{History, Split, smoothing_window};
use nnlab::report::cli::{
    Expected, RunContext, as_flag, parse, run_main, smaller_batch, work_factor,
};
use nnlab::report::numbers::percent_of;
use nnlab::report::plot::Figure;
use nnlab::report::results::DataInfo;

use crate::seeds::{Plan, Variant, epoch_rows, report};
use inside::{Inside, dead_summary, measure, norm_chart, norm_curve, norm_rows, sign_pattern};

/// The results folder, and the wall time of the default runs on 2 cores (see [`Expected`]).
pub const EXPECTED: Expected = Expected::new("activations", 60, 2);

pub fn run(args: Args) -> anyhow::Result<()> {
    let quick = args.common.quick;
    as_flag(check_learning_rate(args.learning_rate), &[])?;
    let high = check_learning_rate(args.high_learning_rate);
    as_flag(high, &[("learning_rate", "--high-learning-rate")])?;
    let epochs = args.epochs.unwrap_or(if quick { 1 } else { 5 });
    let work = work_factor(&[
        (args.runs.seeds, 3, 1.0),
        (epochs, 5, 1.0),
        (args.depth, 8, 1.0),
        (args.hidden, 100, 2.0),
        smaller_batch(args.runs.batch_size, 100),
    ]);
    let run = RunContext::start(&args.common, EXPECTED.scaled(work, quick)?)?;
    let model = format!(
        "{} MLPs of {} hidden layers",
        6 * args.runs.seeds,
        args.depth
    );
    let Some((data, d, out)) = run.mlp_training(args.validation.val, &model)? else {
        return Ok(());
    };
    let mut numbers = run.numbers();
    let mut outputs = shapes::run(&out, &mut numbers)?;

    let split = Split::of(&d).with_test(&d);
    let mut sizes = vec![784];
    sizes.extend(std::iter::repeat_n(args.hidden, args.depth));
    sizes.push(10);
    let variant = |kind: ActivationKind, key: &str, learning_rate| Variant {
        key: key.into(),
        label: kind.label().into(),
        model: Model::Plain(MlpSpec::plain(sizes.clone(), kind, Init::Xavier)),
        rule: args.runs.rule,
        learning_rate,
    };
    let mut variants: Vec<Variant> = (ActivationKind::ALL.iter())
        .map(|&k| variant(k, k.name(), args.learning_rate))
        .collect();
    // The same ReLU network at a learning rate too high for it: where units die.
    variants.push(variant(
        ActivationKind::Relu,
        "relu_high",
        args.high_learning_rate,
    ));
    let plan = Plan {
        split: &split,
        batch_size: args.runs.batch_size,
        epochs,
        seeds: args.runs.seeds,
        base_seed: args.common.seed,
        train_eval_rows: 5_000,
    };
    let probe_rows = args.probe.min(d.y_train.len());
    let probe = (
        d.x_train.slice(s![..probe_rows, ..]),
        &d.y_train[..probe_rows],
    );
    let x_train = d.x_train.view();

    // Before training: each network's gradients and the sign pattern.
    let mut at_init = Vec::new();
    let mut sign_nets = Vec::new();
    for v in &variants[..5] {
        let mut per_seed = Vec::new();
        for seed in 0..args.runs.seeds {
            let mut net = plan.network(v, seed)?;
            per_seed.push(weight_gradient_rms(&mut net, probe.0, probe.1));
            if seed == 0 {
                sign_nets.push((v.key.clone(), v.label.clone(), net));
            }
        }
        at_init.push(per_seed);
    }
    let w2_shape = (args.hidden, if args.depth >= 2 { args.hidden } else { 10 });
    let sign_rows = sign_pattern(&mut numbers, &mut sign_nets, probe, 100, w2_shape);
    drop(sign_nets);

    let what = format!("{} runs", variants.len() * args.runs.seeds);
    let trained: Vec<Vec<(History, Inside)>> =
        plan.train_keeping(&run, &what, &variants, |h, mut net| {
            let inside = measure(&mut net, h.diverged_at.is_some(), probe, x_train);
            (h, inside)
        })?;
    let (histories, insides): (Vec<Vec<History>>, Vec<Vec<Inside>>) = trained
        .into_iter()
        .map(|runs| runs.into_iter().unzip())
        .unzip();

    // Training curves and final accuracies of the five activations.
    let five = &variants[..5];
    outputs.push(out.write_csv("epochs.csv", epoch_rows(&variants, &histories))?);
    let smooth = smoothing_window(split.iterations(epochs, args.runs.batch_size));
    let title = format!("MLP 784-{}x{}-10, Xavier", args.hidden, args.depth);
    let figure = report(&mut numbers, &title, smooth, five, &histories[..5]);
    outputs.extend(figure.save(out.dir(), "training")?);

    // Gradient norms per layer, before and after training.
    let (mut norm_rows_all, mut before, mut after) = (Vec::new(), Vec::new(), Vec::new());
    for (c, v) in five.iter().enumerate() {
        let trained_norms: Vec<Vec<f64>> = insides[c].iter().map(|i| i.norms.clone()).collect();
        norm_rows_all.extend(norm_rows(&v.key, "init", &at_init[c]));
        norm_rows_all.extend(norm_rows(&v.key, "trained", &trained_norms));
        before.push(norm_curve(
            &mut numbers,
            &v.key,
            &v.label,
            "init",
            &at_init[c],
            c,
        ));
        after.push(norm_curve(
            &mut numbers,
            &v.key,
            &v.label,
            "trained",
            &trained_norms,
            c,
        ));
    }
    outputs.push(out.write_csv("gradient_norms.csv", norm_rows_all)?);
    let panels = vec![
        norm_chart("at initialization", before).into(),
        norm_chart(&format!("after {epochs} epochs"), after).into(),
    ];
    outputs.extend(Figure::pair(panels, 400).save(out.dir(), "gradient_norms")?);

    // Dead ReLUs at the two learning rates.
    let (good, good_layers) = dead_summary(&insides[2]);
    let (bad, bad_layers) = dead_summary(&insides[5]);
    let dead_rows: Vec<Vec<String>> = (0..good_layers.len().max(bad_layers.len()))
        .map(|l| {
            let cell = |v: &[f64]| v.get(l).map_or("–".into(), |&f| percent_of(f, 1));
            vec![(l + 1).to_string(), cell(&good_layers), cell(&bad_layers)]
        })
        .collect();
    // The too-high rate's runs that did not diverge: their final validation accuracy.
    let high_finals: Vec<f64> = (histories[5].iter())
        .filter(|h| h.diverged_at.is_none())
        .map(|h| h.final_accuracies().0)
        .collect();
    let high_diverged = args.runs.seeds - high_finals.len();
    let lr_head = |lr: f64| format!("never fire, learning rate {lr}");
    numbers
        .value("dead_good", good)
        .value("dead_high", bad)
        .table(
            "dead",
            &[
                "layer".to_string(),
                lr_head(args.learning_rate),
                lr_head(args.high_learning_rate),
            ],
            &dead_rows,
        )
        .value("relu_high_val", crate::seeds::mean_range(&high_finals, 1))
        .value(
            "relu_high_diverged",
            format!("{} of {}", high_diverged, args.runs.seeds),
        )
        .table(
            "sign_pattern",
            &[
                "activation",
                "mean output of layer 1",
                "one example",
                "batch of 100",
            ],
            &sign_rows,
        )
        .value("depth", args.depth)
        .value("hidden", args.hidden)
        .value("epochs", epochs)
        .value("seeds", args.runs.seeds)
        .value("rule", args.runs.rule.label())
        .value("learning_rate", args.learning_rate)
        .value("high_learning_rate", args.high_learning_rate)
        .value("probe", nnlab::report::numbers::thousands(probe_rows));
    outputs.push(run.write_numbers(&out, numbers)?);

    let hyperparameters = serde_json::json!({
        "layers": sizes, "init": Init::Xavier, "rule": args.runs.rule,
        "learning_rate": args.learning_rate, "high_learning_rate": args.high_learning_rate,
        "batch_size": args.runs.batch_size, "epochs": epochs, "seeds": args.runs.seeds, "probe": probe_rows,
        "preprocessing": "pixels/255, zero-centred with the training mean",
    });
    let data_info = DataInfo::fashion_mnist(&data, d.y_train.len(), d.y_val.len(), d.y_test.len());
    run.finish(out, hyperparameters, Some(data_info), &outputs)?;
    Ok(())
}

/// The binary `exp_activations`: parses the flags and runs.
pub fn main() {
    run_main(|| run(parse()?));
}
