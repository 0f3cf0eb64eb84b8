//! What the search runs: the budget of every method, and the trials that depend on no other
//! trial's result (what a sharded run fans out).

use nnlab::procedures::search::Space;
use nnlab::report::cli::{smaller_batch, work_factor};
use serde::Serialize;

use super::trials::{Method, Purpose, Trial, search_seed};

/// How many trials, of what length, each method runs.
#[derive(Clone, Debug, Serialize)]
pub struct Budget {
    /// Repetitions of every search (search seeds).
    pub searches: usize,
    /// Trials of the random search (and the compute, in trials of `epochs`, of every method).
    pub trials: usize,
    /// Epochs of each grid, random and coarse-to-fine trial.
    pub epochs: usize,
    /// Values per axis of each grid (a grid of g values per axis runs g^4 trials).
    pub grids: Vec<usize>,
    /// Coarse-to-fine: the coarse trials (the random search's first ones) and the best kept.
    pub coarse: usize,
    pub keep_best: usize,
    /// Successive halving's plan.
    pub halving: Vec<nnlab::procedures::search::RungPlan>,
}

impl Budget {
    /// How many times the default run's work this budget asks for, an upper bound (see
    /// [`work_factor`]): the trials (a grid of g runs g^4; the other methods spend the random
    /// search's compute) on `train` images in batches of `batch`, the speed measurement's
    /// `(trials, rounds)` and the picture's searches, by their shares of the default run.
    pub fn work(
        &self,
        quick: bool,
        (train, batch): (usize, usize),
        (speed_trials, speed_rounds): (usize, usize),
        layout_searches: usize,
    ) -> f64 {
        let default = |full, quick_value| if quick { quick_value } else { full };
        let grid_trials = |g: &[usize]| g.iter().map(|g| g.pow(4)).sum::<usize>();
        let default_grids: &[usize] = if quick { &[2] } else { &[2, 3] };
        let longest = self.halving.last().map_or(1, |r| r.budget);
        work_factor(&[smaller_batch(batch, 128)])
            * (0.9
                * work_factor(&[
                    (self.searches, default(4, 2), 1.0),
                    (
                        self.trials + grid_trials(&self.grids),
                        default(81, 16) + grid_trials(default_grids),
                        1.0,
                    ),
                    (self.epochs.max(longest / 3), default(2, 1), 1.0),
                    (train, default(10_000, 1_000), 1.0),
                ])
                + 0.05
                    * work_factor(&[
                        (speed_trials, default(8, 2), 1.0),
                        (speed_rounds, default(3, 1), 1.0),
                    ]))
            + 0.05 * work_factor(&[(layout_searches, 10_000, 1.0)])
    }
}

/// The trials that depend on no other trial's result, for every search: each grid, the random
/// search, and successive halving's first rung — the part a sharded run fans out.
pub fn independent_trials(space: &Space, budget: &Budget, base_seed: u64) -> Vec<Trial> {
    let mut jobs = Vec::new();
    let mut push = |method, search, grid, stage, trial, config, epochs| {
        let id = jobs.len();
        jobs.push(Trial {
            id,
            method,
            search,
            grid,
            stage,
            trial,
            config,
            epochs,
        });
    };
    for search in 0..budget.searches {
        for &g in &budget.grids {
            for (k, config) in space.grid(g).into_iter().enumerate() {
                push(Method::Grid, search, g, 0, k, config, budget.epochs);
            }
        }
        let seed = search_seed(base_seed, Method::Random, search, Purpose::Configs);
        for k in 0..budget.trials {
            push(
                Method::Random,
                search,
                0,
                0,
                k,
                space.random(seed, k),
                budget.epochs,
            );
        }
        // Successive halving's first rung draws the random search's configurations.
        let first = budget.halving[0];
        for k in 0..first.trials {
            push(
                Method::Halving,
                search,
                0,
                0,
                k,
                space.random(seed, k),
                first.budget,
            );
        }
    }
    jobs
}
