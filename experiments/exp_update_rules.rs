//! Chapter "Update rules", part 2: SGD, Momentum, Nesterov, AdaGrad, RMSProp and Adam.
//!
//! 1. The six rules on four 2-D surfaces (taco shell, Rosenbrock, Beale, saddle), each rule at the
//!    learning rate a log-uniform grid search picks for that surface (`tuning.csv`).
//! 2. A GIF race of all six on Beale's function.
//! 3. AdaGrad against RMSProp on noisy gradients over a long run: the effective step size.
//! 4. The same 2-layer MLP on Fashion-MNIST trained with each rule at its best learning rate from a
//!    small sweep (`mlp_sweep.csv`).
//!
//! ```text
//!     cargo run --release --bin exp_update_rules             # full run, writes results/update_rules/
//!     cargo run --release --bin exp_update_rules -- --quick  # seconds; every code path
//! ```

use clap::Parser;
use nnlab::cli::{
    CommonArgs, Expected, RunContext, as_flag, at_least_one, progress, run_main,
    train_with_progress,
};
use nnlab::init::Init;
use nnlab::network::Sequential;
use nnlab::optim::{AdaGrad, Optimizer, RmsProp, Rule};
use nnlab::plot::{
    ContourPlot, Figure, LineChart, MAX_WIDTH, Panel, Series, save_gif, short_number,
    training_curves,
};
use nnlab::results::{DataInfo, rule_defaults};
use nnlab::rng::{randn, substream};
use nnlab::search::{grid_search, log_grid};
use nnlab::surfaces::{
    Beale, PathPoint, Rosenbrock, Saddle, Surface, TacoShell, clamped_loss, descend,
    window_objective,
};
use nnlab::train::{Split, TrainConfig, smoothing_window, train};
use serde::Serialize;

/// Wall time of the default runs on 2 cores (see [`Expected`]).
pub const EXPECTED: Expected = Expected {
    full_seconds: 30,
    quick_seconds: 2,
};

const EXPERIMENT: &str = "update_rules";

/// The six update rules on 2-D surfaces and on a 2-layer MLP, each at a tuned learning rate.
#[derive(Parser, Debug, Clone)]
#[command(version, long_about = None, allow_negative_numbers = true)]
pub struct Args {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Iterations on each 2-D surface (also the tuning budget).
    #[arg(long, default_value_t = 200)]
    pub iters: usize,
    /// Smallest learning rate of the tuning grid.
    #[arg(long, default_value_t = 1e-5)]
    pub lr_min: f64,
    /// Largest learning rate of the tuning grid.
    #[arg(long, default_value_t = 3.0)]
    pub lr_max: f64,
    /// Points of the log-uniform tuning grid [default: 41, or 9 with --quick].
    #[arg(long)]
    pub grid_points: Option<usize>,
    /// Iterations of the AdaGrad-vs-RMSProp run [default: 20000, or 2000 with --quick].
    #[arg(long)]
    pub long_iters: Option<usize>,
    /// Learning rate of both rules in the AdaGrad-vs-RMSProp run.
    #[arg(long, default_value_t = 0.1)]
    pub step_learning_rate: f64,
    /// Standard deviation of the Gaussian noise added to each gradient in that run.
    #[arg(long, default_value_t = 1.0)]
    pub noise: f64,
    /// Epochs of MLP training [default: 5, or 1 with --quick].
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Mini-batch size of MLP training.
    #[arg(long, default_value_t = 100)]
    pub batch_size: usize,
    /// Hidden units of the MLP (784 -> hidden -> 10).
    #[arg(long, default_value_t = 100)]
    pub hidden: usize,
    /// Training images each sweep candidate trains on for one epoch [default: 10000, or 500 with --quick].
    #[arg(long)]
    pub sweep_rows: Option<usize>,
    /// Training images held out for validation [default: 5000, or 500 with --quick].
    #[arg(long)]
    pub val: Option<usize>,
}

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
struct TrajectoryRow {
    surface: &'static str,
    optimizer: &'static str,
    learning_rate: f64,
    mu: Option<f64>,
    decay_rate: Option<f64>,
    beta1: Option<f64>,
    beta2: Option<f64>,
    eps: Option<f64>,
    iter: usize,
    x: f64,
    y: f64,
    loss: f64,
}

#[derive(Serialize)]
struct TuningRow {
    surface: &'static str,
    optimizer: &'static str,
    learning_rate: f64,
    objective: f64,
    chosen: bool,
}

#[derive(Serialize)]
struct StepRow {
    optimizer: &'static str,
    iter: usize,
    step_x: f64,
    step_y: f64,
    loss: f64,
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

/// A half-width panel's title: the surface's formula, or its name if the formula is too long.
fn short_title(surface: &dyn Surface) -> String {
    let formula = surface.formula();
    if formula.chars().count() <= 36 {
        formula
    } else {
        format!("{} (formula in the text)", surface.name())
    }
}

/// Contour panel of `surface` with paths, in a window that holds the start and the minimum.
fn contour_panel(
    surface: &'static dyn Surface,
    title: String,
    paths: Vec<Series>,
    grid: usize,
) -> Panel {
    Panel::Contour(ContourPlot {
        title,
        f: Box::new(move |x, y| surface.value(x, y)),
        window: surface.window(),
        levels: 16,
        log_levels: surface.minimum().is_some(),
        trajectories: paths,
        target: surface.minimum(),
        grid,
    })
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let quick = args.common.quick;
    let grid_points = args.grid_points.unwrap_or(if quick { 9 } else { 41 });
    let long_iters = args
        .long_iters
        .unwrap_or(if quick { 2_000 } else { 20_000 });
    let epochs = args.epochs.unwrap_or(if quick { 1 } else { 5 });
    let sweep_rows = args.sweep_rows.unwrap_or(if quick { 500 } else { 10_000 });
    // Refuse bad values before touching data or files.
    at_least_one(&[
        ("--iters", args.iters),
        ("--long-iters", long_iters),
        ("--epochs", epochs),
        ("--batch-size", args.batch_size),
        ("--hidden", args.hidden),
        ("--sweep-rows", sweep_rows),
    ])?;
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
        args.noise
    );
    let step_lr = args.step_learning_rate;
    as_flag(
        AdaGrad::<f64>::new(step_lr),
        &[("learning_rate", "--step-learning-rate")],
    )?;
    let run = RunContext::start(EXPERIMENT, &args.common, EXPECTED)?;
    let (data, d) = run.mlp_data(args.val)?;
    if run.check_only_training("the MLP", &d) {
        return Ok(());
    }
    let out = run.results_dir()?;
    let mut outputs = Vec::new();

    // Part 1: tune each rule's learning rate on each surface, then run it.
    static TACO: TacoShell = TacoShell { a: 1.0, b: 50.0 };
    let surfaces: [&'static dyn Surface; 4] = [&TACO, &Rosenbrock, &Beale, &Saddle];
    let grid = log_grid(args.lr_min, args.lr_max, grid_points);
    let (mut tuning, mut rows) = (Vec::new(), Vec::new());
    let mut paths: Vec<Vec<(Rule, f64, Vec<PathPoint>)>> = Vec::new();
    let bar = progress(
        (surfaces.len() * Rule::ALL.len()) as u64,
        "tuning on surfaces",
    );
    for &surface in &surfaces {
        let mut per_surface = Vec::new();
        for rule in Rule::ALL {
            let descent = |lr| {
                let mut opt = rule.build::<f64>(lr).expect("grid values are positive");
                let path = descend(surface, opt.as_mut(), surface.start(), args.iters);
                (opt, path)
            };
            let (trials, best) = grid_search(&grid, |lr| {
                window_objective(surface, &descent(lr).1, args.iters)
            });
            tuning.extend(trials.iter().enumerate().map(|(i, t)| TuningRow {
                surface: surface.name(),
                optimizer: rule.name(),
                learning_rate: t.value,
                objective: t.objective,
                chosen: i == best,
            }));
            let lr = trials[best].value;
            let (opt, path) = descent(lr);
            let hyper = |name| opt.hyperparameter(name);
            rows.extend(path.iter().map(|p| TrajectoryRow {
                surface: surface.name(),
                optimizer: opt.name(),
                learning_rate: lr,
                mu: hyper("mu"),
                decay_rate: hyper("decay_rate"),
                beta1: hyper("beta1"),
                beta2: hyper("beta2"),
                eps: hyper("eps"),
                iter: p.iter,
                x: p.x,
                y: p.y,
                loss: p.loss,
            }));
            per_surface.push((rule, lr, path));
            bar.inc(1);
        }
        paths.push(per_surface);
    }
    bar.finish_and_clear();
    outputs.push(out.write_csv("tuning.csv", tuning)?);
    outputs.push(out.write_csv("trajectory.csv", rows)?);

    let series = |runs: &[(Rule, f64, Vec<PathPoint>)], upto: usize| -> Vec<Series> {
        let named = |(i, (rule, lr, path)): (usize, &(Rule, f64, Vec<PathPoint>))| {
            let name = format!("{} (lr = {})", rule.label(), short_number(*lr));
            Series::new(name, path.iter().take(upto).map(|p| (p.x, p.y)).collect()).colored(i)
        };
        runs.iter().enumerate().map(named).collect()
    };
    let surface_runs = || surfaces.iter().zip(&paths);
    let panels = surface_runs()
        .map(|(&s, runs)| contour_panel(s, short_title(s), series(runs, usize::MAX), 160))
        .collect();
    outputs.extend(Figure::pair(panels, 520).save(out.dir(), "trajectories")?);
    let panels = surface_runs().map(|(&s, runs)| {
        let bounded = s.minimum().is_some();
        let what = if bounded {
            "loss"
        } else {
            "loss, clamped to the window"
        };
        let chart = LineChart::new(format!("{}: {what}", s.name()), "iteration", "loss");
        let curve = |(rule, _, path): &(Rule, f64, Vec<PathPoint>)| {
            let points = path.iter().map(|p| (p.iter as f64, clamped_loss(s, p)));
            Series::new(rule.label(), points.collect())
        };
        let chart = chart.with(runs.iter().map(curve).collect());
        Panel::from(if bounded { chart.log_y() } else { chart })
    });
    outputs.extend(Figure::pair(panels.collect(), 440).save(out.dir(), "loss")?);

    // Part 2: the race on Beale's function.
    let beale = &paths[2];
    let frames = if quick { 5 } else { 80 };
    outputs.push(save_gif(&out.path("race.gif"), frames, 60, |k| {
        let upto = 1 + (args.iters * (k + 1)).div_ceil(frames);
        let title = format!("Beale's function, iteration {}", upto - 1);
        let grid = if quick { 40 } else { 140 };
        Figure::single(
            contour_panel(&Beale, title, series(beale, upto), grid),
            (MAX_WIDTH, 640),
        )
    })?);

    // Part 3: AdaGrad vs RMSProp on noisy gradients of the taco shell.
    let (mut step_rows, mut step_series, mut loss_series) = (Vec::new(), Vec::new(), Vec::new());
    let mut adagrad = AdaGrad::<f64>::new(step_lr)?;
    let mut rmsprop = RmsProp::<f64>::new(step_lr, 0.99)?;
    for (name, label) in [
        ("adagrad", "AdaGrad"),
        ("rmsprop", "RMSProp (decay_rate=0.99)"),
    ] {
        let mut rng = substream(args.common.seed, 10);
        let mut p = [TACO.start().0, TACO.start().1];
        let (mut steps, mut losses) = (Vec::new(), Vec::new());
        for iter in 1..=long_iters {
            let (gx, gy) = TACO.grad(p[0], p[1]);
            let dx = [
                gx + args.noise * randn(&mut rng),
                gy + args.noise * randn(&mut rng),
            ];
            let cache = if name == "adagrad" {
                adagrad.update(0, &mut p, &dx);
                adagrad.cache(0, 2)
            } else {
                rmsprop.update(0, &mut p, &dx);
                rmsprop.cache(0, 2)
            };
            // ANCHOR: effective_step
            let step = |cache: f64| step_lr / (cache.sqrt() + 1e-7);
            // ANCHOR_END: effective_step
            let row = StepRow {
                optimizer: name,
                iter,
                step_x: step(cache[0]),
                step_y: step(cache[1]),
                loss: TACO.value(p[0], p[1]),
            };
            steps.push((iter as f64, row.step_x));
            losses.push((iter as f64, row.loss));
            step_rows.push(row);
        }
        step_series.push(Series::new(label, steps));
        loss_series.push(Series::new(label, losses));
    }
    // Keep the CSV small: every iteration up to 100, then every 10th.
    let kept = step_rows
        .into_iter()
        .filter(|r| r.iter <= 100 || r.iter % 10 == 0);
    outputs.push(out.write_csv("step_size.csv", kept)?);
    let step = LineChart::new(
        format!("effective step along x, lr = {step_lr}"),
        "iteration",
        "lr / (sqrt(cache) + eps)",
    );
    let loss = LineChart::new(
        format!("loss, gradient noise std {}", args.noise),
        "iteration",
        "loss",
    );
    let panels = vec![
        step.log_y().with(step_series).into(),
        loss.log_y().with(loss_series).into(),
    ];
    outputs.extend(Figure::pair(panels, 440).save(out.dir(), "step_size")?);

    // Part 4: the MLP on Fashion-MNIST, every rule at its best swept learning rate.
    let split = Split::of(&d);
    let sweep_split = split.head(sweep_rows);
    let sweep_rows = sweep_split.y_train.len();
    let sweep_cfg = TrainConfig {
        epochs: 1,
        batch_size: args.batch_size,
        train_eval_rows: 1_000,
    };
    let cfg = TrainConfig {
        epochs,
        batch_size: args.batch_size,
        train_eval_rows: 5_000,
    };
    let (mut sweep, mut training) = (Vec::new(), Vec::new());
    let (mut curves, mut accuracy_curves, mut chosen) =
        (Vec::new(), Vec::new(), serde_json::Map::new());
    let smooth = smoothing_window(split.iterations(epochs, args.batch_size));
    for rule in Rule::ALL {
        let candidates = mlp_candidates(rule);
        let (trials, best) = grid_search(&candidates, |lr| {
            let mut rng = substream(args.common.seed, 2);
            let mut net = Sequential::<f32>::fashion_mlp(args.hidden, Init::He, &mut rng);
            let mut opt = rule.build::<f32>(lr).expect("candidates are positive");
            let h = train(
                &mut net,
                opt.as_mut(),
                &sweep_split,
                &sweep_cfg,
                &mut rng,
                &mut |_| {},
            );
            if h.diverged_at.is_some() {
                f64::INFINITY
            } else {
                -h.epochs.last().map_or(0.0, |e| e.val_accuracy)
            }
        });
        sweep.extend(trials.iter().enumerate().map(|(i, t)| SweepRow {
            optimizer: rule.name(),
            learning_rate: t.value,
            val_accuracy: if t.objective.is_finite() {
                -t.objective
            } else {
                0.0
            },
            diverged: !t.objective.is_finite(),
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
        let mut net = Sequential::<f32>::fashion_mlp(args.hidden, Init::He, &mut rng);
        let mut opt = rule.build::<f32>(lr)?;
        let what = format!("MLP {}", rule.label());
        let h = train_with_progress(&what, &mut net, opt.as_mut(), &split, &cfg, &mut rng);
        let val = h.final_val_accuracy();
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
    outputs.push(out.write_csv("mlp_sweep.csv", sweep)?);
    outputs.push(out.write_csv("training.csv", training)?);
    let title = format!("MLP 784-{}-10", args.hidden);
    let figure = training_curves(&title, smooth, curves, accuracy_curves);
    outputs.extend(figure.save(out.dir(), "mlp")?);

    let hyperparameters = serde_json::json!({
        "iters": args.iters,
        "tuning": {"grid": "log-uniform", "lr_min": args.lr_min, "lr_max": args.lr_max, "points": grid_points,
                   "objective": "loss after `iters` steps; +inf if the run diverged or, on a surface with a minimum, if its path left the plotting window; saddle: final point clamped to the window"},
        "defaults": rule_defaults(),
        "step_size_run": {"iters": long_iters, "learning_rate": args.step_learning_rate, "noise_std": args.noise, "rmsprop_decay_rate": 0.99},
        "mlp": {"layers": [784, args.hidden, 10], "activation": "relu", "init": "he", "loss": "softmax",
                "epochs": epochs, "batch_size": args.batch_size, "sweep": "each candidate trains 1 epoch on the first sweep_rows training images; best validation accuracy wins",
                "sweep_rows": sweep_rows, "chosen_learning_rates": chosen},
    });
    let data_info = DataInfo::fashion_mnist(&data, d.y_train.len(), d.y_val.len(), d.y_test.len());
    run.finish(&out, hyperparameters, Some(data_info), &outputs)?;
    Ok(())
}

#[allow(dead_code)] // unused when `reproduce` includes this file as a module
fn main() {
    run_main(|| run(Args::parse()));
}
