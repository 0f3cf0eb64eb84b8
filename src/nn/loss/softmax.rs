//! Softmax cross-entropy: L = -(1/N) Σ_i log(e^{s_{i,y_i}} / Σ_j e^{s_{ij}}).

use crate::Float;
use ndarray::{Array2, ArrayView2, Axis};

// ANCHOR: softmax_loss
/// scores: (N, C), y: (N,) with labels in 0..C -> (loss, dscores: (N, C))
pub fn softmax_loss<F: Float>(scores: ArrayView2<F>, y: &[usize]) -> (F, Array2<F>) {
    let n = scores.nrows();
    assert_eq!(n, y.len(), "scores and labels disagree on N");
    let mut probs = scores.to_owned();
    let mut loss = F::zero();
    for (mut row, &label) in probs.axis_iter_mut(Axis(0)).zip(y) {
        // Shift by the row maximum so exp never overflows; softmax is unchanged by the shift.
        // ANCHOR: softmax_formula
        let max = row.fold(F::neg_infinity(), |m, &v| m.max(v));
        row.mapv_inplace(|v| v - max);
        let log_sum = row.fold(F::zero(), |acc, &v| acc + v.exp()).ln();
        // -log p_y = log Σ e^s - s_y, in log space so a tiny p_y does not become log(0).
        loss += log_sum - row[label];
        row.mapv_inplace(|v| (v - log_sum).exp());
        // ANCHOR_END: softmax_formula
    }
    let nf = F::lit(n as f64);
    // ANCHOR: softmax_gradient_formula
    // dL/ds = (p - 1[j = y]) / N
    for (mut row, &label) in probs.axis_iter_mut(Axis(0)).zip(y) {
        row[label] -= F::one();
    }
    probs.mapv_inplace(|v| v / nf);
    // ANCHOR_END: softmax_gradient_formula
    (loss / nf, probs)
}
// ANCHOR_END: softmax_loss

/// The softmax of every row of scores: (N, C) -> class probabilities (N, C), each row summing to 1.
pub fn softmax_rows<F: Float>(scores: ArrayView2<F>) -> Array2<F> {
    let mut probs = scores.to_owned();
    for mut row in probs.axis_iter_mut(Axis(0)) {
        let max = row.fold(F::neg_infinity(), |m, &v| m.max(v));
        row.mapv_inplace(|v| (v - max).exp());
        let sum = row.sum();
        row.mapv_inplace(|v| v / sum);
    }
    probs
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn uniform_scores_give_log_c() {
        // The "sanity check" of babysitting: with equal scores the loss is ln(C).
        let scores = Array2::<f64>::zeros((4, 10));
        let (loss, _) = softmax_loss(scores.view(), &[0, 3, 9, 5]);
        approx::assert_relative_eq!(loss, 10f64.ln(), epsilon = 1e-12);
    }

    #[test]
    fn known_value() {
        let scores = array![[1.0f64, 2.0, 3.0]];
        let (loss, d) = softmax_loss(scores.view(), &[2]);
        let z = 1f64.exp() + 2f64.exp() + 3f64.exp();
        approx::assert_relative_eq!(loss, -(3f64.exp() / z).ln(), epsilon = 1e-12);
        approx::assert_relative_eq!(d[[0, 0]], 1f64.exp() / z, epsilon = 1e-12);
        approx::assert_relative_eq!(d[[0, 2]], 3f64.exp() / z - 1.0, epsilon = 1e-12);
    }

    #[test]
    fn large_scores_do_not_overflow() {
        let scores = array![[1000.0f32, 0.0], [0.0, 1000.0]];
        let (loss, d) = softmax_loss(scores.view(), &[0, 0]);
        assert!(loss.is_finite());
        approx::assert_relative_eq!(loss, 500.0, epsilon = 1e-3);
        assert!(d.iter().all(|v| v.is_finite()));
    }
}
