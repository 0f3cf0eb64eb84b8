//! What the chapter quotes, from the four parts' summaries: how many cases each precision calls
//! happy and which not, the tensors' median errors, the two LeNet-5s in `f32`, the step sweep's
//! table, the kinks at three steps, and the wrong layer's errors.

use nnlab::procedures::gradcheck::TensorCheck;
use nnlab::report::numbers::{Numbers, percent_of, sig3};
use nnlab::report::plot::short_number;

use super::step::Optimum;
use super::table::CaseSummary;
use super::{kinks, wrong};

/// `1.2e-3`: an error as the chapter prints it.
fn e(v: f64) -> String {
    format!("{v:.1e}")
}

pub fn table(numbers: &mut Numbers, summary: &[CaseSummary]) {
    let total = summary.len();
    let not_happy = |f: fn(&CaseSummary) -> &str| -> Vec<&str> {
        summary
            .iter()
            .filter(|c| f(c) != "happy")
            .map(|c| c.case.as_str())
            .collect()
    };
    let (f64_not, f32_not) = (not_happy(|c| c.reading_f64), not_happy(|c| c.reading_f32));
    let lo = summary
        .iter()
        .map(|c| c.median_f64.0)
        .fold(f64::INFINITY, f64::min);
    let hi = summary.iter().map(|c| c.median_f64.1).fold(0.0, f64::max);
    let torch = summary.iter().filter(|c| c.torch_default_pass).count();
    numbers
        .value("cases", total)
        .value("f64_happy", format!("{} of {total}", total - f64_not.len()))
        .value(
            "f64_not_happy",
            if f64_not.is_empty() {
                "none".into()
            } else {
                f64_not.join(", ")
            },
        )
        .value("f32_happy", format!("{} of {total}", total - f32_not.len()))
        .value("median_f64_low", e(lo))
        .value("median_f64_high", e(hi))
        .value("torch_pass", format!("{torch} of {total}"));
    for (key, case) in [
        ("lenet_relu", "LeNet-5 modern"),
        ("lenet_tanh", "LeNet-5 original"),
    ] {
        if let Some(c) = summary.iter().find(|c| c.case.starts_with(case)) {
            numbers.value(&format!("{key}_worst_f32"), sig3(c.worst_f32));
        }
    }
}

pub fn step(numbers: &mut Numbers, optima: &[Optimum]) {
    let header = [
        "precision",
        "predicted h* ≈ ε^(1/3)",
        "measured optimum",
        "median error there",
        "slope above (2 predicted)",
        "slope below (−1 predicted)",
    ];
    let slope = |s: Option<f64>| s.map_or("(too few points)".into(), |s| format!("{s:.2}"));
    let rows: Vec<Vec<String>> = optima
        .iter()
        .map(|o| {
            vec![
                format!("`{}`", o.precision),
                e(o.predicted_h),
                e(o.measured_h),
                e(o.median_rel_error_at_optimum),
                slope(o.slope_above),
                slope(o.slope_below),
            ]
        })
        .collect();
    numbers.table("step_table", &header, &rows);
    for o in optima {
        let key = |what: &str| format!("step_{}_{what}", o.precision);
        numbers
            .value(&key("predicted"), e(o.predicted_h))
            .value(
                &key("optimum_over_predicted"),
                format!("{:.1}", o.measured_h / o.predicted_h),
            )
            .value(&key("best_median"), e(o.median_rel_error_at_optimum))
            .value(
                &key("all_lost_below"),
                o.largest_h_all_lost.map_or("–".into(), e),
            );
    }
}

pub fn kinks(numbers: &mut Numbers, k: &kinks::Summary) {
    numbers.value("scan_worst_outside", e(k.scan_worst_outside));
    let batches: Vec<usize> = k.at_h.iter().map(|a| a.0).collect();
    let mut header = vec!["step h".to_string()];
    header.extend(batches.iter().map(|b| format!("batch {b}")));
    let rows: Vec<Vec<String>> = [1e-5, 1e-4, 1e-3, 1e-2]
        .iter()
        .map(|&target: &f64| {
            let mut row = vec![format!("{target:.0e}")];
            for &b in &batches {
                // The sweep's step nearest to the target, on a log scale.
                let nearest = k.swept.iter().filter(|s| s.0 == b).min_by(|x, y| {
                    let d = |h: f64| (h.ln() - target.ln()).abs();
                    d(x.1).total_cmp(&d(y.1))
                });
                row.push(nearest.map_or("–".into(), |s| percent_of(s.2, 1)));
            }
            row
        })
        .collect();
    numbers.table("kinks_table", &header, &rows);
}

pub fn wrong(numbers: &mut Numbers, w: &wrong::Summary) {
    let find = |checks: &[TensorCheck], name: &str| {
        checks.iter().find(|c| c.tensor.starts_with(name)).cloned()
    };
    if let Some(dw) = find(&w.wrong, "W") {
        numbers
            .value("wrong_w_error", format!("{:.9}", dw.worst_rel_error))
            .value("wrong_w_analytic", format!("{:.4}", dw.analytic))
            .value("wrong_w_numeric", format!("{:.4}", dw.numeric));
    }
    for (key, name) in [("wrong_dx_error", "dx"), ("wrong_b_error", "b")] {
        if let Some(c) = find(&w.wrong, name) {
            numbers.value(key, e(c.worst_rel_error));
        }
    }
    let right = w
        .right
        .iter()
        .map(|c| c.worst_rel_error)
        .fold(0.0, f64::max);
    numbers
        .value("right_error", e(right))
        .value("wrong_h", short_number(w.h));
}
