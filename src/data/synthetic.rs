//! Synthetic 2-D classification sets: the CS231n spiral and Gaussian clusters.

use crate::Float;
use crate::rng::randn;
use ndarray::Array2;
use rand::Rng;

/// CS231n's spiral: `classes` arms of `per_class` points; radius grows linearly from 0 to 1 and
/// the angle sweeps 4 radians per arm plus Gaussian noise of std 0.2.
/// -> (x: (per_class * classes, 2), y)
pub fn spiral<F: Float, R: Rng + ?Sized>(
    per_class: usize,
    classes: usize,
    rng: &mut R,
) -> (Array2<F>, Vec<usize>) {
    let n = per_class * classes;
    let mut x = Array2::zeros((n, 2));
    let mut y = Vec::with_capacity(n);
    for j in 0..classes {
        for i in 0..per_class {
            let frac = if per_class > 1 {
                i as f64 / (per_class - 1) as f64
            } else {
                0.0
            };
            let r = frac;
            let t = j as f64 * 4.0 + frac * 4.0 + randn(rng) * 0.2;
            let row = j * per_class + i;
            x[[row, 0]] = F::lit(r * t.sin());
            x[[row, 1]] = F::lit(r * t.cos());
            y.push(j);
        }
    }
    (x, y)
}

/// `classes` isotropic Gaussian blobs of std `std`, centres evenly spaced on a circle of radius 2.
/// -> (x: (per_class * classes, 2), y)
pub fn gaussian_clusters<F: Float, R: Rng + ?Sized>(
    per_class: usize,
    classes: usize,
    std: f64,
    rng: &mut R,
) -> (Array2<F>, Vec<usize>) {
    let n = per_class * classes;
    let mut x = Array2::zeros((n, 2));
    let mut y = Vec::with_capacity(n);
    for j in 0..classes {
        let angle = 2.0 * std::f64::consts::PI * j as f64 / classes as f64;
        let (cx, cy) = (2.0 * angle.cos(), 2.0 * angle.sin());
        for i in 0..per_class {
            let row = j * per_class + i;
            x[[row, 0]] = F::lit(cx + std * randn(rng));
            x[[row, 1]] = F::lit(cy + std * randn(rng));
            y.push(j);
        }
    }
    (x, y)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::seeded;

    #[test]
    fn spiral_shape_and_radius() {
        let (x, y) = spiral::<f64, _>(100, 3, &mut seeded(0));
        assert_eq!(x.dim(), (300, 2));
        assert_eq!(y.iter().filter(|&&c| c == 2).count(), 100);
        let r_last = x.row(99).dot(&x.row(99)).sqrt();
        approx::assert_relative_eq!(r_last, 1.0, epsilon = 1e-12);
        assert_eq!(x.row(0).to_vec(), vec![0.0, 0.0]);
    }

    #[test]
    fn clusters_centre_where_expected() {
        let (x, _) = gaussian_clusters::<f64, _>(2000, 4, 0.3, &mut seeded(1));
        let first = x
            .slice(ndarray::s![..2000, ..])
            .mean_axis(ndarray::Axis(0))
            .unwrap();
        approx::assert_abs_diff_eq!(first[0], 2.0, epsilon = 0.03);
        approx::assert_abs_diff_eq!(first[1], 0.0, epsilon = 0.03);
    }
}
