//! Measures the experiments report: a classifier's accuracy and confusion matrix, and the exponent
//! of a power law fitted on log-log axes (how a cost grows with the problem size).

/// The fraction of `predicted` labels equal to `labels`; NaN for no labels.
pub fn accuracy(predicted: &[usize], labels: &[usize]) -> f64 {
    assert_eq!(
        predicted.len(),
        labels.len(),
        "one prediction per label is needed"
    );
    predicted.iter().zip(labels).filter(|(p, t)| p == t).count() as f64 / labels.len() as f64
}

/// `counts[t][p]`: how many examples of true class `t` were predicted as `p`, for `k` classes.
pub fn confusion_matrix(predicted: &[usize], labels: &[usize], k: usize) -> Vec<Vec<usize>> {
    assert_eq!(
        predicted.len(),
        labels.len(),
        "one prediction per label is needed"
    );
    let mut counts = vec![vec![0usize; k]; k];
    for (&p, &t) in predicted.iter().zip(labels) {
        assert!(p < k && t < k, "class {} out of range 0..{k}", p.max(t));
        counts[t][p] += 1;
    }
    counts
}

/// The least-squares slope of `log10(y)` against `log10(x)`: the exponent `p` of `y ≈ c·x^p`. NaN
/// for fewer than two points (or two equal `x`).
pub fn loglog_slope(points: &[(f64, f64)]) -> f64 {
    if points.len() < 2 {
        return f64::NAN;
    }
    let pts: Vec<(f64, f64)> = points
        .iter()
        .map(|&(x, y)| (x.log10(), y.log10()))
        .collect();
    let n = pts.len() as f64;
    let (mx, my) = (
        pts.iter().map(|p| p.0).sum::<f64>() / n,
        pts.iter().map(|p| p.1).sum::<f64>() / n,
    );
    let sxy: f64 = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let sxx: f64 = pts.iter().map(|p| (p.0 - mx).powi(2)).sum();
    sxy / sxx
}

/// The mean cross-entropy `-(1/N) sum_i ln p_i[y_i]` of class probabilities `(N, C)` against the
/// labels: the softmax loss of the predictions, which also sees how confident they are.
pub fn cross_entropy<F: crate::Float>(probs: ndarray::ArrayView2<F>, y: &[usize]) -> f64 {
    assert_eq!(
        probs.nrows(),
        y.len(),
        "probabilities and labels disagree on N"
    );
    let rows = probs.rows().into_iter().zip(y);
    let sum: f64 = rows.map(|(row, &t)| -row[t].as_f64().ln()).sum();
    sum / y.len().max(1) as f64
}

/// `(mean, min, max)` of `values`, or `None` if there are none.
pub fn mean_and_range(values: &[f64]) -> Option<(f64, f64, f64)> {
    if values.is_empty() {
        return None;
    }
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    let min = values.iter().cloned().fold(f64::INFINITY, f64::min);
    let max = values.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    Some((mean, min, max))
}

/// `(median, min, max)` of `values` (the median of an even count: the mean of the middle two), or
/// `None` if there are none.
pub fn median_and_range(values: &[f64]) -> Option<(f64, f64, f64)> {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    let median = match n {
        0 => return None,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    };
    Some((median, v[0], v[n - 1]))
}

/// The `q`-th percentile (0 to 100) of `values` with linear interpolation between the two nearest
/// ranks (NumPy's default), or NaN if there are none.
pub fn percentile(values: &[f64], q: f64) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let Some(last) = v.len().checked_sub(1) else {
        return f64::NAN;
    };
    let rank = q.clamp(0.0, 100.0) / 100.0 * last as f64;
    let (lo, hi) = (rank.floor() as usize, rank.ceil() as usize);
    v[lo] + (v[hi] - v[lo]) * (rank - lo as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_interpolate_between_ranks_like_numpy() {
        let v = [4.0, 1.0, 3.0, 2.0, 5.0];
        assert_eq!(percentile(&v, 50.0), 3.0);
        assert_eq!(percentile(&v, 0.0), 1.0);
        assert_eq!(percentile(&v, 100.0), 5.0);
        // numpy.percentile([1, 2, 3, 4, 5], 15) = 1.6, [.., 85] = 4.4
        assert!((percentile(&v, 15.0) - 1.6).abs() < 1e-12);
        assert!((percentile(&v, 85.0) - 4.4).abs() < 1e-12);
        assert!(percentile(&[], 50.0).is_nan());
    }

    #[test]
    fn median_and_range_of_odd_and_even_counts() {
        assert_eq!(median_and_range(&[3.0, 1.0, 2.0]), Some((2.0, 1.0, 3.0)));
        assert_eq!(
            median_and_range(&[4.0, 1.0, 2.0, 3.0]),
            Some((2.5, 1.0, 4.0))
        );
        assert_eq!(median_and_range(&[]), None);
    }

    #[test]
    fn mean_and_range_of_runs() {
        assert_eq!(
            mean_and_range(&[0.9, 0.91, 0.89]).map(|m| (m.1, m.2)),
            Some((0.89, 0.91))
        );
        approx::assert_relative_eq!(mean_and_range(&[1.0, 2.0]).unwrap().0, 1.5);
        assert_eq!(mean_and_range(&[]), None);
    }

    #[test]
    fn accuracy_counts_matches() {
        assert_eq!(accuracy(&[1, 2, 3, 4], &[1, 0, 3, 0]), 0.5);
        assert!(accuracy(&[], &[]).is_nan());
    }

    #[test]
    fn confusion_rows_are_true_classes() {
        let c = confusion_matrix(&[0, 1, 1, 2, 2], &[0, 0, 1, 2, 1], 3);
        assert_eq!(c, vec![vec![1, 1, 0], vec![0, 1, 1], vec![0, 0, 1]]);
        let total: usize = c.iter().flatten().sum();
        assert_eq!(total, 5);
    }

    #[test]
    #[should_panic(expected = "class 3 out of range 0..3")]
    fn confusion_refuses_a_class_out_of_range() {
        confusion_matrix(&[3], &[0], 3);
    }

    #[test]
    fn slope_recovers_a_power_law() {
        // y = 5 x^2.5 exactly; a constant has slope 0.
        let pts: Vec<(f64, f64)> = [10.0, 100.0, 1000.0, 1e4]
            .iter()
            .map(|&x: &f64| (x, 5.0 * x.powf(2.5)))
            .collect();
        approx::assert_relative_eq!(loglog_slope(&pts), 2.5, max_relative = 1e-12);
        let flat = [(1.0, 3.0), (10.0, 3.0), (100.0, 3.0)];
        assert_eq!(loglog_slope(&flat), 0.0);
        assert!(loglog_slope(&pts[..1]).is_nan());
    }
}
