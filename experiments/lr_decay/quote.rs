//! What the chapter quotes: the comparison as a table (both rules, paired gains), which schedules
//! beat the constant rate on every seed and by more than its spread, the loss gaps at the end, the
//! long runs and the cores measurement.

use nnlab::optim::schedule::{Family, Stretch};
use nnlab::report::numbers::{Numbers, percent_of, percent_range};

use super::grid::Summary;
use super::long::LongSummary;
use super::speed::Measured;

fn points(v: f64) -> String {
    format!("{:+.2}", 100.0 * v)
}

pub fn comparison(
    n: &mut Numbers,
    summary: &[Summary],
    families: &[Family],
    rules: &[&'static str],
) {
    let mut header = vec!["schedule".to_string()];
    for r in rules {
        header.push(format!("{r}: mean (worst–best)"));
        header.push("paired gain".into());
    }
    let find = |f: Family, r: &str| {
        summary
            .iter()
            .find(|s| s.schedule == f.name() && s.optimizer == r)
    };
    let rows: Vec<Vec<String>> = families
        .iter()
        .map(|&f| {
            let mut row = vec![f.label().to_string()];
            for r in rules {
                let Some(s) = find(f, r) else { continue };
                row.push(format!(
                    "{} ({}–{})",
                    percent_of(s.test_mean, 2),
                    percent_of(s.test_min, 2),
                    percent_of(s.test_max, 2)
                ));
                row.push(s.paired_gain.map_or("—".into(), points));
            }
            row
        })
        .collect();
    n.table("comparison", &header, &rows);
    // Which schedules beat the constant rate on every seed, and by more than its spread.
    let every: Vec<String> = summary
        .iter()
        .filter(|s| s.paired_range.is_some_and(|r| r.0 > 0.0))
        .map(|s| format!("{} ({})", label(s.schedule), s.optimizer))
        .collect();
    let spread: Vec<String> = summary
        .iter()
        .filter(|s| s.beats_constant_spread == Some(true))
        .map(|s| format!("{} ({})", label(s.schedule), s.optimizer))
        .collect();
    let list = |v: Vec<String>| {
        if v.is_empty() {
            "none".into()
        } else {
            v.join(", ")
        }
    };
    n.value("beats_every_seed", list(every))
        .value("beats_spread", list(spread));
    for s in summary {
        let key = |what: &str| format!("{}_{}_{what}", s.schedule, s.optimizer);
        n.value(&key("test"), percent_of(s.test_mean, 2))
            .value(&key("range"), percent_range(s.test_min, s.test_max, 2))
            .value(&key("val"), percent_of(s.val_mean, 2));
        if let (Some(g), Some((lo, hi))) = (s.paired_gain, s.paired_range) {
            n.value(&key("gain"), points(g)).value(
                &key("per_seed"),
                format!("{} to {}", points(lo), points(hi)),
            );
        }
    }
    // How far apart the two rules end on the same schedule.
    let apart = families
        .iter()
        .filter_map(|&f| {
            let means: Vec<f64> = rules
                .iter()
                .filter_map(|r| find(f, r))
                .map(|s| s.test_mean)
                .collect();
            (means.len() == 2).then(|| (means[0] - means[1]).abs())
        })
        .fold(0.0, f64::max);
    n.value("rules_apart", format!("{:.2}", 100.0 * apart));
}

fn label(schedule: &str) -> &'static str {
    Family::ALL
        .iter()
        .find(|f| f.name() == schedule)
        .map_or("?", |f| f.label())
}

pub fn loss_gaps(n: &mut Numbers, gaps: &[(&'static str, &'static str, f64)]) {
    for (schedule, rule, end) in gaps {
        n.fixed(&format!("loss_gap_{schedule}_{rule}"), *end, 3);
    }
}

pub fn best(n: &mut Numbers, summary: &[Summary], best: (&'static str, &'static str)) {
    let s = summary
        .iter()
        .find(|s| s.schedule == best.1 && s.optimizer == best.0);
    n.value("best_rule", best.0)
        .value("best_schedule", label(best.1))
        .value(
            "best_val",
            s.map_or("?".into(), |s| percent_of(s.val_mean, 2)),
        );
}

pub fn long(n: &mut Numbers, long: &[LongSummary], at_ten: &[(&'static str, f64)]) {
    // The constant rate first, then the chosen schedule (`best`), whatever it is.
    for (l, name) in long.iter().zip(["constant", "best"]) {
        let key = |what: &str| format!("long_{name}_{what}");
        n.value(&key("test"), percent_of(l.test_mean, 2))
            .value(&key("range"), percent_range(l.test_min, l.test_max, 2))
            .timing(&key("seconds"), format!("{:.0} s", l.seconds_per_run));
    }
    for ((_, v), name) in at_ten.iter().zip(["constant", "best"]) {
        n.value(&format!("long_{name}_at_10"), percent_of(*v, 2));
    }
    if let [constant, other] = long {
        n.value(
            "long_gain",
            format!("{:.2}", 100.0 * (other.test_mean - constant.test_mean)),
        )
        .value(
            "long_margin",
            format!("{:.2}", 100.0 * (other.test_min - constant.test_max)),
        );
    }
    if let Some(l) = long.first() {
        n.value("long_epochs", l.epochs);
    }
}

pub fn speed(n: &mut Numbers, m: &Measured) {
    n.timing("speed_side_by_side", format!("{:.2} s", m.seeds_seconds))
        .timing("speed_one_at_a_time", format!("{:.2} s", m.inside_seconds))
        .timing("speed_ratio", format!("{:.2}", m.seeds_speedup));
}

pub fn stretch(n: &mut Numbers, s: &Stretch) {
    n.value("step_drops", s.step_drops)
        .value("step_factor", s.step_factor)
        .value("exp_final", format!("{}%", 100.0 * s.exp_final))
        .value("inv_final", format!("{}%", 100.0 * s.inv_final))
        .value("warmup_share", format!("{}%", 100.0 * s.warmup));
}
