//! A space of named hyperparameters, and the three ways the lecture explores it: a grid, random
//! search [Bergstra and Bengio, 2012] (log-uniform where the slide samples `10**uniform(a, b)`),
//! and coarse-to-fine (search again inside the box of the best trials).

use crate::rng::{NnRng, substream, uniform};

/// How a hyperparameter's range is sampled and gridded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scale {
    /// Evenly in the value.
    Linear,
    /// Evenly in the logarithm: `10**uniform(log10 lo, log10 hi)`.
    Log,
}

/// One hyperparameter: a name and a range `[lo, hi]`.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Param {
    pub name: String,
    pub lo: f64,
    pub hi: f64,
    pub scale: Scale,
    /// Rounded to the nearest integer when drawn (hidden units, epochs).
    pub integer: bool,
}

impl Param {
    /// A real hyperparameter on `scale` over `[lo, hi]`.
    ///
    /// # Panics
    /// If `lo > hi`, a bound is not finite, or a log range does not lie above 0.
    pub fn new(name: impl Into<String>, lo: f64, hi: f64, scale: Scale) -> Self {
        let name = name.into();
        assert!(
            lo.is_finite() && hi.is_finite() && lo <= hi,
            "{name}: the range [{lo}, {hi}] is not a range"
        );
        assert!(
            scale == Scale::Linear || lo > 0.0,
            "{name}: a log range must lie above 0, got [{lo}, {hi}]"
        );
        Param {
            name,
            lo,
            hi,
            scale,
            integer: false,
        }
    }

    /// The same hyperparameter, rounded to integers.
    pub fn integer(self) -> Self {
        Param {
            integer: true,
            ..self
        }
    }

    /// The value at fraction `t` in [0, 1] of the range, on the parameter's scale.
    pub fn at(&self, t: f64) -> f64 {
        let v = match self.scale {
            Scale::Linear => self.lo + t * (self.hi - self.lo),
            Scale::Log => (self.lo.ln() + t * (self.hi.ln() - self.lo.ln())).exp(),
        };
        let v = v.clamp(self.lo, self.hi);
        if self.integer { v.round() } else { v }
    }

    /// Where `v` lies in the range, as a fraction on the parameter's scale (inverse of [`Param::at`]).
    pub fn fraction(&self, v: f64) -> f64 {
        if self.hi == self.lo {
            return 0.0;
        }
        match self.scale {
            Scale::Linear => (v - self.lo) / (self.hi - self.lo),
            Scale::Log => (v.ln() - self.lo.ln()) / (self.hi.ln() - self.lo.ln()),
        }
    }
}

/// One point of a space: a value per hyperparameter, in the space's order.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Config {
    pub values: Vec<f64>,
}

/// A space of named hyperparameters.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Space {
    pub params: Vec<Param>,
}

impl Space {
    pub fn new(params: Vec<Param>) -> Self {
        assert!(!params.is_empty(), "a search space needs a hyperparameter");
        Space { params }
    }

    /// The value of hyperparameter `name` in `config`.
    ///
    /// # Panics
    /// If the space has no hyperparameter `name`.
    pub fn get(&self, config: &Config, name: &str) -> f64 {
        let i = self.params.iter().position(|p| p.name == name);
        config.values[i.unwrap_or_else(|| panic!("no hyperparameter {name:?}"))]
    }

    // ANCHOR: grid
    /// Every combination of `per_axis` evenly spaced values of each hyperparameter (both ends
    /// included; the middle of the range when `per_axis` is 1), the last hyperparameter varying
    /// fastest.
    pub fn grid(&self, per_axis: usize) -> Vec<Config> {
        assert!(per_axis >= 1, "a grid needs at least one value per axis");
        let t = |k: usize| {
            if per_axis == 1 {
                0.5
            } else {
                k as f64 / (per_axis - 1) as f64
            }
        };
        let total = per_axis.pow(self.params.len() as u32);
        (0..total)
            .map(|mut index| {
                let mut values = vec![0.0; self.params.len()];
                for (d, p) in self.params.iter().enumerate().rev() {
                    values[d] = p.at(t(index % per_axis));
                    index /= per_axis;
                }
                Config { values }
            })
            .collect()
    }
    // ANCHOR_END: grid

    // ANCHOR: random
    /// Trial `trial` of a random search seeded by `seed`: each hyperparameter drawn uniformly on its
    /// scale from the trial's own stream, so a trial's configuration depends only on `(seed,
    /// trial)` — never on which worker, shard or order drew it.
    pub fn random(&self, seed: u64, trial: usize) -> Config {
        let mut rng = trial_rng(seed, trial);
        let values = self
            .params
            .iter()
            .map(|p| p.at(uniform(&mut rng)))
            .collect();
        Config { values }
    }
    // ANCHOR_END: random

    // ANCHOR: narrow
    /// Coarse-to-fine: the box around `best` (the configurations of the best trials of a coarse
    /// search), widened by `margin` of the box on each side (on each parameter's scale) and kept
    /// inside the original range.
    pub fn narrowed(&self, best: &[Config], margin: f64) -> Space {
        assert!(
            !best.is_empty(),
            "narrowing needs at least one configuration"
        );
        let params = self.params.iter().enumerate().map(|(d, p)| {
            let ts = best.iter().map(|c| p.fraction(c.values[d]));
            let (lo, hi) = ts.fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), t| {
                (l.min(t), h.max(t))
            });
            let pad = margin * (hi - lo).max(0.1);
            let (lo, hi) = ((lo - pad).max(0.0), (hi + pad).min(1.0));
            Param {
                lo: p.at(lo),
                hi: p.at(hi),
                ..p.clone()
            }
        });
        Space::new(params.collect())
    }
    // ANCHOR_END: narrow
}

/// The random stream of trial `trial` of the search seeded by `seed` (the trial's configuration
/// and its network's initialization both come from it).
pub fn trial_rng(seed: u64, trial: usize) -> NnRng {
    substream(seed, trial as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn space() -> Space {
        Space::new(vec![
            Param::new("learning_rate", 1e-4, 1e-1, Scale::Log),
            Param::new("keep", 0.5, 1.0, Scale::Linear),
            Param::new("hidden", 32.0, 512.0, Scale::Log).integer(),
        ])
    }

    #[test]
    fn a_grid_takes_every_combination_with_both_ends() {
        let g = space().grid(3);
        assert_eq!(g.len(), 27);
        approx::assert_relative_eq!(g[0].values[0], 1e-4, max_relative = 1e-12);
        approx::assert_relative_eq!(g[26].values[0], 1e-1, max_relative = 1e-12);
        // The last hyperparameter varies fastest; the log axis's middle is the geometric mean.
        assert_eq!(
            [g[0].values[2], g[1].values[2], g[2].values[2]],
            [32.0, 128.0, 512.0]
        );
        approx::assert_relative_eq!(g[9].values[0], 10f64.powf(-2.5), max_relative = 1e-12);
        assert_eq!(space().grid(1)[0].values[1], 0.75);
    }

    #[test]
    fn a_random_trial_depends_on_the_seed_and_its_index_only() {
        let s = space();
        let forwards: Vec<Config> = (0..20).map(|k| s.random(7, k)).collect();
        let backwards: Vec<Config> = (0..20).rev().map(|k| s.random(7, k)).collect();
        assert!(forwards.iter().eq(backwards.iter().rev()));
        assert_ne!(s.random(7, 3), s.random(8, 3));
        for c in &forwards {
            let (lr, keep, hidden) = (c.values[0], c.values[1], c.values[2]);
            assert!((1e-4..=1e-1).contains(&lr) && (0.5..=1.0).contains(&keep));
            assert!(hidden == hidden.round() && (32.0..=512.0).contains(&hidden));
        }
        // Log-uniform: about half the draws below the geometric middle 10^-2.5.
        let below = (0..2000).filter(|&k| s.random(1, k).values[0] < 10f64.powf(-2.5));
        let below = below.count();
        assert!((900..1100).contains(&below), "{below} of 2000");
    }

    #[test]
    fn coarse_to_fine_narrows_to_the_best_and_stays_inside() {
        let s = space();
        let best = [
            Config {
                values: vec![1e-3, 0.8, 64.0],
            },
            Config {
                values: vec![3e-3, 0.9, 128.0],
            },
        ];
        let fine = s.narrowed(&best, 0.5);
        let lr = &fine.params[0];
        assert!(
            lr.lo < 1e-3 && lr.lo > 1e-4 && lr.hi > 3e-3 && lr.hi < 1e-1,
            "{lr:?}"
        );
        let keep = &fine.params[1];
        assert!(
            keep.hi <= 1.0 && keep.lo >= 0.5 && keep.hi - keep.lo < 0.5,
            "{keep:?}"
        );
        assert_eq!(s.get(&best[1], "hidden"), 128.0);
    }
}
