//! Averaging predictions: the class probabilities of several models (an ensemble), or of one
//! network under many dropout masks (Monte-Carlo averaging [Srivastava et al., 2014, section
//! 7.5]), averaged and then classified. And averaging parameters: one network whose weights are
//! the running averages of a training run's iterates (Polyak averaging, an exponential moving
//! average), CS231n's cheap "ensemble" of one run.

use crate::Float;
use crate::nn::layers::Mode;
use crate::nn::network::{Sequential, argmax};
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

/// The classification error of class probabilities (or scores) `(N, C)`: the fraction of rows
/// whose largest entry is not at the label.
fn error_of<F: Float>(probs: ArrayView2<F>, y: &[usize]) -> f64 {
    wrong_rows(probs, y) as f64 / y.len().max(1) as f64
}

/// The accuracy of class probabilities (or scores) `(N, C)`: the fraction of rows whose largest
/// entry is at the label (as `metrics::accuracy` of their argmax predictions).
pub fn accuracy_of<F: Float>(probs: ArrayView2<F>, y: &[usize]) -> f64 {
    (y.len() - wrong_rows(probs, y)) as f64 / y.len().max(1) as f64
}

fn wrong_rows<F: Float>(probs: ArrayView2<F>, y: &[usize]) -> usize {
    let rows = probs.axis_iter(Axis(0)).zip(y);
    rows.filter(|(row, t)| argmax(row.iter().copied()) != **t)
        .count()
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

/// The test accuracy of the average of each `k`-member subset of `members` (each `(N, C)`):
/// every combination of `k` of them, in lexicographic order.
///
/// # Panics
/// If `k` is 0 or more than the members, or the members differ in shape.
pub fn subset_accuracies<F: Float>(members: &[Array2<F>], y: &[usize], k: usize) -> Vec<f64> {
    assert!(
        (1..=members.len()).contains(&k),
        "subsets of {k} of {} members",
        members.len()
    );
    let mut pick: Vec<usize> = (0..k).collect();
    let mut out = Vec::new();
    loop {
        let mut sum = members[pick[0]].mapv(|v| v.as_f64());
        for &m in &pick[1..] {
            sum.zip_mut_with(&members[m], |s, &v| *s += v.as_f64());
        }
        out.push(1.0 - error_of(sum.view(), y));
        // The next combination: the last index that can still move, moved, the rest after it.
        let Some(i) = (0..k).rev().find(|&i| pick[i] < members.len() - k + i) else {
            return out;
        };
        pick[i] += 1;
        for j in i + 1..k {
            pick[j] = pick[j - 1] + 1;
        }
    }
}

// ANCHOR: averages
/// Running averages of a network's parameters over the iterates of a training run: the Polyak
/// average (the plain mean of every iterate from `start` on [Polyak and Juditsky, 1992]) and an
/// exponential moving average with weight `decay` on the past — at update t at most
/// `(1 + t) / (10 + t)`, TensorFlow's warm-up, so the first iterates do not linger in it. Kept in
/// `f64`.
#[derive(Clone, Debug)]
pub struct ParamAverages {
    pub decay: f64,
    pub start: usize,
    steps: usize,
    averaged: usize,
    ema: Vec<Vec<f64>>,
    polyak: Vec<Vec<f64>>,
}

impl ParamAverages {
    pub fn new(decay: f64, start: usize) -> Self {
        ParamAverages {
            decay,
            start,
            steps: 0,
            averaged: 0,
            ema: Vec::new(),
            polyak: Vec::new(),
        }
    }

    /// Takes in the parameters after one update.
    pub fn update<F: Float>(&mut self, net: &mut Sequential<F>) {
        let params = net.params();
        if self.ema.is_empty() {
            let copy =
                |p: &crate::nn::layers::ParamGrad<F>| p.value.iter().map(|v| v.as_f64()).collect();
            self.ema = params.iter().map(copy).collect();
            self.polyak = params.iter().map(|p| vec![0.0; p.value.len()]).collect();
        }
        self.steps += 1;
        let polyak = self.steps > self.start;
        self.averaged += usize::from(polyak);
        let t = self.steps as f64;
        let d = self.decay.min((1.0 + t) / (10.0 + t));
        for ((p, ema), sum) in params.iter().zip(&mut self.ema).zip(&mut self.polyak) {
            for ((&w, e), s) in p.value.iter().zip(ema.iter_mut()).zip(sum.iter_mut()) {
                let w = w.as_f64();
                *e = d * *e + (1.0 - d) * w; // the moving average
                if polyak {
                    *s += w; // the Polyak sum
                }
            }
        }
    }

    /// Updates averaged by Polyak so far.
    pub fn polyak_steps(&self) -> usize {
        self.averaged
    }

    /// Writes the moving average into `net`'s parameters.
    pub fn write_ema<F: Float>(&self, net: &mut Sequential<F>) {
        self.write(net, &self.ema, 1.0);
    }

    /// Writes the Polyak average into `net`'s parameters.
    ///
    /// # Panics
    /// If no iterate after `start` was taken in yet.
    pub fn write_polyak<F: Float>(&self, net: &mut Sequential<F>) {
        assert!(
            self.averaged > 0,
            "no iterate averaged yet: {} steps, start {}",
            self.steps,
            self.start
        );
        self.write(net, &self.polyak, 1.0 / self.averaged as f64);
    }

    fn write<F: Float>(&self, net: &mut Sequential<F>, values: &[Vec<f64>], scale: f64) {
        let mut params = net.params();
        assert_eq!(params.len(), values.len(), "another architecture");
        for (p, v) in params.iter_mut().zip(values) {
            for (w, &a) in p.value.iter_mut().zip(v) {
                *w = F::lit(a * scale);
            }
        }
    }
}
// ANCHOR_END: averages

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::layers::DropoutKind;
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

    #[test]
    fn every_subset_of_k_members_once() {
        // Member m is sure of class m on row m and undecided (a tie, which goes to class 0)
        // everywhere else; the average of a subset is sure of its members' rows.
        let one_hot = |m: usize| {
            Array2::from_shape_fn((4, 4), |(r, c)| if c == m && r == m { 1.0 } else { 0.25 })
        };
        let members: Vec<Array2<f64>> = (0..4).map(one_hot).collect();
        let y = [0, 1, 2, 3];
        assert_eq!(subset_accuracies(&members, &y, 1).len(), 4);
        assert_eq!(subset_accuracies(&members, &y, 2).len(), 6);
        assert_eq!(subset_accuracies(&members, &y, 3).len(), 4);
        assert_eq!(subset_accuracies(&members, &y, 4).len(), 1);
        // One member: right on its own row, ties to class 0 elsewhere (right on row 0 too).
        assert_eq!(
            subset_accuracies(&members, &y, 1),
            vec![0.25, 0.5, 0.5, 0.5]
        );
        assert_eq!(subset_accuracies(&members, &y, 4), vec![1.0]);
    }

    #[test]
    fn averages_of_iterates() {
        let mut rng = crate::rng::seeded(2);
        let mut net =
            Sequential::<f64>::dropout_mlp(&[2, 3, 2], 1.0, DropoutKind::Inverted, &mut rng)
                .unwrap();
        let first: Vec<Vec<f64>> = net.params().iter().map(|p| p.value.to_vec()).collect();
        let mut avg = ParamAverages::new(0.5, 1);
        // Iterates w, w + 1, w + 2. EMA, started at w: decay min(1/2, (1 + t) / (10 + t)) =
        // 3/12 at t = 2, 4/13 at t = 3: w + (3/4) 1, then w + 4/13 (3/4) + (9/13) 2. Polyak from
        // step 2 on: w + 1.5.
        for shift in 0..3 {
            for (p, w) in net.params().iter_mut().zip(&first) {
                for (v, &w0) in p.value.iter_mut().zip(w) {
                    *v = w0 + shift as f64;
                }
            }
            avg.update(&mut net);
        }
        assert_eq!(avg.polyak_steps(), 2);
        let close = |net: &mut Sequential<f64>, by: f64| {
            let params = net.params();
            params.iter().zip(&first).all(|(p, w)| {
                p.value
                    .iter()
                    .zip(w)
                    .all(|(v, w0)| (v - w0 - by).abs() < 1e-12)
            })
        };
        avg.write_ema(&mut net);
        assert!(close(&mut net, 4.0 / 13.0 * 0.75 + 9.0 / 13.0 * 2.0));
        avg.write_polyak(&mut net);
        assert!(close(&mut net, 1.5));
    }
}
