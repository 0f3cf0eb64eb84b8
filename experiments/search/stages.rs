//! Part 3: the trials that depend on earlier results — coarse-to-fine's fine stage and successive
//! halving's later rungs — run after the independent ones (here, or after merging shards).

use nnlab::procedures::search::{Config, Rung, keep_best, successive_halving};

use super::plan::Budget;
use super::trials::{Method, Purpose, Search, Trial, TrialRow, search_seed};

/// Every trial of one search of one method, in trial order.
pub fn of(rows: &[TrialRow], method: Method, search: usize) -> impl Iterator<Item = &TrialRow> {
    rows.iter()
        .filter(move |r| r.method == method && r.search == search)
}

fn score(r: &TrialRow) -> f64 {
    if r.diverged { f64::NAN } else { r.val_accuracy }
}

/// Margin added around the best coarse trials, as a fraction of their box (see `Space::narrowed`).
pub const NARROW_MARGIN: f64 = 0.5;

/// Runs coarse-to-fine's fine stage and successive halving's later rungs for every search; returns
/// their rows (numbered on from the independent trials, in a fixed order) and each search's rungs.
pub fn run(
    independent: &[TrialRow],
    budget: &Budget,
    runner: &Search,
    workers: Option<usize>,
) -> (Vec<TrialRow>, Vec<Vec<Rung>>) {
    let mut next_id = independent.len();
    let mut jobs = Vec::new();
    // ANCHOR: coarse_to_fine
    for search in 0..budget.searches {
        // Coarse: the random search's first trials. Fine: random trials inside the box around
        // their best, as many as make the random search's budget.
        let coarse: Vec<&TrialRow> = of(independent, Method::Random, search)
            .filter(|r| r.trial < budget.coarse)
            .collect();
        let scored: Vec<(usize, f64)> = coarse.iter().map(|r| (r.trial, score(r))).collect();
        let best: Vec<Config> = keep_best(&scored, budget.keep_best)
            .into_iter()
            .map(|t| coarse[t].config())
            .collect();
        let fine = runner.space.narrowed(&best, NARROW_MARGIN);
        let seed = search_seed(
            runner.base_seed,
            Method::CoarseToFine,
            search,
            Purpose::Configs,
        );
        for k in 0..budget.trials - budget.coarse {
            jobs.push(Trial {
                id: next_id,
                method: Method::CoarseToFine,
                search,
                grid: 0,
                stage: 1,
                trial: k,
                config: fine.random(seed, k),
                epochs: budget.epochs,
            });
            next_id += 1;
        }
    }
    // ANCHOR_END: coarse_to_fine
    let what = format!("{} fine trials", jobs.len());
    let mut rows = runner.run_all(&jobs, workers, &what);

    // ANCHOR: halving_rungs
    let mut all_rungs = Vec::new();
    for search in 0..budget.searches {
        let first: Vec<&TrialRow> = of(independent, Method::Halving, search).collect();
        let rungs = successive_halving(&budget.halving, |alive, epochs| {
            if epochs == budget.halving[0].budget {
                return alive.iter().map(|&t| score(first[t])).collect();
            }
            let stage = (budget.halving.iter()).position(|r| r.budget == epochs);
            let jobs: Vec<Trial> = (alive.iter().enumerate())
                .map(|(i, &t)| Trial {
                    id: next_id + i,
                    stage: stage.unwrap_or(0),
                    ..first[t].trial(epochs)
                })
                .collect();
            next_id += jobs.len();
            let what = format!("halving {}: {} x {epochs} epochs", search + 1, jobs.len());
            let done = runner.run_all(&jobs, workers, &what);
            let scores = done.iter().map(score).collect();
            rows.extend(done);
            scores
        });
        all_rungs.push(rungs);
    }
    // ANCHOR_END: halving_rungs
    (rows, all_rungs)
}
