use super::*;
use crate::rng::{randn, seeded};

/// n points in d dimensions with correlated coordinates and a non-zero mean: `z M + offset` for
/// standard normal z and a random mixing matrix M.
fn correlated(n: usize, d: usize, seed: u64) -> Array2<f64> {
    let mut rng = seeded(seed);
    let mix = Array2::from_shape_simple_fn((d, d), || randn(&mut rng));
    let z = Array2::from_shape_simple_fn((n, d), || randn(&mut rng));
    let offset = Array1::from_shape_fn(d, |j| j as f64 - 3.0);
    z.dot(&mix) + &offset
}

fn max_abs(a: &Array2<f64>) -> f64 {
    a.iter().fold(0.0, |m, v| m.max(v.abs()))
}

#[test]
fn the_eigendecomposition_rebuilds_the_covariance_to_1e_10() {
    for (n, d, seed) in [(500, 2, 1), (2_000, 60, 2), (1_000, 200, 3)] {
        let x = correlated(n, d, seed);
        let c = covariance(x.view(), &feature_mean(x.view()));
        let e = symmetric_eigen(&c).unwrap();
        let rebuilt = (&e.vectors * &e.values).dot(&e.vectors.t());
        let err = max_abs(&(&rebuilt - &c)) / max_abs(&c);
        assert!(err < 1e-10, "{d}x{d}: relative error {err:e}");
        let gram = e.vectors.t().dot(&e.vectors);
        assert!(
            max_abs(&(gram - Array2::<f64>::eye(d))) < 1e-10,
            "U is not orthonormal"
        );
        assert!(
            e.values.windows(2).into_iter().all(|w| w[0] >= w[1]),
            "largest first"
        );
    }
}

#[test]
fn decorrelated_data_has_a_diagonal_covariance_and_whitened_data_the_identity() {
    let x = correlated(3_000, 40, 4);
    let pca = Pca::fit(x.view()).unwrap();
    let rot = pca.decorrelate(x.view());
    let c_rot = covariance(rot.view(), &feature_mean(rot.view()));
    let diag = Array2::from_diag(&pca.eigen.values);
    assert!(max_abs(&(&c_rot - &diag)) / pca.eigen.values[0] < 1e-10);
    // Without eps, the identity to rounding; with eps, diag(λ / (λ + eps)).
    let white = pca.whiten(x.view(), 0.0);
    let c_white = covariance(white.view(), &feature_mean(white.view()));
    assert!(max_abs(&(c_white - Array2::<f64>::eye(40))) < 1e-10);
    let eps = 0.5;
    let white = pca.whiten(x.view(), eps);
    let c_white = covariance(white.view(), &feature_mean(white.view()));
    let want = Array2::from_diag(&pca.eigen.values.mapv(|l| l / (l + eps)));
    assert!(max_abs(&(c_white - want)) < 1e-10);
}

#[test]
fn all_components_rebuild_the_data_and_explain_all_the_variance() {
    let x = correlated(400, 12, 5);
    let pca = Pca::fit(x.view()).unwrap();
    assert!(max_abs(&(pca.reconstruct(x.view(), 12) - &x)) < 1e-10);
    let explained = pca.explained_variance();
    assert!(explained.windows(2).all(|w| w[0] <= w[1]));
    approx::assert_relative_eq!(explained[11], 1.0, max_relative = 1e-12);
    // The first component's share is its eigenvalue's share of the trace.
    let c = covariance(x.view(), &pca.mean);
    approx::assert_relative_eq!(
        explained[0],
        pca.eigen.values[0] / c.diag().sum(),
        max_relative = 1e-10
    );
    // Zero components leave only the mean.
    let mean_only = pca.reconstruct(x.view(), 0);
    assert!(mean_only.rows().into_iter().all(|r| r == pca.mean.view()));
}

#[test]
fn standardized_features_have_mean_0_and_std_1_and_a_constant_feature_is_only_centred() {
    let mut x = correlated(1_000, 5, 6);
    x.column_mut(2).fill(7.0);
    let z = Standardize::fit(x.view()).apply(x.view());
    for (j, col) in z.columns().into_iter().enumerate() {
        let mean = col.sum() / 1_000.0;
        let std = (col.mapv(|v| (v - mean).powi(2)).sum() / 1_000.0).sqrt();
        assert!(mean.abs() < 1e-12, "feature {j}: mean {mean}");
        let want = if j == 2 { 0.0 } else { 1.0 };
        assert!((std - want).abs() < 1e-12, "feature {j}: std {std}");
    }
}

/// Every statistic comes from the training rows: replacing the validation and test images by
/// anything changes neither the fitted preprocessing nor the preprocessed training data, and the
/// other splits get exactly the fitted map.
#[test]
fn statistics_come_from_the_training_split_only() {
    let train = correlated(300, 6, 7).mapv(|v| v as f32);
    let held_out = |seed| correlated(100, 6, seed).mapv(|v| (v * 10.0 + 50.0) as f32);
    for kind in [
        Preprocessing::Raw,
        Preprocessing::Scaled,
        Preprocessing::ZeroCentred,
        Preprocessing::Standardized,
        Preprocessing::PcaWhitened { eps: 1e-5 },
    ] {
        let run = |seed: u64| {
            let (mut tr, mut val, mut test) = (train.clone(), held_out(seed), held_out(seed + 1));
            let fitted = kind.prepare(&mut tr, &mut [&mut val, &mut test]).unwrap();
            (tr, val, test, fitted)
        };
        let (tr_a, val_a, _, fit_a) = run(10);
        let (tr_b, val_b, test_b, fit_b) = run(20);
        assert_eq!(
            tr_a, tr_b,
            "{kind:?}: the held-out images changed the training data"
        );
        assert_eq!(fit_a.apply(held_out(20).view()), val_b, "{kind:?}");
        assert_eq!(fit_b.apply(held_out(21).view()), test_b, "{kind:?}");
        assert_eq!(fit_a.apply(held_out(10).view()), val_a, "{kind:?}");
    }
}
