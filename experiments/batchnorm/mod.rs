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
mod nets;
mod rates;
mod regular;
mod scale;
pub use args::Args;
use nets::relu_net;

use nnlab::hyper::{check_learning_rate, check_unit_interval};
use nnlab::procedures::train::Split;
use nnlab::report::cli::{Expected, RunContext, as_flag, parse, run_main, work_factor};
use nnlab::report::results::DataInfo;

/// The results folder, and the wall time of the default runs on 2 cores (see [`Expected`]).
pub const EXPECTED: Expected = Expected::new("batchnorm", 540, 8);

/// Each part's share of the default run's time (measured on AMD EPYC Zen 3: 27, 32, 24, 19, 14 and
/// 415 s), for the expected time of other flags; LeNet-5's short runs are a tenth of its part.
const SHARES: [f64; 6] = [0.05, 0.06, 0.05, 0.04, 0.02, 0.78];

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
            + SHARES[5] * work_factor(&[(lenet_epochs, 15, 1.0)]) * 0.9
            + SHARES[5] * 0.1
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
        "lenet": {"schedule": "warmup_cosine", "settings": lenet::SETTINGS, "probe_epochs": probe_epochs, "epochs": lenet_epochs, "batch_size": 128, "l2": 5e-4},
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
