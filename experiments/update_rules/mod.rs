//! Chapter "Update rules", part 2: SGD, Momentum, Nesterov, AdaGrad, RMSProp and Adam.
//!
//! 1. The six rules on four 2-D surfaces (taco shell, Rosenbrock, Beale, saddle), each rule at the
//!    learning rate a log-uniform grid search picks for that surface (`tuning.csv`).
//! 2. A GIF race of all six on Beale's function.
//! 3. AdaGrad against RMSProp on noisy gradients over a long run: the effective step size.
//! 4. The same 2-layer MLP on Fashion-MNIST trained with each rule at its best learning rate from a
//!    small sweep (`mlp_sweep.csv`).
//!
//! One file per part: `surfaces.rs` (1 and 2), `step_size.rs` (3), `mlp.rs` (4).
//!
//! ```text
//!     cargo run --release --bin exp_update_rules             # full run, writes results/update_rules/
//!     cargo run --release --bin exp_update_rules -- --quick  # seconds; every code path
//! ```

mod args;
pub use args::{Args, Settings};

use nnlab::optim::AdaGrad;
use nnlab::report::cli::{Expected, RunContext, as_flag, parse, run_main, work_factor};
use nnlab::report::results::{DataInfo, rule_defaults};

mod mlp;
mod step_size;
mod surfaces;

/// The results folder, and the wall time of the default runs on 2 cores (see [`Expected`]).
pub const EXPECTED: Expected = Expected::new("update_rules", 30, 2);

pub fn run(args: Args) -> anyhow::Result<()> {
    let quick = args.common.quick;
    let grid_points = args.grid_points.unwrap_or(if quick { 9 } else { 41 });
    let long_iters = args
        .long_iters
        .unwrap_or(if quick { 2_000 } else { 20_000 });
    let epochs = args.epochs.unwrap_or(if quick { 1 } else { 5 });
    let sweep_rows = args.sweep_rows.unwrap_or(if quick { 500 } else { 10_000 });
    // Refuse bad values before touching data or files.
    // Every count is at least 1: the flags' parsers bound them (see `count`).
    anyhow::ensure!(grid_points >= 2, "--grid-points must be at least 2");
    anyhow::ensure!(
        args.lr_min > 0.0 && args.lr_max > args.lr_min && args.lr_max.is_finite(),
        "the tuning grid needs 0 < --lr-min < --lr-max, got {} and {}",
        args.lr_min,
        args.lr_max
    );
    anyhow::ensure!(
        args.noise >= 0.0 && args.noise.is_finite(),
        "--noise must be non-negative, got {}",
        nnlab::hyper::show(args.noise)
    );
    let step_lr = args.step_learning_rate;
    as_flag(
        AdaGrad::<f64>::new(step_lr),
        &[("learning_rate", "--step-learning-rate")],
    )?;
    // Shares of the default run: the MLP's training, its learning-rate sweep, the 2-D surfaces.
    let work = work_factor(&args.mlp.work())
        * (0.7 * work_factor(&[(epochs, if quick { 1 } else { 5 }, 1.0)])
            + 0.2 * work_factor(&[(sweep_rows, if quick { 500 } else { 10_000 }, 1.0)]))
        + 0.05 * work_factor(&[(long_iters, if quick { 2_000 } else { 20_000 }, 1.0)])
        + 0.05
            * work_factor(&[
                (grid_points, if quick { 9 } else { 41 }, 1.0),
                (args.iters, 200, 1.0),
            ]);
    let run = RunContext::start(&args.common, EXPECTED.scaled(work, quick)?)?;
    let Some((data, d, out)) = run.mlp_training(args.validation.val, "the MLP")? else {
        return Ok(());
    };
    let mut outputs = Vec::new();
    let s = Settings {
        quick,
        grid_points,
        long_iters,
        epochs,
        sweep_rows,
    };

    let mut numbers = run.numbers();
    outputs.extend(surfaces::run(&args, &s, &out, &mut numbers)?);
    outputs.extend(step_size::run(&args, &s, &out, &mut numbers)?);
    let mlp = mlp::run(&args, &s, &d, &out, &mut numbers)?;
    outputs.extend(mlp.outputs);
    outputs.push(run.write_numbers(&out, numbers)?);

    let hyperparameters = serde_json::json!({
        "iters": args.iters,
        "tuning": {"grid": "log-uniform", "lr_min": args.lr_min, "lr_max": args.lr_max, "points": grid_points,
                   "objective": "loss after `iters` steps; +inf if the run diverged or, on a surface with a minimum, if its path left the plotting window; saddle: final point clamped to the window"},
        "defaults": rule_defaults(),
        "step_size_run": {"iters": long_iters, "learning_rate": args.step_learning_rate, "noise_std": args.noise, "rmsprop_decay_rate": 0.99},
        "mlp": {"layers": [784, args.mlp.hidden, 10], "activation": "relu", "init": "he", "loss": "softmax",
                "epochs": epochs, "batch_size": args.mlp.batch_size, "sweep": "each candidate trains 1 epoch on the first sweep_rows training images; best validation accuracy wins",
                "sweep_rows": mlp.sweep_rows, "chosen_learning_rates": mlp.chosen},
    });
    let data_info = DataInfo::fashion_mnist(&data, d.y_train.len(), d.y_val.len(), d.y_test.len());
    run.finish(out, hyperparameters, Some(data_info), &outputs)?;
    Ok(())
}

/// The binary `exp_update_rules`: parses the flags and runs.
pub fn main() {
    run_main(|| run(parse()?));
}
