//! The softmax section's summary: its rows (`summary.csv`) and what the chapter quotes of them.

use nnlab::optim::second_order::Report;
use nnlab::optim::second_order::objectives::SoftmaxRegression;
use nnlab::report::numbers::{duration, percent_of, slug};
use nnlab::report::results::markdown_table;
use serde::Serialize;

use super::args::Record;

#[derive(Serialize)]
pub struct SummaryRow {
    pub problem: &'static str,
    pub method: String,
    pub iterations: usize,
    pub evals: usize,
    pub seconds: f64,
    pub loss: f64,
    pub grad_norm: f64,
    pub stop: &'static str,
    pub train_accuracy: Option<f64>,
    pub test_accuracy: Option<f64>,
}

/// The summary row of a run, with accuracies of its parameters on both sets.
pub fn summary_row(
    problem: &'static str,
    name: &str,
    r: &Report,
    (train, test): (&SoftmaxRegression, &SoftmaxRegression),
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

/// The summary table, and what the chapter says of it: BFGS's matrix and time against L-BFGS's,
/// the reduced problem's Newton against the L-BFGS iterate that first matches its loss.
pub fn quote(
    record: &mut Record,
    summary: &[SummaryRow],
    full: &[(String, Report)],
    pooled: &[(String, Option<usize>, Report)],
    dim: usize,
) {
    let header = [
        "problem",
        "method",
        "iterations",
        "evaluations",
        "seconds",
        "final loss",
        "train acc.",
        "test acc.",
    ];
    let pct = |a: Option<f64>| a.map_or("–".into(), |a| percent_of(a, 1));
    let rows: Vec<Vec<String>> = summary
        .iter()
        .map(|r| {
            let problem = if r.problem == "softmax" {
                "full"
            } else {
                "pooled"
            };
            vec![
                problem.into(),
                r.method.clone(),
                r.iterations.to_string(),
                r.evals.to_string(),
                format!("{:.1}", r.seconds),
                format!("{:.6}", r.loss),
                pct(r.train_accuracy),
                pct(r.test_accuracy),
            ]
        })
        .collect();
    let n = &mut record.numbers;
    n.table_of("summary", markdown_table(&header, &rows), true);
    for r in summary.iter().filter(|r| r.problem == "softmax") {
        let key = |what: &str| format!("full_{}_{what}", slug(&r.method));
        n.value(&key("iters"), r.iterations)
            .value(&key("evals"), r.evals)
            .fixed(&key("loss"), r.loss, 5);
    }
    n.value("bfgs_mb", format!("{:.0}", (dim * dim * 8) as f64 / 1e6));
    let find = |name: &str| full.iter().find(|(n, _)| n == name).map(|(_, r)| r);
    if let (Some(b), Some(l)) = (find("BFGS"), find("L-BFGS (m=10)")) {
        n.timing("bfgs_time_ratio", format!("{:.1}", b.seconds / l.seconds));
    }
    let (Some(newton), Some(lbfgs)) = (pooled.first(), pooled.get(1)) else {
        return;
    };
    let newton = &newton.2;
    let per_iter = newton.seconds / newton.iterations.max(1) as f64;
    n.value("pooled_newton_iters", newton.iterations)
        .timing("pooled_newton_seconds", duration(newton.seconds))
        .timing("pooled_newton_per_iter", duration(per_iter));
    let matched = lbfgs.2.history.iter().find(|h| h.value <= newton.value);
    n.value(
        "pooled_lbfgs_iters_to_newton",
        matched.map_or("more than the budget's".into(), |h| h.iter.to_string()),
    );
    if let Some(h) = matched {
        n.timing("pooled_lbfgs_seconds_to_newton", duration(h.seconds));
    }
}
