//! What a training run records: every iteration's loss and learning rate, every epoch's
//! accuracies, and where it diverged; and the curves the chapters draw from several runs.

/// The loss of one iteration.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct IterRecord {
    pub iter: usize,
    pub epoch: usize,
    pub loss: f64,
    /// The learning rate of this iteration's update.
    pub learning_rate: f64,
}

/// Accuracies at the end of an epoch.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct EpochRecord {
    pub epoch: usize,
    pub iter: usize,
    pub train_loss: f64,
    pub train_accuracy: f64,
    pub val_accuracy: f64,
    /// Accuracy on [`super::Split::test`], if the split carries a test set (reported, never used to
    /// choose anything).
    pub test_accuracy: Option<f64>,
    /// Wall-clock seconds spent training (forward, backward, update) from the start of the run to
    /// the end of this epoch; the accuracy evaluations are not counted.
    pub seconds: f64,
}

/// Everything a run recorded. `diverged_at` is the iteration whose loss was NaN or infinite.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct History {
    pub iters: Vec<IterRecord>,
    pub epochs: Vec<EpochRecord>,
    pub diverged_at: Option<usize>,
}

impl History {
    /// The mini-batch losses as a moving average over `window` iterations (see [`moving_average`]).
    pub fn smoothed_loss(&self, window: usize) -> Vec<(f64, f64)> {
        let losses: Vec<f64> = self.iters.iter().map(|r| r.loss).collect();
        moving_average(&losses, window)
    }

    /// `(epoch, validation accuracy)` after every epoch.
    pub fn val_accuracy_curve(&self) -> Vec<(f64, f64)> {
        let epochs = self.epochs.iter();
        epochs.map(|e| (e.epoch as f64, e.val_accuracy)).collect()
    }

    /// The validation accuracy after the last epoch (NaN if no epoch finished).
    pub fn final_val_accuracy(&self) -> f64 {
        self.epochs.last().map_or(f64::NAN, |e| e.val_accuracy)
    }

    /// The last epoch's (validation, test) accuracy; NaN for a run that diverged, and for the test
    /// accuracy of a split without a test set.
    pub fn final_accuracies(&self) -> (f64, f64) {
        match (self.diverged_at, self.epochs.last()) {
            (None, Some(e)) => (e.val_accuracy, e.test_accuracy.unwrap_or(f64::NAN)),
            _ => (f64::NAN, f64::NAN),
        }
    }

    /// What a search minimizes to maximize validation accuracy: minus the final validation
    /// accuracy, or +inf if the run diverged (see [`crate::procedures::search::Trial::accuracy`]).
    pub fn accuracy_objective(&self) -> f64 {
        if self.diverged_at.is_some() {
            f64::INFINITY
        } else {
            -self.final_val_accuracy()
        }
    }

    /// The validation accuracy recorded at iteration `iter`, if an epoch ended there.
    pub fn val_accuracy_at(&self, iter: usize) -> Option<f64> {
        let epoch = self.epochs.iter().find(|e| e.iter == iter);
        epoch.map(|e| e.val_accuracy)
    }
}

/// `(epoch, mean over runs of what)` for every epoch all `runs` recorded: the mean curve of several
/// seeds.
pub fn mean_curve(runs: &[&History], what: impl Fn(&EpochRecord) -> f64) -> Vec<(f64, f64)> {
    let epochs = runs.iter().map(|h| h.epochs.len()).min().unwrap_or(0);
    (0..epochs)
        .map(|e| {
            let sum: f64 = runs.iter().map(|h| what(&h.epochs[e])).sum();
            ((e + 1) as f64, sum / runs.len() as f64)
        })
        .collect()
}

/// The mean over `runs` of `what` at each run's last epoch.
pub fn mean_final(runs: &[&History], what: impl Fn(&EpochRecord) -> f64) -> f64 {
    let last = runs.iter().filter_map(|h| h.epochs.last()).map(what);
    last.sum::<f64>() / runs.len() as f64
}

/// The moving-average window the chapters plot mini-batch losses with: a 20th of the run's
/// `iters`, from 1 to 25 iterations.
pub fn smoothing_window(iters: usize) -> usize {
    (iters / 20).clamp(1, 25)
}

/// `(i, mean of values[i - window..i])` for i from `window` (or the series length, if shorter) to the
/// end, with i counted from 1: a moving average for noisy mini-batch losses.
pub fn moving_average(values: &[f64], window: usize) -> Vec<(f64, f64)> {
    let window = window.clamp(1, values.len().max(1));
    (window..=values.len())
        .map(|end| {
            (
                end as f64,
                values[end - window..end].iter().sum::<f64>() / window as f64,
            )
        })
        .collect()
}
