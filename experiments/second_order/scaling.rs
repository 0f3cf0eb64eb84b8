//! Section 3: the cost of one iteration against the dimension n (chained Rosenbrock), with the
//! fitted log-log slopes.

use nnlab::optim::second_order::objectives::Rosenbrock;
use nnlab::optim::second_order::{Bfgs, Lbfgs, Minimizer, Newton, Stopping, seconds_per_iteration};
use nnlab::procedures::metrics::loglog_slope;
use nnlab::report::cli::progress;
use nnlab::report::numbers::{duration, thousands};
use nnlab::report::plot::{Figure, LineChart, MAX_WIDTH, Series};
use nnlab::report::results::ResultsDir;
use serde::Serialize;

use super::args::{Record, Settings};

#[derive(Serialize)]
struct ScalingRow {
    method: &'static str,
    n: usize,
    seconds_per_iter: f64,
    bytes: usize,
}

/// Newton and BFGS up to `--scaling-max-n`, L-BFGS to 100 times that; slopes fitted from n = 300.
pub fn run(s: &Settings, out: &ResultsDir, record: &mut Record) -> anyhow::Result<()> {
    let mut sizes: Vec<usize> = [
        10, 30, 100, 300, 1000, 2000, 4000, 10_000, 30_000, 100_000, 400_000,
    ]
    .into_iter()
    .filter(|&n| n <= 100 * s.scaling_max_n)
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
        if n <= s.scaling_max_n {
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
    let mut max_n = 0;
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
                "scaling {method}: no slope (fewer than two sizes from n = 300 to --scaling-max-n {})",
                s.scaling_max_n
            );
        } else {
            eprintln!("scaling {method}: slope {slope:.2}");
        }
        slopes.insert(method.into(), serde_json::json!(slope));
        let key = ["newton", "bfgs", "lbfgs"][i];
        record
            .numbers
            .timing(&format!("slope_{key}"), format!("{slope:.2}"));
        if let Some(&(n, secs)) = pts.iter().rfind(|p| p.0 <= s.scaling_max_n as f64) {
            record
                .numbers
                .timing(&format!("scaling_{key}_at_max"), duration(secs));
            max_n = max_n.max(n as usize);
        }
        if let Some(&(n, secs)) = pts.last().filter(|_| key == "lbfgs") {
            record
                .numbers
                .value("scaling_lbfgs_largest_n", thousands(n as usize))
                .timing("scaling_lbfgs_at_largest", duration(secs));
        }
        let name = if slope.is_nan() {
            method.to_string()
        } else {
            format!("{method}: slope {slope:.2}")
        };
        scaling_series.push(Series::new(name, pts).colored(i + 2));
    }
    record.numbers.value("scaling_max_n", thousands(max_n));
    record.outputs.push(out.write_csv("scaling.csv", scaling)?);
    let chart = LineChart::new(
        "Cost of one iteration, chained Rosenbrock",
        "n",
        "seconds per iteration",
    );
    let chart = chart.log_x().log_y().with(scaling_series);
    record
        .outputs
        .extend(Figure::single(chart, (MAX_WIDTH, 560)).save(out.dir(), "scaling")?);

    let facts = serde_json::json!({"objective": "chained Rosenbrock", "sizes": sizes, "iterations_timed": per_iter, "slopes_fit_n_ge_300": slopes});
    record.facts.insert("scaling".into(), facts);
    Ok(())
}
