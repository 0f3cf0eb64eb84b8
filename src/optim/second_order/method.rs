//! What every second-order method shares: the objective interface, the stopping rule, the iteration loop and its report, and the vector helpers.

use crate::runtime::simd;
use rayon::prelude::*;
use std::time::Instant;

/// A differentiable objective `f: R^n -> R`.
pub trait Objective {
    fn dim(&self) -> usize;
    /// Returns `f(x)` and writes `∇f(x)` into `grad` (length `dim()`).
    fn value_grad(&mut self, x: &[f64], grad: &mut [f64]) -> f64;
}

/// An objective that also knows its exact Hessian.
pub trait Hessian: Objective {
    /// Writes `∇²f(x)` into `hess`, row-major `(n, n)`.
    fn hessian(&mut self, x: &[f64], hess: &mut [f64]);
}

/// Counts value+gradient evaluations (each call computes both, as in SciPy's `jac=True`).
pub struct Counted<'a, O: ?Sized> {
    pub inner: &'a mut O,
    pub evals: usize,
}

impl<'a, O: Objective + ?Sized> Counted<'a, O> {
    pub fn new(inner: &'a mut O) -> Self {
        Counted { inner, evals: 0 }
    }
    pub fn value_grad(&mut self, x: &[f64], grad: &mut [f64]) -> f64 {
        self.evals += 1;
        self.inner.value_grad(x, grad)
    }
}

/// When a run stops. The defaults are SciPy's `L-BFGS-B` defaults (`gtol = 1e-5` on the largest
/// gradient component, `ftol = 2.2e-9` on the relative decrease), so runs compare like with like.
#[derive(Clone, Copy, Debug)]
pub struct Stopping {
    /// Stop when `max_i |∇f_i| <= grad_tol`.
    pub grad_tol: f64,
    /// Stop when `(f_k - f_{k+1}) / max(|f_k|, |f_{k+1}|, 1) <= rel_tol`.
    pub rel_tol: f64,
    pub max_iter: usize,
    /// Keep every iterate in [`Report::path`] (always done for problems of at most 16 dimensions).
    pub keep_path: bool,
}

impl Default for Stopping {
    fn default() -> Self {
        Stopping {
            grad_tol: 1e-5,
            rel_tol: 2.220446049250313e-9,
            max_iter: 200,
            keep_path: false,
        }
    }
}

impl Stopping {
    /// Only the iteration budget: for first-order methods run for a fixed number of steps.
    pub fn iterations(max_iter: usize) -> Self {
        Stopping {
            grad_tol: 0.0,
            rel_tol: 0.0,
            max_iter,
            keep_path: false,
        }
    }
}

/// Why a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopReason {
    GradientNorm,
    RelativeDecrease,
    MaxIterations,
    /// The line search found no acceptable step (the point is kept).
    LineSearch,
    /// The objective returned a non-finite value at the accepted point.
    NonFinite,
}

impl StopReason {
    pub fn label(self) -> &'static str {
        match self {
            StopReason::GradientNorm => "gradient norm",
            StopReason::RelativeDecrease => "relative decrease",
            StopReason::MaxIterations => "max iterations",
            StopReason::LineSearch => "line search failed",
            StopReason::NonFinite => "non-finite value",
        }
    }
}

/// One row of a run's history: the state after `iter` iterations.
#[derive(Clone, Debug, PartialEq)]
pub struct IterStat {
    pub iter: usize,
    /// Value+gradient evaluations so far.
    pub evals: usize,
    /// Wall time since the start of the run.
    pub seconds: f64,
    pub value: f64,
    /// Euclidean norm of the gradient.
    pub grad_norm: f64,
}

/// The outcome of a run.
#[derive(Clone, Debug)]
pub struct Report {
    pub x: Vec<f64>,
    pub value: f64,
    pub grad_norm: f64,
    pub iterations: usize,
    pub evals: usize,
    pub stop: StopReason,
    pub seconds: f64,
    /// Row 0 is the starting point.
    pub history: Vec<IterStat>,
    /// The iterates, when the run was asked to keep them (2-D trajectories).
    pub path: Vec<Vec<f64>>,
}

/// Minimizes an objective from its values and gradients.
pub trait Minimizer {
    /// Label for CSV files and legends, e.g. `L-BFGS (m=10)`.
    fn name(&self) -> String;
    fn minimize(&mut self, f: &mut dyn Objective, x0: &[f64], stop: &Stopping) -> Report;
}

/// Bookkeeping shared by every method: history, timing, the stopping tests.
pub(crate) struct Tracker {
    start: Instant,
    stop: Stopping,
    keep_path: bool,
    history: Vec<IterStat>,
    path: Vec<Vec<f64>>,
}

impl Tracker {
    /// Paths are kept for problems of at most this many dimensions.
    const PATH_MAX_DIM: usize = 16;

    pub(crate) fn new(stop: &Stopping, x0: &[f64], value: f64, grad: &[f64], evals: usize) -> Self {
        let keep_path = stop.keep_path || x0.len() <= Self::PATH_MAX_DIM;
        let mut t = Tracker {
            start: Instant::now(),
            stop: *stop,
            keep_path,
            history: Vec::new(),
            path: Vec::new(),
        };
        t.record(0, evals, x0, value, grad);
        t
    }

    pub(crate) fn record(
        &mut self,
        iter: usize,
        evals: usize,
        x: &[f64],
        value: f64,
        grad: &[f64],
    ) {
        self.history.push(IterStat {
            iter,
            evals,
            seconds: self.start.elapsed().as_secs_f64(),
            value,
            grad_norm: norm(grad),
        });
        if self.keep_path {
            self.path.push(x.to_vec());
        }
    }

    /// The stopping test after iteration `iter` moved the value from `prev` to `value`.
    pub(crate) fn check(
        &self,
        iter: usize,
        prev: f64,
        value: f64,
        grad: &[f64],
    ) -> Option<StopReason> {
        if !value.is_finite() {
            return Some(StopReason::NonFinite);
        }
        if max_abs(grad) <= self.stop.grad_tol {
            return Some(StopReason::GradientNorm);
        }
        if (prev - value) / prev.abs().max(value.abs()).max(1.0) <= self.stop.rel_tol {
            return Some(StopReason::RelativeDecrease);
        }
        if iter >= self.stop.max_iter {
            return Some(StopReason::MaxIterations);
        }
        None
    }

    /// The test before the first iteration: an already-stationary start stops at once.
    pub(crate) fn check_start(&self, value: f64, grad: &[f64]) -> Option<StopReason> {
        if !value.is_finite() {
            Some(StopReason::NonFinite)
        } else if max_abs(grad) <= self.stop.grad_tol {
            Some(StopReason::GradientNorm)
        } else if self.stop.max_iter == 0 {
            Some(StopReason::MaxIterations)
        } else {
            None
        }
    }

    pub(crate) fn finish(
        self,
        x: Vec<f64>,
        value: f64,
        grad: &[f64],
        evals: usize,
        stop: StopReason,
    ) -> Report {
        Report {
            iterations: self.history.last().map_or(0, |h| h.iter),
            x,
            value,
            grad_norm: norm(grad),
            evals,
            stop,
            seconds: self.start.elapsed().as_secs_f64(),
            history: self.history,
            path: self.path,
        }
    }
}

/// Vectors at least this long are split into fixed chunks of `PAR_CHUNK` for the parallel dot
/// product and `axpy`; the chunking does not depend on the thread count, so neither do the bits.
const PAR_MIN: usize = 1 << 17;

const PAR_CHUNK: usize = 1 << 15;

pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len(), "dot of vectors of different lengths");
    if a.len() < PAR_MIN {
        return dot_serial(a, b);
    }
    // Partial sums of fixed chunks, added in order.
    let partial: Vec<f64> = a
        .par_chunks(PAR_CHUNK)
        .zip(b.par_chunks(PAR_CHUNK))
        .map(|(a, b)| dot_serial(a, b))
        .collect();
    partial.iter().sum()
}

/// Compiled for the dispatched tier ([`simd::vectorized`]).
fn dot_serial(a: &[f64], b: &[f64]) -> f64 {
    simd::vectorized(
        #[inline(always)]
        || dot_lanes(a, b),
    )
}

#[inline(always)]
fn dot_lanes(a: &[f64], b: &[f64]) -> f64 {
    // Four partial sums: vectorizes, and fixes the summation order whatever the machine.
    let mut s = [0.0; 4];
    let (ca, cb) = (a.chunks_exact(4), b.chunks_exact(4));
    let tail: f64 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in ca.zip(cb) {
        for i in 0..4 {
            s[i] += x[i] * y[i];
        }
    }
    (s[0] + s[1]) + (s[2] + s[3]) + tail
}

pub fn norm(a: &[f64]) -> f64 {
    dot(a, a).sqrt()
}

pub fn max_abs(a: &[f64]) -> f64 {
    a.iter().fold(0.0, |m, v| m.max(v.abs()))
}

/// `y += alpha * x`
pub fn axpy(alpha: f64, x: &[f64], y: &mut [f64]) {
    assert_eq!(x.len(), y.len(), "axpy of vectors of different lengths");
    let kernel = |y: &mut [f64], x: &[f64]| {
        simd::vectorized(
            #[inline(always)]
            || {
                for (y, x) in y.iter_mut().zip(x) {
                    *y += alpha * x;
                }
            },
        )
    };
    if y.len() < PAR_MIN {
        kernel(y, x);
    } else {
        y.par_chunks_mut(PAR_CHUNK)
            .zip(x.par_chunks(PAR_CHUNK))
            .for_each(|(y, x)| kernel(y, x));
    }
}
