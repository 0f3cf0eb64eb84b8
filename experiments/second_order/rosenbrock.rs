//! Section 1: every method on Rosenbrock's function, trajectories and value per iteration.

use nnlab::optim::second_order::objectives::Rosenbrock;
use nnlab::optim::second_order::{Bfgs, FirstOrder, Lbfgs, Minimizer, Newton, Stopping};
use nnlab::procedures::metrics::mean_and_range;
use nnlab::procedures::surfaces::{self, Surface};
use nnlab::report::numbers::{sig3, thousands};
use nnlab::report::plot::{ContourPlot, Figure, LineChart, Series, short_number};
use nnlab::report::results::ResultsDir;
use serde::Serialize;

use super::args::{Args, Record, Settings, tune};

#[derive(Serialize)]
struct TrajectoryRow {
    surface: &'static str,
    method: String,
    iter: usize,
    x: f64,
    y: f64,
    loss: f64,
}

/// GD and Adam at their tuned rates for `--rosenbrock-iters`; Newton, BFGS and L-BFGS until the
/// gradient is below 1e-8.
pub fn run(args: &Args, s: &Settings, out: &ResultsDir, record: &mut Record) -> anyhow::Result<()> {
    let rosen = surfaces::Rosenbrock;
    let start = [rosen.start().0, rosen.start().1];
    let mut f2 = Rosenbrock { n: 2 };
    let budget = (args, args.rosenbrock_iters);
    let gd_lr = tune(
        "rosenbrock",
        false,
        budget,
        &mut f2,
        &start,
        &mut record.tuning,
    )?;
    let adam_lr = tune(
        "rosenbrock",
        true,
        budget,
        &mut f2,
        &start,
        &mut record.tuning,
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
        let (it, evals, stop) = (r.iterations, r.evals, r.stop.label());
        eprintln!(
            "rosenbrock {name}: {it} iterations, {evals} evaluations, f = {:.3e} ({stop})",
            r.value
        );
    }
    // Keys in the order of `runs`: GD, Adam, Newton, BFGS, L-BFGS.
    for (key, (_, r)) in ["gd", "adam", "newton", "bfgs", "lbfgs"].iter().zip(&runs) {
        record
            .numbers
            .value(&format!("rosen_{key}_iters"), r.iterations)
            .value(&format!("rosen_{key}_evals"), r.evals)
            .value(&format!("rosen_{key}_value"), sig3(r.value));
    }
    let (_, lr_low, lr_high) = mean_and_range(&args.learning_rates).expect("checked non-empty");
    record
        .numbers
        .value("rosen_gd_lr", gd_lr)
        .value("rosen_adam_lr", adam_lr)
        .value("rosen_iters", thousands(args.rosenbrock_iters))
        .value("lr_grid_low", short_number(lr_low))
        .value("lr_grid_high", short_number(lr_high));
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
    record.outputs.push(out.write_csv("trajectory.csv", rows)?);
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
        grid: if s.quick { 80 } else { 200 },
    };
    let value = LineChart::new(
        format!("value, first {shown} iterations"),
        "iteration",
        "f(x, y)",
    );
    let panels = vec![contour.into(), value.log_y().with(values.collect()).into()];
    record
        .outputs
        .extend(Figure::pair(panels, 520).save(out.dir(), "rosenbrock")?);

    record
        .chosen
        .insert("rosenbrock_gd".into(), runs[0].0.clone().into());
    record
        .chosen
        .insert("rosenbrock_adam".into(), runs[1].0.clone().into());
    Ok(())
}
