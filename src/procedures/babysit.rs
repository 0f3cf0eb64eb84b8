//! Babysitting the learning process (CS231n's recipe, the lecture's recap): checks a training
//! program should pass before anyone tunes it, each returning what it measured.
//!
//! 1. [`initial_loss`]: with small weights and no regularization the scores are all about 0, so
//!    the softmax loss is `ln C` (2.303 for 10 classes) and the SVM loss `C - 1`; adding
//!    regularization must raise it.
//! 2. [`overfit`]: with regularization off, the network must fit a tiny training set (20
//!    examples) to 100% training accuracy; if it cannot, something is broken.
//! 3. [`judge_learning_rate`]: a learning rate whose loss barely moves is too small, one whose loss
//!    explodes (NaN, or above three times its start: CS231n's early stop) is too large.

use crate::Float;
use crate::nn::layers::Mode;
use crate::nn::loss::LossKind;
use crate::nn::network::Sequential;
use crate::optim::{Optimizer, step_all};
use ndarray::{ArrayView2, Axis};

/// How far the initial loss may be from its expected value.
pub const INITIAL_LOSS_TOLERANCE: f64 = 0.05;
/// A loss that ends less than this fraction below where it started "barely changes".
pub const BARELY_MOVES: f64 = 0.05;
/// A loss above this multiple of its start has exploded (CS231n: "cost > 3 * original cost").
pub const EXPLODES: f64 = 3.0;

// ANCHOR: initial_loss
/// The loss a network of `classes` outputs starts at when every score is 0: `ln C` for softmax
/// (every class equally likely), `C - 1` for the SVM (every margin is 1).
pub fn expected_initial_loss(loss: LossKind, classes: usize) -> f64 {
    match loss {
        LossKind::Softmax => (classes as f64).ln(),
        LossKind::Svm => classes as f64 - 1.0,
    }
}

/// The initial-loss check: the data loss measured, the loss the class count predicts.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct InitialLoss {
    pub classes: usize,
    pub loss: f64,
    pub expected: f64,
    /// `|loss - expected| <= INITIAL_LOSS_TOLERANCE`.
    pub passed: bool,
}

/// The data loss of `net` on `x`, `y` (evaluation mode, in batches of the network's
/// `eval_batch` rows, regularization not added) against [`expected_initial_loss`].
pub fn initial_loss<F: Float>(
    net: &mut Sequential<F>,
    x: ArrayView2<F>,
    y: &[usize],
) -> InitialLoss {
    assert!(!y.is_empty(), "no examples");
    let (mut sum, mut classes) = (0.0, 0);
    let rows = x.axis_chunks_iter(Axis(0), net.eval_batch);
    for (chunk, labels) in rows.zip(y.chunks(net.eval_batch)) {
        let scores = net.forward(chunk, Mode::Eval);
        classes = scores.ncols();
        sum += net.loss.evaluate(scores.view(), labels).0.as_f64() * labels.len() as f64;
    }
    let loss = sum / y.len() as f64;
    let expected = expected_initial_loss(net.loss, classes);
    InitialLoss {
        classes,
        loss,
        expected,
        passed: (loss - expected).abs() <= INITIAL_LOSS_TOLERANCE,
    }
}
// ANCHOR_END: initial_loss

/// Multiplies every weight tensor (parameters named `W`) of `net` by `factor`; biases are left.
pub fn scale_weights<F: Float>(net: &mut Sequential<F>, factor: F) {
    for p in net.params() {
        if p.name == "W" {
            p.value.iter_mut().for_each(|w| *w *= factor);
        }
    }
}

// ANCHOR: overfit
/// One iteration of [`overfit`].
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct OverfitPoint {
    pub iter: usize,
    pub loss: f64,
    pub train_accuracy: f64,
}

/// The small-set check: the curve, and when it first fitted every example.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Overfit {
    pub examples: usize,
    pub curve: Vec<OverfitPoint>,
    pub reached_100_at: Option<usize>,
    /// The iteration whose loss was not finite, if any.
    pub diverged_at: Option<usize>,
    /// Reached 100% training accuracy.
    pub passed: bool,
}

/// Trains `net` on all of `x`, `y` (one full batch per iteration) for `iters` iterations with
/// `opt`, its regularization switched off, measuring loss and training accuracy every iteration.
pub fn overfit<F: Float>(
    net: &mut Sequential<F>,
    opt: &mut dyn Optimizer<F>,
    x: ArrayView2<F>,
    y: &[usize],
    iters: usize,
) -> Overfit {
    let reg = std::mem::replace(&mut net.reg, F::zero());
    let mut result = Overfit {
        examples: y.len(),
        curve: Vec::with_capacity(iters),
        reached_100_at: None,
        diverged_at: None,
        passed: false,
    };
    for iter in 1..=iters {
        let loss = net.loss_and_grad(x, y).as_f64();
        if !loss.is_finite() {
            result.diverged_at = Some(iter);
            break;
        }
        // Accuracy of the scores the loss was computed from (before this iteration's update).
        let train_accuracy = net.accuracy(x, y);
        result.curve.push(OverfitPoint {
            iter,
            loss,
            train_accuracy,
        });
        if train_accuracy == 1.0 && result.reached_100_at.is_none() {
            result.reached_100_at = Some(iter);
        }
        step_all(opt, net.params());
    }
    net.reg = reg;
    result.passed = result.reached_100_at.is_some();
    result
}

// ANCHOR_END: overfit

// ANCHOR: judge
/// What a short run says about its learning rate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LrVerdict {
    /// The loss barely changed.
    TooSmall,
    /// The loss went down.
    Good,
    /// The loss exploded: NaN or infinite, or above [`EXPLODES`] times its start.
    TooLarge,
}

impl LrVerdict {
    /// The verdict in words: `too small`, `good`, `too large`.
    pub fn name(self) -> &'static str {
        match self {
            LrVerdict::TooSmall => "too small",
            LrVerdict::Good => "good",
            LrVerdict::TooLarge => "too large",
        }
    }
}

/// The verdict on one learning rate, and the numbers behind it.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct LrJudgement {
    pub verdict: LrVerdict,
    /// The first iteration (from 1) whose loss was not finite or above [`EXPLODES`] times the
    /// first.
    pub exploded_at: Option<usize>,
    /// `1 - end / start`, the means of the first and last quarter of the losses (NaN if
    /// exploded): quarters, so that mini-batch noise averages out even in a short run.
    pub relative_decrease: f64,
}

/// Judges the mini-batch losses of a short run (CS231n's "loss barely changing: learning rate is
/// probably too low"; "loss exploding: learning rate too high").
pub fn judge_learning_rate(losses: &[f64]) -> LrJudgement {
    assert!(!losses.is_empty(), "no losses to judge");
    let first = losses[0];
    let exploded_at = losses
        .iter()
        .position(|&l| !l.is_finite() || l > EXPLODES * first)
        .map(|i| i + 1);
    let quarter = (losses.len() / 4).max(1);
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let (start, end) = (
        mean(&losses[..quarter]),
        mean(&losses[losses.len() - quarter..]),
    );
    let relative_decrease = if exploded_at.is_some() {
        f64::NAN
    } else {
        1.0 - end / start
    };
    let verdict = match exploded_at {
        Some(_) => LrVerdict::TooLarge,
        None if relative_decrease < BARELY_MOVES => LrVerdict::TooSmall,
        None => LrVerdict::Good,
    };
    LrJudgement {
        verdict,
        exploded_at,
        relative_decrease,
    }
}
// ANCHOR_END: judge

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::init::Init;
    use crate::nn::layers::ActivationKind;
    use crate::optim::Sgd;
    use crate::rng::{below, seeded};
    use ndarray::Array2;

    /// `n` random rows of `d` features with random labels of 10 classes.
    fn data(n: usize, d: usize, seed: u64) -> (Array2<f64>, Vec<usize>) {
        let rng = &mut seeded(seed);
        let x = crate::rng::randn_array(n, d, rng);
        (x, (0..n).map(|_| below(rng, 10)).collect())
    }

    fn mlp(loss: LossKind, reg: f64) -> Sequential<f64> {
        let relu = ActivationKind::Relu;
        Sequential::mlp(&[50, 64, 10], relu, Init::He, loss, reg, &mut seeded(1))
    }

    #[test]
    fn small_weights_start_at_ln_10_and_regularization_raises_the_loss() {
        let (x, y) = data(500, 50, 2);
        for (loss, expected) in [(LossKind::Softmax, 10f64.ln()), (LossKind::Svm, 9.0)] {
            let mut net = mlp(loss, 0.0);
            scale_weights(&mut net, 1e-3);
            let check = initial_loss(&mut net, x.view(), &y);
            assert!(check.passed, "{check:?}");
            assert!((check.loss - expected).abs() < INITIAL_LOSS_TOLERANCE);
            assert_eq!((check.classes, check.expected), (10, expected));
            // The training loss adds 0.5 reg |W|^2 on top.
            net.reg = 1e5;
            let with_reg = net.loss(x.view(), &y);
            assert!(with_reg > check.loss + 1e-3, "{with_reg} vs {}", check.loss);
        }
        // He initialization's scores are not small: its loss is not ln 10.
        let check = initial_loss(&mut mlp(LossKind::Softmax, 0.0), x.view(), &y);
        assert!(!check.passed, "{check:?}");
    }

    #[test]
    fn the_network_overfits_20_examples_to_100_percent() {
        let (x, y) = data(20, 50, 3);
        let mut net = mlp(LossKind::Softmax, 0.5);
        let mut opt = Sgd::new(0.05).unwrap();
        let result = overfit(&mut net, &mut opt, x.view(), &y, 300);
        assert!(result.passed, "{:?}", result.curve.last());
        let at = result.reached_100_at.unwrap();
        assert_eq!(result.curve[at - 1].train_accuracy, 1.0);
        assert!(result.curve[0].train_accuracy < 0.5);
        assert_eq!(net.reg, 0.5, "regularization restored");
        // A network that cannot learn (learning rate far too small) fails the check.
        let mut stuck = mlp(LossKind::Softmax, 0.0);
        let result = overfit(&mut stuck, &mut Sgd::new(1e-9).unwrap(), x.view(), &y, 50);
        assert!(!result.passed && result.curve.len() == 50);
    }

    #[test]
    fn learning_rates_are_judged_by_their_losses() {
        let flat: Vec<f64> = (0..100).map(|i| 2.30 - 1e-4 * i as f64).collect();
        assert_eq!(judge_learning_rate(&flat).verdict, LrVerdict::TooSmall);
        let falling: Vec<f64> = (0..100).map(|i| 2.3 * (-0.01 * i as f64).exp()).collect();
        let j = judge_learning_rate(&falling);
        assert_eq!(j.verdict, LrVerdict::Good);
        assert!(j.relative_decrease > 0.5 && j.exploded_at.is_none());
        let nan = [2.3, 5.0, f64::NAN];
        let j = judge_learning_rate(&nan);
        assert_eq!((j.verdict, j.exploded_at), (LrVerdict::TooLarge, Some(3)));
        let high = [2.3, 4.0, 7.5, 3.0];
        assert_eq!(judge_learning_rate(&high).exploded_at, Some(3));
    }

    #[test]
    fn a_huge_learning_rate_is_recorded_as_exploding_not_a_panic() {
        let (x, y) = data(64, 50, 4);
        let mut net = mlp(LossKind::Softmax, 0.0);
        let mut opt = Sgd::new(1e6).unwrap();
        let mut losses = Vec::new();
        for _ in 0..20 {
            let loss = net.loss_and_grad(x.view(), &y);
            losses.push(loss);
            if !loss.is_finite() {
                break;
            }
            step_all(&mut opt, net.params());
        }
        let j = judge_learning_rate(&losses);
        assert_eq!(j.verdict, LrVerdict::TooLarge, "{losses:?}");
    }
}
