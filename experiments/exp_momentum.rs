//! Chapter "Update rules", part 1: SGD against Momentum.
//!
//! On the taco-shell quadratic (condition number 50), from the same start with the same learning
//! rate: SGD and Momentum with mu in {0.5, 0.9, 0.99}. Then the same comparison training a
//! 2-layer MLP on Fashion-MNIST.
//!
//!     cargo run --release --bin exp_momentum            # full run, writes results/momentum/
//!     cargo run --release --bin exp_momentum -- --quick # seconds; every code path

use clap::Parser;
use nnlab::cli::{
    CommonArgs, Expected, RunContext, as_flag, at_least_one, run_main, train_with_progress,
};
use nnlab::init::Init;
use nnlab::network::Sequential;
use nnlab::optim::{
    HyperparameterError, Momentum, Nesterov, Optimizer, Sgd, check_unit_interval, contraction_rate,
    nesterov_contraction_rate,
};
use nnlab::plot::{
    ContourPlot, Figure, LineChart, MAX_WIDTH, Panel, Series, save_gif, training_curves,
};
use nnlab::results::DataInfo;
use nnlab::rng::substream;
use nnlab::surfaces::{PathPoint, Surface, TacoShell, descend};
use nnlab::train::{Split, TrainConfig, smoothing_window};
use serde::Serialize;

/// Wall time of the default runs on 2 cores (see [`Expected`]).
pub const EXPECTED: Expected = Expected {
    full_seconds: 15,
    quick_seconds: 2,
};

const EXPERIMENT: &str = "momentum";

/// SGD vs Momentum (mu 0.5, 0.9, 0.99) on the taco-shell quadratic and on a 2-layer MLP.
#[derive(Parser, Debug, Clone)]
#[command(version, long_about = None, allow_negative_numbers = true)]
pub struct Args {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Learning rate of every rule on the taco shell (stable below 2/50 = 0.04 for SGD).
    #[arg(long, default_value_t = 0.035)]
    pub learning_rate: f64,
    /// Iterations on the taco shell.
    #[arg(long, default_value_t = 150)]
    pub iters: usize,
    /// Momentum coefficients to compare with SGD (comma-separated).
    #[arg(
        long,
        value_delimiter = ',',
        allow_hyphen_values = true,
        default_value = "0.5,0.9,0.99"
    )]
    pub mu: Vec<f64>,
    /// Momentum coefficient of Nesterov's rule on the taco shell.
    #[arg(long, default_value_t = 0.9)]
    pub nesterov_mu: f64,
    /// Learning rate of every rule when training the MLP.
    #[arg(long, default_value_t = 0.02)]
    pub mlp_learning_rate: f64,
    /// Momentum coefficient of Momentum and Nesterov for the MLP.
    #[arg(long, default_value_t = 0.9)]
    pub mlp_mu: f64,
    /// Epochs of MLP training [default: 5, or 2 with --quick].
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Mini-batch size.
    #[arg(long, default_value_t = 100)]
    pub batch_size: usize,
    /// Hidden units of the MLP (784 -> hidden -> 10).
    #[arg(long, default_value_t = 100)]
    pub hidden: usize,
    /// Weight initialization of the MLP.
    #[arg(long, value_enum, default_value_t = Init::Xavier)]
    pub init: Init,
    /// Training images held out for validation [default: 5000, or 500 with --quick].
    #[arg(long)]
    pub val: Option<usize>,
}

#[derive(Serialize)]
struct TrajectoryRow {
    surface: &'static str,
    optimizer: &'static str,
    learning_rate: f64,
    mu: Option<f64>,
    iter: usize,
    x: f64,
    y: f64,
    loss: f64,
}

#[derive(Serialize)]
struct SurfaceSummary {
    optimizer: &'static str,
    mu: Option<f64>,
    iters: usize,
    final_loss: f64,
    /// First iteration with loss below 1e-3 (empty if never).
    iters_to_1e_3: Option<usize>,
    /// Theory: the factor by which the error shrinks per step along x (curvature a) and y (b),
    /// and overall (the slower of the two).
    rate_x: f64,
    rate_y: f64,
    rate: f64,
}

#[derive(Serialize)]
struct TrainingRow {
    optimizer: &'static str,
    learning_rate: f64,
    mu: Option<f64>,
    epoch: usize,
    iter: usize,
    loss: f64,
}

#[derive(Serialize)]
struct EpochRow {
    optimizer: &'static str,
    epoch: usize,
    iter: usize,
    train_loss: f64,
    train_accuracy: f64,
    val_accuracy: f64,
}

/// A rule with the label the figures and CSV files use.
struct Contender<O> {
    label: String,
    mu: Option<f64>,
    opt: O,
    /// The predicted per-step contraction on a quadratic: (learning_rate, mu, curvature) -> rate.
    rate: fn(f64, f64, f64) -> f64,
}

/// The rules a part of the experiment compares.
type Rules<F> = Vec<Contender<Box<dyn Optimizer<F>>>>;

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
    at_least_one(&[
        ("--iters", args.iters),
        ("--batch-size", args.batch_size),
        ("--hidden", args.hidden),
        ("--epochs", epochs),
    ])?;
    let run = RunContext::start(EXPERIMENT, &args.common, EXPECTED)?;
    let (data, d) = run.mlp_data(args.val)?;
    if run.check_only_training("the MLP", &d) {
        return Ok(());
    }
    let out = run.results_dir()?;
    let mut outputs = Vec::new();

    // Part 1: the taco shell.
    let taco = TacoShell::default();
    let mut trajectories: Vec<(String, Vec<PathPoint>)> = Vec::new();
    let (mut rows, mut summary) = (Vec::new(), Vec::new());
    for c in &mut surface_rules {
        let path = descend(&taco, c.opt.as_mut(), taco.start(), args.iters);
        rows.extend(path.iter().map(|p| TrajectoryRow {
            surface: taco.name(),
            optimizer: c.opt.name(),
            learning_rate: args.learning_rate,
            mu: c.mu,
            iter: p.iter,
            x: p.x,
            y: p.y,
            loss: p.loss,
        }));
        let last = path.last().expect("a path holds its start");
        let rate = |curvature| (c.rate)(args.learning_rate, c.mu.unwrap_or(0.0), curvature);
        let (rate_x, rate_y) = (rate(taco.a), rate(taco.b));
        summary.push(SurfaceSummary {
            rate_x,
            rate_y,
            rate: rate_x.max(rate_y),
            optimizer: c.opt.name(),
            mu: c.mu,
            iters: last.iter,
            final_loss: last.loss,
            iters_to_1e_3: path.iter().find(|p| p.loss < 1e-3).map(|p| p.iter),
        });
        trajectories.push((c.label.clone(), path));
    }
    outputs.push(out.write_csv("trajectory.csv", rows)?);
    outputs.push(out.write_csv("surface_summary.csv", summary)?);

    // The window holds every path that stays near the valley; a diverging path runs off the
    // plot instead of shrinking the valley to a line.
    let (bx0, bx1, by0, by1) = taco.window();
    let (mut x0, mut x1, mut y0, mut y1) = (bx0, bx1, by0, by1);
    let near = |p: &&PathPoint| {
        p.x.abs() <= 2.0 * bx0.abs().max(bx1.abs()) && p.y.abs() <= 2.0 * by0.abs().max(by1.abs())
    };
    for p in trajectories.iter().flat_map(|t| t.1.iter()).filter(near) {
        (x0, x1, y0, y1) = (x0.min(p.x), x1.max(p.x), y0.min(p.y), y1.max(p.y));
    }
    let window = (x0 - 0.5, x1 + 0.5, y0 - 0.2, y1 + 0.2);
    let contour = |title: String, trajectories: Vec<Series>, grid: usize| {
        Panel::Contour(ContourPlot {
            title,
            f: Box::new(move |x, y| taco.value(x, y)),
            window,
            levels: 14,
            log_levels: true,
            trajectories,
            target: taco.minimum(),
            grid,
        })
    };
    let series_of = |i: usize, upto: usize| {
        let (label, path) = &trajectories[i];
        let points = path.iter().take(upto).map(|p| (p.x, p.y)).collect();
        Series::new(label.clone(), points).colored(i)
    };
    let lr = args.learning_rate;
    let panels = (0..trajectories.len())
        .map(|i| {
            contour(
                format!("{}, lr = {lr}", trajectories[i].0),
                vec![series_of(i, usize::MAX)],
                160,
            )
        })
        .collect();
    outputs.extend(Figure::pair(panels, 300).save(out.dir(), "trajectories")?);

    // A diverging run is drawn until its loss passes 10x the starting loss, and says so.
    let start_loss = taco.value(taco.start().0, taco.start().1);
    let loss_series = trajectories.iter().map(|(label, path)| {
        let diverges = path.last().is_some_and(|p| p.loss > start_loss);
        let name = if diverges {
            format!("{label} (diverges)")
        } else {
            label.clone()
        };
        let shown = path.iter().take_while(|p| p.loss <= 10.0 * start_loss);
        Series::new(name, shown.map(|p| (p.iter as f64, p.loss)).collect())
    });
    let loss_chart = LineChart::new(
        format!("Loss on {} (lr = {lr})", taco.formula()),
        "iteration",
        "loss",
    );
    let loss_chart = loss_chart.log_y().with(loss_series.collect());
    outputs.extend(Figure::single(loss_chart, (MAX_WIDTH, 520)).save(out.dir(), "loss")?);

    let frames = if quick { 6 } else { 60 };
    outputs.push(save_gif(&out.path("race.gif"), frames, 80, |k| {
        let upto = 1 + (args.iters * (k + 1)).div_ceil(frames);
        let paths = (0..trajectories.len())
            .map(|i| series_of(i, upto))
            .collect();
        let grid = if quick { 40 } else { 120 };
        Figure::single(
            contour(format!("iteration {}", upto - 1), paths, grid),
            (MAX_WIDTH, 420),
        )
    })?);

    // Part 2: a 2-layer MLP on Fashion-MNIST, same initialization and batches for both rules.
    let split = Split::of(&d);
    let cfg = TrainConfig {
        epochs,
        batch_size: args.batch_size,
        train_eval_rows: 5_000,
    };
    let (mut training_rows, mut epoch_rows) = (Vec::new(), Vec::new());
    let (mut curves, mut accuracy_curves) = (Vec::new(), Vec::new());
    let mut test_accuracy = serde_json::Map::new();
    // Mini-batch losses are noisy: plot a moving average.
    let smooth = smoothing_window(split.iterations(epochs, args.batch_size));
    for c in &mut mlp_rules {
        let mut rng = substream(args.common.seed, 1);
        let mut net = Sequential::<f32>::fashion_mlp(args.hidden, args.init, &mut rng);
        let what = format!("MLP {}", c.label);
        let h = train_with_progress(&what, &mut net, c.opt.as_mut(), &split, &cfg, &mut rng);
        if let Some(at) = h.diverged_at {
            eprintln!("warning: {} diverged at iteration {at}", c.label);
        }
        let acc = net.accuracy(d.x_test.view(), &d.y_test);
        let val = h.final_val_accuracy();
        eprintln!(
            "{}: final val accuracy {val:.4}, test accuracy {acc:.4}",
            c.label
        );
        test_accuracy.insert(c.label.clone(), acc.into());
        training_rows.extend(h.iters.iter().map(|r| TrainingRow {
            optimizer: c.opt.name(),
            learning_rate: args.mlp_learning_rate,
            mu: c.mu,
            epoch: r.epoch,
            iter: r.iter,
            loss: r.loss,
        }));
        epoch_rows.extend(h.epochs.iter().map(|e| EpochRow {
            optimizer: c.opt.name(),
            epoch: e.epoch,
            iter: e.iter,
            train_loss: e.train_loss,
            train_accuracy: e.train_accuracy,
            val_accuracy: e.val_accuracy,
        }));
        curves.push(Series::new(c.label.clone(), h.smoothed_loss(smooth)));
        accuracy_curves.push(Series::new(c.label.clone(), h.val_accuracy_curve()));
    }
    outputs.push(out.write_csv("training.csv", training_rows)?);
    outputs.push(out.write_csv("epochs.csv", epoch_rows)?);
    let mlp_title = format!(
        "MLP 784-{}-10, lr = {}",
        args.hidden, args.mlp_learning_rate
    );
    let figure = training_curves(&mlp_title, smooth, curves, accuracy_curves);
    outputs.extend(figure.save(out.dir(), "mlp")?);

    let hyperparameters = serde_json::json!({
        "surface": taco.formula(),
        "start": taco.start(),
        "learning_rate": args.learning_rate,
        "iters": args.iters,
        "mu": args.mu,
        "mlp": {
            "layers": [784, args.hidden, 10],
            "activation": "relu",
            "init": args.init,
            "loss": "softmax",
            "preprocessing": "pixels/255, zero-centered with the training mean",
            "learning_rate": args.mlp_learning_rate,
            "mu": args.mlp_mu,
            "epochs": epochs,
            "batch_size": args.batch_size,
            "n_train": d.y_train.len(),
            "test_accuracy": test_accuracy,
        },
    });
    let data_info = DataInfo::fashion_mnist(&data, d.y_train.len(), d.y_val.len(), d.y_test.len());
    run.finish(&out, hyperparameters, Some(data_info), &outputs)?;
    Ok(())
}

#[allow(dead_code)] // unused when `reproduce` includes this file as a module
fn main() {
    run_main(|| run(Args::parse()));
}
