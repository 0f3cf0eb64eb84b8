//! Chapter "Weight initialization".
//!
//! Part 1 (`stack.rs`): CS231n's experiment — 1,000 random Gaussian inputs through 10 layers of
//! 500 units, `H = f(X W)`, for `0.01 * randn` and `1.0 * randn` under tanh, Xavier under tanh and
//! under ReLU, and He under ReLU: every layer's histogram, mean and standard deviation.
//! Part 2 (here): a deep MLP trained on Fashion-MNIST from each initialization, over several seeds.
//!
//!     cargo run --release --bin exp_init            # full run, writes results/init/
//!     cargo run --release --bin exp_init -- --quick # seconds; every code path

mod args;
mod stack;
pub use args::{Args, CONFIGS, Config};

use nnlab::hyper::check_learning_rate;
use nnlab::nn::mlp::MlpSpec;
use nnlab::procedures::runs::Model;
use nnlab::procedures::train::{Split, smoothing_window};
use nnlab::report::cli::{Expected, RunContext, as_flag, parse, run_main, work_factor};
use nnlab::report::results::DataInfo;

use crate::seeds::{Plan, Variant, epoch_rows, report};

/// The results folder, and the wall time of the default runs on 2 cores (see [`Expected`]).
pub const EXPECTED: Expected = Expected::new("init", 55, 2);

pub fn run(args: Args) -> anyhow::Result<()> {
    let quick = args.common.quick;
    as_flag(check_learning_rate(args.learning_rate), &[])?;
    let inputs = args.inputs.unwrap_or(if quick { 200 } else { 1_000 });
    let epochs = args.epochs.unwrap_or(if quick { 1 } else { 4 });
    let stack = work_factor(&[
        (inputs, 1_000, 1.0),
        (args.width, 500, 2.0),
        (args.layers, 10, 1.0),
    ]);
    let training = work_factor(&[
        (args.runs.seeds, 3, 1.0),
        (epochs, 4, 1.0),
        (args.depth, 10, 1.0),
        (args.hidden, 100, 2.0),
        nnlab::report::cli::smaller_batch(args.runs.batch_size, 100),
    ]);
    let run = RunContext::start(
        &args.common,
        EXPECTED.scaled(0.03 * stack + 0.97 * training, quick)?,
    )?;
    let model = format!(
        "{} MLPs of {} hidden layers",
        CONFIGS.len() * args.runs.seeds,
        args.depth
    );
    let Some((data, d, out)) = run.mlp_training(args.validation.val, &model)? else {
        return Ok(());
    };
    let mut numbers = run.numbers();
    let seed = args.common.seed;
    let mut outputs = stack::run(seed, inputs, args.width, args.layers, &out, &mut numbers)?;

    // Part 2: the deep MLP from each initialization.
    let split = Split::of(&d).with_test(&d);
    let mut sizes = vec![784];
    sizes.extend(std::iter::repeat_n(args.hidden, args.depth));
    sizes.push(10);
    let variants: Vec<Variant> = CONFIGS
        .iter()
        .map(|c| Variant {
            key: c.key.into(),
            label: c.label.into(),
            model: Model::Plain(MlpSpec::plain(sizes.clone(), c.activation, c.init)),
            rule: args.runs.rule,
            learning_rate: args.learning_rate,
        })
        .collect();
    let plan = Plan {
        split: &split,
        batch_size: args.runs.batch_size,
        epochs,
        seeds: args.runs.seeds,
        base_seed: seed,
        train_eval_rows: 5_000,
    };
    let what = format!("{} runs", variants.len() * args.runs.seeds);
    let trained = plan.train(&run, &what, &variants)?;
    outputs.push(out.write_csv("epochs.csv", epoch_rows(&variants, &trained))?);
    let smooth = smoothing_window(split.iterations(epochs, args.runs.batch_size));
    let title = format!("MLP 784-{}x{}-10", args.hidden, args.depth);
    let figure = report(&mut numbers, &title, smooth, &variants, &trained);
    outputs.extend(figure.save(out.dir(), "training")?);
    numbers
        .value("train_depth", args.depth)
        .value("train_hidden", args.hidden)
        .value("train_epochs", epochs)
        .value("train_seeds", args.runs.seeds)
        .value("train_rule", args.runs.rule.label())
        .value("train_learning_rate", args.learning_rate)
        .value("stack_inputs", nnlab::report::numbers::thousands(inputs))
        .value("stack_width", args.width);
    outputs.push(run.write_numbers(&out, numbers)?);

    let hyperparameters = serde_json::json!({
        "stack": {"inputs": inputs, "width": args.width, "layers": args.layers, "bias": "none",
                   "configs": CONFIGS.iter().map(|c| serde_json::json!({"key": c.key, "init": c.init, "activation": c.activation})).collect::<Vec<_>>()},
        "training": {"layers": sizes, "rule": args.runs.rule, "learning_rate": args.learning_rate,
                      "batch_size": args.runs.batch_size, "epochs": epochs, "seeds": args.runs.seeds,
                      "preprocessing": "pixels/255, zero-centred with the training mean"},
    });
    let data_info = DataInfo::fashion_mnist(&data, d.y_train.len(), d.y_val.len(), d.y_test.len());
    run.finish(out, hyperparameters, Some(data_info), &outputs)?;
    Ok(())
}

/// The binary `exp_init`: parses the flags and runs.
pub fn main() {
    run_main(|| run(parse()?));
}
