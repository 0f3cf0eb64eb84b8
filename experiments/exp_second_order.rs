//! Chapter "Second-order methods": Newton, BFGS and L-BFGS against gradient descent and Adam.
//!
//! 1. Rosenbrock: trajectories and value per iteration of every method.
//! 2. Softmax regression on Fashion-MNIST, full batch: loss per iteration and per second for GD,
//!    Adam, BFGS, L-BFGS (m = 5, 10, 20); Newton on the reduced (7x7-pooled) problem where the
//!    Hessian fits; final train and test accuracy.
//! 3. The cost of one iteration against the dimension n (chained Rosenbrock), with fitted slopes.
//! 4. Noise: L-BFGS fed mini-batch values and gradients against full batch.
//!
//! Run:
//!
//!     cargo run --release --bin exp_second_order            # full run, writes results/second_order/
//!     cargo run --release --bin exp_second_order -- --quick # under a minute; every code path

use clap::Parser;
use nnlab::cli::{CommonArgs, Expected, RunContext, at_least_one, progress, run_main};
use nnlab::metrics::loglog_slope;
use nnlab::plot::{ContourPlot, Figure, LineChart, MAX_WIDTH, Panel, Series};
use nnlab::results::DataInfo;
use nnlab::rng::substream;
use nnlab::second_order::objectives::{MiniBatch, Rosenbrock, SoftmaxRegression, pool_images};
use nnlab::second_order::{
    Bfgs, FirstOrder, IterStat, Lbfgs, Minimizer, Newton, Objective, Report, Stopping,
    seconds_per_iteration,
};
use nnlab::surfaces::{self, Surface};
use serde::Serialize;

/// Wall time of the default runs on 2 cores (see [`Expected`]).
pub const EXPECTED: Expected = Expected {
    full_seconds: 120,
    quick_seconds: 4,
};

const EXPERIMENT: &str = "second_order";

/// Newton, BFGS and L-BFGS against GD and Adam: Rosenbrock, softmax regression, cost scaling, noise.
#[derive(Parser, Debug, Clone)]
#[command(version, long_about = None, allow_negative_numbers = true)]
pub struct Args {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Iteration budget of every method on softmax regression (SciPy's run in the chapter uses 200)
    /// [default: 200, or 10 with --quick].
    #[arg(long)]
    pub iters: Option<usize>,
    /// L-BFGS history sizes to compare (comma-separated).
    #[arg(
        long,
        value_delimiter = ',',
        allow_hyphen_values = true,
        default_value = "5,10,20"
    )]
    pub history: Vec<usize>,
    /// Learning rates tried for GD and Adam, comma-separated (each keeps the one with the lowest
    /// loss after --tune-iters iterations).
    #[arg(
        long,
        value_delimiter = ',',
        allow_hyphen_values = true,
        default_value = "0.001,0.003,0.01,0.03,0.1,0.3,1,3"
    )]
    pub learning_rates: Vec<f64>,
    /// Iterations of each tuning run on softmax regression [default: 20, or 5 with --quick].
    #[arg(long)]
    pub tune_iters: Option<usize>,
    /// Iterations of GD and Adam on Rosenbrock (second-order methods stop on their own).
    #[arg(long, default_value_t = 2000)]
    pub rosenbrock_iters: usize,
    /// Pooling of the reduced problem for Newton: 28x28 images averaged over pool x pool blocks.
    #[arg(long, default_value_t = 4)]
    pub pool: usize,
    /// Mini-batch sizes for the noise comparison (comma-separated).
    #[arg(
        long,
        value_delimiter = ',',
        allow_hyphen_values = true,
        default_value = "100,1000"
    )]
    pub batches: Vec<usize>,
    /// Largest dimension of the scaling measurement for Newton and BFGS [default: 4000, or 1000
    /// with --quick]; L-BFGS continues to 100 times that. Slopes are fitted from n = 300 on, so
    /// below 1000 Newton and BFGS get none.
    #[arg(long)]
    pub scaling_max_n: Option<usize>,
    /// Skip dense BFGS on the full softmax problem (its inverse Hessian takes 493 MB).
    #[arg(long)]
    pub no_bfgs: bool,
    /// Fit softmax regression to the first this many training images [default: all 60000, or
    /// 2000 with --quick].
    #[arg(long)]
    pub max_train: Option<usize>,
}

#[derive(Serialize)]
struct TrajectoryRow {
    surface: &'static str,
    method: String,
    iter: usize,
    x: f64,
    y: f64,
    loss: f64,
}

#[derive(Serialize)]
struct ConvergenceRow {
    problem: &'static str,
    method: String,
    m: Option<usize>,
    iter: usize,
    evals: usize,
    seconds: f64,
    loss: f64,
    grad_norm: f64,
}

#[derive(Serialize)]
struct SummaryRow {
    problem: &'static str,
    method: String,
    iterations: usize,
    evals: usize,
    seconds: f64,
    loss: f64,
    grad_norm: f64,
    stop: &'static str,
    train_accuracy: Option<f64>,
    test_accuracy: Option<f64>,
}

#[derive(Serialize)]
struct TuningRow {
    problem: &'static str,
    method: &'static str,
    learning_rate: f64,
    iters: usize,
    final_loss: f64,
}

#[derive(Serialize)]
struct ScalingRow {
    method: &'static str,
    n: usize,
    seconds_per_iter: f64,
    bytes: usize,
}

#[derive(Serialize)]
struct NoiseRow {
    method: String,
    batch: Option<usize>,
    iter: usize,
    evals: usize,
    full_loss: f64,
}

/// GD or Adam tuned on `f` from `x0` over `rates` (see [`FirstOrder::tune`]); the trials go
/// to `rows`, the chosen rate is returned.
fn tune(
    problem: &'static str,
    adam: bool,
    rates: &[f64],
    f: &mut dyn Objective,
    x0: &[f64],
    iters: usize,
    rows: &mut Vec<TuningRow>,
) -> anyhow::Result<f64> {
    let (trials, best) = FirstOrder::tune(adam, rates, f, x0, iters)?;
    rows.extend(trials.iter().map(|t| TuningRow {
        problem,
        method: if adam { "Adam" } else { "GD" },
        learning_rate: t.value,
        iters,
        final_loss: t.objective,
    }));
    Ok(trials[best].value)
}

/// The summary row of a run, with accuracies of its parameters on both sets.
fn summary_row(
    problem: &'static str,
    name: &str,
    r: &Report,
    train: &SoftmaxRegression,
    test: &SoftmaxRegression,
) -> SummaryRow {
    SummaryRow {
        problem,
        method: name.to_string(),
        iterations: r.iterations,
        evals: r.evals,
        seconds: r.seconds,
        loss: r.value,
        grad_norm: r.grad_norm,
        stop: r.stop.label(),
        train_accuracy: Some(train.accuracy(&r.x)),
        test_accuracy: Some(test.accuracy(&r.x)),
    }
}

/// One line of progress: iterations, evaluations, time, loss, why it stopped.
fn run_line(r: &Report) -> String {
    format!(
        "{} iterations, {} evaluations, {:.2} s, loss {:.5} ({})",
        r.iterations,
        r.evals,
        r.seconds,
        r.value,
        r.stop.label()
    )
}

fn convergence_rows(
    problem: &'static str,
    m: Option<usize>,
    name: &str,
    r: &Report,
) -> Vec<ConvergenceRow> {
    r.history
        .iter()
        .map(|h| ConvergenceRow {
            problem,
            method: name.to_string(),
            m,
            iter: h.iter,
            evals: h.evals,
            seconds: h.seconds,
            loss: h.value,
            grad_norm: h.grad_norm,
        })
        .collect()
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let quick = args.common.quick;
    let iters = args.iters.unwrap_or(if quick { 10 } else { 200 });
    let tune_iters = args.tune_iters.unwrap_or(if quick { 5 } else { 20 });
    let scaling_max_n = args
        .scaling_max_n
        .unwrap_or(if quick { 1000 } else { 4000 });
    at_least_one(&[
        ("--iters", iters),
        ("--tune-iters", tune_iters),
        ("--rosenbrock-iters", args.rosenbrock_iters),
    ])?;
    anyhow::ensure!(
        !args.history.is_empty() && !args.history.contains(&0),
        "--history needs sizes of at least 1"
    );
    anyhow::ensure!(
        !args.learning_rates.is_empty(),
        "--learning-rates needs at least one"
    );
    if let Some(bad) = args
        .learning_rates
        .iter()
        .find(|lr| !(**lr > 0.0 && lr.is_finite()))
    {
        anyhow::bail!("--learning-rates must be > 0 and finite, got {bad}");
    }
    anyhow::ensure!(
        args.pool >= 1 && 28 % args.pool == 0,
        "--pool must divide 28 (1, 2, 4, 7, 14 or 28), got {}",
        args.pool
    );
    anyhow::ensure!(!args.batches.contains(&0), "--batches must be at least 1");
    anyhow::ensure!(scaling_max_n >= 10, "--scaling-max-n must be at least 10");
    // Validate every learning rate before any work.
    for &lr in &args.learning_rates {
        FirstOrder::gd(lr)?;
        FirstOrder::adam(lr)?;
    }
    let max_train = args.max_train.or(quick.then_some(2_000));
    anyhow::ensure!(
        max_train != Some(0),
        "--max-train must be at least 1, got 0"
    );
    let run = RunContext::start(EXPERIMENT, &args.common, EXPECTED)?;
    let data = run.load_fashion_mnist_as::<f64>()?;
    let n_train = max_train.map_or(data.y_train.len(), |m| m.min(data.y_train.len()));
    let (x_train, y_train) = (
        data.x_train.slice(ndarray::s![..n_train, ..]),
        &data.y_train[..n_train],
    );
    if run.check_only(&format!(
        "fit softmax regression to {n_train} images and test on {}",
        data.y_test.len()
    )) {
        return Ok(());
    }
    let out = run.results_dir()?;
    let mut outputs = Vec::new();
    let mut tuning = Vec::new();

    // 1. Rosenbrock.
    let rosen = surfaces::Rosenbrock;
    let start = [rosen.start().0, rosen.start().1];
    let mut f2 = Rosenbrock { n: 2 };
    let gd_lr = tune(
        "rosenbrock",
        false,
        &args.learning_rates,
        &mut f2,
        &start,
        args.rosenbrock_iters,
        &mut tuning,
    )?;
    let adam_lr = tune(
        "rosenbrock",
        true,
        &args.learning_rates,
        &mut f2,
        &start,
        args.rosenbrock_iters,
        &mut tuning,
    )?;
    let tight = Stopping {
        grad_tol: 1e-8,
        rel_tol: 0.0,
        max_iter: args.rosenbrock_iters,
        keep_path: true,
    };
    let methods: Vec<(Box<dyn Minimizer>, Stopping)> = vec![
        (
            Box::new(FirstOrder::gd(gd_lr)?),
            Stopping::iterations(args.rosenbrock_iters),
        ),
        (
            Box::new(FirstOrder::adam(adam_lr)?),
            Stopping::iterations(args.rosenbrock_iters),
        ),
        (Box::new(Bfgs::default()), tight),
        (Box::new(Lbfgs::new(10)), tight),
    ];
    let mut runs = Vec::new();
    for (mut method, stop) in methods {
        let r = method.minimize(&mut f2, &start, &stop);
        runs.push((method.name(), r));
    }
    // Newton needs the Hessian, so it runs outside the list; it goes third, as in the chapter.
    let mut newton = Newton::damped();
    runs.insert(2, (newton.name(), newton.minimize(&mut f2, &start, &tight)));
    for (name, r) in &runs {
        eprintln!("rosenbrock {name}: {}", run_line(r));
    }
    let rows = runs.iter().flat_map(|(name, r)| {
        r.path
            .iter()
            .zip(&r.history)
            .enumerate()
            .map(|(i, (x, h))| TrajectoryRow {
                surface: "rosenbrock",
                method: name.clone(),
                iter: i,
                x: x[0],
                y: x[1],
                loss: h.value,
            })
    });
    outputs.push(out.write_csv("trajectory.csv", rows)?);
    let paths = runs.iter().enumerate().map(|(i, (name, r))| {
        let points = r.path.iter().map(|x| (x[0], x[1])).collect();
        Series::new(format!("{name}: {} it.", r.iterations), points).colored(i)
    });
    let shown = 100;
    let values = runs.iter().enumerate().map(|(i, (name, r))| {
        let points = r
            .history
            .iter()
            .take(shown + 1)
            .map(|h| (h.iter as f64, h.value));
        Series::new(name.clone(), points.collect()).colored(i)
    });
    let contour = ContourPlot {
        title: format!("Rosenbrock from {start:?}"),
        f: Box::new(move |x, y| rosen.value(x, y)),
        window: rosen.window(),
        levels: 16,
        log_levels: true,
        trajectories: paths.collect(),
        target: rosen.minimum(),
        grid: if quick { 80 } else { 200 },
    };
    let value = LineChart::new(
        format!("value, first {shown} iterations"),
        "iteration",
        "f(x, y)",
    );
    let panels = vec![contour.into(), value.log_y().with(values.collect()).into()];
    outputs.extend(Figure::pair(panels, 520).save(out.dir(), "rosenbrock")?);

    // 2. Softmax regression, full batch.
    let mut train = SoftmaxRegression::new(x_train, y_train, 10, 1e-4);
    let test = SoftmaxRegression::new(data.x_test.view(), &data.y_test, 10, 1e-4);
    let dim = train.dim();
    let zeros = vec![0.0; dim];
    let stop = Stopping {
        max_iter: iters,
        ..Stopping::default()
    };
    let mut convergence = Vec::new();
    let mut summary = Vec::new();
    let gd_lr = tune(
        "softmax",
        false,
        &args.learning_rates,
        &mut train,
        &zeros,
        tune_iters,
        &mut tuning,
    )?;
    let adam_lr = tune(
        "softmax",
        true,
        &args.learning_rates,
        &mut train,
        &zeros,
        tune_iters,
        &mut tuning,
    )?;
    let mut methods: Vec<(Option<usize>, Box<dyn Minimizer>)> = vec![
        (None, Box::new(FirstOrder::gd(gd_lr)?)),
        (None, Box::new(FirstOrder::adam(adam_lr)?)),
    ];
    if !args.no_bfgs {
        methods.push((None, Box::new(Bfgs::default())));
    }
    for &m in &args.history {
        methods.push((Some(m), Box::new(Lbfgs::new(m))));
    }
    let bar = progress(methods.len() as u64, "softmax regression");
    let mut full_runs = Vec::new();
    for (m, method) in &mut methods {
        let name = method.name();
        let r = method.minimize(&mut train, &zeros, &stop);
        convergence.extend(convergence_rows("softmax", *m, &name, &r));
        summary.push(summary_row("softmax", &name, &r, &train, &test));
        bar.suspend(|| eprintln!("softmax {name}: {}", run_line(&r)));
        full_runs.push((name, r));
        bar.inc(1);
    }
    bar.finish_and_clear();

    // The reduced problem: Newton where the Hessian fits, beside L-BFGS and GD.
    let side = 28 / args.pool;
    let mut small = SoftmaxRegression::new(
        pool_images(x_train, 28, args.pool).view(),
        y_train,
        10,
        1e-4,
    );
    let small_test = SoftmaxRegression::new(
        pool_images(data.x_test.view(), 28, args.pool).view(),
        &data.y_test,
        10,
        1e-4,
    );
    let small_zeros = vec![0.0; small.dim()];
    let small_gd_lr = tune(
        "softmax_pooled",
        false,
        &args.learning_rates,
        &mut small,
        &small_zeros,
        tune_iters,
        &mut tuning,
    )?;
    let mut small_runs = Vec::new();
    let mut newton = Newton::damped();
    let r = newton.minimize(&mut small, &small_zeros, &stop);
    small_runs.push((newton.name(), None, r));
    let mut lb = Lbfgs::new(10);
    small_runs.push((
        lb.name(),
        Some(10),
        lb.minimize(&mut small, &small_zeros, &stop),
    ));
    let mut gd = FirstOrder::gd(small_gd_lr)?;
    small_runs.push((
        gd.name(),
        None,
        gd.minimize(&mut small, &small_zeros, &stop),
    ));
    for (name, m, r) in &small_runs {
        convergence.extend(convergence_rows("softmax_pooled", *m, name, r));
        summary.push(summary_row("softmax_pooled", name, r, &small, &small_test));
        eprintln!("pooled {side}x{side} {name}: {}", run_line(r));
    }
    outputs.push(out.write_csv("convergence.csv", convergence)?);
    outputs.push(out.write_csv("tuning.csv", tuning)?);

    // Suboptimality against the lowest value any method reached on the problem.
    let gap_series = |runs: &[(String, &Report)], best: f64, x: &dyn Fn(&IterStat) -> f64| {
        let gap = |(i, (name, r)): (usize, &(String, &Report))| {
            let points = r.history.iter().map(|h| (x(h), h.value - best));
            Series::new(name.clone(), points.filter(|p| p.1 > 0.0).collect()).colored(i)
        };
        runs.iter().enumerate().map(gap).collect::<Vec<_>>()
    };
    let full: Vec<(String, &Report)> = full_runs.iter().map(|(n, r)| (n.clone(), r)).collect();
    let best_full = full
        .iter()
        .map(|(_, r)| r.value)
        .fold(f64::INFINITY, f64::min)
        - 1e-6;
    let pooled: Vec<(String, &Report)> =
        small_runs.iter().map(|(n, _, r)| (n.clone(), r)).collect();
    let best_pooled = pooled
        .iter()
        .map(|(_, r)| r.value)
        .fold(f64::INFINITY, f64::min)
        - 1e-9;
    let chart = |title: String, x_label: &str, series: Vec<Series>| {
        Panel::from(
            LineChart::new(title, x_label, "loss - best loss")
                .log_y()
                .with(series),
        )
    };
    let iteration = |h: &IterStat| h.iter as f64;
    let seconds = |h: &IterStat| h.seconds;
    let n_train = train.samples();
    let (full_title, pooled_title) = (
        format!("{n_train} images, {dim} parameters"),
        format!("pooled {side}x{side}: {} parameters", small.dim()),
    );
    let panels = vec![
        chart(
            full_title.clone(),
            "iteration",
            gap_series(&full, best_full, &iteration),
        ),
        chart(
            full_title,
            "seconds",
            gap_series(&full, best_full, &seconds),
        ),
        chart(
            pooled_title.clone(),
            "iteration",
            gap_series(&pooled, best_pooled, &iteration),
        ),
        chart(
            pooled_title,
            "seconds",
            gap_series(&pooled, best_pooled, &seconds),
        ),
    ];
    outputs.extend(Figure::pair(panels, 440).save(out.dir(), "softmax_convergence")?);
    outputs.push(out.write_csv("summary.csv", summary)?);

    // 3. Cost of one iteration against n.
    let mut sizes: Vec<usize> = [
        10, 30, 100, 300, 1000, 2000, 4000, 10_000, 30_000, 100_000, 400_000,
    ]
    .into_iter()
    .filter(|&n| n <= 100 * scaling_max_n)
    .collect();
    sizes.dedup();
    let mut scaling = Vec::new();
    let per_iter = 5;
    let bar = progress(sizes.len() as u64, "cost per iteration");
    for &n in &sizes {
        let (mut f, st) = (Rosenbrock { n }, Stopping::iterations(per_iter));
        let x0 = f.start();
        let mut time = |method, bytes, seconds_per_iter| {
            scaling.push(ScalingRow {
                method,
                n,
                seconds_per_iter,
                bytes,
            });
        };
        if n <= scaling_max_n {
            let newton = seconds_per_iteration(|| Newton::damped().minimize(&mut f, &x0, &st));
            time("Newton", 2 * n * n * 8, newton);
            let bfgs = seconds_per_iteration(|| Bfgs::default().minimize(&mut f, &x0, &st));
            time("BFGS", n * n * 8, bfgs);
        }
        let lbfgs = seconds_per_iteration(|| Lbfgs::new(10).minimize(&mut f, &x0, &st));
        time("L-BFGS (m=10)", 2 * 10 * n * 8, lbfgs);
        bar.inc(1);
    }
    bar.finish_and_clear();
    let mut slopes = serde_json::Map::new();
    let mut scaling_series = Vec::new();
    for (i, method) in ["Newton", "BFGS", "L-BFGS (m=10)"].into_iter().enumerate() {
        let pts: Vec<(f64, f64)> = scaling
            .iter()
            .filter(|r| r.method == method)
            .map(|r| (r.n as f64, r.seconds_per_iter))
            .collect();
        // Fit where the method's own linear algebra dominates (n >= 300), not call overhead.
        let fit: Vec<(f64, f64)> = pts.iter().copied().filter(|p| p.0 >= 300.0).collect();
        let slope = loglog_slope(&fit);
        if slope.is_nan() {
            eprintln!(
                "scaling {method}: no slope (fewer than two sizes from n = 300 to --scaling-max-n {scaling_max_n})"
            );
        } else {
            eprintln!("scaling {method}: slope {slope:.2}");
        }
        slopes.insert(method.into(), serde_json::json!(slope));
        let name = if slope.is_nan() {
            method.to_string()
        } else {
            format!("{method}: slope {slope:.2}")
        };
        scaling_series.push(Series::new(name, pts).colored(i + 2));
    }
    outputs.push(out.write_csv("scaling.csv", scaling)?);
    let chart = LineChart::new(
        "Cost of one iteration, chained Rosenbrock",
        "n",
        "seconds per iteration",
    );
    let chart = chart.log_x().log_y().with(scaling_series);
    outputs.extend(Figure::single(chart, (MAX_WIDTH, 560)).save(out.dir(), "scaling")?);

    // 4. Noise: L-BFGS on mini-batch values and gradients, measured on the full training loss.
    let mut noise = Vec::new();
    let noise_stop = Stopping {
        max_iter: iters,
        keep_path: true,
        ..Stopping::default()
    };
    let mut noise_series = Vec::new();
    let mut cases: Vec<(String, Option<usize>, Report)> = Vec::new();
    let reference = match full_runs.iter().find(|(n, _)| n == "L-BFGS (m=10)") {
        Some((_, r)) => r.clone(),
        None => Lbfgs::new(10).minimize(&mut train, &zeros, &noise_stop),
    };
    cases.push(("L-BFGS (m=10), full batch".into(), None, reference));
    for (i, &b) in args.batches.iter().enumerate() {
        let mut mb = MiniBatch {
            full: &train,
            batch: b.min(train.samples()),
            rng: substream(args.common.seed, 100 + i as u64),
        };
        let r = Lbfgs::new(10).minimize(&mut mb, &zeros, &noise_stop);
        cases.push((format!("L-BFGS (m=10), batch {b}"), Some(b), r));
    }
    let mut full_loss = |x: &[f64]| {
        let mut g = vec![0.0; dim];
        train.value_grad(x, &mut g)
    };
    for (i, (name, b, r)) in cases.iter().enumerate() {
        let mut pts = Vec::new();
        for (k, h) in r.history.iter().enumerate() {
            // The full-batch run's history already holds the full loss (and keeps no path).
            let loss = if b.is_none() {
                h.value
            } else {
                full_loss(&r.path[k])
            };
            noise.push(NoiseRow {
                method: name.clone(),
                batch: *b,
                iter: h.iter,
                evals: h.evals,
                full_loss: loss,
            });
            pts.push((h.iter as f64, loss));
        }
        eprintln!(
            "noise {name}: {} iterations ({}), full loss {:.5}",
            r.iterations,
            r.stop.label(),
            pts.last().map_or(f64::NAN, |p| p.1)
        );
        noise_series.push(Series::new(format!("{name} ({})", r.stop.label()), pts).colored(i));
    }
    outputs.push(out.write_csv("noise.csv", noise)?);
    let chart = LineChart::new(
        "L-BFGS with noise: full training loss at each iterate",
        "iteration",
        "full-batch training loss",
    );
    let chart = chart.log_y().with(noise_series);
    outputs.extend(Figure::single(chart, (MAX_WIDTH, 560)).save(out.dir(), "noise")?);

    let hyperparameters = serde_json::json!({
        "objective": "mean cross-entropy + 0.5 * 1e-4 * ||W||_F^2 (bias not regularized), f64, pixels/255, W = 0 start",
        "stopping": {"grad_tol (max |g_i|)": 1e-5, "rel_tol": 2.220446049250313e-9, "max_iter": iters, "note": "SciPy L-BFGS-B defaults"},
        "line_search": {"conditions": "strong Wolfe", "c1": 1e-4, "c2": 0.9},
        "history": args.history,
        "learning_rates_tried": args.learning_rates,
        "tune_iters": tune_iters,
        "chosen": {"rosenbrock_gd": runs[0].0, "rosenbrock_adam": runs[1].0, "softmax_gd": gd_lr, "softmax_adam": adam_lr, "pooled_gd": small_gd_lr},
        "rosenbrock_iters": args.rosenbrock_iters,
        "pool": args.pool,
        "batches": args.batches,
        "scaling": {"objective": "chained Rosenbrock", "sizes": sizes, "iterations_timed": per_iter, "slopes_fit_n_ge_300": slopes},
        "newton": {"pooled_shifts": newton.shifts},
    });
    let data_info = DataInfo::fashion_mnist(&data, n_train, 0, data.y_test.len());
    run.finish(&out, hyperparameters, Some(data_info), &outputs)?;
    Ok(())
}

#[allow(dead_code)] // unused when `reproduce` includes this file as a module
fn main() {
    run_main(|| run(Args::parse()));
}
