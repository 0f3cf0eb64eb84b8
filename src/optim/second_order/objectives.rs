//! Objectives for the second-order chapter: a convex quadratic, Rosenbrock (2-D and chained), and
//! softmax regression on images — each with value, gradient and exact Hessian.

use faer::{Accum, Mat, MatRef, Par};

/// The Hessian's blocks multiply on every core; WebAssembly (the book's playground builds the
/// library there) has no threads, and faer's parallel GEMM is left out of that build.
fn gemm_par() -> Par {
    #[cfg(not(target_family = "wasm"))]
    return Par::rayon(0);
    #[cfg(target_family = "wasm")]
    return Par::Seq;
}
use ndarray::ArrayView2;
use rayon::prelude::*;

use super::kernels::{self, KP, MAX_K};
use super::method::{Hessian, Objective};
use rand::Rng;

use crate::rng::{NnRng, permutation, randn};

/// `f(x) = ½ x'Ax - b'x` with `A` symmetric positive definite (row-major `(n, n)`).
#[derive(Clone, Debug)]
pub struct Quadratic {
    pub a: Vec<f64>,
    pub b: Vec<f64>,
}

impl Quadratic {
    /// A random well-conditioned instance: `A = M'M / n + I`.
    pub fn random<R: Rng + ?Sized>(n: usize, rng: &mut R) -> Self {
        let m: Vec<f64> = (0..n * n).map(|_| randn(rng)).collect();
        let mut a = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                let mut s = 0.0;
                for r in 0..n {
                    s += m[r * n + i] * m[r * n + j];
                }
                a[i * n + j] = s / n as f64 + if i == j { 1.0 } else { 0.0 };
            }
        }
        let b = (0..n).map(|_| randn(rng)).collect();
        Quadratic { a, b }
    }

    /// The minimizer `A⁻¹ b`, by Cholesky.
    pub fn minimizer(&self) -> Vec<f64> {
        let (p, _) = super::newton::newton_direction(
            &self.a,
            &self.b.iter().map(|b| -b).collect::<Vec<_>>(),
        );
        p
    }
}

impl Objective for Quadratic {
    fn dim(&self) -> usize {
        self.b.len()
    }
    fn value_grad(&mut self, x: &[f64], grad: &mut [f64]) -> f64 {
        super::bfgs::matvec(&self.a, x, grad);
        let f = 0.5 * super::method::dot(x, grad) - super::method::dot(&self.b, x);
        grad.iter_mut().zip(&self.b).for_each(|(g, b)| *g -= b);
        f
    }
}

impl Hessian for Quadratic {
    fn hessian(&mut self, _x: &[f64], hess: &mut [f64]) {
        hess.copy_from_slice(&self.a);
    }
}

/// The chained (extended) Rosenbrock function in `n >= 2` dimensions,
/// `f = Σ_{i<n-1} 100 (x_{i+1} - x_i²)² + (1 - x_i)²`, minimum 0 at `(1, ..., 1)`. For `n = 2` it
/// is the surface of the update-rules chapter. Its Hessian is tridiagonal but is written dense: the
/// scaling experiment measures what a dense Newton step costs.
#[derive(Clone, Copy, Debug)]
pub struct Rosenbrock {
    pub n: usize,
}

impl Rosenbrock {
    /// The usual start `(-1.2, 1, -1.2, 1, ...)`.
    pub fn start(&self) -> Vec<f64> {
        (0..self.n)
            .map(|i| if i % 2 == 0 { -1.2 } else { 1.0 })
            .collect()
    }
}

impl Objective for Rosenbrock {
    fn dim(&self) -> usize {
        self.n
    }
    fn value_grad(&mut self, x: &[f64], grad: &mut [f64]) -> f64 {
        grad.iter_mut().for_each(|g| *g = 0.0);
        let mut f = 0.0;
        for i in 0..self.n - 1 {
            let (a, b) = (x[i + 1] - x[i] * x[i], 1.0 - x[i]);
            f += 100.0 * a * a + b * b;
            grad[i] += -400.0 * x[i] * a - 2.0 * b;
            grad[i + 1] += 200.0 * a;
        }
        f
    }
}

impl Hessian for Rosenbrock {
    fn hessian(&mut self, x: &[f64], hess: &mut [f64]) {
        let n = self.n;
        hess.iter_mut().for_each(|h| *h = 0.0);
        for i in 0..n - 1 {
            hess[i * n + i] += 1200.0 * x[i] * x[i] - 400.0 * x[i + 1] + 2.0;
            hess[(i + 1) * n + i + 1] += 200.0;
            hess[i * n + i + 1] -= 400.0 * x[i];
            hess[(i + 1) * n + i] -= 400.0 * x[i];
        }
    }
}

/// Rows per parallel task and per cache block in the softmax-regression loops. Tasks have a fixed
/// size so the partial sums, and therefore the result's bits, do not depend on the thread count.
const TASK_ROWS: usize = 2048;
const BLOCK_ROWS: usize = 64;

// ANCHOR: softmax_regression
/// Softmax (multinomial logistic) regression with L2 on the weights:
/// `J(W, b) = mean_i [ -log softmax(x_i W + b)_{y_i} ] + ½ λ ‖W‖²_F` (the bias is not regularized).
///
/// Parameters are laid out as a row-major `(d + 1, k)` matrix: `W` (d rows), then `b` — the order
/// of `[W.ravel(), b]` in NumPy, so SciPy's and PyTorch's runs see the same vector. Features are
/// stored with a trailing 1 so the bias is the last row of one matrix product.
pub struct SoftmaxRegression {
    /// `(N, d + 1)` row-major, last column 1.
    features: Vec<f64>,
    labels: Vec<usize>,
    n: usize,
    d: usize,
    k: usize,
    pub lambda: f64,
}
// ANCHOR_END: softmax_regression

impl SoftmaxRegression {
    /// `x: (N, d)`, labels in `0..k`.
    pub fn new(x: ArrayView2<'_, f64>, labels: &[usize], k: usize, lambda: f64) -> Self {
        let (n, d) = x.dim();
        assert_eq!(labels.len(), n, "one label per row");
        assert!(labels.iter().all(|&l| l < k), "label out of range 0..{k}");
        assert!(
            (2..=MAX_K).contains(&k),
            "softmax regression here handles 2 to {MAX_K} classes, not {k}"
        );
        let mut features = Vec::with_capacity(n * (d + 1));
        for row in x.rows() {
            features.extend(row.iter());
            features.push(1.0);
        }
        SoftmaxRegression {
            features,
            labels: labels.to_vec(),
            n,
            d,
            k,
            lambda,
        }
    }

    pub fn samples(&self) -> usize {
        self.n
    }
    pub fn features(&self) -> usize {
        self.d
    }
    pub fn classes(&self) -> usize {
        self.k
    }

    /// A new problem made of the given rows (a mini-batch).
    pub fn subset(&self, rows: &[usize]) -> Self {
        let w = self.d + 1;
        let mut features = Vec::with_capacity(rows.len() * w);
        for &r in rows {
            features.extend_from_slice(&self.features[r * w..(r + 1) * w]);
        }
        SoftmaxRegression {
            features,
            labels: rows.iter().map(|&r| self.labels[r]).collect(),
            n: rows.len(),
            d: self.d,
            k: self.k,
            lambda: self.lambda,
        }
    }

    fn rows(&self, start: usize, len: usize) -> MatRef<'_, f64> {
        let w = self.d + 1;
        MatRef::from_row_major_slice(&self.features[start * w..(start + len) * w], len, w)
    }

    /// Fraction of rows whose highest score is their label.
    pub fn accuracy(&self, params: &[f64]) -> f64 {
        let w = MatRef::from_row_major_slice(params, self.d + 1, self.k);
        let scores = self.rows(0, self.n) * w;
        let correct = (0..self.n)
            .filter(|&i| {
                let best = (0..self.k).fold(0, |b, a| {
                    if scores[(i, a)] > scores[(i, b)] {
                        a
                    } else {
                        b
                    }
                });
                best == self.labels[i]
            })
            .count();
        correct as f64 / self.n as f64
    }

    /// Class probabilities `(N, k)`.
    fn probabilities(&self, params: &[f64]) -> Mat<f64> {
        let w = MatRef::from_row_major_slice(params, self.d + 1, self.k);
        let mut p = self.rows(0, self.n) * w;
        for i in 0..self.n {
            let zmax = (0..self.k).fold(f64::NEG_INFINITY, |m, a| m.max(p[(i, a)]));
            let mut sum = 0.0;
            for a in 0..self.k {
                p[(i, a)] = (p[(i, a)] - zmax).exp();
                sum += p[(i, a)];
            }
            for a in 0..self.k {
                p[(i, a)] /= sum;
            }
        }
        p
    }

    /// Data term of one task (rows `start..start+len`): the summed loss, and `X'(P - Y)` added to
    /// `grad` (`(d + 1, k)` row-major). One cache block of rows at a time, so each block of `X` is
    /// read from memory once and reused from cache by the second product.
    fn task<const K: usize>(&self, wp: &[f64], start: usize, len: usize, grad: &mut [f64]) -> f64 {
        let (w, k) = (self.d + 1, K);
        let mut loss = 0.0;
        let mut z = vec![0.0; BLOCK_ROWS * k];
        let mut b = start;
        while b < start + len {
            let rows = BLOCK_ROWS.min(start + len - b);
            let xb = &self.features[b * w..(b + rows) * w];
            let z = &mut z[..rows * k];
            kernels::scores::<K>(xb, wp, w, z); // z: (rows, d+1) x (d+1, k) -> (rows, k)
            for (zi, &y) in z.chunks_exact_mut(k).zip(&self.labels[b..b + rows]) {
                let zmax = zi.iter().fold(f64::NEG_INFINITY, |m, &v| m.max(v));
                // -log softmax_y = log Σ exp(z - zmax) - (z_y - zmax)
                let zy = zi[y] - zmax;
                let mut sum = 0.0;
                for v in zi.iter_mut() {
                    *v = (*v - zmax).exp();
                    sum += *v;
                }
                loss += sum.ln() - zy;
                let inv = 1.0 / sum;
                zi.iter_mut().for_each(|v| *v *= inv);
                zi[y] -= 1.0;
            }
            kernels::add_outer::<K>(xb, z, w, grad); // grad += X_b' (P - Y)_b : (d+1, rows) x (rows, k)
            b += rows;
        }
        loss
    }
}

impl Objective for SoftmaxRegression {
    fn dim(&self) -> usize {
        (self.d + 1) * self.k
    }

    fn value_grad(&mut self, params: &[f64], grad: &mut [f64]) -> f64 {
        let dim = self.dim();
        assert_eq!(params.len(), dim, "parameter vector has the wrong length");
        // W (d+1, k) with its class columns padded to KP, as the score kernel reads it.
        let (w, k) = (self.d + 1, self.k);
        let wp: Vec<f64> = (0..w * KP)
            .map(|i| {
                if i % KP < k {
                    params[(i / KP) * k + i % KP]
                } else {
                    0.0
                }
            })
            .collect();
        let wp = &wp;
        let tasks = self.n.div_ceil(TASK_ROWS);
        let partial: Vec<(f64, Vec<f64>)> = (0..tasks)
            .into_par_iter()
            .map(|t| {
                let start = t * TASK_ROWS;
                let mut g = vec![0.0; dim];
                let len = TASK_ROWS.min(self.n - start);
                // The kernels keep a class count's accumulators in registers: one copy per k.
                let loss = match k {
                    2 => self.task::<2>(wp, start, len, &mut g),
                    3 => self.task::<3>(wp, start, len, &mut g),
                    4 => self.task::<4>(wp, start, len, &mut g),
                    5 => self.task::<5>(wp, start, len, &mut g),
                    6 => self.task::<6>(wp, start, len, &mut g),
                    7 => self.task::<7>(wp, start, len, &mut g),
                    8 => self.task::<8>(wp, start, len, &mut g),
                    9 => self.task::<9>(wp, start, len, &mut g),
                    10 => self.task::<10>(wp, start, len, &mut g),
                    _ => unreachable!("checked in new"),
                };
                (loss, g)
            })
            .collect();
        // Sum the tasks in order: the same bits for any thread count.
        grad.iter_mut().for_each(|g| *g = 0.0);
        let mut loss = 0.0;
        for (l, g) in &partial {
            loss += l;
            super::method::axpy(1.0, g, grad);
        }
        let inv_n = 1.0 / self.n as f64;
        grad.iter_mut().for_each(|g| *g *= inv_n);
        let weights = self.d * self.k; // the bias row is not regularized
        super::method::axpy(self.lambda, &params[..weights], &mut grad[..weights]);
        loss * inv_n
            + 0.5 * self.lambda * super::method::dot(&params[..weights], &params[..weights])
    }
}

impl Hessian for SoftmaxRegression {
    /// `H[(j,a),(l,b)] = mean_i x_ij x_il (p_ia δ_ab - p_ia p_ib) + λ δ_ab δ_jl` (λ only on weights),
    /// built block by block: for each class pair `(a, b)`, `X' diag(c_ab) X`. Costs
    /// `k(k+1)/2 · 2 N (d+1)²` flops, so it is meant for reduced problems (tens of features).
    fn hessian(&mut self, params: &[f64], hess: &mut [f64]) {
        let (n, w, k) = (self.n, self.d + 1, self.k);
        let dim = w * k;
        assert_eq!(hess.len(), dim * dim, "Hessian buffer has the wrong length");
        assert!(
            dim <= 8000,
            "an exact Hessian of {dim} parameters would take {} GB",
            dim * dim * 8 / 1_000_000_000
        );
        let p = self.probabilities(params);
        let x = self.rows(0, n);
        let inv_n = 1.0 / n as f64;
        let mut block = Mat::<f64>::zeros(w, w);
        let mut scaled = Mat::<f64>::zeros(n, w);
        for a in 0..k {
            for b in a..k {
                for i in 0..n {
                    let c = p[(i, a)] * (if a == b { 1.0 } else { 0.0 } - p[(i, b)]) * inv_n;
                    for j in 0..w {
                        scaled[(i, j)] = c * x[(i, j)];
                    }
                }
                faer::linalg::matmul::matmul(
                    block.as_mut(),
                    Accum::Replace,
                    x.transpose(),
                    scaled.as_ref(),
                    1.0,
                    gemm_par(),
                );
                for j in 0..w {
                    for l in 0..w {
                        let v = block[(j, l)]
                            + if a == b && j == l && j < self.d {
                                self.lambda
                            } else {
                                0.0
                            };
                        hess[(j * k + a) * dim + l * k + b] = v;
                        hess[(l * k + b) * dim + j * k + a] = v;
                    }
                }
            }
        }
    }
}

/// A mini-batch view of a softmax-regression problem: every evaluation draws a new batch (without
/// replacement within the batch), as a stochastic-gradient method's would. For the noise
/// experiment: L-BFGS fed such values and gradients.
pub struct MiniBatch<'a> {
    pub full: &'a SoftmaxRegression,
    pub batch: usize,
    pub rng: NnRng,
}

impl Objective for MiniBatch<'_> {
    fn dim(&self) -> usize {
        self.full.dim()
    }
    fn value_grad(&mut self, params: &[f64], grad: &mut [f64]) -> f64 {
        let mut rows = permutation(&mut self.rng, self.full.n);
        rows.truncate(self.batch);
        self.full.subset(&rows).value_grad(params, grad)
    }
}

/// Average-pools `(N, side²)` square images by `pool x pool` blocks: `(N, (side/pool)²)`. Gives the
/// reduced problem on which an exact Hessian fits (28x28 → 7x7 with `pool = 4`).
pub fn pool_images(x: ArrayView2<'_, f64>, side: usize, pool: usize) -> ndarray::Array2<f64> {
    assert_eq!(x.ncols(), side * side, "images are not {side}x{side}");
    assert!(
        pool >= 1 && side.is_multiple_of(pool),
        "pool size {pool} does not divide {side}"
    );
    let s = side / pool;
    let scale = 1.0 / (pool * pool) as f64;
    ndarray::Array2::from_shape_fn((x.nrows(), s * s), |(i, c)| {
        let (r0, c0) = ((c / s) * pool, (c % s) * pool);
        let mut sum = 0.0;
        for r in r0..r0 + pool {
            for cc in c0..c0 + pool {
                sum += x[[i, r * side + cc]];
            }
        }
        sum * scale
    })
}
