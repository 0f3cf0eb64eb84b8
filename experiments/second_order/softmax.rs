//! Section 2: softmax regression on Fashion-MNIST, full batch: GD, Adam, BFGS and L-BFGS on the
//! full problem; Newton, L-BFGS and GD on the pooled one where the Hessian fits.

use ndarray::ArrayView2;
use nnlab::optim::second_order::objectives::{SoftmaxRegression, pool_images};
use nnlab::optim::second_order::{
    Bfgs, FirstOrder, IterStat, Lbfgs, Minimizer, Newton, Objective, Report, Stopping,
};
use nnlab::report::cli::progress;
use nnlab::report::numbers::thousands;
use nnlab::report::plot::{Figure, LineChart, Panel, Series};
use nnlab::report::results::ResultsDir;
use serde::Serialize;

use super::args::{Args, Record, Settings, run_line, tune};
use super::summary::{quote, summary_row};

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

/// The reduced problem: 28x28 images averaged over `pool` x `pool` blocks, training and test.
pub struct Pooled {
    side: usize,
    train: SoftmaxRegression,
    test: SoftmaxRegression,
}

/// The training and test images pooled for Newton (see [`Pooled`]).
pub fn pooled(
    pool: usize,
    (x_train, y_train): (ArrayView2<f64>, &[usize]),
    (x_test, y_test): (ArrayView2<f64>, &[usize]),
) -> Pooled {
    let problem = |x, y| SoftmaxRegression::new(pool_images(x, 28, pool).view(), y, 10, 1e-4);
    Pooled {
        side: 28 / pool,
        train: problem(x_train, y_train),
        test: problem(x_test, y_test),
    }
}

fn convergence_rows<'a>(
    problem: &'static str,
    m: Option<usize>,
    name: &'a str,
    r: &'a Report,
) -> impl Iterator<Item = ConvergenceRow> + 'a {
    r.history.iter().map(move |h| ConvergenceRow {
        problem,
        method: name.to_string(),
        m,
        iter: h.iter,
        evals: h.evals,
        seconds: h.seconds,
        loss: h.value,
        grad_norm: h.grad_norm,
    })
}

/// Suboptimality against `best`, per iteration or per second (`x`), one series per run.
fn gap_series(runs: &[(String, &Report)], best: f64, x: &dyn Fn(&IterStat) -> f64) -> Vec<Series> {
    let gap = |(i, (name, r)): (usize, &(String, &Report))| {
        let points = r.history.iter().map(|h| (x(h), h.value - best));
        Series::new(name.clone(), points.filter(|p| p.1 > 0.0).collect()).colored(i)
    };
    runs.iter().enumerate().map(gap).collect()
}

/// Runs both problems, writes `convergence.csv`, `tuning.csv`, `summary.csv` and the convergence
/// figure; returns the full problem's L-BFGS (m = 10) run if there was one (the noise section's
/// reference).
pub fn run(
    args: &Args,
    s: &Settings,
    (train, test): (&mut SoftmaxRegression, &SoftmaxRegression),
    mut small: Pooled,
    out: &ResultsDir,
    record: &mut Record,
) -> anyhow::Result<Option<Report>> {
    let dim = train.dim();
    let zeros = vec![0.0; dim];
    let stop = Stopping {
        max_iter: s.iters,
        ..Stopping::default()
    };
    let (mut convergence, mut summary) = (Vec::new(), Vec::new());
    let budget = (args, s.tune_iters);
    let gd_lr = tune("softmax", false, budget, train, &zeros, &mut record.tuning)?;
    let adam_lr = tune("softmax", true, budget, train, &zeros, &mut record.tuning)?;
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
        let r = method.minimize(train, &zeros, &stop);
        convergence.extend(convergence_rows("softmax", *m, &name, &r));
        summary.push(summary_row("softmax", &name, &r, (train, test)));
        bar.suspend(|| eprintln!("softmax {name}: {}", run_line(&r)));
        full_runs.push((name, r));
        bar.inc(1);
    }
    bar.finish_and_clear();

    // The reduced problem: Newton where the Hessian fits, beside L-BFGS and GD.
    let side = small.side;
    let small_zeros = vec![0.0; small.train.dim()];
    let small_gd_lr = tune(
        "softmax_pooled",
        false,
        budget,
        &mut small.train,
        &small_zeros,
        &mut record.tuning,
    )?;
    let mut newton = Newton::damped();
    let mut small_runs = vec![(
        newton.name(),
        None,
        newton.minimize(&mut small.train, &small_zeros, &stop),
    )];
    let mut lb = Lbfgs::new(10);
    small_runs.push((
        lb.name(),
        Some(10),
        lb.minimize(&mut small.train, &small_zeros, &stop),
    ));
    let mut gd = FirstOrder::gd(small_gd_lr)?;
    small_runs.push((
        gd.name(),
        None,
        gd.minimize(&mut small.train, &small_zeros, &stop),
    ));
    for (name, m, r) in &small_runs {
        convergence.extend(convergence_rows("softmax_pooled", *m, name, r));
        summary.push(summary_row(
            "softmax_pooled",
            name,
            r,
            (&small.train, &small.test),
        ));
        eprintln!("pooled {side}x{side} {name}: {}", run_line(r));
    }
    record
        .outputs
        .push(out.write_csv("convergence.csv", convergence)?);
    record
        .outputs
        .push(out.write_csv("tuning.csv", std::mem::take(&mut record.tuning))?);

    // Suboptimality against the lowest value any method reached on the problem.
    let lowest = |runs: &[(String, &Report)]| {
        runs.iter()
            .map(|(_, r)| r.value)
            .fold(f64::INFINITY, f64::min)
    };
    let full: Vec<(String, &Report)> = full_runs.iter().map(|(n, r)| (n.clone(), r)).collect();
    let pooled: Vec<(String, &Report)> =
        small_runs.iter().map(|(n, _, r)| (n.clone(), r)).collect();
    let (best_full, best_pooled) = (lowest(&full) - 1e-6, lowest(&pooled) - 1e-9);
    let chart = |title: &str, x_label: &str, series: Vec<Series>| {
        Panel::from(
            LineChart::new(title, x_label, "loss - best loss")
                .log_y()
                .with(series),
        )
    };
    let iteration = |h: &IterStat| h.iter as f64;
    let seconds = |h: &IterStat| h.seconds;
    let full_title = format!("{} images, {dim} parameters", train.samples());
    let pooled_title = format!("pooled {side}x{side}: {} parameters", small.train.dim());
    let panels = vec![
        chart(
            &full_title,
            "iteration",
            gap_series(&full, best_full, &iteration),
        ),
        chart(
            &full_title,
            "seconds",
            gap_series(&full, best_full, &seconds),
        ),
        chart(
            &pooled_title,
            "iteration",
            gap_series(&pooled, best_pooled, &iteration),
        ),
        chart(
            &pooled_title,
            "seconds",
            gap_series(&pooled, best_pooled, &seconds),
        ),
    ];
    record
        .outputs
        .extend(Figure::pair(panels, 440).save(out.dir(), "softmax_convergence")?);
    quote(record, &summary, &full_runs, &small_runs, dim);
    record
        .numbers
        .value("pooled_side", side)
        .value("pool", args.pool);
    record
        .numbers
        .value("softmax_iters", s.iters)
        .value("tune_iters", s.tune_iters)
        .value("n_train", thousands(train.samples()))
        .value("softmax_params", thousands(dim))
        .value("pooled_params", small.train.dim());
    record.outputs.push(out.write_csv("summary.csv", summary)?);
    let chosen = [
        ("softmax_gd", gd_lr),
        ("softmax_adam", adam_lr),
        ("pooled_gd", small_gd_lr),
    ];
    for (key, lr) in chosen {
        record.chosen.insert(key.into(), lr.into());
        record.numbers.value(&format!("{key}_lr"), lr);
    }
    record.facts.insert(
        "newton".into(),
        serde_json::json!({"pooled_shifts": newton.shifts}),
    );
    let reference = full_runs.into_iter().find(|(n, _)| n == "L-BFGS (m=10)");
    Ok(reference.map(|(_, r)| r))
}
