//! Part 4: what the trials found. Best validation accuracy against trials spent for each method
//! (median and range over the repeated searches), the winners' test accuracy, which
//! hyperparameters mattered, and one search's halving rungs.

use std::path::PathBuf;

use nnlab::procedures::search::Rung;
use nnlab::procedures::train::Split;
use nnlab::report::results::{ResultsDir, markdown_table};
use serde::Serialize;

use super::figures::{self, Found, median_and_range};
use super::plan::Budget;
use super::stages::of;
use super::trials::{Method, Search, TrialRow};

/// The best validation accuracy of each prefix of `rows` (diverged trials count as 0).
fn best_so_far<'r>(rows: impl Iterator<Item = &'r TrialRow>) -> Vec<f64> {
    let mut best = 0.0f64;
    rows.map(|r| {
        best = best.max(r.val_accuracy);
        best
    })
    .collect()
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

fn winner<'r>(rows: impl Iterator<Item = &'r TrialRow>) -> &'r TrialRow {
    let better = |a: &&TrialRow, b: &&TrialRow| {
        a.val_accuracy
            .total_cmp(&b.val_accuracy)
            .then(b.id.cmp(&a.id))
    };
    rows.max_by(better)
        .expect("a search ran at least one trial")
}

/// A method whose searches are sequences of trials: `trials_of(s)` are search s's, in order.
fn searched<'r>(
    name: String,
    trials: usize,
    epochs: usize,
    searches: usize,
    trials_of: &dyn Fn(usize) -> Vec<&'r TrialRow>,
) -> Found<'r> {
    let per_search: Vec<Vec<&TrialRow>> = (0..searches).map(trials_of).collect();
    Found {
        name,
        trials,
        epochs_spent: trials * epochs,
        curves: (per_search.iter())
            .map(|t| best_so_far(t.iter().copied()))
            .collect(),
        winners: (per_search.iter())
            .map(|t| winner(t.iter().copied()))
            .collect(),
    }
}

fn found<'r>(rows: &'r [TrialRow], budget: &Budget, rungs: &[Vec<Rung>]) -> Vec<Found<'r>> {
    let searches = 0..budget.searches;
    let (n, epochs) = (budget.searches, budget.epochs);
    let mut methods = Vec::new();
    for &g in &budget.grids {
        let grid = |s| of(rows, Method::Grid, s).filter(|r| r.grid == g).collect();
        methods.push(searched(format!("grid {g}^4"), g.pow(4), epochs, n, &grid));
    }
    let random = |s| of(rows, Method::Random, s).collect::<Vec<_>>();
    methods.push(searched("random".into(), budget.trials, epochs, n, &random));
    let c2f = |s| {
        let coarse = random(s).into_iter().filter(|r| r.trial < budget.coarse);
        coarse.chain(of(rows, Method::CoarseToFine, s)).collect()
    };
    methods.push(searched(
        "coarse-to-fine".into(),
        budget.trials,
        epochs,
        n,
        &c2f,
    ));
    // Successive halving: its winner is the best of the last rung.
    let spent = nnlab::procedures::search::plan_cost(&budget.halving);
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
    /// The random search's best-so-far curves, one per search (for the chapter's numbers).
    #[serde(skip)]
    pub random_curves: Vec<Vec<f64>>,
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
    runner: &Search,
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
    let mut tests = nnlab::runtime::parallel::run_independent(jobs, workers).into_iter();

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

    outputs.extend(figures::best(&methods, budget).save(out.dir(), "best")?);
    outputs.extend(figures::importance(rows, runner).save(out.dir(), "importance")?);
    outputs.extend(figures::halving(rows, &rungs[0]).save(out.dir(), "halving")?);
    let random_curves =
        (methods.iter().find(|m| m.name == "random")).map_or(Vec::new(), |m| m.curves.clone());
    let report = Report {
        methods: table,
        random_curves,
        random_minus_grid,
        final_epochs,
        diverged: rows.iter().filter(|r| r.diverged).count(),
    };
    Ok((report, outputs))
}
