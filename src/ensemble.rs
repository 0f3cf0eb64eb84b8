//! Averaging predictions: the class probabilities of several models (an ensemble), or of one
//! network under many dropout masks (Monte-Carlo averaging [Srivastava et al., 2014, section
//! 7.5]), averaged and then classified.

use crate::Float;
use crate::layers::Mode;
use crate::network::{Sequential, argmax};
use ndarray::{Array2, ArrayView2, Axis};

// ANCHOR: running_average
/// The classification error of the average of the first `k` members' class probabilities
/// (each `(N, C)`), for `k = 1, 2, ...`: one error per member, against the labels `y`.
///
/// # Panics
/// If the members differ in shape or do not have a row per label.
pub fn running_average_errors<F: Float>(
    members: impl IntoIterator<Item = Array2<F>>,
    y: &[usize],
) -> Vec<f64> {
    let mut sum: Option<Array2<f64>> = None;
    let mut errors = Vec::new();
    for probs in members {
        assert_eq!(
            probs.nrows(),
            y.len(),
            "a member's rows and the labels differ"
        );
        let probs = probs.mapv(|v| v.as_f64());
        let sum = match &mut sum {
            Some(s) => {
                *s += &probs; // the argmax of the sum is the argmax of the mean
                s
            }
            None => sum.insert(probs),
        };
        errors.push(error_of(sum.view(), y));
    }
    errors
}
// ANCHOR_END: running_average

/// The fraction of rows whose largest entry is not at the label.
fn error_of(probs: ArrayView2<f64>, y: &[usize]) -> f64 {
    let rows = probs.axis_iter(Axis(0)).zip(y);
    let wrong = rows.filter(|(row, t)| argmax(row.iter().copied()) != **t);
    wrong.count() as f64 / y.len().max(1) as f64
}

// ANCHOR: mc_dropout
/// Monte-Carlo averaging of a dropout network: the test error of the average of `samples`
/// training-mode predictions (a fresh mask each), after each sample.
pub fn mc_dropout_errors<F: Float>(
    net: &mut Sequential<F>,
    x: ArrayView2<F>,
    y: &[usize],
    samples: usize,
) -> Vec<f64> {
    let passes = (0..samples).map(|_| net.probabilities(x, Mode::Train));
    running_average_errors(passes, y)
}
// ANCHOR_END: mc_dropout

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::DropoutKind;
    use ndarray::array;

    #[test]
    fn the_average_decides_where_members_disagree() {
        // Row 0: member 1 says class 0 weakly, member 2 class 1 strongly -> the average says 1.
        let a = array![[0.6, 0.4], [0.9, 0.1]];
        let b = array![[0.1, 0.9], [0.8, 0.2]];
        let errors = running_average_errors([a, b], &[1, 0]);
        assert_eq!(errors, vec![0.5, 0.0]);
    }

    #[test]
    fn with_every_unit_kept_each_sample_is_the_single_pass() {
        let mut rng = crate::rng::seeded(4);
        let sizes = [6, 8, 8, 3];
        let mut net =
            Sequential::<f64>::dropout_mlp(&sizes, 1.0, DropoutKind::Inverted, &mut rng).unwrap();
        let x = Array2::from_shape_fn((30, 6), |(i, j)| ((i * 7 + j * 3) % 11) as f64 - 5.0);
        let y: Vec<usize> = (0..30).map(|i| i % 3).collect();
        let single = 1.0 - net.accuracy(x.view(), &y);
        let errors = mc_dropout_errors(&mut net, x.view(), &y, 5);
        assert_eq!(errors.len(), 5);
        assert!(
            errors.iter().all(|e| (e - single).abs() < 1e-15),
            "{errors:?} vs {single}"
        );
    }

    #[test]
    fn monte_carlo_samples_differ_and_repeat_from_the_same_seed() {
        let run = || {
            let mut rng = crate::rng::seeded(5);
            let sizes = [6, 40, 40, 3];
            let mut net =
                Sequential::<f64>::dropout_mlp(&sizes, 0.3, DropoutKind::Inverted, &mut rng)
                    .unwrap();
            let x = Array2::from_shape_fn((200, 6), |(i, j)| ((i * 7 + j * 3) % 11) as f64 - 5.0);
            let a = net.probabilities(x.view(), Mode::Train);
            let b = net.probabilities(x.view(), Mode::Train);
            (a, b)
        };
        let (first, again) = (run(), run());
        assert_ne!(first.0, first.1, "each pass draws a new mask");
        assert_eq!(first, again, "the same seed draws the same masks");
        for row in first.0.axis_iter(Axis(0)) {
            assert!((row.sum() - 1.0).abs() < 1e-12);
        }
    }
}
