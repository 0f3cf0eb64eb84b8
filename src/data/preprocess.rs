//! The lecture's data preprocessing, fitted on training data only: zero-centring, normalizing
//! (per-feature standardization), decorrelating (rotating onto the principal axes of the
//! covariance) and whitening (dividing each principal axis by its standard deviation), as in
//! CS231n's notes:
//!
//! ```text
//! X -= np.mean(X, axis=0)             # zero-centre
//! X /= np.std(X, axis=0)              # normalize
//! cov = np.dot(X.T, X) / X.shape[0]   # covariance of zero-centred X
//! U, S, V = np.linalg.svd(cov)        # principal axes U, variances S
//! Xrot = np.dot(X, U)                 # decorrelate
//! Xwhite = Xrot / np.sqrt(S + 1e-5)   # whiten
//! ```
//!
//! Everything is computed in `f64` whatever the data's precision; the eigendecomposition is
//! faer's, run on one thread so its bits do not depend on the thread count.

use crate::Float;
use faer::diag::Diag;
use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::evd::{ComputeEigenvectors, self_adjoint_evd, self_adjoint_evd_scratch};
use faer::{Mat, Par};
use ndarray::{Array1, Array2, ArrayView2, Axis};

/// The per-feature mean of x: (N, D) -> (D,).
///
/// # Panics
/// If x has no rows.
pub fn feature_mean<F: Float>(x: ArrayView2<F>) -> Array1<f64> {
    assert!(x.nrows() > 0, "the mean of no rows");
    let mut sum = Array1::<f64>::zeros(x.ncols());
    for row in x.rows() {
        sum.zip_mut_with(&row, |s, &v| *s += v.as_f64());
    }
    sum / x.nrows() as f64
}

/// x − mean, in f64: (N, D).
pub fn centred<F: Float>(x: ArrayView2<F>, mean: &Array1<f64>) -> Array2<f64> {
    let mut c = x.mapv(|v| v.as_f64());
    c -= mean;
    c
}

// ANCHOR: covariance
/// The covariance of x: (N, D) -> (D, D): `Xcᵀ Xc / N` with `Xc = x − mean`.
pub fn covariance<F: Float>(x: ArrayView2<F>, mean: &Array1<f64>) -> Array2<f64> {
    let xc = centred(x, mean);
    xc.t().dot(&xc) / x.nrows() as f64
}
// ANCHOR_END: covariance

/// A symmetric matrix's eigenvalues, largest first, and its eigenvectors as the columns of
/// `vectors` (column `i` belongs to `values[i]`): `A = U diag(values) Uᵀ`.
#[derive(Clone, Debug)]
pub struct SymmetricEigen {
    pub values: Array1<f64>,
    pub vectors: Array2<f64>,
}

/// The eigendecomposition of a symmetric matrix (its lower triangle is read), by faer on one
/// thread, eigenvalues sorted largest first (what "principal components" means). For a covariance
/// matrix this is the slide's `svd(cov)`: `U` and `S` agree up to signs of the columns.
pub fn symmetric_eigen(a: &Array2<f64>) -> Result<SymmetricEigen, EigenError> {
    let n = a.nrows();
    assert_eq!(a.ncols(), n, "an eigendecomposition needs a square matrix");
    let m = Mat::from_fn(n, n, |i, j| a[[i, j]]);
    let (mut s, mut u) = (Diag::<f64>::zeros(n), Mat::<f64>::zeros(n, n));
    let par = Par::Seq;
    let scratch = self_adjoint_evd_scratch::<f64>(n, ComputeEigenvectors::Yes, par, default());
    let mut mem = MemBuffer::new(scratch);
    let stack = MemStack::new(&mut mem);
    self_adjoint_evd(
        m.as_ref(),
        s.as_mut(),
        Some(u.as_mut()),
        par,
        stack,
        default(),
    )
    .map_err(|_| EigenError)?;
    // faer sorts ascending: reverse to largest first.
    let values = Array1::from_shape_fn(n, |i| s[n - 1 - i]);
    let vectors = Array2::from_shape_fn((n, n), |(r, i)| u[(r, n - 1 - i)]);
    Ok(SymmetricEigen { values, vectors })
}

/// faer's eigendecomposition did not converge (a matrix that is not finite).
#[derive(Debug, thiserror::Error)]
#[error("the symmetric eigendecomposition did not converge: is the matrix finite?")]
pub struct EigenError;

fn default<T: Default>() -> T {
    T::default()
}

// ANCHOR: standardize
/// Zero-centring and normalizing: `(x − mean) / std` per feature, both from the training data.
#[derive(Clone, Debug)]
pub struct Standardize {
    pub mean: Array1<f64>,
    /// The per-feature standard deviation; a feature constant on the training data has 1 here (it
    /// is only centred: there is no spread to divide by).
    pub std: Array1<f64>,
}

impl Standardize {
    pub fn fit<F: Float>(x_train: ArrayView2<F>) -> Self {
        let mean = feature_mean(x_train);
        let xc = centred(x_train, &mean);
        let var = xc.mapv(|v| v * v).sum_axis(Axis(0)) / x_train.nrows() as f64;
        let std = var.mapv(|v| if v > 0.0 { v.sqrt() } else { 1.0 });
        Standardize { mean, std }
    }

    pub fn apply<F: Float>(&self, x: ArrayView2<F>) -> Array2<F> {
        let z = (centred(x, &self.mean)) / &self.std;
        z.mapv(F::lit)
    }
}
// ANCHOR_END: standardize

/// Principal component analysis of training data: its mean and the eigendecomposition of its
/// covariance.
#[derive(Clone, Debug)]
pub struct Pca {
    pub mean: Array1<f64>,
    pub eigen: SymmetricEigen,
}

impl Pca {
    /// Fits the mean and principal axes of x_train: (N, D).
    pub fn fit<F: Float>(x_train: ArrayView2<F>) -> Result<Self, EigenError> {
        let mean = feature_mean(x_train);
        let eigen = symmetric_eigen(&covariance(x_train, &mean))?;
        Ok(Pca { mean, eigen })
    }

    // ANCHOR: decorrelate
    /// Rotates x: (N, D) onto the principal axes: `(x − mean) U`, (N, D). Its covariance is
    /// diagonal, the eigenvalues on the diagonal.
    pub fn decorrelate<F: Float>(&self, x: ArrayView2<F>) -> Array2<f64> {
        centred(x, &self.mean).dot(&self.eigen.vectors)
    }

    /// Whitens x: (N, D): each principal coordinate divided by `sqrt(λ + eps)`, so the whitened
    /// training data's covariance is `diag(λ / (λ + eps))`, the identity where `λ ≫ eps`.
    pub fn whiten<F: Float>(&self, x: ArrayView2<F>, eps: f64) -> Array2<f64> {
        let scale = self.eigen.values.mapv(|l| 1.0 / (l.max(0.0) + eps).sqrt());
        self.decorrelate(x) * &scale
    }
    // ANCHOR_END: decorrelate

    /// Rotates whitened data back to the input space (ZCA whitening: `x_white Uᵀ`), so it can be
    /// looked at as images.
    pub fn unrotate(&self, rotated: &Array2<f64>) -> Array2<f64> {
        rotated.dot(&self.eigen.vectors.t())
    }

    /// x: (N, D) rebuilt from its first `k` principal components: `mean + (x − mean) U_k U_kᵀ`.
    pub fn reconstruct<F: Float>(&self, x: ArrayView2<F>, k: usize) -> Array2<f64> {
        let uk = self
            .eigen
            .vectors
            .slice(ndarray::s![.., ..k.min(self.mean.len())]);
        let mut r = centred(x, &self.mean).dot(&uk).dot(&uk.t());
        r += &self.mean;
        r
    }

    /// The share of the total variance the first `k` components explain, for k = 1..=D.
    pub fn explained_variance(&self) -> Vec<f64> {
        let total: f64 = self.eigen.values.iter().map(|v| v.max(0.0)).sum();
        let mut acc = 0.0;
        self.eigen
            .values
            .iter()
            .map(|v| {
                acc += v.max(0.0);
                acc / total
            })
            .collect()
    }
}

/// The preprocessing a network's inputs get; every statistic is fitted on the training data only.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Preprocessing {
    /// Pixels as stored, 0 to 255.
    Raw,
    /// Pixels / 255, in [0, 1].
    Scaled,
    /// Pixels / 255 minus the training set's mean image.
    ZeroCentred,
    /// Pixels / 255 standardized per pixel with the training set's mean and standard deviation.
    Standardized,
    /// Pixels / 255 rotated onto the training set's principal axes and whitened with `eps`.
    PcaWhitened { eps: f64 },
}

/// A preprocessing fitted to training data, ready to apply to any split.
pub enum Fitted {
    Scale(f64),
    Centre(Array1<f64>),
    Standardize(Standardize),
    Whiten(Box<Pca>, f64),
}

impl Preprocessing {
    /// The name the figures and CSV files use.
    pub fn name(self) -> &'static str {
        match self {
            Preprocessing::Raw => "raw pixels",
            Preprocessing::Scaled => "scaled to [0, 1]",
            Preprocessing::ZeroCentred => "zero-centred",
            Preprocessing::Standardized => "standardized",
            Preprocessing::PcaWhitened { .. } => "PCA-whitened",
        }
    }

    /// Fits to `x_train` (pixels / 255: what the loader gives), and only to it.
    pub fn fit<F: Float>(self, x_train: ArrayView2<F>) -> Result<Fitted, EigenError> {
        Ok(match self {
            Preprocessing::Raw => Fitted::Scale(255.0),
            Preprocessing::Scaled => Fitted::Scale(1.0),
            Preprocessing::ZeroCentred => Fitted::Centre(feature_mean(x_train)),
            Preprocessing::Standardized => Fitted::Standardize(Standardize::fit(x_train)),
            Preprocessing::PcaWhitened { eps } => Fitted::Whiten(Box::new(Pca::fit(x_train)?), eps),
        })
    }

    /// Fits to `train` and transforms it and every one of `others` in place; returns the fit.
    pub fn prepare<F: Float>(
        self,
        train: &mut Array2<F>,
        others: &mut [&mut Array2<F>],
    ) -> Result<Fitted, EigenError> {
        let fitted = self.fit(train.view())?;
        *train = fitted.apply(train.view());
        for m in others.iter_mut() {
            **m = fitted.apply(m.view());
        }
        Ok(fitted)
    }
}

impl Fitted {
    /// x: (N, D), pixels / 255 -> the preprocessed (N, D').
    pub fn apply<F: Float>(&self, x: ArrayView2<F>) -> Array2<F> {
        match self {
            Fitted::Scale(s) => x.mapv(|v| F::lit(v.as_f64() * s)),
            Fitted::Centre(mean) => centred(x, mean).mapv(F::lit),
            Fitted::Standardize(s) => s.apply(x),
            Fitted::Whiten(pca, eps) => pca.whiten(x, *eps).mapv(F::lit),
        }
    }
}

#[cfg(test)]
mod tests;
