//! What the chapter quotes of the search: each method's best validation and test accuracy, the
//! random search at the grids' budgets, where each halving winner ranked in the earlier rungs, the
//! layout picture's summary and the sharding projection.

use nnlab::procedures::search::Rung;
use nnlab::report::numbers::{Numbers, percent_of, slug};

use super::figures::median_and_range;
use super::picture::Summary;
use super::plan::Budget;
use super::report::MethodRow;
use super::speed::ProjectionRow;

fn spread((median, lo, hi): (f64, f64, f64)) -> String {
    format!(
        "{} ({}–{})",
        percent_of(median, 1),
        percent_of(lo, 1),
        percent_of(hi, 1)
    )
}

/// `<method>_best` and `<method>_test` (median and range over the searches), and the random
/// search's best after as many trials as each grid (`random_at_<trials>`).
pub fn methods(numbers: &mut Numbers, table: &[MethodRow], random_curves: &[Vec<f64>]) {
    for r in table {
        let key = slug(&r.method.replace('^', "_"));
        numbers
            .value(
                &format!("{key}_best"),
                spread((r.best_val_median, r.best_val_min, r.best_val_max)),
            )
            .value(
                &format!("{key}_test"),
                spread((r.test_median, r.test_min, r.test_max)),
            );
    }
    for r in table.iter().filter(|r| r.method.starts_with("grid")) {
        let at: Vec<f64> = random_curves
            .iter()
            .map(|c| c[r.trials.min(c.len()) - 1])
            .collect();
        numbers.value(
            &format!("random_at_{}", r.trials),
            spread(median_and_range(at)),
        );
    }
}

/// Where each search's final halving winner ranked in every earlier rung: `halving_ranks_<r>` =
/// `12th, 9th, ... of 54`.
pub fn halving(numbers: &mut Numbers, rungs: &[Vec<Rung>]) {
    let ordinal = |n: usize| match (n % 10, n % 100) {
        (1, r) if r != 11 => format!("{n}st"),
        (2, r) if r != 12 => format!("{n}nd"),
        (3, r) if r != 13 => format!("{n}rd"),
        _ => format!("{n}th"),
    };
    let Some(first) = rungs.first() else { return };
    for r in 0..first.len().saturating_sub(1) {
        let mut ranks = Vec::new();
        let mut size = 0;
        for search in rungs {
            let last = search.last().expect("a plan has a rung");
            let best =
                |a: &&(usize, f64), b: &&(usize, f64)| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0));
            let Some(&(winner, _)) = last.scored.iter().max_by(best) else {
                continue;
            };
            let mut order: Vec<(usize, f64)> = search[r].scored.clone();
            order.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            size = order.len();
            if let Some(p) = order.iter().position(|&(t, _)| t == winner) {
                ranks.push(ordinal(p + 1));
            }
        }
        numbers.value(
            &format!("halving_ranks_{r}"),
            format!("{} of {size}", ranks.join(", ")),
        );
        numbers.value(&format!("halving_rung_{r}_epochs"), first[r].budget);
    }
}

pub fn picture(numbers: &mut Numbers, s: &Summary) {
    numbers
        .fixed("layout_grid_best", s.grid_best, 3)
        .fixed("layout_random_mean_best", s.random_mean_best, 3)
        .value(
            "layout_random_beats",
            format!("{:.0}%", 100.0 * s.random_beats_grid),
        )
        .value(
            "layout_random_loses",
            format!("{:.0}%", 100.0 * (1.0 - s.random_beats_grid)),
        )
        .value(
            "layout_searches",
            nnlab::report::numbers::thousands(s.searches),
        )
        .fixed("layout_optimum", s.optimum, 2);
}

pub fn budget(numbers: &mut Numbers, b: &Budget, final_epochs: usize) {
    let plan: Vec<String> = b
        .halving
        .iter()
        .map(|r| format!("{} on {}", r.trials, r.budget))
        .collect();
    numbers
        .value("searches", b.searches)
        .value("trials", b.trials)
        .value("epochs", b.epochs)
        .value("compute", b.trials * b.epochs)
        .value("coarse", b.coarse)
        .value("fine", b.trials - b.coarse)
        .value("keep_best", b.keep_best)
        .value("halving_first", b.halving.first().map_or(0, |r| r.trials))
        .value("halving_plan", plan.join(", then "))
        .value("final_epochs", final_epochs);
}

/// The projection's dependent stages against the whole, and the speed-up at 8 and 64 machines.
pub fn projection(numbers: &mut Numbers, rows: &[ProjectionRow]) {
    let Some(one) = rows.first() else { return };
    numbers
        .timing("dependent_seconds", format!("{:.0}", one.dependent_seconds))
        .timing("one_machine_seconds", format!("{:.0}", one.total_seconds))
        .timing(
            "dependent_share",
            format!("{:.0}%", 100.0 * one.dependent_seconds / one.total_seconds),
        );
    for r in rows.iter().filter(|r| matches!(r.machines, 8 | 64)) {
        numbers.timing(
            &format!("speedup_{}_machines", r.machines),
            format!("{:.1}", r.speedup),
        );
    }
}
