//! Chapter "Update rules", part 1: SGD against Momentum.
//!
//! On the taco-shell quadratic (condition number 50), from the same start with the same learning
//! rate: SGD and Momentum with mu in {0.5, 0.9, 0.99}. Then the same comparison training a
//! 2-layer MLP on Fashion-MNIST.
//!
//! Part 1 lives in `taco.rs`, part 2 in `mlp.rs`.
//!
//!     cargo run --release --bin exp_momentum            # full run, writes results/momentum/
//!     cargo run --release --bin exp_momentum -- --quick # seconds; every code path

mod args;
pub use args::{Args, Contender, Rules};

use nnlab::hyper::{HyperparameterError, check_unit_interval};
use nnlab::optim::{Momentum, Nesterov, Sgd, contraction_rate, nesterov_contraction_rate};
use nnlab::procedures::surfaces::{Surface, TacoShell};
use nnlab::report::cli::{
    Expected, RunContext, as_flag, distinct_list, parse, run_main, work_factor,
};
use nnlab::report::results::DataInfo;

mod mlp;
mod taco;

/// The results folder, and the wall time of the default runs on 2 cores (see [`Expected`]).
pub const EXPECTED: Expected = Expected::new("momentum", 15, 2);

fn contenders<F: nnlab::Float>(
    learning_rate: f64,
    mus: &[f64],
    nesterov_mu: Option<f64>,
) -> Result<Rules<F>, HyperparameterError> {
    let mut out: Rules<F> = vec![Contender {
        label: "SGD".into(),
        mu: None,
        opt: Box::new(Sgd::new(learning_rate)?),
        rate: contraction_rate,
    }];
    for &mu in mus {
        out.push(Contender {
            label: format!("Momentum mu={mu}"),
            mu: Some(mu),
            opt: Box::new(Momentum::new(learning_rate, mu)?),
            rate: contraction_rate,
        });
    }
    if let Some(mu) = nesterov_mu {
        out.push(Contender {
            label: format!("Nesterov mu={mu}"),
            mu: Some(mu),
            opt: Box::new(Nesterov::new(learning_rate, mu)?),
            rate: nesterov_contraction_rate,
        });
    }
    Ok(out)
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let quick = args.common.quick;
    // Refuse bad hyperparameters before touching data or files.
    as_flag(
        check_unit_interval("mu", args.nesterov_mu),
        &[("mu", "--nesterov-mu")],
    )?;
    let mut surface_rules = as_flag(
        contenders::<f64>(args.learning_rate, &args.mu, Some(args.nesterov_mu)),
        &[],
    )?;
    let mut mlp_rules = as_flag(
        contenders::<f32>(args.mlp_learning_rate, &[args.mlp_mu], Some(args.mlp_mu)),
        &[("learning_rate", "--mlp-learning-rate"), ("mu", "--mlp-mu")],
    )?;
    let epochs = args.epochs.unwrap_or(if quick { 2 } else { 5 });
    // Every count is at least 1: the flags' parsers bound them (see `count`).
    distinct_list("--mu", &args.mu, 8)?;
    // The MLP's training is nearly all of the run; the taco shell's iterations cost microseconds.
    let work = work_factor(&[
        (epochs, if quick { 2 } else { 5 }, 1.0),
        (args.mu.len(), 3, 1.0),
    ]);
    let work = work * work_factor(&args.mlp.work());
    let run = RunContext::start(&args.common, EXPECTED.scaled(work, quick)?)?;
    let Some((data, d, out)) = run.mlp_training(args.validation.val, "the MLP")? else {
        return Ok(());
    };
    let mut outputs = Vec::new();
    let mut numbers = run.numbers();

    let taco = TacoShell::default();
    outputs.extend(taco::run(
        &args,
        &taco,
        &mut surface_rules,
        &out,
        &mut numbers,
    )?);
    let (mlp_outputs, test_accuracy) =
        mlp::run(&args, epochs, &mut mlp_rules, &d, &out, &mut numbers)?;
    outputs.extend(mlp_outputs);
    numbers
        .value("mlp_learning_rate", args.mlp_learning_rate)
        .value("mlp_mu", args.mlp_mu)
        .value("mlp_batch_size", args.mlp.batch_size)
        .value("mlp_hidden", args.mlp.hidden)
        .value(
            "val_images",
            nnlab::report::numbers::thousands(d.y_val.len()),
        );
    outputs.push(run.write_numbers(&out, numbers)?);

    let hyperparameters = serde_json::json!({
        "surface": taco.formula(),
        "start": taco.start(),
        "learning_rate": args.learning_rate,
        "iters": args.iters,
        "mu": args.mu,
        "mlp": {
            "layers": [784, args.mlp.hidden, 10],
            "activation": "relu",
            "init": args.init,
            "loss": "softmax",
            "preprocessing": "pixels/255, zero-centered with the training mean",
            "learning_rate": args.mlp_learning_rate,
            "mu": args.mlp_mu,
            "epochs": epochs,
            "batch_size": args.mlp.batch_size,
            "n_train": d.y_train.len(),
            "test_accuracy": test_accuracy,
        },
    });
    let data_info = DataInfo::fashion_mnist(&data, d.y_train.len(), d.y_val.len(), d.y_test.len());
    run.finish(out, hyperparameters, Some(data_info), &outputs)?;
    Ok(())
}

/// The binary `exp_momentum`: parses the flags and runs.
pub fn main() {
    run_main(|| run(parse()?));
}
