//! Hyperparameter search: log-uniform grids and picking the best value by an objective; spaces of
//! named hyperparameters searched by grid, random and coarse-to-fine ([`space`]); successive
//! halving ([`halving`]); and shards, for running the trials on many machines ([`shard`]).

pub mod halving;
pub mod shard;
pub mod space;

pub use halving::{Rung, RungPlan, halving_plan, keep_best, plan_cost, successive_halving};
pub use shard::{Shard, ShardError, merge_csv_parts};
pub use space::{Config, Param, Scale, Space, trial_rng};

/// `n` values spaced evenly in log scale from `lo` to `hi` inclusive.
pub fn log_grid(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    assert!(
        lo > 0.0 && hi >= lo && n >= 1,
        "log_grid needs 0 < lo <= hi and n >= 1"
    );
    if n == 1 {
        return vec![lo];
    }
    let (a, b) = (lo.ln(), hi.ln());
    (0..n)
        .map(|k| (a + (b - a) * k as f64 / (n - 1) as f64).exp())
        .collect()
}

/// One evaluated candidate.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Trial {
    pub value: f64,
    /// The objective (lower is better); `+inf` for a run that diverged.
    pub objective: f64,
}

impl Trial {
    /// The validation accuracy of a trial scored by [`crate::procedures::train::History::accuracy_objective`]:
    /// `None` if the run diverged.
    pub fn accuracy(&self) -> Option<f64> {
        self.objective.is_finite().then(|| -self.objective)
    }
}

/// Evaluates `objective` at every value (any non-finite result, NaN or ±inf, counts as `+inf`: a
/// diverged run) and returns the trials and the index of the best finite one (the first among
/// equal objectives); `None` if every run diverged.
pub fn grid_search(
    values: &[f64],
    mut objective: impl FnMut(f64) -> f64,
) -> (Vec<Trial>, Option<usize>) {
    let trials: Vec<Trial> = values
        .iter()
        .map(|&value| {
            let o = objective(value);
            Trial {
                value,
                objective: if o.is_finite() { o } else { f64::INFINITY },
            }
        })
        .collect();
    let best = trials
        .iter()
        .enumerate()
        .filter(|(_, t)| t.objective.is_finite())
        .min_by(|a, b| a.1.objective.total_cmp(&b.1.objective))
        .map(|(i, _)| i);
    (trials, best)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_is_geometric() {
        let g = log_grid(1e-4, 1.0, 5);
        let expect = [1e-4, 1e-3, 1e-2, 1e-1, 1.0];
        for (a, b) in g.iter().zip(expect) {
            approx::assert_relative_eq!(*a, b, max_relative = 1e-12);
        }
    }

    #[test]
    fn search_finds_the_minimum_and_treats_nan_as_worst() {
        let (trials, best) = grid_search(&[0.1, 0.5, 1.0, 2.0], |v| {
            if v > 1.5 { f64::NAN } else { (v - 0.6).powi(2) }
        });
        assert_eq!(best, Some(1));
        assert_eq!(trials[3].objective, f64::INFINITY);
        let (_, none) = grid_search(&[1e308, 2.0], |_| f64::NAN);
        assert_eq!(none, None, "no finite trial, no best");
    }
}
