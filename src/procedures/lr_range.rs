//! The learning-rate range test [Smith, 2015; fastai's `lr_find`]: train one network for a few
//! hundred iterations while the learning rate grows exponentially from tiny to huge, record the
//! smoothed loss at each rate, stop once the loss has blown up, and read a good rate off the
//! curve.

use crate::Float;
use crate::hyper::{HyperparameterError, check_learning_rate};
use crate::nn::network::Sequential;
use crate::optim::{Optimizer, step_all};
use crate::procedures::train::{Split, gather};
use crate::rng::permutation;
use rand::Rng;

/// How the test sweeps: `iters` mini-batches of `batch_size`, the rate from `start` to `end`
/// exponentially; the loss smoothed by an exponential moving average with factor `beta` (bias
/// corrected, fastai's 0.98); the test stops once the smoothed loss exceeds `stop_factor` times
/// its lowest value (fastai's 4).
#[derive(Clone, Copy, Debug, serde::Serialize)]
pub struct RangeTest {
    pub start: f64,
    pub end: f64,
    pub iters: usize,
    pub batch_size: usize,
    pub beta: f64,
    pub stop_factor: f64,
}

/// One iteration of the test.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct RangePoint {
    pub iter: usize,
    pub learning_rate: f64,
    pub loss: f64,
    pub smoothed: f64,
}

impl RangeTest {
    /// fastai's defaults: 1e-7 to 10 over 100 iterations (we take `iters`), beta 0.98, stop at 4x.
    pub fn new(
        start: f64,
        end: f64,
        iters: usize,
        batch_size: usize,
    ) -> Result<Self, HyperparameterError> {
        let start = check_learning_rate(start)?;
        let end = check_learning_rate(end)?;
        if end <= start {
            return Err(HyperparameterError {
                name: "end",
                requirement: "> the start rate",
                value: end,
            });
        }
        let too_few = |name, requirement, value: usize| HyperparameterError {
            name,
            requirement,
            value: value as f64,
        };
        if iters < 2 {
            return Err(too_few("iters", ">= 2", iters));
        }
        if batch_size == 0 {
            return Err(too_few("batch_size", ">= 1", batch_size));
        }
        Ok(RangeTest {
            start,
            end,
            iters,
            batch_size,
            beta: 0.98,
            stop_factor: 4.0,
        })
    }

    /// The rate of iteration `i` (0-based): `start * (end / start)^(i / (iters - 1))`.
    pub fn rate(&self, i: usize) -> f64 {
        self.start * (self.end / self.start).powf(i as f64 / (self.iters - 1) as f64)
    }

    // ANCHOR: range_test
    /// Runs the test on `net` with `opt` (its learning rate is overwritten each step); mini-batches
    /// are drawn without replacement from `data`'s training set, reshuffled when it runs out.
    /// Stops early when the smoothed loss passes `stop_factor` times its minimum or the loss is
    /// not finite (that point is kept, so the curve shows where it blew up).
    pub fn run<F: Float, R: Rng + ?Sized>(
        &self,
        net: &mut Sequential<F>,
        opt: &mut dyn Optimizer<F>,
        data: &Split<'_, F>,
        rng: &mut R,
    ) -> Vec<RangePoint> {
        let n = data.y_train.len();
        let mut order = Vec::new();
        let (mut average, mut best) = (0.0, f64::INFINITY);
        let mut points = Vec::with_capacity(self.iters);
        for i in 0..self.iters {
            if order.len() < self.batch_size.min(n) {
                order = permutation(rng, n);
            }
            let batch: Vec<usize> = order.drain(..self.batch_size.min(n)).collect();
            let (x, y) = gather(data.x_train, data.y_train, &batch);
            let learning_rate = self.rate(i);
            let loss = net.loss_and_grad(x.view(), &y).as_f64();
            average = self.beta * average + (1.0 - self.beta) * loss;
            let smoothed = average / (1.0 - self.beta.powi(i as i32 + 1)); // bias correction
            points.push(RangePoint {
                iter: i,
                learning_rate,
                loss,
                smoothed,
            });
            if !smoothed.is_finite() || smoothed > self.stop_factor * best {
                break;
            }
            best = best.min(smoothed);
            opt.set_learning_rate(learning_rate);
            step_all(opt, net.params());
        }
        points
    }
    // ANCHOR_END: range_test
}

/// The suggestion rules read off a range test's curve.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Suggestions {
    /// The rate where the smoothed loss falls fastest against `log(rate)` (fastai's former
    /// `suggestion`, "steepest"), from a central difference over `±span` points.
    pub steepest: f64,
    /// The rate of the lowest smoothed loss, divided by 10 (fastai's `lr_min`).
    pub min_over_10: f64,
}

/// Both suggestions for `points` (the blown-up tail after the minimum is ignored for `steepest`).
/// `None` if the test has too few points before its minimum.
pub fn suggest(points: &[RangePoint], span: usize) -> Option<Suggestions> {
    let finite = |p: &&RangePoint| p.smoothed.is_finite();
    let (lowest, low) = points
        .iter()
        .enumerate()
        .filter(|(_, p)| finite(p))
        .min_by(|a, b| a.1.smoothed.total_cmp(&b.1.smoothed))?;
    let span = span.max(1);
    let candidates = span..lowest.saturating_sub(span).max(span);
    let slope = |i: usize| {
        let (a, b) = (&points[i - span], &points[i + span]);
        (b.smoothed - a.smoothed) / (b.learning_rate.ln() - a.learning_rate.ln())
    };
    let steepest = candidates
        .filter(|&i| i + span < points.len())
        .min_by(|&a, &b| slope(a).total_cmp(&slope(b)))?;
    Some(Suggestions {
        steepest: points[steepest].learning_rate,
        min_over_10: low.learning_rate / 10.0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_grow_exponentially_from_start_to_end() {
        let t = RangeTest::new(1e-7, 10.0, 9, 10).unwrap();
        let rates: Vec<f64> = (0..9).map(|i| t.rate(i)).collect();
        for (i, r) in rates.iter().enumerate() {
            let want = 10f64.powi(i as i32 - 7);
            assert!((r / want - 1.0).abs() < 1e-12, "{i}: {r}");
        }
        assert!(RangeTest::new(1.0, 0.1, 10, 10).is_err());
        assert!(RangeTest::new(0.0, 1.0, 10, 10).is_err());
        assert!(RangeTest::new(1e-3, 1.0, 1, 10).is_err());
    }

    #[test]
    fn suggestions_find_the_steepest_descent_and_the_minimum() {
        // A synthetic curve against log10(rate) from -6 to 1: flat at 2.3, falling fastest at
        // 1e-3, lowest at 1e-1, then blowing up.
        let points: Vec<RangePoint> = (0..71)
            .map(|i| {
                let x = -6.0 + i as f64 * 0.1; // log10 rate
                let fall = 2.0 / (1.0 + ((x + 3.0) * 3.0).exp()); // steepest at x = -3
                let rise = if x > -1.0 {
                    30.0 * (x + 1.0).powi(2)
                } else {
                    0.0
                };
                RangePoint {
                    iter: i,
                    learning_rate: 10f64.powf(x),
                    loss: 0.3 + fall + rise,
                    smoothed: 0.3 + fall + rise,
                }
            })
            .collect();
        let s = suggest(&points, 2).unwrap();
        assert!((s.steepest.log10() + 3.0).abs() < 0.11, "{}", s.steepest);
        assert!(
            (s.min_over_10.log10() + 2.0).abs() < 0.11,
            "{}",
            s.min_over_10
        );
        assert!(suggest(&points[..3], 2).is_none());
    }
}
