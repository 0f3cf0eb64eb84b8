//! Chapter "Batch normalization": the slide's four claims, one part each, every part over several
//! seeds on Fashion-MNIST.
//!
//! 1. `flow.rs` — gradient flow: Ioffe and Szegedy's sigmoid network, with and without.
//! 2. `rates.rs` — higher learning rates: the rates that still train, and steps to a target.
//! 3. `scale.rs` — less dependence on initialization: CS231n's weight-scale sweep.
//! 4. `regular.rs` — regularization: batch normalization, dropout, both, neither.
//! 5. `batch.rs` — batch against layer normalization at batch sizes 2 to 128.
//! 6. `lenet.rs` — LeNet-5 with and without batch normalization.
//!
//! Run it with
//!
//!     cargo run --release --bin exp_batchnorm            # full run, writes results/batchnorm/
//!     cargo run --release --bin exp_batchnorm -- --quick # seconds; every code path

mod args;
mod batch;
mod flow;
mod lenet;
mod rates;
mod regular;
mod scale;
pub use args::Args;

use nnlab::hyper::{check_learning_rate, check_unit_interval};
use nnlab::nn::init::Init;
use nnlab::nn::layers::ActivationKind;
use nnlab::nn::mlp::{MlpSpec, Norm};
use nnlab::procedures::train::Split;
use nnlab::report::cli::{Expected, RunContext, as_flag, parse, run_main, work_factor};
use nnlab::report::results::DataInfo;

/// The results folder, and the wall time of the default runs on 2 cores (see [`Expected`]).
pub const EXPECTED: Expected = Expected::new("batchnorm", 480, 8);

/// The normalizations compared: what the CSV files and quoted values call them, and their label.
pub const NORMS: [(Norm, &str, &str); 3] = [
    (Norm::None, "none", "no normalization"),
    (Norm::Batch, "bn", "batch norm"),
    (Norm::Layer, "ln", "layer norm"),
];

/// The network of parts 2, 4 and 5: 784 -> 3 x 100 ReLU -> 10, He initialization.
pub fn relu_net() -> MlpSpec {
    MlpSpec::plain(vec![784, 100, 100, 100, 10], ActivationKind::Relu, Init::He)
}

/// Each part's share of the default run's time (measured), for the expected time of other flags.
const SHARES: [f64; 6] = [0.08, 0.08, 0.08, 0.04, 0.07, 0.65];

pub fn run(args: Args) -> anyhow::Result<()> {
    let quick = args.common.quick;
    as_flag(
        check_learning_rate(args.flow_learning_rate),
        &[("learning_rate", "--flow-learning-rate")],
    )?;
    as_flag(
        check_unit_interval("target", args.target),
        &[("target", "--target")],
    )?;
    let default = |full, fast| if quick { fast } else { full };
    let flow_epochs = args.flow_epochs.unwrap_or(default(5, 1));
    let scales = args.scales.unwrap_or(default(20, 4));
    anyhow::ensure!(
        scales >= 2,
        "--scales must be at least 2 (from 1e-4 to 1), got {scales}"
    );
    let lenet_epochs = args.lenet_epochs.unwrap_or(default(15, 1));
    let (probe_epochs, scale_epochs, reg_epochs) = (default(2, 1), default(10, 2), default(20, 2));
    let seeds = args.seeds;
    let factor = work_factor(&[(seeds, 3, 1.0)])
        * (SHARES[0] * work_factor(&[(flow_epochs, 5, 1.0)])
            + SHARES[2] * work_factor(&[(scales, 20, 1.0)])
            + SHARES[5] * work_factor(&[(lenet_epochs, 15, 1.0)]) * 0.85
            + SHARES[5] * 0.15
            + SHARES[1]
            + SHARES[3]
            + SHARES[4]);
    let run = RunContext::start(&args.common, EXPECTED.scaled(factor, quick)?)?;
    let model = format!("six parts of {seeds} seeds each, the last on LeNet-5");
    let Some((data, d, out)) = run.mlp_training(args.validation.val, &model)? else {
        return Ok(());
    };
    let mut numbers = run.numbers();
    let plan = (seeds, args.common.seed);
    let split = Split::of(&d);
    let mut outputs = flow::run(
        &run,
        &d,
        flow_epochs,
        args.flow_learning_rate,
        plan,
        &out,
        &mut numbers,
    )?;
    outputs.extend(rates::run(
        &run,
        &split,
        args.target,
        plan,
        &out,
        &mut numbers,
    )?);
    outputs.extend(scale::run(
        &run,
        &split,
        scales,
        scale_epochs,
        plan,
        &out,
        &mut numbers,
    )?);
    outputs.extend(regular::run(
        &run,
        &split,
        reg_epochs,
        plan,
        &out,
        &mut numbers,
    )?);
    outputs.extend(batch::run(&run, &split, plan, &out, &mut numbers)?);
    let with_test = Split::of(&d).with_test(&d);
    outputs.extend(lenet::run(
        &run,
        &with_test,
        probe_epochs,
        lenet_epochs,
        plan,
        &out,
        &mut numbers,
    )?);
    numbers.value("seeds", seeds);
    outputs.push(run.write_numbers(&out, numbers)?);

    let hyperparameters = serde_json::json!({
        "seeds": seeds,
        "flow": {"network": "784-100-100-100-10 sigmoid, Xavier", "rule": "sgd", "learning_rate": args.flow_learning_rate, "batch_size": 60, "epochs": flow_epochs},
        "rates": {"network": relu_net(), "rule": "momentum", "rates": rates::RATES, "batch_size": 100, "epochs": 1, "target": args.target},
        "scales": {"network": "784-7x50-10 ReLU, scale * randn", "count": scales, "rule": "adam", "learning_rate": 1e-3, "batch_size": 50, "epochs": scale_epochs, "train_images": scale::TRAIN},
        "regularization": {"network": relu_net(), "rule": "adam", "learning_rate": 1e-3, "batch_size": 100, "epochs": reg_epochs, "train_images": regular::TRAIN},
        "batch_sizes": {"network": relu_net(), "sizes": batch::SIZES, "rule": "adam", "learning_rate": 1e-3, "epochs": 1, "train_images": batch::TRAIN},
        "lenet": {"rule": "adam", "schedule": "warmup_cosine", "rates": lenet::RATES, "probe_epochs": probe_epochs, "epochs": lenet_epochs, "batch_size": 128, "l2": 1e-3},
        "preprocessing": "pixels/255, zero-centred with the training mean",
    });
    let data_info = DataInfo::fashion_mnist(&data, d.y_train.len(), d.y_val.len(), d.y_test.len());
    run.finish(out, hyperparameters, Some(data_info), &outputs)?;
    Ok(())
}

/// The binary `exp_batchnorm`: parses the flags and runs.
pub fn main() {
    run_main(|| run(parse()?));
}
