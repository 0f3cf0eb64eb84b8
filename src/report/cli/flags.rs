//! The flags' bounds and checks: count parsers, lists without repeats, hyperparameters in terms
//! of their flags, and the expected time a run's counts imply.

use crate::hyper::HyperparameterError;

/// A hyperparameter error in terms of the flag that set it, e.g. `--learning-rate must be > 0 and
/// finite, got -0.001`. `flags` maps the library's hyperparameter names to flags where they differ
/// from the name with dashes (`learning_rate` -> `--learning-rate`).
pub fn as_flag<T>(
    result: Result<T, HyperparameterError>,
    flags: &[(&str, &str)],
) -> anyhow::Result<T> {
    result.map_err(|e| {
        let flag = flags
            .iter()
            .find(|(name, _)| *name == e.name)
            .map(|(_, flag)| flag.to_string())
            .unwrap_or_else(|| format!("--{}", e.name.replace('_', "-")));
        anyhow::anyhow!("{flag} must be {}, got {}", e.requirement, e.value)
    })
}

/// A count flag's parser: a whole number from 1 to `max`, the bound its `--help` states (what the
/// run may allocate and how long it may take with it); anything else is refused before the run
/// starts, by `--check` too.
pub fn count(max: u64) -> clap::builder::RangedU64ValueParser<usize> {
    clap::builder::RangedU64ValueParser::new().range(1..=max)
}

/// Refuses a list flag with more than `max` items or with an item twice: `--mu 0.5,0.5` would
/// run and report the same thing twice.
pub fn distinct_list<T: PartialEq + std::fmt::Debug>(
    flag: &str,
    items: &[T],
    max: usize,
) -> anyhow::Result<()> {
    anyhow::ensure!(
        items.len() <= max,
        "{flag} takes at most {max} values, got {}",
        items.len()
    );
    for (i, a) in items.iter().enumerate() {
        anyhow::ensure!(
            !items[..i].contains(a),
            "{flag} lists {a:?} twice; each value runs once"
        );
    }
    Ok(())
}

/// How many times longer than the default run a run may take: the product over the flags that
/// multiply the work, `(value, default, power)`, of `(value / default)^power` where a value is
/// above its default (a value below only shortens its part, so it is not counted): an upper bound
/// the printed expected time is scaled by (see [`Expected::scaled`]).
pub fn work_factor(counts: &[(usize, usize, f64)]) -> f64 {
    counts
        .iter()
        .map(|&(value, default, power)| (value as f64 / default.max(1) as f64).max(1.0).powf(power))
        .product()
}

/// The [`work_factor`] entry of a mini-batch size: a batch smaller than the default takes more
/// steps of less work each, slower by up to the square root of the ratio (the per-step overhead).
pub fn smaller_batch(value: usize, default: usize) -> (usize, usize, f64) {
    (default, value.max(1), 0.5)
}

/// The longest run a flag combination may ask for (on 2 cores, by [`work_factor`]'s bound).
pub const LONGEST_RUN_SECONDS: f64 = 24.0 * 3600.0;

/// An experiment's name (its folder under `results/`) and how long its default run takes: wall
/// time measured on the project's 2-core machine (AMD EPYC Zen 4) with the default flags, rounded
/// up.
#[derive(Clone, Copy, Debug)]
pub struct Expected {
    pub experiment: &'static str,
    pub full_seconds: u32,
    pub quick_seconds: u32,
}

impl Expected {
    /// `experiment` takes `full_seconds` by default and `quick_seconds` with `--quick`.
    pub const fn new(experiment: &'static str, full_seconds: u32, quick_seconds: u32) -> Self {
        Expected {
            experiment,
            full_seconds,
            quick_seconds,
        }
    }

    /// The run's time with flags that make `factor` times the default run's work (see
    /// [`work_factor`]); refuses a run expected to take longer than [`LONGEST_RUN_SECONDS`].
    pub fn scaled(self, factor: f64, quick: bool) -> anyhow::Result<Self> {
        // Shares that sum to 1 in floating point may sum to a hair above it.
        let factor = if factor < 1.0 + 1e-9 { 1.0 } else { factor };
        let seconds = f64::from(self.seconds(quick)) * factor;
        anyhow::ensure!(
            seconds <= LONGEST_RUN_SECONDS,
            "these flags ask for about {} times the default run's work, up to about {} h on 2 cores (the limit is {} h); lower the counts",
            crate::report::numbers::sig3(factor),
            (seconds / 3600.0).ceil(),
            LONGEST_RUN_SECONDS / 3600.0
        );
        let s = |base: u32| (f64::from(base) * factor).ceil().min(f64::from(u32::MAX)) as u32;
        Ok(Expected {
            experiment: self.experiment,
            full_seconds: s(self.full_seconds),
            quick_seconds: s(self.quick_seconds),
        })
    }

    /// The seconds for a full or quick run.
    pub fn seconds(&self, quick: bool) -> u32 {
        if quick {
            self.quick_seconds
        } else {
            self.full_seconds
        }
    }

    /// e.g. `2 min 10 s` or `15 s`.
    pub fn describe(&self, quick: bool) -> String {
        format_seconds(self.seconds(quick))
    }
}

/// `130` -> `2 min 10 s`, `15` -> `15 s`.
pub fn format_seconds(s: u32) -> String {
    match (s / 60, s % 60) {
        (0, s) => format!("{s} s"),
        (m, 0) => format!("{m} min"),
        (m, s) => format!("{m} min {s} s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_read_as_minutes_and_seconds() {
        assert_eq!(format_seconds(15), "15 s");
        assert_eq!(format_seconds(120), "2 min");
        assert_eq!(format_seconds(130), "2 min 10 s");
        let e = Expected::new("x", 90, 2);
        assert_eq!(
            (e.describe(false), e.describe(true)),
            ("1 min 30 s".into(), "2 s".into())
        );
    }

    #[test]
    fn hyperparameter_errors_name_the_flag() {
        let e = crate::hyper::check_learning_rate(-1.0);
        assert_eq!(
            as_flag(e, &[]).unwrap_err().to_string(),
            "--learning-rate must be > 0 and finite, got -1"
        );
        let e = crate::hyper::check_unit_interval("mu", 1.5);
        assert_eq!(
            as_flag(e, &[("mu", "--mlp-mu")]).unwrap_err().to_string(),
            "--mlp-mu must be in [0, 1), got 1.5"
        );
        assert_eq!(as_flag(Ok::<_, HyperparameterError>(3), &[]).unwrap(), 3);
    }
}
