//! Part 4: what the trials found. Best validation accuracy against trials spent for each method
//! (median and range over the repeated searches), the winners' test accuracy, which
//! hyperparameters mattered, and one search's halving rungs.

use std::path::PathBuf;

use nnlab::plot::{Figure, LineChart, Panel, Series};
use nnlab::results::{ResultsDir, markdown_table};
use nnlab::search::Rung;
use nnlab::train::Split;
use serde::Serialize;

use super::stages::of;
use super::trials::{Budget, Method, Runner, TrialRow};

/// The best validation accuracy of each prefix of `rows` (diverged trials count as 0).
fn best_so_far<'r>(rows: impl Iterator<Item = &'r TrialRow>) -> Vec<f64> {
    let mut best = 0.0f64;
    rows.map(|r| {
        best = best.max(r.val_accuracy);
        best
    })
    .collect()
}

fn median_and_range(v: Vec<f64>) -> (f64, f64, f64) {
    nnlab::metrics::median_and_range(&v).expect("every search ran")
}

/// One method's result over the repeated searches.
#[derive(Clone, Debug, Serialize)]
pub struct MethodRow {
    pub method: String,
    pub trials: usize,
    /// Epochs trained in total by one search.
    pub epochs_spent: usize,
    pub best_val_median: f64,
    pub best_val_min: f64,
    pub best_val_max: f64,
    /// The winner of each search trained for the final budget, on the test set.
    pub test_median: f64,
    pub test_min: f64,
    pub test_max: f64,
}

/// Each method's searches: the best-so-far curve of each (one value per trial spent, in trials of
/// `budget.epochs`), and each search's winner.
struct Found<'r> {
    name: String,
    trials: usize,
    epochs_spent: usize,
    curves: Vec<Vec<f64>>,
    winners: Vec<&'r TrialRow>,
}

fn winner<'r>(rows: impl Iterator<Item = &'r TrialRow>) -> &'r TrialRow {
    let better = |a: &&TrialRow, b: &&TrialRow| {
        a.val_accuracy
            .total_cmp(&b.val_accuracy)
            .then(b.id.cmp(&a.id))
    };
    rows.max_by(better)
        .expect("a search ran at least one trial")
}

fn found<'r>(rows: &'r [TrialRow], budget: &Budget, rungs: &[Vec<Rung>]) -> Vec<Found<'r>> {
    let searches = 0..budget.searches;
    let mut methods = Vec::new();
    for &g in &budget.grids {
        let grid = |s| of(rows, Method::Grid, s).filter(move |r| r.grid == g);
        let trials = g.pow(4);
        methods.push(Found {
            name: format!("grid {g}^4"),
            trials,
            epochs_spent: trials * budget.epochs,
            curves: searches.clone().map(|s| best_so_far(grid(s))).collect(),
            winners: searches.clone().map(|s| winner(grid(s))).collect(),
        });
    }
    let random = |s| of(rows, Method::Random, s);
    methods.push(Found {
        name: "random".into(),
        trials: budget.trials,
        epochs_spent: budget.trials * budget.epochs,
        curves: searches.clone().map(|s| best_so_far(random(s))).collect(),
        winners: searches.clone().map(|s| winner(random(s))).collect(),
    });
    let c2f = |s| {
        let coarse = random(s).filter(|r| r.trial < budget.coarse);
        coarse.chain(of(rows, Method::CoarseToFine, s))
    };
    methods.push(Found {
        name: "coarse-to-fine".into(),
        trials: budget.trials,
        epochs_spent: budget.trials * budget.epochs,
        curves: searches.clone().map(|s| best_so_far(c2f(s))).collect(),
        winners: searches.clone().map(|s| winner(c2f(s))).collect(),
    });
    // Successive halving: its winner is the best of the last rung.
    let spent = nnlab::search::plan_cost(&budget.halving);
    let last_rung = |s: usize| {
        let last = &rungs[s].last().expect("a plan has a rung");
        let of_last = of(rows, Method::Halving, s).filter(move |r| r.epochs == last.budget);
        winner(of_last)
    };
    methods.push(Found {
        name: "successive halving".into(),
        trials: budget.halving[0].trials,
        epochs_spent: spent,
        curves: searches
            .clone()
            .map(|s| vec![last_rung(s).val_accuracy])
            .collect(),
        winners: searches.map(last_rung).collect(),
    });
    methods
}

/// What the chapter quotes.
#[derive(Serialize)]
pub struct Report {
    pub methods: Vec<MethodRow>,
    /// Median best validation accuracy of random minus grid at the largest grid's budget.
    pub random_minus_grid: f64,
    pub final_epochs: usize,
    pub diverged: usize,
}

/// Writes `methods.csv`, `methods.md`, `best.png`, `importance.png` and `halving.png`.
pub fn run(
    rows: &[TrialRow],
    rungs: &[Vec<Rung>],
    budget: &Budget,
    runner: &Runner,
    test: &Split<'_, f32>,
    workers: usize,
    out: &ResultsDir,
) -> anyhow::Result<(Report, Vec<PathBuf>)> {
    let methods = found(rows, budget, rungs);
    // The winners trained for the final rung's budget, side by side.
    let final_epochs = budget.halving.last().expect("a plan has a rung").budget;
    let (x_test, y_test) = test.test.expect("the split carries the test set");
    let winners: Vec<&TrialRow> = methods
        .iter()
        .flat_map(|m| m.winners.iter().copied())
        .collect();
    let jobs: Vec<_> = (winners.iter())
        .map(|r| move || runner.test_accuracy(r, final_epochs, (x_test, y_test)))
        .collect();
    eprintln!("testing {} winners at {final_epochs} epochs", jobs.len());
    let mut tests = nnlab::parallel::run_independent(jobs, workers).into_iter();

    let mut table = Vec::new();
    for m in &methods {
        let bests: Vec<f64> = m
            .curves
            .iter()
            .map(|c| *c.last().expect("a trial"))
            .collect();
        let (best_val_median, best_val_min, best_val_max) = median_and_range(bests);
        let t: Vec<f64> = tests.by_ref().take(m.winners.len()).collect();
        let (test_median, test_min, test_max) = median_and_range(t);
        table.push(MethodRow {
            method: m.name.clone(),
            trials: m.trials,
            epochs_spent: m.epochs_spent,
            best_val_median,
            best_val_min,
            best_val_max,
            test_median,
            test_min,
            test_max,
        });
    }
    let mut outputs = vec![out.write_csv("methods.csv", table.iter())?];
    let pct = |v: f64| format!("{:.1}", 100.0 * v);
    let range = |m: f64, lo: f64, hi: f64| format!("{} ({}-{})", pct(m), pct(lo), pct(hi));
    let md_rows: Vec<Vec<String>> = (table.iter())
        .map(|r| {
            vec![
                r.method.clone(),
                r.trials.to_string(),
                r.epochs_spent.to_string(),
                range(r.best_val_median, r.best_val_min, r.best_val_max),
                range(r.test_median, r.test_min, r.test_max),
            ]
        })
        .collect();
    let header = [
        "method",
        "trials",
        "epochs spent",
        "best validation % (median, range)",
        &format!("winner's test % at {final_epochs} epochs"),
    ];
    outputs.push(out.write_text("methods.md", &markdown_table(&header, &md_rows))?);
    for r in &table {
        eprintln!(
            "{:>20}: {:>3} trials, {:>4} epochs: best validation {}, winner's test {}",
            r.method,
            r.trials,
            r.epochs_spent,
            range(r.best_val_median, r.best_val_min, r.best_val_max),
            range(r.test_median, r.test_min, r.test_max)
        );
    }
    let largest_grid = (table.iter()).rfind(|r| r.method.starts_with("grid"));
    let random_row = table
        .iter()
        .find(|r| r.method == "random")
        .expect("random ran");
    let at = largest_grid.map_or(random_row.trials, |g| g.trials);
    let random_at: Vec<f64> = (methods
        .iter()
        .find(|m| m.name == "random")
        .expect("random ran")
        .curves)
        .iter()
        .map(|c| c[at.min(c.len()) - 1])
        .collect();
    let random_minus_grid =
        median_and_range(random_at).0 - largest_grid.map_or(0.0, |g| g.best_val_median);

    outputs.extend(best_figure(&methods, budget).save(out.dir(), "best")?);
    outputs.extend(importance_figure(rows, runner).save(out.dir(), "importance")?);
    outputs.extend(halving_figure(rows, &rungs[0]).save(out.dir(), "halving")?);
    let report = Report {
        methods: table,
        random_minus_grid,
        final_epochs,
        diverged: rows.iter().filter(|r| r.diverged).count(),
    };
    Ok((report, outputs))
}

/// A vertical range at `x` from `lo` to `hi`.
fn range_bar(x: f64, (lo, hi): (f64, f64), color: usize) -> Series {
    Series::new("", vec![(x, lo), (x, hi)]).colored(color)
}

fn best_figure(methods: &[Found], budget: &Budget) -> Figure {
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
            series.push(range_bar(x_of(k), (lo, hi), i));
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
    Figure::single(chart, (nnlab::plot::MAX_WIDTH, 520))
}

fn importance_figure(rows: &[TrialRow], runner: &Runner) -> Figure {
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
        let log = matches!(p.scale, nnlab::search::Scale::Log);
        Panel::Line(if log { chart.log_x() } else { chart })
    });
    Figure::pair(panels.collect(), 360)
}

fn halving_figure(rows: &[TrialRow], rungs: &[Rung]) -> Figure {
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
    Figure::single(chart, (nnlab::plot::MAX_WIDTH, 480))
}
