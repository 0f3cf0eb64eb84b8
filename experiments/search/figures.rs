//! The search's figures: best validation accuracy against compute, every random trial against each
//! hyperparameter, and one search's halving rungs.

use nnlab::procedures::search::Rung;
use nnlab::report::plot::{Figure, LineChart, Panel, Series};

use super::plan::Budget;
use super::stages::of;
use super::trials::{Method, Search, TrialRow};

/// The median and range of one number over the repeated searches.
pub fn median_and_range(v: Vec<f64>) -> (f64, f64, f64) {
    nnlab::procedures::metrics::median_and_range(&v).expect("every search ran")
}

/// Each method's searches: the best-so-far curve of each (one value per trial spent, in trials of
/// `budget.epochs`), and each search's winner.
pub struct Found<'r> {
    pub name: String,
    pub trials: usize,
    pub epochs_spent: usize,
    pub curves: Vec<Vec<f64>>,
    pub winners: Vec<&'r TrialRow>,
}

/// Best validation accuracy against compute: a line with its range over the searches for the
/// methods with a trial-by-trial curve, a dot with a range bar for the others.
pub fn best(methods: &[Found], budget: &Budget) -> Figure {
    let mut series = Vec::new();
    for (i, m) in methods.iter().enumerate() {
        let per_search = |k: usize| median_and_range(m.curves.iter().map(|c| c[k]).collect());
        let x_of = |k: usize| {
            m.epochs_spent as f64 / budget.epochs as f64 * (k + 1) as f64 / m.curves[0].len() as f64
        };
        if m.curves[0].len() > 1 && !m.name.starts_with("grid") {
            let stats: Vec<(f64, (f64, f64, f64))> = (0..m.curves[0].len())
                .map(|k| (x_of(k), per_search(k)))
                .collect();
            let line = stats.iter().map(|&(x, (med, _, _))| (x, med)).collect();
            let band = stats.iter().map(|&(x, (_, lo, hi))| (x, lo, hi)).collect();
            series.push(Series::new(&m.name, line).colored(i).with_band(band));
        } else {
            let k = m.curves[0].len() - 1;
            let (med, lo, hi) = per_search(k);
            series.push(Series::vertical(x_of(k), lo, hi).colored(i));
            series.push(
                Series::new(&m.name, vec![(x_of(k), med)])
                    .colored(i)
                    .with_dots(),
            );
        }
    }
    let chart = LineChart::new(
        format!(
            "Best validation accuracy found ({} searches each)",
            budget.searches
        ),
        match budget.epochs {
            1 => "compute spent, in trials of 1 epoch".to_string(),
            e => format!("compute spent, in trials of {e} epochs"),
        },
        "best validation accuracy",
    )
    .with(series);
    Figure::single(chart, (nnlab::report::plot::MAX_WIDTH, 520))
}

/// Validation accuracy of every random trial against each hyperparameter, on its scale.
pub fn importance(rows: &[TrialRow], runner: &Search) -> Figure {
    let random: Vec<&TrialRow> = (rows.iter())
        .filter(|r| r.method == Method::Random && !r.diverged)
        .collect();
    let panels = runner.space.params.iter().enumerate().map(|(d, p)| {
        let points = random
            .iter()
            .map(|r| (r.config().values[d], r.val_accuracy))
            .collect();
        let chart = LineChart::new(
            format!("{} ({} random trials)", p.name, random.len()),
            &p.name,
            "validation accuracy",
        )
        .with(vec![Series::new("", points).colored(d).dots_only()]);
        let log = matches!(p.scale, nnlab::procedures::search::Scale::Log);
        Panel::Line(if log { chart.log_x() } else { chart })
    });
    Figure::pair(panels.collect(), 360)
}

/// One search's rungs: each trial's validation accuracy at every budget it reached.
pub fn halving(rows: &[TrialRow], rungs: &[Rung]) -> Figure {
    let halving: Vec<&TrialRow> = of(rows, Method::Halving, 0).collect();
    let reached = |t: usize| {
        rungs
            .iter()
            .filter(|r| r.scored.iter().any(|s| s.0 == t))
            .count()
    };
    let mut series = Vec::new();
    let mut named = vec![false; rungs.len()];
    for t in 0..rungs[0].scored.len() {
        let points: Vec<(f64, f64)> = (halving.iter())
            .filter(|r| r.trial == t)
            .map(|r| (r.epochs as f64, r.val_accuracy))
            .collect();
        let depth = reached(t) - 1;
        let name = if named[depth] {
            String::new()
        } else {
            named[depth] = true;
            let epochs = |n: usize| {
                if n == 1 {
                    "1 epoch".to_string()
                } else {
                    format!("{n} epochs")
                }
            };
            match depth {
                d if d + 1 == rungs.len() => format!("reached {}", epochs(rungs[d].budget)),
                d => format!("stopped after {}", epochs(rungs[d].budget)),
            }
        };
        series.push(Series::new(name, points).colored(depth).with_dots());
    }
    let chart = LineChart::new(
        "Successive halving, search 1: every trial's validation accuracy per rung",
        "epochs (the rung's budget)",
        "validation accuracy",
    )
    .with(series);
    Figure::single(chart, (nnlab::report::plot::MAX_WIDTH, 480))
}
