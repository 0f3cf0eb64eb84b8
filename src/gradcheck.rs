//! Gradient checking: compare an analytic gradient with centred differences
//! `(f(x + h) - f(x - h)) / 2h`, by the relative error `|a - n| / max(|a|, |n|)`.

use crate::Float;

// ANCHOR: rel_error
/// Relative error of an analytic value `a` against a numeric value `n` (0 when both are 0).
pub fn rel_error(a: f64, n: f64) -> f64 {
    let denom = a.abs().max(n.abs());
    if denom == 0.0 {
        0.0
    } else {
        (a - n).abs() / denom
    }
}
// ANCHOR_END: rel_error

// ANCHOR: numerical_gradient
/// The centred-difference gradient of `f` at `x`, one coordinate at a time.
/// `f` is evaluated with `x` perturbed in place; `x` is restored afterwards.
pub fn numerical_gradient<F: Float>(mut f: impl FnMut(&[F]) -> F, x: &mut [F], h: F) -> Vec<F> {
    let mut grad = Vec::with_capacity(x.len());
    for i in 0..x.len() {
        let old = x[i];
        x[i] = old + h;
        let fp = f(x);
        x[i] = old - h;
        let fm = f(x);
        x[i] = old;
        grad.push((fp - fm) / (F::lit(2.0) * h));
    }
    grad
}
// ANCHOR_END: numerical_gradient

/// The largest relative error between an analytic and a numeric gradient, skipping entries where
/// both are below `floor` in magnitude (there the error is rounding noise, not a bug).
pub fn max_rel_error<F: Float>(analytic: &[F], numeric: &[F], floor: f64) -> f64 {
    assert_eq!(
        analytic.len(),
        numeric.len(),
        "gradients of different lengths"
    );
    analytic
        .iter()
        .zip(numeric)
        .filter(|(a, n)| a.as_f64().abs().max(n.as_f64().abs()) >= floor)
        .map(|(a, n)| rel_error(a.as_f64(), n.as_f64()))
        .fold(0.0, f64::max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_gradient_of_a_cubic() {
        let mut x = vec![1.0f64, -2.0, 0.5];
        let f = |x: &[f64]| x.iter().map(|v| v * v * v).sum::<f64>();
        let g = numerical_gradient(f, &mut x, 1e-5);
        let exact: Vec<f64> = x.iter().map(|v| 3.0 * v * v).collect();
        assert!(max_rel_error(&exact, &g, 0.0) < 1e-9);
        assert_eq!(x, vec![1.0, -2.0, 0.5]);
    }

    #[test]
    fn rel_error_detects_a_wrong_gradient() {
        assert_eq!(rel_error(0.0, 0.0), 0.0);
        approx::assert_relative_eq!(rel_error(1.0, 2.0), 0.5);
        assert!(max_rel_error(&[1.0f64, 2.0], &[1.0, 2.1], 0.0) > 0.04);
    }
}
