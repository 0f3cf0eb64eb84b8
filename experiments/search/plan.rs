//! What the search runs: the budget of every method, and the trials that depend on no other
//! trial's result (what a sharded run fans out).

use nnlab::procedures::search::Space;
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
