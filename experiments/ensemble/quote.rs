//! What the chapter quotes of the ensembles: every method's accuracy at every size (mean, range,
//! gain over the mean single model), the search's best trials, and how the averaged networks
//! compare with their runs' final ones.

use nnlab::procedures::metrics::mean_and_range;
use nnlab::report::numbers::{Numbers, percent_of, slug};
use nnlab::report::plot::short_number;

use super::members::Trained;
use super::report::EnsembleRow;

/// `<method>_<size>_mean`, `_min`, `_max` (percent, two decimals) and `_gain` (points against the
/// mean single independent model) for every row; `single_*` for that model; `four_min` and
/// `four_max` for the independent ensembles of four.
pub fn ensembles(numbers: &mut Numbers, rows: &[EnsembleRow]) {
    let pct = |v: f64| percent_of(v, 2);
    let single = rows
        .iter()
        .find(|r| r.method == "independent" && r.size == 1)
        .expect("a single model");
    for r in rows {
        let key = |what: &str| format!("{}_{}_{what}", slug(r.method), r.size);
        numbers
            .value(&key("mean"), pct(r.test_mean))
            .value(&key("min"), pct(r.test_min))
            .value(&key("max"), pct(r.test_max))
            .value(
                &key("gain"),
                format!("{:+.2}", 100.0 * (r.test_mean - single.test_mean)),
            )
            .value(&key("measured"), r.ensembles);
    }
    // The independent curve's second half: what the members beyond half of them add together.
    let independent = rows.iter().filter(|r| r.method == "independent");
    if let Some(all) = independent.max_by_key(|r| r.size) {
        let half = rows
            .iter()
            .find(|r| r.method == "independent" && r.size == all.size / 2)
            .unwrap_or(single);
        numbers
            .value("independent_largest", all.size)
            .value("independent_half", half.size)
            .value(
                "independent_second_half_adds",
                format!("{:.2}", 100.0 * (all.test_mean - half.test_mean)),
            );
    }
}

/// The search's trials ranked by validation accuracy: the learning rates and L2 strengths of its
/// top `k`.
pub fn search(numbers: &mut Numbers, search: &[Trained], k: usize) {
    let val = |t: &Trained| *t.val_accuracy.last().expect("an epoch");
    let mut ranked: Vec<&Trained> = search.iter().collect();
    ranked.sort_by(|a, b| {
        val(b)
            .total_cmp(&val(a))
            .then(a.member.index.cmp(&b.member.index))
    });
    let top = &ranked[..k.min(ranked.len())];
    let range = |f: fn(&Trained) -> f64| {
        let values: Vec<f64> = top.iter().map(|t| f(t)).collect();
        let (_, lo, hi) = mean_and_range(&values).expect("the search ran trials");
        format!("{} to {}", short_number(lo), short_number(hi))
    };
    numbers
        .value("search_top", top.len())
        .value("search_top_lr", range(|t| t.member.learning_rate))
        .value("search_top_reg", range(|t| t.member.reg));
}
