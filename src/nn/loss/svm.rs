//! Multiclass SVM (hinge) loss: L = (1/N) Σ_i Σ_{j≠y_i} max(0, s_ij − s_{i,y_i} + Δ), Δ = 1.

use crate::Float;
use ndarray::{Array2, ArrayView2, Axis};

// ANCHOR: svm_loss
/// scores: (N, C), y: (N,) with labels in 0..C -> (loss, dscores: (N, C))
pub fn svm_loss<F: Float>(scores: ArrayView2<F>, y: &[usize]) -> (F, Array2<F>) {
    let n = scores.nrows();
    assert_eq!(n, y.len(), "scores and labels disagree on N");
    let delta = F::one();
    let mut dscores = Array2::zeros(scores.raw_dim());
    let mut loss = F::zero();
    for ((row, mut drow), &label) in scores
        .axis_iter(Axis(0))
        .zip(dscores.axis_iter_mut(Axis(0)))
        .zip(y)
    {
        // ANCHOR: svm_formula
        let correct = row[label];
        for (j, &s) in row.iter().enumerate() {
            if j == label {
                continue;
            }
            let margin = s - correct + delta;
            if margin > F::zero() {
                loss += margin;
                drow[j] += F::one();
                drow[label] -= F::one();
                // ANCHOR_END: svm_formula
            }
        }
    }
    let nf = F::lit(n as f64);
    dscores.mapv_inplace(|v| v / nf);
    (loss / nf, dscores)
}
// ANCHOR_END: svm_loss

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn cs231n_example() {
        // The CS231n linear-classification notes' example: scores (3.2, 5.1, -1.7), cat correct:
        // max(0, 5.1 - 3.2 + 1) + max(0, -1.7 - 3.2 + 1) = 2.9.
        let scores = array![[3.2f64, 5.1, -1.7]];
        let (loss, d) = svm_loss(scores.view(), &[0]);
        approx::assert_relative_eq!(loss, 2.9, epsilon = 1e-12);
        assert_eq!(d, array![[-1.0, 1.0, 0.0]]);
    }

    #[test]
    fn zero_scores_give_c_minus_one() {
        let scores = Array2::<f64>::zeros((3, 10));
        let (loss, _) = svm_loss(scores.view(), &[1, 2, 3]);
        approx::assert_relative_eq!(loss, 9.0, epsilon = 1e-12);
    }
}
